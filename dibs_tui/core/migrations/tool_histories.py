"""Other tools' migration histories, read-only: ONE table of readers, one row per tool.

Each reader is a SELECT that yields the same columns for every tool (name, applied_at, checksum,
execution_time_ms, dirty) from that tool's table, and the tool's own notion of "current": Alembic's
`version_num` rows (the heads), Flyway's highest successful version, goose's highest applied `version_id`
(the latest row of a version decides), sqlx's highest successful version, Prisma's last finished and not
rolled-back migration, golang-migrate's single version, Rails' and dbmate's highest `schema_migrations`
version. Rails and dbmate share the table name: dbmate's `version` is `varchar(128)`, Rails' is unbounded.

Tables are found by catalog OID lookup in `migrations.find_history_tables` and named here fully quoted;
nothing is ever written to another tool's table.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

import asyncpg

from ..errors import DibsError
from ..model_meta import Migration
from ..sql import quote_ident

if TYPE_CHECKING:
    from .history import History, HistoryTable


def _version_key(name: str) -> tuple[int, ...]:
    """`1.10.2` > `1.9`: numbers compared as numbers; a name without digits sorts first."""
    parts = [int(p) for p in "".join(c if c.isdigit() else " " for c in name).split()]
    return tuple(parts)


def _highest(rows: Sequence[Migration], dirty: Sequence[str]) -> str | None:
    good = [m.name for m in rows if m.name not in set(dirty)]
    return max(good, key=_version_key) if good else None


def _last(rows: Sequence[Migration], dirty: Sequence[str]) -> str | None:
    good = [m.name for m in rows if m.name not in set(dirty)]
    return good[-1] if good else None


def _heads(rows: Sequence[Migration], dirty: Sequence[str]) -> str | None:
    del dirty
    return ", ".join(m.name for m in rows) or None


@dataclass(frozen=True)
class HistoryReader:
    """How to read one tool's table: `select` is a template over `{t}` (the quoted table) and `{c[...]}`."""

    tool: str
    label: str
    table: str
    select: str
    current: Callable[[Sequence[Migration], Sequence[str]], str | None]
    optional: tuple[str, ...] = ()  # columns some versions of the table lack: NULL when absent
    dirty_applied: bool = True  # a dirty row still counts as applied (golang-migrate, Flyway, sqlx)
    head_only: bool = False  # the table holds the latest version only: nothing of theirs is "missing"


_DIBS_COLUMNS = (
    "name, applied_at, checksum, execution_time_ms, tables_created, tables_modified, tables_dropped"
)

READERS: tuple[HistoryReader, ...] = (
    HistoryReader(
        "dibs-tui",
        "dibs-tui",
        "__dibs_migrations",
        "SELECT {c[name]}, {c[applied_at]}, {c[checksum]}, {c[execution_time_ms]}, {c[tables_created]}, "
        "{c[tables_modified]}, {c[tables_dropped]}, {c[generated_from_diff]}, false AS dirty FROM {t}",
        _last,
        optional=(*_DIBS_COLUMNS.split(", "), "generated_from_diff"),
    ),
    HistoryReader(
        "dibs",
        "dibs",
        "_dibs_migrations",
        "SELECT version::text AS name, {c[applied_at]}, false AS dirty FROM {t} ORDER BY version",
        _last,
        optional=("applied_at",),
    ),
    HistoryReader(
        "alembic",
        "Alembic",
        "alembic_version",
        "SELECT version_num::text AS name, false AS dirty FROM {t} ORDER BY version_num",
        _heads,
        head_only=True,
    ),
    HistoryReader(
        "golang-migrate",
        "golang-migrate",
        "schema_migrations",
        "SELECT version::text AS name, dirty FROM {t} ORDER BY version",
        _highest,
        head_only=True,
    ),
    HistoryReader(
        "rails",
        "Rails",
        "schema_migrations",
        "SELECT version::text AS name, false AS dirty FROM {t} ORDER BY version",
        _highest,
    ),
    HistoryReader(
        "dbmate",
        "dbmate",
        "schema_migrations",
        "SELECT version::text AS name, false AS dirty FROM {t} ORDER BY version",
        _highest,
    ),
    HistoryReader(
        "flyway",
        "Flyway",
        "flyway_schema_history",
        "SELECT coalesce(version, script) AS name, installed_on AS applied_at, checksum::text AS checksum, "
        "execution_time AS execution_time_ms, NOT success AS dirty FROM {t} "
        "WHERE type <> 'BASELINE' OR version IS NOT NULL ORDER BY installed_rank",
        _highest,
    ),
    HistoryReader(
        "sqlx",
        "sqlx",
        "_sqlx_migrations",
        "SELECT version::text AS name, installed_on AS applied_at, encode(checksum, 'hex') AS checksum, "
        "(execution_time / 1000000)::int AS execution_time_ms, NOT success AS dirty FROM {t} ORDER BY version",
        _highest,
    ),
    HistoryReader(
        "prisma",
        "Prisma",
        "_prisma_migrations",
        "SELECT migration_name AS name, finished_at AS applied_at, checksum, "
        "(extract(epoch FROM finished_at - started_at) * 1000)::int AS execution_time_ms, "
        "finished_at IS NULL AS dirty FROM {t} WHERE rolled_back_at IS NULL ORDER BY started_at",
        _last,
        dirty_applied=False,
    ),
    HistoryReader(
        "goose",
        "goose",
        "goose_db_version",
        "SELECT h.version_id::text AS name, h.tstamp AS applied_at, false AS dirty FROM {t} h "
        "WHERE h.version_id > 0 AND h.is_applied "
        "AND h.id = (SELECT max(l.id) FROM {t} l WHERE l.version_id = h.version_id) ORDER BY h.version_id",
        _highest,
    ),
)

