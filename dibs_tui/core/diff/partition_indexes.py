"""A partition made by the plan (CREATE TABLE ... PARTITION OF) under a partitioned table's index the plan keeps:
PostgreSQL makes the partition's copy of that index with the table and names it itself. Where the desired
partition's index bears another name (pg_dump writes each partition's index under its own name and attaches
it), CREATE INDEX IF NOT EXISTS under that name built a second index beside PostgreSQL's, which the next diff
then could not drop (an attached index goes only with its parent's). The copy is renamed instead, to the name
PostgreSQL gives it: indexcmds.c's ChooseIndexName over the parent index's own column names (a column renamed
since the index was made keeps its old name there, an expression its `lower`, `expr`), written out here for the
parent's indexes in the order PostgreSQL copies them (their creation order), a name an earlier copy took
numbered, and used only where it cannot miss (the names read, every name tried free on both sides)."""

from __future__ import annotations

from dataclasses import replace

from ..model import Index, Relation
from ..object_names import NAMEDATALEN, make_object_name
from .name_slots import taken_names
from .render import index_head
from .state import PlanState


def in_creation_order(rel: Relation) -> Relation:
    """`rel` with its indexes, and the constraints that own one, in the order the catalog created them (a
    partitioned table's `index_order`): PostgreSQL makes a new partition's indexes in that order and names
    them so, a name already taken numbered; made in name order, the same partition is named otherwise here
    than where the catalog was read (the proof's clone, and a live database given the desired side's table)."""
    if not rel.index_order:
        return rel
    rank = {name: place for place, (name, _) in enumerate(rel.index_order)}
    indexes = tuple(sorted(rel.indexes, key=lambda i: rank.get(i.name, len(rank))))
    owners = sorted(
        (c for c in rel.constraints if c.index_name is not None),
        key=lambda c: rank.get(c.index_name or "", len(rank)),
    )
    places = iter(owners)
    constraints = tuple(next(places) if c.index_name is not None else c for c in rel.constraints)
    return replace(rel, indexes=indexes, constraints=constraints)


def own_column_renames(rel: Relation, ix: Index) -> list[tuple[str, str]]:
    """(name CREATE INDEX gives, name `rel`'s index_order has) for each column of `ix`, an index the plan makes
    on the partitioned table `rel`, that the desired side names otherwise: a column renamed since the index was
    made keeps its old name there, which names a new partition's copies. ALTER TABLE <index> RENAME COLUMN gives
    it back (the proof's clone, `schema --sql`, a live database given the desired side's index). Plain columns
    only, and no name traded between two of them."""
    wanted = dict(rel.index_order).get(ix.name)
    given = [*ix.columns, *ix.include]
    if rel.partition_of is not None or wanted is None or len(wanted) != len(given):
        return []
    if any(rel.column(c) is None for c in given):
        return []
    pairs = [(g, w) for g, w in zip(given, wanted, strict=True) if g != w]
    return [] if any(w in given for _, w in pairs) else pairs


def cloned_name(state: PlanState, new: Relation, ix: Index) -> str | None:
    """The name of the index PostgreSQL makes for `ix` in the partition `new` the plan creates, where it
    differs from `ix`'s: the parent's index `ix` copies is on both sides, alike; else None (made as before)."""
    if new.partition_of is None or ix.owned_by_constraint:
        return None
    was, parent = state.current.relation(*new.partition_of), state.desired.relation(*new.partition_of)
    if was is None or parent is None or state.current.relation(*new.key) is not None:
        return None
    wanted = {p.name: p for p in parent.indexes}
    # The parent's indexes kept alike, in the order PostgreSQL copies them into the new partition
    copied = [
        p
        for p in in_creation_order(was).indexes
        if not p.owned_by_constraint and p.name in wanted and wanted[p.name].definition == p.definition
    ]
    mirrors = [p for p in copied if p.unique == ix.unique and _tail(p) == _tail(ix)]
    if len(mirrors) != 1 or not new.name.isascii():
        return None
    names = _copies_names(state, new, copied, dict(was.index_order))
    name = names.get(mirrors[0].name)
    if name is None or name == ix.name or ix.name in names.values():
        return None  # made under its name already, or under the name another copy takes (swapped: not sure)
    return name


def _copies_names(
    state: PlanState, new: Relation, copied: list[Index], columns_of: dict[str, tuple[str, ...]]
) -> dict[str, str | None]:
    """The names PostgreSQL gives the partition's copies of `copied`, by parent index, from each one's own
    column names (`columns_of`): ChooseRelationName, each in turn, a name an earlier copy took numbered (idx1,
    idx2, ...). None for a copy whose name is not sure: its column names not read, or a name tried that either
    side holds already (the desired partition's own indexes aside, unless the live schema holds their names:
    PostgreSQL does not see them)."""
    live = ("class", new.schema, "live")  # the current side's names alone, once per schema
    if live not in state.taken:
        state.taken[live] = taken_names(state.current, state.current, live)
    own = {i.name for i in new.indexes} - state.taken[live]
    taken = state.names_taken(("class", new.schema))
    made: set[str] = set()
    out: dict[str, str | None] = {}
    for p in copied:
        names = list(columns_of.get(p.name, ()))
        if not names or not all(c.isascii() for c in names):
            out[p.name] = None
            continue
        addition, number = _name_addition(names), 0
        name = make_object_name(new.name, addition, "idx")
        while name in made:
            number += 1
            name = make_object_name(new.name, addition, f"idx{number}")
        sure = not any(
            (tried := make_object_name(new.name, addition, f"idx{n or ''}")) in taken and tried not in own
            for n in range(number + 1)
        )
        out[p.name] = name if sure else None
        made.add(name)
    return out


def _tail(ix: Index) -> str:
    """An index's text from its method on: its keys, INCLUDE, storage options and predicate."""
    head = index_head(ix.name)
    text = ix.definition
    return text[text.find(" USING ", text.find(head) + len(head)) :]


def _name_addition(names: list[str]) -> str:
    """ChooseIndexNameAddition: the names joined by `_`, stopped once 63 bytes are passed."""
    buf = b""
    for name in names:
        if buf:
            buf += b"_"
        buf += name.encode()[: NAMEDATALEN - 1]
        if len(buf) >= NAMEDATALEN:
            break
    return buf.decode(errors="ignore")
