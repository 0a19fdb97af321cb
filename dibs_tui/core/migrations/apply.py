"""Applying pending migrations: under the advisory lock, segment by segment, each segment's outcome recorded.

A session-level advisory lock (`ADVISORY_LOCK_KEY`) serialises appliers; a second applier waits and is told who
holds it, then reads the pending list afresh. Each migration is cut into segments before anything runs
(`segments.py`): a migration of one segment commits with its `__dibs_migrations` row or not at all. One of
several commits segment by segment; each commit is recorded in `__dibs_migration_segments`
(`apply_record.py`), and the history row is written only with the last segment.

On a failure the message says which segments committed, which failed (PostgreSQL's message, detail and
position) and which did not run, and names any INVALID index a failed `CREATE INDEX CONCURRENTLY` left, with
the `DROP INDEX CONCURRENTLY` that removes it. A rerun resumes after the last committed segment when those
segments are unchanged in the file (each committed segment's checksum is recorded: the statement that failed
may be corrected, and the rest runs as the file is now) and the INVALID index is gone; it refuses, before
running anything, while the index is there or when a committed segment changed since.

A lost connection (the server stopped, our backend terminated) ends the apply with a message that says what
committed: we reconnect once (within the connect timeout) and read the record, which a transaction segment
writes in its own transaction, so it cannot disagree with the database. A statement run alone is marked
`running` before it runs: if the applier dies before its report (killed), the mark stays, and the rerun
refuses until someone settles it (it prints the UPDATE that records it as done and the DELETE that forgets it),
instead of running it a second time.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

import asyncpg

from ..connect import ConnectionTarget, connect
from ..errors import DibsError
from ..session import LOCK_HINT, describe_lock_wait
from ..terminal import safe
from . import apply_record as record
from .apply_checks import prepare, refuse_read_only, refuse_renamed
from .apply_history import (
    _compare_tables,
    _ensure_history_table,
    _record,
    _table_signatures,
    acquire_lock,
)
from .apply_lost import ApplyState, connection_lost, interrupted, is_connection_loss
from .apply_online import LockRetries, Watch
from .apply_outcome import (
    AppliedMigration,
    ApplyEvent,
    ApplyResult,
    InvalidIndexKept,
    MigrationFailed,
    PendingMigration,
    ProgressCallback,
)
from .files import Statement
from .history import ADVISORY_LOCK_KEY, find_history_tables, read_history
from .layouts import list_migration_files, refuse_absent_folder
from .segments import Segment
from .status import MigrationState, disagreements, migration_status, renamed

# -- one migration -------------------------------------------------------------------------------------------


async def _as_applier(conn: asyncpg.Connection) -> None:
    """Our records, inside the transaction that writes them, as the applier: not as a role the migration set
    (`SET ROLE app_owner`), which keeps it for the migration's later segments once the transaction ends."""
    await conn.execute("SET LOCAL SESSION AUTHORIZATION DEFAULT; SET LOCAL role TO DEFAULT")


def _idle_kept(conn: asyncpg.Connection) -> str:
    """The applier waits, holding the migration lock, for the guard, the proof and the user's answer (minutes,
    idle): a server's idle_session_timeout (PostgreSQL 14 and later) ended it, and the answer 'y' then met
    'connection to the server lost'. Lifted for this session until the first migration starts (RESET ALL)."""
    return ", set_config('idle_session_timeout', '0', false)" if conn.get_server_version().major >= 14 else ""


async def _fresh_session(conn: asyncpg.Connection, lock_timeout: str) -> None:
    """Before each migration: the applier's session again, whatever the previous one SET (a role, a
    lock_timeout of 0, a search_path); only what the applier itself sets comes back."""
    await conn.execute(
        "RESET SESSION AUTHORIZATION; RESET ROLE; RESET ALL; SELECT set_config('application_name', 'dibs-tui migrate', false); "
        f"SET lock_timeout = {lock_timeout}"
    )


class _StatementError(Exception):
    def __init__(self, statement: Statement, exc: asyncpg.PostgresError | InvalidIndexKept) -> None:
        super().__init__(str(exc))
        self.statement = statement
        self.exc = exc


