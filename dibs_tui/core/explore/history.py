"""The schema's history, per object: which applied migrations created, modified or dropped a table, which
created a column and which changed it last, and what one migration touched.

Everything comes from what the catalog read already holds (the `__dibs_migrations` rows with their
`tables_*` arrays, the `__dibs_tables` / `__dibs_columns` provenance, the stale rows of dropped objects), so
`HistoryIndex(catalog)` indexes it once and every question is a dictionary look-up: no query per table.

Migration rows name tables bare ("users") or schema-qualified ("public.users"); both match, and each event
keeps the spelling it was recorded with. A history without those arrays (the real dibs's `_dibs_migrations`,
or a `__dibs_migrations` that never fills them) records no per-table changes: the meta rows' created-by and
modified-by stand in, and the notes say so.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from ..model import Catalog, Provenance, QualifiedName
from ..model_meta import MetaState, Migration

CREATED, MODIFIED, DROPPED = "created", "modified", "dropped"
FROM_HISTORY, FROM_META = "history", "meta"

NO_META = "this database has no dibs meta tables (__dibs_*, _dibs_migrations): it records no history"
NO_TABLE_CHANGES = (
    "this history records no per-table changes (no tables_created/_modified/_dropped): "
    "shown from the created/modified by of __dibs_tables and __dibs_columns"
)
NO_HISTORY = (
    "no applied history is recorded (__dibs_migrations, _dibs_migrations): "
    "shown from the created/modified by of __dibs_tables and __dibs_columns"
)


@dataclass(frozen=True, slots=True)
class Event:
    """One migration's change to one table (or column), with what the history says of the migration."""

    migration: str
    change: str  # created, modified, dropped
    recorded_as: str  # the name exactly as the row spells it: bare or schema-qualified
    source: str  # FROM_HISTORY (a tables_* array) or FROM_META (a created_by/modified_by of a meta row)
    applied: Migration | None  # the history row, when the migration is in the applied history

    @property
    def qualified(self) -> bool:
        return "." in self.recorded_as

    @property
    def applied_at(self) -> datetime | None:
        return self.applied.applied_at if self.applied else None


@dataclass(frozen=True, slots=True)
class ColumnHistory:
    """The migration that created a column and the last one that changed it (one row keeps only the last)."""

    schema: str
    table: str
    column: str
    created: Event | None
    modified: Event | None
    exists: bool  # False for a column only a stale meta row remembers


@dataclass(frozen=True, slots=True)
class TableHistory:
    schema: str
    table: str
    events: tuple[Event, ...]  # oldest first
    columns: tuple[ColumnHistory, ...]
    exists: bool  # False for a table only the history remembers (dropped)


@dataclass(frozen=True, slots=True)
class Touched:
    """A table or column a migration touched."""

    kind: str  # table, column
    schema: str
    table: str
    column: str | None
    change: str
    recorded_as: str  # a table's name as the history row spells it; "" for a column (from its meta row)
    source: str
    exists: bool


@dataclass(frozen=True, slots=True)
class MigrationHistory:
    migration: Migration | None  # None: named only by meta rows, absent from the applied history
    name: str
    touched: tuple[Touched, ...]


def _order(event: Event) -> tuple[bool, float, str, int]:
    """Oldest first; migrations the history does not date last, by name."""
    at = event.applied_at
    return (at is None, at.timestamp() if at else 0.0, event.migration, _CHANGES[event.change])


_CHANGES = {CREATED: 0, MODIFIED: 1, DROPPED: 2}


def _notes(meta: MetaState, records_tables: bool) -> tuple[str, ...]:
    """What the history cannot say, first; then why some meta rows were not read (core.meta_tables)."""
    if not meta.present:
        return (NO_META, *meta.notes)
    if not meta.migrations:
        return (NO_HISTORY, *meta.notes)
    return meta.notes if records_tables else (NO_TABLE_CHANGES, *meta.notes)


