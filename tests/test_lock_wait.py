"""A catalog read meeting another session's ACCESS EXCLUSIVE lock (a migration's ALTER TABLE in a transaction
still open): it says who holds the lock while it waits, holds and queues for no lock meanwhile, and once the
migration commits it reads again and its result is complete, the migration's change included.

The lock is held by a second real session (asyncpg), as a migration tool would hold it."""

from __future__ import annotations

import asyncio
import json
import re
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import asyncpg
import pytest

from dibs_tui.config import Settings
from dibs_tui.core.connect import resolve
from dibs_tui.ui.app import DibsApp
from dibs_tui.ui.diff_pane import DiffPane
from tests.pg import DIBS, PATIENCE, execute, fetch, run_sql
from tests.ui_pilot import make_app, screen_text, wait_for

TABLES = """
CREATE TABLE accounts (id int PRIMARY KEY CHECK (id > 0));
CREATE TABLE users (id int PRIMARY KEY CHECK (id > 0), account int REFERENCES accounts);
INSERT INTO accounts VALUES (1); INSERT INTO users VALUES (1, 1);
"""

# Our sessions' locks on the user's tables (public): while we wait there must be none, held or asked for.
OUR_LOCKS = """
SELECT l.relation::regclass::text, l.mode, l.granted FROM pg_locks l
JOIN pg_stat_activity a ON a.pid = l.pid
WHERE a.application_name = 'dibs-tui' AND l.locktype = 'relation'
  AND l.relation IN (SELECT oid FROM pg_class WHERE relnamespace = 'public'::regnamespace)
"""


async def _line(stream: asyncio.StreamReader) -> str:
    return (await asyncio.wait_for(stream.readline(), PATIENCE)).decode()


@pytest.mark.parametrize("output", [[], ["--json"]], ids=["plain", "json"])
def test_schema_waits_for_a_migration_says_who_holds_the_lock_and_reads_its_result_whole(
    db: str, output: list[str]
) -> None:
    """JSON too: its head is streamed while the read runs (commands/schema_output.py), and a read made again
    must not write it twice. The line said again 10 s later (LockWaitLines.EVERY) is waited for in plain
    output only: the reporter is the CLI's, the same for either format, and that wait was most of each case."""
    run_sql(db, TABLES)

    async def scenario() -> tuple[int, str, str, int, list[asyncpg.Record]]:
        migration = await asyncpg.connect(db, server_settings={"application_name": "migrator"})
        watcher = await asyncpg.connect(db)
        try:
            await migration.execute("BEGIN; ALTER TABLE users ADD COLUMN nickname text")
            schema = await asyncio.create_subprocess_exec(
                DIBS, "schema", db, *output, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
            )
            assert schema.stderr is not None
            said = await _line(schema.stderr)
            # Waiting, we hold no lock on the user's tables and ask for none: the migration's next statement on
            # a table the read had already deparsed (accounts' CHECK) does not wait for us, and is no deadlock.
            locks: list[asyncpg.Record] = []
            for _ in range(5):
                locks += await watcher.fetch(OUR_LOCKS)
                await asyncio.sleep(0.2)
            await migration.execute("SET lock_timeout = '3s'; ALTER TABLE accounts ADD COLUMN since date")
            later = "" if output else await _line(schema.stderr)  # said again while it still waits
            await migration.execute("COMMIT")
            out, err = await asyncio.wait_for(schema.communicate(), PATIENCE)
            assert schema.returncode is not None
            return (
                schema.returncode,
                said + later + err.decode(),
                out.decode(),
                migration.get_server_pid(),
                locks,
            )
        finally:
            await migration.close()
            await watcher.close()

    code, err, out, pid, locks = asyncio.run(scenario())
    assert code == 0, err
    first = err.splitlines()[0]
    assert first.startswith(
        f"dibs-tui: waiting for a lock on public.users held by pid {pid} (app 'migrator'"
    ), err
    assert "idle in transaction, transaction open" in first
    assert "ALTER TABLE users ADD COLUMN nickname text), 1 s so far; Ctrl-C to stop" in first, first
    if not output:
        assert re.search(r"ALTER TABLE accounts ADD COLUMN since date\), \d+ s so far", err), err
    assert locks == []
    assert "nickname" in out and "since" in out  # read again after the commit: the migration's result, whole
    if output:
        document = json.loads(out)  # one document, its head written once
        users = next(r for r in document["relations"] if r["name"] == "users")
        assert [c["name"] for c in users["columns"]] == ["id", "account", "nickname"]
    assert "Traceback" not in err


