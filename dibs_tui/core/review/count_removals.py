"""What a statement that removes rows or values loses, counted on live data: DROP COLUMN's non-null values,
DROP TABLE / SCHEMA and TRUNCATE's rows (the inheritance children a statement takes along named), what
CASCADE takes too, and the keys a TRUNCATE without CASCADE fails on."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg

from ..sql import quote_ident
from .count_cascades import truncate_cascades, truncate_refused
from .count_catalog import schema_contents
from .count_drops import drop_cascades, drop_type_cascades
from .count_queries import Target, count_rows
from .counted import RowCount, observed, size, unproven
from .facts import Facts
from .report import Hazard
from .shapes import enum_name, rangevar_name, written

LOSS = "data-loss"

# The Counter's look-ups: a live table as the migration names it (None: new, absent or empty), and the live
# relations names resolve to (those the file created left out)
FindTarget = Callable[..., Awaitable[Target | None]]
LiveOids = Callable[[list[str]], Awaitable[list[int]]]


async def dropped_column_hazards(conn: asyncpg.Connection, target: Target, column: str) -> list[Hazard]:
    """The non-null values a DROP COLUMN loses. A generated column loses none: a virtual one stores
    nothing, a stored one holds what the row's other columns give again."""
    if not target.rows or column not in target.columns or target.columns[column].generated:
        return []
    if why := target.unsafe([column]):
        return [
            observed(
                LOSS, f"drops {target.shown}.{column} from {target.described} (values not counted: {why})"
            )
        ]
    column_sql = f"t.{quote_ident(column)}"
    found = await count_rows(
        conn, target, f"{column_sql} IS NOT NULL", measure=f"pg_catalog.pg_column_size({column_sql})"
    )
    name = f"{target.shown}.{column}"
    if found.rows is None:
        return [
            observed(
                LOSS, f"drops {name} from {target.described} (non-null values {found.not_counted})", found
            )
        ]
    if not found.rows:
        return unproven(
            LOSS, f"non-null value of {column}", target.shown, found, "the drop loses any there are"
        )
    values = found.rows_text("non-null value")
    stored = f", {size(found.bytes)} stored" if found.bytes is not None else ""
    return [observed(LOSS, f"drops {name}: {values} in {target.described}{stored}", found)]


async def drop_hazards(
    conn: asyncpg.Connection, node: Any, find: FindTarget, live_oids: LiveOids
) -> list[Hazard]:
    """DROP TABLE / VIEW / MATERIALIZED VIEW, TYPE / DOMAIN ... CASCADE and SCHEMA ... CASCADE."""
    remove = enum_name(node.removeType)
    if remove in ("OBJECT_TABLE", "OBJECT_VIEW", "OBJECT_MATVIEW"):
        names = [written(*(str(p.sval) for p in o)) for o in node.objects or ()]
        # A DROP takes no inheritance child along: with CASCADE, drop_cascades counts those
        dropped = [(n, True) for n in names]
        hazards = await dropped_tables(find, dropped, "drops") if remove != "OBJECT_VIEW" else []
        if enum_name(node.behavior) == "DROP_CASCADE":
            hazards += await drop_cascades(conn, await live_oids(names))
        return hazards
    if remove in ("OBJECT_TYPE", "OBJECT_DOMAIN") and enum_name(node.behavior) == "DROP_CASCADE":
        return await drop_type_cascades(conn, [[str(p.sval) for p in o.names] for o in node.objects])
    if remove == "OBJECT_SCHEMA" and enum_name(node.behavior) == "DROP_CASCADE":
        hazards = []
        for schema in node.objects or ():
            contents = await schema_contents(conn, str(schema.sval))
            if contents is not None and contents.rows:
                hazards.append(
                    observed(
                        LOSS,
                        f"drops schema {written(str(schema.sval))} with {contents.describe()}",
                        RowCount(contents.rows, bytes=contents.bytes, sampled=None),
                    )
                )
        return hazards
    return []


async def truncate_hazards(
    facts: Facts, node: Any, find: FindTarget, live_oids: LiveOids, dropped: set[tuple[str, str]]
) -> list[Hazard]:
    """The rows a TRUNCATE empties; with CASCADE what it empties through foreign keys, without it the keys
    it fails on (`dropped`: the constraints and tables this file drops before it)."""
    names = [rangevar_name(r) for r in node.relations]
    hazards = await dropped_tables(find, [(rangevar_name(r), not r.inh) for r in node.relations], "empties")
    if enum_name(node.behavior) == "DROP_CASCADE":
        named = [t for t in [await find(n, empty=True) for n in names] if t is not None]
        hazards += await truncate_cascades(facts.conn, named, {t.oid for t in named})
    else:
        hazards += await truncate_refused(facts, await live_oids(names), dropped)
    return hazards


async def dropped_tables(find: FindTarget, names: list[tuple[str, bool]], verb: str) -> list[Hazard]:
    """Each table (name, ONLY) and its rows, those of the inheritance children it takes along named."""
    hazards = []
    for name, only in names:
        target = await find(name, only=only)
        if target is None or not target.rows:
            continue
        hazards.append(
            observed(
                LOSS,
                f"{verb} {name} and its {target.described} ({size(target.bytes)} with indexes and TOAST)",
                RowCount(target.rows, bytes=target.bytes),
            )
        )
    return hazards
