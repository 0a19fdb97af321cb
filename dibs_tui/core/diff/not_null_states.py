"""A column's NOT NULL in its three states: none, valid, and NOT VALID (PostgreSQL 18: attnotnull is set, so new
rows are checked, but the rows there before were not). Moving between them without reading or refusing the
rows already there: NOT VALID is added by name with ALTER TABLE ... ADD CONSTRAINT (CREATE TABLE ignores NOT
VALID, SET NOT NULL checks every row and fails on a NULL), validated with VALIDATE CONSTRAINT (SHARE UPDATE
EXCLUSIVE; SET NOT NULL would hold ACCESS EXCLUSIVE while it reads), dropped with DROP NOT NULL. A valid one
the desired side has NOT VALID is kept valid, said and not planned (PlanState.keep_valid).

A parent's NOT VALID one reaches its partitions and inheritance children, NOT VALID too; each of them can be
validated alone (a partitioned table's validated partition by partition), which is all the plan does on a
child: the rest follows its parent."""

from __future__ import annotations

from collections.abc import Sequence

from ..ddl import add_not_null_sql, not_valid_not_null_sql
from ..model import Column, ObjectRef, Relation
from ..object_names import named_not_null
from ..plan import ChangeKind
from ..sql import qualified, quote_ident
from .graph import ADD_CONSTRAINTS, ALTER_TABLES, key
from .inherited_columns import Inherited, inherited_columns
from .not_null_children import dropped_ref, keep_children, let_children_go
from .not_null_names import no_longer_inherited
from .render import table_ref
from .state import PlanState


def state_of(col: Column) -> str:
    if not col.not_null:
        return "none"
    return "not valid" if col.not_null_not_valid is not None else "valid"


def plan_not_null(
    state: PlanState,
    rel: Relation,
    old: Column,
    new: Column,
    details: list[str],
    drop_after: Sequence[ObjectRef],
    *,
    inherited: bool,
) -> None:
    """A column of both sides whose NOT NULL differs; `drop_after`: what its DROP NOT NULL waits for (the
    primary keys over it). A column `inherited` from a parent on both sides is only validated here."""
    before, after = state_of(old), state_of(new)
    ref, cref = table_ref(rel), ObjectRef("column", rel.schema, rel.name, new.name)
    if before == "not valid" and after == "valid":
        details.append("not null validated")
        state.step(ALTER_TABLES, _validate(rel, old.not_null_not_valid or ""), ChangeKind.ALTER, [ref, cref])
        return
    if inherited and (before, after) == ("none", "valid") and new.not_null_name is not None:
        _named_before_parent(state, rel, new, details)
        return
    if (
        inherited
        and before != "none"
        and after == "none"
        and (made := no_longer_inherited(state, rel, new.name))
    ):
        details.append("not null dropped")  # its parent's made NO INHERIT left it the child's own
        prefix = f"ALTER TABLE {qualified(rel.schema, rel.name)} ALTER COLUMN {quote_ident(new.name)}"
        state.step(ALTER_TABLES, f"{prefix} DROP NOT NULL;", ChangeKind.ALTER, [ref, cref], needs=[made])
        return
    if before == after or inherited:
        return
    if before == "valid" and after == "not valid":  # what NOT VALID promises it holds already: kept
        state.keep_valid(cref, "not null", f"{new.name} NOT NULL", f"{new.name} NOT NULL NOT VALID")
        return
    prefix = f"ALTER TABLE {qualified(rel.schema, rel.name)} ALTER COLUMN {quote_ident(new.name)}"
    if before == "none" and after == "valid":
        details.append("not null added")
        sql = f"{prefix} SET NOT NULL;"
        if new.not_null_name is not None or new.not_null_no_inherit:  # SET NOT NULL says neither
            sql = add_not_null_sql(rel, new)
        ready = _children_named(rel.key, new.name)
        let_children_go(state, rel, new, ready)
        state.step(ALTER_TABLES, sql, ChangeKind.ALTER, [ref, cref], needs=[ready])
        return
    if before != "none":  # valid or NOT VALID to none: the old constraint goes
        details.append("not null dropped")
        dropped = [dropped_ref(rel, new.name)]
        sql = f"{prefix} DROP NOT NULL;"
        state.step(ALTER_TABLES, sql, ChangeKind.ALTER, [ref, cref], after=drop_after, creates=dropped)
        live = state.current.relation(*rel.key)
        if live is not None:
            keep_children(state, live, old)
    if after == "not valid":
        details.append("not null added NOT VALID")
        made = ObjectRef("constraint", rel.schema, rel.name, new.not_null_not_valid or "")
        sql = not_valid_not_null_sql(rel, new)
        state.step(ADD_CONSTRAINTS, sql, ChangeKind.ALTER, [ref, cref], creates=[made])


def _children_named(table: tuple[str, str], column: str) -> ObjectRef:
    """What a parent's new NOT NULL waits for: its children's own named ones, made first (_named_before_parent)."""
    return ObjectRef("children's not null", *table, column)


