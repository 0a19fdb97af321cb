"""A catalog read that meets another session's lock: who holds it said while the read waits, and the read
made again, whole, once the lock is gone.

The server's deparse functions (pg_get_expr, pg_get_constraintdef, pg_get_viewdef, pg_get_indexdef) open
their relation with ACCESS SHARE, which queues behind an ACCESS EXCLUSIVE lock: a migration's ALTER TABLE in
a transaction still open. Such a read stays in the queue at most `LOCK_STEP` (the catalog session's
lock_timeout, `session.catalog_settings(stepping=True)`); then its transaction is rolled back, so that while
it waits it holds no lock and asks for none. Why not wait in the queue: a read keeps the ACCESS SHARE locks of
the tables it already deparsed until its transaction ends, and the migration's next ALTER TABLE on one of
those would wait for us (and every query behind it); and once granted, our queued request would make a later
ACCESS EXCLUSIVE request wait for our whole read. 1 s is PostgreSQL's default deadlock_timeout: out of the
queue by then, the read is never the reason the deadlock detector cancels the migration.

While it waits, the holder is named every second (pid, application, user, what it runs, for how long) through
a reporter: the CLI writes it to stderr, the browser shows it in its header. Once the holder's lock is gone
(or `RETRY_EVERY` passed: the holder we named may not be the one in our way) the read starts again in a new
snapshot, so that its result is complete and consistent. It gives up only when the user's own
statement_timeout, when they set one, is spent; Ctrl-C and q stop it at once (the wait is a sleep and small
queries on pg_locks, which takes no relation lock).

On a standby the holder is the startup process replaying a lock the primary took, and a read can be
cancelled by the standby itself ("conflict with recovery": WAL it must replay needs the read's lock or removes
rows its snapshot still sees, once max_standby_streaming_delay has passed). Both are said in those words;
a cancelled read is made again, at most `CONFLICTS_TRIED` times in a row.
"""

from __future__ import annotations

import asyncio
import contextvars
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

from .errors import DibsError
from .terminal import safe

if TYPE_CHECKING:  # the driver is imported by what reads, not by the CLI setting its reporter
    import asyncpg

T = TypeVar("T")
LOCK_STEP_MS = 1000  # the longest a catalog read stays queued for a lock (see the module's docstring)
POLL = 1.0  # seconds between two looks at the holder while the read waits
RETRY_EVERY = 30.0  # seconds after which the read is tried again even though the holder named still holds
CONFLICTS_TRIED = 5  # reads a standby may cancel in a row before we give up and say what to change
RECOVERY = "startup"  # pg_stat_activity.backend_type of a standby's WAL replay


@dataclass(frozen=True)
class LockWait:
    """What a catalog read waits for: the relation, the session holding the lock, and how long we have
    waited. Every text field is as the server gave it; `line` escapes them."""

    relation: str  # schema.name
    pid: int  # 0: a prepared transaction, which has no backend
    granted: bool  # False: that session is itself queued for ACCESS EXCLUSIVE, ahead of us
    application: str
    user: str
    state: str
    query: str
    open_for: float | None  # seconds since the holder's transaction began
    waited: float  # seconds since our read first met the lock
    backend: str = "client backend"  # pg_stat_activity.backend_type: "startup" on a standby is its replay

    def line(self, stop: str = "Ctrl-C to stop") -> str:
        """One line for a terminal, ending with how to `stop` (when given): every string from the server
        escaped (core/terminal.py)."""
        held = "held by" if self.granted else "asked for ahead of us by"
        who = [f"app {safe(self.application)!r}" if self.application else "", f"user {safe(self.user)}"]
        if self.state:
            who.append(safe(self.state))
        if self.open_for is not None:
            who.append(f"transaction open {duration(self.open_for)}")
        if self.query.strip():
            who.append(_cut(self.query, 80))
        said = ", ".join(w for w in who if w)
        holder = f"pid {self.pid} ({said})" if self.pid else PREPARED
        if self.backend == RECOVERY:
            holder = f"{REPLAY} (pid {self.pid}): {REPLAYED}"
        elif self.backend != "client backend" and self.pid:
            holder = f"pid {self.pid} ({safe(self.backend)}{': ' + _cut(self.query, 80) if self.query.strip() else ''})"
        line = f"waiting for a lock on {safe(self.relation)} {held} {holder}, {duration(self.waited)}"
        return f"{line} so far; {stop}" if stop else line

    def short(self) -> str:
        """The same in a few words, for a one-line header: how long, the relation, the holder, its query."""
        who = f"{safe(self.application)}: " if self.application else ""
        holder = f"pid {self.pid} ({who}{_cut(self.query, 32)})" if self.pid else "a prepared transaction"
        if self.backend == RECOVERY:
            holder = f"{REPLAY}, for a transaction on the primary"
        return f"waiting {duration(self.waited)} for a lock on {safe(self.relation)} held by {holder}"

    @property
    def holder(self) -> tuple[int, str]:
        """Which session on which relation: a new holder is said anew, the same one only counted on."""
        return self.pid, self.relation


