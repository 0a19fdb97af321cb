"""The trace against migrations that try to leave it: it runs only in the sandbox clone, as the sandbox's
role, in a transaction it rolls back; a statement that ends that transaction, kills its own backend or never
ends stops the trace (said in the review's notes), and the live database keeps every row."""

from __future__ import annotations

from pathlib import Path

import pytest

from dibs_tui.core.connect import resolve
from dibs_tui.core.review import trace as trace_module
from dibs_tui.core.review.report import Review
from dibs_tui.core.review.run import review_file
from tests.pg import execute, fetch

LIVE = (
    "CREATE TABLE t (id int PRIMARY KEY, v text); INSERT INTO t SELECT g, 'x' FROM generate_series(1, 20) g;"
)


async def traced(db: str, tmp_path: Path, migration: str) -> Review:
    await execute(db, LIVE)
    path = tmp_path / "m.sql"
    path.write_text(migration)
    return await review_file(resolve(db), path)


async def live_rows(db: str) -> int:
    [(count,)] = await fetch(db, "SELECT count(*) FROM t")
    return int(count)


async def test_a_rollback_and_commit_of_its_own_do_not_end_the_trace(db: str, tmp_path: Path) -> None:
    review = await traced(db, tmp_path, "ROLLBACK;\nSAVEPOINT s;\nDROP TABLE t;\nCOMMIT;\nTRUNCATE t;\n")
    outcomes = {s.sql: s.trace for s in review.statements}
    assert outcomes["ROLLBACK"] == outcomes["SAVEPOINT s"] == "not traced: transaction control"
    assert outcomes["DROP TABLE t"] == "ran"
    assert outcomes["TRUNCATE t"].startswith('failed: relation "t" does not exist')  # dropped in the clone
    assert await live_rows(db) == 20


async def test_a_statement_that_kills_its_backend_stops_the_trace(db: str, tmp_path: Path) -> None:
    review = await traced(
        db, tmp_path, "SELECT pg_terminate_backend(pg_backend_pid());\nALTER TABLE t ADD COLUMN w int;\n"
    )
    assert any("the trace stopped at line 1" in n for n in review.notes), review.notes
    [_, after] = review.statements
    assert after.trace == "" and after.hazards  # the rules still review what was not traced
    assert {h.basis for h in after.hazards} == {"inferred"}
    assert await live_rows(db) == 20


async def test_a_statement_that_never_ends_is_cut(
    db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(trace_module, "STEP_TIMEOUT", 1.0)
    review = await traced(db, tmp_path, "SELECT pg_sleep(600);\nDELETE FROM t;\n")
    [sleep, delete] = review.statements
    assert sleep.trace == "failed: did not finish within 1 s"
    assert delete.trace == "ran"  # the trace went on after the cut
    assert await live_rows(db) == 20


def test_a_refusal_quoting_a_hostile_name_is_escaped(db: str, tmp_path: Path) -> None:
    """A fails-on-schema hazard carries the server's message, which quotes the object's name: a table named
    with terminal escapes reaches the terminal escaped, in text and JSON, and nothing is dropped live."""
    from dibs_tui.core.sql import quote_ident
    from tests.hostile.test_output import NAME, cli
    from tests.pg import run_sql

    table = quote_ident(NAME)
    run_sql(db, f"CREATE TABLE {table} (id int); CREATE VIEW hv AS SELECT id FROM {table};")
    path = tmp_path / "m.sql"
    path.write_text(f"DROP TABLE {table};\n")
    for fmt in ("text", "json"):
        result = cli("review", str(path), db, "--format", fmt)  # asserts the bytes are terminal-safe
        assert result.returncode == 0, result.stderr
        assert b"fails-on-schema" in result.stdout and b"cannot drop table" in result.stdout, result.stdout
    run_sql(db, f"SELECT 1 FROM {table}")  # still there
