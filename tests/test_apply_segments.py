"""Apply tells the truth: segments shown before they run, each outcome recorded, INVALID indexes named with
their cleanup, resume after a partial apply, refusal when the file changed, all against the real server. What
an interrupted apply says and keeps is in tests/test_apply_interrupted.py."""

from __future__ import annotations

import asyncio
import subprocess
from pathlib import Path

import pytest

from dibs_tui.core.connect import resolve
from dibs_tui.core.migrations.apply import apply_pending
from dibs_tui.core.migrations.apply_outcome import ApplyRefused, MigrationFailed
from dibs_tui.core.migrations.files import checksum
from dibs_tui.core.migrations.segments import PlanError, plan_segments
from tests.apply_project import NAME, THREE, migrate, project, state
from tests.pg import DIBS, fetch, run_sql
from tests.ui_pilot import tab_pane


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
    # In a written block it is refused, for migrate's reason: PostgreSQL itself accepts it there
    with pytest.raises(PlanError) as refused:
        plan_segments("BEGIN;\nALTER TYPE mood ADD VALUE 'great';\nCOMMIT;\n", "m.sql")
    assert refused.value.message == (
        "m.sql:2: ALTER TYPE mood ADD VALUE 'great' cannot run inside the BEGIN block opened at line 1: migrate "
        "runs it alone, committed, since the label it adds cannot be used before its transaction commits "
        "(PostgreSQL accepts it in one)"
    )


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
    refused = migrate(db, folder, "--yes")  # the review counts the duplicates: not started
    assert refused.returncode == 1 and "would commit first and leave" in refused.stderr, refused.stderr
    assert state(db)["runs"] == 0
    failed = migrate(db, folder, "--yes", "--allow-failing")
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
    assert status.returncode == 1  # still to finish: the gate fails as for a pending one
    named = [line for line in status.stdout.splitlines() if NAME in line]
    assert len(named) == 1, status.stdout  # once, as partial: not pending as well
    assert named[0].startswith(f"partial   {NAME}  partially applied: segment 1 of 3 committed on ")
    assert "migrate resumes at segment 2 while segment 1 stays unchanged in the file" in named[0]
    assert (
        "\n          INVALID index left behind: public.t_v; clean it with: DROP INDEX CONCURRENTLY public.t_v;\n"
        in status.stdout
    )
    assert "0 applied, 0 pending, 1 partial, 0 changed, 0 missing" in status.stdout

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


def test_a_file_changed_in_its_committed_part_is_refused(db: str, tmp_path: Path) -> None:
    folder = project(db, tmp_path, duplicates=True)
    assert migrate(db, folder, "--yes", "--allow-failing").returncode == 3
    run_sql(db, "DELETE FROM t WHERE ctid = (SELECT max(ctid) FROM t WHERE v = 2)")
    run_sql(db, "DROP INDEX CONCURRENTLY public.t_v")
    (folder / f"{NAME}.sql").write_text(THREE.replace("ADD COLUMN a int", "ADD COLUMN a bigint"))
    before = state(db)
    refused = migrate(db, folder, "--yes")
    assert refused.returncode == 1
    assert (
        f"migration {NAME} was partially applied (segment 1 of 3 (statements 1-2) committed on "
        in refused.stderr
    )
    assert "segment 1 changed since it committed" in refused.stderr
    assert "restore segment 1 as committed to resume" in refused.stderr
    assert state(db) == before  # nothing ran: segment 1 not repeated


