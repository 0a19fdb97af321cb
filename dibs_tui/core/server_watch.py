"""The browser's watch on its server while nobody reads: one idle session, no query ever sent, whose end the
driver reports (asyncpg's termination callback, called as the socket closes). A server shut down or restarted
under an idle browser was seen only at the next read; it is now said within moments of its sessions' end."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from .connect import ConnectionTarget, connect
from .errors import DibsError


async def watch_server(target: ConnectionTarget, gone: Callable[[str], object]) -> None:
    """Hold one idle read-only session until the server ends it, then connect again: a server that answers
    (only the session was ended: pg_terminate_backend, idle_session_timeout) is watched on; one that does not
    is said to `gone`, with why, and the watch ends. A first session that cannot be opened ends it without
    a word; cancelled (the browser closing), it closes its session and says nothing.

    Chosen over a query every few seconds: the server tells every session it is going (57P01) and closes it,
    which costs nothing to wait for; a path that drops without a word (a cable, a firewall) is still seen at
    the next read, as before."""
    # Said as what it is in pg_stat_activity: an idle session that stays as long as the browser does
    name = {"application_name": f"{target.server_settings.get('application_name', 'dibs-tui')} (watch)"[:63]}
    watched = False
    while True:
        try:
            conn = await connect(target, extra_settings=name)
        except DibsError as exc:
            if watched:  # a first session refused (the server's connection limit) is no news of the server
                gone(exc.message)
            return
        watched = True
        ended = asyncio.Event()
        conn.add_termination_listener(lambda _conn, ended=ended: ended.set())
        try:
            await ended.wait()
        finally:
            if not conn.is_closed():  # cancelled: ours to close
                conn.terminate()
