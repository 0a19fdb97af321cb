"""The `__dibs_*` meta tables and `_dibs_migrations`: read them in any shape, reconcile them with the catalog.

Two shapes exist in the wild: the documented one (NOT NULL source columns, `tables_*` arrays in
`__dibs_migrations`) and the one the real dibs (Rust) creates (nullable source columns, `where_clause` on
indices, no `tables_*` arrays, NOT NULL timestamps), plus `_dibs_migrations(version, applied_at)`. One
catalog query finds which of these tables and columns exist; the SELECTs are then built from what is there,
so a missing table, a missing column or an extra column is normal, never an error.

Meta rows name tables without a schema ("users") or qualified ("public.users"); unqualified names match the
first schema of the search path that has such a relation, then any schema with a single such relation.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

import asyncpg

from .model import Catalog, Column, MetaStatus, ObjectRef, Provenance, Relation, SourceLocation
from .model_meta import MetaState, Migration, StaleMeta
from .sql import literal_or_null, quote_ident

META_TABLES = ("__dibs_tables", "__dibs_columns", "__dibs_indices", "__dibs_migrations", "_dibs_migrations")


@dataclass(frozen=True, slots=True)
class MetaRow:
    """One row of __dibs_tables / __dibs_columns / __dibs_indices, reduced to what the browser uses."""

    table: str  # as recorded: unqualified or schema-qualified
    name: str  # column or index name; "" for table rows
    provenance: Provenance


@dataclass(frozen=True)
class MetaSnapshot:
    """The raw content of whichever meta tables exist."""

    tables_present: tuple[str, ...] = ()
    tables: tuple[MetaRow, ...] = ()
    columns: tuple[MetaRow, ...] = ()
    indices: tuple[MetaRow, ...] = ()
    migrations: tuple[Migration, ...] = ()
    notes: tuple[str, ...] = ()  # look-alikes ignored, unreadable tables and columns (core.meta_tables)


_PROVENANCE_COLUMNS = {
    "source_file": "text",
    "source_line": "int",
    "source_column": "int",
    "doc_comment": "text",
    "created_by_migration": "text",
    "modified_by_migration": "text",
    "created_at": "time",
    "modified_at": "time",
}
# What each meta table is read for: its columns (name -> kind, core.meta_tables), those it cannot do without,
# and what is not shown when it cannot be read.
_READERS: dict[str, tuple[str, dict[str, str], tuple[str, ...], str]] = {
    "__dibs_tables": (
        "tables",
        {"table_name": "text", **_PROVENANCE_COLUMNS},
        ("table_name",),
        "table provenance",
    ),
    "__dibs_columns": (
        "columns",
        {"table_name": "text", "column_name": "text", **_PROVENANCE_COLUMNS},
        ("table_name", "column_name"),
        "column provenance",
    ),
    "__dibs_indices": (
        "indices",
        {"table_name": "text", "index_name": "text", **_PROVENANCE_COLUMNS},
        ("table_name", "index_name"),
        "index provenance",
    ),
    "__dibs_migrations": (
        "migrations",
        {
            "name": "text",
            "applied_at": "time",
            "checksum": "text",
            "execution_time_ms": "int",
            "tables_created": "texts",
            "tables_modified": "texts",
            "tables_dropped": "texts",
            "generated_from_diff": "bool",
        },
        ("name",),
        "applied migrations",
    ),
    "_dibs_migrations": (
        "dibs_versions",
        {"version": "text", "applied_at": "time"},
        ("version",),
        "applied migrations",
    ),
}


def _provenance(row: asyncpg.Record) -> Provenance:
    file = row["source_file"]
    source = None
    if isinstance(file, str) and file:
        line = row["source_line"] if isinstance(row["source_line"], int) and row["source_line"] > 0 else None
        column = (
            row["source_column"]
            if isinstance(row["source_column"], int) and row["source_column"] > 0
            else None
        )
        source = SourceLocation(file, line, column)
    return Provenance(
        source=source,
        doc=row["doc_comment"] or None,
        created_by=row["created_by_migration"],
        modified_by=row["modified_by_migration"],
        created_at=row["created_at"] if isinstance(row["created_at"], datetime) else None,
        modified_at=row["modified_at"] if isinstance(row["modified_at"], datetime) else None,
    )


def _text_tuple(value: Any) -> tuple[str, ...]:
    return tuple(str(v) for v in value) if isinstance(value, list | tuple) else ()


# Whether a table of a meta table's name is in the meta schema: one look-up in pg_class's name index
_ANY_META_TABLE_SQL = """
SELECT EXISTS (SELECT FROM pg_catalog.pg_class c
               JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace
               WHERE c.relname OPERATOR(pg_catalog.=) ANY ($1::pg_catalog.text[])
                 AND n.nspname OPERATOR(pg_catalog.=) $2 AND c.relkind IN ('r', 'p'))
