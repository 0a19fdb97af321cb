"""What an apply left behind, kept on the server: which segments of a migration committed, which failed, and
the INVALID indexes a failed `CREATE INDEX CONCURRENTLY` leaves.

`__dibs_migration_segments` sits beside `__dibs_migrations`, in the same schema. A migration that is one
transaction never writes to it: it commits with its history row or not at all. Otherwise each committed
transaction segment writes its row inside its own transaction, so the record and the database never disagree
about it; a statement run alone is marked `running` before it runs and `committed` right after. The row of a
failed segment names its error and leftovers; it stays only when something of the migration stays (a
committed segment, an INVALID index). When the last segment commits, the history row is written and the
segment rows are deleted, together. A row's checksum is its segment's statements' (records written before
that hold the whole file's): a rerun checks that what committed is still what the file says.

Everything here is looked up through the catalog with schema-qualified names, never through search_path.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

import asyncpg

from ..connect import ConnectionTarget, connect
from ..errors import DibsError
from ..sql import qualified, quote_ident, quote_literal, requoted
from ..terminal import safe
from .history import HistoryTable, find_history_tables
from .segments import first_segments

SEGMENTS_TABLE = "__dibs_migration_segments"

_SEGMENTS_DDL = """CREATE TABLE IF NOT EXISTS {table} (
    migration TEXT NOT NULL,
    segment INTEGER NOT NULL,
    segments INTEGER NOT NULL,
    checksum TEXT NOT NULL,
    first_statement INTEGER NOT NULL,
    last_statement INTEGER NOT NULL,
    first_line INTEGER NOT NULL,
    last_line INTEGER NOT NULL,
    outcome TEXT NOT NULL CHECK (outcome IN ('running', 'committed', 'failed')),
    error TEXT,
    leftovers TEXT[] NOT NULL DEFAULT '{{}}',
    recorded_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (migration, segment)
)"""

_TABLE_SQL = """
SELECT c.relkind::text AS kind, c.relhasrules AS rules,
       EXISTS (SELECT 1 FROM pg_catalog.pg_trigger t WHERE t.tgrelid = c.oid AND NOT t.tgisinternal) AS triggers,
       ARRAY(SELECT a.attname::text FROM pg_catalog.pg_attribute a
             WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum) AS columns
FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = $1 AND c.relname = $2
"""
_COLUMNS = (
    "migration",
    "segment",
    "segments",
    "checksum",
    "first_statement",
    "last_statement",
    "first_line",
    "last_line",
    "outcome",
    "error",
    "leftovers",
    "recorded_at",
)


_INVALID_INDEXES_SQL = """
SELECT i.indexrelid::bigint AS oid,
       pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(c.relname) AS name
FROM pg_catalog.pg_index i
JOIN pg_catalog.pg_class c ON c.oid = i.indexrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE NOT i.indisvalid
"""

_INDEX_NAMES_SQL = """
SELECT pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(c.relname) AS name
FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('i', 'I')
  AND pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(c.relname) = ANY($1::text[])
"""


@dataclass(frozen=True)
class PartialApply:
    """A migration some of whose segments committed (or whose failure left an INVALID index behind)."""

    migration: str
    segments: int
    committed: tuple[int, ...]
    ranges: tuple[tuple[int, int], ...]  # (first, last) statement of each committed segment
    # Each committed segment's checksum (its statements'; the whole file's in records older than that).
    checksums: tuple[str, ...] = ()
    failed: int | None = None
    error: str | None = None
    leftovers: tuple[str, ...] = ()
    recorded_at: datetime | None = None
    running: int | None = None  # a statement run alone that was started and never reported

    @property
    def resume_at(self) -> int:
        """The 1-based segment a rerun starts with."""
        return max(self.committed, default=0) + 1

    def describe(self) -> list[str]:
        """What an earlier run left of the migration, in a few lines (the Migrations pane shows them). The error
        and the index names are the segments table's, which anyone who may write it writes: escaped here."""
        lines: list[str] = []
        when = f" on {self.recorded_at:%Y-%m-%d %H:%M:%S %Z}" if self.recorded_at else ""
        if self.committed:
            last = max(self.committed)
            done = first_segments(last)
            lines.append(
                f"partially applied: {done} of {self.segments} committed{when}; migrate resumes at segment "
                f"{self.resume_at} while {done} stay{'s' if last == 1 else ''} unchanged in the file"
            )
        if self.running is not None:
            lines.append(
                f"segment {self.running} was started by a run that ended before it reported: whether it took "
                "effect is unknown, and migrate refuses until that is settled"
            )
        if self.failed is not None:
            lines.append(f"segment {self.failed} failed: {safe(str(self.error))}")
        lines += [
            f"INVALID index left behind: {requoted(n)}; clean it with: DROP INDEX CONCURRENTLY {requoted(n)};"
            for n in self.leftovers
        ]
        return lines


