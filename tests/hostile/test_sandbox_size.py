"""Hostile desired files that write gigabytes: a sandbox on the live server (the production primary: its disk,
the WAL every replica receives) ends a load once its database grows past `sandbox_max_size`
(core/sandbox_bound.py). The bound is lowered to 16 MB so each case runs in seconds; each would otherwise write
for the 120 s a statement may run. Asserted: the load stopped soon, said where and why, nothing of it left,
the user's data kept."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from dibs_tui.core.connect import resolve
from dibs_tui.core.embedded import EmbeddedServer
from dibs_tui.core.errors import DibsError, SourceError
from dibs_tui.core.sandbox_bound import SandboxFull
from dibs_tui.core.session_limits import SessionLimits, use_limits
from dibs_tui.core.shadow import load_desired
from tests.pg import fetch, run_sql, sandbox_leftovers

BOUND = 16 << 20
# Rows as fast as the server writes them, a table's worth each time: what a 10 GB seed file does
ROWS = "SELECT pg_catalog.generate_series(1, 100000000) AS id, pg_catalog.repeat('x', 100) AS pad"
ATTACKS = {
    "create_table_as": f"CREATE TABLE big AS {ROWS}",
    # A cancel is caught and the writing goes on: the backend is terminated, not cancelled
    "cancel_caught_in_a_loop": (
        "DO $$ BEGIN LOOP BEGIN INSERT INTO t SELECT pg_catalog.generate_series(1, 100000), "
        "pg_catalog.repeat('x', 100); EXCEPTION WHEN query_canceled THEN NULL; END; END LOOP; END $$"
    ),
}


@pytest.fixture(params=["superuser", "createrole_createdb"])
def live_user(request: pytest.FixtureRequest, pg_server: EmbeddedServer, db: str) -> str:
    """`db`'s DSN as a role that may make the sandbox on the live server; a precious row in `db`."""
    run_sql(db, "CREATE TABLE precious (v text); INSERT INTO precious VALUES ('kept')")
    if request.param == "superuser":
        return db
    run_sql(
        pg_server.dsn(),
        "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'hostile_size') THEN "
        "CREATE ROLE hostile_size LOGIN CREATEDB CREATEROLE; END IF; END $$",
    )
    return db.replace("postgres@", "hostile_size@")


def _load(dsn: str, tmp_path: Path, sql: str) -> tuple[DibsError | None, float]:
    schema = tmp_path / "schema.sql"
    schema.write_text(sql)
    use_limits(SessionLimits(sandbox_max_size=BOUND))
    began = time.monotonic()
    try:
        asyncio.run(load_desired(resolve(dsn), [schema]))
    except DibsError as exc:
        return exc, time.monotonic() - began
    return None, time.monotonic() - began


def _kept(pg_server: EmbeddedServer, db: str) -> None:
    assert [r["v"] for r in asyncio.run(fetch(db, "SELECT v FROM precious"))] == ["kept"]
    assert sandbox_leftovers(pg_server) == []


@pytest.mark.parametrize("attack", list(ATTACKS))
def test_a_load_that_writes_gigabytes_is_stopped_at_the_bound(
    pg_server: EmbeddedServer, live_user: str, db: str, tmp_path: Path, attack: str
) -> None:
    exc, took = _load(live_user, tmp_path, f"CREATE TABLE t (id bigint, pad text);\n{ATTACKS[attack]};\n")
    assert isinstance(exc, SandboxFull), f"{exc!r}: {exc}"
    assert exc.line == 2
    assert "sandbox_max_size (16 MB)" in exc.message and "reached" in exc.message
    assert exc.hint is not None and 'sandbox = "embedded"' in exc.hint
    assert took < 60, f"stopped after {took:.0f} s"
    _kept(pg_server, db)


def test_a_sort_that_spills_gigabytes_is_bounded_as_the_superuser(
    pg_server: EmbeddedServer, db: str, tmp_path: Path
) -> None:
    """Temporary files are not the database's size: temp_file_limit, set on the sandbox's role where we may."""
    run_sql(db, "CREATE TABLE precious (v text); INSERT INTO precious VALUES ('kept')")
    sort = f"count(*) FROM ({ROWS} ORDER BY 1 DESC) s"
    exc, took = _load(db, tmp_path, f"DO $$ BEGIN PERFORM {sort}; END $$;\n")
    assert isinstance(exc, SourceError) and exc.line == 1, f"{exc!r}: {exc}"
    assert "temp_file_limit" in exc.message and "sandbox_max_size" in exc.message
    assert took < 60
    _kept(pg_server, db)


