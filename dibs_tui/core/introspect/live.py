"""One way to read a live database's catalog: bounded read-only sessions opened at once, the catalog read over
them, every connection closed on every path, and a refused read said in one line.

Every caller that reads a target whole (the CLI's `schema`, `uses`, `path`, `lint`, `export`, both sides of a
diff) goes through `catalog_sessions`. The browser's loader (ui/catalog_loader.py) opens its sessions the same
way but one at a time, so that the list paints before the second connection is up.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import replace
from typing import TYPE_CHECKING, TypeVar

import asyncpg

from ..connect import ConnectionTarget, connect_all
from ..errors import DibsError
from ..lock_wait import read_through_locks
from ..session import bounded, catalog_settings, prepare_catalog_session, read_budget
from ..session_limits import current_limits

if TYPE_CHECKING:
    from ..meta import MetaSnapshot
    from ..model import Catalog
    from ..model_privileges import Privilege
    from .build_columns import ColumnPool

# The read's module (the builder, the model objects, the queries): imported once the sessions are open (a caller
# may import it on a thread while they open: core/preimport.py).
INTROSPECTION = "dibs_tui.core.introspect.read"
T = TypeVar("T")


@asynccontextmanager
async def catalog_sessions(
    target: ConnectionTarget, count: int = 2, *, wait_for_teardown: bool = True, wait_for_slot: bool = True
) -> AsyncIterator[list[asyncpg.Connection]]:
    """`count` catalog sessions (search_path pinned to pg_catalog, lock and statement timeouts, read-only),
    opened at once so that the catalog queries can run in groups concurrently. A read over them that meets a
    lock steps out of the queue after 1 s at most: it is made again through `read_through_locks`. The first is bounded (a
    cancelled read leaves no query behind). A server error while reading becomes one line.

    Without `wait_for_teardown`, sessions whose block ended normally send their Terminate and are not waited
    for while the server tears their backends down (after a whole read: 15 ms at 1,000 tables, 40-55 ms at
    5,000, commands/catalog_read.py), as after pg_dump's PQfinish: the backends end on their own. Not for a
    database about to be dropped (the sandbox)."""
    limits = current_limits()
    bounds = catalog_settings(
        limits, stepping=True
    )  # a read meeting a lock is made again (core/lock_wait.py)
    opened = await connect_all(
        target, count, read_only=True, extra_settings=bounds, wait_for_slot=wait_for_slot
    )
    read = False
    try:
        async with bounded(opened[0]):
            await asyncio.gather(*(prepare_catalog_session(c, limits) for c in opened))
            yield opened
        read = True
    except asyncpg.PostgresError as exc:
        # Typically a permission problem on a catalog function or a meta table: one line, no traceback.
        raise DibsError(f"cannot read the schema of {target.masked}: {exc}".splitlines()[0]) from None
    finally:
        closing = [asyncio.ensure_future(c.close()) for c in opened]
        if not wait_for_teardown and read:
            # Each close runs to its Terminate, then would wait for the server to hang up: it is not waited for.
            await asyncio.sleep(0)
            for conn, close in zip(opened, closing, strict=True):
                if not close.done():
                    conn.terminate()
        await asyncio.gather(*closing)


async def introspect_target(
    target: ConnectionTarget,
    *,
    include_schemas: Sequence[str] = (),
    exclude_schemas: Sequence[str] = (),
    column_pool: ColumnPool | None = None,
    privileges: bool = True,
    connections: int = 2,
    wait_for_teardown: bool = True,
    wait_for_locks: bool = True,
) -> Catalog:
    """A database's catalog for a diff, with which meta tables it has and its applied history.

    Provenance is not attached: the diff compares schemas, not where they were written down. What the meta
    tables are (present or not) matters to `generate`, which creates the missing ones. The two sides of a diff
    share a `column_pool` (equal columns are one object). Without `privileges`, no grants and no roles are read
    (a diff that does not compare them: one query less on each side). `connections`: sessions for the read;
    `wait_for_teardown`: see `catalog_sessions`. `wait_for_locks` False: a read that meets another session's
    lock gives up (a DibsError naming the lock) instead of waiting for it to go (`read_through_locks`): for a
    read a review makes on the side, which then says it did not trace rather than hang.
    """
    async with catalog_sessions(
        target, connections, wait_for_teardown=wait_for_teardown, wait_for_slot=wait_for_locks
    ) as conns:
        from ..model import MetaState
        from .read import read_catalog

        def read() -> Awaitable[tuple[Catalog, MetaSnapshot]]:
            return read_catalog(
                conns[0],
                include_schemas=tuple(include_schemas),
                exclude_schemas=tuple(exclude_schemas),
                extra_connections=conns[1:],
                column_pool=column_pool,
                privileges=privileges,
            )

        if wait_for_locks:
            catalog, snapshot = await read_through_locks(conns[0], read, budget=read_budget())
        else:
            catalog, snapshot = await _read_naming_blockers(target, conns, read)
    return replace(
        catalog,
        meta=MetaState(
            tables_present=snapshot.tables_present, migrations=snapshot.migrations, notes=snapshot.notes
        ),
    )


async def _read_naming_blockers(
    target: ConnectionTarget, conns: Sequence[asyncpg.Connection], read: Callable[[], Awaitable[T]]
) -> T:
    """`await read()`, each session's backend watched (pg_blocking_pids) while it runs: a read that gives up on
    a lock names the session it waited for, as migrate does, not every session holding ACCESS EXCLUSIVE on any
    table (an older lock on a table the read never opened)."""
    from ..migrations.apply_online import blockers_of
    from ..session import lock_wait_error

    async with AsyncExitStack() as stack:
        watches = [await stack.enter_async_context(blockers_of(target, c.get_server_pid())) for c in conns]
        try:
            return await read()
        except (asyncpg.LockNotAvailableError, asyncpg.QueryCanceledError) as exc:
            blockers = "; ".join(dict.fromkeys(w.blockers for w in watches if w.blockers))
            refusal = (
                await lock_wait_error(conns[0], "catalog read", exc, "not read", blockers)
                if blockers
                else None
            )
            if refusal is None:  # not seen waiting: said as before (core/session.py: bounded)
                raise
            raise refusal from None


async def read_grants(
    target: ConnectionTarget, *, include_schemas: Sequence[str] = (), exclude_schemas: Sequence[str] = ()
) -> tuple[tuple[Privilege, ...], tuple[str, ...]]:
    """The live grants (the columns' included) and the server's role names alone: for a diff that read the live
    catalog without them and then found objects its plan drops and creates again (core/diff: they get their
    grants back). One query on one session, after the read: a few milliseconds, paid only by such a plan."""
    from .objects import grants_from
    from .queries_filters import schema_filter
    from .queries_privileges import privileges_sql

    sql = privileges_sql(schema_filter("n").strip(), columns=True)
    async with catalog_sessions(target, 1, wait_for_teardown=False) as conns:
        rows = await read_through_locks(
            conns[0],
            lambda: conns[0].fetch(sql, list(include_schemas), list(exclude_schemas)),
            budget=read_budget(),
        )
    return grants_from(rows)


def refuse_unknown_schemas(include_schemas: Sequence[str], where: str, *catalogs: Catalog) -> None:
    """A schema filter (--schema, include_schemas) naming a schema that none of `catalogs` (read under it)
    has is a typo: `check --schema pubic` said `in sync` and exited 0, `lint` found nothing, a gate passed on
    nothing. `where` names what was read (a database, or it and the desired side)."""
    found = {s.name for catalog in catalogs for s in catalog.schemas}
    unknown = [name for name in include_schemas if name not in found]
    if unknown:
        from ..terminal import safe

        raise DibsError(
            f"no schema named {', '.join(safe(name) for name in unknown)} in {where}: the schema filter "
            "(--schema, include_schemas) would read nothing of it",
            hint="check the name (a schema's name is matched exactly, case included), or leave the filter out "
            "to read every schema",
        )
