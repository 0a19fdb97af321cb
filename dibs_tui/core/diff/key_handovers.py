"""A primary key or unique constraint that the desired side has as a plain index of the same columns, or the
other way round: the new one is built before the old one is dropped. Dropped first, the table would be without
its uniqueness or its index for as long as the build takes (outside a transaction, or with --concurrently
where the build runs on its own), and its reads meanwhile would scan it. Where the new one takes the old one's
name (a key's index bears its name in the schema's one namespace of relations) it is built under a passing
name and renamed once the old one is gone: a rename only writes the catalog.

A unique index the desired key can be made of is not built at all (index_promotions: ADD CONSTRAINT ... USING
INDEX), and an index alike but for its name is renamed (part_renames); neither comes here. Partitions and
partitioned tables are left to the plain drop and build (an index made on a partitioned table reaches its
partitions under names PostgreSQL chooses).

A unique or exclusion constraint the desired side redefines under its own name is handed over the same way
(`redefined_keys`): a unique one's index built first under a passing name (CONCURRENTLY with
--concurrently: a plain CREATE INDEX), the old one dropped, then ADD CONSTRAINT ... USING INDEX, which only
writes the catalog and gives the index the constraint's name; an exclusion constraint (USING INDEX takes
none) added under a passing name, the old one dropped, the new one renamed. A primary key is not: a table
has one at a time."""

from __future__ import annotations

from ..model import Constraint, ConstraintKind, Index, ObjectRef, Relation, RelationKind
from .name_slots import passing_name
from .part_renames import index_body
from .state import PlanState

_KEYS = (ConstraintKind.PRIMARY_KEY, ConstraintKind.UNIQUE)
_REDEFINED = (ConstraintKind.UNIQUE, ConstraintKind.EXCLUSION)


def _handed_over(old: Relation | None, new: Relation) -> bool:
    return not (
        old is None
        or RelationKind.PARTITIONED in (old.kind, new.kind)
        or new.partition_of
        or old.partition_of
    )


def redefined_keys(
    state: PlanState,
    old: Relation | None,
    new: Relation,
    before: dict[str, Constraint],
    adds: dict[str, Constraint],
) -> dict[str, str]:
    """The unique and exclusion constraints of `adds` that replace one of `before` under the same name: their
    passing names (a unique one's index is built under it, an exclusion constraint added under it); the old
    one's drop waits for that (`state.drop_waits`), and so does the drop of a foreign key on its index."""
    if not _handed_over(old, new):
        return {}
    passing: dict[str, str] = {}
    schema, table = new.schema, new.name
    spaces = (("class", schema), ("constraint", schema, table))
    kept = {c.name for c in new.columns}
    for name, con in adds.items():
        prev = before.get(name)
        if prev is None or con.kind not in _REDEFINED or prev.kind not in _REDEFINED:
            continue
        if con.temporal or prev.temporal:
            continue  # WITHOUT OVERLAPS (PostgreSQL 18): its GiST index is built UNIQUE only by the key itself
        if any(c not in kept or (schema, table, c) in state.reshaped_columns for c in prev.columns):
            continue  # a column it reads is dropped or reshaped, which takes or rebuilds it: not handed over
        refs = state.desired_deps.references.get(("constraint", schema, table, name), ())
        if any(node[0] in ("function", "type") for node in refs):
            continue  # the plan may make it again: the new one follows its CREATE, the old one precedes its DROP
        passing[name] = passing_name(name, *map(state.names_taken, spaces))
        kind = "index" if con.kind is ConstraintKind.UNIQUE else "constraint"
        state.drop_waits[(schema, table, name)] = ObjectRef(kind, schema, table, passing[name])
    return passing


def _key_of(ix: Index) -> tuple[object, ...] | None:
    """What a key and an index that takes over from it must share: the method, the columns in key order and
    their options; None for a partial index, which covers fewer rows than any key."""
    return None if ix.predicate is not None else (ix.method, ix.columns, ix.options)


def plan_handovers(
    state: PlanState,
    old: Relation | None,
    new: Relation,
    dropped: dict[str, Constraint],
    adds: dict[str, Constraint],
) -> dict[str, str]:
    """Record, for `dropped` keys (the current constraints the desired side lacks) and for the current plain
    indexes the plan drops, what their drop waits for (`state.drop_waits`); and the indexes built under a
    passing name (`state.passing_builds`). Returns the `adds` constraints made under a passing name (name ->
    passing name): their ADD and a RENAME CONSTRAINT after the old index's drop."""
    if old is None or not _handed_over(old, new):
        return {}
    if not any(c.kind in _KEYS for c in (*dropped.values(), *adds.values())):
        return {}  # most tables whose constraints differ: no key comes or goes
    old_plain = {ix.name: ix for ix in old.indexes if not ix.owned_by_constraint}
    new_plain = {ix.name: ix for ix in new.indexes if not ix.owned_by_constraint}
    old_bodies = {index_body(ix) for ix in old_plain.values()}
    new_bodies = {index_body(ix) for ix in new_plain.values()}
    promoted = state.promoted_indexes
    # the desired plain indexes the plan builds (neither kept nor renamed from a current one), and the current
    # ones it drops
    built = [ix for ix in new_plain.values() if index_body(ix) not in old_bodies]
    lost = [
        ix
        for ix in old_plain.values()
        if (new.schema, new.name, ix.name) not in promoted and index_body(ix) not in new_bodies
    ]
    schema, table = new.schema, new.name
    old_indexes = {ix.name: ix for ix in old.indexes}
    new_indexes = {ix.name: ix for ix in new.indexes}
    for con in dropped.values():
        own = old_indexes.get(con.index_name or "")
        if con.kind not in _KEYS or own is None or _key_of(own) is None:
            continue
        # its columns as the key names them: an accepted column rename renamed those, not its index's
        # (renames.apply_renames)
        columns = con.columns if len(con.columns) == len(own.columns) else own.columns
        held: tuple[object, ...] = (own.method, columns, own.options)
        ix = next((i for i in built if _key_of(i) == held), None)
        if ix is None:
            continue
        built.remove(ix)
        name = ix.name
        if name == own.name:
            name = passing_name(name, state.names_taken(("class", schema)))
            state.passing_builds[(schema, table, ix.name)] = name
        state.drop_waits[(schema, table, con.name)] = ObjectRef("index", schema, table, name)
    passing: dict[str, str] = {}
    for con in adds.values():
        own = new_indexes.get(con.index_name or "")
        if con.kind not in _KEYS or own is None or (key := _key_of(own)) is None:
            continue
        ix = next((i for i in lost if _key_of(i) == key), None)
        if ix is None:
            continue
        lost.remove(ix)
        name = con.name
        if own.name == ix.name:
            spaces = (("class", schema), ("constraint", schema, table))
            name = passing[con.name] = passing_name(con.name, *map(state.names_taken, spaces))
        state.drop_waits[(schema, table, ix.name)] = ObjectRef("constraint", schema, table, name)
    return passing
