"""Hostile text through migrate's, status's and review's own lines: a migration file named with a newline and
terminal escapes, a Rails history (squashed and missing rows) whose versions hold them too, a certain failure
the proof refuses, and a statement the server refuses with a DETAIL naming a hostile view. Nothing may start a
line of its own, nothing reaches the terminal raw, and nothing runs on the live database."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import asyncpg
from textual.widgets import Static

from dibs_tui.core.connect import resolve
from dibs_tui.core.sql import quote_ident, quote_literal
from dibs_tui.ui.app import DibsApp
from dibs_tui.ui.migrations_pane import MigrationsPane
from tests.hostile.test_output import CLEAR, OSC52, cli
from tests.hostile.test_screen import ESC, project, screen_text, text_of
from tests.pg import fetch, run_sql
from tests.ui_pilot import wait_for

FORGED = "\nFORGED line"
T = quote_ident("t" + FORGED + CLEAR)
V = quote_ident("v" + FORGED + OSC52)


def _no_forged_line(text: bytes, where: str) -> None:
    forged = [line for line in text.decode().splitlines() if line.lstrip().startswith("FORGED")]
    assert not forged, f"{where}: a newline in a name started a line: {forged}"


def _live(db: str) -> None:
    """A table with NULLs a SET NOT NULL fails on, a view over it, and a Rails history: 40 squashed versions
    and two rows of no version at all, named to forge lines."""
    run_sql(
        db,
        f"CREATE TABLE {T} (id int PRIMARY KEY, n int);"
        f"INSERT INTO {T} VALUES (1, NULL), (2, 2);"
        f"CREATE VIEW {V} AS SELECT n FROM {T};"
        "CREATE TABLE schema_migrations (version varchar PRIMARY KEY);"
        "CREATE TABLE ar_internal_metadata (key varchar PRIMARY KEY, value varchar,"
        " created_at timestamp NOT NULL, updated_at timestamp NOT NULL);"
        "INSERT INTO schema_migrations SELECT (20220101000000 + i)::text FROM generate_series(1, 40) i;"
        f"INSERT INTO schema_migrations VALUES ({quote_literal('20220101000050' + FORGED)}),"
        f" ({quote_literal('2023' + OSC52 + FORGED)});",
    )


def _folder(tmp_path: Path, statement: str) -> Path:
    folder = tmp_path / "migrations"
    folder.mkdir()
    (folder / f"20261205000000_new{CLEAR}.sql").write_text("CREATE TABLE made (id int);\n")
    (folder / f"20261205000001_fails{OSC52}.sql").write_text(statement + "\n")
    return folder


def fetch_sync(db: str, query: str) -> list[asyncpg.Record]:
    return asyncio.run(fetch(db, query))


def _untouched(db: str) -> None:
    rows = fetch_sync(db, "SELECT to_regclass('public.made') IS NULL AS absent")
    assert rows[0]["absent"], "a migration ran on the live database"
    assert [r["n"] for r in fetch_sync(db, f"SELECT n FROM {T} ORDER BY id")] == [None, 2]


def test_status_and_migrate_say_hostile_names_and_history_rows_on_one_line(db: str, tmp_path: Path) -> None:
    _live(db)
    folder = _folder(tmp_path, f"ALTER TABLE {T} ALTER COLUMN n SET NOT NULL;")
    status = cli("status", db, "--migrations", str(folder))
    _no_forged_line(status.stdout + status.stderr, "status")
    assert b"squashed" in status.stdout and b"new\\x1b[2J" in status.stdout
    assert b"2023\\x1b]52;c;SGVsbG8=\\x07\\nFORGED line" in status.stdout + status.stderr
    for args in (("--dry-run",), ("--yes",)):
        result = cli("migrate", db, "--migrations", str(folder), *args)
        _no_forged_line(result.stdout + result.stderr, f"migrate {args[0]}")
        _untouched(db)
    # The refusal names the file and the certain failure it found, the table's newline escaped.
    assert result.returncode == 1
    said = result.stdout + result.stderr
    assert b"fails\\x1b]52" in said and b'1 row of "t\\nFORGED line\\x1b[2J" has n NULL' in said, said


def test_a_migration_named_with_a_line_break_is_refused_and_nothing_runs(db: str, tmp_path: Path) -> None:
    _live(db)
    folder = _folder(tmp_path, "CREATE TABLE also (id int);")
    (folder / f"20261205000002_x{FORGED}.sql").write_text("CREATE TABLE forged (id int);\n")
    (folder / "20261205000003_y\u2028FORGED line.sql").write_text("CREATE TABLE forged2 (id int);\n")
    status = cli("status", db, "--migrations", str(folder))
    _no_forged_line(status.stdout + status.stderr, "status")
    assert status.returncode == 1
    assert status.stdout.count(b"a line break in its name: not read") == 2, status.stdout
    result = cli("migrate", db, "--migrations", str(folder), "--yes")
    _no_forged_line(result.stdout + result.stderr, "migrate")
    assert result.returncode == 1 and b"rename it without the line break" in result.stderr, result.stderr
    _untouched(db)
    assert fetch_sync(db, "SELECT to_regclass('public.forged') IS NULL AS absent")[0]["absent"]
    review = cli("review", str(folder / f"20261205000002_x{FORGED}.sql"), db)  # named outright: said escaped
    _no_forged_line(review.stdout + review.stderr, "review")
    assert b"x\\nFORGED line.sql:1: CREATE TABLE forged" in review.stdout, review.stdout


def test_review_of_a_statement_the_server_refuses_says_its_detail_on_one_line(
    db: str, tmp_path: Path
) -> None:
    _live(db)
    folder = _folder(tmp_path, f"ALTER TABLE {T} ALTER COLUMN n TYPE bigint;")
    (failing,) = folder.glob("*fails*")
    text = cli("review", str(failing), db)
    out = text.stdout + text.stderr
    _no_forged_line(out, "review")
    assert b'view "v FORGED line\\x1b]52' in out, out  # the server's DETAIL names the view, on one line
    raw = cli("review", str(failing), db, "--format", "json").stdout
    (statement,) = json.loads(raw)["statements"]
    assert statement["lock"] == f'ACCESS EXCLUSIVE on "t{FORGED}{CLEAR}"'  # JSON keeps the value whole
    _untouched(db)


async def test_the_migrations_pane_says_hazards_and_locks_on_one_line(db: str, tmp_path: Path) -> None:
    """The Migrations pane's details for a pending migration: its hazards, locks and the squashed history,
    each one line with the table's newline escaped."""
    await asyncio.to_thread(_live, db)
    migration = f"ALTER TABLE {T} ALTER COLUMN n SET NOT NULL;\n"
    settings = project(tmp_path, {"20261205000001_fails.sql": migration})
    app = DibsApp(resolve(db), settings, header_label="t")
    async with app.run_test(size=(160, 50)) as pilot:
        await wait_for(pilot, lambda: app.catalog is not None)
        await pilot.press("m")
        details = app.query_one(MigrationsPane).query_one("#migrations-details", Static)
        await wait_for(
            pilot, lambda: "Hazards:" in text_of(details) and "Locks:" in text_of(details), limit=60
        )
        shown = text_of(details)
        assert 'line 1: ACCESS EXCLUSIVE on public."t\\nFORGED line\\x1b[2J"' in shown, shown
        assert '1 row of "t\\nFORGED line\\x1b[2J" has n NULL' in shown, shown
        _no_forged_line(shown.encode(), "the Migrations pane's details")
        assert ESC not in screen_text(app)
    await asyncio.to_thread(_untouched, db)


