"""Migration folders as real projects keep them: which files are forward migrations, which are not.

Recognised layouts: plain numbered files and dibs-tui's `<timestamp>_<slug>.sql`; golang-migrate/sqlx
`N_name.up.sql` + `.down.sql`; diesel's `<version>/up.sql` + `down.sql`; Prisma's `<name>/migration.sql`;
Flyway's `V1__x.sql` (`U1__x.sql` undo, `R__x.sql` repeatable); goose's `-- +goose Up` / `-- +goose Down`
sections and dbmate's `-- migrate:up` / `-- migrate:down` sections in one file.

Only forward migrations are ever applied. Rollbacks (`*.down.sql`, `*_down.sql`, `*_rollback.sql`, a
diesel `down.sql`, a Flyway undo), Flyway repeatables, and, in a folder of numbered migrations, a file with no
number are listed as recognised but not applied. Of a sectioned file only the up part is applied: every
other line is blanked, so line numbers in errors and reviews stay those of the file. A symlink that leads
out of the folder, a symlink loop, a file that is not UTF-8 and a file whose name holds a line break are refused:
listed, never read.
"""

from __future__ import annotations

import enum
import os
import re
from dataclasses import dataclass
from pathlib import Path

from ..connect import ConnectionTarget, connect
from ..errors import ConfigError, DibsError
from ..terminal import safe
from .files import MigrationFile
from .history import History, read_history
from .status import MigrationStatus, filed, flyway_version, migration_status

_LEADING_VERSION = re.compile(r"^[Vv]?(\d+)")
_DIBS_NAME = re.compile(r"^\d{14}_[a-z0-9][a-z0-9-]*$")
_ROLLBACK_SUFFIX = re.compile(r"([._-](down|rollback|undo))$", re.IGNORECASE)
_FLYWAY = re.compile(r"^([VUR])(\d[\d._]*)?__", re.IGNORECASE)
_GOOSE = re.compile(r"^\s*--\s*\+goose\s+(.*?)\s*$", re.IGNORECASE)
_DBMATE = re.compile(r"^\s*--\s*migrate:(up|down)\b(.*)$", re.IGNORECASE)
_GENERIC = {"dibs-tui", "numbered", "plain"}
# What ends a line (str.splitlines): in a migration's name it would start a line of migrate's, status's or
# review's output that the name's author writes. Such a file is refused, not listed under an escaped name: it
# would also be recorded so in the history, which other tools print raw.
_LINE_BREAK = re.compile("[\n\r\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")


class EntryKind(enum.StrEnum):
    ROLLBACK = "rollback"
    REPEATABLE = "repeatable"
    UNVERSIONED = "unversioned"
    REFUSED = "refused"


@dataclass(frozen=True)
class SkippedEntry:
    """A file or folder entry recognised but not applied; `name` is its path relative to the folder."""

    name: str
    path: Path
    kind: EntryKind
    reason: str

    @property
    def label(self) -> str:
        """`rollback (not applied)`, `refused (symlink out of the folder: not read)` and the like."""
        return f"{self.kind.value} ({self.reason})"


@dataclass(frozen=True)
class MigrationFolder:
    """One scan of a migrations folder: forward migrations in order, and everything else recognised."""

    path: Path
    layouts: tuple[str, ...] = ()
    files: tuple[MigrationFile, ...] = ()
    skipped: tuple[SkippedEntry, ...] = ()
    no_transaction: frozenset[str] = frozenset()  # goose NO TRANSACTION, dbmate transaction:false

    @property
    def layout(self) -> str:
        return ", ".join(self.layouts) or "empty"

    @property
    def refused(self) -> tuple[SkippedEntry, ...]:
        return tuple(s for s in self.skipped if s.kind is EntryKind.REFUSED)

    def checked(self) -> MigrationFolder:
        """The scan itself, or a DibsError naming the first refused entry: nothing is applied past a hole."""
        if self.refused:
            first = self.refused[0]
            if first.reason.startswith("not UTF-8"):
                hint = "save it as UTF-8 text (nothing was applied)"
            elif first.reason.startswith("unreadable"):
                hint = "make it readable by this user (nothing was applied)"
            elif first.reason.startswith("a line break"):
                hint = "rename it without the line break (nothing was applied)"
            elif first.reason.startswith("the same version"):
                hint = (
                    "give it a version of its own: one history row would count for both (nothing was applied)"
                )
            else:
                hint = "replace it with a regular file inside the folder, or remove it"
            raise DibsError(f"{self.path}: {first.name!r} is {first.label}", hint=hint)
        return self


