"""The live catalog for a command that reads it whole (`schema`, `uses`, `path`, `lint`, `export`): where to
connect, the schema filters, bounded read-only sessions, and one line for a refused read."""

from __future__ import annotations

import argparse
import asyncio
import os
from collections.abc import Awaitable, Callable
from typing import TypeVar

import asyncpg

from ..config import Settings
from ..core.errors import DibsError
from ..core.model import Catalog
from .common import target_for

T = TypeVar("T")

# Connections for one `schema` run. bench/introspect.py compares one with three
# (DIBS_TUI_SCHEMA_CONNECTIONS): on an idle 2-core machine three won at both sizes (1.21 -> 1.03 s at
# 1,000 tables, 4.73 -> 4.36 s at 5,000); on cores busy with other work they won or lost by up to 19 %.
# Users mostly run it on a machine that is not busy, so three is the default.
PARALLEL_CONNECTIONS = int(os.environ.get("DIBS_TUI_SCHEMA_CONNECTIONS", "2"))


async def load(
    args: argparse.Namespace,
    settings: Settings,
    extra: Callable[[asyncpg.Connection], Awaitable[T]] | None = None,
) -> tuple[Catalog, T | None]:
    """The catalog (schema filters from the arguments, else the config), and what `extra` reads on the
    same bounded connection afterwards (health statistics)."""
    from ..core.connect import connect
    from ..core.introspect.read import load_catalog
    from ..core.session import bounded, catalog_settings

    target = target_for(args, settings)
    include, exclude = settings.include_schemas, settings.exclude_schemas
    # With more than one connection (opened at once), the introspection queries run concurrently.
    bounds = catalog_settings()  # search_path pinned to pg_catalog, lock and statement timeouts
    conns = await asyncio.gather(
        *(connect(target, read_only=True, extra_settings=bounds) for _ in range(PARALLEL_CONNECTIONS)),
        return_exceptions=True,
    )
    opened = [c for c in conns if not isinstance(c, BaseException)]
    try:
        for failure in conns:
            if isinstance(failure, BaseException):
                raise failure
        async with bounded(opened[0]):
            catalog = await load_catalog(
                opened[0], include_schemas=include, exclude_schemas=exclude, extra_connections=opened[1:]
            )
            return catalog, (await extra(opened[0]) if extra is not None else None)
    except asyncpg.PostgresError as exc:
        # Typically a permission problem on a catalog function or a meta table: one line, no traceback.
        raise DibsError(f"cannot read the schema of {target.masked}: {exc}".splitlines()[0]) from None
    finally:
        await asyncio.gather(*(c.close() for c in opened))
