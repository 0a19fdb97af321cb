"""The shortest FK paths between two tables, ranked, each with the SELECT that joins along it.

Distances to the goal come first (one breadth-first walk); the paths are then enumerated depth first, and a
branch is cut as soon as it cannot reach the goal within the length allowed, so the work follows the number of
paths found, not the size of the schema.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from ..model import QualifiedName
from ..sql import qualified, quote_ident
from .fkgraph import FkEdge, FkGraph, Step

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
            # a temporal key's PERIOD: a row's range is covered by those of the rows it references, each
            # of which overlaps it
            ops = ["="] * (len(near) - 1) + ["&&" if edge.period else "="]
            on = " AND ".join(
                f"{right}.{quote_ident(b)} {op} {left}.{quote_ident(a)}"
                for a, b, op in zip(near, far, ops, strict=True)
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
    against them, then by name); [] when no FK chain joins them.

    From a table to itself a path is a chain that leaves it and comes back (`start == goal`): a
    self-reference (employee.manager_id, one join), or a cycle through other tables (film to language by
    language_id, back by original_language_id), each a self-join a user asks for by naming the table twice.
    The empty path would answer nothing. Out and back along the same key is not one: it pairs rows that
    share a key, which every key would offer. A cycle is listed once, not again walked backwards."""
    dist = graph.distances_to(goal)
    if start not in dist:
        return []
    shortest = _shortest_cycle(graph, start) if start == goal else dist[start]
    if shortest is None:
        return []
    bound = shortest + EXTRA_HOPS
    found: list[tuple[Step, ...]] = []
    visits = 0
    # A cycle's start is not on its path until it is back: only then is it its goal
    stack: list[tuple[QualifiedName, tuple[Step, ...], frozenset[QualifiedName]]] = [
        (start, (), frozenset() if start == goal else frozenset({start}))
    ]
    while stack and visits < _MAX_VISITS:
        node, steps, on_path = stack.pop()
        visits += 1
        if node == goal and steps:
            found.append(steps)
            continue
        for step in graph.steps.get(node, ()):
            nxt = step.end
            if nxt in on_path or nxt not in dist or len(steps) + 1 + dist[nxt] > bound:
                continue
            if nxt == goal == start and steps and steps[0].edge == step.edge:
                continue  # out and back along one key
            stack.append((nxt, (*steps, step), on_path | {nxt}))
    found.sort(key=lambda p: (len(p), sum(not s.forward for s in p), [(s.edge.name, s.end) for s in p]))
    if start == goal:  # a cycle and the same walked backwards: the same join, its two ends swapped
        kept: dict[frozenset[FkEdge], tuple[Step, ...]] = {}
        for path in found:
            kept.setdefault(frozenset(s.edge for s in path), path)
        found = list(kept.values())
    return [JoinPath(start, p) for p in found[:limit]]


def _shortest_cycle(graph: FkGraph, start: QualifiedName) -> int | None:
    """The length of the shortest chain of distinct keys from `start` back to it, None when there is none:
    a breadth-first walk that labels each table with the key it was first reached through from `start`; a
    key between two tables of different labels (or back to `start` by another key) closes a cycle."""
    depth: dict[QualifiedName, int] = {start: 0}
    branch: dict[QualifiedName, FkEdge | None] = {start: None}
    queue = deque([start])
    best: int | None = None
    while queue:
        node = queue.popleft()
        if best is not None and 2 * depth[node] + 1 >= best:
            break
        for step in graph.steps.get(node, ()):
            nxt = step.end
            label = branch[node] or step.edge
            if nxt not in depth:
                depth[nxt], branch[nxt] = depth[node] + 1, label
                queue.append(nxt)
            elif branch[nxt] != label or nxt == start:
                if nxt == start and step.edge == branch[node]:
                    continue  # back to the start along the key that left it
                length = depth[node] + depth[nxt] + 1
                best = length if best is None else min(best, length)
    return best
