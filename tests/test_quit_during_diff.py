"""`q` while the Diff pane computes: the browser exits and takes the diff's queries with it.

The diff is made to hang deterministically: its desired side is another database in which a session holds an
ACCESS EXCLUSIVE lock on a table whose CHECK constraint and view the diff's read must deparse, and the lock
timeout is ten minutes (the user's `--lock-timeout` reaches the diff's reads too). The diff used to run to its
end before the process could exit: here, never within the test's patience.
"""

from __future__ import annotations

import asyncio
import os
import pty
import subprocess
from collections.abc import Callable

from dibs_tui.core.embedded import bin_path
from tests.pg import fetch, run_sql
from tests.test_quit_during_load import DIBS, PATIENCE, _drain, _ours, _until


def test_q_during_a_blocked_diff_exits_and_cancels_every_query(
    db: str, new_database: Callable[[], str]
) -> None:
    run_sql(db, "CREATE TABLE live_only (id int PRIMARY KEY);")
    desired = new_database()
    run_sql(
        desired,
        "CREATE TABLE held (id int PRIMARY KEY CHECK (id > 0)); INSERT INTO held VALUES (1);"
        "CREATE VIEW held_view AS SELECT id FROM held;",
    )
    holder = subprocess.Popen(
        [str(bin_path("psql")), desired, "-X", "-q"],
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
    )
    master, slave = pty.openpty()
    app = None
    try:
        assert holder.stdin is not None
        holder.stdin.write("BEGIN; LOCK TABLE held IN ACCESS EXCLUSIVE MODE; SELECT 'locked';\n")
        holder.stdin.flush()
        _until(
            lambda: asyncio.run(
                fetch(desired, "SELECT 1 FROM pg_locks WHERE relation = 'held'::regclass AND granted")
            ),
            "the lock",
        )
        env = {**os.environ, "TERM": "xterm-256color"}
        env.pop("DATABASE_URL", None)
        app = subprocess.Popen(
            [DIBS, db, "--desired", desired, "--lock-timeout", "10min"],
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=env,
        )
        os.close(slave)
        slave = -1

        def browsing() -> bool:  # the live catalog is in: its table is on screen, nothing of ours runs
            return b"live_only" in _drain(master) and not _ours(db)

        _until(browsing, "the live catalog")
        os.write(master, b"d")

        def blocked() -> bool:
            _drain(master)
            return any(wait == "Lock" for _, wait, _ in _ours(desired))

        _until(blocked, "the diff's read to wait on the lock")
        os.write(master, b"q")

        def exited() -> bool:
            _drain(master)
            return app.poll() is not None

        _until(exited, "the app to exit")
        assert app.returncode == 0
        for database in (db, desired):
            _until(lambda d=database: not _ours(d), f"the app's backends on {database} to end")
        # The other session's transaction and the data are untouched: only our reads were cancelled.
        holder.stdin.write("SELECT count(*) FROM held; COMMIT;\n")
        holder.stdin.flush()
        assert asyncio.run(fetch(desired, "SELECT count(*) AS n FROM held"))[0]["n"] == 1
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
