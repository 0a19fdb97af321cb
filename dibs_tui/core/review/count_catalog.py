"""What the live catalog says of the objects a statement names by name only: the constraint VALIDATE checks,
the tables a DROP SCHEMA ... CASCADE takes with it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import asyncpg

from .counted import size
from .shapes import written

# A constraint's columns and the columns its foreign key references, by name in key order, as `columns` and
# `ref_columns` (c: its pg_constraint row): what every query here about keys reads.
KEY_COLUMNS = """(SELECT pg_catalog.array_agg(a.attname::pg_catalog.text ORDER BY k.n)
        FROM pg_catalog.unnest(c.conkey) WITH ORDINALITY AS k(attnum, n)
        JOIN pg_catalog.pg_attribute a ON a.attrelid OPERATOR(pg_catalog.=) c.conrelid
         AND a.attnum OPERATOR(pg_catalog.=) k.attnum) AS columns,
       (SELECT pg_catalog.array_agg(a.attname::pg_catalog.text ORDER BY k.n)
        FROM pg_catalog.unnest(c.confkey) WITH ORDINALITY AS k(attnum, n)
        JOIN pg_catalog.pg_attribute a ON a.attrelid OPERATOR(pg_catalog.=) c.confrelid
         AND a.attnum OPERATOR(pg_catalog.=) k.attnum) AS ref_columns"""

_CONSTRAINT_SQL = f"""
SELECT c.contype::pg_catalog.text AS kind,
       pg_catalog.pg_get_expr(c.conbin, c.conrelid) AS expression,
       {KEY_COLUMNS},
       rn.nspname::pg_catalog.text AS ref_schema, r.relname::pg_catalog.text AS ref_table,
       c.confmatchtype OPERATOR(pg_catalog.=) 'f' AS match_full,
       (pg_catalog.to_jsonb(c) OPERATOR(pg_catalog.->>) 'conenforced') IS DISTINCT FROM 'false' AS enforced,
       (pg_catalog.to_jsonb(c) OPERATOR(pg_catalog.->>) 'conperiod') IS NOT DISTINCT FROM 'true' AS period
FROM pg_catalog.pg_constraint c
LEFT JOIN pg_catalog.pg_class r ON r.oid OPERATOR(pg_catalog.=) c.confrelid
LEFT JOIN pg_catalog.pg_namespace rn ON rn.oid OPERATOR(pg_catalog.=) r.relnamespace
WHERE c.conrelid OPERATOR(pg_catalog.=) $1::pg_catalog.oid AND c.conname OPERATOR(pg_catalog.=) $2
"""

_SCHEMA_SQL = """
SELECT pg_catalog.count(*) AS tables,
       pg_catalog.sum(GREATEST(c.reltuples, 0))::pg_catalog.int8 AS estimate,
       pg_catalog.sum(pg_catalog.pg_total_relation_size(c.oid))::pg_catalog.int8 AS bytes,
       pg_catalog.array_agg(pg_catalog.concat(pg_catalog.quote_ident(n.nspname), '.',
                            pg_catalog.quote_ident(c.relname)) ORDER BY c.relpages DESC)
         FILTER (WHERE c.reltuples OPERATOR(pg_catalog.<) 0) AS unanalysed
FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace
WHERE n.nspname OPERATOR(pg_catalog.=) $1 AND c.relkind OPERATOR(pg_catalog.=) ANY ('{r,m}'::pg_catalog.char[])
"""
UNANALYSED_COUNTED = 50  # tables never analysed whose rows are counted (bounded) instead of estimated


@dataclass(frozen=True)
class CatalogConstraint:
    kind: str  # pg_constraint.contype: c, f, n, u, p, x
    expression: Any  # a CHECK's body as a pglast node, None for the other kinds
    columns: list[str]
    referenced: str  # a foreign key's table, as a migration would write it
    ref_columns: list[str]
    match_full: bool = False  # a foreign key's MATCH FULL: a key half NULL fails too
    # PostgreSQL 18 (conenforced, conperiod: read through to_jsonb, absent before): NOT ENFORCED; a temporal key
    enforced: bool = True
    period: bool = False


async def catalog_constraint(conn: asyncpg.Connection, table_oid: int, name: str) -> CatalogConstraint | None:
    import pglast

    row = await conn.fetchrow(_CONSTRAINT_SQL, table_oid, name)
    if row is None:
        return None
    expression = None
    if row["kind"] == "c" and row["expression"]:
        select: Any = pglast.parse_sql(f"SELECT {row['expression']}")[0].stmt
        expression = select.targetList[0].val
    referenced = written(row["ref_schema"], row["ref_table"]) if row["ref_table"] else ""
    return CatalogConstraint(
        row["kind"],
        expression,
        list(row["columns"] or ()),
        referenced,
        list(row["ref_columns"] or ()),
        bool(row["match_full"]),
        bool(row["enforced"]),
        bool(row["period"]),
    )


_INDEX_COLUMNS_SQL = """
SELECT pg_catalog.array_agg(a.attname::pg_catalog.text ORDER BY k.n)
FROM pg_catalog.pg_index i
JOIN pg_catalog.pg_class ic ON ic.oid OPERATOR(pg_catalog.=) i.indexrelid
CROSS JOIN LATERAL pg_catalog.unnest(i.indkey) WITH ORDINALITY AS k(attnum, n)
JOIN pg_catalog.pg_attribute a ON a.attrelid OPERATOR(pg_catalog.=) i.indrelid
 AND a.attnum OPERATOR(pg_catalog.=) k.attnum
WHERE i.indrelid OPERATOR(pg_catalog.=) $1::pg_catalog.oid AND ic.relname OPERATOR(pg_catalog.=) $2
"""


async def index_columns(conn: asyncpg.Connection, table_oid: int, name: str) -> list[str]:
    """The columns of the table's index `name` (ADD PRIMARY KEY USING INDEX makes them NOT NULL)."""
    return list(await conn.fetchval(_INDEX_COLUMNS_SQL, table_oid, name) or ())


@dataclass(frozen=True)
class SchemaContents:
    tables: int
    rows: int
    bytes: int
    estimated: bool

    def describe(self) -> str:
        rows = f"{'~' if self.estimated else ''}{self.rows:,} row{'s' if self.rows != 1 else ''}"
        how = " (pg_class.reltuples estimates)" if self.estimated else ""
        return f"{self.tables:,} table{'s' if self.tables != 1 else ''}: {rows}{how}, {size(self.bytes)}"


async def schema_contents(conn: asyncpg.Connection, schema: str) -> SchemaContents | None:
    """The tables of `schema` and what they hold: the planner's estimates, and a bounded exact count of the
    tables never analysed (their estimate says nothing)."""
    row = await conn.fetchrow(_SCHEMA_SQL, schema)
    if row is None or not row["tables"]:
        return None
    rows, estimated = int(row["estimate"] or 0), bool(row["estimate"])
    for qualified in (row["unanalysed"] or [])[:UNANALYSED_COUNTED]:
        try:
            async with conn.transaction():
                rows += int(await conn.fetchval(f"SELECT pg_catalog.count(*) FROM {qualified}"))
        except (asyncpg.PostgresError, asyncpg.InterfaceError):
            estimated = True
    estimated = estimated or len(row["unanalysed"] or []) > UNANALYSED_COUNTED
    return SchemaContents(int(row["tables"]), rows, int(row["bytes"] or 0), estimated)
