"""The known moves that keep dependency cycles out of the graph.

Two dropped tables whose foreign keys point at each other cannot be dropped one before the other; a dropped
table whose policy reads a view over that table cannot go before the view nor the view before it; a default
calling a function whose body reads the table ties the table to the function both ways. The move in each case:
the part that closes the circle (the foreign key, the policy, the default) is dropped on its own first, or,
for a created table, the default is set once the function exists. Foreign keys, CHECKs and policies of
created tables need no move: they are steps of their own, after every table exists.
"""

from __future__ import annotations

from ..model import ConstraintKind, ObjectRef, Relation
from ..plan import ChangeKind
from ..sql import qualified, quote_ident
from .graph import DROP_DEPENDENTS, References
from .render import table_ref
from .state import PlanState


def drop_cycle_parts(state: PlanState) -> None:
    """Drop first the foreign keys that close a circle between dropped tables, and the policies of dropped
    tables that read another object (a view or function over the table would otherwise wait for it)."""
    cur = state.current.relations_by_key
    des = state.desired.relations_by_key
    dropped = {k for k, r in cur.items() if r.kind.is_table and (k not in des or k in state.recreated_tables)}
    if not dropped:
        return
    component = _fk_components(cur, dropped)
    for key in sorted(dropped):
        rel = cur[key]
        for con in rel.constraints:
            fk = con.foreign_key
            if con.kind is not ConstraintKind.FOREIGN_KEY or fk is None or con.is_inherited:
                continue
            if fk.target_key != key and component.get(fk.target_key, -1) == component[key]:
                _drop_part(state, rel, "constraint", con.name, "ALTER TABLE {table} DROP CONSTRAINT {name};")
        for pol in rel.policies:
            reads = state.current_deps.references.get(("policy", rel.schema, rel.name, pol.name), ())
            if any(node[1:3] != key for node in reads):
                _drop_part(state, rel, "policy", pol.name, "DROP POLICY {name} ON {table};")
        for col in rel.columns:
            if (
                col.default is not None
                and not col.generated
                and _calls_function(state.current_deps, rel, col.name)
            ):
                template = f"ALTER TABLE {{table}} ALTER COLUMN {quote_ident(col.name)} DROP DEFAULT;"
                _drop_part(state, rel, "default", col.name, template)


def defaults_set_later(state: PlanState, rel: Relation) -> set[str]:
    """Columns of a created table whose default calls a function that reads the table: set after both exist."""
    deps = state.desired_deps.references
    later = set()
    for col in rel.columns:
        if col.default is None or col.generated:
            continue
        for node in deps.get(("default", rel.schema, rel.name, col.name), ()):
            if node[0] == "function" and any(ref[1:3] == rel.key for ref in deps.get(node, ())):
                later.add(col.name)
    return later


def _calls_function(deps: References, rel: Relation, column: str) -> bool:
    return any(
        node[0] == "function" for node in deps.references.get(("default", rel.schema, rel.name, column), ())
    )


def _drop_part(state: PlanState, rel: Relation, kind: str, name: str, template: str) -> None:
    part = ObjectRef(kind, rel.schema, rel.name, name)  # a "default" is named by its column
    state.step(
        DROP_DEPENDENTS,
        template.format(table=qualified(rel.schema, rel.name), name=quote_ident(name)),
        ChangeKind.ALTER,
        [table_ref(rel), part],
        destroys=[part],
    )


def _fk_components(
    cur: dict[tuple[str, str], Relation], dropped: set[tuple[str, str]]
) -> dict[tuple[str, str], int]:
    """Strongly connected components of the foreign keys among the dropped tables (iterative Tarjan)."""
    edges = {
        k: [
            c.foreign_key.target_key
            for c in cur[k].constraints
            if c.foreign_key is not None and c.foreign_key.target_key in dropped
        ]
        for k in dropped
    }
    index: dict[tuple[str, str], int] = {}
    low: dict[tuple[str, str], int] = {}
    component: dict[tuple[str, str], int] = {}
    stack: list[tuple[str, str]] = []
    on_stack: set[tuple[str, str]] = set()
    for root in sorted(dropped):
        if root in index:
            continue
        work = [(root, 0)]
        while work:
            node, i = work.pop()
            if i == 0:
                index[node] = low[node] = len(index)
                stack.append(node)
                on_stack.add(node)
            if i < len(edges[node]):
                work.append((node, i + 1))
                nxt = edges[node][i]
                if nxt not in index:
                    work.append((nxt, 0))
                elif nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
                continue
            if low[node] == index[node]:
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component[member] = index[node]
                    if member == node:
                        break
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
    return component
