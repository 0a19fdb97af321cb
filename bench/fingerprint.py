"""Benchmark: the schema fingerprint (core/fingerprint.py) against `pg_dump --schema-only`, the usual way to
fingerprint a schema (`pg_dump -s | sha256sum`), on synthetic catalogs.

    .venv/bin/python -m bench.fingerprint [--sizes 1000 5000] [--rounds 5]

Starts its own embedded server, builds catalogs of each size with bench/gen_schema.py, then runs both as child
processes, paired and interleaved round by round, output discarded. Prints the median wall time (interpreter
start-up included for ours), the peak RSS of each child, the ratio, and the machine's load average.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys

from bench.common import byte_compile, load_synthetic, median_seconds, paired, peak_rss, start_server
from dibs_tui.core.embedded import bin_path


async def _fingerprint_once(dsn: str) -> None:
    import asyncpg

    from dibs_tui.core.fingerprint import fingerprint

    conn = await asyncpg.connect(dsn)
    try:
        print((await fingerprint(conn)).digest)
    finally:
        await conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 5000])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--child", metavar="DSN", help=argparse.SUPPRESS)  # one fingerprint, for the timing
    args = parser.parse_args()
    if args.child:
        asyncio.run(_fingerprint_once(args.child))
        return
    byte_compile()
    server = start_server()
    try:
        print(
            f"{'tables':>6} | {'fingerprint s':>13} | {'pg_dump s':>9} | {'ratio':>5} | {'fp RSS MiB':>10} | "
            f"{'pg_dump RSS MiB':>15} | load average"
        )
        for size in args.sizes:
            dsn = load_synthetic(server, f"bench_fp_{size}", size)
            runs = paired(
                {
                    "fingerprint": [sys.executable, "-m", "bench.fingerprint", "--child", dsn],
                    "pg_dump": [str(bin_path("pg_dump")), "--schema-only", dsn],
                },
                args.rounds,
            )
            ours, dump = median_seconds(runs["fingerprint"]), median_seconds(runs["pg_dump"])
            load = " ".join(f"{x:.2f}" for x in os.getloadavg())
            print(
                f"{size:>6} | {ours:>13.3f} | {dump:>9.3f} | {ours / dump:>5.2f} | "
                f"{peak_rss(runs['fingerprint']):>10.1f} | {peak_rss(runs['pg_dump']):>15.1f} | {load}",
                flush=True,
            )
    finally:
        server.stop()


if __name__ == "__main__":
    main()
