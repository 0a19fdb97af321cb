"""An Input whose box does not follow its text: typing repaints it without a screen-wide layout pass.

Textual's Input sets its virtual size (its text's width) on every change of value, and setting a widget's
virtual size relayouts the whole screen: at 10,000 tables each key typed in the filter or a finder cost one full
layout (Screen._refresh_layout, 17-34 ms of the loop's CPU on this machine). The filter box and the finders' boxes
have a fixed size (a width from their container, one line), so the new virtual size only moves the Input's own
horizontal scrolling: set here without the layout, as ui/widgets/virtual_list.py does for the lists.
"""

from __future__ import annotations

from textual.geometry import Size
from textual.widgets import Input


class FixedInput(Input):
    """`Input` for a box sized by its container (no `auto` width or height)."""

    def _watch_value(self, value: str) -> None:
        size = Size(self.content_width, 1)
        if self.is_mounted and not self.styles.auto_dimensions and size != self.virtual_size:
            self.set_reactive(Input.virtual_size, size)
            self._scroll_update(size)
        # Its own size change is now a no-op; the rest (Changed, the cursor) as before.
        super()._watch_value(value)
