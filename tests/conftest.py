"""One embedded PostgreSQL 18 server per test session; every test gets fresh databases of its own."""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import os
import shutil
import signal
import tempfile
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from dibs_tui.core.embedded import EmbeddedServer
from tests.database_pool import DatabasePool
from tests.pg import execute, shadow_server_pids

TEMPLATE = "dibs_test_template"


@pytest.fixture(scope="session", autouse=True)
def no_leaked_shadow_servers() -> Iterator[None]:
    """Nothing keeps running after the suite. A shadow server a test left behind is stopped here (fast
    shutdown) and reported as a warning; tests/test_shadow.py asserts the known paths strictly."""
    before = shadow_server_pids()
    yield
    leaked = shadow_server_pids() - before
    for pid in leaked:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGINT)
    if leaked:
        warnings.warn(
            f"stopped shadow-database servers left running by tests: pids {sorted(leaked)}", stacklevel=1
        )


@pytest.fixture(autouse=True)
def default_session_limits() -> Iterator[None]:
    """A command run in-process (`cli.main`) sets its session limits for the rest of the thread: each test
    starts with the defaults, so one test's config (a meta schema, a timeout) never reaches the next."""
    from dibs_tui.core import session_limits

    token = session_limits._LIMITS.set(session_limits.SessionLimits())
    yield
    session_limits._LIMITS.reset(token)


@pytest.fixture(autouse=True)
def no_leaked_shadow_databases(request: pytest.FixtureRequest) -> Iterator[None]:
    """A shadow database still on the session server after a test is reported with that test's name (a
    warning: tests/test_shadow.py asserts the known paths strictly). Tests without the server are skipped."""
    if "pg_server" not in request.fixturenames:
        yield
        return
    pool: DatabasePool = request.getfixturevalue("database_pool")
    before = _shadow_database_names(pool)
    yield
    leaked = _shadow_database_names(pool) - before
    if leaked:
        warnings.warn(f"{request.node.nodeid} left shadow databases behind: {sorted(leaked)}", stacklevel=1)


def _shadow_database_names(pool: DatabasePool) -> set[str]:
    return {
        r["datname"] for r in pool.fetch("SELECT datname FROM pg_database WHERE datname LIKE 'dibs_shadow_%'")
    }


def _interrupted(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


@pytest.fixture(scope="session", autouse=True)
def ctrl_c_not_ignored() -> None:
    """A suite started in the background by a shell without job control (`make test &`, nohup) inherits Ctrl-C
    ignored, and so does every command a test starts: the tests that press Ctrl-C would see it do nothing.
    Ctrl-C is made Python's own again, which each started command then gets as the default."""
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[EmbeddedServer]:
    # A run ended by SIGTERM (a CI timeout, `kill`) unwinds as Ctrl-C does, so the server below is stopped:
    # without it pytest dies at once and the postmaster, in a session of its own, keeps running.
    signal.signal(signal.SIGTERM, _interrupted)
    # Not under pytest's tmp_path: pytest prunes all but its three newest basetemp dirs when a session starts,
    # which would delete the data dir under a server that a concurrent test session is still using.
    root = Path(tempfile.mkdtemp(prefix="dibs-tests-"))
    server = EmbeddedServer(root / "server").start()
    try:
        asyncio.run(execute(server.dsn(), f'CREATE DATABASE "{TEMPLATE}" TEMPLATE template0'))
        yield server
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def database_pool(pg_server: EmbeddedServer) -> Iterator[DatabasePool]:
    pool = DatabasePool(pg_server, TEMPLATE)
    yield pool
    pool.close()


@pytest.fixture
def new_database(pg_server: EmbeddedServer, database_pool: DatabasePool) -> Iterator[Callable[[], str]]:
    """A factory of fresh empty databases (cloned from an empty template, made ahead by the pool); all
    dropped after the test."""
    created: list[str] = []

    def make() -> str:
        created.append(database_pool.take())
        return pg_server.dsn(created[-1])

    yield make
    if created:
        database_pool.drop(created)


@pytest.fixture
def db(new_database: Callable[[], str]) -> str:
    """The DSN of a fresh, empty database for this test."""
    return new_database()


@pytest.fixture
def snap_compare(snap_compare: Callable[..., bool]) -> Callable[..., bool]:
    """pytest-textual-snapshot's comparison with every text box's cursor held still before the picture: a
    focused box blinks its cursor every half second, so a snapshot taken on a loaded machine caught it lit or
    not and failed one run in a few (tests/test_ui_snapshots.py::test_snapshot_filter)."""

    def compare(app: Any, *args: Any, run_before: Callable[[Any], Any] | None = None, **kwargs: Any) -> bool:
        async def before(pilot: Any) -> None:
            if run_before is not None:
                result = run_before(pilot)
                if inspect.isawaitable(result):
                    await result
            from textual.widgets import Input

            for screen in pilot.app.screen_stack:
                for box in screen.query(Input):
                    box.cursor_blink = False  # its cursor hidden and its blink stopped
            await pilot.pause()

        return snap_compare(app, *args, run_before=before, **kwargs)

    return compare
