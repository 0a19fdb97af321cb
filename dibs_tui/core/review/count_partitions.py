"""A partition's bound against the rows already there: CREATE TABLE ... PARTITION OF and ATTACH PARTITION fail
when the parent's default partition holds a row the new bound takes ("updated partition constraint for
default partition would be violated by some row"), and ATTACH fails when the attached table holds a row
outside its bound. The sandbox trace runs on an empty clone, so only the live rows can show it.

The bound is rebuilt as a condition over the parent's key columns (read from the live catalog) from the
statement's constant datums, checked by the expression allowlist like any expression the migration wrote:
a range bound as row comparisons (MINVALUE / MAXVALUE end the compared prefix, as PostgreSQL reads them), a
list bound as IN (with IS NULL for a NULL datum). Hash bounds and keys that are expressions are not counted.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg

from ..sql import quote_ident
from .count_queries import Target, count_rows
from .counted import RowCount, not_counted, observed, unproven
from .expr_allowlist import deparse, refusal
from .facts import Facts
from .report import Hazard

FAILS = "fails-on-existing-data"

_PARTITION_KEY = """
SELECT pt.partstrat::pg_catalog.text AS strategy,
       (SELECT pg_catalog.array_agg(a.attname::pg_catalog.text ORDER BY k.i)
        FROM pg_catalog.unnest(pt.partattrs::pg_catalog.int2[]) WITH ORDINALITY k(n, i)
        JOIN pg_catalog.pg_attribute a ON a.attrelid OPERATOR(pg_catalog.=) pt.partrelid
                                      AND a.attnum OPERATOR(pg_catalog.=) k.n) AS columns,
       pg_catalog.array_length(pt.partattrs::pg_catalog.int2[], 1) AS key_count,
       CASE WHEN pt.partdefid OPERATOR(pg_catalog.<>) 0 THEN
         pg_catalog.concat(pg_catalog.quote_ident(dn.nspname), '.', pg_catalog.quote_ident(d.relname)) END
         AS default_partition
FROM pg_catalog.pg_partitioned_table pt
LEFT JOIN pg_catalog.pg_class d ON d.oid OPERATOR(pg_catalog.=) pt.partdefid
LEFT JOIN pg_catalog.pg_namespace dn ON dn.oid OPERATOR(pg_catalog.=) d.relnamespace
WHERE pt.partrelid OPERATOR(pg_catalog.=) $1::pg_catalog.oid
"""

TargetOf = Callable[[str], Awaitable[Target | None]]


async def bound_hazards(
    facts: Facts, target_of: TargetOf, parent: str, bound: Any, attached: str | None = None
) -> list[Hazard]:
    """What a new partition of `parent` with `bound` fails on: rows of the default partition inside the bound,
    and (ATTACH of `attached`) rows of the attached table outside it."""
    if bound is None or bound.is_default or bound.strategy not in ("r", "l"):
        return []
    table = await facts.table(parent)
    if table is None:
        return []
    conn: asyncpg.Connection = facts.conn
    row = await conn.fetchrow(_PARTITION_KEY, table.oid)
    if row is None or row["columns"] is None or len(row["columns"]) != row["key_count"]:
        return []  # not partitioned, or a key that is an expression
    spelled = _bound_text(bound)
    datums = [*(bound.listdatums or ()), *(bound.lowerdatums or ()), *(bound.upperdatums or ())]
    why = next((r for d in datums if not _infinite(d) and (r := refusal(d))), None)
    inside = None if why else _condition(bound, [f"t.{quote_ident(c)}" for c in row["columns"]])
    if inside is None:
        why = why or "a datum that is not a constant"
        consequence = "the statement fails if the default partition holds a row the bound takes"
        return [not_counted(FAILS, f"rows against the new bound {spelled}", why, consequence)]
    hazards: list[Hazard] = []
    default = row["default_partition"]
    if default is not None and (
        attached is None or await facts.table(attached) != await facts.table(default)
    ):
        hazards += await _rows_failing(
            conn,
            await target_of(default),
            f"({inside}) IS TRUE",
            lambda shown: f"of the default partition {shown}",
            ("fall", f"within {spelled}"),
            _move_first(default, ("attaching", "attach") if attached else ("creating", "create")),
        )
    if attached is not None:
        hazards += await _rows_failing(
            conn,
            await target_of(attached),
            f"({inside}) IS NOT TRUE",
            lambda shown: f"of {shown}",
            ("lie", f"outside {spelled}"),
            "ATTACH PARTITION fails on a row outside the partition's bound",
        )
    return hazards


async def _rows_failing(
    conn: asyncpg.Connection,
    target: Target | None,
    condition: str,
    whose: Callable[[str], str],
    verb_and_where: tuple[str, str],
    consequence: str,
) -> list[Hazard]:
    """The rows of `target` (None: absent or empty) where `condition` holds, said as failing the statement."""
    if target is None:
        return []
    found = await count_rows(conn, target, condition)
    verb, where = verb_and_where
    if found.rows:
        message = (
            f"{found.rows_text()} {whose(target.shown)} {_verb(found, verb)} {where}: "
            f"{consequence}{found.example_text()}"
        )
        return [observed(FAILS, message, found)]
    if found.rows is not None:
        return unproven(FAILS, f"row {where}", target.shown, found, consequence)
    return []


def _move_first(default: str, verb: tuple[str, str]) -> str:
    """What the default partition's rows in the new bound do, and how to move them without losing them. Said,
    not planned: moving rows is a data change for their owner to decide, and the sequence holds the parent
    under ACCESS EXCLUSIVE (DETACH) while they move; in one transaction, as said, because outside one an
    INSERT of a row of the default's range between the DETACH and the ATTACH has no partition and fails."""
    doing, do = verb
    return (
        f"{doing} the partition fails (PostgreSQL checks the default partition's rows against the new bound); "
        f"move them first, in one transaction: ALTER TABLE ... DETACH PARTITION {default}, {do} the "
        f"partition, INSERT its rows from {default} and DELETE them there, then ATTACH PARTITION {default} "
        "DEFAULT again"
    )