class HistoryIndex:
    """Every table's, column's and migration's history, indexed once from the catalog."""

    def __init__(self, catalog: Catalog) -> None:
        meta = catalog.meta
        self.present = meta.present
        self.migrations: dict[str, Migration] = {m.name: m for m in meta.migrations}
        self.records_tables = any(
            m.tables_created or m.tables_modified or m.tables_dropped for m in meta.migrations
        )
        self.notes = _notes(meta, self.records_tables)
        # The catalog's own index, not a set copied from it: 4 MiB at 100,000 tables, at the browser's peak.
        self._keys = catalog.relations_by_key.keys()
        self._by_name: dict[str, list[str]] = defaultdict(list)
        self._events: dict[QualifiedName, list[Event]] = defaultdict(list)
        # Columns are many: kept as the meta row's provenance, made into ColumnHistory when asked for.
        self._columns: dict[QualifiedName, dict[str, tuple[Provenance, bool]]] = defaultdict(dict)
        self._touched: dict[str, list[Touched]] = defaultdict(list)
        self._touched_columns: dict[str, list[tuple[QualifiedName, str, str, bool]]] = defaultdict(list)
        if not self.present:
            return  # no meta row anywhere: nothing to index (a large schema without dibs costs nothing here)
        for schema, name in self._keys:
            self._by_name[name].append(schema)
        self._index(catalog)

    def _index(self, catalog: Catalog) -> None:
        meta = catalog.meta
        for migration in meta.migrations:
            for change, names in (
                (CREATED, migration.tables_created),
                (MODIFIED, migration.tables_modified),
                (DROPPED, migration.tables_dropped),
            ):
                for recorded in names:
                    self._add_table(migration.name, change, recorded, FROM_HISTORY)
        for rel in catalog.relations:
            if rel.provenance is not None:
                self._add_meta_table(rel.key, rel.name, rel.provenance)
            key = rel.key
            for col in rel.columns:
                if col.provenance is not None:
                    self._add_column(key, col.name, col.provenance, exists=True)
        for stale in meta.stale:
            key = self.key(stale.table)
            if stale.kind == "table":
                self._add_meta_table(key, stale.table, stale.provenance)
            elif stale.kind == "column":
                self._add_column(key, stale.name, stale.provenance, exists=False)
        for events in self._events.values():
            events.sort(key=_order)

    def key(self, recorded: str) -> QualifiedName:
        """The table a recorded name means: a live one when one matches (public first for a bare name, then
        the only schema that has it), else the name as written (bare means public)."""
        if ("public", recorded) in self._keys:
            return ("public", recorded)
        if "." in recorded:
            schema, _, name = recorded.partition(".")
            return (schema, name)
        schemas = self._by_name.get(recorded, [])
        return (schemas[0], recorded) if len(schemas) == 1 else ("public", recorded)

    def _event(self, migration: str, change: str, recorded: str, source: str) -> Event:
        return Event(migration, change, recorded, source, self.migrations.get(migration))

    def _add_table(self, migration: str, change: str, recorded: str, source: str) -> None:
        key = self.key(recorded)
        self._events[key].append(self._event(migration, change, recorded, source))
        self._touched[migration].append(
            Touched("table", *key, None, change, recorded, source, key in self._keys)
        )

    def _add_meta_table(self, key: QualifiedName, recorded: str, prov: Provenance | None) -> None:
        """The meta row's created-by / modified-by, where the history's arrays do not already say so."""
        if prov is None:
            return
        events = self._events.get(key)
        listed = {(e.migration, e.change) for e in events} if events else set()
        for change, migration in ((CREATED, prov.created_by), (MODIFIED, prov.modified_by)):
            if migration and (migration, change) not in listed:
                self._add_table(migration, change, recorded, FROM_META)

    def _add_column(self, key: QualifiedName, column: str, prov: Provenance | None, *, exists: bool) -> None:
        if prov is None or not (prov.created_by or prov.modified_by):
            return
        self._columns[key][column] = (prov, exists)
        if prov.created_by:
            self._touched_columns[prov.created_by].append((key, column, CREATED, exists))
        if prov.modified_by:
            self._touched_columns[prov.modified_by].append((key, column, MODIFIED, exists))

    def _column(self, key: QualifiedName, column: str, prov: Provenance, exists: bool) -> ColumnHistory:
        created = self._event(prov.created_by, CREATED, column, FROM_META) if prov.created_by else None
        modified = self._event(prov.modified_by, MODIFIED, column, FROM_META) if prov.modified_by else None
        return ColumnHistory(*key, column, created, modified, exists)

    def table(self, schema: str, name: str) -> TableHistory | None:
        """A table's timeline; None when neither the catalog nor the history knows it."""
        key = (schema, name)
        exists = key in self._keys
        if not exists and key not in self._events and key not in self._columns:
            return None
        columns = tuple(self._column(key, c, *kept) for c, kept in self._columns.get(key, {}).items())
        return TableHistory(schema, name, self.timeline(schema, name), columns, exists)

    def timeline(self, schema: str, name: str) -> tuple[Event, ...]:
        """A table's events alone, oldest first (what Details shows on each selection)."""
        return tuple(self._events.get((schema, name), ()))

    def column(self, schema: str, table: str, column: str) -> ColumnHistory | None:
        kept = self._columns.get((schema, table), {}).get(column)
        return self._column((schema, table), column, *kept) if kept else None

    def migration(self, name: str) -> MigrationHistory | None:
        """What a migration touched; None when neither the history nor any meta row names it."""
        applied = self.migrations.get(name)
        tables = self._touched.get(name, [])
        columns = self._touched_columns.get(name, [])
        if applied is None and not tables and not columns:
            return None
        touched = tables + [
            Touched("column", *key, column, change, "", FROM_META, exists)
            for key, column, change, exists in columns
        ]
        rows = sorted(touched, key=lambda t: (t.schema, t.table, t.column or "", _CHANGES[t.change]))
        return MigrationHistory(applied, name, tuple(rows))


__all__ = [
    "CREATED",
    "DROPPED",
    "FROM_HISTORY",
    "FROM_META",
    "MODIFIED",
    "NO_HISTORY",
    "NO_META",
    "NO_TABLE_CHANGES",
    "ColumnHistory",
    "Event",
    "HistoryIndex",
    "MigrationHistory",
    "TableHistory",
    "Touched",
]
