"""The browser as a user starts it: times from process launch, busy-until, peak RSS, and how fast `q` exits.

    .venv/bin/python -m bench.tui_launch [--tables 5000 20000 100000] [--rounds 3]
                                         [--harlequin PATH] [--only dibs-tui|harlequin]

Runs `dibs-tui DSN` and, paired and interleaved round by round, `harlequin -a postgres DSN` (harlequin 2.x
with harlequin-postgres; --harlequin, else $DIBS_BENCH_HARLEQUIN, else the PATH) as child processes on a
pseudo-terminal of 120x36, and reads what they draw (styles stripped). dibs-tui: the first frame is its name in
the header, the table list is up when the first table's name is on the terminal, the card when its third
column's name is (only the card shows it), the whole catalog when the header names the server's version (once
the full read is in). harlequin shows its databases and loads a level when its node is opened, so it is driven
as a user would: focus the catalog (F6), open the database, the schema, then the first table; list and card
are when the table's and the column's names show. Pauses between its keys (0.1 s, and 2 s once its tree is
first drawn, as it is rebuilt when connected) are taken out of its times. Busy-until is when the process last
used more than a quarter of a core over 100 ms (from /proc, sampled every 20 ms), watched until it has been
quiet for 3 s after the whole catalog is in. Then `q` (ctrl+q for harlequin), and the time until the process
is gone; the peak RSS is the child's (os.wait4), and so is how often it was taken off a core while it could
still run ("preempted": bench/JOURNAL.md, session 20). Catalogs come from the cache (bench/common.py:
~/.cache/dibs-bench).
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
import shutil
import statistics
import struct
import subprocess
import tempfile
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
_ESCAPES = re.compile(rb"\x1b\[[0-9;?]*[ -/]*[@-~]")


@dataclass(frozen=True)
class Launch:
    frame_s: float
    list_s: float
    card_s: float
    loaded_s: float
    busy_until_s: float
    quit_s: float
    cpu_s: float  # the app's CPU (user + system) once it had gone quiet: what it spent, however scheduled
    peak_rss_mib: float
    preempted: int  # times taken off a core while it could run (wait4): see bench/JOURNAL.md, session 20


def _cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _TICK


async def _markers(dsn: str) -> tuple[str, str, str, int]:
    """The first table's name (in the list) and its third column's (only in the card); the database's name
    and its row in harlequin's list of databases."""
    conn = await asyncpg.connect(dsn)
    try:
        row = await conn.fetchrow(
            "SELECT c.relname, (SELECT a.attname FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum = 3) "
            "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE c.relkind = 'r' AND n.nspname = 'public' ORDER BY c.relname LIMIT 1"
        )
        databases = await conn.fetch(
            "SELECT datname FROM pg_database WHERE NOT datistemplate AND datallowconn ORDER BY datname"
        )
        database = await conn.fetchval("SELECT current_database()")
    finally:
        await conn.close()
    return row[0], row[1], database, [d[0] for d in databases].index(database)


@dataclass(frozen=True)
class Tool:
    """How to start a browser, what on its terminal marks each stage (`list`, `card`, `loaded`, or a step of
    its own), the keys it is sent once a mark shows (a user's: harlequin shows nothing until asked), how to
    quit it; `ordered`: each mark is looked for only once the one before it showed."""

    argv: list[str]
    steps: list[tuple[str, bytes, bytes]]
    quit: bytes
    env: dict[str, str]
    ordered: bool = False
    retry: tuple[str, str, bytes] | None = None  # after mark A, if mark B is RETRY s late, type these keys


def dibs_tool(dsn: str, table: str, column: str) -> Tool:
    # The header names the server's version once the whole catalog is in.
    steps = [
        ("frame", b"dibs-tui", b""),
        ("list", table.encode(), b""),
        ("card", column.encode(), b""),
        ("loaded", b"PostgreSQL ", b""),
    ]
    return Tool([DIBS, dsn], steps, b"q", {})


