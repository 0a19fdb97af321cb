"""Write the README's screenshots: `python -m dibs_tui.ui.screenshots [OUT_DIR]` (default `screenshots/`).

Builds the demo database (Acme Tracker) on a throwaway embedded server, drives the browser headless at
120×36 (the browse view also at 80×24) and saves SVGs of its main states. The header shows a fixed label,
not the session's port, and what is timed on the machine that shoots them is fixed (`fixed_timings`): a run
rewrites an SVG only when a screen changed.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import tempfile
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

from textual.pilot import Pilot

from ..config import Settings, load_settings
from ..core.connect import resolve
from ..core.embedded import EmbeddedServer
from ..demo.build import build_demo
from .app import DibsApp
from .screens.finder import FinderScreen

SIZE = (120, 36)
SMALL = (80, 24)  # the smallest terminal the layout is made for
PROJECT = Path(tempfile.gettempdir()) / "acme-tracker"
HEADER = "postgresql://postgres@localhost/dibs_demo"

Step = Callable[[Pilot[int]], Awaitable[None]]


async def _until(pilot: Pilot[int], condition: Callable[[], object], limit: float = 60.0) -> None:
    waited = 0.0
    while not condition():
        await pilot.pause(0.05)
        waited += 0.05
        if waited > limit:
            raise SystemExit("screenshots: the app never reached the expected state")
    await pilot.pause(0.2)


async def _goto(pilot: Pilot[int], name: str) -> None:
    await pilot.press("t", *name, "enter")
    await _until(pilot, lambda: not isinstance(pilot.app.screen, FinderScreen))
    await _settled(pilot)


async def _settled(pilot: Pilot[int]) -> None:
    """The Details' Used by section found (on a thread): never shot half-way."""
    app = pilot.app
    assert isinstance(app, DibsApp)
    await _until(pilot, lambda: not any("finding…" in str(line.content) for line in app.details.lines))


async def browse(pilot: Pilot[int]) -> None:
    await _goto(pilot, "issues")


async def card(pilot: Pilot[int]) -> None:
    await _goto(pilot, "issues")
    await pilot.press("l", "j", "j")


async def finder(pilot: Pilot[int]) -> None:
    await pilot.press("t", *"iss")
    await pilot.pause(0.3)


async def help_screen(pilot: Pilot[int]) -> None:
    await pilot.press("question_mark")


async def diff(pilot: Pilot[int]) -> None:
    from .diff_pane import DiffPane

    await pilot.press("d")
    await _until(pilot, lambda: bool(pilot.app.query(DiffPane)))  # mounted by the key (ui/tab_actions.py)
    pane = pilot.app.query_one(DiffPane)
    await _until(pilot, lambda: pane.result is not None)  # the diff computes on a worker thread
    await _until(pilot, lambda: pane.plan_review is not None)  # then its review marks the plan's statements


async def migrations(pilot: Pilot[int]) -> None:
    await pilot.press("m")
    await _previewed(pilot)


async def _previewed(pilot: Pilot[int]) -> None:
    from textual.widgets import Static

    from .migrations_pane import MigrationsPane

    await _until(
        pilot, lambda: bool(pilot.app.query(MigrationsPane))
    )  # mounted by the key (ui/tab_actions.py)
    details = pilot.app.query_one(MigrationsPane).query_one("#migrations-details", Static)

    def previewed() -> bool:  # hazards read and the folder replayed in a shadow database
        text = str(details.render())
        return "Changes:" in text and "computing" not in text

    await _until(pilot, previewed)


async def used_by_section(pilot: Pilot[int]) -> None:
    app = pilot.app
    assert isinstance(app, DibsApp)
    await _goto(pilot, "issues")
    heading = next(
        i for i, line in enumerate(app.details.lines) if str(line.content).startswith("── Used by")
    )
    app.details.focus()
    app.details.move_cursor(heading + 2)
    app.details.scroll_to(y=app.details.row_top(heading - 1), animate=False, immediate=True)


async def sorted_tables(pilot: Pilot[int]) -> None:
    from .widgets.table_list import TableList

    await pilot.press("s")  # by FK in-degree: the tables everything hangs from first
    await _until(pilot, lambda: pilot.app.query_one(TableList).order is not None)
    await _settled(pilot)


async def export(pilot: Pilot[int]) -> None:
    from textual.widgets import RadioButton

    from .explorer.export_screen import ExportScreen

    await _goto(pilot, "issues")
    await pilot.press("e")
    await _until(pilot, lambda: isinstance(pilot.app.screen, ExportScreen))
    pilot.app.screen.query_one("#export-scope").query(RadioButton)[2].value = True


async def used_by(pilot: Pilot[int]) -> None:
    await _goto(pilot, "issues")
    await pilot.press("u")
    await _until(pilot, lambda: "use it" in str(pilot.app.screen.query_one("#uses-status").render()))


async def neighbourhood(pilot: Pilot[int]) -> None:
    await _goto(pilot, "issues")
    await pilot.press("n")
    await pilot.pause(0.5)  # the FK graph builds on a worker thread
    await pilot.press("2")


async def path(pilot: Pilot[int]) -> None:
    from .explorer.path_screen import PathScreen

    await _goto(pilot, "comments")
    await pilot.press("p", *"orgs", "enter")
    await _until(pilot, lambda: isinstance(pilot.app.screen, PathScreen) and pilot.app.screen.paths)


