"""Does the screen keep drawing while the Diff tab computes? Event-loop lag during `d` on big catalogs.

    .venv/bin/python -m bench.tui_diff [--tables 1000 5000] [--rounds 3]
    .venv/bin/python -m bench.tui_diff --against DSN DESIRED_DSN [--rounds 3]   (databases already loaded)

Starts an embedded server, loads gen_schema.py's N-table catalog twice (the second --changed), runs the app
headless at 120×36 on the first with the second's DSN as the desired schema, presses `d` and, until the diff
is on screen, records the lag of a 10 ms heartbeat timer and how long 20 `j` presses in the Tables list take
to be handled. Reports, per size, the median run: the diff's wall time, lag p50/p95/max during it and the
keys' time. A diff computed on the event loop shows as lag of the diff's own length.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.app_pilot import Heartbeat, until
from bench.common import byte_compile, load_synthetic, start_server
from dibs_tui.config import Settings
from dibs_tui.core.connect import resolve
from dibs_tui.ui.app import DibsApp
from dibs_tui.ui.diff_pane import DiffPane


@dataclass
class Figures:
    tables: int
    diff_s: float
    lag_p50_ms: float
    lag_p95_ms: float
    lag_max_ms: float
    keys_s: float


async def measure(dsn: str, desired: str, tables: int) -> Figures:
    app = DibsApp(resolve(dsn), Settings(project_root=Path.cwd()), desired=[desired])
    async with app.run_test(size=(120, 36)) as pilot:
        await until(pilot, lambda: "painted" in app.timings, 300.0)
        heartbeat = Heartbeat(app)
        started = time.perf_counter()
        await pilot.press("d")
        pane = app.query_one(DiffPane)  # mounted by the first key that needs it (ui/tab_actions.py)
        await pilot.press("b")  # back to Browse while the diff computes
        keys_started = time.perf_counter()
        await pilot.press(*["j"] * 20)
        keys = time.perf_counter() - keys_started
        await until(pilot, lambda: pane.result is not None, 300.0)
        diff = time.perf_counter() - started
        lag_p50, lag_p95, lag_max = heartbeat.stop()
    return Figures(
        tables=tables,
        diff_s=diff,
        lag_p50_ms=lag_p50,
        lag_p95_ms=lag_p95,
        lag_max_ms=lag_max,
        keys_s=keys,
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--tables", type=int, nargs="+", default=[1000, 5000])
    parser.add_argument("--rounds", type=int, default=3, help="runs per size; the median run is reported")
    parser.add_argument(
        "--against", nargs=2, metavar=("DSN", "DESIRED"), help="measure on these, load nothing"
    )
    args = parser.parse_args()
    byte_compile()
    if args.against:
        runs = [asyncio.run(measure(*args.against, 0)) for _ in range(args.rounds)]
        runs.sort(key=lambda f: f.lag_max_ms)
        _print([runs[len(runs) // 2]])
        return
    server = start_server()
    try:
        rows = []
        for tables in args.tables:
            dsn = load_synthetic(server, f"tuidiff_{tables}", tables)
            desired = load_synthetic(server, f"tuidiff_{tables}_changed", tables, changed=True)
            runs = [asyncio.run(measure(dsn, desired, tables)) for _ in range(args.rounds)]
            runs.sort(key=lambda f: f.lag_max_ms)
            rows.append(runs[len(runs) // 2])
    finally:
        server.stop()
    _print(rows)


def _print(rows: list[Figures]) -> None:
    print("| tables | diff on screen | lag p50 | lag p95 | lag max | 20 × j during the diff |")
    print("|---:|---:|---:|---:|---:|---:|")
    for f in rows:
        print(
            f"| {f.tables:,} | {f.diff_s:.2f} s | {f.lag_p50_ms:.1f} ms | {f.lag_p95_ms:.1f} ms "
            f"| {f.lag_max_ms:.1f} ms | {f.keys_s:.2f} s |"
        )


if __name__ == "__main__":
    main()
