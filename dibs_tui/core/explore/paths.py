"""The shortest FK paths between two tables, ranked, each with the SELECT that joins along it.

Distances to the goal come first (one breadth-first walk); the paths are then enumerated depth first, and a
branch is cut as soon as it cannot reach the goal within the length allowed, so the work follows the number of
paths found, not the size of the schema.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..model import QualifiedName
from ..sql import qualified, quote_ident
from .fkgraph import FkGraph, Step

MAX_PATHS = 5
EXTRA_HOPS = 1  # paths up to one hop longer than the shortest are shown too
_MAX_VISITS = 20_000  # a hub of hundreds of equal paths stops here, with the best ones found


@dataclass(frozen=True)
class JoinPath:
    start: QualifiedName
    steps: tuple[Step, ...]

    @property
    def tables(self) -> tuple[QualifiedName, ...]:
        return (self.start, *(s.end for s in self.steps))

    def select(self) -> str:
        """`SELECT * FROM a JOIN b ON ... JOIN c ON ...`: every name quoted, aliases unique."""
        aliases = _aliases(self.tables)
        lines = [f"SELECT *\nFROM {qualified(*self.start)} AS {aliases[0]}"]
        for i, step in enumerate(self.steps):
            left, right = aliases[i], aliases[i + 1]
            edge = step.edge
            near, far = (
                (edge.source_columns, edge.target_columns)
                if step.forward
                else (edge.target_columns, edge.source_columns)
            )
            on = " AND ".join(
                f"{right}.{quote_ident(b)} = {left}.{quote_ident(a)}" for a, b in zip(near, far, strict=True)
            )
            lines.append(f"JOIN {qualified(*step.end)} AS {right} ON {on}")
        return "\n".join(lines) + ";"


def _aliases(tables: tuple[QualifiedName, ...]) -> list[str]:
    out: list[str] = []
    used: set[str] = set()
    for _, name in tables:
        base = "".join(c for c in name.lower() if c.isascii() and (c.isalnum() or c == "_")) or "t"
        if base[0].isdigit():
            base = "t" + base
        alias, n = base, 2
        while alias in used:
            alias, n = f"{base}{n}", n + 1
        used.add(alias)
        out.append(quote_ident(alias))
    return out


def shortest_paths(
    graph: FkGraph, start: QualifiedName, goal: QualifiedName, limit: int = MAX_PATHS
) -> list[JoinPath]:
    """Up to `limit` simple FK paths from `start` to `goal`, shortest first (then along the keys rather than
    against them, then by name); [] when no FK chain joins them."""
    if start == goal:
        return []
    dist = graph.distances_to(goal)
    if start not in dist:
        return []
    bound = dist[start] + EXTRA_HOPS
    found: list[tuple[Step, ...]] = []
    visits = 0
    stack: list[tuple[QualifiedName, tuple[Step, ...], frozenset[QualifiedName]]] = [
        (start, (), frozenset({start}))
    ]
    while stack and visits < _MAX_VISITS:
        node, steps, on_path = stack.pop()
        visits += 1
        if node == goal:
            found.append(steps)
            continue
        for step in graph.steps.get(node, ()):
            nxt = step.end
            if nxt in on_path or nxt not in dist or len(steps) + 1 + dist[nxt] > bound:
                continue
            stack.append((nxt, (*steps, step), on_path | {nxt}))
    found.sort(key=lambda p: (len(p), sum(not s.forward for s in p), [(s.edge.name, s.end) for s in p]))
    return [JoinPath(start, p) for p in found[:limit]]
