"""A new child table's columns that come from its parents (plain inheritance or partitioning): CREATE TABLE
must not declare them again, or they would become the child's own (attislocal) and survive the parent's drop of
them; what the child changes on such a column (its default, NOT NULL) is set once the table exists. And the columns of
a kept child a kept parent gains or drops: merged into the parent's ADD, left to the child by an ONLY drop."""

from __future__ import annotations

from typing import NamedTuple

from ..ddl import add_not_null_sql
from ..model import Column, ObjectRef, QualifiedName, Relation
from ..plan import ChangeKind
from ..sql import qualified, quote_ident
from .graph import ALTER_TABLES
from .render import table_ref
from .state import PlanState


class Inherited(NamedTuple):
    """A child's column as its parent defines it: the child's own default or NOT NULL is set against it."""

    parent: QualifiedName
    column: Column

    @property
    def ref(self) -> ObjectRef:
        """The parent's column: it reaches the child when the child or the column is created, whichever is last."""
        return ObjectRef("column", self.parent[0], self.parent[1], self.column.name)


def inherited_columns(state: PlanState, rel: Relation) -> dict[str, Inherited]:
    """Each column `rel` takes from a desired parent and does not declare itself, with that parent's column."""
    parents = [rel.partition_of] if rel.partition_of is not None else list(rel.inherits)
    out: dict[str, Inherited] = {}
    for key in parents:
        parent = state.desired.relation(*key)
        for col in parent.columns if parent is not None else ():
            if col.name not in rel.merged_columns:
                out.setdefault(col.name, Inherited(key, col))
    return out


def kept_by_a_child(state: PlanState, parent: QualifiedName, column: str) -> bool:
    """Whether the parent's drop of `column` must be ONLY: a child staying under it keeps the column, which it
    holds from this parent alone (not declared itself, no other parent has it). A drop that recursed would
    take the child's column with its values and indexes; ONLY leaves it to the child, as its own."""
    for child in state.inheritors.get(parent, ()):
        desired = state.desired.relation(*child.key)
        if (
            desired is not None
            and parent in desired.inherits
            and desired.column(column) is not None
            and column not in child.merged_columns
            and not any(_has(state, other, column) for other in child.inherits if other != parent)
        ):
            return True
    return False


def _has(state: PlanState, key: QualifiedName, column: str) -> bool:
    rel = state.current.relation(*key)
    return rel is not None and rel.column(column) is not None


def inherited_names(state: PlanState, old: Relation, new: Relation, own: set[str]) -> set[str]:
    """Columns that come from a parent on both sides: changes to them (and their drop) propagate from the
    parent. A column the parent drops goes with the parent's drop, but those in `own` (its drop ONLY)."""
    names: set[str] = set()
    parents = set(old.inherits) & set(new.inherits)
    if old.partition_of is not None and old.partition_of == new.partition_of:
        parents.add(old.partition_of)
    for parent_key in parents:
        desired, current = state.desired.relation(*parent_key), state.current.relation(*parent_key)
        names |= {c.name for c in desired.columns} if desired is not None else set()
        names |= {c.name for c in current.columns if c.name not in own} if current is not None else set()
    return names


def parents_gain(state: PlanState, old: Relation, new: Relation) -> set[str]:
    """The columns a parent kept on both sides gains (ADD COLUMN merges the child's own into it): the child's
    own until then, what differs on them its business."""
    gained: set[str] = set()
    held: set[str] = set()  # from a parent already: inherited before and after
    for parent_key in set(old.inherits) & set(new.inherits):
        current, desired = state.current.relation(*parent_key), state.desired.relation(*parent_key)
        if current is not None and desired is not None:
            gained |= {c.name for c in desired.columns}
            held |= {c.name for c in current.columns}
    return gained - held


def own_once_parents_drop(state: PlanState, old: Relation, new: Relation) -> dict[str, ObjectRef]:
    """The columns a parent kept on both sides drops ONLY (kept_by_a_child), each with that parent's column:
    the child's own once that drop ran, which its steps on them follow."""
    own: dict[str, ObjectRef] = {}
    for parent_key in set(old.inherits) & set(new.inherits):
        current, desired = state.current.relation(*parent_key), state.desired.relation(*parent_key)
        if current is None or desired is None:
            continue
        for col in current.columns:
            if desired.column(col.name) is None and kept_by_a_child(state, parent_key, col.name):
                own[col.name] = ObjectRef("column", *parent_key, col.name)
    return own


def plan_inherited_overrides(state: PlanState, rel: Relation, inherited: dict[str, Inherited]) -> None:
    """An inherited column the child alone makes NOT NULL (the parent's NOT NULL is inherited by itself), and
    a parent's default the child does without."""
    ref = table_ref(rel)
    table = qualified(rel.schema, rel.name)
    for col in sorted(rel.columns, key=lambda c: c.position):
        source = inherited.get(col.name)
        if source is None:
            continue
        prefix = f"ALTER TABLE {table} ALTER COLUMN {quote_ident(col.name)}"
        named = rel.partition_of is not None and col.not_null_name is not None and not col.not_null_not_valid
        if col.not_null and not source.column.not_null and not named:
            sql = f"{prefix} SET NOT NULL;"
            if col.not_null_name is not None:
                sql = add_not_null_sql(rel, col)
            state.step(ALTER_TABLES, sql, ChangeKind.ALTER, [ref], needs=[ref, source.ref])
        if col.default is None and source.column.default is not None and col.generated is None:
            state.step(
                ALTER_TABLES,
                f"{prefix} DROP DEFAULT;",
                ChangeKind.ALTER,
                [ref],
                needs=[ref, source.ref],
                destroys=[ObjectRef("default", rel.schema, rel.name, col.name)],
            )
