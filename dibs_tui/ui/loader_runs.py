"""The event loops the app's loader threads run, so that quitting cancels their queries at once.

A loader thread runs its reads under `asyncio.run`; Textual cannot stop a thread, and the process waits for
it at exit (the default executor is joined), so `q` during a 20,000-table load used to wait for the load to
end. Cancelling the thread's task instead makes asyncpg send each running query a cancel request and the
reads close their connections: the thread ends within moments, and no query of ours runs on after us.
"""

from __future__ import annotations

import asyncio
import contextlib
import select
import signal
import sys
import threading
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from ..core.lock_wait import Reporter

T = TypeVar("T")


class LoaderRuns:
    """Runs coroutines on the calling thread's own event loop and cancels all of them from any thread. A
    catalog read of a run that waits for another session's lock says so through `report` (core/lock_wait.py:
    a thread's context does not see the one the app runs in)."""

    def __init__(self, report: Reporter | None = None) -> None:
        self._report = report
        self._lock = threading.Lock()
        self._ended = threading.Condition(self._lock)  # notified as each run ends
        self._running: dict[asyncio.Task[Any], asyncio.AbstractEventLoop] = {}
        self._closed = False

    def run(self, work: Coroutine[Any, Any, T]) -> T:
        """`asyncio.run(work)`, cancelled by `cancel_all` (asyncio.CancelledError out of here)."""

        async def tracked() -> T:
            task = asyncio.current_task()
            assert task is not None
            with self._lock:
                if self._closed:
                    work.close()
                    raise asyncio.CancelledError
                self._running[task] = asyncio.get_running_loop()
            if self._report is not None:
                from ..core.lock_wait import use_reporter

                use_reporter(self._report)  # this run's own context
            try:
                return await work
            finally:
                with self._lock:
                    self._running.pop(task, None)
                    self._ended.notify_all()

        return asyncio.run(tracked())

    def cancel_all(self) -> None:
        """Cancel every run in progress, and any started later (the app is closing)."""
        with self._lock:
            self._closed = True
            for task, loop in self._running.items():
                loop.call_soon_threadsafe(task.cancel)

    def wait_all(self, timeout: float) -> bool:
        """Wait (at most `timeout` seconds) until no run is left: a cancelled run still drops its sandbox
        databases on its way out, which must be done before the app returns. False if some run outlasted it."""
        with self._ended:
            return self._ended.wait_for(lambda: not self._running, timeout)


def exit_on_hangup(exit: Callable[[], object]) -> None:
    """The terminal closed (SIGHUP) or a kill (SIGTERM) ends the app as `q` does, on the running loop: its
    runs are cancelled and their sandbox databases and roles dropped, where the signal's default ended the
    process at once and left them on the server for a day."""
    loop = asyncio.get_running_loop()
    for hangup in (signal.SIGHUP, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(hangup, exit)


def exit_when_the_terminal_hangs_up(
    every: Callable[[float, Callable[[], None]], object], exit: Callable[[], object]
) -> None:
    """A terminal gone without a SIGHUP (a pseudo-terminal the app was started on that was never its
    controlling one, a process outside the terminal's foreground group) left Textual's input thread reading
    end-of-file in a loop: the app spun on a core and kept its sessions open on the server for ever. Its input
    is polled for the hang-up once a second (`every`: the app's set_interval) and the app ends as `q` does."""
    try:
        terminal = sys.__stdin__.fileno() if sys.__stdin__ is not None else -1
    except (OSError, ValueError):  # no file descriptor behind it
        return
    if terminal < 0:
        return
    poller = select.poll()
    poller.register(terminal, select.POLLIN)

    def check() -> None:
        if any(events & select.POLLHUP for _, events in poller.poll(0)):
            exit()

    every(1.0, check)
