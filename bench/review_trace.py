"""`dibs-tui review` with its sandbox trace against the same review without it (`--no-trace`, the rules alone).

    .venv/bin/python -m bench.review_trace [--sizes 1000] [--rounds 3] [--no-demo] [--statements 1000 4000]

On the demo database (`dibs_tui.demo`, its pending migration) and on gen_schema.py catalogs of each size (a
migration of six statements over three of its tables: a type change that rewrites, an index build, a column
with a volatile default, a DROP DEFAULT, VACUUM FULL, an enum label). The trace's cost is the clone: the live
catalog read, rendered as DDL, parsed, loaded into a sandbox database; prints medians, the ratio, peak RSS and
the load average. `--statements`: also a long migration of that many statements over the first catalog's
tables (per table ADD COLUMN, COMMENT ON COLUMN, CREATE INDEX, SET DEFAULT, in one transaction), where the
trace's cost is its reads after each statement.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.common import (
    DIBS,
    GEN_SCHEMA,
    byte_compile,
    load_synthetic,
    median_seconds,
    paired,
    peak_rss,
    start_server,
)

SYNTHETIC_MIGRATION = """\
ALTER TABLE account_00000 ALTER COLUMN score_9 TYPE bigint;
CREATE INDEX ix_bench_label ON account_00000 (label_2);
ALTER TABLE account_00000 ADD COLUMN bench_id uuid DEFAULT uuidv7();
ALTER TABLE account_00000 ALTER COLUMN is_active_4 DROP DEFAULT;
ALTER TYPE record_status ADD VALUE 'bench';
VACUUM FULL account_00000;
"""


def long_migration(statements: int, tables: int) -> str:
    """`statements` statements, four per table of gen_schema.py's first `tables` (round robin past them)."""
    names = [line.split()[2] for line in _schema(tables).splitlines() if line.startswith("CREATE TABLE ")]
    out = []
    for i in range(statements // 4):
        table = names[i % len(names)]
        column = f"bench_{i}"
        out += [
            f"ALTER TABLE {table} ADD COLUMN {column} integer;",
            f"COMMENT ON COLUMN {table}.{column} IS 'added by the bench';",
            f"CREATE INDEX ix_bench_{i} ON {table} ({column});",
            f"ALTER TABLE {table} ALTER COLUMN {column} SET DEFAULT {i};",
        ]
    return "\n".join(out) + "\n"


def _schema(tables: int) -> str:
    return subprocess.run(
        [sys.executable, str(GEN_SCHEMA), str(tables)], capture_output=True, text=True, check=True
    ).stdout


def measure(name: str, dsn: str, migration: Path, rounds: int) -> None:
    base = [DIBS, "review", str(migration), dsn, "--format", "json"]
    runs = paired({"traced": base, "rules only": [*base, "--no-trace"]}, rounds)
    traced, rules = median_seconds(runs["traced"]), median_seconds(runs["rules only"])
    print(
        f"| {name} | {traced:.2f} s | {rules:.2f} s | {traced / rules:.1f}x | "
        f"{peak_rss(runs['traced']):.0f} MiB | {peak_rss(runs['rules only']):.0f} MiB |",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="*", default=[1000])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--no-demo", action="store_true")
    parser.add_argument("--statements", type=int, nargs="*", default=[])
    args = parser.parse_args()
    byte_compile()
    server = start_server()
    work = Path(tempfile.mkdtemp(prefix="dibs-bench-review-"))
    try:
        print("| database | review (traced) | review --no-trace | ratio | RSS traced | RSS rules |")
        print("|---|---:|---:|---:|---:|---:|")
        if not args.no_demo:
            from dibs_tui.demo.build import build_demo

            info = build_demo(server.dsn("postgres"), "bench_demo", project_dir=work / "demo")
            [pending] = info.pending
            migration = info.project_dir / "db" / "migrations" / f"{pending}.sql"
            measure("demo (pending migration)", info.dsn, migration, args.rounds)
        migration = work / "m.sql"
        migration.write_text(SYNTHETIC_MIGRATION)
        for size in args.sizes:
            dsn = load_synthetic(server, f"bench_{size}", size)
            measure(f"{size:,} tables", dsn, migration, args.rounds)
            for count in args.statements:
                long = work / f"long_{count}.sql"
                long.write_text(long_migration(count, size))
                measure(f"{size:,} tables, {count:,} statements", dsn, long, args.rounds)
        print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    finally:
        server.stop()
        shutil.rmtree(server.root.parent, ignore_errors=True)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
