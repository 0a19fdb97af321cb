"""`dibs-tui diff --format sql` vs `migra` on the synthetic N vs N --changed pair, paired and interleaved.

Both databases live on one embedded server started here; the desired side is the second database's DSN, so
no shadow load is timed. Both tools exit 2 on differences; that is success here. What is timed: each whole
process, interpreter start-up included (what a user pays), both reading the two databases and writing the SQL;
the output goes to /dev/null. The load average is printed beside each line (the machine is shared). For
reference, dibs-tui also runs with two catalog sessions per side (DIBS_TUI_DIFF_CONNECTIONS=2; the default is
one when both databases are on one server, as here: commands/diff.py).

    .venv/bin/python -m bench.diff [--sizes 1000 5000] [--rounds 5]
"""

from __future__ import annotations

import argparse
import shlex
import sys
from collections.abc import Sequence
from pathlib import Path

from bench.common import (
    DIBS,
    byte_compile,
    load_average,
    load_synthetic,
    median_preempted,
    median_seconds,
    paired,
    peak_rss,
    start_server,
)

MIGRA = str(Path(sys.executable).parent / "migra")


def _psycopg2(dsn: str) -> str:
    """migra goes through SQLAlchemy 2.1, whose default PostgreSQL driver is psycopg 3 (not installed)."""
    return dsn.replace("postgresql://", "postgresql+psycopg2://", 1)


def _tolerating_exit_2(argv: list[str]) -> list[str]:
    """Differences (exit 2) are the expected outcome of both tools; only other codes are failures."""
    return ["sh", "-c", f"{shlex.join(argv)} >/dev/null; code=$?; [ $code -le 2 ] || exit $code"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 5000])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    byte_compile()
    server = start_server()
    try:
        for size in args.sizes:
            current = load_synthetic(server, f"cur_{size}", size)
            desired = load_synthetic(server, f"des_{size}", size, changed=True)
            dibs_diff = [DIBS, "diff", current, "--desired", desired, "--format", "sql"]
            commands: dict[str, Sequence[str]] = {
                "dibs-tui": _tolerating_exit_2(dibs_diff),
                "migra": _tolerating_exit_2([MIGRA, "--unsafe", _psycopg2(current), _psycopg2(desired)]),
                # For reference: two catalog sessions per side instead of one (commands/diff.py).
                "dibs-tui-2": _tolerating_exit_2(["env", "DIBS_TUI_DIFF_CONNECTIONS=2", *dibs_diff]),
            }
            results = paired(commands, args.rounds)
            dibs, migra = median_seconds(results["dibs-tui"]), median_seconds(results["migra"])
            print(
                f"{size} tables: dibs-tui {dibs:.2f} s (peak {peak_rss(results['dibs-tui']):.0f} MiB), "
                f"migra {migra:.2f} s (peak {peak_rss(results['migra']):.0f} MiB), ratio {dibs / migra:.2f}x "
                f"[{args.rounds} paired rounds, medians; load average {load_average()}]; preempted (median) "
                f"{median_preempted(results['dibs-tui'])} and {median_preempted(results['migra'])} times",
                flush=True,
            )
            two = median_seconds(results["dibs-tui-2"])
            print(
                f"{'':>6}two sessions per side instead of one: {two:.2f} s (peak "
                f"{peak_rss(results['dibs-tui-2']):.0f} MiB), ratio {two / migra:.2f}x",
                flush=True,
            )
    finally:
        server.stop()


if __name__ == "__main__":
    main()
