"""Bounded catalog sessions: what a browsing or diff connection is told at start-up, and what a user is told
when it hits one of its bounds.

A catalog session pins `search_path` to pg_catalog, so that every function, operator and type our queries
name resolves in pg_catalog (a same-named function or operator a user creates in a schema of their own is
never called with our rights) and every user object is named schema-qualified. `row_security` is off: a
meta table with row-level security raises an error instead of running a policy's expressions as us.

Waits are bounded. Our catalog queries take only ACCESS SHARE locks (pg_get_viewdef, pg_get_constraintdef,
pg_get_indexdef, pg_get_expr with a relation and reading a meta table all open their relation), which
conflict with ACCESS EXCLUSIVE alone: a DDL statement or a TRUNCATE in another session's open transaction.
`lock_timeout` (default 5 s) turns such a wait into a message naming the backend that holds the lock; a whole
catalog read (`stepping`) leaves the queue after 1 s at most and waits out of it, saying who holds the lock,
then reads again (core/lock_wait.py); `statement_timeout` stops a runaway read. Both come from the config
file or the command line; when the user sets no statement_timeout, it grows with the catalog (`prepare_catalog_session`): 60 s (ten times what
introspecting 5,000 tables takes on a slow server), or 3 s per MB of pg_class when that is more. The full
read's biggest queries grow with the catalog (at 100,000 tables, a 180 MB pg_class, the constraints took 42 s
and the indexes 28 s under EXPLAIN ANALYZE on a loaded two-core machine), so a fixed 60 s cancelled a read that
was not runaway; 9 min at that size keeps a margin of ten. pg_class's size on disk, not its reltuples: the
estimate is -1 until pg_class is first analyzed, and stale after a bulk load; the size is always current.

`work_mem` is raised to 32 MB for our own sessions: the full read sorts and hashes every column, constraint,
index and dependency of the catalog at once (95,000 columns at 5,000 tables), and the server's default 4 MB
sends those sorts to disk from a few thousand tables on. It is a ceiling per sort or hash, not an allocation:
a small catalog uses what it needs; a big one (two connections, a handful of sorts and hashes each) at most a
few hundred MB of the server's memory for the seconds the read takes. Every query also keeps a plan that stays
linear past it (hash joins that spill in batches, no `IN (subquery)`): bench/plans.py checks them.

No parallel workers and no JIT for our sessions. A catalog query's time is in its per-row deparse calls
(pg_get_expr, pg_get_constraintdef, format_type), which look up the catalog caches; a parallel worker is a
fresh backend that fills its own caches again, and the full read already runs over two connections. At
5,000 tables six of the fifteen queries were planned parallel: without workers the server spent 9 % less CPU
on a diff (6.1 -> 5.6 s, both sides). With JIT, a server built with LLVM compiles every query costed over
jit_above_cost (100,000): four of them at 5,000 tables, and the constraints query (563,000) over the
inlining and optimisation thresholds too, for a query that runs once. On PostgreSQL 15 built with LLVM, the
full read of 5,000 tables took 3.56 s of server CPU with JIT and 2.27 s without (bench/JOURNAL.md).

Every execution is planned with its own parameters (`plan_cache_mode = force_custom_plan`). A read runs each
portioned query once per OID range; from a statement's sixth execution the server may switch to a generic
plan, costed without the range's values. For the columns query that plan guessed one row per portion and
nested-looped over its defaults and comments: at 20,000 tables the full read took 171 s instead of 13.
Planning a portion costs 1-2 ms; a plan blind to the range can cost minutes.

A server's own session bounds that would end a read part way are lifted for our sessions, as pg_dump lifts
them: `idle_in_transaction_session_timeout` for every read-only session (core/connect.py: the client builds
the model between a read's queries, inside its snapshot's transaction), and on PostgreSQL 17 and later
`transaction_timeout` for a catalog session (`prepare_catalog_session`: a 100,000-table read takes about 40 s
in one transaction). A DBA's 10 s on either ended the read with 'the connection to the server was lost'.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Sequence
from typing import TypeVar

import asyncpg

from .errors import DibsError
from .lock_wait import LOCK_STEP_MS, duration
from .session_limits import DURATION, SessionLimits, current_limits

T = TypeVar("T")
CATALOG_WORK_MEM = "32MB"  # see the module's docstring
# A catalog session's statement_timeout when the user sets none: this many seconds, or SCALED_TIMEOUT_PER_MB
# per MB of pg_class when that is more (from 20 MB on). See the module's docstring.
SCALED_TIMEOUT_FLOOR = 60
SCALED_TIMEOUT_PER_MB = 3.0


_UNIT_MS = {"us": 0.001, "ms": 1, "s": 1000, "min": 60_000, "h": 3_600_000, "d": 86_400_000}


def milliseconds(value: str, default_unit: str) -> float:
    """A checked duration in milliseconds (a bare number in `default_unit`, as the server reads it)."""
    match = DURATION.fullmatch(value)
    assert match is not None, value
    return int(match.group(1)) * _UNIT_MS[match.group(2) or default_unit]


def read_budget(limits: SessionLimits | None = None) -> float | None:
    """Seconds a catalog read may take in all, lock waits included: the user's statement_timeout when they
    set one (0 is none, as for the server); else None, and a read waits for a lock until the user stops it."""
    value = (limits or current_limits()).statement_timeout
    seconds = milliseconds(value.strip(), "ms") / 1000 if value is not None else 0
    return seconds or None


def catalog_settings(limits: SessionLimits | None = None, *, stepping: bool = False) -> dict[str, str]:
    """server_settings for a connection that reads the catalog and the meta tables. `stepping`: for a read
    made again once a lock is gone (core/lock_wait.py), which stays queued for a lock 1 s at most."""
    limits = (limits or current_limits()).checked()
    lock_timeout = limits.lock_timeout.strip()
    if stepping and not 0 < milliseconds(lock_timeout, "ms") <= LOCK_STEP_MS:
        lock_timeout = f"{LOCK_STEP_MS}ms"
    return {
        "search_path": "pg_catalog",
        "row_security": "off",
        "lock_timeout": lock_timeout,
        "statement_timeout": (limits.statement_timeout or f"{SCALED_TIMEOUT_FLOOR}s").strip(),
        "work_mem": CATALOG_WORK_MEM,
        "max_parallel_workers_per_gather": "0",
        "jit": "off",
        "plan_cache_mode": "force_custom_plan",
    }


_SCALE_SQL = """
SELECT pg_catalog.set_config('statement_timeout', pg_catalog.ceil(GREATEST({floor}::float8,
         {per_mb}::float8 * pg_catalog.pg_relation_size('pg_catalog.pg_class'::pg_catalog.regclass) / 1048576.0))::text
         OPERATOR(pg_catalog.||) 's', false)
