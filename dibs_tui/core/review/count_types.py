"""What a column type change does to the values there now: how many do not convert (the ALTER fails) and
how many convert to something else (cut short, rounded, the time of day dropped: data lost silently)."""

from __future__ import annotations

import contextlib
import re
from collections.abc import AsyncIterator
from typing import Any

import asyncpg

from ..diff.type_conversions import through_text
from ..sql import quote_ident, quote_literal
from .count_queries import Column, Failed, Target, cast_between, count_rows, resolve_type
from .counted import RowCount, observed, raised, uncounted, unproven
from .expr_allowlist import columns_of, deparse, refusal
from .report import Hazard

FAILS = "fails-on-existing-data"
_HOW = {"S": "cut short", "N": "rounded", "D": "time or fraction dropped"}
# An integer narrowed to another: a value fits when its text is the new type's input (never rounded)
_INTEGERS = frozenset({"smallint", "integer", "bigint"})
_FLOATS = frozenset({"real", "double precision"})
_BOUNDED = re.compile(r"(?:character varying|character)\((\d+)\)")


async def cast_hazards(
    conn: asyncpg.Connection, target: Target, column: str, coldef: Any, labels: tuple[str, ...] | None = None
) -> list[Hazard]:
    """`labels`: the new type is an enum the migration creates before (not in the live database yet)."""
    old = target.columns.get(column)
    if not target.rows or old is None:
        return []
    name = f"{target.shown}.{column}"
    written_type = deparse(coldef.typeName)
    using = coldef.raw_default
    new = (
        Column("", written_type, "E", True) if labels is not None else await resolve_type(conn, written_type)
    )
    through = labels is None and new is not None and await _only_through_text(conn, using, column, old, new)
    how = f" ({through_text(old.type, written_type)})" if through else ""
    consequence = f"{name} -> {written_type}{how} fails if any value does not convert"
    why = "" if new is not None and new.safe else f"type {written_type} is not built in"
    if using is not None:
        why = why or refusal(using) or target.unsafe(columns_of(using))
    else:
        why = why or target.unsafe([column])
    if why:
        return [uncounted(FAILS, f"values of {consequence}; not counted ({why})", why)]
    assert new is not None
    col = f"t.{quote_ident(column)}"
    checks_input = labels is not None or conn.get_server_version().major >= 16
    fails, value = _conversion(target, using, col, old, new, labels, checks_input=checks_input)
    hazards: list[Hazard] = []
    compared = old.category == new.category and old.category in _HOW and old.type != new.type
    try:
        # Guarded: the cast itself runs over the rows, and the first value it refuses raises Failed.
        failed = await count_rows(conn, target, fails) if fails != "false" else None
        changed = RowCount(0)
        if compared:
            async with _shortest_floats(conn):
                changed = await count_rows(
                    conn, target, f"{value} IS NOT NULL AND {_changed(value, col, old, new)}"
                )
        elif failed is None:
            changed = await count_rows(conn, target, f"{value} IS NULL AND {col} IS NOT NULL")
    except Failed as exc:
        return [raised(FAILS, f"{consequence}: the server raised {exc.message}")]
    if failed is None:  # guarded: every value read converted; on a sample, that proves nothing of the rest
        hazards += unproven(FAILS, "value the cast refuses", target.shown, changed, consequence)
    elif failed.rows:
        values = failed.rows_text("value")
        verb = "does" if failed.rows == 1 and failed.sampled is None else "do"
        hazards.append(
            observed(
                FAILS, f"{values} of {name} {verb} not fit {written_type}{how}{failed.example_text()}", failed
            )
        )
    elif failed.rows is None:
        hazards.append(
            observed(FAILS, f"values of {consequence}; not counted ({failed.not_counted})", failed)
        )
    else:
        hazards += unproven(
            FAILS, f"value that does not fit {written_type}", target.shown, failed, consequence
        )
    if not compared:
        return hazards
    if changed.rows:
        values = changed.rows_text("value")
        verb = "changes" if changed.rows == 1 and changed.sampled is None else "change"
        # A USING that computes (USING p * 2) replaces the value on purpose: not the cast's rounding
        how = (
            _HOW[old.category]
            if _reads_column(using, column)
            else f"USING {deparse(using)} computes another value"
        )
        hazards.append(
            observed(
                "data-loss",
                f"{values} of {name} {verb} when cast {old.type} -> {new.type} ({how}){changed.example_text()}",
                changed,
            )
        )
    elif changed.rows is None:
        hazards.append(
            observed(
                "data-loss", f"values of {name} the cast changes not counted ({changed.not_counted})", changed
            )
        )
    else:
        hazards += unproven("data-loss", "value the cast changes", target.shown, changed, "values may change")
    return hazards


