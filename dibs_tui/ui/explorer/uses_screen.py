"""`u`: everything that uses the selected table or column, as a tree (built on a thread); Enter on a node
goes to its table (or column) in the browser. Each node is placed as `dibs-tui uses` places it: by the meta
rows, then the configured schema files (a trigger, a view, a policy on its own statement's line)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.widgets import Static, Tree
from textual.widgets.tree import TreeNode

from ...core.errors import DibsError
from ...core.explore.names import spell, spell_in
from ...core.explore.source_lines import SourceLines
from ...core.explore.uses import UseNode, UsesIndex
from ...core.model import Catalog, ObjectRef
from ..navigation import Location
from ..text import data, safe
from ..widgets.footer import Footer
from ..widgets.wrapped_static import WrappedStatic
from .base import ExplorerScreen


@dataclass
class UsesBuilt(Message):
    tree: UseNode
    # Why the schema files placed nothing (one could not be read): the meta rows alone placed the nodes.
    unplaced: str | None = None


def node_label(node: UseNode, schema: str | None = None) -> Text:
    """One node: what, the name (plain text, never markup; relative to `schema`, the root's, when given), the
    columns it goes through, where, how found."""
    name = spell(node.ref) if schema is None else spell_in(node.ref, schema)
    label = Text.assemble((node.what + " ", "dim"), (safe(name), "bold"))
    if node.via:
        label.append_text(Text.assemble(("  via ", "dim"), safe(", ".join(node.via))))
    if node.in_body:
        label.append("  found in body" + (f", line {node.body_line}" if node.body_line else ""), "yellow")
    if node.source is not None:
        label.append("  " + safe(str(node.source)), "cyan")
    if node.repeated:
        label.append("  (shown above)", "dim")
    return label


def location_of(ref: ObjectRef) -> Location | None:
    """Where the browser shows `ref`: its table (and column); functions and types have no place there."""
    if ref.kind in ("table", "constraint", "index", "trigger", "policy"):
        return Location(ref.schema, ref.name)
    if ref.kind == "column":
        return Location(ref.schema, ref.name, ref.sub)
    return None


class UsesScreen(ExplorerScreen):
    def __init__(
        self,
        catalog: Catalog,
        ref: ObjectRef,
        source_paths: Sequence[Path] = (),
        project_root: Path | None = None,
    ) -> None:
        """`source_paths`: the configured schema files, `project_root` what their paths are relative to."""
        super().__init__()
        self.catalog = catalog
        self.ref = ref
        self.source_paths = tuple(source_paths)
        self.project_root = project_root or Path.cwd()

    def compose(self) -> ComposeResult:
        with Vertical():
            yield WrappedStatic(
                Content.assemble(
                    "What uses ", data(spell(self.ref), "bold"), "   (enter goes there, escape closes)"
                ),
                classes="explorer-title",
            )
            tree: Tree[ObjectRef] = Tree(Text(safe(spell(self.ref))), id="uses-tree")
            tree.show_root = True
            yield tree
            yield WrappedStatic("building…", id="uses-status", classes="explorer-status")
        yield Footer(compact=True)  # this screen's keys, not the browser's (inert under it)

    def on_mount(self) -> None:
        self.query_one(Tree).focus()
        self._build(self.catalog, self.ref)

    @work(thread=True, exclusive=True, group="uses", description="what uses this")
    def _build(self, catalog: Catalog, ref: ObjectRef) -> None:
        unplaced = None
        try:
            lines = SourceLines.of_files(catalog, self.source_paths, self.project_root)
        except (DibsError, OSError) as exc:  # a schema file with a syntax error, or gone
            lines, unplaced = SourceLines(catalog), str(exc)
        self.post_message(UsesBuilt(UsesIndex(catalog, lines).tree(ref), unplaced))

    @on(UsesBuilt)
    def _built(self, message: UsesBuilt) -> None:
        tree: Tree[ObjectRef] = self.query_one(Tree)
        tree.clear()
        tree.root.set_label(node_label(message.tree))
        tree.root.data = message.tree.ref

        def add(parent: TreeNode[ObjectRef], node: UseNode) -> None:
            for child in node.children:
                branch = parent.add(
                    node_label(child, self.ref.schema),
                    data=child.ref,
                    expand=True,
                    allow_expand=bool(child.children),
                )
                add(branch, child)

        add(tree.root, message.tree)
        tree.root.expand()
        count = sum(1 for _ in message.tree.walk()) - 1
        status = (
            f"{count} object{'s' if count != 1 else ''} use it"
            if count
            else "nothing in this database uses it"
        )
        if message.unplaced is not None:
            status += f" · placed by the meta rows alone: {message.unplaced}"
        self.query_one("#uses-status", Static).update(data(status))

    @on(Tree.NodeSelected)
    def _selected(self, event: Tree.NodeSelected[ObjectRef]) -> None:
        ref = event.node.data
        place = location_of(ref) if ref is not None else None
        if place is not None and event.node is not self.query_one(Tree).root:
            self.dismiss(place)
