"""Test helpers that talk to the real embedded PostgreSQL: run SQL, load fixture files with psql."""

from __future__ import annotations

import asyncio
import os
import subprocess
from pathlib import Path

import asyncpg

from dibs_tui.core.embedded import bin_path

REPO = Path(__file__).resolve().parents[1]
# Real-world schemas copied into the repo (origin and licence of each: tests/fixtures/SOURCES.md).
REAL = REPO / "tests" / "fixtures" / "real"
GEN_SCHEMA = REPO / "bench" / "gen_schema.py"


async def execute(dsn: str, sql: str) -> None:
    conn = await asyncpg.connect(dsn)
    try:
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
