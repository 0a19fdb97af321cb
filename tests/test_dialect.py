"""Migrations written for another database are named as such, never reviewed or applied as PostgreSQL."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from dibs_tui.cli import main
from dibs_tui.core.dialect import detect_path, detect_text
from tests.pg import fetch

REAL = Path(__file__).parent / "fixtures" / "real"
MARLIN = REAL / "marlin" / "migrations"

MYSQL = """-- users, as MySQL dumps them
CREATE TABLE `users` (
  `id` int(11) unsigned NOT NULL AUTO_INCREMENT,
  `email` varchar(255) NOT NULL,
  PRIMARY KEY (`id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
"""

SQLSERVER = """CREATE TABLE [dbo].[Users] (
    [Id] INT IDENTITY(1,1) NOT NULL,
    [Email] NVARCHAR(255) NOT NULL
);
GO
"""

POSTGRES = """-- PRAGMA foreign_keys = ON; would be SQLite, but this is a comment
CREATE TABLE t (id int GENERATED ALWAYS AS IDENTITY, tags text[] DEFAULT '{}', note text DEFAULT 'ENGINE=InnoDB');
COMMENT ON TABLE t IS 'uses `backticks` and [brackets] in prose; AUTOINCREMENT too';
CREATE FUNCTION f(a int[]) RETURNS int LANGUAGE plpgsql AS $$
BEGIN
    -- GO
    RETURN a[1] + (ARRAY[a[2]])[1];
END $$;
SELECT "AUTO_INCREMENT", "weird [name]" FROM t;
"""


def test_marlin_folder_is_sqlite_with_the_first_sign_and_its_place() -> None:
    hint = detect_path(MARLIN)
    assert hint is not None
    assert hint.message("db/migrations") == (
        "db/migrations looks like SQLite (PRAGMA foreign_keys at 0001_initial_schema.sql:1:1); "
        "dibs-tui reviews and applies PostgreSQL only"
    )


def test_each_marlin_file_is_sqlite() -> None:
    for file in sorted(MARLIN.glob("*.sql")):
        hint = detect_path(file)
        assert hint is not None and hint.dialect == "SQLite", file.name


def test_plue_is_postgresql() -> None:
    assert detect_path(REAL / "plue" / "migrations") is None
    assert detect_path(REAL / "plue" / "schema.sql") is None


@pytest.mark.parametrize("name", ["chinook", "lago", "musicbrainz", "pagila", "supabase", "synapse", "migra"])
def test_real_postgresql_projects_are_not_flagged(name: str) -> None:
    assert detect_path(REAL / name) is None


def test_mysql_sample_is_mysql() -> None:
    hint = detect_text(MYSQL, "users.sql")
    assert hint is not None
    assert (hint.dialect, hint.evidence, hint.line, hint.column) == ("MySQL", "backtick identifiers", 2, 14)


def test_sql_server_sample_is_sql_server() -> None:
    hint = detect_text(SQLSERVER, "users.sql")
    assert hint is not None
    assert (hint.dialect, hint.evidence, hint.line, hint.column) == (
        "SQL Server",
        "bracketed name [dbo]",
        1,
        14,
    )


def test_signs_in_comments_literals_and_quoted_names_do_not_count() -> None:
    assert detect_text(POSTGRES, "pg.sql") is None


def test_sqlite_signs_outweigh_backticks_sqlite_also_accepts() -> None:
    hint = detect_text("CREATE TABLE `t` (id INTEGER PRIMARY KEY AUTOINCREMENT) WITHOUT ROWID;", "t.sql")
    assert hint is not None and (hint.dialect, hint.evidence) == ("SQLite", "AUTOINCREMENT")


def _cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_review_names_a_sqlite_file_instead_of_reviewing_it(
    db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    file = MARLIN / "0001_initial_schema.sql"
    code, out, err = _cli(capsys, "review", str(file), db)
    assert code == 1 and out == ""
    assert err.strip() == (
        f"dibs-tui: error: {file} looks like SQLite (PRAGMA foreign_keys at {file}:1:1); "
        "dibs-tui reviews and applies PostgreSQL only"
    )


def test_status_and_migrate_name_a_sqlite_folder_and_apply_nothing(
    db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    for command in ("status", "migrate"):
        args = [command, db, "--migrations", str(MARLIN)] + (["--yes"] if command == "migrate" else [])
        code, _, err = _cli(capsys, *args)
        assert code == 1
        assert err.strip().splitlines()[-1] == (
            f"dibs-tui: error: {MARLIN} looks like SQLite (PRAGMA foreign_keys at 0001_initial_schema.sql:1:1); "
            "dibs-tui reviews and applies PostgreSQL only"
        )
    # nothing ran: no table of Marlin's, no history table
    tables = "SELECT relname FROM pg_class WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace"
    assert asyncio.run(fetch(db, tables)) == []


def test_diff_names_a_sqlite_desired_schema_instead_of_loading_it(
    db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _cli(capsys, "diff", db, "--desired", str(MARLIN))
    assert code == 1 and out == ""
    assert err.strip().splitlines() == [
        f"dibs-tui: error: {MARLIN} looks like SQLite (PRAGMA foreign_keys at 0001_initial_schema.sql:1:1); "
        "dibs-tui reviews and applies PostgreSQL only"
    ]


def test_a_sqlite_database_file_is_not_sql(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import sqlite3

    file = tmp_path / "app.db"
    sqlite3.connect(file).execute("CREATE TABLE t (x)").connection.close()
    code, out, err = _cli(capsys, "review", str(file), "postgresql://nobody@127.0.0.1:1/none")
    assert code == 1 and out == ""
    assert err.strip() == (
        f"dibs-tui: error: {file} is a SQLite database, not SQL: dibs-tui reviews and applies PostgreSQL only"
    )
