"""Two coroutines at once, each run to its end, the first failure raised after both are done.

`asyncio.gather` raises as soon as one side fails and leaves the other running: its connections then close
only when the event loop shuts down, and asyncpg's half-closed protocol prints "Future exception was never
retrieved" around the one-line error a user should see (a syntax error in a desired file did that).

Once one side has failed, the other is cancelled (its sessions closed as Ctrl-C closes them) and waited
for: a desired file's syntax error was said only after the live side's read, which may wait on another
session's lock for as long as that session holds it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import TypeVar, cast

A = TypeVar("A")
B = TypeVar("B")


async def both(first: Awaitable[A], second: Awaitable[B]) -> tuple[A, B]:
    """(result of first, result of second); if either failed, its exception once both have finished."""
    tasks = [asyncio.ensure_future(first), asyncio.ensure_future(second)]
    try:
        done, running = await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
        if any(not t.cancelled() and t.exception() is not None for t in done):
            for task in running:
                task.cancel()
    finally:  # failed, or cancelled ourselves (Ctrl-C): neither side is left running
        if not all(t.done() for t in tasks):
            for task in tasks:
                task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    for task in tasks:  # the failure, not the other side's cancellation
        if not task.cancelled() and task.exception() is not None:
            raise cast(BaseException, task.exception())
    for task in tasks:
        if task.cancelled():
            raise asyncio.CancelledError
    return cast(A, tasks[0].result()), cast(B, tasks[1].result())
