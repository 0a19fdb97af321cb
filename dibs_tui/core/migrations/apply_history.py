"""The appliers' lock and the history rows: who holds the lock, what a migration changed, its row.

`acquire_lock` takes the session-level advisory lock every applier takes (`ADVISORY_LOCK_KEY`); `_record`
writes the `__dibs_migrations` row (and `_dibs_migrations`, when the real dibs's table is there too) in
whatever shape the table has.
"""

from __future__ import annotations

from typing import Any

import asyncpg

from ..errors import DibsError
from ..sql import quote_ident
from .apply_outcome import AppliedMigration, ApplyEvent, ProgressCallback
from .files import GENERATED_MARKER, MigrationFile
from .history import ADVISORY_LOCK_KEY, HistoryTable, find_history_tables

# -- lock ----------------------------------------------------------------------------------------------------


async def _lock_holder(conn: asyncpg.Connection) -> str:
    row = await conn.fetchrow(
        """
        SELECT a.pid, a.application_name, a.client_addr::text AS addr, a.usename::text AS usename,
               a.backend_start, l.granted, a.query_start, a.state
        FROM pg_catalog.pg_locks l JOIN pg_catalog.pg_stat_activity a ON a.pid = l.pid
        WHERE l.locktype = 'advisory' AND l.granted AND l.classid = $1 AND l.objid = $2 AND l.objsubid = 1
        """,
        (ADVISORY_LOCK_KEY >> 32) & 0xFFFFFFFF,
        ADVISORY_LOCK_KEY & 0xFFFFFFFF,
    )
    if row is None:
        return "another session"
    who = f"pid {row['pid']}"
    if row["application_name"]:
        who += f" ({row['application_name']})"
    if row["usename"]:
        who += f" as {row['usename']}"
    who += f" from {row['addr'] or 'local socket'}"
    if row["backend_start"]:
        who += f", connected since {row['backend_start']:%Y-%m-%d %H:%M:%S %Z}"
    return who


async def acquire_lock(conn: asyncpg.Connection, progress: ProgressCallback, *, wait: bool = True) -> None:
    """Take the applier lock; if busy, say who holds it, then wait for it (or refuse when `wait` is False)."""
    if await conn.fetchval("SELECT pg_try_advisory_lock($1::bigint)", ADVISORY_LOCK_KEY):
        return
    holder = await _lock_holder(conn)
    if not wait:
        raise DibsError(
            f"another migrate is running: the migrations lock is held by {holder}",
            hint="wait for it to finish, then run migrate again",
        )
    progress(ApplyEvent("waiting-for-lock", f"waiting for the migrations lock held by {holder}"))
    await conn.execute("SET lock_timeout = 0")
    await conn.execute("SELECT pg_advisory_lock($1::bigint)", ADVISORY_LOCK_KEY)
    progress(ApplyEvent("locked", "got the migrations lock"))


# -- history rows ------------------------------------------------------------------------------------------

_TABLE_SIGNATURES_SQL = """
SELECT CASE WHEN n.nspname = 'public' THEN c.relname::text ELSE n.nspname || '.' || c.relname END AS name,
       md5(concat_ws('|',
         (SELECT string_agg(a.attname || ' ' || format_type(a.atttypid, a.atttypmod) || ' ' || a.attnotnull
                            || ' ' || coalesce(pg_get_expr(d.adbin, d.adrelid), ''), ',' ORDER BY a.attnum)
          FROM pg_catalog.pg_attribute a
          LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
          WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped),
         (SELECT string_agg(conname || pg_get_constraintdef(k.oid), ',' ORDER BY conname)
          FROM pg_catalog.pg_constraint k WHERE k.conrelid = c.oid),
         (SELECT string_agg(pg_get_indexdef(i.indexrelid), ',' ORDER BY i.indexrelid::regclass::text)
          FROM pg_catalog.pg_index i WHERE i.indrelid = c.oid),
         (SELECT string_agg(t.tgname, ',' ORDER BY t.tgname) FROM pg_catalog.pg_trigger t
          WHERE t.tgrelid = c.oid AND NOT t.tgisinternal),
         obj_description(c.oid, 'pg_class'))) AS signature
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') AND NOT c.relispartition
  AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'
  AND c.relname NOT LIKE '\\_\\_dibs\\_%' AND c.relname NOT IN ('_dibs_migrations', 'alembic_version',
      'schema_migrations', 'flyway_schema_history', '_sqlx_migrations', '_prisma_migrations')
"""


async def _table_signatures(conn: asyncpg.Connection) -> dict[str, str]:
    return {r["name"]: r["signature"] for r in await conn.fetch(_TABLE_SIGNATURES_SQL)}


def _compare_tables(before: dict[str, str], after: dict[str, str]) -> tuple[tuple[str, ...], ...]:
    created = tuple(sorted(set(after) - set(before)))
    dropped = tuple(sorted(set(before) - set(after)))
    modified = tuple(sorted(t for t in set(before) & set(after) if before[t] != after[t]))
    return created, modified, dropped


async def _ensure_history_table(conn: asyncpg.Connection) -> HistoryTable:
    from ..meta import meta_tables_ddl
    from ..session_limits import current_limits

    tables = await find_history_tables(conn)
    existing = next((t for t in tables if t.name == "__dibs_migrations"), None)
    if existing is not None:
        return existing
    await conn.execute(meta_tables_ddl(current_limits().meta_schema))  # where find_history_tables looks
    tables = await find_history_tables(conn)
    created = next((t for t in tables if t.name == "__dibs_migrations"), None)
    if created is None:  # pragma: no cover - the DDL above creates it
        raise DibsError("could not create __dibs_migrations")
    return created


async def _record(
    conn: asyncpg.Connection,
    table: HistoryTable,
    file: MigrationFile,
    applied: AppliedMigration,
    dibs_versions: HistoryTable | None,
) -> None:
    values: dict[str, Any] = {
        "name": file.name,
        "checksum": file.checksum,
        "execution_time_ms": applied.execution_time_ms,
        "tables_created": list(applied.tables_created),
        "tables_modified": list(applied.tables_modified),
        "tables_dropped": list(applied.tables_dropped),
        "generated_from_diff": GENERATED_MARKER in file.text,
    }
    present = {k: v for k, v in values.items() if k in table.columns}
    columns = ", ".join(quote_ident(k) for k in present)
    params = ", ".join(f"${i}" for i in range(1, len(present) + 1))
    await conn.execute(f"INSERT INTO {table.qualified} ({columns}) VALUES ({params})", *present.values())
    if dibs_versions is not None:
        await conn.execute(
            f"INSERT INTO {dibs_versions.qualified} (version) VALUES ($1) ON CONFLICT DO NOTHING", file.name
        )
