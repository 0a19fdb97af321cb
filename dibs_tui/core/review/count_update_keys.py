"""What an UPDATE of a key other tables reference does to them: rows whose referenced key it changes while a
foreign key ON UPDATE NO ACTION / RESTRICT still points at the old value (the server refuses the UPDATE), and
the rows of other tables ON UPDATE CASCADE / SET NULL / SET DEFAULT changes with it.

A referenced key is unique and not deferrable, so no other row can take an old key on within the statement:
NO ACTION fails like RESTRICT (an INITIALLY DEFERRED key is checked at commit: left out). Every count is one
bounded count_rows, its condition written over the columns unqualified (they bind to the innermost table read: the
updated table wherever it is read again)."""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg

from ..sql import quote_ident
from ..terminal import safe
from .count_catalog import KEY_COLUMNS
from .count_queries import Target, count_rows, load_target
from .counted import observed
from .facts import TableFacts
from .report import Hazard

FAILS = "fails-on-existing-data"
LOSS = "data-loss"

_REFERENCING_SQL = f"""
SELECT c.conname::pg_catalog.text AS name, c.confupdtype::pg_catalog.text AS action, c.condeferred AS deferred,
       c.conrelid::pg_catalog.int8 AS child, pg_catalog.format('%I.%I', n.nspname, r.relname) AS qualified,
       r.relname::pg_catalog.text AS shown, GREATEST(r.reltuples, 0)::pg_catalog.int8 AS estimate,
       (pg_catalog.to_jsonb(c) OPERATOR(pg_catalog.->>) 'conperiod') IS NOT DISTINCT FROM 'true' AS period,
       {KEY_COLUMNS}
FROM pg_catalog.pg_constraint c
JOIN pg_catalog.pg_class r ON r.oid OPERATOR(pg_catalog.=) c.conrelid
JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) r.relnamespace
WHERE c.contype OPERATOR(pg_catalog.=) 'f' AND c.conparentid OPERATOR(pg_catalog.=) 0
  AND c.confrelid OPERATOR(pg_catalog.=) ANY (SELECT $1::pg_catalog.oid
      UNION SELECT p.relid FROM pg_catalog.pg_partition_ancestors($1::pg_catalog.oid) p)
  AND c.conrelid OPERATOR(pg_catalog.<>) c.confrelid
  AND (pg_catalog.to_jsonb(c) OPERATOR(pg_catalog.->>) 'conenforced') IS DISTINCT FROM 'false'
ORDER BY r.relname, c.conname
"""
_ACTIONS = {"a": "NO ACTION", "r": "RESTRICT", "c": "CASCADE", "n": "SET NULL", "d": "SET DEFAULT"}


@dataclass(frozen=True)
class _Key:
    name: str
    action: str
    deferred: bool  # INITIALLY DEFERRED: checked at commit, a later statement of the migration may settle it
    child: int
    qualified: str
    shown: str
    estimate: int
    period: bool  # PostgreSQL 18: a temporal key, its last columns a PERIOD (conperiod, absent before)
    columns: list[str]
    ref_columns: list[str]


async def key_update_hazards(
    conn: asyncpg.Connection, target: Target, selected: str, values: dict[str, str]
) -> list[Hazard]:
    """`selected`: SQL over the updated table's columns (unqualified), true for the rows the UPDATE changes
    ('' for all); `values`: each assigned column's new value, as SQL over the same columns."""
    hazards: list[Hazard] = []
    for row in await conn.fetch(_REFERENCING_SQL, target.oid):
        key = _Key(**dict(row))
        if not set(key.ref_columns) & set(values):
            continue
        chosen = f"({selected}) IS TRUE" if selected else "TRUE"
        moved = _moved(key, chosen, values, "t")
        match = " AND ".join(
            f"r.{quote_ident(c)} OPERATOR(pg_catalog.=) t.{quote_ident(rc)}"
            for c, rc in zip(key.columns, key.ref_columns, strict=True)
        )
        named = f"{safe(key.name)}, ON UPDATE {_ACTIONS.get(key.action, key.action)}"
        if key.action in "ar" and key.deferred:
            continue
        if key.action in "ar":
            if key.period and len(key.columns) > 1:
                match = _uncovered_after(key, target, chosen, values)
            condition = f"{moved} AND EXISTS (SELECT 1 FROM {key.qualified} r WHERE {match})"
            found = await count_rows(conn, target, condition)
            if found.rows:
                verb = "is" if found.rows == 1 and found.sampled is None else "are"
                hazards.append(
                    observed(
                        FAILS,
                        f"{found.rows_text()} of {target.shown} whose key the UPDATE changes {verb} still referenced "
                        f"from {safe(key.shown)} ({named}): the UPDATE fails{found.example_text()}",
                        found,
                    )
                )
            continue
        child = await load_target(conn, TableFacts(key.child, key.qualified, key.estimate, True), key.shown)
        match = " AND ".join(
            f"p.{quote_ident(rc)} OPERATOR(pg_catalog.=) t.{quote_ident(c)}"
            for c, rc in zip(key.columns, key.ref_columns, strict=True)
        )
        moving = _moved(key, chosen, values, "p")
        found = await count_rows(
            conn, child, f"EXISTS (SELECT 1 FROM {target.qualified} p WHERE {match} AND {moving})"
        )
        if found.rows:
            columns = ", ".join(f"{safe(key.shown)}.{safe(c)}" for c in key.columns)
            to = {"c": "the new key", "n": "NULL", "d": "its DEFAULT"}[key.action]
            hazards.append(
                observed(
                    LOSS,
                    f"the UPDATE also sets {columns} to {to} in {found.rows_text()} ({named}){found.example_text()}",
                    found,
                )
            )
    return hazards


def _uncovered_after(key: _Key, target: Target, chosen: str, values: dict[str, str]) -> str:
    """A temporal key's referencing row `r` of an updated row `t`: equal on the other columns, its range
    overlapping t's old one, and not covered by the ranges the key's rows have after the UPDATE (the server's
    check: another row, or t's new range, may cover it). Read as `k`, the updated table's columns unqualified
    in `chosen` and `values` bind to it."""
    pairs = list(zip(key.columns, key.ref_columns, strict=True))
    (period, ref_period), others = pairs[-1], pairs[:-1]

    def after(column: str) -> str:
        old = f"k.{quote_ident(column)}"
        return f"(CASE WHEN {chosen} THEN ({values[column]}) ELSE {old} END)" if column in values else old

    same = " AND ".join(f"{after(rc)} OPERATOR(pg_catalog.=) r.{quote_ident(c)}" for c, rc in others)
    covering = f"(SELECT pg_catalog.range_agg({after(ref_period)}) FROM {target.qualified} k WHERE {same})"
    return " AND ".join(
        [
            *(f"r.{quote_ident(c)} OPERATOR(pg_catalog.=) t.{quote_ident(rc)}" for c, rc in others),
            f"r.{quote_ident(period)} OPERATOR(pg_catalog.&&) t.{quote_ident(ref_period)}",
            f"NOT COALESCE({covering} OPERATOR(pg_catalog.@>) r.{quote_ident(period)}, false)",
        ]
    )


def _moved(key: _Key, chosen: str, values: dict[str, str], alias: str) -> str:
    """Over the updated table read as `alias` (its other columns unqualified): the row is updated and its key
    changes."""
    changed = " OR ".join(
        f"({values[c]}) IS DISTINCT FROM {alias}.{quote_ident(c)}" for c in key.ref_columns if c in values
    )
    return f"{chosen} AND ({changed})"