def _verb(found: RowCount, plural: str) -> str:
    return plural + "s" if found.rows == 1 and not found.sampled else plural


def _infinite(datum: Any) -> str | None:
    """'minvalue' or 'maxvalue' for those range datums (the raw parse tree has them as column names)."""
    fields = getattr(datum, "fields", None) if type(datum).__name__ == "ColumnRef" else None
    if (
        fields
        and len(fields) == 1
        and str(getattr(fields[0], "sval", "")).lower() in ("minvalue", "maxvalue")
    ):
        return str(fields[0].sval).lower()
    return None


def _constant(datum: Any) -> str | None:
    if getattr(datum, "isnull", False):
        return "NULL"
    return None if refusal(datum) else deparse(datum)


def _side(datums: Any, keys: list[str], lower: bool) -> str | None:
    """One end of a range bound: '' when it does not bound (MINVALUE first at the lower end, MAXVALUE first
    at the upper), None when a datum is not a constant."""
    values: list[str] = []
    stop = None
    for datum in datums or ():
        stop = _infinite(datum)
        if stop is not None:
            break
        value = _constant(datum)
        if value is None:
            return None
        values.append(value)
    if not values:
        return ""
    # FROM is inclusive and TO exclusive; a MAXVALUE after a prefix takes all of the prefix's value
    op = (">" if stop == "maxvalue" else ">=") if lower else ("<=" if stop == "maxvalue" else "<")
    if len(values) == 1:
        return f"{keys[0]} {op} {values[0]}"
    return f"({', '.join(keys[: len(values)])}) {op} ({', '.join(values)})"


def _condition(bound: Any, keys: list[str]) -> str | None:
    """The rows the bound takes, over `keys` (NULL keys belong to no range partition)."""
    if bound.strategy == "l":
        values = [_constant(d) for d in bound.listdatums or ()]
        if any(v is None for v in values):
            return None
        present = [v for v in values if v != "NULL"]
        parts = [f"{keys[0]} IN ({', '.join(present)})"] if present else []  # type: ignore[arg-type]
        if "NULL" in values:
            parts.append(f"{keys[0]} IS NULL")
        return " OR ".join(parts) or "false"
    lower, upper = _side(bound.lowerdatums, keys, True), _side(bound.upperdatums, keys, False)
    if lower is None or upper is None:
        return None
    return " AND ".join(p for p in (lower, upper) if p) or "true"


def _bound_text(bound: Any) -> str:
    def datum(d: Any) -> str:
        return (_infinite(d) or "").upper() or _constant(d) or "…"

    if bound.strategy == "l":
        return f"FOR VALUES IN ({', '.join(datum(d) for d in bound.listdatums or ())})"
    lower = ", ".join(datum(d) for d in bound.lowerdatums or ())
    upper = ", ".join(datum(d) for d in bound.upperdatums or ())
    return f"FOR VALUES FROM ({lower}) TO ({upper})"
