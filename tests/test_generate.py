"""Generate -> apply -> diff is empty, and the meta rows point at the defining lines of the desired SQL."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import pytest

from dibs_tui.core.connect import resolve
from dibs_tui.core.diff import diff_database
from dibs_tui.core.generate import GeneratedMigration, generate_migration, suggest_slug
from dibs_tui.core.migrations.apply import apply_pending
from dibs_tui.core.migrations.layouts import read_status
from dibs_tui.core.migrations.status import MigrationState
from tests.cli_in_process import Ran, run_cli
from tests.pg import execute, fetch, psql_file, run_sql

CURRENT = """
CREATE TABLE users (id int PRIMARY KEY, email text NOT NULL, legacy text);
INSERT INTO users VALUES (1, 'a@example.com', 'old');
"""
SCHEMA = """\
-- People who sign in.
CREATE TABLE users (
    id int PRIMARY KEY,
    email text NOT NULL,
    -- Set once the address is confirmed.
    email_verified boolean NOT NULL DEFAULT false
);

-- Money owed.
CREATE TABLE invoices (
    id bigint PRIMARY KEY,
    user_id int NOT NULL REFERENCES users (id),
    total numeric(12, 2) NOT NULL
);
CREATE INDEX invoices_user_id ON invoices (user_id);
"""


def test_generate_apply_then_diff_is_empty_and_meta_points_at_lines(
    db: str, new_database: Callable[[], str], tmp_path: Path
) -> None:
    asyncio.run(generate_apply_diff(db, new_database(), tmp_path))


async def generate_apply_diff(db: str, desired_dsn: str, tmp_path: Path) -> None:
    schema = tmp_path / "db" / "schema.sql"
    schema.parent.mkdir()
    schema.write_text(SCHEMA)
    psql_file(desired_dsn, schema)
    await execute(db, CURRENT)
    target = resolve(db)
    generated = await generate_migration(
        target,
        [schema],  # SQL files: loaded in a shadow database; the loader's locations feed the meta rows
        project_root=tmp_path,
        source_paths=[schema],
        now=datetime(2026, 3, 1, 12, 0, tzinfo=UTC),
    )
    assert generated.name.startswith("20260301120000_create-invoices-and-")
    assert suggest_slug(generated.result) == generated.name.split("_", 1)[1]
    text = generated.sql
    assert text.index("-- Schema changes") < text.index("ALTER TABLE") < text.index("-- Meta updates")
    folder = tmp_path / "db" / "migrations"
    folder.mkdir()
    (folder / f"{generated.name}.sql").write_text(text)
    result = await apply_pending(target, folder)
    assert [a.name for a in result.applied] == [generated.name]
    after = await diff_database(target, [schema])
    assert (await diff_database(target, [desired_dsn])).plan == ()
    assert after.plan == (), after.sql()
    statuses, _ = await read_status(target, folder)
    assert [s.state for s in statuses] == [MigrationState.APPLIED]
    row = (await fetch(db, "SELECT * FROM __dibs_migrations"))[0]
    assert row["generated_from_diff"] is True and row["tables_created"] == ["invoices"]

    columns = {
        (r["table_name"], r["column_name"]): r for r in await fetch(db, "SELECT * FROM __dibs_columns")
    }
    verified = columns[("users", "email_verified")]
    assert (verified["source_file"], verified["source_line"]) == ("db/schema.sql", 6)
    assert verified["doc_comment"] == "Set once the address is confirmed."
    assert verified["created_by_migration"] == generated.name
    assert ("users", "legacy") not in columns  # dropped: its meta row is removed
    assert columns[("invoices", "total")]["source_line"] == 13
    assert columns[("invoices", "total")]["created_by_migration"] == generated.name
    tables = {r["table_name"]: r for r in await fetch(db, "SELECT * FROM __dibs_tables")}
    assert (tables["invoices"]["source_line"], tables["invoices"]["doc_comment"]) == (10, "Money owed.")
    assert tables["invoices"]["created_by_migration"] == generated.name
    assert tables["users"]["modified_by_migration"] == generated.name
    assert tables["users"]["source_line"] == 2
    indices = {r["index_name"]: r for r in await fetch(db, "SELECT * FROM __dibs_indices")}
    assert indices["invoices_user_id"]["source_line"] == 15


def test_an_accepted_column_rename_moves_its_meta_row(
    db: str, new_database: Callable[[], str], tmp_path: Path
) -> None:
    asyncio.run(rename_scenario(db, new_database(), new_database(), tmp_path))


async def rename_scenario(db: str, first_dsn: str, second_dsn: str, tmp_path: Path) -> None:
    first, second = tmp_path / "first.sql", tmp_path / "second.sql"
    first.write_text(
        "CREATE TABLE users (\n    id int PRIMARY KEY,\n    -- Where we write.\n    mail text\n);\n"
    )
    second.write_text(
        "CREATE TABLE users (\n    id int PRIMARY KEY,\n\n    -- Where we write.\n    email text\n);\n"
    )
    psql_file(first_dsn, first)
    psql_file(second_dsn, second)
    folder = tmp_path / "migrations"
    folder.mkdir()
    target = resolve(db)
    one = await generate_migration(
        target,
        [first_dsn],
        project_root=tmp_path,
        source_paths=[first],
        slug="one",
        now=datetime(2026, 1, 1, tzinfo=UTC),
    )
    (folder / f"{one.name}.sql").write_text(one.sql)
    await apply_pending(target, folder)
    two = await generate_migration(
        target,
        [second_dsn],
        project_root=tmp_path,
        source_paths=[second],
        accepted_renames=[("public.users.mail", "email")],
        now=datetime(2026, 1, 2, tzinfo=UTC),
    )
    assert "RENAME COLUMN mail TO email" in two.sql and "DROP COLUMN" not in two.sql
    assert two.name == "20260102000000_rename-mail-to-email-on-users"
    # the meta updates name their tables in the meta schema, whatever the migration's search_path: the
    # rename's UPDATE spelled __dibs_columns bare and failed here
    (folder / f"{two.name}.sql").write_text("SET search_path = pg_catalog;\n" + two.sql)
    await apply_pending(target, folder)
    rows = await fetch(
        db,
        "SELECT column_name, source_line, doc_comment, created_by_migration, "
        "modified_by_migration FROM __dibs_columns WHERE table_name = 'users' ORDER BY column_name",
    )
    assert [tuple(r) for r in rows] == [
        ("email", 5, "Where we write.", one.name, two.name),
        ("id", 2, None, one.name, None),
    ]
    assert (await diff_database(target, [second_dsn])).plan == ()


def test_generate_command_prints_or_writes(db: str, new_database: Callable[[], str], tmp_path: Path) -> None:
    desired = new_database()
    run_sql(desired, "CREATE TABLE invoices (id int PRIMARY KEY);")
    folder = tmp_path / "migrations"
    printed = run_cli(
        "generate", db, "--desired", desired, "--migrations", str(folder), "--stdout", cwd=tmp_path
    )
    assert printed.returncode == 0, printed.stderr
    assert printed.stdout.startswith("-- Migration: ") and "_create-invoices\n" in printed.stdout
    assert not folder.exists()
    wrote = run_cli(
        "generate", "Bill Them", db, "--desired", desired, "--migrations", str(folder), cwd=tmp_path
    )
    assert wrote.returncode == 0, wrote.stderr
    assert "will fail" not in wrote.stderr + printed.stderr and "could not count" not in wrote.stderr
    [path] = folder.glob("*_bill-them.sql")
    assert f"wrote {path}" in wrote.stdout
    assert "CREATE TABLE public.invoices" in path.read_text()
    run_sql(desired, "DROP TABLE invoices;")
    nothing = run_cli("generate", db, "--desired", desired, "--stdout", cwd=tmp_path)
    assert nothing.returncode == 1 and "nothing to generate" in nothing.stderr


def test_generate_exits_4_when_the_live_rows_make_its_migration_fail(
    db: str, new_database: Callable[[], str], tmp_path: Path
) -> None:
    """A CI job must stop before migrate: the warning alone exited 0. The file is still written (4, not 1), and
    once the rows are fixed the same migration exits 0; the failure it predicts is the server's own."""
    run_sql(db, "CREATE TABLE t (id int PRIMARY KEY, v int); INSERT INTO t VALUES (1, NULL), (2, 5);")
    desired = new_database()
    run_sql(desired, "CREATE TABLE t (id int PRIMARY KEY, v int NOT NULL);")
    folder = tmp_path / "migrations"

    def generate(name: str) -> Ran:
        return run_cli("generate", name, db, "--desired", desired, "--migrations", str(folder), cwd=tmp_path)

    failing = generate("fails")
    assert failing.returncode == 4, failing.stderr
    assert (
        "this migration will fail at" in failing.stderr and "1 row of public.t has v NULL" in failing.stderr
    )
    [path] = folder.glob("*_fails.sql")
    assert "SET NOT NULL" in path.read_text()
    with pytest.raises(asyncpg.NotNullViolationError):  # the server refuses it as said
        asyncio.run(_rolled_back(db, path.read_text()))
    printed = run_cli("generate", db, "--desired", desired, "--stdout", cwd=tmp_path)
    assert printed.returncode == 4 and "SET NOT NULL" in printed.stdout, printed.stderr
    run_sql(db, "UPDATE t SET v = 0 WHERE v IS NULL;")
    fixed = generate("fixed")
    assert fixed.returncode == 0 and "will fail" not in fixed.stderr, fixed.stderr


