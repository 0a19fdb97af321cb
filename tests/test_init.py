"""`dibs-tui init` on empty, populated, real-dibs-managed databases; twice in a row; with schema files."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli_in_process import Ran, run_cli
from tests.pg import fetch, run_sql

SCHEMA = """\
-- People who log in.
CREATE TABLE users (
    id bigint PRIMARY KEY,
    -- Where we write to them.
    email text NOT NULL UNIQUE
);

CREATE TABLE posts (
    id bigint PRIMARY KEY,
    author_id bigint REFERENCES users (id),
    body text
);
CREATE INDEX posts_author ON posts (author_id);
"""


def init(*args: str) -> Ran:
    """`dibs-tui init ARGS` in-process, its input at its end as /dev/null's (not a terminal)."""
    return run_cli("init", *args)


def test_init_empty_database_then_again(db: str) -> None:
    first = init(db, "--yes")
    assert first.returncode == 0, first.stderr
    assert "create __dibs_tables" in first.stdout and "record 0 tables" in first.stdout
    rows = __import__("asyncio").run(fetch(db, "SELECT name FROM __dibs_migrations"))
    assert [r["name"] for r in rows] == ["initial"]
    second = init(db, "--yes")
    assert second.returncode == 0
    assert "already initialised" in second.stdout


def test_init_with_schema_files_records_lines_and_docs(db: str, tmp_path: Path) -> None:
    (tmp_path / "dibs-tui.toml").write_text("")
    schema = tmp_path / "db" / "schema.sql"
    schema.parent.mkdir()
    schema.write_text(SCHEMA)
    run_sql(db, SCHEMA)
    result = run_cli("--project-root", str(tmp_path), "init", db, "--schema", str(schema), "--yes")
    assert result.returncode == 0, result.stderr
    assert "record 2 tables, 5 columns and 4 indexes as migration 'initial'" in result.stdout
    import asyncio

    tables = {r["table_name"]: r for r in asyncio.run(fetch(db, "SELECT * FROM __dibs_tables"))}
    assert (tables["users"]["source_file"], tables["users"]["source_line"]) == ("db/schema.sql", 2)
    assert tables["users"]["doc_comment"] == "People who log in."
    assert tables["users"]["created_by_migration"] == "initial"
    columns = {
        (r["table_name"], r["column_name"]): r for r in asyncio.run(fetch(db, "SELECT * FROM __dibs_columns"))
    }
    email = columns[("users", "email")]
    assert (email["source_line"], email["source_column"], email["doc_comment"]) == (
        5,
        5,
        "Where we write to them.",
    )
    assert email["is_unique"] and not email["is_nullable"]
    assert columns[("posts", "author_id")]["fk_references_table"] == "users"
    index = asyncio.run(fetch(db, "SELECT * FROM __dibs_indices WHERE index_name = 'posts_author'"))[0]
    assert (index["source_line"], list(index["columns"])) == (13, ["author_id"])
    # A column added later is recorded by the next init; the existing rows stay as they were.
    run_sql(db, "ALTER TABLE posts ADD COLUMN title text")
    again = init(db, "--yes")
    assert "record 0 tables, 1 columns and 0 indexes" in again.stdout
    assert (
        asyncio.run(fetch(db, "SELECT source_line FROM __dibs_tables WHERE table_name = 'users'"))[0][0] == 2
    )


def test_init_keeps_real_dibs_history_and_shape(db: str) -> None:
    run_sql(
        db,
        """
        CREATE TABLE _dibs_migrations (version text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now());
        INSERT INTO _dibs_migrations VALUES ('20260101000000_first');
        CREATE TABLE __dibs_tables (table_name text PRIMARY KEY, source_file text, source_line int,
            source_column int, doc_comment text, created_by_migration text, modified_by_migration text,
            created_at timestamptz NOT NULL DEFAULT now(), modified_at timestamptz NOT NULL DEFAULT now());
        CREATE TABLE things (id int PRIMARY KEY);
    """,
    )
    result = init(db, "--yes")
    assert result.returncode == 0, result.stderr
    import asyncio

    assert [r[0] for r in asyncio.run(fetch(db, "SELECT version FROM _dibs_migrations"))] == [
        "20260101000000_first"
    ]
    assert asyncio.run(fetch(db, "SELECT table_name FROM __dibs_tables"))[0][0] == "things"
    assert "create __dibs_columns, __dibs_indices, __dibs_migrations" in result.stdout


def test_init_refuses_to_write_off_a_terminal_without_yes(db: str) -> None:
    run_sql(db, "CREATE TABLE t (id int)")
    result = init(db)  # its input not a terminal (tests/test_cli.py runs the process with it closed)
    assert result.returncode == 1
    assert "pass --yes" in result.stderr
    import asyncio

    assert asyncio.run(fetch(db, "SELECT to_regclass('__dibs_tables') IS NULL AS absent"))[0]["absent"]


