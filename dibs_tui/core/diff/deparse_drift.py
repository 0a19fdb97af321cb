"""Whether two definitions are the same, where their texts differ only in what the server prints back
differently after a reload.

The server deparses a view (pg_get_viewdef), a CHECK (pg_get_constraintdef) or an expression (pg_get_expr)
from its parse tree, and reading
that text back does not always give the same tree. Two drifts are known, both also in pg_dump's output:

* a UNION arm's `NULL` comes back as `NULL::integer`, which the next load names `int4` and prints
  `NULL::integer AS int4`; the columns of a set operation take their names from its first arm only;
* `col IN ('a', 'b')` on a varchar column is printed `(col)::text = ANY ((ARRAY['a'::varchar, ...])::text[])`,
  which reads back with the cast on each element: `ANY (ARRAY[('a'::varchar)::text, ...])`.

Without this, a schema loaded from `schema --sql` (or pg_dump) would differ from its origin forever: each diff
plans the definition again, and running it brings the drifted text back. Only texts that differ are parsed.

Two servers of different major versions print one view differently: PostgreSQL 15 keeps a view's OLD and NEW
entries in its range table, so its deparser qualifies each column of a view over one relation (`SELECT t.id
FROM t`), which 16 and later print bare (`SELECT id FROM t`). A login that may not make databases loads its
desired schema on the embedded 18 and compares it with a live 15: without this, every such view is planned
again, forever, and `check` never passes. Across versions (`across_versions`), view queries are compared by
their parse trees with a column qualified by the only relation of its SELECT made bare, which names the same
column. Not within one version: there one meaning prints one text, and a text that differs is a change.
"""

from __future__ import annotations

import re
from typing import Any


def across_versions(a: str, b: str) -> bool:
    """Whether two server_version strings (`15.18 (Debian ...)`, `18.6`) are of different major versions."""
    major_a, major_b = major_version(a), major_version(b)
    return major_a is not None and major_b is not None and major_a != major_b


def major_version(server_version: str) -> int | None:
    """15 for `15.18 (Debian ...)`; None for a catalog that does not say (one made by hand)."""
    major = _MAJOR.match(server_version)
    return int(major[0]) if major is not None else None


_MAJOR = re.compile(r"\d+")


def same_view_query(a: str, b: str, *, across: bool = False) -> bool:
    """Two views' queries (pg_get_viewdef); `across`: read from servers of different major versions."""
    return a == b or same_statement(a, b, across=across)


def same_check(a: str, b: str, *, across: bool = False) -> bool:
    """Two CHECK constraints' definitions (pg_get_constraintdef: `CHECK (...)`, perhaps `NOT VALID`)."""
    return a == b or same_statement(
        f"ALTER TABLE t ADD CONSTRAINT c {a}", f"ALTER TABLE t ADD CONSTRAINT c {b}", across=across
    )


_STATISTICS_ON = re.compile(r"(CREATE STATISTICS .*? ON )(.*?)( FROM .*)", re.DOTALL)


def same_statistics(a: str, b: str) -> bool:
    """Two statistics objects' CREATE texts (pg_get_statisticsobjdef): its plain columns are printed in the
    table's column order, which a column added again at the end changes; the object is the same."""
    if a == b:
        return True
    ma, mb = _STATISTICS_ON.fullmatch(a), _STATISTICS_ON.fullmatch(b)
    if ma is None or mb is None or (ma[1], ma[3]) != (mb[1], mb[3]) or "(" in ma[2] or "(" in mb[2]:
        return False
    return sorted(ma[2].split(", ")) == sorted(mb[2].split(", "))


def same_expression(a: str | None, b: str | None, *, across: bool = False) -> bool:
    """Two expressions (pg_get_expr: a default, a generated column's, a policy's USING or WITH CHECK)."""
    return a == b or (
        a is not None and b is not None and same_statement(f"SELECT {a}", f"SELECT {b}", across=across)
    )


