"""What a DELETE or a TRUNCATE ... CASCADE does to the rows of other tables: the rows that go with it through
foreign keys ON DELETE CASCADE (followed transitively), the rows whose key is set to NULL or its DEFAULT
(ON DELETE SET NULL / SET DEFAULT), and the rows it removes that a key without an action still references
(the server then refuses the statement).

Bounded and set-based: the keys are read level by level (one catalog query per level, at most MAX_DEPTH
levels, at most MAX_TABLES tables), and each table reached is counted with one bounded query
(`count_queries.count_rows`, sampled when large) whose condition is the chain of EXISTS back to the rows the
statement removes. A table's key to itself, back to the table the statement names, or a cycle of keys makes
the rows removed a recursive set: `count_recursive` counts those, in one WITH RECURSIVE query.
"""

from __future__ import annotations

import asyncpg

from ..sql import quote_ident
from ..terminal import safe
from .cascade_graph import Graph, Key, walk
from .count_queries import Target, count_rows, load_target
from .count_recursive import recursive_cascades
from .counted import RowCount, observed, size, uncounted, unproven
from .facts import Facts, TableFacts
from .names import key
from .report import Hazard

FAILS = "fails-on-existing-data"
LOSS = "data-loss"
MAX_DEPTH = 5  # levels of keys followed from the table the statement names
MAX_TABLES = 20  # tables reached and counted (each one bounded query)
MAX_CONDITION = 200_000  # characters of one counting condition (paths multiply through diamonds)


async def _walk(conn: asyncpg.Connection, root: int, root_qualified: str, *, every_key: bool) -> Graph:
    return await walk(
        conn, root, root_qualified, every_key=every_key, max_depth=MAX_DEPTH, max_tables=MAX_TABLES
    )


def _condition(graph: Graph, table: int, alias: str, removed: str, depth: int = 0) -> str:
    """SQL over `alias` true for the rows of `table` the statement removes: the root's `removed` (its columns
    unqualified, so they bind to the innermost table: the root), else an EXISTS per CASCADE key back to it."""
    if table == graph.root:
        return removed
    if depth >= MAX_DEPTH:
        return "FALSE"
    parent_alias = f"p{depth}"
    arms = []
    for k in graph.cascades.get(table, ()):
        match = " AND ".join(
            f"{parent_alias}.{quote_ident(rc)} OPERATOR(pg_catalog.=) {alias}.{quote_ident(c)}"
            for c, rc in zip(k.columns, k.ref_columns, strict=True)
        )
        inner = _condition(graph, k.parent, parent_alias, removed, depth + 1)
        arms.append(
            f"EXISTS (SELECT 1 FROM {graph.qualified[k.parent]} {parent_alias} WHERE {match} AND ({inner}))"
        )
    return " OR ".join(arms) or "FALSE"


def _referencing(graph: Graph, k: Key, removed: str) -> str:
    """SQL over alias t (a row of k's table) true when it references a row of k's parent the statement removes."""
    match = " AND ".join(
        f"r.{quote_ident(rc)} OPERATOR(pg_catalog.=) t.{quote_ident(c)}"
        for c, rc in zip(k.columns, k.ref_columns, strict=True)
    )
    inner = _condition(graph, k.parent, "r", removed, 1)
    return f"EXISTS (SELECT 1 FROM {graph.qualified[k.parent]} r WHERE {match} AND ({inner}))"


async def _target(conn: asyncpg.Connection, oid: int, qualified: str, shown: str, estimate: int) -> Target:
    return await load_target(conn, TableFacts(oid, qualified, estimate, True), shown)


