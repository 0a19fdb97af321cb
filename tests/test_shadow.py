"""The shadow database: desired SQL run statement by statement, errors at file:line:col, always dropped."""

from __future__ import annotations

import asyncio
import contextlib
import time
from pathlib import Path

import pytest

from dibs_tui.core.connect import resolve
from dibs_tui.core.diff import diff_database
from dibs_tui.core.embedded import EmbeddedServer
from dibs_tui.core.errors import SourceError
from dibs_tui.core.sandbox import open_sandbox
from dibs_tui.core.shadow import load_desired
from tests.pg import fetch, run_sql, shadow_server_pids


def _all_shadow_databases(server: EmbeddedServer) -> set[str]:
    rows = asyncio.run(
        fetch(server.dsn(), "SELECT datname FROM pg_database WHERE datname LIKE 'dibs_shadow_%'")
    )
    return {r["datname"] for r in rows}


_FOUND_BEFORE: set[str] = set()


@pytest.fixture(autouse=True)
def _shadow_databases_found_before(pg_server: EmbeddedServer) -> None:
    """Each test judges only the shadow databases it made: one left by another module's test is reported
    by that module (and by conftest's session guard), not blamed on every test here."""
    _FOUND_BEFORE.clear()
    _FOUND_BEFORE.update(_all_shadow_databases(pg_server))


def shadow_databases(server: EmbeddedServer) -> list[str]:
    """Shadow databases made since this test started and still there."""
    return sorted(_all_shadow_databases(server) - _FOUND_BEFORE)


def test_desired_files_load_in_a_shadow_that_is_dropped(
    db: str, pg_server: EmbeddedServer, tmp_path: Path
) -> None:
    (tmp_path / "01_types.sql").write_text("CREATE TYPE mood AS ENUM ('a', 'b');\n")
    (tmp_path / "02_tables.sql").write_text("CREATE TABLE t (id int PRIMARY KEY, m mood);\n")
    catalog, sources, _ = asyncio.run(load_desired(resolve(db), [tmp_path]))
    assert sources is not None and sources.table("public", "t") is not None
    assert catalog.relation("public", "t") is not None
    assert [e.name for e in catalog.enums] == ["mood"]
    assert shadow_databases(pg_server) == []


def test_runtime_error_points_at_file_line_col_and_shadow_is_dropped(
    db: str, pg_server: EmbeddedServer, tmp_path: Path
) -> None:
    schema = tmp_path / "schema.sql"
    schema.write_text(
        "CREATE TABLE ok (id int);\n\nCREATE TABLE bad (\n    id int,\n    m no_such_type\n);\n"
    )
    with pytest.raises(SourceError) as caught:
        asyncio.run(load_desired(resolve(db), [schema]))
    assert (caught.value.line, caught.value.column) == (5, 7)
    assert str(caught.value).startswith(f'{schema}:5:7: type "no_such_type" does not exist')
    assert shadow_databases(pg_server) == []


def test_syntax_error_points_at_file_line_col(db: str, tmp_path: Path) -> None:
    schema = tmp_path / "schema.sql"
    schema.write_text("CREATE TABLE ok (id int);\nCREATE TABLE broken (id int,, x int);\n")
    with pytest.raises(SourceError) as caught:
        asyncio.run(load_desired(resolve(db), [schema]))
    assert caught.value.line == 2
    assert caught.value.column >= 1


def test_cancelled_diff_still_drops_the_shadow(db: str, pg_server: EmbeddedServer) -> None:
    async def go() -> None:
        async with open_sandbox(resolve(db)) as sandbox:
            assert sandbox.target.database.startswith("dibs_shadow_")
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        asyncio.run(go())
    assert shadow_databases(pg_server) == []


def test_desired_database_dsn_is_introspected_without_a_shadow(new_database: object) -> None:
    a, b = new_database(), new_database()  # type: ignore[operator]
    run_sql(a, "CREATE TABLE t (id int);")
    run_sql(b, "CREATE TABLE t (id int, extra text);")
    result = asyncio.run(diff_database(resolve(a), [b]))
    assert [s.sql for s in result.plan] == ["ALTER TABLE public.t ADD COLUMN extra text;"]
    assert result.desired_sources is None
    assert result.elapsed_s > 0


@pytest.mark.slow
def test_role_without_createdb_gets_an_embedded_shadow(
    db: str, pg_server: EmbeddedServer, tmp_path: Path
) -> None:
    run_sql(
        db,
        "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'plain_user') THEN "
        "CREATE ROLE plain_user LOGIN; END IF; END $$",
    )
    plain = db.replace("postgres@", "plain_user@")
    schema = tmp_path / "schema.sql"
    schema.write_text("CREATE TABLE t (id int);\n")
    before = shadow_server_pids()
    catalog, _, _ = asyncio.run(load_desired(resolve(plain), [schema]))
    assert catalog.relation("public", "t") is not None
    assert shadow_databases(pg_server) == []
    assert shadow_server_pids() <= before, "the embedded shadow server must stop with the diff"


def test_cancelled_twice_on_an_embedded_shadow_still_stops_the_server() -> None:
    """A worker cancelled, then cancelled again while it cleans up (an app shutting down does this)."""
    before = shadow_server_pids()

    async def go() -> None:
        entered = asyncio.Event()

        async def body() -> None:
            async with open_sandbox(None):
                entered.set()
                await asyncio.sleep(60)

        task = asyncio.create_task(body())
        await entered.wait()
        task.cancel()
        await asyncio.sleep(0.01)  # the cleanup has started: the shielded DROP DATABASE is under way
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    asyncio.run(go())
    assert shadow_server_pids() <= before, "the embedded shadow server must stop even when cancelled twice"


def test_migrations_folder_is_replayed_from_empty(db: str, tmp_path: Path) -> None:
    folder = tmp_path / "migrations"
    folder.mkdir()
    (folder / "20260101000000_init.sql").write_text("BEGIN;\nCREATE TABLE t (id int);\nCOMMIT;\n")
    (folder / "20260102000000_more.sql").write_text(
        "ALTER TABLE t ADD COLUMN note text;\nDROP TABLE IF EXISTS x;\n"
    )
    for spec in ([folder], [f"migrations:{folder}"]):
        catalog, sources, _ = asyncio.run(load_desired(resolve(db), spec))
        table = catalog.relation("public", "t")
        assert table is not None and [c.name for c in table.columns] == ["id", "note"]
        assert sources is None


@pytest.mark.parametrize("delay", [0.05, 0.7])
def test_cancelled_while_the_embedded_server_starts_still_stops_it(delay: float) -> None:
    """The caller gives up during the start (a worker cancelled at app exit): the server must not survive,
    whether the cancel lands in initdb or in pg_ctl start."""
    before = shadow_server_pids()

    async def go() -> None:
        async def body() -> None:
            async with open_sandbox(None):
                await asyncio.sleep(60)

        task = asyncio.create_task(body())
        await asyncio.sleep(delay)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    asyncio.run(go())
    time.sleep(3)  # long enough for an abandoned start (initdb + pg_ctl, about 1 s) to bring a server up
    assert shadow_server_pids() <= before, "a server whose start was abandoned must still be stopped"