def test_a_segment_named_by_a_statement_over_a_hostile_name_is_one_line(db: str, tmp_path: Path) -> None:
    folder = tmp_path / "migrations"
    folder.mkdir()
    x = quote_ident("x" + FORGED + CLEAR)
    (folder / "20261205000000_split.sql").write_text(
        f"CREATE TABLE {x} (id int);\nCREATE INDEX CONCURRENTLY i ON {x} (id);\nSELECT 1 FROM {x};\n"
    )
    result = cli("migrate", db, "--migrations", str(folder), "--dry-run")
    _no_forged_line(result.stdout + result.stderr, "migrate --dry-run")
    assert (
        b'segment 1 (one transaction, statement 1, line 1): CREATE TABLE U&"x\\000AFORGED line\\001B[2J" (id int)'
        in result.stdout
    ), result.stdout


def test_the_servers_detail_of_a_failed_apply_is_one_line(db: str, tmp_path: Path) -> None:
    """PostgreSQL's DETAIL quotes the row's value as it is: `Key (v)=(a<newline>FORGED line) already exists`."""
    value = quote_literal("a" + FORGED + CLEAR)
    run_sql(db, f"CREATE TABLE u (v text UNIQUE); INSERT INTO u VALUES ({value});")
    folder = tmp_path / "migrations"
    folder.mkdir()
    (folder / "20261205000000_dup.sql").write_text(
        f"INSERT INTO u SELECT {value} FROM generate_series(1, 1);\n"
    )
    result = cli("migrate", db, "--migrations", str(folder), "--yes", "--no-prove")
    assert result.returncode == 1, result.stderr
    said = result.stdout + result.stderr
    # Above the statement's excerpt (the file's own text, its literal's newline kept): every line is ours.
    _no_forged_line(said.split(b"statement:")[0], "migrate's failure")
    assert b"DETAIL: Key (v)=(a\\nFORGED line\\x1b[2J) already exists." in said, said
    assert fetch_sync(db, "SELECT count(*) AS n FROM u")[0]["n"] == 1


