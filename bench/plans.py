"""Plans that stay linear: EXPLAIN ANALYZE of every catalog query on synthetic catalogs of each size.

    .venv/bin/python -m bench.plans [--tables 5000 20000 100000] [--work-mem 4MB]

Runs each query of the introspection (core/introspect/queries.py: the full load, the first card's
relation-only variants, the relation list), the server-side index deparse and the meta tables' look-up
(core/meta_tables.py) with EXPLAIN (ANALYZE, BUFFERS OFF) on a catalog session (the same settings as the
browser's, `catalog_settings`), and prints per query its time, the plan's node types and flags:

* `RESCAN`: a Nested Loop whose inner side is a Materialize or a scan re-read for every outer row, over more
  than a few hundred rows a loop (the plan grows with the square of the catalog);
* `SUBPLAN`: a subplan that is not hashed and runs once per row over a sequential scan or a materialised
  list (`x NOT IN (SELECT ...)` that outgrew work_mem);
* `SPILL`: a hash or sort that went to disk (work_mem too small: still linear, slower).

A correlated subplan that probes an index per row is linear and not flagged. The catalogs are generated once
by bench/gen_schema.py and kept in ~/.cache/dibs-bench (see bench/common.py): 100,000 tables take many
minutes the first time. `--work-mem` runs the queries with another work_mem than the session's, to compare.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import asyncpg

from bench.common import cached_server, cached_synthetic, load_average
from dibs_tui.core.introspect.queries import (
    INDEXDEF_SQL,
    PORTION_BOUNDS_SQL,
    PORTION_RELATIONS,
    PORTIONED,
    queries_for,
)
from dibs_tui.core.introspect.queries_listing import FIRST_RELATIONS_SQL, RELATION_LIST_SQL, RELATION_OIDS_SQL
from dibs_tui.core.meta import META_TABLES
from dibs_tui.core.meta_tables import _FIND_SQL
from dibs_tui.core.session import catalog_settings

# Rows a re-scanned inner side may hold per loop before the re-scan counts as growing with the catalog (the
# handful of access methods or schemas a join re-reads is constant).
RESCAN_ROWS = 200
_HASHED = re.compile(r"hashed (SubPlan \d+)")


@dataclass
class Shape:
    nodes: Counter[str] = field(default_factory=Counter)
    flags: list[str] = field(default_factory=list)


def _walk(node: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield node
    for child in node.get("Plans", ()):
        yield from _walk(child)


def _rows_per_loop(node: dict[str, Any]) -> float:
    return float(node.get("Actual Rows", 0)) + float(node.get("Rows Removed by Filter", 0))


def _rescans(node: dict[str, Any]) -> bool:
    """A subtree re-reads a materialised list or a table for each loop (not an index probe)."""
    return any(
        n["Node Type"] in ("Materialize", "Seq Scan", "Function Scan")
        and n.get("Actual Loops", 1) > 1
        and _rows_per_loop(n) > RESCAN_ROWS
        for n in _walk(node)
    )


def shape(plan: dict[str, Any]) -> Shape:
    """The node types of a plan and what in it does not stay linear."""
    result = Shape()
    hashed = set(_HASHED.findall(json.dumps(plan)))
    for node in _walk(plan):
        kind = node["Node Type"]
        name = node.get("Subplan Name")
        if node.get("Parent Relationship") == "SubPlan" and name:
            per_row = name not in hashed
            result.nodes[f"SubPlan({'per row' if per_row else 'hashed'})"] += 1
            if per_row and node.get("Actual Loops", 1) > 1 and _rescans(node):
                result.flags.append(f"SUBPLAN {name} re-scans {node.get('Relation Name', kind)} per row")
        result.nodes[kind] += 1
        if kind == "Nested Loop":
            inner = next((c for c in node.get("Plans", ()) if c.get("Parent Relationship") == "Inner"), None)
            if inner is not None and inner.get("Actual Loops", 1) > 1 and _rescans(inner):
                result.flags.append(
                    f"RESCAN {inner['Node Type']} of {_rows_per_loop(inner):.0f} rows x {inner['Actual Loops']}"
                )
        if any(
            part.get("Sort Space Type") == "Disk" or int(part.get("Hash Batches", 1)) > 1
            for part in (node, *node.get("Workers", ()))
        ):
            result.flags.append(f"SPILL {kind}")
    return result


def _queries(
    version_num: int, card_oid: int, index_oids: list[int], portion: tuple[int, int]
) -> dict[str, tuple[str, list[Any]]]:
    """Every catalog query with the arguments the browser gives it (no schema filter); the portioned kinds
    for one portion of PORTION_RELATIONS relations in the middle of the catalog (the read runs one such query
    per portion: their time is this one's times the number of portions)."""
    everything: dict[str, tuple[str, list[Any]]] = {}
    for name, sql in queries_for(version_num).items():
        if sql and name in PORTIONED:
            everything[f"{name} (one portion)"] = (sql, [[], [], *portion])
        elif sql:
            everything[name] = (sql, [[], []] if "$1" in sql else [])
    everything["portion_bounds"] = (PORTION_BOUNDS_SQL, [[], [], PORTION_RELATIONS, PORTION_RELATIONS])
    for name, sql in queries_for(version_num, only_relations=True).items():
        if sql and "$3" in sql:
            everything[f"card:{name}"] = (sql, [[], [], [card_oid]])
    everything["relation_list"] = (RELATION_LIST_SQL, [[], []])
    everything["first_relations(200)"] = (FIRST_RELATIONS_SQL, [[], [], 200])
    everything["relation_oids"] = (RELATION_OIDS_SQL, [["public"], ["account_00000"]])
    everything["index_definitions(100)"] = (INDEXDEF_SQL, [index_oids])
    everything["meta_find"] = (_FIND_SQL, [list(META_TABLES)])
    return everything


async def explain(dsn: str, work_mem: str | None, show: str | None) -> list[tuple[str, float, Shape]]:
    settings = catalog_settings()
    if work_mem:
        settings["work_mem"] = work_mem
    conn = await asyncpg.connect(dsn, server_settings=settings)
    try:
        version = conn.get_server_version()
        card = await conn.fetchval(
            "SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'public' AND c.relkind = 'r' ORDER BY c.relname LIMIT 1"
        )
        indexes = [
            r[0] for r in await conn.fetch("SELECT indexrelid FROM pg_index ORDER BY 1 DESC LIMIT 100")
        ]
        bounds = [
            r[0] for r in await conn.fetch(PORTION_BOUNDS_SQL, [], [], PORTION_RELATIONS, PORTION_RELATIONS)
        ]
        middle = len(bounds) // 2
        portion = (bounds[middle - 1] if middle else 0, bounds[middle] if bounds else 2**32 - 1)
        rows = []
        queries = _queries(version.major * 10000 + version.minor, card, indexes, portion)
        for name, (sql, args) in queries.items():
            text = await conn.fetchval(f"EXPLAIN (ANALYZE, BUFFERS OFF, FORMAT JSON) {sql}", *args)
            document = json.loads(text)[0]
            if name == show:
                for line in await conn.fetch(f"EXPLAIN (ANALYZE, BUFFERS OFF) {sql}", *args):
                    print(line[0])
            seconds = (document["Planning Time"] + document["Execution Time"]) / 1000
            rows.append((name, seconds, shape(document["Plan"])))
        return rows
    finally:
        await conn.close()


def _nodes(found: Counter[str]) -> str:
    return ", ".join(f"{k}{'x' + str(v) if v > 1 else ''}" for k, v in sorted(found.items()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tables", type=int, nargs="+", default=[5000, 20000, 100000])
    parser.add_argument("--work-mem", help="work_mem for the session instead of the catalog session's")
    parser.add_argument("--show", metavar="QUERY", help="also print this query's plan as text")
    args = parser.parse_args()
    server = cached_server()
    try:
        for tables in args.tables:
            dsn = cached_synthetic(server, tables)
            load = load_average()
            rows = asyncio.run(explain(dsn, args.work_mem, args.show))
            total = sum(seconds for _, seconds, _ in rows)
            print(f"\n## {tables:,} tables (load average {load}; {total:.2f} s in all)\n")
            print("| query | time | flags | plan nodes |\n|---|---:|---|---|")
            for name, seconds, found in rows:
                flags = "; ".join(found.flags) or "-"
                print(f"| {name} | {seconds * 1000:.0f} ms | {flags} | {_nodes(found.nodes)} |", flush=True)
    finally:
        server.stop()


if __name__ == "__main__":
    main()
