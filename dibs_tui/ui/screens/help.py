"""`?`/F1: every binding that works where the focus was, grouped by the pane that owns it."""

from __future__ import annotations

import textwrap
from typing import ClassVar

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

from ..widgets.footer import Footer

HelpEntry = tuple[str, str, str, str]  # (group, keys, description, id)

LEGEND = """Marks in the Tables pane:
  ▤ table  ◫ partitioned  ⊟ partition  ◇ view  ◆ materialized view
  ⇄ foreign  ● tracked by meta tables  ○ untracked  ! stale meta rows
  = in sync  ≠ differs from the desired schema
  + only live  − only desired
  12k row estimate, or what s sorts by: ←3 keys pointing in, 8.0M size
  ? never analysed (ANALYZE or autovacuum counts it)"""
KEYS_WIDTH = 22
DESCRIPTION_WIDTH = 36


def help_table(entries: list[HelpEntry], width: int) -> Content:
    """The keys, what they do and the binding's id, in columns; where the id does not fit (80 columns) it is
    left out, and a description too long for its column wraps under itself, never under the keys."""
    longest_id = max((len(entry[3]) for entry in entries), default=0)
    with_ids = width >= 2 + KEYS_WIDTH + DESCRIPTION_WIDTH + longest_id
    room = DESCRIPTION_WIDTH if with_ids else max(12, width - 2 - KEYS_WIDTH)
    lines: list[Content] = []
    group = None
    for entry_group, keys, description, binding_id in entries:
        if entry_group != group:
            if group is not None:
                lines.append(Content(""))
            lines.append(Content.styled(entry_group, "bold $text-accent"))
            group = entry_group
        parts = textwrap.wrap(description, room) or [""]
        first = [(f"  {keys:<{KEYS_WIDTH - 1}} ", "bold"), (f"{parts[0]:<{room}}", "")]
        if with_ids:
            first.append((binding_id, "$text-muted"))
        lines.append(Content.assemble(*first))
        lines.extend(Content(" " * (KEYS_WIDTH + 1) + part) for part in parts[1:])
    return Content("\n").join(lines)


class HelpTable(Static):
    """The key table, laid out again for its width (the ids only where they fit)."""

    def __init__(self, entries: list[HelpEntry]) -> None:
        super().__init__(help_table(entries, 0), id="help-table")
        self.entries = entries

    def on_resize(self, event: events.Resize) -> None:
        self.update(help_table(self.entries, event.size.width))


class HelpScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark,f1", "close", "Close help", id="help.close"),
    ]

    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > Vertical { width: 100; max-width: 98%; height: 90%; border: thick $primary;
        background: $surface; padding: 0 1; }
    HelpScreen #help-title { text-style: bold; color: $text-primary; padding: 0 1; }
    HelpScreen VerticalScroll { height: 1fr; }
    HelpScreen .help-legend { color: $text-muted; margin-top: 1; }
    """

    def __init__(self, title: str, entries: list[HelpEntry]) -> None:
        super().__init__()
        self.title_text = title
        self.entries = entries

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Content(f"Keys — {self.title_text}   (escape closes)"), id="help-title")
            with VerticalScroll():
                yield HelpTable(self.entries)
                yield Static(Content(LEGEND), classes="help-legend")
        yield Footer(compact=True)  # this screen's keys, not the browser's (inert under it)

    def action_close(self) -> None:
        self.dismiss(None)
