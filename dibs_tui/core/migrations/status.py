"""Status: each migration file beside the history rows, applied, pending, changed, missing or squashed."""

from __future__ import annotations

import enum
import hashlib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ..model_meta import Migration
from .files import MigrationFile
from .history import INIT_SNAPSHOT, History
from .tool_histories import BY_TOOL, head_only_sources

# Tools whose table holds only the latest version, not every applied one: nothing of theirs is "missing".
_HEAD_ONLY = head_only_sources()
_LEADING_VERSION = re.compile(r"^[Vv]?(\d+)")
# Flyway's version: in a file's name after V (or U, an undo), before `__`, or its history's version column alone;
# its parts are separated by dots or underscores (V1_1__x is 1.1).
_FLYWAY_VERSION = re.compile(r"^[VvUu]?(\d+(?:[._]\d+)*)(?:__|$)")


class MigrationState(enum.StrEnum):
    APPLIED = "applied"
    PENDING = "pending"
    CHANGED = "changed"  # applied, but the file's checksum differs from the recorded one
    MISSING = "missing"  # applied, but no file on disk
    SQUASHED = "squashed"  # applied, no file, older than every file of its history: squashed away (below)


@dataclass(frozen=True)
class MigrationStatus:
    """One line of `status`: a file and/or a history row."""

    name: str
    state: MigrationState
    file: MigrationFile | None = None
    applied: Migration | None = None


def _version(name: str) -> int | None:
    match = _LEADING_VERSION.match(name)
    return int(match.group(1)) if match else None


def flyway_version(text: str) -> tuple[int, ...] | None:
    """The version Flyway records a file by (`V1.1__x`, `V1_1__x`) or a history row holds (`1.1`), its numbers
    compared whole and trailing zeros not counting (1.0 is 1); None for a repeatable migration (`R__x`)."""
    match = _FLYWAY_VERSION.match(text)
    if match is None:
        return None
    parts = [int(p) for p in re.split(r"[._]", match.group(1))]
    while len(parts) > 1 and parts[-1] == 0:
        parts.pop()
    return tuple(parts)


def _checksum_differs(file: MigrationFile, row: Migration) -> bool:
    if not row.checksum:
        return False
    if row.source in ("__dibs_migrations", "_prisma_migrations"):
        return row.checksum.lower() != file.checksum
    if row.source == "_sqlx_migrations":
        return row.checksum.lower() != hashlib.sha384(file.text.encode("utf-8")).hexdigest()
    return False  # flyway's CRC32 is over normalised lines: not comparable reliably


# Histories that record each migration by its whole name, never by a version number.
_EXACT_ONLY = ("__dibs_migrations", "_prisma_migrations", "alembic_version")
_FLYWAY_HISTORY = "flyway_schema_history"  # its rows' `source` (tool_histories.source_of)


def _first_matches(applied: Sequence[Migration]) -> Callable[[MigrationFile], int | None]:
    """The first row that names each file: by its name, or by the version its tool records (Flyway's whole,
    the others' leading number; never for `_EXACT_ONLY`). Looked up, linear in files plus rows (a scan of every
    row for every file took minutes at 10,000 migrations)."""
    by_name: dict[str, int] = {}
    by_version: dict[int, int] = {}
    # Flyway's rows by its whole version: by the leading number, a row of 1.1 was taken for the file V1__x,
    # which status then called applied and migrate skipped for good.
    by_flyway_version: dict[tuple[int, ...], int] = {}
    for i, row in enumerate(applied):
        by_name.setdefault(row.name, i)
        if row.source == _FLYWAY_HISTORY:
            if (whole := flyway_version(row.name)) is not None:
                by_flyway_version.setdefault(whole, i)
        elif row.source not in _EXACT_ONLY and (v := _version(row.name)) is not None:
            by_version.setdefault(v, i)

    def first(file: MigrationFile) -> int | None:
        version, whole = _version(file.name), flyway_version(file.name)
        found = [
            by_name.get(file.name),
            by_version.get(version) if version is not None else None,
            by_flyway_version.get(whole) if whole is not None else None,
        ]
        return min((i for i in found if i is not None), default=None)

    return first


# Histories whose rows outlive their files by design: a row older than every file of its history that is in
# the folder is said as squashed, with this reason, once for all of them (lago: 1,107 rows). A row without a
# file but newer than one that has its file was deleted from the middle: still missing, named.
SQUASHED_WHY = {
    "rails": "Rails keeps its migrations as Ruby files in db/migrate and squashes old ones into db/schema.rb or "
    "db/structure.sql, which records every version ever run: this is that history, nothing lost from this "
    "folder and nothing to apply",
}


def _squashed_before(applied: Sequence[Migration], used: set[int]) -> dict[str, float]:
    """Per squashing history, the version its rows must sort before to be squashed: its oldest row that has
    a file here (none has one: all of its rows)."""
    bound: dict[str, float] = {
        source: float("inf") for source in {m.source for m in applied} & SQUASHED_WHY.keys()
    }
    for i in used:
        row = applied[i]
        if row.source in bound and (v := _version(row.name)) is not None:
            bound[row.source] = min(bound[row.source], v)
    return bound


