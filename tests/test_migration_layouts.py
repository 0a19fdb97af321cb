"""Migration folders as real projects keep them: what is a forward migration, what is listed but never applied."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

from dibs_tui.core.connect import resolve
from dibs_tui.core.migrations.apply import apply_pending
from dibs_tui.core.migrations.layouts import EntryKind, list_migration_files, read_folder_status, scan_folder
from dibs_tui.core.migrations.status import MigrationState
from tests.cli_in_process import run_cli
from tests.pg import REAL, fetch, run_sql


def put(folder: Path, name: str, text: str = "SELECT 1;\n") -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


async def public_tables(dsn: str) -> list[str]:
    rows = await fetch(
        dsn,
        "SELECT c.relname::text AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = 'public' AND c.relkind = 'r' AND c.relname NOT LIKE '\\_\\_dibs%' ORDER BY 1",
    )
    return [r["name"] for r in rows]


def test_rollback_suffixes_are_recognised_not_applied(tmp_path: Path) -> None:
    for name in (
        "001_a.sql",
        "001_a.down.sql",
        "002_b.sql",
        "002_b_down.sql",
        "003_c.sql",
        "003_c_rollback.sql",
    ):
        put(tmp_path, name)
    scan = scan_folder(tmp_path)
    assert [f.name for f in scan.files] == ["001_a", "002_b", "003_c"]
    assert [(s.name, s.kind) for s in scan.skipped] == [
        ("001_a.down.sql", EntryKind.ROLLBACK),
        ("002_b_down.sql", EntryKind.ROLLBACK),
        ("003_c_rollback.sql", EntryKind.ROLLBACK),
    ]
    assert scan.skipped[0].label == "rollback (not applied)"
    assert scan.layout == "numbered"


def test_golang_migrate_up_and_down_files(tmp_path: Path) -> None:
    put(tmp_path, "000001_users.up.sql", "CREATE TABLE users (id int);\n")
    put(tmp_path, "000001_users.down.sql", "DROP TABLE users;\n")
    put(tmp_path, "000002_posts.up.sql", "CREATE TABLE posts (id int);\n")
    put(tmp_path, "000002_posts.down.sql", "DROP TABLE posts;\n")
    scan = scan_folder(tmp_path)
    assert scan.layout == "golang-migrate"
    assert [f.name for f in scan.files] == ["000001_users", "000002_posts"]
    assert all("DROP" not in f.text for f in scan.files)
    assert {s.name for s in scan.skipped} == {"000001_users.down.sql", "000002_posts.down.sql"}


def test_diesel_folders_apply_up_and_list_down(tmp_path: Path) -> None:
    put(tmp_path, "2024-01-01-000000_create_users/up.sql", "CREATE TABLE users (id int);\n")
    put(tmp_path, "2024-01-01-000000_create_users/down.sql", "DROP TABLE users;\n")
    put(tmp_path, "2024-02-01-000000_create_posts/up.sql", "CREATE TABLE posts (id int);\n")
    put(tmp_path, "2024-02-01-000000_create_posts/down.sql", "DROP TABLE posts;\n")
    scan = scan_folder(tmp_path)
    assert scan.layout == "diesel"
    assert [f.name for f in scan.files] == [
        "2024-01-01-000000_create_users",
        "2024-02-01-000000_create_posts",
    ]
    assert [f.path.name for f in scan.files] == ["up.sql", "up.sql"]
    assert [s.name for s in scan.skipped] == [
        "2024-01-01-000000_create_users/down.sql",
        "2024-02-01-000000_create_posts/down.sql",
    ]


def test_prisma_folders(tmp_path: Path) -> None:
    put(tmp_path, "20240101000000_init/migration.sql", "CREATE TABLE a (id int);\n")
    put(tmp_path, "20240102000000_more/migration.sql", "CREATE TABLE b (id int);\n")
    (tmp_path / "migration_lock.toml").write_text('provider = "postgresql"\n')
    scan = scan_folder(tmp_path)
    assert scan.layout == "prisma"
    assert [f.name for f in scan.files] == ["20240101000000_init", "20240102000000_more"]
    assert scan.skipped == ()


def test_flyway_versioned_undo_and_repeatable(tmp_path: Path) -> None:
    put(tmp_path, "V1__init.sql")
    put(tmp_path, "V2__more.sql")
    put(tmp_path, "U2__more.sql", "DROP TABLE b;\n")
    put(tmp_path, "R__views.sql", "CREATE OR REPLACE VIEW v AS SELECT 1;\n")
    scan = scan_folder(tmp_path)
    assert scan.layout == "flyway"
    assert [f.name for f in scan.files] == ["V1__init", "V2__more"]
    assert [(s.name, s.kind) for s in scan.skipped] == [
        ("R__views.sql", EntryKind.REPEATABLE),
        ("U2__more.sql", EntryKind.ROLLBACK),
    ]


GOOSE = """-- a comment before the sections
-- +goose Up
-- +goose StatementBegin
CREATE FUNCTION one() RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETURN 1; END $$;
-- +goose StatementEnd
CREATE TABLE goose_made (id int);

