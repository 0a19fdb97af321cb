"""The pane both the Diff and the Migrations tabs are: a status line, a list on the left, and on the right an
upper panel (what the selected item is) over a scrolling lower one (its SQL).

Subclasses name their widgets' ids (tests and the app find them by id) and compose the upper panel; the frame,
its proportions and the status line are written once here.
"""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.widgets import Static

from .pane_context import PaneContext
from .widgets.mark_list import MarkList
from .widgets.wrapped_static import WrappedStatic


class TwoColumnPane(Vertical):
    DEFAULT_CSS = """
    TwoColumnPane { padding: 0 1; }
    TwoColumnPane .pane-status { height: auto; padding: 0 0 1 0; }
    TwoColumnPane .pane-body { height: 1fr; }
    TwoColumnPane .pane-list { width: 2fr; min-width: 30; }
    TwoColumnPane .pane-right { width: 3fr; }
    TwoColumnPane .pane-upper { height: auto; max-height: 50%; border: round $panel; }
    TwoColumnPane .pane-lower { height: 1fr; border: round $panel; }
    """

    ID: ClassVar[str]  # prefix of every id: "<ID>-status", "<ID>-body", "<ID>-right"
    LIST_ID: ClassVar[str]
    LOWER_ID: ClassVar[str]  # the Static in the lower scroll; the scroll itself is "<LOWER_ID>-scroll"
    FIRST_STATUS: ClassVar[str]

    def __init__(self, context: PaneContext, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.context = context

    def compose(self) -> ComposeResult:
        yield WrappedStatic(self.FIRST_STATUS, id=f"{self.ID}-status", classes="pane-status")
        with Horizontal(id=f"{self.ID}-body", classes="pane-body"):
            yield MarkList(id=self.LIST_ID, classes="pane-list")
            with Vertical(id=f"{self.ID}-right", classes="pane-right"):
                yield from self.compose_upper()
                with VerticalScroll(id=f"{self.LOWER_ID}-scroll", classes="pane-lower"):
                    yield WrappedStatic("", id=self.LOWER_ID)

    def compose_upper(self) -> ComposeResult:
        """The upper right panel; its container carries the class `pane-upper`."""
        raise NotImplementedError

    def _status(self, content: Content | str) -> None:
        self.query_one(f"#{self.ID}-status", Static).update(content)
