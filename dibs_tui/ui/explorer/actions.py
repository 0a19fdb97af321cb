"""The app's explorer keys (`u`, `n`, `p`, `e`): each opens a screen on the selection and visits the place
the screen answers with. A mixin of the app's actions only (its bindings are the app's, where the help and
the palette list them); what it needs of the app is the `_Explorable` protocol."""

from __future__ import annotations

from typing import Any, Protocol

from textual.screen import Screen

from ...core.model import Catalog, ObjectRef
from ..finder_candidates import FinderItem
from ..navigation import Location
from ..pane_context import PaneContext
from ..search import Candidate
from ..text import safe


class _Explorable(Protocol):
    catalog: Catalog | None

    def current_location(self) -> Location | None: ...

    def pane_context(self) -> PaneContext: ...

    def table_candidates(self) -> list[Candidate]: ...

    def go_to(self, schema: str, table: str, column: str | None = None) -> bool: ...

    def say(self, message: str, *, severity: Any = ..., timeout: float | None = None) -> None: ...

    def push_screen(self, screen: Screen[Any], callback: Any = None) -> Any: ...


class ExplorerActions:
    def _explore(self: _Explorable, screen: Screen[Location | None] | None) -> None:
        if screen is None:
            self.say("select a table first (the catalog may still be loading)", timeout=3)
            return

        def visit(place: Location | None) -> None:
            if place is not None:
                self.go_to(place.schema, place.table, place.column)

        self.push_screen(screen, visit)

    # Each screen is imported when its key is first pressed: none of them is needed for the first frame.
    def action_uses(self: _Explorable) -> None:
        """What uses the selected column (when the columns have the focus) or table."""
        from .uses_screen import UsesScreen

        here = self.current_location()
        screen = None
        if here is not None and self.catalog is not None:
            ref = (
                ObjectRef("column", here.schema, here.table, here.column)
                if here.column
                else ObjectRef("table", here.schema, here.table)
            )
            context = self.pane_context()
            settings = context.settings
            paths = settings.source_paths(context.desired_spec())
            screen = UsesScreen(self.catalog, ref, paths, settings.project_root)
        ExplorerActions._explore(self, screen)

    def action_neighbourhood(self: _Explorable) -> None:
        from .neighbourhood_screen import NeighbourhoodScreen

        here = self.current_location()
        screen = (
            NeighbourhoodScreen(self.catalog, (here.schema, here.table)) if here and self.catalog else None
        )
        ExplorerActions._explore(self, screen)

    def action_export(self: _Explorable) -> None:
        """The schema, or the selected table's neighbourhood, to a file (Mermaid, DOT or Markdown)."""
        from .export_screen import ExportScreen

        if self.catalog is None:
            self.say("the catalog is still loading", timeout=3)
            return
        here = self.current_location()

        def written(note: str | None) -> None:
            if note:
                self.say(note, timeout=6)

        self.push_screen(ExportScreen(self.catalog, (here.schema, here.table) if here else None), written)

    def action_path(self: _Explorable) -> None:
        from ..screens.finder import FinderScreen
        from .path_screen import PathScreen

        here, catalog = self.current_location(), self.catalog
        if here is None or catalog is None:
            ExplorerActions._explore(self, None)
            return

        def picked(item: FinderItem | None) -> None:
            if item is not None:
                ExplorerActions._explore(
                    self, PathScreen(catalog, (here.schema, here.table), (item.schema, item.table))
                )

        title = f"Path from {safe(f'{here.schema}.{here.table}')} to…"  # a name may hold an escape
        self.push_screen(FinderScreen(title, self.table_candidates, placeholder="the other table"), picked)
