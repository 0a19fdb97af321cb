"""The option list of the Diff and Migrations tabs: one line per row whatever the width, j/k and g/G like every list.

A row's mark (✓, •, +, ~) comes first and the row is cut with an ellipsis at the pane's edge: a narrow screen
shortens the name, it never pushes the mark onto a line of its own.
"""

from __future__ import annotations

from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.widgets import OptionList


class MarkList(OptionList):
    """An OptionList whose rows never wrap; j/k and g/G move like the arrows, Home and End."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j", "cursor_down", "Down", show=False, id="marks.down"),
        Binding("k", "cursor_up", "Up", show=False, id="marks.up"),
        Binding(
            "g", "first", "First", show=False, id="marks.first"
        ),  # the Diff tab's g (re-diff) is a priority
        Binding("G", "last", "Last", show=False, id="marks.last"),
    ]

    DEFAULT_CSS = """
    MarkList { text-wrap: nowrap; text-overflow: ellipsis; }
    """

    def highlight_first(self) -> None:
        """Put the highlight on the first row that can take it (headings are disabled rows)."""
        self.highlighted = next(
            (i for i in range(self.option_count) if not self.get_option_at_index(i).disabled), None
        )
