"""The help screen's key list and the command palette's entries, both built from the app's state."""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.command import Hit, Hits, Provider
from textual.screen import Screen

from ..core.model import Catalog
from .screens.finder import FinderItem
from .screens.help import HelpEntry
from .search import Candidate, rank
from .text import data
from .widgets.tables_pane import TableList

if TYPE_CHECKING:
    from .app import DibsApp

PANE_NAMES = {
    "table-list": "Tables",
    "column-list": "Columns",
    "details-view": "Details",
    "table-filter": "Tables filter",
}


@runtime_checkable
class _JumpsToTables(Protocol):
    """What the palette needs of the app, checked at run time so this module does not import the app back."""

    catalog: Catalog | None

    def table_candidates(self) -> list[Candidate]: ...

    def go_to(self, schema: str, table: str, column: str | None = None) -> bool: ...


class TablesCommands(Provider):
    """Command palette: type a table name to jump to it (same ranking as the finder)."""

    async def search(self, query: str) -> Hits:
        app = self.app
        if not isinstance(app, _JumpsToTables) or app.catalog is None or not query.strip():
            return
        for candidate in rank(query, app.table_candidates(), limit=30):
            item = candidate.payload
            assert isinstance(item, FinderItem)
            yield Hit(
                1.0,
                data(f"table {candidate.path}"),
                partial(app.go_to, item.schema, item.table),
                text=f"table {candidate.path}",
                help=item.detail,
            )


def help_entries(app: DibsApp) -> tuple[str, list[HelpEntry]]:
    """Every binding active where the focus is, grouped by the pane (or app) that owns it."""
    focused = app.screen.focused
    title = PANE_NAMES.get(focused.id or "", type(focused).__name__) if focused else "App"
    entries: list[HelpEntry] = []
    seen: set[str] = set()
    for namespace, bindings in app.screen._modal_binding_chain:
        group_name = _namespace_name(namespace)
        by_action: dict[tuple[str, str], list[str]] = {}
        described: dict[tuple[str, str], Binding] = {}
        for _key, binding in bindings:
            if binding.system or not binding.description:
                continue
            ident = (binding.action, binding.id or "")
            by_action.setdefault(ident, []).append(
                app.get_key_display(binding) if not binding.key_display else binding.key_display
            )
            described[ident] = binding
        for ident, keys in by_action.items():
            binding = described[ident]
            label = binding.id or binding.action
            if label in seen:
                continue
            seen.add(label)
            entries.append((group_name, ", ".join(dict.fromkeys(keys)), binding.description, label))
    return title, entries


def system_commands(app: DibsApp) -> Iterator[SystemCommand]:
    yield SystemCommand("Refresh", "Reload the catalog from the database (r)", app.action_refresh)
    yield SystemCommand("Go to table", "Find a table by name over every schema (t)", app.action_goto_table)
    yield SystemCommand("Find column", "Which tables have a column named… (c)", app.action_column_search)
    yield SystemCommand(
        "Toggle schema",
        "Fold or unfold the schema under the cursor (space)",
        app.query_one(TableList).action_toggle_schema,
    )
    yield SystemCommand("Filter tables", "Type to filter the Tables pane (/)", app.action_filter)
    yield SystemCommand("Diff", "Compare the desired schema with the database (d)", app.action_diff)
    yield SystemCommand("Migrations", "Applied and pending migrations (m)", app.action_migrations)
    yield SystemCommand("Used by", "Everything that uses the selected table or column (u)", app.action_uses)
    yield SystemCommand(
        "FK neighbourhood", "The selected table and its FK neighbours as boxes (n)", app.action_neighbourhood
    )
    yield SystemCommand(
        "Path to a table", "The shortest FK paths to another table, with the JOIN (p)", app.action_path
    )
    yield SystemCommand(
        "Health", "Unindexed FKs, missing keys, unused indexes, docs … with fixes (H)", app.action_health
    )
    yield SystemCommand("Back", "Return to the previous table or column (backspace)", app.action_history_back)
    yield SystemCommand("Forward", "Undo a back (alt+right)", app.action_history_forward)
    yield SystemCommand("Copy", "Copy the selection's name or DDL (y)", app.action_copy)
    yield SystemCommand("Copy DDL", "Copy the selected table's DDL (Y)", app.action_copy_ddl)
    yield SystemCommand(
        "Open source", "Open the selection's source file in the editor (o)", app.action_open_editor
    )
    yield SystemCommand("Keys", "Every key of the focused pane (?)", app.action_help)


def _namespace_name(namespace: object) -> str:
    if isinstance(namespace, App):
        return "App"
    if isinstance(namespace, Screen):
        return "Screen"
    node_id = getattr(namespace, "id", None) or ""
    return PANE_NAMES.get(node_id, type(namespace).__name__)
