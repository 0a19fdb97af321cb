"""What is still to run of a migration an earlier `migrate` left partly applied: its committed segments are on
the server already, so a review counts and traces only what migrate runs next (the segments after them), and
says so. The text keeps every line (what committed is blanked), so line numbers stay the file's."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from ..connect import ConnectionTarget
from ..errors import DibsError
from ..sql import requoted
from .apply_outcome import drop_statement
from .apply_record import PartialApply, read_partial
from .files import MigrationFile
from .layouts import list_migration_files
from .segments import SegmentPlan, first_segments, plan_segments


@dataclass(frozen=True)
class PendingPart:
    text: str  # the migration with its committed statements blanked, lines kept
    note: str  # what was left out and why, for the review's notes


def migration_file(path: Path) -> MigrationFile | None:
    """The migration of its folder that `path` is, as migrate reads it (a sectioned file's up part); None for a
    file outside any migrations folder."""
    inside = path.name in ("up.sql", "migration.sql")  # diesel's and Prisma's folder per migration
    folder = path.parent.parent if inside else path.parent
    try:
        files = list_migration_files(folder)
    except DibsError:
        return None
    return next((f for f in files if f.path.resolve() == path.resolve()), None)


def pending_text(text: str, plan: SegmentPlan, resume_at: int) -> str:
    """`text` with the statements of the segments before `resume_at` blanked (newlines kept)."""
    if resume_at <= 1:
        return text
    if resume_at > len(plan.segments):
        return re.sub(r"[^\n]", " ", text)
    offset = plan.segments[resume_at - 1].statements[0].offset
    return re.sub(r"[^\n]", " ", text[:offset]) + text[offset:]


def _resumable(file: MigrationFile, plan: SegmentPlan, partial: PartialApply) -> bool:
    """Migrate resumes after the committed segments only while they are cut and written as when they ran
    (apply_checks refuses otherwise, and says why)."""
    done = len(partial.committed)
    if partial.committed != tuple(range(1, done + 1)) or done > len(plan.segments):
        return False
    if partial.ranges != tuple((s.first, s.last) for s in plan.segments[:done]):
        return False
    return all(
        recorded in (plan.segments[n - 1].checksum, file.checksum)
        for n, recorded in zip(partial.committed, partial.checksums, strict=True)
    )


def describe_pending(file: MigrationFile, partial: PartialApply | None) -> PendingPart | None:
    """The part of `file` still to run given what an earlier run committed; None when nothing of it committed."""
    if partial is None or not partial.committed:
        return None
    try:
        plan = plan_segments(file.text, str(file.path), transactional=file.transactional)
    except DibsError:
        return None  # the review reports the file's own error
    when = f" on {partial.recorded_at:%Y-%m-%d %H:%M:%S %Z}" if partial.recorded_at else ""
    done = len(partial.committed)
    if not _resumable(file, plan, partial):
        return PendingPart(
            file.text,
            f"partly applied ({first_segments(max(partial.committed))} of {partial.segments} committed{when}), "
            "but the file's committed part is not as it ran: migrate refuses to resume it (dibs-tui migrate "
            "--dry-run says why); reviewed whole, though its committed statements are on the server already",
        )
    committed = f"partly applied: {plan.span(1, done)} committed{when}, left out"
    blocked = "".join(
        f"; migrate refuses until the INVALID index {requoted(n)} an earlier run left is dropped "
        f"({drop_statement(n)})"
        for n in partial.leftovers
    )
    if partial.running is not None:
        blocked += (
            f"; segment {partial.running} was started by a run that never reported: migrate refuses until that "
            "is settled (dibs-tui migrate says how)"
        )
    if done >= len(plan.segments):
        return PendingPart(
            pending_text(file.text, plan, done + 1), f"{committed}; nothing of it is left to run{blocked}"
        )
    rest = plan.span(done + 1, len(plan.segments))
    return PendingPart(
        pending_text(file.text, plan, done + 1),
        f"{committed}; reviewed and traced: {rest}, what migrate runs next (on the live schema as it is now)"
        f"{blocked}",
    )


async def pending_part(target: ConnectionTarget, path: Path) -> PendingPart | None:
    """What is left to run of the migration at `path`, from the server's record; None when it is not a
    migration of a folder or nothing of it committed."""
    file = migration_file(path)
    if file is None:
        return None
    return describe_pending(file, await read_partial(target, file.name))