async def _rolled_back(dsn: str, sql: str) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        async with conn.transaction():
            await conn.execute(sql)
            raise AssertionError("ran")
    finally:
        await conn.close()


def test_renamed_indexes_and_a_moved_table_keep_their_meta_rows(
    db: str, new_database: Callable[[], str], tmp_path: Path
) -> None:
    """An index renamed in place and a table moved to another schema (an accepted rename): their meta rows
    follow, keeping the migration that created them; nothing is left under the old names."""
    asyncio.run(_renamed_meta(db, new_database(), new_database(), tmp_path))


async def _renamed_meta(db: str, first_dsn: str, second_dsn: str, tmp_path: Path) -> None:
    first, second = tmp_path / "first.sql", tmp_path / "second.sql"
    first.write_text(
        "CREATE SCHEMA billing;\nCREATE TABLE invoices (id int PRIMARY KEY, number text);\n"
        "CREATE INDEX invoices_number_idx ON invoices (number);\n"
        "CREATE TABLE lines (id int);\nCREATE INDEX lines_id ON lines (id);\n"
    )
    second.write_text(
        "CREATE SCHEMA billing;\nCREATE TABLE billing.invoices (id int PRIMARY KEY, number text);\n"
        "CREATE INDEX idx_invoices_number ON billing.invoices (number);\n"
        "CREATE TABLE lines (id int);\nCREATE INDEX lines_id_idx ON lines (id);\n"
    )
    psql_file(first_dsn, first)
    psql_file(second_dsn, second)
    folder = tmp_path / "migrations"
    folder.mkdir()
    target = resolve(db)
    one = await generate_migration(
        target, [first_dsn], project_root=tmp_path, source_paths=[first], slug="one",
        now=datetime(2026, 1, 1, tzinfo=UTC),
    )  # fmt: skip
    (folder / f"{one.name}.sql").write_text(one.sql)
    await apply_pending(target, folder)
    two = await generate_migration(
        target, [second_dsn], project_root=tmp_path, source_paths=[second], slug="two",
        accepted_renames=[("public.invoices", "billing.invoices")], now=datetime(2026, 1, 2, tzinfo=UTC),
    )  # fmt: skip
    assert "SET SCHEMA billing" in two.sql and "RENAME TO idx_invoices_number" in two.sql, two.sql
    assert "ALTER INDEX public.lines_id RENAME TO lines_id_idx;" in two.sql, two.sql
    assert "DROP" not in two.sql.split("-- Meta updates")[0], two.sql
    (folder / f"{two.name}.sql").write_text("SET search_path = pg_catalog;\n" + two.sql)
    await apply_pending(target, folder)
    tables = await fetch(db, "SELECT table_name, created_by_migration FROM __dibs_tables ORDER BY 1")
    assert [tuple(r) for r in tables] == [("billing.invoices", one.name), ("lines", one.name)]
    columns = await fetch(db, "SELECT DISTINCT table_name FROM __dibs_columns ORDER BY 1")
    assert [tuple(r) for r in columns] == [("billing.invoices",), ("lines",)]
    indexes = await fetch(
        db, "SELECT table_name, index_name, created_by_migration FROM __dibs_indices ORDER BY 2"
    )
    assert [tuple(r) for r in indexes] == [
        ("billing.invoices", "idx_invoices_number", one.name),
        ("billing.invoices", "invoices_pkey", one.name),
        ("lines", "lines_id_idx", one.name),
    ]
    assert (await diff_database(target, [second_dsn])).plan == ()