async def history_table(conn: asyncpg.Connection) -> HistoryTable | None:
    return next((t for t in await find_history_tables(conn) if t.name == "__dibs_migrations"), None)


async def _existing(conn: asyncpg.Connection, schema: str) -> bool:
    """Whether our table is there; a relation of its name that is not it is refused before anything runs:
    writing to it could run someone else's trigger or rule with the applier's rights."""
    row = await conn.fetchrow(_TABLE_SQL, schema, SEGMENTS_TABLE)
    if row is None:
        return False
    problem = ""
    if row["kind"] != "r":
        problem = "it is not a plain table"
    elif row["triggers"] or row["rules"]:
        problem = "it has triggers or rules, which would run with the applier's rights"
    elif tuple(row["columns"]) != _COLUMNS:
        problem = f"its columns are {', '.join(row['columns'])}"
    if problem:
        raise DibsError(
            f"{qualified(schema, SEGMENTS_TABLE)} exists but is not dibs-tui's record of partial applies: {problem}",
            hint="rename or drop it, then migrate again; nothing was applied",
        )
    return True


async def segments_table(conn: asyncpg.Connection, history: HistoryTable | None) -> str | None:
    """The qualified name of the segments table beside `history`, if it exists."""
    if history is None or not await _existing(conn, history.schema):
        return None
    return qualified(history.schema, SEGMENTS_TABLE)


async def check_segments_table(conn: asyncpg.Connection) -> None:
    """Refuse, before anything runs, a relation of our table's name that is not our table."""
    from ..session_limits import current_limits

    history = await history_table(conn)
    await _existing(conn, history.schema if history is not None else current_limits().meta_schema)


async def ensure_segments_table(conn: asyncpg.Connection, history: HistoryTable) -> str:
    table = qualified(history.schema, SEGMENTS_TABLE)
    if not await _existing(conn, history.schema):
        await conn.execute(_SEGMENTS_DDL.format(table=table))
    return table


async def read_partials(conn: asyncpg.Connection) -> dict[str, PartialApply]:
    """Every migration with segment rows, by name."""
    table = await segments_table(conn, await history_table(conn))
    if table is None:
        return {}
    rows = await conn.fetch(
        f"SELECT migration, segment, segments, checksum, first_statement, last_statement, outcome, error, "
        f"leftovers, recorded_at FROM {table} ORDER BY migration, segment"
    )
    found: dict[str, PartialApply] = {}
    for name in dict.fromkeys(r["migration"] for r in rows):
        mine = [r for r in rows if r["migration"] == name]
        committed = [r for r in mine if r["outcome"] == "committed"]
        failed = next((r for r in mine if r["outcome"] == "failed"), None)
        running = next((r["segment"] for r in mine if r["outcome"] == "running"), None)
        found[name] = PartialApply(
            migration=name,
            segments=mine[-1]["segments"],
            committed=tuple(r["segment"] for r in committed),
            ranges=tuple((r["first_statement"], r["last_statement"]) for r in committed),
            checksums=tuple(r["checksum"] for r in committed),
            failed=failed["segment"] if failed else None,
            error=failed["error"] if failed else None,
            leftovers=tuple(failed["leftovers"] or ()) if failed else (),
            recorded_at=max(r["recorded_at"] for r in mine),
            running=running,
        )
    return found


