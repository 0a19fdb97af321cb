"""The desired side of a diff, turned into a Catalog by the same introspection as the live side.

SQL files are executed, statement by statement, in a shadow database: a throwaway database on the target's
server when our role may create one (CREATEDB or superuser), else a database on an embedded server in a temp
dir. The shadow is dropped afterwards whatever happens (error, Ctrl-C: `shadow_database` is an async context
manager whose cleanup runs in `finally`). A failing statement becomes a SourceError at the absolute
file:line:col of Postgres's error position, with its message, detail and hint.

Desired specs (`desired_catalog`): a DSN (`postgresql://…`: introspected read-only, nothing executed), a
migrations folder (`migrations:PATH`, or a folder whose .sql files have timestamp-like names: replayed in name
order from empty), or SQL files/folders (through `dibs_tui.core.sqlfiles.load_sql_files`).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import re
import secrets
import shutil
import tempfile
from collections.abc import AsyncIterator, Coroutine, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import asyncpg

from .connect import ConnectionTarget, connect, resolve, with_database
from .errors import DibsError, SourceError
from .model import Catalog
from .tool_tables import writes_tool_history
from .sql import quote_ident

if TYPE_CHECKING:
    from .sqlfiles import DesiredSchema

_MIGRATION_NAME = re.compile(r"^\d{3,}")


async def introspect_target(
    target: ConnectionTarget, *, include_schemas: Sequence[str] = (), exclude_schemas: Sequence[str] = ()
) -> Catalog:
    """Read-only introspection of one database, with which meta tables it has and its applied history.

    Provenance is not attached: the diff compares schemas, not where they were written down. What the meta
    tables are (present or not) matters to `generate`, which creates the missing ones.
    """
    from dataclasses import replace

    from .catalog import read_catalog
    from .model import MetaState
    from .session import bounded, catalog_settings

    # Two connections: the catalog queries run in two groups at once (see core.catalog). Both are catalog
    # sessions (core.session): search_path pinned to pg_catalog, lock and statement timeouts.
    bounds = catalog_settings()
    conns = await asyncio.gather(
        *(connect(target, read_only=True, extra_settings=bounds) for _ in range(2)), return_exceptions=True
    )
    opened = [c for c in conns if isinstance(c, asyncpg.Connection)]
    try:
        for failure in conns:
            if isinstance(failure, BaseException):
                raise failure
        async with bounded(opened[0]):
            catalog, snapshot = await read_catalog(
                opened[0],
                include_schemas=tuple(include_schemas),
                exclude_schemas=tuple(exclude_schemas),
                extra_connections=opened[1:],
            )
    finally:
        await asyncio.gather(*(c.close() for c in opened))
    return replace(
        catalog,
        meta=MetaState(
            tables_present=snapshot.tables_present, migrations=snapshot.migrations, notes=snapshot.notes
        ),
    )


async def _may_create_database(target: ConnectionTarget) -> bool:
    try:
        conn = await connect(target, read_only=True)
    except DibsError:
        return False
    try:
        allowed = await conn.fetchval(
            "SELECT rolcreatedb OR rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user"
        )
        return bool(allowed)
    finally:
        await conn.close()


_STARTER = concurrent.futures.ThreadPoolExecutor(max_workers=2, thread_name_prefix="dibs-shadow")


@asynccontextmanager
async def shadow_database(target: ConnectionTarget | None) -> AsyncIterator[ConnectionTarget]:
    """A fresh empty database (its target), on `target`'s server if allowed, else on an embedded server.

    Cleanup survives cancellation (Ctrl-C): the database is dropped under a shield, and an embedded server is
    stopped synchronously in the outermost `finally`, which a CancelledError raised by an inner await
    cannot skip; its temp dir goes with it.
    """
    name = f"dibs_shadow_{secrets.token_hex(6)}"
    server = None
    starting: concurrent.futures.Future[object] | None = None
    root: Path | None = None
    try:
        if target is not None and await _may_create_database(target):
            admin_target = target
        else:
            from .embedded import EmbeddedServer

            root = Path(tempfile.mkdtemp(prefix="dibs-shadow-"))
            server = EmbeddedServer(root / "server")
            # A thread of our own, so that a cancelled caller can still wait for a start under way to end.
            starting = _STARTER.submit(server.start)
            await asyncio.wrap_future(starting)
            admin_target = resolve(server.dsn("postgres"))
        admin = await connect(admin_target, read_only=False)
        try:
            await admin.execute(f"CREATE DATABASE {quote_ident(name)} TEMPLATE template0")
            try:
                yield with_database(admin_target, name)
            finally:
                await _to_the_end(_drop(admin, name))
        finally:
            await admin.close()
    finally:
        if starting is not None:
            with contextlib.suppress(Exception):
                starting.result()  # cancelled while starting: the server comes up, then we stop it
        if server is not None:
            server.stop()  # synchronous on purpose: nothing can cancel it half way
        if root is not None:
            shutil.rmtree(root, ignore_errors=True)


async def _to_the_end(cleanup: Coroutine[Any, Any, None]) -> None:
    """Run `cleanup` to its end even when the caller is cancelled meanwhile, once or again (an app shutting
    down cancels its workers, then the loop's remaining tasks): a bare shield returned at the first cancel and
    left the drop to a loop about to close, and the shadow database behind. The cancel is re-raised after."""
    task = asyncio.ensure_future(cleanup)
    cancelled = False
    while not task.done():
        try:
            await asyncio.shield(task)
        except asyncio.CancelledError:
            cancelled = True
    task.result()
    if cancelled:
        raise asyncio.CancelledError


async def _drop(admin: asyncpg.Connection, name: str) -> None:
    await admin.execute(f"DROP DATABASE IF EXISTS {quote_ident(name)} WITH (FORCE)")


def _line_col(text: str, offset: int) -> tuple[int, int]:
    """0-based character offset inside `text` -> (lines down, column) with 1-based column on that line."""
    before = text[:offset]
    lines = before.count("\n")
    column = offset - (before.rfind("\n") + 1) + 1
    return lines, column


def _error_message(exc: asyncpg.PostgresError) -> str:
    message = getattr(exc, "message", None) or str(exc)
    for label, attr in (("detail", "detail"), ("hint", "hint")):
        value = getattr(exc, attr, None)
        if value:
            message += f" ({label}: {value})"
    return message


@dataclass(frozen=True)
class LocatedStatement:
    """One statement to run in the shadow, and where its first character is in its file (1-based)."""

    file: str
    text: str
    line: int
    column: int


async def execute_statements(conn: asyncpg.Connection, statements: Sequence[LocatedStatement]) -> None:
    """Run statements one by one; a failure raises SourceError at the absolute error position."""
    for stmt in statements:
        try:
            await conn.execute(stmt.text)
        except asyncpg.PostgresError as exc:
            position = getattr(exc, "position", None)
            line, column = stmt.line, stmt.column
            if position:
                down, col = _line_col(stmt.text, int(position) - 1)
                line, column = (line + down, col) if down else (line, column + col - 1)
            raise SourceError(stmt.file, line, column, _error_message(exc)) from None


def _split_file(path: Path, text: str | None = None) -> list[LocatedStatement]:
    """A file (or the part of it `text` keeps) cut at top-level semicolons; BEGIN/COMMIT dropped (each
    statement runs on its own)."""
    from .migrations import is_transaction_control, split_statements  # not needed to diff two databases

    text = path.read_text(encoding="utf-8") if text is None else text
    return [
        LocatedStatement(str(path), s.text, s.line, s.column)
        for s in split_statements(text, str(path))
        if not is_transaction_control(s.text)
    ]


def _load_files(paths: Sequence[Path]) -> tuple[list[LocatedStatement], DesiredSchema]:
    """SQL files through the loader: exact statement texts and positions (psql meta-commands blanked), and
    the DesiredSchema the migrations issue reads file/line/doc from. BEGIN/COMMIT are skipped."""
    from .migrations import is_transaction_control
    from .sqlfiles import load_sql_files  # sqlglot: imported only when there are files to read

    sources = load_sql_files(paths)
    statements = [
        LocatedStatement(s.file, s.text, s.line, s.column)
        for s in sources.statements
        if not is_transaction_control(s.text)
    ]
    return statements, sources


def _is_migrations_folder(path: Path) -> bool:
    files = sorted(path.glob("*.sql")) if path.is_dir() else []
    return bool(files) and all(_MIGRATION_NAME.match(f.name) for f in files)


async def desired_catalog(
    target: ConnectionTarget | None,
    desired: Sequence[str | Path],
    *,
    include_schemas: Sequence[str] = (),
    exclude_schemas: Sequence[str] = (),
) -> tuple[Catalog, DesiredSchema | None]:
    """The desired Catalog and, for SQL files, the loader's DesiredSchema (else None)."""
    from .diff import is_dsn

    if not desired:
        raise DibsError(
            "no desired schema given", hint="pass --desired PATH_OR_DSN or set schema in dibs-tui.toml"
        )
    if len(desired) == 1 and isinstance(desired[0], str) and is_dsn(desired[0]):
        other = resolve(desired[0])
        return await introspect_target(
            other, include_schemas=include_schemas, exclude_schemas=exclude_schemas
        ), None
    paths: list[Path] = []
    migrations = False
    for item in desired:
        text = str(item)
        if text.startswith("migrations:"):
            migrations = True
            text = text.removeprefix("migrations:")
        paths.append(Path(text))
    for path in paths:
        if not path.exists():
            raise DibsError(f"desired schema not found: {path}")
    if (
        not migrations
        and len(paths) == 1
        and _is_migrations_folder(paths[0])
        and not _looks_like_schema(paths[0])
    ):
        migrations = True
    if not migrations and len(paths) == 1 and paths[0].is_file() and writes_tool_history(paths[0]):
        migrations = True  # e.g. Alembic's offline SQL: a migration sequence, replayed as one
    sources: DesiredSchema | None = None
    if migrations:
        from .migrations import list_migration_files  # a folder's layout: never a rollback, a down section

        statements = [
            s
            for p in paths
            for s in (
                [s for f in list_migration_files(p) for s in _split_file(f.path, f.text)]
                if p.is_dir()
                else _split_file(p)
            )
        ]
    else:
        statements, sources = _load_files(paths)
    async with shadow_database(target) as shadow:
        conn = await connect(shadow, read_only=False)
        try:
            await execute_statements(conn, statements)
        finally:
            await conn.close()
        catalog = await introspect_target(
            shadow, include_schemas=include_schemas, exclude_schemas=exclude_schemas
        )
    return catalog, sources


def _looks_like_schema(path: Path) -> bool:
    """A folder named like a schema folder is loaded as schema files even if its files are numbered."""
    return path.name.lower() in ("schema", "schemas", "sql", "ddl")
