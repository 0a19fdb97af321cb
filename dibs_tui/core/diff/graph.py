"""The plan as a dependency graph: every step declares what it creates, needs and destroys; one sort orders them.

A step's declarations are node keys, plain `(kind, schema, name, sub)` tuples (`key(ref)`): hashing tens of
thousands of dataclasses dominated large diffs. Edges between steps:

* a step that needs X runs after the step creating X, or, when X is only destroyed, before that destroy;
* a create of X runs after the destroy of X (re-created under the same name), or after the step that renamed
  the old X away (`vacates`);
* pg_depend of the current catalog: the destroy of X runs after the destroys of X's dependents (a dependent
  part of a table, a column or its default counts as destroyed when its own step or its table's drop is planned);
* pg_depend of the desired catalog: the create of Y runs after the creates of what Y references (a table's
  create declares the defaults and generated columns it writes inline, so it runs after what they reference);
* a schema is created before, and dropped after, every object in it; an extension is created before every
  other object and dropped after every other object's drop (its operator classes and types are not in our
  pg_depend rows).

Soft edges come from what function bodies name where pg_depend has nothing (core/diff/body_edges.py): the
body is late-bound, so a soft edge that closes a cycle is dropped, never an error.

Kahn's sort, ties broken by (phase, emission order): phases only make the order readable, never decide it;
before them, a statement that runs outside a transaction (ALTER TYPE ... ADD VALUE) comes as early as its edges
allow, so that what a runner commits on its own precedes everything else: a later failure then rolls back
the rest whole (a view dropped for a column's type change is not left dropped). A
cycle of hard edges left in the graph is an error naming the objects in it: the planner breaks the known ones
by the steps it emits (foreign keys and policies of dropped tables dropped first, foreign keys added after
every table, defaults dropped and restored around a re-created function).
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable
from dataclasses import dataclass

from ..errors import PlanCycleError
from ..model import Catalog, ObjectRef
from ..plan import ChangeKind

# Tie-break ranks, in the order a reader expects to see statements when the graph leaves a choice.
DROP_DEPENDENTS = 0  # triggers, policies, views that must go before what they read changes
DROP_CONSTRAINTS = 1  # foreign keys first (they pin unique indexes), then other constraints and indexes
PRE_CREATE = 2  # schemas, extensions, types, sequences, functions
CREATE_TABLES = 3
ALTER_TABLES = 4
ADD_CONSTRAINTS = 5
ADD_FOREIGN_KEYS = 6
LATE_CREATE = 7  # views, materialized views, triggers, policies
DROP_OBJECTS = 8  # tables, sequences, functions, types, extensions
DROP_SCHEMAS = 9
COMMENTS = 10

NodeKey = tuple[str, str, str, str]

# Parts of a relation: they go with their table's drop and exist once it is created.
_PARTS = frozenset(("column", "default", "constraint", "index", "trigger", "policy", "rule"))
# A node's kind where it is not the object's: enums and domains are types, every relation is a table.
_NODE_KINDS = {
    "enum": "type",
    "domain": "type",
    "view": "table",
    "materialized view": "table",
    "relation": "table",
}
_OWNERS = frozenset(("table", "column"))


def key(ref: ObjectRef) -> NodeKey:
    """The node of an object: enums and domains are types (pg_depend does not tell them apart)."""
    kind = ref.kind
    return (_NODE_KINDS.get(kind, kind), ref.schema, ref.name, ref.sub)


def keys(refs: Iterable[ObjectRef]) -> tuple[NodeKey, ...]:
    """`key` of each (written out here: every step's declarations go through it)."""
    kinds = _NODE_KINDS
    return tuple([(kinds.get(r.kind, r.kind), r.schema, r.name, r.sub) for r in refs]) if refs else ()


def _owner(node: NodeKey) -> NodeKey | None:
    """The table a column or part belongs to."""
    if node[0] in _PARTS:
        return ("table", node[1], node[2], "")
    return None


def describe(node: NodeKey) -> str:
    kind, schema, name, sub = node
    base = f"{schema}.{name}" if schema else name
    if kind == "function":
        return f"function {base}({sub})"
    return f"{kind} {base}{'.' + sub if sub else ''}"


@dataclass
class Step:
    """One statement and what it declares. `phase` is a tie-break rank only.

    creates: objects that exist after this step. needs: objects that must exist when it runs. destroys:
    objects of the current catalog gone after it (their dependents' drops run first). vacates: names this
    step frees by renaming the object away (a create of that name waits for it, not for the drop). after:
    objects whose drop this step must follow (a child's column made its own once the parent's is gone).
    reshapes: columns this step changes in place (ALTER COLUMN ... TYPE): it runs after the drops of what
    reads them in the current catalog, and the creates of what reads them in the desired one run after it."""

    phase: int
    sql: str
    change: ChangeKind
    touches: tuple[ObjectRef, ...]
    creates: tuple[NodeKey, ...] = ()
    needs: tuple[NodeKey, ...] = ()
    destroys: tuple[NodeKey, ...] = ()
    vacates: tuple[NodeKey, ...] = ()
    after: tuple[NodeKey, ...] = ()
    transactional: bool = True
    destructive: bool = False
    order: int = 0
    reshapes: tuple[NodeKey, ...] = ()


class References:
    """pg_depend of one catalog as node keys: what each object references (a column's references are also its
    default's). All the desired side of a plan is asked."""

    def __init__(self, catalog: Catalog) -> None:
        self.references, _, _ = _index(catalog, with_dependents=False)


class DepIndex(References):
    """pg_depend of one catalog as node keys: what each object references, and what references each object
    (a column's or part's dependents are also its table's: dropping the table drops them)."""

    def __init__(self, catalog: Catalog) -> None:  # not References.__init__: one pass over pg_depend for all
        self.references, self.dependents, self._within = _index(catalog, with_dependents=True)

    def of(self, node: NodeKey) -> list[NodeKey]:
        """What depends on this object; for a table, also what depends on its columns and parts."""
        return self.dependents.get(node, []) + self._within.get(node, [])


_Index = dict[NodeKey, list[NodeKey]]


def _index(catalog: Catalog, *, with_dependents: bool) -> tuple[_Index, _Index, _Index]:
    """References; with_dependents, also dependents and what depends on a table's parts (for DepIndex)."""
    references: _Index = {}
    dependents: _Index = {}
    within: _Index = {}
    kinds = _NODE_KINDS
    for dep in catalog.dependencies:
        # key() and _owner() written out: each side's index is made after its last row, the last one on the
        # diff's serial tail (3,716 rows at 1,000 tables).
        d, r = dep.dependent, dep.referenced
        a = (kinds.get(d.kind, d.kind), d.schema, d.name, d.sub)
        b = (kinds.get(r.kind, r.kind), r.schema, r.name, r.sub)
        if a[0] != "sequence" or b[0] not in _OWNERS:  # OWNED BY is a step of its own, after the table
            references.setdefault(a, []).append(b)
        if a[0] == "column":  # pg_depend's column is its default (or its generation expression)
            references.setdefault(("default", *a[1:]), []).append(b)
        if with_dependents:
            dependents.setdefault(b, []).append(a)
            # What depends on a part of a table also depends on the table, unless it is a part of that table.
            if b[0] in _PARTS and not (a[0] in _PARTS and a[1] == b[1] and a[2] == b[2]):
                owner = ("table", b[1], b[2], "")
                if owner != a:
                    within.setdefault(owner, []).append(a)
    return references, dependents, within


class _Graph:
    def __init__(
        self,
        steps: list[Step],
        current: DepIndex,
        desired: References,
        soft: Iterable[tuple[int, int]] = (),
        names: Iterable[tuple[int, int]] = (),
    ) -> None:
        self.steps = steps
        self.waits: list[set[int]] = [set() for _ in steps]
        self.soft: list[set[int]] = [set() for _ in steps]
        self.dropped_soft = 0
        self.creators: dict[NodeKey, list[int]] = {}
        self.destroyers: dict[NodeKey, list[int]] = {}
        self.vacaters: dict[NodeKey, list[int]] = {}
        for i, st in enumerate(steps):
            for node in st.creates:
                self.creators.setdefault(node, []).append(i)
            for node in st.destroys:
                self.destroyers.setdefault(node, []).append(i)
            for node in st.vacates:
                self.vacaters.setdefault(node, []).append(i)
        self._declared_edges()
        self._dependency_edges(current, desired)
        self._reshape_edges(current, desired)
        self._container_edges()
        for before, after in names:
            self.edge(before, after)
        for before, after in soft:
            if before != after and before not in self.waits[after]:
                self.soft[after].add(before)

    def edge(self, before: int, after: int) -> None:
        if before != after:
            self.waits[after].add(before)

    def _made_by(self, node: NodeKey) -> list[int]:
        found = self.creators.get(node)
        if found is None and (owner := _owner(node)) is not None:
            found = self.creators.get(owner)
        return found or []

    def _gone_by(self, node: NodeKey) -> list[int]:
        """The steps that destroy an object: its own drop, else (a column) its default's, else its table's."""
        found = self.destroyers.get(node)
        if found is None and node[0] == "column":
            found = self.destroyers.get(("default", *node[1:]))
        if found is None and (owner := _owner(node)) is not None:
            found = self.destroyers.get(owner)
        return found or []

    def _declared_edges(self) -> None:
        for i, st in enumerate(self.steps):
            for node in st.needs:
                made = self._made_by(node)
                for j in made:
                    self.edge(j, i)
                if not made and node not in st.destroys:
                    for j in self._gone_by(node):
                        self.edge(i, j)
            for node in st.creates:
                for j in self.vacaters.get(node) or self.destroyers.get(node) or ():
                    self.edge(j, i)
            for node in st.after:
                for j in self.destroyers.get(node, ()):
                    self.edge(j, i)

    def _dependency_edges(self, current: DepIndex, desired: References) -> None:
        for node, destroyers in self.destroyers.items():
            for dependent in current.of(node):
                for j in self._gone_by(dependent):
                    for i in destroyers:
                        self.edge(j, i)
        for node, creators in self.creators.items():
            for referenced in desired.references.get(node, ()):
                for j in self._made_by(referenced):
                    for i in creators:
                        self.edge(j, i)
        # A type renamed away (re-created under its name): DROP FUNCTION names the signature by its types,
        # which would then name the new type, so a function reading the old one is dropped before the rename.
        for node, renamers in self.vacaters.items():
            for dependent in current.dependents.get(node, ()) if node[0] == "type" else ():
                if dependent[0] == "function":
                    for j in self.destroyers.get(dependent, ()):
                        for i in renamers:
                            self.edge(j, i)

    def _reshape_edges(self, current: DepIndex, desired: References) -> None:
        """A column retyped in place: PostgreSQL refuses while a view, rule, policy, trigger or SQL-standard
        function body reads it, so their drops go first and their creates after."""
        reshapers: dict[NodeKey, list[int]] = {}
        for i, st in enumerate(self.steps):
            for node in st.reshapes:
                reshapers.setdefault(node, []).append(i)
        if not reshapers:
            return
        for node, alters in reshapers.items():
            for dependent in current.dependents.get(node, ()):
                for j in self._gone_by(dependent):  # a foreign key goes with its table's DROP too
                    for i in alters:
                        self.edge(j, i)
        for node, creators in self.creators.items():
            for referenced in desired.references.get(node, ()):
                for i in reshapers.get(referenced, ()):
                    for k in creators:
                        self.edge(i, k)

    def _container_edges(self) -> None:
        schemas = {n[2] for n in self.creators if n[0] == "schema"} | {
            n[2] for n in self.destroyers if n[0] == "schema"
        }
        extensions = [i for n, found in self.creators.items() if n[0] == "extension" for i in found]
        dropped_extensions = [i for n, found in self.destroyers.items() if n[0] == "extension" for i in found]
        for i, st in enumerate(self.steps):
            for node in st.creates:
                if node[0] not in ("schema", "extension"):
                    for j in extensions:
                        self.edge(j, i)
                if node[1] in schemas:
                    for j in self.creators.get(("schema", "", node[1], ""), ()):
                        self.edge(j, i)
            for node in st.destroys:
                if node[0] not in ("schema", "extension"):
                    for j in dropped_extensions:
                        self.edge(i, j)
                if node[1] in schemas:
                    for j in self.destroyers.get(("schema", "", node[1], ""), ()):
                        self.edge(i, j)
            for node in st.needs:
                if node[1] in schemas:
                    for j in self.destroyers.get(("schema", "", node[1], ""), ()):
                        self.edge(i, j)

    def sort(self) -> list[Step]:
        steps, waits, soft = self.steps, self.waits, self.soft
        blocks: list[list[int]] = [[] for _ in steps]
        left = [len(w) + len(s) for w, s in zip(waits, soft, strict=True)]
        for i in range(len(steps)):
            for j in waits[i]:
                blocks[j].append(i)
            for j in soft[i]:
                blocks[j].append(i)
        heap = [(st.transactional, st.phase, st.order, i) for i, st in enumerate(steps) if not left[i]]
        heapq.heapify(heap)
        out: list[Step] = []
        done = [False] * len(steps)
        while True:
            while heap:
                *_, i = heapq.heappop(heap)
                done[i] = True
                out.append(steps[i])
                for j in blocks[i]:
                    if i in waits[j] or i in soft[j]:  # not a soft edge dropped meanwhile
                        left[j] -= 1
                        if not left[j]:
                            heapq.heappush(heap, (steps[j].transactional, steps[j].phase, steps[j].order, j))
            if len(out) == len(steps):
                return out
            cycle = _find_cycle(done, waits, soft)
            edge = next(
                ((a, b) for a, b in zip(cycle, cycle[1:] + cycle[:1], strict=True) if a in soft[b]), None
            )
            if edge is None:
                raise self._cycle_error(cycle)
            before, after = edge
            soft[after].discard(before)
            self.dropped_soft += 1
            left[after] -= 1
            if not left[after]:
                heapq.heappush(
                    heap, (steps[after].transactional, steps[after].phase, steps[after].order, after)
                )

    def _cycle_error(self, cycle: list[int]) -> PlanCycleError:
        names: list[str] = []
        for i in cycle:
            st = self.steps[i]
            for node in st.creates or st.destroys or keys(st.touches[:1]):
                if describe(node) not in names:
                    names.append(describe(node))
        statements = "; ".join(self.steps[i].sql.split("\n", 1)[0].rstrip(";") for i in cycle)
        return PlanCycleError(
            f"cannot order the migration: {', '.join(names)} depend on each other in a cycle",
            hint=f"the statements in the cycle: {statements}",
        )


def _find_cycle(done: list[bool], waits: list[set[int]], soft: list[set[int]]) -> list[int]:
    """One cycle among the steps the sort could not release, in dependency order (each waits for the one
    before it, the first for the last): every such step still waits for another such step."""
    start = done.index(False)
    path: list[int] = []
    seen: dict[int, int] = {}
    node = start
    while node not in seen:
        seen[node] = len(path)
        path.append(node)
        hard = [j for j in waits[node] if not done[j]]
        node = min(hard or [j for j in soft[node] if not done[j]])
    return path[seen[node] :][::-1]


def ordered(steps: list[Step], current: DepIndex, desired: References) -> list[Step]:
    """The steps in an order that honours every edge, lowest (transactional, phase, emission order) first among
    the ready."""
    return _Graph(steps, current, desired).sort()


def ordered_with_soft(
    steps: list[Step],
    current: DepIndex,
    desired: References,
    soft: Iterable[tuple[int, int]],
    names: Iterable[tuple[int, int]] = (),
) -> tuple[list[Step], int]:
    """`ordered`, with soft (before, after) edges honoured unless they close a cycle, and how many were
    dropped for that; `names`: hard (before, after) edges of names freed and taken again (name_slots)."""
    graph = _Graph(steps, current, desired, soft, names)
    return graph.sort(), graph.dropped_soft
