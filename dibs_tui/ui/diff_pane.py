"""The Diff tab: a placeholder until the diff issue fills it (that helper owns this file from now on).

State comes from the app (see `dibs_tui.ui.app`): `self.app.catalog`, `self.app.target`, `self.app.settings`,
`self.app.desired`; `self.app.catalog_changed` signals reloads; `self.app.set_sync_marks(...)` marks tables.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static


class DiffPane(Vertical):
    """Will show the desired-vs-live diff; for now says how it will be reached."""

    DEFAULT_CSS = """
    DiffPane { padding: 1 2; }
    """

    def compose(self) -> ComposeResult:
        yield Static("Diff: press d to compute the diff against the desired schema (not available yet).",
                     id="diff-placeholder")
