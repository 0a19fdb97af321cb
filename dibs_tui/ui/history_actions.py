"""The app's history moves: `M` puts the Details cursor on the History section of the selection, Enter on a
migration there opens the Migrations pane on it, and Enter on a table or column that migration touched comes
back to Browse. A mixin of the app's actions only (the binding is the app's, where the help and the palette
list it); what it needs of the app is the `_Historied` protocol."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from textual.widgets import TabbedContent

from .messages import OpenInBrowser
from .widgets.details import DetailsView

if TYPE_CHECKING:
    from ..core.explore.history import HistoryIndex
    from ..core.model import Catalog
    from .diff_pane import DiffPane
    from .health_pane import HealthPane
    from .migrations_pane import MigrationsPane


class _Historied(Protocol):
    catalog: Catalog | None

    @property
    def details(self) -> DetailsView: ...

    def go_to(self, schema: str, table: str, column: str | None = None) -> bool: ...

    def say(self, message: str, *, severity: Any = ..., timeout: float | None = None) -> None: ...

    def action_browse(self) -> None: ...

    async def action_migrations(self) -> None: ...

    async def tab_panes(self) -> tuple[DiffPane, MigrationsPane, HealthPane]: ...

    def query_one(self, selector: Any) -> Any: ...

    def _shutting_down(self) -> bool: ...


class HistoryActions:
    def history_index(self: _Historied) -> HistoryIndex | None:
        """The History section's index of the catalog on screen (imported once asked: the first frame has no
        History section, tests/test_startup_imports.py)."""
        from .widgets.history_section import index_for

        return index_for(self.catalog) if self.catalog is not None else None

    def action_migration_history(self: _Historied) -> None:
        """The Details pane, on the History section of the table or column it shows."""
        self.query_one(TabbedContent).active = "browse"
        if not self.details.go_to_heading("History"):
            self.say("select a table first (the catalog may still be loading)", timeout=3)
            return
        self.details.focus()

    async def open_migration(self: _Historied, name: str) -> None:
        await self.action_migrations()
        _, migrations, _ = await self.tab_panes()
        migrations.select(name)

    def on_open_in_browser(self: _Historied, event: OpenInBrowser) -> None:
        if self._shutting_down():  # still queued as the app closes: the panes are gone
            return
        self.action_browse()
        self.go_to(event.schema, event.table, event.column)  # says so when the table is not there


__all__ = ["HistoryActions"]
