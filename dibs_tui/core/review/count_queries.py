"""Bounded counting queries on the live database, inside the review's read-only transaction.

Each query runs in a savepoint that is always rolled back, with `search_path = pg_catalog` (a name the
migration wrote can only reach a built-in function, operator or type) and its own `statement_timeout`. A
table larger than SAMPLE_ABOVE_BYTES, or one whose exact count did not finish in time, is read through
`TABLESAMPLE SYSTEM` instead, and the result says how many rows the sample held.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import asyncpg

from ..sql import quote_ident, quote_literal
from ..terminal import safe
from .counted import RowCount
from .expr_allowlist import refusal, user_cast_types
from .facts import CHECK_TIMEOUT, TableFacts
from .typmods import typmod_of

SAMPLE_ABOVE_BYTES = 512 * 1024 * 1024  # read larger tables through a sample up front
SAMPLE_ROWS = 50_000  # how many rows a sample aims at
EXAMPLE_CHARS = 80

# A type whose functions and casts are all built in: one in pg_catalog, or an enum or a domain over such a
# type with no constraint of its own and no cast that calls a function (a user's cast or domain CHECK could
# run anything).
_SAFE_TYPE = """(ty.typnamespace OPERATOR(pg_catalog.=) 'pg_catalog'::pg_catalog.regnamespace
 OR (ty.typtype OPERATOR(pg_catalog.=) ANY ('{e,d}'::pg_catalog.char[])
     AND (ty.typtype OPERATOR(pg_catalog.=) 'e' OR (SELECT b.typnamespace FROM pg_catalog.pg_type b
          WHERE b.oid OPERATOR(pg_catalog.=) ty.typbasetype)
          OPERATOR(pg_catalog.=) 'pg_catalog'::pg_catalog.regnamespace)
     AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint dc WHERE dc.contypid OPERATOR(pg_catalog.=) ty.oid)
     AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_cast c WHERE c.castfunc OPERATOR(pg_catalog.<>) 0
                     AND ty.oid OPERATOR(pg_catalog.=) ANY (ARRAY[c.castsource, c.casttarget]))))"""

_COLUMNS_SQL = f"""
SELECT a.attname::pg_catalog.text AS name, pg_catalog.format_type(a.atttypid, a.atttypmod) AS type,
       ty.typcategory::pg_catalog.text AS category, {_SAFE_TYPE} AS safe,
       a.attgenerated::pg_catalog.text AS generated
FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_type ty ON ty.oid OPERATOR(pg_catalog.=) a.atttypid
WHERE a.attrelid OPERATOR(pg_catalog.=) $1::pg_catalog.oid AND a.attnum OPERATOR(pg_catalog.>) 0
  AND NOT a.attisdropped
"""

_TYPE_SQL = f"""
SELECT '' AS name, pg_catalog.format_type(ty.oid, $2) AS type, ty.typcategory::pg_catalog.text AS category,
       {_SAFE_TYPE} AS safe, '' AS generated
