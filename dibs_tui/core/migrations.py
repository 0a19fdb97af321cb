"""The migrations folder, the applied history of every common tool, status, and applying pending migrations.

Forward only (seed 001). History is read from `__dibs_migrations` (either shape), `_dibs_migrations`, and,
read-only, `alembic_version`, `schema_migrations` (golang-migrate, Rails or dbmate), `flyway_schema_history`,
`_sqlx_migrations`, `_prisma_migrations` and `goose_db_version` (one reader per tool: core.histories); ONE
catalog query finds which of them exist. Which files are migrations: core.migration_layouts.

Applying: a session-level advisory lock (`ADVISORY_LOCK_KEY`) serialises appliers; a second applier waits and
is told who holds the lock. Each migration and its `__dibs_migrations` row commit in one transaction;
statements that cannot run inside a transaction (`CREATE INDEX CONCURRENTLY`, `VACUUM`, ...) run alone,
committed, in order — such a migration is not atomic, and the review says so beforehand. A file's own
`BEGIN`/`COMMIT` (Alembic offline SQL) is dropped: our transaction replaces it.
"""

from __future__ import annotations

import enum
import hashlib
import re
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg

from .connect import ConnectionTarget, connect
from .errors import DibsError
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
    """One `.sql` file of the migrations folder; `name` is the file name without `.sql`."""

    name: str
    path: Path
    text: str

    @property
    def checksum(self) -> str:
        return checksum(self.text)


def list_migration_files(folder: Path) -> list[MigrationFile]:
    """The folder's forward migrations in name order, as its layout says (rollbacks and down sections are
    never among them); a folder with a refused entry (a symlink out of it, a loop) is a DibsError."""
    from .migration_layouts import scan_folder

    return list(scan_folder(folder).checked().files)


def slugify(text: str) -> str:
    """`Add Email Verified!` -> `add-email-verified`."""
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug[:80].rstrip("-") or "migration"


def new_migration_name(slug: str, now: datetime | None = None) -> str:
    """`<YYYYMMDDHHMMSS>_<slug>` in UTC."""
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    return f"{moment:%Y%m%d%H%M%S}_{slugify(slug)}"


# -- history -----------------------------------------------------------------------

_FIND_HISTORY_SQL = """
SELECT c.relname::text AS table_name, n.nspname::text AS schema,
       array_agg(a.attname::text ORDER BY a.attnum) AS columns,
       array_agg(format_type(a.atttypid, a.atttypmod) ORDER BY a.attnum) AS types
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
WHERE c.relkind IN ('r', 'p') AND c.relname = ANY($1::text[])
  AND n.nspname = ANY(current_schemas(false))
GROUP BY c.relname, n.nspname, array_position(current_schemas(false), n.nspname)
ORDER BY c.relname, array_position(current_schemas(false), n.nspname)
"""


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

    def table(self, name: str) -> HistoryTable | None:
        return next((t for t in self.tables if t.name == name), None)


async def find_history_tables(conn: asyncpg.Connection) -> tuple[HistoryTable, ...]:
    """ONE catalog query: which history tables exist (first on the search path wins)."""
    found: dict[str, HistoryTable] = {}
    for row in await conn.fetch(_FIND_HISTORY_SQL, list(HISTORY_TABLES)):
        if row["table_name"] not in found:
            found[row["table_name"]] = HistoryTable(
                row["table_name"], row["schema"], dict(zip(row["columns"], row["types"], strict=True))
            )
    return tuple(found[name] for name in HISTORY_TABLES if name in found)


async def _read_table(conn: asyncpg.Connection, table: HistoryTable) -> tuple[list[Migration], list[str]]:
    return await read_table(conn, table)


async def read_history(conn: asyncpg.Connection) -> History:
    """Every applied migration any present tool records; no history table at all is an empty history."""
    tables = await find_history_tables(conn)
    applied: list[Migration] = []
    dirty: list[str] = []
    async with conn.transaction(isolation="repeatable_read", readonly=True):
        for table in tables:
            rows, bad = await _read_table(conn, table)
            applied += rows
            dirty += bad
    known = {m.name for m in applied if m.source == "__dibs_migrations"}
    applied = [m for m in applied if m.source != "_dibs_migrations" or m.name not in known]
    return History(tables, tuple(applied), tuple(dirty))


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


def migration_status(files: Sequence[MigrationFile], history: History) -> list[MigrationStatus]:
    """Files in name order with their state, then applied rows that have no file (missing)."""
    result: list[MigrationStatus] = []
    used: set[int] = set()
    golang_head = max(
        (v for m in history.applied if m.source == "golang-migrate" and (v := _version(m.name)) is not None),
        default=None,
    )
    for file in files:
        index = next((i for i, row in enumerate(history.applied) if _matches(file, row)), None)
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


