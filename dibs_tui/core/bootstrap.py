"""`dibs-tui init`: create the meta tables and record the current schema as `initial`.

One row per table, column and index that has none yet, `created_by_migration = 'initial'`, with source
locations and doc comments from the desired SQL files when given (matched by name). Existing meta rows are
never overwritten (a database the real dibs manages keeps its provenance and its `_dibs_migrations`
history), so a second run finds nothing to do and says so. Everything happens in one transaction.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import asyncpg

from .errors import DibsError
from .introspect.read import introspect
from .meta import META_TABLES, meta_table_name, meta_tables_ddl, read_meta
from .migrations.history import INIT_SNAPSHOT
from .model import Catalog, Provenance, Relation
from .session_limits import current_limits
from .sql import literal_or_null, quote_ident
from .sqlfiles import DesiredSchema
from .terminal import safe

INITIAL = INIT_SNAPSHOT
_EXISTING_COLUMNS_SQL = """
SELECT c.relname AS table_name, array_agg(a.attname::text) AS columns,
  array_agg(a.attname::text) FILTER (
    WHERE a.attnotnull AND NOT a.atthasdef AND a.attidentity = '' AND a.attgenerated = ''
  ) AS required,
  (SELECT jsonb_agg(ARRAY(SELECT k.attname::text FROM pg_attribute k
      WHERE k.attrelid = c.oid AND k.attnum = ANY(i.indkey)))
    FROM pg_index i WHERE i.indrelid = c.oid AND i.indisunique AND i.indisvalid
      AND i.indpred IS NULL AND i.indexprs IS NULL
  )::text AS keys
FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
WHERE c.relkind IN ('r', 'p') AND c.relname = ANY($1::text[])
  AND c.relnamespace = (SELECT n.oid FROM pg_namespace n WHERE n.nspname = $2)
