"""`n`: the selected table's FK neighbourhood as boxes and edges (see neighbourhood_layout). Arrows (or
h/j/k/l) move between boxes, enter re-centres on the chosen one, g goes to it in the browser, 1-3 set the
depth, [ and ] page a crowded column; a click selects a box, a second click re-centres."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Static

from ...core.explore.fkgraph import FkGraph
from ...core.model import Catalog, QualifiedName
from ..navigation import Location
from ..text import data
from ..widgets.footer import Footer
from ..widgets.wrapped_static import WrappedStatic
from .base import ExplorerScreen
from .neighbourhood_layout import Box, Drawing, draw


@dataclass
class GraphBuilt(Message):
    graph: FkGraph


class Redrawn(Message):
    """The view drew itself again for its new size: what the title counts (pages) may have changed."""


class NeighbourhoodView(Widget, can_focus=True):
    """The drawing, with the selected box in reverse video; a drawing wider than the view is shown from
    `shift`, the column that keeps the selected box in view."""

    DEFAULT_CSS = "NeighbourhoodView { height: 1fr; }"

    def __init__(self, catalog: Catalog, centre: QualifiedName) -> None:
        super().__init__(id="neighbourhood")
        self.catalog = catalog
        self.centre = centre
        self.depth = 1
        self.graph: FkGraph | None = None
        self.pages: dict[int, int] = {}
        self.drawing: Drawing | None = None
        self.selected: QualifiedName | None = centre
        self.shift = 0

    def redraw(self) -> None:
        if self.graph is None:
            return
        self.drawing = draw(
            self.catalog, self.graph, self.centre, self.depth, self.size.width, self.size.height, self.pages
        )
        if self.selected not in {b.key for b in self.drawing.boxes}:
            self.selected = self.centre
        self.follow()

    def follow(self) -> None:
        """Shift a wide drawing so that the selected box is whole in view, then repaint."""
        box, width = self.selected_box(), self.size.width
        if self.drawing is not None and box is not None:
            if box.x < self.shift:
                self.shift = box.x
            elif box.x + box.width > self.shift + width:
                self.shift = box.x + box.width - width
            self.shift = max(0, min(self.shift, self.drawing.width - width))
        self.refresh()

    def on_resize(self, event: events.Resize) -> None:
        self.redraw()
        self.post_message(Redrawn())

    def selected_box(self) -> Box | None:
        return next((b for b in self.drawing.boxes if b.key == self.selected), None) if self.drawing else None

    def render(self) -> Content:
        if self.drawing is None:
            return Content("drawing…")
        box, drawing = self.selected_box(), self.drawing
        start, end = self.shift, self.shift + self.size.width
        out: list[Content] = []
        for y in range(len(drawing.cells)):  # cut by cells: a wide character takes two
            if box is not None and box.y <= y < box.y + box.height:
                left, right = max(start, box.x), max(start, box.x + box.width)
                out.append(
                    Content.assemble(
                        drawing.cut(y, start, left),
                        (drawing.cut(y, left, right), "reverse"),
                        drawing.cut(y, right, end).rstrip(),
                    )
                )
            else:
                out.append(Content(drawing.cut(y, start, end).rstrip()))
        return Content("\n").join(out)

    def move(self, dx: int, dy: int) -> None:
        here = self.selected_box()
        if self.drawing is None or here is None:
            return
        boxes = [b for b in self.drawing.boxes if b.key is not None]
        if dy:
            column = sorted((b for b in boxes if b.x == here.x), key=lambda b: b.y)
            i = column.index(here) + dy
            if 0 <= i < len(column):
                self.selected = column[i].key
        else:  # the nearest box in the next column of boxes to the left or right
            xs = sorted({b.x for b in boxes})
            i = xs.index(here.x) + dx
            if 0 <= i < len(xs):
                nearest = min((b for b in boxes if b.x == xs[i]), key=lambda b: abs(b.y - here.y))
                self.selected = nearest.key
        self.follow()

    def on_click(self, event: events.Click) -> None:
        box = self.drawing.box_at(event.x + self.shift, event.y) if self.drawing else None
        if box is None or box.key is None:
            if box is not None:
                self.page(box.column, 1)
            return
        if box.key == self.selected and box.key != self.centre:
            self.recentre(box.key)
        else:
            self.selected = box.key
            self.follow()

    def recentre(self, key: QualifiedName) -> None:
        self.centre, self.selected, self.pages = key, key, {}
        self.redraw()

    def page(self, column: int, step: int) -> None:
        self.pages[column] = max(0, self.pages.get(column, 0) + step)
        self.redraw()


class NeighbourhoodScreen(ExplorerScreen):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("left,h", "move(-1, 0)", "Left", show=False, id="neighbourhood.left"),
        Binding("right,l", "move(1, 0)", "Right", show=False, id="neighbourhood.right"),
        Binding("up,k", "move(0, -1)", "Up", show=False, id="neighbourhood.up"),
        Binding("down,j", "move(0, 1)", "Down", show=False, id="neighbourhood.down"),
        Binding("enter", "recentre", "Re-centre", id="neighbourhood.recentre"),
        Binding("g", "go", "Go to table", id="neighbourhood.go"),
        Binding("1", "depth(1)", "Depth 1", id="neighbourhood.depth1"),
        Binding("2", "depth(2)", "Depth 2", id="neighbourhood.depth2"),
        Binding("3", "depth(3)", "Depth 3", id="neighbourhood.depth3"),
        Binding(
            "right_square_bracket", "page(1)", "Next page", id="neighbourhood.next_page", key_display="]"
        ),
        Binding(
            "left_square_bracket",
            "page(-1)",
            "Previous page",
            id="neighbourhood.previous_page",
            key_display="[",
        ),
    ]

    def __init__(self, catalog: Catalog, centre: QualifiedName) -> None:
        super().__init__()
        self.catalog = catalog
        self.view = NeighbourhoodView(catalog, centre)

    def compose(self) -> ComposeResult:
        with Vertical():
            yield WrappedStatic(self._title(), id="neighbourhood-title", classes="explorer-title")
            yield self.view
            yield WrappedStatic(
                "arrows move · enter re-centres · g goes there · 1 2 3 depth · [ ] page · escape closes",
                classes="explorer-status",
            )
        yield Footer(compact=True)  # this screen's keys, not the browser's (inert under it)

    def _title(self) -> Content:
        schema, name = self.view.centre
        hidden = sum(self.view.drawing.hidden.values()) if self.view.drawing else 0
        more = f"   {hidden} more on other pages" if hidden else ""
        return Content.assemble(
            "FK neighbourhood of ",
            data(f"{schema}.{name}", "bold"),
            f"   depth {self.view.depth}{more}   left: reference it · right: it references",
        )

    def on_mount(self) -> None:
        self.view.focus()
        self._build(self.catalog)

    @work(thread=True, exclusive=True, group="fkgraph", description="the FK graph")
    def _build(self, catalog: Catalog) -> None:
        self.post_message(GraphBuilt(FkGraph(catalog)))

    @on(GraphBuilt)
    def _built(self, message: GraphBuilt) -> None:
        self.view.graph = message.graph
        self._redraw()

    @on(Redrawn)
    def _resized(self) -> None:
        self.query_one("#neighbourhood-title", Static).update(self._title())

    def _redraw(self) -> None:
        self.view.redraw()
        self.query_one("#neighbourhood-title", Static).update(self._title())

    def action_move(self, dx: int, dy: int) -> None:
        self.view.move(dx, dy)

    def action_recentre(self) -> None:
        if self.view.selected is not None:
            self.view.recentre(self.view.selected)
            self.query_one("#neighbourhood-title", Static).update(self._title())

    def action_go(self) -> None:
        if self.view.selected is not None:
            self.dismiss(Location(*self.view.selected))

    def action_depth(self, depth: int) -> None:
        self.view.depth = depth
        self.view.pages = {}
        self._redraw()

    def action_page(self, step: int) -> None:
        box = self.view.selected_box()
        column = (
            box.column
            if box is not None and box.column
            else next(
                iter(k for k, v in (self.view.drawing.hidden if self.view.drawing else {}).items() if v), 0
            )
        )
        self.view.page(column, step)
        self.query_one("#neighbourhood-title", Static).update(self._title())
