"""The project the apply tests share: a table `t`, a `runs` log segment 1 writes to, a three-segment migration
(CREATE INDEX CONCURRENTLY between two transactions), `migrate` run as a user runs it, and the state to check."""

from __future__ import annotations

import asyncio
import subprocess
from pathlib import Path

from tests.pg import DIBS, fetch, run_sql

NAME = "20260101000000_index-between"
# Segment 1 (a transaction) logs a row so that a test can count how many times it ran.
THREE = (
    "INSERT INTO runs VALUES ('segment 1');\nALTER TABLE t ADD COLUMN a int;\n"
    "CREATE UNIQUE INDEX CONCURRENTLY t_v ON t (v);\n"
    "ALTER TABLE t ADD COLUMN b int;\n"
)


def migrate(db: str, folder: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    """The apply itself is under test here: the proof before it (tests/test_proof.py) is skipped."""
    return subprocess.run(
        [DIBS, "migrate", db, "--migrations", str(folder), "--no-prove", *extra],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=120,
    )


def project(db: str, tmp_path: Path, text: str = THREE, *, duplicates: bool = False) -> Path:
    run_sql(db, "CREATE TABLE runs (what text); CREATE TABLE t (v int);")
    run_sql(db, "INSERT INTO t VALUES (1), (2)" + (", (2)" if duplicates else ""))
    folder = tmp_path / "migrations"
    folder.mkdir()
    (folder / f"{NAME}.sql").write_text(text, encoding="utf-8")
    return folder


def state(db: str) -> dict[str, object]:
    """Columns of t, its indexes with validity, how often segment 1 ran, the history and segment rows."""

    async def read() -> dict[str, object]:
        columns = await fetch(
            db,
            "SELECT attname::text FROM pg_attribute WHERE attrelid = 'public.t'::regclass AND attnum > 0 "
            "AND NOT attisdropped ORDER BY attnum",
        )
        indexes = await fetch(
            db,
            "SELECT c.relname::text AS name, i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
            "WHERE i.indrelid = 'public.t'::regclass",
        )
        runs = await fetch(db, "SELECT count(*) AS n FROM runs")
        exists = await fetch(
            db,
            "SELECT to_regclass('public.__dibs_migrations') IS NOT NULL AS h, "
            "to_regclass('public.__dibs_migration_segments') IS NOT NULL AS s",
        )
        history = (
            [
                (r["name"], r["checksum"])
                for r in await fetch(db, "SELECT name, checksum FROM __dibs_migrations")
            ]
            if exists[0]["h"]
            else []
        )
        segments = (
            [
                (r["segment"], r["outcome"], list(r["leftovers"]))
                for r in await fetch(
                    db, "SELECT segment, outcome, leftovers FROM __dibs_migration_segments ORDER BY segment"
                )
            ]
            if exists[0]["s"]
            else []
        )
        return {
            "columns": [r["attname"] for r in columns],
            "indexes": {r["name"]: r["indisvalid"] for r in indexes},
            "runs": runs[0]["n"],
            "history": history,
            "segments": segments,
        }

    return asyncio.run(read())
