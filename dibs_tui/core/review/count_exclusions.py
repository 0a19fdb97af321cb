"""Rows that conflict under an exclusion constraint; and PostgreSQL 18's temporal keys, counted on live data as
the server checks them rather than by equality: a key
WITHOUT OVERLAPS refuses two rows whose other columns are equal and whose last (range) column overlaps, a
GiST exclusion in all but name; a foreign key over a PERIOD needs each row's range covered by the union of the
referenced rows' ranges with the same other columns (range_agg(...) @> range, the server's own check), not
equal to one of them. Counted by equality, a temporal foreign key over ranges inside the referenced ones was
said to fail on every row, and overlapping keys were said to pass."""

from __future__ import annotations

from typing import Any

import asyncpg

from ..sql import quote_ident
from .count_queries import Target, count_overlaps, refusal_on
from .counted import not_counted, observed, unproven
from .expr_allowlist import columns_of, deparse
from .report import Hazard

FAILS = "fails-on-existing-data"


async def exclusion_hazards(conn: asyncpg.Connection, target: Target, con: Any) -> list[Hazard]:
    """The rows an EXCLUDE constraint `con` (a parse node) refuses: each conflicting with another."""
    values, operators, read = [], [], set()
    what = f"rows of {target.shown} conflicting under EXCLUDE"
    consequence = "the exclusion constraint fails if any two rows conflict"
    for element, ops in con.exclusions or ():
        op = ".".join(str(o.sval) for o in ops)
        if "." in op:
            return [not_counted(FAILS, what, f"operator {op} is not built in", consequence)]
        operators.append(op)
        if element.name:
            values.append(f"t.{quote_ident(str(element.name))}")
            read.add(str(element.name))
        elif why := await refusal_on(conn, element.expr):
            return [not_counted(FAILS, what, why, consequence)]
        else:
            values.append(deparse(element.expr))
            read |= columns_of(element.expr)
    where = "true"
    if con.where_clause is not None:
        if why := await refusal_on(conn, con.where_clause):
            return [not_counted(FAILS, what, why, consequence)]
        where = deparse(con.where_clause)
        read |= columns_of(con.where_clause)
    if why := target.unsafe(read):
        return [not_counted(FAILS, what, why, consequence)]
    found = await count_overlaps(conn, target, values, operators, where)
    if found.rows is None:
        return [not_counted(FAILS, what, found.not_counted, consequence)]
    if not found.rows:
        return unproven(FAILS, "conflicting rows", target.shown, found, consequence)
    return [
        observed(
            FAILS,
            f"{found.rows_text()} of {target.shown} conflict with another row under EXCLUDE: the "
            f"constraint cannot be added{found.example_text()}",
            found,
        )
    ]


async def overlapping_key_hazards(
    conn: asyncpg.Connection, target: Target, keys: list[str], what: str
) -> list[Hazard]:
    """The rows a key `(a, b, r WITHOUT OVERLAPS)` refuses: equal on all but the last column, overlapping on it.
    `what`: "primary key" or "unique key"."""
    written = f"({', '.join(keys[:-1])}, {keys[-1]} WITHOUT OVERLAPS)"
    rows = f"rows of {target.shown} overlapping another under {written}"
    consequence = f"the {what} fails if any two rows overlap"
    if why := target.unsafe(keys):
        return [not_counted(FAILS, rows, why, consequence)]
    values = [f"t.{quote_ident(k)}" for k in keys]
    operators = ["="] * (len(keys) - 1) + ["&&"]
    found = await count_overlaps(conn, target, values, operators, "true")
    if found.rows is None:
        return [not_counted(FAILS, rows, found.not_counted, consequence)]
    if not found.rows:
        return unproven(FAILS, "overlapping rows", target.shown, found, consequence)
    one = found.rows == 1
    return [
        observed(
            FAILS,
            f"{found.rows_text()} of {target.shown} overlap{'s' if one else ''} another row under {written}: "
            f"the {what} cannot be added{found.example_text()}",
            found,
        )
    ]


def uncovered(referenced: str, columns: list[str], ref_columns: list[str]) -> str:
    """The condition on a row `t` of a temporal foreign key's table: its last column's range is not covered by
    the ranges of the rows of `referenced` (as `r`) equal to it on the other columns."""
    match = " AND ".join(
        f"r.{quote_ident(rc)} OPERATOR(pg_catalog.=) t.{quote_ident(c)}"
        for c, rc in zip(columns[:-1], ref_columns[:-1], strict=True)
    )
    period, ref_period = quote_ident(columns[-1]), quote_ident(ref_columns[-1])
    covering = f"(SELECT pg_catalog.range_agg(r.{ref_period}) FROM {referenced} r WHERE {match})"
    return f"NOT COALESCE({covering} OPERATOR(pg_catalog.@>) t.{period}, false)"
