"""The browser as a user starts it: times from process launch, busy-until, peak RSS, and how fast `q` exits.

    .venv/bin/python -m bench.tui_launch [--tables 5000 20000 100000] [--rounds 3]

Runs `dibs-tui DSN` (and `harlequin -a postgres DSN` when it is installed: the alternative users compare
with) as a child process on a pseudo-terminal of 120x36, and reads what it draws: the table list is up when
the first table's name is on the terminal, the card when its third column's name is (only the card shows
it), the whole catalog when the header names the server's version (it does once the full read is in; the
process can sit idle for seconds while the server answers). Busy-until is when the process last used more than a quarter of a core over 100 ms (from /proc, sampled every
20 ms), watched until it has been quiet for 3 s after the whole catalog is in. Then `q`, and the time until the process is gone; the peak
RSS is the child's (os.wait4). Catalogs come from the cache (bench/common.py: ~/.cache/dibs-bench).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import fcntl
import os
import pty
import select
import shutil
import statistics
import struct
import subprocess
import termios
import time
from dataclasses import dataclass

import asyncpg

from bench.common import DIBS, byte_compile, cached_server, cached_synthetic, load_average

QUIET = 3.0  # seconds without CPU use after which the app counts as idle
BUSY = 0.25  # share of a core over WINDOW that counts as busy
WINDOW = 0.1
LIMIT = 600.0  # seconds before a run is given up (a hang)
_TICK = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Launch:
    list_s: float
    card_s: float
    loaded_s: float
    busy_until_s: float
    quit_s: float
    peak_rss_mib: float


def _cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _TICK


async def _markers(dsn: str) -> tuple[str, str]:
    """The first table's name (in the list) and its third column's (only in the card)."""
    conn = await asyncpg.connect(dsn)
    try:
        row = await conn.fetchrow(
            "SELECT c.relname, (SELECT a.attname FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum = 3) "
            "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE c.relkind = 'r' AND n.nspname = 'public' ORDER BY c.relname LIMIT 1"
        )
    finally:
        await conn.close()
    return row[0], row[1]


def launch(argv: list[str], table: str, column: str, loaded: bytes) -> Launch:
    """One run of a browser on a pseudo-terminal, from fork to exit."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 36, 120, 0, 0))
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "120", "LINES": "36"}
    start = time.perf_counter()
    process = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, env=env, close_fds=True)
    os.close(slave)
    seen = b""
    marks: dict[str, float] = {}
    samples: list[tuple[float, float]] = []
    wanted = {"list": table.encode(), "card": column.encode(), "loaded": loaded}
    try:
        while time.perf_counter() - start < LIMIT:
            if select.select([master], [], [], 0.02)[0]:
                seen = seen[-4096:] + os.read(master, 1 << 20)
                for name, text in wanted.items():
                    if name not in marks and text in seen:
                        marks[name] = time.perf_counter() - start
            now = time.perf_counter() - start
            samples.append((now, _cpu_seconds(process.pid)))
            busy = _busy_until(samples)
            if len(marks) == len(wanted) and now - max(busy, marks["loaded"]) > QUIET:
                break
        else:
            raise SystemExit(f"{argv[0]} did not show {sorted(set(wanted) - set(marks))} in {LIMIT:.0f} s")
        asked = time.perf_counter()
        os.write(master, b"q")
        while True:  # keep reading: a full terminal would block the app's goodbye
            if select.select([master], [], [], 0.02)[0]:
                with contextlib.suppress(OSError):
                    os.read(master, 1 << 20)
            waited, status, usage = os.wait4(process.pid, os.WNOHANG)
            if waited:
                break
        gone = time.perf_counter() - asked
        process.returncode = os.waitstatus_to_exitcode(status)
    finally:
        if process.returncode is None:
            process.kill()
            process.wait()
        os.close(master)
    return Launch(
        marks["list"], marks["card"], marks["loaded"], _busy_until(samples), gone, usage.ru_maxrss / 1024
    )


def _busy_until(samples: list[tuple[float, float]]) -> float:
    """The end of the last WINDOW in which the process used more than BUSY of a core."""
    last, j = 0.0, 0
    for t, cpu in samples:
        while samples[j][0] < t - WINDOW:
            j += 1
        t0, cpu0 = samples[j]
        if t > t0 and (cpu - cpu0) / (t - t0) > BUSY:
            last = t
    return last


def _median(runs: list[Launch]) -> Launch:
    return Launch(
        *(
            statistics.median(getattr(r, f) for r in runs)
            for f in ("list_s", "card_s", "loaded_s", "busy_until_s", "quit_s")
        ),
        max(r.peak_rss_mib for r in runs),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tables", type=int, nargs="+", default=[5000])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    byte_compile()
    harlequin = shutil.which("harlequin")
    server = cached_server()
    print(
        "| tables | tool | list | card | all loaded | busy until | q to exit | peak RSS | load average |\n"
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|"
    )
    try:
        for tables in args.tables:
            dsn = cached_synthetic(server, tables)
            table, column = asyncio.run(_markers(dsn))
            # dibs-tui's header names the server's version once the whole catalog is in.
            tools = {"dibs-tui": ([DIBS, dsn], b"PostgreSQL ")}
            if harlequin:
                tools["harlequin"] = ([harlequin, "-a", "postgres", dsn], column.encode())
            runs: dict[str, list[Launch]] = {name: [] for name in tools}
            load = load_average()
            for _ in range(args.rounds):
                for name, (argv, loaded) in tools.items():
                    runs[name].append(launch(argv, table, column, loaded))
            for name, found in runs.items():
                m = _median(found)
                print(
                    f"| {tables:,} | {name} | {m.list_s:.2f} s | {m.card_s:.2f} s | {m.loaded_s:.2f} s "
                    f"| {m.busy_until_s:.2f} s "
                    f"| {m.quit_s:.2f} s | {m.peak_rss_mib:.0f} MiB | {load} |",
                    flush=True,
                )
            if not harlequin:
                print(f"| {tables:,} | harlequin | not installed | | | | | | |", flush=True)
    finally:
        server.stop()


if __name__ == "__main__":
    main()
