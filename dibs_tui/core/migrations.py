"""The migrations folder, the applied history of every common tool, status, and applying pending migrations.

Forward only (seed 001). History is read from `__dibs_migrations` (either shape), `_dibs_migrations`, and,
read-only, `alembic_version`, `schema_migrations` (golang-migrate, Rails or dbmate), `flyway_schema_history`,
`_sqlx_migrations`, `_prisma_migrations` and `goose_db_version` (one reader per tool: core.histories); ONE
catalog query finds which of them exist. Which files are migrations: core.migration_layouts.

Applying lives in core.apply (segments: core.segments; their record: core.apply_record); `ADVISORY_LOCK_KEY`,
the key every applier takes, stays here.
"""

from __future__ import annotations

import enum
import hashlib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import asyncpg

from .histories import TABLES as HISTORY_TABLE_NAMES
from .histories import head_only_sources, read_table, tool_of
from .model import Migration
from .sql import quote_ident

# "dibs" in ASCII: the key every dibs-tui applier takes with pg_advisory_lock(bigint). Documented: other tools
# may take it too to keep out of a running `dibs-tui migrate`.
ADVISORY_LOCK_KEY = 0x64696273

HISTORY_TABLES = HISTORY_TABLE_NAMES  # one reader per tool: core.histories
# Tools whose table holds only the latest version, not every applied one: nothing of theirs is "missing".
_HEAD_ONLY = head_only_sources()

_NEW_NAME = re.compile(r"^\d{14}_[a-z0-9][a-z0-9-]*$")
_LEADING_VERSION = re.compile(r"^[Vv]?(\d+)")


