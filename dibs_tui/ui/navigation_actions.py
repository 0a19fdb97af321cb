"""The app's moves about the browser (`go_to` a table or column, back and forward, pane to pane): a mixin of the
app's actions, as the finder's and the explorer's are; what it needs of the app is the `_Navigating` protocol.
The history itself (`ui/navigation.py`) knows nothing of widgets."""

from __future__ import annotations

from typing import Any, Protocol

from textual.notifications import SeverityLevel
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import TabbedContent

from ..config import Settings
from ..core.model import Catalog
from .navigation import History, Location, next_pane
from .widgets.details import DetailsView
from .widgets.table_card import TableCard
from .widgets.tables_pane import TablesPane


class _Navigating(Protocol):
    catalog: Catalog | None
    settings: Settings
    history: History

    @property
    def card(self) -> TableCard: ...

    @property
    def details(self) -> DetailsView: ...

    @property
    def tables_pane(self) -> TablesPane: ...

    @property
    def focused(self) -> Widget | None: ...

    @property
    def tabs(self) -> TabbedContent: ...

    def say(
        self, message: str, *, severity: SeverityLevel = "information", timeout: float | None = None
    ) -> None: ...

    def current_location(self) -> Location | None: ...

    def _visit(self, location: Location) -> bool: ...

    def _show_details(self, keep_cursor: bool = False) -> None: ...


class _Moving(_Navigating, Protocol):
    @property
    def screen(self) -> Screen[Any]: ...

    def query_one(self, selector: Any, expect_type: Any = ...) -> Any: ...

    def _move_in_tab(self, step: int) -> None: ...


class NavigationActions:
    def current_location(self: _Navigating) -> Location | None:
        relation = self.card.relation
        if relation is None:
            return None
        column = self.card.column_list.current()
        on_column = self.focused is self.card.column_list or self.focused is self.details
        return Location(relation.schema, relation.name, column.name if column and on_column else None)

    def go_to(self: _Navigating, schema: str, table: str, column: str | None = None) -> bool:
        """Show `schema.table` (and `column`), recording where we were for `back`."""
        here = self.current_location()
        if not self._visit(Location(schema, table, column)):
            self.say(f"{schema}.{table} is not in the catalog (filtered out or dropped)", severity="warning")
            return False
        if here is not None and here != self.current_location():
            self.history.left(here)
        return True

    def _visit(self: _Navigating, location: Location) -> bool:
        if self.catalog is None or self.catalog.relation(location.schema, location.table) is None:
            return False
        self.tabs.active = "browse"
        if not self.tables_pane.select((location.schema, location.table)):
            return False
        relation = self.catalog.relation(location.schema, location.table)
        self.card.show(relation, self.settings, location.column)
        if location.column is not None:
            self.card.column_list.focus()
        else:
            self.tables_pane.table_list.focus()
        self._show_details()
        return True

    def action_history_back(self: _Navigating) -> None:
        if not self.history.step(True, self.current_location(), self._visit):
            self.say("nothing to go back to", timeout=2)

    def action_history_forward(self: _Navigating) -> None:
        if not self.history.step(False, self.current_location(), self._visit):
            self.say("nothing to go forward to", timeout=2)

    def action_move_pane(self: _Moving, step: int) -> None:
        if self.tabs.active != "browse":
            self._move_in_tab(step)
            return
        focusable = {widget.id for widget in self.screen.focus_chain}
        pane = next_pane(focusable, self.focused.id if self.focused else None, step)
        self.query_one(f"#{pane}", Widget).focus()

    def _move_in_tab(self: _Moving, step: int) -> None:
        """The Diff, Migrations and Health tabs: their panes in the order Tab takes them, round (the help there
        offered h and l, which did nothing). Tab's chain also holds the tabs' own bar: not a pane."""
        tab = self.tabs.get_pane(self.tabs.active)
        panes = [widget for widget in self.screen.focus_chain if tab in widget.ancestors]
        if not panes:
            return
        here = panes.index(self.focused) if self.focused in panes else (-1 if step > 0 else 0)
        panes[(here + step) % len(panes)].focus()
