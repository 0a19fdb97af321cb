"""The foreign-key graph of one catalog: edges both ways, a table's neighbourhood to a depth; in-degrees.

Built once from the catalog's foreign keys (a dictionary of adjacency lists), so a neighbourhood or a path
at 5,000 tables is a breadth-first walk, not a scan of every table.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass

from ..model import Catalog, Constraint, QualifiedName


@dataclass(frozen=True)
class FkEdge:
    """One foreign key: `source` (the referencing table) columns -> `target` columns."""

    source: QualifiedName
    target: QualifiedName
    name: str
    source_columns: tuple[str, ...]
    target_columns: tuple[str, ...]
    # PostgreSQL 18: the last columns are a PERIOD, ranges matched by containment, joined by overlap
    period: bool = False

    def label(self, arrow: str = "->") -> str:
        source, target = self.source_columns, self.target_columns
        if self.period:
            source, target = (*source[:-1], f"PERIOD {source[-1]}"), (*target[:-1], f"PERIOD {target[-1]}")
        return f"{', '.join(source)} {arrow} {', '.join(target)}"


@dataclass(frozen=True)
class Step:
    """An edge walked from `start` to `end` (forward: along the FK; backward: against it)."""

    edge: FkEdge
    forward: bool

    @property
    def start(self) -> QualifiedName:
        return self.edge.source if self.forward else self.edge.target

    @property
    def end(self) -> QualifiedName:
        return self.edge.target if self.forward else self.edge.source


def _foreign_keys(catalog: Catalog) -> Iterator[tuple[QualifiedName, Constraint, QualifiedName]]:
    """Each foreign key once, as (referencing table, constraint, referenced table). A partition stands for its
    partitioned table: the same key on every partition is one key."""
    parent = {r.key: r.partition_of for r in catalog.relations if r.partition_of is not None}

    def root(key: QualifiedName) -> QualifiedName:
        while key in parent:
            key = parent[key]
        return key

    seen: set[tuple[QualifiedName, QualifiedName, tuple[str, ...], tuple[str, ...]]] = set()
    for rel in catalog.relations:
        for con in rel.constraints:
            fk = con.foreign_key
            if fk is None or con.is_inherited:
                continue
            source, target = root(rel.key), root(fk.target_key)
            shape = (source, target, con.columns, fk.target_columns)
            if shape not in seen:
                seen.add(shape)
                yield source, con, target


def fk_in_degree(catalog: Catalog) -> dict[QualifiedName, int]:
    """How many foreign keys point at each table (a self-reference counts), under the graph's rules but
    without building it: the tables list sorts 100,000 tables by it."""
    counts: dict[QualifiedName, int] = {}
    for _, _, target in _foreign_keys(catalog):
        counts[target] = counts.get(target, 0) + 1
    return counts


class FkGraph:
    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self.edges: list[FkEdge] = []
        self.steps: dict[QualifiedName, list[Step]] = {}
        for source, con, target in _foreign_keys(catalog):
            self._add(_edge(source, con, target))

    def _add(self, edge: FkEdge) -> None:
        self.edges.append(edge)
        self.steps.setdefault(edge.source, []).append(Step(edge, True))
        if edge.target != edge.source:
            self.steps.setdefault(edge.target, []).append(Step(edge, False))

    def neighbourhood(self, centre: QualifiedName, depth: int) -> dict[QualifiedName, int]:
        """Every table within `depth` FK steps (either way) of `centre`, with its distance."""
        dist = {centre: 0}
        queue = deque([centre])
        while queue:
            key = queue.popleft()
            if dist[key] >= depth:
                continue
            for step in self.steps.get(key, ()):
                if step.end not in dist:
                    dist[step.end] = dist[key] + 1
                    queue.append(step.end)
        return dist

    def edges_within(self, keys: set[QualifiedName] | dict[QualifiedName, int]) -> list[FkEdge]:
        return [e for e in self.edges if e.source in keys and e.target in keys]

    def distances_to(self, target: QualifiedName) -> dict[QualifiedName, int]:
        return self.neighbourhood(target, len(self.steps) + 1)


def _edge(source: QualifiedName, con: Constraint, target: QualifiedName) -> FkEdge:
    fk = con.foreign_key
    assert fk is not None
    return FkEdge(source, target, con.name, con.columns, fk.target_columns, con.temporal)