def test_a_sort_that_spills_gigabytes_is_bounded_where_temporary_files_may_be_listed(
    pg_server: EmbeddedServer, db: str, tmp_path: Path
) -> None:
    """A CREATEROLE role may not set temp_file_limit (a managed server's administrator is one); with pg_monitor
    it may list the server's temporary files, and the load's backend's count with its database."""
    run_sql(db, "CREATE TABLE precious (v text); INSERT INTO precious VALUES ('kept')")
    run_sql(
        pg_server.dsn(),
        "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'hostile_monitor') THEN "
        "CREATE ROLE hostile_monitor LOGIN CREATEDB CREATEROLE IN ROLE pg_monitor; END IF; END $$",
    )
    sort = f"count(*) FROM ({ROWS} ORDER BY 1 DESC) s"
    exc, took = _load(
        db.replace("postgres@", "hostile_monitor@"), tmp_path, f"DO $$ BEGIN PERFORM {sort}; END $$;\n"
    )
    assert isinstance(exc, SandboxFull) and exc.line == 1, f"{exc!r}: {exc}"
    assert "the shadow database and its temporary files reached" in exc.message
    assert took < 60
    _kept(pg_server, db)


def test_a_do_block_may_not_commit_its_writes_away(
    pg_server: EmbeddedServer, live_user: str, db: str, tmp_path: Path
) -> None:
    """Each update committed, its old row pruned: the database does not grow, so its size shows nothing, while
    every update and commit is WAL sent to the replicas (64 MB in 10 s here, for as long as a statement may
    run, statement after statement). A desired schema's DO block runs in a transaction block, where COMMIT is
    refused."""
    loop = "DO $$ BEGIN LOOP UPDATE t SET id = id + 1; COMMIT; END LOOP; END $$"
    exc, took = _load(
        live_user, tmp_path, f"CREATE TABLE t (id bigint);\nINSERT INTO t VALUES (1);\n{loop};\n"
    )
    assert isinstance(exc, SourceError) and exc.line == 3, f"{exc!r}: {exc}"
    assert "invalid transaction termination" in exc.message and "runs in one transaction" in exc.message
    assert took < 60
    _kept(pg_server, db)


def test_a_load_within_the_bound_loads(live_user: str, tmp_path: Path) -> None:
    """Many relations are not a write: 16 kB of each is allowed on top of the bound."""
    tables = "".join(
        f"CREATE TABLE t{i} (id bigserial PRIMARY KEY, a text UNIQUE, b int, c jsonb);\n" for i in range(600)
    )
    exc, _ = _load(live_user, tmp_path, tables)
    assert exc is None, f"{exc!r}: {exc}"


def test_a_migration_that_writes_gigabytes_is_not_proved_and_not_applied(db: str, tmp_path: Path) -> None:
    """migrate proves its pending migrations on a clone in the sandbox: a seed that writes past the bound there
    (set in dibs-tui.toml) is said untried, and nothing is applied to the live database."""
    from tests.test_proof import dibs, project

    run_sql(db, "CREATE TABLE precious (v text); INSERT INTO precious VALUES ('kept')")
    folder, _ = project(tmp_path, {"20260101000000_seed": f"CREATE TABLE big AS {ROWS};\n"}, "")
    (tmp_path / "dibs-tui.toml").write_text('sandbox_max_size = "16MB"\n')
    began = time.monotonic()
    refused = dibs("migrate", db, "--migrations", str(folder), "--yes", cwd=tmp_path)
    assert refused.returncode == 1, refused.stdout + refused.stderr
    assert time.monotonic() - began < 60
    assert "wrote past the bound of the sandbox on the live server (sandbox_max_size)" in refused.stdout
    assert "20260101000000_seed.sql:1:1: wrote past the bound" in refused.stdout
    assert not asyncio.run(fetch(db, "SELECT FROM pg_class WHERE relname = 'big'"))


def test_a_trace_stops_at_the_statement_that_writes_gigabytes(
    pg_server: EmbeddedServer, db: str, tmp_path: Path
) -> None:
    """A review traces the migration on a clone in the sandbox: the statement is said not traced, and why."""
    from dibs_tui.core.review.run import review_file

    run_sql(db, "CREATE TABLE precious (v text); INSERT INTO precious VALUES ('kept')")
    use_limits(SessionLimits(sandbox_max_size=BOUND))
    (tmp_path / "m.sql").write_text(f"CREATE TABLE big AS {ROWS};\n")
    found = asyncio.run(review_file(resolve(db), tmp_path / "m.sql"))
    assert found.statements[0].trace.startswith("not traced: the statement wrote past the bound")
    assert any("the trace stopped at line 1: the statement wrote past the bound" in n for n in found.notes), (
        found.notes
    )
    _kept(pg_server, db)
