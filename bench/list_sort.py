"""The Tables pane's sort orders at scale: what the sort worker's thread computes once per catalog and order.

    .venv/bin/python -m bench.list_sort [--sizes 10000 100000] [--rounds 3]

gen_schema.py's catalog of N tables from the cache server (bench/common.py: generated once, kept in
~/.cache/dibs-bench), loaded once as the browser holds it. Round by round, the four orders interleaved: by
name (the list's usual order, the baseline), FK in-degree (a count of the foreign keys, then a sort), rows
and size. None of it runs on the event loop; what the loop does when an order arrives is the same row
rebuild a filter or a fold does. Prints medians (wall and this process's CPU: on a busy machine the CPU time
is the steadier), each order's ratio to by-name, the load's time, peak RSS and load average.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import time

from bench.common import cached_server, cached_synthetic, loaded_catalog, self_rss_mib
from dibs_tui.core.model import Catalog
from dibs_tui.ui.list_sort import SORTS, sort_order
from dibs_tui.ui.listing import list_order


async def _catalog(dsn: str) -> tuple[Catalog, float]:
    catalog, conn, seconds = await loaded_catalog(dsn)
    await conn.close()
    return catalog, seconds


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    server = cached_server()
    try:
        for size in args.sizes:
            whole, load = asyncio.run(_catalog(cached_synthetic(server, size)))
            print(f"{size:>7} tables  catalog loaded in {load:.1f} s ({len(whole.relations):,} relations)")
            times: dict[str, list[float]] = {mode: [] for mode in SORTS}
            for _ in range(args.rounds):
                for mode in SORTS:
                    start = time.perf_counter()
                    sort_order(whole, mode, list_order)
                    times[mode].append(time.perf_counter() - start)
            base = statistics.median(times[SORTS[0]])
            for mode in SORTS:
                median = statistics.median(times[mode])
                print(
                    f"{size:>7} tables  {mode:<13} {median:7.3f} s  ×{median / base:5.2f} of by name",
                    flush=True,
                )
            del whole
    finally:
        server.stop()
    load_avg = " ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"peak RSS {self_rss_mib():.0f} MiB, load average {load_avg}")


if __name__ == "__main__":
    main()
