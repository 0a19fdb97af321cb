"""What every command needs: where to connect, and running the async core from a synchronous CLI."""

from __future__ import annotations

import argparse
import asyncio
import sys
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
    return asyncio.run(coro)


def not_implemented(command: str) -> int:
    """For commands whose issue has not landed yet: say so plainly instead of pretending."""
    print(f"dibs-tui {command}: not implemented yet", file=sys.stderr)
    return 1


__all__ = ["DibsError", "not_implemented", "run_async", "target_for"]
