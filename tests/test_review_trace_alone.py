"""Every statement migrate runs alone (PostgreSQL refuses it in a transaction block, or ADD VALUE) the trace runs
alone too, in autocommit, what came before committed: what follows meets what it did, and what it does or fails
on is observed. One PostgreSQL refuses in migrate's transaction for the relation it names (REINDEX of a
partitioned table, which its text cannot tell) is said to fail there, not to run alone."""

from __future__ import annotations

from pathlib import Path

import pytest

from dibs_tui.core.connect import resolve
from dibs_tui.core.migrations.segments import plan_segments
from dibs_tui.core.review.report import Review
from dibs_tui.core.review.run import review_file
from tests.apply_project import migrate
from tests.pg import execute, fetch, run_sql

SCHEMA = (
    "CREATE TABLE p (id int, v text) PARTITION BY RANGE (id);"
    "CREATE TABLE p1 PARTITION OF p FOR VALUES FROM (0) TO (100);"
    "CREATE TABLE p2 PARTITION OF p FOR VALUES FROM (100) TO (200);"
    "CREATE INDEX p_id ON p (id);"
    "CREATE TYPE mood AS ENUM ('a', 'b');"
    "CREATE TABLE t (id int PRIMARY KEY, m mood);"
    "CREATE INDEX t_m ON t (m);"
    "INSERT INTO t SELECT g, 'a' FROM generate_series(1, 1000) g;"
    "INSERT INTO p SELECT g, 'x' FROM generate_series(1, 150) g;"
)


async def _review(db: str, tmp_path: Path, sql: str) -> Review:
    await execute(db, SCHEMA)
    path = tmp_path / "m.sql"
    path.write_text(sql)
    return await review_file(resolve(db), path)


def _alone(sql: str) -> list[bool]:
    return [s.alone for s in plan_segments(sql).segments]


async def test_a_detached_partition_is_a_table_of_its_own_for_what_follows(db: str, tmp_path: Path) -> None:
    """DETACH ... CONCURRENTLY ran alone in the clone: the ALTER of the detached table after it runs, where it
    was said to fail ("cannot add column to a partition") as if live."""
    sql = "ALTER TABLE p DETACH PARTITION p2 CONCURRENTLY;\nALTER TABLE p2 ADD COLUMN note text;\n"
    assert _alone(sql) == [True, False]
    detach, alter = (await _review(db, tmp_path, sql)).statements
    assert (detach.trace, alter.trace) == ("not in a transaction", "ran"), (detach, alter)
    assert [h.kind for h in detach.hazards] == ["non-transactional"], detach.hazards
    assert not any(h.kind == "fails-on-schema" for h in alter.hazards), alter.hazards
    assert await fetch(db, "SELECT count(*) FROM pg_inherits WHERE inhparent = 'p'::regclass") == [
        (2,)
    ]  # nothing ran live


async def test_a_concurrent_detach_refused_by_a_default_partition_is_said_to_fail(
    db: str, tmp_path: Path
) -> None:
    """Run alone in the clone, the DETACH meets what PostgreSQL refuses it for (a default partition), and the
    review says so, where it said only that it runs alone."""
    await execute(db, "CREATE TABLE pd (id int, v text) PARTITION BY RANGE (id);")
    await execute(db, "CREATE TABLE pd1 PARTITION OF pd FOR VALUES FROM (0) TO (10);")
    await execute(db, "CREATE TABLE pd_default PARTITION OF pd DEFAULT;")
    [detach] = (await _review(db, tmp_path, "ALTER TABLE pd DETACH PARTITION pd1 CONCURRENTLY;\n")).statements
    assert detach.trace.startswith(
        "failed: cannot detach partitions concurrently when a default partition"
    ), detach


async def test_vacuum_full_runs_alone_and_its_rewrite_is_observed(db: str, tmp_path: Path) -> None:
    [vacuum] = (await _review(db, tmp_path, "VACUUM FULL t;\n")).statements
    assert vacuum.trace == "not in a transaction" and not vacuum.transactional, vacuum
    kinds = {h.kind: h.basis for h in vacuum.hazards}
    assert kinds["non-transactional"] == "observed" and kinds["table-rewrite"] == "observed", vacuum.hazards


async def test_a_label_added_then_used_is_not_said_to_fail(db: str, tmp_path: Path) -> None:
    """ADD VALUE runs alone, committed, as migrate runs it: the UPDATE to the new label runs in the clone, and
    its count on the live rows (which do not know the label yet) is not said as the UPDATE's failure."""
    sql = "ALTER TYPE mood ADD VALUE 'c';\nUPDATE t SET m = 'c' WHERE id = 1;\n"
    assert _alone(sql) == [True, False]
    add, update = (await _review(db, tmp_path, sql)).statements
    assert (add.trace, update.trace) == ("ran", "ran"), (add, update)
    assert not add.hazards and not update.hazards, (add.hazards, update.hazards)


@pytest.mark.parametrize(
    ("statement", "trace"),
    [
        ("REINDEX SCHEMA public", "not in a transaction"),
        # not run in the clone: it would deallocate the trace's own prepared statements, and changes no schema
        ("DISCARD ALL", "not traced: it would reset the trace's own session (its prepared statements)"),
    ],
)
async def test_what_postgresql_refuses_in_a_block_whatever_it_names_runs_alone(
    db: str, tmp_path: Path, statement: str, trace: str
) -> None:
    """REINDEX SCHEMA and DISCARD ALL were put in a transaction by migrate, where PostgreSQL refuses them."""
    sql = f"ALTER TABLE t ADD COLUMN note text;\n{statement};\nALTER TABLE t ADD COLUMN more text;\n"
    assert _alone(sql) == [False, True, False]
    _, alone, after = (await _review(db, tmp_path, sql)).statements
    assert (alone.trace, after.trace) == (trace, "ran"), alone
    assert [h.kind for h in alone.hazards] == ["non-transactional"], alone.hazards