@pytest.mark.parametrize("command", ["generate", "lint"])
def test_a_migrations_folder_that_is_a_file_is_said_so(
    db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str
) -> None:
    """--migrations naming a file made `generate` and `lint --write-fixes` say 'File exists: <name>'."""
    from dibs_tui.cli import main
    from tests.pg import run_sql

    run_sql(db, "CREATE TABLE parent (id int PRIMARY KEY); CREATE TABLE child (p int REFERENCES parent)")
    desired = tmp_path / "schema.sql"
    desired.write_text("CREATE TABLE parent (id int PRIMARY KEY);\n")
    not_a_folder = tmp_path / "migrations.sql"
    not_a_folder.write_text("-- a file\n")
    words = (
        ["generate", "x", "--desired", str(desired)] if command == "generate" else ["lint", "--write-fixes"]
    )
    assert main([*words, "--migrations", str(not_a_folder), db]) == 1
    err = capsys.readouterr().err
    assert f"the migrations folder {not_a_folder} is not a folder" in err, err
    assert not_a_folder.read_text() == "-- a file\n"


async def test_concurrently_writes_the_live_tables_index_builds_and_drops_so_and_it_converges(
    db: str, new_database: Callable[[], str], tmp_path: Path
) -> None:
    """--concurrently: the index built and the one dropped on the live users table are written CONCURRENTLY,
    each run alone; the new table's index and a partitioned table's are not (nobody writes to the first yet,
    PostgreSQL refuses CONCURRENTLY on the second). migrate applies it segment by segment, the rows stay, and
    the diff is then empty. Without the flag nothing is CONCURRENTLY and the migration is one transaction."""
    await execute(
        db,
        "CREATE TABLE users (id int PRIMARY KEY, email text, city text);"
        "CREATE INDEX users_city ON users (city);"
        "INSERT INTO users VALUES (1, 'a@example.com', 'Oslo'), (2, 'b@example.com', 'Lima');"
        "CREATE TABLE events (at date, kind text) PARTITION BY RANGE (at);"
        "CREATE TABLE events_2026 PARTITION OF events FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');",
    )
    schema = tmp_path / "schema.sql"
    schema.write_text(
        "CREATE TABLE users (id int PRIMARY KEY, email text, city text);\n"
        "CREATE UNIQUE INDEX users_email ON users (email);\n"
        "CREATE TABLE events (at date, kind text) PARTITION BY RANGE (at);\n"
        "CREATE TABLE events_2026 PARTITION OF events FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');\n"
        "CREATE INDEX events_kind ON events (kind);\n"
        "CREATE TABLE teams (id int PRIMARY KEY, name text);\n"
        "CREATE INDEX teams_name ON teams (name);\n"
    )
    target = resolve(db)

    async def generated(concurrently: bool) -> str:
        migration = await generate_migration(
            target, [schema], project_root=tmp_path, source_paths=[schema], concurrently=concurrently
        )
        return migration.sql

    plain = await generated(False)
    assert "CONCURRENTLY" not in plain and "runs outside the transaction" not in plain
    text = await generated(True)
    lines = text.splitlines()
    assert "CREATE UNIQUE INDEX CONCURRENTLY users_email ON public.users USING btree (email);" in lines
    assert "DROP INDEX CONCURRENTLY public.users_city;" in lines
    assert "CREATE INDEX teams_name ON public.teams USING btree (name);" in lines
    assert "CREATE INDEX events_kind ON public.events USING btree (kind);" in lines
    assert (
        "CREATE INDEX IF NOT EXISTS events_2026_kind_idx ON public.events_2026 USING btree (kind);" in lines
    )
    assert text.count("-- (runs outside the transaction, on its own)") == 2
    folder = tmp_path / "migrations"
    folder.mkdir()
    (folder / "20260301120000_concurrently.sql").write_text(text)
    result = await apply_pending(target, folder)
    assert [a.name for a in result.applied] == ["20260301120000_concurrently"]
    assert (await diff_database(target, [schema])).plan == ()
    assert [r["email"] for r in await fetch(db, "SELECT email FROM users ORDER BY id")] == [
        "a@example.com",
        "b@example.com",
    ]


