"""A NOT NULL kept on both sides whose constraint is named otherwise or made NO INHERIT (PostgreSQL 18), changed
in place: ALTER TABLE ... RENAME CONSTRAINT and ALTER CONSTRAINT ... [NO] INHERIT, no row read, no rewrite.

A child's NOT NULL named as its parent's is renamed with the parent's; while a parent gives the column a NOT NULL,
the server refuses to rename the child's, whatever its name. So a child's is renamed while it is its own: after
its DETACH or NO INHERIT (or the parent's ONLY drop of the column), before its ATTACH or the parent's merging ADD
COLUMN (which keep its name). A parent's rename is refused where a child names its NOT NULL otherwise, as is a
child's while a parent holds it on both sides: said and not planned then."""

from __future__ import annotations

from ..model import Catalog, Column, ObjectRef, QualifiedName, Relation
from ..object_names import not_null_name
from ..plan import ChangeKind
from ..sql import qualified, quote_ident
from .around_columns import retyped_ref
from .graph import ALTER_TABLES
from .not_null_retype import keeps_own
from .partition_moves import detached_ref
from .render import table_ref
from .state import PlanState


def _holder(catalog: Catalog, rel: Relation, column: str) -> QualifiedName | None:
    """The parent that gives the column a NOT NULL (whatever the child names its own): while one does, the
    server refuses to rename the child's ("cannot rename inherited constraint")."""
    for key in [rel.partition_of] if rel.partition_of is not None else rel.inherits:
        parent = catalog.relation(*key)
        there = parent.column(column) if parent is not None else None
        if there is not None and there.not_null and not there.not_null_no_inherit:
            return key
    return None


def _retyping_parent(state: PlanState, live: Relation, col: Column) -> str | None:
    """The partition's NOT NULL name after the plan retypes its column on its parent: ALTER COLUMN ... TYPE makes
    each partition's NOT NULL again under the parent's name (PostgreSQL 18), whatever it was; one held around the
    type change is made again under its desired name (not_null_retype)."""
    key = live.partition_of
    desired = state.desired.relation(*live.key)
    if key is None or desired is None or desired.partition_of != key:  # one that leaves is detached first
        return None
    parent, wanted = state.current.relation(*key), state.desired.relation(*key)
    if parent is None or wanted is None:
        return None
    there, then = parent.column(col.name), wanted.column(col.name)
    if there is None or then is None or not there.not_null:
        return None
    if (there.type, there.collation) == (then.type, then.collation):
        return None
    if keeps_own(state, parent, live, col.name):  # made again under its desired name around the type change
        own = desired.column(col.name)
        return not_null_name(state.desired, desired, own) if own is not None else None
    return not_null_name(state.current, parent, there)


def _named_otherwise(state: PlanState, rel: Relation, column: str, name: str) -> Relation | None:
    """A child of `rel` that has `column` NOT NULL under another name than `name` (the server's rename recurses
    and fails on it), if any."""
    for child in (*state.inheritors.get(rel.key, ()), *state.current.partitions.get(rel.key, ())):
        col = child.column(column)
        if col is not None and col.not_null and not_null_name(state.current, child, col) != name:
            return child
    return None


def _why_kept(
    state: PlanState, live: Relation, rel: Relation, column: str, before: str, after: str
) -> str | None:
    """Why PostgreSQL will not rename the NOT NULL of `live` (`rel` desired), what the user can do; None: it will."""
    was, will = _holder(state.current, live, column), _holder(state.desired, rel, column)
    if was is not None and will is not None:
        how = "DETACH PARTITION" if live.partition_of is not None else "NO INHERIT"
        return (
            f"not null named {before} -> {after}: kept, PostgreSQL refuses to rename a NOT NULL that its parent"
            f" {qualified(*was)} gives it; to rename it, {how}, RENAME"
            f" CONSTRAINT, then attach it again, by hand; or name it {before} in the desired schema"
        )
    child = _named_otherwise(state, live, column, before)
    if child is None:
        return None
    return (
        f"not null named {before} -> {after}: kept, PostgreSQL's rename would reach its child"
        f" {qualified(*child.key)}, which names its own otherwise, and fails there; name it {before} in the"
        " desired schema, or rename it by hand with that child detached"
    )


