"""`q` while the Diff pane computes: the browser exits and takes the diff's queries with it.

The diff is made to hang deterministically: its desired side is another database in which a session holds an
ACCESS EXCLUSIVE lock on a table whose CHECK constraint and view the diff's read must deparse, and the lock
timeout is ten minutes (the user's `--lock-timeout` reaches the diff's reads too). The diff used to run to its
end before the process could exit: here, never within the test's patience.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from tests.pg import browser_on_a_terminal, drain, held_table, our_backends, quit_browser, run_sql, until


def test_q_during_a_blocked_diff_exits_and_cancels_every_query(
    db: str, new_database: Callable[[], str]
) -> None:
    run_sql(db, "CREATE TABLE live_only (id int PRIMARY KEY);")
    desired = new_database()
    with (
        held_table(desired) as held,
        browser_on_a_terminal(db, "--desired", desired, "--lock-timeout", "10min") as (app, master),
    ):

        def browsing() -> bool:  # the live catalog is in: its table is on screen, nothing of ours runs
            return b"live_only" in drain(master) and not our_backends(db)

        until(browsing, "the live catalog")
        os.write(master, b"d")

        def blocked() -> bool:
            drain(master)
            return any(wait == "Lock" for _, wait, _ in our_backends(desired))

        until(blocked, "the diff's read to wait on the lock")
        quit_browser(app, master)
        for database in (db, desired):
            until(lambda d=database: not our_backends(d), f"the app's backends on {database} to end")
        # The other session's transaction and the data are untouched: only our reads were cancelled.
        assert held.release() == 1
