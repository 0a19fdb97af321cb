"""What the trace observes beyond a statement's own ACCESS EXCLUSIVE: the indexes a partitioned build really
makes, a write-blocking lock held until commit, and a statement the schema alone makes the server refuse.

The oracle is the live server: the statement is run there in a transaction that is rolled back, and what it
built, locked or refused is read from pg_class, pg_locks or its error; the review must say the same.
"""

from __future__ import annotations

from pathlib import Path

import asyncpg

from dibs_tui.core.connect import resolve
from dibs_tui.core.review.report import ReviewedStatement
from dibs_tui.core.review.run import review_file


async def _review(db: str, tmp_path: Path, migration: str) -> tuple[ReviewedStatement, ...]:
    path = tmp_path / "m.sql"
    path.write_text(migration)
    return (await review_file(resolve(db), path)).statements


async def _rolled_back(db: str, sql: str, query: str) -> list[asyncpg.Record]:
    """`query`'s rows after `sql` ran on the live database, in a transaction then rolled back."""
    conn = await asyncpg.connect(db)
    try:
        tx = conn.transaction()
        await tx.start()
        try:
            await conn.execute(sql)
            return await conn.fetch(query)
        finally:
            await tx.rollback()
    finally:
        await conn.close()


async def test_a_partitioned_index_build_counts_the_partitions_indexes(db: str, tmp_path: Path) -> None:
    """CREATE INDEX on a partitioned table makes a partitioned index (no storage, nothing read) and one index
    per leaf partition: the review counted the partitioned ones as builds (3 for 2 partitions, 5 here)."""
    conn = await asyncpg.connect(db)
    try:
        await conn.execute(
            "CREATE TABLE m (id int, k int) PARTITION BY RANGE (k);"
            "CREATE TABLE m1 PARTITION OF m FOR VALUES FROM (0) TO (10);"
            "CREATE TABLE m2 PARTITION OF m FOR VALUES FROM (10) TO (20) PARTITION BY RANGE (k);"
            "CREATE TABLE m2a PARTITION OF m2 FOR VALUES FROM (10) TO (15);"
            "CREATE TABLE m2b PARTITION OF m2 FOR VALUES FROM (15) TO (20);"
            "INSERT INTO m SELECT i, i % 20 FROM generate_series(1, 400) i;"
        )
    finally:
        await conn.close()
    made = await _rolled_back(
        db,
        "CREATE INDEX m_id ON m (id)",
        "SELECT relkind::text AS kind, count(*) AS n FROM pg_class WHERE relkind IN ('i', 'I') "
        "AND relname LIKE 'm%id%' GROUP BY 1 ORDER BY 1",
    )
    assert [(r["kind"], r["n"]) for r in made] == [("I", 2), ("i", 3)]  # the server built 3 with storage
    [statement] = await _review(db, tmp_path, "CREATE INDEX m_id ON m (id);\n")
    [build] = [h for h in statement.hazards if h.kind == "blocking-index-build"]
    assert build.basis == "observed"
    assert build.message.startswith("builds 3 indexes on the partitions of public.m (400 rows) for the "
                                    "partitioned index m2_id_idx, m_id (m1_id_idx, …)"), build.message  # fmt: skip
    assert "CONCURRENTLY is refused on a partitioned table" in build.message