-- +goose Down
DROP TABLE goose_made;
DROP FUNCTION one();
"""

DBMATE = """-- migrate:up transaction:false
CREATE TABLE dbmate_made (id int);
CREATE INDEX CONCURRENTLY dbmate_made_id ON dbmate_made (id);

-- migrate:down
DROP TABLE dbmate_made;
"""


def test_goose_sections_keep_only_up_with_its_line_numbers(tmp_path: Path) -> None:
    put(tmp_path, "20240101000000_goose.sql", GOOSE)
    put(tmp_path, "20240102000000_notx.sql", "-- +goose NO TRANSACTION\n-- +goose Up\nSELECT 1;\n")
    scan = scan_folder(tmp_path)
    assert scan.layout == "goose"
    first = scan.files[0]
    assert "DROP" not in first.text and "goose_made" in first.text
    lines = first.text.split("\n")
    assert len(lines) == len(GOOSE.split("\n"))
    assert lines[3].startswith("CREATE FUNCTION one()") and lines[5] == "CREATE TABLE goose_made (id int);"
    assert scan.no_transaction == frozenset({"20240102000000_notx"})
    assert [f.transactional for f in scan.files] == [True, False]


def test_dbmate_sections_and_transaction_false(tmp_path: Path) -> None:
    put(tmp_path, "20240101000000_dbmate.sql", DBMATE)
    scan = scan_folder(tmp_path)
    assert scan.layout == "dbmate"
    assert "DROP" not in scan.files[0].text
    assert scan.no_transaction == frozenset({"20240101000000_dbmate"})


async def test_goose_and_dbmate_apply_only_their_up_sections(db: str, tmp_path: Path) -> None:
    put(tmp_path, "20240101000000_goose.sql", GOOSE)
    put(tmp_path, "20240102000000_dbmate.sql", DBMATE)
    result = await apply_pending(resolve(db), tmp_path)
    assert [a.name for a in result.applied] == ["20240101000000_goose", "20240102000000_dbmate"]
    assert await public_tables(db) == ["dbmate_made", "goose_made"]
    rows = await fetch(
        db, "SELECT to_regproc('one') IS NOT NULL AS f, to_regclass('dbmate_made_id') IS NOT NULL AS i"
    )
    assert (rows[0]["f"], rows[0]["i"]) == (True, True)


async def test_golang_migrate_down_files_never_run(db: str, tmp_path: Path) -> None:
    put(tmp_path, "000001_users.up.sql", "CREATE TABLE users (id int);\n")
    put(tmp_path, "000001_users.down.sql", "DROP TABLE users;\n")
    put(tmp_path, "000002_posts.up.sql", "CREATE TABLE posts (id int);\n")
    put(tmp_path, "000002_posts.down.sql", "DROP TABLE posts;\n")
    result = await apply_pending(resolve(db), tmp_path)
    assert [a.name for a in result.applied] == ["000001_users", "000002_posts"]
    assert await public_tables(db) == ["posts", "users"]
    again = await apply_pending(resolve(db), tmp_path)
    assert again.pending_before == 0


async def test_plue_rollback_is_recognised_not_pending(db: str, tmp_path: Path) -> None:
    folder = tmp_path / "migrations"
    shutil.copytree(REAL / "plue" / "migrations", folder)
    found = await read_folder_status(resolve(db), folder)
    assert [s.name for s in found.statuses] == [
        "005_fix_workflow_config_format",
        "006_workflow_tables",
        "007_atomic_issue_numbers",
        "008_convert_timestamp_to_timestamptz",
    ]
    assert all(s.state is MigrationState.PENDING for s in found.statuses)
    skipped = {s.name: s.label for s in found.folder.skipped}
    assert skipped["008_convert_timestamp_to_timestamptz_rollback.sql"] == "rollback (not applied)"
    assert skipped["add_topics_to_repositories.sql"].startswith("unversioned (")
    assert [f.name for f in list_migration_files(folder)] == [s.name for s in found.statuses]


def test_status_command_lists_layout_and_rollback(db: str, tmp_path: Path) -> None:
    folder = tmp_path / "migrations"
    shutil.copytree(REAL / "plue" / "migrations", folder)
    result = run_cli("status", db, "--migrations", str(folder))
    assert result.returncode == 1, result.stderr  # four pending
    assert "(layout: numbered)" in result.stdout
    lines = result.stdout.splitlines()
    assert "skipped   008_convert_timestamp_to_timestamptz_rollback.sql  rollback (not applied)" in lines
    assert not [line for line in lines if line.startswith("pending") and "rollback" in line]
    assert "4 pending" in result.stdout and "2 not applied" in result.stdout


def test_two_files_of_one_version_refuse_the_second_in_every_versioned_layout(tmp_path: Path) -> None:
    """Versions as each tool keys its history: Flyway's 1.1 is not 1, and 1.0 is; diesel's is the date part;
    dibs-tui's and Prisma's histories hold names, so their timestamps may repeat."""
    cases = {
        "golang": (["1_a.up.sql", "001_b.up.sql", "2_c.up.sql"], "001_b"),  # the first by name
        "flyway": (["V1__a.sql", "V1.0__b.sql", "V1.1__c.sql"], "V1.0__b"),
        "numbered": (["01_a.sql", "1_b.sql"], "01_a"),
        "diesel": (["2019-01-01-000000_a/up.sql", "2019-01-01-000000_b/up.sql"], "2019-01-01-000000_a"),
    }
    for layout, (names, kept) in cases.items():
        folder = tmp_path / layout
        for name in names:
            put(folder, name)
        scan = scan_folder(folder)
        assert [r.reason for r in scan.refused] == [f"the same version as {kept}: not applied"], layout
        assert len(scan.files) == len(names) - 1, layout
    for name, other in (
        ("20260101000000_a.sql", "20260101000000_b.sql"),
        ("1_a/migration.sql", "1_b/migration.sql"),
    ):
        folder = tmp_path / "by-name" / name.split("/")[0]
        put(folder, name)
        put(folder, other)
        assert not scan_folder(folder).refused and len(scan_folder(folder).files) == 2


def test_a_second_file_of_an_applied_golang_migrate_version_is_refused_not_taken_as_applied(
    db: str, tmp_path: Path
) -> None:
    """golang-migrate's history is one version: 1_b was reported 'applied' with 1_a and never ran."""
    run_sql(
        db,
        "CREATE TABLE schema_migrations (version bigint PRIMARY KEY, dirty boolean NOT NULL);"
        "INSERT INTO schema_migrations VALUES (1, false); CREATE TABLE a (id int);",
    )
    put(tmp_path, "1_a.up.sql", "CREATE TABLE a (id int);\n")
    put(tmp_path, "1_b.up.sql", "CREATE TABLE b (id int);\n")
    put(tmp_path, "2_c.up.sql", "CREATE TABLE c (id int);\n")
    status = run_cli("status", db, "--migrations", str(tmp_path))
    assert status.returncode == 1
    assert "refused   1_b.up.sql  refused (the same version as 1_a: not applied)" in status.stdout
    assert "applied   1_b" not in status.stdout
    migrate = run_cli("migrate", db, "--migrations", str(tmp_path), "--yes", "--no-prove")
    assert migrate.returncode == 1
    assert migrate.stderr == (
        f"dibs-tui: error: {tmp_path}: '1_b.up.sql' is refused (the same version as 1_a: not applied)\n"
        "hint: give it a version of its own: one history row would count for both (nothing was applied)\n"
    )
    assert asyncio.run(public_tables(db)) == ["a", "schema_migrations"]  # nothing ran, not even 2_c