"""


async def has_meta_tables(conn: asyncpg.Connection, schema: str) -> bool:
    """Whether `schema` holds a table named as a meta table, without reading it: what the browser's list needs
    before the catalog's read has read them (its meta column). A table found here that the read then cannot
    use (unreadable, without its columns) is said by `read_meta`'s snapshot, which has the last word."""
    return bool(await conn.fetchval(_ANY_META_TABLE_SQL, list(META_TABLES), schema))


async def read_meta(conn: asyncpg.Connection, schema: str | None = None) -> MetaSnapshot:
    """Everything the meta tables in `schema` (the configured meta schema) hold; an empty snapshot when there
    are none. Look-alikes, unreadable tables and columns of the wrong kind become notes, never errors."""
    from .meta_tables import find_tables, read_rows
    from .session_limits import current_limits

    where, notes = await find_tables(conn, META_TABLES, schema or current_limits().meta_schema)
    read: list[str] = []  # the tables actually read: only they say what is tracked
    results: dict[str, list[asyncpg.Record]] = {}
    # One read-only snapshot for all of them (a handful of small tables); each in a savepoint of its own.
    async with conn.transaction(isolation="repeatable_read", readonly=True):
        for name, table in where.items():
            key, wanted, required, what = _READERS[name]
            if missing := table.missing(required):
                notes.append(f"{table.shown} has no usable column {', '.join(missing)}: {what} not shown")
                continue
            sql, wrong = table.select(wanted)
            results[key], refused = await read_rows(conn, table, sql, what)
            notes += wrong + refused
            if not refused:
                read.append(name)
    migrations = [
        Migration(
            name=str(r["name"]),
            applied_at=r["applied_at"] if isinstance(r["applied_at"], datetime) else None,
            checksum=r["checksum"],
            execution_time_ms=r["execution_time_ms"],
            tables_created=_text_tuple(r["tables_created"]),
            tables_modified=_text_tuple(r["tables_modified"]),
            tables_dropped=_text_tuple(r["tables_dropped"]),
            generated_from_diff=bool(r["generated_from_diff"]),
        )
        for r in results.get("migrations", ())
    ]
    known = {m.name for m in migrations}
    migrations += [
        Migration(name=str(r["version"]), applied_at=r["applied_at"], source="_dibs_migrations")
        for r in results.get("dibs_versions", ())
        if str(r["version"]) not in known
    ]
    migrations.sort(key=lambda m: (m.applied_at is None, m.applied_at or datetime.min, m.name))
    return MetaSnapshot(
        notes=tuple(notes),
        tables_present=tuple(sorted(read)),
        tables=tuple(MetaRow(str(r["table_name"]), "", _provenance(r)) for r in results.get("tables", ())),
        columns=tuple(
            MetaRow(str(r["table_name"]), str(r["column_name"]), _provenance(r))
            for r in results.get("columns", ())
        ),
        indices=tuple(
            MetaRow(str(r["table_name"]), str(r["index_name"]), _provenance(r))
            for r in results.get("indices", ())
        ),
        migrations=tuple(migrations),
    )


class _TableResolver:
    """Maps a meta row's table name (qualified or not) to a live relation key."""

    def __init__(self, catalog: Catalog, search_path: Sequence[str] = ("public",)) -> None:
        self._keys = set(catalog.relations_by_key)
        self._by_name: dict[str, list[str]] = defaultdict(list)
        for schema, name in self._keys:
            self._by_name[name].append(schema)
        self._search_path = tuple(search_path)

    def resolve(self, recorded: str) -> tuple[str, str] | None:
        if (("public", recorded)) in self._keys:
            return ("public", recorded)
        if "." in recorded:
            schema, _, name = recorded.partition(".")
            if (schema, name) in self._keys:
                return (schema, name)
        schemas = self._by_name.get(recorded, [])
        for schema in self._search_path:
            if schema in schemas:
                return (schema, recorded)
        return (schemas[0], recorded) if len(schemas) == 1 else None


