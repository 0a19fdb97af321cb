"""An inheritance parent's rows as the review counts them, checked against what PostgreSQL 18 does: a statement
with ONLY reaches the parent's own rows, one without reaches its children's too (named, and the example row
says which table it is in), and a DROP ... CASCADE counts each row once."""

from __future__ import annotations

import re
from pathlib import Path

import asyncpg
import pytest

from dibs_tui.core.connect import resolve
from dibs_tui.core.review.report import Hazard
from dibs_tui.core.review.run import review_file
from tests.pg import execute, fetch, review

LOSS = "data-loss"
# Old-style partitioning: no key (the example is a ctid), rows in the parent and in two children
INHERITED = (
    "CREATE TABLE p (id int, v text); CREATE TABLE c1 () INHERITS (p); CREATE TABLE c2 () INHERITS (p);"
    "INSERT INTO p SELECT g, 'p' FROM generate_series(1, 3) g; INSERT INTO c1 SELECT g, 'c1' FROM "
    "generate_series(10, 14) g; INSERT INTO c2 SELECT g, 'c2' FROM generate_series(20, 21) g;"
)
# The rows a statement removes or changes, as the server counts them after running it
ALL_ROWS = "SELECT tableoid::regclass::text AS t, id, v FROM p"


def losses(result: object) -> list[Hazard]:
    return [h for _, h in result.hazards if h.kind == LOSS and h.basis == "observed"]  # type: ignore[attr-defined]


async def server_changes(db: str, migration: str) -> int:
    """Rows of p and its children the migration removes or changes, run on the server and rolled back."""
    conn = await asyncpg.connect(db)
    try:
        before = {tuple(r) for r in await conn.fetch(ALL_ROWS)}
        async with conn.transaction():
            await conn.execute(migration)
            after = {tuple(r) for r in await conn.fetch(ALL_ROWS)}
            raise _RolledBack
    except _RolledBack:
        return len(before - after)
    finally:
        await conn.close()


class _RolledBack(Exception):
    """Leaves the transaction rolled back."""


CASES = [
    ("TRUNCATE ONLY p", 3, "empties p and its 3 rows"),
    ("TRUNCATE p", 10, "public.c1 (5 rows), public.c2 (2 rows)"),
    ("DELETE FROM ONLY p", 3, "its 3 rows"),
    ("DELETE FROM ONLY p WHERE id > 1", 2, "deletes 2 rows of p"),
    ("DELETE FROM p WHERE id > 11", 5, "deletes 5 rows of p (e.g. ctid (0,1) in public.c2)"),
    ("DELETE FROM p", 10, "its 10 rows: 3 rows of its own"),
    ("UPDATE ONLY p SET v = 'z'", 3, "overwrites v in 3 rows of p"),
    ("UPDATE p SET v = 'z' WHERE id > 12", 4, "overwrites v in 4 rows of p (e.g. ctid (0,1) in public.c2)"),
]


@pytest.mark.parametrize(("migration", "rows", "text"), CASES, ids=[c[0] for c in CASES])
async def test_only_reaches_the_parent_and_without_it_the_children_are_named(
    db: str, migration: str, rows: int, text: str
) -> None:
    await execute(db, INHERITED)
    found = losses(await review(db, migration))
    assert len(found) == 1, found
    assert text in found[0].message, found[0].message
    assert found[0].count == rows == await server_changes(db, migration)


async def test_the_example_row_is_in_the_table_it_names(db: str) -> None:
    await execute(db, INHERITED)
    (hazard,) = losses(await review(db, "DELETE FROM p WHERE id > 11"))
    m = re.search(r"ctid (\(\d+,\d+\)) in (\S+)\)", hazard.message)
    assert m, hazard.message
    assert await fetch(db, f"SELECT id FROM ONLY {m.group(2)} WHERE ctid = '{m.group(1)}' AND id > 11")


async def test_a_drop_cascade_counts_each_row_once(db: str) -> None:
    await execute(db, INHERITED)
    found = losses(await review(db, "DROP TABLE p CASCADE"))
    counted = [h.count or 0 for h in found]
    assert sum(counted) == 10 == len(await fetch(db, ALL_ROWS)), [h.message for h in found]


async def test_a_drop_cascade_of_grandchildren_counts_each_row_once(db: str) -> None:
    await execute(
        db, INHERITED + "CREATE TABLE g () INHERITS (c1); INSERT INTO g VALUES (30, 'g'), (31, 'g');"
    )
    found = losses(await review(db, "DROP TABLE p CASCADE"))
    counted = {h.message.split(" and its")[0].split()[-1]: h.count for h in found}
    assert counted == {"p": 3, "c1": 5, "c2": 2, "g": 2}, [h.message for h in found]
    assert sum(counted.values()) == len(await fetch(db, ALL_ROWS)) == 12


async def test_an_empty_parent_is_counted_through_its_children(db: str) -> None:
    await execute(db, INHERITED + "DELETE FROM ONLY p;")
    migration = "DELETE FROM p WHERE id > 11"
    (hazard,) = losses(await review(db, migration))
    assert hazard.count == 5 == await server_changes(db, migration)