def version_of(name: str) -> int | None:
    """The leading version number of a migration name (`008_x` -> 8, `V2__x` -> 2), if any."""
    match = _LEADING_VERSION.match(name)
    return int(match.group(1)) if match else None


def _version_key(migration: str, layout: str) -> tuple[int | str, ...] | None:
    """The version the layout's tool records a migration by, or None where its history records the name
    (dibs-tui's own, Prisma's) or there is no version (plain files). Two files of one version are one row of
    such a history: the second would be taken as applied when the first is, and never run."""
    if layout in ("dibs-tui", "prisma", "plain"):
        return None
    if layout == "flyway":  # V1.1__x and V1_1__x are 1.1; 1.0 is 1 (trailing zeros do not count)
        return flyway_version(migration)
    if layout == "diesel":  # 2019-01-01-000000_create_users: the part before the first underscore
        head = migration.split("_", 1)[0]
        return (head,) if head[:1].isdigit() else None
    version = version_of(migration)  # golang-migrate, goose, dbmate, sqlx, numbered: an integer
    return None if version is None else (version,)


def _refusal(path: Path, root: Path) -> str | None:
    """Why a symlink is not read, or None when it stays inside the folder."""
    try:
        target = path.resolve(strict=True)
    except RuntimeError:
        return "symlink loop: not read"
    except OSError as exc:
        if exc.errno == 40:  # ELOOP
            return "symlink loop: not read"
        return "broken symlink: not read"
    if not target.is_relative_to(root):
        return "symlink out of the folder: not read"
    return None


def _blank(line: str) -> str:
    return "\n" if line.endswith("\n") else ""


def _sections(text: str) -> tuple[str, str | None, bool]:
    """(text to apply, tool, outside a transaction): goose/dbmate files keep only their up section."""
    lines = text.splitlines(keepends=True)
    tool: str | None = None
    for line in lines:
        goose = _GOOSE.match(line)
        if goose and goose.group(1).lower() in ("up", "down"):
            tool = "goose"
            break
        if _DBMATE.match(line):
            tool = "dbmate"
            break
    if tool is None:
        return text, None, False
    out: list[str] = []
    up = False
    no_transaction = False
    for line in lines:
        if tool == "goose" and (goose := _GOOSE.match(line)):
            word = goose.group(1).lower()
            if word in ("up", "down"):
                up = word == "up"
            no_transaction |= word == "no transaction"
            out.append(_blank(line))  # StatementBegin/End and the rest: our splitter needs no help
        elif tool == "dbmate" and (dbmate := _DBMATE.match(line)):
            up = dbmate.group(1).lower() == "up"
            if up and re.search(r"\btransaction:\s*false\b", dbmate.group(2), re.IGNORECASE):
                no_transaction = True
            out.append(_blank(line))
        else:
            out.append(line if up else _blank(line))
    return "".join(out), tool, no_transaction


