"""What a migration makes a subscribed table refuse that the publisher's table may still send.

The subscription's worker inserts and updates the publisher's rows as they come: a CHECK, a unique constraint
or index, an exclusion constraint or a NOT NULL the subscriber adds, a CHECK added to the domain of a column,
or a column narrowed to a type that refuses some of the publisher's values (the worker reads each value from
its text through the type's input, which checks a domain's CHECKs), holds for those rows as for any other. The
migration succeeds; the first row from the publisher that breaks it fails the worker, at each retry. A foreign
key is not among them: the worker runs as a replica (session_replication_role), and a foreign key's triggers
do not fire for it. A domain's NOT NULL is not either, the other way: the worker stores a NULL as it comes,
without the domain's input where that NOT NULL is checked, so the table holds rows its domain forbids, and
nothing fails (`Limit.arrives`). Rows already there are the counts' business (core/review/counts.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import asyncpg

from ..sql import quote_ident
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
    a column (judged against the column's type and NOT NULL before the statement); `arrives` where the
    publisher's rows that break it are stored all the same (a domain's NOT NULL)."""

    table: str
    what: str
    column: str = ""
    new_type: str = ""
    arrives: bool = False


def _statement(sql: str, *words: str) -> Any | None:
    """The parse tree of `sql`'s one statement where it holds one of `words` (the parser not run for the
    rest); None where it holds none, or does not parse (the rules report that)."""
    import pglast

    spelled = sql.upper()
    if not any(word in spelled for word in words):
        return None
    try:
        [raw] = pglast.parse_sql(sql)
    except Exception:
        return None
    return raw.stmt


def limits_of(sql: str) -> list[Limit]:
    """The rules an ALTER TABLE or a CREATE UNIQUE INDEX adds (from the parse tree); [] for any other."""
    node = _statement(sql, "UNIQUE", "ALTER")
    if node is None:
        return []
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


# The subscribed tables with a column of the domain $1 (resolved on the session's path, as the statement
# would be), of a domain over it, or of an array of either, and those columns, arrays apart (`elements`).
# $2, a NOT NULL: not through a domain over it that is NOT NULL already, whose columns it changes nothing of.
_DOMAIN_COLUMNS = """
WITH RECURSIVE d AS (
  SELECT pg_catalog.to_regtype($1) AS oid
  UNION
  SELECT t.oid FROM pg_catalog.pg_type t JOIN d ON t.typbasetype OPERATOR(pg_catalog.=) d.oid
  WHERE NOT ($2 AND t.typnotnull)
)
SELECT pg_catalog.concat(pg_catalog.quote_ident(n.nspname), '.', pg_catalog.quote_ident(c.relname)) AS q,
  ty.typcategory OPERATOR(pg_catalog.=) 'A' AS elements,
  pg_catalog.string_agg(pg_catalog.quote_ident(a.attname), ', ' ORDER BY a.attnum) AS columns
FROM (SELECT DISTINCT r.srrelid FROM pg_catalog.pg_subscription_rel r) r
JOIN pg_catalog.pg_class c ON c.oid OPERATOR(pg_catalog.=) r.srrelid
JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace
JOIN pg_catalog.pg_attribute a ON a.attrelid OPERATOR(pg_catalog.=) c.oid
JOIN pg_catalog.pg_type ty ON ty.oid OPERATOR(pg_catalog.=) a.atttypid
WHERE a.attnum OPERATOR(pg_catalog.>) 0 AND NOT a.attisdropped
  AND (ty.oid OPERATOR(pg_catalog.=) ANY (ARRAY(SELECT d.oid FROM d))
       OR ty.typelem OPERATOR(pg_catalog.=) ANY (ARRAY(SELECT d.oid FROM d))
          AND ty.typcategory OPERATOR(pg_catalog.=) 'A')
GROUP BY 1, 2 ORDER BY 1, 2
"""

# Whether the domain $1 or a domain it is over is NOT NULL already.
_NOT_NULL_ALREADY = """
WITH RECURSIVE b AS (
  SELECT t.typnotnull, t.typbasetype FROM pg_catalog.pg_type t
  WHERE t.oid OPERATOR(pg_catalog.=) pg_catalog.to_regtype($1)
  UNION ALL
  SELECT t.typnotnull, t.typbasetype
  FROM pg_catalog.pg_type t JOIN b ON t.oid OPERATOR(pg_catalog.=) b.typbasetype
  WHERE t.typtype OPERATOR(pg_catalog.=) 'd'
)
SELECT pg_catalog.bool_or(b.typnotnull) FROM b
"""


async def domain_limits(facts: Facts, sql: str) -> list[Limit]:
    """ALTER DOMAIN ... ADD CONSTRAINT ... CHECK, NOT VALID too: the worker reads each value through the
    domain's input, which checks every CHECK of the domain. ALTER DOMAIN ... SET NOT NULL (or ADD CONSTRAINT
    ... NOT NULL): the worker stores a NULL without that input, and the row arrives (`arrives`). A table with
    an array of the domain makes a rule that is validated fail ('cannot alter type ... because column ... uses
    it'): nothing said here then. A Limit on each subscribed table with a column of the domain, one more for
    its arrays of it (a NOT VALID CHECK)."""
    node = _statement(sql, "DOMAIN")
    if node is None or type(node).__name__ != "AlterDomainStmt":
        return []
    con: Any = getattr(node, "def_", None)
    contype = enum_name(con.contype) if node.subtype == "C" and con is not None else ""
    if node.subtype == "O" or contype == "CONSTR_NOTNULL":  # O: SET NOT NULL
        rule, arrives, validated = "NOT NULL", True, True
    elif contype == "CONSTR_CHECK" and con.is_enforced:
        rule = f"CHECK {con.conname}" if con.conname else f"CHECK ({deparse(con.raw_expr)})"
        arrives, validated = False, not con.skip_validation
    else:
        return []
    domain = ".".join(quote_ident(str(part.sval)) for part in node.typeName)
    try:
        async with facts.conn.transaction():
            if arrives and await facts.conn.fetchval(_NOT_NULL_ALREADY, domain):
                return []
            rows = await facts.conn.fetch(_DOMAIN_COLUMNS, domain, arrives)
    except (asyncpg.PostgresError, asyncpg.InterfaceError):
        return []
    if validated and any(r["elements"] for r in rows):  # the server refuses the statement: nothing arrives
        return []
    return [
        Limit(
            str(r["q"]),
            f"adds the {rule} to the domain {domain} of "
            f"{'the elements of ' if r['elements'] else ''}its column {r['columns']}",
            arrives=arrives,
        )
        for r in rows
    ]


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
