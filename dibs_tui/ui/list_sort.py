"""The Tables pane's orders: by name (the default), by how many foreign keys point in, by row estimate and by
size. Each order is computed once per catalog on a thread (a sort of every relation, after a count of the
foreign keys: at 100,000 tables, not something the event loop may do between two key presses) and kept until
the next catalog, so cycling back to an order costs nothing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..core.model import Catalog, QualifiedName, Relation, RelationKind
from .text import human_count

SORTS = ("name", "FK in-degree", "rows", "size")


@dataclass(frozen=True)
class SortOrder:
    """Every relation of `catalog` in the order `mode` puts them, and each one's place in it."""

    catalog: Catalog
    mode: str
    relations: list[Relation]
    position: dict[QualifiedName, int]
    in_degree: dict[QualifiedName, int]
    tree_sizes: dict[QualifiedName, int | None]  # a partitioned table's size: its partitions' (by size only)

    def figure(self, relation: Relation) -> str:
        """The number shown at the end of a relation's row: what the list is sorted by (the row estimate
        when sorted by name)."""
        if self.mode == "FK in-degree":
            return f"←{self.in_degree.get(relation.key, 0)}"
        if self.mode == "size":
            if relation.kind is RelationKind.VIEW:
                return ""
            size = self.size(relation)
            return "?" if size is None else human_bytes(size)
        return row_figure(relation)

    def size(self, relation: Relation) -> int | None:
        return self.tree_sizes[relation.key] if relation.key in self.tree_sizes else own_size(relation)


def own_size(relation: Relation) -> int | None:
    """The relation's pages as the catalog counts them, None when it never counted them: relpages stays 0 until
    a VACUUM, ANALYZE or CREATE INDEX (reltuples -1 says none ran), and a never-analysed 14 MB table showed `0`
    and sorted below empty ones."""
    if relation.row_estimate < 0 and relation.kind in (RelationKind.TABLE, RelationKind.MATVIEW):
        return None
    return relation.size_bytes


def row_figure(relation: Relation) -> str:
    """A relation's row estimate at the end of its row: nothing for a view, which holds no rows of its own
    (its card says none either); pg_class.reltuples is -1 for a view, and the list showed it as `?`, the mark
    of a table never analysed."""
    return "" if relation.kind is RelationKind.VIEW else human_count(relation.row_estimate)


def next_sort(mode: str) -> str:
    return SORTS[(SORTS.index(mode) + 1) % len(SORTS)] if mode in SORTS else SORTS[0]


def sort_order(catalog: Catalog, mode: str, by_name: Callable[[Relation], tuple[str, ...]]) -> SortOrder:
    """The relations sorted by `mode`, the largest first; ties (and `name`) in the list's usual order. On a
    worker's thread, which imports the FK graph (not the first frame's business)."""
    from ..core.explore.fkgraph import fk_in_degree

    in_degree = fk_in_degree(catalog) if mode == "FK in-degree" else {}
    tree_sizes = partitioned_sizes(catalog) if mode == "size" else {}
    named = sorted(catalog.relations, key=by_name)
    if mode == "FK in-degree":
        ordered = sorted(named, key=lambda r: -in_degree.get(r.key, 0))
    elif mode == "rows":
        # Views last, after the tables never analysed (-1: their rows are unknown, a view has none).
        ordered = sorted(named, key=lambda r: (r.kind is RelationKind.VIEW, -r.row_estimate))
    elif mode == "size":
        # Views last: they store nothing (a materialized view does, and keeps its place); before them the
        # relations whose size was never counted, as the rows order puts the tables never analysed.
        def by_size(r: Relation) -> tuple[bool, bool, int]:
            size = tree_sizes[r.key] if r.key in tree_sizes else own_size(r)
            return r.kind is RelationKind.VIEW, size is None, -(size or 0)

        ordered = sorted(named, key=by_size)
    else:
        ordered = named
    position = {r.key: i for i, r in enumerate(ordered)}
    return SortOrder(catalog, mode, ordered, position, in_degree, tree_sizes)


def partitioned_sizes(catalog: Catalog) -> dict[QualifiedName, int | None]:
    """Each partitioned table's size as its leaf partitions' sum, nested ones included: it stores nothing
    itself, and by size it belongs where its data puts it. None once a partition's size is unknown."""
    by_key = catalog.relations_by_key
    totals: dict[QualifiedName, int | None] = {}
    for rel in catalog.relations:
        if rel.kind is RelationKind.PARTITIONED:
            totals.setdefault(rel.key, 0)
            continue
        parent, hops = rel.partition_of, 0
        while parent is not None and hops < len(by_key):  # a loop in a damaged catalog ends
            size, total = own_size(rel), totals.get(parent, 0)
            totals[parent] = None if size is None or total is None else total + size
            above = by_key.get(parent)
            parent, hops = (above.partition_of if above else None), hops + 1
    return totals


def human_bytes(n: int) -> str:
    """A size in five cells or fewer: 0, 8k, 12M, 3.4G."""
    if n < 1024:
        return str(max(n, 0))
    for unit in "kMGTP":
        n_units = n / 1024
        if n_units < 10:
            return f"{n_units:.1f}{unit}"
        if n_units < 1024:
            return f"{n_units:.0f}{unit}"
        n = int(n_units)
    return f"{n}P"
