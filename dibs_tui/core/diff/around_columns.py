"""What must leave a column while it travels through text (its range type dropped and created again): an
index other than a btree (GiST, SP-GiST, BRIN: text has no operator class for them) and an EXCLUDE or CHECK
constraint over it; or, for a column dropped and added again (a generated column around a retyped one), every
index and constraint over it. Each is dropped before the column's change and, when the desired table still has
it unchanged, created again once the column is back; a changed one is the table comparison's to drop and
create, and the column waits for that drop too."""

from __future__ import annotations

import re
from collections.abc import Sequence

from ..model import Constraint, ConstraintKind, Index, ObjectRef, QualifiedName, Relation
from ..plan import ChangeKind
from ..sql import qualified, quote_ident
from .graph import ADD_CONSTRAINTS, ADD_FOREIGN_KEYS, DROP_DEPENDENTS, LATE_CREATE
from .render import partition_index_sql
from .state import PlanState
from .type_conversions import keys_compare

_TRAVELS = frozenset((ConstraintKind.EXCLUSION, ConstraintKind.CHECK))


def _uses(items: tuple[str, ...], column: str) -> bool:
    """A key or expression naming the column (in an expression, its quoted name as a whole word)."""
    word = re.compile(rf'(?<![\w"$]){re.escape(quote_ident(column))}(?![\w"$])')
    return any(item == column or word.search(item) for item in items)


def retyped_ref(rel: Relation) -> ObjectRef:
    """The state "this table's retyped columns have their new type": the generated columns' ADD waits for it,
    a parent's ADD COLUMN merging a child's, a partition created, a foreign key added again."""
    return ObjectRef("retyped", rel.schema, rel.name)


def clear_for_text(state: PlanState, rel: Relation, column: str) -> list[ObjectRef]:
    """Drop what keeps `column` from becoming text, re-create what the desired side keeps unchanged; the
    refs returned are the drops the column's change must follow."""
    return _clear(state, rel, column, every=False)


def clear_for_drop(state: PlanState, rel: Relation, column: str) -> list[ObjectRef]:
    """`clear_for_text` for a column dropped and added again: every index and constraint over it."""
    return _clear(state, rel, column, every=True)


def clear_for_recast(state: PlanState, rel: Relation, column: str, recast: ObjectRef) -> list[ObjectRef]:
    """`clear_for_text` for a column recast to its enum created again: a CHECK or EXCLUDE constraint, an index
    expression or predicate over it holds a constant of the old type (`s = 'open'::status`), which ALTER
    COLUMN TYPE cannot rebuild. Re-created once the recast (`recast`, what its step creates) is done."""
    return _clear(state, rel, column, every=False, recast=recast)


def recast_descendants(state: PlanState, rel: Relation) -> list[Relation]:
    """The partitions and inheritance children of `rel`, transitively: the parent's ALTER COLUMN ... TYPE
    recasts their column too, so their own constraints and indexes over it are cleared with the parent's."""
    out: list[Relation] = []
    frontier = [rel.key]
    while frontier:
        key = frontier.pop()
        for child in state.current.relations:
            if (child.partition_of == key or key in child.inherits) and child not in out:
                out.append(child)
                frontier.append(child.key)
    return out


def _attached(ix: Index, parent: Relation) -> bool:
    return any(
        (p.columns, p.predicate, p.method, p.unique) == (ix.columns, ix.predicate, ix.method, ix.unique)
        for p in parent.indexes
    )


def _clear(
    state: PlanState, rel: Relation, column: str, *, every: bool, recast: ObjectRef | None = None
) -> list[ObjectRef]:
    table = qualified(rel.schema, rel.name)
    tref = ObjectRef("table", rel.schema, rel.name)
    desired = state.desired.relation(rel.schema, rel.name)
    gone: list[ObjectRef] = []
    # A column dropped and added again (or recast): what comes back over it waits for it.
    needs = [tref, ObjectRef("column", rel.schema, rel.name, column)] if every else [tref]
    if recast is not None:
        needs.append(recast)
    parent = state.current.relation(*rel.partition_of) if rel.partition_of else None
    for ix in rel.indexes:
        if ix.owned_by_constraint:
            continue
        predicate = (ix.predicate,) if ix.predicate else ()
        if recast is not None:
            expressions = tuple(c for c in ix.columns if c != column) + predicate
            if not _uses(expressions, column) or (parent is not None and _attached(ix, parent)):
                continue  # a partition's index attached to its parent's goes and comes with that one
        elif (ix.method == "btree" and not every) or not _uses(
            ix.columns + (predicate if every else ()), column
        ):
            continue  # a dropped column takes the indexes whose predicate reads it too
        ref = ObjectRef("index", rel.schema, rel.name, ix.name)
        gone.append(ref)
        new = next((i for i in desired.indexes if i.name == ix.name), None) if desired else None
        if new is None or new.definition != ix.definition:
            continue
        drop = f"DROP INDEX {qualified(rel.schema, ix.name)};"
        state.step(DROP_DEPENDENTS, drop, ChangeKind.ALTER, [tref, ref], destroys=[ref])
        sql = partition_index_sql(new, partition=rel.partition_of is not None)
        state.step(LATE_CREATE, sql, ChangeKind.ALTER, [tref, ref], creates=[ref], needs=needs)
        state.comment(ref, "index", None, new.comment)
    for con in rel.constraints:
        if (con.kind not in _TRAVELS and not every) or con.is_inherited or column not in con.columns:
            continue
        ref = ObjectRef("constraint", rel.schema, rel.name, con.name)
        gone.append(ref)
        same = next((c for c in desired.constraints if c.name == con.name), None) if desired else None
        if same is None or (same.kind, same.definition) != (con.kind, con.definition):
            continue
        name = quote_ident(con.name)
        drop = f"ALTER TABLE {table} DROP CONSTRAINT {name};"
        state.step(DROP_DEPENDENTS, drop, ChangeKind.ALTER, [tref, ref], destroys=[ref])
        add = f"ALTER TABLE {table} ADD CONSTRAINT {name} {same.definition};"
        phase = ADD_FOREIGN_KEYS if con.kind is ConstraintKind.FOREIGN_KEY else ADD_CONSTRAINTS
        state.step(phase, add, ChangeKind.ALTER, [tref, ref], creates=[ref], needs=needs)
        state.comment(ref, "constraint", None, same.comment)
    return gone


