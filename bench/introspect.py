"""Benchmark: `dibs-tui schema --json` against `pg_dump --schema-only` on synthetic catalogs.

    .venv/bin/python -m bench.introspect [--sizes 1000 5000] [--rounds 7]

Uses the cached catalogs of each size (bench/common.py: generated once by bench/gen_schema.py, kept in
~/.cache/dibs-bench), then runs both tools as child processes, paired and interleaved round by
round, output discarded. Prints the median wall time, the peak RSS of each child (os.wait4) and the ratios,
the median CPU of each tool, and the least CPU of the server's backends it used over the rounds (the
postmaster's reaped children: other clients' backends ending meanwhile count too, and only ever add).
Interpreter start-up is part of dibs-tui's time, as it is for a user.
"""

from __future__ import annotations

import argparse

from bench.common import (
    DIBS,
    byte_compile,
    cached_server,
    cached_synthetic,
    least_server_cpu,
    load_average,
    median_cpu,
    median_preempted,
    median_seconds,
    paired,
    peak_rss,
)
from dibs_tui.core.embedded import bin_path

TARGET_RATIO = {1000: 0.70, 5000: 0.50}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 5000])
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    byte_compile()
    server = cached_server()
    try:
        print(
            f"{'tables':>6} | {'dibs-tui s':>10} | {'pg_dump s':>9} | {'ratio':>5} | {'target':>6} | "
            f"{'dibs RSS MiB':>12} | {'pg_dump RSS MiB':>15}"
        )
        for size in args.sizes:
            dsn = cached_synthetic(server, size)
            load = load_average()
            runs = paired(
                {
                    "dibs": [DIBS, "schema", dsn, "--json"],
                    "pg_dump": [str(bin_path("pg_dump")), "--schema-only", dsn],
                    "dibs_1conn": ["env", "DIBS_TUI_SCHEMA_CONNECTIONS=1", DIBS, "schema", dsn, "--json"],
                },
                args.rounds,
                server,
            )
            dibs, dump = median_seconds(runs["dibs"]), median_seconds(runs["pg_dump"])
            target = TARGET_RATIO.get(size)
            print(
                f"{size:>6} | {dibs:>10.3f} | {dump:>9.3f} | {dibs / dump:>5.2f} | "
                f"{'≤' + format(target, '.2f') if target else '-':>6} | {peak_rss(runs['dibs']):>12.1f} | "
                f"{peak_rss(runs['pg_dump']):>15.1f} | load average {load}",
                flush=True,
            )
            print(
                f"{'':>6}   CPU, client (median) + server (least): dibs-tui {median_cpu(runs['dibs']):.3f} + "
                f"{least_server_cpu(runs['dibs']):.3f} s, pg_dump {median_cpu(runs['pg_dump']):.3f} + "
                f"{least_server_cpu(runs['pg_dump']):.3f} s; preempted (median) {median_preempted(runs['dibs'])} "
                f"and {median_preempted(runs['pg_dump'])} times",
                flush=True,
            )
            one = median_seconds(runs["dibs_1conn"])
            print(
                f"{'':>6}   one connection instead of two: {one:.3f} s ({one / dump:.2f}x pg_dump)",
                flush=True,
            )
    finally:
        server.stop()


if __name__ == "__main__":
    main()
