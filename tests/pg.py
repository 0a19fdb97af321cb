"""Test helpers that talk to the real embedded PostgreSQL: run SQL, load fixture files with psql."""

from __future__ import annotations

import asyncio
import contextlib
import os
import pty
import re
import select
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import asyncpg

from dibs_tui.core.embedded import EmbeddedServer, bin_path

if TYPE_CHECKING:
    from dibs_tui.core.review.report import Review

REPO = Path(__file__).resolve().parents[1]
# Real-world schemas copied into the repo (origin and licence of each: tests/fixtures/SOURCES.md).
REAL = REPO / "tests" / "fixtures" / "real"
GEN_SCHEMA = REPO / "bench" / "gen_schema.py"
DIBS = str(Path(sys.executable).parent / "dibs-tui")
PATIENCE = 60.0  # seconds before a test gives up waiting for a state (a hang, never a speed)
T = TypeVar("T")


async def execute(dsn: str, *statements: str) -> None:
    """Each SQL text in turn on one connection (CREATE DATABASE, which runs alone, as one of them)."""
    conn = await asyncpg.connect(dsn)
    try:
        for sql in statements:
            await conn.execute(sql)
    finally:
        await conn.close()


def run_sql(dsn: str, sql: str) -> None:
    """Run SQL (many statements allowed) from synchronous code."""
    asyncio.run(execute(dsn, sql))


async def fetch(dsn: str, query: str, *args: object) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(dsn)
    try:
        return await conn.fetch(query, *args)
    finally:
        await conn.close()


def psql_file(
    dsn: str,
    path: Path | str,
    *,
    stop_on_error: bool = True,
    options: str | None = None,
    text: str | None = None,
) -> subprocess.CompletedProcess[str]:
    """Load a file (or `text`) with the wheel's psql, as the fixtures' SOURCES.md describes."""
    args = [str(bin_path("psql")), dsn, "-X", "-q"]
    if stop_on_error:
        args += ["-v", "ON_ERROR_STOP=1"]
    env = dict(os.environ)
    if options:
        env["PGOPTIONS"] = options
    if text is None:
        args += ["-f", str(path)]
    result = subprocess.run(args, input=text, capture_output=True, text=True, env=env, check=False)
    if stop_on_error and result.returncode != 0:
        raise AssertionError(f"psql failed on {path}: {result.stderr[-2000:]}")
    return result


# Every server a test session starts inherits this variable: a session's guards judge (and stop) only the
# shadow servers of that session, never those of a session running beside it on the same machine.
SESSION = os.environ.setdefault("DIBS_TEST_SESSION", os.urandom(8).hex())


def shadow_server_pids() -> set[int]:
    """PIDs of this session's postmasters running a shadow-database fallback server (data dir under
    dibs-shadow-*)."""
    pids: set[int] = set()
    mark = f"DIBS_TEST_SESSION={SESSION}".encode()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
            if not (argv and argv[0].endswith(b"/postgres") and any(b"dibs-shadow-" in a for a in argv)):
                continue
            environ = (entry / "environ").read_bytes().split(b"\0")
        except OSError:
            continue
        if mark in environ:
            pids.add(int(entry.name))
    return pids


# --- the browser on a terminal, beside a session that holds a lock ------------------------------------------


def until(condition: Callable[[], T], what: str) -> T:
    """The first true value `condition` returns, polled until PATIENCE runs out."""
    deadline = time.monotonic() + PATIENCE
    while time.monotonic() < deadline:
        if found := condition():
            return found
        time.sleep(0.05)
    raise AssertionError(f"gave up waiting for {what}")


def on_a_terminal(
    args: list[str], columns: int, *, cwd: Path | None = None, stderr_too: bool = False
) -> tuple[int, str]:
    """The CLI run with its standard output (and its errors, `stderr_too`) on a pseudo-terminal `columns`
    wide: what a user at it reads."""
    leader, follower = pty.openpty()
    # This checkout's package, whatever the folder it runs in
    env = {**os.environ, "COLUMNS": str(columns), "NO_COLOR": "1", "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "dibs_tui.cli", *args],
        stdout=follower,
        stderr=follower if stderr_too else subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        env=env,
        cwd=cwd,
    )
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the pty closed: the process is done writing
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    return proc.wait(), b"".join(chunks).decode().replace("\r\n", "\n")


def drain(master: int) -> bytes:
    """Read what the app drew so far (it would block on a full terminal otherwise)."""
    out = b""
    while select.select([master], [], [], 0)[0]:
        try:
            chunk = os.read(master, 65536)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
    return out


def our_backends(dsn: str) -> list[tuple[int, str | None, str | None]]:
    """The backends of dibs-tui on this database: pid, wait event type, query."""
    rows = asyncio.run(
        fetch(
            dsn,
            "SELECT pid, wait_event_type, query FROM pg_stat_activity "
            "WHERE application_name = 'dibs-tui' AND datname = current_database()",
        )
    )
    return [(r["pid"], r["wait_event_type"], r["query"]) for r in rows]


