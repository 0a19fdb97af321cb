"""`uses`, `path`, `lint` and the neighbourhood view at scale, after the catalog is loaded, against the server
doing the same walk where there is one.

    .venv/bin/python -m bench.explore [--sizes 1000 5000] [--rounds 5]

Each size is gen_schema.py's catalog plus, per 10 tables, one PL/pgSQL function reading a table, one view
over two tables and one trigger, so `uses` has bodies to parse and views to walk. The catalog is loaded once
(as the browser holds it); then, paired round by round, each what a user waits for once the catalog is in:

* uses: `UsesIndex(catalog)` (every body parsed) + the tree of the most-referenced table, against the
  recursive pg_depend query a GUI runs for its "dependents" tab (server time, one round trip, no bodies);
* path: the FK graph + the shortest paths between two far-apart tables (no server alternative: timed alone);
* lint: `health_report` (the statistics read while the catalog's checks run on a thread) and the text
  report `dibs-tui lint` prints, against the same done one after the other (statistics, then every check)
  and against one classic "FK without an index" query on the server (one of our ten checks); with the CPU
  time of this process (both threads) during it, the steadier figure on a busy machine;
* draw: the neighbourhood view of the most-referenced table at depth 1 and 3 (the most boxes), in a
  120 x 40 terminal: the layout, the widget's render and Textual's strips of it (the graph is built once,
  on a thread, when the view opens: timed as "graph").

Prints medians, ratios, this process's peak RSS and the load average.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import time
from collections.abc import Callable

import asyncpg
from textual.style import Style
from textual.visual import RenderOptions

from bench.common import load_average, load_synthetic, loaded_catalog, self_rss_mib, start_server
from dibs_tui.commands.lint import report_text
from dibs_tui.core.explore.fkgraph import FkGraph, fk_in_degree
from dibs_tui.core.explore.health import catalog_checks, health_report
from dibs_tui.core.explore.health_facts import read_health_facts
from dibs_tui.core.explore.health_sequences import narrow_sequences
from dibs_tui.core.explore.paths import shortest_paths
from dibs_tui.core.explore.uses import UsesIndex
from dibs_tui.core.model import Catalog, ObjectRef, QualifiedName
from dibs_tui.ui.explorer.neighbourhood_layout import draw
from dibs_tui.ui.explorer.neighbourhood_screen import NeighbourhoodView

DEPENDENTS_SQL = """
WITH RECURSIVE deps(classid, objid, depth) AS (
    SELECT 'pg_class'::regclass::oid, $1::regclass::oid, 0
  UNION
    SELECT d.classid, COALESCE(r.ev_class, d.objid), deps.depth + 1
    FROM deps JOIN pg_depend d ON d.refclassid = deps.classid AND d.refobjid = deps.objid
    LEFT JOIN pg_rewrite r ON d.classid = 'pg_rewrite'::regclass AND r.oid = d.objid
    WHERE d.deptype IN ('n', 'a') AND deps.depth < 12 AND COALESCE(r.ev_class, d.objid) <> deps.objid
)
SELECT count(*) FROM deps
"""

FK_WITHOUT_INDEX_SQL = """
SELECT c.conrelid::regclass, c.conname FROM pg_constraint c
WHERE c.contype = 'f' AND NOT EXISTS (
    SELECT 1 FROM pg_index i WHERE i.indrelid = c.conrelid
      AND (i.indkey::int2[])[0:array_length(c.conkey, 1) - 1] @> c.conkey)
