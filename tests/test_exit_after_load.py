"""Leaving the app the moment the catalog is in: a test's end (Pilot's `run_test`) removes the panes while the
app still handles its messages, so what is still queued then (a highlight of the list drawn again, the load's
after-refresh step, the card's settle timer, a loader thread's answer: a lock wait said, the catalog, the
server gone) runs with the panes gone, and must not raise: suite runs on a loaded machine failed so."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from textual.message import Message
from textual.widget import Widget

from dibs_tui.ui.app import DibsApp
from dibs_tui.ui.messages import CatalogFailed, CatalogLoaded, CatalogProgress, LockWaitSaid, ServerGone
from dibs_tui.ui.widgets.header_bar import HeaderBar
from dibs_tui.ui.widgets.table_card import TableCard
from dibs_tui.ui.widgets.tables_pane import TablesPane
from tests.pg import execute
from tests.ui_pilot import make_app, wait_for


class _LateArrivals(Widget):
    """Mounted beside the panes: when the shutdown prunes the screen, it waits until the other panes are
    removed, then runs the app's timer and after-refresh steps and posts its messages, as they come late."""

    def __init__(self, late: Callable[[], list[Message]], steps: list[Callable[[], None]]) -> None:
        super().__init__()
        self.late, self.steps = late, steps
        self.posted = False

    async def on_unmount(self) -> None:
        app = self.app
        for _ in range(1000):
            if not (app.query(TableCard) or app.query(HeaderBar) or app.query(TablesPane)):
                break
            await asyncio.sleep(0.01)
        for step in self.steps:
            step()
        for message in self.late():
            app.post_message(message)
        self.posted = True


async def test_what_is_still_queued_when_the_panes_are_gone_does_not_raise(db: str) -> None:
    await execute(db, "CREATE TABLE users (id int PRIMARY KEY, name text); CREATE TABLE teams (id int);")
    app: DibsApp = make_app(db)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: app.catalog is not None and "card" in app.timings)
        catalog, listing = app.catalog, app.tables_pane.listing
        assert catalog is not None and listing is not None
        teams = catalog.relation("public", "teams")
        assert teams is not None
        generation = app._load_generation

        def late() -> list[Message]:
            return [
                TablesPane.TableHighlighted(teams),
                TablesPane.TableChosen(teams),
                LockWaitSaid(None),
                CatalogProgress(generation, 1, 2),
                CatalogLoaded(generation, catalog, listing, 0.0, 0.0),
                CatalogFailed(generation, "the server closed the connection"),
                ServerGone("the server closed the connection"),
            ]

        arrivals = _LateArrivals(late, [app._mark_painted, app._settled])
        await app.screen.mount(arrivals)
    assert arrivals.posted  # and the app raised nothing (run_test re-raises what a handler raised)
