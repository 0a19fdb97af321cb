"""What a migration makes a subscribed table refuse that the publisher's table may still send.

The subscription's worker inserts and updates the publisher's rows as they come: a CHECK, a unique constraint
or index, an exclusion constraint or a NOT NULL the subscriber adds, or a column narrowed to a type that
refuses some of the publisher's values (the worker reads each value from its text), holds for those rows as
for any other. The migration succeeds; the first row from the publisher that breaks it fails the worker, at
each retry. A foreign key is not among them: the worker runs as a replica (session_replication_role), and
a foreign key's triggers do not fire for it. Rows already there are the counts' business (core/review/counts.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import asyncpg

from .expr_allowlist import deparse
from .facts import Facts
from .names import regclass_text
from .shapes import enum_name, rangevar_name
from .type_changes import takes_every_value

_KEYS = {"CONSTR_UNIQUE": "a unique constraint", "CONSTR_PRIMARY": "a primary key"}

_COLUMN = """
SELECT pg_catalog.format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull AS not_null
FROM pg_catalog.pg_attribute a
WHERE a.attrelid OPERATOR(pg_catalog.=) pg_catalog.to_regclass($1) AND a.attname OPERATOR(pg_catalog.=) $2
  AND NOT a.attisdropped
"""


@dataclass(frozen=True)
class Limit:
    """A rule the statement adds to `table`; `column` and `new_type` where it narrows or sets a NOT NULL on
    a column (judged against the column's type and NOT NULL before the statement)."""

    table: str
    what: str
    column: str = ""
    new_type: str = ""


def limits_of(sql: str) -> list[Limit]:
    """The rules an ALTER TABLE or a CREATE UNIQUE INDEX adds (from the parse tree); [] for any other."""
    import pglast

    if "UNIQUE" not in sql.upper() and "ALTER" not in sql.upper():
        return []
    try:
        [raw] = pglast.parse_sql(sql)
    except Exception:  # the rules report what does not parse
        return []
    node: Any = raw.stmt
    kind = type(node).__name__
    if kind == "IndexStmt" and node.unique:
        table = rangevar_name(node.relation)
        return [Limit(table, f"adds the unique index {node.idxname or ''}".rstrip())]
    if kind != "AlterTableStmt" or enum_name(node.objtype) != "OBJECT_TABLE":
        return []
    table = rangevar_name(node.relation)
    limits = []
    for cmd in node.cmds or ():
        subtype = enum_name(cmd.subtype)
        if subtype == "AT_SetNotNull":
            limits.append(Limit(table, f"makes its column {cmd.name} NOT NULL", cmd.name))
        elif subtype == "AT_AlterColumnType":
            limits.append(Limit(table, "", cmd.name, deparse(cmd.def_.typeName)))
        elif subtype == "AT_AddConstraint":
            limits += _constraint(table, cmd.def_)
    return limits


def _constraint(table: str, con: Any) -> list[Limit]:
    contype = enum_name(con.contype)
    named = f" {con.conname}" if con.conname else ""
    if contype == "CONSTR_CHECK":
        return [Limit(table, f"adds the CHECK{named or ' (' + deparse(con.raw_expr) + ')'}")]
    if contype in _KEYS and not con.indexname:  # USING INDEX: the unique index was there already
        columns = ", ".join(str(k.sval) for k in con.keys or ())
        return [Limit(table, f"adds {_KEYS[contype]}{named} on ({columns})")]
    if contype == "CONSTR_EXCLUSION":
        return [Limit(table, f"adds the exclusion constraint{named}".rstrip())]
    if contype == "CONSTR_NOTNULL" and con.keys:
        column = str(con.keys[0].sval)
        return [Limit(table, f"makes its column {column} NOT NULL", column)]
    return []


async def judged(facts: Facts, limit: Limit) -> str:
    """What the statement does, said of the subscribed table; "" where the publisher's rows still fit (a NOT
    NULL the column has already, a type that takes every value of the old one, a type or column unknown)."""
    if not limit.column:
        return limit.what
    try:
        async with facts.conn.transaction():
            row = await facts.conn.fetchrow(_COLUMN, regclass_text(limit.table), limit.column)
    except (asyncpg.PostgresError, asyncpg.InterfaceError):
        return ""
    if row is None:
        return ""
    if not limit.new_type:
        return "" if row["not_null"] else limit.what
    new = await facts.type_spelling(limit.new_type)
    if new is None or takes_every_value(str(row["type"]), new):
        return ""
    return f"changes its column {limit.column} from {row['type']} to {new}, which refuses some of the old type's values"
