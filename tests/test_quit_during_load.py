"""`q` while the catalog loads: the browser exits and takes every query of its own with it.

The load is made to hang deterministically: another session holds an ACCESS EXCLUSIVE lock on a table whose
CHECK constraint and view the catalog read must deparse (each opens the table), and the lock timeout is ten
minutes. An app that left its reads running would keep its backends waiting on that lock, and would not exit
until they gave up.
"""

from __future__ import annotations

from tests.pg import browser_on_a_terminal, drain, held_table, our_backends, quit_browser, until


def test_q_during_a_blocked_load_exits_and_cancels_every_query(db: str) -> None:
    with held_table(db) as held, browser_on_a_terminal(db, "--lock-timeout", "10min") as (app, master):

        def blocked() -> bool:
            drain(master)
            return any(wait == "Lock" for _, wait, _ in our_backends(db))

        until(blocked, "the catalog read to wait on the lock")
        quit_browser(app, master)
        left = until(lambda: not our_backends(db) or None, "the app's backends to end") and our_backends(db)
        assert left == [], left
        # The other session's transaction and the data are untouched: only our reads were cancelled.
        assert held.release() == 1
