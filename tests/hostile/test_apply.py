"""Hostile migrations against `dibs-tui migrate`: terminal escapes in a failing statement and in a migration's
name, a migration of 50,000 statements, a symlink that leads out of the migrations folder. Each test says
what was kept, what did not run, and that nothing raw reached the terminal."""

from __future__ import annotations

import asyncio
from pathlib import Path

from dibs_tui.core.migrations.files import split_statements
from dibs_tui.core.migrations.segments import plan_segments
from tests.cli_in_process import Ran, run_cli
from tests.pg import fetch, run_sql

ESCAPES = "\x1b]52;c;cHduZWQ=\x07\x1b[2J\x9b31m\u202e"
RAW = ("\x1b", "\x07", "\x9b", "\u202e")


def migrate(db: str, folder: Path, *more: str) -> Ran:
    """The apply's own handling is attacked here; the proof before it has its own cases (test_proof.py). Run
    in-process: everything the command writes goes through sys.stdout and sys.stderr, which are read here."""
    return run_cli("migrate", db, "--migrations", str(folder), "--yes", "--no-prove", *more)


def tables(db: str) -> list[str]:
    rows = asyncio.run(
        fetch(
            db,
            "SELECT relname::text AS n FROM pg_class WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace",
        )
    )
    return sorted(r["n"] for r in rows if not r["n"].startswith("__dibs"))


def history(db: str) -> list[str]:
    async def read() -> list[str]:
        exists = await fetch(db, "SELECT to_regclass('public.__dibs_migrations') IS NOT NULL AS e")
        if not exists[0]["e"]:
            return []
        return [r["name"] for r in await fetch(db, "SELECT name FROM __dibs_migrations ORDER BY name")]

    return asyncio.run(read())


def assert_no_raw(*outputs: str) -> None:
    for output in outputs:
        for char in RAW:
            assert char not in output, f"raw {char!r} reached the terminal: {output!r}"


def test_escapes_in_a_failing_statement_and_its_error_are_escaped(db: str, tmp_path: Path) -> None:
    folder = tmp_path / "m"
    folder.mkdir()
    (folder / "20260101000000_kept.sql").write_text("CREATE TABLE kept (id int);\n")
    (folder / "20260102000000_hostile.sql").write_text(
        f'CREATE TABLE rolled_back (id int);\nSELECT * FROM "{ESCAPES}";\n', encoding="utf-8"
    )
    (folder / "20260103000000_after.sql").write_text("CREATE TABLE never (id int);\n")
    result = migrate(db, folder)
    assert result.returncode == 1  # nothing of the failing migration stays
    assert_no_raw(result.stdout, result.stderr)
    assert "\\x1b]52;c;cHduZWQ=\\x07\\x1b[2J\\x9b31m\\u202e" in result.stderr  # shown, escaped
    assert "20260102000000_hostile.sql:2: ERROR: relation" in result.stderr
    assert tables(db) == ["kept"]  # the first migration kept, the second rolled back, the third not run
    assert history(db) == ["20260101000000_kept"]


def test_a_migration_named_with_escapes_is_shown_escaped(db: str, tmp_path: Path) -> None:
    folder = tmp_path / "m"
    folder.mkdir()
    name = "20260101000000_\x1b[2J\x1b]0;title\x07red"
    (folder / f"{name}.sql").write_text("CREATE TABLE named (id int);\n")
    (folder / "20260102000000_fails.sql").write_text("SELECT 1/0;\n")
    result = migrate(db, folder)
    assert_no_raw(result.stdout, result.stderr)
    assert "20260101000000_\\x1b[2J\\x1b]0;title\\x07red" in result.stdout
    assert result.returncode == 1
    assert tables(db) == ["named"]  # applied, and kept after the next one failed
    assert history(db) == [name]  # the name is data: recorded as it is


def test_fifty_thousand_statements_are_segmented(tmp_path: Path) -> None:
    """A migration of 50,000 statements is cut into its segments (how long it takes is bench material, not a
    test's: the suite's timeout still stops a step gone quadratic)."""
    text = "".join(
        f"CREATE INDEX CONCURRENTLY i{i} ON t (a);\n" if i % 1000 == 999 else f"INSERT INTO t VALUES ({i});\n"
        for i in range(50_000)
    )
    statements = split_statements(text)
    plan = plan_segments(text)
    assert plan.statements == 50_000 and len(statements) == 50_000
    assert len(plan.segments) == 100  # 50 transactions, each followed by its index alone
    assert plan.segments[1].alone and plan.segments[1].first == 1000 and plan.segments[2].first == 1001