def test_the_users_statement_timeout_bounds_the_wait(db: str) -> None:
    """A statement_timeout the user sets bounds the whole read, its lock waits included: one line naming the
    holder, exit 1."""
    run_sql(db, TABLES)

    async def scenario() -> tuple[int, str]:
        migration = await asyncpg.connect(db, server_settings={"application_name": "migrator"})
        try:
            await migration.execute("BEGIN; LOCK TABLE users IN ACCESS EXCLUSIVE MODE")
            schema = await asyncio.create_subprocess_exec(
                DIBS, "schema", db, "--statement-timeout", "3s", stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
            )  # fmt: skip
            _, err = await asyncio.wait_for(schema.communicate(), PATIENCE)
            assert schema.returncode is not None
            return schema.returncode, err.decode()
        finally:
            await migration.close()

    code, err = asyncio.run(scenario())
    assert code == 1, err
    assert "dibs-tui: waiting for a lock on public.users held by pid" in err
    assert (
        "error: catalog read gave up on a lock after statement_timeout 3 s (waiting for a lock on public.users"
        in err
    )
    assert "Traceback" not in err


async def test_the_browser_says_who_holds_the_lock_in_its_header_and_loads_whole_once_it_goes(
    db: str,
) -> None:
    await execute(db, TABLES)
    migration = await asyncpg.connect(db, server_settings={"application_name": "migrator"})
    try:
        await migration.execute("BEGIN")
        await migration.execute("ALTER TABLE users ADD COLUMN nickname text")
        app = make_app(db)
        async with app.run_test(size=(200, 36)) as pilot:
            await wait_for(pilot, lambda: app.lock_wait)
            pid = migration.get_server_pid()
            assert re.fullmatch(
                rf"waiting \d+ s for a lock on public\.users held by pid {pid} \(migrator: ALTER TABLE users "
                r"ADD COLUMN ni…\)",
                app.lock_wait,
            ), app.lock_wait
            assert app.lock_wait in screen_text(app).replace("\n", "")  # in the header
            said = [n.message for n in app._notifications]
            assert any("ADD COLUMN nickname text), 1 s so far; q to quit" in m for m in said), said
            assert app.catalog is None
            await migration.execute("COMMIT")
            await wait_for(pilot, lambda: app.catalog is not None)
            assert app.lock_wait == "" and app.load_state == ""
            users = app.catalog.relation("public", "users")  # type: ignore[union-attr]
            assert users is not None and "nickname" in [c.name for c in users.columns]
    finally:
        await migration.close()


async def test_at_80_columns_the_header_keeps_the_lock_wait_over_the_loads_progress(db: str) -> None:
    """At 80x24 the header's load progress (`loading the details of 2 relations… (3/15 queries)`) filled
    the line and the lock it waited for was cut off: once the notice went, nothing said why it stood still."""
    await execute(db, TABLES)
    migration = await asyncpg.connect(db, server_settings={"application_name": "migrator"})
    try:
        await migration.execute("BEGIN")
        await migration.execute("ALTER TABLE users ADD COLUMN nickname text")
        app = make_app(db)
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_for(pilot, lambda: app.lock_wait)
            await pilot.pause()
            line = app.query_one("#header").render_line(0).text.rstrip()
            assert re.search(r"waiting \d+ s for a lock on public\.users held by", line), line
            assert len(line) <= 80 and line.endswith("…"), line
            await migration.execute("COMMIT")
            await wait_for(pilot, lambda: app.catalog is not None)
    finally:
        await migration.close()


