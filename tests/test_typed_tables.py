"""Typed tables (CREATE TABLE ... OF a composite type) as the browser, `schema` and `check` say them; their
plans are convergence cases in tests/diffcases (typed_table_*)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from dibs_tui.cli import main
from tests.diffcases.harness import fingerprint_dsn
from tests.pg import execute, psql_file, run_sql
from tests.test_unmodelled import dibs
from tests.ui_pilot import goto, loaded, make_app, screen_text, wait_for

# A hostile type name: a quote and a newline (written U&"..." by the SQL we print, escaped on a terminal).
TYPED = """
CREATE TYPE "di""ms
x" AS (w int, h int);
CREATE TABLE boxes OF "di""ms
x" (w WITH OPTIONS PRIMARY KEY, h WITH OPTIONS DEFAULT 3 NOT NULL, CHECK (h > 0));
"""


async def test_a_plain_table_where_the_desired_one_is_typed_is_drift_until_made_typed(
    db: str, tmp_path: Path
) -> None:
    """Found by the fuzzer (session 24): a plan made it plain and check said in sync. Now the tie to the type
    is modelled: check says the typed table, and the plan's ALTER TABLE ... OF keeps the rows."""
    await execute(db, "CREATE TYPE dims AS (w int, h int); CREATE TABLE boxes (w int PRIMARY KEY, h int);")
    await execute(db, "INSERT INTO boxes VALUES (1, 2)")
    desired = tmp_path / "schema.sql"
    desired.write_text("CREATE TYPE dims AS (w int, h int);\nCREATE TABLE boxes OF dims (PRIMARY KEY (w));\n")
    check = dibs("check", db, "--desired", str(desired))
    assert check.returncode == 1, check.stdout + check.stderr
    assert "typed table boxes" in check.stdout, check.stdout
    plan = dibs("diff", db, "--desired", str(desired), "--format", "sql")
    assert plan.returncode == 2, plan.stdout + plan.stderr
    assert "ALTER TABLE public.boxes OF public.dims;" in plan.stdout, plan.stdout
    await execute(db, "ALTER TABLE boxes OF dims")
    again = dibs("check", db, "--desired", str(desired))
    assert again.returncode == 0, again.stdout + again.stderr


def test_schema_says_the_type_and_its_sql_makes_the_same_typed_table(
    new_database: Callable[[], str], capsys: pytest.CaptureFixture[str]
) -> None:
    source, target = new_database(), new_database()
    run_sql(source, TYPED)
    assert main(["schema", source, "--sql"]) == 0
    script = capsys.readouterr().out
    assert 'CREATE TABLE public.boxes OF public.U&"di""ms\\000Ax" (\n' in script, script
    assert "    h WITH OPTIONS DEFAULT 3 NOT NULL\n" in script, script
    assert "\nx" not in script  # the newline never raw
    psql_file(target, "schema --sql", text=script)
    assert asyncio.run(fingerprint_dsn(target)).lines == asyncio.run(fingerprint_dsn(source)).lines
    assert main(["schema", source, "--plain"]) == 0
    plain = capsys.readouterr().out
    assert 'Typed table of type: public.di"ms\\nx' in plain, plain


async def test_the_details_say_the_type_and_the_ddl_writes_of(db: str) -> None:
    await execute(db, TYPED)
    app = make_app(db)
    async with app.run_test(size=(120, 40)) as pilot:
        await loaded(pilot)
        await goto(pilot, "boxes")
        view = app.details

        def said() -> list[str]:
            return [line.content.plain for line in view.lines]

        await wait_for(pilot, lambda: any(text.startswith("typed") for text in said()))
        typed = next(text for text in said() if text.startswith("typed"))
        assert typed.split(None, 1)[1].startswith('OF public.di"ms'), typed
        assert "\n" not in typed
        assert any("CREATE TABLE public.boxes OF public." in text for text in said()), said()
        card = screen_text(app)  # the card's facts line says the type, its newline escaped
        assert 'typed table of public.di"ms\\nx' in card, card


def test_an_accepted_rename_of_a_typed_table_s_column_is_refused_and_said(
    db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """ALTER TABLE ... RENAME COLUMN on a typed table fails ("cannot rename column of typed table"): the plan
    failed at its first statement. Its name is the type's attribute's, renamed for every table of the type at
    once: refused with what to do instead, and no rename is suggested for it."""
    run_sql(db, "CREATE TYPE dims AS (w int, h int); CREATE TABLE boxes OF dims;")
    desired = tmp_path / "schema.sql"
    desired.write_text("CREATE TYPE dims AS (w int, height int);\nCREATE TABLE boxes OF dims;\n")
    rename = ["--accept-rename", "boxes.h=boxes.height"]
    assert main(["diff", db, "--desired", str(desired), *rename, "--format", "sql"]) == 1
    out, err = capsys.readouterr()
    assert "public.boxes is a typed table (OF public.dims)" in err and "RENAME" not in out, out + err
    assert "ALTER TYPE ... RENAME ATTRIBUTE" in err
    assert main(["diff", db, "--desired", str(desired), "--format", "json"]) == 2
    assert json.loads(capsys.readouterr().out)["renames"] == []
