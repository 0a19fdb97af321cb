"""The footer: Textual's, recomposed only when the keys it shows change.

Textual's Footer removes and mounts all its keys whenever the screen's bindings may have changed, which is every
focus change (`/`, escape, `l`, `h`, a finder closing): each time a dozen widgets mounted and a screen-wide
layout pass, while the keys shown are nearly always the same ones. This one compares what it would show with
what it shows, and keeps its keys when they are equal.
"""

from __future__ import annotations

from typing import Any

from textual.screen import Screen
from textual.widgets import Footer as TextualFooter


class Footer(TextualFooter):
    """A Footer that keeps its keys while the shown bindings stay the same."""

    def __init__(self, *, compact: bool = False) -> None:
        super().__init__(compact=compact)
        self._shown: tuple[Any, ...] | None = None

    def bindings_changed(self, screen: Screen[Any]) -> None:
        if not (screen.app.app_focus and self.is_attached and screen is self.screen):
            super().bindings_changed(screen)  # marks the bindings ready; draws nothing
            return
        shown = _shown_keys(screen)
        if shown != self._shown:
            self._shown = shown
            super().bindings_changed(screen)


def _shown_keys(screen: Screen[Any]) -> tuple[Any, ...]:
    """What Footer.compose draws from the screen's active bindings: each shown binding as it is drawn, in
    order, and the command palette's key."""
    app = screen.app
    return tuple(
        (key, binding.action, binding.description, app.get_key_display(binding), binding.group, on, tip)
        for key, (_, binding, on, tip) in screen.active_bindings.items()
        if binding.show or key == app.COMMAND_PALETTE_BINDING
    )
