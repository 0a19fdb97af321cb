"""A failed load: one clear message (a DibsError's text, never a traceback) with Retry / Close / Quit."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from ..text import safe
from ..widgets.footer import Footer
from ..widgets.wrapped_static import WrappedStatic


class ErrorScreen(ModalScreen[str]):
    """Dismisses with "retry", "close" (keep browsing the old data) or "quit"."""

    # Retry has the focus when the screen is shown; a selector, not a query in on_mount: a screen mounted while
    # the app quits (a retry that failed again, then q) may have lost its children already.
    AUTO_FOCUS = "#retry"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "choose('retry')", "Retry", id="error.retry"),
        Binding("escape", "choose('close')", "Close", id="error.close"),
        Binding("q", "choose('quit')", "Quit", id="error.quit"),
    ]

    DEFAULT_CSS = """
    ErrorScreen { align: center middle; }
    ErrorScreen > Vertical { width: 80; max-width: 95%; height: auto; border: thick $error;
        background: $surface; padding: 1 2; }
    ErrorScreen #error-title { text-style: bold; color: $text-error; }
    ErrorScreen #error-message { margin: 1 0; }
    ErrorScreen Horizontal { height: auto; align-horizontal: right; }
    ErrorScreen Button { margin-left: 2; }
    """

    def __init__(self, title: str, message: str, *, can_close: bool) -> None:
        super().__init__()
        self.title_text = title
        self.message = message
        self.can_close = can_close

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Content(self.title_text), id="error-title")
            yield WrappedStatic(Content(safe(self.message, keep_newlines=True)), id="error-message")
            with Horizontal():
                yield Button("Retry", id="retry", variant="primary")
                if self.can_close:
                    yield Button("Close", id="close")
                yield Button("Quit", id="quit", variant="error")
        yield Footer(compact=True)  # this screen's keys, not the browser's (inert under it)

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id or "close")

    def action_choose(self, choice: str) -> None:
        if choice == "close" and not self.can_close:
            choice = "quit"
        self.dismiss(choice)
