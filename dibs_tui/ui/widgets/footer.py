"""The footer: Textual's, showing the keys that fit the terminal's width, recomposed only when they change.

Textual's Footer removes and mounts all its keys whenever the screen's bindings may have changed, which is every
focus change (`/`, escape, `l`, `h`, a finder closing): each time a dozen widgets mounted and a screen-wide
layout pass, while the keys shown are nearly always the same ones. This one compares what it would show with
what it shows, and keeps its keys when they are equal.

Textual's footer scrolls sideways where its keys do not fit: at 80 columns the Browse tab's keys ran under the
palette's key, cut mid-word ("r Re"), and the Health and Diff tabs' own keys pushed `? Help` and `q Quit` out of
sight. Here the keys are kept in their order while they fit whole, after room is made for `? Help` (which lists
every key of the pane, the ones left out included) and `q Quit`: a user at 80 columns sees complete keys and
always the one that shows the rest.
"""

from __future__ import annotations

from typing import Any

from rich.cells import cell_len
from textual.app import ComposeResult
from textual.compose import compose
from textual.events import Resize
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Footer as TextualFooter
from textual.widgets._footer import FooterKey

ALWAYS_SHOWN = ("help", "quit")  # the actions whose keys keep their place whatever the width


class Footer(TextualFooter):
    """A Footer that shows the keys that fit, and keeps them while the shown bindings and the width stay."""

    def __init__(self, *, compact: bool = False) -> None:
        super().__init__(compact=compact)
        self._shown: tuple[Any, ...] | None = None

    def bindings_changed(self, screen: Screen[Any]) -> None:
        if not (screen.app.app_focus and self.is_attached and screen is self.screen):
            super().bindings_changed(screen)  # marks the bindings ready; draws nothing
            return
        shown = (_shown_keys(screen), self._width())
        if shown != self._shown:
            self._shown = shown
            super().bindings_changed(screen)

    def on_resize(self, event: Resize) -> None:
        if self._shown is not None and self._shown[1] != self._width():
            self.bindings_changed(self.screen)

    def compose(self) -> ComposeResult:
        widgets = fit(compose(self, super().compose()), self._width())
        for widget in widgets:
            # Born with the class its `compact` watcher would set once mounted: set there, each key restyled
            # itself and its children, a dozen style passes before the first frame.
            if isinstance(widget, FooterKey):
                widget.set_class(self.compact, "-compact", update=False)
        return widgets

    def _width(self) -> int:
        return self.size.width or self.app.size.width


def fit(widgets: list[Widget], width: int) -> list[Widget]:
    """The footer's widgets with the keys that do not fit whole left out: the palette's key and ALWAYS_SHOWN
    first, then the others in their order, up to the first that does not fit."""
    room = width - sum(_cells(w) for w in widgets if _fixed(w)) + 1  # the palette's border ends the last key
    kept: list[Widget] = []
    for widget in widgets:
        if not _fixed(widget) and isinstance(widget, FooterKey):
            if _cells(widget) > room:
                room = -1  # the keys after it go too: the footer shows a prefix of the pane's order
                continue
            room -= _cells(widget)
        kept.append(widget)
    return kept


def _fixed(widget: Widget) -> bool:
    return isinstance(widget, FooterKey) and (
        widget.has_class("-command-palette") or widget.action in ALWAYS_SHOWN
    )


def _cells(widget: Widget) -> int:
    """The columns a key takes in the compact footer: key, space, description, and its margin (or, for the
    palette's key docked right, its left border)."""
    if not isinstance(widget, FooterKey):
        return 0
    text = widget.key_display + (f" {widget.description}" if widget.description else "")
    return cell_len(text) + 1


def _shown_keys(screen: Screen[Any]) -> tuple[Any, ...]:
    """What Footer.compose draws from the screen's active bindings: each shown binding as it is drawn, in
    order, and the command palette's key."""
    app = screen.app
    return tuple(
        (key, binding.action, binding.description, app.get_key_display(binding), binding.group, on, tip)
        for key, (_, binding, on, tip) in screen.active_bindings.items()
        if binding.show or key == app.COMMAND_PALETTE_BINDING
    )
