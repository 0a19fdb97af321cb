"""Hostile input against the health checks and their written fixes: a function body of 1 MB, names holding
terminal escapes and newlines, and search_path settings (and schema names) built to break out of the fix's
SQL. Each test says what was still found, that nothing raw reached the terminal or the migration file, and
that nothing but the fix ran."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path

from tests.pg import fetch, run_sql

DIBS = Path(sys.executable).parent / "dibs-tui"
RAW = ("\x1b", "\x07", "\x9b", "\u202e")


def cli(*args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([DIBS, *args], capture_output=True, stdin=subprocess.DEVNULL, timeout=300)


def _findings(out: bytes) -> dict[tuple[str, str], dict[str, object]]:
    return {(f["check"], f["object"]): f for f in json.loads(out)["findings"]}


def _tables(db: str) -> set[str]:
    rows = asyncio.run(fetch(db, "SELECT relname::text AS n FROM pg_class WHERE relkind = 'r'"))
    return {r["n"] for r in rows}


def test_a_function_body_of_one_megabyte(db: str) -> None:
    """lint still reports the function and `uses` still finds the table named at the body's very end."""
    filler = "    PERFORM 1;\n" * 70_000  # 1 MB of statements
    run_sql(
        db,
        "CREATE TABLE target (id int PRIMARY KEY);\n"
        "CREATE FUNCTION huge() RETURNS void LANGUAGE plpgsql SECURITY DEFINER AS $$\nBEGIN\n"
        + filler
        + "    PERFORM count(*) FROM target;\nEND $$;",
    )
    lint = cli("lint", db, "--format", "json", "--fail-on", "error")
    assert lint.returncode == 1, lint.stderr
    assert ("security-definer-search-path", "public.huge()") in _findings(lint.stdout)
    uses = cli("uses", "public.target", db, "--format", "json")
    assert uses.returncode == 0, uses.stderr
    body = json.loads(uses.stdout)["children"]
    assert [(n["object"], n["found_in_body"]) for n in body] == [("public.huge()", True)]


ESCAPED = 'bad\x1b[2J\nname\u202e"'


def test_names_with_escapes_reach_neither_terminal_nor_file_raw(db: str, tmp_path: Path) -> None:
    """The fix names the table and index with U&"..." escapes, the report shows them escaped, and the
    written migration runs: the index is there, under its exact name."""
    quoted = ESCAPED.replace('"', '""')
    run_sql(
        db,
        f'CREATE TABLE parent (id int PRIMARY KEY);\nCREATE TABLE "{quoted}" (id int PRIMARY KEY, '
        f'"{quoted}" int REFERENCES parent);\nCREATE TABLE victim (id int);',
    )
    folder = tmp_path / "migrations"
    lint = cli(
        "lint", db, "--fail-on", "warning", "--only", "fk-without-index", "--write-fixes",
        "--migrations", str(folder),
    )  # fmt: skip
    assert lint.returncode == 1, lint.stderr
    text = lint.stdout.decode()
    assert "fk-without-index" in text and not any(c in text + lint.stderr.decode() for c in RAW)
    (migration,) = folder.glob("*.sql")
    written = migration.read_text()
    assert not any(c in written for c in RAW) and 'U&"' in written
    applied = cli("migrate", db, "--migrations", str(folder), "--yes", "--no-prove")
    assert applied.returncode == 0, applied.stderr
    rows = asyncio.run(fetch(db, "SELECT relname::text AS n FROM pg_class WHERE relkind = 'i'"))
    assert f"{ESCAPED}_{ESCAPED}_idx" in {r["n"] for r in rows}
    assert "victim" in _tables(db) and ESCAPED in _tables(db)


def test_search_path_settings_cannot_break_out_of_the_fix(db: str, tmp_path: Path) -> None:
    """A search_path value holding quotes and `; DROP TABLE`, and a PUBLIC-writable schema named likewise:
    the fix quotes every name, so applying it runs one ALTER FUNCTION each and drops nothing."""
    run_sql(
        db,
        """
        CREATE TABLE victim (id int);
        CREATE SCHEMA "open; DROP TABLE victim; --";
        GRANT CREATE ON SCHEMA "open; DROP TABLE victim; --" TO PUBLIC;
        CREATE FUNCTION quoted_path() RETURNS int LANGUAGE sql SECURITY DEFINER
            SET search_path = 'app", pg_temp; DROP TABLE victim; --' AS 'SELECT 1';
        CREATE FUNCTION writable_path() RETURNS int LANGUAGE sql SECURITY DEFINER
            SET search_path = "open; DROP TABLE victim; --", pg_temp AS 'SELECT 1';
        """,
    )
    folder = tmp_path / "migrations"
    lint = cli(
        "lint", db, "--format", "json", "--fail-on", "warning", "--only", "security-definer-search-path",
        "--write-fixes", "--migrations", str(folder),
    )  # fmt: skip
    found = _findings(lint.stdout)
    assert found[("security-definer-search-path", "public.writable_path()")]["level"] == "error"
    assert found[("security-definer-search-path", "public.quoted_path()")]["fix"] == (
        'ALTER FUNCTION public.quoted_path() SET search_path = "app"", pg_temp; DROP TABLE victim; --", pg_temp;'
    )
    applied = cli("migrate", db, "--migrations", str(folder), "--yes", "--no-prove")
    assert applied.returncode == 0, applied.stderr
    assert "victim" in _tables(db)
    rows = asyncio.run(
        fetch(
            db,
            "SELECT proname::text AS n, proconfig AS c FROM pg_proc WHERE pronamespace = 'public'::regnamespace",
        )
    )
    assert {r["n"]: r["c"] for r in rows} == {
        "quoted_path": ['search_path="app"", pg_temp; DROP TABLE victim; --", pg_temp'],
        "writable_path": ["search_path=pg_temp"],
    }
    again = cli("lint", db, "--format", "json", "--only", "security-definer-search-path")
    assert _findings(again.stdout) == {}
