"""Names a plan frees before it takes them again: tables, views, sequences and indexes share one namespace per
schema (pg_class), and an index that backs a key or exclusion constraint bears a name there too.

pg_depend says nothing of two objects that only share a name: a table dropped whose index was named `i2` and an
index of another table renamed to `i2`; a constraint renamed to the name of a table the plan drops. The step
that takes a name runs after every step that frees it: a drop (with what it drops: a table's indexes and the
sequences it owns), or a rename away. Only names the plan both frees and takes add an edge."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from ..model import Catalog
from .graph import NodeKey, Step

Slot = tuple[str, str]  # (schema, name) in pg_class


def name_edges(steps: list[Step], current: Catalog, desired: Catalog) -> list[tuple[int, int]]:
    """(before, after) pairs of step indexes: the step freeing a name before the step taking it."""
    freers: dict[Slot, list[int]] = {}
    takers: dict[Slot, list[int]] = {}
    owned = _owned_sequences(current)
    for i, st in enumerate(steps):
        for node in (*st.destroys, *st.vacates):
            for slot in _names(node, current, owned):
                freers.setdefault(slot, []).append(i)
        for node in st.creates:
            for slot in _names(node, desired, None):
                takers.setdefault(slot, []).append(i)
    return [(j, i) for slot, found in takers.items() for i in found for j in freers.get(slot, ()) if i != j]


def _names(node: NodeKey, catalog: Catalog, owned: dict[Slot, list[str]] | None) -> Iterable[Slot]:
    """The pg_class names an object holds in `catalog`; with `owned` (the current side), also those its drop
    frees along with it."""
    kind, schema, name, sub = node
    if kind == "sequence":
        return [(schema, name)]
    if kind == "index":
        return [(schema, sub)]
    if kind not in ("table", "constraint"):
        return []
    rel = catalog.relation(schema, name)
    if kind == "constraint":
        con = next((c for c in rel.constraints if c.name == sub), None) if rel is not None else None
        return [(schema, con.index_name)] if con is not None and con.index_name else []
    if sub:
        return []  # a column or other part of the table
    names = [(schema, name)]
    if owned is not None and rel is not None:
        names += [(schema, ix.name) for ix in rel.indexes]
        names += [(schema, seq) for seq in owned.get((schema, name), ())]
    return names


def _owned_sequences(catalog: Catalog) -> dict[Slot, list[str]]:
    """A table's owned sequences (serial and identity), dropped with it; a sequence lives in its own schema,
    so only those in the table's schema free a name there."""
    owned: dict[Slot, list[str]] = {}
    for seq in catalog.sequences:
        if seq.owned_by is not None and seq.owned_by.schema == seq.schema:
            owned.setdefault((seq.schema, seq.owned_by.table), []).append(seq.name)
    return owned


def circle_heads(renamed: Mapping[str, str]) -> set[str]:
    """Of renames old -> new in one namespace, the least old name of each circle (a's takes b's name, b's
    takes a's): it goes through a free name first (`passing_name`), so each rename of the circle then takes
    a name another has already let go and the graph has no cycle. A chain needs none: its end takes a name
    nothing holds, and the graph orders the rest. Each name is walked once (a long chain is not quadratic)."""
    heads: set[str] = set()
    done: set[str] = set()
    for start in renamed:
        path: dict[str, None] = {}  # the walk from start, in order
        name = start
        while name in renamed and name not in done and name not in path:
            path[name] = None
            name = renamed[name]
        if name in path:  # the walk came back onto itself: the circle is the path from `name` on
            walked = list(path)
            heads.add(min(walked[walked.index(name) :]))
        done.update(path)
    return heads


def passing_name(name: str, *taken: set[str]) -> str:
    """A name held only between two renames: at most 63 bytes, as PostgreSQL keeps it (cut on a character),
    and in none of the `taken` sets (each namespace's names on both sides, and the passing names it gave
    already: two long names alike in their first 52 bytes would otherwise pass through one), which it joins."""
    number = 1
    while True:
        suffix = "__dibs_swap" + (str(number) if number > 1 else "")
        candidate = name.encode()[: 63 - len(suffix)].decode(errors="ignore") + suffix
        if not any(candidate in names for names in taken):
            for names in taken:
                names.add(candidate)
            return candidate
        number += 1


def taken_names(current: Catalog, desired: Catalog, space: tuple[str, ...]) -> set[str]:
    """The names one namespace holds on either side: ("class", schema) a schema's tables, views, sequences and
    indexes; ("constraint", schema, table) a table's constraints; ("domain", schema, name) a domain's CHECKs."""
    names: set[str] = set()
    for catalog in (current, desired):
        if space[0] == "class":
            for rel in catalog.relations:
                if rel.schema == space[1]:
                    names.add(rel.name)
                    names.update(ix.name for ix in rel.indexes)
            names.update(seq.name for seq in catalog.sequences if seq.schema == space[1])
        elif space[0] == "constraint":
            table = catalog.relation(space[1], space[2])
            if table is not None:
                names.update(c.name for c in table.constraints)
        else:
            names.update(c.name for d in catalog.domains if d.key == space[1:] for c in d.checks)
    return names
