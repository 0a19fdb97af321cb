"""A new child table's columns that come from its parents (plain inheritance or partitioning): CREATE TABLE
must not declare them again, or they would become the child's own (attislocal) and survive the parent's drop of
them; what the child changes on such a column (its default, NOT NULL) is set once the table exists."""

from __future__ import annotations

from typing import NamedTuple

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
        if col.not_null and not source.column.not_null:
            state.step(
                ALTER_TABLES, f"{prefix} SET NOT NULL;", ChangeKind.ALTER, [ref], needs=[ref, source.ref]
            )
        if col.default is None and source.column.default is not None and col.generated is None:
            state.step(
                ALTER_TABLES,
                f"{prefix} DROP DEFAULT;",
                ChangeKind.ALTER,
                [ref],
                needs=[ref, source.ref],
                destroys=[ObjectRef("default", rel.schema, rel.name, col.name)],
            )
