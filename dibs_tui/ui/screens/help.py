"""`?`/F1: every binding that works where the focus was, grouped by the pane that owns it."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

HelpEntry = tuple[str, str, str, str]  # (group, keys, description, id)

LEGEND = (
    "Marks in the Tables pane: ▤ table  ◫ partitioned  ⊟ partition  ◇ view  ◆ materialized view  ⇄ foreign\n"
    "                          ● tracked by meta tables  ○ untracked  ! stale meta rows\n"
    "                          = in sync  ≠ differs from the desired schema  + only live  − only desired"
)


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
                yield Static(self._table(), id="help-table")
                yield Static(Content(LEGEND), classes="help-legend")

    def _table(self) -> Content:
        lines: list[Content] = []
        group = None
        for entry_group, keys, description, binding_id in self.entries:
            if entry_group != group:
                if group is not None:
                    lines.append(Content(""))
                lines.append(Content.styled(entry_group, "bold $text-accent"))
                group = entry_group
            lines.append(
                Content.assemble(
                    (f"  {keys:<22}", "bold"), (f"{description:<36}", ""), (binding_id, "$text-muted")
                )
            )
        return Content("\n").join(lines)

    def action_close(self) -> None:
        self.dismiss(None)
