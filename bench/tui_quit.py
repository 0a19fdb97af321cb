"""How fast `q` (or ctrl+c) ends the browser in the middle of the Diff tab's work, and what it leaves behind.

    .venv/bin/python -m bench.tui_quit DSN DESIRED_DSN [--key q|ctrl+c] [--rounds 1]

Runs `dibs-tui DSN --desired DESIRED_DSN` on a 120x36 pseudo-terminal, waits for the whole catalog (the
header names the server's version), presses `d` and quits at a moment of the diff and of its plan's review,
each moment found on the server, not by a clock: `diff` 0.3 s after `d`; `sandbox` as soon as the review's
shadow database exists; `sandbox+N` N seconds after. Reports the seconds from the key to the process's exit,
and the shadow databases and sandbox roles left on the server at the exit and 20 s later. A sandbox on an
embedded server (the live one refused it) is found as a postgres process on a dibs-shadow- data directory.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import fcntl
import os
import pty
import re
import select
import struct
import subprocess
import termios
import time

import asyncpg

from bench.common import DIBS

_ESCAPES = re.compile(rb"\x1b\[[0-9;?]*[ -/]*[@-~]")
MOMENTS = ["diff", "sandbox", "sandbox+0.5", "sandbox+1.5", "sandbox+3"]
KEYS = {"q": b"q", "ctrl+c": b"\x03"}


class Server:
    """A session of our own on the live server that sees the sandboxes."""

    def __init__(self, dsn: str) -> None:
        self.loop = asyncio.new_event_loop()
        self.conn = self.loop.run_until_complete(asyncpg.connect(dsn))

    def leftovers(self) -> tuple[int, int]:
        query = (
            "SELECT (SELECT count(*) FROM pg_database WHERE datname LIKE 'dibs\\_shadow\\_%'),"
            " (SELECT count(*) FROM pg_roles WHERE rolname LIKE 'dibs\\_sandbox\\_%')"
        )
        row = self.loop.run_until_complete(self.conn.fetchrow(query))
        return int(row[0]), int(row[1])


def _embedded_servers() -> list[int]:
    """The embedded sandbox servers running (their postmaster, whose data directory is a dibs-shadow- one)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            with contextlib.suppress(OSError), open(f"/proc/{entry}/cmdline", "rb") as cmdline:
                words = cmdline.read().split(b"\0")
                if words[0].endswith(b"postgres") and any(b"dibs-shadow-" in w for w in words):
                    found.append(int(entry))
    return found


def run_once(dsn: str, desired: str, moment: str, key: bytes, server: Server) -> tuple[float, str, str]:
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 36, 120, 0, 0))
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "120", "LINES": "36"}
    process = subprocess.Popen(
        [DIBS, dsn, "--desired", desired], stdin=slave, stdout=slave, stderr=slave, env=env, close_fds=True
    )
    os.close(slave)
    seen = b""
    pressed = sandbox_at = None
    before_all = server.leftovers()
    before = before_all[0]
    try:
        deadline = time.perf_counter() + 600
        while time.perf_counter() < deadline:
            if select.select([master], [], [], 0.02)[0]:
                seen = seen[-8192:] + os.read(master, 1 << 20)
            now = time.perf_counter()
            if pressed is None:
                if b"PostgreSQL " in _ESCAPES.sub(b"", seen):
                    os.write(master, b"d")
                    pressed = now
                continue
            if moment == "diff":
                if now - pressed >= 0.3:
                    break
                continue
            if sandbox_at is None:
                if server.leftovers()[0] > before or _embedded_servers():
                    sandbox_at = now
                else:
                    continue
            wait = float(moment.partition("+")[2] or 0)
            if now - sandbox_at >= wait:
                break
        else:
            raise SystemExit(f"moment {moment} never came")
        # Still there at the moment of the key (the review may have ended already)?
        state = "shadow up" if server.leftovers()[0] > before else "no shadow"
        state += f", {len(_embedded_servers())} embedded postgres"
        gone = _quit(master, process.pid, key)
        process.returncode = 0
    finally:
        if process.returncode is None:
            process.kill()
            process.wait()
        os.close(master)
    at_exit = server.leftovers()
    later = _settled(server, at_exit, before_all)
    servers = len(_embedded_servers())
    return (
        gone,
        f"{state}; at exit {at_exit[0]} db {at_exit[1]} roles",
        f"20 s later {later[0]} db {later[1]} roles, {servers} embedded postgres",
    )


def _quit(master: int, pid: int, key: bytes) -> float:
    """Type `key`; the seconds until the process is gone (its terminal read meanwhile, so it never blocks)."""
    asked = time.perf_counter()
    os.write(master, key)
    while True:
        if select.select([master], [], [], 0.01)[0]:
            with contextlib.suppress(OSError):
                os.read(master, 1 << 20)
        if os.waitpid(pid, os.WNOHANG)[0]:
            return time.perf_counter() - asked


def _settled(server: Server, at_exit: tuple[int, int], before: tuple[int, int]) -> tuple[int, int]:
    """What is left once a drop the server is still finishing has had up to 20 s."""
    later = at_exit
    for _ in range(200):
        if later[0] <= before[0] and later[1] <= before[1]:
            break
        time.sleep(0.1)
        later = server.leftovers()
    return later


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("dsn")
    parser.add_argument("desired")
    parser.add_argument("--key", choices=sorted(KEYS), default="q")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--moments", nargs="+", default=MOMENTS)
    args = parser.parse_args()
    server = Server(args.dsn)
    print("| moment | key to exit | state | after |")
    print("|---|---:|---|---|")
    for moment in args.moments:
        for _ in range(args.rounds):
            gone, state, after = run_once(args.dsn, args.desired, moment, KEYS[args.key], server)
            print(f"| {moment} | {gone:.2f} s | {state} | {after} |", flush=True)


if __name__ == "__main__":
    main()
