"""`q` while the catalog loads: the browser exits and takes every query of its own with it.

The load is made to hang deterministically: another session holds an ACCESS EXCLUSIVE lock on a table whose
CHECK constraint and view the catalog read must deparse (each opens the table), and the lock timeout is ten
minutes. An app that left its reads running would keep its backends waiting on that lock, and would not exit
until they gave up.
"""

from __future__ import annotations

import asyncio
import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

from dibs_tui.core.embedded import bin_path
from tests.pg import fetch, run_sql

DIBS = str(Path(sys.executable).parent / "dibs-tui")
PATIENCE = 60.0  # seconds before the test gives up waiting for a state (a hang, never a speed)


def _ours(db: str) -> list[tuple[int, str | None, str | None]]:
    """The backends of dibs-tui on this database: pid, wait event type, query."""
    rows = asyncio.run(
        fetch(
            db,
            "SELECT pid, wait_event_type, query FROM pg_stat_activity "
            "WHERE application_name = 'dibs-tui' AND datname = current_database()",
        )
    )
    return [(r["pid"], r["wait_event_type"], r["query"]) for r in rows]


def _until(condition, what: str):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + PATIENCE
    while time.monotonic() < deadline:
        if found := condition():
            return found
        time.sleep(0.05)
    raise AssertionError(f"gave up waiting for {what}")


def _drain(master: int) -> bytes:
    """Read what the app drew so far (it would block on a full terminal otherwise)."""
    out = b""
    while select.select([master], [], [], 0)[0]:
        try:
            chunk = os.read(master, 65536)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
    return out


def test_q_during_a_blocked_load_exits_and_cancels_every_query(db: str) -> None:
    run_sql(
        db,
        "CREATE TABLE held (id int PRIMARY KEY CHECK (id > 0)); INSERT INTO held VALUES (1);"
        "CREATE VIEW held_view AS SELECT id FROM held;",
    )
    holder = subprocess.Popen(
        [str(bin_path("psql")), db, "-X", "-q"], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True
    )
    master, slave = pty.openpty()
    app = None
    try:
        assert holder.stdin is not None
        holder.stdin.write("BEGIN; LOCK TABLE held IN ACCESS EXCLUSIVE MODE; SELECT 'locked';\n")
        holder.stdin.flush()
        _until(
            lambda: asyncio.run(
                fetch(db, "SELECT 1 FROM pg_locks WHERE relation = 'held'::regclass AND granted")
            ),
            "the lock",
        )
        env = {**os.environ, "TERM": "xterm-256color"}
        env.pop("DATABASE_URL", None)
        app = subprocess.Popen(
            [DIBS, db, "--lock-timeout", "10min"], stdin=slave, stdout=slave, stderr=slave, env=env
        )
        os.close(slave)
        slave = -1

        def blocked() -> bool:
            _drain(master)
            return any(wait == "Lock" for _, wait, _ in _ours(db))

        _until(blocked, "the catalog read to wait on the lock")
        os.write(master, b"q")

        def exited() -> bool:
            _drain(master)
            return app.poll() is not None

        _until(exited, "the app to exit")
        assert app.returncode == 0
        left = _until(lambda: not _ours(db) or None, "the app's backends to end") and _ours(db)
        assert left == [], left
        # The other session's transaction and the data are untouched: only our reads were cancelled.
        holder.stdin.write("SELECT count(*) FROM held; COMMIT;\n")
        holder.stdin.flush()
        assert asyncio.run(fetch(db, "SELECT count(*) AS n FROM held"))[0]["n"] == 1
    finally:
        if app is not None and app.poll() is None:
            app.kill()
            app.wait()
        if slave >= 0:
            os.close(slave)
        os.close(master)
        if holder.stdin:
            holder.stdin.close()
        holder.wait(timeout=PATIENCE)
