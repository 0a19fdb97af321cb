"""Ctrl-C at any moment of a real `generate`: one line, no asyncio noise after it, and the sandbox gone.

The signal is sent for real to the console script at delays that cover its whole run, as long as it takes here (imports, connections
opening in parallel, the sandbox being set up and loaded, both catalogs read, the plan), each run against
the same live database. tests/test_connect.py cuts a connection's opening at every loop iteration in-process.
"""

from __future__ import annotations

import asyncio
import signal
import subprocess
import time
from pathlib import Path

from tests.pg import DIBS, fetch, run_sql

ROUNDS = 21


def _schema(tables: int) -> str:
    return "".join(
        f"CREATE TABLE t{i} (id bigint PRIMARY KEY, name text NOT NULL, at timestamptz DEFAULT now());\n"
        f"CREATE INDEX t{i}_name ON t{i} (name);\n"
        for i in range(tables)
    )


def _sandboxes(db: str) -> list[str]:
    """Shadow databases and sandbox roles on the server (tests run one at a time in a session)."""
    rows = asyncio.run(
        fetch(
            db,
            "SELECT datname FROM pg_database WHERE datname LIKE 'dibs\\_shadow\\_%' "
            "UNION ALL SELECT rolname FROM pg_roles WHERE rolname LIKE 'dibs\\_sandbox\\_%'",
        )
    )
    return sorted(r[0] for r in rows)


def test_ctrl_c_at_any_moment_of_generate_is_one_line_and_drops_the_sandbox(db: str, tmp_path: Path) -> None:
    run_sql(db, _schema(30))
    desired = tmp_path / "schema.sql"
    desired.write_text(_schema(60))
    before = _sandboxes(db)
    # The delays cover this machine's whole run, from 0.3 s to 90 % of an uninterrupted one (a fixed 0.3-1.5 s
    # would end after the run on a faster machine, and no signal would cut it)
    started = time.perf_counter()
    whole = [DIBS, "generate", "more", db, "--desired", str(desired), "--migrations", str(tmp_path / "whole")]
    assert subprocess.run(whole, capture_output=True, timeout=120).returncode == 0
    last = max(0.35, 0.9 * (time.perf_counter() - started))
    delays = [0.3 + (last - 0.3) * i / (ROUNDS - 1) for i in range(ROUNDS)]
    interrupted = 0
    for i, delay in enumerate(delays):
        folder = tmp_path / f"migrations{i}"
        process = subprocess.Popen(
            [DIBS, "generate", "more", db, "--desired", str(desired), "--migrations", str(folder)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        time.sleep(delay)
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=60)
        assert "Future exception" not in err and "Traceback" not in err and "never retrieved" not in err, (
            delay,
            err,
        )
        if process.returncode == 130:
            interrupted += 1
            assert err == "dibs-tui: interrupted\n", (delay, err)
        else:  # finished before the signal (0), or ended by it as the interpreter itself exited
            assert process.returncode in (0, -signal.SIGINT), (delay, process.returncode, err)
        assert _sandboxes(db) == before, delay
    assert interrupted >= ROUNDS // 2  # most runs were cut mid-way, not after the end