async def test_concurrently_a_key_that_becomes_a_plain_index_is_built_before_the_key_is_dropped(
    db: str, tmp_path: Path
) -> None:
    """--concurrently and a unique key the desired schema has as a unique index of its name: the index is
    built CONCURRENTLY under a passing name while the key still holds, then the key is dropped and the index
    takes its name (diff: key_handovers). The table is never without its uniqueness between two segments;
    migrate applies it and the diff is then empty."""
    await execute(
        db,
        "CREATE TABLE items (id int PRIMARY KEY, code text, CONSTRAINT items_code_key UNIQUE (code));"
        "INSERT INTO items VALUES (1, 'a'), (2, 'b');",
    )
    schema = tmp_path / "schema.sql"
    schema.write_text(
        "CREATE TABLE items (id int PRIMARY KEY, code text);\n"
        "CREATE UNIQUE INDEX items_code_key ON items (code);\n"
    )
    target = resolve(db)
    migration = await generate_migration(
        target, [schema], project_root=tmp_path, source_paths=[schema], concurrently=True
    )
    lines = migration.sql.splitlines()
    build = "CREATE UNIQUE INDEX CONCURRENTLY items_code_key__dibs_swap ON public.items USING btree (code);"
    drop = "ALTER TABLE public.items DROP CONSTRAINT items_code_key;"
    rename = "ALTER INDEX public.items_code_key__dibs_swap RENAME TO items_code_key;"
    assert lines.index(build) < lines.index(drop) < lines.index(rename), migration.sql
    folder = tmp_path / "migrations"
    folder.mkdir()
    (folder / "20260301120000_key_to_index.sql").write_text(migration.sql)
    result = await apply_pending(target, folder)
    assert [a.name for a in result.applied] == ["20260301120000_key_to_index"]
    assert (await diff_database(target, [schema])).plan == ()
    assert [r["code"] for r in await fetch(db, "SELECT code FROM items ORDER BY id")] == ["a", "b"]


