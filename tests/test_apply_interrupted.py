"""An apply cut short says exactly what committed and keeps it: the backend terminated, Ctrl-C while a
CREATE INDEX CONCURRENTLY waits, the server gone for good, the applier killed before a statement run alone
reported; and the rerun resumes where the server records it stopped, never running a segment twice."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import asyncpg
import pytest

from dibs_tui.core.connect import resolve
from dibs_tui.core.migrations.apply import apply_pending
from dibs_tui.core.migrations.apply_outcome import ConnectionLost
from dibs_tui.core.migrations.files import checksum
from tests.apply_project import NAME, THREE, migrate, project, state
from tests.pg import DIBS, VanishingProxy, fetch, run_sql
from tests.ui_pilot import migrations_pane


async def _terminate_when_sleeping(db: str) -> int:
    """Terminate the applier's backend once it runs pg_sleep; returns its pid."""
    conn = await asyncpg.connect(db)
    try:
        for _ in range(1200):
            pid = await conn.fetchval(
                "SELECT pid FROM pg_stat_activity WHERE application_name = 'dibs-tui migrate' "
                "AND state = 'active' AND query LIKE 'SELECT pg_sleep%' AND datname = current_database()"
            )
            if pid:
                assert await conn.fetchval("SELECT pg_terminate_backend($1)", pid)
                return int(pid)
            await asyncio.sleep(0.05)
        raise AssertionError("the applier never reached pg_sleep")
    finally:
        await conn.close()


# Segment 3 sleeps while `runs` holds one row: long enough to be terminated; a rerun after a second row is
# added goes straight through, with the file unchanged. Only where `t` has rows: the review's trace in an empty
# clone (the browser's Migrations pane) went through instead of sleeping there until its 10 s step timeout.
SLEEPY = (
    "INSERT INTO runs VALUES ('segment 1');\nCREATE INDEX CONCURRENTLY t_v ON t (v);\n"
    "ALTER TABLE t ADD COLUMN b int;\n"
    "SELECT pg_sleep(CASE WHEN (SELECT count(*) FROM runs) < 2 AND EXISTS (SELECT FROM t) THEN 60 ELSE 0 END);\n"
)


async def test_backend_terminated_mid_apply_says_what_committed(db: str, tmp_path: Path) -> None:
    folder = await asyncio.to_thread(project, db, tmp_path, SLEEPY)
    task = asyncio.create_task(apply_pending(resolve(db), folder))
    await _terminate_when_sleeping(db)
    started = time.perf_counter()
    with pytest.raises(ConnectionLost) as lost:
        await asyncio.wait_for(task, 15)
    assert time.perf_counter() - started < resolve(db).timeout
    message = lost.value.message
    head = message.splitlines()[0]
    assert head.startswith(
        f"connection to the server lost while applying migration {NAME}, segment 3 of 3 "
        "(ALTER TABLE t ADD COLUMN b int and 1 more, line 3): "
    )
    assert head.endswith("terminating connection due to administrator command")
    assert (
        "segments 1-2 of 3 (statements 1-2, lines 1-2) committed, as the server records; segment 3 did not complete"
        in message
    )
    assert "migrate again resumes at segment 3" in message and lost.value.partial
    after = await asyncio.to_thread(state, db)
    assert after["columns"] == ["v"] and after["indexes"] == {"t_v": True} and after["runs"] == 1
    assert after["segments"] == [(1, "committed", []), (2, "committed", [])]


