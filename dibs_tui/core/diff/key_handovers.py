"""A primary key or unique constraint that the desired side has as a plain index of the same columns, or the
other way round: the new one is built before the old one is dropped. Dropped first, the table would be without
its uniqueness or its index for as long as the build takes (outside a transaction, or with --concurrently
where the build runs on its own), and its reads meanwhile would scan it. Where the new one takes the old one's
name (a key's index bears its name in the schema's one namespace of relations) it is built under a passing
name and renamed once the old one is gone: a rename only writes the catalog.

A unique index the desired key can be made of is not built at all (index_promotions: ADD CONSTRAINT ... USING
INDEX), and an index alike but for its name is renamed (part_renames); neither comes here. Partitions and
partitioned tables are left to the plain drop and build (an index made on a partitioned table reaches its
partitions under names PostgreSQL chooses)."""

from __future__ import annotations

from ..model import Constraint, ConstraintKind, Index, ObjectRef, Relation, RelationKind
from .name_slots import passing_name
from .part_renames import index_body
from .state import PlanState

_KEYS = (ConstraintKind.PRIMARY_KEY, ConstraintKind.UNIQUE)


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
    if (
        old is None
        or RelationKind.PARTITIONED in (old.kind, new.kind)
        or new.partition_of
        or old.partition_of
    ):
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