GROUP BY c.oid, c.relname
"""


# What each meta table's rows are told apart by: init's ON CONFLICT, and __dibs_columns' and __dibs_indices'
# foreign keys to __dibs_tables, need a primary key or a unique index on exactly these columns.
_KEYS = {
    "__dibs_tables": ("table_name",),
    "__dibs_columns": ("table_name", "column_name"),
    "__dibs_indices": ("table_name", "index_name"),
    "__dibs_migrations": ("name",),
}


@dataclass
class _Shape:
    """A meta table that exists, as it is: its columns, those init must fill (NOT NULL with no default), and
    the column sets of its unique indexes that ON CONFLICT can use (valid, whole, of plain columns);
    `checked` once its first row is (the rows of a table fill the same columns)."""

    columns: frozenset[str]
    required: frozenset[str]
    keys: frozenset[frozenset[str]]
    checked: bool = False


def _refuse_other_shape(table: str, shape: _Shape, filled: set[str]) -> None:
    """A meta table init cannot write as it is, said before anything is written: the server's words were
    'no unique or exclusion constraint matching the ON CONFLICT specification' and the like."""
    where = f"{current_limits().meta_schema}.{table}"
    quoted = f"{quote_ident(current_limits().meta_schema)}.{quote_ident(table)}"
    away = f"or rename it away (ALTER TABLE {safe(quoted)} RENAME TO ...) and run init again to create it"
    key = _KEYS[table]
    if absent := [c for c in key if c not in shape.columns]:
        raise DibsError(
            f"the meta table {safe(where)} has no {', '.join(absent)} column: it is not of the shape dibs "
            "keeps there; nothing was written",
            hint=f"set meta_schema in dibs-tui.toml to a schema of its own, {away}",
        )
    if frozenset(key) not in shape.keys:
        columns = ", ".join(key)
        raise DibsError(
            f"the meta table {safe(where)} has no primary key or unique index on ({columns}): init cannot "
            "tell a row it already has from a new one; nothing was written",
            hint=f"give it one once no two rows share it (ALTER TABLE {safe(quoted)} ADD PRIMARY KEY "
            f"({columns})), {away}",
        )
    if unfilled := sorted(shape.required - filled):
        column = quote_ident(unfilled[0])
        raise DibsError(
            f"the meta table {safe(where)} has a column {safe(column)} that init cannot fill (NOT NULL, no "
            "default); nothing was written",
            hint=f"give it a default or drop its NOT NULL (ALTER TABLE {safe(quoted)} ALTER COLUMN "
            f"{safe(column)} DROP NOT NULL), {away}",
        )


@dataclass(frozen=True)
class InitPlan:
    """What `init` would write. Empty `statements` means the database is already initialised."""

    statements: tuple[tuple[str, str], ...]  # (the meta table written, or "" for their DDL; the SQL)
    creates_tables: tuple[str, ...]
    tables: int
    columns: int
    indexes: int
    records_initial: bool

    @property
    def nothing_to_do(self) -> bool:
        return not self.statements

    def summary(self) -> str:
        if self.nothing_to_do:
            return "already initialised: every table, column and index has its meta row; nothing to do"
        record = f"record {self.tables} tables, {self.columns} columns and {self.indexes} indexes"
        if self.records_initial:
            record += f" as migration {INITIAL!r}"
        return "; ".join(
            [f"create {', '.join(self.creates_tables)}", record] if self.creates_tables else [record]
        )


def _insert(table: str, values: dict[str, object], shape: _Shape | None) -> tuple[str, str]:
    """INSERT of the values whose columns exist in this shape of the table (None: the table init makes);
    existing rows are kept."""
    if shape is not None and not shape.checked:
        _refuse_other_shape(table, shape, set(values))
        shape.checked = True
    present = shape.columns if shape is not None else _documented_columns(table)
    kept = {k: v for k, v in values.items() if k in present}
    columns = ", ".join(quote_ident(k) for k in kept)
    literals = ", ".join(literal_or_null(v) for v in kept.values())
    target = f"{quote_ident(current_limits().meta_schema)}.{quote_ident(table)}"  # where the readers look
    conflict = ", ".join(_KEYS[table])
    return table, f"INSERT INTO {target} ({columns}) VALUES ({literals}) ON CONFLICT ({conflict}) DO NOTHING;"


def _source(provenance: Provenance | None) -> dict[str, object]:
    # The documented shape has NOT NULL source_file/source_line: an unknown location is ('', 0).
    source = provenance.source if provenance else None
    return {
        "source_file": source.file if source else "",
        "source_line": source.line or 0 if source else 0,
        "source_column": source.column if source else None,
        "doc_comment": provenance.doc if provenance else None,
    }


def _provenance(
    sources: DesiredSchema | None, key: tuple[str, ...], kind: str, root: Path
) -> Provenance | None:
    if sources is None:
        return None
    if kind == "column":
        place = sources.columns.get((key[0], key[1], key[2]))
    elif kind == "table":
        place = sources.tables.get((key[0], key[1]))
    else:
        place = sources.indexes.get((key[0], key[1]))
    return place.provenance(root) if place is not None else None


async def plan_init(conn: asyncpg.Connection, sources: DesiredSchema | None, project_root: Path) -> InitPlan:
    """Work out the statements `init` needs (read-only: nothing is written here)."""
    catalog = await introspect(conn)
    snapshot = await read_meta(conn)
    shapes = {
        r["table_name"]: _Shape(
            frozenset(r["columns"]),
            frozenset(r["required"] or ()),
            frozenset(frozenset(key) for key in json.loads(r["keys"] or "[]")),
        )
        for r in await conn.fetch(_EXISTING_COLUMNS_SQL, list(META_TABLES), current_limits().meta_schema)
    }
    missing_tables = tuple(t for t in _KEYS if t not in shapes)
    have_tables = {r.table for r in snapshot.tables}
    have_columns = {(r.table, r.name) for r in snapshot.columns}
    have_indexes = {(r.table, r.name) for r in snapshot.indices}
    statements = [("", meta_tables_ddl(current_limits().meta_schema))] if missing_tables else []
    counts = {"tables": 0, "columns": 0, "indexes": 0}
    for rel in _tracked_relations(catalog):
        name = meta_table_name(rel)
        if name not in have_tables:
            counts["tables"] += 1
            prov = _provenance(sources, rel.key, "table", project_root)
            statements.append(
                _insert(
                    "__dibs_tables",
                    {"table_name": name, **_source(prov), "created_by_migration": INITIAL},
                    shapes.get("__dibs_tables"),
                )
            )
        for col in rel.columns:
            if (name, col.name) in have_columns:
                continue
            counts["columns"] += 1
            prov = _provenance(sources, (*rel.key, col.name), "column", project_root)
            pk = rel.primary_key
            fk = next((c.foreign_key for c in rel.foreign_keys if c.columns == (col.name,)), None)
            statements.append(
                _insert(
                    "__dibs_columns",
                    {
                        "table_name": name,
                        "column_name": col.name,
                        **_source(prov),
                        "sql_type": col.type,
                        "is_nullable": not col.not_null,
                        "default_value": col.default,
                        "is_primary_key": bool(pk and col.name in pk.columns),
                        "is_unique": any(
                            c.kind.value == "unique" and c.columns == (col.name,) for c in rel.constraints
                        ),
                        "is_indexed": any(col.name in i.columns for i in rel.indexes),
                        "fk_references_table": fk.target_table if fk else None,
                        "fk_references_column": fk.target_columns[0] if fk and fk.target_columns else None,
                        "created_by_migration": INITIAL,
                    },
                    shapes.get("__dibs_columns"),
                )
            )
        for index in rel.indexes:
            if (name, index.name) in have_indexes:
                continue
            counts["indexes"] += 1
            prov = _provenance(sources, (rel.schema, index.name), "index", project_root)
            source = prov.source if prov else None
            statements.append(
                _insert(
                    "__dibs_indices",
                    {
                        "table_name": name,
                        "index_name": index.name,
                        "source_file": source.file if source else None,
                        "source_line": source.line if source else None,
                        "source_column": source.column if source else None,
                        "columns": list(index.columns),
                        "is_unique": index.unique,
                        "where_clause": index.predicate,
                        "created_by_migration": INITIAL,
                    },
                    shapes.get("__dibs_indices"),
                )
            )
    records_initial = INITIAL not in {m.name for m in snapshot.migrations if m.source == "__dibs_migrations"}
    if statements and records_initial:
        statements.append(
            _insert(
                "__dibs_migrations",
                {
                    "name": INITIAL,
                    "tables_created": [meta_table_name(r) for r in _tracked_relations(catalog)],
                    "generated_from_diff": False,
                },
                shapes.get("__dibs_migrations"),
            )
        )
    if missing_tables and (tables := shapes.get("__dibs_tables")) is not None:
        _refuse_other_shape("__dibs_tables", tables, set(tables.columns))  # the tables made refer to its key
    return InitPlan(
        tuple(statements),
        missing_tables,
        counts["tables"],
        counts["columns"],
        counts["indexes"],
        records_initial and bool(statements),
    )


def _tracked_relations(catalog: Catalog) -> list[Relation]:
    """Tables, partitioned tables and views; partitions share their parent's definition."""
    return [r for r in catalog.relations if not r.is_partition]


