"""What adding a key finds in the rows there now: rows a foreign key references nothing from (MATCH FULL, a
PERIOD's cover too), values a unique index would find twice. Counted, bounded and sampled (count_queries)."""

from __future__ import annotations

import asyncpg

from ..sql import quote_ident
from .count_exclusions import uncovered
from .count_queries import Target, count_groups, count_rows
from .counted import not_counted, observed, unproven
from .report import Hazard

FAILS = "fails-on-existing-data"


async def orphan_hazards(
    conn: asyncpg.Connection,
    target: Target,
    columns: list[str],
    referenced: Target | None,
    shown: str,
    ref_columns: list[str],
    *,
    full: bool = False,
    period: bool = False,
) -> list[Hazard]:
    """Rows whose key is all there and matches nothing; with MATCH FULL, also those whose key is part NULL
    (the server refuses a key half NULL; one all NULL passes either way); over a `period`, those whose range
    the referenced rows' do not cover (count_temporal)."""
    if referenced is None or len(ref_columns) != len(columns) or not target.rows:
        return []
    why = target.unsafe(columns) or referenced.unsafe(ref_columns)
    consequence = "the foreign key fails if any row references nothing"
    if why:
        return [not_counted(FAILS, f"rows of {target.shown} referencing no row of {shown}", why, consequence)]
    match = " AND ".join(
        f"r.{quote_ident(rc)} OPERATOR(pg_catalog.=) t.{quote_ident(c)}"
        for c, rc in zip(columns, ref_columns, strict=True)
    )
    present = " AND ".join(f"t.{quote_ident(c)} IS NOT NULL" for c in columns)
    orphan = f"NOT EXISTS (SELECT 1 FROM {referenced.qualified} r WHERE {match})"
    if period and len(columns) > 1:
        orphan = uncovered(referenced.qualified, columns, ref_columns)
    if full and len(columns) > 1:
        some = " OR ".join(f"t.{quote_ident(c)} IS NOT NULL" for c in columns)
        condition = f"({some}) AND (NOT ({present}) OR {orphan})"
        mixed = True
    else:
        condition, mixed = f"{present} AND {orphan}", False
    found = await count_rows(conn, target, condition)
    if found.rows is None:
        return [not_counted(FAILS, f"rows referencing no row of {shown}", found.not_counted, consequence)]
    if not found.rows:
        return unproven(FAILS, f"row referencing no row of {shown}", target.shown, found, consequence)
    one = found.rows == 1
    mixing = f" or mix{'es' if one else ''} NULL and non-NULL keys (MATCH FULL)" if mixed else ""
    none = f"no rows of {shown} that together cover its {columns[-1]}" if period else f"no row of {shown}"
    return [
        observed(
            FAILS,
            f"{found.rows_text()} of {target.shown} reference{'s' if one else ''} {none}{mixing}: "
            f"the foreign key cannot be added{found.example_text()}",
            found,
        )
    ]


async def duplicate_hazards(
    conn: asyncpg.Connection,
    target: Target,
    values: list[str],
    shown: list[str],
    nulls_equal: bool,
    where: str | None,
) -> list[Hazard]:
    """Groups of rows a unique index over `values` would refuse (NULLs apart unless `nulls_equal`)."""
    if not target.rows:
        return []
    cols = ", ".join(shown)
    present = "true" if nulls_equal else " AND ".join(f"({v}) IS NOT NULL" for v in values)
    if where:
        present = f"({present}) AND ({where})"
    found = await count_groups(conn, target, values, present)
    consequence = "the unique index fails if any value repeats"
    if found.rows is None:
        return [not_counted(FAILS, f"duplicates in {target.shown} ({cols})", found.not_counted, consequence)]
    if not found.rows:
        return unproven(FAILS, f"duplicate in ({cols})", target.shown, found, consequence)
    groups = found.rows_text("duplicate value group")
    return [
        observed(
            FAILS,
            f"{groups} in {target.shown} ({cols}): the unique index cannot be built{found.example_text()}",
            found,
        )
    ]
