"""Applying pending migrations: under the advisory lock, segment by segment, each segment's outcome recorded.

A session-level advisory lock (`ADVISORY_LOCK_KEY`) serialises appliers; a second applier waits and is told who
holds it, then reads the pending list afresh. Each migration is cut into segments before anything runs
(`core.segments`): a migration of one segment commits with its `__dibs_migrations` row or not at all. One of
several commits segment by segment; each commit is recorded in `__dibs_migration_segments`
(`core.apply_record`), and the history row is written only with the last segment.

On a failure the message says which segments committed, which failed (PostgreSQL's message, detail and
position) and which did not run, and names any INVALID index a failed `CREATE INDEX CONCURRENTLY` left, with
the `DROP INDEX CONCURRENTLY` that removes it. A rerun resumes after the last committed segment when the file
is unchanged (same checksum) and the INVALID index is gone; it refuses, before running anything, while the
index is there or when the file changed since the partial apply.

A lost connection (the server stopped, our backend terminated) ends the apply with a message that says what
committed: we reconnect once (within the connect timeout) and read the record, which a transaction segment
writes in its own transaction, so it cannot disagree with the database. One gap remains: a statement run alone
that committed just before the connection died is not recorded; the rerun runs it again.
"""

from __future__ import annotations

import contextlib
import re
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg

from . import apply_record as record
from .apply_outcome import (
    AppliedMigration,
    ApplyEvent,
    ApplyRefused,
    ApplyResult,
    ConnectionLost,
    MigrationFailed,
    ProgressCallback,
    drop_statement,
    not_run,
)
from .connect import ConnectionTarget, connect
from .errors import DibsError
from .migrations import (
    ADVISORY_LOCK_KEY,
    GENERATED_MARKER,
    HistoryTable,
    MigrationFile,
    MigrationState,
    Statement,
    find_history_tables,
    list_migration_files,
    migration_status,
    read_history,
)
from .segments import Segment, SegmentPlan, plan_segments
from .sql import quote_ident


@dataclass(frozen=True)
class PendingMigration:
    """A migration about to run: its file, its segments, and its partial record if an earlier run left one."""

    file: MigrationFile
    plan: SegmentPlan
    partial: record.PartialApply | None = None

    @property
    def resume_at(self) -> int:
        """The 1-based segment this run starts with."""
        return self.partial.resume_at if self.partial is not None and self.partial.committed else 1

    def describe(self) -> list[str]:
        """The segments, and where a resumed migration starts (nothing for an atomic fresh one)."""
        lines = self.plan.describe()
        if self.resume_at > 1 and self.partial is not None:
            when = f" on {self.partial.recorded_at:%Y-%m-%d %H:%M:%S %Z}" if self.partial.recorded_at else ""
            lines.append(
                f"resumes at segment {self.resume_at}: {self.plan.span(1, self.resume_at - 1)} committed{when}"
            )
        return lines


# -- lock ----------------------------------------------------------------------------------------------------


async def _lock_holder(conn: asyncpg.Connection) -> str:
    row = await conn.fetchrow(
        """
        SELECT a.pid, a.application_name, a.client_addr::text AS addr, a.usename::text AS usename,
               a.backend_start, l.granted, a.query_start, a.state
        FROM pg_catalog.pg_locks l JOIN pg_catalog.pg_stat_activity a ON a.pid = l.pid
        WHERE l.locktype = 'advisory' AND l.granted AND l.classid = $1 AND l.objid = $2 AND l.objsubid = 1
        """,
        (ADVISORY_LOCK_KEY >> 32) & 0xFFFFFFFF,
        ADVISORY_LOCK_KEY & 0xFFFFFFFF,
    )
    if row is None:
        return "another session"
    who = f"pid {row['pid']}"
    if row["application_name"]:
        who += f" ({row['application_name']})"
    if row["usename"]:
        who += f" as {row['usename']}"
    who += f" from {row['addr'] or 'local socket'}"
    if row["backend_start"]:
        who += f", connected since {row['backend_start']:%Y-%m-%d %H:%M:%S %Z}"
    return who


