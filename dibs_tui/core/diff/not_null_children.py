"""A parent's NOT NULL dropped or added while a kept child keeps its own (PostgreSQL 18). The model names a child's
NOT NULL relative to its parent (the parent's name, else `<child>_<column>_not_null`), so such a child's column
looks unchanged while the parent's change reaches it:

* the parent's DROP NOT NULL takes along the child's inherited one: where the desired child has it, it is set
  again after the drop. A NOT NULL of the child's own (Relation.own_not_nulls; an inheritance child's named
  otherwise than its parent's is) outlives the drop: left alone, not added again for nothing.
* the parent's new NOT NULL would merge with the child's own, keeping the child's name (and making it its own
  and inherited), where the desired child has it inherited only, under the parent's name: the child's is
  dropped first, and the parent's ADD gives it the inherited one, reading its rows as it would anyway.
* a kept child's NOT NULL that a kept parent gives it, its own too on one side only (conislocal, which the
  fingerprint prints as ` and local`): made its own too with SET NOT NULL, or kept and said the other way."""

from __future__ import annotations

from collections.abc import Iterator

from ..ddl import add_not_null_sql
from ..model import Catalog, Column, ObjectRef, Relation
from ..object_names import not_null_name
from ..plan import ChangeKind
from ..sql import qualified, quote_ident
from .graph import ALTER_TABLES
from .render import table_ref
from .state import PlanState


def dropped_ref(rel: Relation, column: str) -> ObjectRef:
    """The state "the parent's NOT NULL on `column` is dropped": its children's are set again after it."""
    return ObjectRef("not null dropped", rel.schema, rel.name, column)


def _kept_children(state: PlanState, rel: Relation, column: str) -> Iterator[tuple[Relation, Column, Column]]:
    """Each child of `rel` under it on both sides, with its column NOT NULL on both, alike in the model."""
    for child in (*state.inheritors.get(rel.key, ()), *state.current.partitions.get(rel.key, ())):
        wanted = state.desired.relation(*child.key)
        if wanted is None or (rel.key not in wanted.inherits and wanted.partition_of != rel.key):
            continue
        old, new = child.column(column), wanted.column(column)
        if (
            old is not None
            and new is not None
            and old.not_null
            and new.not_null
            and old.not_null_not_valid is None
            and new.not_null_not_valid is None
            and (old.not_null_name, old.not_null_no_inherit) == (new.not_null_name, new.not_null_no_inherit)
        ):
            yield child, old, new


def keep_children(state: PlanState, rel: Relation, old: Column) -> None:
    """`rel` the live parent whose NOT NULL on `old` the plan drops."""
    name = not_null_name(state.current, rel, old)
    for child, col, wanted in _kept_children(state, rel, old.name):
        if col.name in child.own_not_nulls or (
            child.partition_of is None and not_null_name(state.current, child, col) != name
        ):
            continue  # its own: outlives the parent's
        prefix = f"ALTER TABLE {qualified(*child.key)} ALTER COLUMN {quote_ident(col.name)}"
        sql = (
            add_not_null_sql(child, wanted) if wanted.not_null_name is not None else f"{prefix} SET NOT NULL;"
        )
        state.step(
            ALTER_TABLES, sql, ChangeKind.ALTER, [table_ref(child)], needs=[dropped_ref(rel, old.name)]
        )


def let_children_go(state: PlanState, rel: Relation, new: Column, ready: ObjectRef) -> None:
    """`rel` the desired parent whose new NOT NULL on `new` reaches its children; `ready`: what its ADD waits for."""
    live = state.current.relation(*rel.key)
    if live is None or new.not_null_no_inherit:
        return
    name = not_null_name(state.desired, rel, new)
    for child, col, wanted in _kept_children(state, live, new.name):
        if wanted.not_null_name is not None or not_null_name(state.current, child, col) == name:
            continue  # named on purpose, or already as the parent's
        prefix = f"ALTER TABLE {qualified(*child.key)} ALTER COLUMN {quote_ident(col.name)}"
        state.step(
            ALTER_TABLES, f"{prefix} DROP NOT NULL;", ChangeKind.ALTER, [table_ref(child)], creates=[ready]
        )


def _given(catalog: Catalog, rel: Relation, column: str) -> bool:
    """Whether a parent of an inheritance child `rel` gives it its NOT NULL on `column`."""
    return rel.partition_of is None and any(
        (parent := catalog.relation(*k)) is not None
        and (col := parent.column(column)) is not None
        and col.not_null
        and not col.not_null_no_inherit
        for k in rel.inherits
    )


def plan_own_not_nulls(state: PlanState, old: Relation, new: Relation) -> None:
    """An inheritance child's NOT NULLs a parent gives it on both sides, its own too on one side only. Its own
    outlives the parent's DROP NOT NULL, so it is a difference (check said nothing where the fingerprint and
    the proof saw one). SET NOT NULL makes an inherited one its own too, the rows unread (the column is NOT
    NULL already); nothing but the parent's DROP and ADD again makes it inherited only: kept and said, as an
    own and inherited CHECK is (compare_constraints._without_own_and_inherited)."""
    if state.oldest_server < 18:
        return  # a server before 18 keeps no NOT NULL constraint to say whether a child declares its own
    for name in sorted(set(old.own_not_nulls).symmetric_difference(new.own_not_nulls)):
        was, will = old.column(name), new.column(name)
        if (
            was is None
            or will is None
            or not (was.not_null and will.not_null)
            or was.not_null_not_valid is not None
            or will.not_null_not_valid is not None
            or not (_given(state.current, old, name) and _given(state.desired, new, name))
        ):
            continue
        cref = ObjectRef("column", new.schema, new.name, name)
        if name in new.own_not_nulls:
            sql = f"ALTER TABLE {qualified(*new.key)} ALTER COLUMN {quote_ident(name)} SET NOT NULL;"
            state.change(ChangeKind.ALTER, cref, "not null", "inherited only", "its own and inherited")
            state.step(ALTER_TABLES, sql, ChangeKind.ALTER, [table_ref(new), cref])
            continue
        detail = (
            "its own and inherited, inherited only in the desired schema: kept (PostgreSQL has no statement"
            " that makes it inherited only, but the parent's DROP and ADD again; it checks the same rows)"
        )
        state.keep(cref, "not null", "its own and inherited", "inherited only", detail)
