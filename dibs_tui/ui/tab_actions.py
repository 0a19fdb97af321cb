"""The app's tabs (Browse, Diff, Migrations, Health): the keys that switch to them, the focus a tab takes
when entered by any means, and what the panes ask of the browser by message (show a table, open a source
line, show a migration just written). A mixin of the app, as its explorer keys are; what it needs of the
app is `_Tabbed`."""

from __future__ import annotations

import contextlib
from typing import Any, Protocol

from textual.css.query import NoMatches
from textual.widget import Widget
from textual.widgets import TabbedContent, TabPane

from .diff_pane import DiffPane
from .health_pane import HealthPane
from .messages import MigrationSent, OpenSource
from .migrations_pane import MigrationsPane
from .widgets.tables_pane import TableList

MAIN_LISTS = {
    "browse": "#table-list",
    "diff": "#diff-changes",
    "migrations": "#migrations-list",
    "health": "#health-findings",
}


class _Tabbed(Protocol):
    @property
    def focused(self) -> Widget | None: ...

    def query_one(self, selector: Any, expect_type: Any = ...) -> Any: ...

    def go_to(self, schema: str, table: str, column: str | None = None) -> bool: ...

    def say(self, message: str, *, severity: Any = ..., timeout: float | None = None) -> None: ...

    def _focus_main_list(self, tab: str) -> None: ...


class TabActions:
    def action_browse(self: _Tabbed) -> None:
        self.query_one(TabbedContent).active = "browse"
        self.query_one(TableList).focus()

    def action_diff(self: _Tabbed) -> None:
        self.query_one(TabbedContent).active = "diff"
        self._focus_main_list("diff")
        self.query_one(DiffPane).start_diff()

    def action_migrations(self: _Tabbed) -> None:
        self.query_one(TabbedContent).active = "migrations"
        self._focus_main_list("migrations")
        self.query_one(MigrationsPane).activate()

    def action_health(self: _Tabbed) -> None:
        """`H`: the Health tab (its checks run the first time it is shown for a catalog)."""
        self.query_one(TabbedContent).active = "health"

    def on_tabbed_content_tab_activated(self: _Tabbed, event: TabbedContent.TabActivated) -> None:
        """A tab entered by any means (key, click) takes the keys at once: its main list gets the focus."""
        if event.tabbed_content.id != "tabs" or event.pane.id is None:
            return
        self._focus_main_list(event.pane.id)
        if event.pane.id == "health":
            self.query_one(HealthPane).activate()

    def _focus_main_list(self: _Tabbed, tab: str) -> None:
        """Focus the tab's main list, unless the focus is in that tab already (go_to chose a column)."""
        if tab not in MAIN_LISTS:
            return
        pane = self.query_one(f"#{tab}", TabPane)
        focused = self.focused
        if focused is None or pane not in focused.ancestors_with_self:
            self.query_one(MAIN_LISTS[tab], Widget).focus()

    def on_open_source(self: _Tabbed, message: OpenSource) -> None:
        from .open_source import open_location

        open_location(self, message.label, message.location)  # type: ignore[arg-type]

    def on_migration_sent(self: _Tabbed, message: MigrationSent) -> None:
        """A health fix written: the Migrations tab, reloaded, shows it for review and apply."""
        if message.path is None:
            return
        with contextlib.suppress(
            NoMatches
        ):  # written while the app shuts down: the file is there, that is all
            self.query_one(TabbedContent).active = "migrations"
            self._focus_main_list("migrations")
            pane = self.query_one(MigrationsPane)
            pane.wanted = message.path.stem  # highlighted once the list is read again
            pane.reload()
        self.say(f"wrote {message.path}: review it, then m applies it", timeout=6)
