"""Cleaning up after a sandbox (`core.sandbox`): the shadow database and its role dropped on every path.

The drop runs in a thread of its own, on a connection of its own: a loop that shuts down (an app quitting
mid-load) cancels every task it has, a shielded one too, but not a thread, and the interpreter waits for its
threads before it exits. A backend still setting the sandbox up is ended first, so that a CREATE a cancel cut
short cannot commit after the DROP. What a load killed outright left is dropped by a later load, once the
role's VALID UNTIL has passed.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
from collections.abc import Coroutine
from typing import Any

import asyncpg

from .connect import ConnectionTarget, connect, with_database
from .errors import DibsError
from .sql import quote_ident, quote_literal

SHADOW_PREFIX = "dibs_shadow_"
ROLE_PREFIX = "dibs_sandbox_"


async def _end_backend(conn: asyncpg.Connection, pid: int) -> None:
    """Terminate backend `pid` and wait (up to 10 s) until it is gone: what it ran is committed or rolled back."""
    await conn.execute(f"SELECT pg_catalog.pg_terminate_backend({int(pid)})")
    for _ in range(200):
        if not await conn.fetchval("SELECT count(*) FROM pg_catalog.pg_stat_activity WHERE pid = $1", pid):
            return
        await asyncio.sleep(0.05)


async def sweep_expired(admin: asyncpg.Connection, admin_target: ConnectionTarget) -> None:
    """Drop what a load killed outright left behind (no cleanup could run): its role's VALID UNTIL has
    passed, so no load still uses it. Roles we may not drop are left to someone who may."""
    rows = await admin.fetch(
        "SELECT rolname FROM pg_catalog.pg_roles WHERE rolname ~ '^dibs_sandbox_[0-9a-f]{12}$'"
        " AND rolvaliduntil < pg_catalog.now()"
    )
    for row in rows:
        role = str(row["rolname"])
        with contextlib.suppress(DibsError):
            await tear_down(admin, admin_target, SHADOW_PREFIX + role.removeprefix(ROLE_PREFIX), role)


async def close_quietly(conn: asyncpg.Connection) -> None:
    with contextlib.suppress(Exception):
        await asyncio.wait_for(conn.close(), timeout=5)


_CLEANER = concurrent.futures.ThreadPoolExecutor(max_workers=2, thread_name_prefix="dibs-sandbox-drop")


def start_drop(
    admin: asyncpg.Connection, admin_target: ConnectionTarget, name: str, role: str
) -> concurrent.futures.Future[None]:
    """Drop the shadow and its role in a thread of its own, on a connection of its own: a loop that shuts down
    cancels every task it has, a shielded one too, but not a thread, which the interpreter waits for."""
    pid = admin.get_server_pid()
    return _CLEANER.submit(asyncio.run, tear_down(None, admin_target, name, role, pid))


async def finish(
    connection: asyncpg.Connection | None,
    admin: asyncpg.Connection,
    dropping: concurrent.futures.Future[None] | None,
) -> None:
    """Close our connections, then wait for the drop."""
    if connection is not None:
        await close_quietly(connection)
    await close_quietly(admin)
    if dropping is not None:
        await asyncio.wrap_future(dropping)


async def to_the_end(cleanup: Coroutine[Any, Any, None], cause: BaseException | None = None) -> None:
    """Run `cleanup` to its end even when the caller is cancelled meanwhile, once or again (an app shutting
    down cancels its workers, then the loop's remaining tasks): a bare shield returned at the first cancel and
    left the drop to a loop about to close, and the shadow database behind. The cancel is re-raised after.
    `cause`: the error that ended the work, said before a drop that then failed (a server stopped mid-diff
    was reported only as 'could not drop the shadow database')."""
    task = asyncio.ensure_future(cleanup)
    cancelled = False
    while not task.done():
        with contextlib.suppress(Exception):  # the task's own error: raised below, once it is done
            try:
                await asyncio.shield(task)
            except asyncio.CancelledError:
                cancelled = True
    if not task.cancelled() and isinstance(failed := task.exception(), DibsError):
        first = _ended_by(cause)
        if first is not None:
            raise DibsError(f"{first}\n{failed.message}", hint=failed.hint) from cause
    task.result()
    if cancelled:
        raise asyncio.CancelledError


def _ended_by(cause: BaseException | None) -> str | None:
    """What ended the work in the shadow database, in a line; None for no error, a cancel or a bug."""
    if isinstance(cause, DibsError):
        return cause.message.splitlines()[0]
    if isinstance(cause, _LOST) or (getattr(cause, "sqlstate", None) or "").startswith(("08", "57P")):
        return f"the connection to the server was lost: {cause or type(cause).__name__}".splitlines()[0]
    if isinstance(cause, asyncpg.PostgresError):
        return f"the server ended the work: {cause}".splitlines()[0]
    return None


async def tear_down(
    admin: asyncpg.Connection | None,
    admin_target: ConnectionTarget,
    name: str,
    role: str,
    setting_up: int | None = None,
) -> None:
    """Drop the shadow database, then its role (it owns nothing else). `setting_up`: the backend that set them
    up, ended first (a CREATE ROLE or DATABASE a cancel interrupted may still be running there, and would
    commit after our DROP). A lost connection (a server restart, the user's database dropped meanwhile) is
    replaced by one to the same database, then to `postgres`, then `template1`; every step can run again.
    What cannot be dropped is named, so that it can be dropped by hand."""
    statements = [
        # The role owns the database: it may have marked it a template, which DROP DATABASE refuses.
        # (An invalid database, left by a DROP cut short, cannot be altered but can be dropped.)
        f"DO $$ BEGIN IF EXISTS (SELECT FROM pg_catalog.pg_database WHERE datname = {quote_literal(name)}"
        f" AND datistemplate) THEN ALTER DATABASE {quote_ident(name)} WITH IS_TEMPLATE false; END IF; END $$",
        f"DROP DATABASE IF EXISTS {quote_ident(name)} WITH (FORCE)",
        f"SELECT pg_catalog.pg_terminate_backend(pid) FROM pg_catalog.pg_stat_activity WHERE usename = "
        f"{quote_literal(role)}",
        f"DROP ROLE IF EXISTS {quote_ident(role)}",
    ]
    places = [admin_target, with_database(admin_target, "postgres"), with_database(admin_target, "template1")]
    failure: BaseException | None = None
    for attempt, place in enumerate(places):
        conn = admin if attempt == 0 and admin is not None and not admin.is_closed() else None
        fresh = None
        try:
            if conn is None:
                fresh = conn = await connect(place, read_only=False, wait_for_slot=True)
            if setting_up:
                await _end_backend(conn, setting_up)
            for statement in statements:
                await conn.execute(statement)
            return
        except asyncpg.PostgresError as exc:
            failure = exc
            if not isinstance(exc, _LOST):
                break
        except Exception as exc:  # lost, or no connection there (the driver's own errors too): the next place
            failure = exc
        finally:
            if fresh is not None:
                await close_quietly(fresh)
    message = (getattr(failure, "message", None) or str(failure) or "unknown error").splitlines()[0]
    raise DibsError(
        f"could not drop the shadow database {name} and its role {role}: {message}",
        hint=f"drop them by hand: DROP DATABASE IF EXISTS {name} WITH (FORCE); DROP ROLE IF EXISTS {role};",
    )


_LOST = (
    asyncpg.InterfaceError,
    asyncpg.PostgresConnectionError,
    asyncpg.AdminShutdownError,
    asyncpg.CrashShutdownError,
    OSError,
)