async def acquire_lock(conn: asyncpg.Connection, progress: ProgressCallback, *, wait: bool = True) -> None:
    """Take the applier lock; if busy, say who holds it, then wait for it (or refuse when `wait` is False)."""
    if await conn.fetchval("SELECT pg_try_advisory_lock($1::bigint)", ADVISORY_LOCK_KEY):
        return
    holder = await _lock_holder(conn)
    if not wait:
        raise DibsError(
            f"another migrate is running: the migrations lock is held by {holder}",
            hint="wait for it to finish, then run migrate again",
        )
    progress(ApplyEvent("waiting-for-lock", f"waiting for the migrations lock held by {holder}"))
    await conn.execute("SET lock_timeout = 0")
    await conn.execute("SELECT pg_advisory_lock($1::bigint)", ADVISORY_LOCK_KEY)
    progress(ApplyEvent("locked", "got the migrations lock"))


# -- history rows ------------------------------------------------------------------------------------------

_TABLE_SIGNATURES_SQL = """
SELECT CASE WHEN n.nspname = 'public' THEN c.relname::text ELSE n.nspname || '.' || c.relname END AS name,
       md5(concat_ws('|',
         (SELECT string_agg(a.attname || ' ' || format_type(a.atttypid, a.atttypmod) || ' ' || a.attnotnull
                            || ' ' || coalesce(pg_get_expr(d.adbin, d.adrelid), ''), ',' ORDER BY a.attnum)
          FROM pg_catalog.pg_attribute a
          LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
          WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped),
         (SELECT string_agg(conname || pg_get_constraintdef(k.oid), ',' ORDER BY conname)
          FROM pg_catalog.pg_constraint k WHERE k.conrelid = c.oid),
         (SELECT string_agg(pg_get_indexdef(i.indexrelid), ',' ORDER BY i.indexrelid::regclass::text)
          FROM pg_catalog.pg_index i WHERE i.indrelid = c.oid),
         (SELECT string_agg(t.tgname, ',' ORDER BY t.tgname) FROM pg_catalog.pg_trigger t
          WHERE t.tgrelid = c.oid AND NOT t.tgisinternal),
         obj_description(c.oid, 'pg_class'))) AS signature
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') AND NOT c.relispartition
  AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'
  AND c.relname NOT LIKE '\\_\\_dibs\\_%' AND c.relname NOT IN ('_dibs_migrations', 'alembic_version',
      'schema_migrations', 'flyway_schema_history', '_sqlx_migrations', '_prisma_migrations')
"""


async def _table_signatures(conn: asyncpg.Connection) -> dict[str, str]:
    return {r["name"]: r["signature"] for r in await conn.fetch(_TABLE_SIGNATURES_SQL)}


def _compare_tables(before: dict[str, str], after: dict[str, str]) -> tuple[tuple[str, ...], ...]:
    created = tuple(sorted(set(after) - set(before)))
    dropped = tuple(sorted(set(before) - set(after)))
    modified = tuple(sorted(t for t in set(before) & set(after) if before[t] != after[t]))
    return created, modified, dropped


async def _ensure_history_table(conn: asyncpg.Connection) -> HistoryTable:
    from .meta import meta_tables_ddl

    tables = await find_history_tables(conn)
    existing = next((t for t in tables if t.name == "__dibs_migrations"), None)
    if existing is not None:
        return existing
    await conn.execute(meta_tables_ddl())
    tables = await find_history_tables(conn)
    created = next((t for t in tables if t.name == "__dibs_migrations"), None)
    if created is None:  # pragma: no cover - the DDL above creates it
        raise DibsError("could not create __dibs_migrations")
    return created


async def _record(
    conn: asyncpg.Connection,
    table: HistoryTable,
    file: MigrationFile,
    applied: AppliedMigration,
    dibs_versions: HistoryTable | None,
) -> None:
    values: dict[str, Any] = {
        "name": file.name,
        "checksum": file.checksum,
        "execution_time_ms": applied.execution_time_ms,
        "tables_created": list(applied.tables_created),
        "tables_modified": list(applied.tables_modified),
        "tables_dropped": list(applied.tables_dropped),
        "generated_from_diff": GENERATED_MARKER in file.text,
    }
    present = {k: v for k, v in values.items() if k in table.columns}
    columns = ", ".join(quote_ident(k) for k in present)
    params = ", ".join(f"${i}" for i in range(1, len(present) + 1))
    await conn.execute(f"INSERT INTO {table.qualified} ({columns}) VALUES ({params})", *present.values())
    if dibs_versions is not None:
        await conn.execute(
            f"INSERT INTO {dibs_versions.qualified} (version) VALUES ($1) ON CONFLICT DO NOTHING", file.name
        )