"""


_NO_TRANSACTION_TIMEOUT = "SELECT pg_catalog.set_config('transaction_timeout', '0', false)"


async def prepare_catalog_session(conn: asyncpg.Connection, limits: SessionLimits) -> None:
    """Give a catalog session the statement_timeout its catalog's size calls for (see the module's docstring),
    unless the user chose one: theirs always wins; and on PostgreSQL 17 and later no transaction_timeout (see
    the module's docstring: a setting the startup packet cannot carry to an older server). One small query
    at most, before the session's big reads: our own numbers written into its text, so that it is one round
    trip (a query with parameters is prepared first, a round trip more on every session opened)."""
    statements = []
    if limits.statement_timeout is None:
        floor, per_mb = float(SCALED_TIMEOUT_FLOOR), float(SCALED_TIMEOUT_PER_MB)
        statements.append(_SCALE_SQL.format(floor=floor, per_mb=per_mb))
    if conn.get_server_version().major >= 17:
        statements.append(_NO_TRANSACTION_TIMEOUT)
    if statements:
        await conn.execute(";".join(statements))


def _visible(text: str) -> str:
    """A name or application name as one printable line: control characters become escapes."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


_HOLDERS_SQL = """
SELECT l.pid, l.mode, l.granted, n.nspname::pg_catalog.text AS schema, c.relname::pg_catalog.text AS name,
       a.application_name, a.usename::pg_catalog.text AS usename, a.state,
       pg_catalog.date_part('epoch', pg_catalog.now() OPERATOR(pg_catalog.-)
         COALESCE(a.state_change, a.xact_start, a.backend_start)) AS seconds
FROM pg_catalog.pg_locks l
JOIN pg_catalog.pg_class c ON c.oid OPERATOR(pg_catalog.=) l.relation
JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace
LEFT JOIN pg_catalog.pg_stat_activity a ON a.pid OPERATOR(pg_catalog.=) l.pid
WHERE l.locktype OPERATOR(pg_catalog.=) 'relation' AND l.mode OPERATOR(pg_catalog.=) 'AccessExclusiveLock'
  AND l.pid OPERATOR(pg_catalog.<>) pg_catalog.pg_backend_pid()
  AND l.database OPERATOR(pg_catalog.=) (SELECT d.oid FROM pg_catalog.pg_database d
                                         WHERE d.datname OPERATOR(pg_catalog.=) pg_catalog.current_database())
ORDER BY l.granted DESC, a.xact_start NULLS LAST, l.pid
LIMIT 6
"""


async def describe_lock_wait(conn: asyncpg.Connection, what: str) -> str:
    """Who holds (or queues for) the ACCESS EXCLUSIVE lock our read waited on, as one line.

    Asked after the wait was given up: the only locks that block an ACCESS SHARE request are ACCESS
    EXCLUSIVE ones, held, or requested ahead of us; so they are what pg_blocking_pids would have named."""
    try:
        rows = await conn.fetch(_HOLDERS_SQL)
        waited = await conn.fetchval("SELECT pg_catalog.current_setting('lock_timeout')")
    except (asyncpg.PostgresError, asyncpg.InterfaceError, OSError):
        rows, waited = [], None
    after = f"gave up after {waited} (lock_timeout)" if waited else "gave up (lock_timeout)"
    return _lock_wait_line(rows, what, after)


async def lock_wait_error(
    conn: asyncpg.Connection, what: str, exc: BaseException, outcome: str, blockers: str | None = None
) -> DibsError | None:
    """A bounded read cut short by lock_timeout, or by its statement_timeout while another session held
    ACCESS EXCLUSIVE (a review's is shorter than lock_timeout): who held it, as an error a user can act on.
    None when it was no lock wait (a statement_timeout with no such lock held: a slow read). `blockers`: who
    the read's backend waited for, as a watch of it saw them (core/migrations/apply_online.py), "" when it saw
    none (then a statement_timeout is a slow read); None: not watched, every ACCESS EXCLUSIVE holder is named."""
    if blockers:
        after = (
            f"gave up after {await _setting(conn, 'lock_timeout')} (lock_timeout)"
            if isinstance(exc, asyncpg.LockNotAvailableError)
            else "gave up when its statement_timeout ran out"
        )
        hint = LOCK_HINT if isinstance(exc, asyncpg.LockNotAvailableError) else _WAIT_HINT
        return DibsError(f"{what} blocked by {blockers}; {after}; {outcome}", hint=hint)
    if isinstance(exc, asyncpg.LockNotAvailableError):
        return DibsError(f"{await describe_lock_wait(conn, what)}; {outcome}", hint=LOCK_HINT)
    if not isinstance(exc, asyncpg.QueryCanceledError) or blockers is not None:
        return None
    try:
        rows = await conn.fetch(_HOLDERS_SQL)
    except (asyncpg.PostgresError, asyncpg.InterfaceError, OSError):
        return None
    if not rows:
        return None
    said = _lock_wait_line(rows, what, "gave up when its statement_timeout ran out")
    return DibsError(f"{said}; {outcome}", hint=_WAIT_HINT)


async def _setting(conn: asyncpg.Connection, name: str) -> str:
    try:
        return str(await conn.fetchval("SELECT pg_catalog.current_setting($1)", name))
    except (asyncpg.PostgresError, asyncpg.InterfaceError, OSError):
        return "?"


def _lock_wait_line(rows: Sequence[asyncpg.Record], what: str, after: str) -> str:
    if not rows:
        return f"{what} waited for a lock held by another session; {after}, and the lock is gone now"
    first = rows[0]
    state = first["state"] or "state not visible to this role"
    app = _visible(first["application_name"] or "")
    user = _visible(first["usename"] or "?")
    relation = f"{_visible(first['schema'])}.{_visible(first['name'])}"
    verb = "holding" if first["granted"] else "queued for"
    message = (
        f"{what} blocked by backend {first['pid']} (app {app!r}, user {user}, {state} for "
        f"{'?' if first['seconds'] is None else duration(first['seconds'])}) {verb} AccessExclusiveLock on {relation}; {after}"
    )
    if len(rows) > 1:
        others = sorted({r["pid"] for r in rows[1:]} - {first["pid"]})
        if others:
            message += f"; also locked by backend(s) {', '.join(str(p) for p in others)}"
    return message


def _is_lost(exc: BaseException) -> bool:
    return isinstance(
        exc,
        asyncpg.ConnectionDoesNotExistError
        | asyncpg.AdminShutdownError
        | asyncpg.CannotConnectNowError
        | ConnectionError,
    ) or (isinstance(exc, asyncpg.InterfaceError) and "connection" in str(exc).lower())


@contextlib.asynccontextmanager
async def bounded(conn: asyncpg.Connection, what: str = "catalog read") -> AsyncIterator[None]:
    """Turn a read's timeouts and a lost server into one clear DibsError (no traceback, no hang)."""
    try:
        yield
    except asyncpg.LockNotAvailableError:
        raise DibsError(await describe_lock_wait(conn, what), hint=LOCK_HINT) from None
    except asyncpg.QueryCanceledError as exc:
        if "statement timeout" not in str(exc):
            raise
        raise DibsError(
            f"{what} took longer than statement_timeout {await _statement_timeout(conn)}",
            hint="raise it with --statement-timeout or statement_timeout in dibs-tui.toml",
        ) from None
    except asyncpg.CharacterNotInRepertoireError as exc:
        raise _not_utf8(conn, what, exc) from None
    except Exception as exc:
        if not _is_lost(exc):
            raise
        raise DibsError(f"{what}: the connection to the server was lost ({type(exc).__name__})") from None


def _not_utf8(conn: asyncpg.Connection, what: str, exc: asyncpg.PostgresError) -> DibsError:
    """A SQL_ASCII database stores any bytes; the server refuses to send those that are not UTF-8 to a UTF-8
    client (our driver's only text encoding), and the read ended on the driver's class name."""
    encoding = getattr(conn.get_settings(), "server_encoding", "?")
    said = str(exc).splitlines()[0]
    return DibsError(
        f"{what}: a name, comment or definition in this database is not UTF-8 ({said}); its encoding is "
        f"{encoding}, which keeps any bytes, and the server will not send them to a UTF-8 client",
        hint="dibs-tui reads UTF-8 only: rename or re-comment what holds those bytes (pg_dump --encoding=LATIN1 "
        "shows where), or convert the database to UTF8",
    )


async def _statement_timeout(conn: asyncpg.Connection) -> str:
    """The session's statement_timeout as the server says it (the user's, or the one scaled to the catalog)."""
    try:
        return str(await conn.fetchval("SHOW statement_timeout"))
    except (asyncpg.PostgresError, asyncpg.InterfaceError, OSError):
        return current_limits().statement_timeout or "(scaled to the catalog)"


async def bounded_read(conn: asyncpg.Connection, read: Awaitable[T], what: str = "catalog read") -> T:
    """`await read` under `bounded(conn, what)`: for callers that hold the awaitable, not a block."""
    async with bounded(conn, what):
        return await read


LOCK_HINT = "wait for that transaction to end, or raise --lock-timeout (lock_timeout in dibs-tui.toml)"
_WAIT_HINT = "wait for that transaction to end, then run it again"


__all__ = [
    "LOCK_HINT",
    "bounded",
    "bounded_read",
    "catalog_settings",
    "describe_lock_wait",
    "prepare_catalog_session",
]
