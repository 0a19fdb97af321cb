"""Hostile history rows against `dibs-tui history`: terminal escapes, OSC 52 and bidi overrides in migration and
table names reach the terminal escaped; a `__dibs_migrations` that is a view over a trap, or a table of
another owner whose row-level policy calls one, runs nothing of theirs. Each trap is sprung at the end by the
test itself, so that no test passes for want of a working trap."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import asyncpg
import pytest

from dibs_tui.cli import main
from dibs_tui.core.meta import meta_tables_ddl
from tests.hostile import test_catalog
from tests.pg import execute, run_sql

_as = test_catalog._as
role = test_catalog.role  # fixtures shared with the catalog's hostile tests
trap_file = test_catalog.trap_file

ESC_NAME = "m1_\x1b]52;c;ZXZpbA==\x07\x1b[2J\u202eevil\x9b"
TABLE = "t\x1b[31mred\u202e"

# A function that, when anything calls it, runs a program with the caller's rights, shaped like a history row
# (the program reads what COPY sends: one that exits first breaks the pipe and fails the COPY).
MIGRATION_TRAP = """
CREATE FUNCTION public.trap_m() RETURNS TABLE (name text, tables_created text[])
LANGUAGE plpgsql AS $f$
BEGIN
  EXECUTE pg_catalog.format('COPY (SELECT 1) TO PROGRAM %L', 'cat >/dev/null; touch {file}');
  RETURN QUERY SELECT 'evil_migration'::text, ARRAY['users']::text[];
