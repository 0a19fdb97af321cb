"""The desired side of a diff, turned into a Catalog by the same introspection as the live side.

SQL files are executed, statement by statement, in a shadow database, as a restricted role made for the load
(`core.sandbox`: where it lives, what it may do, how it is dropped whatever happens). A failing statement
becomes a SourceError at the absolute file:line:col of Postgres's error position, with its message, detail
and hint; a connection the server ends during the load says so at the statement it was running.

Desired specs (`load_desired`): a DSN (`postgresql://…`: introspected read-only, nothing executed), a
migrations folder (`migrations:PATH`, or a folder whose .sql files have timestamp-like names: replayed in name
order from empty), or SQL files/folders (through `dibs_tui.core.sqlfiles.load_sql_files`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

import asyncpg

from .connect import ConnectionTarget, mask_dsn, resolve
from .conninfo import looks_like_conninfo
from .errors import DibsError, SourceError
from .introspect.live import introspect_target

if TYPE_CHECKING:
    from .introspect.build_columns import ColumnPool
    from .model import Catalog
    from .sandbox import ShadowInfo
    from .sqlfiles import DesiredSchema

_MIGRATION_NAME = re.compile(r"^\d{3,}")


def _line_col(text: str, offset: int) -> tuple[int, int]:
    """0-based character offset inside `text` -> (lines down, column) with 1-based column on that line."""
    before = text[:offset]
    lines = before.count("\n")
    column = offset - (before.rfind("\n") + 1) + 1
    return lines, column


def _error_message(exc: asyncpg.PostgresError) -> str:
    message = getattr(exc, "message", None) or str(exc)
    if isinstance(exc, asyncpg.InsufficientPrivilegeError) and _LANGUAGE_REFUSED.match(message):
        message += (
            " (the desired schema loads as a role made for that one load: functions in C or internal run code "
            "inside the server, and it may not create them)"
        )
    if isinstance(exc, asyncpg.InsufficientPrivilegeError) and _ROLES_REFUSED.match(message):
        message += (
            " (the desired schema loads as a role made for that one load, which may not make, change or drop "
            "roles; a statement of its own on roles is skipped, one in a DO block runs as that role: roles are "
            "not part of the diff, make them on the server yourself)"
        )
    if isinstance(exc, asyncpg.InvalidTransactionTerminationError):
        message += (
            " (a desired schema's DO block runs in one transaction: committing in it would let it write to the "
            "sandbox without end)"
        )
    if isinstance(exc, asyncpg.ConfigurationLimitExceededError) and "temp_file_limit" in message:
        message += (
            " (a sandbox on the live server bounds a statement's temporary files to sandbox_max_size: raise it "
            'in dibs-tui.toml, or set sandbox = "embedded")'
        )
    for label, attr in (("detail", "detail"), ("hint", "hint")):
        value = getattr(exc, attr, None)
        if value:
            message += f" ({label}: {value})"
    return message


_DO_BLOCK = re.compile(r"(?:\s+|--[^\n]*\n|/\*.*?\*/)*DO\b", re.IGNORECASE | re.DOTALL)
_LANGUAGE_REFUSED = re.compile(r"permission denied for language (c|internal)$")
_ROLES_REFUSED = re.compile(r"permission denied to (create|alter|drop|rename|grant) role\b")

# The longest one statement of a file may run in a sandbox. Desired schemas and migrations run there on empty
# tables: DDL and seed rows take milliseconds, so a statement still running after this is waiting for ever (a
# pg_sleep, a lock it cannot get, a loop in a DO block) and would hang the diff. Enforced by the client (the
# driver cancels the query), so a file's own SET statement_timeout = 0 cannot lift it.
LOAD_STEP_TIMEOUT = 120.0

# The backend went away (terminated, server restart): not an error of the statement.
_CONNECTION_LOST = (
    asyncpg.PostgresConnectionError,
    asyncpg.AdminShutdownError,
    asyncpg.CrashShutdownError,
    asyncpg.CannotConnectNowError,
    asyncpg.InterfaceError,
    ConnectionError,
)


@dataclass(frozen=True)
class LocatedStatement:
    """One statement to run in the shadow, and where its first character is in its file (1-based)."""

    file: str
    text: str
    line: int
    column: int


async def execute_statements(
    conn: asyncpg.Connection, statements: Sequence[LocatedStatement], *, desired: bool = False
) -> None:
    """Run statements one by one; a failure raises SourceError at the absolute error position. `desired`: a
    desired schema's, whose DO blocks run in a transaction block of their own, where a COMMIT is refused: a
    loop that commits each update writes WAL without end while the database does not grow, which is all the
    bound on a live sandbox sees (core.sandbox_bound). A migration's DO block may commit (a batched backfill)."""
    for stmt in statements:
        try:
            if desired and _DO_BLOCK.match(stmt.text):
                async with conn.transaction():
                    await conn.execute(stmt.text, timeout=LOAD_STEP_TIMEOUT)
            else:
                await conn.execute(stmt.text, timeout=LOAD_STEP_TIMEOUT)
        except TimeoutError:
            raise SourceError(
                stmt.file,
                stmt.line,
                stmt.column,
                f"did not finish within {LOAD_STEP_TIMEOUT:g} s in the sandbox, on empty tables (a wait, a lock it "
                "cannot get, or a loop); it was cancelled and nothing of the load is kept",
            ) from None
        except _CONNECTION_LOST as exc:
            from .sandbox_bound import BOUND_HINT, SandboxFull, ended_by_bound

            bound = ended_by_bound(conn)
            if bound is not None:
                raise SandboxFull(stmt.file, stmt.line, stmt.column, bound, hint=BOUND_HINT) from None
            reason = (getattr(exc, "message", None) or str(exc) or type(exc).__name__).splitlines()[0]
            raise SourceError(
                stmt.file,
                stmt.line,
                stmt.column,
                f"the server ended the connection loading the desired schema ({reason}); nothing of the load "
                "is kept",
            ) from None
        except asyncpg.PostgresError as exc:
            position = getattr(exc, "position", None)
            line, column = stmt.line, stmt.column
            if position:
                down, col = _line_col(stmt.text, int(position) - 1)
                line, column = (line + down, col) if down else (line, column + col - 1)
            raise SourceError(stmt.file, line, column, _error_message(exc)) from None


