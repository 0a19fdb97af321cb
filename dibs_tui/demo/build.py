"""Build the demo: the Acme Tracker project files and a database that has applied its migration history.

The project (package data under `project/`) is copied to a folder of the user's; then, on a fresh database,
the `__dibs_*` meta tables are created (as dibs's bootstrap does) and each applied migration runs in its own
transaction with its `__dibs_migrations` row, like `dibs-tui migrate` would.

Migration files carry a `-- @dibs-meta` placeholder where a generated dibs migration has its meta upserts. The
builder fills it while applying: it snapshots the catalog before and after the schema part, and writes the
upserts for what changed, with source lines located in `db/schema.sql` at build time, so that no line number
is ever written by hand or drifts from the file. The rendered file is what lands in the project and what the
checksum covers. The pending migration is rendered the same way inside a transaction that is rolled back.
"""

from __future__ import annotations

import asyncio
import hashlib
import shutil
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from ..core.meta import meta_tables_ddl
from ..core.sql import literal_or_null, quote_ident, quote_literal
from ..core.sqlfiles import DesiredSchema, Place, load_sql_text

DEFAULT_DATABASE = "dibs_demo"
SCHEMA_FILE = "db/schema.sql"
MIGRATIONS_DIR = "db/migrations"
SEED_FILE = "db/seed.sql"
META_PLACEHOLDER = "-- @dibs-meta"
# Written but not applied: what `status`, the Migrations pane and `review` show as pending.
PENDING = ("20260301120000_estimates-and-required-reporter",)


@dataclass(frozen=True)
class DemoInfo:
    """Where the demo is and what it holds."""

    dsn: str
    project_dir: Path
    database: str
    built: bool  # False when an existing demo was reused
    applied: tuple[str, ...]
    pending: tuple[str, ...]
    seconds: float = 0.0


# -- project files -------------------------------------------------------------------------------------------


def _project_template() -> Traversable:
    return resources.files("dibs_tui.demo") / "project"


def _walk(node: Traversable, prefix: str = "") -> Iterator[tuple[str, Traversable]]:
    for child in sorted(node.iterdir(), key=lambda c: c.name):
        relative = f"{prefix}{child.name}"
        if child.is_dir():
            yield from _walk(child, relative + "/")
        elif not child.name.endswith((".pyc", "~")):
            yield relative, child


def template_files() -> dict[str, str]:
    """The sample project as shipped: relative path -> text (migrations still hold their placeholder)."""
    return {path: node.read_text(encoding="utf-8") for path, node in _walk(_project_template())}


def migration_names(files: dict[str, str]) -> list[str]:
    prefix = MIGRATIONS_DIR + "/"
    return sorted(p[len(prefix) : -4] for p in files if p.startswith(prefix) and p.endswith(".sql"))


def applied_at(name: str) -> datetime:
    """When the demo pretends a migration was applied: twelve minutes after the time in its name."""
    return datetime.strptime(name[:14], "%Y%m%d%H%M%S").replace(tzinfo=UTC) + timedelta(minutes=12)


