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


_INTEGER_DIGITS = {"smallint": 5, "integer": 10, "bigint": 19}
_CHARACTERS = re.compile(r"(?:character varying|character)(?:\((\d+)\))?$")
_PRECISION = re.compile(r"\(\d+\)")
_TIMES = (frozenset({"timestamp without time zone", "timestamp with time zone", "date"}), frozenset({"time without time zone", "time with time zone"}))  # fmt: skip


def _integer_digits(spelled: str) -> int | None:
    """The digits before the point a numeric or an integer type holds; None for unbounded numeric."""
    if spelled in _INTEGER_DIGITS:
        return _INTEGER_DIGITS[spelled]
    m = _NUMERIC.match(spelled)
    if m and m.group(1) is not None:
        return int(m.group(1)) - int(m.group(2) or 0)
    return None


def takes_every_value(old: str, new: str) -> bool:
    """Whether a column of type `new` accepts the text of every value of type `old` (what a logical replication
    subscriber receives from a publisher whose column is still `old`): the same type or a wider one, a longer
    or unbounded string, an integer into one as wide, a numeric keeping its digits before the point (its scale
    rounds, it does not fail), a date or time of another precision or zone (the
    server reads the text's fields it needs). Both as format_type spells them."""
    old, new = old.strip().lower(), new.strip().lower()
    if binary_coercible(old, new) or new in ("text", "character varying"):
        return True
    if (mo := _CHARACTERS.match(old)) and (mn := _CHARACTERS.match(new)):
        return mn.group(1) is None or int(mn.group(1)) >= int(mo.group(1) or 1)
    if old in _INTEGER_DIGITS or _NUMERIC.match(old):
        if new in ("numeric", "double precision") or (new == "real" and old in _INTEGER_DIGITS):
            return True
        digits, room = _integer_digits(old), _integer_digits(new)
        fits = digits is not None and room is not None and room >= digits
        return fits and (new not in _INTEGER_DIGITS or old in _INTEGER_DIGITS)
    if old == "real":
        return new == "double precision"
    old_time, new_time = _PRECISION.sub("", old), _PRECISION.sub("", new)
    return any(old_time in times and new_time in times for times in _TIMES)
