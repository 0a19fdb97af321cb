"""What the Diff and Migrations panes get from the app when it makes them: typed, instead of reaching into it."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from textual.signal import Signal

from ..config import Settings
from ..core.connect import ConnectionTarget
from ..core.model import Catalog, QualifiedName
from .loader_runs import LoaderRuns

if TYPE_CHECKING:
    from ..core.explore.history import HistoryIndex


@dataclass
class DiffChoices:
    """What the user chose in the Diff tab, which `n` in the Migrations tab generates from too: the renames
    accepted (a) and whether grants are compared (p). One per app, shared by the panes."""

    accepted: list[tuple[str, str]] = field(default_factory=list)
    privileges: bool = False


@dataclass(frozen=True)
class PaneContext:
    """The connection, the settings and the `--desired` sources, plus the two things panes tell the app.

    `history()` is the applied history indexed with the catalog on screen (None before it is loaded).
    `runs` runs a pane thread's reads so that quitting the app cancels them (ui/loader_runs.py).
    `set_sync(marks, state)` marks the Tables pane's rows ("in sync", "differs", "only live",
    "only desired") and fills the header's sync state; `schema_changed()` says the live schema changed (a
    migration was applied): the app reloads its catalog and brings the diff's marks up to date.
    """

    target: ConnectionTarget
    settings: Settings
    desired: tuple[str, ...]
    set_sync: Callable[[Mapping[QualifiedName, str], str], None]
    schema_changed: Callable[[], None]
    catalog_changed: Signal[Catalog]  # published with every catalog (re)loaded: a pane may subscribe
    history: Callable[[], HistoryIndex | None] = lambda: None
    runs: LoaderRuns = field(default_factory=LoaderRuns)
    diff_choices: DiffChoices = field(default_factory=DiffChoices)

    def desired_spec(self) -> list[str | Path]:
        """The desired schema: `--desired` when given, else the settings' `schema` paths (may be empty)."""
        return self.settings.desired_spec(self.desired)

    def migrations_folder(self) -> Path:
        return Path(self.settings.resolve_migrations_dir())
