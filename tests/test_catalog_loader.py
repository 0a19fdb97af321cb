"""The browser's loader closes its catalog sessions without failing a load that was read."""

from __future__ import annotations

import asyncio
import os
import signal
import time

from dibs_tui.core.connect import connect, resolve
from dibs_tui.ui.catalog_loader import CLOSE_TIMEOUT, _close


async def _close_a_stopped_backend(dsn: str) -> tuple[float, bool]:
    conn = await connect(resolve(dsn))
    pid = conn.get_server_pid()
    os.kill(pid, signal.SIGSTOP)  # the backend cannot answer the goodbye, as a busy one ending a big read
    try:
        started = time.perf_counter()
        await _close(conn)  # raised TimeoutError, which failed a 100,000-table load already read
        return time.perf_counter() - started, conn.is_closed()
    finally:
        os.kill(pid, signal.SIGCONT)


def test_a_session_slow_to_end_is_closed_without_an_error(db: str) -> None:
    took, closed = asyncio.run(_close_a_stopped_backend(db))
    assert closed and CLOSE_TIMEOUT <= took < CLOSE_TIMEOUT + 1.0