def clear_foreign_keys(state: PlanState, rel: Relation, column: str, *, user_type: bool) -> list[ObjectRef]:
    """The foreign keys from or to a column retyped to or from a user type (an enum made again, citext), or
    whose other end is retyped too (uuid keys made bigint): PostgreSQL checks a key's two sides as each is
    altered and refuses the first ALTER ("foreign key constraint ... cannot be implemented": st and
    st__dibs_old), so each goes before the type changes and comes back once both sides have their new type.
    A key whose ends compare all along (the other end keeps its type, or both move within integers) stays:
    the server rebuilds it with the ALTER. The refs returned are the drops the change follows."""
    keys = [
        (rel, con, con.foreign_key.target_key, con.foreign_key.target_columns, con.columns.index(column))
        for con in rel.constraints
        if con.foreign_key is not None and column in con.columns
    ]
    keys += [
        (child, con, child.key, con.columns, con.foreign_key.target_columns.index(column))
        for child, con in state.current.referenced_by.get(rel.key, ())
        if con.foreign_key is not None and column in con.foreign_key.target_columns
    ]
    gone = []
    for table, con, other, other_columns, at in keys:
        assert con.foreign_key is not None
        if con.is_inherited or {table.key, con.foreign_key.target_key} & state.recreated_tables:
            continue  # a partition's clone goes with its key; a re-created table's keys are made again with it
        if not user_type and not _other_end_retyped_apart(state, rel, column, other, other_columns, at):
            continue
        ref = ObjectRef("constraint", table.schema, table.name, con.name)
        gone.append(ref)
        if ref in state.cleared_keys:
            continue
        state.cleared_keys.add(ref)
        _drop_and_add_key(state, table, con, ref)
    return gone


def _other_end_retyped_apart(
    state: PlanState, rel: Relation, column: str, other: QualifiedName, other_columns: Sequence[str], at: int
) -> bool:
    """Whether the key's other end is retyped too, so that while one end has its new type and the other its
    old one (either may go first) the two no longer compare: uuid keys made bigint, text made integer."""
    this_new = state.desired.relation(*rel.key)
    old, new = state.current.relation(*other), state.desired.relation(*other)
    if this_new is None or old is None or new is None or at >= len(other_columns):
        return False
    name = other_columns[at]
    mine_old, mine_new = rel.column(column), this_new.column(column)
    theirs_old, theirs_new = old.column(name), new.column(name)
    if None in (mine_old, mine_new, theirs_old, theirs_new):
        return False
    assert mine_old and mine_new and theirs_old and theirs_new
    if theirs_old.type == theirs_new.type:
        return False
    return not (keys_compare(mine_new.type, theirs_old.type) and keys_compare(mine_old.type, theirs_new.type))


def _drop_and_add_key(state: PlanState, table: Relation, con: Constraint, ref: ObjectRef) -> None:
    """A key the desired table keeps alike: dropped, and added once both its tables' columns are retyped. One
    that changes is the table comparison's to drop and add; the type change waits for that drop too."""
    desired = state.desired.relation(table.schema, table.name)
    same = next((c for c in desired.constraints if c.name == con.name), None) if desired else None
    fk = con.foreign_key
    if same is None or fk is None or (same.kind, same.definition) != (con.kind, con.definition):
        return
    name = qualified(table.schema, table.name)
    tref = ObjectRef("table", table.schema, table.name)
    target = state.desired.relation(*fk.target_key)
    retyped = [retyped_ref(r) for r in (desired, target) if r is not None]
    drop = f"ALTER TABLE {name} DROP CONSTRAINT {quote_ident(con.name)};"
    state.step(DROP_DEPENDENTS, drop, ChangeKind.ALTER, [tref, ref], destroys=[ref])
    add = f"ALTER TABLE {name} ADD CONSTRAINT {quote_ident(con.name)} {same.definition};"
    state.step(ADD_FOREIGN_KEYS, add, ChangeKind.ALTER, [tref, ref], creates=[ref], needs=[tref, *retyped])
