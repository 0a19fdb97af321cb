"""What an UPDATE does to the live rows: for each column it assigns, how many rows hold a value there now that
the new one replaces (data lost: a backfill of NULLs, or a value set to itself, loses nothing); what changing
a key other tables reference does to them is `count_update_keys`'.

A new value the review may not evaluate (a subquery, a function of the user's) is never run: the rows the
UPDATE selects are still counted where its WHERE may be evaluated, and the values they hold now are at most
what it loses, so a backfill of NULLs whose new value comes from a subquery loses nothing, said as such."""

from __future__ import annotations

from typing import Any

import asyncpg

from ..sql import quote_ident
from .count_queries import Target, count_rows, refusal_on
from .count_update_keys import key_update_hazards
from .counted import RowCount, from_count, not_counted
from .expr_allowlist import columns_of, deparse, unqualified
from .report import Hazard

LOSS = "data-loss"
_CONSEQUENCE = "the values it replaces are lost"


async def update_hazards(conn: asyncpg.Connection, target: Target, node: Any) -> list[Hazard]:
    where = node.whereClause
    assigned = [(str(t.name), t.val) for t in node.targetList or ()]
    why = "it joins other tables (FROM)" if node.fromClause else ""
    if where is not None:
        why = why or await refusal_on(conn, where) or target.unsafe(columns_of(where))
    if why:
        return [not_counted(LOSS, f"values of {target.shown} the UPDATE replaces", why, _CONSEQUENCE)]
    selected = f"({deparse(unqualified(where))}) IS TRUE AND " if where is not None else ""
    hazards: list[Hazard] = []
    values: dict[str, str] = {}  # the new values the review may evaluate, as SQL over the table's columns
    for column, value in assigned:
        col = f"t.{quote_ident(column)}"
        unevaluable = await _unevaluable(conn, target, column, value)
        if unevaluable:
            # What the rows hold there now, whatever replaces it: NOT (... IS NULL), as a composite value
            # with a NULL field still holds the others.
            found = await count_rows(conn, target, f"{selected}NOT ({col} IS NULL)")
            hazards += _replaced_at_most(column, target, found, unevaluable)
            continue
        values[column] = deparse(unqualified(value))
        found = await count_rows(
            conn, target, f"{selected}{col} IS NOT NULL AND ({values[column]}) IS DISTINCT FROM {col}"
        )
        hazards += from_count(
            LOSS,
            found,
            target.shown,
            _CONSEQUENCE,
            uncounted=f"values of {column} the UPDATE replaces",
            unseen=f"value of {column} the UPDATE replaces",
            seen=f"overwrites {column} in {found.rows_text()} of {target.shown}{found.example_text()}",
        )
    selected_only = deparse(unqualified(where)) if where is not None else ""
    return hazards + await key_update_hazards(conn, target, selected_only, values)


async def _unevaluable(conn: asyncpg.Connection, target: Target, column: str, value: Any) -> str:
    """'' when the new value may be evaluated on the live rows; else why not."""
    if type(value).__name__ == "MultiAssignRef" or getattr(value, "sval", None) is not None:
        return "it assigns several columns at once"
    return await refusal_on(conn, value) or target.unsafe(columns_of(value) | {column})


def _replaced_at_most(column: str, target: Target, found: RowCount, why: str) -> list[Hazard]:
    """The values the selected rows hold in `column` now: none is no loss; else at most that many are lost
    (a new value equal to the old one loses nothing, and the new values were not compared: `why`)."""
    return from_count(
        LOSS,
        found,
        target.shown,
        _CONSEQUENCE,
        uncounted=f"values of {column} the UPDATE replaces",
        unseen=f"value of {column} the UPDATE replaces",
        seen=f"replaces the values of {column} in {found.rows_text()} of {target.shown}{found.example_text()} "
        f"(at most these are lost: the new values were not compared with them, {why})",
    )
