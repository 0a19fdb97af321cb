"""A migrations folder that is not there, where the database records applied migrations: a typo (in the
config file, the flag, or the folder a command runs from), never read as an empty folder."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from textual.widgets import Input, Static

from dibs_tui.config import Settings
from dibs_tui.core.connect import resolve
from dibs_tui.core.migrations.apply import apply_pending
from dibs_tui.ui.app import DibsApp
from dibs_tui.ui.migrations_pane import GenerateScreen, MigrationsPane
from tests.pg import run_sql
from tests.test_cli import run
from tests.ui_pilot import tab_pane, wait_for


def _applied(db: str, tmp_path: Path) -> Path:
    """A project whose one migration is applied, its folder at db/migrations."""
    folder = tmp_path / "db" / "migrations"
    folder.mkdir(parents=True)
    (folder / "20260101000000_initial.sql").write_text("CREATE TABLE users (id int PRIMARY KEY);\n")
    asyncio.run(apply_pending(resolve(db), folder))
    return folder


@pytest.mark.parametrize("command", ["status", "migrate"])
def test_a_configured_folder_that_is_not_there_is_an_error_when_migrations_are_applied(
    db: str, tmp_path: Path, command: str
) -> None:
    """`migrations = "db/migratoins"`: status listed the applied migration as `missing` and exited 0, migrate
    said `nothing to apply: every migration is applied`: a CI gate and a deploy passed on a typo."""
    _applied(db, tmp_path)
    (tmp_path / "dibs-tui.toml").write_text('migrations = "db/migratoins"\n')
    extra = ["--yes", "--no-prove"] if command == "migrate" else []
    result = run("--project-root", str(tmp_path), command, db, *extra)
    typo = tmp_path / "db" / "migratoins"
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"the migrations folder {typo} does not exist, but the history records 1 applied migration" in (
        result.stderr
    ), result.stderr
    assert "hint: " in result.stderr and "Traceback" not in result.stderr
    assert "missing" not in result.stdout and "nothing to apply" not in result.stdout


def test_status_run_where_no_folder_is_says_so_when_migrations_are_applied(db: str, tmp_path: Path) -> None:
    """Run from another folder (no config, neither db/migrations nor migrations there): every applied migration
    was `missing`, exit 0."""
    _applied(db, tmp_path)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    result = run("--project-root", str(elsewhere), "status", db)
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"the migrations folder {elsewhere / 'db' / 'migrations'} does not exist" in result.stderr


async def test_the_migrations_pane_names_a_configured_folder_that_is_not_there(
    db: str, tmp_path: Path
) -> None:
    await asyncio.to_thread(_applied, db, tmp_path)
    typo = tmp_path / "db" / "migratoins"
    app = DibsApp(resolve(db), Settings(project_root=tmp_path, migrations_dir=typo), header_label="t")
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: app.catalog is not None)
        pane = await tab_pane(pilot, "m", MigrationsPane)
        status = pane.query_one("#migrations-status", Static)
        await wait_for(pilot, lambda: "does not exist" in str(status.render()))
        assert str(typo) in str(status.render()) and not pane.loaded


def test_after_init_a_project_with_no_folder_yet_is_not_refused(db: str, tmp_path: Path) -> None:
    """init records the schema it found as `initial`, which has no file: that is no history a folder is
    missing from (status said `folder does not exist, but the history records 1 applied migration`)."""
    assert run("init", db, "--yes").returncode == 0
    result = run("--project-root", str(tmp_path), "status", db)
    assert result.returncode == 0 and "applied   initial" in result.stdout, result.stdout + result.stderr


@pytest.mark.parametrize("command", [["generate", "--desired", "SCHEMA"], ["lint", "--write-fixes"]])
def test_a_configured_folder_that_is_not_there_is_not_made_to_write_into(
    db: str, tmp_path: Path, command: list[str]
) -> None:
    """generate made `db/migratoins` and wrote the new migration there: status and migrate then read that
    folder (every applied migration `missing`, the new one pending) instead of refusing it as not there."""
    _applied(db, tmp_path)
    run_sql(
        db, "CREATE TABLE posts (id int PRIMARY KEY, user_id int REFERENCES users)"
    )  # lint's fix: an index
    schema = tmp_path / "schema.sql"
    schema.write_text("CREATE TABLE users (id int PRIMARY KEY, email text);\n")
    (tmp_path / "dibs-tui.toml").write_text('migrations = "db/migratoins"\n')
    words = [str(schema) if word == "SCHEMA" else word for word in command]
    result = run("--project-root", str(tmp_path), words[0], db, *words[1:])
    typo = tmp_path / "db" / "migratoins"
    assert f"the migrations folder {typo} does not exist, but the history records 1 applied" in result.stderr
    assert result.returncode == 1 and not typo.exists(), result.stdout + result.stderr


async def test_the_migrations_pane_does_not_make_a_configured_folder_that_is_not_there_to_write_into(
    db: str, tmp_path: Path
) -> None:
    await asyncio.to_thread(_applied, db, tmp_path)
    schema = tmp_path / "schema.sql"
    schema.write_text("CREATE TABLE users (id int PRIMARY KEY, email text);\n")
    typo = tmp_path / "db" / "migratoins"
    settings = Settings(project_root=tmp_path, migrations_dir=typo)
    app = DibsApp(resolve(db), settings, desired=[str(schema)], header_label="t")
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: app.catalog is not None)
        status = (await tab_pane(pilot, "m", MigrationsPane)).query_one("#migrations-status", Static)
        await wait_for(pilot, lambda: "does not exist" in str(status.render()))
        await pilot.press("n")
        await wait_for(
            pilot, lambda: isinstance(app.screen, GenerateScreen) and app.screen.query("#generate-sql")
        )
        app.screen.query_one("#generate-name", Input).focus()
        await pilot.press("enter")
        await wait_for(pilot, lambda: not isinstance(app.screen, GenerateScreen))
        await wait_for(pilot, lambda: "does not exist, but the history records 1" in str(status.render()))
        assert not typo.exists()
