"""`dibs-tui status`: every migration with its state, one per line, readable in CI logs; exit 1 if any is
pending or changed since applied (missing files are reported but do not fail the gate: they are history; a
history's squashed rows, core/migrations/status.py, are said in one line with their count and range).

The folder's layout and every recognised file that is not applied (rollbacks, down sections' files, refused
symlinks) are listed too; a refused entry fails the gate. Names are file names: data, shown escaped."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..config import Settings
from ..core.connect import ConnectionTarget
from ..core.dialect import refuse_other_dialect
from ..core.errors import DibsError
from ..core.migrations.apply_record import read_partials_at
from ..core.migrations.layouts import EntryKind, folder_to_write_into, read_folder_status
from ..core.migrations.status import MigrationState, MigrationStatus, SquashedHistory, renamed, squashed
from ..core.migrations.tool_histories import describe_tables
from ..core.model_meta import Migration
from ..core.terminal import prose_for, safe
from .common import run_async, target_for


def shown(text: str) -> str:
    """A name as one terminal-safe line: control characters become visible escapes (`\\x1b`, `\\n`)."""
    return safe(text)


def migrations_folder(args: argparse.Namespace, settings: Settings) -> Path:
    """--migrations beats the configured folder."""
    given = getattr(args, "migrations", None)
    return Path(given) if given else settings.resolve_migrations_dir()


def folder_to_write(args: argparse.Namespace, settings: Settings, target: ConnectionTarget) -> Path:
    """The folder a new migration goes into, made when missing: as asked when --migrations names it, else
    (the config's, or the default) not while the history records applied migrations, a typo every later
    command would repeat (core/migrations/layouts.py); a file of that name is said as such (not as 'File
    exists')."""
    folder = migrations_folder(args, settings)
    if folder.exists() and not folder.is_dir():
        raise DibsError(
            f"the migrations folder {shown(str(folder))} is not a folder",
            hint=f"check {_named_by(args, settings)}",
        )
    if getattr(args, "migrations", None):
        folder.mkdir(parents=True, exist_ok=True)
        return folder
    return run_async(folder_to_write_into(target, folder))


def existing_migrations_folder(args: argparse.Namespace, settings: Settings) -> Path:
    """The folder to read migrations from; one named with --migrations must be there, and one the config file
    names must not be a file (a typo read as an empty folder would be 'nothing to apply', exit 0)."""
    folder = migrations_folder(args, settings)
    named = bool(getattr(args, "migrations", None))
    # One the config file names may be missing in a new project; a file there is a mistake either way.
    if (named or settings.migrations_dir is not None) and not folder.is_dir() and (named or folder.exists()):
        what = "is not a folder" if folder.exists() else "does not exist"
        raise DibsError(
            f"the migrations folder {shown(str(folder))} {what}", hint=f"check {_named_by(args, settings)}"
        )
    return folder


def _named_by(args: argparse.Namespace, settings: Settings) -> str:
    """Where the user wrote the folder's name: the flag, the config file, or neither (the default)."""
    if getattr(args, "migrations", None):
        return "--migrations"
    if settings.migrations_dir is not None:
        return f"migrations in {shown(str(settings.config_file))}"
    return "--migrations (the default is db/migrations, else migrations)"


def status_line(status: MigrationStatus, moved: dict[str, Migration] | None = None) -> str:
    """`applied  20260110090000_initial  2026-01-10 09:12 UTC  41 ms` and the like."""
    parts = [f"{status.state.value:<8}", shown(status.name)]
    row = status.applied
    if row is not None:
        if row.applied_at is not None:
            parts.append(f"{row.applied_at:%Y-%m-%d %H:%M:%S %Z}".strip())
        if row.execution_time_ms is not None:
            parts.append(f"{row.execution_time_ms} ms")
        if row.source != "__dibs_migrations":
            parts.append(f"(from {shown(row.source)})")
    if status.state is MigrationState.CHANGED:
        parts.append("file changed since it was applied (checksum differs)")
    if status.state is MigrationState.MISSING:
        parts.append("applied but no file on disk")
    if moved and (was := moved.get(status.name)) is not None:
        parts.append(
            f"same content as {shown(was.name)}, applied: renamed or moved? migrate refuses to run it again"
        )
    return "  ".join(parts)


def squashed_lines(group: SquashedHistory) -> list[str]:
    """One history's squashed rows: how many, their versions' range, and why they have no file."""
    return [f"{'squashed':<8}  {shown(group.summary())}", f"{'':<10}{shown(group.reason())}"]


def partial_lines(name: str, described: list[str]) -> list[str]:
    """A pending migration an earlier run applied in part: one `partial` line naming it and what committed,
    the rest of the record indented under it (listed as pending too, it read as two migrations)."""
    first, *rest = described or ["partially applied"]
    return [f"{'partial':<8}  {shown(name)}  {shown(first)}", *(f"{'':<10}{shown(line)}" for line in rest)]


_NAMES = 10  # where a migration's name starts on its line: `applied   20260110090000_initial ...`


def _say(*lines: str, under: int = 4) -> None:
    """Lines on stdout; on a terminal each wraps between words, continued under column `under` (past its
    label: `history tables: `, `applied   `), not at the edge in the middle of a word."""
    print(prose_for(sys.stdout, "\n".join(lines), under))


def run(args: argparse.Namespace, settings: Settings) -> int:
    target = target_for(args, settings)
    folder = existing_migrations_folder(args, settings)
    refuse_other_dialect(folder)  # a SQLite or MySQL folder is named, not compared as PostgreSQL
    found = run_async(read_folder_status(target, folder))
    statuses, history = found.statuses, found.history
    _say(f"database: {target.masked}")
    _say(f"migrations: {shown(str(folder))} (layout: {found.folder.layout})")
    tools = describe_tables(history) or "none"
    _say(f"history tables: {shown(tools)}")
    for note in history.notes:  # look-alike history tables that were not read (core.meta_tables)
        _say(f"note: {shown(note)}")
    moved = renamed(statuses)
    pending = {s.name for s in statuses if s.state is MigrationState.PENDING}
    try:  # what an interrupted or failed apply left of a pending migration (core/migrations/apply_record.py)
        partials = run_async(read_partials_at(target)) if pending else {}
    except DibsError as exc:
        partials = {}
        _say(f"note: {shown(exc.message)}")
    partials = {name: partial for name, partial in partials.items() if name in pending}
    groups = squashed(statuses)
    for status in statuses:
        if (partial := partials.get(status.name)) is not None:
            _say(*partial_lines(status.name, partial.describe()), under=_NAMES)
        elif (group := groups.get(status.name)) is not None:
            _say(*squashed_lines(group), under=_NAMES)
        elif status.state is not MigrationState.SQUASHED:
            _say(status_line(status, moved), under=_NAMES)
    for entry in found.folder.skipped:
        column = "refused" if entry.kind is EntryKind.REFUSED else "skipped"
        _say(f"{column:<8}  {shown(entry.name)}  {entry.label}", under=_NAMES)
    counts = {state: sum(1 for s in statuses if s.state is state) for state in MigrationState}
    counts[MigrationState.PENDING] -= len(partials)
    summary = [
        f"{n:,} {state.value}" for state, n in counts.items() if n or state is not MigrationState.SQUASHED
    ]
    summary[2:2] = [f"{len(partials)} partial"] if partials else []
    summary += (
        [f"{len(found.folder.skipped):,} not applied (rollbacks and the like)"]
        if found.folder.skipped
        else []
    )
    _say(", ".join(summary))
    for name in history.dirty:
        _say(f"dirty    {shown(name)}  left unfinished or failed by its tool", under=_NAMES)
    failing = pending or counts[MigrationState.CHANGED] or history.dirty
    return 1 if failing or found.folder.refused else 0
