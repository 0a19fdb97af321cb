"""Hostile names through the JSON and text output of `uses`, `path` and `lint`: a name holding OSC 52, CSI, a
C1 control, BEL and a bidi override reaches the terminal escaped in text, and in JSON as `\\u` escapes, so
the JSON stays valid and gives the name back exactly. What did not run: a function of the database that
the objects name (a view and a PL/pgSQL body call it) is never called by a read."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from dibs_tui.cli import main
from dibs_tui.core.sql import quote_ident
from tests.hostile.test_output import assert_terminal_safe
from tests.pg import fetch, run_sql

TABLE = "t\x1b]52;c;ZXZpbA==\x07\x1b[2J\u202eevil\x9b"
COLUMN = "c\x1b[31mred\u2066"
OTHER = "o\x9b2J\u202e"


@pytest.fixture
def hostile(db: str) -> str:
    q = quote_ident
    run_sql(
        db,
        f"""
CREATE TABLE ran (what text);
CREATE FUNCTION public.mark() RETURNS int LANGUAGE sql AS $$ INSERT INTO ran VALUES ('mark') RETURNING 1 $$;
CREATE TABLE {q(TABLE)} (id int PRIMARY KEY, {q(COLUMN)} int);
CREATE TABLE {q(OTHER)} (id int PRIMARY KEY, t_id int REFERENCES {q(TABLE)} (id));
CREATE VIEW v AS SELECT {q(COLUMN)}, public.mark() AS m FROM {q(TABLE)};
CREATE FUNCTION reads() RETURNS int LANGUAGE plpgsql AS $f$
BEGIN PERFORM public.mark(); RETURN (SELECT count({q(COLUMN)}) FROM {q(TABLE)}); END $f$;
""",
    )
    return db


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    assert_terminal_safe(out.encode(), f"stdout of {args[0]}")
    assert_terminal_safe(err.encode(), f"stderr of {args[0]}")
    return code, out


def _nothing_ran(dsn: str) -> None:
    assert asyncio.run(fetch(dsn, "SELECT count(*) FROM ran"))[0][0] == 0, "a function of the database ran"


def _objects(node: dict[str, Any]) -> list[str]:
    return [node["object"], *(o for child in node["children"] for o in _objects(child))]


def test_uses_json_and_text_of_a_hostile_table_and_column(
    hostile: str, capsys: pytest.CaptureFixture[str]
) -> None:
    spelled = f'public."{TABLE}"."{COLUMN}"'  # as typed in a shell
    code, out = _run(capsys, "uses", spelled, hostile, "--format", "json")
    assert code == 0
    tree = json.loads(out)  # valid JSON although the names hold C1 and bidi characters
    assert (tree["name"], tree["sub"]) == (TABLE, COLUMN)
    assert "public.v" in _objects(tree)
    code, out = _run(capsys, "uses", f'public."{TABLE}"', hostile)
    assert code == 0
    assert "\\x1b]52;c;ZXZpbA==\\x07\\x1b[2J\\u202eevil\\x9b" in out  # there, shown inert
    assert "view public.v" in out and "function public.reads()" in out
    _nothing_ran(hostile)


def test_path_json_and_text_between_hostile_tables(hostile: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = _run(capsys, "path", f'"{OTHER}"', f'"{TABLE}"', hostile, "--format", "json")
    assert code == 0
    (first,) = json.loads(out)
    assert first["tables"] == [f"public.{OTHER}", f"public.{TABLE}"]
    assert asyncio.run(fetch(hostile, first["sql"])) == []  # the SQL runs as printed (no rows in either)
    code, out = _run(capsys, "path", f'"{OTHER}"', f'"{TABLE}"', hostile)
    assert code == 0
    assert "public.o\\x9b2J\\u202e -> public.t\\x1b]52" in out
    _nothing_ran(hostile)


def test_lint_json_and_text_of_hostile_findings(hostile: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = _run(capsys, "lint", hostile, "--format", "json", "--fail-on", "error")
    assert code == 0
    report = json.loads(out)
    objects = {(f["check"], f["object"]) for f in report["findings"]}
    assert ("fk-without-index", f"public.{OTHER}.{OTHER}_t_id_fkey") in objects
    assert ("undocumented", f"public.{TABLE}") in objects
    assert f"public.{TABLE}" in {t["table"] for t in report["doc_coverage"]["tables"]}
    code, out = _run(capsys, "lint", hostile, "--fail-on", "error")
    assert code == 0
    assert "undocumented  public.t\\x1b]52;c;ZXZpbA==\\x07\\x1b[2J\\u202eevil\\x9b" in out
    _nothing_ran(hostile)