def test_ctrl_c_while_waiting_for_a_lock_ends_at_once_and_leaves_no_backend(db: str) -> None:
    run_sql(db, TABLES)

    async def scenario() -> tuple[int, float, list[asyncpg.Record]]:
        migration = await asyncpg.connect(db)
        try:
            await migration.execute("BEGIN; LOCK TABLE users IN ACCESS EXCLUSIVE MODE")
            schema = await asyncio.create_subprocess_exec(
                DIBS, "schema", db, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
            )
            assert schema.stderr is not None
            await _line(schema.stderr)
            schema.send_signal(signal.SIGINT)
            sent = time.monotonic()
            await asyncio.wait_for(schema.wait(), PATIENCE)
            took = time.monotonic() - sent
            left = await migration.fetch(
                "SELECT pid FROM pg_stat_activity WHERE application_name = 'dibs-tui'"
            )
            assert schema.returncode is not None
            return schema.returncode, took, left
        finally:
            await migration.close()

    code, took, left = asyncio.run(scenario())
    assert code == 130
    assert took < 10, f"{took:.2f} s"  # the holder never lets go: this is at once, not after it
    assert left == []


@pytest.fixture
def live_and_desired(new_database: Callable[[], str]) -> tuple[str, str]:
    live, desired = new_database(), new_database()
    run_sql(live, TABLES)
    run_sql(desired, TABLES + "ALTER TABLE users ADD COLUMN nickname text;")
    return live, desired


async def test_the_diff_panes_read_says_the_lock_in_the_header_and_diffs_after_it(
    live_and_desired: tuple[str, str], tmp_path: Path
) -> None:
    """The Diff pane reads the live catalog on a thread of its own: a lock met there is said in the header
    as the browser's own read's is, and the diff is made once the migration commits (then nothing is left)."""
    live, desired = live_and_desired
    app = DibsApp(resolve(live), Settings(project_root=tmp_path), desired=[desired], header_label="t")
    migration = await asyncpg.connect(live, server_settings={"application_name": "migrator"})
    try:
        async with app.run_test(size=(200, 40)) as pilot:
            await wait_for(pilot, lambda: app.catalog is not None)
            await migration.execute("BEGIN")
            await migration.execute("ALTER TABLE users ADD COLUMN nickname text")
            await pilot.press("d")
            await wait_for(pilot, lambda: "for a lock on public.users" in app.lock_wait)
            pane = app.query_one(DiffPane)
            assert pane.computing and pane.result is None
            await migration.execute("COMMIT")
            await wait_for(pilot, lambda: pane.result is not None)
            assert app.lock_wait == ""
            assert pane.result.plan == () and pane.result.changes == (), pane.result.plan  # type: ignore[union-attr]
    finally:
        await migration.close()


def test_a_prepared_transactions_lock_is_said_as_such() -> None:
    """A prepared transaction's locks have no backend (pg_locks.pid is NULL): the wait names it as what it
    is and how it ends, not as pid 0. (The test server runs with max_prepared_transactions = 0: the line only.)"""
    from dibs_tui.core.lock_wait import LockWait

    wait = LockWait("public.users", 0, True, "", "?", "state not visible to this role", "", None, 3.0)
    assert wait.line() == (
        "waiting for a lock on public.users held by a prepared transaction (two-phase commit: "
        "pg_prepared_xacts; COMMIT PREPARED or ROLLBACK PREPARED ends it), 3 s so far; Ctrl-C to stop"
    )
    assert wait.short() == "waiting 3 s for a lock on public.users held by a prepared transaction"