async def read_status(target: ConnectionTarget, folder: Path) -> tuple[list[MigrationStatus], History]:
    conn = await connect(target, read_only=True)
    try:
        history = await read_history(conn)
    finally:
        await conn.close()
    return migration_status(list_migration_files(folder), history), history


# -- statements -----------------------------------------------------------------------


@dataclass(frozen=True)
class Statement:
    """One statement of a migration file: its text (without the final `;`) and where it starts."""

    text: str
    line: int  # 1-based line of the statement's first character
    column: int
    offset: int  # 0-based character offset in the file


def split_statements(text: str, file: str = "<sql>") -> list[Statement]:
    """Top-level `;`-separated statements with exact positions, through the desired-schema loader's splitter.

    One splitter for desired SQL and migrations (sqlglot's tokenizer: quotes, dollar quotes, comments,
    `BEGIN ATOMIC ... END` bodies, psql meta-commands skipped), so a migration runs exactly as PostgreSQL
    would read it and every position matches the loader's. Unterminated input is a SourceError at file:line:col.
    """
    from .sqlfiles import load_sql_text  # sqlglot: imported only when there is SQL text to split

    return [Statement(s.text, s.line, s.column, s.offset) for s in load_sql_text(text, file).statements]


_NON_TRANSACTIONAL = re.compile(
    r"^(CREATE\s+(UNIQUE\s+)?INDEX\s+CONCURRENTLY|DROP\s+INDEX\s+CONCURRENTLY|REINDEX\b.*\bCONCURRENTLY"
    r"|VACUUM|CREATE\s+DATABASE|DROP\s+DATABASE|ALTER\s+SYSTEM|CREATE\s+TABLESPACE|DROP\s+TABLESPACE"
    r"|CLUSTER\s*$|ALTER\s+DATABASE\s+\S+\s+SET\s+TABLESPACE)",
    re.IGNORECASE | re.DOTALL,
)
_ADD_VALUE = re.compile(r"^ALTER\s+TYPE\s+.+\s+ADD\s+VALUE\b", re.IGNORECASE | re.DOTALL)
_TRANSACTION_CONTROL = re.compile(
    r"^(BEGIN(\s+(TRANSACTION|WORK))?|START\s+TRANSACTION|COMMIT(\s+(TRANSACTION|WORK))?|END(\s+TRANSACTION)?)\s*$",
    re.IGNORECASE,
)


def strip_comments(sql: str) -> str:
    """The statement without `--` and `/* */` comments, whitespace collapsed (for pattern matching only)."""
    out: list[str] = []
    for piece in re.split(r"('(?:[^']|'')*'|\"(?:[^\"]|\"\")*\")", sql):
        if piece.startswith(("'", '"')):
            out.append(piece)
        else:
            out.append(re.sub(r"--[^\n]*|/\*.*?\*/", " ", piece, flags=re.DOTALL))
    return re.sub(r"\s+", " ", "".join(out)).strip()


def is_transaction_control(sql: str) -> bool:
    """`BEGIN;` / `COMMIT;` in the file itself (e.g. Alembic offline SQL): our transaction replaces it."""
    return bool(_TRANSACTION_CONTROL.match(strip_comments(sql)))


def runs_outside_transaction(sql: str) -> bool:
    """Statements that run alone, committed on their own.

    Those PostgreSQL refuses inside a transaction block, and `ALTER TYPE ... ADD VALUE`: before PostgreSQL 12
    it is refused too; since, it is accepted but the new label cannot be used until committed, so a migration
    that adds a label and then uses it (a default, an UPDATE) only works if it commits first.
    """
    flat = strip_comments(sql)
    return bool(_NON_TRANSACTIONAL.match(flat)) or bool(_ADD_VALUE.match(flat))


# -- apply -----------------------------------------------------------------------


@dataclass(frozen=True)
class ApplyEvent:
    """Progress: `kind` is waiting-for-lock, locked, migration, statement, applied or failed."""

    kind: str
    message: str
    migration: str = ""
    index: int = 0  # 1-based migration number in this run
    total: int = 0
    statement: int = 0  # 1-based statement number within the migration
    statements: int = 0
    elapsed_ms: int = 0


ProgressCallback = Callable[[ApplyEvent], None]


def caret_excerpt(sql: str, position: int | None) -> str:
    """The statement with a caret under the offending character (psql style); `position` is 1-based."""
    lines = sql.splitlines() or [sql]
    if not position:
        return "\n".join(lines)
    offset = position - 1
    before = sql[:offset]
    row = before.count("\n")
    col = offset - (before.rfind("\n") + 1)
    shown = [*lines[: row + 1], " " * col + "^", *lines[row + 1 :]]
    return "\n".join(shown)


