"""The observed trace on a database of each test's own: what one migration's statements are said to lock,
read and build, each against what the server does (the module's shared-catalog cases are in
tests/test_review_trace.py)."""

from __future__ import annotations

import asyncio
import contextvars
from pathlib import Path

import asyncpg
import pytest

from dibs_tui.core.connect import resolve
from dibs_tui.core.review.report import Review
from dibs_tui.core.review.run import review_file, review_text
from dibs_tui.core.session_limits import SessionLimits, use_limits
from tests.pg import execute, held_table, run_sql


@pytest.mark.parametrize("proven", [False, True], ids=["no-check", "validated-check"])
async def test_set_not_null_says_whether_it_reads_every_row(db: str, tmp_path: Path, proven: bool) -> None:
    """SET NOT NULL reads every row under its ACCESS EXCLUSIVE lock unless a validated CHECK (c IS NOT NULL)
    proves there is no NULL: the trace sees the read in the clone's pg_stat_xact_user_tables, the oracle in
    the live database's own."""
    await execute(
        db,
        "CREATE TABLE s (id int PRIMARY KEY, c int); INSERT INTO s SELECT g, g FROM generate_series(1, 100) g;"
        + ("ALTER TABLE s ADD CONSTRAINT s_c CHECK (c IS NOT NULL);" if proven else ""),
    )
    migration = "ALTER TABLE s ALTER COLUMN c SET NOT NULL"
    path = tmp_path / "m.sql"
    path.write_text(migration + ";\n")
    review = await review_file(resolve(db), path)
    [statement] = review.statements
    [lock] = [h for h in statement.hazards if h.kind == "access-exclusive-lock"]
    conn = await asyncpg.connect(db)
    try:
        transaction = conn.transaction()
        await transaction.start()
        await conn.execute(migration)
        scans = await conn.fetchval("SELECT seq_scan FROM pg_stat_xact_user_tables WHERE relname = 's'")
        await transaction.rollback()
    finally:
        await conn.close()
    assert (scans > 0) is not proven
    assert ("reads every row" in lock.message) is not proven, review.to_text()
    if not proven:
        assert lock.basis == "observed" and lock.cost is not None and lock.cost.seconds is not None
        assert lock.cost.size_bytes > 0 and "read at" in lock.cost.how


async def test_a_statement_that_fails_in_the_clone_is_marked_in_the_migrations_pane(
    db: str, tmp_path: Path
) -> None:
    """A statement the server refuses on the schema alone (a column a view reads, retyped) fails in the empty
    clone and will fail live: the pane's marks and hazard lines show it, not only its lock."""
    from dibs_tui.ui.review_marks import hazard_lines, marked_sql

    await execute(db, "CREATE TABLE t (id int, v text); CREATE VIEW tv AS SELECT v FROM t;")
    migration = "SELECT 1;\nALTER TABLE t ALTER COLUMN v TYPE varchar(5);\n"
    path = tmp_path / "m.sql"
    path.write_text(migration)
    review = await review_file(resolve(db), path)
    failing = review.statements[1]
    assert failing.trace.startswith("failed: cannot alter type of a column used by a view or rule")
    lines = hazard_lines(review)
    assert lines[0].startswith("▲ line 2: ALTER TABLE t"), lines
    assert any(
        line.startswith("    fails-on-schema (observed): ")
        and "fails: cannot alter type of a column used by a view or rule" in line
        for line in lines
    ), lines
    marked = marked_sql(migration, review).plain.splitlines()
    assert marked[1].startswith("▲") and not marked[0].startswith("▲"), marked
    with pytest.raises(asyncpg.FeatureNotSupportedError):  # and the live server refuses it
        await execute(db, "ALTER TABLE t ALTER COLUMN v TYPE varchar(5)")


async def test_a_stronger_lock_held_from_before_on_a_table_the_statement_names_is_said(
    db: str, tmp_path: Path
) -> None:
    """pg_locks shows only what a statement adds: a DELETE ... USING after a DELETE of the same table adds only
    ACCESS SHARE on the joined table, while its ROW EXCLUSIVE on the table it deletes from is held already."""
    await execute(
        db,
        "CREATE TABLE rw (id int PRIMARY KEY); CREATE TABLE u (id int);"
        "INSERT INTO rw SELECT generate_series(1, 20); INSERT INTO u VALUES (5);",
    )
    path = tmp_path / "m.sql"
    path.write_text("DELETE FROM rw WHERE id < 3;\nDELETE FROM rw r USING u WHERE u.id = r.id;\n")
    review = await review_file(resolve(db), path)
    second = review.statements[1]
    assert second.lock == (
        "ACCESS SHARE on public.u, ROW EXCLUSIVE already held on public.rw from an earlier statement"
    ), review.to_text()


