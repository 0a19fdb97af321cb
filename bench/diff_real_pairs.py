"""Every ordered pair of real schemas, one planned into the other: the diff's order under wholesale change.

    .venv/bin/python -m bench.diff_real_pairs [--bases pagila chinook lago ...] [--pairs a:b,c:d]

Each real schema (tests/fixtures/real, loaded as tests/realschemas.py does) is loaded once into a template
database on a server of its own, its tables emptied and `public` made as PostgreSQL makes it
(EMPTIED_WITH_DEFAULT_PUBLIC). For each ordered pair, a copy of the first is planned into a copy of the second
through the convergence harness of tests/diffcases: hundreds of tables dropped and made, the tables both name
altered into the other's, and then the second diff empty and the fingerprints equal. A failure prints the pair
and the harness's message and keeps the traceback in the output folder. Not a timing and not part of the suite
(three of the pairs are: tests/test_diff_real.py).
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import tempfile
import time
import traceback
from pathlib import Path

from dibs_tui.core.embedded import EmbeddedServer
from tests.diffcases.harness import converge_dsns
from tests.pg import execute, run_sql
from tests.realschemas import EMPTIED_WITH_DEFAULT_PUBLIC, LOADERS, load_real

BASES = ("pagila", "chinook", "lago", "delta", "synapse", "supabase", "musicbrainz", "openstreetmap", "plue")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bases", nargs="+", default=list(BASES), choices=sorted(LOADERS))
    parser.add_argument("--pairs", help="only these ordered pairs: current:desired,current:desired")
    parser.add_argument("--out", type=Path, default=Path(tempfile.gettempdir()) / "dibs-real-pairs")
    args = parser.parse_args()
    pairs = [tuple(p.split(":", 1)) for p in args.pairs.split(",")] if args.pairs else None
    bases = sorted({n for p in pairs for n in p}) if pairs else args.bases
    todo = pairs or [(a, b) for a in bases for b in bases if a != b]
    args.out.mkdir(parents=True, exist_ok=True)
    root = Path(tempfile.mkdtemp(prefix="dibs-real-pairs-"))
    server = EmbeddedServer(root / "server").start()
    admin = server.dsn()
    try:
        for name in bases:
            started = time.perf_counter()
            asyncio.run(execute(admin, f'CREATE DATABASE "template_{name}"'))
            load_real(server.dsn(f"template_{name}"), name)
            run_sql(server.dsn(f"template_{name}"), EMPTIED_WITH_DEFAULT_PUBLIC)
            print(f"loaded {name} in {time.perf_counter() - started:.1f} s", flush=True)
        converged = 0
        for current, desired in todo:
            asyncio.run(
                execute(
                    admin,
                    f'CREATE DATABASE "a" TEMPLATE "template_{current}"',
                    f'CREATE DATABASE "b" TEMPLATE "template_{desired}"',
                )
            )
            started = time.perf_counter()
            try:
                outcome = converge_dsns(server.dsn("a"), server.dsn("b"))
            except Exception as failed:  # a failing pair is what this tool finds: say it, go on
                kept = args.out / f"{current}-into-{desired}.txt"
                kept.write_text(traceback.format_exc())
                first = " | ".join(str(failed).strip().splitlines()[:4])[:600]
                print(
                    f"FAIL {current} -> {desired}: {type(failed).__name__}: {first} (see {kept})", flush=True
                )
            else:
                converged += 1
                took = time.perf_counter() - started
                print(
                    f"ok   {current} -> {desired}: {len(outcome.plan)} statements, {took:.1f} s", flush=True
                )
            finally:
                asyncio.run(
                    execute(admin, 'DROP DATABASE "a" WITH (FORCE)', 'DROP DATABASE "b" WITH (FORCE)')
                )
        print(f"{converged} of {len(todo)} ordered pairs converged", flush=True)
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
