"""The app's watch on its server while idle (core/server_watch.py): started once a catalog is loaded (again
after `r` reads one), it says in the header and a notification that the server went away, and why, within
moments of its shutdown; `r` then reads again or says why it cannot. A mixin of the app; what it needs of the
app is the `_Watched` protocol."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import Any, Protocol

from ..core.connect import ConnectionTarget
from .loader_runs import LoaderRuns
from .messages import ServerGone

GONE = "server gone · r reconnects"


class _Watched(Protocol):
    target: ConnectionTarget
    load_state: str
    _runs: LoaderRuns
    _watching: bool

    _stop_watch: Callable[[], object] | None
    _watch_number: int

    def _update_header(self) -> None: ...

    def say(self, message: str, *, severity: Any = ..., timeout: float | None = None) -> None: ...

    def post_message(self, message: Any) -> bool: ...

    def run_worker(  # textual's App.run_worker, as far as this calls it
        self,
        work: Any,
        name: str | None = ...,
        group: str = ...,
        description: str = ...,
        exit_on_error: bool = ...,
        start: bool = ...,
        exclusive: bool = ...,
        thread: bool = ...,
    ) -> Any: ...


class ServerWatch:
    _watching = False
    # Cancels the watch's run from any thread; set while one runs
    _stop_watch: Callable[[], object] | None = None
    _watch_number = 0  # the watch started last; one stopped before it began sees a later number

    def watch_server(self: _Watched) -> None:
        """One watch at a time, on a loader thread (the app's close cancels it with the reads)."""
        if self._watching:
            return
        self._watching = True
        self._watch_number += 1
        target, runs, post = self.target, self._runs, self.post_message
        owner, number = self, self._watch_number

        async def watched(said: list[str]) -> None:
            from ..core.server_watch import watch_server

            task, loop = asyncio.current_task(), asyncio.get_running_loop()
            assert task is not None
            owner._stop_watch = lambda: loop.call_soon_threadsafe(task.cancel)
            if owner._watch_number != number:  # stopped before it began
                return
            await watch_server(target, said.append)

        def watch() -> None:
            said: list[str] = []
            with contextlib.suppress(asyncio.CancelledError):  # the app is closing, or a read starts
                runs.run(watched(said))
                # Ended: the server gone, or its first session refused (then without a word, and the next
                # catalog read starts it again)
                post(ServerGone(said[0] if said else ""))

        self.run_worker(watch, "watch the server", "server-watch", exit_on_error=False, thread=True)

    def stop_watching(self: _Watched) -> None:
        """For a read that found no free session: the watch's ends, so that a role limited to one session
        (CONNECTION LIMIT 1) can read again; the read's end starts the watch again."""
        stop, self._stop_watch = self._stop_watch, None
        if stop is not None:
            stop()
        self._watching = False
        self._watch_number += 1

    def on_server_gone(self: _Watched, event: ServerGone) -> None:
        self._watching = False
        if not event.reason:
            return
        if not self.load_state:  # a read under way says its own failure
            self.load_state = GONE
            self._update_header()
        self.say(f"the server went away: {event.reason} (r reads again once it is back)", severity="error")


__all__ = ["ServerWatch"]
