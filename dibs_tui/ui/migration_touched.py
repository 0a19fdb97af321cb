"""The tables and columns the selected migration created, modified or dropped, under its details in the
Migrations pane; Enter on one opens it in the Browse tab (the app handles `OpenInBrowser`).

What a migration touched comes from the history index built with the catalog (core.explore.history): its
`tables_*` arrays, and the meta rows that name it as a column's creator or last changer.
"""

from __future__ import annotations

from textual import on
from textual.content import Content
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from ..core.explore.history import FROM_META, MigrationHistory, Touched
from .messages import OpenInBrowser
from .text import data
from .widgets.mark_list import EndStop, FittedRow, fitted_row

_MARKS = {"created": "+", "modified": "~", "dropped": "-"}


def touched_label(t: Touched) -> FittedRow:
    """One line at any width: too long, the note goes first, then the name is cut in its middle (a table's
    columns differ at their end)."""
    name = f"{t.schema}.{t.table}" + (f".{t.column}" if t.column else "")
    notes = []
    if not t.exists:
        notes.append("gone")
    if t.source == FROM_META:
        notes.append("meta row")
    elif "." in t.recorded_as:
        notes.append(f"recorded as {t.recorded_as}")
    return fitted_row(
        Content.styled(f"{_MARKS[t.change]} {t.change:<9}{t.kind:<7}", "$text-muted"),
        data(name, "$text-success" if t.exists else "$text-error"),
        data(f"  ({', '.join(notes)})" if notes else "", "$text-muted"),
        Content(),
    )


class TouchedList(EndStop):
    """One option per table or column touched; hidden when the migration touched none the history records."""

    DEFAULT_CSS = """
    TouchedList {
        height: auto; max-height: 10; border: round $panel; display: none;
        text-wrap: nowrap; text-overflow: ellipsis;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.touched: tuple[Touched, ...] = ()

    def show(self, found: MigrationHistory | None) -> None:
        self.touched = found.touched if found else ()
        self.clear_options()
        self.add_options(
            [Option(touched_label(t), id=str(i), disabled=not t.exists) for i, t in enumerate(self.touched)]
        )
        self.border_title = f"Touched ({len(self.touched)}) · Enter opens in Browse"
        self.display = bool(self.touched)

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        t = self.touched[int(event.option.id or 0)]
        self.post_message(OpenInBrowser(t.schema, t.table, t.column))