def split_file(path: Path, text: str | None = None) -> list[LocatedStatement]:
    """A file (or the part of it `text` keeps) cut at top-level semicolons; BEGIN/COMMIT dropped (each
    statement runs on its own)."""
    from .migrations.files import is_transaction_control, split_statements  # not needed to diff two databases
    from .sqlparse import read_sql_file  # refuses binary, non-UTF-8 and oversized files with a message

    text = read_sql_file(path) if text is None else text
    return [
        LocatedStatement(str(path), s.text, s.line, s.column)
        for s in split_statements(text, str(path))
        if not is_transaction_control(s.text)
    ]


def _load_files(paths: Sequence[Path]) -> tuple[list[LocatedStatement], DesiredSchema]:
    """SQL files through the loader: exact statement texts and positions (psql meta-commands blanked), and
    the DesiredSchema generate reads file/line/doc from. BEGIN/COMMIT are skipped."""
    from .migrations.files import is_transaction_control
    from .sqlfiles import load_sql_files  # pglast: imported only when there are files to read

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


async def load_desired(
    target: ConnectionTarget | None,
    desired: Sequence[str | Path],
    *,
    include_schemas: Sequence[str] = (),
    exclude_schemas: Sequence[str] = (),
    column_pool: ColumnPool | None = None,
    privileges: bool = True,
    connections: int = 2,
    wait_for_teardown: bool = True,
) -> tuple[Catalog, DesiredSchema | None, ShadowInfo | None]:
    """The desired Catalog; for SQL files, the loader's DesiredSchema (else None); and where the shadow was (None
    when the desired side is a database): its server version and what the user should be told about it. `column_pool`: the other side's (core.introspect.build).
    `wait_for_teardown`: for a desired database's sessions (introspect_target); a sandbox's are always waited for."""
    if not desired:
        raise DibsError(
            "no desired schema given", hint="pass --desired PATH_OR_DSN or set schema in dibs-tui.toml"
        )
    source = desired_statements(desired)
    if isinstance(source, ConnectionTarget):
        return (
            await introspect_target(
                source,
                include_schemas=include_schemas,
                exclude_schemas=exclude_schemas,
                column_pool=column_pool,
                privileges=privileges,
                connections=connections,
                wait_for_teardown=wait_for_teardown,
            ),
            None,
            None,
        )
    statements, sources = source
    catalog, info = await _load_in_sandbox(
        target, statements, include_schemas, exclude_schemas, column_pool, privileges, connections
    )
    return catalog, sources, info


