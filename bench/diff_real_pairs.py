"""Every ordered pair of real schemas, one planned into the other: the diff's order under wholesale change.

    .venv/bin/python -m bench.diff_real_pairs [--bases pagila chinook ...] [--pairs a:b,c:d]
                                              [--through-migrate [--concurrently]] [--server DSN]

Each real schema (tests/fixtures/real, loaded as tests/realschemas.py does) is loaded once into a template
database on a server of its own, its tables emptied and `public` made as PostgreSQL makes it
(EMPTIED_WITH_DEFAULT_PUBLIC). For each ordered pair, a copy of the first is planned into a copy of the second
through the convergence harness of tests/diffcases: hundreds of tables dropped and made, the tables both name
altered into the other's, and then the second diff empty and the fingerprints equal.

`--through-migrate` takes the user's path instead: `generate` (with `--concurrently` if given) writes the
migration, `migrate --yes --desired` proves it on a sandbox clone and applies it, and `check` must then say
in sync. Where the proof says it could not try the migration (what a sandbox's role may not do: drop an
extension it does not own, act on an event trigger the clone cannot have), that is printed and the migration
is applied with `--no-prove`, so the apply is still checked.

`--server DSN` runs every pair on another server instead of an embedded one: a superuser's DSN without a
database, e.g. Debian's PostgreSQL 15 started by hand (the templates and the pairs' databases are made and
dropped there; bases whose files need a newer server, pagila and delta, are left out by --bases).

A failure prints the pair and the message and keeps the whole of it in the output folder. Not a timing and not
part of the suite (three of the pairs are: tests/test_diff_real.py).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import subprocess
import tempfile
import time
import traceback
from pathlib import Path

from dibs_tui.core.embedded import EmbeddedServer
from tests.diffcases.harness import converge_dsns
from tests.pg import DIBS, execute, run_sql
from tests.realschemas import EMPTIED_WITH_DEFAULT_PUBLIC, LOADERS, load_real

BASES = ("pagila", "chinook", "lago", "delta", "synapse", "supabase", "musicbrainz", "openstreetmap", "plue")
UNTRIED = ("the proof could not try", "the proof could not build a clone")


class PairFailed(Exception):
    """A step of the user's path that did not end as it should: its command and what it printed."""


def _dibs(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [DIBS, *argv], capture_output=True, text=True, timeout=900, stdin=subprocess.DEVNULL, env=os.environ
    )


def _through_migrate(current: str, desired: str, folder: Path, concurrently: bool) -> str:
    """generate, migrate, check; returns what the proof said when it could not try the migration."""
    made = _dibs(
        "generate", "pair", current, "--desired", desired, "--migrations", str(folder),
        *(["--concurrently"] if concurrently else []),
    )  # fmt: skip
    if made.returncode not in (0, 4):  # 4: written, and it fails on the rows there now (there are none)
        raise PairFailed(f"generate exit {made.returncode}: {made.stderr}{made.stdout}")
    applied = _dibs("migrate", current, "--migrations", str(folder), "--yes", "--desired", desired)
    untried = ""
    if applied.returncode == 1 and any(reason in applied.stderr for reason in UNTRIED):
        said = [line for line in applied.stdout.splitlines() if line.startswith("not proved")]
        untried = (said or applied.stderr.strip().splitlines())[0]
        applied = _dibs("migrate", current, "--migrations", str(folder), "--yes", "--no-prove")
    if applied.returncode != 0:
        raise PairFailed(f"migrate exit {applied.returncode}: {applied.stderr}\n{applied.stdout}")
    checked = _dibs("check", current, "--desired", desired)
    if checked.returncode != 0:
        raise PairFailed(f"check exit {checked.returncode}: {checked.stdout}{checked.stderr}")
    return untried


class _Given:
    """A server started by someone else (`--server`): named, never stopped here."""

    def __init__(self, dsn: str) -> None:
        self._base = dsn.rstrip("/")

    def dsn(self, database: str = "postgres") -> str:
        return f"{self._base}/{database}"

    def stop(self) -> None:
        pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bases", nargs="+", default=list(BASES), choices=sorted(LOADERS))
    parser.add_argument("--pairs", help="only these ordered pairs: current:desired,current:desired")
    parser.add_argument("--through-migrate", action="store_true", help="generate, migrate and check")
    parser.add_argument("--concurrently", action="store_true", help="generate --concurrently")
    parser.add_argument("--out", type=Path, default=Path(tempfile.gettempdir()) / "dibs-real-pairs")
    parser.add_argument("--server", help="a superuser's DSN (no database) of a server to run on instead")
    args = parser.parse_args()
    pairs = [tuple(p.split(":", 1)) for p in args.pairs.split(",")] if args.pairs else None
    bases = sorted({n for p in pairs for n in p}) if pairs else args.bases
    todo = pairs or [(a, b) for a in bases for b in bases if a != b]
    args.out.mkdir(parents=True, exist_ok=True)
    root = Path(tempfile.mkdtemp(prefix="dibs-real-pairs-"))
    server = _Given(args.server) if args.server else EmbeddedServer(root / "server").start()
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
            kept = args.out / f"{current}-into-{desired}.txt"
            try:
                if args.through_migrate:
                    folder = root / f"{current}-into-{desired}"
                    folder.mkdir()
                    said = _through_migrate(server.dsn("a"), server.dsn("b"), folder, args.concurrently)
                    done = f"applied and in sync{f'; {said}' if said else ''}"
                else:
                    done = f"{len(converge_dsns(server.dsn('a'), server.dsn('b')).plan)} statements"
            except Exception as failed:  # a failing pair is what this tool finds: say it, go on
                kept.write_text(traceback.format_exc())
                first = " | ".join(str(failed).strip().splitlines()[:4])[:600]
                print(
                    f"FAIL {current} -> {desired}: {type(failed).__name__}: {first} (see {kept})", flush=True
                )
            else:
                converged += 1
                took = time.perf_counter() - started
                print(f"ok   {current} -> {desired}: {done}, {took:.1f} s", flush=True)
            finally:
                asyncio.run(
                    execute(admin, 'DROP DATABASE "a" WITH (FORCE)', 'DROP DATABASE "b" WITH (FORCE)')
                )
        print(f"{converged} of {len(todo)} ordered pairs converged", flush=True)
    finally:
        if isinstance(server, _Given):  # another's server: its templates go
            drops = [f'DROP DATABASE IF EXISTS "template_{name}" WITH (FORCE)' for name in bases]
            asyncio.run(execute(admin, *drops))
        server.stop()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