def test_a_symlink_out_of_the_folder_is_refused_and_nothing_runs(db: str, tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere" / "payload.sql"
    outside.parent.mkdir()
    outside.write_text("CREATE TABLE pwned (id int);\n")
    folder = tmp_path / "m"
    folder.mkdir()
    (folder / "20260101000000_first.sql").write_text("CREATE TABLE first (id int);\n")
    (folder / "20260102000000_linked.sql").symlink_to(outside)
    result = migrate(db, folder)
    assert result.returncode == 1
    assert "20260102000000_linked" in result.stderr
    assert "out of the folder" in result.stderr or "outside the migrations folder" in result.stderr
    assert "Traceback" not in result.stderr
    assert tables(db) == []  # refused before anything ran: not even the first migration
    assert outside.read_text() == "CREATE TABLE pwned (id int);\n"


def test_a_look_alike_segments_table_is_refused_before_anything_runs(db: str, tmp_path: Path) -> None:
    """A table of our record's name with a trigger: writing to it would run someone's code with our rights."""
    from tests.pg import run_sql

    run_sql(
        db,
        "CREATE TABLE fired (n int);"
        "CREATE TABLE __dibs_migration_segments (migration text, segment int, segments int, checksum text, "
        "first_statement int, last_statement int, first_line int, last_line int, outcome text, error text, "
        "leftovers text[], recorded_at timestamptz);"
        "CREATE FUNCTION fire() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN INSERT INTO fired VALUES (1); "
        "RETURN NEW; END$$;"
        "CREATE TRIGGER fire BEFORE INSERT ON __dibs_migration_segments FOR EACH ROW EXECUTE FUNCTION fire();",
    )
    folder = tmp_path / "m"
    folder.mkdir()
    (folder / "20260101000000_two.sql").write_text(
        "CREATE TABLE first (id int);\nCREATE INDEX CONCURRENTLY first_id ON first (id);\n"
    )
    result = migrate(db, folder)
    assert result.returncode == 1
    assert (
        "public.__dibs_migration_segments exists but is not dibs-tui's record of partial applies"
        in result.stderr
    )
    assert "triggers or rules" in result.stderr and "Traceback" not in result.stderr
    assert tables(db) == ["fired"]  # nothing ran: no table first, and the trigger never fired
    rows = asyncio.run(fetch(db, "SELECT count(*) AS n FROM fired"))
    assert rows[0]["n"] == 0


def test_a_renamed_migration_with_escapes_and_quotes_is_refused_escaped_and_its_update_quoted(
    db: str, tmp_path: Path
) -> None:
    """The rename refusal prints both names and an UPDATE to paste: the names are escaped for the terminal,
    and quoted as SQL literals in the UPDATE (a quote in a name cannot end the literal)."""
    folder = tmp_path / "m"
    folder.mkdir()
    text = "CREATE TABLE seeded (id int);\nINSERT INTO seeded VALUES (1);\n"
    (folder / "20260101000000_seed.sql").write_text(text)
    assert migrate(db, folder).returncode == 0
    name = "20260102000000_it's" + ESCAPES
    (folder / "20260101000000_seed.sql").rename(folder / f"{name}.sql")
    result = migrate(db, folder)
    assert result.returncode == 1
    assert_no_raw(result.stdout, result.stderr)
    assert "has the same content as 20260101000000_seed" in result.stderr
    assert "SET name = E'20260102000000_it''s\\x1b]52" in result.stderr  # pasted, it is the name
    assert history(db) == ["20260101000000_seed"]
    assert asyncio.run(fetch(db, "SELECT count(*) AS n FROM seeded"))[0]["n"] == 1  # not run twice


def test_an_empty_migration_file_is_refused_before_anything_runs(db: str, tmp_path: Path) -> None:
    """A migration file made and not yet written (0 bytes, or blank lines) was applied as 0 statements and
    recorded: the statements written into it later were 'changed since applied' and never ran. It is refused
    before the first migration runs; one that says it is empty on purpose, in a comment, is applied."""
    folder = tmp_path / "migrations"
    folder.mkdir()
    (folder / "20260101000000_first.sql").write_text("CREATE TABLE first (id int);\n")
    (folder / "20260102000000_later.sql").write_bytes(b"")
    result = migrate(db, folder)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "migration 20260102000000_later is empty" in result.stderr
    assert "Traceback" not in result.stderr
    assert tables(db) == [] and history(db) == []
    (folder / "20260102000000_later.sql").write_text("\n  \n")
    assert migrate(db, folder).returncode == 1 and tables(db) == []
    (folder / "20260102000000_later.sql").write_text("-- kept empty: the numbering of the release\n")
    done = migrate(db, folder)
    assert done.returncode == 0, done.stdout + done.stderr
    assert tables(db) == ["first"] and history(db)[-2:] == ["20260101000000_first", "20260102000000_later"]


def test_a_failing_validate_of_a_constraint_named_with_escapes_is_said_escaped(
    db: str, tmp_path: Path
) -> None:
    """A constraint named with terminal escapes, added NOT VALID in one segment and validated in a block of
    its own over a row that violates it: the segment list and the failure name it escaped, say it stays
    NOT VALID, and the ADD's segment is kept."""
    run_sql(db, "CREATE TABLE t (n int); INSERT INTO t VALUES (-1)")
    name = ESCAPES.replace('"', "")
    folder = tmp_path / "m"
    folder.mkdir()
    (folder / "20260101000000_check.sql").write_text(
        f'ALTER TABLE t ADD CONSTRAINT "{name}" CHECK (n > 0) NOT VALID;\n'
        f'BEGIN;\nALTER TABLE t VALIDATE CONSTRAINT "{name}";\nCOMMIT;\n',
        encoding="utf-8",
    )
    # the review's count of the violating row is overridden: the server must say it
    result = migrate(db, folder, "--allow-failing")
    assert result.returncode == 3  # partially applied
    assert_no_raw(result.stdout, result.stderr)
    shown = 'U&"\\001B]52;c;cHduZWQ=\\0007\\001B[2J\\009B31m\\202E"'  # quoted as SQL, escapes spelled
    assert f"validates {shown} on t apart" in result.stdout, result.stdout
    assert f"the constraint {shown} on t stays NOT VALID" in result.stderr, result.stderr
    rows = asyncio.run(
        fetch(db, "SELECT conname, convalidated FROM pg_constraint WHERE conrelid = 't'::regclass")
    )
    assert [(r["conname"], r["convalidated"]) for r in rows] == [(name, False)]
