"""Apply tells the truth: segments shown before they run, each outcome recorded, failures that say what
committed, INVALID indexes named with their cleanup, resume after a partial apply, refusal when the file
changed, and a connection lost mid-apply, all against the real server."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import asyncpg
import pytest

from dibs_tui.core.connect import resolve
from dibs_tui.core.migrations.apply import apply_pending
from dibs_tui.core.migrations.apply_outcome import ApplyRefused, ConnectionLost, MigrationFailed
from dibs_tui.core.migrations.files import checksum
from dibs_tui.core.migrations.segments import PlanError, plan_segments
from tests.pg import fetch, run_sql

DIBS = Path(sys.executable).parent / "dibs-tui"
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


def test_plan_cuts_at_statements_that_cannot_run_in_a_transaction() -> None:
    plan = plan_segments(THREE, "m.sql")
    assert [(s.number, s.alone, s.first, s.last, s.first_line, s.last_line) for s in plan.segments] == [
        (1, False, 1, 2, 1, 2),
        (2, True, 3, 3, 3, 3),
        (3, False, 4, 4, 4, 4),
    ]
    assert plan.span(1, 2) == "segments 1-2 of 3 (statements 1-3, lines 1-3)"
    # A block written in the file stays one segment; BEGIN/COMMIT are boundaries, never sent.
    written = plan_segments("SELECT 1;\nBEGIN;\nSELECT 2;\nSELECT 3;\nCOMMIT;\nSELECT 4;\n")
    assert [(s.first, s.last, s.written_block) for s in written.segments] == [
        (1, 1, False),
        (2, 3, True),
        (4, 4, False),
    ]
    enum = plan_segments("ALTER TYPE mood ADD VALUE 'great';\nUPDATE t SET m = 'great';\n")
    assert enum.segments[0].alone and "only be used once committed" in enum.describe()[1]


def test_concurrent_index_inside_a_written_block_is_refused_before_anything_runs(
    db: str, tmp_path: Path
) -> None:
    folder = project(
        db,
        tmp_path,
        "ALTER TABLE t ADD COLUMN a int;\nBEGIN;\nCREATE INDEX CONCURRENTLY t_v ON t (v);\nCOMMIT;\n",
    )
    with pytest.raises(
        PlanError, match=r":3: CREATE INDEX CONCURRENTLY t_v ON t \(v\) cannot run inside the BEGIN"
    ):
        plan_segments((folder / f"{NAME}.sql").read_text(), str(folder / f"{NAME}.sql"))
    result = migrate(db, folder, "--yes")
    assert result.returncode == 1, result.stderr
    assert f"{NAME}.sql:3: CREATE INDEX CONCURRENTLY" in result.stderr and "Traceback" not in result.stderr
    assert state(db)["columns"] == ["v"]  # segment 1 did not run either


def test_dry_run_shows_three_segments_then_all_apply_and_are_recorded(db: str, tmp_path: Path) -> None:
    folder = project(db, tmp_path)
    dry = migrate(db, folder, "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert f"pending  {NAME}  (4 statements, 3 segments)" in dry.stdout
    assert (
        "    segment 1 (one transaction, statements 1-2, lines 1-2): INSERT INTO runs VALUES ('segment 1') and 1 more"
        in dry.stdout
    )
    assert (
        "    segment 2 (alone, autocommit, statement 3, line 3): CREATE UNIQUE INDEX CONCURRENTLY t_v ON t (v)"
        in dry.stdout
    )
    assert (
        "    segment 3 (one transaction, statement 4, line 4): ALTER TABLE t ADD COLUMN b int" in dry.stdout
    )
    assert state(db)["columns"] == ["v"]  # a dry run changes nothing
    applied = migrate(db, folder, "--yes")
    assert applied.returncode == 0, applied.stderr
    assert "segment 2/3 (alone, autocommit, statement 3, line 3)" in applied.stdout
    after = state(db)
    assert after["columns"] == ["v", "a", "b"] and after["indexes"] == {"t_v": True} and after["runs"] == 1
    assert after["history"] == [(NAME, checksum(THREE))]
    assert after["segments"] == []  # the partial record goes with the history row


def test_failed_concurrent_index_is_named_refused_while_there_then_resumed(db: str, tmp_path: Path) -> None:
    folder = project(db, tmp_path, duplicates=True)
    failed = migrate(db, folder, "--yes")
    assert failed.returncode == 3, failed.stderr  # partially applied
    first = failed.stderr.splitlines()[0]
    assert first == (
        f"migration {NAME} partially applied: segment 1 of 3 (statements 1-2, lines 1-2) committed; "
        "segment 2 (CREATE UNIQUE INDEX CONCURRENTLY t_v ON t (v), line 3) failed: could not create unique index "
        '"t_v" (Key (v)=(2) is duplicated.); segment 3 not run'
    )
    assert (
        "left behind: the INVALID index public.t_v; clean it with: DROP INDEX CONCURRENTLY public.t_v;"
        in (failed.stderr)
    )
    assert "Traceback" not in failed.stderr
    after = state(db)
    assert after["columns"] == ["v", "a"] and after["indexes"] == {"t_v": False} and after["runs"] == 1
    assert after["history"] == []  # not applied: only some segments committed
    assert after["segments"] == [(1, "committed", []), (2, "failed", ["public.t_v"])]

    status = subprocess.run(
        [DIBS, "status", db, "--migrations", str(folder)], capture_output=True, text=True, timeout=60
    )
    assert status.returncode == 1
    assert f"partial   {NAME}  partially applied: segment 1 of 3 committed on " in status.stdout
    assert (
        f"partial   {NAME}  INVALID index left behind: public.t_v; clean it with: DROP INDEX" in status.stdout
    )

    refused = migrate(db, folder, "--yes")
    assert refused.returncode == 1
    assert "left the INVALID index public.t_v behind" in refused.stderr
    assert "DROP INDEX CONCURRENTLY public.t_v;" in refused.stderr
    assert state(db) == after  # nothing ran

    run_sql(db, "DELETE FROM t WHERE ctid = (SELECT max(ctid) FROM t WHERE v = 2)")
    run_sql(db, "DROP INDEX CONCURRENTLY public.t_v")
    resumed = migrate(db, folder, "--yes")
    assert resumed.returncode == 0, resumed.stderr
    assert "resumes at segment 2: segment 1 of 3 (statements 1-2, lines 1-2) committed" in resumed.stdout
    assert "resuming at segment 2 of 3" in resumed.stdout
    assert f"{NAME}.sql:2: access-exclusive-lock" not in resumed.stdout  # committed before: not run again
    assert f"{NAME}.sql:4: access-exclusive-lock" in resumed.stdout
    done = state(db)
    assert done["columns"] == ["v", "a", "b"] and done["indexes"] == {"t_v": True}
    assert done["runs"] == 1  # segment 1 ran once, not again on resume
    assert done["history"] == [(NAME, checksum(THREE))] and done["segments"] == []


def test_a_file_changed_after_a_partial_apply_is_refused(db: str, tmp_path: Path) -> None:
    folder = project(db, tmp_path, duplicates=True)
    assert migrate(db, folder, "--yes").returncode == 3
    run_sql(db, "DELETE FROM t WHERE ctid = (SELECT max(ctid) FROM t WHERE v = 2)")
    run_sql(db, "DROP INDEX CONCURRENTLY public.t_v")
    (folder / f"{NAME}.sql").write_text(THREE.replace("ADD COLUMN b int", "ADD COLUMN c int"))
    before = state(db)
    refused = migrate(db, folder, "--yes")
    assert refused.returncode == 1
    assert (
        f"migration {NAME} was partially applied (segment 1 of 3 (statements 1-2) committed on "
        in refused.stderr
    )
    assert "its file changed since" in refused.stderr and "restore the file as it was" in refused.stderr
    assert state(db) == before  # nothing ran: no column c, segment 1 not repeated


async def test_one_transaction_failure_keeps_nothing_and_records_nothing(db: str, tmp_path: Path) -> None:
    folder = await asyncio.to_thread(project, db, tmp_path, "ALTER TABLE t ADD COLUMN a int;\nSELECT 1/0;\n")
    with pytest.raises(MigrationFailed) as failure:
        await apply_pending(resolve(db), folder)
    assert (
        failure.value.headline()
        == f"migration {NAME} failed and was rolled back: nothing of it was committed"
    )
    assert failure.value.committed == 0 and not failure.value.leftovers
    after = await asyncio.to_thread(state, db)
    assert after["columns"] == ["v"] and after["segments"] == [] and after["history"] == []
    # Nothing of it stayed: the file may be edited and run whole.
    (folder / f"{NAME}.sql").write_text("ALTER TABLE t ADD COLUMN a int;\n")
    result = await apply_pending(resolve(db), folder)
    assert [a.name for a in result.applied] == [NAME]


async def test_refusal_happens_before_an_earlier_pending_migration_runs(db: str, tmp_path: Path) -> None:
    folder = await asyncio.to_thread(project, db, tmp_path, duplicates=True)
    with pytest.raises(MigrationFailed):
        await apply_pending(resolve(db), folder)
    (folder / "20250101000000_earlier.sql").write_text("CREATE TABLE earlier (id int);\n")
    with pytest.raises(ApplyRefused):
        await apply_pending(resolve(db), folder)
    rows = await fetch(db, "SELECT to_regclass('public.earlier') IS NULL AS absent")
    assert rows[0]["absent"]


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
# added goes straight through, with the file unchanged.
SLEEPY = (
    "INSERT INTO runs VALUES ('segment 1');\nCREATE INDEX CONCURRENTLY t_v ON t (v);\n"
    "ALTER TABLE t ADD COLUMN b int;\n"
    "SELECT pg_sleep(CASE WHEN (SELECT count(*) FROM runs) < 2 THEN 60 ELSE 0 END);\n"
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
    changed_text = SLEEPY.replace("ADD COLUMN b", "ADD COLUMN c")
    (folder / f"{NAME}.sql").write_text(changed_text)
    changed = migrate(db, folder, "--yes")
    assert changed.returncode == 1 and "its file changed since" in changed.stderr
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
    from textual.pilot import Pilot
    from textual.widgets import Static

    from dibs_tui.config import Settings
    from dibs_tui.ui.app import DibsApp
    from dibs_tui.ui.migrations_pane import MigrationsPane
    from dibs_tui.ui.screens.confirm import ConfirmScreen

    async def wait_for(pilot: Pilot[int], condition: Callable[[], object], limit: float = 30.0) -> None:
        waited = 0.0
        while not condition():
            await pilot.pause(0.05)
            waited += 0.05
            assert waited < limit, "condition not reached"

    folder = await asyncio.to_thread(project, db, tmp_path, SLEEPY)
    app = DibsApp(
        resolve(db), Settings(project_root=tmp_path, migrations_dir=folder, prove=False), header_label="t"
    )
    async with app.run_test(size=(150, 45)) as pilot:
        await wait_for(pilot, lambda: app.catalog is not None)
        await pilot.press("m")
        pane = app.query_one(MigrationsPane)
        await wait_for(pilot, lambda: pane.loaded)
        details = pane.query_one("#migrations-details", Static)
        await wait_for(pilot, lambda: "Segments:" in str(details.render()))
        assert (
            "segment 2 (alone, autocommit, statement 2, line 2): CREATE INDEX CONCURRENTLY t_v ON t (v)"
            in (str(details.render()))
        )
        await pilot.press("m")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen) and app.screen.query("#no"))
        assert isinstance(app.screen, ConfirmScreen)
        assert f"{NAME}: not atomic: 3 segments" in app.screen.question
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


def test_a_rollback_written_in_the_file_is_refused_before_anything_runs(db: str, tmp_path: Path) -> None:
    folder = project(
        db, tmp_path, "ALTER TABLE t ADD COLUMN a int;\nROLLBACK;\nALTER TABLE t ADD COLUMN b int;\n"
    )
    result = migrate(db, folder, "--yes")
    assert result.returncode == 1
    assert f"{NAME}.sql:2: ROLLBACK would end the transaction a segment runs in" in result.stderr
    after = state(db)
    assert after["columns"] == ["v"] and after["history"] == []  # not recorded as applied while undone
    savepoints = plan_segments("SAVEPOINT s;\nUPDATE t SET v = 1;\nROLLBACK TO SAVEPOINT s;\n")
    assert len(savepoints.segments) == 1 and savepoints.statements == 3


async def test_an_empty_migration_and_an_empty_written_block_are_recorded_as_applied(
    db: str, tmp_path: Path
) -> None:
    folder = tmp_path / "m"
    folder.mkdir()
    (folder / "20260101000000_comments-only.sql").write_text("-- nothing to do yet\n")
    (folder / "20260102000000_empty-block.sql").write_text("BEGIN;\nCOMMIT;\n")
    assert plan_segments("BEGIN;\nCOMMIT;\n").segments == ()
    result = await apply_pending(resolve(db), folder)
    assert [a.name for a in result.applied] == ["20260101000000_comments-only", "20260102000000_empty-block"]
    rows = await fetch(db, "SELECT name FROM __dibs_migrations ORDER BY name")
    assert [r["name"] for r in rows] == ["20260101000000_comments-only", "20260102000000_empty-block"]


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


async def test_tui_shows_what_an_earlier_run_left_of_a_pending_migration(db: str, tmp_path: Path) -> None:
    from textual.widgets import Static

    from dibs_tui.config import Settings
    from dibs_tui.ui.app import DibsApp
    from dibs_tui.ui.migrations_pane import MigrationsPane

    folder = await asyncio.to_thread(project, db, tmp_path, THREE, duplicates=True)
    assert (await asyncio.to_thread(migrate, db, folder, "--yes")).returncode == 3
    app = DibsApp(
        resolve(db), Settings(project_root=tmp_path, migrations_dir=folder, prove=False), header_label="t"
    )
    async with app.run_test(size=(150, 45)) as pilot:

        async def until(condition: Callable[[], object]) -> None:
            for _ in range(600):
                if condition():
                    return
                await pilot.pause(0.05)
            raise AssertionError("condition not reached")

        await until(lambda: app.catalog is not None)
        await pilot.press("m")
        pane = app.query_one(MigrationsPane)
        details = pane.query_one("#migrations-details", Static)
        await until(lambda: "Earlier run:" in str(details.render()))
        shown = str(details.render())
        assert "partially applied: segment 1 of 3 committed on " in shown
        assert "migrate resumes at segment 2 while the file is unchanged" in shown
        assert 'segment 2 failed: could not create unique index "t_v"' in shown
        assert (
            "INVALID index left behind: public.t_v; clean it with: DROP INDEX CONCURRENTLY public.t_v;"
            in shown
        )
        await asyncio.to_thread(run_sql, db, "DROP INDEX CONCURRENTLY public.t_v")
        pane.reload()
        await until(
            lambda: "Earlier run:" in str(details.render()) and "INVALID" not in str(details.render())
        )


class _Proxy:
    """A TCP relay to the test server that can vanish: to the client, a server that went away for good."""

    def __init__(self, port: int) -> None:
        self.target_port = port
        self.links: list[asyncio.StreamWriter] = []
        self.server: asyncio.Server | None = None

    async def start(self) -> int:
        self.server = await asyncio.start_server(self._link, "127.0.0.1", 0)
        return int(self.server.sockets[0].getsockname()[1])

    async def _link(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        self.links += [writer, up_writer]

        async def pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
            with contextlib.suppress(OSError, ConnectionError):
                while data := await source.read(65536):
                    sink.write(data)
                    await sink.drain()
            sink.close()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))

    async def vanish(self) -> None:
        assert self.server is not None
        self.server.close()
        for writer in self.links:
            with contextlib.suppress(Exception):
                writer.transport.abort()
        await self.server.wait_closed()


async def test_server_gone_for_good_mid_apply_says_what_this_run_counted(db: str, tmp_path: Path) -> None:
    folder = await asyncio.to_thread(project, db, tmp_path, SLEEPY)
    proxy = _Proxy(resolve(db).port)
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


def test_the_quick_keyword_check_never_hides_a_statement_the_parser_runs_alone() -> None:
    """The planner skips the classifying parse for statements without these keywords: every statement that
    runs alone or is transaction control must have one, or it would run inside a transaction."""
    from dibs_tui.core.migrations.files import is_transaction_control, runs_outside_transaction
    from dibs_tui.core.migrations.segments import _may_be_control, _may_run_alone

    candidates = [
        "CREATE INDEX CONCURRENTLY i ON t (a)",
        "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS i ON t (a)",
        "DROP INDEX CONCURRENTLY i",
        "REINDEX INDEX CONCURRENTLY i",
        "REINDEX TABLE CONCURRENTLY t",
        "REINDEX DATABASE d",
        "REINDEX SYSTEM d",
        "ALTER TABLE p DETACH PARTITION c CONCURRENTLY",
        "VACUUM",
        "VACUUM (ANALYZE) t",
        "CLUSTER",
        "CREATE DATABASE d",
        "DROP DATABASE d",
        "ALTER DATABASE d SET TABLESPACE x",
        "CREATE TABLESPACE x LOCATION '/tmp'",
        "DROP TABLESPACE x",
        "ALTER SYSTEM SET work_mem = '1MB'",
        "ALTER TYPE mood ADD VALUE 'great'",
        "alter type mood add /* c */ value if not exists 'x' before 'great'",
        "CREATE SUBSCRIPTION s CONNECTION 'x' PUBLICATION p",
        "DROP SUBSCRIPTION s",
        "COMMIT PREPARED 'x'",
        "DISCARD ALL",
        "INSERT INTO t VALUES (1)",
        "BEGIN",
        "begin transaction isolation level serializable",
        "START TRANSACTION",
        "COMMIT",
        "END",
        "COMMIT AND CHAIN",
    ]
    for sql in candidates:
        if runs_outside_transaction(sql):
            assert _may_run_alone(sql), sql
        if is_transaction_control(sql):
            assert _may_be_control(sql), sql
    assert runs_outside_transaction("CREATE INDEX CONCURRENTLY i ON t (a)")  # the check above is not empty
    assert is_transaction_control("BEGIN")


def test_an_error_writing_the_history_row_is_a_message_not_an_internal_error(db: str, tmp_path: Path) -> None:
    folder = tmp_path / "m"
    folder.mkdir()
    (folder / "20260101000000_first.sql").write_text("CREATE TABLE first (id int);\n")
    (folder / "20260102000000_self.sql").write_text(
        "CREATE TABLE second (id int);\n"
        "ALTER TABLE __dibs_migrations ADD CONSTRAINT no_me CHECK (name <> '20260102000000_self');\n"
    )
    result = migrate(db, folder, "--yes")
    assert result.returncode == 1, result.stderr
    assert "internal error" not in result.stderr and "Traceback" not in result.stderr
    assert (
        "apply stopped by an error outside the migration's statements while applying migration "
        "20260102000000_self, segment 1 of 1" in result.stderr
    )
    assert 'violates check constraint "no_me"' in result.stderr
    assert "nothing of it committed, as the server records" in result.stderr
    assert "applied before it in this run (kept): 20260101000000_first" in result.stderr
    rows = asyncio.run(
        fetch(
            db,
            "SELECT to_regclass('public.first') IS NOT NULL AS f, to_regclass('public.second') IS NULL AS s",
        )
    )
    assert (rows[0]["f"], rows[0]["s"]) == (True, True)  # the first kept, the second rolled back with its row


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
    assert f"partial   {NAME}  segment 2 was started by a run that ended before it reported" in status.stdout

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


async def test_a_goose_no_transaction_file_runs_each_statement_alone(db: str, tmp_path: Path) -> None:
    folder = tmp_path / "m"
    folder.mkdir()
    (folder / "20260101000000_no-tx.sql").write_text(
        "-- +goose NO TRANSACTION\n-- +goose Up\nCREATE TABLE a (id int);\nINSERT INTO a VALUES (1);\n"
        "SELECT 1/0;\n-- +goose Down\nDROP TABLE a;\n"
    )
    plan = plan_segments(
        "CREATE TABLE a (id int);\nBEGIN;\nSELECT 1;\nSELECT 2;\nCOMMIT;\n", transactional=False
    )
    assert [(s.first, s.last, s.alone) for s in plan.segments] == [(1, 1, True), (2, 3, False)]
    with pytest.raises(MigrationFailed) as failure:
        await apply_pending(resolve(db), folder)
    assert failure.value.headline().startswith(
        "migration 20260101000000_no-tx partially applied: segments 1-2 of 3 (statements 1-2, lines 3-4) "
        "committed; segment 3 (SELECT 1/0, line 5) failed: division by zero"
    )
    rows = await fetch(db, "SELECT id FROM a")  # what goose would have kept, kept: and said so
    assert [r["id"] for r in rows] == [1]
