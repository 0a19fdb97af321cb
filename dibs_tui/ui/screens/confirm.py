"""A yes/no question, e.g. before opening a file outside the project root, or before applying migrations.

A long question (the segments, hazards and proof of an apply) scrolls inside the dialog, which always fits the
screen with its buttons: on 80×24 the question's start is shown, never cut off above the top.
"""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button

from ..text import safe
from ..widgets.footer import Footer
from ..widgets.wrapped_static import WrappedStatic


class ConfirmScreen(ModalScreen[bool]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", "Yes", id="confirm.yes"),
        Binding("n,escape", "answer(False)", "No", id="confirm.no"),
        # The buttons keep the focus; these keys scroll the question (the buttons use left/right and tab).
        Binding("up,k", "scroll_question(-1)", "Scroll up", show=False, id="confirm.up"),
        Binding("down,j", "scroll_question(1)", "Scroll down", show=False, id="confirm.down"),
        Binding("pageup", "page_question(-1)", "Page up", show=False, id="confirm.page_up"),
        Binding("pagedown", "page_question(1)", "Page down", show=False, id="confirm.page_down"),
        Binding("home", "question_end(False)", "Top", show=False, id="confirm.top"),
        Binding("end", "question_end(True)", "Bottom", show=False, id="confirm.bottom"),
    ]

    DEFAULT_CSS = """
    ConfirmScreen { align: center middle; }
    ConfirmScreen > Vertical { width: 80; max-width: 95%; height: auto; max-height: 100%;
        border: thick $warning; background: $surface; padding: 0 1; }
    ConfirmScreen VerticalScroll { height: auto; max-height: 70vh; padding: 1 1 0 1; }
    ConfirmScreen Horizontal { height: auto; align-horizontal: right; margin-top: 1; }
    ConfirmScreen Button { margin-left: 2; }
    """

    def __init__(self, question: str) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-dialog"):
            with VerticalScroll(id="confirm-body", can_focus=False):
                yield WrappedStatic(Content(safe(self.question, keep_newlines=True)))
            with Horizontal():
                yield Button("Yes", id="yes", variant="warning")
                yield Button("No", id="no", variant="primary")
        yield Footer(compact=True)  # this screen's keys, not the browser's (inert under it)

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)

    def action_scroll_question(self, lines: int) -> None:
        body = self.query_one("#confirm-body", VerticalScroll)
        body.scroll_to(y=body.scroll_y + lines, animate=False)

    def action_page_question(self, pages: int) -> None:
        body = self.query_one("#confirm-body", VerticalScroll)
        body.scroll_to(
            y=body.scroll_y + pages * max(1, body.scrollable_content_region.height - 1), animate=False
        )

    def action_question_end(self, bottom: bool) -> None:
        body = self.query_one("#confirm-body", VerticalScroll)
        body.scroll_to(y=body.max_scroll_y if bottom else 0, animate=False)