class _Applier:
    """Runs one migration's segments on `conn`, recording each outcome."""

    def __init__(
        self,
        conn: asyncpg.Connection,
        run: ApplyState,
        progress: ProgressCallback,
        position: tuple[int, int],
        online: tuple[Watch, LockRetries],
    ) -> None:
        self.conn = conn
        self.run = run
        self.progress = progress
        self.index, self.total = position
        self.watch, self.retries = online
        self.attempts = 1  # tries of the segment running now (more than one after a lock_timeout)

    def event(self, kind: str, message: str, statement: int = 0, elapsed: int = 0) -> None:
        pending = self.run.pending
        assert pending is not None
        self.progress(
            ApplyEvent(
                kind,
                message,
                pending.file.name,
                self.index,
                self.total,
                statement,
                pending.plan.statements,
                elapsed,
            )
        )

    async def statement(self, stmt: Statement, number: int, count: int) -> None:
        t0 = time.perf_counter()
        try:
            async with self.watch.watching():
                await self.conn.execute(stmt.text)
        except asyncpg.PostgresError as exc:
            if is_connection_loss(exc, self.conn):
                raise
            raise _StatementError(stmt, exc) from None
        if (kept := await record.invalid_index_kept(self.conn, stmt.text)) is not None:
            raise _StatementError(stmt, InvalidIndexKept(kept))
        took = round((time.perf_counter() - t0) * 1000)
        if took >= 1000 or count <= 50 or number % 50 == 0:
            self.event("statement", f"  {number}/{count} line {stmt.line} ({took} ms)", number, took)

    async def apply(self, pending: PendingMigration) -> AppliedMigration:
        run, conn = self.run, self.conn
        file, plan = pending.file, pending.plan
        run.pending, run.segment, run.committed = pending, 0, pending.resume_at - 1
        count = len(plan.segments)
        shape = f", {count} segments" if count > 1 else ""
        self.event(
            "migration", f"[{self.index}/{self.total}] {file.name} ({plan.statements} statements{shape})"
        )
        if pending.partial is not None:
            table = await record.segments_table(conn, await record.history_table(conn))
            if table is not None:  # the failed row, or every row when nothing of it stays
                await record.forget(conn, table, file.name, failed_only=pending.resume_at > 1)
        if pending.resume_at > 1:
            self.event(
                "resume",
                f"  resuming at segment {pending.resume_at} of {count}: "
                f"{plan.span(1, pending.resume_at - 1)} committed earlier, unchanged in the file; the rest runs as "
                "the file is now",
            )
        started = time.perf_counter()
        before = await _table_signatures(conn)
        if not plan.segments:
            async with conn.transaction():
                return await self.finish(before, started)
        applied: AppliedMigration | None = None
        for seg in plan.segments[pending.resume_at - 1 :]:
            run.segment = seg.number
            if count > 1:
                self.event("segment", f"  segment {seg.number}/{count} ({seg.kind}, {seg.where()})")
            last = seg.number == count
            applied = await (
                self.alone(seg, last, before, started)
                if seg.alone
                else self.block(seg, last, before, started)
            )
            run.committed = seg.number
        assert applied is not None
        self.event(
            "applied",
            f"[{self.index}/{self.total}] {file.name} applied in {applied.execution_time_ms} ms",
            plan.statements,
            applied.execution_time_ms,
        )
        return applied

    async def retry(self, seg: Segment, failure: _StatementError) -> bool:
        """After a lock_timeout: wait, then say the segment runs again (False: report the failure instead)."""
        if not isinstance(failure.exc, asyncpg.LockNotAvailableError) or self.attempts > self.retries.retries:
            return False
        if seg.alone:
            now = await record.invalid_indexes(self.conn)
            if set(now) - set(self.run.invalid_before):
                return False  # it left an INVALID index: a second try would fail on its name
        delay = self.retries.delay(self.attempts)
        blockers = self.watch.blockers or "no blocker seen"
        self.event(
            "retry",
            f"  line {failure.statement.line}: gave up waiting for a lock (lock_timeout; {blockers}); "
            f"retry {self.attempts}/{self.retries.retries} in {delay:g} s",
        )
        await asyncio.sleep(delay)
        self.attempts += 1
        return True

    async def block(
        self, seg: Segment, last: bool, before: dict[str, str], started: float
    ) -> AppliedMigration | None:
        """A transaction segment, tried again after a lock_timeout (see `retry`)."""
        self.attempts = 1
        while True:
            try:
                return await self.block_once(seg, last, before, started)
            except _StatementError as failure:
                if not await self.retry(seg, failure):
                    raise await self.failed(seg, failure) from None

    async def block_once(
        self, seg: Segment, last: bool, before: dict[str, str], started: float
    ) -> AppliedMigration | None:
        """A transaction segment: its statements, then its record (or the history row), then COMMIT."""
        conn = self.conn
        pending = self.run.pending
        assert pending is not None
        transaction = conn.transaction()
        await transaction.start()
        try:
            for offset, stmt in enumerate(seg.statements):
                await self.statement(stmt, seg.first + offset, pending.plan.statements)
            applied = await (self.finish(before, started) if last else self.mark_committed(seg))
            try:
                await transaction.commit()
            except asyncpg.PostgresError as exc:  # a deferred constraint is checked at COMMIT
                if is_connection_loss(exc, conn):
                    raise
                raise _StatementError(seg.statements[-1], exc) from None
        except BaseException:
            await self.rollback(transaction)
            raise
        return applied

    async def rollback(self, transaction: Any) -> None:
        with contextlib.suppress(asyncpg.PostgresError, asyncpg.InterfaceError, OSError):
            await transaction.rollback()

    async def alone(
        self, seg: Segment, last: bool, before: dict[str, str], started: float
    ) -> AppliedMigration | None:
        """A statement that cannot run in a transaction: run it in autocommit, then record it."""
        conn = self.conn
        pending = self.run.pending
        assert pending is not None
        stmt = seg.statements[0]
        self.event(
            "statement",
            f"  {seg.first}/{pending.plan.statements} line {stmt.line} "
            "(outside a transaction: committed on its own)",
            seg.first,
        )
        self.run.invalid_before = await record.invalid_indexes(conn)
        async with conn.transaction():  # marked before it runs: an end without a report is never silent
            await self.mark(seg, running=True)
        self.attempts = 1
        while True:
            try:
                await self.statement(stmt, seg.first, pending.plan.statements)
                break
            except _StatementError as failure:
                if not await self.retry(seg, failure):
                    raise await self.failed(seg, failure) from None
        async with conn.transaction():
            return await (self.finish(before, started) if last else self.mark_committed(seg))

    async def mark_committed(self, seg: Segment) -> None:
        await self.mark(seg)

    async def mark(self, seg: Segment, *, running: bool = False) -> None:
        pending = self.run.pending
        assert pending is not None
        await _as_applier(self.conn)
        history = await _ensure_history_table(self.conn)
        table = await record.ensure_segments_table(self.conn, history)
        await record.record_segment(
            self.conn,
            table,
            migration=pending.file.name,
            checksum=seg.checksum,
            segment=seg.number,
            segments=len(pending.plan.segments),
            statements=(seg.first, seg.last),
            lines=(seg.first_line, seg.last_line),
            running=running,
        )

    async def finish(self, before: dict[str, str], started: float) -> AppliedMigration:
        """The history row, and the segment rows gone: the migration is applied (inside the last transaction)."""
        conn = self.conn
        pending = self.run.pending
        assert pending is not None
        await _as_applier(conn)
        after = await _table_signatures(conn)
        created, modified, dropped = _compare_tables(before, after)
        elapsed = max(1, round((time.perf_counter() - started) * 1000))
        applied = AppliedMigration(pending.file.name, elapsed, created, modified, dropped)
        history = await _ensure_history_table(conn)
        tables = await find_history_tables(conn)
        await _record(
            conn,
            history,
            pending.file,
            applied,
            next((t for t in tables if t.name == "_dibs_migrations"), None),
        )
        table = await record.segments_table(conn, history)
        if table is not None:
            await record.forget(conn, table, pending.file.name)
        return applied

    def blocked(self, failure: _StatementError) -> str:
        """For a lock_timeout: how often it was tried, and who held the lock (as the watch last saw them)."""
        if not isinstance(failure.exc, asyncpg.LockNotAvailableError):
            return ""
        tries = f"tried {self.attempts} time{'s' if self.attempts != 1 else ''}"
        return f"{tries}; blocked by {self.watch.blockers or 'a backend gone before the watch saw it'}"

    async def failed(self, seg: Segment, failure: _StatementError) -> MigrationFailed:
        """Record what stays (committed segments, INVALID indexes) and build the message that says so."""
        conn, run = self.conn, self.run
        pending = run.pending
        assert pending is not None
        leftovers: list[str] = []
        if seg.alone:
            now = await record.invalid_indexes(conn)
            leftovers = [name for oid, name in now.items() if oid not in run.invalid_before]
        recorded_in = ""
        async with conn.transaction():
            await _as_applier(conn)
            if seg.alone and not (run.committed or leftovers):  # nothing stays: no record of it either
                table = await record.segments_table(conn, await record.history_table(conn))
                if table is not None:
                    await record.forget_segment(conn, table, pending.file.name, seg.number)
            elif run.committed or leftovers:
                history = await _ensure_history_table(conn)
                recorded_in = await record.ensure_segments_table(conn, history)
                await record.record_segment(
                    conn,
                    recorded_in,
                    migration=pending.file.name,
                    checksum=seg.checksum,
                    segment=seg.number,
                    segments=len(pending.plan.segments),
                    statements=(seg.first, seg.last),
                    lines=(seg.first_line, seg.last_line),
                    error=str(getattr(failure.exc, "message", None) or failure.exc),
                    leftovers=leftovers,
                )
        error = MigrationFailed(
            pending.file.name,
            pending.file.path,
            failure.statement,
            failure.exc,
            run.applied,
            plan=pending.plan,
            segment=seg.number,
            committed=run.committed,
            leftovers=leftovers,
            recorded_in=recorded_in,
            blocked=self.blocked(failure),
        )
        self.event("failed", error.report())
        return error


