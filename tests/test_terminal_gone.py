"""The terminal the browser draws on goes away without a SIGHUP (a pseudo-terminal that was never the app's
controlling one, as a program driving it or a process outside the terminal's foreground group has it): the
app ends as `q` does, and no session of ours stays on the server. Before, Textual's input thread read
end-of-file in a loop: the process spun on a core and kept its sessions open for ever."""

from __future__ import annotations

import asyncio
import os
import time

from tests.pg import browser_on_a_terminal, drain, execute, our_backends, until


def test_the_browser_ends_with_its_sessions_when_its_terminal_hangs_up(db: str) -> None:
    asyncio.run(execute(db, "CREATE TABLE hung_up_here (id int)"))
    with browser_on_a_terminal(db) as (app, master):
        drawn = b""

        def shown() -> bool:
            nonlocal drawn
            drawn += drain(master)
            return b"hung_up_here" in drawn and bool(our_backends(db))

        until(shown, "the list to show the table")
        # The terminal hangs up: its master side closed (the descriptor made /dev/null, closed on the way out).
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, master)
        os.close(devnull)
        hung_up = time.monotonic()
        until(lambda: app.poll() is not None, "the app to end once its terminal hung up")
        took = time.monotonic() - hung_up
        left = until(lambda: not our_backends(db) or None, "its sessions to end") and our_backends(db)
        assert left == [], left
        assert took < 10, took
