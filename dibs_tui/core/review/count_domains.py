"""ALTER DOMAIN against the rows already there: ADD CONSTRAINT ... CHECK, SET NOT NULL (or ADD CONSTRAINT ...
NOT NULL) and VALIDATE CONSTRAINT check every column of every table whose type is the domain, and fail on the
first value that does not pass. Each such column is counted like a table's CHECK: the domain's expression,
through the expression allowlist, evaluated with VALUE bound to the column's value, in the review's read-only
transaction, in the columns of the domain and of every domain over it. A column that holds the domain inside another type
(an array, a range, a composite type, a table's row type) PostgreSQL does not check: it refuses the statement
('cannot alter type ... because column ... uses it'), said as such whatever the rows.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg

from ..sql import quote_ident
from .count_queries import Target, count_rows
from .counted import not_counted, observed, unproven
from .expr_allowlist import deparse, refusal
from .report import Hazard

FAILS = "fails-on-existing-data"

# The domain as the migration names it, resolved on the session's path as the statement would be; its
# columns and those of the domains over it, which PostgreSQL checks too, in tables that hold rows (a
# partitioned table's rows are its partitions').
_COLUMNS = """
WITH RECURSIVE d AS (
  SELECT pg_catalog.to_regtype($1) AS oid
  UNION
  SELECT t.oid FROM pg_catalog.pg_type t JOIN d ON t.typbasetype OPERATOR(pg_catalog.=) d.oid
  WHERE t.typtype OPERATOR(pg_catalog.=) 'd'
)
SELECT pg_catalog.concat(pg_catalog.quote_ident(n.nspname), '.', pg_catalog.quote_ident(c.relname)) AS q,
       a.attname::pg_catalog.text AS column
FROM pg_catalog.pg_attribute a
JOIN pg_catalog.pg_class c ON c.oid OPERATOR(pg_catalog.=) a.attrelid
JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace
WHERE a.atttypid OPERATOR(pg_catalog.=) ANY (ARRAY(SELECT d.oid FROM d)) AND a.attnum OPERATOR(pg_catalog.>) 0
  AND NOT a.attisdropped AND c.relkind OPERATOR(pg_catalog.=) ANY ('{r,m}'::pg_catalog.char[])
ORDER BY 1, 2
"""
_CHECK = """
SELECT pg_catalog.pg_get_constraintdef(co.oid) FROM pg_catalog.pg_constraint co
WHERE co.contypid OPERATOR(pg_catalog.=) pg_catalog.to_regtype($1) AND co.conname OPERATOR(pg_catalog.=) $2
  AND co.contype OPERATOR(pg_catalog.=) 'c'
"""

# A column (in a table or materialized view) that holds the domain $1, or a domain over it, inside another
# type: an array, a range or multirange, a composite type or a table's row type, at any depth.
_HELD_INSIDE = """
WITH RECURSIVE held(oid, inside) AS (
  SELECT pg_catalog.to_regtype($1), false
  UNION
  SELECT n.oid, n.inside OR h.inside FROM held h CROSS JOIN LATERAL (
    SELECT t.oid, false AS inside FROM pg_catalog.pg_type t
    WHERE t.typbasetype OPERATOR(pg_catalog.=) h.oid AND t.typtype OPERATOR(pg_catalog.=) 'd'
    UNION ALL
    SELECT t.typarray, true FROM pg_catalog.pg_type t
    WHERE t.oid OPERATOR(pg_catalog.=) h.oid AND t.typarray OPERATOR(pg_catalog.<>) 0
    UNION ALL
    SELECT r.rngtypid, true FROM pg_catalog.pg_range r WHERE r.rngsubtype OPERATOR(pg_catalog.=) h.oid
    UNION ALL
    SELECT r.rngmultitypid, true FROM pg_catalog.pg_range r WHERE r.rngsubtype OPERATOR(pg_catalog.=) h.oid
    UNION ALL
    SELECT c.reltype, true FROM pg_catalog.pg_attribute a
    JOIN pg_catalog.pg_class c ON c.oid OPERATOR(pg_catalog.=) a.attrelid
    WHERE a.atttypid OPERATOR(pg_catalog.=) h.oid AND a.attnum OPERATOR(pg_catalog.>) 0 AND NOT a.attisdropped
      AND c.reltype OPERATOR(pg_catalog.<>) 0
  ) n
)
SELECT pg_catalog.concat(pg_catalog.quote_ident(ns.nspname), '.', pg_catalog.quote_ident(c.relname), '.',
       pg_catalog.quote_ident(a.attname))