END $f$;
"""


def _history(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["history", *args])
    out, err = capsys.readouterr()
    return code, out, err


def _no_controls(text: str) -> None:
    assert not any(c in text for c in ("\x1b", "\x07", "\x9b", "\u202e")), repr(text)


def test_escapes_in_migration_and_table_names_reach_the_terminal_escaped(
    db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    run_sql(db, f'CREATE TABLE public."{TABLE}" (id int);' + meta_tables_ddl())
    run_sql(
        db,
        "INSERT INTO __dibs_migrations (name, tables_created, tables_modified) VALUES "
        f"($e${ESC_NAME}$e$, ARRAY[$e${TABLE}$e$], ARRAY[$e$gone\x1b[5m$e$]);"
        "INSERT INTO __dibs_tables (table_name, source_file, source_line, created_by_migration) "
        f"VALUES ($e${TABLE}$e$, 'x.sql', 1, $e${ESC_NAME}$e$);",
    )
    code, out, err = _history(capsys, f"public.{TABLE}", db)
    assert code == 0, err
    _no_controls(out + err)
    assert "m1_\\x1b]52;c;ZXZpbA==\\x07\\x1b[2J\\u202eevil\\x9b" in out  # the name is there, shown inert
    code, out, err = _history(capsys, "--migration", ESC_NAME, db)
    assert code == 0, err
    _no_controls(out + err)
    assert "table public.gone\\x1b[5m  (gone)" in out
    code, out, err = _history(capsys, "--migration", ESC_NAME, db, "--format", "json")
    _no_controls(out + err)
    assert json.loads(out)["name"] == ESC_NAME  # valid JSON that gives the name back, nothing raw on the way
    code, out, err = _history(capsys, "--migration", ESC_NAME + "x", db)
    assert code == 2
    _no_controls(out + err)


def test_history_view_over_a_trap_is_never_read(
    db: str, trap_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run_sql(
        db,
        "CREATE TABLE public.users (id int);"
        + MIGRATION_TRAP.format(file=trap_file)
        + "CREATE VIEW public.__dibs_migrations AS SELECT * FROM public.trap_m();",
    )
    code, out, err = _history(capsys, "public.users", db)
    assert code == 0, err
    assert not trap_file.exists()
    assert "evil_migration" not in out
    assert "public.__dibs_migrations is a view, not a table: ignored" in out
    code, _, err = _history(capsys, "--migration", "evil_migration", db)
    assert code == 2 and not trap_file.exists()
    run_sql(db, "SELECT * FROM public.__dibs_migrations")  # the trap is live
    assert trap_file.exists()


def test_history_table_of_another_owner_with_a_policy_trap_runs_nothing(
    db: str, trap_file: Path, role: Callable[[str], str], capsys: pytest.CaptureFixture[str]
) -> None:
    owner, reader = role(db), role(db)
    run_sql(
        db,
        "CREATE TABLE public.users (id int);"
        + meta_tables_ddl()
        + "INSERT INTO __dibs_migrations (name, tables_created) VALUES ('m1', ARRAY['users']);"
        + MIGRATION_TRAP.format(file=trap_file)
        + "CREATE FUNCTION public.spy(text) RETURNS boolean LANGUAGE sql AS "
        "'SELECT count(*) > 0 FROM public.trap_m()';" + f"ALTER TABLE __dibs_migrations OWNER TO {owner};"
        "ALTER TABLE __dibs_migrations ENABLE ROW LEVEL SECURITY;"
        "CREATE POLICY peek ON __dibs_migrations USING (public.spy(name));"
        f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {reader};"
        f"GRANT EXECUTE ON FUNCTION public.trap_m(), public.spy(text) TO {reader};",
    )
    code, out, err = _history(capsys, "public.users", _as(db, reader))
    assert code == 0, err
    assert not trap_file.exists()
    assert "m1" not in out.split("note:")[0]  # the rows behind the policy are not shown ...
    assert "public.__dibs_migrations: query would be affected by row-level security policy" in out  # ... said
    with pytest.raises(asyncpg.PostgresError):  # the policy is live for an ordinary session (as superuser
        run_sql(_as(db, reader), "SELECT * FROM public.__dibs_migrations")  # COPY TO PROGRAM is refused)
    assert not trap_file.exists()
    run_sql(db, "SET ROLE NONE; SELECT public.spy('x')")  # the superuser springs it
    assert trap_file.exists()


async def test_escapes_in_history_rows_reach_the_screen_escaped(db: str, tmp_path: Path) -> None:
    from textual.widgets import OptionList

    from dibs_tui.config import Settings
    from dibs_tui.core.connect import resolve
    from dibs_tui.ui.app import DibsApp
    from dibs_tui.ui.migration_touched import TouchedList
    from tests.test_ui_snapshots import loaded, until

    await execute(db, f'CREATE TABLE public."{TABLE}" (id int);' + meta_tables_ddl())
    await execute(
        db,
        "INSERT INTO __dibs_migrations (name, tables_created) VALUES "
        f"($e${ESC_NAME}$e$, ARRAY[$e${TABLE}$e$]);"
        "INSERT INTO __dibs_tables (table_name, source_file, source_line, created_by_migration) "
        f"VALUES ($e${TABLE}$e$, 'x.sql', 1, $e${ESC_NAME}$e$);",
    )
    app = DibsApp(resolve(db), Settings(project_root=tmp_path), header_label="t")
    async with app.run_test(size=(120, 36)) as pilot:
        await loaded(pilot)
        app.go_to("public", TABLE)
        await pilot.pause()
        await pilot.press("M")
        await until(pilot, lambda: app.focused is app.details)
        lines = [line.content.plain for line in app.details.lines]
        _no_controls("\n".join(lines))
        line = app.details.current()
        assert line is not None and line.migration == ESC_NAME  # kept whole to find it, shown inert
        assert "\\x1b]52;c;ZXZpbA==\\x07" in line.content.plain
        await pilot.press("enter")
        touched = app.query_one(TouchedList)
        await until(pilot, lambda: touched.option_count == 1)
        options = app.query_one("#migrations-list", OptionList)
        prompts = [str(o.prompt) for o in (*options.options, *touched.options)]
        _no_controls("\n".join(prompts))
        assert any("public.t\\x1b[31mred\\u202e" in p for p in prompts)


def test_a_newline_in_a_recorded_migration_or_file_name_starts_no_line(
    db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """The meta rows are the database's: a migration, a source file and a dropped table recorded with a
    newline in their names are said on their lines by `history`, for the table and for the migration."""
    forged = "\nFORGED line"
    name = "m1" + forged
    run_sql(db, "CREATE TABLE public.t (id int);" + meta_tables_ddl())
    run_sql(
        db,
        "INSERT INTO __dibs_migrations (name, tables_created, tables_modified) VALUES "
        f"($e${name}$e$, ARRAY['t'], ARRAY[$e$gone{forged}$e$]);"
        "INSERT INTO __dibs_tables (table_name, source_file, source_line, created_by_migration) "
        f"VALUES ('t', $e$x{forged}.sql$e$, 1, $e${name}$e$);",
    )
    for args in (("public.t", db), ("--migration", name, db)):
        code, out, err = _history(capsys, *args)
        assert code == 0, err
        assert [line for line in (out + err).splitlines() if line.lstrip().startswith("FORGED")] == [], out
        assert "m1\\nFORGED line" in out, out