FROM pg_catalog.pg_type ty WHERE ty.oid OPERATOR(pg_catalog.=) $1::pg_catalog.oid
"""

_TABLE_SQL = """
SELECT c.reltuples::pg_catalog.int8 AS estimate, c.relkind OPERATOR(pg_catalog.=) 'p' AS partitioned,
       COALESCE((SELECT pg_catalog.sum(pg_catalog.pg_total_relation_size(p.relid))::pg_catalog.int8
                 FROM pg_catalog.pg_partition_tree(c.oid) p), pg_catalog.pg_total_relation_size(c.oid)) AS bytes,
       (SELECT pg_catalog.array_agg(a.attname::pg_catalog.text ORDER BY k.n)
        FROM pg_catalog.pg_constraint pk
        CROSS JOIN LATERAL pg_catalog.unnest(pk.conkey) WITH ORDINALITY AS k(attnum, n)
        JOIN pg_catalog.pg_attribute a ON a.attrelid OPERATOR(pg_catalog.=) pk.conrelid
         AND a.attnum OPERATOR(pg_catalog.=) k.attnum
        WHERE pk.conrelid OPERATOR(pg_catalog.=) c.oid AND pk.contype OPERATOR(pg_catalog.=) 'p') AS key,
       (SELECT pg_catalog.array_agg(a.attname::pg_catalog.text ORDER BY k.n)
        FROM (SELECT u.conrelid, u.conkey FROM pg_catalog.pg_constraint u
              WHERE u.conrelid OPERATOR(pg_catalog.=) c.oid AND u.contype OPERATOR(pg_catalog.=) 'u'
                AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_attribute n
                                WHERE n.attrelid OPERATOR(pg_catalog.=) u.conrelid
                                  AND n.attnum OPERATOR(pg_catalog.=) ANY (u.conkey) AND NOT n.attnotnull)
              ORDER BY pg_catalog.cardinality(u.conkey), u.conname LIMIT 1) uk
        CROSS JOIN LATERAL pg_catalog.unnest(uk.conkey) WITH ORDINALITY AS k(attnum, n)
        JOIN pg_catalog.pg_attribute a ON a.attrelid OPERATOR(pg_catalog.=) uk.conrelid
         AND a.attnum OPERATOR(pg_catalog.=) k.attnum) AS unique_key
FROM pg_catalog.pg_class c WHERE c.oid OPERATOR(pg_catalog.=) $1::pg_catalog.oid
"""


_SIZE_SQL = """
SELECT pg_catalog.sum(pg_catalog.pg_total_relation_size(o))::pg_catalog.int8
FROM pg_catalog.unnest($1::pg_catalog.oid[]) o
"""
_CHILDREN_NAMED = 3  # inheritance children named in a table's description; the rest counted


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # as format_type spells it under search_path = pg_catalog
    category: str  # pg_type.typcategory: S string, N numeric, D date/time, ...
    safe: bool
    generated: str = ""  # pg_attribute.attgenerated: '' a plain column, 's' stored, 'v' virtual


@dataclass(frozen=True)
class Target:
    """A live table the migration names, as the counting queries need it."""

    oid: int
    qualified: str  # quoted schema.table
    shown: str  # as the migration writes it
    rows: int  # exact or the review's estimate
    described: str  # its rows as the review says them: "7 rows", "~1,000 rows, a pg_class.reltuples estimate"
    estimate: int  # pg_class.reltuples (-1: never analysed)
    bytes: int
    key: tuple[str, ...]  # primary key columns; () when it has none
    columns: dict[str, Column]
    # Without a primary key, a UNIQUE constraint's NOT NULL columns name a row in examples (Synapse's events by
    # event_id); with neither, the example is a ctid
    unique_key: tuple[str, ...] = ()
    # Its inheritance children with rows (quoted name, rows), counted in `rows` and read with it; `alone` is
    # the table without them, as a statement with ONLY (or a DROP) reaches it, read FROM ONLY
    children: tuple[tuple[str, int], ...] = ()
    alone: Target | None = None
    only: bool = False
    partitioned: bool = False  # its rows are in its partitions

    @property
    def spread(self) -> bool:
        """Its rows are read from several tables and a ctid alone does not say which row: a partitioned
        table's without a key, or a parent's and its inheritance children's (whose keys may repeat)."""
        return bool(self.children) or (self.partitioned and not self.key)

    def key_text(self, alias: str = "t") -> str:
        """SQL for one row's key as text, `(id)=(42)` in PostgreSQL's own DETAIL spelling; with the table it is
        in when the rows are spread over several (`spread`)."""
        named = self.key or self.unique_key
        if not named:
            text = f"pg_catalog.format('ctid %s', {alias}.ctid)"
        else:
            cols = ", ".join(f"{alias}.{quote_ident(c)}" for c in named)
            label = ", ".join(quote_ident(c) for c in named).replace("%", "%%")
            text = f"pg_catalog.format({quote_literal(f'({label})=%s')}, ROW({cols}))"
        if not self.spread:
            return text
        return f"pg_catalog.format('%s in %s', {text}, {alias}.tableoid::pg_catalog.regclass)"

    def source(self, alias: str = "t") -> str:
        return f"{'ONLY ' if self.only else ''}{self.qualified} {alias}"

    def unsafe(self, names: set[str] | list[str] | tuple[str, ...]) -> str:
        """'' when every named column has a built-in type; else why their values are not read."""
        for name in sorted(names):
            column = self.columns.get(name)
            if column is not None and not column.safe:
                return f"column {name} has type {column.type}, whose functions are not built in"
        return ""