"""


def extras(table_names: list[str], seed: int = 7) -> str:
    """Functions, views and triggers over the synthetic tables (one of each per ten tables)."""
    rng = random.Random(seed)
    out = []
    for i in range(len(table_names) // 10):
        a, b = rng.sample(table_names, 2)
        out.append(
            f"CREATE FUNCTION bench_fn_{i}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            f"PERFORM count(*) FROM {a} WHERE id IS NOT NULL; RETURN NEW; END $$;\n"
            f"CREATE VIEW bench_view_{i} AS SELECT x.id AS a_id, y.id AS b_id FROM {a} x CROSS JOIN {b} y;\n"
            f"CREATE TRIGGER bench_trg_{i} BEFORE INSERT ON {b} FOR EACH ROW EXECUTE FUNCTION bench_fn_{i}();\n"
        )
    return "".join(out)


async def _prepare(dsn: str) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        rows = await conn.fetch(
            "SELECT c.relname FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'id' "
            "WHERE c.relkind = 'r' AND c.relnamespace = 'public'::regnamespace ORDER BY 1"
        )
        await conn.execute(extras([r[0] for r in rows]))
    finally:
        await conn.close()


def _timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def _draw(catalog: Catalog, graph: FkGraph, centre: QualifiedName, depth: int) -> None:
    """What the screen does for one frame of the view: the layout, the render, the strips."""
    view = NeighbourhoodView(catalog, centre)
    view.graph, view.depth = graph, depth
    view.drawing = draw(catalog, graph, centre, depth, WIDTH, HEIGHT, {})
    options = RenderOptions(get_style=lambda s: s if isinstance(s, Style) else Style.parse(s), rules={})
    view.render().render_strips(WIDTH, HEIGHT, Style.null(), options)


WIDTH, HEIGHT = 120, 40
COLUMNS = (
    "uses",
    "uses_server",
    "path",
    "lint",
    "lint_cpu",
    "lint_sequential",
    "lint_server",
    "graph",
    "draw1",
    "draw3",
)


def measure(dsn: str, rounds: int) -> dict[str, float]:
    async def run() -> dict[str, float]:
        catalog, conn, _ = await loaded_catalog(dsn)
        try:
            graph = FkGraph(catalog)
            degrees = fk_in_degree(catalog)
            hub = max(degrees, key=lambda k: degrees[k])
            far = max(graph.distances_to(hub).items(), key=lambda kv: kv[1])[0]
            other = next(k for k in graph.steps if k not in (hub, far))
            times: dict[str, list[float]] = {k: [] for k in COLUMNS}
            for _ in range(rounds):
                times["uses"].append(_timed(lambda: UsesIndex(catalog).tree(ObjectRef("table", *hub))))
                start = time.perf_counter()
                await conn.fetchval(DEPENDENTS_SQL, f"{hub[0]}.{hub[1]}")
                times["uses_server"].append(time.perf_counter() - start)
                times["path"].append(_timed(lambda: shortest_paths(FkGraph(catalog), far, other)))
                start, start_cpu = time.perf_counter(), time.process_time()
                report = await health_report(conn, catalog, unused_after_days=0)  # every check, as before
                report_text(report, list(report.findings))
                times["lint"].append(time.perf_counter() - start)
                times["lint_cpu"].append(time.process_time() - start_cpu)
                start = time.perf_counter()
                facts = await read_health_facts(conn, narrow=narrow_sequences(catalog))
                report = catalog_checks(catalog).with_facts(facts, 0)
                report_text(report, list(report.findings))
                times["lint_sequential"].append(time.perf_counter() - start)
                start = time.perf_counter()
                await conn.fetch(FK_WITHOUT_INDEX_SQL)
                times["lint_server"].append(time.perf_counter() - start)
                times["graph"].append(_timed(lambda: FkGraph(catalog)))
                times["draw1"].append(_timed(lambda: _draw(catalog, graph, hub, 1)))
                times["draw3"].append(_timed(lambda: _draw(catalog, graph, hub, 3)))
            medians = {k: statistics.median(v) for k, v in times.items()}
            near = graph.neighbourhood(hub, 1)
            return {
                **medians,
                "neighbours1": len(near) - 1,
                "neighbours3": len(graph.neighbourhood(hub, 3)) - 1,
            }
        finally:
            await conn.close()

    return asyncio.run(run())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 5000])
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    server = start_server()
    try:
        print(
            "| tables | uses | server dependents | ratio | path | lint (its CPU) | lint sequential | ratio "
            "| server FK check | graph | draw depth 1 (neighbours) | draw depth 3 (neighbours) | load average |"
        )
        print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        for size in args.sizes:
            dsn = load_synthetic(server, f"explore_{size}", size)
            asyncio.run(_prepare(dsn))
            m = measure(dsn, args.rounds)
            print(
                f"| {size:,} | {m['uses']:.3f} s | {m['uses_server']:.3f} s | {m['uses'] / m['uses_server']:.1f}x "
                f"| {m['path']:.3f} s | {m['lint']:.3f} s ({m['lint_cpu']:.3f} s) | {m['lint_sequential']:.3f} s "
                f"| {m['lint'] / m['lint_sequential']:.2f}x | {m['lint_server']:.3f} s | {m['graph']:.3f} s "
                f"| {1000 * m['draw1']:.0f} ms ({m['neighbours1']:.0f}) "
                f"| {1000 * m['draw3']:.0f} ms ({m['neighbours3']:.0f}) | {load_average()} |",
                flush=True,
            )
        print(f"peak RSS of this process: {self_rss_mib():.0f} MiB; load average: {os.getloadavg()}")
    finally:
        server.stop()


if __name__ == "__main__":
    main()
