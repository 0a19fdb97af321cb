"""Which type changes PostgreSQL makes in place, without rewriting the table: the review's rewrite rule."""

from __future__ import annotations

import re

_VARCHAR = re.compile(r"(?:character varying|varchar)\s*(?:\((\d+)\))?$", re.IGNORECASE)
_NUMERIC = re.compile(r"(?:numeric|decimal)\s*(?:\((\d+)\s*(?:,\s*(\d+))?\))?$", re.IGNORECASE)
_TIMESTAMPS = frozenset({"timestamp without time zone", "timestamp with time zone"})


def binary_coercible(old: str, new: str, *, utc: bool = False) -> bool:
    """Type changes PostgreSQL makes without rewriting the table (the same type spelled otherwise, text to
    varchar, widening varchar, numeric precision, timestamp <-> timestamptz where the session's zone is UTC);
    `new` as format_type spells it where the server could resolve it."""
    old, new = old.strip().lower(), new.strip().lower()
    if old == new:
        return True
    if (new == "text" and _VARCHAR.match(old)) or (old == "text" and new == "character varying"):
        return True
    if utc and {old, new} == _TIMESTAMPS:
        return True
    if (mo := _VARCHAR.match(old)) and (mn := _VARCHAR.match(new)):
        return mn.group(1) is None or (mo.group(1) is not None and int(mn.group(1)) >= int(mo.group(1)))
    if (mo := _NUMERIC.match(old)) and (mn := _NUMERIC.match(new)):
        if mn.group(1) is None:
            return True
        return (
            mo.group(1) is not None
            and int(mn.group(1)) >= int(mo.group(1))
            and (mo.group(2) or "0") == (mn.group(2) or "0")
        )
    return False