def checksum(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# -- catalog snapshots ---------------------------------------------------------------------------------------

_COLUMNS = """
SELECT c.relname AS table_name, c.relkind::text AS kind, a.attname AS column_name,
       format_type(a.atttypid, a.atttypmod) AS sql_type, NOT a.attnotnull AS is_nullable,
       pg_get_expr(d.adbin, d.adrelid) AS default_value, a.attidentity::text AS identity,
       a.attgenerated::text AS generated, parent.relname AS parent
  FROM pg_class c
  JOIN pg_namespace n ON n.oid = c.relnamespace
  JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
  LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum
  LEFT JOIN pg_inherits h ON h.inhrelid = c.oid
  LEFT JOIN pg_class parent ON parent.oid = h.inhparent
 WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm') AND c.relname NOT LIKE '\\_\\_dibs\\_%'
 ORDER BY c.relname, a.attnum
"""

_INDEXES = """
SELECT t.relname AS table_name, i.relname AS index_name, x.indisunique AS is_unique,
       ARRAY(SELECT pg_get_indexdef(x.indexrelid, k, true)
               FROM generate_series(1, x.indnkeyatts) AS k ORDER BY k)::text[] AS columns,
       pg_get_indexdef(x.indexrelid) AS definition, con.contype::text AS constraint_kind,
       parent.relname AS parent_index
  FROM pg_index x
  JOIN pg_class i ON i.oid = x.indexrelid
  JOIN pg_class t ON t.oid = x.indrelid
  JOIN pg_namespace n ON n.oid = t.relnamespace
  LEFT JOIN pg_constraint con
         ON con.conindid = x.indexrelid AND con.conrelid = t.oid AND con.contype IN ('p', 'u')
  LEFT JOIN pg_inherits h ON h.inhrelid = i.oid
  LEFT JOIN pg_class parent ON parent.oid = h.inhparent
 WHERE n.nspname = 'public' AND t.relname NOT LIKE '\\_\\_dibs\\_%'
"""

_FOREIGN_KEYS = """
SELECT c.relname AS table_name, a.attname AS column_name, r.relname AS ref_table, ra.attname AS ref_column
  FROM pg_constraint k
  JOIN pg_class c ON c.oid = k.conrelid
  JOIN pg_namespace n ON n.oid = c.relnamespace
  JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = k.conkey[1]
  JOIN pg_class r ON r.oid = k.confrelid
  JOIN pg_attribute ra ON ra.attrelid = k.confrelid AND ra.attnum = k.confkey[1]
 WHERE k.contype = 'f' AND cardinality(k.conkey) = 1 AND n.nspname = 'public'
"""


@dataclass(frozen=True)
class LiveColumn:
    table: str
    name: str
    sql_type: str
    is_nullable: bool
    default_value: str | None
    identity: str
    generated: str
    fk: tuple[str, str] | None

    @property
    def signature(self) -> tuple[object, ...]:
        return (self.sql_type, self.is_nullable, self.default_value, self.identity, self.generated, self.fk)


@dataclass(frozen=True)
class LiveIndex:
    table: str
    name: str
    columns: tuple[str, ...]
    is_unique: bool
    definition: str
    constraint_kind: str | None
    parent_index: str | None


@dataclass
class Snapshot:
    relations: dict[str, str] = field(default_factory=dict)  # name -> relkind
    partition_parent: dict[str, str] = field(default_factory=dict)
    columns: dict[tuple[str, str], LiveColumn] = field(default_factory=dict)
    indexes: dict[str, LiveIndex] = field(default_factory=dict)


async def snapshot(conn: asyncpg.Connection) -> Snapshot:
    """Tables, columns and indexes of the public schema: what the meta tables describe."""
    fks = {
        (r["table_name"], r["column_name"]): (r["ref_table"], r["ref_column"])
        for r in await conn.fetch(_FOREIGN_KEYS)
    }
    snap = Snapshot()
    for r in await conn.fetch(_COLUMNS):
        snap.relations[r["table_name"]] = r["kind"]
        if r["parent"]:
            snap.partition_parent[r["table_name"]] = r["parent"]
        key = (r["table_name"], r["column_name"])
        snap.columns[key] = LiveColumn(
            r["table_name"],
            r["column_name"],
            r["sql_type"],
            r["is_nullable"],
            r["default_value"],
            r["identity"],
            r["generated"],
            fks.get(key),
        )
    for r in await conn.fetch(_INDEXES):
        snap.indexes[r["index_name"]] = LiveIndex(
            r["table_name"],
            r["index_name"],
            tuple(r["columns"]),
            r["is_unique"],
            r["definition"],
            r["constraint_kind"],
            r["parent_index"],
        )
    return snap


@dataclass
class Changes:
    tables_created: list[str] = field(default_factory=list)
    tables_modified: list[str] = field(default_factory=list)
    tables_dropped: list[str] = field(default_factory=list)
    columns_upserted: list[tuple[str, str]] = field(default_factory=list)
    columns_dropped: list[tuple[str, str]] = field(default_factory=list)
    indexes_created: list[str] = field(default_factory=list)
    indexes_dropped: list[tuple[str, str]] = field(default_factory=list)


def compare(before: Snapshot, after: Snapshot) -> Changes:
    changes = Changes()
    changes.tables_created = sorted(set(after.relations) - set(before.relations))
    changes.tables_dropped = sorted(set(before.relations) - set(after.relations))
    touched: set[str] = set()
    for key, column in after.columns.items():
        old = before.columns.get(key)
        if old is None or old.signature != column.signature:
            changes.columns_upserted.append(key)
            touched.add(key[0])
    for key in before.columns.keys() - after.columns.keys():
        if key[0] in after.relations:
            changes.columns_dropped.append(key)
            touched.add(key[0])
    for name, index in after.indexes.items():
        old_index = before.indexes.get(name)
        if old_index is None or old_index.definition != index.definition:
            changes.indexes_created.append(name)
            touched.add(index.table)
    for name in before.indexes.keys() - after.indexes.keys():
        table = before.indexes[name].table
        if table in after.relations:
            changes.indexes_dropped.append((table, name))
            touched.add(table)
    changes.tables_modified = sorted(touched - set(changes.tables_created))
    changes.columns_dropped.sort()
    changes.indexes_dropped.sort()
    return changes


# -- source locations ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Located:
    file: str
    place: Place


class SourceMap:
    """Finds each object's definition: in db/schema.sql first, else in the migration that created it."""

    def __init__(self, files: dict[str, str]) -> None:
        self._files = files
        self._cache: dict[str, DesiredSchema] = {}

    def _defs(self, path: str) -> DesiredSchema:
        if path not in self._cache:
            self._cache[path] = load_sql_text(self._files[path], path)
        return self._cache[path]

    def _search(self, fallback: str | None) -> list[tuple[str, DesiredSchema]]:
        paths = [SCHEMA_FILE] + ([fallback] if fallback else [])
        return [(p, self._defs(p)) for p in paths]

    def table(self, name: str, fallback: str | None) -> Located | None:
        for path, defs in self._search(fallback):
            if ("public", name) in defs.tables:
                return Located(path, defs.tables[("public", name)])
        return None

    def column(self, snap: Snapshot, table: str, column: str, fallback: str | None) -> Located | None:
        for path, defs in self._search(fallback):
            owner = table
            while ("public", owner, column) not in defs.columns and owner in snap.partition_parent:
                owner = snap.partition_parent[owner]  # a partition's columns are its parent's
            if ("public", owner, column) in defs.columns:
                return Located(path, defs.columns[("public", owner, column)])
        return None

    def index(self, snap: Snapshot, index: LiveIndex, fallback: str | None) -> Located | None:
        for path, defs in self._search(fallback):
            named = defs.indexes.get(("public", index.name)) or defs.constraints.get(
                ("public", index.table, index.name)
            )
            if named is not None:
                return Located(path, named)
            if index.constraint_kind:
                key = ("public", index.table, index.constraint_kind, index.columns)
                if key in defs.keys:
                    return Located(path, defs.keys[key])
        if index.parent_index and index.parent_index in snap.indexes:
            return self.index(snap, snap.indexes[index.parent_index], fallback)
        return None


# -- meta upserts --------------------------------------------------------------------------------------------


def _flags(snap: Snapshot, table: str, column: str) -> tuple[bool, bool, bool]:
    """(is_primary_key, is_unique, is_indexed) of one column, from the indexes of its table."""
    pk = unique = indexed = False
    for index in snap.indexes.values():
        if index.table != table or column not in index.columns:
            continue
        indexed = True
        pk = pk or index.constraint_kind == "p"
        unique = unique or (index.is_unique and index.columns == (column,))
    return pk, unique, indexed


def _values(*values: object) -> str:
    return "(" + ", ".join(literal_or_null(v) for v in values) + ")"


def render_meta(migration: str, changes: Changes, snap: Snapshot, sources: SourceMap) -> str:
    """The __dibs_* statements a generated migration carries for `changes`."""
    fallback = f"{MIGRATIONS_DIR}/{migration}.sql"
    m = quote_literal(migration)
    out: list[str] = []
    for table in changes.tables_created:
        where = sources.table(table, fallback)
        if where is None:
            continue
        out.append(
            "INSERT INTO __dibs_tables (table_name, source_file, source_line, source_column, doc_comment,"
            " created_by_migration)\nVALUES "
            + _values(table, where.file, where.place.line, where.place.column, where.place.doc, migration)
            + "\nON CONFLICT (table_name) DO UPDATE SET\n    source_file = EXCLUDED.source_file,"
            " source_line = EXCLUDED.source_line, source_column = EXCLUDED.source_column,\n"
            f"    doc_comment = EXCLUDED.doc_comment, modified_by_migration = {m}, modified_at = now();"
        )
    for table in changes.tables_dropped:
        t = quote_literal(table)
        out.append(
            f"DELETE FROM __dibs_columns WHERE table_name = {t};\n"
            f"DELETE FROM __dibs_indices WHERE table_name = {t};\n"
            f"DELETE FROM __dibs_tables WHERE table_name = {t};"
        )
    for table in changes.tables_modified:
        out.append(
            f"UPDATE __dibs_tables SET modified_by_migration = {m}, modified_at = now()"
            f" WHERE table_name = {quote_literal(table)};"
        )
    for table, column in changes.columns_dropped:
        out.append(
            f"DELETE FROM __dibs_columns WHERE table_name = {quote_literal(table)}"
            f" AND column_name = {quote_literal(column)};"
        )
    for table, column in changes.columns_upserted:
        where = sources.column(snap, table, column, fallback)
        if where is None:
            continue
        live = snap.columns[(table, column)]
        pk, unique, indexed = _flags(snap, table, column)
        fk_table, fk_column = live.fk or (None, None)
        out.append(
            "INSERT INTO __dibs_columns (table_name, column_name, source_file, source_line, source_column,"
            " doc_comment, sql_type, is_nullable, default_value, is_primary_key, is_unique, is_indexed,"
            " fk_references_table, fk_references_column, created_by_migration)\nVALUES "
            + _values(
                table,
                column,
                where.file,
                where.place.line,
                where.place.column,
                where.place.doc,
                live.sql_type,
                live.is_nullable,
                live.default_value,
                pk,
                unique,
                indexed,
                fk_table,
                fk_column,
                migration,
            )
            + "\nON CONFLICT (table_name, column_name) DO UPDATE SET\n"
            "    sql_type = EXCLUDED.sql_type, is_nullable = EXCLUDED.is_nullable,"
            " default_value = EXCLUDED.default_value,\n"
            f"    modified_by_migration = {m}, modified_at = now();"
        )
    for table, index_name in changes.indexes_dropped:
        out.append(
            f"DELETE FROM __dibs_indices WHERE table_name = {quote_literal(table)}"
            f" AND index_name = {quote_literal(index_name)};"
        )
    for index_name in changes.indexes_created:
        index = snap.indexes[index_name]
        located = sources.index(snap, index, fallback)
        file, line, col = (located.file, located.place.line, located.place.column) if located else (None,) * 3
        out.append(
            "INSERT INTO __dibs_indices (table_name, index_name, source_file, source_line, source_column,"
            " columns, is_unique, created_by_migration)\nVALUES "
            + _values(index.table, index.name, file, line, col, index.columns, index.is_unique, migration)
            + f"\nON CONFLICT (table_name, index_name) DO UPDATE SET\n    columns = EXCLUDED.columns,"
            f" is_unique = EXCLUDED.is_unique, modified_by_migration = {m}, modified_at = now();"
        )
    # A new column's row says created_by; a changed one keeps it and gets modified_by (ON CONFLICT).
    return "\n\n".join(out) if out else "-- (no changes to record)"


# -- building ------------------------------------------------------------------------------------------------


def _with_database(dsn: str, database: str) -> str:
    parts = urlsplit(dsn)
    if parts.scheme not in ("postgres", "postgresql"):
        raise ValueError("build_demo needs a postgresql:// URL")
    return urlunsplit(parts._replace(path="/" + database))


async def _is_built(admin: asyncpg.Connection, dsn: str, database: str, applied: list[str]) -> bool:
    if not await admin.fetchval("SELECT true FROM pg_database WHERE datname = $1", database):
        return False
    conn = await asyncpg.connect(dsn)
    try:
        if await conn.fetchval("SELECT to_regclass('public.__dibs_migrations')") is None:
            return False
        names = await conn.fetchval("SELECT array_agg(name) FROM __dibs_migrations")
        return set(names or ()) >= set(applied)
    finally:
        await conn.close()


async def _apply(conn: asyncpg.Connection, name: str, template: str, sources: SourceMap) -> str:
    """Run one migration (schema part, then its rendered meta part); return the file's final text."""
    schema_part, placeholder, _ = template.partition(META_PLACEHOLDER)
    has_meta = bool(placeholder)
    before = await snapshot(conn)
    started = time.perf_counter()
    await conn.execute(schema_part)
    after = await snapshot(conn)
    changes = compare(before, after)
    text = template
    if has_meta:
        meta = render_meta(name, changes, after, sources)
        text = template.replace(META_PLACEHOLDER, meta)
        await conn.execute(meta)
    elapsed_ms = max(1, round((time.perf_counter() - started) * 1000))
    when = applied_at(name)
    # The upserts say now(); the demo's history is in the past, so date the rows like the migration.
    for table in ("__dibs_tables", "__dibs_columns", "__dibs_indices"):
        created = f"UPDATE {table} SET created_at = $2, modified_at = $2 WHERE created_by_migration = $1"
        await conn.execute(created, name, when)
        modified = f"UPDATE {table} SET modified_at = $2 WHERE modified_by_migration = $1"
        await conn.execute(modified, name, when)
    await conn.execute(
        "INSERT INTO __dibs_migrations (name, applied_at, checksum, execution_time_ms, tables_created,"
        " tables_modified, tables_dropped, generated_from_diff) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        name,
        when,
        checksum(text),
        elapsed_ms,
        changes.tables_created,
        changes.tables_modified,
        changes.tables_dropped,
        has_meta,
    )
    return text


async def _render_pending(conn: asyncpg.Connection, name: str, template: str, sources: SourceMap) -> str:
    """Render a pending migration's meta part by applying it in a transaction that is rolled back."""
    transaction = conn.transaction()
    await transaction.start()
    try:
        return await _apply(conn, name, template, sources)
    finally:
        await transaction.rollback()


def _write_project(project_dir: Path, files: dict[str, str]) -> None:
    if project_dir.exists():
        for path in (project_dir / "db", project_dir / "dibs-tui.toml", project_dir / "README.md"):
            if path.is_dir():
                shutil.rmtree(path)
            elif path.exists():
                path.unlink()
    for relative, text in files.items():
        target = project_dir / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")


def _project_present(project_dir: Path, files: Iterable[str]) -> bool:
    return all((project_dir / relative).is_file() for relative in files)


# Two `dibs-tui demo` at once share one server: the second waits, then reuses what the first built.
_BUILD_LOCK = "SELECT pg_advisory_lock(hashtext('dibs-tui demo build'))"


async def _build(
    dsn_admin: str,
    dsn: str,
    database: str,
    files: dict[str, str],
    *,
    reuse_if: Callable[[], bool],
    write_project: Callable[[dict[str, str]], None],
) -> bool:
    """(Re)create the database and write the rendered project files; False when the demo was reused."""
    names = migration_names(files)
    applied = [n for n in names if n not in PENDING]
    admin = await asyncpg.connect(dsn_admin)
    try:
        await admin.execute(_BUILD_LOCK)  # held until this connection closes, after the files are written
        if reuse_if() and await _is_built(admin, dsn, database, applied):
            return False
        await admin.execute(f"DROP DATABASE IF EXISTS {quote_ident(database)} WITH (FORCE)")
        await admin.execute(f"CREATE DATABASE {quote_ident(database)} TEMPLATE template0 ENCODING 'UTF8'")
        write_project(await _build_database(dsn, files, names, applied))
        return True
    finally:
        await admin.close()


async def _build_database(
    dsn: str, files: dict[str, str], names: list[str], applied: list[str]
) -> dict[str, str]:
    """Apply the history to the fresh database, seed it; return the project files as rendered."""
    sources = SourceMap(files)
    rendered = dict(files)
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(meta_tables_ddl())  # as dibs's bootstrap creates them
        for name in applied:
            path = f"{MIGRATIONS_DIR}/{name}.sql"
            async with conn.transaction():
                rendered[path] = await _apply(conn, name, files[path], sources)
        await conn.execute(files[SEED_FILE])
        for name in names:
            if name in PENDING:
                path = f"{MIGRATIONS_DIR}/{name}.sql"
                rendered[path] = await _render_pending(conn, name, files[path], sources)
        await conn.execute("VACUUM ANALYZE")
    finally:
        await conn.close()
    return rendered


def build_demo(
    dsn_admin: str, database: str = DEFAULT_DATABASE, *, project_dir: Path, reset: bool = False
) -> DemoInfo:
    """Create (or reuse) the demo database and project folder; `reset` rebuilds both.

    `dsn_admin` is a postgresql:// URL of a superuser on any database of the server (CREATE DATABASE runs
    there). Reuse needs both the recorded history in the database and the project files on disk; anything
    less rebuilds both, since the meta rows point at lines of exactly these files. Synchronous (it runs its
    own event loop): from async code, call it through asyncio.to_thread.
    """
    started = time.perf_counter()
    files = template_files()
    names = migration_names(files)
    project_dir = project_dir.resolve()
    dsn = _with_database(dsn_admin, database)
    built = asyncio.run(
        _build(
            dsn_admin,
            dsn,
            database,
            files,
            reuse_if=lambda: not reset and _project_present(project_dir, files),
            write_project=lambda rendered: _write_project(project_dir, rendered),
        )
    )
    return DemoInfo(
        dsn=dsn,
        project_dir=project_dir,
        database=database,
        built=built,
        applied=tuple(n for n in names if n not in PENDING),
        pending=tuple(n for n in names if n in PENDING),
        seconds=time.perf_counter() - started,
    )
