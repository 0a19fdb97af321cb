"""How the planned statements are put in order.

Every statement is a step with a phase (drops of dependents, pre-creates of types/functions, tables, columns,
constraints, foreign keys, views/triggers/policies, drops of what was depended on, comments), what it provides
(`("create", ref)` / `("drop", ref)`) and what it needs. Steps are emitted by a topological sort that prefers the
lowest (phase, emission order).
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable
from dataclasses import dataclass

from ..model import Catalog, ObjectRef
from ..plan import ChangeKind

# Phases, in execution order.
DROP_DEPENDENTS = 0  # triggers, policies, views that must go before what they read changes
DROP_CONSTRAINTS = 1  # foreign keys first (they pin unique indexes), then other constraints and indexes
PRE_CREATE = 2  # schemas, extensions, types, sequences, non-SQL functions
CREATE_TABLES = 3
ALTER_TABLES = 4
ADD_CONSTRAINTS = 5
ADD_FOREIGN_KEYS = 6
LATE_CREATE = 7  # SQL functions, views, materialized views, triggers, policies
DROP_OBJECTS = 8  # tables, sequences, functions, types, extensions, schemas
COMMENTS = 9


Key = tuple[str, ObjectRef]


@dataclass
class Step:
    phase: int
    sql: str
    change: ChangeKind
    touches: tuple[ObjectRef, ...]
    provides: tuple[Key, ...] = ()
    needs: tuple[Key, ...] = ()
    transactional: bool = True
    destructive: bool = False
    order: int = 0


_TABLE_PARTS = frozenset(
    ("column", "constraint", "index", "trigger", "policy", "rule", "view", "materialized view", "relation")
)
NodeKey = tuple[str, str, str, str]


def _node_key(ref: ObjectRef) -> NodeKey:
    """Collapse a dependency endpoint to the object a step creates or drops (a column -> its relation).

    Plain tuples, not ObjectRefs: hashing tens of thousands of dataclasses dominated large diffs.
    """
    kind = ref.kind
    if kind in _TABLE_PARTS:
        return ("table", ref.schema, ref.name, "")
    if kind in ("enum", "domain"):
        return ("type", ref.schema, ref.name, "")
    return (kind, ref.schema, ref.name, ref.sub)


class Deps:
    """pg_depend edges between plannable objects: dependent -> referenced, or the reverse."""

    def __init__(self, catalog: Catalog, *, reverse: bool = False) -> None:
        edges: dict[NodeKey, set[NodeKey]] = {}
        exact: dict[NodeKey, set[NodeKey]] = {}  # reverse only: a column (or whole table) -> its dependents
        for dep in catalog.dependencies:
            a, b = _node_key(dep.dependent), _node_key(dep.referenced)
            if a != b:
                if reverse:
                    edges.setdefault(b, set()).add(a)
                    referenced = dep.referenced
                    if referenced.kind in ("column", "table"):
                        raw = (referenced.kind, referenced.schema, referenced.name, referenced.sub)
                        exact.setdefault(raw, set()).add(a)
                else:
                    edges.setdefault(a, set()).add(b)
        self._edges = edges
        self._exact = exact

    def get(self, ref: ObjectRef) -> list[ObjectRef]:
        return [ObjectRef(*key) for key in self._edges.get(_node_key(ref), ())]

    def of_columns(self, schema: str, table: str, columns: Iterable[str]) -> list[ObjectRef]:
        """Dependents of these columns, or of the table as a whole (not of its other columns)."""
        keys = set(self._exact.get(("table", schema, table, ""), ()))
        for column in columns:
            keys |= self._exact.get(("column", schema, table, column), set())
        return [ObjectRef(*key) for key in keys]


def ordered(steps: list[Step]) -> list[Step]:
    """The steps in an order that honours every need, lowest (phase, emission order) first."""
    provided: dict[Key, list[int]] = {}
    for i, st in enumerate(steps):
        for key in st.provides:
            provided.setdefault(key, []).append(i)
    waits_for: list[set[int]] = []
    blocks: dict[int, list[int]] = {}
    for i, st in enumerate(steps):
        deps = {j for key in st.needs for j in provided.get(key, ()) if j != i}
        waits_for.append(deps)
        for j in deps:
            blocks.setdefault(j, []).append(i)
    heap = [(st.phase, st.order, i) for i, st in enumerate(steps) if not waits_for[i]]
    heapq.heapify(heap)
    done: set[int] = set()
    out: list[Step] = []
    while len(out) < len(steps):
        if not heap:  # a cycle: release the earliest waiting step
            i = min(
                (i for i in range(len(steps)) if i not in done),
                key=lambda k: (steps[k].phase, steps[k].order),
            )
            waits_for[i] = set()
            heap.append((steps[i].phase, steps[i].order, i))
        _, _, i = heapq.heappop(heap)
        if i in done:
            continue
        done.add(i)
        out.append(steps[i])
        for j in blocks.get(i, ()):
            waits_for[j].discard(i)
            if not waits_for[j] and j not in done:
                heapq.heappush(heap, (steps[j].phase, steps[j].order, j))
    return out
