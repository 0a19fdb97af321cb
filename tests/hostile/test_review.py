"""The reviewer against names and expressions shaped to break its checking queries: every name reaches them
quoted (core.sql.quote_ident, a U&"..." form for control characters), the checks count what is there, and
nothing of the migration runs."""

from __future__ import annotations

import asyncio
from pathlib import Path

from dibs_tui.core.migrations.apply_record import _SEGMENTS_DDL, SEGMENTS_TABLE
from dibs_tui.core.review.report import Review
from tests.cli_in_process import run_cli
from tests.pg import execute, fetch, review, run_sql


def messages(result: Review, kind: str) -> list[str]:
    return [h.message for _, h in result.hazards if h.kind == kind]


async def not_null(dsn: str, table: str, column: str) -> bool:
    [row] = await fetch(
        dsn,
        "SELECT attnotnull FROM pg_attribute WHERE attrelid = $1::regclass AND attname = $2",
        table,
        column,
    )
    return bool(row["attnotnull"])


async def test_a_column_named_with_a_newline_is_counted_and_left_nullable(db: str) -> None:
    await execute(db, "CREATE TABLE t (id int, \"a\nb\" text); INSERT INTO t VALUES (1, NULL), (2, 'x');")
    result = await review(db, 'ALTER TABLE t ALTER COLUMN "a\nb" SET NOT NULL;')
    assert messages(result, "fails-on-existing-data") == [
        "1 row of t has a\nb NULL: SET NOT NULL fails (e.g. ctid (0,1))"
    ]
    assert not await not_null(db, "t", "a\nb")  # the migration's statement did not run


async def test_reserved_word_and_quote_in_column_names_are_counted(db: str) -> None:
    await execute(
        db,
        'CREATE TABLE t (id int, "select" text, "we""ird" text);'
        "INSERT INTO t VALUES (1, 'a', NULL), (2, 'b', 'c'), (3, NULL, NULL);",
    )
    result = await review(db, 'ALTER TABLE t DROP COLUMN "select";\nALTER TABLE t DROP COLUMN "we""ird";')
    losses = messages(result, "data-loss")
    assert len(losses) == 2
    assert "2 non-null values in 3 rows" in losses[0] and "1 non-null value in 3 rows" in losses[1]
    columns = await fetch(
        db, "SELECT attname FROM pg_attribute WHERE attrelid = 't'::regclass AND attnum > 0"
    )
    assert {r["attname"] for r in columns} == {"id", "select", 'we"ird'}  # nothing dropped


async def test_a_table_named_with_a_dot_and_capitals_is_looked_up_as_one_name(db: str) -> None:
    await execute(
        db,
        'CREATE SCHEMA app; CREATE TABLE app."Or.ders" (id int, note text);'
        "CREATE TABLE app.ders (id int, note text);"  # what a split at the dot would find instead
        'INSERT INTO app."Or.ders" VALUES (1, NULL), (2, NULL);',
    )
    result = await review(db, 'ALTER TABLE app."Or.ders" ALTER COLUMN note SET NOT NULL;')
    assert messages(result, "fails-on-existing-data") == [
        '2 rows of app."Or.ders" have note NULL: SET NOT NULL fails (e.g. ctid (0,1))'
    ]
    assert not await not_null(db, 'app."Or.ders"', "note")


async def test_a_check_that_writes_writes_nothing_during_the_review(db: str) -> None:
    await execute(
        db,
        "CREATE TABLE t (id int); INSERT INTO t VALUES (1), (2);"
        "CREATE TABLE audit (n int);"
        "CREATE FUNCTION noisy(int) RETURNS boolean LANGUAGE plpgsql AS "
        "$$BEGIN INSERT INTO audit VALUES ($1); RETURN true; END$$;",
    )
    result = await review(db, "ALTER TABLE t ADD CONSTRAINT c CHECK (noisy(id));")
    assert "access-exclusive-lock" in {h.kind for _, h in result.hazards}  # reviewed: the lock is said
    assert await fetch(db, "SELECT * FROM audit") == []  # the check ran read-only: its INSERT was refused
    assert await fetch(db, "SELECT conname FROM pg_constraint WHERE conname = 'c'") == []