async def record_segment(
    conn: asyncpg.Connection,
    table: str,
    *,
    migration: str,
    checksum: str,
    segment: int,
    segments: int,
    statements: tuple[int, int],
    lines: tuple[int, int],
    error: str | None = None,
    leftovers: Sequence[str] = (),
    running: bool = False,
) -> None:
    """One segment's outcome: committed when `error` is None, else failed with its error and leftovers;
    `running` before a statement run alone (replaced by its outcome once known)."""
    await conn.execute(
        f"INSERT INTO {table} (migration, segment, segments, checksum, first_statement, last_statement, "
        f"first_line, last_line, outcome, error, leftovers) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) "
        f"ON CONFLICT (migration, segment) DO UPDATE SET segments = EXCLUDED.segments, "
        f"checksum = EXCLUDED.checksum, first_statement = EXCLUDED.first_statement, "
        f"last_statement = EXCLUDED.last_statement, first_line = EXCLUDED.first_line, "
        f"last_line = EXCLUDED.last_line, outcome = EXCLUDED.outcome, error = EXCLUDED.error, "
        f"leftovers = EXCLUDED.leftovers, recorded_at = now()",
        migration,
        segment,
        segments,
        checksum,
        *statements,
        *lines,
        "running" if running else "committed" if error is None else "failed",
        error,
        list(leftovers),
    )


async def forget(conn: asyncpg.Connection, table: str, migration: str, *, failed_only: bool = False) -> None:
    """Drop a migration's segment rows (all of them once it is applied; the failed one when resuming)."""
    extra = " AND outcome = 'failed'" if failed_only else ""
    await conn.execute(f"DELETE FROM {table} WHERE migration = $1{extra}", migration)


async def forget_segment(conn: asyncpg.Connection, table: str, migration: str, segment: int) -> None:
    await conn.execute(f"DELETE FROM {table} WHERE migration = $1 AND segment = $2", migration, segment)


def settle_running(table: str, migration: str, segment: int) -> tuple[str, str]:
    """The two ways to settle a segment left running: record it as done, or forget it (then it runs again)."""
    where = f"WHERE migration = {quote_literal(migration)} AND segment = {segment}"
    return (
        f"UPDATE {table} SET outcome = 'committed', error = NULL {where};",
        f"DELETE FROM {table} {where};",
    )


async def invalid_indexes(conn: asyncpg.Connection) -> dict[int, str]:
    """INVALID indexes (oid -> schema-qualified, quoted name), as pg_index says."""
    return {r["oid"]: r["name"] for r in await conn.fetch(_INVALID_INDEXES_SQL)}


_INVALID_NAMED_SQL = """
SELECT pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(c.relname) AS name
FROM pg_catalog.pg_index i
JOIN pg_catalog.pg_class c ON c.oid = i.indexrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE NOT i.indisvalid AND c.relname = $1
  AND c.relnamespace = (SELECT t.relnamespace FROM pg_catalog.pg_class t WHERE t.oid = pg_catalog.to_regclass($2))
"""


async def invalid_index_kept(conn: asyncpg.Connection, text: str) -> str | None:
    """The INVALID index a `CREATE INDEX ... IF NOT EXISTS` that just ran skipped over (it only checks the
    name): the statement succeeded, the index enforces and serves nothing. None for any other statement."""
    upper = text.upper()
    if "EXISTS" not in upper or "INDEX" not in upper:
        return None  # the common case, without a parse
    from ..sqlparse import statement_info

    info = statement_info(text)
    if info is None or info.node_type != "IndexStmt":
        return None
    body = info.body
    relation = body.get("relation") or {}
    if not body.get("if_not_exists") or not body.get("idxname") or not relation.get("relname"):
        return None
    table = ".".join(quote_ident(p) for p in (relation.get("schemaname"), relation["relname"]) if p)
    found: str | None = await conn.fetchval(_INVALID_NAMED_SQL, body["idxname"], table)
    return found


async def still_there(conn: asyncpg.Connection, names: Sequence[str]) -> list[str]:
    """Which of these indexes (qualified names as `invalid_indexes` gives them) still exist."""
    if not names:
        return []
    rows = await conn.fetch(_INDEX_NAMES_SQL, list(names))
    present = {r["name"] for r in rows}
    return [n for n in names if n in present]


async def read_partials_at(target: ConnectionTarget) -> dict[str, PartialApply]:
    """Every partial record on `target`, each INVALID index listed only while it exists (status, the pane)."""
    conn = await connect(target, read_only=True)
    try:
        found = await read_partials(conn)
        for name, partial in found.items():
            if partial.leftovers:
                found[name] = replace(partial, leftovers=tuple(await still_there(conn, partial.leftovers)))
        return found
    finally:
        await conn.close()


async def read_partial(target: ConnectionTarget, migration: str) -> PartialApply | None:
    """The partial record of one migration, or None."""
    return (await read_partials_at(target)).get(migration)
