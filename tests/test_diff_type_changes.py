"""Column type changes after the plan has run: a shrink never cuts a value short, and generated columns that read
a retyped column come back computed from the new type, with their index and the view that reads them."""

from __future__ import annotations

import asyncio
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from dibs_tui.core.diff import diff_catalogs
from dibs_tui.core.plan import Change, PlannedStatement
from tests.apply_project import migrate
from tests.diffcases.harness import apply_plan, converge_dsns, introspect_dsn
from tests.pg import DIBS, fetch, psql_file

CASES = Path(__file__).parent / "diffcases"


def _rows(dsn: str, query: str) -> list[tuple[object, ...]]:
    return [tuple(r) for r in asyncio.run(fetch(dsn, query))]


def _plan(current: str, desired: str) -> tuple[PlannedStatement, ...]:
    async def plan() -> tuple[PlannedStatement, ...]:
        return diff_catalogs(await introspect_dsn(current), await introspect_dsn(desired))[1]

    return asyncio.run(plan())


def test_a_value_too_long_for_the_new_type_fails_the_step_and_stays_whole(
    new_database: Callable[[], str],
) -> None:
    current, desired = new_database(), new_database()
    psql_file(current, "current", text="create table t (code text, flags bit varying(16), tag varchar(9)[]);")
    psql_file(
        current,
        "rows",
        text="insert into t values ('ABCDEFGHIJ', B'1010101010', '{abcdefghi}'), ('ok', B'1', '{ok}');",
    )
    psql_file(
        desired, "desired", text="create table t (code varchar(4), flags bit varying(4), tag varchar(3)[]);"
    )
    plan = _plan(current, desired)
    assert len(plan) == 3
    for statement in plan:
        with pytest.raises(AssertionError, match=r"value too long|bit string too long"):
            asyncio.run(apply_plan(current, [statement]))
    assert _rows(current, "SELECT code, flags::text, tag::text FROM t ORDER BY code") == [
        ("ABCDEFGHIJ", "1010101010", "{abcdefghi}"),
        ("ok", "1", "{ok}"),
    ]


FILES = (
    "SELECT relname::text, relfilenode FROM pg_class WHERE relname IN ('t', 't_email', 't_amount') ORDER BY 1"
)


def test_a_binary_coercible_retype_rewrites_neither_the_table_nor_its_indexes(
    new_database: Callable[[], str],
) -> None:
    """varchar(n) -> text, a longer varchar, numeric(p,s) -> numeric(p2,s) and -> numeric: written without
    USING (which adds nothing there), and the server keeps the table's and the indexes' files."""
    current, desired = new_database(), new_database()
    table = "create table t (id int primary key, email {}, code {}, amount {}, total {});"
    indexes = "create index t_email on t (email); create index t_amount on t (amount);"
    before = ("varchar(50)", "varchar(10)", "numeric(10, 2)", "numeric(10, 2)")
    psql_file(current, "current", text=table.format(*before) + indexes)
    psql_file(current, "rows", text="insert into t values (1, 'a@example.org', 'ab-12', 12.34, 99.5);")
    psql_file(
        desired, "desired", text=table.format("text", "varchar(40)", "numeric(12, 2)", "numeric") + indexes
    )
    files = _rows(current, FILES)
    plan = converge_dsns(current, desired, count_rows=True).plan
    assert [s.sql for s in plan] == [
        f"ALTER TABLE public.t ALTER COLUMN {column} TYPE {kind};"
        for column, kind in (
            ("email", "text"),
            ("code", "character varying(40)"),
            ("amount", "numeric(12,2)"),
            ("total", "numeric"),
        )
    ]
    assert _rows(current, FILES) == files
    assert _rows(current, "SELECT email, code, amount::text, total::text FROM t") == [
        ("a@example.org", "ab-12", "12.34", "99.50")
    ]


def test_generated_columns_around_a_retyped_column_come_back_computed(
    new_database: Callable[[], str],
) -> None:
    current, desired = new_database(), new_database()
    case = CASES / "column_type_under_generated"
    psql_file(current, "current", text=(case / "current.sql").read_text())
    psql_file(
        current, "rows", text="insert into film (id, minutes, title) values (1, 150, 'a'), (2, 60, 'b');"
    )
    psql_file(desired, "desired", text=(case / "desired.sql").read_text())
    converge_dsns(current, desired)
    psql_file(current, "more", text="insert into film (id, minutes, title) values (3, 40000, 'c');")
    assert _rows(current, "SELECT id, minutes, hours::text, label FROM film ORDER BY id") == [
        (1, 150, "2.50", "m150"),
        (2, 60, "1.00", "m60"),
        (3, 40000, "666.67", "m40000"),
    ]
    assert _rows(current, "SELECT id FROM long_films ORDER BY id") == [(1,), (3,)]
    assert _rows(current, "SELECT indexname FROM pg_indexes WHERE tablename = 'film' ORDER BY 1") == [
        ("film_hours",),
        ("film_long",),
        ("film_pkey",),
    ]
    assert _plan(current, desired) == ()