async def health(pilot: Pilot[int]) -> None:
    from .health_pane import HealthPane

    await pilot.press("H")
    await _until(pilot, lambda: bool(pilot.app.query(HealthPane)))  # mounted by the key (ui/tab_actions.py)
    pane = pilot.app.query_one(HealthPane)
    await _until(pilot, lambda: pane.report is not None)
    await pilot.press("j")  # the first finding's details and fix


async def history(pilot: Pilot[int]) -> None:
    await _goto(pilot, "users")
    await pilot.press("M")


async def migration_touched(pilot: Pilot[int]) -> None:
    from .migration_touched import TouchedList

    await history(pilot)
    await pilot.press("down", "enter")  # the second migration that changed users
    await _previewed(pilot)
    await _until(pilot, lambda: pilot.app.query_one(TouchedList).option_count > 0)


SHOTS: dict[str, Step] = {
    "browse": browse,
    "card-details": card,
    "goto": finder,
    "help": help_screen,
    "diff": diff,
    "migrations": migrations,
    "browse-80x24": browse,
    "used-by": used_by,
    "neighbourhood": neighbourhood,
    "path": path,
    "health": health,
    "history": history,
    "migration-touched": migration_touched,
    "used-by-section": used_by_section,
    "sorted-tables": sorted_tables,
    "export": export,
}


SIZES: dict[str, tuple[int, int]] = {"browse-80x24": SMALL}


async def _shoot(dsn: str, settings: Settings, step: Step, size: tuple[int, int]) -> str:
    app = DibsApp(resolve(dsn), settings, header_label=HEADER)
    async with app.run_test(size=size) as pilot:
        await _until(pilot, lambda: app.catalog is not None and app.card.relation is not None)
        await step(pilot)
        await pilot.pause(0.2)
        return app.export_screenshot(title="dibs-tui")


# The timings the screenshots show, as one run on a quiet machine measured them.
DIFF_SECONDS = 0.46
STATISTICS_AGE = timedelta(seconds=36)
SCRATCH_TABLE = 7_233_536  # bytes: the trace's timed scratch table (core/review/trace.py)
SCRATCH_SECONDS = (0.0676, 0.1078, 0.00745)  # its rewrite, index build and read
RECORDED_MS = {  # each demo migration's recorded execution time
    "20260110090000_initial-schema": 98,
    "20260117100000_add-email-verification": 5,
    "20260124113000_add-notifications-and-webhooks": 41,
    "20260202140000_add-audit-log": 17,
    "20260205083000_hotfix-drop-slow-index": 12,
}


@contextmanager
def fixed_timings() -> Iterator[None]:
    """Within the screenshots only, the numbers timed on the machine that shoots them are the fixed ones above:
    the diff's duration, the statistics' age (the server was started for the shots) and the rates the trace
    times on its scratch table. Without it `make screenshots` rewrote four SVGs every run over those numbers
    alone. The app never imports this module: anywhere else, what it shows is what it measured."""
    from ..core.explore import health
    from ..core.review import trace
    from .diff_pane import DiffPane
    from .diff_view import DiffView

    real_show, real_facts, real_rates = DiffPane.show, health.read_health_facts, trace.measure_rates

    def show(pane: DiffPane, view: DiffView) -> None:
        real_show(pane, replace(view, result=replace(view.result, elapsed_s=DIFF_SECONDS)))

    async def read_health_facts(*args: Any, **kwargs: Any) -> Any:
        facts = await real_facts(*args, **kwargs)
        since = facts.stats_since
        return facts if since is None else replace(facts, read_at=since + STATISTICS_AGE)

    async def measure_rates(conn: Any, where: str) -> trace.Rates:
        return trace.timed_rates(SCRATCH_TABLE, *SCRATCH_SECONDS, where)

    DiffPane.show = show  # type: ignore[method-assign, assignment]
    health.read_health_facts = read_health_facts
    trace.measure_rates = measure_rates
    try:
        yield
    finally:
        DiffPane.show = real_show  # type: ignore[method-assign]
        health.read_health_facts = real_facts
        trace.measure_rates = real_rates


async def _record_fixed_times(dsn: str) -> None:
    """The demo's history with `RECORDED_MS` in place of the times its build measured."""
    import asyncpg

    conn = await asyncpg.connect(dsn)
    try:
        await conn.executemany(
            "UPDATE __dibs_migrations SET execution_time_ms = $2 WHERE name = $1", list(RECORDED_MS.items())
        )
    finally:
        await conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("out", nargs="?", type=Path, default=Path("screenshots"))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    server_dir = Path(tempfile.mkdtemp(prefix="dibs-screenshots-"))
    server = EmbeddedServer(server_dir / "server").start()
    try:
        shutil.rmtree(PROJECT, ignore_errors=True)
        info = build_demo(server.dsn("postgres"), project_dir=PROJECT, reset=True)
        settings = load_settings(info.project_dir)
        asyncio.run(_record_fixed_times(info.dsn))
        with fixed_timings():
            for name, step in SHOTS.items():
                svg = asyncio.run(_shoot(info.dsn, settings, step, SIZES.get(name, SIZE)))
                (args.out / f"{name}.svg").write_text(svg)
                print(f"wrote {args.out / name}.svg")
    finally:
        server.stop()
        shutil.rmtree(server_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
