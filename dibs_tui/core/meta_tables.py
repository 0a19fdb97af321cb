"""Where the meta and history tables are, found in pg_catalog, and SELECTs that read them as data only.

dibs keeps `__dibs_*`, `_dibs_migrations` and the other tools' history tables in one schema (`public` unless
`meta_schema` says otherwise). Only a plain or partitioned table of that name in that schema is read; a view,
a materialized or foreign table, a function of that name, or a table of that name in another schema is
ignored, and the user is told in a note. Nothing is found through search_path.

Reading a table runs nothing of its owner's: a column is read only when its type is a built-in one of the
kind expected (a user type's cast or output could run code with our rights), never when it is a virtual
generated column (its expression runs on read), and a partitioned table only when every partition is a
plain table. A table the role may not read, or one with row-level security (the session has
row_security off), becomes a note instead of an error.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import asyncpg

from .sql import quote_ident

# Built-in type OIDs by the kind of value a reader expects; anything else reads as NULL with a note.
_INTEGERS = frozenset({20, 21, 23})
_TEXTS = frozenset({19, 25, 1042, 1043})
KINDS: dict[str, tuple[frozenset[int], str]] = {
    "text": (_TEXTS | _INTEGERS, "{}::pg_catalog.text"),
    "int": (_INTEGERS, "{}::pg_catalog.int8"),
    "time": (frozenset({1114, 1184}), "{}"),
    "texts": (frozenset({1003, 1009, 1014, 1015}), "{}::pg_catalog.text[]"),
    "bool": (frozenset({16}), "{}"),
    "bytes": (frozenset({17}), "{}"),
}
_KIND_NAMES = {
    "text": "text",
    "int": "an integer",
    "time": "a timestamp",
    "texts": "a text array",
    "bool": "boolean",
    "bytes": "bytea",
}
_RELKINDS = {
    "v": "view",
    "m": "materialized view",
    "f": "foreign table",
    "S": "sequence",
    "i": "index",
    "I": "partitioned index",
    "c": "composite type",
    "t": "TOAST table",
}

# type_oids is oid[], not int8[]: the driver decodes oid[] and text[] without first asking the server what the
# type is (the note on arrays in core/introspect/queries.py).
_FIND_SQL = """
SELECT 'relation' AS what, c.relname::pg_catalog.text AS name, n.nspname::pg_catalog.text AS schema,
       c.relkind::pg_catalog.text AS kind,
       (SELECT pg_catalog.array_agg(a.attname::pg_catalog.text ORDER BY a.attnum) FROM pg_catalog.pg_attribute a
        WHERE a.attrelid OPERATOR(pg_catalog.=) c.oid AND a.attnum OPERATOR(pg_catalog.>) 0
          AND NOT a.attisdropped) AS columns,
       (SELECT pg_catalog.array_agg(a.atttypid ORDER BY a.attnum) FROM pg_catalog.pg_attribute a
        WHERE a.attrelid OPERATOR(pg_catalog.=) c.oid AND a.attnum OPERATOR(pg_catalog.>) 0
          AND NOT a.attisdropped) AS type_oids,
       (SELECT pg_catalog.array_agg(pg_catalog.format_type(a.atttypid, a.atttypmod) ORDER BY a.attnum)
        FROM pg_catalog.pg_attribute a
        WHERE a.attrelid OPERATOR(pg_catalog.=) c.oid AND a.attnum OPERATOR(pg_catalog.>) 0
          AND NOT a.attisdropped) AS types,
       (SELECT pg_catalog.array_agg(a.attname::pg_catalog.text) FROM pg_catalog.pg_attribute a
        WHERE a.attrelid OPERATOR(pg_catalog.=) c.oid AND a.attnum OPERATOR(pg_catalog.>) 0
          AND NOT a.attisdropped AND a.attgenerated::pg_catalog.text NOT IN ('', 's')) AS computed,
       CASE WHEN c.relkind OPERATOR(pg_catalog.=) 'p' THEN
         (SELECT pg_catalog.array_agg(pn.nspname::pg_catalog.text OPERATOR(pg_catalog.||) '.'
                                      OPERATOR(pg_catalog.||) p.relname::pg_catalog.text
                                      OPERATOR(pg_catalog.||) ' (' OPERATOR(pg_catalog.||)
                                      p.relkind::pg_catalog.text OPERATOR(pg_catalog.||) ')')
          FROM pg_catalog.pg_partition_tree(c.oid) t
          JOIN pg_catalog.pg_class p ON p.oid OPERATOR(pg_catalog.=) t.relid
          JOIN pg_catalog.pg_namespace pn ON pn.oid OPERATOR(pg_catalog.=) p.relnamespace
          WHERE p.relkind NOT IN ('r', 'p')) END AS odd_partitions
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace
WHERE c.relname OPERATOR(pg_catalog.=) ANY ($1::pg_catalog.text[])
UNION ALL
SELECT 'function', p.proname::pg_catalog.text, n.nspname::pg_catalog.text, p.prokind::pg_catalog.text,
       NULL, NULL, NULL, NULL, NULL