def _named_before_parent(state: PlanState, rel: Relation, new: Column, details: list[str]) -> None:
    """A child (a partition) whose column gains a NOT NULL through its parent, under a name of its own (a
    pg_dump-restored partition's): the parent's SET NOT NULL would name it as the parent's, and the server
    refuses to rename an inherited constraint. Made first under its name, which the parent's then keeps."""
    source = _from_parent(state, rel.key, new.name)
    if source is None:
        return
    details.append("not null added")
    state.step(
        ALTER_TABLES,
        add_not_null_sql(rel, new),
        ChangeKind.ALTER,
        [table_ref(rel), ObjectRef("column", rel.schema, rel.name, new.name)],
        creates=[_children_named(source.parent, new.name)],
    )


def named_by_partitions(state: PlanState, rel: Relation, col: Column) -> list[tuple[Relation, Column]]:
    """The live partitions of `rel` whose desired column `col` (one the plan adds to `rel`, NOT NULL) has a NOT
    NULL named otherwise than the parent's (a pg_dump-restored partition's): the parent's ADD COLUMN ... NOT NULL
    would name theirs as its own, which the server then refuses to rename. Empty for any other column."""
    if not col.not_null or col.not_null_not_valid or col.not_null_no_inherit or col.identity is not None:
        return []
    out = []
    for part in state.desired.partitions.get(rel.key, ()):
        live, there = state.current.relation(*part.key), part.column(col.name)
        if (
            live is not None
            and live.partition_of == rel.key
            and there is not None
            and there.not_null_name is not None
            and there.not_null_not_valid is None
        ):
            out.append((part, there))
    return out


def plan_named_partitions(
    state: PlanState, rel: Relation, col: Column, parts: Sequence[tuple[Relation, Column]]
) -> None:
    """The column `col` added to `rel` nullable (named_by_partitions): each partition's NOT NULL made under its
    name, then the parent's, which keeps theirs."""
    cref = ObjectRef("column", rel.schema, rel.name, col.name)
    ready = _children_named(rel.key, col.name)
    for part, there in parts:
        pref = ObjectRef("column", part.schema, part.name, col.name)
        state.step(
            ALTER_TABLES, add_not_null_sql(part, there), ChangeKind.ALTER, [table_ref(part), pref],
            needs=[cref], creates=[ready],
        )  # fmt: skip
    named = named_not_null(state.desired, rel, col)
    state.step(
        ALTER_TABLES,
        add_not_null_sql(rel, named),
        ChangeKind.ALTER,
        [table_ref(rel), cref],
        needs=[cref, ready],
    )


def _validate(rel: Relation, name: str) -> str:
    return f"ALTER TABLE {qualified(rel.schema, rel.name)} VALIDATE CONSTRAINT {quote_ident(name)};"


def plan_created_not_valid(state: PlanState) -> None:
    """The NOT VALID NOT NULLs of the columns the plan creates (a table created or re-created, a column added,
    or dropped and added again), which their CREATE TABLE or ADD COLUMN left nullable; and on a child, the
    validation of one its parent's add makes NOT VALID there where the desired child's is valid. Once every
    table is planned: what was created is known from the steps. Nothing to do (most diffs) costs one pass."""
    wanted = [r for r in state.desired.relations if any(c.not_null_not_valid for c in r.columns)]
    if not wanted:  # a parent's NOT VALID one is among them too
        return
    children = [r for r in state.desired.relations if r.partition_of is not None or r.inherits]
    created = {k for step in state.steps for k in step.creates}
    written = {step.sql for step in state.steps}
    for rel in wanted:
        ref = table_ref(rel)
        from_parents = inherited_columns(state, rel) if rel.partition_of is not None or rel.inherits else {}
        for col in rel.columns:
            cref = ObjectRef("column", rel.schema, rel.name, col.name)
            sql = not_valid_not_null_sql(rel, col)
            fresh = key(ref) in created or key(cref) in created
            if col.not_null_not_valid and col.name not in from_parents and fresh and sql not in written:
                made = ObjectRef("constraint", rel.schema, rel.name, col.not_null_not_valid)
                needs = [ref, cref] if key(cref) in created else [ref]
                state.step(ADD_CONSTRAINTS, sql, ChangeKind.ALTER, [ref, cref], needs=needs, creates=[made])
                created.add(key(made))
    for rel in children:
        _validate_child(state, rel, created, written)


def _from_parent(state: PlanState, table: tuple[str, str], column: str) -> Inherited | None:
    rel = state.desired.relation(*table)
    return inherited_columns(state, rel).get(column) if rel is not None else None


def _validate_child(
    state: PlanState, rel: Relation, created: set[tuple[str, str, str, str]], written: set[str]
) -> None:
    """A parent's NOT VALID NOT NULL added by the plan reaches its children NOT VALID (a child created after it,
    valid): where the desired child's is valid, it is validated after the parent's add."""
    ref = table_ref(rel)
    for name, source in inherited_columns(state, rel).items():
        col = rel.column(name)
        if col is None or state_of(col) != "valid" or source.column.not_null_not_valid is None:
            continue
        constraint = source.column.not_null_not_valid
        while (above := _from_parent(state, source.parent, name)) is not None and (
            above.column.not_null_not_valid == constraint
        ):
            source = above  # the table that adds it: a partition's partitioned parent takes it from its own
        holder = ObjectRef("constraint", source.parent[0], source.parent[1], constraint)
        sql = _validate(rel, constraint)
        if key(holder) in created and sql not in written:
            state.step(ADD_CONSTRAINTS, sql, ChangeKind.ALTER, [ref], needs=[ref, holder])
