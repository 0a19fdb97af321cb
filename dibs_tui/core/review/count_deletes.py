"""What a DELETE does to the live rows: how many it removes (data lost), and how many of those a foreign key
still references without ON DELETE CASCADE, SET NULL or SET DEFAULT (the server then refuses the DELETE); what it
does to other tables' rows through the keys that have one is `count_cascades`'."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import asyncpg

from ..sql import quote_ident
from .count_cascades import delete_cascades
from .count_catalog import KEY_COLUMNS
from .count_queries import Target, count_rows, refusal_on
from .counted import RowCount, not_counted, observed, size, unproven
from .expr_allowlist import columns_of, deparse, unqualified
from .report import Hazard

FAILS = "fails-on-existing-data"
LOSS = "data-loss"

# The foreign keys of other tables that reference a table (or a partitioned table it is a partition of: not a
# partition's copy of the key) and refuse the deletion of a row they reference (a table's key to itself is left
# out: a row whose referencing rows go in the same DELETE may go), not a key NOT ENFORCED (PostgreSQL 18: no
# trigger checks it; conenforced read through to_jsonb, absent before)
_BLOCKING_KEYS = f"""
SELECT c.conname::pg_catalog.text AS name, c.confdeltype::pg_catalog.text AS action,
       pg_catalog.format('%I.%I', n.nspname, r.relname) AS qualified,
       r.relname::pg_catalog.text AS shown,
       (pg_catalog.to_jsonb(c) OPERATOR(pg_catalog.->>) 'conperiod') IS NOT DISTINCT FROM 'true' AS period,
       {KEY_COLUMNS}
FROM pg_catalog.pg_constraint c
JOIN pg_catalog.pg_class r ON r.oid OPERATOR(pg_catalog.=) c.conrelid
JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) r.relnamespace
WHERE c.contype OPERATOR(pg_catalog.=) 'f' AND c.conparentid OPERATOR(pg_catalog.=) 0
  AND c.confrelid OPERATOR(pg_catalog.=) ANY (SELECT $1::pg_catalog.oid
      UNION SELECT p.relid FROM pg_catalog.pg_partition_ancestors($1::pg_catalog.oid) p)
  AND c.confdeltype OPERATOR(pg_catalog.=) ANY ('{{a,r}}'::pg_catalog."char"[])
  AND c.conrelid OPERATOR(pg_catalog.<>) c.confrelid
  AND (pg_catalog.to_jsonb(c) OPERATOR(pg_catalog.->>) 'conenforced') IS DISTINCT FROM 'false'
ORDER BY c.conname
"""
_ACTIONS = {"a": "NO ACTION", "r": "RESTRICT"}


@dataclass(frozen=True)
class _BlockingKey:
    name: str
    action: str
    qualified: str
    shown: str
    period: bool  # PostgreSQL 18: a temporal key, its last columns a PERIOD (conperiod, absent before)
    columns: list[str]
    ref_columns: list[str]


async def delete_hazards(conn: asyncpg.Connection, target: Target, node: Any) -> list[Hazard]:
    """DELETE: the rows it removes, counted where its WHERE may be evaluated on the live rows, and those of
    them a foreign key still references."""
    where = node.whereClause
    if where is None and not node.usingClause:
        removed = "TRUE"
        hazards = [
            observed(
                LOSS,
                f"deletes every row of {target.shown}: its {target.described} ({size(target.bytes)} stored)",
                RowCount(target.rows, bytes=target.bytes),
            )
        ]
    else:
        consequence = "the rows it deletes are lost"
        why = "it joins other tables (USING)" if node.usingClause else await refusal_on(conn, where)
        why = why or target.unsafe(columns_of(where))
        if why:
            return [not_counted(LOSS, f"rows of {target.shown} the DELETE removes", why, consequence)]
        removed = f"({deparse(unqualified(where))}) IS TRUE"
        found = await count_rows(conn, target, removed)
        if found.rows is None:
            return [not_counted(LOSS, "rows the DELETE removes", found.not_counted, consequence)]
        if not found.rows:
            return unproven(LOSS, "row the DELETE removes", target.shown, found, consequence)
        hazards = [
            observed(LOSS, f"deletes {found.rows_text()} of {target.shown}{found.example_text()}", found)
        ]
    if target.children:  # a foreign key to an inheritance parent references its own rows, not its children's
        removed = f"({removed}) AND tableoid OPERATOR(pg_catalog.=) {int(target.oid)}::pg_catalog.oid"
    for row in await conn.fetch(_BLOCKING_KEYS, target.oid):
        hazards += await _still_referenced(conn, target, removed, _BlockingKey(**dict(row)))
    return hazards + await delete_cascades(conn, target, removed)


def _temporal_match(fk: _BlockingKey) -> str:
    """A temporal key's referencing row `r` of a removed row `t`: equal on the other columns, its range
    overlapping t's. No other row of the key can cover what it loses (WITHOUT OVERLAPS: none overlaps t), so
    NO ACTION (the one action PostgreSQL 18 allows such a key) refuses the DELETE."""
    equal = [
        f"r.{quote_ident(c)} OPERATOR(pg_catalog.=) t.{quote_ident(rc)}"
        for c, rc in zip(fk.columns[:-1], fk.ref_columns[:-1], strict=True)
    ]
    period, ref_period = quote_ident(fk.columns[-1]), quote_ident(fk.ref_columns[-1])
    return " AND ".join([*equal, f"r.{period} OPERATOR(pg_catalog.&&) t.{ref_period}"])


async def _still_referenced(
    conn: asyncpg.Connection, target: Target, removed: str, fk: _BlockingKey
) -> list[Hazard]:
    match = " AND ".join(
        f"r.{quote_ident(c)} OPERATOR(pg_catalog.=) t.{quote_ident(rc)}"
        for c, rc in zip(fk.columns, fk.ref_columns, strict=True)
    )
    if fk.period and len(fk.columns) > 1:
        match = _temporal_match(fk)
    found = await count_rows(
        conn, target, f"{removed} AND EXISTS (SELECT 1 FROM {fk.qualified} r WHERE {match})"
    )
    if not found.rows:  # a sample that met none proves nothing: say so
        what = f"row the DELETE removes still referenced from {fk.shown} ({fk.name}, ON DELETE {_ACTIONS[fk.action]})"
        return unproven(FAILS, what, target.shown, found, "the DELETE fails")
    verb = "is" if found.rows == 1 and found.sampled is None else "are"
    return [
        observed(
            FAILS,
            f"{found.rows_text()} of {target.shown} the DELETE removes {verb} still referenced from {fk.shown} "
            f"({fk.name}, ON DELETE {_ACTIONS[fk.action]}): the DELETE fails{found.example_text()}",
            found,
        )
    ]
