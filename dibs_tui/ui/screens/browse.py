"""The browser's screen (the app's default screen), which gives the Tables list the focus as it is composed."""

from __future__ import annotations

from textual.screen import Screen


class BrowseScreen(Screen[None]):
    """Textual's default focus (the first focusable widget) was the tab strip, and the app moved it on to the
    list: two more style passes before the first frame (bench/JOURNAL.md, session 31)."""

    AUTO_FOCUS = "#table-list"
