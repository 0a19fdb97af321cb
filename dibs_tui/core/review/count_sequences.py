"""ALTER SEQUENCE against the sequence's value now: the server checks the current value (or the RESTART one)
against the new MINVALUE / MAXVALUE and those against the data type, and refuses the ALTER outside them. The
trace's clone holds a fresh sequence, so only the live value shows it."""

from __future__ import annotations

from typing import Any

import asyncpg

from ..sql import quote_ident
from ..terminal import safe
from .counted import observed
from .names import regclass_text
from .report import Hazard
from .shapes import written

FAILS = "fails-on-existing-data"
_RANGES = {"int2": (-(2**15), 2**15 - 1), "int4": (-(2**31), 2**31 - 1), "int8": (-(2**63), 2**63 - 1)}
_NAMES = {"smallint": "int2", "integer": "int4", "bigint": "int8"}  # regtype's spelling of each
_SHOWN = {internal: shown for shown, internal in _NAMES.items()}
_SEQUENCE_SQL = """
SELECT s.seqtypid::pg_catalog.regtype::pg_catalog.text AS type, s.seqmin, s.seqmax, s.seqincrement, s.seqstart
FROM pg_catalog.pg_sequence s WHERE s.seqrelid OPERATOR(pg_catalog.=) pg_catalog.to_regclass($1)
"""


def _number(arg: Any) -> int | None:
    """An option's value: Integer, or Float for one past int4 (pglast keeps its text)."""
    if arg is None:
        return None
    value = getattr(arg, "ival", None)
    return int(value) if value is not None else int(str(getattr(arg, "fval", getattr(arg, "sval", "0"))))


async def sequence_hazards(conn: asyncpg.Connection, node: Any) -> list[Hazard]:
    """The ALTER SEQUENCE `node` refused on the live sequence's value or bounds; [] when it passes or the
    sequence is not there (new, or not readable by this role)."""
    parts = [p for p in (node.sequence.schemaname, node.sequence.relname) if p]
    name = ".".join(quote_ident(p) for p in parts)
    try:
        async with conn.transaction():  # a schema or sequence this role may not read: not judged
            row = await conn.fetchrow(_SEQUENCE_SQL, regclass_text(written(*parts)))
            last = await conn.fetchval(f"SELECT last_value FROM {name}") if row is not None else None
    except asyncpg.PostgresError:
        return []
    if row is None or last is None:
        return []
    options = {o.defname: o.arg for o in node.options or ()}
    old_type = _NAMES.get(row["type"], "int8")
    new_type = str(options["as"].names[-1].sval) if options.get("as") is not None else old_type
    if new_type not in _RANGES:
        return []
    low, high = _RANGES[new_type]
    step = _number(options.get("increment")) or row["seqincrement"]
    changed_type = new_type != old_type
    maximum, minimum = row["seqmax"], row["seqmin"]
    if "maxvalue" in options:
        maximum = (
            _number(options["maxvalue"]) if options["maxvalue"] is not None else (high if step > 0 else -1)
        )
    elif changed_type and maximum == _RANGES[old_type][1]:
        maximum = high
    if "minvalue" in options:
        minimum = (
            _number(options["minvalue"]) if options["minvalue"] is not None else (1 if step > 0 else low)
        )
    elif changed_type and minimum == _RANGES[old_type][0]:
        minimum = low
    shown = safe(".".join(parts))
    for bound, value in (("MAXVALUE", maximum), ("MINVALUE", minimum)):
        if not low <= value <= high:
            return [
                observed(
                    FAILS,
                    f"the ALTER of {shown} fails: {bound} ({value}) is out of range for {_SHOWN[new_type]}",
                )
            ]
    start = _number(options.get("start")) if options.get("start") is not None else row["seqstart"]
    value, what = last, f"its current value ({last})"
    if "restart" in options:
        value = _number(options["restart"]) if options["restart"] is not None else start
        what = f"the RESTART value ({value})"
    for checked, said in ((start, f"its START value ({start})"), (value, what)):  # the server's order
        if checked > maximum or checked < minimum:
            side = f"above MAXVALUE ({maximum})" if checked > maximum else f"below MINVALUE ({minimum})"
            return [observed(FAILS, f"the ALTER of {shown} fails: {said} is {side}")]
    return []
