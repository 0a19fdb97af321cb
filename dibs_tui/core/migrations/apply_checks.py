"""Checks before anything of an apply runs: a read-only server, a migration renamed since it was applied,
a partial apply that cannot be resumed as the file stands, a file outside the folder. Each refusal says why and
what to do; nothing has run when one is raised (`apply.py` calls `prepare` after taking the lock)."""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path

import asyncpg

from ..model_meta import Migration
from ..sql import one_line_literal, requoted
from ..terminal import safe
from . import apply_record as record
from .apply_outcome import ApplyRefused, PendingMigration, drop_statement
from .files import MigrationFile
from .history import History
from .segments import SegmentPlan, first_segments, plan_segments


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
            f"index {', '.join(requoted(n) for n in left)} behind; it must go before the migration can run again: "
            f"{drops}",
            hint=f"run {drops} then migrate again (it resumes at segment {partial.resume_at})",
        )
    if partial.running is not None:
        seg = plan.segments[partial.running - 1] if partial.running <= len(plan.segments) else None
        what = f" ({seg.summary()}, line {seg.first_line})" if seg is not None else ""
        table = await record.segments_table(conn, await record.history_table(conn)) or record.SEGMENTS_TABLE
        done, again = record.settle_running(table, file.name, partial.running)
        raise ApplyRefused(
            f"migration {file.name}: segment {partial.running}{what}, run alone, was started by an earlier run "
            "that ended before it reported: whether it took effect is unknown",
            hint=f"check it; if it took effect, record it: {done} if not, forget it: {again} then migrate again",
        )
    if not partial.committed:
        return  # nothing of it stays: it runs whole, whatever the file says now
    when = f" on {partial.recorded_at:%Y-%m-%d %H:%M:%S %Z}" if partial.recorded_at else ""
    expected = tuple(range(1, len(partial.committed) + 1))
    ranges = tuple((s.first, s.last) for s in plan.segments[: len(partial.committed)])
    if partial.committed != expected or partial.ranges != ranges:
        raise ApplyRefused(
            f"migration {file.name} was partially applied ({_partial_span(partial)} committed{when}), but its "
            f"segments are cut differently now ({len(plan.segments)} segments): cannot tell where to resume",
            hint=f"undo the committed part by hand, then delete the migration's rows from {record.SEGMENTS_TABLE} "
            "and migrate again: it runs whole",
        )
    # A record older than per-segment checksums holds the whole file's: then the file must be as it was.
    changed = [
        number
        for number, recorded in zip(partial.committed, partial.checksums, strict=True)
        if recorded not in (plan.segments[number - 1].checksum, file.checksum)
    ]
    if changed:
        done = first_segments(len(partial.committed))
        raise ApplyRefused(
            f"migration {file.name} was partially applied ({_partial_span(partial)} committed{when}) and "
            f"segment {changed[0]} changed since it committed: resuming would leave the database unlike the file",
            hint=f"restore {done} as committed to resume (what follows has not run: a fix there is fine); or "
            f"undo the committed part by hand, then delete the migration's rows from {record.SEGMENTS_TABLE} and "
            "migrate again: it runs whole",
        )


async def refuse_read_only(conn: asyncpg.Connection) -> None:
    """A standby, or a database or role set read-only: said before anything runs (nothing could be written,
    not even the history row), rather than as the first statement's failure."""
    row = await conn.fetchrow(
        "SELECT pg_catalog.pg_is_in_recovery() AS standby, "
        "pg_catalog.current_setting('transaction_read_only') = 'on' AS read_only"
    )
    assert row is not None  # one row, always
    if row["standby"]:
        raise ApplyRefused(
            "the server is read-only: it is a standby (in recovery); nothing was applied",
            hint="migrate on the primary server",
        )
    if row["read_only"]:
        raise ApplyRefused(
            "the database is read-only for this session (default_transaction_read_only is on for the database "
            "or the role); nothing was applied",
            hint="migrate as a role, or on a database, that may write",
        )