def checksum(text: str) -> str:
    """sha256 of the file content (hex), as stored in `__dibs_migrations.checksum`."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class MigrationFile:
    """One forward migration of the folder: `name` without `.sql` (or its folder's name), `text` what runs
    (a sectioned file's up part, other lines blanked)."""

    name: str
    path: Path
    text: str
    # False when the file asks to run without a transaction (goose NO TRANSACTION, dbmate transaction:false).
    transactional: bool = True

    @property
    def checksum(self) -> str:
        return checksum(self.text)


def slugify(text: str) -> str:
    """`Add Email Verified!` -> `add-email-verified`."""
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug[:80].rstrip("-") or "migration"


def new_migration_name(slug: str, now: datetime | None = None) -> str:
    """`<YYYYMMDDHHMMSS>_<slug>` in UTC."""
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    return f"{moment:%Y%m%d%H%M%S}_{slugify(slug)}"


# -- history -----------------------------------------------------------------------


@dataclass(frozen=True)
class HistoryTable:
    """A history table that exists, with its columns (name -> type)."""

    name: str
    schema: str
    columns: dict[str, str]

    @property
    def qualified(self) -> str:
        return f"{quote_ident(self.schema)}.{quote_ident(self.name)}"

    @property
    def tool(self) -> str:
        return tool_of(self.name, self.columns)


@dataclass(frozen=True)
class History:
    """Applied history from every history table present; `tables` says which exist."""

    tables: tuple[HistoryTable, ...] = ()
    applied: tuple[Migration, ...] = ()
    dirty: tuple[str, ...] = ()  # golang-migrate versions left dirty, flyway failures, unfinished prisma runs
    notes: tuple[str, ...] = ()  # look-alike tables ignored (core.meta_tables)

    def table(self, name: str) -> HistoryTable | None:
        return next((t for t in self.tables if t.name == name), None)


async def find_history_tables(conn: asyncpg.Connection) -> tuple[HistoryTable, ...]:
    """ONE catalog query: which history tables exist as tables in the meta schema."""
    return (await find_history_tables_noted(conn))[0]


async def find_history_tables_noted(conn: asyncpg.Connection) -> tuple[tuple[HistoryTable, ...], list[str]]:
    """The history tables, and a note for each look-alike ignored (core.meta_tables). A table with a column
    of a user-defined type or a computed column is ignored too: reading it could run its owner's code."""
    from .meta_tables import find_tables
    from .session import current_limits

    found, notes = await find_tables(conn, HISTORY_TABLES, current_limits().meta_schema)
    tables: list[HistoryTable] = []
    for name in HISTORY_TABLES:
        if (table := found.get(name)) is None:
            continue
        odd = sorted(c for c, oid in table.type_oids.items() if oid >= 16384) + sorted(table.computed)
        if odd:
            notes.append(
                f"{table.shown}: column(s) {', '.join(odd)} of a user-defined type or computed: ignored"
            )
            continue
        tables.append(HistoryTable(name, table.schema, dict(table.types)))
    return tuple(tables), notes


async def _read_table(conn: asyncpg.Connection, table: HistoryTable) -> tuple[list[Migration], list[str]]:
    return await read_table(conn, table)


async def read_history(conn: asyncpg.Connection) -> History:
    """Every applied migration any present tool records; no history table at all is an empty history."""
    tables, notes = await find_history_tables_noted(conn)
    applied: list[Migration] = []
    dirty: list[str] = []
    alone = not conn.is_in_transaction()
    async with conn.transaction(isolation="repeatable_read", readonly=True):
        if alone:  # our readers' operators and casts resolve in pg_catalog, whatever the session's path
            await conn.execute("SET LOCAL search_path = pg_catalog; SET LOCAL row_security = off")
        for table in tables:
            rows, bad = await _read_table(conn, table)
            applied += rows
            dirty += bad
    known = {m.name for m in applied if m.source == "__dibs_migrations"}
    applied = [m for m in applied if m.source != "_dibs_migrations" or m.name not in known]
    return History(tables, tuple(applied), tuple(dirty), tuple(notes))


# -- status -----------------------------------------------------------------------


class MigrationState(enum.StrEnum):
    APPLIED = "applied"
    PENDING = "pending"
    CHANGED = "changed"  # applied, but the file's checksum differs from the recorded one
    MISSING = "missing"  # applied, but no file on disk


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


def _matches(file: MigrationFile, row: Migration) -> bool:
    """A history row names a file exactly (dibs, prisma, rails-style), or by its leading version number."""
    if row.name == file.name:
        return True
    if row.source in ("__dibs_migrations", "_prisma_migrations", "alembic_version"):
        return False
    version = _version(file.name)
    return version is not None and version == _version(row.name)


def _checksum_differs(file: MigrationFile, row: Migration) -> bool:
    if not row.checksum:
        return False
    if row.source in ("__dibs_migrations", "_prisma_migrations"):
        return row.checksum.lower() != file.checksum
    if row.source == "_sqlx_migrations":
        return row.checksum.lower() != hashlib.sha384(file.text.encode("utf-8")).hexdigest()
    return False  # flyway's CRC32 is over normalised lines: not comparable reliably


def _first_matches(applied: Sequence[Migration]) -> Callable[[MigrationFile], int | None]:
    """The first row each file `_matches`, looked up by name and by version: linear in files plus rows (a
    scan of every row for every file took minutes at 10,000 migrations)."""
    by_name: dict[str, int] = {}
    by_version: dict[int, int] = {}
    for i, row in enumerate(applied):
        by_name.setdefault(row.name, i)
        exact_only = row.source in ("__dibs_migrations", "_prisma_migrations", "alembic_version")
        if not exact_only and (v := _version(row.name)) is not None:
            by_version.setdefault(v, i)

    def first(file: MigrationFile) -> int | None:
        version = _version(file.name)
        found = [by_name.get(file.name), by_version.get(version) if version is not None else None]
        return min((i for i in found if i is not None), default=None)

    return first


def migration_status(files: Sequence[MigrationFile], history: History) -> list[MigrationStatus]:
    """Files in name order with their state, then applied rows that have no file (missing)."""
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
    for i, row in enumerate(history.applied):
        if i in used:
            continue
        head_only = row.source in _HEAD_ONLY
        result.append(
            MigrationStatus(
                row.name, MigrationState.APPLIED if head_only else MigrationState.MISSING, None, row
            )
        )
    return result


# -- statements -----------------------------------------------------------------------


@dataclass(frozen=True)
class Statement:
    """One statement of a migration file: its text (without the final `;`) and where it starts."""

    text: str
    line: int  # 1-based line of the statement's first character
    column: int
    offset: int  # 0-based character offset in the file
    kind: str = ""  # from the parse tree: "CREATE TABLE", "CREATE INDEX CONCURRENTLY", "BEGIN" ...


def split_statements(text: str, file: str = "<sql>") -> list[Statement]:
    """The statements of a migration with exact positions, as PostgreSQL's own parser reads them.

    One reading for desired SQL and migrations (`core.sqlparse`: pglast), so a migration runs exactly as
    PostgreSQL would read it and every position matches the loader's. The migration door is kept here: a file
    with a statement a migration may not hold (a database, a role, COPY ... PROGRAM, a psql meta-command ...)
    or that does not parse is a SourceError at file:line:col, and nothing of it is returned to run.
    """
    from .sqldoor import check_migration
    from .sqlparse import parse_sql

    parsed = parse_sql(text, file)
    check_migration(parsed)
    return [Statement(s.text, s.line, s.column, s.offset, s.kind) for s in parsed.statements]


def strip_comments(sql: str) -> str:
    """The statement without `--` and `/* */` comments, whitespace collapsed (for pattern matching only)."""
    from .sqlparse import strip_comments as strip

    return strip(sql)


def is_transaction_control(sql: str) -> bool:
    """`BEGIN;` / `COMMIT;` in the file itself (e.g. Alembic offline SQL): our transaction replaces it."""
    from .sqlparse import statement_info

    info = statement_info(sql)
    return (
        info is not None and info.node_type == "TransactionStmt" and info.kind in ("BEGIN", "START", "COMMIT")
    )


def runs_outside_transaction(sql: str) -> bool:
    """Statements that run alone, committed on their own.

    Those PostgreSQL refuses inside a transaction block (CREATE/DROP INDEX CONCURRENTLY, VACUUM, DETACH
    PARTITION CONCURRENTLY ...), and `ALTER TYPE ... ADD VALUE`: before PostgreSQL 12 it is refused too; since,
    it is accepted but the new label cannot be used until committed, so a migration that adds a label and then
    uses it (a default, an UPDATE) only works if it commits first.
    """
    from .sqlparse import statement_info

    info = statement_info(sql)
    return info is not None and info.alone


GENERATED_MARKER = "-- Meta updates"
