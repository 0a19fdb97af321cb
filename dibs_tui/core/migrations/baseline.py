"""A baseline: record every migration up to a version as applied, without running it.

For a database whose schema predates the history table (made by hand, by psql, by another tool): the
migrations that built it are recorded in `__dibs_migrations` with their checksums, in one transaction, under
the appliers' advisory lock, so that only the later ones are pending. The version is data: it is compared
with file names only, never put into SQL text. Refused when it names no file, when the history already has
migrations past it, or when the history has unfinished runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import asyncpg

from ..connect import ConnectionTarget, connect
from ..errors import DibsError
from .apply_history import _ensure_history_table, _record, acquire_lock
from .apply_outcome import AppliedMigration, ApplyEvent
from .apply_record import PartialApply, read_partials
from .files import MigrationFile
from .history import ADVISORY_LOCK_KEY, HISTORY_TABLES, History, find_history_tables, read_history
from .layouts import list_migration_files, version_of
from .status import MigrationState, migration_status


@dataclass(frozen=True)
class BaselinePlan:
    """What a baseline at `version` records (`record`) and leaves as it is (`already`: applied before)."""

    version: str
    upto: str  # the migration the version names
    record: tuple[MigrationFile, ...]
    already: tuple[str, ...]

    def summary(self) -> str:
        if not self.record:
            return f"nothing to record: every migration up to {self.upto} is already applied"
        names = ", ".join(f.name for f in self.record)
        return f"recorded {len(self.record)} migration(s) up to {self.upto} as applied without running them: {names}"


def _upto(files: Sequence[MigrationFile], version: str, folder: Path) -> int:
    """Index of the last file the version names: its exact name, else its version number (`8` = `008_x`)."""
    exact = [i for i, f in enumerate(files) if f.name == version]
    if not exact and version.strip().isdigit():
        number = int(version.strip())
        exact = [i for i, f in enumerate(files) if version_of(f.name) == number]
    if not exact:
        raise DibsError(
            f"baseline {version!r} matches no migration in {folder}",
            hint="give a migration's file name (without .sql) or its leading version number",
        )
    return max(exact)


def plan_baseline(
    files: Sequence[MigrationFile],
    history: History,
    version: str,
    folder: Path,
    partials: dict[str, PartialApply] | None = None,
) -> BaselinePlan:
    """Which files a baseline records; a DibsError when the history is past the version or unfinished, or a
    file it would record was partly applied by migrate (`partials`: its segment records): recorded as
    applied, its segments that never ran would never run."""
    if history.dirty:
        raise DibsError(
            f"the history has unfinished or failed migrations: {', '.join(map(repr, history.dirty))}",
            hint="fix them with the tool that ran them before recording a baseline",
        )
    index = _upto(files, version, folder)
    statuses = migration_status(files, history)
    kept = {f.name for f in files[: index + 1]}
    done = (MigrationState.APPLIED, MigrationState.CHANGED)
    limit = version_of(files[index].name)
    past = [s.name for s in statuses if s.file is not None and s.file.name not in kept and s.state in done]
    past += [
        s.name
        for s in statuses
        if s.state in (MigrationState.MISSING, MigrationState.SQUASHED)
        and limit is not None
        and (v := version_of(s.name)) is not None
        and v > limit
    ]
    if past:
        raise DibsError(
            f"the history already has migrations past {files[index].name}: {', '.join(map(repr, past[:5]))}",
            hint="a baseline only records what comes before every applied migration",
        )
    record = tuple(
        s.file for s in statuses if s.file is not None and s.file.name in kept and s.state not in done
    )
    begun = [f.name for f in record if f.name in (partials or {})]
    if begun:
        what = (partials or {})[begun[0]].describe() or ["partially applied"]
        raise DibsError(
            f"refusing to record {begun[0]} as applied: migrate applied it in part "
            f"({what[0].removeprefix('partially applied: ')}); a baseline would skip the segments that did "
            "not run",
            hint="run `dibs-tui migrate` to resume it, after fixing the segment that failed",
        )
    already = tuple(
        s.name for s in statuses if s.file is not None and s.file.name in kept and s.state in done
    )
    return BaselinePlan(version, files[index].name, record, already)


def _quiet(event: ApplyEvent) -> None:
    del event


async def record_baseline(
    target: ConnectionTarget, folder: Path, version: str, *, dry_run: bool = False
) -> BaselinePlan:
    """Plan under the appliers' lock, then record the plan's rows in one transaction (unless `dry_run`)."""
    files = list_migration_files(folder)
    conn = await connect(target, read_only=dry_run)
    try:
        if dry_run:
            return plan_baseline(files, await read_history(conn), version, folder, await read_partials(conn))
        await conn.execute("SELECT set_config('application_name', 'dibs-tui baseline', false)")
        await acquire_lock(conn, _quiet, wait=False)
        try:
            plan = plan_baseline(files, await read_history(conn), version, folder, await read_partials(conn))
            if plan.record:
                await _write(conn, plan)
            return plan
        finally:
            if not conn.is_closed():
                await conn.execute("SELECT pg_advisory_unlock($1::bigint)", ADVISORY_LOCK_KEY)
    finally:
        await conn.close()


async def _write(conn: asyncpg.Connection, plan: BaselinePlan) -> None:
    """Every row of the plan in one transaction; a refusal by the server rolls all of them back."""
    try:
        async with conn.transaction():
            table = await _ensure_history_table(conn)
            versions = next(
                (t for t in await find_history_tables(conn) if t.name == "_dibs_migrations"), None
            )
            for file in plan.record:
                await _record(conn, table, file, AppliedMigration(file.name, 0), versions)
    except asyncpg.PostgresError as exc:
        raise DibsError(f"baseline not recorded (nothing was written): {exc}") from None


_USER_TABLES_SQL = """
SELECT count(*) FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname NOT LIKE 'pg\\_%' AND c.relname NOT LIKE '\\_\\_dibs\\_%' AND NOT (c.relname = ANY($1::text[]))
  AND NOT EXISTS (SELECT FROM pg_catalog.pg_depend d WHERE d.classid = 'pg_catalog.pg_class'::regclass
                  AND d.objid = c.oid AND d.deptype = 'e')
"""


async def baseline_fits(conn: asyncpg.Connection, history: History) -> bool:
    """A baseline is worth offering: the history is empty and the schema is not, and migrate has not begun
    applying a migration (its segment records: the schema there is partly its work)."""
    if history.applied or await read_partials(conn):
        return False
    count = await conn.fetchval(
        _USER_TABLES_SQL, [*HISTORY_TABLES, "goose_db_version", "ar_internal_metadata"]
    )
    return bool(count)


async def offer_baseline(target: ConnectionTarget, history: History) -> bool:
    """For the Migrations pane: is a baseline worth offering on this database (read-only check)?"""
    if history.applied:
        return False
    conn = await connect(target, read_only=True)
    try:
        return await baseline_fits(conn, history)
    finally:
        await conn.close()
