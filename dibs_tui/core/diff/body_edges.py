"""Soft edges from function bodies: what PL/pgSQL and text SQL bodies name, where pg_depend records nothing.

A function created or replaced runs after the creates of the tables, views and functions its new body names
(its `%ROWTYPE` declarations are resolved when the server validates it; a CHECK, DEFAULT or trigger calling
it may run it on rows already there). An object its old body named is dropped after the function's own drop
or replace. PL/pgSQL is late-bound, so these edges are soft: the graph drops one that closes a cycle (two
functions calling each other) instead of refusing the plan.

Names resolve as the server would when the function runs: a schema-qualified name as written; an unqualified
one through the function's own `SET search_path`, else its schema then `public`. A name that resolves to
nothing on the side read gives no edge. Only the functions the plan creates, replaces or drops are parsed,
and every lookup is keyed: the work is one parse per such function plus its edges.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..bodies import body_names
from ..model import Catalog, Function
from .graph import NodeKey, Step


class _Names:
    """One catalog's relations and functions by name, for resolving what a body names."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self.functions: dict[tuple[str, str, str], Function] = {}
        self.overloads: dict[tuple[str, str], list[NodeKey]] = {}
        for fn in catalog.functions:
            self.functions[(fn.schema, fn.name, fn.identity_arguments)] = fn
            self.overloads.setdefault((fn.schema, fn.name), []).append(
                ("function", fn.schema, fn.name, fn.identity_arguments)
            )

    def referenced(self, fn: Function) -> Iterator[NodeKey]:
        names = body_names(fn)
        path = [s for s in names.search_path or (fn.schema, "public") if s not in ("$user", "pg_temp")]
        relations = self.catalog.relations_by_key
        for ref in names.tables:
            for schema in [ref.schema] if ref.schema else path:
                if (schema, ref.table) in relations:
                    yield ("table", schema, ref.table, "")
                    break
        for call in names.calls:
            for schema in [call.schema] if call.schema else path:
                found = self.overloads.get((schema, call.function))
                if found:
                    yield from found
                    break


def body_edges(steps: list[Step], current: Catalog, desired: Catalog) -> list[tuple[int, int]]:
    """(before, after) step indexes: each function step after what its new body names is created, and before
    the drop of what its old body names."""
    creators: dict[NodeKey, list[int]] = {}
    destroyers: dict[NodeKey, list[int]] = {}
    for i, st in enumerate(steps):
        for node in st.creates:
            creators.setdefault(node, []).append(i)
        for node in st.destroys:
            destroyers.setdefault(node, []).append(i)
    now, wanted = _Names(current), _Names(desired)
    edges: list[tuple[int, int]] = []
    for i, st in enumerate(steps):
        for node in st.creates:
            if node[0] != "function":
                continue
            fn = wanted.functions.get(node[1:])
            if fn is not None:
                edges += [(j, i) for ref in wanted.referenced(fn) for j in creators.get(ref, ())]
            old = now.functions.get(node[1:])
            if old is not None:  # replaced: what the old body named and the plan drops goes after
                edges += [(i, j) for j in _dropped(now.referenced(old), creators, destroyers)]
        for node in st.destroys:
            old = now.functions.get(node[1:]) if node[0] == "function" else None
            if old is not None:
                edges += [(i, j) for j in _dropped(now.referenced(old), creators, destroyers)]
    return edges


def _dropped(
    refs: Iterator[NodeKey], creators: dict[NodeKey, list[int]], destroyers: dict[NodeKey, list[int]]
) -> Iterator[int]:
    """The drops of what is named and gone for good (one created again is ordered by its create)."""
    for ref in refs:
        if ref not in creators:
            yield from destroyers.get(ref, ())
