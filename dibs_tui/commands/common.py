"""What every command needs: where to connect, and running the async core from a synchronous CLI."""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

from ..config import Settings
from ..core.connect import ConnectionTarget, resolve
from ..core.errors import DibsError

T = TypeVar("T")


def target_for(args: argparse.Namespace, settings: Settings) -> ConnectionTarget:
    """DSN argument, then the config file's database_url, then DATABASE_URL / PG* (inside `resolve`)."""
    return resolve(getattr(args, "dsn", None) or settings.database_url)


def run_async(coro: Coroutine[Any, Any, T]) -> T:
    """asyncio.run, but the main task's result is kept out of the task.

    On exit, asyncio.run (3.11) restores the SIGINT handler, and the signal module formats the old handler
    (a partial holding the main task) with %r: the task's repr includes its result's repr. For a Catalog of
    1,000 tables that is two full reprs, about two seconds. A task that returns None costs nothing.
    """
    box: list[T] = []

    async def main() -> None:
        box.append(await coro)

    asyncio.run(main())
    return box[0]


__all__ = ["DibsError", "run_async", "target_for"]