@cache
def _documented_columns(table: str) -> frozenset[str]:
    """Column names of the seed-000 shape, read from the DDL we would create."""
    ddl = meta_tables_ddl()
    block = ddl.split(f"CREATE TABLE IF NOT EXISTS {table} (", 1)[1].split(");", 1)[0]
    names = set()
    for line in block.splitlines():
        word = line.strip().split(" ", 1)[0]
        if word and word.isidentifier() and word.islower() and word not in ("primary", "foreign"):
            names.add(word)
    return frozenset(names)


async def apply_init(conn: asyncpg.Connection, plan: InitPlan) -> None:
    """Write the plan in one transaction; what the server refuses there (a meta table's column of another
    type) is said with the table it was writing, nothing written."""
    async with conn.transaction():
        for table, statement in plan.statements:
            try:
                await conn.execute(statement)
            except asyncpg.PostgresError as exc:
                where = f"{current_limits().meta_schema}.{table}"
                what = f"write to the meta table {where}" if table else "create the meta tables"
                raise DibsError(
                    f"init could not {safe(what)}: {safe(exc.args[0] if exc.args else str(exc))}; nothing "
                    "was written",
                    hint=_INIT_HINTS.get(
                        str(exc.sqlstate),
                        "its columns must be of the types dibs keeps there (rename it away and run init again "
                        "to create it)",
                    ),
                ) from None


# What to do when the server refuses the meta tables for what the session is, not for what a table holds
_INIT_HINTS = {
    "25006": "the session is read-only (a standby, or default_transaction_read_only on for the database or the "
    "role): init as a role, or on a database, that may write",
    "42501": "init as a role that may create and write the meta tables (or ask their owner to run it)",
}