def test_cli_backend_terminated_mid_apply_exits_3_without_traceback(db: str, tmp_path: Path) -> None:
    folder = project(db, tmp_path, SLEEPY)
    process = subprocess.Popen(
        [DIBS, "migrate", db, "--migrations", str(folder), "--yes", "--no-prove"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    asyncio.run(_terminate_when_sleeping(db))
    _, err = process.communicate(timeout=30)
    assert process.returncode == 3, err
    assert "connection to the server lost while applying migration" in err
    assert "segments 1-2 of 3 (statements 1-2, lines 1-2) committed, as the server records" in err
    assert "Traceback" not in err and "internal error" not in err
    changed_text = SLEEPY.replace("'segment 1'", "'segment one'")  # in a committed segment
    (folder / f"{NAME}.sql").write_text(changed_text)
    changed = migrate(db, folder, "--yes")
    assert changed.returncode == 1 and "segment 1 changed since it committed" in changed.stderr
    # The rerun of the unchanged file resumes at segment 3: segment 1 does not run twice.
    (folder / f"{NAME}.sql").write_text(SLEEPY)
    run_sql(db, "INSERT INTO runs VALUES ('by the test')")
    resumed = migrate(db, folder, "--yes")
    assert resumed.returncode == 0, resumed.stderr
    after = state(db)
    assert after["runs"] == 2 and after["columns"] == ["v", "b"]
    assert after["history"] == [(NAME, checksum(SLEEPY))] and after["segments"] == []


async def test_tui_apply_ends_with_what_committed_when_the_backend_is_terminated(
    db: str, tmp_path: Path
) -> None:
    from textual.widgets import Static

    from dibs_tui.config import Settings
    from dibs_tui.ui.app import DibsApp
    from dibs_tui.ui.screens.confirm import ConfirmScreen
    from tests.ui_pilot import wait_for

    folder = await asyncio.to_thread(project, db, tmp_path, SLEEPY)
    app = DibsApp(
        resolve(db), Settings(project_root=tmp_path, migrations_dir=folder, prove=False), header_label="t"
    )
    async with app.run_test(size=(150, 45)) as pilot:
        pane = await migrations_pane(pilot)
        details = pane.query_one("#migrations-details", Static)
        await wait_for(pilot, lambda: "Segments:" in str(details.render()))
        assert (
            "segment 2 (alone, autocommit, statement 2, line 2): CREATE INDEX CONCURRENTLY t_v ON t (v)"
            in (str(details.render()))
        )
        await pilot.press("m")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen) and app.screen.query("#no"))
        assert isinstance(app.screen, ConfirmScreen)
        question = app.screen.question.splitlines()
        assert question[:2] == ["Apply 1 migration?", NAME]  # its name once, above its segments
        assert any(line.startswith("not atomic: 3 segments") for line in question)
        await pilot.press("y")
        await wait_for(pilot, lambda: "segment 3/3" in " ".join(pane.progress))
        pane.action_apply()  # a second apply would cancel this one mid-segment: refused while it runs
        await pilot.pause(0.2)
        assert not isinstance(app.screen, ConfirmScreen)
        await _terminate_when_sleeping(db)  # still sleeping: the first apply was not cancelled
        # Within the connect timeout the worker ends and says what committed.
        await wait_for(pilot, lambda: pane.last_error is not None, limit=resolve(db).timeout)
        assert pane.last_error is not None
        assert (
            f"connection to the server lost while applying migration {NAME}, segment 3 of 3"
            in pane.last_error
        )
        assert (
            "segments 1-2 of 3 (statements 1-2, lines 1-2) committed, as the server records"
            in pane.last_error
        )
        await wait_for(pilot, lambda: "connection to the server lost" in str(details.render()))
        # Told as plain text: a name or message holding [markup] is not rendered as markup.
        told = [n for n in app._notifications if n.severity == "error"]
        assert told and all(not n.markup for n in told)
        assert any(n.message.startswith("connection to the server lost") for n in told)
    after = await asyncio.to_thread(state, db)
    assert after["runs"] == 1 and after["segments"] == [(1, "committed", []), (2, "committed", [])]