def refuse_renamed(files: list[MigrationFile], moved: dict[str, Migration], history: History) -> None:
    """A pending file with the content of an applied migration whose file is gone was renamed or moved: run
    again, its statements would run twice (its rows inserted twice)."""
    file = next((f for f in files if f.name in moved), None)
    if file is None:
        return
    row = moved[file.name]
    when = f" on {row.applied_at:%Y-%m-%d %H:%M:%S %Z}" if row.applied_at else ""
    table = history.table("__dibs_migrations")
    record = (
        f"UPDATE {table.qualified} SET name = {one_line_literal(file.name)} WHERE name = {one_line_literal(row.name)};"
        if table is not None
        else ""
    )
    applied = safe(row.name)  # the history's, which anyone who may write that table writes
    raise ApplyRefused(
        f"migration {file.name} has the same content as {applied}, applied{when}, whose file is no longer in "
        "the folder: renamed or moved, it would run a second time; nothing was applied",
        hint=f"give the file back its name ({applied}); or keep the new name and record it: {record} or, if "
        "it must run again, make it a new migration (a changed line will do)",
    )


def _refuse_blank(files: list[MigrationFile]) -> None:
    """A pending file with nothing in it was made and not yet written: applied, it would be recorded as run,
    and the statements written into it later never run (a changed file is not run again). A placeholder kept
    on purpose says so in a comment."""
    blank = next((f for f in files if not f.text.strip()), None)
    if blank is not None:
        raise ApplyRefused(
            f"migration {blank.name} is empty ({blank.path}): applied, it would be recorded as run and what is "
            "written into it later would never run; nothing was applied",
            hint="write its statements, or delete the file (a placeholder kept on purpose holds a comment)",
        )


def _inside(folder: Path, file: MigrationFile) -> bool:
    try:
        return file.path.resolve().is_relative_to(folder.resolve())
    except OSError:
        return False


def _refuse_orphan(partials: dict[str, record.PartialApply], in_folder: Collection[str]) -> None:
    """A partly applied migration whose file is no longer in the folder (renamed, moved, deleted): under a new
    name its committed segments would run again from the start."""
    orphan = next((p for name, p in partials.items() if p.committed and name not in in_folder), None)
    if orphan is None:
        return
    when = f" on {orphan.recorded_at:%Y-%m-%d %H:%M:%S %Z}" if orphan.recorded_at else ""
    last = max(orphan.committed)
    name = safe(orphan.migration)  # the segments table's, which anyone who may write that table writes
    raise ApplyRefused(
        f"migration {name} is partly applied ({first_segments(last)} of {orphan.segments} "
        f"committed{when}) but no file of that name is in the folder (renamed, moved or deleted?): under "
        "another name its committed part would run again; nothing was applied",
        hint=f"give the file back its name ({name}) to resume it; or, once its committed part is "
        f"undone by hand, forget it: DELETE FROM {record.SEGMENTS_TABLE} WHERE migration = "
        f"{one_line_literal(orphan.migration)};",
    )


async def prepare(
    conn: asyncpg.Connection, folder: Path, files: list[MigrationFile], in_folder: Collection[str]
) -> list[PendingMigration]:
    """Plan every pending migration and check it can run, before any of them runs (`in_folder`: the names
    of every migration file of the folder, applied or not)."""
    outside = [f for f in files if not _inside(folder, f)]
    if outside:
        raise ApplyRefused(
            f"refusing to apply {outside[0].path}: it resolves to {outside[0].path.resolve()}, outside the "
            f"migrations folder {folder}",
            hint="copy the file into the folder (a symlink out of it is not applied)",
        )
    await record.check_segments_table(conn)
    partials = await record.read_partials(conn)
    if files:
        _refuse_orphan(partials, in_folder)
    _refuse_blank(files)
    pending: list[PendingMigration] = []
    for file in files:
        plan = plan_segments(file.text, str(file.path), transactional=file.transactional)
        partial = partials.get(file.name)
        if partial is not None:
            await _check_partial(conn, file, plan, partial)
        pending.append(PendingMigration(file, plan, partial))
    return pending