class _Scan:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.root = folder.resolve()
        self.layouts: set[str] = set()
        self.files: list[MigrationFile] = []
        self.skipped: list[SkippedEntry] = []
        self.no_transaction: set[str] = set()
        self.versions: dict[str, tuple[int | str, ...] | None] = {}

    def skip(self, name: str, path: Path, kind: EntryKind, reason: str) -> None:
        self.skipped.append(SkippedEntry(name, path, kind, reason))

    def safe(self, name: str, path: Path) -> bool:
        """A symlink is followed only when it stays inside the folder."""
        if path.is_symlink() and (why := _refusal(path, self.root)) is not None:
            self.skip(name, path, EntryKind.REFUSED, why)
            return False
        return True

    def read(self, name: str, path: Path, migration: str, layout: str) -> None:
        if _LINE_BREAK.search(name):
            self.skip(name, path, EntryKind.REFUSED, "a line break in its name: not read")
            return
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            self.skip(name, path, EntryKind.REFUSED, "not UTF-8 text: not read")
            return
        except OSError as exc:
            self.skip(name, path, EntryKind.REFUSED, f"unreadable: {exc.strerror or exc}")
            return
        text, tool, no_transaction = _sections(text)
        self.layouts.add(tool or layout)
        self.versions[migration] = _version_key(migration, tool or layout)
        if no_transaction:
            self.no_transaction.add(migration)
        self.files.append(MigrationFile(migration, path, text, transactional=not no_transaction))

    def directory(self, name: str, path: Path) -> None:
        for inner, layout in (("migration.sql", "prisma"), ("up.sql", "diesel")):
            candidate = path / inner
            if candidate.is_file() or candidate.is_symlink():
                if self.safe(f"{name}/{inner}", candidate):
                    self.read(f"{name}/{inner}", candidate, name, layout)
                break
        down = path / "down.sql"
        if down.is_file() or down.is_symlink():
            self.layouts.add("diesel")
            self.skip(f"{name}/down.sql", down, EntryKind.ROLLBACK, "not applied")

    def file(self, name: str, path: Path) -> None:
        stem = name[:-4]
        flyway = _FLYWAY.match(stem)
        if _ROLLBACK_SUFFIX.search(stem) or (flyway and flyway.group(1).upper() == "U"):
            if flyway:
                self.layouts.add("flyway")
            self.skip(name, path, EntryKind.ROLLBACK, "not applied")
        elif flyway and flyway.group(1).upper() == "R":
            self.layouts.add("flyway")
            self.skip(name, path, EntryKind.REPEATABLE, "not applied")
        elif stem.lower().endswith(".up"):
            self.read(name, path, stem[:-3], "golang-migrate")
        elif flyway:
            self.read(name, path, stem, "flyway")
        else:
            layout = "dibs-tui" if _DIBS_NAME.match(stem) else "numbered" if version_of(stem) else "plain"
            self.read(name, path, stem, layout)

    def run(self) -> MigrationFolder:
        with os.scandir(self.folder) as found:
            entries = sorted(found, key=lambda e: e.name)
        for entry in entries:  # DirEntry answers from the directory listing: no stat per file
            path = self.folder / entry.name
            if entry.is_symlink() and not self.safe(entry.name, path):
                continue
            if entry.is_dir():
                self.directory(entry.name, path)
            elif entry.name.lower().endswith(".sql") and entry.is_file():
                self.file(entry.name, path)
        if (self.folder / "migration_lock.toml").is_file():
            self.layouts.add("prisma")
        return self.finish()

    def finish(self) -> MigrationFolder:
        files = sorted(self.files, key=lambda f: f.name)
        if any(version_of(f.name) is not None for f in files):
            for f in [f for f in files if version_of(f.name) is None]:
                files.remove(f)
                self.skip(
                    f.path.relative_to(self.folder).as_posix(),
                    f.path,
                    EntryKind.UNVERSIONED,
                    "no version number among numbered migrations: not applied",
                )
        files = self._one_per_version(files)
        if self.layouts - _GENERIC:
            self.layouts -= _GENERIC  # a tool's layout names the folder; its plain files are its own
        elif len(self.layouts) > 1:
            self.layouts.discard("plain")
        return MigrationFolder(
            self.folder,
            tuple(sorted(self.layouts)),
            tuple(files),
            tuple(sorted(self.skipped, key=lambda s: s.name)),
            frozenset(self.no_transaction),
        )

    def _one_per_version(self, files: list[MigrationFile]) -> list[MigrationFile]:
        """The first file (by name) of each version; a later one of the same version is refused, which stops
        migrate and fails the status gate until it is renumbered."""
        first: dict[tuple[int | str, ...], str] = {}
        kept: list[MigrationFile] = []
        for f in files:
            key = self.versions.get(f.name)
            if key is None or key not in first:
                if key is not None:
                    first[key] = f.name
                kept.append(f)
                continue
            self.skip(
                f.path.relative_to(self.folder).as_posix(),
                f.path,
                EntryKind.REFUSED,
                f"the same version as {first[key]}: not applied",
            )
        return kept