FROM pg_catalog.pg_attribute a
JOIN pg_catalog.pg_class c ON c.oid OPERATOR(pg_catalog.=) a.attrelid
JOIN pg_catalog.pg_namespace ns ON ns.oid OPERATOR(pg_catalog.=) c.relnamespace
WHERE a.atttypid OPERATOR(pg_catalog.=) ANY (ARRAY(SELECT h.oid FROM held h WHERE h.inside))
  AND a.attnum OPERATOR(pg_catalog.>) 0 AND NOT a.attisdropped
  AND c.relkind OPERATOR(pg_catalog.=) ANY ('{r,m}'::pg_catalog.char[])
ORDER BY 1 LIMIT 1
"""

TargetOf = Callable[[str], Awaitable[Target | None]]


async def domain_hazards(
    conn: asyncpg.Connection, target_of: TargetOf, node: Any, not_valid: dict[tuple[str, str], Any]
) -> list[Hazard]:
    """`not_valid`: the CHECKs this file added NOT VALID so far, by (domain, name), for a later VALIDATE."""
    domain = ".".join(quote_ident(str(part.sval)) for part in node.typeName)
    subtype, con = node.subtype, node.def_
    if subtype == "O" or (subtype == "C" and con is not None and str(con.contype.name) == "CONSTR_NOTNULL"):
        return await _each_column(conn, target_of, domain, None, "SET NOT NULL")
    if subtype == "C" and con is not None and str(con.contype.name) == "CONSTR_CHECK":
        if con.skip_validation and con.conname:
            not_valid[(domain, str(con.conname))] = con.raw_expr
        if con.skip_validation or not con.is_enforced:
            return []
        return await _each_column(conn, target_of, domain, con.raw_expr, "ADD CONSTRAINT")
    if subtype == "V" and node.name:
        expression = not_valid.pop((domain, str(node.name)), None)
        if expression is None:
            definition = await conn.fetchval(_CHECK, domain, str(node.name))
            expression = _parsed_check(definition) if definition else None
        if expression is not None:
            return await _each_column(conn, target_of, domain, expression, "VALIDATE CONSTRAINT")
    return []


def _parsed_check(definition: str) -> Any:
    """The expression of the catalog's `CHECK (...) [NOT VALID]` text, parsed (the server wrote it)."""
    import pglast

    text = definition.removesuffix(" NOT VALID")
    if not text.startswith("CHECK "):
        return None
    try:
        select: Any = pglast.parse_sql(f"SELECT {text.removeprefix('CHECK ')}")[0].stmt
    except pglast.parser.ParseError:
        return None
    return select.targetList[0].val


async def _each_column(
    conn: asyncpg.Connection, target_of: TargetOf, domain: str, expression: Any, verb: str
) -> list[Hazard]:
    held = await conn.fetchval(_HELD_INSIDE, domain)
    if held is not None:
        return [
            Hazard(
                "fails-on-schema",
                f"column {held} holds the domain {domain} inside another type (an array, a range or a composite "
                f"type), whose values PostgreSQL does not check: it refuses ALTER DOMAIN ... {verb} whatever the "
                "rows ('cannot alter type ... because column ... uses it'); change that column first (a CHECK "
                "added NOT VALID is let through, and holds for new values only)",
                "observed",
            )
        ]
    consequence = f"ALTER DOMAIN ... {verb} fails on the first value that does not pass"
    if expression is None:
        what, one, many = "NULL", "is", "are"
        test = "{column} IS NULL"
    else:
        what, one, many = f"CHECK ({deparse(expression)})", "violates", "violate"
        why = refusal(expression)
        if why:
            return [not_counted(FAILS, f"values of domain {domain} violating {what}", why, consequence)]
        test = f"(SELECT ({deparse(expression)}) FROM (SELECT {{column}} AS value) AS v) IS FALSE"
    hazards: list[Hazard] = []
    for row in await conn.fetch(_COLUMNS, domain):
        target = await target_of(row["q"])
        if target is None:
            continue  # empty
        column = f"t.{quote_ident(row['column'])}"
        found = await count_rows(conn, target, test.format(column=column))
        shown = f"{target.shown}.{quote_ident(row['column'])}"
        if found.rows is None:
            hazards.append(
                not_counted(FAILS, f"values of {shown} against {what}", found.not_counted, consequence)
            )
        elif found.rows:
            verb = one if found.rows == 1 and not found.sampled else many
            hazards.append(
                observed(
                    FAILS,
                    f"{found.rows_text('value')} of {shown} {verb} {what} (domain {domain}): "
                    f"{consequence}{found.example_text()}",
                    found,
                )
            )
        else:
            hazards += unproven(FAILS, f"value against {what}", shown, found, consequence)
    return hazards
