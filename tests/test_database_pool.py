"""The suite's own machinery (tests/database_pool.py): databases made ahead are fresh, handed out once and
dropped after; the check for shadow databases a test leaves behind still sees them."""

from __future__ import annotations

import asyncio
import time
import warnings
from collections.abc import Callable

import pytest

from dibs_tui.core.embedded import EmbeddedServer
from tests.conftest import no_leaked_shadow_databases
from tests.database_pool import DatabasePool
from tests.pg import PATIENCE, execute, fetch


def _exists(pool: DatabasePool, name: str) -> bool:
    return bool(pool.fetch("SELECT count(*) FROM pg_database WHERE datname = $1", name)[0][0])


def test_each_database_is_fresh_handed_out_once_and_dropped_after(
    pg_server: EmbeddedServer, database_pool: DatabasePool
) -> None:
    names = [database_pool.take() for _ in range(3)]
    assert len(set(names)) == 3
    for name in names:
        rows = asyncio.run(
            fetch(
                pg_server.dsn(name),
                "SELECT count(*) FROM pg_class WHERE relnamespace = 'public'::regnamespace",
            )
        )
        assert rows[0][0] == 0
        asyncio.run(execute(pg_server.dsn(name), "CREATE TABLE mine (id int)"))
    assert database_pool.take() not in names
    database_pool.drop(names)
    deadline = time.monotonic() + PATIENCE
    while any(_exists(database_pool, n) for n in names):
        assert time.monotonic() < deadline, "the used databases were not dropped"
        time.sleep(0.05)


def test_a_shadow_database_left_behind_is_reported_with_the_tests_name(
    request: pytest.FixtureRequest, pg_server: EmbeddedServer, new_database: Callable[[], str]
) -> None:
    check = no_leaked_shadow_databases.__wrapped__(request)  # type: ignore[attr-defined]
    next(check)
    asyncio.run(execute(pg_server.dsn(), 'CREATE DATABASE "dibs_shadow_leaked_by_test"'))
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            next(check, None)
    finally:
        asyncio.run(execute(pg_server.dsn(), 'DROP DATABASE "dibs_shadow_leaked_by_test"'))
    said = [str(w.message) for w in caught]
    assert any(request.node.nodeid in s and "dibs_shadow_leaked_by_test" in s for s in said), said


def test_the_pool_outlives_its_connections_ended_by_a_test(
    pg_server: EmbeddedServer, database_pool: DatabasePool
) -> None:
    """A test that ends every other session of the server (or a crash that restarts the backends) ends the
    pool's two kept connections too: the next test still gets its database and its leak check still runs."""
    database_pool.take()  # the queue is refilled at once: both connections have run a statement
    asyncio.run(
        execute(
            pg_server.dsn(),
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE pid <> pg_backend_pid() AND backend_type = 'client backend' AND datname = 'postgres'",
        )
    )
    names = [database_pool.take() for _ in range(3)]
    assert all(_exists(database_pool, n) for n in names)
    database_pool.drop(names)
