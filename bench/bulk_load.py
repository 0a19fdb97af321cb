"""Loads gen_schema.py's catalog of N tables fast and restartably, for the cached big catalogs.

    .venv/bin/python -m bench.bulk_load DSN TABLES [--tenants K] [--sessions 2]

One psql session running the whole script reached 21,000 tables in 23 minutes on a loaded machine. Here the
script is cut into chunks of CHUNK tables, each one transaction (never all tables in one: the lock table would
overflow), sent over `--sessions` parallel connections. Tables, their keys, indexes and comments come first in
any order; the foreign keys, which reference earlier tables, are added by ALTER TABLE once every table exists.
Each chunk records itself in the `dibs_bench_progress` schema inside its own transaction, so an interrupted
load resumes where it stopped (the schema is dropped at the end). The catalog is the same as gen_schema.py's
script gives (same tables, columns, constraints and their names, indexes, comments), only created in another
order.

`--tenants K` builds the schema-per-tenant shape instead: K schemas `tenant_00000`... of TABLES/K tables each
(gen_schema.py's catalog of that size, its own seed per tenant), the enums once in public.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import time
from collections.abc import Iterator
from dataclasses import dataclass

import asyncpg

from bench import gen_schema

CHUNK = 200
PROGRESS = "dibs_bench_progress"


@dataclass(frozen=True)
class Chunk:
    key: str
    sql: str


def flat_chunks(tables: int, seed: str = "dibs") -> tuple[list[Chunk], list[Chunk]]:
    """Tables first (any order), then their foreign keys: two lists of chunks, each loadable in parallel."""
    _, model = gen_schema.build(tables, seed)
    first, second = [], []
    for start in range(0, tables, CHUNK):
        created, linked = io.StringIO(), io.StringIO()
        for table in model[start : start + CHUNK]:
            gen_schema.render_table(table, created.write, with_fks=False)
            gen_schema.render_fks(table, linked.write)
        first.append(Chunk(f"t{start}", created.getvalue()))
        second.append(Chunk(f"f{start}", linked.getvalue()))
    return first, second


def tenant_chunks(tables: int, tenants: int, seed: str = "dibs") -> Iterator[Chunk]:
    """One chunk per tenant schema, its tables with their foreign keys inline (they stay inside the tenant)."""
    per_tenant = tables // tenants
    for k in range(tenants):
        _, model = gen_schema.build(per_tenant, f"{seed}:{k}")
        schema = f"tenant_{k:05d}"
        out = io.StringIO()
        out.write(f"CREATE SCHEMA {schema};\nSET LOCAL search_path = {schema}, public;\n")
        for table in model:
            gen_schema.render_table(table, out.write)
        yield Chunk(schema, out.getvalue())


async def _done(conn: asyncpg.Connection) -> set[str]:
    await conn.execute(
        f"CREATE SCHEMA IF NOT EXISTS {PROGRESS}; CREATE TABLE IF NOT EXISTS {PROGRESS}.done (key text PRIMARY KEY)"
    )
    return {r[0] for r in await conn.fetch(f"SELECT key FROM {PROGRESS}.done")}


async def _worker(dsn: str, chunks: list[Chunk], counter: list[int], total: int, began: float) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        for chunk in chunks:
            script = (
                "BEGIN;\nSET LOCAL client_min_messages = warning;\n"
                f"{chunk.sql}\nINSERT INTO {PROGRESS}.done VALUES ('{chunk.key}');\nCOMMIT;"
            )
            for attempt in range(20):
                try:
                    await conn.execute(script)
                    break
                except asyncpg.DeadlockDetectedError:
                    # Two sessions' foreign keys locked the same tables in another order: try again.
                    await conn.execute("ROLLBACK")
                    if attempt == 19:
                        raise
            counter[0] += 1
            if counter[0] % 25 == 0 or counter[0] == total:
                print(f"{counter[0]}/{total} chunks, {time.monotonic() - began:.0f} s", flush=True)
    finally:
        await conn.close()


async def _run(dsn: str, chunks: list[Chunk], done: set[str], sessions: int) -> None:
    """Each session loads its own contiguous run of chunks: foreign keys reference nearby tables, so two
    sessions working far apart rarely lock the same tables (a deadlock is retried)."""
    todo = [chunk for chunk in chunks if chunk.key not in done]
    share = -(-len(todo) // sessions)
    counter, began = [0], time.monotonic()
    await asyncio.gather(
        *(
            _worker(dsn, todo[i : i + share], counter, len(todo), began)
            for i in range(0, len(todo), share or 1)
        )
    )


async def load(dsn: str, tables: int, *, tenants: int = 0, sessions: int = 2) -> None:
    """Create (or finish creating) the catalog in the database `dsn`; VACUUM ANALYZE is the caller's."""
    conn = await asyncpg.connect(dsn)
    try:
        done = await _done(conn)
        if "enums" not in done:
            enums = io.StringIO()
            gen_schema.render_enums(gen_schema.ENUMS, enums.write)
            await conn.execute(
                f"BEGIN; {enums.getvalue()} INSERT INTO {PROGRESS}.done VALUES ('enums'); COMMIT;"
            )
    finally:
        await conn.close()
    if tenants:
        await _run(dsn, list(tenant_chunks(tables, tenants)), done, sessions)
    else:
        first, second = flat_chunks(tables)
        await _run(dsn, first, done, sessions)
        await _run(dsn, second, done, sessions)
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(f"DROP SCHEMA {PROGRESS} CASCADE")
    finally:
        await conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("dsn")
    parser.add_argument("tables", type=int)
    parser.add_argument("--tenants", type=int, default=0)
    parser.add_argument("--sessions", type=int, default=2)
    args = parser.parse_args()
    asyncio.run(load(args.dsn, args.tables, tenants=args.tenants, sessions=args.sessions))


if __name__ == "__main__":
    main()
