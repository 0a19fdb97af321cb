"""A Line-API list: only the rows on screen are rendered, so 10,000 rows cost what 40 do.

Subclasses say how many rows there are and how row `i` looks (`row_content`); this class owns the cursor,
the keys every list shares (j/k, arrows, PgUp/PgDn, g/G, Enter), mouse clicks and a small strip cache.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from textual import events
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.content import Content
from textual.geometry import Size
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
        self._cache: LRUCache[tuple[int, bool, int, bool], Strip] = LRUCache(1024)
        self._content_width = 0

    # What subclasses provide -------------------------------------------------------------------------
    @property
    def row_count(self) -> int:
        raise NotImplementedError

    def row_content(self, index: int) -> Content:
        raise NotImplementedError

    # Changing rows --------------------------------------------------------------------------------------
    def rows_changed(self, *, cursor: int | None = None, content_width: int = 0) -> None:
        """Call after the rows changed: drops cached strips, resizes, keeps the cursor in range."""
        self._cache.clear()
        self._content_width = content_width
        self._resize(Size(content_width, self.row_count))
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

    # Rendering --------------------------------------------------------------------------------------------
    def render_line(self, y: int) -> Strip:
        index = self.scroll_offset.y + y
        width = self.scrollable_content_region.width
        if index >= self.row_count:
            return Strip.blank(width, self.rich_style)
        selected = index == self.cursor
        key = (index, selected, max(width, self._content_width), self.has_focus)
        strip = self._cache.get(key)
        if strip is None:
            style = self.get_visual_style("virtual-list--cursor") if selected else self.visual_style
            full_width = max(width, self._content_width)
            strips = Visual.to_strips(self, self.row_content(index), full_width, 1, style, pad=True)
            strip = strips[0] if strips else Strip.blank(full_width, style.rich_style)
            strip = strip.extend_cell_length(full_width, style.rich_style).apply_meta({"row": index})
            self._cache[key] = strip
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
        y = index - self.scroll_offset.y
        if 0 <= y < self.scrollable_content_region.height:
            self.refresh_line(index)

    def scroll_to_cursor(self) -> None:
        top = self.scroll_offset.y
        height = max(1, self.scrollable_content_region.height)
        if self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False, immediate=True)
        elif self.cursor >= top + height:
            self.scroll_to(y=self.cursor - height + 1, animate=False, immediate=True)

    def move_cursor(self, index: int) -> None:
        if self.row_count:
            self.cursor = max(0, min(index, self.row_count - 1))

    def action_cursor_down(self) -> None:
        self.move_cursor(self.cursor + 1)

    def action_cursor_up(self) -> None:
        self.move_cursor(self.cursor - 1)

    def action_page_down(self) -> None:
        self.move_cursor(self.cursor + max(1, self.scrollable_content_region.height - 1))

    def action_page_up(self) -> None:
        self.move_cursor(self.cursor - max(1, self.scrollable_content_region.height - 1))

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
            row = self.scroll_offset.y + event.y
        if 0 <= row < self.row_count:
            self.focus()
            self.move_cursor(row)
            if event.chain >= 2:
                self.action_activate()