# -- the run -----------------------------------------------------------------------------------------------------


def _quiet(event: ApplyEvent) -> None:
    del event


def _quote_setting(value: str) -> str:
    if not re.fullmatch(r"\d+\s*(us|ms|s|min|h|d)?", value.strip()):
        raise DibsError(f"invalid lock_timeout {value!r}", hint="use a duration such as 5s, 500ms or 1min")
    return "'" + value.strip() + "'"


async def apply_pending(
    target: ConnectionTarget,
    folder: Path,
    *,
    lock_timeout: str = "5s",
    progress: ProgressCallback = _quiet,
    only: Sequence[str] | None = None,
    wait_for_lock: bool = True,
    confirm: Callable[[list[PendingMigration]], Awaitable[bool]] | None = None,
    retries: LockRetries | None = None,
) -> ApplyResult:
    """Apply pending migrations in name order under the advisory lock; stops at the first failure.

    The pending list is read AFTER the lock is taken, so a second applier that waited finds nothing left to
    do. Every pending migration is planned and checked (resumable, no INVALID index in the way, inside the
    folder) before the first runs. `only` restricts the run to those names (the TUI applies what the user
    selected). `confirm` is called with the planned migrations (after the lock); returning False applies
    nothing. A statement that hits lock_timeout is tried again as `retries` says (`core.apply_online`).
    """
    setting = _quote_setting(lock_timeout)
    conn = await connect(target, read_only=False)
    result = ApplyResult()
    run = ApplyState(target)
    watch = Watch(target, lambda line: progress(ApplyEvent("progress", line)))
    online = (watch, retries or LockRetries())
    try:
        await conn.execute(
            "SELECT set_config('application_name', 'dibs-tui migrate', false)" + _idle_kept(conn)
        )
        await refuse_read_only(conn)
        await acquire_lock(conn, progress, wait=wait_for_lock)
        await conn.execute(f"SET lock_timeout = {setting}")
        history = await read_history(conn)
        if history.dirty:
            raise DibsError(
                # the rows' names as the tool (or anyone who may write its table) wrote them: escaped
                f"the history has unfinished or failed migrations: {', '.join(map(safe, history.dirty))}",
                hint="fix them with the tool that ran them before applying more",
            )
        refuse_absent_folder(folder, history)
        states = migration_status(list_migration_files(folder), history)
        files = [s.file for s in states if s.state is MigrationState.PENDING and s.file is not None]
        if only is not None:
            files = [f for f in files if f.name in set(only)]
        refuse_renamed(files, renamed(states), history)
        for line in [*history.notes, *disagreements(states)]:
            progress(ApplyEvent("warning", f"warning: {safe(line)}"))
        result.pending_before = len(files)
        pending = await prepare(conn, folder, files, {s.name for s in states if s.file is not None})
        if not pending or (confirm is not None and not await confirm(pending)):
            return result
        await watch.open(conn.get_server_pid())
        for index, item in enumerate(pending, 1):
            await _fresh_session(conn, setting)
            applied = await _Applier(conn, run, progress, (index, len(pending)), online).apply(item)
            result.applied.append(applied)
            run.applied.append(item.file.name)
            run.pending, run.segment = None, 0
    except DibsError:
        raise
    except Exception as exc:
        if is_connection_loss(exc, conn):
            raise await connection_lost(run, exc) from None
        if isinstance(exc, asyncpg.LockNotAvailableError) and not run.applied and run.pending is None:
            # reading the history (or the segment records) waited lock_timeout: who holds it, nothing ran
            said = await describe_lock_wait(conn, "migrate's read of the history")
            raise DibsError(f"{said}; nothing was applied", hint=LOCK_HINT) from None
        if isinstance(exc, asyncpg.PostgresError):  # our own bookkeeping refused (a record, the history row)
            raise await connection_lost(run, exc, lost=False) from None
        raise
    except asyncio.CancelledError:  # Ctrl-C, the app closing: say what committed, then go on cancelling
        with contextlib.suppress(Exception):
            pid = conn.get_server_pid() if not conn.is_closed() else None
            progress(
                ApplyEvent("interrupted", await asyncio.wait_for(interrupted(run, pid), run.target.timeout))
            )
        raise
    finally:
        await watch.close()
        if not conn.is_closed():
            with contextlib.suppress(asyncpg.PostgresError, asyncpg.InterfaceError, OSError, TimeoutError):
                await conn.execute("SELECT pg_advisory_unlock($1::bigint)", ADVISORY_LOCK_KEY)
        with contextlib.suppress(asyncpg.PostgresError, asyncpg.InterfaceError, OSError, TimeoutError):
            await conn.close(timeout=2)
        if not conn.is_closed():
            conn.terminate()
    return result
