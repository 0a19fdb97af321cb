"""The option list of the Diff, Migrations and Health tabs: one line per row whatever the width, j/k and g/G like
every list, stopping at the ends as every list of the browser does.

A row's mark (✓, •, +, ~) comes first and the row is cut with an ellipsis at the pane's edge: a narrow screen
shortens the name, it never pushes the mark onto a line of its own.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.content import Content
from textual.css.styles import RulesMap
from textual.strip import Strip
from textual.style import Style
from textual.visual import RenderOptions, Visual
from textual.widgets import OptionList

from ..text import cut_middle


class FittedRow(Visual):
    """A row written again for the width it is drawn at, where cutting its end would lose what tells two rows
    apart (the list drops its drawn rows on a resize). `str()` is the whole row."""

    def __init__(self, whole: Content, fit: Callable[[int], Content]) -> None:
        self.whole = whole
        self.fit = fit  # the row in at most that many cells, called only when the whole does not fit

    def __str__(self) -> str:
        return self.whole.plain

    def render_strips(
        self, width: int, height: int | None, style: Style, options: RenderOptions
    ) -> list[Strip]:
        row = self.whole if self.whole.cell_length <= width else self.fit(width)
        return row.render_strips(width, 1, style, options)

    def get_optimal_width(self, rules: RulesMap, container_width: int) -> int:
        return self.whole.cell_length

    def get_height(self, rules: RulesMap, width: int) -> int:
        return 1


# The fewest cells of a detail worth showing cut (its two leading spaces and the `…` included): fewer say
# nothing ("  ……" was all a long foreign key's change showed beside its name).
_LEAST_DETAIL = 8


def fitted_row(
    head: Content, name: Content, detail: Content, tail: Content, kept: Content | None = None
) -> FittedRow:
    """`head name kept detail tail` on one line; too long, the detail is cut at its end first, then the name
    in its middle (what tells two names of one table apart is their end): `head`, `kept` (a migration's
    state) and `tail` (marks) always show."""
    said = kept or Content()

    def fit(width: int) -> Content:
        room = width - head.cell_length - said.cell_length - tail.cell_length
        if name.cell_length + _LEAST_DETAIL > room:  # no room left for a useful part of the detail
            return Content.assemble(head, cut_middle(name, room), said, tail)
        cut = detail.truncate(room - name.cell_length - 1) + Content("…")
        return Content.assemble(head, name, said, cut, tail)

    return FittedRow(Content.assemble(head, name, said, detail, tail), fit)


class EndStop(OptionList):
    """An OptionList whose cursor stops at its first and last rows. Textual's wraps round, and the browser's
    other lists (tables, columns, details) stop: one behaviour for every list, and the one that keeps a held
    `j` on the last migration or change rather than throwing the reader back to the top of a long list.
    j/k and g/G move as the arrows, Home and End do, and the help lists each pair as one key."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("down,j", "cursor_down", "Down", show=False, id="marks.down"),
        Binding("up,k", "cursor_up", "Up", show=False, id="marks.up"),
        Binding("home,g", "first", "First", show=False, id="marks.first"),  # the Diff tab's g (re-diff) wins
        Binding("end,G", "last", "Last", show=False, id="marks.last"),
    ]

    def action_cursor_down(self) -> None:
        self._step(1)

    def action_cursor_up(self) -> None:
        self._step(-1)

    def _step(self, direction: int) -> None:
        """The next enabled row that way (headings are disabled rows); none: the highlight stays."""
        at = self.highlighted
        if at is None:
            indexes = range(self.option_count)
        elif direction > 0:
            indexes = range(at + 1, self.option_count)
        else:
            indexes = range(at - 1, -1, -1)
        target = next((i for i in indexes if not self.get_option_at_index(i).disabled), None)
        if target is not None:
            self.highlighted = target


class MarkList(EndStop):
    """An OptionList whose rows never wrap."""

    DEFAULT_CSS = """
    MarkList { text-wrap: nowrap; text-overflow: ellipsis; }
    """

    def highlight_first(self) -> None:
        """Put the highlight on the first row that can take it (headings are disabled rows)."""
        self.highlighted = next(
            (i for i in range(self.option_count) if not self.get_option_at_index(i).disabled), None
        )
