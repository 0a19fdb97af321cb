"""The one-line header over the tabs."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import RenderResult
from textual.content import Content
from textual.widgets import Static

from ..text import data

if TYPE_CHECKING:
    from ...core.model import Catalog


class HeaderBar(Static):
    """One line: masked DSN, server version, database, sync state, load state.

    Fitted to its width when drawn: on a narrow terminal the server version goes first, then the database's
    name (the label names it), then the label is cut, then the states but the last (the lock a read waits for
    outlasts the load's progress, which outlasts the sync state).
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

    def show_state(self, label: str, catalog: Catalog | None, sync: str, load: str, lock_wait: str) -> None:
        """The browser's header: its label, the server and database once the catalog is read, the diff's sync
        state, the load's, and the lock a read waits for (escaped where it is written: core/lock_wait.py)."""
        optional: list[Content] = []
        if catalog is not None:
            standby = (" standby", "$text-warning") if catalog.standby else ""
            optional.append(
                Content.assemble(("PostgreSQL ", "$text-muted"), data(catalog.server_version), standby)
            )
            optional.append(Content.assemble(("db ", "$text-muted"), data(catalog.database, "bold")))
        states = [Content.assemble(("sync ", "$text-muted"), data(sync))] if sync else []
        states += [Content.styled(state, "$text-warning") for state in (load, lock_wait) if state]
        self.show(Content.styled("dibs-tui", "bold $text-accent"), data(label), optional, states)

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
            label = label.truncate(cut - 1) + Content("…")
            line = separator.join([brand, label, *states])
        # The states in the order they matter least: the sync state, the load's, the lock a read waits for.
        # At 80 columns the load's progress filled the line and the lock that held it (and who holds it) was
        # cut off: the last state is kept, cut at its end when even it does not fit.
        states = list(states)
        while line.cell_length > room and len(states) > 1:
            states.pop(0)
            line = separator.join([brand, label, *states])
        if line.cell_length > room and states:
            keep = max(1, states[-1].cell_length - (line.cell_length - room) - 1)
            line = separator.join([brand, label, states[-1].truncate(keep) + Content("…")])
        return line
