"""What the explorer's screens share: a full-size modal frame with a title and a status line, and the
answer they give the app (where to go)."""

from __future__ import annotations

from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.screen import ModalScreen

from ..navigation import Location


class ExplorerScreen(ModalScreen[Location | None]):
    """Closed by escape (or q) with no answer; a chosen object answers with its Location."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "close", "Close", id="explorer.close"),
    ]

    DEFAULT_CSS = """
    ExplorerScreen { align: center middle; }
    ExplorerScreen > Vertical { width: 96%; height: 94%; border: thick $primary; background: $surface; }
    ExplorerScreen .explorer-title { text-style: bold; color: $text-primary; padding: 0 1; height: auto; }
    ExplorerScreen .explorer-status { color: $text-muted; padding: 0 1; height: auto; }
    """

    def action_close(self) -> None:
        self.dismiss(None)