@pytest.mark.parametrize("statement", ["REINDEX TABLE p", "REINDEX INDEX p_id", "CLUSTER p USING p_id"])
async def test_a_reindex_of_a_partitioned_table_runs_alone_and_is_not_said_to_fail(
    db: str, tmp_path: Path, statement: str
) -> None:
    """PostgreSQL refuses it in a transaction block for a partitioned table, which its text cannot tell: migrate
    put it in its segment's transaction, where it failed, and review said so. Now it runs alone."""
    sql = f"ALTER TABLE t ADD COLUMN note text;\n{statement};\n"
    assert _alone(sql) == [False, True]
    _, reindex = (await _review(db, tmp_path, sql)).statements
    assert reindex.trace == "not in a transaction", reindex
    assert [h.kind for h in reindex.hazards if h.kind in ("fails-on-schema", "non-transactional")] == [
        "non-transactional"
    ], reindex.hazards
    assert not reindex.transactional


async def test_a_plain_tables_reindex_runs_alone_its_lock_still_observed(db: str, tmp_path: Path) -> None:
    """Accepted in a transaction, it is traced in one of its own: its locks are seen, as before it ran alone."""
    sql = "ALTER TABLE t ADD COLUMN note text;\nREINDEX TABLE t;\n"
    assert _alone(sql) == [False, True]
    _, reindex = (await _review(db, tmp_path, sql)).statements
    assert reindex.trace == "ran" and not reindex.transactional, reindex
    kinds = {h.kind: h for h in reindex.hazards}
    assert kinds["blocking-index-build"].basis == "observed", reindex.hazards
    assert "for a partitioned table; it changes no schema" in kinds["non-transactional"].message


async def test_a_partitioned_reindex_in_a_written_block_stays_there_and_is_said_to_fail(
    db: str, tmp_path: Path
) -> None:
    """The file's own BEGIN block is kept as written: PostgreSQL refuses the REINDEX there, and review says so,
    with where migrate would run it alone."""
    sql = "BEGIN;\nALTER TABLE t ADD COLUMN note text;\nREINDEX TABLE p;\nCOMMIT;\n"
    assert _alone(sql) == [False]
    _, reindex = (await _review(db, tmp_path, sql)).statements
    assert reindex.trace.startswith("failed: REINDEX TABLE cannot run inside a transaction block"), reindex
    [fails] = [h for h in reindex.hazards if h.kind == "fails-on-schema"]
    assert "move it out of the block, where migrate runs it alone" in fails.message, fails.message


def test_migrate_runs_a_partitioned_tables_reindex_alone(db: str, tmp_path: Path) -> None:
    run_sql(db, SCHEMA)
    folder = tmp_path / "migrations"
    folder.mkdir()
    (folder / "20260101000000_reindex.sql").write_text(
        "ALTER TABLE t ADD COLUMN note text;\nREINDEX TABLE p;\n"
    )
    done = migrate(db, folder, "--yes")
    assert done.returncode == 0, done.stderr
    assert "segment 2 (alone, autocommit" in done.stdout + done.stderr, done.stdout


async def test_a_goose_file_is_reviewed_as_migrate_runs_it_its_up_section_only(
    db: str, tmp_path: Path
) -> None:
    """Its down section was reviewed and traced as if it ran: a DROP TABLE there was said to lose 1,000 rows."""
    await execute(db, SCHEMA)
    folder = tmp_path / "migrations"
    folder.mkdir()
    path = folder / "20260101000000_note.sql"
    path.write_text(
        "-- +goose Up\nALTER TABLE t ADD COLUMN note text;\n\n-- +goose Down\nALTER TABLE t DROP COLUMN note;\n"
        "DROP TABLE t;\n"
    )
    review = await review_file(resolve(db), path)
    assert [(s.line, s.sql) for s in review.statements] == [(2, "ALTER TABLE t ADD COLUMN note text")]
    assert not any(h.kind == "data-loss" for s in review.statements for h in s.hazards), review.to_text()


async def test_a_file_run_without_a_transaction_is_traced_a_statement_at_a_time(
    db: str, tmp_path: Path
) -> None:
    """goose NO TRANSACTION: migrate runs every statement alone, committed. The trace ran them in one
    transaction; now each alone, as migrate does: the second ALTER is not said to wait behind the first's lock,
    and each statement's own ACCESS EXCLUSIVE is still said."""
    await execute(db, SCHEMA)
    folder = tmp_path / "migrations"
    folder.mkdir()
    path = folder / "20260101000000_two.sql"
    path.write_text(
        "-- +goose NO TRANSACTION\n-- +goose Up\nALTER TABLE t ADD COLUMN a int;\nALTER TABLE t ADD COLUMN b int;\n"
    )
    first, second = (await review_file(resolve(db), path)).statements
    for statement in (first, second):
        assert statement.trace == "ran" and not statement.transactional, statement
        assert [h.kind for h in statement.hazards] == ["access-exclusive-lock"], statement.hazards
