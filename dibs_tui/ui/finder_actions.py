"""The app's finder keys (`t` go to a table, `c` which tables have a column): a mixin of the app's actions
(their bindings are the app's, where the help and the palette list them), and the candidates they rank (the
explorer's path finder and the palette rank them too); what it needs of the app is the `_Finding` protocol."""

from __future__ import annotations

from typing import Any, Protocol

from textual.screen import Screen

from ..core.model import Catalog
from .finder_candidates import FinderCandidates, FinderItem
from .search import Candidate

# The finders rank the whole catalog's names; until it is read the list's names are there to filter.
STILL_LOADING = "the catalog is still loading: the finders open once it is read (/ filters the names listed)"


class _Finding(Protocol):
    catalog: Catalog | None
    _finder: FinderCandidates  # the app's, made again for each catalog

    def table_candidates(self) -> list[Candidate]: ...

    def column_candidates(self) -> list[Candidate]: ...

    def go_to(self, schema: str, table: str, column: str | None = None) -> bool: ...

    def push_screen(self, screen: Screen[Any], callback: Any = None) -> Any: ...

    def say(self, message: str) -> None: ...


class FinderActions:
    def table_candidates(self: _Finding) -> list[Candidate]:
        """Every relation as a finder candidate (`schema.table`), built once per catalog."""
        return self._finder.tables()

    def column_candidates(self: _Finding) -> list[Candidate]:
        """Every column as a finder candidate (`schema.table.column`), built once per catalog."""
        return self._finder.columns()

    def action_goto_table(self: _Finding) -> None:
        if self.catalog is None:
            self.say(STILL_LOADING)
            return
        from .screens.finder import FinderScreen  # not the first frame's (tests/test_startup_imports.py)

        screen = FinderScreen(
            "Go to table", self.table_candidates, placeholder="schema.table or part of a name"
        )
        self.push_screen(screen, lambda item: _visit(self, item))

    def action_column_search(self: _Finding) -> None:
        if self.catalog is None:
            self.say(STILL_LOADING)
            return
        from .screens.finder import FinderScreen

        screen = FinderScreen(
            "Which tables have this column?",
            self.column_candidates,
            placeholder="column name, e.g. customer_id",
        )
        self.push_screen(screen, lambda item: _visit(self, item))


def _visit(app: _Finding, item: FinderItem | None) -> None:
    if item is not None:
        app.go_to(item.schema, item.table, item.column)
