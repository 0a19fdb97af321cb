"""A database's owner cannot turn parallel workers or JIT back on for our catalog sessions.

`ALTER DATABASE ... SET` applies to every session that connects; our catalog sessions send their own settings at
start-up (core/session.py), which the server ranks above the database's. A database that asks for parallel
plans everywhere (free parallel set-up, workers for the tiniest scan) and JIT for every query gets neither in
our reads, and the diff is the same.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from dibs_tui.core.connect import resolve
from dibs_tui.core.diff import diff_database
from dibs_tui.core.introspect.live import catalog_sessions
from dibs_tui.core.introspect.queries import queries_for
from tests.pg import run_sql

SCHEMA = "CREATE TABLE t (id int PRIMARY KEY, a text CHECK (a <> ''));"


def _hostile_defaults(dsn: str) -> None:
    name = dsn.rsplit("/", 1)[1]
    run_sql(
        dsn,
        SCHEMA
        + "".join(
            f"ALTER DATABASE {name} SET {setting};"
            for setting in (
                "jit = on",
                "jit_above_cost = 0",
                "max_parallel_workers_per_gather = 8",
                "parallel_setup_cost = 0",
                "parallel_tuple_cost = 0",
                "min_parallel_table_scan_size = 0",
            )
        ),
    )


async def _seen(dsn: str) -> tuple[dict[str, str], list[str]]:
    async with catalog_sessions(resolve(dsn)) as conns:
        conn = conns[0]
        rows = await conn.fetch(
            "SELECT name, setting FROM pg_catalog.pg_settings "
            "WHERE name IN ('jit', 'max_parallel_workers_per_gather', 'parallel_setup_cost')"
        )
        version = conn.get_server_version()
        sql = queries_for(version.major * 10000 + version.minor)["constraints"]
        whole = [0, 2**32 - 1] if "$4" in sql else []  # the read's portions of relations by OID: all of them
        plan = [r[0] for r in await conn.fetch("EXPLAIN " + sql, [], [], *whole)]
    return {r["name"]: r["setting"] for r in rows}, plan


def test_database_defaults_do_not_bring_back_parallel_workers_or_jit(new_database: Callable[[], str]) -> None:
    current, desired = new_database(), new_database()
    _hostile_defaults(current)
    run_sql(desired, SCHEMA.replace("a text", "a text, b int"))
    settings, plan = asyncio.run(_seen(current))
    # the database's own default is there (it reached the session), ours above it
    assert settings == {"jit": "off", "max_parallel_workers_per_gather": "0", "parallel_setup_cost": "0"}
    assert not any("Gather" in line or "JIT" in line for line in plan), plan  # no worker, nothing compiled
    result = asyncio.run(diff_database(resolve(current), [desired]))
    assert [s.sql for s in result.plan] == ["ALTER TABLE public.t ADD COLUMN b integer;"]