async def load_target(
    conn: asyncpg.Connection, table: TableFacts, shown: str, children: Sequence[TableFacts] = ()
) -> Target:
    """The table as counted; with `children` (its inheritance children with rows), the table and them, as a
    statement without ONLY reaches them, and the table alone as `alone`."""
    async with _scope(conn):
        row: Any = await conn.fetchrow(_TABLE_SQL, table.oid)
        columns = {r["name"]: _column(r) for r in await conn.fetch(_COLUMNS_SQL, table.oid)}
        more = await conn.fetchval(_SIZE_SQL, [c.oid for c in children]) if children else 0
    alone = Target(
        table.oid,
        table.qualified,
        shown,
        table.rows,
        replace(table, inherited=0).describe(),  # its own rows: its children's are added below
        int(row["estimate"]),
        int(row["bytes"] or 0),
        tuple(row["key"] or ()),
        columns,
        unique_key=tuple(row["unique_key"] or ()),
        only=True,
        partitioned=bool(row["partitioned"]),
    )
    if not children:
        return replace(alone, only=False)
    rows = table.rows + sum(c.rows for c in children)
    estimated = "~" if table.estimated or any(c.estimated for c in children) else ""
    named = ", ".join(f"{safe(c.qualified)} ({c.describe()})" for c in children[:_CHILDREN_NAMED])
    if len(children) > _CHILDREN_NAMED:
        named += f" and {len(children) - _CHILDREN_NAMED:,} more"
    described = (
        f"{estimated}{rows:,} rows: {alone.described} of its own and the rest in its inheritance "
        f"children {named}"
    )
    return replace(
        alone,
        rows=rows,
        described=described,
        bytes=alone.bytes + int(more or 0),
        children=tuple((c.qualified, c.rows) for c in children),
        alone=alone,
        only=False,
    )


def _column(row: asyncpg.Record) -> Column:
    return Column(row["name"], row["type"], row["category"], bool(row["safe"]), row["generated"])


async def resolve_type(conn: asyncpg.Connection, written_type: str) -> Column | None:
    """A type as the migration writes it, resolved on the session's path as the migration's own statement
    would be; its spelling then qualified for a query under search_path = pg_catalog. None: no such type."""
    async with conn.transaction():
        oid = await conn.fetchval("SELECT pg_catalog.to_regtype($1)::pg_catalog.oid", written_type)
    if oid is None:
        return None
    mod = await typmod_of(conn, written_type)
    async with _scope(conn):
        row = await conn.fetchrow(_TYPE_SQL, oid, mod if mod is not None else -1)
    return _column(row) if row is not None else None


async def refusal_on(conn: asyncpg.Connection, expr: Any) -> str | None:
    """`expr_allowlist.refusal`, with a cast to a type outside pg_catalog let through when the server says the
    type's functions are all built in (an enum, a domain without a constraint of its own over a built-in
    type): `'closed'::public.issue_state` reads nothing and runs nothing of a user's."""
    if why := refusal(expr, user_casts=True):
        return why
    for written in user_cast_types(expr):
        resolved = await resolve_type(conn, written)
        if resolved is None or not resolved.safe:
            return f"expression casts to {written}"
    return None