def _conversion(
    target: Target,
    using: Any,
    col: str,
    old: Column,
    new: Column,
    labels: tuple[str, ...] | None,
    *,
    checks_input: bool,
) -> tuple[str, str]:
    """SQL true where a row's value does not convert ("false": the cast itself runs over the rows, and the
    first value it refuses raises Failed), and the SQL of the value it converts to (NULL where it fails).
    `checks_input`: pg_input_is_valid (PostgreSQL 16's) or an enum's labels say which values fail; before 16
    the first value refused is said with the server's message (which names it), uncounted."""
    parsed_from = _parsed_from(target, using, col, old.category)
    if parsed_from is not None and new.category != "S" and checks_input:
        valid = _valid(f"({parsed_from})::pg_catalog.text", new.type, labels)
        return (
            f"({parsed_from}) IS NOT NULL AND NOT {valid}",
            f"(CASE WHEN {valid} THEN ({parsed_from})::{new.type} END)",
        )
    if using is None and (old.category == "S" or {old.type, new.type} <= _INTEGERS) and checks_input:
        valid = _valid(f"{col}::pg_catalog.text", new.type, labels)
        return f"{col} IS NOT NULL AND NOT {valid}", f"(CASE WHEN {valid} THEN {col}::{new.type} END)"
    if using is None and (bound := _BOUNDED.fullmatch(new.type)) is not None:
        # ALTER's assignment cast to varchar(n) or char(n) refuses a text longer than n unless what passes n is
        # spaces, which it cuts; the count's explicit cast cuts every one, and said them all "cut short"
        past = f"pg_catalog.substr({col}::pg_catalog.text, {int(bound[1]) + 1})"
        valid = f"(pg_catalog.rtrim({past}, ' ') = '')"
        return f"{col} IS NOT NULL AND NOT {valid}", f"(CASE WHEN {valid} THEN {col}::{new.type} END)"
    return "false", f"({deparse(using) if using is not None else col})::{new.type}"


def _changed(value: str, col: str, old: Column, new: Column) -> str:
    """SQL true where the cast's `value` is another value than the column's: read back as the old type, but
    for a float made from a numeric, an integer or a double precision. Cast back, a float gives numeric 15
    significant digits (a real 6) where it holds 17 (9): 1234567890.123456, which double precision keeps,
    seemed changed; a real gives double precision its binary value (0.1 came back 0.100000001490116); and an
    integer whose float rounds past the integer's range (2147483647 -> real 2147483648) raised 'integer out of
    range' where the ALTER does not fail. There what is lost is what a user reads: the float's shortest exact
    text (`_shortest_floats`) read as the old type, and an integer compared with the one the float holds."""
    if new.type not in _FLOATS:
        return f"({value})::{old.type} IS DISTINCT FROM {col}"
    if old.type in _FLOATS:
        return f"({value})::pg_catalog.text::pg_catalog.float8 IS DISTINCT FROM {col}"
    if old.type not in _INTEGERS:
        return f"({value})::pg_catalog.text::pg_catalog.numeric IS DISTINCT FROM {col}"
    bigint = (
        f"{value} >= '-9223372036854775808'::pg_catalog.float8"
        f" AND {value} < '9223372036854775808'::pg_catalog.float8"
    )
    return f"CASE WHEN {bigint} THEN ({value})::pg_catalog.int8 IS DISTINCT FROM {col} ELSE true END"


@contextlib.asynccontextmanager
async def _shortest_floats(conn: asyncpg.Connection) -> AsyncIterator[None]:
    """extra_float_digits = 1 in a savepoint always rolled back: a float's text is then the shortest that reads
    back as it, whatever the role or database set (0 or less prints 15 digits, and 1234567890.123456 seemed
    changed). Only there: elsewhere a float's text is what the migration's own session will make of it."""
    savepoint = conn.transaction()
    await savepoint.start()
    try:
        await conn.execute("SET LOCAL extra_float_digits = 1")
        yield
    finally:
        await savepoint.rollback()


async def _only_through_text(
    conn: asyncpg.Connection, using: Any, column: str, old: Column, new: Column
) -> bool:
    """USING `column::text::type` between two types no cast joins (jsonb -> hstore), neither a string type:
    each value's text form must read as the new type (as core/diff/type_conversions.py plans it)."""
    if (
        old.category == "S"
        or new.category == "S"
        or old.type == new.type
        or type(using).__name__ != "TypeCast"
    ):
        return False
    inner = using.arg
    if type(inner).__name__ != "TypeCast" or str(inner.typeName.names[-1].sval) != "text":
        return False
    if type(inner.arg).__name__ != "ColumnRef" or str(getattr(inner.arg.fields[-1], "sval", "")) != column:
        return False
    return not await cast_between(conn, old.type, new.type)


def _reads_column(using: Any, column: str) -> bool:
    """No USING, or one that is the column itself, cast or not: what changes is the cast's doing."""
    while type(using).__name__ == "TypeCast":
        using = using.arg
    if using is None:
        return True
    return type(using).__name__ == "ColumnRef" and str(getattr(using.fields[-1], "sval", "")) == column


def _valid(text: str, type_name: str, labels: tuple[str, ...] | None) -> str:
    """SQL true where `text` is a value of the new type: one of the labels of an enum the migration creates,
    else what the server's own input function accepts."""
    if labels is not None:
        listed = ", ".join(quote_literal(label) for label in labels)
        return f"({text} OPERATOR(pg_catalog.=) ANY (ARRAY[{listed}]::pg_catalog.text[]))"
    return f"pg_catalog.pg_input_is_valid({text}, {quote_literal(type_name)})"


def _parsed_from(target: Target, using: Any, col: str, category: str) -> str | None:
    """The text a USING `text_column::type` (or `column::text::type`, an enum's label) parses:
    pg_input_is_valid then says which rows fail; None for any other USING."""
    if type(using).__name__ != "TypeCast":
        return None
    arg, through_text = using.arg, False
    while type(arg).__name__ == "TypeCast" and str(arg.typeName.names[-1].sval) in ("text", "varchar"):
        arg, through_text = arg.arg, True
    if type(arg).__name__ != "ColumnRef":
        return None
    source = str(getattr(arg.fields[-1], "sval", ""))
    column = target.columns.get(source)
    if column is None or (column.category != "S" and not through_text):
        return None
    return f"t.{quote_ident(source)}" + ("::pg_catalog.text" if column.category != "S" else "")