class MigrationFailed(DibsError):
    """A statement failed: the migration was rolled back; carries everything needed to show where and why."""

    def __init__(
        self,
        migration: str,
        file: Path,
        statement: Statement,
        exc: asyncpg.PostgresError,
        applied_before: Sequence[str],
        committed_through: int = 0,
    ) -> None:
        self.migration = migration
        # A statement run outside a transaction commits itself and everything before it: the line up to which
        # this migration's statements stay applied despite the failure (0: nothing stays).
        self.committed_through = committed_through
        self.file = file
        self.statement = statement
        self.pg_message = str(getattr(exc, "message", None) or exc)
        self.detail = getattr(exc, "detail", None)
        self.pg_hint = getattr(exc, "hint", None)
        self.sqlstate = getattr(exc, "sqlstate", None)
        raw = getattr(exc, "position", None)
        self.position = int(raw) if raw else None
        self.applied_before = tuple(applied_before)
        line = statement.line
        if self.position:
            line += statement.text[: self.position - 1].count("\n")
        self.line = line
        super().__init__(self.report())

    def report(self) -> str:
        outcome = "was rolled back"
        if self.committed_through:
            outcome = (
                f"was rolled back only after line {self.committed_through}: a statement run outside a "
                "transaction committed everything up to it"
            )
        parts = [
            f"migration {self.migration} failed and {outcome}",
            f"{self.file}:{self.line}: ERROR: {self.pg_message}"
            + (f" [{self.sqlstate}]" if self.sqlstate else ""),
        ]
        if self.detail:
            parts.append(f"DETAIL: {self.detail}")
        if self.pg_hint:
            parts.append(f"HINT: {self.pg_hint}")
        parts.append("statement:")
        parts += ["    " + line for line in caret_excerpt(self.statement.text, self.position).splitlines()]
        return "\n".join(parts)


@dataclass(frozen=True)
class AppliedMigration:
    name: str
    execution_time_ms: int
    tables_created: tuple[str, ...] = ()
    tables_modified: tuple[str, ...] = ()
    tables_dropped: tuple[str, ...] = ()


@dataclass
class ApplyResult:
    applied: list[AppliedMigration] = field(default_factory=list)
    pending_before: int = 0


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


GENERATED_MARKER = "-- Meta updates"


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


async def _apply_one(
    conn: asyncpg.Connection,
    file: MigrationFile,
    index: int,
    total: int,
    progress: ProgressCallback,
    applied_names: Sequence[str],
) -> AppliedMigration:
    statements = [s for s in split_statements(file.text, str(file.path)) if not is_transaction_control(s.text)]
    progress(
        ApplyEvent(
            "migration",
            f"[{index}/{total}] {file.name} ({len(statements)} statements)",
            file.name,
            index,
            total,
            0,
            len(statements),
        )
    )
    started = time.perf_counter()
    before = await _table_signatures(conn)
    transaction: Any = None

    async def begin() -> None:
        nonlocal transaction
        if transaction is None:
            transaction = conn.transaction()
            await transaction.start()

    async def commit() -> None:
        nonlocal transaction
        if transaction is not None:
            await transaction.commit()
            transaction = None

    committed_through = 0
    try:
        for number, stmt in enumerate(statements, 1):
            alone = runs_outside_transaction(stmt.text)
            if alone:
                await commit()
                progress(
                    ApplyEvent(
                        "statement",
                        f"  {number}/{len(statements)} line {stmt.line} "
                        "(outside a transaction: committed on its own)",
                        file.name,
                        index,
                        total,
                        number,
                        len(statements),
                    )
                )
            else:
                await begin()
            t0 = time.perf_counter()
            try:
                await conn.execute(stmt.text)
            except asyncpg.PostgresError as exc:
                raise MigrationFailed(
                    file.name, file.path, stmt, exc, applied_names, committed_through
                ) from None
            if alone:
                committed_through = stmt.line
            took = round((time.perf_counter() - t0) * 1000)
            if took >= 1000 or len(statements) <= 50 or number % 50 == 0:
                progress(
                    ApplyEvent(
                        "statement",
                        f"  {number}/{len(statements)} line {stmt.line} ({took} ms)",
                        file.name,
                        index,
                        total,
                        number,
                        len(statements),
                        took,
                    )
                )
        await begin()
        after = await _table_signatures(conn)
        created, modified, dropped = _compare_tables(before, after)
        elapsed = max(1, round((time.perf_counter() - started) * 1000))
        applied = AppliedMigration(file.name, elapsed, created, modified, dropped)
        history = await _ensure_history_table(conn)
        tables = await find_history_tables(conn)
        await _record(
            conn, history, file, applied, next((t for t in tables if t.name == "_dibs_migrations"), None)
        )
        await commit()
    except BaseException:
        if transaction is not None:
            await transaction.rollback()
        raise
    progress(
        ApplyEvent(
            "applied",
            f"[{index}/{total}] {file.name} applied in {applied.execution_time_ms} ms",
            file.name,
            index,
            total,
            len(statements),
            len(statements),
            applied.execution_time_ms,
        )
    )
    return applied