@dataclass(frozen=True)
class RecoveryConflict:
    """A standby cancelled the read: WAL it had to replay conflicted with it (the server's DETAIL says how: a
    lock the primary took, rows its vacuum removed that our snapshot still saw). The read is made again."""

    detail: str
    count: int  # reads cancelled so far, in a row

    def line(self, stop: str = "Ctrl-C to stop") -> str:
        why = f" ({safe(self.detail)})" if self.detail else ""
        line = f"the standby cancelled the catalog read: conflict with recovery{why}; reading again ({self.count})"
        return f"{line}; {stop}" if stop else line

    def short(self) -> str:
        return f"the standby cancelled the read (conflict with recovery); reading again ({self.count})"

    @property
    def holder(self) -> tuple[int, str]:
        return -self.count, "recovery conflict"  # each cancelled read said anew


REPLAY = "the standby's recovery"
REPLAYED = (
    "it replays a lock a transaction on the primary holds (DDL in a transaction still open there, or a VACUUM "
    "cutting the table's empty end), and lets go when that transaction ends"
)
PREPARED = "a prepared transaction (two-phase commit: pg_prepared_xacts; COMMIT PREPARED or ROLLBACK PREPARED ends it)"


def _cut(query: str, most: int) -> str:
    """A query on one line, escaped, cut at `most` characters."""
    query = " ".join(query.split())
    return safe(query if len(query) <= most else query[: most - 1] + "…")


