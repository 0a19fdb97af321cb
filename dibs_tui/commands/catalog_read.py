"""The live catalog for a command that reads it whole (`schema`, `uses`, `path`, `lint`, `export`): where to
connect, the schema filters, bounded read-only sessions, and one line for a refused read."""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, TypeVar

import asyncpg

from ..config import Settings
from ..core.terminal import safe
from .common import sessions_from_environment, target_for

if TYPE_CHECKING:
    from ..core.explore.source_lines import SourceLines
    from ..core.introspect.build import Builder
    from ..core.model import Catalog

T = TypeVar("T")

# Connections for one `schema` run. bench/introspect.py compares one with three
# (DIBS_TUI_SCHEMA_CONNECTIONS): on an idle 2-core machine three won at both sizes (1.21 -> 1.03 s at
# 1,000 tables, 4.73 -> 4.36 s at 5,000); on cores busy with other work they won or lost by up to 19 %, and
# each connection is a backend on the user's server: two is the default, three on request.
PARALLEL_CONNECTIONS = sessions_from_environment("DIBS_TUI_SCHEMA_CONNECTIONS")


def preimported(extra: Sequence[str] = ()) -> tuple[str, ...]:
    """What `load` imports on a thread while the sessions open (core/preimport.py): the model, the read, the
    meta tables' reader (the read's last step), then `extra`. `schema` imports none of them before it
    connects; any the loop's thread imported later would be on the client's critical path during the read,
    or after it with the server idle (the JSON encoder)."""
    from ..core.introspect.live import INTROSPECTION

    return ("dibs_tui.core.model", INTROSPECTION, "dibs_tui.core.meta", "dibs_tui.core.meta_tables", *extra)


async def load(
    args: argparse.Namespace,
    settings: Settings,
    extra: Callable[[asyncpg.Connection, Catalog], Awaitable[T]] | None = None,
    *,
    early: Callable[[Builder], Awaitable[object]] | None = None,
    early_wrote: Callable[[], bool] = lambda: False,
    then: Callable[[Catalog], object] | None = None,
    least_portion: int | None = None,
    preimport: Sequence[str] = (),
) -> tuple[Catalog, T | None]:
    """The catalog (schema filters from the arguments, else the config), and what `extra` reads on the
    same bounded connection afterwards, knowing the catalog (health statistics). `early` runs beside the
    read with its builder (writes what is built before the read ends; `early_wrote()` once it has begun to:
    a read that meets a lock is then not made again); `then` uses the catalog (writes the
    command's output) while the sessions close. Both write outside the read's error handling: a closed
    stdout is not a lost server. A small catalog is read in portions of as few as `least_portion` relations
    (core.introspect.read.load_catalog). `preimport`: the modules the command needs after the read, imported
    with the read's (`preimported`)."""
    from ..core.introspect.live import catalog_sessions, refuse_unknown_schemas
    from ..core.preimport import import_in_background

    import_in_background(preimported(preimport))
    # With an output to write (`then`), the sessions send their Terminate once read and are not waited for while
    # the server tears the backends down (after a large read: 15 ms at 1,000 tables, 40-55 ms at 5,000), as
    # pg_dump's PQfinish does not wait: the output is written meanwhile.
    target = target_for(args, settings)
    async with catalog_sessions(target, PARALLEL_CONNECTIONS, wait_for_teardown=then is None) as conns:
        from ..core.introspect.queries import PORTION_RELATIONS
        from ..core.introspect.read import load_catalog
        from ..core.lock_wait import read_through_locks
        from ..core.session import read_budget

        writing: list[asyncio.Future[object]] = []

        async def attempt() -> Catalog:
            try:
                return await load_catalog(
                    conns[0],
                    include_schemas=settings.include_schemas,
                    exclude_schemas=settings.exclude_schemas,
                    extra_connections=conns[1:],
                    least_portion=least_portion or PORTION_RELATIONS,
                    started=None
                    if early is None
                    else lambda b: writing.append(asyncio.ensure_future(early(b))),
                )
            except BaseException:
                for task in writing:  # the read's failure is the one said, not a write's
                    if not task.cancel() and not task.cancelled():
                        task.exception()
                raise

        def again() -> bool:
            # A read that met a lock is made again (core/lock_wait.py), unless `early` has written part of the
            # output from it (a head written twice, or from two snapshots, is no document).
            writing.clear()
            return not early_wrote()

        catalog = await read_through_locks(conns[0], attempt, budget=read_budget(), again=again)
        refuse_unknown_schemas(settings.include_schemas, safe(catalog.database), catalog)
        found = await extra(conns[0], catalog) if extra is not None else None
    for task in writing:
        await task
    if then is not None:
        then(catalog)
    return catalog, found


def source_lines(settings: Settings, catalog: Catalog) -> SourceLines:
    """Where the catalog's objects are defined: meta rows, and the configured schema files when there are."""
    from ..core.explore.source_lines import SourceLines

    return SourceLines.of_files(
        catalog, settings.source_paths(settings.desired_spec()), settings.project_root
    )
