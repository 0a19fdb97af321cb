"""Online apply: what a second connection sees while a migration's statement runs, and how a statement that
gave up on a lock (lock_timeout, SQLSTATE 55P03) is tried again.

While a statement runs, a second connection polls `pg_stat_progress_create_index` for the applier's backend
(an index build's phase and how far it is, as progress lines) and `pg_blocking_pids` (who holds what the
statement waits for: said as a progress line once it has waited a second, and again when the blockers change). When the statement gives up on a lock, the blockers last seen are what the report
names: the applier's own connection can no longer ask, its wait is over.

A statement (or the transaction segment it belongs to) that hit lock_timeout is rolled back and tried again up
to `LockRetries.retries` times, waiting `wait`, then twice that, and so on, so that a short-lived blocker (an
autovacuum, a long SELECT) does not fail a deploy, and a long one fails it in bounded time. A statement run
alone is not tried again when its failure left an INVALID index (a concurrent build that gave up waiting):
running it again would fail on the name; the report names the index and its DROP INDEX CONCURRENTLY instead.
That index is not dropped automatically: the DROP waits for the same blockers the build gave up on, and it
is one more statement nobody reviewed; a rerun refuses while it is there.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

import asyncpg

from ..connect import ConnectionTarget, connect
from ..terminal import safe

FIRST_POLL_SECONDS = 0.05  # a lock_timeout of a few hundred ms still lets the watch see the blocker
POLL_SECONDS = 0.25  # a blocked statement waits lock_timeout (5 s by default): several polls see its blocker
PROGRESS_EVERY = 1.0  # at most one progress line a second, and only when the build moved on
SAY_WAITING_AFTER = 1.0  # a lock wait shorter than this is not worth a line


@dataclass(frozen=True)
class LockRetries:
    """How often a statement that hit lock_timeout is tried again, and how long to wait before the first retry
    (doubled before each next one): by default 3 retries after 2, 4 and 8 s."""

    retries: int = 3
    wait: float = 2.0

    def delay(self, attempt: int) -> float:
        """Seconds to wait before retry number `attempt` (1-based)."""
        return self.wait * 2 ** (attempt - 1)


_PROGRESS_SQL = """
SELECT p.phase, p.blocks_total, p.blocks_done, p.tuples_total, p.tuples_done, p.lockers_total, p.lockers_done,
       p.partitions_total, p.partitions_done,
       pg_catalog.concat(pg_catalog.quote_ident(n.nspname), '.', pg_catalog.quote_ident(c.relname)) AS index
FROM pg_catalog.pg_stat_progress_create_index p
LEFT JOIN pg_catalog.pg_class c ON c.oid OPERATOR(pg_catalog.=) p.index_relid
LEFT JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace
WHERE p.pid OPERATOR(pg_catalog.=) $1
"""

# Who blocks the applier's backend, and which of its locks on the relations the applier waits for.
_BLOCKERS_SQL = """
SELECT b.pid, a.application_name, a.usename::pg_catalog.text AS usename, a.state,
       pg_catalog.date_part('epoch', pg_catalog.now() OPERATOR(pg_catalog.-)
         COALESCE(a.state_change, a.xact_start, a.backend_start)) AS seconds,
       (SELECT pg_catalog.string_agg(DISTINCT pg_catalog.concat(l.mode, ' on ', pg_catalog.quote_ident(n.nspname),
                '.', pg_catalog.quote_ident(c.relname)), ', ')
        FROM pg_catalog.pg_locks l
        JOIN pg_catalog.pg_class c ON c.oid OPERATOR(pg_catalog.=) l.relation
        JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace
        WHERE l.pid OPERATOR(pg_catalog.=) b.pid AND l.relation IN
          (SELECT w.relation FROM pg_catalog.pg_locks w WHERE w.pid OPERATOR(pg_catalog.=) $1 AND NOT w.granted)
       ) AS holds
