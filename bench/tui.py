"""How the browser feels on big catalogs: time to the table list and first card, and event-loop lag.

    .venv/bin/python bench/tui.py [--tables 1000 5000] [--rounds 3]

Uses the cached gen_schema.py catalogs (bench/common.py: ~/.cache/dibs-bench), runs the app headless at 120×36
and reports, per size: connection time, catalog load, table list (with the first card) painted after the
connection is up, and the lag of a 10 ms heartbeat timer during a scripted session of scrolling (j, PgDn,
G/g), filtering (`/` + typing, escape) and go-to (`t` + name + Enter); and how long the filter takes to answer
(from its last key to the list holding the matches and the status line saying so, debounce included, drawn at
the screen's next refresh: the worst of the queries typed; watched on the app's loop, since pilot.press returns
only once the app is idle and the screen drawn, ~0.1 s the user does not wait for; also from the key's text in
the box); the CPU time of the loop's thread and of the process during the session (not inflated by a loaded
machine as the lag is).
Targets: 5,000 tables: list ≤ 0.5 s after connection, first card ≤ 1.0 s; lag p95 ≤ 30 ms at 10,000 tables,
≤ 50 ms at 100,000; the filter answers within 100 ms of a key at any size. Waits for the whole catalog first
(at 100,000 tables minutes on a loaded machine: the default statement_timeout scales with the catalog).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from textual.widgets import Input, Static

from bench.app_pilot import Heartbeat, until
from bench.common import cached_server, cached_synthetic, load_average
from dibs_tui.config import Settings
from dibs_tui.core.connect import resolve
from dibs_tui.ui.app import DibsApp
from dibs_tui.ui.screens.finder import FinderScreen


@dataclass
class Figures:
    tables: int
    connect_s: float
    catalog_s: float
    list_after_connect_s: float
    card_after_connect_s: float
    lag_p50_ms: float
    lag_p95_ms: float
    lag_max_ms: float
    filter_ms: float
    filter_from_box_ms: float
    session_s: float
    loop_cpu_s: float
    process_cpu_s: float


async def measure(dsn: str, tables: int) -> Figures:
    app = DibsApp(resolve(dsn), Settings(project_root=Path.cwd()))
    async with app.run_test(size=(120, 36)) as pilot:
        await until(pilot, lambda: "painted" in app.timings, 1200.0)
        marks = app.timings
        shown = sum(1 for _ in app.catalog.relations) if app.catalog else 0
        if shown < tables:
            raise SystemExit(f"expected {tables} tables, the catalog has {shown}")
        # The list paints from the relations-only query ("listed"); the first card from the selected relation
        # loaded alone ("card"), before the full catalog.
        list_painted = marks.get("listed", marks["painted"]) - marks["connected"]
        card_painted = marks["card"] - marks["connected"] if "card" in marks else float("nan")

        heartbeat = Heartbeat(app)
        started = time.perf_counter()
        # CPU time, which a loaded machine does not inflate: the event loop's thread (the app and this script
        # share it; the script's part is small) and the whole process (the filter's and finders' threads too).
        loop_cpu, process_cpu = time.thread_time(), time.process_time()
        await pilot.press(*["j"] * 40)
        await pilot.press(*["pagedown"] * 30)
        await pilot.press("G", "g")
        status = app.tables_pane.query_one("#tables-status", Static)
        box = app.tables_pane.query_one("#table-filter", Input)
        answers: list[float] = []
        from_box: list[float] = []  # from the last key's text in the box: without the pilot's idle waits
        for query in ("inv", "order_0", "tsk"):
            await pilot.press("slash", *query[:-1])
            typed = time.perf_counter()  # the last key: its answer is what the user waits for
            # Watched on the app's loop, not after pilot.press returns: press then waits for the app to be idle and
            # the screen drawn (about 0.1 s), which the user does not wait for.
            in_box = asyncio.create_task(_when(lambda q=query: box.value == q))
            shown = asyncio.create_task(_when(lambda q=query: f"match {q!r}" in str(status.content)))
            await pilot.press(query[-1])
            await until(pilot, shown.done, 10.0)
            answered = shown.result()
            answers.append(answered - typed)
            from_box.append(answered - await in_box)
            await pilot.press(*["j"] * 5, "escape")
        for name in (f"_{tables - 1:05d}", "account_00000", f"_{tables // 2:05d}"):
            await pilot.press("t", *name)
            await pilot.pause(0.2)
            await pilot.press("enter")
            await until(pilot, lambda: not isinstance(app.screen, FinderScreen), 120.0)
            await pilot.press("l", *["j"] * 5, "h")
        session = time.perf_counter() - started
        loop_cpu, process_cpu = time.thread_time() - loop_cpu, time.process_time() - process_cpu
        lag_p50, lag_p95, lag_max = heartbeat.stop()
    return Figures(
        tables=tables,
        connect_s=marks["connected"] - marks["start"],
        catalog_s=marks["catalog"] - marks["connected"],
        list_after_connect_s=list_painted,
        card_after_connect_s=card_painted,
        lag_p50_ms=lag_p50,
        lag_p95_ms=lag_p95,
        lag_max_ms=lag_max,
        filter_ms=max(answers) * 1000,
        filter_from_box_ms=max(from_box) * 1000,
        session_s=session,
        loop_cpu_s=loop_cpu,
        process_cpu_s=process_cpu,
    )


async def _when(condition: Any) -> float:
    """When `condition()` first held, polled every millisecond on the app's loop (during a filter's keys only)."""
    while not condition():  # noqa: ASYNC110 (a widget's state: nothing to await)
        await asyncio.sleep(0.001)
    return time.perf_counter()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--tables", type=int, nargs="+", default=[1000, 5000])
    parser.add_argument("--rounds", type=int, default=3, help="runs per size; the median run is reported")
    args = parser.parse_args()
    server = cached_server()
    try:
        rows = []
        for tables in args.tables:
            dsn = cached_synthetic(server, tables)
            load = load_average()
            runs = [asyncio.run(measure(dsn, tables)) for _ in range(args.rounds)]
            runs.sort(key=lambda f: f.list_after_connect_s)
            rows.append((runs[len(runs) // 2], load))
    finally:
        server.stop()
    print(
        "| tables | connect | catalog load | list painted after connect | first card after connect "
        "| lag p50 | lag p95 | lag max | filter answer | (from the text in the box) | scripted session | loop CPU | process CPU | load average |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for f, load in rows:
        print(
            f"| {f.tables:,} | {f.connect_s:.3f} s | {f.catalog_s:.3f} s | {f.list_after_connect_s:.3f} s "
            f"| {f.card_after_connect_s:.3f} s | {f.lag_p50_ms:.1f} ms | {f.lag_p95_ms:.1f} ms "
            f"| {f.lag_max_ms:.1f} ms | {f.filter_ms:.0f} ms | {f.filter_from_box_ms:.0f} ms | {f.session_s:.1f} s "
            f"| {f.loop_cpu_s:.1f} s | {f.process_cpu_s:.1f} s | {load} |"
        )


if __name__ == "__main__":
    main()
