"""The Migrations tab: a placeholder until the migrations issue fills it (that helper owns this file now).

State comes from the app (see `dibs_tui.ui.app`): `self.app.catalog` (its `meta.migrations` is the applied
history), `self.app.target`, `self.app.settings`; `self.app.catalog_changed` signals reloads.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static


class MigrationsPane(Vertical):
    """Will list applied and pending migrations; for now says how it will be reached."""

    DEFAULT_CSS = """
    MigrationsPane { padding: 1 2; }
    """

    def compose(self) -> ComposeResult:
        yield Static(
            "Migrations: press m to come here; applied and pending migrations will be listed "
            "(not available yet).",
            id="migrations-placeholder",
        )