# -- one migration -------------------------------------------------------------------------------------------


@dataclass
class _Run:
    """Where the apply is, for the message of a lost connection."""

    target: ConnectionTarget
    applied: list[str] = field(default_factory=list)
    pending: PendingMigration | None = None
    segment: int = 0
    committed: int = 0
    invalid_before: dict[int, str] = field(default_factory=dict)


class _StatementError(Exception):
    def __init__(self, statement: Statement, exc: asyncpg.PostgresError) -> None:
        super().__init__(str(exc))
        self.statement = statement
        self.exc = exc


def _is_connection_loss(exc: BaseException, conn: asyncpg.Connection) -> bool:
    if isinstance(exc, OSError | TimeoutError | asyncpg.PostgresConnectionError):
        return True
    if (getattr(exc, "sqlstate", None) or "").startswith(("57P", "08")):
        return True
    return isinstance(exc, Exception) and conn.is_closed()


class _Applier:
    """Runs one migration's segments on `conn`, recording each outcome."""

    def __init__(
        self, conn: asyncpg.Connection, run: _Run, progress: ProgressCallback, index: int, total: int
    ) -> None:
        self.conn = conn
        self.run = run
        self.progress = progress
        self.index = index
        self.total = total

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
            await self.conn.execute(stmt.text)
        except asyncpg.PostgresError as exc:
            if _is_connection_loss(exc, self.conn):
                raise
            raise _StatementError(stmt, exc) from None
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
                f"{plan.span(1, pending.resume_at - 1)} committed earlier",
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

    async def block(
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
                if _is_connection_loss(exc, conn):
                    raise
                raise _StatementError(seg.statements[-1], exc) from None
        except _StatementError as failure:
            await self.rollback(transaction)
            raise await self.failed(seg, failure) from None
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
        try:
            await self.statement(stmt, seg.first, pending.plan.statements)
        except _StatementError as failure:
            raise await self.failed(seg, failure) from None
        async with conn.transaction():
            return await (self.finish(before, started) if last else self.mark_committed(seg))

    async def mark_committed(self, seg: Segment) -> None:
        pending = self.run.pending
        assert pending is not None
        history = await _ensure_history_table(self.conn)
        table = await record.ensure_segments_table(self.conn, history)
        await record.record_segment(
            self.conn,
            table,
            migration=pending.file.name,
            checksum=pending.file.checksum,
            segment=seg.number,
            segments=len(pending.plan.segments),
            statements=(seg.first, seg.last),
            lines=(seg.first_line, seg.last_line),
        )

    async def finish(self, before: dict[str, str], started: float) -> AppliedMigration:
        """The history row, and the segment rows gone: the migration is applied (inside the last transaction)."""
        conn = self.conn
        pending = self.run.pending
        assert pending is not None
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
        if run.committed or leftovers:
            history = await _ensure_history_table(conn)
            recorded_in = await record.ensure_segments_table(conn, history)
            await record.record_segment(
                conn,
                recorded_in,
                migration=pending.file.name,
                checksum=pending.file.checksum,
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
        )
        self.event("failed", error.report())
        return error


# -- checks before anything runs ---------------------------------------------------------------------------


def _partial_span(partial: record.PartialApply) -> str:
    last = max(partial.committed)
    statements = partial.ranges[-1][1] if partial.ranges else 0
    numbers = "segment 1" if last == 1 else f"segments 1-{last}"
    return f"{numbers} of {partial.segments} (statements 1-{statements})"


async def _check_partial(
    conn: asyncpg.Connection, file: MigrationFile, plan: SegmentPlan, partial: record.PartialApply
) -> None:
    """Refuse to resume a partial apply that cannot be resumed safely; say what to do instead."""
    left = await record.still_there(conn, partial.leftovers)
    if left:
        drops = " ".join(drop_statement(name) for name in left)
        raise ApplyRefused(
            f"migration {file.name}: segment {partial.failed} failed in an earlier run and left the INVALID "
            f"index {', '.join(left)} behind; it must go before the migration can run again: {drops}",
            hint=f"run {drops} then migrate again (it resumes at segment {partial.resume_at})",
        )
    if not partial.committed:
        return  # nothing of it stays: it runs whole, whatever the file says now
    when = f" on {partial.recorded_at:%Y-%m-%d %H:%M:%S %Z}" if partial.recorded_at else ""
    if partial.checksum != file.checksum:
        raise ApplyRefused(
            f"migration {file.name} was partially applied ({_partial_span(partial)} committed{when}) and its "
            f"file changed since (checksum {partial.checksum[:12]}… then, {file.checksum[:12]}… now): resuming "
            "would run statements that were never planned together with what committed",
            hint="restore the file as it was to resume it; or finish or undo the committed part by hand, then "
            f"delete the migration's rows from {record.SEGMENTS_TABLE}",
        )
    expected = tuple(range(1, len(partial.committed) + 1))
    ranges = tuple((s.first, s.last) for s in plan.segments[: len(partial.committed)])
    if partial.committed != expected or partial.segments != len(plan.segments) or partial.ranges != ranges:
        raise ApplyRefused(
            f"migration {file.name} was partially applied ({_partial_span(partial)} committed{when}), but its "
            f"segments are cut differently now ({len(plan.segments)} segments): cannot tell where to resume",
            hint=f"finish the migration by hand, then delete its rows from {record.SEGMENTS_TABLE}",
        )


def _inside(folder: Path, file: MigrationFile) -> bool:
    try:
        return file.path.resolve().is_relative_to(folder.resolve())
    except OSError:
        return False


async def _prepare(
    conn: asyncpg.Connection, folder: Path, files: list[MigrationFile]
) -> list[PendingMigration]:
    """Plan every pending migration and check it can run, before any of them runs."""
    outside = [f for f in files if not _inside(folder, f)]
    if outside:
        raise ApplyRefused(
            f"refusing to apply {outside[0].path}: it resolves to {outside[0].path.resolve()}, outside the "
            f"migrations folder {folder}",
            hint="copy the file into the folder (a symlink out of it is not applied)",
        )
    partials = await record.read_partials(conn)
    pending: list[PendingMigration] = []
    for file in files:
        plan = plan_segments(file.text, str(file.path))
        partial = partials.get(file.name)
        if partial is not None:
            await _check_partial(conn, file, plan, partial)
        pending.append(PendingMigration(file, plan, partial))
    return pending


# -- a lost connection ---------------------------------------------------------------------------------------


def _reason(exc: BaseException) -> str:
    text = str(getattr(exc, "message", None) or exc).strip() or type(exc).__name__
    return text.splitlines()[0]


async def _lost(run: _Run, exc: BaseException) -> ConnectionLost:
    """The message for a connection lost mid-apply: what committed, as the server's record says if we can
    reconnect within the connect timeout, else as this run counted it."""
    pending = run.pending
    lines: list[str] = []
    partial = False
    if pending is None or not run.segment:
        lines.append(f"connection to the server lost: {_reason(exc)}")
        if pending is None:
            lines.append("no migration was running")
        else:
            lines.append(
                f"migration {pending.file.name} had not started: nothing of it committed in this run"
            )
            partial = pending.resume_at > 1
    else:
        plan = pending.plan
        seg = plan.segments[run.segment - 1]
        lines.append(
            f"connection to the server lost while applying migration {pending.file.name}, segment {seg.number} "
            f"of {len(plan.segments)} ({seg.summary()}, line {seg.first_line}): {_reason(exc)}"
        )
        told, partial = await _ask_server(run, pending, seg)
        lines += told
    if run.applied:
        lines.append(f"applied before it in this run (kept): {', '.join(run.applied)}")
    return ConnectionLost(
        "\n".join(lines),
        migration=pending.file.name if pending else "",
        applied_before=run.applied,
        partial=partial,
    )


def _after(plan: SegmentPlan, committed: int) -> str:
    """What of the migration did not commit, after `committed` segments did."""
    text = f"segment {committed + 1} did not complete"
    rest = not_run(plan, committed + 1)
    return f"{text}; {rest}" if rest else text


async def _ask_server(run: _Run, pending: PendingMigration, seg: Segment) -> tuple[list[str], bool]:
    """What the server records about the interrupted migration; True when part of it stays (or is unknown)."""
    plan = pending.plan
    try:
        conn = await connect(run.target, read_only=False)
    except DibsError as exc:
        counted = (
            f"{plan.span(1, run.committed)} committed" if run.committed else "no segment of it committed"
        )
        return [
            f"could not reconnect to read the record ({exc.message.splitlines()[0]}); by this run's count: "
            f"{counted}; segment {seg.number} was interrupted: rolled back unless its COMMIT had reached the "
            "server" + (f"; {not_run(plan, seg.number)}" if not_run(plan, seg.number) else ""),
            "the next migrate reads the server's record and resumes from it",
        ], bool(run.committed) or not plan.atomic or seg.alone
    try:
        history = await record.history_table(conn)
        if history is not None and await conn.fetchval(
            f"SELECT count(*) FROM {history.qualified} WHERE name = $1", pending.file.name
        ):
            return ["the server has it recorded as applied: every segment committed"], False
        partial = (await record.read_partials(conn)).get(pending.file.name)
        committed = max(partial.committed, default=0) if partial is not None else 0
        head = f"{plan.span(1, committed)} committed" if committed else "nothing of it committed"
        lines = [f"{head}, as the server records; {_after(plan, committed)}"]
        leftovers: list[str] = []
        if seg.alone and committed < seg.number:
            now = await record.invalid_indexes(conn)
            leftovers = [name for oid, name in now.items() if oid not in run.invalid_before]
        if leftovers:
            table = await record.ensure_segments_table(conn, await _ensure_history_table(conn))
            await record.record_segment(
                conn,
                table,
                migration=pending.file.name,
                checksum=pending.file.checksum,
                segment=seg.number,
                segments=len(plan.segments),
                statements=(seg.first, seg.last),
                lines=(seg.first_line, seg.last_line),
                error="connection lost",
                leftovers=leftovers,
            )
            lines += [
                f"left behind: the INVALID index {n}; clean it with: {drop_statement(n)}" for n in leftovers
            ]
        if committed or leftovers:
            lines.append(
                f"migrate again resumes at segment {committed + 1} (keep the file unchanged until then)"
            )
        return lines, bool(committed or leftovers)
    except (asyncpg.PostgresError, asyncpg.InterfaceError, OSError, TimeoutError) as exc:
        return [f"reconnected, but could not read the record: {_reason(exc)}"], True
    finally:
        with contextlib.suppress(Exception):
            await conn.close(timeout=2)


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
) -> ApplyResult:
    """Apply pending migrations in name order under the advisory lock; stops at the first failure.

    The pending list is read AFTER the lock is taken, so a second applier that waited finds nothing left to
    do. Every pending migration is planned and checked (resumable, no INVALID index in the way, inside the
    folder) before the first runs. `only` restricts the run to those names (the TUI applies what the user
    selected). `confirm` is called with the planned migrations (after the lock); returning False applies
    nothing.
    """
    setting = _quote_setting(lock_timeout)
    conn = await connect(target, read_only=False)
    result = ApplyResult()
    run = _Run(target)
    try:
        await conn.execute("SELECT set_config('application_name', 'dibs-tui migrate', false)")
        await acquire_lock(conn, progress, wait=wait_for_lock)
        await conn.execute(f"SET lock_timeout = {setting}")
        history = await read_history(conn)
        if history.dirty:
            raise DibsError(
                f"the history has unfinished or failed migrations: {', '.join(history.dirty)}",
                hint="fix them with the tool that ran them before applying more",
            )
        states = migration_status(list_migration_files(folder), history)
        files = [s.file for s in states if s.state is MigrationState.PENDING and s.file is not None]
        if only is not None:
            files = [f for f in files if f.name in set(only)]
        result.pending_before = len(files)
        pending = await _prepare(conn, folder, files)
        if not pending or (confirm is not None and not await confirm(pending)):
            return result
        for index, item in enumerate(pending, 1):
            applied = await _Applier(conn, run, progress, index, len(pending)).apply(item)
            result.applied.append(applied)
            run.applied.append(item.file.name)
            run.pending, run.segment = None, 0
    except DibsError:
        raise
    except Exception as exc:
        if _is_connection_loss(exc, conn):
            raise await _lost(run, exc) from None
        raise
    finally:
        if not conn.is_closed():
            with contextlib.suppress(asyncpg.PostgresError, asyncpg.InterfaceError, OSError, TimeoutError):
                await conn.execute("SELECT pg_advisory_unlock($1::bigint)", ADVISORY_LOCK_KEY)
        with contextlib.suppress(asyncpg.PostgresError, asyncpg.InterfaceError, OSError, TimeoutError):
            await conn.close(timeout=2)
        if not conn.is_closed():
            conn.terminate()
    return result
