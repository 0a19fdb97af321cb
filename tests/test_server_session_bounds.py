"""A server whose role or database bounds idle transactions or whole transactions (a DBA's
idle_in_transaction_session_timeout, PostgreSQL 17's transaction_timeout): our reads lift them for their own
sessions, as pg_dump does. Before, the read ended part way with 'the connection to the server was lost'."""

from __future__ import annotations

import asyncio
import json
import subprocess
from collections.abc import Iterator
from itertools import count
from pathlib import Path

import pytest

from dibs_tui.core.connect import resolve
from dibs_tui.core.embedded import EmbeddedServer
from dibs_tui.core.migrations.apply import apply_pending
from dibs_tui.core.migrations.apply_outcome import PendingMigration
from tests.pg import DIBS, run_sql

_names = count()

# Enough tables that the read's transaction lasts well past the bounds below, with the client building the
# model between its queries.
_TABLES = 150


@pytest.fixture
def bounded_role(db: str, pg_server: EmbeddedServer) -> Iterator[str]:
    role = f"bounded_{next(_names)}_{db.rsplit('/', 1)[1]}"
    run_sql(
        pg_server.dsn(),
        f'CREATE ROLE "{role}" LOGIN; GRANT pg_read_all_data TO "{role}";'
        f"ALTER ROLE \"{role}\" SET idle_in_transaction_session_timeout = '1ms';"
        f"ALTER ROLE \"{role}\" SET transaction_timeout = '20ms'",
    )
    run_sql(
        db,
        f"DO $$ BEGIN FOR i IN 1..{_TABLES} LOOP EXECUTE format('CREATE TABLE t%s (id int PRIMARY KEY, "
        "note text NOT NULL DEFAULT ''x'' CHECK (note <> ''''), at timestamptz)', i); END LOOP; END $$",
    )
    yield db.replace("postgres@", f"{role}@")
    run_sql(pg_server.dsn(), f'DROP ROLE IF EXISTS "{role}"')


def test_a_read_outlives_the_servers_idle_and_transaction_bounds(bounded_role: str) -> None:
    done = subprocess.run(
        [str(DIBS), "schema", bounded_role, "--json"], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert len(json.loads(done.stdout)["relations"]) == _TABLES
    linted = subprocess.run([str(DIBS), "lint", bounded_role], capture_output=True, text=True, timeout=120)
    assert linted.stderr == "" and "findings (error: 0" in linted.stdout


def test_migrate_outwaits_the_servers_idle_session_timeout(db: str, tmp_path: Path) -> None:
    """The applier holds the migration lock, idle, through the guard, the proof and the user's answer: a
    database's idle_session_timeout ended it, and 'y' met 'connection to the server lost'."""
    run_sql(db, f"ALTER DATABASE \"{db.rsplit('/', 1)[1]}\" SET idle_session_timeout = '300ms'")
    folder = tmp_path / "migrations"
    folder.mkdir()
    (folder / "20260101000000_a.sql").write_text("CREATE TABLE a (id int);\n")

    async def slow_answer(pending: list[PendingMigration]) -> bool:
        await asyncio.sleep(1.0)  # a user reading the plan
        return True

    result = asyncio.run(apply_pending(resolve(db), folder, confirm=slow_answer))
    assert [a.name for a in result.applied] == ["20260101000000_a"]