class HeldTable:
    """Another session's transaction holding an ACCESS EXCLUSIVE lock on `held`."""

    def __init__(self, dsn: str, holder: subprocess.Popen[str]) -> None:
        self.dsn = dsn
        self._holder = holder

    def release(self) -> int:
        """Commit the holding transaction (after a count inside it) and count the rows from outside: what a
        reader sees once the lock is gone."""
        assert self._holder.stdin is not None
        self._holder.stdin.write("SELECT count(*) FROM held; COMMIT;\n")
        self._holder.stdin.flush()
        return int(asyncio.run(fetch(self.dsn, "SELECT count(*) AS n FROM held"))[0]["n"])


@contextmanager
def held_table(dsn: str) -> Iterator[HeldTable]:
    """A table `held` (one row) whose CHECK constraint and view a catalog read must deparse, each of which
    opens the table, locked by another session: a read of this database waits until the lock is released."""
    run_sql(
        dsn,
        "CREATE TABLE held (id int PRIMARY KEY CHECK (id > 0)); INSERT INTO held VALUES (1);"
        "CREATE VIEW held_view AS SELECT id FROM held;",
    )
    holder = subprocess.Popen(
        [str(bin_path("psql")), dsn, "-X", "-q"], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True
    )
    try:
        assert holder.stdin is not None
        holder.stdin.write("BEGIN; LOCK TABLE held IN ACCESS EXCLUSIVE MODE; SELECT 'locked';\n")
        holder.stdin.flush()
        until(
            lambda: asyncio.run(
                fetch(dsn, "SELECT 1 FROM pg_locks WHERE relation = 'held'::regclass AND granted")
            ),
            "the lock",
        )
        yield HeldTable(dsn, holder)
    finally:
        if holder.stdin:
            holder.stdin.close()
        holder.wait(timeout=PATIENCE)


@contextmanager
def browser_on_a_terminal(*args: str) -> Iterator[tuple[subprocess.Popen[bytes], int]]:
    """The console script on a pseudo-terminal (stdin, stdout and stderr): the process and the terminal's
    master side, to read what it draws and type keys. Killed on the way out if it is still running."""
    master, slave = pty.openpty()
    app = None
    try:
        env = {**os.environ, "TERM": "xterm-256color"}
        env.pop("DATABASE_URL", None)
        app = subprocess.Popen([DIBS, *args], stdin=slave, stdout=slave, stderr=slave, env=env)
        os.close(slave)
        slave = -1
        yield app, master
    finally:
        if app is not None and app.poll() is None:
            app.kill()
            app.wait()
        if slave >= 0:
            os.close(slave)
        os.close(master)


def quit_browser(app: subprocess.Popen[bytes], master: int) -> None:
    """Type `q` and wait for the process to exit, reading what it draws meanwhile; it must exit with 0."""
    os.write(master, b"q")
    drawn = b""

    def exited() -> bool:
        nonlocal drawn
        drawn += drain(master)
        return app.poll() is not None

    until(exited, "the app to exit")
    # exit status 1 is a failed load's error screen answered by q, or an error printed once the screen closed
    # (the demo's server failing to stop): say both
    screen, _, after = drawn.rpartition(b"\x1b[?1049l")

    def text(raw: bytes) -> str:
        plain = re.sub(rb"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07", b" ", raw).decode("utf-8", "replace")
        return " ".join(plain.split())

    assert app.returncode == 0, (
        f"exit status {app.returncode}; printed after the screen closed: {text(after)[:1500]!r}; "
        f"last drawn: {text(screen)[-600:]!r}"
    )


async def review(dsn: str, sql: str) -> Review:
    """`review` of the migration text `sql` (as m.sql) on the database behind `dsn`."""
    from dibs_tui.core.connect import connect, resolve
    from dibs_tui.core.review.run import review_sql

    conn = await connect(resolve(dsn))
    try:
        return await review_sql(conn, sql, "m.sql")
    finally:
        await conn.close()


class VanishingProxy:
    """A TCP relay to the test server that can vanish: to the client, a server that went away for good."""

    def __init__(self, port: int) -> None:
        self.target_port = port
        self.links: list[asyncio.StreamWriter] = []
        self.server: asyncio.Server | None = None

    async def start(self) -> int:
        self.server = await asyncio.start_server(self._link, "127.0.0.1", 0)
        return int(self.server.sockets[0].getsockname()[1])

    async def _link(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        self.links += [writer, up_writer]

        async def pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
            with contextlib.suppress(OSError, ConnectionError):
                while data := await source.read(65536):
                    sink.write(data)
                    await sink.drain()
            sink.close()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))

    async def vanish(self) -> None:
        assert self.server is not None
        self.server.close()
        for writer in self.links:
            with contextlib.suppress(Exception):
                writer.transport.abort()
        await self.server.wait_closed()


def sandbox_leftovers(server: EmbeddedServer) -> list[str]:
    """The sandbox roles and shadow databases on `server`: none may outlive the command that made them."""
    rows = asyncio.run(
        fetch(
            server.dsn(),
            "SELECT rolname AS n FROM pg_roles WHERE rolname LIKE 'dibs_%'"
            " UNION ALL SELECT datname FROM pg_database WHERE datname LIKE 'dibs_shadow_%'",
        )
    )
    return [r["n"] for r in rows]
