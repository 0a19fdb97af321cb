"""The Diff, Migrations and Health panes are mounted when a key first needs one, not during the catalog's
load: their modules and widgets took about 0.19 s of CPU in the middle of the read at 5,000 tables."""

from __future__ import annotations

import time
from pathlib import Path

from textual.widgets import TabbedContent

from dibs_tui.config import Settings
from dibs_tui.core.connect import resolve
from dibs_tui.ui.app import DibsApp
from dibs_tui.ui.health_pane import HealthPane
from dibs_tui.ui.migrations_pane import MigrationsPane
from tests.pg import execute
from tests.ui_pilot import mounted, wait_for

PATIENCE = 60.0  # seconds before giving up on a state (a hang, never a speed)


async def test_the_tab_panes_wait_for_a_key_that_needs_one(db: str, tmp_path: Path) -> None:
    await execute(db, "CREATE TABLE t (id int PRIMARY KEY)")
    app = DibsApp(resolve(db), Settings(project_root=tmp_path), header_label="db")
    async with app.run_test(size=(120, 36)) as pilot:
        deadline = time.monotonic() + PATIENCE
        while app.catalog is None:
            assert time.monotonic() < deadline, "the catalog never arrived"
            await pilot.pause(0.05)
        await pilot.pause(0.3)
        assert not app.query(MigrationsPane) and not app.query(HealthPane)  # the card and the load are in
        await pilot.press("m")
        while not app.query(MigrationsPane):
            assert time.monotonic() < deadline, "m did not mount the Migrations pane"
            await pilot.pause(0.05)
        assert app.query_one(TabbedContent).active == "migrations"
        assert app.query(HealthPane)  # mounted with it, once: the next key switches at once


async def test_the_pilot_helpers_wait_for_a_pane_still_being_mounted(db: str, tmp_path: Path) -> None:
    """A pane is mounted a few messages after what asks for it (here the mount only scheduled, as a key's
    action or a tab's activation leaves it when the press returns): a query of it is no match until then, and
    the helpers wait for it rather than raise NoMatches (a rare failure on a loaded machine)."""
    await execute(db, "CREATE TABLE t (id int PRIMARY KEY)")
    app = DibsApp(resolve(db), Settings(project_root=tmp_path), header_label="db")
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_for(pilot, lambda: app.catalog is not None, limit=PATIENCE)
        app.mount_tab_panes()  # scheduled, not awaited
        await wait_for(pilot, lambda: app.query_one(HealthPane).catalog is not None, limit=PATIENCE)
        assert await mounted(pilot, MigrationsPane) is app.query_one(MigrationsPane)
