"""What an UPDATE does to the live rows: for each column it assigns, how many rows hold a value there now that
the new one replaces (data lost: a backfill of NULLs, or a value set to itself, loses nothing); what changing
a key other tables reference does to them is `count_update_keys`'."""

from __future__ import annotations

from typing import Any

import asyncpg

from ..sql import quote_ident
from .count_queries import Target, count_rows, refusal_on
from .count_update_keys import key_update_hazards
from .counted import not_counted, observed, unproven
from .expr_allowlist import columns_of, deparse, unqualified
from .report import Hazard

LOSS = "data-loss"


async def update_hazards(conn: asyncpg.Connection, target: Target, node: Any) -> list[Hazard]:
    where = node.whereClause
    assigned = [(str(t.name), t.val) for t in node.targetList or ()]
    consequence = "the values it replaces are lost"
    why = "it joins other tables (FROM)" if node.fromClause else ""
    for column, value in assigned:
        if type(value).__name__ == "MultiAssignRef" or getattr(value, "sval", None) is not None:
            why = why or "it assigns several columns at once"
        why = why or await refusal_on(conn, value) or target.unsafe(columns_of(value) | {column})
    if where is not None:
        why = why or await refusal_on(conn, where) or target.unsafe(columns_of(where))
    if why:
        return [not_counted(LOSS, f"values of {target.shown} the UPDATE replaces", why, consequence)]
    selected = f"({deparse(unqualified(where))}) IS TRUE AND " if where is not None else ""
    hazards: list[Hazard] = []
    for column, value in assigned:
        col = f"t.{quote_ident(column)}"
        found = await count_rows(
            conn,
            target,
            f"{selected}{col} IS NOT NULL AND ({deparse(unqualified(value))}) IS DISTINCT FROM {col}",
        )
        if found.rows is None:
            hazards.append(
                not_counted(LOSS, f"values of {column} the UPDATE replaces", found.not_counted, consequence)
            )
        elif not found.rows:
            hazards += unproven(
                LOSS, f"value of {column} the UPDATE replaces", target.shown, found, consequence
            )
        else:
            hazards.append(
                observed(
                    LOSS,
                    f"overwrites {column} in {found.rows_text()} of {target.shown}{found.example_text()}",
                    found,
                )
            )
    values = {column: deparse(unqualified(value)) for column, value in assigned}
    selected_only = deparse(unqualified(where)) if where is not None else ""
    return hazards + await key_update_hazards(conn, target, selected_only, values)