BY_TOOL: Mapping[str, HistoryReader] = {r.tool: r for r in READERS}
# Every table name any reader reads, and the tables that only mark another tool's presence (Rails).
TABLES: tuple[str, ...] = tuple(dict.fromkeys(r.table for r in READERS))
TOOL_TABLES: tuple[str, ...] = (*TABLES, "ar_internal_metadata")


def tool_of(table: str, columns: Mapping[str, str]) -> str:
    """Which tool a history table belongs to, from its name and, for `schema_migrations`, its columns."""
    if table == "schema_migrations":
        if "dirty" in columns:
            return "golang-migrate"
        return "dbmate" if columns.get("version", "").endswith("(128)") else "rails"
    return next(r.tool for r in READERS if r.table == table)


def source_of(reader: HistoryReader) -> str:
    """What `Migration.source` says for this reader's rows (schema_migrations' share a table: the tool)."""
    return reader.tool if reader.table == "schema_migrations" else reader.table


def _when(value: Any) -> datetime | None:
    return value if isinstance(value, datetime) else None


def _texts(value: Any) -> tuple[str, ...]:
    return tuple(str(v) for v in value) if isinstance(value, list | tuple) else ()


class _Columns(dict[str, str]):
    """`{c[name]}` in a reader's SELECT: the quoted column, or `NULL AS name` when this table lacks it."""

    def __init__(self, present: Mapping[str, str]) -> None:
        super().__init__()
        self.present = present

    def __missing__(self, key: str) -> str:
        return quote_ident(key) if key in self.present else f"NULL AS {quote_ident(key)}"


async def read_table(conn: asyncpg.Connection, table: HistoryTable) -> tuple[list[Migration], list[str]]:
    """One history table's rows as `Migration`s, and the names its tool left unfinished or failed."""
    reader = BY_TOOL[table.tool]
    sql = reader.select.format(t=table.qualified, c=_Columns(table.columns))
    try:
        records = await conn.fetch(sql)
    except (asyncpg.LockNotAvailableError, asyncpg.QueryCanceledError):
        raise  # a wait given up on (lock_timeout, statement_timeout): said as such by the caller's bounds
    except asyncpg.InsufficientPrivilegeError as exc:
        role = quote_ident(getattr(conn.get_settings(), "session_authorization", None) or "CURRENT_USER")
        raise DibsError(
            f"cannot read {table.schema}.{table.name} as {reader.label}'s history: {exc}",
            hint=f"connect as a role that may read it (migrate also writes it), or: GRANT SELECT ON "
            f"{table.qualified} TO {role};",
        ) from None
    except asyncpg.PostgresError as exc:
        raise DibsError(
            f"cannot read {table.schema}.{table.name} as {reader.label}'s history: {exc}",
            hint="a table of that name that is not the tool's history: rename it, or leave it out with --migrations",
        ) from None
    rows: list[Migration] = []
    dirty: list[str] = []
    source = source_of(reader)
    for r in records:
        values = dict(r)
        name = str(values["name"])
        if values.get("dirty"):
            dirty.append(name)
            if not reader.dirty_applied:
                continue
        rows.append(
            Migration(
                name=name,
                applied_at=_when(values.get("applied_at")),
                checksum=values.get("checksum"),
                execution_time_ms=values.get("execution_time_ms"),
                tables_created=_texts(values.get("tables_created")),
                tables_modified=_texts(values.get("tables_modified")),
                tables_dropped=_texts(values.get("tables_dropped")),
                generated_from_diff=bool(values.get("generated_from_diff")),
                source=source,
            )
        )
    return rows, dirty


def current_versions(history: History) -> dict[str, str]:
    """Each present tool's notion of "current" (table name -> version text), for status and browse."""
    out: dict[str, str] = {}
    for table in history.tables:
        reader = BY_TOOL[table.tool]
        source = source_of(reader)
        rows = [m for m in history.applied if m.source == source]
        current = reader.current(rows, [d for d in history.dirty if any(m.name == d for m in rows)])
        if current is not None:
            out[table.name] = current
    return out


def head_only_sources() -> tuple[str, ...]:
    """Sources whose table holds only the latest version: their rows are never "missing" files."""
    return tuple(source_of(r) for r in READERS if r.head_only)


def describe_tables(history: History) -> str:
    """`alembic_version (alembic, current ae1027a6acf)` for each present table; empty when there is none."""
    current = current_versions(history)
    return ", ".join(
        f"{t.name} ({t.tool}" + (f", current {current[t.name]})" if t.name in current else ")")
        for t in history.tables
    )
