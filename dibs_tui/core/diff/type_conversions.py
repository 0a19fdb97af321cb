"""How a column's values get from one type to another in ALTER COLUMN ... TYPE: whether the server's own
conversion does it (a widened type: no USING), whether an explicit cast would cut values short where the
assignment cast refuses them, and where no cast exists but the text form reads back (range types); whether
a cast joins two types at all, or only their text forms do (pg_cast, read with the catalog), and how the plan
says a conversion through text or one it cannot make."""

from __future__ import annotations

import re

from ..model import Catalog, Column, ObjectRef, Relation
from ..plan import ChangeKind
from ..sql import qualified, quote_ident
from .state import PlanState

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


_TYPE_MODIFIER = re.compile(r"\(\d+(?:,\d+)?\)")


def unmodified(type_name: str) -> str:
    """`timestamp(3) with time zone` -> `timestamp with time zone`: as pg_cast's types are named."""
    return " ".join(_TYPE_MODIFIER.sub("", type_name).split())


def keys_compare(a: str, b: str) -> bool:
    """Whether a foreign key compares values of types `a` and `b` without a cast (one btree operator family):
    an end retyped so while the other waits keeps the key implementable, and the server rebuilds it with the
    ALTER. The integers among themselves, text and varchar; otherwise only the same type."""
    a, b = unmodified(a), unmodified(b)
    return a == b or {a, b} <= _INTEGER_WIDTH.keys() or {a, b} <= {"text", "character varying"}


def _domain_base(type_name: str, catalog: Catalog) -> str:
    """A domain's base type (a domain converts as its base type does), through domains over domains."""
    for _ in range(len(catalog.domains)):
        domain = next((d for d in catalog.domains if qualified(d.schema, d.name) == type_name), None)
        if domain is None:
            break
        type_name = unmodified(domain.base_type)
    return type_name


def conversion(old_type: str, new_type: str, catalog: Catalog) -> str:
    """How `catalog`'s server (the desired side's: what the migration has created by then) gets a value of
    `old_type` to `new_type` with a cast: "cast" (pg_cast has one, elementwise for arrays, or either is a
    string type, which every type converts to and from through its I/O functions), "text" (only through text:
    `::text::new_type`, each value's text form read as the new type), or "none" (no route: an array and a
    scalar, where no cast joins them and the array's text form is no value of the scalar's type)."""
    known = catalog.conversions
    if known is None:
        return "cast"
    old, new = unmodified(old_type), unmodified(new_type)
    while old.endswith("[]") and new.endswith("[]"):
        old, new = old[:-2], new[:-2]
    old, new = _domain_base(old, catalog), _domain_base(new, catalog)
    if old == new or old in known.strings or new in known.strings or (old, new) in known.casts:
        return "cast"
    return "none" if old.endswith("[]") != new.endswith("[]") else "text"


def through_text(old_type: str, new_type: str) -> str:
    """What a conversion only through text means, on one line (a line break in a type's name would end the
    SQL comment it is also written in, above its step)."""
    said = (
        f"no cast from {old_type} to {new_type}: converted through text, each value's text form must read as "
        f"{new_type}, else the step fails"
    )
    return " ".join(said.split())


def conversion_route(state: PlanState, old: Column, new: Column) -> str:
    """type_conversions.conversion, but for ranges and the helpers' recasts, which go through text on purpose
    (their text forms read back), as enums made again do."""
    if (
        old.type == new.type
        or between_ranges(old.type, new.type)
        or new.type_key in state.recasts
        or (new.type_key in state.array_recasts and new.type.endswith("[]"))
    ):
        return "cast"
    return conversion(old.type, new.type, state.desired)


def said_through_text(rel: Relation, old: Column, new: Column, details: list[str]) -> str:
    """A conversion only through text, said in the change and in a comment above its step, where a reader of
    the migration meets it."""
    said = through_text(old.type, new.type)
    details.append(said)
    return f"-- {qualified(rel.schema, rel.name)}.{quote_ident(new.name)}: {said}\n"


def said_without_route(state: PlanState, rel: Relation, old: Column, new: Column, route: str) -> bool:
    """No cast joins the types and the old one's text form is no value of the new one (an array and a
    scalar): said and not planned (True), rather than a step that fails on the first row."""
    if route != "none":
        return False
    detail = (
        f"type {old.type} -> {new.type} not planned: no cast joins them, and one's text form is no value of the "
        "other; convert the column by hand (ALTER COLUMN ... TYPE ... USING an expression), or drop and add it"
    )
    cref = ObjectRef("column", rel.schema, rel.name, new.name)
    state.change(ChangeKind.ALTER, cref, "column", old.type, new.type, detail=detail, planned=False)
    return True
