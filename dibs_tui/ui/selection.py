"""What `y` copies: the name under the focus (a details line's own text, a column, a table), names as SQL
spells them, and the short note that says what was copied; `Y` the card's relation's DDL. `CopyActions` is a
mixin of the app's actions only (the bindings are the app's); what it needs of the app is `_Copying`."""

from __future__ import annotations

from typing import Any, Protocol

from textual.widget import Widget

from ..core.model import Catalog, Relation
from .text import sql_name
from .widgets.details import DetailsView
from .widgets.table_card import ColumnList, TableCard
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


class _Copying(Protocol):
    catalog: Catalog | None
    focused: Widget | None

    @property
    def card(self) -> TableCard: ...

    @property
    def tables_pane(self) -> TablesPane: ...

    def copy_to_clipboard(self, text: str) -> None: ...

    def say(self, message: str, *, severity: Any = ..., timeout: float | None = None) -> None: ...


class CopyActions:
    def action_copy(self: _Copying) -> None:
        text = selection_name(self.focused, self.card.relation, self.tables_pane)
        if text:
            _copy(self, text)

    def action_copy_ddl(self: _Copying) -> None:
        relation = self.card.relation
        if self.catalog is None:
            self.say("the catalog is still loading: Y copies the DDL once it is read")
        elif relation is not None:
            from .widgets.details import relation_ddl

            _copy(self, relation_ddl(self.catalog, relation))


def _copy(app: _Copying, text: str) -> None:
    app.copy_to_clipboard(text)
    app.say(copied_note(text), timeout=2)