def plan_not_null_name(state: PlanState, rel: Relation, old: Column, new: Column, details: list[str]) -> None:
    """`rel` the desired table; its NOT NULL on `old` (current) and `new` (desired) both set."""
    live = state.current.relation(*rel.key)
    if live is None or not old.not_null or not new.not_null or state.oldest_server < 18:
        return
    before, after = not_null_name(state.current, live, old), not_null_name(state.desired, rel, new)
    table, ref = qualified(rel.schema, rel.name), table_ref(rel)
    own = old.not_null_name
    if (parent := _retyping_parent(state, live, old)) is not None:
        before, own = parent, None  # the parent's name, which its ALTER COLUMN ... TYPE gives it
    made = ObjectRef("constraint", rel.schema, rel.name, after)
    if before != after:
        was, will = _holder(state.current, live, old.name), _holder(state.desired, rel, new.name)
        if was is not None and was == will and own is None and new.not_null_name is None:
            pass  # named as its parent's on both sides: renamed with it
        elif (detail := _why_kept(state, live, rel, old.name, before, after)) is not None:
            state.change(ChangeKind.ALTER, made, "not null", before, after, detail=detail, planned=False)
            after = before
        else:
            details.append(f"not null renamed {before} -> {after}")
            # once its own: after its parent lets it go (its DETACH or NO INHERIT, the parent's ONLY drop of it)
            detached = [detached_ref(rel, was)] if was is not None else []
            dropped = [ObjectRef("column", *was, old.name)] if was is not None else []
            state.step(
                ALTER_TABLES,
                f"ALTER TABLE {table} RENAME CONSTRAINT {quote_ident(before)} TO {quote_ident(after)};",
                ChangeKind.ALTER,
                [ref],
                # before its parent's ADD COLUMN merges it (which waits for the child's columns: retyped_ref)
                creates=[made, retyped_ref(rel)] if will is not None else [made],
                destroys=[ObjectRef("constraint", rel.schema, rel.name, before)],
                needs=detached,
                after=dropped,
            )
    if old.not_null_no_inherit != new.not_null_no_inherit:
        mode = "NO INHERIT" if new.not_null_no_inherit else "INHERIT"
        details.append(f"not null {mode}")
        state.step(
            ALTER_TABLES,
            f"ALTER TABLE {table} ALTER CONSTRAINT {quote_ident(after)} {mode};",
            ChangeKind.ALTER,
            [ref],
            needs=[made] if before != after else [],
            creates=[_let_go(rel.key, new.name)] if new.not_null_no_inherit else [],
        )


def _let_go(parent: QualifiedName, column: str) -> ObjectRef:
    """The state "the parent's NOT NULL on `column` is NO INHERIT": its children's are their own from then."""
    return ObjectRef("not null no inherit", parent[0], parent[1], column)


def no_longer_inherited(state: PlanState, rel: Relation, column: str) -> ObjectRef | None:
    """Where a parent's NOT NULL on the child's `column` is made NO INHERIT by the plan (the child's then its own,
    which the child drops after it), the state that change makes; else None."""
    live = state.current.relation(*rel.key)
    holder = _holder(state.current, live, column) if live is not None else None
    parent = state.desired.relation(*holder) if holder is not None else None
    col = parent.column(column) if parent is not None else None
    return (
        _let_go(holder, column)
        if holder is not None and col is not None and col.not_null_no_inherit
        else None
    )


def plan_moved_not_null_names(state: PlanState, old: Relation, new: Relation, unchanged: list[str]) -> None:
    """A table whose parents change (or drop a column ONLY): its `unchanged` columns' NOT NULLs, equal in the
    model, may be named otherwise (the parent's name before, its own after, or the other way)."""
    for name in unchanged:
        prev, col = old.column(name), new.column(name)
        if prev is not None and col is not None:
            plan_not_null_name(state, new, prev, col, [])
