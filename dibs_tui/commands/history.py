"""`dibs-tui history OBJECT` and `dibs-tui history --migration NAME`: which applied migrations created,
modified or dropped a table, created or last changed a column, and what one migration touched, as text or
JSON. An unknown object or migration exits 2."""

from __future__ import annotations

import argparse
import gc
import json
import sys
from typing import Any

import asyncpg

from ..config import Settings
from ..core.errors import DibsError
from ..core.explore.history import (
    ColumnHistory,
    Event,
    HistoryIndex,
    MigrationHistory,
    TableHistory,
    Touched,
)
from ..core.explore.names import UnknownObject, resolve, split_name
from ..core.migrations.apply_record import PartialApply, read_partials
from ..core.migrations.history import read_history
from ..core.model import Catalog
from ..core.model_meta import Migration
from ..core.sql import quote_ident
from ..core.terminal import json_safe_text, raw_stream, safe
from .catalog_read import load
from .common import exit_now, is_connection_string, run_async

EXIT_UNKNOWN = 2


def run(args: argparse.Namespace, settings: Settings) -> int:
    if (
        args.object is not None
        and args.dsn is None
        and (args.migration is not None or is_connection_string(args.object))
    ):
        args.dsn, args.object = args.object, None  # `history --migration NAME DSN`, `history DSN`
    if (args.migration is None) == (args.object is None):
        return _unknown("name one OBJECT (schema.table or schema.table.column) or --migration NAME")
    gc.disable()  # one large acyclic catalog, then the process ends: the cyclic GC would only rescan it
    catalog, read = run_async(load(args, settings, extra=_other_tools))
    others, partials = read or ([], {})
    index = HistoryIndex(catalog)
    notes = [*index.notes, *others]
    found: TableHistory | ColumnHistory | MigrationHistory | None
    if args.migration is not None:
        found = index.migration(args.migration)
        if found is None and (partial := partials.get(args.migration)) is not None:
            said = "; ".join(partial.describe()) or "partially applied"
            return _unknown(
                f"{args.migration} is not applied whole yet, so the history records nothing of it: {said}"
            )
        if found is None:
            return _unknown(
                f"no migration named '{args.migration}' in the applied history or the meta rows"
                + ("" if index.present else f" ({index.notes[0]})")
            )
    else:
        try:
            found = find_object(catalog, index, args.object)
        except UnknownObject as exc:
            return _unknown(str(exc))
    if args.format == "json":
        doc = json.dumps({**as_json(found), "notes": notes}, indent=2, ensure_ascii=False)
        raw_stream(sys.stdout).write(json_safe_text(doc) + "\n")  # valid JSON: C1 and bidi as \u escapes
    else:
        sys.stdout.write("\n".join([*as_text(found), *(f"note: {safe(n)}" for n in notes)]) + "\n")
    return exit_now(0)


async def _other_tools(conn: asyncpg.Connection, _: Catalog) -> tuple[list[str], dict[str, PartialApply]]:
    """Other tools' history tables record which migrations ran, never what each changed: said, not guessed.
    One that cannot be read is a note too (the meta rows' history does not depend on it). And the migrations
    migrate applied in part (their segment records): one is named as such, not as unknown."""
    try:
        applied = await read_history(conn)
    except DibsError as exc:
        return [exc.message.splitlines()[0]], {}
    try:
        partials = await read_partials(conn)
    except (DibsError, asyncpg.PostgresError):
        partials = {}
    counts = {t.name: sum(1 for m in applied.applied if m.source in (t.name, t.tool)) for t in applied.tables}
    return [
        f"{t.schema}.{t.name} ({t.tool}) records {counts[t.name]} applied migration(s) but no per-table changes"
        for t in applied.tables
        if t.name not in ("__dibs_migrations", "_dibs_migrations")
    ], partials


def _unknown(message: str) -> int:
    print(f"dibs-tui: {safe(message)}", file=sys.stderr)
    return EXIT_UNKNOWN


def find_object(catalog: Catalog, index: HistoryIndex, text: str) -> TableHistory | ColumnHistory:
    """The live table or column `text` names, else a table only the history remembers (dropped)."""
    try:
        ref = resolve(catalog, text)
    except UnknownObject as unknown:
        parts, _ = split_name(text.strip())
        key = index.key(parts[0]) if len(parts) == 1 else (parts[0], parts[1]) if len(parts) == 2 else None
        dropped = index.table(*key) if key else None
        if dropped is None:
            raise UnknownObject(_gone_column(catalog, index, parts) or str(unknown)) from None
        return dropped
    if ref.kind == "column":
        relation = catalog.relation(ref.schema, ref.name)
        return index.column(ref.schema, ref.name, ref.sub) or ColumnHistory(
            ref.schema, ref.name, ref.sub, None, None, relation is not None
        )
    if ref.kind != "table":
        raise UnknownObject(f"{text} is a {ref.kind}: history is recorded for tables and columns")
    return index.table(ref.schema, ref.name) or TableHistory(ref.schema, ref.name, (), (), True)


