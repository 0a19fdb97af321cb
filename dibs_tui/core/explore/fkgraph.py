"""The foreign-key graph of one catalog: edges both ways, a table's neighbourhood to a depth, in-degrees.

Built once from the catalog's foreign keys (a dictionary of adjacency lists), so a neighbourhood or a path
at 5,000 tables is a breadth-first walk, not a scan of every table.
"""

from __future__ import annotations

from collections import deque
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

    def label(self) -> str:
        return ", ".join(self.source_columns) + " -> " + ", ".join(self.target_columns)


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


class FkGraph:
    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self.edges: list[FkEdge] = []
        self.steps: dict[QualifiedName, list[Step]] = {}
        seen: set[tuple[QualifiedName, QualifiedName, tuple[str, ...], tuple[str, ...]]] = set()
        for rel in catalog.relations:
            for con in rel.constraints:
                if con.foreign_key is None or con.is_inherited:
                    continue
                # A partition stands for its partitioned table: the same key on every partition is one edge.
                edge = _edge(self._root(rel.key), con, self._root(con.foreign_key.target_key))
                shape = (edge.source, edge.target, edge.source_columns, edge.target_columns)
                if shape not in seen:
                    seen.add(shape)
                    self._add(edge)

    def _root(self, key: QualifiedName) -> QualifiedName:
        rel = self.catalog.relation(*key)
        while rel is not None and rel.partition_of is not None:
            key = rel.partition_of
            rel = self.catalog.relation(*key)
        return key

    def _add(self, edge: FkEdge) -> None:
        self.edges.append(edge)
        self.steps.setdefault(edge.source, []).append(Step(edge, True))
        if edge.target != edge.source:
            self.steps.setdefault(edge.target, []).append(Step(edge, False))

    def in_degree(self) -> dict[QualifiedName, int]:
        """How many foreign keys point at each table (a self-reference counts)."""
        counts: dict[QualifiedName, int] = {}
        for edge in self.edges:
            counts[edge.target] = counts.get(edge.target, 0) + 1
        return counts

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
    return FkEdge(source, target, con.name, con.columns, fk.target_columns)