FROM pg_catalog.unnest(pg_catalog.pg_blocking_pids($1)) AS b(pid)
LEFT JOIN pg_catalog.pg_stat_activity a ON a.pid OPERATOR(pg_catalog.=) b.pid
ORDER BY b.pid
"""


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "?"
    return f"{seconds:.0f} s" if seconds < 90 else f"{seconds / 60:.0f} min"


def describe_blockers(rows: list[asyncpg.Record]) -> str:
    """'backend 812 (app 'psql', user bob, idle in transaction for 3 min) holding AccessShareLock on public.t'."""
    parts = []
    for row in rows:
        state = row["state"] or "state not visible to this role"
        holding = (
            f" holding {row['holds']}" if row["holds"] else " (an older transaction the statement waits for)"
        )
        parts.append(
            f"backend {row['pid']} (app {safe(row['application_name'] or '')!r}, user {safe(row['usename'] or '?')}, "
            f"{state} for {_duration(row['seconds'])}){safe(holding)}"
        )
    return "; ".join(parts)


def _percent(done: int, total: int) -> str:
    return f"{100 * done // total}% ({done:,}/{total:,})" if total else ""


def describe_progress(row: asyncpg.Record) -> str:
    """One line of an index build's progress, as pg_stat_progress_create_index has it now."""
    phase = row["phase"]
    if row["lockers_total"] and phase.startswith("waiting"):
        how_far = f"{_percent(row['lockers_done'], row['lockers_total'])} of the transactions it waits for"
    elif row["blocks_total"]:
        how_far = f"{_percent(row['blocks_done'], row['blocks_total'])} of the blocks"
    elif row["tuples_total"]:
        how_far = f"{_percent(row['tuples_done'], row['tuples_total'])} of the rows"
    else:
        how_far = ""
    if row["partitions_total"]:
        how_far += f", partition {row['partitions_done'] + 1} of {row['partitions_total']}"
    index = safe(row["index"]) if row["index"] and row["index"] != "." else "the index"
    return f"    building {index}: {phase}" + (f", {how_far}" if how_far else "")


class Watch:
    """A second connection that watches the applier's backend while one of its statements runs."""

    def __init__(self, target: ConnectionTarget, say: Callable[[str], None]) -> None:
        self.target = target
        self.say = say
        self.conn: asyncpg.Connection | None = None
        self.pid = 0
        self.blockers = ""  # the last blockers seen during the statement now running
        self._opened = False

    async def open(self, pid: int) -> None:
        """Connect once, for the whole run; without it (no free connection) statements run unwatched."""
        self.pid = pid
        if self._opened:
            return
        self._opened = True
        with contextlib.suppress(Exception):
            self.conn = await connect(self.target, read_only=True)
            await self.conn.execute(
                "SELECT set_config('application_name', 'dibs-tui migrate (watch)', false)"
            )

    async def close(self) -> None:
        if self.conn is not None:
            with contextlib.suppress(Exception):
                await self.conn.close(timeout=2)
            self.conn = None

    @contextlib.asynccontextmanager
    async def watching(self) -> AsyncIterator[None]:
        """Poll while the block runs; the blockers seen stay readable after it ends (a lock_timeout)."""
        self.blockers = ""
        if self.conn is None:
            yield
            return
        task = asyncio.create_task(self._poll(self.conn))
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    async def _poll(self, conn: asyncpg.Connection) -> None:
        last_line, last_time, pause = "", 0.0, FIRST_POLL_SECONDS
        started, told = time.monotonic(), frozenset[int]()
        while True:
            await asyncio.sleep(pause)
            pause = POLL_SECONDS
            try:
                blockers = await conn.fetch(_BLOCKERS_SQL, self.pid)
                progress = await conn.fetchrow(_PROGRESS_SQL, self.pid)
            except (asyncpg.PostgresError, asyncpg.InterfaceError, OSError):
                return  # the watch is a help, never a reason to fail the apply
            if blockers:
                self.blockers = describe_blockers(blockers)
                pids = frozenset(int(row["pid"]) for row in blockers)
                if pids != told and time.monotonic() - started >= SAY_WAITING_AFTER:
                    self.say(f"    waiting for a lock: {self.blockers}")
                    told = pids
            if progress is not None:
                line = describe_progress(progress)
                now = time.monotonic()
                if line != last_line and (
                    now - last_time >= PROGRESS_EVERY or line.split(",")[0] != last_line.split(",")[0]
                ):
                    self.say(line)
                    last_line, last_time = line, now


@contextlib.asynccontextmanager
async def blockers_of(target: ConnectionTarget, pid: int, *, after: float = 0.25) -> AsyncIterator[Watch]:
    """The backend `pid` watched (pg_blocking_pids) from a second connection while the block runs, opened only
    once the block has run `after` seconds (most reads are done by then): who blocked it is known after its
    wait gave up (lock_timeout, statement_timeout), when its own connection can no longer ask, rather than any
    session holding an ACCESS EXCLUSIVE lock on any table then."""
    watch = Watch(target, lambda _: None)

    async def follow() -> None:
        await asyncio.sleep(after)
        await watch.open(pid)
        if watch.conn is not None:
            await watch._poll(watch.conn)

    task = asyncio.create_task(follow())
    try:
        yield watch
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task
        await watch.close()
