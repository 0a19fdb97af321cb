"""How long counting on live data adds to `review`: the whole review (rules + counts) against the rules alone
(the review as it was before counting), paired round by round on the same connection.

    .venv/bin/python -m bench.review_counts [--tables 1000] [--rows 1000000] [--rounds 5]

Cases:
* demo: the Acme Tracker demo database (`dibs-tui demo`'s data), reviewing its pending migration plus one
  statement of each counted kind over its tables;
* catalog: gen_schema.py's catalog of --tables tables (empty): a migration adding a CHECK to 100 of them and
  dropping 100 more (what a count costs per statement when there is nothing to count);
* rows: a table of --rows rows in that database: SET NOT NULL, UNIQUE, a CHECK, a rounding type change, a
  foreign key, DROP COLUMN, each counted exactly; then the same with sampling forced (SAMPLE_ABOVE_BYTES = 0).

Prints medians, the counts' share, this process's peak RSS and the load average.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import asyncpg

from bench.common import load_synthetic, self_rss_mib, start_server
from dibs_tui.core.connect import connect, resolve
from dibs_tui.core.migrations.files import split_statements
from dibs_tui.core.review import count_queries
from dibs_tui.core.review.facts import CHECK_TIMEOUT, Facts
from dibs_tui.core.review.rules import Reviewer
from dibs_tui.core.review.run import review_sql
from dibs_tui.demo.build import PENDING, build_demo

DEMO_EXTRA = """
ALTER TABLE issues ALTER COLUMN body SET NOT NULL;
ALTER TABLE users ADD CONSTRAINT users_name_key UNIQUE (display_name);
ALTER TABLE issues ADD CONSTRAINT issues_low_priority CHECK (priority < 3);
ALTER TABLE issues ALTER COLUMN title TYPE varchar(10) USING title::varchar(10);
ALTER TABLE comments ADD CONSTRAINT comments_issue_fk FOREIGN KEY (issue_id) REFERENCES issues (id);
DROP TABLE audit_log;
"""

ROWS_MIGRATION = """
ALTER TABLE big ALTER COLUMN note SET NOT NULL;
ALTER TABLE big ADD CONSTRAINT big_code_key UNIQUE (code);
ALTER TABLE big ADD CONSTRAINT big_amount_check CHECK (amount < 900);
ALTER TABLE big ALTER COLUMN amount TYPE numeric(10,0);
ALTER TABLE big ADD CONSTRAINT big_parent_fk FOREIGN KEY (parent) REFERENCES big (id);
ALTER TABLE big DROP COLUMN note;
"""


async def rules_only(conn: asyncpg.Connection, text: str) -> None:
    """The review without counts: the rules in the same read-only transaction (what review did before)."""
    reviewer = Reviewer(Facts(conn))
    async with conn.transaction(isolation="repeatable_read", readonly=True):
        await conn.execute(f"SET LOCAL statement_timeout = '{CHECK_TIMEOUT}'")
        for stmt in split_statements(text, "bench.sql"):
            await reviewer.statement(stmt.text, stmt.line)


async def timed(run: Callable[[], Awaitable[object]]) -> float:
    t0 = time.perf_counter()
    await run()
    return time.perf_counter() - t0


async def paired(dsn: str, name: str, text: str, rounds: int) -> None:
    conn = await connect(resolve(dsn))
    try:
        await review_sql(conn, text)  # warm-up, unmeasured
        await rules_only(conn, text)
        whole, rules = [], []
        for _ in range(rounds):
            whole.append(await timed(lambda: review_sql(conn, text)))
            rules.append(await timed(lambda: rules_only(conn, text)))
        review = await review_sql(conn, text)
    finally:
        await conn.close()
    w, r = statistics.median(whole), statistics.median(rules)
    counted = sum(1 for _, h in review.hazards if h.basis == "observed" and (h.count or h.not_counted))
    statements = len(review.statements)
    print(
        f"| {name} | {statements} | {counted} | {w * 1000:,.0f} ms | {r * 1000:,.0f} ms | "
        f"{(w - r) * 1000:,.0f} ms | {w / r if r else 0:.2f}x |"
    )


def demo_case(server_dsn: str) -> tuple[str, str]:
    with tempfile.TemporaryDirectory(prefix="dibs-bench-demo-") as folder:
        info = build_demo(server_dsn, project_dir=Path(folder))
        pending = info.project_dir / "db" / "migrations" / f"{PENDING[0]}.sql"
        return info.dsn, pending.read_text(encoding="utf-8") + DEMO_EXTRA


async def rows_table(dsn: str, rows: int) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(
            "CREATE TABLE big (id bigint PRIMARY KEY, code int, amount numeric(10,2), parent bigint, note text);"
            f"INSERT INTO big SELECT g, g % ({rows} - 10), (g % 1000) + 0.25, g - 1, "
            f"CASE WHEN g % 97 = 0 THEN NULL ELSE 'n' || g END FROM generate_series(1, {rows}) g;"
        )
        await conn.execute("VACUUM ANALYZE big")
    finally:
        await conn.close()


async def catalog_migration(dsn: str) -> str:
    rows = await asyncpg.connect(dsn)
    try:
        names = [r["relname"] for r in await rows.fetch(
            "SELECT relname::text FROM pg_class WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace "
            "AND relname <> 'big' ORDER BY relname LIMIT 200"
        )]  # fmt: skip
    finally:
        await rows.close()
    checks = [f"ALTER TABLE {n} ADD CONSTRAINT {n}_bench CHECK (id > 0);" for n in names[:100]]
    return "\n".join(checks + [f"DROP TABLE {n} CASCADE;" for n in names[100:]])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tables", type=int, default=1000)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    server = start_server()
    try:
        print(
            "| case | statements | counted hazards | review (rules + counts) | rules only | counts | ratio |"
        )
        print("|---|---:|---:|---:|---:|---:|---:|")
        dsn, text = demo_case(server.dsn("postgres"))
        asyncio.run(paired(dsn, "demo", text, args.rounds))
        synthetic = load_synthetic(server, "bench_counts", args.tables)
        asyncio.run(rows_table(synthetic, args.rows))
        text = asyncio.run(catalog_migration(synthetic))
        asyncio.run(paired(synthetic, f"catalog: {args.tables:,} tables", text, args.rounds))
        asyncio.run(paired(synthetic, f"rows: {args.rows:,} rows, exact", ROWS_MIGRATION, args.rounds))
        count_queries.SAMPLE_ABOVE_BYTES = 0
        asyncio.run(paired(synthetic, f"rows: {args.rows:,} rows, sampled", ROWS_MIGRATION, args.rounds))
    finally:
        server.stop()
        server.destroy()
    print(f"peak RSS {self_rss_mib():.0f} MiB, load average {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