def _half_applied(db: str, folder: Path) -> None:
    """A migration whose third segment failed after two committed, its record's error rewritten."""
    folder.mkdir(parents=True)
    (folder / "20261205000000_half.sql").write_text(
        "CREATE TABLE h (id int);\nCREATE INDEX CONCURRENTLY hi ON h (id);\nSELECT 1 / 0;\n"
    )
    first = cli("migrate", db, "--migrations", str(folder), "--yes", "--no-prove")
    assert first.returncode == 3, first.stderr  # segment 3 failed, 1-2 committed: a partial record
    run_sql(
        db,
        f"UPDATE __dibs_migration_segments SET error = {quote_literal('boom' + FORGED + OSC52)}"
        " WHERE outcome = 'failed'",
    )


def test_a_partial_record_whose_error_was_rewritten_forges_no_line(db: str, tmp_path: Path) -> None:
    """The segments table is the database's: a row's error written to hold a newline and an escape is said
    on its line by status, history and migrate."""
    folder = tmp_path / "migrations"
    _half_applied(db, folder)
    for args in (
        ("status", db, "--migrations", str(folder)),
        ("history", "public.h", db),
        ("migrate", db, "--migrations", str(folder), "--dry-run", "--no-prove"),
    ):
        result = cli(*args)
        _no_forged_line(result.stdout + result.stderr, args[0])
    status = cli("status", db, "--migrations", str(folder)).stdout
    assert b"boom\\nFORGED line\\x1b]52" in status, status


async def test_the_migrations_pane_says_a_rewritten_partial_record_on_its_lines(
    db: str, tmp_path: Path
) -> None:
    settings = project(tmp_path, {})
    assert settings.migrations_dir is not None
    settings.migrations_dir.rmdir()
    await asyncio.to_thread(_half_applied, db, settings.migrations_dir)
    app = DibsApp(resolve(db), settings, header_label="t")
    async with app.run_test(size=(160, 50)) as pilot:
        await wait_for(pilot, lambda: app.catalog is not None)
        await pilot.press("m")
        details = app.query_one(MigrationsPane).query_one("#migrations-details", Static)
        await wait_for(pilot, lambda: "Earlier run:" in text_of(details), limit=60)
        shown = text_of(details)
        assert "boom\\nFORGED line\\x1b]52" in shown, shown
        _no_forged_line(shown.encode(), "the Migrations pane's earlier run")


def test_the_proofs_clone_gaps_and_failure_name_hostile_objects_on_one_line(db: str, tmp_path: Path) -> None:
    """An event trigger the sandbox's role may not clone (a gap the proof lists by its fingerprint line) and a
    pending migration that fails in the clone on a name holding a newline."""
    trigger = quote_ident("e" + FORGED + OSC52)
    run_sql(
        db,
        "CREATE FUNCTION public.noop() RETURNS event_trigger LANGUAGE plpgsql AS $$ BEGIN END $$;"
        f"CREATE EVENT TRIGGER {trigger} ON ddl_command_end EXECUTE FUNCTION public.noop();",
    )
    folder = tmp_path / "migrations"
    folder.mkdir()
    (folder / "20261205000000_ok.sql").write_text("CREATE TABLE fine (id int);\n")
    proved = cli("migrate", db, "--migrations", str(folder), "--dry-run")
    _no_forged_line(proved.stdout + proved.stderr, "the proof's clone gaps")
    assert b"e\\nFORGED line\\x1b]52" in proved.stdout, proved.stdout
    (folder / "20261205000001_missing.sql").write_text(
        f"ALTER TABLE {quote_ident('m' + FORGED)} ADD x int;\n"
    )
    failed = cli("migrate", db, "--migrations", str(folder), "--yes")
    assert failed.returncode == 1
    _no_forged_line(failed.stdout + failed.stderr, "the proof's failure")
    assert b'"m\\nFORGED line" does not exist' in failed.stdout + failed.stderr, failed.stdout + failed.stderr
    assert fetch_sync(db, "SELECT to_regclass('public.fine') IS NULL AS absent")[0][
        "absent"
    ]  # nothing applied
    run_sql(db, f"DROP EVENT TRIGGER {trigger}")


