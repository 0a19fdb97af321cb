"""`p`: the shortest FK paths from the selected table to one picked in the finder, each with the SELECT that
joins along it; j/k choose a path, y copies its SQL, g goes to the picked table."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.widgets import Static

from ...core.explore.fkgraph import FkGraph
from ...core.explore.paths import JoinPath, shortest_paths
from ...core.model import Catalog, QualifiedName
from ..navigation import Location
from ..text import data
from ..widgets.footer import Footer
from ..widgets.wrapped_static import WrappedStatic, wrapped
from .base import ExplorerScreen


@dataclass
class PathsFound(Message):
    paths: list[JoinPath]


class PathScreen(ExplorerScreen):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("down,j", "choose(1)", "Next path", id="path.next"),
        Binding("up,k", "choose(-1)", "Previous path", id="path.previous"),
        Binding("y", "copy", "Copy SQL", id="path.copy"),
        Binding("g", "go", "Go to target", id="path.go"),
    ]

    def __init__(self, catalog: Catalog, start: QualifiedName, goal: QualifiedName) -> None:
        super().__init__()
        self.catalog = catalog
        self.start, self.goal = start, goal
        self.paths: list[JoinPath] = []
        self.chosen = 0

    def compose(self) -> ComposeResult:
        with Vertical():
            yield WrappedStatic(
                Content.assemble(
                    "Paths from ",
                    data(".".join(self.start), "bold"),
                    " to ",
                    data(".".join(self.goal), "bold"),
                ),
                classes="explorer-title",
            )
            with VerticalScroll(id="path-list"):
                yield WrappedStatic("searching…", id="path-text")
            yield WrappedStatic(
                "j/k choose · y copies the SQL · g goes to the target · escape closes",
                classes="explorer-status",
            )
        yield Footer(compact=True)  # this screen's keys, not the browser's (inert under it)

    def on_mount(self) -> None:
        self.query_one("#path-list").focus()
        self._search(self.catalog, self.start, self.goal)

    @work(thread=True, exclusive=True, group="paths", description="FK paths")
    def _search(self, catalog: Catalog, start: QualifiedName, goal: QualifiedName) -> None:
        self.post_message(PathsFound(shortest_paths(FkGraph(catalog), start, goal)))

    @on(PathsFound)
    def _found(self, message: PathsFound) -> None:
        self.paths = message.paths
        self._show()

    def _show(self) -> None:
        if not self.paths:
            said = (
                "No chain of foreign keys leaves this table and comes back to it: it has no self-reference "
                "and is on no cycle of keys."
                if self.start == self.goal
                else "No chain of foreign keys joins these two tables."
            )
            self.query_one("#path-text", Static).update(said)
            return
        blocks: list[Content] = []
        chosen_at = 0  # the chosen path's first line among the blocks
        routes = Counter(path.tables for path in self.paths)
        for i, path in enumerate(self.paths):
            if i == self.chosen:
                chosen_at = len(blocks)
            # Named relative to the start's schema (the title says it), as the browser names tables: in
            # MusicBrainz's one schema `musicbrainz.` began every hop, two lines a heading at 80 columns.
            hops = " → ".join(n if s == self.start[0] else f"{s}.{n}" for s, n in path.tables)
            # issues → users twice (reporter, assignee), film → language → film (language_id, then
            # original_language_id): the keys tell them apart
            if routes[path.tables] > 1 or self.start == self.goal:
                hops += "  via " + ", ".join(step.edge.name for step in path.steps)
            style = "bold reverse" if i == self.chosen else "bold"
            head = Content.styled(
                f" {i + 1}. {len(path.steps)} join{'s' if len(path.steps) != 1 else ''}: ", style
            )
            blocks.append(Content.assemble(head, data(hops, style)))
            sql_style = "$text-accent" if i == self.chosen else "$text-muted"
            blocks.extend(data(line, sql_style) for line in path.select().splitlines())
            blocks.append(Content(""))
        text = self.query_one("#path-text", Static)
        text.update(Content("\n").join(blocks))
        # The chosen path in view, from its heading: j below the fold left the list where it was.
        above = wrapped(Content("\n").join(blocks[:chosen_at]), text.size.width).plain.count("\n")
        self.query_one("#path-list").scroll_to(y=above + 1 if chosen_at else 0, animate=False)

    def action_choose(self, step: int) -> None:
        if self.paths:
            self.chosen = (self.chosen + step) % len(self.paths)
            self._show()

    def action_copy(self) -> None:
        if self.paths:
            sql = self.paths[self.chosen].select()
            self.app.copy_to_clipboard(sql)
            self.notify(f"copied path {self.chosen + 1}'s SELECT", timeout=2)

    def action_go(self) -> None:
        self.dismiss(Location(*self.goal))
