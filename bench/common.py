"""Shared machinery of the side-by-side benchmarks: an embedded server, synthetic catalogs, paired timings.

Every benchmark runs dibs-tui and the alternative (pg_dump, migra) as child processes of one Python process,
interleaved round by round, so that both see the same machine state; it reports medians and ratios.
"""

from __future__ import annotations

import asyncio
import compileall
import dataclasses
import gc
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import asyncpg

from bench import bulk_load
from dibs_tui.core.embedded import EmbeddedServer, bin_path
from dibs_tui.core.model import Catalog

REPO = Path(__file__).resolve().parents[1]
GEN_SCHEMA = REPO / "bench" / "gen_schema.py"
DIBS = str(Path(sys.executable).parent / "dibs-tui")


def byte_compile() -> None:
    """Write the package's bytecode, as pip does when it installs a wheel. Without it, an environment with
    PYTHONDONTWRITEBYTECODE set (this machine's) recompiles every dibs_tui module in every measured run,
    which no installed copy does (`schema` at 1,000 tables: 0.53 -> 0.51 s). And the methods of its
    dataclasses (core/dataclass_code.py), which a first run keeps where bytecode may be written: every module
    imported once (`schema`'s imports before its first rows: 143 -> 125 ms of CPU)."""
    compileall.compile_dir(str(REPO / "dibs_tui"), quiet=1)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    subprocess.run([sys.executable, "-c", _IMPORT_ALL], env=env, cwd=REPO, check=True)


_IMPORT_ALL = """
import importlib, pkgutil, dibs_tui
for module in pkgutil.walk_packages(dibs_tui.__path__, "dibs_tui."):
    importlib.import_module(module.name)
"""


def start_server() -> EmbeddedServer:
    return EmbeddedServer(Path(tempfile.mkdtemp(prefix="dibs-bench-")) / "server").start()


async def _admin(server: EmbeddedServer, statement: str) -> None:
    conn = await asyncpg.connect(server.dsn("postgres"))
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


def load_synthetic(server: EmbeddedServer, database: str, tables: int, *, changed: bool = False) -> str:
    """A database holding gen_schema.py's catalog of `tables` tables; returns its DSN."""
    asyncio.run(_admin(server, f'CREATE DATABASE "{database}"'))
    args = [sys.executable, str(GEN_SCHEMA), str(tables), *(["--changed"] if changed else [])]
    sql = subprocess.run(args, capture_output=True, text=True, check=True).stdout
    dsn = server.dsn(database)
    # Autocommit (no single transaction): one transaction runs out of locks at 5,000 tables.
    subprocess.run(
        [str(bin_path("psql")), dsn, "-X", "-q", "-v", "ON_ERROR_STOP=1"],
        input=sql,
        text=True,
        check=True,
        capture_output=True,
    )
    subprocess.run(
        [str(bin_path("psql")), dsn, "-X", "-q", "-c", "VACUUM ANALYZE"], check=True, capture_output=True
    )
    return dsn


CACHE = Path(os.environ.get("DIBS_BENCH_CACHE", Path.home() / ".cache" / "dibs-bench"))
_COMPLETE = "dibs-bench: complete"


def cached_server() -> EmbeddedServer:
    """The server whose data directory keeps the big synthetic catalogs between runs (a 100,000-table
    catalog takes many minutes to generate). It lives under ~/.cache/dibs-bench (DIBS_BENCH_CACHE), never in
    the repository or CI; delete the folder to start over."""
    return EmbeddedServer(CACHE / "server").start()


async def _is_complete(server: EmbeddedServer, database: str) -> bool:
    conn = await asyncpg.connect(server.dsn("postgres"))
    try:
        comment = await conn.fetchval(
            "SELECT pg_catalog.shobj_description(d.oid, 'pg_database') FROM pg_catalog.pg_database d "
            "WHERE d.datname = $1",
            database,
        )
    finally:
        await conn.close()
    return comment == _COMPLETE


async def _resumable(server: EmbeddedServer, database: str) -> bool:
    """Whether `database` holds a bulk load that was interrupted (its progress schema is still there)."""
    try:
        conn = await asyncpg.connect(server.dsn(database))
    except asyncpg.InvalidCatalogNameError:
        return False
    try:
        return bool(
            await conn.fetchval(
                "SELECT EXISTS (SELECT FROM pg_catalog.pg_namespace WHERE nspname = $1)", bulk_load.PROGRESS
            )
        )
    finally:
        await conn.close()


