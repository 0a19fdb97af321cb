"""Hostile migration folders: symlinks out of the folder and in loops, file names with terminal escapes, a
goose Down section that would drop a database, a baseline version made of SQL, and a folder of 10,000 files.

Each test asserts what was not lost and what did not run; where a trap could be sprung, the test shows it is
live (the target the attack aims at exists and would be hit) before asserting it was not.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import pytest

from dibs_tui.core.connect import resolve
from dibs_tui.core.errors import DibsError
from dibs_tui.core.migrations.apply import apply_pending
from dibs_tui.core.migrations.baseline import record_baseline
from dibs_tui.core.migrations.layouts import EntryKind, list_migration_files, scan_folder
from tests.cli_in_process import Ran, run_cli
from tests.pg import execute, fetch


def status(db: str, folder: Path) -> Ran:
    return run_cli("status", db, "--migrations", str(folder))


async def user_tables(dsn: str) -> list[str]:
    rows = await fetch(
        dsn,
        "SELECT c.relname::text AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = 'public' AND c.relkind = 'r' AND c.relname NOT LIKE '\\_\\_dibs%' ORDER BY 1",
    )
    return [r["name"] for r in rows]


def test_symlink_to_a_file_outside_the_folder_is_refused_never_read(db: str, tmp_path: Path) -> None:
    secret = tmp_path / "outside" / "secret.sql"
    secret.parent.mkdir()
    secret.write_text("CREATE TABLE stolen (id int);\n")
    folder = tmp_path / "migrations"
    folder.mkdir()
    (folder / "001_ok.sql").write_text("CREATE TABLE ok (id int);\n")
    (folder / "002_evil.sql").symlink_to(secret)
    assert (folder / "002_evil.sql").read_text() == secret.read_text()  # the link works: the trap is live
    scan = scan_folder(folder)
    assert [f.name for f in scan.files] == ["001_ok"]
    [refused] = scan.refused
    assert refused.name == "002_evil.sql" and "symlink out of the folder" in refused.reason
    with pytest.raises(DibsError, match="symlink out of the folder"):
        list_migration_files(folder)
    with pytest.raises(DibsError):
        asyncio.run(apply_pending(resolve(db), folder))
    assert asyncio.run(user_tables(db)) == []  # nothing applied, not even 001 before the hole
    result = status(db, folder)
    assert result.returncode == 1
    assert "refused   002_evil.sql  refused (symlink out of the folder: not read)" in result.stdout
    assert "stolen" not in result.stdout


def test_symlink_loop_is_refused(db: str, tmp_path: Path) -> None:
    folder = tmp_path / "migrations"
    folder.mkdir()
    (folder / "001_ok.sql").write_text("CREATE TABLE ok (id int);\n")
    (folder / "002_a.sql").symlink_to(folder / "002_b.sql")
    (folder / "002_b.sql").symlink_to(folder / "002_a.sql")
    (folder / "003_dir").symlink_to(folder)  # a folder that contains itself
    scan = scan_folder(folder)
    assert [f.name for f in scan.files] == ["001_ok"]
    assert {s.name: s.kind for s in scan.skipped} == {
        "002_a.sql": EntryKind.REFUSED,
        "002_b.sql": EntryKind.REFUSED,
    }
    assert all("loop" in s.reason for s in scan.skipped)
    result = status(db, folder)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "symlink loop" in result.stdout


def test_file_names_with_terminal_escapes_are_listed_escaped_and_a_line_break_refused(
    db: str, tmp_path: Path
) -> None:
    folder = tmp_path / "migrations"
    folder.mkdir()
    name = "001_\x1b]0;pwned\x07\x1b[2J_bad"
    (folder / f"{name}.sql").write_text("CREATE TABLE odd (id int);\n")
    (folder / f"{name}\nname_rollback.sql").write_text("DROP TABLE odd;\n")
    result = status(db, folder)
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout
    lines = result.stdout.splitlines()
    assert "pending   001_\\x1b]0;pwned\\x07\\x1b[2J_bad" in lines
    assert any(
        line.startswith("skipped   001_\\x1b]0;pwned")
        and "\\nname_rollback" in line
        and "rollback (not applied)" in line
        for line in lines
    )
    applied = asyncio.run(apply_pending(resolve(db), folder))
    assert [a.name for a in applied.applied] == [name]  # the name is data: kept exactly in the history
    rows = asyncio.run(fetch(db, "SELECT name FROM __dibs_migrations"))
    assert [r["name"] for r in rows] == [name]
    assert asyncio.run(user_tables(db)) == ["odd"]  # the rollback never ran
    # A line break in a migration's name would start a line of every output naming it, and be recorded so:
    # refused, named escaped, and nothing after it applies.
    (folder / "002_bad\nname.sql").write_text("CREATE TABLE newline (id int);\n")
    result = status(db, folder)
    assert result.returncode == 1
    assert any(line.startswith("refused") and "002_bad\\nname" in line for line in result.stdout.splitlines())
    with pytest.raises(DibsError, match="a line break in its name"):
        asyncio.run(apply_pending(resolve(db), folder))
    assert asyncio.run(user_tables(db)) == ["odd"]


def test_goose_down_section_with_drop_database_never_runs(
    db: str, new_database: Callable[[], str], tmp_path: Path
) -> None:
    victim_dsn = new_database()
    victim = victim_dsn.rsplit("/", 1)[1]
    folder = tmp_path / "migrations"
    folder.mkdir()
    (folder / "20240101000000_goose.sql").write_text(
        "-- +goose Up\nCREATE TABLE kept (id int);\n\n"
        f'-- +goose Down\n-- +goose StatementBegin\nDROP DATABASE "{victim}";\n-- +goose StatementEnd\n'
        "DROP TABLE kept;\n"
    )
    result = asyncio.run(apply_pending(resolve(db), folder))
    assert [a.name for a in result.applied] == ["20240101000000_goose"]
    assert asyncio.run(user_tables(db)) == ["kept"]
    alive = asyncio.run(fetch(db, "SELECT count(*) AS n FROM pg_database WHERE datname = $1", victim))
    assert alive[0]["n"] == 1
    asyncio.run(execute(victim_dsn, "SELECT 1"))  # still there and reachable


async def test_baseline_version_with_sql_injection_is_data(db: str, tmp_path: Path) -> None:
    await execute(db, "CREATE TABLE precious (id int); INSERT INTO precious VALUES (1);")
    folder = tmp_path / "migrations"
    folder.mkdir()
    (folder / "001_a.sql").write_text("SELECT 1;\n")
    evil = "2'); DROP TABLE precious; --"  # version 2: 001_a has 1
    with pytest.raises(DibsError) as refused:
        await record_baseline(resolve(db), folder, evil)
    assert "matches no migration" in str(refused.value)
    # A file may even be named like that: the name is recorded as data, the table stays.
    (folder / f"{evil}.sql").write_text("SELECT 2;\n")
    plan = await record_baseline(resolve(db), folder, evil)
    assert plan.upto == evil
    assert await user_tables(db) == ["precious"]
    assert [r["id"] for r in await fetch(db, "SELECT id FROM precious")] == [1]
    names = {r["name"] for r in await fetch(db, "SELECT name FROM __dibs_migrations")}
    assert evil in names


def test_ten_thousand_files_are_matched_to_their_history(db: str, tmp_path: Path) -> None:
    from dibs_tui.core.meta import meta_tables_ddl

    folder = tmp_path / "migrations"
    folder.mkdir()
    for i in range(10_000):
        (folder / f"{i:06d}_m.sql").write_text(f"CREATE TABLE t{i} (id int);\n")
        if i % 10 == 0:
            (folder / f"{i:06d}_m_rollback.sql").write_text(f"DROP TABLE t{i};\n")
    # Half of them applied: every file is matched against a history of 5,000 rows.
    asyncio.run(
        execute(
            db,
            meta_tables_ddl() + "INSERT INTO __dibs_migrations (name) "
            "SELECT lpad(i::text, 6, '0') || '_m' FROM generate_series(0, 4999) i",
        )
    )
    scan = scan_folder(folder)
    assert len(scan.files) == 10_000 and len(scan.skipped) == 1_000
    result = status(db, folder)
    assert result.returncode == 1
    assert "5,000 applied, 5,000 pending" in result.stdout and "1,000 not applied" in result.stdout
    # Measured on the shared 2-core machine under load (load average 9): scan 2.0-2.8 s, status 7.3 s; the
    # matching used to scan every history row for every file (minutes at this size, past the suite's timeout).


def test_a_migration_folder_symlinked_out_of_the_folder_is_refused(tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere" / "2024-01-01-000000_evil"
    outside.mkdir(parents=True)
    (outside / "up.sql").write_text("CREATE TABLE stolen (id int);\n")
    folder = tmp_path / "migrations"
    (folder / "2023-01-01-000000_ok").mkdir(parents=True)
    (folder / "2023-01-01-000000_ok" / "up.sql").write_text("CREATE TABLE ok (id int);\n")
    (folder / "2024-01-01-000000_evil").symlink_to(outside, target_is_directory=True)
    assert (folder / "2024-01-01-000000_evil" / "up.sql").is_file()  # the link works: the trap is live
    scan = scan_folder(folder)
    assert [f.name for f in scan.files] == ["2023-01-01-000000_ok"]
    assert [(s.name, s.kind) for s in scan.skipped] == [("2024-01-01-000000_evil", EntryKind.REFUSED)]
    # Inside the folder, a migration's file linked out of it is refused the same way.
    (outside / "secret.sql").write_text("DROP TABLE ok;\n")
    (folder / "2023-01-01-000000_ok" / "up.sql").unlink()
    (folder / "2023-01-01-000000_ok" / "up.sql").symlink_to(outside / "secret.sql")
    assert [s.name for s in scan_folder(folder).refused] == [
        "2023-01-01-000000_ok/up.sql",
        "2024-01-01-000000_evil",
    ]


def test_a_file_that_is_not_utf8_is_refused_with_a_clear_message(db: str, tmp_path: Path) -> None:
    folder = tmp_path / "migrations"
    folder.mkdir()
    (folder / "001_ok.sql").write_text("CREATE TABLE ok (id int);\n")
    (folder / "002_latin1.sql").write_bytes("COMMENT ON TABLE ok IS 'caf\xe9';\n".encode("latin-1"))
    result = status(db, folder)
    assert "refused   002_latin1.sql  refused (not UTF-8 text: not read)" in result.stdout
    assert result.returncode == 1 and "Traceback" not in result.stderr
    migrate = run_cli("migrate", db, "--migrations", str(folder), "--yes")
    assert migrate.returncode == 1
    assert "'002_latin1.sql' is refused (not UTF-8 text: not read)" in migrate.stderr
    assert "hint: save it as UTF-8 text (nothing was applied)" in migrate.stderr
    assert "internal error" not in migrate.stderr
    assert asyncio.run(user_tables(db)) == []