def apply_meta(catalog: Catalog, snapshot: MetaSnapshot, search_path: Sequence[str] = ("public",)) -> Catalog:
    """The catalog with provenance on relations, columns and indexes, meta statuses, stale and untracked lists."""
    if not snapshot.tables_present:
        return replace(catalog, meta=MetaState(notes=snapshot.notes))
    resolver = _TableResolver(catalog, search_path)
    tables: dict[tuple[str, str], Provenance] = {}
    columns: dict[tuple[str, str, str], Provenance] = {}
    indexes: dict[tuple[str, str, str], Provenance] = {}
    stale: list[StaleMeta] = []
    for row in snapshot.tables:
        key = resolver.resolve(row.table)
        if key is None:
            stale.append(StaleMeta("table", row.table, row.table, row.provenance))
        else:
            tables[key] = row.provenance
    for row in snapshot.columns:
        key = resolver.resolve(row.table)
        relation = catalog.relation(*key) if key else None
        if key is None or relation is None or relation.column(row.name) is None:
            stale.append(StaleMeta("column", row.table, row.name, row.provenance))
        else:
            columns[(*key, row.name)] = row.provenance
    for row in snapshot.indices:
        key = resolver.resolve(row.table)
        relation = catalog.relation(*key) if key else None
        if key is None or relation is None or not any(i.name == row.name for i in relation.indexes):
            stale.append(StaleMeta("index", row.table, row.name, row.provenance))
        else:
            indexes[(*key, row.name)] = row.provenance
    tracks_tables = "__dibs_tables" in snapshot.tables_present
    tracks_columns = "__dibs_columns" in snapshot.tables_present
    untracked: list[ObjectRef] = []
    relations: list[Relation] = []
    for rel in catalog.relations:
        table_prov = tables.get(rel.key)
        status = MetaStatus.TRACKED if table_prov else MetaStatus.UNTRACKED
        if tracks_tables and table_prov is None and rel.kind.is_table and not rel.is_partition:
            untracked.append(ObjectRef("table", rel.schema, rel.name))
        new_columns: list[Column] = []
        for col in rel.columns:
            col_prov = columns.get((rel.schema, rel.name, col.name))
            if tracks_columns and col_prov is None and rel.kind.is_table and not rel.is_partition:
                untracked.append(ObjectRef("column", rel.schema, rel.name, col.name))
            new_columns.append(
                replace(
                    col,
                    provenance=col_prov,
                    meta_status=MetaStatus.TRACKED if col_prov else MetaStatus.UNTRACKED,
                )
            )
        new_indexes = tuple(
            replace(i, provenance=indexes.get((rel.schema, rel.name, i.name))) for i in rel.indexes
        )
        relations.append(
            replace(
                rel,
                columns=tuple(new_columns),
                indexes=new_indexes,
                provenance=table_prov,
                meta_status=status,
            )
        )
    state = MetaState(
        tables_present=snapshot.tables_present,
        migrations=snapshot.migrations,
        stale=tuple(stale),
        untracked=tuple(untracked),
        notes=snapshot.notes,
    )
    return replace(catalog, relations=tuple(relations), meta=state)


