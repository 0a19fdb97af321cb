"""What migrate refuses before anything runs, and says so in one message: a read-only server, a migration that
was applied under another name."""

from __future__ import annotations

import asyncio
import subprocess
from pathlib import Path

from tests.pg import DIBS, fetch, run_sql


def _migrate(db: str, folder: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [DIBS, "migrate", db, "--migrations", str(folder), "--yes", *extra],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=120,
    )


def _tables(db: str) -> list[str]:
    query = (
        "SELECT relname::text AS n FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind = 'r' "
        "AND relname NOT LIKE '\\_\\_dibs%' ORDER BY 1"
    )
    return [r["n"] for r in asyncio.run(fetch(db, query))]


def test_a_read_only_database_is_refused_before_anything_runs(db: str, tmp_path: Path) -> None:
    """A standby (or a database set read-only): said up front, not as a failed statement or a failed record."""
    name = db.rsplit("/", 1)[1]
    run_sql(db, f'ALTER DATABASE "{name}" SET default_transaction_read_only = on')
    folder = tmp_path / "migrations"
    folder.mkdir()
    (folder / "001_a.sql").write_text("CREATE TABLE a (id int);\n")
    for extra in ((), ("--no-prove",)):
        done = _migrate(db, folder, *extra)
        assert done.returncode == 1, done.stderr
        assert "Traceback" not in done.stderr
        assert "is read-only" in done.stderr
        assert "nothing was applied" in done.stderr
        assert "pending" not in done.stdout  # refused before the plan is shown
    assert _tables(db) == []
