"""A parent's column retyped while an inheritance child names its own NOT NULL on it otherwise than the parent's
(its own, merged with the parent's). PostgreSQL 18's ALTER COLUMN ... TYPE makes each NOT NULL of the tree again,
the parent's reaching the child first, and refuses the child's own ("cannot create not-null constraint ...: a
not-null constraint named ... already exists"). So the NOT NULLs that stand over such a child are dropped first,
parents first (a child's own outlives its parent's, then is dropped too), and added again after the type change,
children first, under their names: the parent's merges with the child's own again. No row is lost; each ADD
reads its table once more (the type change has just rewritten it).

A partition's own NOT NULL named otherwise is refused the same way; the model cannot tell it from an attached
table's (named otherwise too, not its own, which the type change names as the parent's), so a partition's is held
so where the desired partition names it otherwise than its parent: made again under that name, its own, either
way (an attached partition's name, which no RENAME gives it while it is attached, is so given back).

A live server before 18 keeps no NOT NULL constraints (its type change goes through them), nor has the
`ADD CONSTRAINT ... NOT NULL` that adds one again: nothing is held there."""

from __future__ import annotations

from dataclasses import replace

from ..ddl import add_not_null_sql
from ..model import Column, ObjectRef, Relation
from ..object_names import named_not_null, not_null_name
from ..plan import ChangeKind
from ..sql import qualified, quote_ident
from .around_columns import retyped_ref
from .deparse_drift import major_version
from .graph import ALTER_TABLES
from .render import table_ref
from .state import PlanState


def _given(rel: Relation, column: str) -> Column | None:
    """The column where `rel` gives it its children NOT NULL (not NO INHERIT)."""
    col = rel.column(column)
    return col if col is not None and col.not_null and not col.not_null_no_inherit else None


def _children(state: PlanState, table: Relation) -> list[Relation]:
    return [*state.inheritors.get(table.key, ()), *state.current.partitions.get(table.key, ())]


def keeps_own(state: PlanState, parent: Relation, child: Relation, column: str) -> bool:
    """Whether `child` (live) names its NOT NULL on `column` otherwise than `parent` gives it, as its own: an
    inheritance child's is (inherited only, it would bear the parent's name); a partition's is held where the
    desired partition names it otherwise than the parent (an attached one's, not its own, the type change alone
    names as the parent's, and no statement renames it while attached: made again under the desired name, the
    parent's ADD then merges with it)."""
    col, there = _given(parent, column), child.column(column)
    if col is None or there is None or not there.not_null:
        return False
    parents = not_null_name(state.current, parent, col)
    if child.partition_of is None:
        return not_null_name(state.current, child, there) != parents
    wanted = _desired_own(state, parent, child, column)
    return wanted is not None and wanted.not_null_name != parents


def _desired_own(state: PlanState, parent: Relation, child: Relation, column: str) -> Column | None:
    """The desired partition's column NOT NULL (valid), its constraint's name written out, while it stays a
    partition of `parent`; else None."""
    wanted = state.desired.relation(*child.key)
    then = wanted.column(column) if wanted is not None else None
    if wanted is None or wanted.partition_of != parent.key or then is None:
        return None
    return (
        named_not_null(state.desired, wanted, then) if then.not_null and not then.not_null_not_valid else None
    )


def _over_own(state: PlanState, rel: Relation, column: str) -> list[list[Relation]]:
    """The paths from `rel` down its children to each table whose NOT NULL on `column` stands over a child's own
    named otherwise (keeps_own)."""
    out: list[list[Relation]] = []
    frontier = [[rel]]
    while frontier:
        path = frontier.pop()
        table = path[-1]
        if _given(table, column) is None:
            continue
        children = _children(state, table)
        if any(keeps_own(state, table, child, column) for child in children):
            out.append(path)
        frontier += [[*path, child] for child in children if child not in path]
    return out


def hold_not_nulls(state: PlanState, rel: Relation, column: str, details: list[str]) -> list[ObjectRef]:
    """`rel` the live table whose `column` the plan retypes: where its tree needs it, the NOT NULLs dropped
    before the type change and added again after it. Returns the drops the type change must follow."""
    if (major_version(state.current.server_version) or 18) < 18:
        return []
    paths = _over_own(state, rel, column)
    if not paths:
        return []
    order: list[Relation] = []  # parents before children
    for path in paths:
        order += [t for t in path if t not in order]
    refs = {t.key: ObjectRef("constraint", *t.key, _name(state, t, column)) for t in order}
    for table in order:
        parents = [refs[p] for p in (table.partition_of, *table.inherits) if p in refs]
        sql = f"ALTER TABLE {qualified(*table.key)} ALTER COLUMN {quote_ident(column)} DROP NOT NULL;"
        state.step(
            ALTER_TABLES, sql, ChangeKind.ALTER, [table_ref(table)], destroys=[refs[table.key]], after=parents
        )
    # a partition's own that an attached table's may be (gone with the parent's): made again under its name
    leaves = [
        c
        for t in order
        for c in _children(state, t)
        if c.partition_of is not None and c.key not in refs and keeps_own(state, t, c, column)
    ]
    made = {**refs, **{c.key: ObjectRef("constraint", *c.key, _made_as(state, c, column)) for c in leaves}}
    for table in [*leaves, *reversed(order)]:
        if table.key in refs and table is not rel and not _own(state, table, column):
            continue  # inherited only: its parent's ADD makes it again
        below = [
            made[c.key]
            for c in _children(state, table)
            if c.key in made and (c.key not in refs or _own(state, c, column))
        ]
        col = named_not_null(state.current, table, table.column(column))  # type: ignore[arg-type]
        if table.key not in refs:  # a partition's, under the name the desired side gives it
            col = replace(col, not_null_name=_made_as(state, table, column))
        state.step(
            ALTER_TABLES,
            add_not_null_sql(table, col),
            ChangeKind.ALTER,
            [table_ref(table)],
            creates=[made[table.key]],
            needs=[retyped_ref(rel), *below],
        )
    details.append(
        "not null dropped and added again around the type change (a child names its own otherwise)"
    )
    return list(refs.values())


def _name(state: PlanState, table: Relation, column: str) -> str:
    return not_null_name(state.current, table, table.column(column))  # type: ignore[arg-type]


def _made_as(state: PlanState, partition: Relation, column: str) -> str:
    """The name a held partition's NOT NULL is made again under: the desired partition's (keeps_own)."""
    parent = state.current.relation(*partition.partition_of)  # type: ignore[misc]
    wanted = _desired_own(state, parent, partition, column) if parent is not None else None
    name = wanted.not_null_name if wanted is not None else None
    return name if name is not None else _name(state, partition, column)


def _own(state: PlanState, table: Relation, column: str) -> bool:
    """Whether a table's NOT NULL is its own, made again under its name (keeps_own; the retyped table's is). An
    inheritance child's own under its parent's name (SET NOT NULL on the child, conislocal) is too: left to the
    parent's ADD it came back inherited only, and the next diff set it again."""
    if table.partition_of is None and column in table.own_not_nulls:
        return True
    for key in (table.partition_of, *table.inherits):
        parent = state.current.relation(*key) if key is not None else None
        if parent is not None and _given(parent, column) is not None:
            return keeps_own(state, parent, table, column)
    return True
