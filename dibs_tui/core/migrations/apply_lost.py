"""An apply that ends in the middle (the connection lost, or Ctrl-C): say what committed, as the server records.

The record of a transaction segment commits with the segment, so after reconnecting (within the connect
timeout) the server's record is the truth; if the server cannot be reached, the message says what this run
counted and that the next migrate reads the record and resumes from it. An INVALID index the interrupted
statement left is recorded, so that the rerun refuses while it is there instead of failing on it.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field

import asyncpg

from ..connect import ConnectionTarget, connect
from ..errors import DibsError
from ..sql import requoted
from . import apply_record as record
from .apply_history import _ensure_history_table
from .apply_outcome import ConnectionLost, PendingMigration, drop_statement, not_run
from .segments import Segment, SegmentPlan, first_segments


@dataclass
class ApplyState:
    """Where an apply is: what the message of a lost connection needs."""

    target: ConnectionTarget
    applied: list[str] = field(default_factory=list)
    pending: PendingMigration | None = None
    segment: int = 0
    committed: int = 0
    invalid_before: dict[int, str] = field(default_factory=dict)


def is_connection_loss(exc: BaseException, conn: asyncpg.Connection) -> bool:
    if isinstance(exc, OSError | TimeoutError | asyncpg.PostgresConnectionError):
        return True
    if (getattr(exc, "sqlstate", None) or "").startswith(("57P", "08")):
        return True
    return isinstance(exc, Exception) and conn.is_closed()


# -- the message ---------------------------------------------------------------------------------------


def _reason(exc: BaseException) -> str:
    text = str(getattr(exc, "message", None) or exc).strip() or type(exc).__name__
    return text.splitlines()[0]


async def connection_lost(run: ApplyState, exc: BaseException, *, lost: bool = True) -> ConnectionLost:
    """The message for a connection lost mid-apply (or, `lost=False`, an error outside the migration's own
    statements, such as writing its record): what committed, as the server's record says if we can
    reconnect within the connect timeout, else as this run counted it."""
    pending = run.pending
    lines: list[str] = []
    partial = False
    what = (
        "connection to the server lost"
        if lost
        else "apply stopped by an error outside the migration's statements"
    )
    if pending is None or not run.segment:
        lines.append(f"{what}: {_reason(exc)}")
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
            f"{what} while applying migration {pending.file.name}, segment {seg.number} "
            f"of {len(plan.segments)} ({seg.summary()}, line {seg.first_line}): {_reason(exc)}"
        )
        told, partial = await _ask_server(run, pending, seg, "connection lost" if lost else _reason(exc))
        lines += told
    if run.applied:
        lines.append(f"applied before it in this run (kept): {', '.join(run.applied)}")
    return ConnectionLost(
        "\n".join(lines),
        migration=pending.file.name if pending else "",
        applied_before=run.applied,
        partial=partial,
        hint=None
        if lost
        else "fix what the message names, then migrate again: it resumes from what committed",
    )


def _after(plan: SegmentPlan, committed: int) -> str:
    """What of the migration did not commit, after `committed` segments did."""
    text = f"segment {committed + 1} did not complete"
    rest = not_run(plan, committed + 1)
    return f"{text}; {rest}" if rest else text


async def interrupted(run: ApplyState, pid: int | None) -> str:
    """The message for an apply cancelled by its user (Ctrl-C, the app closing): what committed. `pid` is the
    applier's backend, cancelled first so that the record is read after its statement stopped."""
    pending = run.pending
    if pending is None or not run.segment:
        what = "no migration was running" if pending is None else f"{pending.file.name} had not started"
        lines = [f"interrupted: {what}"]
    else:
        plan = pending.plan
        seg = plan.segments[run.segment - 1]
        lines = [
            f"interrupted while applying migration {pending.file.name}, segment {seg.number} of "
            f"{len(plan.segments)} ({seg.summary()}, line {seg.first_line})"
        ]
        lines += (await _ask_server(run, pending, seg, "interrupted", cancel=pid))[0]
    if run.applied:
        lines.append(f"applied before it in this run (kept): {', '.join(run.applied)}")
    return "\n".join(lines)


async def _stop(conn: asyncpg.Connection, pid: int) -> None:
    """Cancel the applier's statement and wait (a little) until its backend is idle or gone."""
    await conn.execute("SELECT pg_catalog.pg_cancel_backend($1)", pid)
    for _ in range(40):
        busy = await conn.fetchval(
            "SELECT count(*) FROM pg_catalog.pg_stat_activity WHERE pid = $1 AND state = 'active'", pid
        )
        if not busy:
            return
        await asyncio.sleep(0.05)


async def _ask_server(
    run: ApplyState, pending: PendingMigration, seg: Segment, why: str, *, cancel: int | None = None
) -> tuple[list[str], bool]:
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
        if cancel is not None:
            await _stop(conn, cancel)
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
                checksum=seg.checksum,
                segment=seg.number,
                segments=len(plan.segments),
                statements=(seg.first, seg.last),
                lines=(seg.first_line, seg.last_line),
                error=why,
                leftovers=leftovers,
            )
            lines += [
                f"left behind: the INVALID index {requoted(n)}; clean it with: {drop_statement(n)}"
                for n in leftovers
            ]
        if seg.alone and committed < seg.number and not leftovers:
            lines.append(
                f"segment {seg.number} runs alone: whether it took effect before the end is unknown, and "
                "migrate refuses to go on until that is settled (it says how)"
            )
            return lines, True
        if committed or leftovers:
            lines.append(
                f"migrate again resumes at segment {committed + 1}"
                + (
                    f" (keep {first_segments(committed)} unchanged in the file until then)"
                    if committed
                    else ""
                )
            )
        return lines, bool(committed or leftovers)
    except (asyncpg.PostgresError, asyncpg.InterfaceError, OSError, TimeoutError) as exc:
        return [f"reconnected, but could not read the record: {_reason(exc)}"], True
    finally:
        with contextlib.suppress(Exception):
            await conn.close(timeout=2)
