"""Keys act in the order they were typed, even when they arrive together (a quick typist, a paste, a loop
busy with a big catalog: the terminal's driver then hands over several keys at once).

Textual forwards each key to the focused widget and runs the app's own bindings only when the key has
bubbled back up to the app, through every widget's message queue. Keys that arrived together are all
forwarded before the first comes back: after `/` the next letters go to the tables list, not to the filter
box that `/` opens (and `c` opens the column finder instead); after `t` they fall through to the browser's
keys (`o` opens an editor, `r` reloads, `d` diffs). So a key whose nearest binding is the app's own runs
that binding at once, in order, as Textual would have after the bubbling; a focused text box keeps its
keys, and a modal screen, whose bindings stop at itself, is left to Textual."""

from __future__ import annotations

import sys
from typing import Any

from textual import events
from textual.app import App
from textual.widget import Widget
from textual.widgets import Input


class KeyOrder:
    async def on_event(self: Any, event: events.Event) -> None:
        if isinstance(event, events.Key) and not event.is_forwarded and await _app_binding_first(self, event):
            return
        await super().on_event(event)  # type: ignore[misc]


async def _app_binding_first(app: App[Any], event: events.Key) -> bool:
    if _text_box(app.focused):
        return False
    active = app.screen.active_bindings.get(event.key)
    if active is None or active.node is not app or active.binding.priority or not active.enabled:
        return False
    app.app_focus = True
    return await app.run_action(active.binding.action, app)


def _text_box(widget: Widget | None) -> bool:
    """An Input or a TextArea. TextArea's module (eleven modules: documents, their syntax, the editor's themes)
    is imported only by whatever makes one, not for the first frame; until then none can have the focus."""
    if isinstance(widget, Input):
        return True
    text_area = sys.modules.get("textual.widgets._text_area")
    return text_area is not None and isinstance(widget, text_area.TextArea)
