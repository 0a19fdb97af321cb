"""The browser on a SQLite file: the same panes, fed by the read-only SQLite reader.

Diff, migrations and the health checks need PostgreSQL (a shadow database, the server's parser, its
statistics): on a SQLite file their keys and tabs say so instead of connecting anywhere.
"""

from __future__ import annotations

import contextlib
import dataclasses
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from textual.content import Content
from textual.css.query import NoMatches
from textual.widgets import Static

from ..config import Settings
from ..core.connect import ConnectionTarget
from ..core.model import Catalog, QualifiedName
from ..core.sqlite_catalog import load_sqlite_catalog
from .app import DibsApp
from .text import data
from .widgets.header_bar import HeaderBar

POSTGRES_ONLY = "diff, migrations and health checks work on PostgreSQL only: this is a SQLite file (browsing is read-only)"


class SqliteApp(DibsApp):
    """The browser on one SQLite file, opened read-only."""

    def __init__(self, path: Path, settings: Settings, *, header_label: str | None = None) -> None:
        super().__init__(_file_target(path), settings, header_label=header_label or str(path))
        self.sqlite_path = path
        self.load_state = "reading…"

    def _panes_ready(self) -> None:
        from .health_pane import HealthPane  # mounted on demand, like its module

        with contextlib.suppress(NoMatches):
            for status in ("#diff-status", "#migrations-status"):
                self.query_one(status, Static).update(Content(POSTGRES_ONLY))
            self.query_one(HealthPane).unavailable = POSTGRES_ONLY

    def _update_header(self) -> None:
        parts: list[Content] = [
            Content.styled("dibs-tui", "bold $text-accent"),
            Content.styled("SQLite", "bold"),
            data(self.header_label, "bold"),
        ]
        catalog = self.catalog
        if catalog is not None:
            parts.append(Content.styled(catalog.server_version, "$text-muted"))
            history = _history_label(catalog)
            if history:
                parts.append(Content.assemble(("history ", "$text-muted"), data(history)))
        if self.load_state:
            parts.append(Content.styled(self.load_state, "$text-warning"))
        self.query_one(HeaderBar).update(Content("  │  ").join(parts))

    async def _fetch_catalog(
        self, marks: dict[str, float], on_loaded: Callable[[Catalog], None], generation: int
    ) -> None:
        marks["connected"] = time.perf_counter()
        on_loaded(await load_sqlite_catalog(self.sqlite_path))

    async def _fetch_preview(self, key: QualifiedName, loaded: list[Catalog]) -> None:
        loaded.append(await load_sqlite_catalog(self.sqlite_path))

    def watch_server(self) -> None:
        """A file: no server to watch, and nothing is connected to (ui/server_watch.py)."""

    async def action_diff(self) -> None:
        self.say(POSTGRES_ONLY, severity="warning")

    async def action_migrations(self) -> None:
        self.say(POSTGRES_ONLY, severity="warning")

    def action_health(self) -> None:
        self.say(POSTGRES_ONLY, severity="warning")


def _file_target(path: Path) -> ConnectionTarget:
    """A target that only names the file: no server (the panes that would connect are not started)."""
    fields = {f.name for f in dataclasses.fields(ConnectionTarget)}
    parts: dict[str, Any] = {"user": "", "database": path.name, "origin": "sqlite"}
    if "hosts" in fields:
        parts.update(hosts=("",), ports=(0,))
    else:
        parts.update(dsn="", host="", port=0)
    return ConnectionTarget(**{k: v for k, v in parts.items() if k in fields})


def _history_label(catalog: Catalog) -> str:
    """`user_version 7`, `schema_version 3 rows`: what the file says about its applied migrations."""
    parts: list[str] = []
    for source in catalog.meta.tables_present:
        rows = [m for m in catalog.meta.migrations if m.source == source]
        if source == "PRAGMA user_version":
            parts.extend(m.name for m in rows)
        else:
            last = f", last {rows[-1].name}" if rows else ""
            parts.append(f"{source} {len(rows)} row{'s' if len(rows) != 1 else ''}{last}")
    return "; ".join(parts)


__all__ = ["POSTGRES_ONLY", "SqliteApp"]