@pytest.mark.parametrize("command", ["review", "migrate"])
async def test_review_and_migrate_under_another_sessions_lock_name_it_not_a_statement_timeout(
    db: str, tmp_path: Path, command: str
) -> None:
    """A review's live reads are bounded by a 2 s statement_timeout, under the 5 s lock_timeout: a table
    locked ACCESS EXCLUSIVE was 'the server refused: canceling statement due to statement timeout', and in
    migrate 'apply stopped by an error outside the migration's statements'. Now who holds the lock is said,
    and that nothing ran."""
    await execute(db, "CREATE TABLE busy (id int); INSERT INTO busy VALUES (1)")
    folder = tmp_path / "migrations"
    folder.mkdir()
    migration = folder / "20260101000000_busy.sql"
    migration.write_text("ALTER TABLE busy ADD COLUMN b int;\n")
    argv = {
        "review": [DIBS, "review", str(migration), db],
        "migrate": [DIBS, "migrate", db, "--migrations", str(folder), "--yes", "--no-prove"],
    }[command]
    holder = await asyncpg.connect(db)
    try:
        await holder.execute(
            "SET application_name = 'the holder'; BEGIN; LOCK TABLE busy IN ACCESS EXCLUSIVE MODE"
        )
        pid = holder.get_server_pid()
        result = await asyncio.to_thread(
            subprocess.run, argv, capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=120
        )
    finally:
        await holder.close()
    assert result.returncode == 1, result.stdout + result.stderr
    what, outcome = {
        "review": ("the review's read of the live tables", "nothing was reviewed"),
        "migrate": ("migrate's review of the pending migrations", "nothing was applied"),
    }[command]
    assert re.search(
        f"dibs-tui: error: {re.escape(what)} blocked by backend {pid} \\(app 'the holder', user \\w+, idle in "
        f"transaction for [^)]+\\) holding AccessExclusiveLock on public.busy; [^\\n]*; {outcome}\\n",
        result.stderr,
    ), result.stderr
    assert "statement timeout" not in result.stderr and "Traceback" not in result.stderr
    columns = await fetch(
        db, "SELECT count(*) AS n FROM pg_attribute WHERE attrelid = 'busy'::regclass AND attnum > 0"
    )
    assert columns[0]["n"] == 1  # nothing was applied


async def _run_behind_two_locks(
    db: str, table: str, argv: list[str], project: Path | None = None
) -> tuple[subprocess.CompletedProcess[str], tuple[int, int]]:
    """`argv` run while two sessions hold ACCESS EXCLUSIVE: the older on `idle`, a table it never reads, the
    other ('the blocker') on `table`. Its result and the two sessions' pids, older first. In `project`, when given,
    whose dibs-tui.toml gives up a lock after 2 s, not the default 5 s: the trace's catalog read waits that long."""
    if project is not None:
        (project / "dibs-tui.toml").write_text('lock_timeout = "2s"\n')
    unrelated, blocker = await asyncpg.connect(db), await asyncpg.connect(db)
    try:
        await unrelated.execute("BEGIN; LOCK TABLE idle IN ACCESS EXCLUSIVE MODE")
        await asyncio.sleep(0.2)  # older: the first of the holders by its transaction's start
        await blocker.execute(
            f"SET application_name = 'the blocker'; BEGIN; LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE"
        )
        result = await asyncio.to_thread(
            subprocess.run,
            argv,
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
            timeout=120,
            cwd=project,
        )
        return result, (unrelated.get_server_pid(), blocker.get_server_pid())
    finally:
        await unrelated.close()
        await blocker.close()