async def test_a_review_bounded_in_relations_leaves_a_bigger_migration_untraced(db: str) -> None:
    """The Diff tab reviews every plan it shows on its own, so its trace is bounded (ui/review_marks.
    PLAN_TRACE_MOST): a plan reaching more relations is reviewed by the rules alone, the notes say why, and no
    sandbox is made; within the bound, or unbounded, it is traced."""
    await execute(db, "CREATE TABLE a (id int); CREATE TABLE b (id int); CREATE TABLE c (id int);")
    text = (
        "ALTER TABLE a ADD COLUMN x int;\nALTER TABLE b ADD COLUMN x int;\nALTER TABLE c ADD COLUMN x int;\n"
    )
    bounded = await review_text(resolve(db), text, "plan", most_traced=2)
    assert bounded.notes == (
        "not traced (it reaches at least 3 relations, more than the 2 a review of its own clones; `dibs-tui "
        "review FILE` traces any number): locks and rewrites are the rules' inference",
    )
    assert all(not s.locks for s in bounded.statements)
    assert [s.lock for s in bounded.statements] == [f"ACCESS EXCLUSIVE on {t}" for t in "abc"]  # by the rules
    for most in (3, None):
        traced_whole = await review_text(resolve(db), text, "plan", most_traced=most)
        assert any(n.startswith("traced in a clone of 3 ") for n in traced_whole.notes), traced_whole.notes
        assert all(s.locks for s in traced_whole.statements)
    # one name, three relations reached through foreign keys: only the catalog read can tell, and does
    await execute(db, "ALTER TABLE a ADD PRIMARY KEY (id); CREATE TABLE r (a int REFERENCES a, c int);")
    reached = await review_text(resolve(db), "ALTER TABLE r ADD COLUMN y int;\n", "plan", most_traced=1)
    assert reached.notes[0].startswith("not traced (it reaches 2 relations, more than the 1 "), reached.notes


def test_a_plan_over_the_bound_by_its_names_alone_is_not_read_whole(db: str) -> None:
    """Whether the Diff tab's review traces a plan is decided from the live relations its statements name (one
    pg_class query) before the whole live catalog is read to find what they reach: at 100,000 tables that
    read is seconds of server and client time, for a plan that is then not traced. Observed on the server: a
    catalog read of this database waits on `held`'s lock (its view and CHECK are deparsed) and gives up."""
    run_sql(db, "CREATE TABLE a (id int); CREATE TABLE b (id int); CREATE TABLE c (id int);")
    text = (
        "ALTER TABLE a ADD COLUMN x int;\nALTER TABLE b ADD COLUMN x int;\nALTER TABLE c ADD COLUMN x int;\n"
    )

    def review(most: int) -> Review:
        def bounded() -> Review:
            use_limits(SessionLimits(lock_timeout="200ms"))
            return asyncio.run(review_text(resolve(db), text, "plan", most_traced=most))

        return contextvars.copy_context().run(bounded)

    with held_table(db):
        within = review(3)  # within the bound: the catalog is read, and that read meets the lock
        [note] = within.notes
        assert note.startswith("not traced (") and "lock" in note, note
        over = review(2)
        assert over.notes == (
            "not traced (it reaches at least 3 relations, more than the 2 a review of its own clones; `dibs-tui "
            "review FILE` traces any number): locks and rewrites are the rules' inference",
        )
        assert [s.lock for s in over.statements] == [f"ACCESS EXCLUSIVE on {t}" for t in "abc"]  # the rules'


async def test_a_truncate_is_no_rewrite_and_builds_no_index(db: str, tmp_path: Path) -> None:
    """TRUNCATE gives the table and its indexes new, empty files: the trace read the new relfilenodes as a
    rewrite (its lock time estimated from the table's size) and, with an index, as an index build."""
    await execute(
        db,
        "CREATE TABLE big (id int PRIMARY KEY, v text); CREATE INDEX big_v ON big (v);"
        "INSERT INTO big SELECT i, repeat('x', 200) FROM generate_series(1, 2000) i;",
    )
    path = tmp_path / "t.sql"
    path.write_text("TRUNCATE big;\n")
    review = await review_file(resolve(db), path)
    [statement] = review.statements
    kinds = {h.kind for h in statement.hazards}
    assert statement.trace == "ran" and "data-loss" in kinds, statement
    assert not kinds & {"table-rewrite", "blocking-index-build"}, statement.hazards
    assert statement.lock == "ACCESS EXCLUSIVE on public.big"


