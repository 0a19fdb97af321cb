"""A server that goes away under an idle browser: said in the header within seconds (the idle session's end,
core/server_watch.py), `r` says why it cannot read, and reads again once the server is back."""

from __future__ import annotations

import asyncio
import shutil
import tempfile
import time
from pathlib import Path

from dibs_tui.config import Settings
from dibs_tui.core.connect import resolve
from dibs_tui.core.embedded import EmbeddedServer, bin_path
from dibs_tui.ui.app import DibsApp
from dibs_tui.ui.screens.error import ErrorScreen
from dibs_tui.ui.server_watch import GONE
from tests.pg import execute, fetch
from tests.ui_pilot import wait_for


async def _watching(dsn: str) -> list[int]:
    """The pid of the browser's idle session, watching the server, when there is one."""
    rows = await fetch(dsn, "SELECT pid FROM pg_stat_activity WHERE application_name = 'dibs-tui (watch)'")
    return [r["pid"] for r in rows]


# server_root: a server of the test's own lives under tempfile's folder, as test_sandbox_placement.py's does.
# pytest sessions run beside this one (the machine's other suites) remove all but the last three sessions'
# tmp_path folders: initdb failed there ('failed to remove contents of data directory').


def _back(server: EmbeddedServer) -> None:
    """The stopped server started again on its port (pg_ctl restart reads the options it last ran with), as
    the server's account."""
    server._run([str(bin_path("pg_ctl")), "-D", str(server.data), "-l", str(server.log), "-w", "restart"])


async def test_a_server_stopped_under_an_idle_browser_is_said_within_seconds_and_r_reads_again(
    tmp_path: Path,
) -> None:
    """It was seen only at the next read (a key that read, `r`): an idle browser showed a catalog of a
    server long gone, with nothing said."""
    root = Path(tempfile.mkdtemp(prefix="dibs-gone-"))  # not under tmp_path: see server_root
    server = await asyncio.to_thread(EmbeddedServer(root / "server").start)
    try:
        dsn = server.dsn()  # the port it keeps when started again
        await execute(dsn, "CREATE TABLE t (id int)")
        app = DibsApp(resolve(dsn), Settings(project_root=tmp_path), header_label="t")
        async with app.run_test(size=(120, 30)) as pilot:
            await wait_for(pilot, lambda: app.catalog is not None)
            for _ in range(100):
                if watch := await _watching(dsn):
                    break
                await pilot.pause(0.1)
            # Only its session ended (an administrator, idle_session_timeout): watched again, nothing said
            await execute(dsn, f"SELECT pg_terminate_backend({watch[0]})")
            for _ in range(100):
                if (again := await _watching(dsn)) and again != watch:
                    break
                await pilot.pause(0.1)
            assert again and again != watch and not app._notifications and app.load_state == ""
            stopped = time.monotonic()  # pg_ctl stop -m fast: the sessions are ended, then the server stops
            await asyncio.to_thread(server.stop)
            await wait_for(pilot, lambda: app.load_state == GONE, limit=10)
            said = time.monotonic() - stopped
            assert said < 3, said
            [told] = [n.message for n in app._notifications]
            assert told.startswith("the server went away: ") and "r reads again" in told, told
            started = time.monotonic()
            await pilot.press("r")  # says why it cannot read, at once
            await wait_for(pilot, lambda: isinstance(app.screen, ErrorScreen), limit=10)
            assert time.monotonic() - started < 5
            assert isinstance(app.screen, ErrorScreen) and "Refresh failed" in app.screen.title_text
            await asyncio.to_thread(_back, server)
            await pilot.press("r")  # Retry, on the error screen
            await wait_for(pilot, lambda: app.load_state == "" and not isinstance(app.screen, ErrorScreen))
            for _ in range(100):  # watched again
                if await _watching(dsn):
                    break
                await pilot.pause(0.1)
            assert await _watching(dsn)
    finally:
        await asyncio.to_thread(server.destroy)
        shutil.rmtree(root, ignore_errors=True)


async def test_a_watch_whose_first_session_cannot_be_opened_ends_without_a_word() -> None:
    """No news of the server (a connection limit reached, say): the next catalog read starts it again."""
    from dibs_tui.core.server_watch import watch_server

    said: list[str] = []
    await asyncio.wait_for(watch_server(resolve("postgresql://postgres@127.0.0.1:1/x"), said.append), 30)
    assert said == []


async def test_the_watch_session_is_kept_alive_on_both_ends(db: str) -> None:
    """A host that vanishes (a cable cut) closes no socket: without keepalives neither end would ever notice.
    The browser's socket probes (SO_KEEPALIVE and its timings), and so does the server's end of the session."""
    import socket

    from dibs_tui.core.server_watch import KEEPALIVE_COUNT, KEEPALIVE_IDLE, KEEPALIVE_INTERVAL, open_watch

    conn = await open_watch(resolve(db))
    try:
        sock = conn._transport.get_extra_info("socket")
        assert sock.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE) == 1
        assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE) == KEEPALIVE_IDLE
        assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPINTVL) == KEEPALIVE_INTERVAL
        assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPCNT) == KEEPALIVE_COUNT
        # the server's end: these read 0 on a Unix socket, where they do not apply
        assert await conn.fetchval("SHOW tcp_keepalives_idle") == str(KEEPALIVE_IDLE)
        assert await conn.fetchval("SHOW tcp_keepalives_interval") == str(KEEPALIVE_INTERVAL)
        assert await conn.fetchval("SHOW tcp_keepalives_count") == str(KEEPALIVE_COUNT)
        assert await conn.fetchval("SHOW application_name") == "dibs-tui (watch)"
    finally:
        await conn.close()


async def test_one_watch_session_per_browser_across_r_and_none_after_it_quits(
    db: str, tmp_path: Path
) -> None:
    """The browser holds one idle backend while it runs: `r` reads again without opening a second, and
    quitting lets it go."""
    await execute(db, "CREATE TABLE t (id int)")
    app = DibsApp(resolve(db), Settings(project_root=tmp_path), header_label="t")
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: app.catalog is not None)
        for _ in range(100):
            if watch := await _watching(db):
                break
            await pilot.pause(0.1)
        assert len(watch) == 1
        for _ in range(2):
            loaded = app.catalog
            await pilot.press("r")
            await wait_for(pilot, lambda loaded=loaded: app.catalog is not loaded and app.load_state == "")
        await pilot.pause(0.5)
        assert await _watching(db) == watch
        await pilot.press("q")
    for _ in range(50):
        if not await _watching(db):
            break
        await asyncio.sleep(0.1)
    assert await _watching(db) == []


async def test_idle_session_timeout_on_the_server_does_not_end_the_watch(db: str, tmp_path: Path) -> None:
    """idle_session_timeout set for the database (or the role) ended the watch's idle session each time it
    passed: the browser opened another, for as long as it ran, a new backend and a server log line every
    time. The watch's session sets its own to 0, as any session may."""
    server, name = db.rsplit("/", 1)
    await execute(f"{server}/postgres", f"ALTER DATABASE \"{name}\" SET idle_session_timeout = '1s'")
    app = DibsApp(resolve(db), Settings(project_root=tmp_path), header_label="t")
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: app.catalog is not None)
        for _ in range(100):
            if watch := await _watching(db):
                break
            await pilot.pause(0.1)
        await pilot.pause(3)
        assert await _watching(db) == watch, "the watch's session was ended and opened again"
        assert app.load_state == ""
        await pilot.press("q")
