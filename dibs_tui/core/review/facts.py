"""What the live database says about a table a migration touches: its rows (exact up to EXACT_COUNT_LIMIT,
else the planner's estimate) and column types. A plain table's rows are its own, not its inheritance
children's (TRUNCATE ONLY, a lock on it alone, a DROP reach only those); a partitioned table's are its
partitions', since it holds none itself."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import asyncpg

from ..object_names import make_object_name
from .names import key, regclass_text
from .typmods import typmod_of

EXACT_COUNT_LIMIT = 100_000  # above this, row counts are the planner's estimate
CHECK_TIMEOUT = "2s"
# A table whose every row a new CHECK or FOREIGN KEY is checked against in milliseconds: at most this many rows
# (counted exactly) and bytes (its heap and TOAST, with its partitions' and inheritance children's). 1 MiB is
# read in ~10 ms from a cold disk at 100 MB/s, and 10,000 rows are 10,000 evaluations of a CHECK or probes of
# the referenced key's index: the lock is held that much longer, and NOT VALID then VALIDATE, two steps and two
# transactions, spares nothing worth it. Past either bound the read can reach seconds on a busy server.
QUICK_CHECK_ROWS = 10_000
QUICK_CHECK_BYTES = 1024 * 1024

# The bytes a table's check reads: its own and its descendants' (partitions, inheritance children) heap and TOAST
_TREE_BYTES = """
WITH RECURSIVE d(oid) AS (SELECT $1::pg_catalog.oid
  UNION SELECT i.inhrelid FROM pg_catalog.pg_inherits i JOIN d ON i.inhparent OPERATOR(pg_catalog.=) d.oid)
SELECT pg_catalog.sum(pg_catalog.pg_table_size(d.oid::pg_catalog.regclass))::pg_catalog.int8 FROM d
"""

# A plain table's inheritance descendants, all levels (a partitioned table's partitions are counted in it)
_DESCENDANTS = """
WITH RECURSIVE d(oid) AS (
  SELECT inhrelid FROM pg_catalog.pg_inherits WHERE inhparent OPERATOR(pg_catalog.=) $1::pg_catalog.oid
  UNION SELECT i.inhrelid FROM pg_catalog.pg_inherits i JOIN d ON i.inhparent OPERATOR(pg_catalog.=) d.oid)
SELECT pg_catalog.concat(pg_catalog.quote_ident(n.nspname), '.', pg_catalog.quote_ident(c.relname)) AS q
FROM d JOIN pg_catalog.pg_class c ON c.oid OPERATOR(pg_catalog.=) d.oid
JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace
WHERE c.relkind OPERATOR(pg_catalog.=) 'r' AND (SELECT p.relkind FROM pg_catalog.pg_class p
      WHERE p.oid OPERATOR(pg_catalog.=) $1::pg_catalog.oid) OPERATOR(pg_catalog.=) 'r'
ORDER BY 1
"""


@dataclass
class TableFacts:
    oid: int
    qualified: str  # quoted schema.table, safe to splice
    rows: int
    estimated: bool
    inherited: int = 0  # rows of its inheritance children: a query of it reads them, a lock on it blocks that
    # Not counted (row-level security, a privilege, the time it took) and never analysed: `rows` is a guess
    unknown: bool = False

    @property
    def reached(self) -> int:
        """The rows a query of the table reads, its inheritance children's too."""
        return self.rows + self.inherited

    def describe(self) -> str:
        if self.unknown:
            text = "rows unknown: never analysed, and not countable here"
        elif self.estimated:
            text = f"~{self.rows:,} rows, a pg_class.reltuples estimate"
        else:
            text = f"{self.rows:,} row{'s' if self.rows != 1 else ''}"
        return text + (f", and {self.inherited:,} in its inheritance children" if self.inherited else "")