_F6, _DOWN, _UP = b"\x1b[17~", b"\x1b[B", b"\x1b[A"
# In a tool's keys: wait KEY_GAP between two keys (a key sent before the last one's work landed is lost), and
# SETTLE once harlequin's tree is drawn (it is drawn, then rebuilt). Neither wait counts in the tool's times.
_GAP, _SETTLE = b"\0", b"\1"
KEY_GAP, SETTLE, RETRY = 0.1, 2.0, 15.0


def harlequin_tool(path: str, dsn: str, database: str, row: int, table: str, column: str, cache: str) -> Tool:
    """harlequin lists the server's databases and loads a level when its node is opened: focus the catalog
    (F6), go down to the database's row and open it, open the first schema, then the first table. Each run
    gets an empty cache (`cache`) so that it reads the catalog, as dibs-tui does, instead of its last copy."""
    steps = [
        ("frame", b"Data Catalog", b""),
        ("databases", f"{database} db".encode(), _GAP.join([_SETTLE, _F6, *[_DOWN] * row, b" "])),
        ("schemas", b"public", _GAP.join([_DOWN, b" "])),
        ("list", table.encode(), _GAP.join([_DOWN, b" "])),
        ("card", column.encode(), b""),
        ("loaded", column.encode(), b""),
    ]
    env = {"XDG_CACHE_HOME": cache, "XDG_DATA_HOME": cache}
    again = _GAP.join([_F6, *[_UP] * (row + 3), *[_DOWN] * row, b" "])
    argv = [path, "--locale", "C", "-a", "postgres", dsn]
    return Tool(argv, steps, b"\x11", env, ordered=True, retry=("databases", "schemas", again))