def duration(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


# The sessions holding (granted first) or asking for ACCESS EXCLUSIVE on a relation of this database, other
# than ours and their own temporary tables: the only locks an ACCESS SHARE request queues behind. A prepared
# transaction's locks have no pid (no backend holds them): said as such, never taken for a lock gone.
_HOLDERS_SQL = """
SELECT COALESCE(l.pid, 0) AS pid, l.relation AS oid, l.granted,
       n.nspname::pg_catalog.text OPERATOR(pg_catalog.||) '.' OPERATOR(pg_catalog.||) c.relname::pg_catalog.text
         AS relation,
       COALESCE(a.application_name, '') AS application, COALESCE(a.usename::pg_catalog.text, '?') AS usename,
       COALESCE(a.state, 'state not visible to this role') AS state, COALESCE(a.query, '') AS query,
       COALESCE(a.backend_type, 'client backend') AS backend,
       pg_catalog.date_part('epoch', pg_catalog.now() OPERATOR(pg_catalog.-) a.xact_start) AS open_for
FROM pg_catalog.pg_locks l
JOIN pg_catalog.pg_class c ON c.oid OPERATOR(pg_catalog.=) l.relation
JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace
LEFT JOIN pg_catalog.pg_stat_activity a ON a.pid OPERATOR(pg_catalog.=) l.pid
WHERE l.locktype OPERATOR(pg_catalog.=) 'relation' AND l.mode OPERATOR(pg_catalog.=) 'AccessExclusiveLock'
  AND c.relpersistence OPERATOR(pg_catalog.<>) 't'
  AND (l.pid IS NULL OR l.pid OPERATOR(pg_catalog.<>) pg_catalog.pg_backend_pid())
  AND l.database OPERATOR(pg_catalog.=) (SELECT d.oid FROM pg_catalog.pg_database d
                                         WHERE d.datname OPERATOR(pg_catalog.=) pg_catalog.current_database())
ORDER BY l.granted DESC, a.xact_start NULLS LAST, l.pid
LIMIT 6
"""

Reporter = Callable[[LockWait | RecoveryConflict | None], object]  # None: the wait is over
_REPORTER: contextvars.ContextVar[Reporter | None] = contextvars.ContextVar("dibs_lock_wait_reporter")


def use_reporter(report: Reporter | None) -> None:
    """Where the lock waits of what runs next in this context are said (the CLI: stderr)."""
    _REPORTER.set(report)


async def read_through_locks(
    conn: asyncpg.Connection,
    read: Callable[[], Awaitable[T]],
    *,
    report: Reporter | None = None,
    budget: float | None = None,
    again: Callable[[], bool] = lambda: True,
    meanwhile: Callable[[], Awaitable[None]] | None = None,
) -> T:
    """`await read()`, made again each time it meets another session's lock, once the holder lets go.

    `conn` asks who holds the lock (out of any transaction once `read` has failed); `report` (else the
    context's, `use_reporter`) is told each second while we wait, and None once the read is made; `budget`:
    seconds after which we give up (the user's statement_timeout); `again()`: whether a failed read may be
    made again (not when part of its result is already out); `meanwhile()` runs on `conn` between the holder's
    looks while we wait (the browser's card of another relation, on a role's one session)."""
    import asyncpg

    report = report or _REPORTER.get(None)
    start, first, conflicts = time.monotonic(), None, 0
    try:
        while True:
            try:
                return await read()
            except (asyncpg.LockNotAvailableError, asyncpg.DeadlockDetectedError):
                if not again():
                    raise
                if first is None:  # about when the read began to wait
                    first = time.monotonic() - LOCK_STEP_MS / 1000
            except asyncpg.SerializationError as exc:
                if not _recovery_conflict(exc) or not again():
                    raise
                conflicts += 1
                _give_up_after_conflicts(exc, conflicts)
                if report is not None:
                    report(RecoveryConflict(exc.detail or "", conflicts))
                first = first or time.monotonic()
                await asyncio.sleep(POLL)  # the replay goes on meanwhile
                continue
            conflicts = 0
            await _until_released(conn, first, report, start, budget, meanwhile)
    finally:
        if first is not None and report is not None:
            report(None)


def _recovery_conflict(exc: Exception) -> bool:
    """A standby's cancel (SQLSTATE 40001 too, but not a serialization failure of ours: a read only reads)."""
    return "conflict with recovery" in str(exc)


def _give_up_after_conflicts(exc: asyncpg.SerializationError, conflicts: int) -> None:
    if conflicts < CONFLICTS_TRIED:
        return
    why = f" ({safe(exc.detail)})" if exc.detail else ""
    raise DibsError(
        f"the standby cancelled the catalog read {conflicts} times in a row: its recovery conflicts with it{why}",
        hint="raise max_standby_streaming_delay on the standby (set hot_standby_feedback = on when rows were "
        "removed), or read the primary",
    )


async def _until_released(
    conn: asyncpg.Connection,
    first: float,
    report: Reporter | None,
    start: float,
    budget: float | None,
    meanwhile: Callable[[], Awaitable[None]] | None,
) -> None:
    """Wait while the session our read met still holds its lock, saying so each second; give up `budget`
    seconds after the read's `start` (time.monotonic())."""
    since = time.monotonic()
    named: tuple[int, int] | None = None
    while True:
        rows = await conn.fetch(_HOLDERS_SQL)
        held = {(r["pid"], r["oid"]) for r in rows}
        if named is not None and named not in held:
            return  # the holder let go: read again
        now = time.monotonic()
        waited = now - first
        if budget is not None and now - start >= budget:
            said = f" ({_wait(rows[0], waited).line('')})" if rows else ""
            raise DibsError(
                f"catalog read gave up on a lock after statement_timeout {duration(budget)}{said}",
                hint="wait for that transaction to end, or raise --statement-timeout",
            )
        if not rows:
            return  # gone already
        if named is None:
            named = (rows[0]["pid"], rows[0]["oid"])
        if report is not None:
            report(_wait(next(r for r in rows if (r["pid"], r["oid"]) == named), waited))
        if time.monotonic() - since >= RETRY_EVERY:
            return
        if meanwhile is not None:
            await meanwhile()
        await asyncio.sleep(POLL)


def _wait(row: asyncpg.Record, waited: float) -> LockWait:
    return LockWait(
        relation=row["relation"],
        pid=row["pid"],
        granted=row["granted"],
        application=row["application"],
        user=row["usename"],
        state=row["state"],
        query=row["query"],
        open_for=row["open_for"],
        waited=waited,
        backend=row["backend"],
    )


__all__ = ["LOCK_STEP_MS", "LockWait", "RecoveryConflict", "Reporter", "read_through_locks", "use_reporter"]