def same_statement(a: str, b: str, *, across: bool = False) -> bool:
    """Two statements (an index's pg_get_indexdef)."""
    if not across and not _may_drift(a, b):
        return False  # texts the server wrote from equal trees are equal: only the known drifts differ
    # Here, not at the top: the parser's module (and orjson) cost a diff's start-up about 8 ms of CPU, and
    # most diffs never have two texts that may drift.
    from ..sqlparse import statement_info

    left, right = statement_info(a), statement_info(b)
    if left is None or right is None:
        return False
    if across:
        return _normal(_unqualified(left.node)) == _normal(_unqualified(right.node))
    return _normal(left.node) == _normal(right.node)


def _may_drift(a: str, b: str) -> bool:
    """Whether the texts hold what the known drifts touch: both an ARRAY, or a set operation."""
    return ("ARRAY[" in a and "ARRAY[" in b) or any(op in a and op in b for op in _SET_OPERATIONS)


_SET_OPERATIONS = ("UNION", "INTERSECT", "EXCEPT")
_POSITIONS = frozenset(("location", "list_start", "list_end"))  # where in the text: not what it says


def _normal(node: Any) -> Any:
    if isinstance(node, list):
        return [_normal(n) for n in node]
    if not isinstance(node, dict):
        return node
    out = {k: _normal(v) for k, v in node.items() if k not in _POSITIONS}
    if out.get("op", "SETOP_NONE") != "SETOP_NONE" and "rarg" in out:
        out["rarg"] = _unnamed(out["rarg"])
    cast = out.get("TypeCast")
    if isinstance(cast, dict):
        array, type_name = cast.get("arg"), cast.get("typeName")
        if (
            isinstance(array, dict)
            and "A_ArrayExpr" in array
            and isinstance(type_name, dict)
            and type_name.get("arrayBounds")
        ):
            element_type = {k: v for k, v in type_name.items() if k != "arrayBounds"}
            elements = array["A_ArrayExpr"].get("elements", [])
            return {
                "A_ArrayExpr": {
                    **array["A_ArrayExpr"],
                    "elements": [{"TypeCast": {"arg": e, "typeName": element_type}} for e in elements],
                }
            }
    return out


def _unnamed(select: Any) -> Any:
    """A later arm of a set operation (itself perhaps one): its output columns' names dropped."""
    if not isinstance(select, dict):
        return select
    if select.get("op", "SETOP_NONE") != "SETOP_NONE":
        return {**select, "larg": _unnamed(select.get("larg")), "rarg": _unnamed(select.get("rarg"))}
    targets = [
        {"ResTarget": {k: v for k, v in t["ResTarget"].items() if k != "name"}} if "ResTarget" in t else t
        for t in select.get("targetList", [])
    ]
    return {**select, "targetList": targets}


def _unqualified(node: Any, sole: str | None = None) -> Any:
    """`node` with each column reference `x.col` made `col` where `x` is the only relation of the SELECT the
    reference is in (`sole`): there both name the same column. A reference to an outer query's relation (in a
    subquery of its own single relation) is kept: made bare, it would name the inner one's column."""
    if isinstance(node, list):
        return [_unqualified(n, sole) for n in node]
    if not isinstance(node, dict):
        return node
    select = node.get("SelectStmt")
    if isinstance(select, dict):
        inner = _sole_relation(select)
        return {"SelectStmt": {k: _unqualified(v, inner) for k, v in select.items()}}
    ref = node.get("ColumnRef")
    if sole is not None and isinstance(ref, dict):
        fields = ref.get("fields", [])
        if len(fields) == 2 and fields[0] == {"String": {"sval": sole}}:
            return {"ColumnRef": {**ref, "fields": fields[1:]}}
    return {k: _unqualified(v, sole) for k, v in node.items()}


def _sole_relation(select: dict[str, Any]) -> str | None:
    """The name a SELECT's only FROM item is referred to by (its alias, else a table's name); None when it
    has none or several (a join is several)."""
    items = select.get("fromClause") or []
    if len(items) != 1 or not isinstance(items[0], dict) or len(items[0]) != 1:
        return None
    [(kind, item)] = items[0].items()
    if kind == "RangeTableSample" and isinstance(item, dict):  # `t TABLESAMPLE ...`: named as its table
        [(kind, item)] = item["relation"].items()
    alias = item.get("alias") if isinstance(item, dict) else None
    if isinstance(alias, dict) and "aliasname" in alias:
        return str(alias["aliasname"])
    return str(item["relname"]) if kind == "RangeVar" else None
