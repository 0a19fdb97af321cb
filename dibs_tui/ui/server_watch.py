"""The app's watch on its server while idle (core/server_watch.py): started once a catalog is loaded (again
after `r` reads one), it says in the header and a notification that the server went away, and why, within
moments of its shutdown; `r` then reads again or says why it cannot. A mixin of the app; what it needs of the
app is the `_Watched` protocol."""

from __future__ import annotations

import asyncio
import contextlib
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

    def watch_server(self: _Watched) -> None:
        """One watch at a time, on a loader thread (the app's close cancels it with the reads)."""
        if self._watching:
            return
        self._watching = True
        target, runs, post = self.target, self._runs, self.post_message

        def watch() -> None:
            from ..core.server_watch import watch_server

            said: list[str] = []
            with contextlib.suppress(asyncio.CancelledError):  # the app is closing
                runs.run(watch_server(target, said.append))
                # Ended: the server gone, or its first session refused (then without a word, and the next
                # catalog read starts it again)
                post(ServerGone(said[0] if said else ""))

        self.run_worker(watch, "watch the server", "server-watch", exit_on_error=False, thread=True)

    def on_server_gone(self: _Watched, event: ServerGone) -> None:
        self._watching = False
        if not event.reason:
            return
        if not self.load_state:  # a read under way says its own failure
            self.load_state = GONE
            self._update_header()
        self.say(f"the server went away: {event.reason} (r reads again once it is back)", severity="error")


__all__ = ["ServerWatch"]