def meta_tables_ddl(schema: str | None = None) -> str:
    """The four meta tables exactly as dibs documents them, created only when absent; in `schema` when given
    (where the readers look for them: the meta schema), else wherever the session's search path puts them."""
    if schema is not None:
        where = f"{quote_ident(schema)}."
        return (
            meta_tables_ddl()
            .replace("CREATE TABLE IF NOT EXISTS __dibs_", f"CREATE TABLE IF NOT EXISTS {where}__dibs_")
            .replace("REFERENCES __dibs_tables(", f"REFERENCES {where}__dibs_tables(")
        )
    return """\
CREATE TABLE IF NOT EXISTS __dibs_tables (
    table_name TEXT PRIMARY KEY,
    source_file TEXT NOT NULL,
    source_line INTEGER NOT NULL,
    source_column INTEGER,
    doc_comment TEXT,
    created_by_migration TEXT,
    modified_by_migration TEXT,
    created_at TIMESTAMPTZ DEFAULT now(),
    modified_at TIMESTAMPTZ DEFAULT now()
);

CREATE TABLE IF NOT EXISTS __dibs_columns (
    table_name TEXT NOT NULL,
    column_name TEXT NOT NULL,
    source_file TEXT NOT NULL,
    source_line INTEGER NOT NULL,
    source_column INTEGER,
    doc_comment TEXT,
    rust_type TEXT,
    sql_type TEXT,
    is_nullable BOOLEAN,
    default_value TEXT,
    is_primary_key BOOLEAN DEFAULT FALSE,
    is_unique BOOLEAN DEFAULT FALSE,
    is_indexed BOOLEAN DEFAULT FALSE,
    fk_references_table TEXT,
    fk_references_column TEXT,
    created_by_migration TEXT,
    modified_by_migration TEXT,
    created_at TIMESTAMPTZ DEFAULT now(),
    modified_at TIMESTAMPTZ DEFAULT now(),
    PRIMARY KEY (table_name, column_name),
    FOREIGN KEY (table_name) REFERENCES __dibs_tables(table_name)
);

CREATE TABLE IF NOT EXISTS __dibs_indices (
    table_name TEXT NOT NULL,
    index_name TEXT NOT NULL,
    source_file TEXT,
    source_line INTEGER,
    source_column INTEGER,
    columns TEXT[] NOT NULL,
    is_unique BOOLEAN DEFAULT FALSE,
    created_by_migration TEXT,
    modified_by_migration TEXT,
    created_at TIMESTAMPTZ DEFAULT now(),
    modified_at TIMESTAMPTZ DEFAULT now(),
    PRIMARY KEY (table_name, index_name),
    FOREIGN KEY (table_name) REFERENCES __dibs_tables(table_name)
);

CREATE TABLE IF NOT EXISTS __dibs_migrations (
    name TEXT PRIMARY KEY,
    applied_at TIMESTAMPTZ DEFAULT now(),
    checksum TEXT,
    execution_time_ms INTEGER,
    tables_created TEXT[],
    tables_modified TEXT[],
    tables_dropped TEXT[],
    generated_from_diff BOOLEAN DEFAULT FALSE
);
"""


def meta_table_name(relation: Relation) -> str:
    """How meta rows name a table: bare in `public` (as dibs writes them), schema-qualified elsewhere."""
    return relation.name if relation.schema == "public" else f"{relation.schema}.{relation.name}"


def _history_on_conflict(migration: str, created: bool) -> str:
    """What an upsert's conflict branch records: a row left by an object that was dropped and is now created
    again (a stale row) starts a new history; an existing object's row is marked modified."""
    if created:
        return (
            f"created_by_migration = {literal_or_null(migration)}, created_at = now(), "
            "modified_by_migration = NULL, modified_at = now()"
        )
    return f"modified_by_migration = {literal_or_null(migration)}, modified_at = now()"


def _source_values(source: SourceLocation | None) -> tuple[str | None, int, int | None]:
    # source_file/source_line are NOT NULL in the documented shape: an unknown location is ('', 0).
    if source is None:
        return ("", 0, None)
    return (source.file, source.line or 0, source.column)


def meta_in_schema(table: str) -> str:
    """A meta table as a generated migration names it: in the meta schema, whatever the path at apply time."""
    from .session_limits import current_limits

    return f"{quote_ident(current_limits().meta_schema)}.{table}"


def table_upsert(relation: Relation, provenance: Provenance | None, migration: str, *, created: bool) -> str:
    """INSERT ... ON CONFLICT for one __dibs_tables row; `created` says whether `migration` created it."""
    file, line, column = _source_values(provenance.source if provenance else None)
    doc = provenance.doc if provenance else None
    history = "created_by_migration" if created else "modified_by_migration"
    values = ", ".join(
        literal_or_null(v) for v in (meta_table_name(relation), file, line, column, doc, migration)
    )
    return (
        f"INSERT INTO {meta_in_schema('__dibs_tables')} (table_name, source_file, source_line, source_column, doc_comment, {history})\n"
        f"VALUES ({values})\n"
        "ON CONFLICT (table_name) DO UPDATE SET source_file = EXCLUDED.source_file, "
        "source_line = EXCLUDED.source_line, source_column = EXCLUDED.source_column, "
        f"doc_comment = EXCLUDED.doc_comment, {_history_on_conflict(migration, created)};"
    )


