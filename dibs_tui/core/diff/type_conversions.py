"""How a column's values get from one type to another in ALTER COLUMN ... TYPE: whether the server's own
conversion does it (a widened type: no USING), whether an explicit cast would cut values short where the
assignment cast refuses them, and where no cast exists but the text form reads back (range types)."""

from __future__ import annotations

import re

from ..model import Column

_INTEGER_WIDTH = {"smallint": 2, "integer": 4, "bigint": 8}
_SIZED = re.compile(r"(character varying|varchar|character|bit varying|numeric)\((\d+)(?:,(\d+))?\)")


def widens(old: str, new: str) -> bool:
    """A type change that keeps every value: no data loss (e.g. integer -> bigint, varchar(n) -> text)."""
    if old == new:
        return True
    if old in _INTEGER_WIDTH and new in _INTEGER_WIDTH:
        return _INTEGER_WIDTH[new] >= _INTEGER_WIDTH[old]
    if new == "text" and (old.startswith(("character varying", "character(")) or old == "character varying"):
        return True
    if new in ("numeric", "double precision") and old in _INTEGER_WIDTH:
        return new == "numeric" or old == "smallint"
    sized_old, sized_new = _SIZED.fullmatch(old), _SIZED.fullmatch(new)
    if sized_old and sized_new and sized_old.group(1) == sized_new.group(1):
        if sized_old.group(1) == "numeric":
            old_scale, new_scale = int(sized_old.group(3) or 0), int(sized_new.group(3) or 0)
            old_int = int(sized_old.group(2)) - old_scale
            return new_scale >= old_scale and int(sized_new.group(2)) - new_scale >= old_int
        return int(sized_new.group(2)) >= int(sized_old.group(2))
    if new == "numeric" and old.startswith("numeric("):
        return True
    return old.startswith("character varying(") and new == "character varying"


_BOUNDED = re.compile(r"(character varying|character|bit varying|bit)\(\d+\)((?:\[\])*)")


def cast_would_cut(old_type: str, new_type: str) -> bool:
    """True when `USING col::new_type` would cut values short where ALTER's own conversion refuses them.

    An explicit cast to varchar(n), char(n), bit(n) or varbit(n) truncates a longer value without a word; the
    assignment cast that ALTER COLUMN TYPE applies without USING raises "value too long" instead, so the
    migration fails and loses nothing (review counts the values that would fail). Every type has an assignment
    cast to a string type (its output function), and bit and bit varying cast to each other; arrays cast
    element by element when both sides have the same dimensions. Elsewhere the explicit cast is kept: it is the
    only one some conversions have (text to integer), and it rounds numerics and times as assignment would."""
    bounded = _BOUNDED.fullmatch(new_type)
    if bounded is None:
        return False
    dimensions = bounded.group(2)
    if not old_type.endswith(dimensions) or old_type[: len(old_type) - len(dimensions)].endswith("[]"):
        return False
    if bounded.group(1).startswith("bit"):
        element = old_type[: len(old_type) - len(dimensions)]
        return re.fullmatch(r"bit( varying)?(\(\d+\))?", element) is not None
    return True


_RANGES = re.compile(r"(int4|int8|num|ts|tstz|date)(multi)?range((?:\[\])*)")


def between_ranges(old_type: str, new_type: str) -> bool:
    """Two built-in range (or multirange) types: no cast joins any two (tsrange -> tstzrange), their text form
    reads back into the other, as an explicit cast of their bounds would convert them."""
    before, after = _RANGES.fullmatch(old_type), _RANGES.fullmatch(new_type)
    return before is not None and after is not None and before.group(3) == after.group(3)


def converts_alone(old: Column, new: Column) -> bool:
    """True when ALTER COLUMN TYPE's own conversion (the assignment cast) is what `USING col::new_type` would
    do: the same built-in type (its collation changed), or one widened (`widens`: varchar(n) -> text, numeric
    (p,s) -> numeric(p2,s2), integer -> bigint), arrays element by element. Written without USING, which adds
    nothing there (the server plans both alike: no rewrite or index rebuild where the types are binary
    coercible, as varchar(n) -> text)."""
    if old.type_key is not None or new.type_key is not None:
        return False
    before, after = old.type, new.type
    while before.endswith("[]") and after.endswith("[]"):
        before, after = before[:-2], after[:-2]
    return not before.endswith("[]") and not after.endswith("[]") and widens(before, after)
