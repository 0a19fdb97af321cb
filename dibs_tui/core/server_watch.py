"""The browser's watch on its server while nobody reads: one idle session, no query ever sent, whose end the
driver reports (asyncpg's termination callback, called as the socket closes). A server shut down or restarted
under an idle browser was seen only at the next read; it is now said within moments of its sessions' end.
A host that vanishes (a cable cut, a firewall, a machine gone) ends nothing: TCP keepalives on both ends of the
session see it within KEEPALIVE_BOUND seconds."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable

import asyncpg

from .connect import ConnectionTarget, connect
from .errors import DibsError

# Seconds of silence before the first probe, between probes, and probes unanswered before the connection is
# dropped: on the browser's end the driver then reports the session ended (the server gone); on the server's
# (tcp_keepalives_*) the backend is let go when the browser's host vanishes. The kernel's defaults wait two
# hours before the first probe.
KEEPALIVE_IDLE, KEEPALIVE_INTERVAL, KEEPALIVE_COUNT = 10, 5, 3
KEEPALIVE_BOUND = KEEPALIVE_IDLE + KEEPALIVE_INTERVAL * KEEPALIVE_COUNT


async def open_watch(target: ConnectionTarget) -> asyncpg.Connection:
    """The watch's session: read-only, named for pg_stat_activity, kept alive on both ends."""
    settings = {
        # Said as what it is: an idle session that stays as long as the browser does
        "application_name": f"{target.server_settings.get('application_name', 'dibs-tui')} (watch)"[:63],
        "tcp_keepalives_idle": str(KEEPALIVE_IDLE),
        "tcp_keepalives_interval": str(KEEPALIVE_INTERVAL),
        "tcp_keepalives_count": str(KEEPALIVE_COUNT),
        # idle_session_timeout set for the role or the database ended the session each time it passed, and the
        # watch opened another for as long as the browser ran: any session may lift it for itself (every server
        # we read has it: core.connect refuses those before PostgreSQL 15)
        "idle_session_timeout": "0",
    }
    conn = await connect(target, extra_settings=settings)
    # asyncpg has no keepalive option (libpq's keepalives_* are not its keywords): its transport's socket
    transport = getattr(conn, "_transport", None)
    sock = transport.get_extra_info("socket") if transport is not None else None
    # A Unix socket's peer is on this host: it cannot vanish without the socket closing
    if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
        for option, value in (
            ("TCP_KEEPIDLE", KEEPALIVE_IDLE),
            ("TCP_KEEPINTVL", KEEPALIVE_INTERVAL),
            ("TCP_KEEPCNT", KEEPALIVE_COUNT),
        ):
            if hasattr(socket, option):  # Linux; macOS names the first TCP_KEEPALIVE and has the others
                sock.setsockopt(socket.IPPROTO_TCP, getattr(socket, option), value)
    return conn


async def watch_server(target: ConnectionTarget, gone: Callable[[str], object]) -> None:
    """Hold one idle read-only session until the server ends it, then connect again: a server that answers
    (only the session was ended: pg_terminate_backend) is watched on; one that does not
    is said to `gone`, with why, and the watch ends. A first session that cannot be opened ends it without
    a word; cancelled (the browser closing), it closes its session and says nothing.

    Chosen over a query every few seconds: the server tells every session it is going (57P01) and closes it,
    which costs nothing to wait for; a path that drops without a word (a cable, a firewall) is seen by the
    keepalives (`open_watch`)."""
    watched = False
    while True:
        try:
            conn = await open_watch(target)
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
