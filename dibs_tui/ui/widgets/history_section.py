"""The History section of Details: every migration that created, modified or dropped the selected table, the
one that created the selected column and the last that changed it. Each line names its migration: Enter on it
opens the Migrations pane there.

The history is indexed once per catalog (core.explore.history), on the loader's thread before the catalog
reaches the screen (`prepare`); a selection is then a dictionary look-up. A catalog nobody prepared (the one
relation previewed before the full load, a SQLite file without meta tables) is small and indexed on first use.
"""

from __future__ import annotations

import threading

from textual.content import Content

from ...core.explore.history import FROM_META, NO_HISTORY, NO_META, NO_TABLE_CHANGES, Event, HistoryIndex
from ...core.model import Catalog, Column, Relation
from ..text import data

# A few catalogs' indexes: the one on screen and the one a refresh is loading, keyed by identity (each entry
# keeps its catalog alive, so that an id is not reused while it is here).
_KEEP = 3
_indexes: dict[int, tuple[Catalog, HistoryIndex]] = {}
_lock = threading.Lock()

Row = tuple[Content, str | None]  # a line and the migration it names (None: not navigable)


def prepare(catalog: Catalog) -> HistoryIndex:
    """Index `catalog`'s history (called on the loader's thread) and keep it for the screen."""
    index = HistoryIndex(catalog)
    with _lock:
        while len(_indexes) >= _KEEP:
            del _indexes[next(iter(_indexes))]
        _indexes[id(catalog)] = (catalog, index)
    return index


def index_for(catalog: Catalog) -> HistoryIndex:
    with _lock:
        kept = _indexes.get(id(catalog))
    if kept is not None and kept[0] is catalog:
        return kept[1]
    return prepare(catalog)


def _when(event: Event) -> str:
    applied = event.applied
    if applied is None:
        return "not in the applied history"
    parts = [f"{applied.applied_at:%Y-%m-%d %H:%M}" if applied.applied_at else "applied"]
    if applied.execution_time_ms is not None:
        parts.append(f"{applied.execution_time_ms} ms")
    return "  ".join(parts)


def _event_row(label: str, event: Event) -> Row:
    extra = []
    if event.source == FROM_META:
        extra.append("meta row")
    elif event.qualified:
        extra.append(f"recorded as {event.recorded_as}")
    return (
        Content.assemble(
            (f"{label:<13}", "$text-muted"),
            data(event.migration, "$text-success"),
            data(f"  {_when(event)}", "$text-muted"),
            data(f"  ({', '.join(extra)})" if extra else "", "$text-muted"),
        ),
        event.migration,
    )


def _notes(index: HistoryIndex) -> list[Row]:
    return [
        (Content.styled(note, "$text-muted"), None)
        for note in index.notes[:1]
        if note in (NO_META, NO_HISTORY, NO_TABLE_CHANGES)
    ]


def table_history(catalog: Catalog, relation: Relation) -> tuple[str, list[Row]]:
    """The section's title and lines for a table: its timeline, oldest first."""
    index = index_for(catalog)
    events = index.timeline(relation.schema, relation.name)
    rows = [_event_row(e.change, e) for e in events]
    if not events and index.present:
        rows.append(
            (Content.styled("no migration is recorded as creating or changing it", "$text-muted"), None)
        )
    return f"History ({len(events)})", rows + _notes(index)


def column_history(catalog: Catalog, relation: Relation, column: Column) -> tuple[str, list[Row]]:
    """The section's title and lines for a column: created by, last changed by."""
    index = index_for(catalog)
    found = index.column(relation.schema, relation.name, column.name)
    rows = []
    if found is not None and found.created is not None:
        rows.append(_event_row("created by", found.created))
    if found is not None and found.modified is not None:
        rows.append(_event_row("last changed", found.modified))
    if not rows and index.present:
        rows.append(
            (Content.styled("no migration is recorded as creating or changing it", "$text-muted"), None)
        )
    return "History", rows + _notes(index)