def column_upsert(
    relation: Relation, column: Column, provenance: Provenance | None, migration: str, *, created: bool
) -> str:
    """INSERT ... ON CONFLICT for one __dibs_columns row, with the column's type and constraint facts."""
    file, line, col = _source_values(provenance.source if provenance else None)
    doc = provenance.doc if provenance else None
    pk = relation.primary_key
    is_pk = bool(pk and column.name in pk.columns)
    is_unique = any(c.kind.value == "unique" and c.columns == (column.name,) for c in relation.constraints)
    is_indexed = any(column.name in i.columns for i in relation.indexes)
    fk = next((c.foreign_key for c in relation.foreign_keys if c.columns == (column.name,)), None)
    history = "created_by_migration" if created else "modified_by_migration"
    values = ", ".join(
        literal_or_null(v)
        for v in (
            meta_table_name(relation),
            column.name,
            file,
            line,
            col,
            doc,
            column.type,
            not column.not_null,
            column.default,
            is_pk,
            is_unique,
            is_indexed,
            (fk.target_table if fk.target_schema == "public" else f"{fk.target_schema}.{fk.target_table}")
            if fk
            else None,
            fk.target_columns[0] if fk and fk.target_columns else None,
            migration,
        )
    )
    return (
        f"INSERT INTO {meta_in_schema('__dibs_columns')} (table_name, column_name, source_file, source_line, source_column, "
        "doc_comment, sql_type, is_nullable, default_value, is_primary_key, is_unique, is_indexed, "
        f"fk_references_table, fk_references_column, {history})\n"
        f"VALUES ({values})\n"
        "ON CONFLICT (table_name, column_name) DO UPDATE SET source_file = EXCLUDED.source_file, "
        "source_line = EXCLUDED.source_line, source_column = EXCLUDED.source_column, "
        "doc_comment = EXCLUDED.doc_comment, sql_type = EXCLUDED.sql_type, is_nullable = EXCLUDED.is_nullable, "
        "default_value = EXCLUDED.default_value, is_primary_key = EXCLUDED.is_primary_key, "
        "is_unique = EXCLUDED.is_unique, is_indexed = EXCLUDED.is_indexed, "
        "fk_references_table = EXCLUDED.fk_references_table, fk_references_column = EXCLUDED.fk_references_column, "
        f"{_history_on_conflict(migration, created)};"
    )


def index_upsert(
    relation: Relation,
    index_name: str,
    columns: Sequence[str],
    unique: bool,
    provenance: Provenance | None,
    migration: str,
    *,
    created: bool,
) -> str:
    """INSERT ... ON CONFLICT for one __dibs_indices row."""
    source = provenance.source if provenance else None
    history = "created_by_migration" if created else "modified_by_migration"
    values = ", ".join(
        literal_or_null(v)
        for v in (
            meta_table_name(relation),
            index_name,
            source.file if source else None,
            source.line if source else None,
            source.column if source else None,
            list(columns),
            unique,
            migration,
        )
    )
    return (
        f"INSERT INTO {meta_in_schema('__dibs_indices')} (table_name, index_name, source_file, source_line, source_column, columns, "
        f"is_unique, {history})\n"
        f"VALUES ({values})\n"
        "ON CONFLICT (table_name, index_name) DO UPDATE SET source_file = EXCLUDED.source_file, "
        "source_line = EXCLUDED.source_line, source_column = EXCLUDED.source_column, columns = EXCLUDED.columns, "
        f"is_unique = EXCLUDED.is_unique, {_history_on_conflict(migration, created)};"
    )


def delete_meta(kind: str, table: str, name: str = "") -> str:
    """Remove the meta row of a dropped table (with its columns and indices), column or index."""
    if kind == "table":
        t = literal_or_null(table)
        return (
            f"DELETE FROM {meta_in_schema('__dibs_indices')} WHERE table_name = {t};\n"
            f"DELETE FROM {meta_in_schema('__dibs_columns')} WHERE table_name = {t};\n"
            f"DELETE FROM {meta_in_schema('__dibs_tables')} WHERE table_name = {t};"
        )
    target = "__dibs_columns" if kind == "column" else "__dibs_indices"
    key = "column_name" if kind == "column" else "index_name"
    return f"DELETE FROM {meta_in_schema(target)} WHERE table_name = {literal_or_null(table)} AND {key} = {literal_or_null(name)};"
