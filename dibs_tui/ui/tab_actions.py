"""The app's tabs (Browse, Diff, Migrations, Health): the keys that switch to them, the focus a tab takes
when entered by any means, and what the panes ask of the browser by message (show a table, open a source
line, show a migration just written). A mixin of the app, as its explorer keys are; what it needs of the
app is `_Tabbed`.

The Diff, Migrations and Health panes are mounted when a key or a click first needs one (`mount_tab_panes`),
not composed with the first frame nor mounted after it: their modules (the planner's results, the migrations,
the health checks and what they import) and their widgets are none of the browsing's business, and mounted
after the first card (as until session 13) they took about 0.19 s of CPU and the GIL in the middle of the
catalog's read (5,000 tables: busy until 2.07 -> 1.95 s). Whatever uses a pane first awaits `tab_panes()`."""

from __future__ import annotations

import asyncio
import contextlib
from typing import TYPE_CHECKING, Any, Protocol

from textual.css.query import NoMatches
from textual.widget import Widget
from textual.widgets import TabbedContent, TabPane

from .messages import MigrationSent, OpenSource
from .widgets.table_list import TableList

if TYPE_CHECKING:
    from .diff_pane import DiffPane
    from .health_pane import HealthPane
    from .migrations_pane import MigrationsPane

MAIN_LISTS = {
    "browse": "#table-list",
    "diff": "#diff-changes",
    "migrations": "#migrations-list",
    "health": "#health-findings",
}


class _Tabbed(Protocol):
    @property
    def focused(self) -> Widget | None: ...

    def mount_tab_panes(self) -> asyncio.Future[None]: ...

    async def tab_panes(self) -> tuple[DiffPane, MigrationsPane, HealthPane]: ...

    def query_one(self, selector: Any, expect_type: Any = ...) -> Any: ...

    def go_to(self, schema: str, table: str, column: str | None = None) -> bool: ...

    def say(self, message: str, *, severity: Any = ..., timeout: float | None = None) -> None: ...

    def _focus_main_list(self, tab: str) -> None: ...

    def _shutting_down(self) -> bool: ...


class TabActions:
    _panes_mounted: asyncio.Future[None] | None = None

    def mount_tab_panes(self: Any) -> asyncio.Future[None]:  # Any: the app's query_one is overloaded
        """Mount the Diff, Migrations and Health panes in their tabs, once (the modules imported here)."""
        if self._panes_mounted is None:
            from .diff_pane import DiffPane
            from .health_pane import HealthPane
            from .migrations_pane import MigrationsPane

            context = self.pane_context()
            panes = (("diff", DiffPane(context)), ("migrations", MigrationsPane(context)))
            health = HealthPane(context)
            health.catalog = self.catalog  # its checks need the catalog shown, if it came first

            async def mount() -> None:
                for tab, pane in (*panes, ("health", health)):
                    await self.query_one(f"#{tab}", TabPane).mount(pane)
                if health.catalog is None:  # loaded while it was being mounted, before it subscribed
                    health.catalog = self.catalog
                self._panes_ready()

            self._panes_mounted = asyncio.ensure_future(mount())
        return self._panes_mounted

    def _panes_ready(self) -> None:
        """The tab panes are mounted (a subclass says more in them)."""

    async def tab_panes(self: _Tabbed) -> tuple[DiffPane, MigrationsPane, HealthPane]:
        """The Diff, Migrations and Health panes, mounted first if they are not yet."""
        from .diff_pane import DiffPane
        from .health_pane import HealthPane
        from .migrations_pane import MigrationsPane

        await self.mount_tab_panes()
        return self.query_one(DiffPane), self.query_one(MigrationsPane), self.query_one(HealthPane)

    def action_browse(self: _Tabbed) -> None:
        self.query_one(TabbedContent).active = "browse"
        self.query_one(TableList).focus()

    async def action_diff(self: _Tabbed) -> None:
        diff, _, _ = await self.tab_panes()
        self.query_one(TabbedContent).active = "diff"
        self._focus_main_list("diff")
        diff.start_diff()

    async def action_migrations(self: _Tabbed) -> None:
        _, migrations, _ = await self.tab_panes()
        self.query_one(TabbedContent).active = "migrations"
        self._focus_main_list("migrations")
        migrations.activate()

    def action_health(self: _Tabbed) -> None:
        """`H`: the Health tab (its checks run the first time it is shown for a catalog)."""
        self.query_one(TabbedContent).active = "health"

    async def on_tabbed_content_tab_activated(self: _Tabbed, event: TabbedContent.TabActivated) -> None:
        """A tab entered by any means (key, click) takes the keys at once: its main list gets the focus. Nothing
        once the app is closing: a switch still queued then finds the panes gone."""
        if event.tabbed_content.id != "tabs" or event.pane.id is None or self._shutting_down():
            return
        if event.pane.id == "browse":
            self._focus_main_list("browse")
            return
        _, _, health = await self.tab_panes()
        if self._shutting_down():  # the app began to close while the panes were mounted
            return
        self._focus_main_list(event.pane.id)
        if event.pane.id == "health":
            health.activate()

    def _focus_main_list(self: _Tabbed, tab: str) -> None:
        """Focus the tab's main list, unless the focus is in that tab already (go_to chose a column)."""
        if tab not in MAIN_LISTS:
            return
        pane = self.query_one(f"#{tab}", TabPane)
        focused = self.focused
        if focused is None or pane not in focused.ancestors_with_self:
            self.query_one(MAIN_LISTS[tab], Widget).focus()

    def on_open_source(self: _Tabbed, message: OpenSource) -> None:
        """A pane's `o`; one still queued once the app is closing opens nothing: the user has left."""
        from .open_source import open_location

        if self._shutting_down():
            return
        open_location(self, message.label, message.location)  # type: ignore[arg-type]

    async def on_migration_sent(self: _Tabbed, message: MigrationSent) -> None:
        """A health fix written: the Migrations tab, reloaded, shows it for review and apply."""
        if message.path is None or self._shutting_down():  # written as the app closes: the file is there
            return
        with contextlib.suppress(NoMatches):  # the app began to close while the panes were mounted
            _, pane, _ = await self.tab_panes()
            self.query_one(TabbedContent).active = "migrations"
            self._focus_main_list("migrations")
            pane.wanted = message.path.stem  # highlighted once the list is read again
            pane.reload()
        self.say(f"wrote {message.path}: review it, then m applies it", timeout=6)