async def delete_cascades(conn: asyncpg.Connection, target: Target, removed: str) -> list[Hazard]:
    """A DELETE of the rows of `target` (alias t) where `removed` holds: what it does to other tables' rows.
    The root's own NO ACTION / RESTRICT keys are count_deletes' (left out here)."""
    graph = await _walk(conn, target.oid, target.qualified, every_key=False)
    if graph.recursive():
        return await _recursive(conn, graph, target, removed)
    hazards: list[Hazard] = []
    for child, keys in graph.cascades.items():
        first = keys[0]
        condition = _condition(graph, child, "t", removed)
        if len(condition) > MAX_CONDITION:
            hazards.append(_not_counted(first.shown, keys, "too many paths of keys to it"))
            continue
        found = await count_rows(
            conn, await _target(conn, child, first.qualified, first.shown, first.estimate), condition
        )
        if found.rows is None:
            hazards.append(_not_counted(first.shown, keys, found.not_counted))
        elif found.rows:
            via = "; ".join(k.named for k in keys)
            hazards.append(
                observed(
                    LOSS,
                    f"the DELETE also removes {found.rows_text()} of {safe(first.shown)} ({via}){found.example_text()}",
                    found,
                )
            )
    for k in graph.others:
        if k.parent == graph.root and k.action in "ar":
            continue  # count_deletes says those
        if k.action in "ar" and k.child in graph.qualified:
            continue  # its rows may go in the same DELETE
        condition = _referencing(graph, k, removed)
        if k.child in graph.cascades:  # a row the same DELETE removes is not also changed
            condition = f"({condition}) AND NOT ({_condition(graph, k.child, 't', removed)})"
        if len(condition) > MAX_CONDITION:
            continue
        found = await count_rows(
            conn, await _target(conn, k.child, k.qualified, k.shown, k.estimate), condition
        )
        if not found.rows:
            if k.action in "ar":  # a sample of it that met none proves nothing: say so
                what = f"row still referencing rows the DELETE removes through ON DELETE CASCADE ({k.named})"
                hazards += unproven(FAILS, what, safe(k.shown), found, "the DELETE fails")
            continue
        columns = ", ".join(f"{safe(k.shown)}.{safe(c)}" for c in k.set_columns)
        if k.action in "nd":
            to = "NULL" if k.action == "n" else "its DEFAULT"
            message = (
                f"the DELETE sets {columns} to {to} in {found.rows_text()} ({k.named}){found.example_text()}"
            )
            hazards.append(observed(LOSS, message, found))
        else:
            verb = "references" if found.rows == 1 and found.sampled is None else "reference"
            hazards.append(
                observed(
                    FAILS,
                    f"{found.rows_text()} of {safe(k.shown)} still {verb} rows the DELETE removes through "
                    f"ON DELETE CASCADE ({k.named}): the DELETE fails{found.example_text()}",
                    found,
                )
            )
    if graph.truncated:
        hazards.append(_stopped(graph.truncated))
    return hazards


async def _recursive(conn: asyncpg.Connection, graph: Graph, target: Target, removed: str) -> list[Hazard]:
    """A graph whose keys loop: its rows counted in one recursive query (`count_recursive`)."""
    tables: dict[int, Target] = {}
    for k in [k for keys in graph.cascades.values() for k in keys] + graph.others:
        if k.child != graph.root and k.child not in tables:
            tables[k.child] = await _target(conn, k.child, k.qualified, k.shown, k.estimate)
    hazards = await recursive_cascades(conn, graph, target, removed, tables)
    return hazards + ([_stopped(graph.truncated)] if graph.truncated else [])


async def truncate_cascades(conn: asyncpg.Connection, targets: list[Target], named: set[int]) -> list[Hazard]:
    """TRUNCATE ... CASCADE: every table referencing one it empties, through a key of any action, is emptied too."""
    hazards: list[Hazard] = []
    seen = set(named)
    for target in targets:
        graph = await _walk(conn, target.oid, target.qualified, every_key=True)
        for child, keys in graph.cascades.items():
            if child in seen:
                continue
            seen.add(child)
            first = keys[0]
            child_target = await _target(conn, child, first.qualified, first.shown, first.estimate)
            found = await count_rows(conn, child_target, "TRUE")
            via = "; ".join(safe(k.name) for k in keys)
            if found.rows is None:
                hazards.append(_not_counted(first.shown, keys, found.not_counted))
            elif found.rows:
                hazards.append(
                    observed(
                        LOSS,
                        f"the TRUNCATE ... CASCADE also empties {safe(first.shown)}: {found.rows_text()} "
                        f"({size(child_target.bytes)} with indexes and TOAST), through {via}",
                        RowCount(found.rows, sampled=found.sampled, bytes=child_target.bytes),
                    )
                )
        if graph.truncated:
            hazards.append(_stopped(graph.truncated))
    return hazards