def launch(tool: Tool) -> Launch:
    """One run of a browser on a pseudo-terminal, from fork to exit."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 36, 120, 0, 0))
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "120", "LINES": "36", **tool.env}
    start = time.perf_counter()
    process = subprocess.Popen(tool.argv, stdin=slave, stdout=slave, stderr=slave, env=env, close_fds=True)
    os.close(slave)
    seen = b""
    marks: dict[str, float] = {}
    samples: list[tuple[float, float]] = []
    sent = start
    wanted = {name: text for name, text, _ in tool.steps}
    try:
        while time.perf_counter() - start < LIMIT:
            if select.select([master], [], [], 0.02)[0]:
                try:
                    seen = seen[-4096:] + os.read(master, 1 << 20)
                except OSError:  # the terminal closed: the process is gone
                    shown = _ESCAPES.sub(b"", seen).decode(errors="replace")
                    raise SystemExit(
                        f"{tool.argv[0]} ended before {sorted(set(wanted) - set(marks))}: {shown[-600:]}"
                    ) from None
                # Styles split a line's words (harlequin draws "db" dimmer than the database's name).
                shown = _ESCAPES.sub(b"", seen)
                for name, text, keys in tool.steps:
                    if name not in marks and text in shown:
                        marks[name] = time.perf_counter() - start
                        start += _send(master, keys)
                        sent = time.perf_counter()
                    if tool.ordered and name not in marks:
                        break  # what comes next shows only once this has (and its keys were sent)
            late = time.perf_counter() - sent > RETRY
            if tool.retry and tool.retry[0] in marks and tool.retry[1] not in marks and late:
                start += _send(master, tool.retry[2])  # the keys were lost: the tree was rebuilt meanwhile
                sent = time.perf_counter()
            now = time.perf_counter() - start
            samples.append((now, _cpu_seconds(process.pid)))
            busy = _busy_until(samples)
            if len(marks) == len(wanted) and now - max(busy, marks["loaded"]) > QUIET:
                break
        else:
            raise SystemExit(
                f"{tool.argv[0]} did not show {sorted(set(wanted) - set(marks))} in {LIMIT:.0f} s"
            )
        asked = time.perf_counter()
        os.write(master, tool.quit)
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
        marks["frame"],
        marks["list"],
        marks["card"],
        marks["loaded"],
        _busy_until(samples),
        gone,
        samples[-1][1],
        usage.ru_maxrss / 1024,
        usage.ru_nivcsw,
    )


def _send(master: int, keys: bytes) -> float:
    """Type `keys` (with their pauses); returns the seconds paused."""
    paused = 0.0
    for i, part in enumerate(keys.split(_GAP)):
        pause = (KEY_GAP if i else 0.0) + (SETTLE if part == _SETTLE else 0.0)
        time.sleep(pause)
        paused += pause
        if part != _SETTLE:
            os.write(master, part)
    return paused


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
            for f in ("frame_s", "list_s", "card_s", "loaded_s", "busy_until_s", "quit_s", "cpu_s")
        ),
        max(r.peak_rss_mib for r in runs),
        round(statistics.median(r.preempted for r in runs)),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tables", type=int, nargs="+", default=[5000])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--harlequin",
        default=os.environ.get("DIBS_BENCH_HARLEQUIN") or shutil.which("harlequin"),
        help="harlequin's console script, with harlequin-postgres (default: $DIBS_BENCH_HARLEQUIN, else PATH)",
    )
    parser.add_argument("--only", choices=["dibs-tui", "harlequin"], help="run this browser alone")
    args = parser.parse_args()
    byte_compile()
    harlequin = args.harlequin
    server = cached_server()
    print(
        "| tables | tool | first frame | list | card | all loaded | busy until | q to exit | CPU | peak RSS "
        "| preempted | load average |\n|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    )
    try:
        for tables in args.tables:
            dsn = cached_synthetic(server, tables)
            table, column, database, row = asyncio.run(_markers(dsn))
            runs: dict[str, list[Launch]] = {
                name: [] for name in ("dibs-tui", "harlequin") if args.only in (None, name)
            }
            if not harlequin and args.only != "dibs-tui":
                runs.pop("harlequin", None)
            load = load_average()
            for round_no in range(args.rounds):
                # Interleaved, the first to run alternating, so that both see the same machine.
                for name in runs if round_no % 2 == 0 else reversed(runs):
                    with tempfile.TemporaryDirectory(prefix="dibs-bench-hq-") as cache:
                        tool = (
                            dibs_tool(dsn, table, column)
                            if name == "dibs-tui"
                            else harlequin_tool(harlequin, dsn, database, row, table, column, cache)
                        )
                        try:
                            runs[name].append(launch(tool))
                        except SystemExit as gave_up:  # a run that hangs is a figure too: say so, go on
                            print(f"| {tables:,} | {name} | {gave_up} | | | | | | | | | |", flush=True)
            medians = {name: _median(found) for name, found in runs.items() if found}
            for name, m in medians.items():
                print(
                    f"| {tables:,} | {name} | {m.frame_s:.2f} s | {m.list_s:.2f} s | {m.card_s:.2f} s "
                    f"| {m.loaded_s:.2f} s "
                    f"| {m.busy_until_s:.2f} s "
                    f"| {m.quit_s:.2f} s | {m.cpu_s:.2f} s | {m.peak_rss_mib:.0f} MiB | {m.preempted} | {load} |",
                    flush=True,
                )
            if not harlequin and args.only != "dibs-tui":
                print(f"| {tables:,} | harlequin | not installed | | | | | | | | | |", flush=True)
            elif len(medians) == 2:
                ours, theirs = medians["dibs-tui"], medians["harlequin"]
                print(
                    f"| {tables:,} | ratio | {ours.frame_s / theirs.frame_s:.2f}x "
                    f"| **{ours.list_s / theirs.list_s:.2f}x** | **{ours.card_s / theirs.card_s:.2f}x** "
                    f"| | {ours.busy_until_s / theirs.busy_until_s:.2f}x | | {ours.cpu_s / theirs.cpu_s:.2f}x | "
                    f"{ours.peak_rss_mib / theirs.peak_rss_mib:.2f}x | | |",
                    flush=True,
                )
    finally:
        server.stop()


if __name__ == "__main__":
    main()
