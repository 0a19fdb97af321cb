"""`dibs-tui review` with its sandbox trace against the same review without it (`--no-trace`, the rules alone).

    .venv/bin/python -m bench.review_trace [--sizes 1000] [--rounds 3] [--no-demo]

On the demo database (`dibs_tui.demo`, its pending migration) and on gen_schema.py catalogs of each size (a
migration of six statements over three of its tables: a type change that rewrites, an index build, a column
with a volatile default, a DROP DEFAULT, VACUUM FULL, an enum label). The trace's cost is the clone: the live
catalog read, rendered as DDL, parsed, loaded into a sandbox database; prints medians, the ratio, peak RSS and
the load average.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
from pathlib import Path

from bench.common import (
    DIBS,
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
        print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    finally:
        server.stop()
        shutil.rmtree(server.root.parent, ignore_errors=True)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