def scan_folder(folder: Path) -> MigrationFolder:
    """Every entry of `folder` sorted into forward migrations and the rest; an absent folder is empty."""
    if not folder.is_dir():
        return MigrationFolder(folder)
    return _Scan(folder).run()


@dataclass(frozen=True)
class FolderStatus:
    """`status` of a folder: its scan, each forward migration's state, and the history it was read against."""

    folder: MigrationFolder
    statuses: tuple[MigrationStatus, ...]
    history: History


async def _applied_history(target: ConnectionTarget) -> History:
    """The applied history, on a read-only catalog session of its own (core.session), bounded."""
    from ..session import bounded, catalog_settings

    conn = await connect(target, read_only=True, extra_settings=catalog_settings())
    try:
        async with bounded(conn, "history read"):
            return await read_history(conn)
    finally:
        await conn.close()


async def read_folder_status(target: ConnectionTarget, folder: Path) -> FolderStatus:
    """The folder scanned as its layout says and compared with the applied history (read-only)."""
    scan = scan_folder(folder)
    history = await _applied_history(target)
    refuse_absent_folder(folder, history)
    return FolderStatus(scan, tuple(migration_status(scan.files, history)), history)


def refuse_absent_folder(folder: Path, history: History) -> None:
    """A folder that is not there while the history records applied migrations is a typo (in the config
    file, the flag, or the folder a command runs from): read as empty, `status` called every migration
    `missing` and passed, `migrate` said `nothing to apply`. With no history (or only rows no file stands
    for: init's snapshot, Alembic's head) it is a project not started."""
    count = sum(1 for row in history.applied if filed(row)) if not folder.is_dir() else 0
    if count:
        what = "is not a folder" if folder.exists() else "does not exist"
        raise ConfigError(
            f"the migrations folder {safe(str(folder))} {what}, but the history records {count:,} applied "
            f"migration{'' if count == 1 else 's'}",
            hint="name the folder that holds them: --migrations PATH, or migrations in dibs-tui.toml (a new "
            "folder for them: make it first)",
        )


async def folder_to_write_into(target: ConnectionTarget, folder: Path) -> Path:
    """`folder`, made when it is not there, unless the history records applied migrations: a new migration
    written into a mistyped folder made it a folder, which status and migrate then read (every applied
    migration `missing`, the new one pending) instead of refusing it as not there."""
    if not _made(folder, None):  # one there already needs no history read
        _made(folder, await _applied_history(target))
    return folder


def _made(folder: Path, history: History | None) -> bool:
    """Whether `folder` is there; made first when the `history` read says it may be (refuse_absent_folder).
    Apart from the coroutine, whose event loop a file system call must not hold."""
    if history is not None and not folder.is_dir():
        refuse_absent_folder(folder, history)
        folder.mkdir(parents=True, exist_ok=True)
    return folder.is_dir()


def list_migration_files(folder: Path) -> list[MigrationFile]:
    """The folder's forward migrations in name order, as its layout says (rollbacks and down sections are
    never among them); a folder with a refused entry (a symlink out of it, a loop) is a DibsError."""
    return list(scan_folder(folder).checked().files)


async def read_status(
    target: ConnectionTarget, folder: Path, *, absent_is_empty: bool = False
) -> tuple[list[MigrationStatus], History]:
    """Each migration's state; `absent_is_empty`: a folder that is not there lists the history alone (the
    browser's default folder, where it is opened from anywhere), else it is refused (refuse_absent_folder)."""
    history = await _applied_history(target)
    if not absent_is_empty:
        refuse_absent_folder(folder, history)
    return migration_status(list_migration_files(folder), history), history
