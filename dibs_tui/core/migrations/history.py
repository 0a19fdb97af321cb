"""The applied history: which history tables exist (ONE catalog query) and every migration they record.

Read from `__dibs_migrations` (either shape), `_dibs_migrations`, and, read-only, the tables of other tools
(`alembic_version`, `schema_migrations`, `flyway_schema_history`, `_sqlx_migrations`, `_prisma_migrations`,
`goose_db_version`: one reader per tool in `tool_histories.py`).
"""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg

from ..meta_tables import find_tables
from ..model_meta import Migration
from ..session_limits import current_limits
from ..sql import quote_ident
from .tool_histories import TABLES as HISTORY_TABLES
from .tool_histories import read_table, tool_of

# "dibs" in ASCII: the key every dibs-tui applier takes with pg_advisory_lock(bigint). Documented: other tools
# may take it too to keep out of a running `dibs-tui migrate`.
# `init` records the schema it found as the migration "initial", which has no file: the folder starts after it.
INIT_SNAPSHOT = "initial"
ADVISORY_LOCK_KEY = 0x64696273


@dataclass(frozen=True)
class HistoryTable:
    """A history table that exists, with its columns (name -> type)."""

    name: str
    schema: str
    columns: dict[str, str]

    @property
    def qualified(self) -> str:
        return f"{quote_ident(self.schema)}.{quote_ident(self.name)}"

    @property
    def tool(self) -> str:
        return tool_of(self.name, self.columns)


@dataclass(frozen=True)
class History:
    """Applied history from every history table present; `tables` says which exist."""

    tables: tuple[HistoryTable, ...] = ()
    applied: tuple[Migration, ...] = ()
    dirty: tuple[str, ...] = ()  # golang-migrate versions left dirty, flyway failures, unfinished prisma runs
    notes: tuple[str, ...] = ()  # look-alike tables ignored (core.meta_tables)

    def table(self, name: str) -> HistoryTable | None:
        return next((t for t in self.tables if t.name == name), None)


async def find_history_tables(conn: asyncpg.Connection) -> tuple[HistoryTable, ...]:
    """ONE catalog query: which history tables exist as tables in the meta schema."""
    return (await find_history_tables_noted(conn))[0]


async def find_history_tables_noted(conn: asyncpg.Connection) -> tuple[tuple[HistoryTable, ...], list[str]]:
    """The history tables, and a note for each look-alike ignored (core.meta_tables). A table with a column
    of a user-defined type or a computed column is ignored too: reading it could run its owner's code."""
    found, notes = await find_tables(conn, HISTORY_TABLES, current_limits().meta_schema)
    tables: list[HistoryTable] = []
    for name in HISTORY_TABLES:
        if (table := found.get(name)) is None:
            continue
        odd = sorted(c for c, oid in table.type_oids.items() if oid >= 16384) + sorted(table.computed)
        if odd:
            notes.append(
                f"{table.shown}: column(s) {', '.join(odd)} of a user-defined type or computed: ignored"
            )
            continue
        tables.append(HistoryTable(name, table.schema, dict(table.types)))
        if name == "__dibs_migrations" and "checksum" not in table.types:
            notes.append(_no_checksum(tables[-1]))
    return tuple(tables), notes


def _no_checksum(table: HistoryTable) -> str:
    """A history without checksums cannot tell an applied migration edited since (status, migrate's
    warning) or one renamed (migrate's refusal, which keeps it from running twice): said, not refused, since
    such a table is read as it is (its other columns may lack too); the column added, migrate records it."""
    return (
        f"{table.qualified} has no checksum column: an applied migration edited or renamed since cannot be told "
        f"(migrate could run a renamed one again); add it and migrate records one for each migration it applies "
        f"from then on: ALTER TABLE {table.qualified} ADD COLUMN checksum text;"
    )


async def read_history(conn: asyncpg.Connection) -> History:
    """Every applied migration any present tool records; no history table at all is an empty history."""
    tables, notes = await find_history_tables_noted(conn)
    applied: list[Migration] = []
    dirty: list[str] = []
    alone = not conn.is_in_transaction()
    async with conn.transaction(isolation="repeatable_read", readonly=True):
        if alone:  # our readers' operators and casts resolve in pg_catalog, whatever the session's path
            await conn.execute("SET LOCAL search_path = pg_catalog; SET LOCAL row_security = off")
        for table in tables:
            rows, bad = await read_table(conn, table)
            applied += rows
            dirty += bad
    known = {m.name for m in applied if m.source == "__dibs_migrations"}
    applied = [m for m in applied if m.source != "_dibs_migrations" or m.name not in known]
    return History(tables, tuple(applied), tuple(dirty), tuple(notes))
