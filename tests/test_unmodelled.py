"""Kinds the model does not know are counted per place, reported by diff and check, and fail check when the
two sides hold different ones: never silently left out."""

from __future__ import annotations

import json
from pathlib import Path

import asyncpg

from dibs_tui.core.introspect.read import introspect
from tests.cli_in_process import run_cli as dibs
from tests.pg import execute, run_sql

# One object of several unmodelled kinds, and what must not count: an extension's members, the implicit
# multirange and its cast made with a range type, a view's own rewrite rule, the kinds the model knows.
_UNMODELLED = """
CREATE TABLE t (a int, b int);
CREATE VIEW v AS SELECT * FROM t;
CREATE RULE t_nothing AS ON DELETE TO t DO INSTEAD NOTHING;
CREATE TEXT SEARCH CONFIGURATION english2 (COPY = english);
CREATE TEXT SEARCH TEMPLATE simple2 (INIT = dsimple_init, LEXIZE = dsimple_lexize);
CREATE TYPE pair AS (x int, y int);
CREATE TYPE span AS RANGE (subtype = int4);
CREATE FUNCTION same(int, int) RETURNS boolean LANGUAGE sql AS 'SELECT $1 = $2';
CREATE OPERATOR === (leftarg = int, rightarg = int, function = same);
CREATE OPERATOR !== (leftarg = int, rightarg = int, function = same);
CREATE CAST (pair AS text) WITH INOUT;
CREATE FOREIGN DATA WRAPPER nothing_wrapper;
CREATE EXTENSION hstore;
"""

_SAME = "CREATE FUNCTION same(int, int) RETURNS boolean LANGUAGE sql IMMUTABLE AS 'SELECT $1 = $2';"
_OPERATOR = "CREATE OPERATOR {} (leftarg = int, rightarg = int, function = same);"


async def test_unmodelled_kinds_are_counted_per_place(db: str) -> None:
    await execute(db, _UNMODELLED)
    conn = await asyncpg.connect(db)
    try:
        catalog = await introspect(conn)
    finally:
        await conn.close()
    counted = {(u.kind, u.schema, u.relation): u.count for u in catalog.unmodelled}
    assert counted == {
        ("text search template", "public", ""): 1,  # a superuser's C functions: not modelled
        ("operator", "public", ""): 2,
        ("cast", "", ""): 1,  # pair -> text; not the range's implicit cast, not hstore's
    }
    template = next(u for u in catalog.unmodelled if u.kind == "text search template")
    assert str(template) == "1 text search template in public"
    # Modelled kinds are not counted: the rule, the wrapper and the configuration are objects of the model.
    assert {(o.kind, o.name) for o in catalog.objects} == {
        ("rule", "t_nothing"),
        ("foreign data wrapper", "nothing_wrapper"),
        ("text search configuration", "english2"),
    }


async def test_unmodelled_kinds_in_excluded_schemas_are_not_counted(db: str) -> None:
    await execute(
        db,
        "CREATE SCHEMA other; CREATE FUNCTION other.same(int, int) RETURNS boolean LANGUAGE sql AS 'SELECT true';"
        "CREATE OPERATOR other.=== (leftarg = int, rightarg = int, function = other.same);",
    )
    conn = await asyncpg.connect(db)
    try:
        assert [u.schema for u in (await introspect(conn)).unmodelled] == ["other"]
        assert (await introspect(conn, exclude_schemas=["other"])).unmodelled == ()
    finally:
        await conn.close()


def test_check_fails_when_an_unmodelled_object_differs(db: str, tmp_path: Path) -> None:
    run_sql(db, f"CREATE TABLE t (a int); {_SAME} {_OPERATOR.format('===')}")
    desired = tmp_path / "schema.sql"
    desired.write_text(
        f"CREATE TABLE t (a int);\n{_SAME}\n{_OPERATOR.format('===')}\n{_OPERATOR.format('!==')}\n"
    )
    check = dibs("check", db, "--desired", str(desired))
    assert check.returncode == 1, check.stdout + check.stderr
    line = "unmodelled: operators in public differ: 1 here, 2 desired (not planned)"
    assert line in check.stdout
    assert "drift: 0 changes in 0 objects, 1 unmodelled difference (" in check.stdout
    diff = dibs("diff", db, "--desired", str(desired), "--format", "json")
    assert diff.returncode == 2, diff.stdout + diff.stderr
    data = json.loads(diff.stdout)
    assert data["in_sync"] is False
    assert data["plan"] == []
    assert data["unmodelled"] == [
        {
            "kind": "operator",
            "schema": "public",
            "relation": "",
            "current": 1,
            "desired": 2,
            "differs": True,
        }
    ]


def test_the_same_unmodelled_objects_on_both_sides_are_reported_and_in_sync(db: str, tmp_path: Path) -> None:
    schema = f"CREATE TABLE t (a int);\n{_SAME}\n{_OPERATOR.format('===')}\n"
    run_sql(db, schema)
    desired = tmp_path / "schema.sql"
    desired.write_text(schema)
    check = dibs("check", db, "--desired", str(desired))
    assert check.returncode == 0, check.stdout + check.stderr
    assert (
        "unmodelled: 1 operator in public (the same names on both sides; not compared further)"
        in check.stdout
    )
    assert "in sync" in check.stdout


def test_an_unmodelled_object_renamed_differs_with_equal_counts(db: str, tmp_path: Path) -> None:
    run_sql(db, f"{_SAME} {_OPERATOR.format('===')}")
    desired = tmp_path / "schema.sql"
    desired.write_text(f"{_SAME}\n{_OPERATOR.format('!==')}\n")
    check = dibs("check", db, "--desired", str(desired))
    assert check.returncode == 1, check.stdout + check.stderr
    assert "operators in public differ: 1 here, 1 desired" in check.stdout