def test_a_history_row_renamed_to_forge_a_line_is_named_on_its_line_when_migrate_refuses(
    db: str, tmp_path: Path
) -> None:
    """The history table is the database's: a row renamed to hold a newline, its content a pending file's, makes
    migrate refuse the file as renamed; the refusal names the row escaped and runs nothing."""
    folder = tmp_path / "migrations"
    folder.mkdir()
    (folder / "20261205000000_a.sql").write_text("CREATE TABLE once (id int);\n")
    assert cli("migrate", db, "--migrations", str(folder), "--yes", "--no-prove").returncode == 0
    run_sql(db, f"UPDATE __dibs_migrations SET name = {quote_literal('0_old' + FORGED + CLEAR)}")
    result = cli("migrate", db, "--migrations", str(folder), "--yes", "--no-prove")
    assert result.returncode == 1, result.stdout + result.stderr
    said = result.stdout + result.stderr
    _no_forged_line(said, "migrate's refusal of a renamed migration")
    assert b"same content as 0_old\\nFORGED line\\x1b[2J" in said, said
    assert fetch_sync(db, "SELECT count(*) AS n FROM pg_class WHERE relname = 'once'")[0]["n"] == 1


def test_a_partial_record_renamed_to_forge_a_line_is_named_on_its_line_when_migrate_refuses(
    db: str, tmp_path: Path
) -> None:
    folder = tmp_path / "migrations"
    _half_applied(db, folder)
    run_sql(db, f"UPDATE __dibs_migration_segments SET migration = {quote_literal('half' + FORGED + CLEAR)}")
    result = cli("migrate", db, "--migrations", str(folder), "--yes", "--no-prove")
    assert result.returncode == 1, result.stdout + result.stderr
    said = result.stdout + result.stderr
    _no_forged_line(said, "migrate's refusal of an orphaned partial record")
    assert b"migration half\\nFORGED line\\x1b[2J is partly applied" in said, said
    assert b"WHERE migration = E'half\\nFORGED line\\x1b[2J';" in said, said


def test_a_dirty_row_of_another_tools_history_is_named_on_its_line(db: str, tmp_path: Path) -> None:
    """Prisma's history names its migrations as it is given them: an unfinished one named with a newline
    makes migrate refuse, naming it escaped, and status list it on its line."""
    run_sql(
        db,
        "CREATE TABLE _prisma_migrations (id varchar(36) PRIMARY KEY, checksum varchar(64) NOT NULL,"
        " finished_at timestamptz, migration_name varchar(255) NOT NULL, logs text, rolled_back_at timestamptz,"
        " started_at timestamptz NOT NULL DEFAULT now(), applied_steps_count int NOT NULL DEFAULT 0);"
        "INSERT INTO _prisma_migrations (id, checksum, finished_at, migration_name) VALUES"
        f" ('1', 'c', NULL, {quote_literal('20240102_b' + FORGED + OSC52)});",
    )
    folder = tmp_path / "migrations"
    (folder / "20240103_c").mkdir(parents=True)
    (folder / "20240103_c" / "migration.sql").write_text("CREATE TABLE c (id int);\n")
    status = cli("status", db, "--migrations", str(folder))
    _no_forged_line(status.stdout + status.stderr, "status")
    for mode in ("--dry-run", "--yes"):
        result = cli("migrate", db, "--migrations", str(folder), mode)
        assert result.returncode == 1, result.stdout + result.stderr
        _no_forged_line(result.stdout + result.stderr, f"migrate {mode}")
        assert b"unfinished or failed migrations: 20240102_b\\nFORGED line\\x1b]52" in result.stderr, (
            result.stderr
        )
    assert fetch_sync(db, "SELECT to_regclass('public.c') IS NULL AS absent")[0]["absent"]