async def test_migrate_names_the_session_that_blocks_its_review_not_an_older_lock_on_another_table(
    db: str, tmp_path: Path
) -> None:
    """Two sessions hold ACCESS EXCLUSIVE: the older on a table the migration never reads, the other on the one
    its review counts. Asked after the wait gave up, the first granted holder of any table was named (the
    older, unrelated one); the review's backend is now watched while it reads, and whom pg_blocking_pids says
    it waits for is named."""
    await execute(db, "CREATE TABLE idle (id int); CREATE TABLE busy (id int); INSERT INTO busy VALUES (1)")
    folder = tmp_path / "migrations"
    folder.mkdir()
    (folder / "20260101000000_busy.sql").write_text("UPDATE busy SET id = 2 WHERE id = 1;\n")
    result, pids = await _run_behind_two_locks(
        db, "busy", [DIBS, "migrate", db, "--migrations", str(folder), "--yes", "--no-prove"]
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert re.search(
        f"migrate's review of the pending migrations blocked by backend {pids[1]} \\(app 'the blocker', [^)]+\\) "
        "holding AccessExclusiveLock on public.busy; ",
        result.stderr,
    ), result.stderr
    assert str(pids[0]) not in result.stderr and "public.idle" not in result.stderr, result.stderr


async def test_review_names_the_session_that_blocks_it_not_an_older_lock_on_another_table(
    db: str, tmp_path: Path
) -> None:
    """As migrate's review does (above): review's own refusal named every session holding ACCESS EXCLUSIVE on
    any table, the older unrelated one first; now whom pg_blocking_pids says its read waits for, in the same
    words."""
    await execute(db, "CREATE TABLE idle (id int); CREATE TABLE busy (id int); INSERT INTO busy VALUES (1)")
    migration = tmp_path / "20260101000000_busy.sql"
    migration.write_text("UPDATE busy SET id = 2 WHERE id = 1;\n")
    result, pids = await _run_behind_two_locks(db, "busy", [DIBS, "review", str(migration), db])
    assert result.returncode == 1, result.stdout + result.stderr
    assert re.search(
        f"the review's read of the live tables blocked by backend {pids[1]} \\(app 'the blocker', [^)]+\\) "
        "holding AccessExclusiveLock on public.busy; [^\\n]*; nothing was reviewed\\n",
        result.stderr,
    ), result.stderr
    assert str(pids[0]) not in result.stdout + result.stderr, result.stdout + result.stderr
    assert "public.idle" not in result.stdout + result.stderr, result.stdout + result.stderr


async def test_a_trace_a_lock_kept_from_reading_names_the_session_that_blocked_it(
    db: str, tmp_path: Path
) -> None:
    """The trace's catalog read gives up on a lock rather than wait (the review goes on with the rules'): its
    note named every session holding ACCESS EXCLUSIVE, the older unrelated one first; now the one it waited
    for, in migrate's words."""
    await execute(db, "CREATE TABLE idle (id int); CREATE TABLE __dibs_migrations (version text, name text)")
    migration = tmp_path / "20260101000000_other.sql"
    migration.write_text("CREATE TABLE other (id int);\n")
    result, pids = await _run_behind_two_locks(
        db, "__dibs_migrations", [DIBS, "review", str(migration), db], tmp_path
    )
    said = " ".join((result.stdout + result.stderr).split())  # prose wrapped on a terminal
    assert re.search(
        f"not traced \\(catalog read blocked by backend {pids[1]} \\(app 'the blocker', [^)]+\\) holding "
        "AccessExclusiveLock on public.__dibs_migrations; gave up after [^;]+; not read\\)",
        said,
    ), said
    assert str(pids[0]) not in said and "public.idle" not in said, said


def test_a_desired_files_syntax_error_is_said_without_waiting_for_the_live_sides_lock(
    db: str, tmp_path: Path
) -> None:
    """`diff --desired bad.sql` read the live side to its end before saying the file's syntax error: behind
    another session's lock that was the lock's whole wait, then the lock's error in place of the file's."""
    run_sql(db, TABLES)
    bad = tmp_path / "schema.sql"
    bad.write_text("CREATE TABLE users (id int,, name text);\n")

    async def scenario() -> tuple[int | None, str, list[asyncpg.Record]]:
        migration = await asyncpg.connect(db)
        try:
            await migration.execute("BEGIN; LOCK TABLE users IN ACCESS EXCLUSIVE MODE")  # held throughout
            diff = await asyncio.create_subprocess_exec(
                DIBS,
                "diff",
                db,
                "--desired",
                str(bad),
                "--statement-timeout",
                "20s",
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
            )
            _, err = await asyncio.wait_for(diff.communicate(), PATIENCE)
            left = await migration.fetch(
                "SELECT pid FROM pg_stat_activity WHERE application_name = 'dibs-tui' OR datname LIKE 'dibs_shadow%'"
            )
            return diff.returncode, err.decode(), left
        finally:
            await migration.close()

    code, err, left = asyncio.run(scenario())
    assert code == 1 and err.startswith(f"dibs-tui: error: {bad}:1:28: syntax error at or near"), err
    assert "lock" not in err and left == []