def test_status_and_migrate_after_init_see_nothing_missing(db: str, tmp_path: Path) -> None:
    """init records the schema it found as 'initial', which has no file: status lists it as applied, and
    migrate's first run does not say a migration's file is gone."""
    run_sql(db, SCHEMA)
    assert init(db, "--yes").returncode == 0
    folder = tmp_path / "migrations"
    folder.mkdir()
    (folder / "20260101000000_add_title.sql").write_text("ALTER TABLE posts ADD COLUMN title text;\n")
    status = run_cli("status", db, "--migrations", str(folder))
    assert "no file on disk" not in status.stdout, status.stdout
    assert (
        "applied   initial" in status.stdout and "1 applied, 1 pending, 0 changed, 0 missing" in status.stdout
    )
    applied = run_cli("migrate", db, "--migrations", str(folder), "--yes", "--no-prove")
    assert applied.returncode == 0, applied.stderr
    assert "its file is gone" not in applied.stdout + applied.stderr


@pytest.mark.parametrize(
    ("meta", "said"),
    [
        (
            "CREATE TABLE __dibs_tables (table_name text, source_file text, source_line int)",
            "the meta table public.__dibs_tables has no primary key or unique index on (table_name)",
        ),
        (  # a partial unique index is no key for ON CONFLICT, nor for __dibs_columns' foreign key
            "CREATE TABLE __dibs_tables (table_name text, source_file text)"
            ";CREATE UNIQUE INDEX ON __dibs_tables (table_name) WHERE table_name <> ''",
            "the meta table public.__dibs_tables has no primary key or unique index on (table_name)",
        ),
        (
            "CREATE TABLE __dibs_tables (table_name text PRIMARY KEY, owner text NOT NULL)",
            "the meta table public.__dibs_tables has a column owner that init cannot fill (NOT NULL, no "
            "default)",
        ),
        (
            "CREATE TABLE __dibs_tables (table_name text PRIMARY KEY, source_line date)",
            'init could not write to the meta table public.__dibs_tables: column "source_line" is of type '
            "date",
        ),
    ],
)
def test_init_on_a_meta_table_of_another_shape_says_what_is_wrong_and_writes_nothing(
    db: str, meta: str, said: str
) -> None:
    """A __dibs_tables without a primary key was said in the server's words ('there is no unique or exclusion
    constraint matching the ON CONFLICT specification'), with nothing of which table or what to do."""
    run_sql(db, f"{meta}; CREATE TABLE things (id int PRIMARY KEY)")
    result = init(db, "--yes")
    assert result.returncode == 1, result.stdout + result.stderr
    assert said in result.stderr and "\nhint: " in result.stderr, result.stderr
    assert "ON CONFLICT" not in result.stderr and "Traceback" not in result.stderr
    import asyncio

    left = asyncio.run(fetch(db, "SELECT to_regclass('__dibs_columns') IS NULL AS absent"))
    assert left[0]["absent"]  # nothing written


def test_init_on_a_read_only_database_says_so_and_what_to_do(db: str) -> None:
    """It was said with the hint for a meta table of another shape ("its columns must be of the types ...")."""
    name = db.rsplit("/", 1)[1]
    run_sql(db, f'ALTER DATABASE "{name}" SET default_transaction_read_only = on')
    result = init(db.replace("postgres@", "postgres:Sekr3tPw@", 1), "--yes")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "read-only transaction" in result.stderr and "nothing was written" in result.stderr, result.stderr
    assert "init as a role, or on a database, that may write" in result.stderr, result.stderr
    assert "its columns" not in result.stderr and "Traceback" not in result.stderr
    assert "Sekr3tPw" not in result.stdout + result.stderr


def test_init_with_a_schema_folder_holding_no_sql_file_says_so_and_writes_nothing(
    db: str, tmp_path: Path
) -> None:
    """A mistyped or empty --schema folder recorded the tables with no source at all, exit 0, nothing said."""
    run_sql(db, "CREATE TABLE users (id int PRIMARY KEY)")
    (tmp_path / "empty").mkdir()
    result = init(db, "--yes", "--schema", str(tmp_path / "empty"))
    assert result.returncode == 1, result.stdout + result.stderr
    assert "holds no .sql file" in result.stderr and "nothing was written" in result.stderr, result.stderr
    import asyncio

    left = asyncio.run(fetch(db, "SELECT to_regclass('__dibs_tables') IS NULL AS absent"))
    assert left[0]["absent"]