def _quiet(event: ApplyEvent) -> None:
    del event


async def apply_pending(
    target: ConnectionTarget,
    folder: Path,
    *,
    lock_timeout: str = "5s",
    progress: ProgressCallback = _quiet,
    only: Sequence[str] | None = None,
    wait_for_lock: bool = True,
    confirm: Callable[[list[MigrationFile]], Awaitable[bool]] | None = None,
) -> ApplyResult:
    """Apply pending migrations in name order under the advisory lock; stops at the first failure.

    The pending list is read AFTER the lock is taken, so a second applier that waited finds nothing left to
    do. `only` restricts the run to those names (the TUI applies what the user selected). `confirm` is called
    with the migrations about to run (after the lock); returning False applies nothing.
    """
    conn = await connect(target, read_only=False)
    result = ApplyResult()
    try:
        await conn.execute("SELECT set_config('application_name', 'dibs-tui migrate', false)")
        await acquire_lock(conn, progress, wait=wait_for_lock)
        try:
            await conn.execute(f"SET lock_timeout = {_quote_setting(lock_timeout)}")
            history = await read_history(conn)
            if history.dirty:
                raise DibsError(
                    f"the history has unfinished or failed migrations: {', '.join(history.dirty)}",
                    hint="fix them with the tool that ran them before applying more",
                )
            states = migration_status(list_migration_files(folder), history)
            pending = [s.file for s in states if s.state is MigrationState.PENDING and s.file is not None]
            if only is not None:
                pending = [f for f in pending if f.name in set(only)]
            result.pending_before = len(pending)
            if not pending or (confirm is not None and not await confirm(pending)):
                return result
            names: list[str] = []
            for index, file in enumerate(pending, 1):
                try:
                    applied = await _apply_one(conn, file, index, len(pending), progress, names)
                except MigrationFailed as failure:
                    progress(ApplyEvent("failed", failure.report(), file.name, index, len(pending)))
                    raise
                result.applied.append(applied)
                names.append(file.name)
        finally:
            if not conn.is_closed():
                await conn.execute("SELECT pg_advisory_unlock($1::bigint)", ADVISORY_LOCK_KEY)
    finally:
        await conn.close()
    return result


def _quote_setting(value: str) -> str:
    if not re.fullmatch(r"\d+\s*(us|ms|s|min|h|d)?", value.strip()):
        raise DibsError(f"invalid lock_timeout {value!r}", hint="use a duration such as 5s, 500ms or 1min")
    return "'" + value.strip() + "'"


# -- preview ------------------------------------------------------------------------------------------------


async def preview_changes(
    target: ConnectionTarget, files: Sequence[MigrationFile], name: str
) -> tuple[Any, ...]:
    """What migration `name` changes: replay the folder up to it in a shadow database, diff before and after.

    Returns the diff's `Change`s. Replaying from empty assumes the folder holds the whole history (a folder
    that starts from an existing schema cannot be replayed: the error says which statement failed).
    """
    from .catalog import introspect
    from .diff import diff_catalogs
    from .shadow import shadow_database

    upto = [f for f in files if f.name <= name]
    if not upto or upto[-1].name != name:
        raise DibsError(f"no migration file named {name}")
    async with shadow_database(target) as shadow:
        conn = await connect(shadow, read_only=False)
        try:
            for file in upto[:-1]:
                await _replay(conn, file)
            before = await introspect(conn)
            await _replay(conn, upto[-1])
            after = await introspect(conn)
        finally:
            await conn.close()
    changes, _, _ = diff_catalogs(before, after)
    return tuple(changes)


async def _replay(conn: asyncpg.Connection, file: MigrationFile) -> None:
    for stmt in split_statements(file.text, str(file.path)):
        if is_transaction_control(stmt.text):
            continue
        try:
            await conn.execute(stmt.text)
        except asyncpg.PostgresError as exc:
            raise MigrationFailed(file.name, file.path, stmt, exc, ()) from None
