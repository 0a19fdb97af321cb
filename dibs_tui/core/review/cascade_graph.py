"""The foreign keys a DELETE or a TRUNCATE ... CASCADE follows from the table it names: read from the catalog
level by level (one query per level), bounded in depth and in tables; and whether they loop (a table's key to
itself, a cycle of keys), which makes the rows removed a recursive set (`count_recursive`)."""

from __future__ import annotations

from dataclasses import dataclass, field

import asyncpg

from ..terminal import safe
from .count_catalog import KEY_COLUMNS

# The foreign keys that reference any of $1 or a partitioned table it is a partition of (a partition's copy of
# its parent's key left out; a NOT ENFORCED key too unless $2: a TRUNCATE ... CASCADE follows those);
# conenforced (18) and confdelsetcols (15) read through to_jsonb, absent before
_KEYS_SQL = f"""
SELECT c.conname::pg_catalog.text AS name, c.confdeltype::pg_catalog.text AS action,
       c.conrelid::pg_catalog.int8 AS child, f.oid AS parent,
       pg_catalog.format('%I.%I', n.nspname, r.relname) AS qualified,
       r.relname::pg_catalog.text AS shown, GREATEST(r.reltuples, 0)::pg_catalog.int8 AS estimate,
       {KEY_COLUMNS},
       (SELECT pg_catalog.array_agg(a.attname::pg_catalog.text ORDER BY a.attnum)
        FROM pg_catalog.pg_attribute a WHERE a.attrelid OPERATOR(pg_catalog.=) c.conrelid
         AND a.attnum OPERATOR(pg_catalog.=) ANY (COALESCE(
           (SELECT pg_catalog.array_agg(x::pg_catalog.int2) FROM pg_catalog.jsonb_array_elements_text(CASE
              WHEN pg_catalog.jsonb_typeof(pg_catalog.to_jsonb(c) OPERATOR(pg_catalog.->) 'confdelsetcols')
                   OPERATOR(pg_catalog.=) 'array'
              THEN pg_catalog.to_jsonb(c) OPERATOR(pg_catalog.->) 'confdelsetcols' END) x), c.conkey))) AS set_columns
FROM pg_catalog.unnest($1::pg_catalog.int8[]) AS f(oid)
CROSS JOIN LATERAL (SELECT f.oid::pg_catalog.oid AS relid
                    UNION SELECT p.relid FROM pg_catalog.pg_partition_ancestors(f.oid::pg_catalog.oid) p) a
JOIN pg_catalog.pg_constraint c ON c.confrelid OPERATOR(pg_catalog.=) a.relid
JOIN pg_catalog.pg_class r ON r.oid OPERATOR(pg_catalog.=) c.conrelid
JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) r.relnamespace
WHERE c.contype OPERATOR(pg_catalog.=) 'f' AND c.conparentid OPERATOR(pg_catalog.=) 0
  AND ($2 OR (pg_catalog.to_jsonb(c) OPERATOR(pg_catalog.->>) 'conenforced') IS DISTINCT FROM 'false')
ORDER BY f.oid, r.relname, c.conname
"""
ACTIONS = {"c": "CASCADE", "n": "SET NULL", "d": "SET DEFAULT", "a": "NO ACTION", "r": "RESTRICT"}


@dataclass(frozen=True)
class Key:
    name: str
    action: str
    child: int
    parent: int
    qualified: str
    shown: str
    estimate: int
    columns: list[str]
    ref_columns: list[str]
    set_columns: list[str]

    @property
    def named(self) -> str:
        return f"{safe(self.name)}, ON DELETE {ACTIONS.get(self.action, self.action)}"


@dataclass
class Graph:
    """The tables the statement's removal reaches through CASCADE keys, and every key into them."""

    root: int
    qualified: dict[int, str]  # reached table -> its quoted name
    cascades: dict[int, list[Key]] = field(default_factory=dict)  # reached child -> its CASCADE keys
    others: list[Key] = field(default_factory=list)  # SET NULL / SET DEFAULT / NO ACTION / RESTRICT keys
    loops: list[Key] = field(default_factory=list)  # CASCADE keys to itself or back to the root
    truncated: str = ""  # why the walk stopped before every key was followed

    def recursive(self) -> bool:
        """True when a removed row's removal can come back to its own table: a key in `loops`, or a cycle
        among the reached tables' CASCADE keys."""
        if self.loops:
            return True
        edges: dict[int, set[int]] = {}
        for child, keys in self.cascades.items():
            for k in keys:
                edges.setdefault(k.parent, set()).add(child)
        done: set[int] = set()

        def cycles(table: int, path: set[int]) -> bool:
            if table in path:
                return True
            if table in done:
                return False
            found = any(cycles(c, path | {table}) for c in edges.get(table, ()))
            done.add(table)
            return found

        return cycles(self.root, set())


async def walk(
    conn: asyncpg.Connection,
    root: int,
    root_qualified: str,
    *,
    every_key: bool,
    max_depth: int,
    max_tables: int,
) -> Graph:
    """The keys from `root` level by level; `every_key`: a TRUNCATE ... CASCADE follows keys of any action,
    NOT ENFORCED ones too."""
    graph = Graph(root, {root: root_qualified})
    frontier = [root]
    for depth in range(max_depth + 1):
        if not frontier:
            break
        found = [Key(**dict(r)) for r in await conn.fetch(_KEYS_SQL, frontier, every_key)]
        if depth == max_depth:
            if any((every_key or k.action == "c") and k.child not in graph.qualified for k in found):
                graph.truncated = f"keys followed {max_depth} levels deep"
            break
        frontier = []
        for k in found:
            follows = every_key or k.action == "c"
            if not follows:
                graph.others.append(k)
            elif k.child == k.parent or k.child == root:
                graph.loops.append(k)
            elif k.child in graph.qualified:
                graph.cascades[k.child].append(k)
            elif len(graph.qualified) > max_tables:
                graph.truncated = f"more than {max_tables} tables reached"
            else:
                graph.qualified[k.child] = k.qualified
                graph.cascades[k.child] = [k]
                frontier.append(k.child)
    return graph
