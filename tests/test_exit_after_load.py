"""Leaving the app the moment the catalog is in: a test's end (Pilot's `run_test`) removes the panes while the
app still handles its messages, so what is still queued then (a highlight of the list drawn again, the load's
after-refresh step, the card's settle timer, a loader thread's answer: a lock wait said, the catalog, the
server gone; a tab switched, a column or detail line chosen, a pane's "open this" (in the editor, in Browse),
a health fix written, a Used by answer) runs with the panes gone, and must not raise (suite runs on a loaded
machine failed so), nor start what the user left: an editor opened after `q`."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

from textual.message import Message
from textual.widget import Widget
from textual.widgets import TabbedContent

from dibs_tui.core.model import ObjectRef, SourceLocation
from dibs_tui.ui.app import DibsApp
from dibs_tui.ui.messages import (
    CatalogFailed,
    CatalogLoaded,
    CatalogProgress,
    LockWaitSaid,
    MigrationSent,
    OpenInBrowser,
    OpenSource,
    ServerGone,
    UsesFound,
)
from dibs_tui.ui.widgets.details import DetailsView
from dibs_tui.ui.widgets.header_bar import HeaderBar
from dibs_tui.ui.widgets.table_card import TableCard
from dibs_tui.ui.widgets.tables_pane import TablesPane
from dibs_tui.ui.widgets.virtual_list import VirtualList
from tests.pg import execute
from tests.ui_pilot import fake_editor, make_app, wait_for


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


async def test_what_is_still_queued_when_the_panes_are_gone_does_not_raise(db: str, tmp_path: Path) -> None:
    await execute(db, "CREATE TABLE users (id int PRIMARY KEY, name text); CREATE TABLE teams (id int);")
    script, record = fake_editor(tmp_path)  # a terminal editor: it runs before its open returns
    (tmp_path / "schema.sql").write_text("CREATE TABLE teams (id int);\n")
    template = f"{script} {{file}}"
    app: DibsApp = make_app(db, tmp_path, editor_template=template)
    app.editor_agreed = template  # asked and agreed earlier in the session
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: app.catalog is not None and "card" in app.timings)
        catalog, listing = app.catalog, app.tables_pane.listing
        assert catalog is not None and listing is not None
        teams, users = catalog.relation("public", "teams"), catalog.relation("public", "users")
        assert teams is not None and users is not None
        generation = app._load_generation
        tabs = app.query_one("#tabs", TabbedContent)
        tab_switched = TabbedContent.TabActivated(tabs, tabs.get_tab("browse"))
        details = app.query_one(DetailsView)

        def late() -> list[Message]:
            return [
                TablesPane.TableHighlighted(teams),
                TablesPane.TableChosen(teams),
                LockWaitSaid(None),
                CatalogProgress(generation, 1, 2),
                CatalogLoaded(generation, catalog, listing, 0.0, 0.0),
                CatalogFailed(generation, "the server closed the connection"),
                ServerGone("the server closed the connection"),
                tab_switched,
                TableCard.ColumnChosen(users, users.columns[0]),
                VirtualList.Activated(details, 0),
                OpenInBrowser("public", "users", "name"),
                OpenSource("table public.teams", SourceLocation("schema.sql", 1)),
                MigrationSent(tmp_path / "0002_fix.sql"),
                UsesFound(catalog, ObjectRef("table", "public", "teams")),
            ]

        arrivals = _LateArrivals(late, [app._mark_painted, app._settled])
        await app.screen.mount(arrivals)
    assert arrivals.posted  # and the app raised nothing (run_test re-raises what a handler raised)
    assert not record.exists()  # no editor started after the user left