async def concurrent_key_redefinition(db: str, tmp_path: Path) -> tuple[Path, GeneratedMigration]:
    """A live table whose unique key on `code` the desired schema (the returned file) redefines on (shop, code)
    under the same name, with two rows, and the migration `generate --concurrently` writes for it."""
    await execute(
        db,
        "CREATE TABLE items (id int PRIMARY KEY, shop int, code text, CONSTRAINT items_code_key UNIQUE (code));"
        "INSERT INTO items VALUES (1, 1, 'a'), (2, 1, 'b');",
    )
    schema = tmp_path / "schema.sql"
    schema.write_text(
        "CREATE TABLE items (id int PRIMARY KEY, shop int, code text,\n"
        "                    CONSTRAINT items_code_key UNIQUE (shop, code));\n"
    )
    migration = await generate_migration(
        resolve(db), [schema], project_root=tmp_path, source_paths=[schema], concurrently=True
    )
    return schema, migration


async def test_concurrently_a_unique_key_redefined_under_its_name_is_built_before_the_old_is_dropped(
    db: str, tmp_path: Path
) -> None:
    """--concurrently and a unique key on more columns under its own name: the new index is built
    CONCURRENTLY under a passing name while the old key still holds, then the old key is dropped and the
    index made the key (ADD CONSTRAINT ... USING INDEX, the catalog only). It was dropped first and added
    after, the table without its uniqueness between; migrate applies it and the diff is then empty."""
    schema, migration = await concurrent_key_redefinition(db, tmp_path)
    target = resolve(db)
    lines = migration.sql.splitlines()
    build = (
        "CREATE UNIQUE INDEX CONCURRENTLY items_code_key__dibs_swap ON public.items USING btree (shop, code);"
    )
    drop = "ALTER TABLE public.items DROP CONSTRAINT items_code_key;"
    made = (
        "ALTER TABLE public.items ADD CONSTRAINT items_code_key UNIQUE USING INDEX items_code_key__dibs_swap;"
    )
    assert lines.index(build) < lines.index(drop) < lines.index(made), migration.sql
    folder = tmp_path / "migrations"
    folder.mkdir()
    (folder / "20260301120000_key_redefined.sql").write_text(migration.sql)
    result = await apply_pending(target, folder)
    assert [a.name for a in result.applied] == ["20260301120000_key_redefined"]
    assert (await diff_database(target, [schema])).plan == ()
    assert [r["code"] for r in await fetch(db, "SELECT code FROM items ORDER BY id")] == ["a", "b"]