def migration_status(files: Sequence[MigrationFile], history: History) -> list[MigrationStatus]:
    """Files in name order with their state, then applied rows that have no file (missing or squashed)."""
    result: list[MigrationStatus] = []
    used: set[int] = set()
    golang_head = max(
        (v for m in history.applied if m.source == "golang-migrate" and (v := _version(m.name)) is not None),
        default=None,
    )
    first = _first_matches(history.applied)
    for file in files:
        index = first(file)
        if index is not None:
            used.add(index)
            row = history.applied[index]
            state = MigrationState.CHANGED if _checksum_differs(file, row) else MigrationState.APPLIED
            result.append(MigrationStatus(file.name, state, file, row))
        elif golang_head is not None and (v := _version(file.name)) is not None and v <= golang_head:
            result.append(MigrationStatus(file.name, MigrationState.APPLIED, file))
        else:
            result.append(MigrationStatus(file.name, MigrationState.PENDING, file))
    squashed_before = _squashed_before(history.applied, used)
    for i, row in enumerate(history.applied):
        if i in used:
            continue
        if not filed(row):
            state = MigrationState.APPLIED
        elif (v := _version(row.name)) is not None and v < squashed_before.get(row.source, 0):
            state = MigrationState.SQUASHED
        else:
            state = MigrationState.MISSING
        result.append(MigrationStatus(row.name, state, None, row))
    return result


def filed(row: Migration) -> bool:
    """Whether a history row stands for a migration file: not init's snapshot of the schema it found, nor
    the one row of a history that keeps only its head (Alembic's: its migrations are Python files)."""
    return row.source not in _HEAD_ONLY and not (
        row.source == "__dibs_migrations" and row.name == INIT_SNAPSHOT
    )


@dataclass(frozen=True)
class SquashedHistory:
    """One history's squashed rows (`MigrationState.SQUASHED`), said in one line: a Rails app's 1,107."""

    source: str
    names: tuple[str, ...]

    @property
    def label(self) -> str:
        """`1,107 Rails`: how many, of which tool."""
        return f"{len(self.names):,} {BY_TOOL[self.source].label if self.source in BY_TOOL else self.source}"

    @property
    def span(self) -> str:
        """`20220525122759 … 20251120090317`: the oldest and newest versions."""
        ordered = sorted(self.names, key=lambda n: (_version(n) or 0, n))
        return ordered[0] if len(ordered) == 1 else f"{ordered[0]} … {ordered[-1]}"

    def summary(self) -> str:
        """`1,107 Rails migrations, 20220525122759 … 20251120090317, have no file here`, without the reason."""
        one = len(self.names) == 1
        return f"{self.label} migration{'' if one else 's'}, {self.span}, {'has' if one else 'have'} no file here"

    def reason(self) -> str:
        return SQUASHED_WHY[self.source]


def squashed(statuses: Sequence[MigrationStatus]) -> dict[str, SquashedHistory]:
    """The squashed rows by history, keyed by the name of each history's first one (where it is listed)."""
    by_source: dict[str, list[str]] = {}
    for status in statuses:
        if status.state is MigrationState.SQUASHED and status.applied is not None:
            by_source.setdefault(status.applied.source, []).append(status.name)
    return {names[0]: SquashedHistory(source, tuple(names)) for source, names in by_source.items()}


def renamed(statuses: Sequence[MigrationStatus]) -> dict[str, Migration]:
    """Pending files with the content of an applied dibs-tui migration whose file is gone (renamed or moved:
    run again, its statements would run twice), by the pending file's name."""
    gone = {
        row.checksum.lower(): row
        for s in statuses
        if s.state is MigrationState.MISSING
        and (row := s.applied) is not None
        and row.checksum
        and row.source == "__dibs_migrations"
    }
    return {
        s.name: gone[s.file.checksum]
        for s in statuses
        if s.state is MigrationState.PENDING and s.file is not None and s.file.checksum in gone
    }


# More files gone than this from one history table are said in one line (a Rails app's 1,100 migrations).
_GONE_NAMED = 5


def disagreements(statuses: Sequence[MigrationStatus]) -> list[str]:
    """What the folder and the history disagree on that migrate does not change, said before it applies: an
    applied file edited since, an applied file gone, a pending file that sorts before one applied. Squashed
    rows are not a disagreement: `status` says them, once."""
    moved = {row.name for row in renamed(statuses).values()}  # refused by migrate, with its own message
    done = (MigrationState.APPLIED, MigrationState.CHANGED)
    last = max((i for i, s in enumerate(statuses) if s.file is not None and s.state in done), default=-1)
    gone: dict[str, list[str]] = {}  # history table -> its applied migrations whose file is gone
    for status in statuses:
        if status.state is MigrationState.MISSING and status.name not in moved and status.applied is not None:
            gone.setdefault(status.applied.source, []).append(status.name)
    lines: list[str] = []
    for i, status in enumerate(statuses):
        if status.state is MigrationState.CHANGED:
            lines.append(
                f"{status.name} changed since it was applied (checksum differs): migrate does not run it again, "
                "so the change is not applied (write a new migration for it)"
            )
        elif (
            status.state is MigrationState.MISSING and status.name not in moved and status.applied is not None
        ):
            source = status.applied.source
            names = gone[source]
            if len(names) <= _GONE_NAMED:
                lines.append(f"{status.name} is recorded as applied but its file is gone")
            elif status.name == names[0]:  # another tool's whole history, say: one line, not one per row
                lines.append(
                    f"{len(names):,} migrations recorded as applied ({source} history) have no file in this "
                    f"folder: {names[0]} … {names[-1]} (`dibs-tui status` lists them)"
                )
        elif status.state is MigrationState.PENDING and i < last:
            lines.append(
                f"{status.name} sorts before {statuses[last].name}, applied already: it runs after it "
                "(out of order)"
            )
    return lines
