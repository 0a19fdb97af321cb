"""Finders: go to a table (`schema.table` paths) and column search ("which tables have customer_id").

Both rank with `dibs_tui.ui.search` (exact > prefix > substring > fuzzy) in a worker thread after a short
debounce; only the newest query's answer is shown. Typing stays in the input; up/down move in the results.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.screen import ModalScreen
from textual.timer import Timer
from textual.widgets import Input, Static
from textual.worker import get_current_worker

from ..finder_candidates import FinderItem, finder_item
from ..search import Candidate, rank
from ..text import cut_middle, data
from ..widgets.fixed_input import FixedInput
from ..widgets.footer import Footer
from ..widgets.virtual_list import VirtualList

RESULT_LIMIT = 200
DEBOUNCE = 0.05


_LEAST_PATH = 16  # the fewest cells a path is cut to so that its type shows whole


class ResultList(VirtualList, can_focus=False):
    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.results: list[Candidate] = []

    @property
    def row_count(self) -> int:
        return len(self.results)

    def row_content(self, index: int) -> Content:
        candidate = self.results[index]
        item = finder_item(candidate.payload)
        detail = data(item.detail if item is not None else "", "$text-muted")
        # Too long, the path is cut in its middle (its column and its table's end tell results apart) and the
        # kind or type after it stays; a detail that leaves no room is cut at the edge instead.
        room = self.scrollable_content_region.width - 2 - detail.cell_length
        path = data(candidate.path, "bold")
        if room >= _LEAST_PATH:
            path = cut_middle(path, room)
        return Content.assemble(" ", path, " ", detail)


class FinderScreen(ModalScreen[FinderItem | None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="finder.cancel"),
        Binding("down", "move(1)", "Next result", show=False, id="finder.down"),
        Binding("up", "move(-1)", "Previous result", show=False, id="finder.up"),
        Binding("pagedown", "move(10)", "Down 10", show=False, id="finder.page_down"),
        Binding("pageup", "move(-10)", "Up 10", show=False, id="finder.page_up"),
    ]

    DEFAULT_CSS = """
    FinderScreen { align: center top; }
    FinderScreen > Vertical { width: 90; max-width: 95%; height: 70%; margin-top: 2; border: thick $primary;
        background: $surface; }
    FinderScreen #finder-title { color: $text-primary; text-style: bold; padding: 0 1; }
    FinderScreen Input, FinderScreen Input:focus {
        border: none; height: 1; padding: 0 1; background: $boost;
    }
    FinderScreen ResultList { height: 1fr; }
    FinderScreen #finder-status { height: 1; color: $text-muted; padding: 0 1; }
    """

    @dataclass
    class Ranked(Message):
        generation: int
        query: str
        total: int
        results: list[Candidate]

    def __init__(
        self,
        title: str,
        candidates: Callable[[], list[Candidate]],
        *,
        placeholder: str,
        initial: str = "",
    ) -> None:
        """`candidates` gives the list to rank (a catalog's FinderCandidates makes it once, on the first call).
        It is first called on the ranking's thread: the screen opens at once where making the list takes a
        while (100,000 relations, or a large catalog's columns, ten times as many)."""
        super().__init__()
        self.title_text = title
        self.candidates = candidates
        self.placeholder = placeholder
        self.initial = initial
        self._generation = 0
        self._debounce: Timer | None = None
        self._shown_query: str | None = None

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Content(self.title_text), id="finder-title")
            yield FixedInput(value=self.initial, placeholder=self.placeholder, id="finder-input")
            yield ResultList(id="finder-results")
            yield Static("", id="finder-status")
        yield Footer(compact=True)  # this screen's keys, not the browser's (inert under it)

    def on_mount(self) -> None:
        self.query_one(Input).focus()
        self._search(self.initial)

    def on_key(self, event: events.Key) -> None:
        """Keys typed in the burst that opened the finder (a paste, a quick typist, a busy machine) reach
        the screen before its box has focus, which Textual gives on a later turn of the loop: they are the
        box's, never the browser's own keys (`o` would open an editor, `r` reload, `d` diff). The box stops
        every printable key it gets, so a printable key here is one it missed."""
        if event.is_printable and event.character:
            box = self.query_one(Input)
            event.stop()
            event.prevent_default()
            box.insert_text_at_cursor(event.character)
            self.set_focus(box)

    @property
    def results(self) -> ResultList:
        return self.query_one(ResultList)

    @on(Input.Changed)
    def _changed(self, event: Input.Changed) -> None:
        if self._debounce is not None:
            self._debounce.stop()
        query = event.value
        self._debounce = self.set_timer(DEBOUNCE, lambda: self._search(query))

    def _search(self, query: str) -> None:
        self._generation += 1
        self._rank(self._generation, query)

    @work(thread=True, exclusive=True, group="finder", description="rank finder results")
    def _rank(self, generation: int, query: str) -> None:
        candidates = self.candidates()
        results = rank(query, candidates, limit=RESULT_LIMIT)
        if not get_current_worker().is_cancelled:
            self.post_message(self.Ranked(generation, query, len(candidates), results))

    @on(Ranked)
    def _ranked(self, event: Ranked) -> None:
        if event.generation != self._generation:
            return
        self._shown_query = event.query
        results = self.results
        results.results = event.results
        results.rows_changed(cursor=0)
        shown = len(event.results)
        more = "+" if shown == RESULT_LIMIT else ""
        self.query_one("#finder-status", Static).update(  # one line of a fixed-size box: no layout pass
            Content(f"{shown}{more} of {event.total} · enter opens · ↑↓ move · esc cancels"), layout=False
        )

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.value != self._shown_query:  # typed faster than the ranking: rank the final query now
            if self._debounce is not None:
                self._debounce.stop()
            best = rank(event.value, self.candidates(), limit=1)
            self.dismiss(finder_item(best[0].payload) if best else None)
            return
        self._choose(self.results.cursor)

    @on(VirtualList.Activated)
    def _activated(self, event: VirtualList.Activated) -> None:
        self._choose(event.index)

    def _choose(self, index: int) -> None:
        results = self.results.results
        if 0 <= index < len(results):
            self.dismiss(finder_item(results[index].payload))

    def action_move(self, delta: int) -> None:
        self.results.move_cursor(self.results.cursor + delta)

    def action_cancel(self) -> None:
        self.dismiss(None)