def test_a_forged_segment_record_cannot_hide_a_statement_from_the_review(db: str, tmp_path: Path) -> None:
    """Someone who may write the meta schema records segments 1-2 of a migration as committed, with ranges that
    are not how the file is cut and an error written to drive the terminal: the review does not leave the DROP
    TABLE out (migrate would refuse to resume such a record), says why, and prints nothing raw."""
    run_sql(
        db,
        "CREATE TABLE keep (id int); INSERT INTO keep VALUES (1), (2);"
        "CREATE TABLE __dibs_migrations (name text); " + _SEGMENTS_DDL.format(table=SEGMENTS_TABLE) + ";"
        f"INSERT INTO {SEGMENTS_TABLE} (migration, segment, segments, checksum, first_statement, last_statement, "
        "first_line, last_line, outcome, error) VALUES "
        "('20260101000000_m', 1, 3, 'x', 1, 1, 1, 1, 'committed', NULL), "
        "('20260101000000_m', 2, 3, 'x', 2, 9, 2, 9, 'committed', NULL), "
        "('20260101000000_m', 3, 3, 'x', 10, 10, 10, 10, 'failed', E'\\x1b[2Jgone');",
    )
    folder = tmp_path / "migrations"
    folder.mkdir()
    path = folder / "20260101000000_m.sql"
    path.write_text("DROP TABLE keep;\nCREATE INDEX CONCURRENTLY k ON t (v);\nSELECT 1;\n")
    done = run_cli("review", str(path), db, "--no-trace")
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    assert "migrate refuses to resume it" in done.stdout and "reviewed whole" in done.stdout, done.stdout
    assert f"{path}:1: DROP TABLE keep" in done.stdout and "drops keep and its 2 rows" in done.stdout
    assert "\x1b" not in done.stdout + done.stderr
    assert len(asyncio.run(fetch(db, "SELECT * FROM keep"))) == 2


async def test_an_inheritance_child_named_with_a_newline_is_named_escaped(db: str) -> None:
    await execute(
        db,
        'CREATE TABLE p (id int); CREATE TABLE "c\n""1" () INHERITS (p); INSERT INTO "c\n""1" VALUES (5), (6);',
    )
    result = await review(db, "TRUNCATE p;\nDELETE FROM p WHERE id > 5;")
    emptied, deleted = messages(result, "data-loss")
    assert "2 rows of its own" not in emptied and 'public."c\\n""1" (2 rows)' in emptied, emptied
    assert deleted.endswith('(e.g. ctid (0,2) in public."c\\n""1")'), deleted
    assert "\n" not in emptied + deleted
    assert len(await fetch(db, "SELECT * FROM p")) == 2  # the migration's statements did not run


async def test_a_type_named_with_a_quote_and_a_newline_is_resolved_as_one_name(db: str) -> None:
    """The rules read the written type through the server (to_regtype, a parameter): an alias of the column's
    own type, spelled with a quote and a newline, is the same type, and the table is not said rewritten."""
    await execute(
        db, 'CREATE TABLE t (id int, v text); INSERT INTO t VALUES (1, \'a\'); CREATE SCHEMA "s\n""x";'
    )
    result = await review(db, 'ALTER TABLE t ALTER COLUMN v TYPE pg_catalog."text";')
    assert "table-rewrite" not in {h.kind for _, h in result.hazards}, result.to_text()
    odd = await review(
        db, 'ALTER TABLE t ALTER COLUMN v TYPE "s\n""x".nope;'
    )  # no such type: said, not raised
    assert "table-rewrite" in {h.kind for _, h in odd.hazards}, odd.to_text()
    assert await fetch(db, "SELECT v FROM t") == [("a",)]


async def test_a_type_dropped_with_cascade_named_with_a_quote_and_newline_is_looked_up_as_one_name(
    db: str,
) -> None:
    """The type's name from the file reaches the server quoted, as one name; the columns it drops are said with
    their names escaped; nothing is dropped by the review."""
    await execute(
        db,
        'CREATE SCHEMA "s.x"; CREATE TYPE "s.x"."mo""od\n" AS ENUM (\'ok\'); CREATE TYPE mood AS ENUM (\'ok\');'
        'CREATE TABLE t (id int, "a\nb" "s.x"."mo""od\n", plain mood); INSERT INTO t VALUES (1, \'ok\', \'ok\');',
    )
    result = await review(db, 'DROP TYPE "s.x"."mo""od\n" CASCADE;')
    assert [m.split(" (")[0] for m in messages(result, "data-loss")] == [
        "the CASCADE also drops column a\\nb of table public.t"
    ], result.to_text()
    assert len(await fetch(db, 'SELECT "a\nb", plain FROM t')) == 1


def test_a_publication_and_a_table_named_to_forge_lines_are_said_escaped(db: str, tmp_path: Path) -> None:
    """The replica identity check (core/review/replica_identity.py) names a publication from the statement and
    a table from the catalog: a newline or an escape in either reaches the terminal escaped, on the hazard's
    own line, and neither the publication nor anything else of the migration exists afterwards."""
    run_sql(
        db,
        'CREATE TABLE "t\n    ! data-loss (observed): forged" (a int); INSERT INTO "t\n    ! data-loss (observed): forged" VALUES (1);',
    )
    migration = tmp_path / "m.sql"
    migration.write_text(
        'CREATE PUBLICATION "p\x1b[31m" FOR TABLE "t\n    ! data-loss (observed): forged";\n'
    )
    done = run_cli("review", str(migration), db)
    lines = [line for line in done.stdout.splitlines() if "replica identity" in line]
    assert len(lines) == 1 and "\x1b" not in done.stdout
    assert "p\\x1b[31m" in lines[0] and '"t\\n    ! data-loss (observed): forged"' in lines[0]
    assert not any(line.lstrip().startswith("! data-loss") for line in done.stdout.splitlines())
    assert asyncio.run(fetch(db, "SELECT pubname FROM pg_publication")) == []
