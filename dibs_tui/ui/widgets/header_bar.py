"""The one-line header over the tabs."""

from __future__ import annotations

from textual.app import RenderResult
from textual.content import Content
from textual.widgets import Static


class HeaderBar(Static):
    """One line: masked DSN, server version, database, sync state, load state.

    Fitted to its width when drawn: on a narrow terminal the server version goes first, then the database's
    name (the label names it), then the label is cut; the sync and load states always show.
    """

    DEFAULT_CSS = """
    HeaderBar { height: 1; background: $panel; color: $text; padding: 0 1; text-wrap: nowrap; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._parts: tuple[Content, Content, list[Content], list[Content]] | None = None

    def show(self, brand: Content, label: Content, optional: list[Content], states: list[Content]) -> None:
        self._parts = (brand, label, optional, states)
        self.refresh()

    def render(self) -> RenderResult:
        if self._parts is None:
            return super().render()
        brand, label, optional, states = self._parts
        optional = list(optional)
        separator = Content("  │  ")
        room = max(20, self.content_region.width)
        line = separator.join([brand, label, *optional, *states])
        while line.cell_length > room and optional:
            optional.pop(0)
            line = separator.join([brand, label, *optional, *states])
        if line.cell_length > room:
            cut = max(8, label.cell_length - (line.cell_length - room))
            line = separator.join([brand, label.truncate(cut - 1) + Content("…"), *states])
        return line