# A cast from one type to the other, each taken as its domain's base type and an array as its element's
_CAST_SQL = """
SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_cast k
               WHERE k.castsource OPERATOR(pg_catalog.=) (SELECT {base} FROM pg_catalog.pg_type y
                                                          WHERE y.oid OPERATOR(pg_catalog.=) $1::pg_catalog.regtype)
                 AND k.casttarget OPERATOR(pg_catalog.=) (SELECT {base} FROM pg_catalog.pg_type y
                                                          WHERE y.oid OPERATOR(pg_catalog.=) $2::pg_catalog.regtype))
""".replace(
    "{base}",
    "CASE WHEN y.typtype OPERATOR(pg_catalog.=) 'd' THEN y.typbasetype "
    "WHEN y.typcategory OPERATOR(pg_catalog.=) 'A' THEN y.typelem ELSE y.oid END",
)


async def cast_between(conn: asyncpg.Connection, old_type: str, new_type: str) -> bool:
    """Whether pg_cast joins the two types (as format_type spells them under search_path = pg_catalog)."""
    async with _scope(conn):
        return bool(await conn.fetchval(_CAST_SQL, old_type, new_type))


class _scope:
    """A savepoint, always rolled back, with the counting settings in force inside it."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn
        self.tx = conn.transaction()

    async def __aenter__(self) -> None:
        await self.tx.start()
        await self.conn.execute(
            f"SET LOCAL search_path = pg_catalog; SET LOCAL statement_timeout = '{CHECK_TIMEOUT}'"
        )

    async def __aexit__(self, *exc: object) -> None:
        await self.tx.rollback()


def example(value: object) -> str:
    text = safe(str(value)) if value is not None else ""
    return text if len(text) <= EXAMPLE_CHARS else text[: EXAMPLE_CHARS - 1] + "…"


def sample_source(target: Target) -> tuple[str, int]:
    expected = max(target.estimate, target.rows, 1)
    percent = min(100.0, max(0.001, SAMPLE_ROWS * 100.0 / expected))
    return f"{target.source()} TABLESAMPLE SYSTEM ({percent:.4f}) REPEATABLE (16)", expected


class Failed(Exception):
    """The counting query itself failed on the data (a cast that raises): the server's message."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class Refused(Exception):
    """The server would not run the counting query (a type without a built-in operator, a name gone)."""


async def _run(conn: asyncpg.Connection, sql: str) -> asyncpg.Record | None:
    """The one row of `sql`; None on a timeout; Failed when a value raised, Refused for any other error."""
    rows = await fetch_bounded(conn, sql)
    return rows[0] if rows else None


async def fetch_bounded(conn: asyncpg.Connection, sql: str, *args: object) -> list[asyncpg.Record] | None:
    """The rows of `sql` under the counting settings; None on a timeout; Failed when a value raised, Refused
    for any other error."""
    try:
        async with _scope(conn):
            return list(await conn.fetch(sql, *args))
    except asyncpg.QueryCanceledError:
        return None
    except asyncpg.DataError as exc:  # class 22: a value that does not convert, a division by zero
        raise Failed(safe(str(exc))) from None
    except asyncpg.PostgresError as exc:
        raise Refused(safe(str(exc))) from None


async def count_rows(
    conn: asyncpg.Connection, target: Target, condition: str, *, measure: str = "NULL::pg_catalog.int8"
) -> RowCount:
    """Rows of `target` (alias t) where `condition` holds, with one example key and the sum of `measure` over
    them (a dropped column's stored bytes); sampled when too large."""
    query = (
        f"SELECT pg_catalog.count(*) FILTER (WHERE {condition}) AS n, pg_catalog.count(*) AS seen, "
        f"pg_catalog.min({target.key_text()}) FILTER (WHERE {condition}) AS example, "
        f"pg_catalog.sum({measure}) FILTER (WHERE {condition})::pg_catalog.int8 AS bytes FROM {{source}}"
    )
    return await _counted(conn, target, query, scale=True)