def _migrate_while_the_index_waits(
    db: str,
    folder: Path,
    stop: Callable[[subprocess.Popen[str]], None],
    afterwards: Callable[[asyncpg.Connection], Awaitable[None]] | None = None,
) -> subprocess.Popen[str]:
    """Run migrate until its CREATE INDEX CONCURRENTLY waits for another session's open snapshot, then `stop`
    the process, wait for it to end and release the snapshot; `afterwards` then runs on a second session."""
    # A suite started in the background (`make test &`, nohup) runs with SIGINT ignored, and a child inherits an
    # ignored signal through exec: the migrate below must get Ctrl-C as a terminal would deliver it.
    inherited = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        process = subprocess.Popen(
            [
                DIBS,
                "migrate",
                db,
                "--migrations",
                str(folder),
                "--yes",
                "--lock-timeout",
                "60s",
                "--no-prove",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
    finally:
        signal.signal(signal.SIGINT, inherited)

    async def go() -> None:
        blocker = await asyncpg.connect(db)
        watcher = await asyncpg.connect(db)
        try:
            # An open snapshot: CREATE INDEX CONCURRENTLY waits for it before it marks the index valid.
            transaction = blocker.transaction(isolation="repeatable_read")
            await transaction.start()
            await blocker.fetchval("SELECT count(*) FROM runs")
            for _ in range(1200):
                if await watcher.fetchval(
                    "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'dibs-tui migrate' "
                    "AND wait_event_type = 'Lock' AND query LIKE 'CREATE UNIQUE INDEX CONCURRENTLY%' "
                    "AND datname = current_database()"  # not another test's migrate on the shared server
                ):
                    break
                await asyncio.sleep(0.05)
            else:
                raise AssertionError("the index never waited")
            stop(process)
            await asyncio.to_thread(process.wait, 30)
            await transaction.rollback()
            if afterwards is not None:
                await afterwards(watcher)
        finally:
            await blocker.close()
            await watcher.close()

    asyncio.run(go())
    return process


def test_ctrl_c_during_a_concurrent_index_names_it_and_the_rerun_refuses_while_it_is_there(
    db: str, tmp_path: Path
) -> None:
    folder = project(db, tmp_path)

    process = _migrate_while_the_index_waits(db, folder, lambda p: p.send_signal(signal.SIGINT))
    _, err = process.communicate(timeout=30)
    assert process.returncode == 130, err
    assert f"interrupted while applying migration {NAME}, segment 2 of 3" in err
    assert "segment 1 of 3 (statements 1-2, lines 1-2) committed, as the server records" in err
    assert (
        "left behind: the INVALID index public.t_v; clean it with: DROP INDEX CONCURRENTLY public.t_v;" in err
    )
    assert "Traceback" not in err
    after = state(db)
    assert after["indexes"] == {"t_v": False} and after["runs"] == 1
    assert after["segments"] == [(1, "committed", []), (2, "failed", ["public.t_v"])]
    refused = migrate(db, folder, "--yes")
    assert refused.returncode == 1 and "DROP INDEX CONCURRENTLY public.t_v;" in refused.stderr


async def test_server_gone_for_good_mid_apply_says_what_this_run_counted(db: str, tmp_path: Path) -> None:
    folder = await asyncio.to_thread(project, db, tmp_path, SLEEPY)
    proxy = VanishingProxy(resolve(db).port)
    port = await proxy.start()
    target = resolve(db.replace(f":{resolve(db).port}/", f":{port}/"))
    task = asyncio.create_task(apply_pending(target, folder))
    conn = await asyncpg.connect(db)
    try:
        for _ in range(1200):
            if await conn.fetchval(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'dibs-tui migrate' "
                "AND query LIKE 'SELECT pg_sleep%' AND datname = current_database()"
            ):
                break
            await asyncio.sleep(0.05)
        await proxy.vanish()  # connection reset, and nothing answers any more
        started = time.perf_counter()
        with pytest.raises(ConnectionLost) as lost:
            await asyncio.wait_for(task, 30)
        assert time.perf_counter() - started < target.timeout
        pid = await conn.fetchval(
            "SELECT pid FROM pg_stat_activity WHERE application_name = 'dibs-tui migrate' "
            "AND query LIKE 'SELECT pg_sleep%' AND datname = current_database()"
        )
        if pid:  # the server keeps sleeping for a client it cannot see go: end it, it commits nothing
            await conn.fetchval("SELECT pg_terminate_backend($1)", pid)
    finally:
        await conn.close()
    message = lost.value.message
    assert f"connection to the server lost while applying migration {NAME}, segment 3 of 3" in message
    assert "could not reconnect to read the record (" in message
    assert (
        "by this run's count: segments 1-2 of 3 (statements 1-2, lines 1-2) committed; segment 3 was "
        "interrupted: rolled back unless its COMMIT had reached the server" in message
    )
    assert lost.value.partial
    after = await asyncio.to_thread(state, db)
    assert after["runs"] == 1 and after["segments"] == [(1, "committed", []), (2, "committed", [])]


def test_a_statement_run_alone_that_never_reported_is_settled_by_hand_not_run_again(
    db: str, tmp_path: Path
) -> None:
    """The applier is killed (SIGKILL: nothing of it runs) while CREATE INDEX CONCURRENTLY waits; the server
    finishes the index anyway. The rerun must not run it again blindly: it refuses and says how to settle it."""
    folder = project(db, tmp_path)

    async def index_finished(watcher: asyncpg.Connection) -> None:  # the orphaned backend finishes it
        for _ in range(1200):
            if await watcher.fetchval(
                "SELECT count(*) FROM pg_index WHERE indexrelid = 'public.t_v'::regclass AND indisvalid"
            ):
                break
            await asyncio.sleep(0.05)

    process = _migrate_while_the_index_waits(db, folder, lambda p: p.kill(), index_finished)
    process.communicate(timeout=30)
    after = state(db)
    assert after["indexes"] == {"t_v": True} and after["columns"] == ["v", "a"]
    assert after["segments"] == [(1, "committed", []), (2, "running", [])]
    status = subprocess.run([DIBS, "status", db, "--migrations", str(folder)], capture_output=True, text=True)
    named = [line for line in status.stdout.splitlines() if NAME in line]
    assert len(named) == 1 and named[0].startswith(
        f"partial   {NAME}  partially applied: segment 1 of 3 committed"
    )
    assert "\n          segment 2 was started by a run that ended before it reported" in status.stdout

    refused = migrate(db, folder, "--yes")
    assert refused.returncode == 1
    assert (
        "segment 2 (CREATE UNIQUE INDEX CONCURRENTLY t_v ON t (v), line 3), run alone, was started by an "
        "earlier run that ended before it reported" in refused.stderr
    )
    done = (
        "UPDATE public.__dibs_migration_segments SET outcome = 'committed', error = NULL "
        f"WHERE migration = '{NAME}' AND segment = 2;"
    )
    assert done in refused.stderr
    assert state(db) == after  # nothing ran

    run_sql(db, done)  # the index is there and valid: record it as done
    resumed = migrate(db, folder, "--yes")
    assert resumed.returncode == 0, resumed.stderr
    assert "resuming at segment 3 of 3" in resumed.stdout
    final = state(db)
    assert final["columns"] == ["v", "a", "b"] and final["indexes"] == {"t_v": True} and final["runs"] == 1
    assert final["history"] == [(NAME, checksum(THREE))] and final["segments"] == []


def test_output_closed_mid_apply_stops_it_and_says_on_stderr_what_committed(db: str, tmp_path: Path) -> None:
    """`migrate | head`: the reader gone after the first migration. The second is stopped, as by Ctrl-C, and
    rolled back; the first is kept and said on stderr. It was 'connection to the server lost' (a closed pipe
    is a ConnectionError), about a server that was there all along."""
    folder = tmp_path / "migrations"
    folder.mkdir()
    (folder / "20260101000001_a.sql").write_text("CREATE TABLE a (id int);\n")
    (folder / "20260101000002_b.sql").write_text("SELECT pg_sleep(2);\nCREATE TABLE b (id int);\n")
    process = subprocess.Popen(
        [DIBS, "migrate", db, "--migrations", str(folder), "--yes", "--no-prove"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
    )
    assert process.stdout is not None and process.stderr is not None
    for line in process.stdout:  # what `head` reads before it goes
        if "20260101000001_a applied" in line:
            break
    process.stdout.close()
    err = process.stderr.read()
    assert process.wait(timeout=60) == 141, err
    assert "standard output was closed (its reader went away): migrate stopped" in err
    assert "applied before it in this run (kept): 20260101000001_a" in err
    assert "connection to the server lost" not in err and "Traceback" not in err
    tables = asyncio.run(
        fetch(db, "SELECT to_regclass('a') IS NOT NULL AS a, to_regclass('b') IS NOT NULL AS b")
    )
    assert (tables[0]["a"], tables[0]["b"]) == (True, False)
    history = asyncio.run(fetch(db, "SELECT name FROM __dibs_migrations ORDER BY name"))
    assert [r["name"] for r in history] == ["20260101000001_a"]
    rerun = migrate(db, folder, "--yes")  # the second applies on the next run
    assert rerun.returncode == 0 and "20260101000002_b applied" in rerun.stdout, rerun.stderr
