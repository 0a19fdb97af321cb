"""Baseline: migrations up to a version recorded as applied without running, in one transaction, on real PG."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from dibs_tui.core.connect import connect, resolve
from dibs_tui.core.errors import DibsError
from dibs_tui.core.migrations.apply import apply_pending
from dibs_tui.core.migrations.baseline import baseline_fits, record_baseline
from dibs_tui.core.migrations.files import checksum
from dibs_tui.core.migrations.history import read_history
from dibs_tui.core.migrations.layouts import read_folder_status
from dibs_tui.core.migrations.status import MigrationState
from tests.cli_in_process import run_cli
from tests.pg import REAL, execute, fetch, psql_file
from tests.ui_pilot import migrations_pane


def folder_of(tmp_path: Path, **files: str) -> Path:
    folder = tmp_path / "migrations"
    folder.mkdir()
    for name, text in files.items():
        (folder / f"{name}.sql").write_text(text, encoding="utf-8")
    return folder


async def history(dsn: str) -> list[tuple[str, str, int]]:
    rows = await fetch(dsn, "SELECT name, checksum, execution_time_ms FROM __dibs_migrations ORDER BY name")
    return [(r["name"], r["checksum"], r["execution_time_ms"]) for r in rows]


async def test_baseline_records_up_to_version_without_running(db: str, tmp_path: Path) -> None:
    await execute(db, "CREATE TABLE a (id int)")
    folder = folder_of(
        tmp_path,
        **{
            "001_a": "CREATE TABLE a (id int);\n",
            "002_b": "THIS WOULD FAIL IF IT RAN;\n",
            "003_c": "CREATE TABLE c (id int);\n",
        },
    )
    plan = await record_baseline(resolve(db), folder, "2")
    assert [f.name for f in plan.record] == ["001_a", "002_b"]
    assert "recorded 2 migration(s) up to 002_b" in plan.summary()
    assert await history(db) == [
        ("001_a", checksum("CREATE TABLE a (id int);\n"), 0),
        ("002_b", checksum("THIS WOULD FAIL IF IT RAN;\n"), 0),
    ]
    found = await read_folder_status(resolve(db), folder)
    assert [(s.name, s.state) for s in found.statuses] == [
        ("001_a", MigrationState.APPLIED),
        ("002_b", MigrationState.APPLIED),
        ("003_c", MigrationState.PENDING),
    ]
    result = await apply_pending(resolve(db), folder)
    assert [a.name for a in result.applied] == ["003_c"]


async def test_baseline_refuses_a_version_that_names_no_file(db: str, tmp_path: Path) -> None:
    folder = folder_of(tmp_path, **{"001_a": "SELECT 1;\n"})
    with pytest.raises(DibsError, match="matches no migration"):
        await record_baseline(resolve(db), folder, "7")
    rows = await fetch(db, "SELECT to_regclass('__dibs_migrations') IS NULL AS absent")
    assert rows[0]["absent"]


async def test_baseline_refuses_when_history_is_past_it(db: str, tmp_path: Path) -> None:
    folder = folder_of(
        tmp_path, **{"001_a": "CREATE TABLE a (id int);\n", "002_b": "CREATE TABLE b (id int);\n"}
    )
    await apply_pending(resolve(db), folder)
    before = await history(db)
    with pytest.raises(DibsError, match="already has migrations past 001_a"):
        await record_baseline(resolve(db), folder, "001_a")
    assert await history(db) == before


async def test_baseline_refuses_a_migration_that_migrate_applied_in_part(db: str, tmp_path: Path) -> None:
    """Two segments committed, the third failed: a baseline recorded the migration as applied, and its third
    segment would never run. It is refused, nothing is written, and the pane no longer offers it."""
    folder = folder_of(
        tmp_path,
        **{
            "001_parts": "CREATE TABLE t (id int PRIMARY KEY, v text);\nINSERT INTO t VALUES (1, NULL);\n"
            "CREATE INDEX CONCURRENTLY t_v ON t (v);\nALTER TABLE t ALTER COLUMN v SET NOT NULL;\n"
        },
    )
    with pytest.raises(DibsError):
        await apply_pending(resolve(db), folder)
    with pytest.raises(
        DibsError, match="refusing to record 001_parts as applied: migrate applied it in part"
    ):
        await record_baseline(resolve(db), folder, "001")
    with pytest.raises(DibsError, match="migrate applied it in part"):
        await record_baseline(resolve(db), folder, "001", dry_run=True)
    assert await history(db) == []
    conn = await connect(resolve(db))
    try:
        assert not await baseline_fits(conn, await read_history(conn))
    finally:
        await conn.close()


async def test_baseline_is_one_transaction(db: str, tmp_path: Path) -> None:
    # The second row cannot be written (a name already taken in _dibs_migrations is fine; a CHECK is not):
    # the first must not stay behind.
    await execute(
        db,
        "CREATE TABLE __dibs_migrations (name text PRIMARY KEY CHECK (name <> '002_b'), applied_at timestamptz "
        "DEFAULT now(), checksum text, execution_time_ms integer)",
    )
    folder = folder_of(tmp_path, **{"001_a": "SELECT 1;\n", "002_b": "SELECT 2;\n"})
    with pytest.raises(DibsError, match=r"nothing was written.*check constraint"):
        await record_baseline(resolve(db), folder, "2")
    assert await history(db) == []


async def test_baseline_leaves_already_applied_rows_alone(db: str, tmp_path: Path) -> None:
    folder = folder_of(tmp_path, **{"001_a": "CREATE TABLE a (id int);\n"})
    await apply_pending(resolve(db), folder)
    (folder / "002_b.sql").write_text("CREATE TABLE b (id int);\n")
    (folder / "003_c.sql").write_text("CREATE TABLE c (id int);\n")
    before = await history(db)
    plan = await record_baseline(resolve(db), folder, "002_b")
    assert plan.already == ("001_a",) and [f.name for f in plan.record] == ["002_b"]
    after = await history(db)
    assert after[0] == before[0] and [r[0] for r in after] == ["001_a", "002_b"]


@pytest.mark.slow
async def test_plue_baseline_at_008_leaves_nothing_pending(db: str, tmp_path: Path) -> None:
    psql_file(db, REAL / "plue" / "history" / "schema@2247fe1.sql")
    folder = tmp_path / "migrations"
    shutil.copytree(REAL / "plue" / "migrations", folder)
    result = run_cli("migrate", db, "--migrations", str(folder), "--baseline", "008")
    assert result.returncode == 0, result.stderr
    assert "recorded 4 migration(s) up to 008_convert_timestamp_to_timestamptz" in result.stdout
    found = await read_folder_status(resolve(db), folder)
    assert [s.state for s in found.statuses] == [MigrationState.APPLIED] * 4
    status = run_cli("status", db, "--migrations", str(folder))
    assert status.returncode == 0, status.stdout
    assert "0 pending" in status.stdout
    # Nothing ran: the columns are still timestamp without time zone (008 was only recorded).
    conn = await connect(resolve(db))
    try:
        plain = await conn.fetchval(
            "SELECT count(*) FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid "
            "WHERE c.relname = 'users' AND a.atttypid = 'timestamp'::regtype"
        )
    finally:
        await conn.close()
    assert plain > 0


def test_init_baseline_records_after_init(db: str, tmp_path: Path) -> None:
    folder = folder_of(
        tmp_path, **{"001_a": "CREATE TABLE a (id int);\n", "002_b": "CREATE TABLE b (id int);\n"}
    )
    result = run_cli("init", db, "--yes", "--migrations", str(folder), "--baseline", "001_a")
    assert result.returncode == 0, result.stderr
    assert "recorded 1 migration(s) up to 001_a" in result.stdout
    import asyncio

    names = [r[0] for r in asyncio.run(history(db))]
    assert names == ["001_a", "initial"]


def test_migrate_baseline_dry_run_writes_nothing(db: str, tmp_path: Path) -> None:
    folder = folder_of(tmp_path, **{"001_a": "CREATE TABLE a (id int);\n"})
    result = run_cli("migrate", db, "--migrations", str(folder), "--baseline", "1", "--dry-run")
    assert result.returncode == 0, result.stderr
    assert "would record 001_a; nothing changed" in result.stdout
    import asyncio

    rows = asyncio.run(fetch(db, "SELECT to_regclass('__dibs_migrations') IS NULL AS absent"))
    assert rows[0]["absent"]


async def test_migrations_pane_offers_baseline_when_history_is_empty_and_schema_is_not(
    db: str, tmp_path: Path
) -> None:
    from textual.widgets import Static

    from dibs_tui.config import Settings
    from dibs_tui.ui.app import DibsApp
    from dibs_tui.ui.screens.confirm import ConfirmScreen
    from tests.test_migrations_pane import SIZE, text_of, wait_for

    await execute(db, "CREATE TABLE a (id int)")
    folder = folder_of(
        tmp_path, **{"001_a": "CREATE TABLE a (id int);\n", "002_b": "CREATE TABLE b (id int);\n"}
    )
    app = DibsApp(resolve(db), Settings(project_root=tmp_path, migrations_dir=folder), header_label="t")
    async with app.run_test(size=SIZE) as pilot:
        pane = await migrations_pane(pilot)
        status = pane.query_one("#migrations-status", Static)
        await wait_for(pilot, lambda: "B baseline" in text_of(status))
        assert pane.selected() is not None and pane.selected().name == "001_a"  # type: ignore[union-attr]
        await pilot.press("B")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen) and app.screen.query("#no"))
        assert "up to 001_a as applied WITHOUT running them" in app.screen.question
        await pilot.press("y")
        await wait_for(
            pilot,
            lambda: [s.state for s in pane.statuses] == [MigrationState.APPLIED, MigrationState.PENDING],
        )
        await wait_for(pilot, lambda: "B baseline" not in text_of(status))
    assert [r[0] for r in await history(db)] == ["001_a"]
    rows = await fetch(db, "SELECT to_regclass('b') IS NULL AS absent")
    assert rows[0]["absent"]  # nothing ran
