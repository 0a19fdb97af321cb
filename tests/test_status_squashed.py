"""A Rails history's squashed rows (lago: 1,107 in schema_migrations, none with a file) said once by `status`
and by the Migrations pane, with their count, range and why; a row gone after one whose file is kept is still
listed by name."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import OptionList, Static

from dibs_tui.core.connect import resolve
from dibs_tui.core.migrations.apply import apply_pending
from dibs_tui.core.migrations.layouts import read_status
from dibs_tui.core.migrations.status import MigrationState
from tests.cli_in_process import run_cli
from tests.pg import execute
from tests.test_migrations_pane import SIZE, _app, text_of
from tests.ui_pilot import migrations_pane

HOSTILE = "20210101000000\x1b]0;owned\x07"  # a version row with a terminal escape: shown escaped
ESCAPED = "20210101000000\\x1b]0;owned\\x07"


async def _rails(db: str, folder: Path) -> None:
    """Rails' history: the hostile row, 40 rows of 2022, one of them (the 20th) with a file here; a dibs-tui
    folder beside it, applied."""
    await execute(
        db,
        "CREATE TABLE schema_migrations (version varchar PRIMARY KEY);"
        "CREATE TABLE ar_internal_metadata (key varchar PRIMARY KEY, value varchar,"
        " created_at timestamp NOT NULL, updated_at timestamp NOT NULL);"
        "INSERT INTO schema_migrations SELECT (20220101000000 + i)::text FROM generate_series(1, 40) i;"
        f"INSERT INTO schema_migrations VALUES ('{HOSTILE}');",
    )
    _files(folder)


def _files(folder: Path) -> None:
    folder.mkdir(parents=True)
    (folder / "20220101000020_kept.sql").write_text("SELECT 1;\n")
    (folder / "20261205000000_a.sql").write_text("CREATE TABLE a (id int);\n")


async def test_status_says_a_squashed_history_once_and_names_the_rows_gone_after_a_kept_file(
    db: str, tmp_path: Path
) -> None:
    folder = tmp_path / "migrations"
    await _rails(db, folder)
    await apply_pending(resolve(db), folder, only=["20261205000000_a"])
    statuses, _ = await read_status(resolve(db), folder)
    states = {s.name: s.state for s in statuses}
    assert states["20220101000019"] is MigrationState.SQUASHED and states[HOSTILE] is MigrationState.SQUASHED
    assert states["20220101000020_kept"] is MigrationState.APPLIED
    assert states["20220101000021"] is MigrationState.MISSING  # newer than a kept file: deleted, not squashed
    result = run_cli("status", db, "--migrations", str(folder))
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    squashed = [i for i, line in enumerate(lines) if line.startswith("squashed")]
    assert len(squashed) == 1, lines
    assert lines[squashed[0]] == (
        f"squashed  20 Rails migrations, {ESCAPED} … 20220101000019, have no file here"
    )
    assert lines[squashed[0] + 1].startswith(
        "          Rails keeps its migrations as Ruby files in db/migrate"
    )
    assert "\x1b" not in result.stdout
    missing = [line.split()[1] for line in lines if line.startswith("missing")]
    assert missing == [str(20220101000000 + i) for i in range(21, 41)]
    assert "20220101000005" not in result.stdout  # inside the range, not listed
    assert lines[-1] == "2 applied, 0 pending, 0 changed, 20 missing, 20 squashed"


async def test_the_migrations_pane_lists_a_squashed_history_as_one_row(db: str, tmp_path: Path) -> None:
    folder = tmp_path / "db" / "migrations"
    await _rails(db, folder)
    await apply_pending(resolve(db), folder)
    app = _app(db, tmp_path, folder)
    async with app.run_test(size=SIZE) as pilot:
        pane = await migrations_pane(pilot)
        options = pane.query_one("#migrations-list", OptionList)
        labels = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        assert options.option_count == 2 + 20 + 1, labels  # two files, 20 rows missing, one squashed row
        row = next(label for label in labels if label.startswith("≡"))
        assert row.rstrip() == f"≡ 20 Rails {ESCAPED} … 20220101000019  squashed", labels
        status = text_of(pane.query_one("#migrations-status", Static))
        assert "20 missing, 20 squashed" in status, status
        pane.select("20220101000005")  # from Details, a squashed migration: its history's row
        details = text_of(pane.query_one("#migrations-details", Static))
        assert details.startswith(f"20 Rails migrations, {ESCAPED} … 20220101000019, have no file here\n")
        assert "squashes old ones into db/schema.rb" in details
        assert "\x1b" not in details


async def test_a_large_squashed_history_is_counted_with_thousands_separators(db: str, tmp_path: Path) -> None:
    """lago's 1,107: the squashed line said '1,107 Rails migrations' and the summary '1107 squashed'."""
    await execute(
        db,
        "CREATE TABLE schema_migrations (version varchar PRIMARY KEY);"
        "INSERT INTO schema_migrations SELECT (20220101000000 + i)::text FROM generate_series(1, 1107) i;",
    )
    folder = tmp_path / "migrations"
    folder.mkdir()
    result = run_cli("status", db, "--migrations", str(folder))
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert "squashed  1,107 Rails migrations, 20220101000001 … 20220101001107, have no file here" in lines
    assert lines[-1] == "0 applied, 0 pending, 0 changed, 0 missing, 1,107 squashed"
