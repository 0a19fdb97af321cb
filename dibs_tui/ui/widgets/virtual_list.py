"""A Line-API list: only the rows on screen are rendered, so 10,000 rows cost what 40 do.

Subclasses say how many rows there are and how row `i` looks (`row_content`); this class owns the cursor,
the keys every list shares (j/k, arrows, PgUp/PgDn, g/G, Enter), mouse clicks and a small strip cache. A row
is one line on screen, or as many as `rows_changed(heights=...)` says (the Details pane's wrapped values):
the cursor is on a row, all its lines.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import accumulate
from typing import ClassVar

from textual import events
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.content import Content
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.visual import Visual

LIST_GROUP = Binding.Group("Move")


class VirtualList(ScrollView, can_focus=True):
    """A focusable, scrollable list of one-line rows with a cursor."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("down,j", "cursor_down", "Down", show=False, id="list.down", group=LIST_GROUP),
        Binding("up,k", "cursor_up", "Up", show=False, id="list.up", group=LIST_GROUP),
        Binding("pagedown", "page_down", "Page down", show=False, id="list.page_down", group=LIST_GROUP),
        Binding("pageup", "page_up", "Page up", show=False, id="list.page_up", group=LIST_GROUP),
        Binding("home,g", "first", "First", show=False, id="list.first", group=LIST_GROUP),
        Binding("end,G", "last", "Last", show=False, id="list.last", group=LIST_GROUP),
        Binding("enter", "activate", "Open", id="list.activate"),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {"virtual-list--cursor"}

    DEFAULT_CSS = """
    VirtualList { background: $surface; text-wrap: nowrap; text-overflow: ellipsis; }
    VirtualList > .virtual-list--cursor { background: $block-cursor-blurred-background; }
    VirtualList:focus > .virtual-list--cursor {
        background: $block-cursor-background; color: $block-cursor-foreground; text-style: bold;
    }
    """

    cursor: reactive[int] = reactive(0, always_update=True, init=False)

    @dataclass
    class CursorMoved(Message):
        source: VirtualList
        index: int

        @property
        def control(self) -> VirtualList:
            return self.source

    @dataclass
    class Activated(Message):
        """Enter (or a double click) on a row."""

        source: VirtualList
        index: int

        @property
        def control(self) -> VirtualList:
            return self.source

    def __init__(self, *, name: str | None = None, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._cache: LRUCache[tuple[int, bool, int, bool], list[Strip]] = LRUCache(1024)
        self._blank: Strip | None = None  # the lines past the last row, made once per render pass
        self._content_width = 0
        self._tops: list[int] | None = None  # each row's first line, then the total, when a row has several

    # What subclasses provide -------------------------------------------------------------------------
    @property
    def row_count(self) -> int:
        raise NotImplementedError

    def row_content(self, index: int) -> Content:
        raise NotImplementedError

    # Changing rows --------------------------------------------------------------------------------------
    def rows_changed(
        self, *, cursor: int | None = None, content_width: int = 0, heights: Sequence[int] | None = None
    ) -> None:
        """Call after the rows changed: drops cached strips, resizes, keeps the cursor in range. `heights`:
        the lines each row takes (one each without it)."""
        self._cache.clear()
        self._content_width = content_width
        self._tops = list(accumulate(heights, initial=0)) if heights is not None else None
        self._resize(Size(content_width, self._tops[-1] if self._tops else self.row_count))
        target = self.cursor if cursor is None else cursor
        self.cursor = max(0, min(target, self.row_count - 1))
        self.refresh()

    def _resize(self, size: Size) -> None:
        """A new virtual size without a screen-wide layout pass unless a scrollbar appears or goes away.

        (Setting `virtual_size` always relayouts the whole screen, which costs more than drawing the rows.)
        """
        if size == self.virtual_size:
            return
        shown = (self.show_vertical_scrollbar, self.show_horizontal_scrollbar)
        self.set_reactive(VirtualList.virtual_size, size)
        self._refresh_scrollbars()
        if (self.show_vertical_scrollbar, self.show_horizontal_scrollbar) != shown:
            self.refresh(layout=True)
        else:
            self._scroll_update(size)

    # Lines and rows -------------------------------------------------------------------------------------
    def row_top(self, index: int) -> int:
        """The line (from the list's top) that row `index` starts on."""
        return index if self._tops is None else self._tops[min(index, len(self._tops) - 1)]

    def _row_end(self, index: int) -> int:
        return index + 1 if self._tops is None else self._tops[min(index + 1, len(self._tops) - 1)]

    def _row_at(self, line: int) -> int:
        """The row shown on `line` (row_count past the last)."""
        return line if self._tops is None else bisect_right(self._tops, line) - 1

    # Rendering --------------------------------------------------------------------------------------------
    def render_lines(self, crop: Region) -> list[Strip]:
        """A pass's lines; those past the last row share one blank strip: the widget's style (`rich_style`, its
        ancestors' styles combined) asked once a pass, not once a line (an empty list of 40 lines spent 4-8 ms
        of the first frame's CPU there). A new style comes with a new pass."""
        self._blank = None
        return super().render_lines(crop)

    def render_line(self, y: int) -> Strip:
        line = self.scroll_offset.y + y
        index = self._row_at(line)
        width = self.scrollable_content_region.width
        if index >= self.row_count:
            if self._blank is None or self._blank.cell_length != width:
                self._blank = Strip.blank(width, self.rich_style)
            return self._blank
        selected = index == self.cursor
        key = (index, selected, max(width, self._content_width), self.has_focus)
        strips = self._cache.get(key)
        if strips is None:
            style = self.get_visual_style("virtual-list--cursor") if selected else self.visual_style
            full_width = max(width, self._content_width)
            height = self._row_end(index) - self.row_top(index)
            drawn = Visual.to_strips(self, self.row_content(index), full_width, height, style, pad=True)
            drawn += [Strip.blank(full_width, style.rich_style)] * (height - len(drawn))
            strips = [
                s.extend_cell_length(full_width, style.rich_style).apply_meta({"row": index})
                for s in drawn[:height]
            ]
            self._cache[key] = strips
        strip = strips[line - self.row_top(index)]
        scroll_x = self.scroll_offset.x
        return strip.crop(scroll_x, scroll_x + width) if (scroll_x or strip.cell_length > width) else strip

    def on_focus(self) -> None:
        self._cache.clear()
        self.refresh()

    def on_blur(self) -> None:
        self._cache.clear()
        self.refresh()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._cache.clear()

    # Cursor ----------------------------------------------------------------------------------------------
    def watch_cursor(self, old: int, new: int) -> None:
        self._refresh_row(old)
        self._refresh_row(new)
        self.scroll_to_cursor()
        self.post_message(self.CursorMoved(self, new))

    def _refresh_row(self, index: int) -> None:
        start, end = self.row_top(index), self._row_end(index)
        top = self.scroll_offset.y
        if start < top + self.scrollable_content_region.height and end > top:
            self.refresh_lines(start, end - start)

    def scroll_to_cursor(self) -> None:
        """The cursor's row in view, all its lines (its first, when it is taller than the list). Not while
        the list is hidden (another tab shown): a list of no height would scroll its cursor's row to the top
        (the Tables list its schema's heading out of sight); it is brought into view once shown again."""
        height = self.scrollable_content_region.height
        if height <= 0:
            return
        top = self.scroll_offset.y
        start, end = self.row_top(self.cursor), self._row_end(self.cursor)
        if start < top:
            self.scroll_to(y=start, animate=False, immediate=True)
        elif end > top + height:
            self.scroll_to(y=min(start, end - height), animate=False, immediate=True)

    def on_resize(self) -> None:
        self.scroll_to_cursor()

    def move_cursor(self, index: int) -> None:
        if self.row_count:
            self.cursor = max(0, min(index, self.row_count - 1))

    def action_cursor_down(self) -> None:
        self.move_cursor(self.cursor + 1)

    def action_cursor_up(self) -> None:
        self.move_cursor(self.cursor - 1)

    def action_page_down(self) -> None:
        page = max(1, self.scrollable_content_region.height - 1)
        self.move_cursor(max(self.cursor + 1, self._row_at(self.row_top(self.cursor) + page)))

    def action_page_up(self) -> None:
        page = max(1, self.scrollable_content_region.height - 1)
        self.move_cursor(min(self.cursor - 1, self._row_at(max(0, self.row_top(self.cursor) - page))))

    def action_first(self) -> None:
        self.move_cursor(0)

    def action_last(self) -> None:
        self.move_cursor(self.row_count - 1)

    def action_activate(self) -> None:
        if self.row_count:
            self.post_message(self.Activated(self, self.cursor))

    # Mouse ----------------------------------------------------------------------------------------------
    def on_click(self, event: events.Click) -> None:
        row = event.style.meta.get("row") if event.style else None
        if row is None:
            row = self._row_at(self.scroll_offset.y + event.y)
        if 0 <= row < self.row_count:
            self.focus()
            self.move_cursor(row)
            if event.chain >= 2:
                self.action_activate()
