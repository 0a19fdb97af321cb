"""A server whose role or database bounds idle transactions or whole transactions (a DBA's
idle_in_transaction_session_timeout, PostgreSQL 17's transaction_timeout): our reads lift them for their own
sessions, as pg_dump does. Before, the read ended part way with 'the connection to the server was lost'."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from itertools import count

import pytest

from dibs_tui.core.embedded import EmbeddedServer
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