async def test_a_partitioned_tables_example_without_a_key_names_its_partition(db: str) -> None:
    """A ctid is a place in one partition's file: the same ctid is a row in each partition."""
    await execute(
        db,
        "CREATE TABLE m (id int, at int) PARTITION BY RANGE (at); CREATE TABLE m1 PARTITION OF m FOR VALUES "
        "FROM (0) TO (10); CREATE TABLE m2 PARTITION OF m FOR VALUES FROM (10) TO (20);"
        "INSERT INTO m VALUES (1, 1), (2, 2), (3, 15);",
    )
    (hazard,) = losses(await review(db, "DELETE FROM m WHERE id > 2"))
    assert hazard.message == "deletes 1 row of m (e.g. ctid (0,1) in public.m2)", hazard.message
    assert await fetch(db, "SELECT id FROM ONLY public.m2 WHERE ctid = '(0,1)' AND id > 2")
    assert await fetch(
        db, "SELECT id FROM ONLY public.m1 WHERE ctid = '(0,1)' AND NOT id > 2"
    )  # not this one


async def test_a_key_to_a_parent_is_not_held_by_its_childrens_rows(db: str) -> None:
    """A foreign key to an inheritance parent references the parent's own rows: deleting a child's row with the
    same key neither fails nor cascades, as the server shows."""
    await execute(
        db,
        "CREATE TABLE ip (id int PRIMARY KEY, v text); CREATE TABLE ic () INHERITS (ip);"
        "CREATE TABLE held (id int, ip_id int REFERENCES ip); CREATE TABLE gone (id int, ip_id int REFERENCES ip "
        "ON DELETE CASCADE); INSERT INTO ip VALUES (5, 'p'); INSERT INTO ic VALUES (5, 'c'), (6, 'c');"
        "INSERT INTO held VALUES (1, 5); INSERT INTO gone VALUES (1, 5);",
    )
    child_rows = "DELETE FROM ip WHERE v = 'c'"
    result = await review(db, child_rows)
    assert [h.message for _, h in result.hazards if h.basis == "observed"] == [
        "deletes 2 rows of ip (e.g. (id)=(5) in public.ic)"
    ], result.to_text()
    conn = await asyncpg.connect(db)
    try:
        tx = conn.transaction()
        await tx.start()
        await conn.execute(child_rows)  # the server lets it pass, and removes no row of gone
        assert await conn.fetchval("SELECT count(*) FROM gone") == 1
        await tx.rollback()
    finally:
        await conn.close()
    own = await review(db, "DELETE FROM ip WHERE id = 5")  # the parent's own row 5 is held, and cascades
    assert sorted(h.kind for _, h in own.hazards if h.basis == "observed") == [
        "data-loss",
        "data-loss",
        "fails-on-existing-data",
    ], own.to_text()


@pytest.mark.parametrize("migration", ["DELETE FROM ONLY m", "UPDATE ONLY m SET at = 3", "TRUNCATE ONLY m"])
async def test_only_a_partitioned_table_reaches_no_row(db: str, migration: str) -> None:
    """A partitioned table holds no row itself: DELETE / UPDATE ONLY change none, TRUNCATE ONLY is refused."""
    await execute(
        db,
        "CREATE TABLE m (id int, at int) PARTITION BY RANGE (at); CREATE TABLE m1 PARTITION OF m FOR VALUES "
        "FROM (0) TO (10); INSERT INTO m VALUES (1, 1), (2, 2);",
    )
    assert losses(await review(db, migration)) == []
    conn = await asyncpg.connect(db)
    try:
        tx = conn.transaction()
        await tx.start()
        try:
            await conn.execute(migration)
            assert [tuple(r) for r in await conn.fetch("SELECT * FROM m ORDER BY id")] == [(1, 1), (2, 2)]
        except asyncpg.PostgresError:
            assert migration.startswith("TRUNCATE")
        finally:
            await tx.rollback()
    finally:
        await conn.close()


async def test_a_lock_on_an_empty_parent_blocks_the_reads_of_its_children(db: str, tmp_path: Path) -> None:
    """Old-style partitioning keeps no row in the parent: ACCESS EXCLUSIVE on it alone still blocks every query
    of it, which reads its children's rows. Said, traced and untraced, with those rows."""
    await execute(db, INHERITED + "DELETE FROM ONLY p;")
    migration = "ALTER TABLE ONLY p ALTER COLUMN v SET DEFAULT 'x'"
    conn = await asyncpg.connect(db)
    try:
        tx = conn.transaction()
        await tx.start()
        await conn.execute(migration)
        held = await conn.fetchval(
            "SELECT mode FROM pg_locks WHERE pid = pg_backend_pid() AND relation = 'p'::regclass"
        )
        await tx.rollback()
    finally:
        await conn.close()
    assert held == "AccessExclusiveLock"  # a query of p waits for it
    path = tmp_path / "m.sql"
    path.write_text(migration + ";\n")
    for result in (await review(db, migration), await review_file(resolve(db), path)):
        locks = [h.message for _, h in result.hazards if h.kind == "access-exclusive-lock"]
        assert len(locks) == 1 and "p (0 rows, and 7 in its inheritance children)" in locks[0], (
            result.to_text()
        )
