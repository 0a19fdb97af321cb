"""Migrations: folder, history of every tool, status, and applying (atomicity, locking, errors) on real PG."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from dibs_tui.core.connect import connect, resolve
from dibs_tui.core.embedded import EmbeddedServer
from dibs_tui.core.migrations.apply import apply_pending
from dibs_tui.core.migrations.apply_online import LockRetries
from dibs_tui.core.migrations.apply_outcome import ApplyEvent, MigrationFailed
from dibs_tui.core.migrations.files import checksum, new_migration_name, split_statements
from dibs_tui.core.migrations.layouts import read_status
from dibs_tui.core.migrations.status import MigrationState
from tests.cli_in_process import run_cli
from tests.pg import REAL, execute, fetch, psql_file, run_sql

DIBS = Path(sys.executable).parent / "dibs-tui"


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.sql"
    path.write_text(text, encoding="utf-8")
    return path


async def tables_and_columns(dsn: str) -> list[tuple[str, str, str]]:
    rows = await fetch(
        dsn,
        "SELECT c.relname::text, a.attname::text, format_type(a.atttypid, a.atttypmod) FROM pg_class c "
        "JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_attribute a ON a.attrelid = c.oid "
        "WHERE n.nspname = 'public' AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped "
        "ORDER BY 1, 2",
    )
    return [tuple(r) for r in rows]


def test_split_statements_keeps_positions_and_skips_quoted_semicolons() -> None:
    text = (
        "-- header\n\nCREATE TABLE a (x text DEFAULT ';');\n"
        "CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETURN 1; END $$;\n"
        "  /* c; */ SELECT 'it''s;' ;"
    )
    statements = split_statements(text)
    assert [s.line for s in statements] == [3, 4, 5]
    assert statements[1].text.endswith("END $$")
    assert statements[2].text == "SELECT 'it''s;'"
    assert statements[2].column == 12


def test_new_names_are_timestamped_slugs() -> None:
    from datetime import UTC, datetime

    assert new_migration_name("Add Email Verified!", datetime(2026, 1, 17, 23, 48, 1, tzinfo=UTC)) == (
        "20260117234801_add-email-verified"
    )


async def test_failure_half_way_rolls_back_that_migration_only(db: str, tmp_path: Path) -> None:
    folder = tmp_path / "migrations"
    write(folder, "20260101000000_first", "CREATE TABLE a (id int PRIMARY KEY);\nINSERT INTO a VALUES (1);\n")
    write(
        folder,
        "20260102000000_second",
        "CREATE TABLE b (id int);\nALTER TABLE a ADD COLUMN note text;\n"
        "INSERT INTO a (id, note)\n  VALUES (1, 'duplicate');\nCREATE TABLE c (id int);\n",
    )
    write(folder, "20260103000000_third", "CREATE TABLE d (id int);\n")
    target = resolve(db)
    events: list[ApplyEvent] = []
    with pytest.raises(MigrationFailed) as failure:
        await apply_pending(target, folder, progress=events.append)
    error = failure.value
    assert error.migration == "20260102000000_second"
    assert error.line == 3  # the INSERT starts on line 3 of the file
    assert error.sqlstate == "23505"
    assert "duplicate key" in error.pg_message and "(id)=(1)" in (error.detail or "")
    assert f"{folder / '20260102000000_second.sql'}:3: ERROR:" in error.report()
    assert error.applied_before == ("20260101000000_first",)
    assert any(e.kind == "failed" for e in events)
    # The first migration stays applied; the second left nothing behind; the third never ran.
    user_tables = [r for r in await tables_and_columns(db) if not r[0].startswith("__dibs")]
    assert user_tables == [("a", "id", "integer")]
    assert [r["id"] for r in await fetch(db, "SELECT id FROM a")] == [1]
    names = [r["name"] for r in await fetch(db, "SELECT name FROM __dibs_migrations ORDER BY name")]
    assert names == ["20260101000000_first"]
    statuses, _ = await read_status(target, folder)
    assert [(s.name, s.state) for s in statuses] == [
        ("20260101000000_first", MigrationState.APPLIED),
        ("20260102000000_second", MigrationState.PENDING),
        ("20260103000000_third", MigrationState.PENDING),
    ]


def test_caret_marks_the_error_position(db: str, tmp_path: Path) -> None:
    folder = tmp_path / "m"
    write(folder, "20260101000000_bad", "-- one\nCREATE TABLE t (\n  id int,\n  x nosuchtype\n);\n")
    # the apply's own report: the proof (which refuses it first) is skipped
    result = run_cli("migrate", db, "--migrations", str(folder), "--yes", "--no-prove")
    assert result.returncode == 1
    assert '20260101000000_bad.sql:4: ERROR: type "nosuchtype" does not exist' in result.stderr
    lines = result.stderr.splitlines()
    bad = next(i for i, line in enumerate(lines) if line.endswith("x nosuchtype"))
    assert lines[bad + 1] == "    " + " " * len("  x ") + "^"
    assert "Traceback" not in result.stderr


def test_record_holds_checksum_tables_and_timing(db: str, tmp_path: Path) -> None:
    folder = tmp_path / "m"
    run_sql(db, "CREATE TABLE old (id int); CREATE TABLE keep (id int);")
    path = write(
        folder,
        "20260101000000_shape",
        "CREATE TABLE fresh (id int);\nDROP TABLE old;\nALTER TABLE keep ADD COLUMN v int;\n",
    )
    result = run_cli("migrate", db, "--migrations", str(folder), "--yes")
    assert result.returncode == 0, result.stderr
    assert "[1/1] 20260101000000_shape applied in" in result.stdout
    import asyncio

    row = asyncio.run(fetch(db, "SELECT * FROM __dibs_migrations"))[0]
    assert row["checksum"] == checksum(path.read_text())
    assert (row["tables_created"], row["tables_modified"], row["tables_dropped"]) == (
        ["fresh"],
        ["keep"],
        ["old"],
    )
    assert row["execution_time_ms"] >= 1 and row["generated_from_diff"] is False


def test_non_tty_without_yes_refuses_and_dry_run_changes_nothing(db: str, tmp_path: Path) -> None:
    folder = tmp_path / "m"
    write(folder, "20260101000000_a", "CREATE TABLE a (id int);\n")
    refused = run_cli("migrate", db, "--migrations", str(folder))  # its standard input /dev/null
    assert (
        refused.returncode == 1 and "refusing to apply 1 migration(s) without confirmation" in refused.stderr
    )
    dry = run_cli("migrate", db, "--migrations", str(folder), "--dry-run")
    assert dry.returncode == 0 and "dry run" in dry.stdout
    status = run_cli("status", db, "--migrations", str(folder))
    assert status.returncode == 1 and "pending   20260101000000_a" in status.stdout


def test_two_concurrent_migrates_apply_once(db: str, tmp_path: Path) -> None:
    folder = tmp_path / "m"
    run_sql(db, "CREATE TABLE runs (n int)")
    write(folder, "20260101000000_slow", "INSERT INTO runs VALUES (1);\nSELECT pg_sleep(1.5);\n")
    write(folder, "20260102000000_next", "INSERT INTO runs VALUES (2);\n")
    command = [DIBS, "migrate", db, "--migrations", str(folder), "--yes"]
    first = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(0.6)
    second = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    out1, err1 = first.communicate(timeout=60)
    out2, err2 = second.communicate(timeout=60)
    assert first.returncode == 0 and second.returncode == 0, err1 + err2
    assert "applied 2 migration(s)" in out1
    assert "waiting for the migrations lock held by pid" in out2 and "(dibs-tui migrate)" in out2
    assert "nothing to apply" in out2
    import asyncio

    assert [r["n"] for r in asyncio.run(fetch(db, "SELECT n FROM runs ORDER BY n"))] == [1, 2]
    assert len(asyncio.run(fetch(db, "SELECT name FROM __dibs_migrations"))) == 2


async def test_edited_is_changed_and_deleted_is_missing(db: str, tmp_path: Path) -> None:
    folder = tmp_path / "m"
    write(folder, "20260101000000_a", "CREATE TABLE a (id int);\n")
    b = write(folder, "20260102000000_b", "CREATE TABLE b (id int);\n")
    c = write(folder, "20260103000000_c", "CREATE TABLE c (id int);\n")
    target = resolve(db)
    await apply_pending(target, folder)
    b.write_text("CREATE TABLE b (id bigint);\n")
    c.unlink()
    statuses, _ = await read_status(target, folder)
    assert [(s.name, s.state) for s in statuses] == [
        ("20260101000000_a", MigrationState.APPLIED),
        ("20260102000000_b", MigrationState.CHANGED),
        ("20260103000000_c", MigrationState.MISSING),
    ]
    result = subprocess.run(  # noqa: ASYNC221 - the CLI under test
        [DIBS, "status", db, "--migrations", folder], capture_output=True, text=True
    )
    assert result.returncode == 1
    assert "changed   20260102000000_b" in result.stdout and "checksum differs" in result.stdout
    assert "missing   20260103000000_c" in result.stdout


async def test_other_tools_histories(db: str, tmp_path: Path) -> None:
    await execute(
        db,
        "CREATE TABLE schema_migrations (version bigint PRIMARY KEY, dirty boolean NOT NULL);"
        "INSERT INTO schema_migrations VALUES (2, false);"
        "CREATE TABLE _dibs_migrations (version text PRIMARY KEY, applied_at timestamptz DEFAULT now());"
        "INSERT INTO _dibs_migrations (version) VALUES ('000003_c.up');",
    )
    folder = tmp_path / "m"
    for name in ("000001_a.up", "000002_b.up", "000003_c.up", "000004_d.up"):
        write(folder, name, "SELECT 1;\n")
    statuses, history = await read_status(resolve(db), folder)
    assert {t.tool for t in history.tables} == {"golang-migrate", "dibs"}
    assert [s.state for s in statuses] == [MigrationState.APPLIED] * 3 + [MigrationState.PENDING]


async def test_delta_alembic_offline_sql_applies_and_history_reads_alembic_version(
    db: str, tmp_path: Path
) -> None:
    source = REAL / "delta" / "alembic_upgrade_head.offline.sql"
    folder = tmp_path / "m"
    folder.mkdir()
    shutil.copy(source, folder / "20260101000000_alembic-upgrade-head.sql")
    result = await apply_pending(resolve(db), folder)
    assert [a.name for a in result.applied] == ["20260101000000_alembic-upgrade-head"]
    assert "users" in result.applied[0].tables_created
    statuses, _ = await read_status(resolve(db), folder)
    head = source.read_text().rsplit("SET version_num='", 1)[1].split("'", 1)[0]
    by_source = {s.applied.source: s for s in statuses if s.applied}
    assert by_source["alembic_version"].name == head
    assert by_source["alembic_version"].state is MigrationState.APPLIED
    assert by_source["__dibs_migrations"].state is MigrationState.APPLIED
    assert not [s for s in statuses if s.state is not MigrationState.APPLIED]


@pytest.mark.slow
async def test_plue_migrations_onto_their_base_schema(db: str, tmp_path: Path) -> None:
    psql_file(db, REAL / "plue" / "history" / "schema@2247fe1.sql")
    folder = tmp_path / "m"
    folder.mkdir()
    names = [
        "005_fix_workflow_config_format",
        "006_workflow_tables",
        "007_atomic_issue_numbers",
        "008_convert_timestamp_to_timestamptz",
    ]
    for name in names:
        shutil.copy(REAL / "plue" / "migrations" / f"{name}.sql", folder / f"{name}.sql")
    events: list[ApplyEvent] = []
    result = await apply_pending(resolve(db), folder, progress=events.append)
    assert [a.name for a in result.applied] == names
    statuses, _ = await read_status(resolve(db), folder)
    assert all(s.state is MigrationState.APPLIED for s in statuses)
    conn = await connect(resolve(db))
    try:
        kinds = await conn.fetchval(
            "SELECT count(*) FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid "
            "WHERE c.relname = 'users' AND a.atttypid = 'timestamp'::regtype"
        )
        assert kinds == 0
        assert await conn.fetchval("SELECT to_regproc('get_next_issue_number') IS NOT NULL")
    finally:
        await conn.close()
    assert sum(1 for e in events if e.kind == "applied") == 4


async def test_failing_migration_leaves_database_and_history_exactly_as_before(
    db: str, tmp_path: Path
) -> None:
    folder = tmp_path / "m"
    write(
        folder,
        "20260101000000_first",
        "CREATE TABLE a (id int PRIMARY KEY, v text);\nINSERT INTO a VALUES (1, 'x');\n",
    )
    target = resolve(db)
    await apply_pending(target, folder)
    snapshot_sql = (
        "SELECT c.relname::text, c.relkind::text, a.attname::text, format_type(a.atttypid, a.atttypmod), "
        "a.attnotnull FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped "
        "WHERE n.nspname = 'public' ORDER BY 1, 3"
    )
    history_sql = "SELECT * FROM __dibs_migrations ORDER BY name"
    before = (await fetch(db, snapshot_sql), await fetch(db, history_sql), await fetch(db, "SELECT * FROM a"))
    write(
        folder,
        "20260102000000_breaks",
        "ALTER TABLE a ALTER COLUMN v SET NOT NULL;\nCREATE TABLE z (id int);\n"
        "CREATE INDEX z_id ON z (id);\nUPDATE a SET v = NULL;\n",
    )
    with pytest.raises(MigrationFailed):
        await apply_pending(target, folder)
    after = (await fetch(db, snapshot_sql), await fetch(db, history_sql), await fetch(db, "SELECT * FROM a"))
    assert [list(map(tuple, part)) for part in after] == [list(map(tuple, part)) for part in before]


async def test_non_transactional_statements_run_alone_in_order(db: str, tmp_path: Path) -> None:
    folder = tmp_path / "m"
    write(
        folder,
        "20260101000000_enum-and-index",
        "CREATE TYPE mood AS ENUM ('ok');\nCREATE TABLE t (id int, m mood);\n"
        "INSERT INTO t VALUES (1, 'ok');\n"
        "ALTER TYPE mood ADD VALUE 'great';\nALTER TABLE t ALTER COLUMN m SET DEFAULT 'great';\n"
        "CREATE INDEX CONCURRENTLY t_id ON t (id);\n",
    )
    events: list[ApplyEvent] = []
    result = await apply_pending(resolve(db), folder, progress=events.append)
    assert [a.name for a in result.applied] == ["20260101000000_enum-and-index"]
    alone = [e.message for e in events if "outside a transaction" in e.message]
    assert len(alone) == 2 and "line 4" in alone[0] and "line 6" in alone[1]
    rows = await fetch(
        db, "SELECT indexrelid::regclass::text AS ix, indisvalid FROM pg_index WHERE indrelid = 't'::regclass"
    )
    assert [(r["ix"], r["indisvalid"]) for r in rows] == [("t_id", True)]


async def test_lock_timeout_stops_a_blocked_migration(db: str, tmp_path: Path) -> None:
    await execute(db, "CREATE TABLE busy (id int)")
    folder = tmp_path / "m"
    write(folder, "20260101000000_alter-busy", "ALTER TABLE busy ADD COLUMN v int;\n")
    blocker = await connect(resolve(db))
    try:
        transaction = blocker.transaction()
        await transaction.start()
        await blocker.execute("LOCK TABLE busy IN ACCESS SHARE MODE")
        started = time.perf_counter()
        with pytest.raises(MigrationFailed) as failure:
            # without retries: the lock_timeout alone stops it (retries have their own test, test_apply_online.py)
            await apply_pending(resolve(db), folder, lock_timeout="200ms", retries=LockRetries(retries=0))
        assert time.perf_counter() - started < 5
        assert "lock timeout" in failure.value.pg_message
        await transaction.rollback()
    finally:
        await blocker.close()
    rows = await fetch(
        db, "SELECT to_regclass('__dibs_migrations') AS history, to_regclass('__dibs_tables') AS meta"
    )
    assert (rows[0]["history"], rows[0]["meta"]) == (None, None)  # rolled back with the migration


async def test_history_table_in_the_real_dibs_shape_is_written_with_its_columns(
    db: str, tmp_path: Path
) -> None:
    await execute(
        db,
        "CREATE TABLE __dibs_migrations (name text PRIMARY KEY, "
        "applied_at timestamptz NOT NULL DEFAULT now(), checksum text, execution_time_ms integer);"
        "INSERT INTO __dibs_migrations (name) VALUES ('20250101000000_old');",
    )
    folder = tmp_path / "m"
    write(folder, "20260101000000_new", "CREATE TABLE n (id int);\n")
    await apply_pending(resolve(db), folder)
    statuses, history = await read_status(resolve(db), folder)
    assert [(s.name, s.state) for s in statuses] == [
        ("20260101000000_new", MigrationState.APPLIED),
        ("20250101000000_old", MigrationState.MISSING),
    ]
    assert history.applied[-1].checksum == checksum((folder / "20260101000000_new.sql").read_text())


def test_demo_pending_migration_reviews_and_applies(pg_server: EmbeddedServer, tmp_path: Path) -> None:
    from dibs_tui.demo.build import build_demo

    info = build_demo(pg_server.dsn("postgres"), "demo_migrations", project_dir=tmp_path / "demo")
    try:
        folder = info.project_dir / "db" / "migrations"
        [pending] = info.pending
        review = run_cli("review", str(folder / f"{pending}.sql"), info.dsn, "--format", "json")
        assert review.returncode == 0, review.stderr
        hazards = {h["kind"] for s in json.loads(review.stdout)["statements"] for h in s["hazards"]}
        # reporter_id has NULLs, but the migration's own UPDATE fills them before SET NOT NULL. Its index build
        # is small, and reported all the same (with its size): a short build still stops the table's writers.
        # The foreign key's check of 300 issues takes milliseconds: its lock is said, NOT VALID not asked for.
        assert hazards == {
            "access-exclusive-lock",
            "data-loss",
            "backward-incompatible",
            "blocking-index-build",
        }
        status = run_cli("status", info.dsn, "--migrations", str(folder))
        assert status.returncode == 1 and f"pending   {pending}" in status.stdout
        applied = run_cli("migrate", info.dsn, "--migrations", str(folder), "--yes")
        assert applied.returncode == 0, applied.stdout + applied.stderr
        assert "data-loss: drops users.legacy_username" in applied.stdout
        status = run_cli("status", info.dsn, "--migrations", str(folder))
        assert status.returncode == 0 and "6 applied, 0 pending, 0 changed, 0 missing" in status.stdout
    finally:
        run_sql(pg_server.dsn("postgres"), 'DROP DATABASE IF EXISTS "demo_migrations" WITH (FORCE)')


def test_migrate_help_names_the_advisory_lock_key() -> None:
    from dibs_tui.core.migrations.history import ADVISORY_LOCK_KEY

    shown = subprocess.run([DIBS, "migrate", "--help"], capture_output=True, text=True, check=True).stdout
    assert f"pg_advisory_lock({ADVISORY_LOCK_KEY})" in " ".join(shown.split())


async def test_failure_after_a_non_transactional_statement_says_what_stays(db: str, tmp_path: Path) -> None:
    folder = tmp_path / "m"
    write(
        folder,
        "20260101000000_partial",
        "CREATE TABLE a (id int);\nCREATE INDEX CONCURRENTLY a_id ON a (id);\nCREATE TABLE b (id int);\n"
        "SELECT 1 / 0;\n",
    )
    with pytest.raises(MigrationFailed) as failure:
        await apply_pending(resolve(db), folder)
    assert failure.value.committed_through == 2
    assert failure.value.report().startswith(
        "migration 20260101000000_partial partially applied: segments 1-2 of 3 (statements 1-2, lines 1-2) "
        "committed; segment 3 (CREATE TABLE b (id int) and 1 more, line 4) failed and was rolled back: "
        "division by zero\n"
    )
    rows = await fetch(
        db,
        "SELECT to_regclass('a') IS NOT NULL AS a, to_regclass('b') IS NOT NULL AS b, "
        "(SELECT count(*) FROM __dibs_migrations) AS applied",
    )
    assert tuple(rows[0]) == (True, False, 0)  # the history table exists to hold the partial record


async def test_sql_standard_function_bodies_stay_one_statement(db: str, tmp_path: Path) -> None:
    """BEGIN ATOMIC ... END bodies (pg_dump writes them) contain `;`: the splitter keeps them whole."""
    folder = tmp_path / "m"
    write(
        folder,
        "20260101000000_atomic",
        "CREATE FUNCTION two() RETURNS int LANGUAGE sql\nBEGIN ATOMIC\n  SELECT 1;\n  SELECT 2;\nEND;\n"
        "CREATE TABLE t (n int DEFAULT two());\n",
    )
    assert [s.line for s in split_statements((folder / "20260101000000_atomic.sql").read_text())] == [1, 6]
    await apply_pending(resolve(db), folder)
    rows = await fetch(db, "SELECT two() AS n")
    assert rows[0]["n"] == 2