# The foreign keys that make a TRUNCATE (without CASCADE) of the relations $1 fail, whatever the rows: those
# that reference a relation it empties (a named table, a partition of one) or a partitioned table that one is a
# partition of, from a table not emptied with it. As the server checks (heap_truncate_check_FKs): only the
# relations with relhastriggers set or partitioned count, on both sides, and then NOT ENFORCED keys too. A table
# whose one key is NOT ENFORCED has no trigger: named in the TRUNCATE, it is still not "truncated with it".
_TRUNCATE_KEYS_SQL = """
WITH named AS (SELECT r::pg_catalog.oid AS relid FROM pg_catalog.unnest($1::pg_catalog.int8[]) AS r
               UNION SELECT p.relid FROM pg_catalog.unnest($1::pg_catalog.int8[]) AS r
               CROSS JOIN LATERAL pg_catalog.pg_partition_tree(r::pg_catalog.oid) p),
     checked AS (SELECT n.relid FROM named n JOIN pg_catalog.pg_class k ON k.oid OPERATOR(pg_catalog.=) n.relid
                 WHERE k.relhastriggers OR k.relkind OPERATOR(pg_catalog.=) 'p'),
     reached AS (SELECT relid FROM checked UNION SELECT a.relid FROM checked h
                 CROSS JOIN LATERAL pg_catalog.pg_partition_ancestors(h.relid) a)
SELECT c.conname::pg_catalog.text AS name, pg_catalog.format('%I.%I', n.nspname, r.relname) AS qualified,
       r.relname::pg_catalog.text AS shown, f.relname::pg_catalog.text AS referenced,
       c.conrelid IN (SELECT relid FROM named) AS named
FROM pg_catalog.pg_constraint c
JOIN pg_catalog.pg_class r ON r.oid OPERATOR(pg_catalog.=) c.conrelid
JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) r.relnamespace
JOIN pg_catalog.pg_class f ON f.oid OPERATOR(pg_catalog.=) c.confrelid
WHERE c.contype OPERATOR(pg_catalog.=) 'f' AND c.conparentid OPERATOR(pg_catalog.=) 0
  AND c.confrelid IN (SELECT relid FROM reached) AND NOT c.conrelid IN (SELECT relid FROM checked)
ORDER BY r.relname, c.conname
"""


async def truncate_refused(facts: Facts, named: list[int], gone: set[tuple[str, str]]) -> list[Hazard]:
    """TRUNCATE without CASCADE of the relations `named` (oids): each foreign key of a table it does not empty
    that references one it does, with that table's rows (what adding it, or CASCADE, would empty). `gone`: the
    (table, constraint) pairs an earlier statement of the file dropped, ("table", "") a whole table."""
    hazards = []
    for row in await facts.conn.fetch(_TRUNCATE_KEYS_SQL, named):
        table = key(row["qualified"])
        if (table, "") in gone or (table, row["name"]) in gone:
            continue
        child = await facts.table(row["qualified"])
        rows = f", which holds {child.describe()}" if child is not None else ""
        shown = safe(row["shown"])
        refused = f"the TRUNCATE fails: {shown} references {safe(row['referenced'])} ({safe(row['name'])})"
        if row["named"]:  # no trigger: its key is NOT ENFORCED
            message = (
                f"{refused}, and though named in it is not counted as truncated with it (the server counts only "
                f"a table with a trigger, and a NOT ENFORCED key gives it none){rows}: use TRUNCATE ... CASCADE"
            )
        else:
            message = (
                f"{refused} and is not truncated with it{rows}: add {shown} to the TRUNCATE, or use "
                "TRUNCATE ... CASCADE, which empties it too"
            )
        hazards.append(observed(FAILS, message))
    return hazards


def _not_counted(shown: str, keys: list[Key], why: str) -> Hazard:
    via = "; ".join(k.named for k in keys)
    return uncounted(
        LOSS, f"rows of {safe(shown)} removed with it ({via}) not counted ({why}): they are lost", why
    )


def _stopped(why: str) -> Hazard:
    return uncounted(LOSS, f"rows further along the foreign keys are removed too: not counted ({why})", why)
