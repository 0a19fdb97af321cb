"""A parent's column retyped while an inheritance child names its own NOT NULL on it otherwise than the parent's
(its own, merged with the parent's). PostgreSQL 18's ALTER COLUMN ... TYPE makes each NOT NULL of the tree again,
the parent's reaching the child first, and refuses the child's own ("cannot create not-null constraint ...: a
not-null constraint named ... already exists"). So the NOT NULLs that stand over such a child are dropped first,
parents first (a child's own outlives its parent's, then is dropped too), and added again after the type change,
children first, under their names: the parent's merges with the child's own again. No row is lost; each ADD
reads its table once more (the type change has just rewritten it).

A partition's own NOT NULL named otherwise is refused the same way, but the model cannot tell it from an attached
table's (named otherwise too, not its own, which the type change renames as the parent's): left as it was."""

from __future__ import annotations

from ..ddl import add_not_null_sql
from ..model import Catalog, Column, ObjectRef, Relation
from ..object_names import named_not_null, not_null_name
from ..plan import ChangeKind
from ..sql import qualified, quote_ident
from .around_columns import retyped_ref
from .graph import ALTER_TABLES
from .render import table_ref
from .state import PlanState


def _given(rel: Relation, column: str) -> Column | None:
    """The column where `rel` gives it its children NOT NULL (not NO INHERIT)."""
    col = rel.column(column)
    return col if col is not None and col.not_null and not col.not_null_no_inherit else None


def _over_own(state: PlanState, rel: Relation, column: str) -> list[list[Relation]]:
    """The paths from `rel` down its inheritance children to each table whose NOT NULL on `column` stands over a
    child's named otherwise (that child's own: inherited only, it would bear the parent's name)."""
    catalog: Catalog = state.current
    out: list[list[Relation]] = []
    frontier = [[rel]]
    while frontier:
        path = frontier.pop()
        table = path[-1]
        col = _given(table, column)
        if col is None:
            continue
        name = not_null_name(catalog, table, col)
        children = state.inheritors.get(table.key, ())
        for child in children:
            there = child.column(column)
            if there is not None and there.not_null and not_null_name(catalog, child, there) != name:
                out.append(path)
                break
        frontier += [[*path, child] for child in children if child not in path]
    return out


def hold_not_nulls(state: PlanState, rel: Relation, column: str, details: list[str]) -> list[ObjectRef]:
    """`rel` the live table whose `column` the plan retypes: where its tree needs it, the NOT NULLs dropped
    before the type change and added again after it. Returns the drops the type change must follow."""
    paths = _over_own(state, rel, column)
    if not paths:
        return []
    order: list[Relation] = []  # parents before children
    for path in paths:
        order += [t for t in path if t not in order]
    refs = {t.key: ObjectRef("constraint", *t.key, _name(state, t, column)) for t in order}
    for table in order:
        parents = [refs[p] for p in table.inherits if p in refs]
        sql = f"ALTER TABLE {qualified(*table.key)} ALTER COLUMN {quote_ident(column)} DROP NOT NULL;"
        state.step(
            ALTER_TABLES, sql, ChangeKind.ALTER, [table_ref(table)], destroys=[refs[table.key]], after=parents
        )
    for table in reversed(order):
        if table is not rel and not _own(state, table, column):
            continue  # inherited only: its parent's ADD makes it again
        below = [
            refs[c.key]
            for c in state.inheritors.get(table.key, ())
            if c.key in refs and _own(state, c, column)
        ]
        col = named_not_null(state.current, table, table.column(column))  # type: ignore[arg-type]
        state.step(
            ALTER_TABLES,
            add_not_null_sql(table, col),
            ChangeKind.ALTER,
            [table_ref(table)],
            creates=[refs[table.key]],
            needs=[retyped_ref(rel), *below],
        )
    details.append(
        "not null dropped and added again around the type change (a child names its own otherwise)"
    )
    return list(refs.values())


def _name(state: PlanState, table: Relation, column: str) -> str:
    return not_null_name(state.current, table, table.column(column))  # type: ignore[arg-type]


def _own(state: PlanState, table: Relation, column: str) -> bool:
    """Whether an inheritance child's NOT NULL is its own: named otherwise than its parent's (one inherited only
    bears the parent's name; one of its own named as the parent's is taken for inherited, the model cannot tell)."""
    for key in table.inherits:
        parent = state.current.relation(*key)
        col = _given(parent, column) if parent is not None else None
        if col is not None:
            return not_null_name(state.current, parent, col) != _name(state, table, column)  # type: ignore[arg-type]
    return True