@pytest.mark.parametrize("migration", ["TRUNCATE parent CASCADE", "TRUNCATE child, parent"])
async def test_a_truncate_of_tables_a_key_joins_reads_no_row(db: str, tmp_path: Path, migration: str) -> None:
    """The server counts a sequential scan of each table a TRUNCATE empties with a foreign key between them,
    but of the new, empty file: not a row is read (seq_tup_read), so no read under the lock is said."""
    await execute(
        db,
        "CREATE TABLE parent (id int PRIMARY KEY); CREATE TABLE child (id int, p int REFERENCES parent);"
        "INSERT INTO parent SELECT generate_series(1, 2000); INSERT INTO child SELECT g, g FROM "
        "generate_series(1, 2000) g;",
    )
    conn = await asyncpg.connect(db)
    try:
        tx = conn.transaction()
        await tx.start()
        await conn.execute(migration)
        read = await conn.fetchval(
            "SELECT sum(seq_tup_read) FROM pg_stat_xact_user_tables WHERE relname IN ('parent', 'child')"
        )
        await tx.rollback()
    finally:
        await conn.close()
    assert read == 0  # the server read no row
    path = tmp_path / "t.sql"
    path.write_text(f"{migration};\n")
    review = await review_file(resolve(db), path)
    [statement] = review.statements
    locks = [h for h in statement.hazards if h.kind == "access-exclusive-lock"]
    assert statement.trace == "ran" and len(locks) == 2, review.to_text()
    assert not any("reads every row" in h.message or h.cost for h in locks), review.to_text()


async def test_an_index_on_only_a_partitioned_table_builds_nothing(db: str, tmp_path: Path) -> None:
    """CREATE INDEX ... ON ONLY a partitioned table makes its index alone, invalid and without storage (the
    partitions' are attached later): the trace said it built one, with the whole tree's build time."""
    await execute(
        db,
        "CREATE TABLE m (id int, k int) PARTITION BY RANGE (k); CREATE TABLE m1 PARTITION OF m FOR VALUES FROM "
        "(0) TO (10); INSERT INTO m SELECT i, i % 10 FROM generate_series(1, 500) i;",
    )
    indexes = "SELECT relkind::text FROM pg_class WHERE relkind IN ('i', 'I') AND relnamespace = 'public'::regnamespace"
    conn = await asyncpg.connect(db)
    try:
        tx = conn.transaction()
        await tx.start()
        await conn.execute("CREATE INDEX m_id ON ONLY m (id)")
        made = [r[0] for r in await conn.fetch(indexes)]
        await tx.rollback()
    finally:
        await conn.close()
    assert made == ["I"]  # the server built no index with storage
    path = tmp_path / "m.sql"
    path.write_text("CREATE INDEX m_id ON ONLY m (id);\nCREATE INDEX m_k ON m (k);\n")
    only, whole = (await review_file(resolve(db), path)).statements
    # it builds nothing, but its SHARE on m blocks m's writers until commit all the same
    assert only.trace == "ran" and [h.kind for h in only.hazards] == ["write-blocking-lock"], only
    assert [h.kind for h in whole.hazards] == ["blocking-index-build"], whole


async def test_an_index_the_new_type_keeps_is_not_said_to_be_built(db: str, tmp_path: Path) -> None:
    """varchar to text re-creates the column's indexes under new OIDs, but the server keeps the file of each
    whose definition stays valid: only the expression index is built again (the trace said all three)."""
    await execute(
        db,
        "CREATE TABLE users (id int PRIMARY KEY, email varchar(255) UNIQUE);"
        "CREATE INDEX users_id_email ON users (id, email); CREATE INDEX users_lower ON users (lower(email));"
        "INSERT INTO users SELECT i, 'u' || i FROM generate_series(1, 2000) i;",
    )
    migration = "ALTER TABLE users ALTER COLUMN email TYPE text USING email::text"
    path = tmp_path / "t.sql"
    path.write_text(migration + ";\n")
    review = await review_file(resolve(db), path)
    [statement] = review.statements
    [build] = [h for h in statement.hazards if h.kind == "blocking-index-build"]
    assert build.basis == "observed" and build.message.startswith("builds index users_lower on public.users")
    # the server's word: the kept indexes' files are the same after the statement, the rebuilt one's is not
    files = "SELECT relname::text, relfilenode::int8 FROM pg_class WHERE relname LIKE 'users_%' ORDER BY 1"
    conn = await asyncpg.connect(db)
    try:
        before = dict(await conn.fetch(files))
        transaction = conn.transaction()
        await transaction.start()
        await conn.execute(migration)
        after = dict(await conn.fetch(files))
        await transaction.rollback()
    finally:
        await conn.close()
    assert {n for n in before if before[n] != after[n]} == {"users_lower"}


async def test_a_retyped_key_s_lock_line_names_its_own_table_first(db: str, tmp_path: Path) -> None:
    """A primary key retyped locks every table whose foreign key references it: the line named one of those
    ('ACCESS EXCLUSIVE on public.orders (and 2 more)'), in pg_locks' order, instead of the table altered."""
    await execute(
        db,
        "CREATE TABLE users (id int PRIMARY KEY); CREATE TABLE orders (id int, user_id int REFERENCES users);"
        "CREATE TABLE notes (id int, user_id int REFERENCES users); INSERT INTO users VALUES (1);",
    )
    migration = tmp_path / "m.sql"
    migration.write_text("ALTER TABLE users ALTER COLUMN id TYPE bigint;\n")
    review = await review_file(resolve(db), migration)
    [statement] = review.statements
    assert statement.lock == "ACCESS EXCLUSIVE on public.users (and 2 more)"
