"""What one migration changes: the folder replayed in a shadow database up to it, diffed before and after.

The shadow starts as `migrate` finds a database it applies to: the `__dibs_*` meta tables exist (apply creates
them before the first migration), so a migration that records its provenance in them replays as it applied.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

import asyncpg

from ..connect import ConnectionTarget
from ..errors import DibsError
from ..plan import Change
from .apply_outcome import MigrationFailed
from .files import MigrationFile, is_transaction_control, split_statements


async def preview_changes(
    target: ConnectionTarget, files: Sequence[MigrationFile], name: str
) -> tuple[Change, ...]:
    """The `Change`s of migration `name`. Replaying from empty assumes the folder holds the whole history (a
    folder that starts from an existing schema cannot be replayed: MigrationFailed says which statement
    failed, and PostgreSQL's message, detail and position)."""
    from ..diff import diff_catalogs
    from ..introspect.read import introspect
    from ..meta import meta_tables_ddl
    from ..sandbox import catalog_path, open_sandbox
    from ..sandbox_statements import prepare
    from ..shadow import LocatedStatement

    upto = [f for f in files if f.name <= name]
    if not upto or upto[-1].name != name:
        raise DibsError(f"no migration file named {name}")
    # Run as the sandbox's role (core.sandbox): untrusted extensions made first, owner changes skipped.
    split = [(f, s) for f in upto for s in split_statements(f.text, str(f.path))]
    prepared = prepare([LocatedStatement(str(f.path), s.text, s.line, s.column) for f, s in split])
    async with open_sandbox(target, prepared.extensions, prepared.roles) as sandbox:
        conn, skip = sandbox.connection, prepared.skipped(sandbox.created_extensions)
        await conn.execute(meta_tables_ddl())
        for file in upto[:-1]:
            await replay_file(conn, file, skip)
        async with catalog_path(conn):
            before = await introspect(conn)
        await replay_file(conn, upto[-1], skip)
        async with catalog_path(conn):
            after = await introspect(conn)
    changes, _, _ = diff_catalogs(before, after)
    return tuple(changes)


async def replay_file(
    conn: asyncpg.Connection, file: MigrationFile, skip: Collection[tuple[str, int, int]] = ()
) -> None:
    """Run the file's statements one by one (its own BEGIN/COMMIT skipped: the shadow is thrown away), but
    those at a (file, line, column) of `skip`."""
    for stmt in split_statements(file.text, str(file.path)):
        if is_transaction_control(stmt.text) or (str(file.path), stmt.line, stmt.column) in skip:
            continue
        try:
            await conn.execute(stmt.text)
        except asyncpg.PostgresError as exc:
            raise MigrationFailed(file.name, file.path, stmt, exc, ()) from None