async def count_groups(conn: asyncpg.Connection, target: Target, values: list[str], present: str) -> RowCount:
    """Groups of equal `values` (SQL over alias t) held by more than one row where `present` holds: the
    duplicates a unique index would refuse; the example is one duplicated value."""
    cols = ", ".join(f"v{i}" for i in range(len(values)))
    inner = ", ".join(f"({v}) AS v{i}" for i, v in enumerate(values))
    query = (
        "SELECT pg_catalog.count(*) FILTER (WHERE g.n OPERATOR(pg_catalog.>) 1 AND g.present) AS n, "
        "pg_catalog.sum(g.n)::pg_catalog.int8 AS seen, "
        "pg_catalog.min(g.shown) FILTER (WHERE g.n OPERATOR(pg_catalog.>) 1 AND g.present) AS example, "
        "NULL::pg_catalog.int8 AS bytes FROM "
        f"(SELECT pg_catalog.count(*) AS n, pg_catalog.bool_and(x.present) AS present, "
        f"pg_catalog.format('%s', ROW({cols})) AS shown "
        f"FROM (SELECT {inner}, ({present}) AS present FROM {{source}}) x GROUP BY {cols}) g"
    )
    return await _counted(conn, target, query, scale=False)


async def count_overlaps(
    conn: asyncpg.Connection, target: Target, values: list[str], operators: list[str], where: str
) -> RowCount:
    """Rows that conflict with another row under an exclusion constraint's `values` and `operators`."""
    inner = ", ".join(f"({v}) AS v{i}" for i, v in enumerate(values))
    match = " AND ".join(f"a.v{i} OPERATOR(pg_catalog.{op}) b.v{i}" for i, op in enumerate(operators))
    query = (
        "WITH x AS MATERIALIZED (SELECT t.ctid AS rid, "
        f"{target.key_text()} AS shown, {inner} FROM {{source}} WHERE {where}) "
        "SELECT pg_catalog.count(*) FILTER (WHERE EXISTS (SELECT 1 FROM x b WHERE b.rid OPERATOR(pg_catalog.<>) "
        f"a.rid AND {match})) AS n, pg_catalog.count(*) AS seen, pg_catalog.min(a.shown) FILTER (WHERE EXISTS "
        f"(SELECT 1 FROM x b WHERE b.rid OPERATOR(pg_catalog.<>) a.rid AND {match})) AS example, "
        "NULL::pg_catalog.int8 AS bytes FROM x a"
    )
    return await _counted(conn, target, query, scale=False)


async def _counted(conn: asyncpg.Connection, target: Target, query: str, *, scale: bool) -> RowCount:
    try:
        return await _sized(conn, target, query, scale=scale)
    except Refused as exc:
        return RowCount(None, not_counted=f"the server refused the count: {exc}")


async def _sized(conn: asyncpg.Connection, target: Target, query: str, *, scale: bool) -> RowCount:
    row = None
    if target.bytes <= SAMPLE_ABOVE_BYTES:
        row = await _run(conn, query.format(source=target.source()))
        if row is not None:
            measured = int(row["bytes"]) if row["bytes"] is not None else None
            return RowCount(int(row["n"] or 0), example(row["example"]) if row["n"] else "", bytes=measured)
    source, expected = sample_source(target)
    row = await _run(conn, query.format(source=source))
    if row is None:
        return RowCount(None, not_counted=f"did not finish within {CHECK_TIMEOUT}, even on a sample")
    seen, found = int(row["seen"] or 0), int(row["n"] or 0)
    factor = expected / seen if scale and seen else 1.0
    rows = max(round(found * factor), 1 if found else 0)
    measured = round(int(row["bytes"]) * factor) if row["bytes"] is not None else None
    return RowCount(
        rows, example(row["example"]) if found else "", sampled=seen, at_least=not scale, bytes=measured
    )