def cached_synthetic(server: EmbeddedServer, tables: int, *, tenants: int = 0) -> str:
    """gen_schema.py's catalog of `tables` tables in the cache server (or `tenants` schemas sharing them),
    generated once by bench/bulk_load.py: a database is marked complete (its comment) only after the load and
    VACUUM ANALYZE ended; an interrupted load resumes, anything else incomplete is rebuilt."""
    database = f"synthetic_{tables}" + (f"_tenants_{tenants}" if tenants else "")
    dsn = server.dsn(database)
    if asyncio.run(_is_complete(server, database)):
        return dsn
    if not asyncio.run(_resumable(server, database)):
        asyncio.run(_admin(server, f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        asyncio.run(_admin(server, f'CREATE DATABASE "{database}"'))
    sessions = int(os.environ.get("DIBS_BENCH_SESSIONS", "2"))
    started = time.perf_counter()
    asyncio.run(bulk_load.load(dsn, tables, tenants=tenants, sessions=sessions))
    subprocess.run(
        [str(bin_path("psql")), dsn, "-X", "-q", "-c", "VACUUM ANALYZE"], check=True, capture_output=True
    )
    asyncio.run(_admin(server, f"COMMENT ON DATABASE \"{database}\" IS '{_COMPLETE}'"))
    print(
        f"generated {database} in {time.perf_counter() - started:.0f} s (load {load_average()})",
        file=sys.stderr,
    )
    return dsn


def load_average() -> str:
    """The 1-minute load average, to print beside every figure (the machine is shared)."""
    return f"{os.getloadavg()[0]:.2f}"


@dataclass(frozen=True)
class Run:
    seconds: float
    peak_rss_mib: float
    cpu_seconds: float = 0.0  # the child's own, user and system (wait4): what the load moves least
    server_cpu_seconds: float | None = None  # the server's ended backends', when `paired` is given the server
    # Times the child was taken off a core while it could still run (wait4's involuntary context switches): on
    # a 2-core machine a client and the server's backends beside it are more runnable tasks than cores, and
    # each preemption is time the client waits (bench/JOURNAL.md, session 20).
    preempted: int = 0


def run_child(argv: Sequence[str], env: dict[str, str] | None = None) -> Run:
    """Wall time, peak RSS and CPU of one child process (its output discarded)."""
    start = time.perf_counter()
    proc = subprocess.Popen(list(argv), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        stderr = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
        raise SystemExit(f"{argv[0]} failed ({proc.returncode}): {stderr[-1000:]}")
    if proc.stderr:
        proc.stderr.close()
    return Run(elapsed, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime, preempted=usage.ru_nivcsw)


def server_cpu(server: EmbeddedServer) -> float:
    """CPU seconds of the server's backends that have ended: its postmaster's reaped children (fields 16 and 17
    of /proc/PID/stat). Backends of other clients of the same server that end meanwhile are counted too."""
    pid = int((server.data / "postmaster.pid").read_text().split()[0])
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[13]) + int(fields[14])) / os.sysconf("SC_CLK_TCK")


def _server_measured(argv: Sequence[str], server: EmbeddedServer | None) -> Run:
    """`run_child`, with the server's CPU for the run when there is a server: read again once the run's
    backends have had time to end and be reaped (they end after the client)."""
    if server is None:
        return run_child(argv)
    before = server_cpu(server)
    run = run_child(argv)
    time.sleep(_REAPED)
    return dataclasses.replace(run, server_cpu_seconds=server_cpu(server) - before)


_REAPED = 0.3  # seconds for a run's backends to exit and be reaped, between runs (not measured)


def paired(
    commands: dict[str, Sequence[str]], rounds: int, server: EmbeddedServer | None = None
) -> dict[str, list[Run]]:
    """Run each command once per round, in alternating order, after one unmeasured warm-up each; with
    `server`, each run's server CPU too."""
    for argv in commands.values():
        run_child(argv)
    results: dict[str, list[Run]] = {name: [] for name in commands}
    names = list(commands)
    for round_no in range(rounds):
        order = names if round_no % 2 == 0 else list(reversed(names))
        for name in order:
            results[name].append(_server_measured(commands[name], server))
    return results


def median_seconds(runs: list[Run]) -> float:
    return statistics.median(r.seconds for r in runs)


def peak_rss(runs: list[Run]) -> float:
    return max(r.peak_rss_mib for r in runs)


def median_cpu(runs: list[Run]) -> float:
    return statistics.median(r.cpu_seconds for r in runs)


def median_preempted(runs: list[Run]) -> int:
    return round(statistics.median(r.preempted for r in runs))


def least_server_cpu(runs: list[Run]) -> float:
    """The least of the runs' server CPU: other clients' backends ending during a run only ever add to it."""
    return min(r.server_cpu_seconds or 0.0 for r in runs)


async def loaded_catalog(dsn: str) -> tuple[Catalog, asyncpg.Connection, float]:
    """The catalog as the browser holds it after a load (frozen out of the cyclic GC's reach), the read-only
    connection it was read over (still open: the caller closes it) and the load's wall time in seconds."""
    from dibs_tui.core.connect import connect, resolve
    from dibs_tui.core.introspect.read import load_catalog

    conn = await connect(resolve(dsn), read_only=True)
    try:
        start = time.perf_counter()
        catalog = await load_catalog(conn)
        seconds = time.perf_counter() - start
    except BaseException:
        await conn.close()
        raise
    gc.freeze()
    return catalog, conn, seconds


def self_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