FROM pg_catalog.pg_proc p
JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) p.pronamespace
WHERE p.proname OPERATOR(pg_catalog.=) ANY ($1::pg_catalog.text[])
ORDER BY 2, 3
"""


@dataclass(frozen=True)
class FoundTable:
    """A meta or history table that dibs-tui may read: its columns with their type OIDs and names."""

    name: str
    schema: str
    partitioned: bool
    type_oids: Mapping[str, int]
    types: Mapping[str, str]  # column -> format_type, for readers that look at the declared type
    computed: frozenset[str] = field(default_factory=frozenset)

    @property
    def qualified(self) -> str:
        return f"{quote_ident(self.schema)}.{quote_ident(self.name)}"

    @property
    def shown(self) -> str:
        return f"{self.schema}.{self.name}"

    def select(self, wanted: Mapping[str, str], *, tail: str = "") -> tuple[str, list[str]]:
        """SELECT the wanted columns (name -> kind) that exist with a type of that kind; the others come back
        as NULL under the same name. The notes say which columns were of the wrong type."""
        items: list[str] = []
        notes: list[str] = []
        for column, kind in wanted.items():
            oids, template = KINDS[kind]
            oid = self.type_oids.get(column)
            if oid is None:
                items.append(f"NULL AS {quote_ident(column)}")
            elif column in self.computed:
                items.append(f"NULL AS {quote_ident(column)}")
                notes.append(f"{self.shown}.{column} is a virtual generated column: not read")
            elif oid not in oids:
                items.append(f"NULL AS {quote_ident(column)}")
                notes.append(
                    f"{self.shown}.{column} is {self.types.get(column, '?')}, not {_KIND_NAMES[kind]}: not read"
                )
            else:
                items.append(f"{template.format(quote_ident(column))} AS {quote_ident(column)}")
        only = "" if self.partitioned else "ONLY "
        sql = f"SELECT {', '.join(items)} FROM {only}{self.qualified}"
        return (f"{sql} {tail}" if tail else sql), notes

    def missing(self, required: Iterable[str]) -> list[str]:
        """Required columns that are absent or unreadable (wrong kind, computed)."""
        return [c for c in required if c not in self.type_oids or c in self.computed]


def _kind(relkind: str) -> str:
    return _RELKINDS.get(relkind, f"relation of kind {relkind!r}")


async def find_tables(
    conn: asyncpg.Connection, names: Sequence[str], schema: str
) -> tuple[dict[str, FoundTable], list[str]]:
    """The tables among `names` that exist in `schema` and may be read, and a note for each look-alike."""
    found: dict[str, FoundTable] = {}
    notes: list[str] = []
    for row in await conn.fetch(_FIND_SQL, list(names)):
        where = f"{row['schema']}.{row['name']}"
        if row["what"] == "function":
            notes.append(f"function {where}() is named like a meta table: ignored")
        elif row["schema"] != schema:
            notes.append(
                f"{where} is outside the meta schema {schema!r}: ignored "
                "(meta_schema in dibs-tui.toml says where dibs keeps its tables)"
            )
        elif row["kind"] not in ("r", "p"):
            notes.append(f"{where} is a {_kind(row['kind'])}, not a table: ignored")
        elif row["odd_partitions"]:
            notes.append(
                f"{where} has partitions that are not tables ({', '.join(row['odd_partitions'])}): ignored"
            )
        else:
            columns = list(row["columns"] or ())
            found[row["name"]] = FoundTable(
                row["name"],
                row["schema"],
                row["kind"] == "p",
                dict(zip(columns, row["type_oids"] or (), strict=True)),
                dict(zip(columns, row["types"] or (), strict=True)),
                frozenset(row["computed"] or ()),
            )
    return found, notes


async def read_rows(
    conn: asyncpg.Connection, table: FoundTable, sql: str, what: str
) -> tuple[list[asyncpg.Record], list[str]]:
    """Run one reader's SELECT in a savepoint of the caller's transaction (or alone): a table this role may
    not read gives no rows and a note saying why, and leaves the other tables readable."""
    try:
        if conn.is_in_transaction():
            async with conn.transaction():
                return list(await conn.fetch(sql)), []
        return list(await conn.fetch(sql)), []
    except asyncpg.InsufficientPrivilegeError as exc:
        reason = str(exc).splitlines()[0] if str(exc) else "permission denied"
        return [], [f"{table.shown}: {reason}: {what} not shown"]


__all__ = ["KINDS", "FoundTable", "find_tables", "read_rows"]
