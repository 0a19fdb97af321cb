"""The server's CPU for each catalog query of a whole read, on synthetic catalogs, and against another checkout.

    .venv/bin/python -m bench.query_cpu [--tables 1000 5000] [--rounds 5] [--against /path/to/other/checkout]

Each query of the full read (core/introspect/queries.py; the portioned kinds over every portion, as the read
asks for them) runs alone on a fresh catalog session, as in a real read, whose caches start cold: its cost is
the backend's CPU from /proc/<pid>/schedstat (nanoseconds; the embedded server runs on this machine), not
EXPLAIN ANALYZE's clock, which adds its own overhead per row. Prints the median of the rounds per query. With
`--against`, that checkout's queries (its dibs_tui on PYTHONPATH) run too, alternated round by round with
ours, so that both see the same load: how a change of the SQL moves the server's share (bench/JOURNAL.md,
session 26). The catalogs are bench/common.py's cached ones.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

import asyncpg

from bench.common import REPO, cached_server, cached_synthetic, load_average
from dibs_tui.core.introspect.queries import (
    NOTHING,
    PORTION_BOUNDS_SQL,
    PORTION_RELATIONS,
    PORTIONED,
    queries_for,
)
from dibs_tui.core.session import catalog_settings


def _backend_cpu(pid: int) -> int:
    return int(Path(f"/proc/{pid}/schedstat").read_text().split()[0])


async def one_round(dsn: str) -> dict[str, int]:
    """Each query's server CPU in nanoseconds, each on a session of its own."""
    conn = await asyncpg.connect(dsn, server_settings=catalog_settings())
    version = conn.get_server_version()
    bounds = [
        r[0] for r in await conn.fetch(PORTION_BOUNDS_SQL, [], [], PORTION_RELATIONS, PORTION_RELATIONS)
    ]
    await conn.close()
    edges = [0, *bounds, 2**32 - 1]
    spent = {}
    for name, sql in queries_for(version.major * 10000 + version.minor).items():
        if not sql or sql == NOTHING:
            continue
        conn = await asyncpg.connect(dsn, server_settings=catalog_settings())
        try:
            pid = conn.get_server_pid()
            before = _backend_cpu(pid)
            if name in PORTIONED:
                for low, high in itertools.pairwise(edges):
                    await conn.fetch(sql, [], [], low, high)
            else:
                await conn.fetch(sql, *([[], []] if "$1" in sql else []))
            spent[name] = _backend_cpu(pid) - before
        finally:
            await conn.close()
    return spent


def _round_of(checkout: Path, dsn: str) -> dict[str, int]:
    """One round with `checkout`'s queries, in a child process that imports its dibs_tui."""
    env = {**os.environ, "PYTHONPATH": f"{checkout}{os.pathsep}{REPO}"}
    argv = [sys.executable, str(REPO / "bench" / "query_cpu.py"), "--worker", dsn]
    return dict(json.loads(subprocess.run(argv, env=env, capture_output=True, text=True, check=True).stdout))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tables", type=int, nargs="+", default=[1000, 5000])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument(
        "--against", type=Path, help="another checkout whose queries run alternated with ours"
    )
    parser.add_argument("--worker", metavar="DSN", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(asyncio.run(one_round(args.worker))))
        return
    checkouts = {"this": REPO, **({"against": args.against.resolve()} if args.against else {})}
    server = cached_server()
    try:
        for tables in args.tables:
            dsn = cached_synthetic(server, tables)
            load = load_average()
            found: dict[str, dict[str, list[int]]] = {name: {} for name in checkouts}
            for number in range(args.rounds):
                order = list(checkouts) if number % 2 == 0 else list(reversed(checkouts))
                for name in order:
                    for query, ns in _round_of(checkouts[name], dsn).items():
                        found[name].setdefault(query, []).append(ns)
            print(
                f"\n## {tables:,} tables, median of {args.rounds} (load average {load} -> {load_average()})\n"
            )
            print("| query | " + " | ".join(f"{name} ms" for name in checkouts) + " |")
            print("|---|" + "---:|" * len(checkouts))
            for query in found["this"]:
                cells = [statistics.median(found[name].get(query, [0])) / 1e6 for name in checkouts]
                print(f"| {query} | " + " | ".join(f"{ms:.1f}" for ms in cells) + " |")
            sums = [sum(statistics.median(v) for v in found[name].values()) / 1e6 for name in checkouts]
            print("| all | " + " | ".join(f"{ms:.0f}" for ms in sums) + " |", flush=True)
    finally:
        server.stop()


if __name__ == "__main__":
    main()
