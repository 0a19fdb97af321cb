"""What `y` copies: the name under the focus (a details line's own text, a column, a table), names as SQL
spells them, and the short note that says what was copied."""

from __future__ import annotations

from textual.widget import Widget

from ..core.model import Relation
from .text import sql_name
from .widgets.details import DetailsView
from .widgets.table_card import ColumnList
from .widgets.table_list import TableList
from .widgets.tables_pane import TablesPane


def selection_name(focused: Widget | None, card_relation: Relation | None, tables: TablesPane) -> str | None:
    if isinstance(focused, DetailsView):
        line = focused.current()
        return line.copy if line else None
    if isinstance(focused, ColumnList):
        column = focused.current()
        return sql_name(column.name) if column else None
    if isinstance(focused, TableList):
        selected = tables.selected_relation()
        return sql_name(selected.schema, selected.name) if selected else None
    return sql_name(card_relation.schema, card_relation.name) if card_relation else None


def copied_note(text: str) -> str:
    """`copied <first line>` (cut at 60 characters), or `copied N lines: <first line>`: a count alone did not
    say what Y had copied."""
    lines = text.splitlines()
    first = lines[0] if lines else ""
    shown = first if len(first) <= 60 else first[:59] + "…"
    return f"copied {shown}" if len(lines) <= 1 else f"copied {len(lines)} lines: {shown}"
