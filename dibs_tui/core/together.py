"""Two coroutines at once, each run to its end, the first failure raised after both are done.

`asyncio.gather` raises as soon as one side fails and leaves the other running: its connections then close
only when the event loop shuts down, and asyncpg's half-closed protocol prints "Future exception was never
retrieved" around the one-line error a user should see (a syntax error in a desired file did that).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import TypeVar, cast

A = TypeVar("A")
B = TypeVar("B")


async def both(first: Awaitable[A], second: Awaitable[B]) -> tuple[A, B]:
    """(result of first, result of second); if either failed, its exception once both have finished."""
    results = await asyncio.gather(first, second, return_exceptions=True)
    for result in results:
        if isinstance(result, BaseException):
            raise result
    return cast(A, results[0]), cast(B, results[1])
