"""The schema history at scale: indexing it once with the catalog against asking the server per selection.

    .venv/bin/python -m bench.history [--sizes 1000 5000] [--rounds 5] [--migrations 200]

Each size is gen_schema.py's catalog with the four `__dibs_*` tables filled as dibs would: a `__dibs_tables` row
per table and a `__dibs_columns` row per column (created by one of `--migrations` migrations, every third
column modified by a later one), and `__dibs_migrations` rows whose `tables_created` / `tables_modified`
arrays name every table (bare) once or twice. The catalog is loaded once, as the browser holds it; then,
paired round by round:

* index: `HistoryIndex(catalog)`, what the loader thread adds to a load (beside the load itself);
* select: one table's timeline and one of its columns' history from the index (what Details asks on a
  selection), for 100 tables picked at random,
  against the alternative the dibs documentation gives ("Schema history for a table": one
  `WHERE name = ANY(tables_created) OR ...` query per selection, server round trip included).

Prints medians, ratios, this process's peak RSS and the load average.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import time
from typing import Any

import asyncpg

from bench.common import load_synthetic, loaded_catalog, self_rss_mib, start_server
from dibs_tui.core.explore.history import HistoryIndex
from dibs_tui.core.meta import meta_tables_ddl

SPEC_SQL = """
SELECT m.name, m.applied_at, m.tables_created, m.tables_modified
FROM __dibs_migrations m
WHERE $1 = ANY(m.tables_created) OR $1 = ANY(m.tables_modified) OR $1 = ANY(m.tables_dropped)
ORDER BY m.applied_at
"""
SELECTIONS = 100


async def _fill_meta(dsn: str, migrations: int) -> None:
    """The meta rows, written set-based on the server from the catalog itself."""
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(meta_tables_ddl())
        await conn.execute(
            f"""
            INSERT INTO __dibs_migrations (name, applied_at, execution_time_ms, tables_created, tables_modified)
            SELECT pg_catalog.format('m%s', pg_catalog.lpad(i::text, 5, '0')),
                   '2026-01-01'::timestamptz + pg_catalog.make_interval(hours => i), i % 97,
                   ARRAY(SELECT c.relname::text FROM pg_class c WHERE c.relkind = 'r'
                         AND c.relnamespace = 'public'::regnamespace AND c.relname NOT LIKE '\\_\\_dibs%'
                         AND c.oid::int8 % {migrations} = i - 1),
                   ARRAY(SELECT c.relname::text FROM pg_class c WHERE c.relkind = 'r'
                         AND c.relnamespace = 'public'::regnamespace AND c.relname NOT LIKE '\\_\\_dibs%'
                         AND (c.oid::int8 / 3) % {migrations} = i - 1)
            FROM generate_series(1, {migrations}) i;
            INSERT INTO __dibs_tables (table_name, source_file, source_line, created_by_migration)
            SELECT c.relname, 'schema.sql', 1,
                   pg_catalog.format('m%s', pg_catalog.lpad((c.oid::int8 % {migrations} + 1)::text, 5, '0'))
            FROM pg_class c WHERE c.relkind = 'r' AND c.relnamespace = 'public'::regnamespace
              AND c.relname NOT LIKE '\\_\\_dibs%';
            INSERT INTO __dibs_columns (table_name, column_name, source_file, source_line,
                                        created_by_migration, modified_by_migration)
            SELECT c.relname, a.attname, 'schema.sql', a.attnum,
                   pg_catalog.format('m%s', pg_catalog.lpad((c.oid::int8 % {migrations} + 1)::text, 5, '0')),
                   CASE WHEN a.attnum % 3 = 0 THEN pg_catalog.format('m%s', pg_catalog.lpad(
                        ((c.oid::int8 / 3) % {migrations} + 1)::text, 5, '0')) END
            FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
            WHERE c.relkind = 'r' AND c.relnamespace = 'public'::regnamespace
              AND c.relname NOT LIKE '\\_\\_dibs%';
            ANALYZE;
            """
        )
    finally:
        await conn.close()


def measure(dsn: str, rounds: int) -> dict[str, float]:
    async def run() -> dict[str, float]:
        catalog, conn, load = await loaded_catalog(dsn)
        try:
            tables = [r for r in catalog.relations if r.kind.is_table and not r.name.startswith("__dibs")]
            picked = random.Random(3).sample(tables, min(SELECTIONS, len(tables)))
            times: dict[str, list[float]] = {"index": [], "select": [], "server": []}
            events = 0
            for _ in range(rounds):
                start = time.perf_counter()
                index = HistoryIndex(catalog)
                times["index"].append(time.perf_counter() - start)
                start = time.perf_counter()
                for rel in picked:  # what Details asks on a selection: the timeline, one column's history
                    events += len(index.timeline(rel.schema, rel.name))
                    index.column(rel.schema, rel.name, rel.columns[-1].name)
                times["select"].append(time.perf_counter() - start)
                start = time.perf_counter()
                for rel in picked:
                    await conn.fetch(SPEC_SQL, rel.name)
                times["server"].append(time.perf_counter() - start)
            assert events > 0, "the index found no history: the bench would measure nothing"
            medians = {k: statistics.median(v) for k, v in times.items()}
            return {**medians, "load": load}
        finally:
            await conn.close()

    return asyncio.run(run())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 5000])
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--migrations", type=int, default=200)
    args = ap.parse_args()
    server = start_server()
    try:
        print(
            f"| tables | catalog load | index once | share of load | {SELECTIONS} selections from the index "
            f"| {SELECTIONS} spec queries | ratio |"
        )
        print("|---:|---:|---:|---:|---:|---:|---:|")
        for size in args.sizes:
            dsn = load_synthetic(server, f"history_{size}", size)
            asyncio.run(_fill_meta(dsn, args.migrations))
            m: dict[str, Any] = measure(dsn, args.rounds)
            print(
                f"| {size:,} | {m['load']:.3f} s | {m['index']:.4f} s | {m['index'] / m['load']:.1%} "
                f"| {m['select']:.4f} s | {m['server']:.4f} s | {m['server'] / m['select']:.0f}x |",
                flush=True,
            )
        print(f"peak RSS of this process: {self_rss_mib():.0f} MiB; load average: {os.getloadavg()}")
    finally:
        server.stop()


if __name__ == "__main__":
    main()
