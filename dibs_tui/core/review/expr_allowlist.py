"""Which expressions from a migration the review may evaluate on live data, read from the parse tree.

A CHECK body, a USING expression or an index key comes from a file, not from the user's intent to run it: the
review evaluates it only when every node is a column, a constant, an operator, a cast to a built-in type or a
call of a side-effect-free built-in from the list below. Anything else (a subquery, a user's function,
dblink, pg_sleep, set_config, an advisory lock) is refused by name before any query is sent. The counting
query then runs with `search_path = pg_catalog`, so an unqualified name can only reach a built-in.
"""

from __future__ import annotations

from typing import Any

# Built-ins with no side effect (immutable, or stable and reading nothing but the clock or the row).
ALLOWED_FUNCTIONS = frozenset(
    {
        "abs", "array_length", "array_lower", "array_position", "array_upper", "btrim", "cardinality", "ceil",
        "ceiling", "char_length", "character_length", "concat", "concat_ws", "date_part", "date_trunc",
        "extract", "floor", "initcap", "isempty", "isfinite", "json_typeof", "jsonb_array_length",
        "jsonb_typeof", "left", "length", "lower", "lower_inc", "lower_inf", "ltrim", "md5", "mod", "now",
        "num_nonnulls", "num_nulls", "octet_length", "position", "regexp_like", "regexp_match",
        "regexp_replace", "replace", "right", "round", "rtrim", "sign", "split_part", "strpos", "substr",
        "substring", "to_char", "to_date", "to_number", "to_timestamp", "trim", "trunc", "upper", "upper_inc",
        "upper_inf", "jsonb_exists", "array_to_string", "string_to_array", "timezone", "age", "sqrt", "power",
        "overlaps", "starts_with", "translate", "reverse", "repeat", "lpad", "rpad", "bit_length",
        "numeric", "int4", "int8", "text",
    }
)  # fmt: skip

# Nodes that compute a value from the row without reaching anything else.
_PLAIN_NODES = frozenset(
    {
        "A_Const", "A_Expr", "BoolExpr", "NullTest", "BooleanTest", "TypeCast", "TypeName", "CaseExpr",
        "CaseWhen", "CoalesceExpr", "MinMaxExpr", "A_ArrayExpr", "RowExpr", "SQLValueFunction", "ColumnRef",
        "String", "Integer", "Float", "Boolean", "BitString", "CollateClause", "A_Indirection", "A_Indices",
        "FuncCall", "IndexElem",
    }
)  # fmt: skip


def _name(items: Any) -> list[str]:
    return [str(getattr(i, "sval", "")) for i in items or ()]


def _qualified_outside_catalog(parts: list[str]) -> bool:
    return len(parts) > 1 and parts[0] != "pg_catalog"


def _node_refusal(node: Any, user_casts: bool = False) -> str | None:
    kind = type(node).__name__
    if kind not in _PLAIN_NODES:
        what = "a subquery" if kind == "SubLink" else kind
        return f"expression contains {what}"
    if kind == "FuncCall":
        parts = _name(node.funcname)
        shown = ".".join(parts)
        if node.over is not None or node.agg_star or node.agg_filter is not None:
            return f"expression calls {shown}() as an aggregate or window"
        if _qualified_outside_catalog(parts) or parts[-1] not in ALLOWED_FUNCTIONS:
            return f"expression calls {shown}()"
    if kind == "A_Expr" and _qualified_outside_catalog(_name(node.name)):
        return f"expression uses operator {'.'.join(_name(node.name))}"
    if kind == "TypeName" and not user_casts and _qualified_outside_catalog(_name(node.names)):
        return f"expression casts to {'.'.join(_name(node.names))}"
    if kind == "ColumnRef" and not all(type(f).__name__ == "String" for f in node.fields):
        return "expression reads a whole row"
    return None


def refusal(node: Any, *, user_casts: bool = False) -> str | None:
    """Why `node` (a pglast expression) may not be evaluated on live data; None when it may. `user_casts`: a
    cast to a type outside pg_catalog is left to the caller (count_queries.refusal_on checks it is safe)."""
    stack = [node]
    while stack:
        current = stack.pop()
        if current is None or isinstance(current, str | int | float | bool):
            continue
        if isinstance(current, list | tuple):
            stack.extend(current)
            continue
        if type(current).__module__ != "pglast.ast":
            continue  # enum values
        if (why := _node_refusal(current, user_casts)) is not None:
            return why
        stack.extend(getattr(current, slot) for slot in type(current).__slots__)
    return None


def deparse(node: Any) -> str:
    """The expression as SQL text, spelled by pglast from the tree (never the file's own characters)."""
    from pglast.stream import RawStream

    return str(RawStream()(node))


def columns_of(node: Any) -> set[str]:
    """Every column name the expression reads (the last part of each column reference)."""
    found: set[str] = set()
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, list | tuple):
            stack.extend(current)
        elif type(current).__module__ == "pglast.ast":
            if type(current).__name__ == "ColumnRef" and current.fields:
                found.add(str(getattr(current.fields[-1], "sval", "")))
            stack.extend(getattr(current, slot) for slot in type(current).__slots__)
    return found


def unqualified(expr: Any) -> Any:
    """A DELETE's WHERE with its column references stripped to the column's name: the counting query reads the
    table as `t`, and a WHERE without a subquery (refused before) can name no other table."""
    stack = [expr]
    while stack:
        current = stack.pop()
        if isinstance(current, list | tuple):
            stack.extend(current)
        elif type(current).__module__ == "pglast.ast":
            if type(current).__name__ == "ColumnRef" and current.fields and len(current.fields) > 1:
                current.fields = (current.fields[-1],)
            stack.extend(getattr(current, slot) for slot in type(current).__slots__)
    return expr


def user_cast_types(node: Any) -> list[str]:
    """The types outside pg_catalog the expression casts to, as written (schema-qualified)."""
    found: list[str] = []
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, list | tuple):
            stack.extend(current)
        elif type(current).__module__ == "pglast.ast":
            if type(current).__name__ == "TypeName" and _qualified_outside_catalog(_name(current.names)):
                found.append(deparse(current))
            stack.extend(getattr(current, slot) for slot in type(current).__slots__)
    return found
