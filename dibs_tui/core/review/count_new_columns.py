"""A column this migration adds, and the rows already there: what the ADD itself fails on (NOT NULL with nothing
to fill it, UNIQUE over one constant), and the value every existing row then holds (NULL, or a constant
DEFAULT), so that a later CHECK or SET NOT NULL over the column is counted on the live rows with that value in
its place, not refused by the server as a column that does not exist yet."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import asyncpg

from .count_queries import Target, resolve_type
from .counted import RowCount, observed
from .expr_allowlist import deparse
from .report import Hazard

FAILS = "fails-on-existing-data"
_SERIAL = ("serial", "bigserial", "smallserial", "serial4", "serial8", "serial2")


@dataclass(frozen=True)
class NewColumn:
    """What every row already there holds in a column the migration adds."""

    type_text: str  # as the migration writes it
    value: Any  # the constant DEFAULT's node; None: NULL
    unknown: str = (
        ""  # why the value is not one constant (a volatile DEFAULT, identity, generated, an UPDATE)
    )


def _serial(column: Any) -> bool:
    names = [str(n.sval) for n in getattr(column.typeName, "names", None) or ()]
    return bool(names) and names[-1] in _SERIAL


def _constant(expr: Any) -> bool:
    """A DEFAULT every existing row gets the same value from: a literal, perhaps cast."""
    while type(expr).__name__ == "TypeCast":
        expr = expr.arg
    return type(expr).__name__ == "A_Const" and not getattr(expr, "isnull", False)


def _constraints(column: Any) -> dict[str, Any]:
    return {str(getattr(c.contype, "name", c.contype)): c for c in column.constraints or ()}


def new_column(column: Any) -> NewColumn:
    types = _constraints(column)
    type_text = deparse(column.typeName)
    default = types.get("CONSTR_DEFAULT")
    if {"CONSTR_IDENTITY", "CONSTR_GENERATED"} & set(types) or _serial(column):
        return NewColumn(type_text, None, "its values are generated")
    if default is None:
        return NewColumn(type_text, None)
    if not _constant(default.raw_expr):
        return NewColumn(type_text, None, f"its DEFAULT {deparse(default.raw_expr)} is not one constant")
    return NewColumn(type_text, default.raw_expr)


def add_column_hazards(target: Target, column: Any) -> list[Hazard]:
    """ADD COLUMN on a table with rows: NOT NULL with nothing to fill it, or UNIQUE over one value."""
    if not target.rows:
        return []
    types = _constraints(column)
    default = types.get("CONSTR_DEFAULT")
    filled = (
        default is not None or bool({"CONSTR_IDENTITY", "CONSTR_GENERATED"} & set(types)) or _serial(column)
    )
    whole = RowCount(target.rows)
    if not filled and ("CONSTR_NOTNULL" in types or "CONSTR_PRIMARY" in types):
        rows = "row" if target.rows == 1 else "rows"
        return [
            observed(
                FAILS,
                f"adds {column.colname} NOT NULL without a DEFAULT to {target.shown}: its "
                f"{target.rows:,} existing {rows} would be NULL",
                whole,
            )
        ]
    unique = "CONSTR_UNIQUE" in types or "CONSTR_PRIMARY" in types
    if unique and default is not None and target.rows > 1 and _constant(default.raw_expr):
        return [
            observed(
                FAILS,
                f"adds {target.shown}.{column.colname} UNIQUE with the constant DEFAULT {deparse(default.raw_expr)}: "
                f"its {target.rows:,} existing rows would all hold that one value",
                whole,
            )
        ]
    return []


def _is_ref(node: Any, names: set[str]) -> str:
    if type(node).__name__ != "ColumnRef" or not node.fields:
        return ""
    name = str(getattr(node.fields[-1], "sval", ""))
    return name if name in names else ""


def _replace(expr: Any, by: dict[str, Any]) -> Any:
    """`expr` with every reference to a column of `by` replaced by its node (in place, and returned)."""
    names = set(by)
    if found := _is_ref(expr, names):
        return by[found]
    stack = [expr]
    while stack:
        current = stack.pop()
        if type(current).__module__ != "pglast.ast":
            continue
        for slot in type(current).__slots__:
            value = getattr(current, slot)
            if isinstance(value, list | tuple):
                swapped = tuple(by[n] if (n := _is_ref(v, names)) else v for v in value)
                if any(a is not b for a, b in zip(swapped, value, strict=True)):
                    setattr(current, slot, swapped)
                stack.extend(v for v in value if not _is_ref(v, names))
            elif found := _is_ref(value, names):
                setattr(current, slot, by[found])
            else:
                stack.append(value)
    return expr


async def with_new_values(conn: asyncpg.Connection, expr: Any, new: dict[str, NewColumn]) -> tuple[Any, str]:
    """`expr` with the columns this migration adds replaced by the value every existing row holds in them,
    cast to their type; or '' and why it cannot be (a value not one constant, a type not built in)."""
    import pglast

    by: dict[str, Any] = {}
    for name, column in sorted(new.items()):
        if column.unknown:
            return expr, f"column {name} is added by this migration and {column.unknown}"
        resolved = await resolve_type(conn, column.type_text)
        if resolved is None or not resolved.safe:
            return (
                expr,
                f"column {name} is added by this migration with a type whose functions are not built in",
            )
        value = deparse(column.value) if column.value is not None else "NULL"
        cast = pglast.parse_sql(f"SELECT CAST({value} AS {resolved.type})")[0].stmt
        by[name] = cast.targetList[0].val  # type: ignore[union-attr]
    return _replace(expr, by), ""