def _gone_column(catalog: Catalog, index: HistoryIndex, parts: list[str]) -> str:
    """For `table.column` (or `schema.table.column`) whose table is there but not the column: what can be said
    of it. The meta tables delete a dropped column's row with it, so no record names the migration that
    dropped it; the table's last recorded change is where to look."""
    if len(parts) not in (2, 3):
        return ""
    try:
        table = resolve(catalog, ".".join(quote_ident(p) for p in parts[:-1]))
    except UnknownObject:
        return ""
    if table.kind != "table":
        return ""
    name = f"{table.schema}.{table.name}"
    message = (
        f"{name} has no column {parts[-1]} now; a dropped column's meta row goes with it, so no record says "
        "which migration dropped it"
    )
    history = index.table(table.schema, table.name)
    changed = [e for e in history.events if e.change != "created"] if history else []
    if changed:
        message += f"; {name} was last changed by {changed[-1].migration} (dibs-tui history {name})"
    return message


def _applied(migration: Migration | None) -> str:
    if migration is None:
        return "not in the applied history"
    parts = [f"applied {migration.applied_at:%Y-%m-%d %H:%M:%S}" if migration.applied_at else "applied"]
    if migration.execution_time_ms is not None:
        parts.append(f"took {migration.execution_time_ms} ms")
    if migration.checksum:
        parts.append(f"checksum {migration.checksum[:12]}")
    parts.append(f"({migration.source})")
    return "  ".join(parts)


def _event_text(event: Event | None) -> str:
    if event is None:
        return "none recorded"
    return f"{safe(event.migration)}  {_applied(event.applied)}"


def _recorded(recorded_as: str, source: str) -> str:
    """Where the line comes from, and how the row spells the table (`users` or `public.users`): 'bare users'
    read as a word about the table."""
    where = "meta row" if source == "meta" else "history"
    if not recorded_as:
        return f"[{where}]"
    return f"[{where}: recorded as {safe(recorded_as)}]"


def as_text(found: TableHistory | ColumnHistory | MigrationHistory) -> list[str]:
    if isinstance(found, MigrationHistory):
        lines = [f"migration {safe(found.name)}", f"  {_applied(found.migration)}"]
        lines += [
            f"  {t.change:<10}{_touched_name(t)}  {_recorded(t.recorded_as, t.source)}" for t in found.touched
        ]
        if not found.touched:
            lines.append("  no table or column is recorded as touched by it")
        return lines
    if isinstance(found, ColumnHistory):
        return [
            f"column {safe(f'{found.schema}.{found.table}.{found.column}')}"
            + ("" if found.exists else "  (dropped: only a meta row remembers it)"),
            f"  created by       {_event_text(found.created)}",
            f"  last changed by  {_event_text(found.modified)}",
        ]
    lines = [
        f"table {safe(f'{found.schema}.{found.table}')}"
        + ("" if found.exists else "  (not in the database: only the history remembers it)")
    ]
    for e in found.events:
        lines.append(f"  {e.change:<10}{_event_text(e)}  {_recorded(e.recorded_as, e.source)}")
    if not found.events:
        lines.append("  no migration is recorded as creating, modifying or dropping it")
    if found.columns:
        lines.append("  columns:")
        width = max(len(safe(c.column)) for c in found.columns)
        for c in found.columns:
            created = safe(c.created.migration) if c.created else "-"
            modified = safe(c.modified.migration) if c.modified else "-"
            lines.append(f"    {safe(c.column):<{width}}  created by {created}  last changed by {modified}")
    return lines


def _touched_name(t: Touched) -> str:
    name = f"{t.kind} {t.schema}.{t.table}" + (f".{t.column}" if t.column else "")
    return safe(name) + ("" if t.exists else "  (gone)")


def _migration_json(migration: Migration | None) -> dict[str, Any] | None:
    if migration is None:
        return None
    return {
        "name": migration.name,
        "applied_at": migration.applied_at.isoformat() if migration.applied_at else None,
        "execution_time_ms": migration.execution_time_ms,
        "checksum": migration.checksum,
        "history_table": migration.source,
    }


def _event_json(event: Event | None) -> dict[str, Any] | None:
    if event is None:
        return None
    return {
        "migration": event.migration,
        "change": event.change,
        "recorded_as": event.recorded_as,
        "qualified": event.qualified,
        "from": event.source,
        "applied": _migration_json(event.applied),
    }


def _column_json(c: ColumnHistory) -> dict[str, Any]:
    return {
        "kind": "column",
        "object": f"{c.schema}.{c.table}.{c.column}",
        "exists": c.exists,
        "created_by": _event_json(c.created),
        "last_changed_by": _event_json(c.modified),
    }


def as_json(found: TableHistory | ColumnHistory | MigrationHistory) -> dict[str, Any]:
    if isinstance(found, MigrationHistory):
        return {
            "kind": "migration",
            "name": found.name,
            "applied": _migration_json(found.migration),
            "touched": [
                {
                    "kind": t.kind,
                    "object": f"{t.schema}.{t.table}" + (f".{t.column}" if t.column else ""),
                    "change": t.change,
                    "recorded_as": t.recorded_as or None,
                    "from": t.source,
                    "exists": t.exists,
                }
                for t in found.touched
            ],
        }
    if isinstance(found, ColumnHistory):
        return _column_json(found)
    return {
        "kind": "table",
        "object": f"{found.schema}.{found.table}",
        "exists": found.exists,
        "timeline": [_event_json(e) for e in found.events],
        "columns": [_column_json(c) for c in found.columns],
    }