def test_a_generated_migration_that_fails_keeps_the_view_it_would_have_recreated(
    new_database: Callable[[], str], tmp_path: Path
) -> None:
    """The label added outside a transaction runs first: when the shrink then fails on a long value, the rest
    rolls back whole, and the view the plan drops for the type change is still there (before, the drop was
    committed with the statements ahead of ADD VALUE, and the view was gone until a rerun)."""
    db = new_database()
    psql_file(
        db,
        "live",
        text="create type mood as enum ('ok'); create table t (id int primary key, code text, m mood);"
        "create view v as select id, code from t; insert into t values (1, 'far too long', 'ok');",
    )
    desired = tmp_path / "schema.sql"
    desired.write_text(
        "create type mood as enum ('ok', 'great'); create table t (id int primary key, code varchar(4), m mood);"
        "create view v as select id, code from t;"
    )
    folder = tmp_path / "migrations"
    folder.mkdir()
    made = subprocess.run(
        [DIBS, "generate", "shrink", db, "--desired", str(desired), "--migrations", str(folder)],
        capture_output=True,
        text=True,
    )
    # Written, and said to fail on these rows (generate's exit 4): migrate is run anyway, as a user may
    assert made.returncode == 4, made.stderr
    assert "this migration will fail at" in made.stderr and "character varying(4)" in made.stderr
    refused = migrate(db, folder, "--yes")  # the review counts the values too long: not started
    assert refused.returncode == 1 and "fails on what is there now" in refused.stderr, refused.stderr
    ran = migrate(db, folder, "--yes", "--allow-failing")
    assert ran.returncode == 3, ran.stderr  # partially applied: the label only
    assert "value too long for type character varying(4)" in ran.stderr
    assert "segment 1 of 2 (statement 1, line 6) committed; segment 2 (DROP VIEW public.v" in ran.stderr
    assert _rows(db, "SELECT id, code FROM v") == [(1, "far too long")]
    assert _rows(db, "SELECT enum_range(NULL::mood)::text") == [("{ok,great}",)]


def test_a_partition_key_shrunk_below_a_value_fails_and_loses_no_row(
    new_database: Callable[[], str],
) -> None:
    """A retyped partition key goes through DETACH, retype, ATTACH (rekey_partitions): the retype of each
    detached partition follows the same rule as any column's, so a key value too long for varchar(n) fails the
    plan instead of being cut short, which would also have moved the row out of its partition's bound."""
    current, desired = new_database(), new_database()
    psql_file(
        current,
        "current",
        text="create table m (id int, k text not null) partition by list (k);"
        "create table m_long partition of m for values in ('abcdef'); create table m_rest partition of m default;",
    )
    psql_file(current, "rows", text="insert into m values (1, 'abcdef'), (2, 'xy');")
    psql_file(
        desired,
        "desired",
        text="create table m (id int, k varchar(3) not null) partition by list (k);"
        "create table m_long partition of m for values in ('abc'); create table m_rest partition of m default;",
    )
    plan = _plan(current, desired)
    retypes = [s.sql for s in plan if "TYPE character varying(3)" in s.sql]
    assert retypes and all("USING" not in sql for sql in retypes), retypes
    script = (
        "BEGIN;\n" + "\n".join(s.sql for s in plan) + "\nCOMMIT;\n"
    )  # one transaction, as migrate runs it
    ran = psql_file(current, "plan", text=script, stop_on_error=False)
    assert "value too long for type character varying(3)" in ran.stderr
    assert _rows(current, "SELECT tableoid::regclass::text, id, k FROM m ORDER BY id") == [
        ("m_long", 1, "abcdef"),
        ("m_rest", 2, "xy"),
    ]


def test_a_column_of_a_table_whose_row_type_a_column_holds_is_said_not_retyped(
    new_database: Callable[[], str],
) -> None:
    """PostgreSQL refuses to retype a column of a table whose row type another column holds ("cannot alter
    table addr because column person.home uses its row type"), even with no row: the plan said nothing and
    failed there. The retype is now a change said and not planned, naming what holds the row type; the rest
    of the plan (a column added to the table, allowed) applies."""
    current, desired = new_database(), new_database()
    psql_file(
        current,
        "current",
        text="create table addr (street text, zip int); create table person (id int, home addr, old addr[]);"
        "insert into person values (1, row('s', 1), array[row('t', 2)::addr]);",
    )
    psql_file(
        desired,
        "desired",
        text="create table addr (street text, zip text, city text); create table person (id int, home addr, old addr[]);",
    )

    async def diff() -> tuple[tuple[Change, ...], tuple[PlannedStatement, ...]]:
        changes, plan, _ = diff_catalogs(await introspect_dsn(current), await introspect_dsn(desired))
        return changes, plan

    changes, plan = asyncio.run(diff())
    assert [s.sql for s in plan] == ["ALTER TABLE public.addr ADD COLUMN city text;"]
    (said,) = [c for c in changes if not c.planned]
    assert said.detail == (
        "type integer -> text not planned: PostgreSQL cannot retype a column of this table while "
        "public.person.home, public.person.old hold its row type; convert those first (to text and back), by hand"
    )
    asyncio.run(apply_plan(current, plan))
    assert _rows(current, "SELECT home::text, old::text FROM person") == [("(s,1,)", '{"(t,2,)"}')]


def test_a_column_no_cast_nor_its_text_form_converts_is_said_not_retyped(
    new_database: Callable[[], str],
) -> None:
    """An array made a scalar: no cast joins integer[] to integer, and an array's text form is no integer.
    `USING c::integer` failed on any table, rows or not; the retype is now said and not planned."""
    current, desired = new_database(), new_database()
    psql_file(current, "current", text="create table t (id int, c int[]); insert into t values (1, '{1,2}');")
    psql_file(desired, "desired", text="create table t (id int, c int, note text);")

    async def diff() -> tuple[tuple[Change, ...], tuple[PlannedStatement, ...]]:
        changes, plan, _ = diff_catalogs(await introspect_dsn(current), await introspect_dsn(desired))
        return changes, plan

    changes, plan = asyncio.run(diff())
    assert [s.sql for s in plan] == ["ALTER TABLE public.t ADD COLUMN note text;"]
    (said,) = [c for c in changes if not c.planned]
    assert said.detail.startswith("type integer[] -> integer not planned: no cast joins them"), said.detail
    asyncio.run(apply_plan(current, plan))
    assert _rows(current, "SELECT c::text FROM t") == [("{1,2}",)]