def desired_shown(desired: Sequence[str | Path]) -> str:
    """The desired side as the screen names it: files as given, a database's connection string without its
    password (the proof's verdict named it whole: "proved: the result matches postgresql://u:secret@...")."""
    return " and ".join(
        mask_dsn(item) if isinstance(item, str) and looks_like_conninfo(item) else str(item)
        for item in desired
    )


def desired_statements(
    desired: Sequence[str | Path],
) -> ConnectionTarget | tuple[list[LocatedStatement], DesiredSchema | None]:
    """What the desired side is: another database (its target), or the statements that build it and, for
    schema files, the loader's DesiredSchema. Refuses a missing path or another database's dialect."""
    if len(desired) == 1 and isinstance(desired[0], str) and looks_like_conninfo(desired[0]):
        return resolve(desired[0])
    paths: list[Path] = []
    migrations = False
    for item in desired:
        text = str(item)
        if text.startswith("migrations:"):
            migrations = True
            text = text.removeprefix("migrations:")
        paths.append(Path(text))
    for path in paths:
        if not path.is_file() and not path.is_dir():
            from .sqlfiles import missing_or_not_a_file

            raise missing_or_not_a_file(path, "desired schema")
        from .dialect import (
            refuse_other_dialect,
            sql_files,
        )  # SQLite or MySQL is named, not loaded as PostgreSQL

        refuse_other_dialect(path)
        if path.is_dir() and not sql_files(path):  # a mistyped or not yet filled folder, not a schema
            raise DibsError(
                f"the desired schema folder {path} holds no .sql file",
                hint="as an empty schema it would drop every object: name the folder that holds the schema "
                "(an empty .sql file says an empty schema on purpose)",
            )
    if (
        not migrations
        and len(paths) == 1
        and _is_migrations_folder(paths[0])
        and not _looks_like_schema(paths[0])
    ):
        migrations = True
    if not migrations and len(paths) == 1 and paths[0].is_file():
        # Imported here, not before a diff's first connection: its patterns and dataclass are 2 ms of CPU there.
        from .tool_tables import writes_tool_history

        migrations = writes_tool_history(paths[0])  # e.g. Alembic's offline SQL, replayed as one
    sources: DesiredSchema | None = None
    if migrations:
        # A folder's layout: never a rollback, a down section.
        from .migrations.layouts import list_migration_files

        statements = [
            s
            for p in paths
            for s in (
                [s for f in list_migration_files(p) for s in split_file(f.path, f.text)]
                if p.is_dir()
                else split_file(p)
            )
        ]
    else:
        statements, sources = _load_files(paths)
    return statements, sources


async def _load_in_sandbox(
    target: ConnectionTarget | None,
    statements: Sequence[LocatedStatement],
    include_schemas: Sequence[str],
    exclude_schemas: Sequence[str],
    column_pool: ColumnPool | None,
    privileges: bool = True,
    connections: int = 2,
) -> tuple[Catalog, ShadowInfo]:
    """Run the statements as the sandbox role on its one connection, renew its password, introspect."""
    from .sandbox import open_sandbox
    from .sandbox_statements import prepare

    prepared = prepare(statements)
    async with open_sandbox(target, prepared.extensions, prepared.roles, prepared.created_roles) as sandbox:
        await execute_statements(
            sandbox.connection, prepared.runnable(sandbox.created_extensions), desired=True
        )
        # Introspection opens `connections`; one more place for the load's backend, which may still be ending
        # when they log in (nobody else can take it: the password is new).
        await sandbox.reseal(connections=connections + 1)
        await sandbox.connection.close()
        catalog = await introspect_target(
            sandbox.target,
            include_schemas=include_schemas,
            exclude_schemas=exclude_schemas,
            column_pool=column_pool,
            privileges=privileges,
            connections=connections,
        )
    note = prepared.roles_note()
    return catalog, replace(sandbox.info, notes=(*sandbox.info.notes, note)) if note else sandbox.info


def _looks_like_schema(path: Path) -> bool:
    """A folder named like a schema folder is loaded as schema files even if its files are numbered."""
    return path.name.lower() in ("schema", "schemas", "sql", "ddl")
