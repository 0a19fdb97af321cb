"""The browser's keys (APP_BINDINGS), and the help screen's key list and the command palette's entries, built
from them and the app's state."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from functools import partial
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.command import Hit, Hits, Provider
from textual.dom import DOMNode
from textual.screen import Screen
from textual.widget import Widget

from ..core.model import Catalog
from .finder_candidates import finder_item
from .search import Candidate, rank
from .text import data
from .widgets.table_list import TableList

if TYPE_CHECKING:
    from .app import DibsApp
    from .screens.help import HelpEntry, HelpScreen

PANE_NAMES = {
    "table-list": "Tables",
    "column-list": "Columns",
    "details-view": "Details",
    "table-filter": "Tables filter",
    "health-findings": "Health",
    "health-info": "Health finding",
    "health-fix-scroll": "Health fix",
    "diff-changes": "Diff",
    "diff-plan-scroll": "Diff plan",
    "migrations-list": "Migrations",
    "migrations-info": "Migration",
    "migrations-touched": "Touched by the migration",
    "migrations-sql-scroll": "Migration SQL",
}

APP_GROUP = Binding.Group("App")
GO_GROUP = Binding.Group("Go")

# The browser's own keys, each with the id help and the palette name it by (DibsApp.BINDINGS).
APP_BINDINGS: list[BindingType] = [
    Binding("q", "quit", "Quit", id="app.quit", group=APP_GROUP),
    Binding("question_mark,f1", "help", "Help", id="app.help", key_display="?"),
    Binding("slash", "filter", "Filter", id="app.filter", key_display="/"),
    Binding("t", "goto_table", "Go to table", id="app.goto_table"),
    Binding("c", "column_search", "Find column", show=False, id="app.column_search"),
    Binding("o", "open_editor", "Open source", id="app.open_editor"),
    Binding("y", "copy", "Copy", id="app.copy"),
    Binding("Y", "copy_ddl", "Copy DDL", show=False, id="app.copy_ddl"),
    Binding("r", "refresh", "Refresh", id="app.refresh"),
    Binding("d", "diff", "Diff", id="app.diff"),
    Binding("m", "migrations", "Migrations", show=False, id="app.migrations"),
    Binding("b", "browse", "Browse", show=False, id="app.browse"),
    Binding("u", "uses", "Used by", show=False, id="app.uses"),
    Binding("n", "neighbourhood", "FK neighbourhood", show=False, id="app.neighbourhood"),
    Binding("p", "path", "Path to a table", show=False, id="app.path"),
    Binding("H", "health", "Health", show=False, id="app.health"),
    Binding("M", "migration_history", "Migration history", show=False, id="app.migration_history"),
    Binding("e", "export", "Export (Mermaid, DOT, Markdown)", show=False, id="app.export"),
    Binding("backspace,alt+left", "history_back", "Back", show=False, id="app.back", group=GO_GROUP),
    Binding("alt+right", "history_forward", "Forward", show=False, id="app.forward", group=GO_GROUP),
    Binding("l", "move_pane(1)", "Next pane", show=False, id="app.next_pane", group=GO_GROUP),
    Binding("h", "move_pane(-1)", "Previous pane", show=False, id="app.previous_pane", group=GO_GROUP),
]


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
        # Off the screen's loop, as the finders rank: the candidates are made by the first that asks.
        ranked = await asyncio.to_thread(lambda: rank(query, app.table_candidates(), limit=30))
        for candidate in ranked:
            item = finder_item(candidate.payload)
            assert item is not None
            yield Hit(
                1.0,
                data(f"table {candidate.path}"),
                partial(app.go_to, item.schema, item.table),
                text=f"table {candidate.path}",
                help=item.detail,
            )


def help_screen(app: DibsApp) -> HelpScreen:
    """The help of where the focus is; its screen is imported when first asked (not the first frame's)."""
    from .screens.help import HelpScreen

    return HelpScreen(*help_entries(app))


def help_entries(app: DibsApp) -> tuple[str, list[HelpEntry]]:
    """Every binding active where the focus is (Textual's public `active_bindings`: a key bound at several
    levels is listed where it acts), grouped by the pane (or app) that owns it, innermost first."""
    focused = app.screen.focused
    title = _namespace_name(focused) if focused else "App"
    keys: dict[tuple[int, str, str], list[str]] = {}  # (owner, action, id) -> keys, in the chain's order
    owners: dict[int, object] = {}
    described: dict[tuple[int, str, str], Binding] = {}
    for active in app.screen.active_bindings.values():
        binding = active.binding
        if binding.system or not binding.description or _nothing_sideways(active.node, binding.action):
            continue
        ident = (id(active.node), binding.action, binding.id or "")
        owners[id(active.node)] = active.node
        keys.setdefault(ident, []).append(binding.key_display or app.get_key_display(binding))
        described[ident] = binding
    entries: list[HelpEntry] = []
    seen: set[str] = set()
    for ident, shown in keys.items():
        binding = described[ident]
        label = binding.id or binding.action
        if label in seen:
            continue
        seen.add(label)
        # Our bindings (each has an id) shorten their description for the footer and say it whole in their
        # tooltip; Textual's own tooltips (^q's) say more than a key list needs.
        said = binding.tooltip if binding.tooltip and binding.id else binding.description
        entries.append((_namespace_name(owners[ident[0]]), ", ".join(dict.fromkeys(shown)), said, label))
    return title, entries


def _nothing_sideways(node: DOMNode, action: str) -> bool:
    """Page left and right on a pane with nothing beside what it shows: the keys do nothing there (Textual's
    action skips them), so the help does not offer them (the Tables list offered them; its rows are cut)."""
    return (
        action in ("page_left", "page_right")
        and isinstance(node, Widget)
        and not node.allow_horizontal_scroll
    )


def _keys(app: DibsApp, owner: DOMNode, action: str) -> str:
    """The keys bound to `action` on `owner`, as the footer shows them: read from the bindings themselves, so
    the palette never disagrees with them."""
    shown = [
        binding.key_display or app.get_key_display(binding)
        for cls in type(owner).__mro__
        for binding in Binding.make_bindings(vars(cls).get("BINDINGS", ()))
        if binding.action == action
    ]
    return ", ".join(dict.fromkeys(shown))


# The palette's commands: title, what it does, who owns the action, the action (as its binding names it).
PALETTE: tuple[tuple[str, str, str], ...] = (
    ("Refresh", "Reload the catalog from the database", "refresh"),
    ("Go to table", "Find a table by name over every schema", "goto_table"),
    ("Find column", "Which tables have a column named…", "column_search"),
    ("Toggle schema", "Fold or unfold the schema under the cursor", "table_list.toggle_schema"),
    ("Fold every schema", "Only the schemas listed (a schema per tenant)", "table_list.fold_all(True)"),
    ("Unfold every schema", "Every schema's tables listed", "table_list.fold_all(False)"),
    ("Filter tables", "Type to filter the Tables pane", "filter"),
    ("Sort tables", "By name, FK in-degree, row estimate or size", "table_list.cycle_sort"),
    ("Diff", "Compare the desired schema with the database", "diff"),
    ("Migrations", "Applied and pending migrations", "migrations"),
    ("Used by", "Everything that uses the selected table or column", "uses"),
    ("FK neighbourhood", "The selected table and its FK neighbours as boxes", "neighbourhood"),
    ("Path to a table", "The shortest FK paths to another table, with the JOIN", "path"),
    ("Health", "Unindexed FKs, missing keys, unused indexes, docs … with fixes", "health"),
    (
        "Migration history",
        "The migrations that created, changed or dropped the selection",
        "migration_history",
    ),
    ("Export", "Mermaid, DOT or Markdown of the schema or the selected table's neighbourhood", "export"),
    ("Back", "Return to the previous table or column", "history_back"),
    ("Forward", "Undo a back", "history_forward"),
    ("Copy", "Copy the selection's name or DDL", "copy"),
    ("Copy DDL", "Copy the selected table's DDL", "copy_ddl"),
    ("Open source", "Open the selection's source file in the editor", "open_editor"),
    ("Keys", "Every key of the focused pane", "help"),
)


def system_commands(app: DibsApp) -> Iterator[SystemCommand]:
    """The palette's commands; each runs its action by name (Textual's `run_action`, as a key would) and says
    its key, taken from the binding."""
    tables = app.query_one(TableList)
    for title, help_text, name in PALETTE:
        owner: DOMNode = tables if name.startswith("table_list.") else app
        action = name.removeprefix("table_list.")
        keys = _keys(app, owner, action)
        yield SystemCommand(
            title, f"{help_text} ({keys})" if keys else help_text, partial(app.run_action, action, owner)
        )


def _namespace_name(namespace: object) -> str:
    if isinstance(namespace, App):
        return "App"
    if isinstance(namespace, Screen):
        return "Screen"
    node_id = getattr(namespace, "id", None) or ""
    # A pane's class (MigrationsPane) by the tab's name; never a widget's class name where a name is known.
    return PANE_NAMES.get(node_id, type(namespace).__name__.removesuffix("Pane"))