@dataclass
class Facts:
    """Cached, bounded look-ups against the live database (inside the review's read-only transaction)."""

    conn: asyncpg.Connection
    tables: dict[str, TableFacts | None] = field(default_factory=dict)
    refused: dict[str, str] = field(default_factory=dict)  # a table this role may not look up: the reason
    subscribes: bool | None = None  # whether a subscription writes into any table here: looked up once

    async def subscribes_to_any(self) -> bool:
        """Most databases subscribe to nothing: then no statement's tables are looked up for it."""
        if self.subscribes is None:
            found = await self.scalar("SELECT EXISTS (SELECT FROM pg_catalog.pg_subscription_rel)")
            self.subscribes = bool(found)
        return self.subscribes

    async def scalar(self, sql: str, *args: Any) -> Any:
        """One bounded query; None when it times out or fails (the caller says 'unknown')."""
        try:
            async with self.conn.transaction():
                return await self.conn.fetchval(sql, *args)
        except (asyncpg.PostgresError, asyncpg.InterfaceError):
            return None

    async def table(self, name: str) -> TableFacts | None:
        seen_as = key(name)
        if seen_as in self.tables:
            return self.tables[seen_as]
        try:
            row = await self._lookup(name)
        except asyncpg.InsufficientPrivilegeError as exc:  # no USAGE on its schema: its facts are unknown
            self.refused.setdefault(name, str(exc))
            row = None
        facts = None
        if row is not None and row["kind"] in ("r", "p", "m"):
            estimated, unknown = row["estimate"] > EXACT_COUNT_LIMIT, False
            rows = row["estimate"]
            if not estimated:
                only = "" if row["kind"] == "p" else "ONLY "
                exact = await self.scalar(
                    f"SELECT pg_catalog.count(*) FROM (SELECT 1 FROM {only}{row['q']} "
                    f"LIMIT {EXACT_COUNT_LIMIT + 1}) s"
                )
                if exact is None:  # not counted: the estimate, or taken as large where there is none
                    estimated, unknown = True, rows < 0
                    rows = EXACT_COUNT_LIMIT if unknown else rows
                elif exact > EXACT_COUNT_LIMIT:
                    estimated, rows = True, max(rows, EXACT_COUNT_LIMIT)
                else:
                    rows = exact
            facts = TableFacts(row["oid"], row["q"], max(rows, 0), estimated, unknown=unknown)
        self.tables[seen_as] = facts
        if facts is not None and row is not None and row["children"]:
            facts.inherited = sum(c.rows for c in await self.descendants(facts))
        return facts

    async def descendants(self, table: TableFacts) -> list[TableFacts]:
        """The inheritance children of a plain table, at every level, each with its own rows: a statement on
        the parent without ONLY reaches them too."""
        names = [r["q"] for r in await self.conn.fetch(_DESCENDANTS, table.oid)]
        return [child for name in names if (child := await self.table(name)) is not None]

    async def _lookup(self, name: str) -> asyncpg.Record | None:
        """The table's row from pg_class, in a savepoint: to_regclass raises (not NULL) for a schema this role
        has no USAGE on, and the review's transaction goes on after it."""
        async with self.conn.transaction():
            return await self.conn.fetchrow(
                # Names resolve on the session's path, as the migration's would; functions and operators: pg_catalog's
                """SELECT c.oid::pg_catalog.int8 AS oid,
                      pg_catalog.concat(pg_catalog.quote_ident(n.nspname), '.', pg_catalog.quote_ident(c.relname)) AS q,
                      c.reltuples::pg_catalog.int8 AS estimate, c.relkind::pg_catalog.text AS kind,
                      c.relhassubclass AND c.relkind OPERATOR(pg_catalog.=) 'r' AS children
               FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace
               WHERE c.oid OPERATOR(pg_catalog.=) pg_catalog.to_regclass($1)""",
                regclass_text(name),
            )

    async def quick_check_bytes(self, table: TableFacts) -> int | None:
        """The bytes a constraint's check of `table` reads when that takes milliseconds (QUICK_CHECK_ROWS and
        QUICK_CHECK_BYTES), else None: it is worth NOT VALID then VALIDATE."""
        if table.estimated or table.reached > QUICK_CHECK_ROWS:
            return None
        size = await self.scalar(_TREE_BYTES, table.oid)
        return int(size) if size is not None and size <= QUICK_CHECK_BYTES else None

    async def not_null_name(self, table: TableFacts, column: str) -> str | None:
        """The name SET NOT NULL gives the column's NOT NULL, on PostgreSQL 18 and later (where it can be added
        NOT VALID, then validated); None before."""
        relname = await self.scalar(
            "SELECT c.relname::pg_catalog.text FROM pg_catalog.pg_class c WHERE c.oid OPERATOR(pg_catalog.=) "
            "$1::pg_catalog.oid AND pg_catalog.current_setting('server_version_num')::pg_catalog.int4 "
            "OPERATOR(pg_catalog.>=) 180000",
            table.oid,
        )
        return make_object_name(relname, column, "not_null") if relname is not None else None

    async def column_type(self, table: TableFacts, column: str) -> str | None:
        value = await self.conn.fetchval(
            "SELECT pg_catalog.format_type(atttypid, atttypmod) FROM pg_catalog.pg_attribute "
            "WHERE attrelid OPERATOR(pg_catalog.=) $1::pg_catalog.oid AND attname OPERATOR(pg_catalog.=) $2 "
            "AND NOT attisdropped",
            table.oid,
            column,
        )
        return str(value) if value is not None else None

    async def generated(self, table: TableFacts, column: str) -> str:
        """pg_attribute.attgenerated: '' a plain column, 's' stored, 'v' virtual (PostgreSQL 18)."""
        value = await self.conn.fetchval(
            "SELECT attgenerated::pg_catalog.text FROM pg_catalog.pg_attribute "
            "WHERE attrelid OPERATOR(pg_catalog.=) $1::pg_catalog.oid AND attname OPERATOR(pg_catalog.=) $2 "
            "AND NOT attisdropped",
            table.oid,
            column,
        )
        return str(value or "")

    async def type_spelling(self, written: str) -> str | None:
        """A type as the migration writes it (int8, varchar(10)) as format_type spells a column's (bigint,
        character varying(10)), resolved on the session's path; None when the server cannot resolve it."""
        mod = await typmod_of(self.conn, written)
        if mod is None:
            return None
        value = await self.scalar(
            "SELECT pg_catalog.format_type(pg_catalog.to_regtype($1), $2::pg_catalog.int4)", written, mod
        )
        return str(value) if value is not None else None

    async def proven_not_null(self, table: TableFacts, column: str) -> bool:
        """The column is NOT NULL already, or a validated CHECK says (column IS NOT NULL) in a conjunction: SET NOT
        NULL then reads no row (PostgreSQL proves it from the constraint). A NOT VALID not-null constraint
        (PostgreSQL 18) sets attnotnull too, but SET NOT NULL validates it: it reads every row."""
        value = await self.conn.fetchval(
            "SELECT (a.attnotnull AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint n WHERE n.conrelid "
            "OPERATOR(pg_catalog.=) a.attrelid AND n.contype OPERATOR(pg_catalog.=) 'n' AND NOT n.convalidated "
            "AND n.conkey OPERATOR(pg_catalog.=) ARRAY[a.attnum])) OR EXISTS (SELECT 1 FROM pg_catalog.pg_constraint c WHERE c.conrelid "
            "OPERATOR(pg_catalog.=) a.attrelid AND c.contype OPERATOR(pg_catalog.=) 'c' AND c.convalidated "
            "AND pg_catalog.strpos(pg_catalog.pg_get_expr(c.conbin, c.conrelid), pg_catalog.concat('(', "
            "pg_catalog.quote_ident(a.attname::pg_catalog.text), ' IS NOT NULL)')) OPERATOR(pg_catalog.>) 0 "
            "AND pg_catalog.strpos(pg_catalog.pg_get_expr(c.conbin, c.conrelid), ' OR ') OPERATOR(pg_catalog.=) 0) "
            "FROM pg_catalog.pg_attribute a WHERE a.attrelid OPERATOR(pg_catalog.=) $1::pg_catalog.oid "
            "AND a.attname OPERATOR(pg_catalog.=) $2 AND NOT a.attisdropped",
            table.oid,
            column,
        )
        return bool(value)

    async def not_null(self, table: TableFacts, column: str) -> bool:
        value = await self.conn.fetchval(
            "SELECT attnotnull FROM pg_catalog.pg_attribute WHERE attrelid OPERATOR(pg_catalog.=) "
            "$1::pg_catalog.oid AND attname OPERATOR(pg_catalog.=) $2 AND NOT attisdropped",
            table.oid,
            column,
        )
        return bool(value)