def test_a_fix_after_the_committed_segments_resumes_with_the_fixed_file(db: str, tmp_path: Path) -> None:
    """The usual repair: the statement that failed is corrected in the file. What committed is unchanged, so
    the rerun resumes after it, runs the corrected rest, and records the file as it is now."""
    broken = THREE.replace("ADD COLUMN b int", "ADD COLUMN b no_such_type")
    folder = project(db, tmp_path, broken)
    failed = migrate(db, folder, "--yes")
    assert failed.returncode == 3, failed.stderr
    assert "segments 1-2 of 3 (statements 1-3, lines 1-3) committed; segment 3" in failed.stderr
    assert (
        "segments 1-2 must stay as written in the file (a change there is refused), what follows may be corrected"
        in failed.stderr
    )
    fixed = (folder / f"{NAME}.sql").read_text().replace("no_such_type", "int")
    (folder / f"{NAME}.sql").write_text(fixed)
    resumed = migrate(db, folder, "--yes")
    assert resumed.returncode == 0, resumed.stderr
    assert "resuming at segment 3 of 3" in resumed.stdout
    assert "unchanged in the file; the rest runs as the file is now" in resumed.stdout
    done = state(db)
    assert done["columns"] == ["v", "a", "b"] and done["indexes"] == {"t_v": True}
    assert done["runs"] == 1  # segment 1 ran once
    assert done["history"] == [(NAME, checksum(fixed))] and done["segments"] == []


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


async def test_tui_shows_what_an_earlier_run_left_of_a_pending_migration(db: str, tmp_path: Path) -> None:
    from textual.widgets import Static

    from dibs_tui.config import Settings
    from dibs_tui.ui.app import DibsApp
    from dibs_tui.ui.migrations_pane import MigrationsPane
    from tests.ui_pilot import wait_for

    folder = await asyncio.to_thread(project, db, tmp_path, THREE, duplicates=True)
    assert (await asyncio.to_thread(migrate, db, folder, "--yes", "--allow-failing")).returncode == 3
    app = DibsApp(
        resolve(db), Settings(project_root=tmp_path, migrations_dir=folder, prove=False), header_label="t"
    )
    async with app.run_test(size=(150, 45)) as pilot:
        await wait_for(pilot, lambda: app.catalog is not None)
        pane = await tab_pane(pilot, "m", MigrationsPane)
        details = pane.query_one("#migrations-details", Static)
        await wait_for(pilot, lambda: "Earlier run:" in str(details.render()))
        shown = str(details.render())
        assert "partially applied: segment 1 of 3 committed on " in shown
        assert "migrate resumes at segment 2 while segment 1 stays unchanged in the file" in shown
        assert 'segment 2 failed: could not create unique index "t_v"' in shown
        assert (
            "partly applied: segment 1 of 3 (statements 1-2, lines 1-2) committed on " in shown
            and "reviewed and traced: segments 2-3 of 3 (statements 3-4, lines 3-4), what migrate runs next"
            in shown
        ), shown
        assert "▲ line 2:" not in shown  # segment 1 ran: not reviewed again
        # The trace runs the concurrent build as migrate will (cf6dad3), on a clone of the live schema that holds
        # the INVALID index the earlier run left: the build fails there as it would live until that is dropped.
        assert '.sql:3 fails: relation "t_v" already exists' in shown
        assert (
            "INVALID index left behind: public.t_v; clean it with: DROP INDEX CONCURRENTLY public.t_v;"
            in shown
        )
        await asyncio.to_thread(run_sql, db, "DROP INDEX CONCURRENTLY public.t_v")
        pane.reload()
        await wait_for(
            pilot, lambda: "Earlier run:" in str(details.render()) and "INVALID" not in str(details.render())
        )


def test_the_quick_keyword_check_never_hides_a_statement_the_parser_runs_alone() -> None:
    """The planner skips the classifying parse for statements without these keywords: every statement that
    runs alone or is transaction control must have one, or it would run inside a transaction."""
    from dibs_tui.core.migrations.files import (
        _may_be_control,
        _may_run_alone,
        is_transaction_control,
        runs_outside_transaction,
    )

    candidates = [
        "CREATE INDEX CONCURRENTLY i ON t (a)",
        "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS i ON t (a)",
        "DROP INDEX CONCURRENTLY i",
        "REINDEX INDEX CONCURRENTLY i",
        "REINDEX TABLE CONCURRENTLY t",
        "REINDEX DATABASE d",
        "REINDEX SYSTEM d",
        "REINDEX SCHEMA s",
        "REINDEX TABLE t",
        "CLUSTER t",
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
