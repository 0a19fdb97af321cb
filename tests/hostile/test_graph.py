"""Hostile shapes against the plan's dependency graph: rings and towers of dependencies, under names built to
break quoting, dropped for real. Each test applies the plan, asserts the kept table's rows are all there and
that nothing outside what was meant to go went; the last shows a cycle no move breaks is refused by name
before any statement exists to run.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest

from dibs_tui.core.bodies import BodyNames, body_names
from dibs_tui.core.diff import diff_catalogs
from dibs_tui.core.errors import PlanCycleError
from dibs_tui.core.model import Catalog, Dependency, Function, ObjectRef
from dibs_tui.core.sql import quote_ident
from tests.diffcases.harness import converge_dsns
from tests.pg import fetch, run_sql

KEEP = (
    "CREATE TABLE public.keep (id int PRIMARY KEY);\nINSERT INTO public.keep SELECT generate_series(1, 50);\n"
)
NASTY = 'x"; DROP TABLE public.keep; --\n\x1b[2J'


def _kept_rows(dsn: str) -> int:
    return int(asyncio.run(fetch(dsn, "SELECT count(*) AS n FROM public.keep"))[0]["n"])


def _tables(dsn: str) -> set[str]:
    rows = asyncio.run(
        fetch(
            dsn,
            "SELECT relname::text AS n FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind IN ('r', 'v', 'p')",
        )
    )
    return {r["n"] for r in rows}


def _drop_all_but_keep(new_database: Callable[[], str], current: str) -> str:
    a, b = new_database(), new_database()
    run_sql(a, KEEP + current)
    run_sql(b, KEEP)
    converge_dsns(a, b)
    return a


def test_a_ring_of_foreign_keys_under_hostile_names_is_dropped_whole(new_database: Callable[[], str]) -> None:
    """30 tables, each referencing the next, the last the first: no table can go first until the ring is cut."""
    names = [quote_ident(f"{NASTY}{i}") for i in range(30)]
    sql = "".join(f"CREATE TABLE {n} (id int PRIMARY KEY, next_id int);\n" for n in names)
    sql += "".join(
        f"ALTER TABLE {n} ADD FOREIGN KEY (next_id) REFERENCES {names[(i + 1) % len(names)]};\n"
        for i, n in enumerate(names)
    )
    a = _drop_all_but_keep(new_database, sql)
    assert _kept_rows(a) == 50
    assert _tables(a) == {"keep"}


def test_a_tower_of_views_over_a_kept_table_is_dropped_top_down(new_database: Callable[[], str]) -> None:
    """200 views, each reading the one below, the lowest reading the kept table: dropped without recursion
    limits, the table and its rows untouched."""
    names = [quote_ident(f"{NASTY}v{i}") for i in range(200)]
    sql = f"CREATE VIEW {names[0]} AS SELECT id FROM public.keep;\n"
    sql += "".join(
        f"CREATE VIEW {names[i]} AS SELECT id FROM {names[i - 1]};\n" for i in range(1, len(names))
    )
    a = _drop_all_but_keep(new_database, sql)
    assert _kept_rows(a) == 50
    assert _tables(a) == {"keep"}


def test_a_policy_reading_a_view_over_its_own_table_is_dropped_first(new_database: Callable[[], str]) -> None:
    """The view reads the table, the table's policy reads the view: the policy is cut first, then both go."""
    table, view, policy = quote_ident(NASTY + "t"), quote_ident(NASTY + "v"), quote_ident(NASTY + "p")
    sql = (
        f"CREATE TABLE {table} (id int PRIMARY KEY, owner text);\n"
        f"CREATE VIEW {view} AS SELECT id FROM {table} WHERE owner = current_user;\n"
        f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY;\n"
        f"CREATE POLICY {policy} ON {table} USING (id IN (SELECT id FROM {view}));\n"
    )
    a = _drop_all_but_keep(new_database, sql)
    assert _kept_rows(a) == 50
    assert _tables(a) == {"keep"}


def test_a_cycle_no_move_breaks_is_refused_by_name_with_no_plan() -> None:
    """Two functions each recorded as depending on the other (a catalog no move can order): the planner raises
    an error naming both, hostile names verbatim for the terminal's escaping layer, and returns no plan."""
    f = Function("public", NASTY + "f", "", "integer", "sql", definition="CREATE FUNCTION f() ...")
    g = Function("public", "g", "", "integer", "sql", definition="CREATE FUNCTION g() ...")
    fref, gref = ObjectRef("function", "public", f.name), ObjectRef("function", "public", "g")
    current = Catalog(functions=(f, g), dependencies=(Dependency(fref, gref), Dependency(gref, fref)))
    with pytest.raises(PlanCycleError) as caught:
        diff_catalogs(current, Catalog())
    message = caught.value.message
    assert f"function public.{NASTY}f()" in message and "function public.g()" in message


def _plpgsql(name: str, body: str) -> Function:
    definition = (
        f"CREATE OR REPLACE FUNCTION public.{quote_ident(name)}() RETURNS integer LANGUAGE plpgsql "
        f"AS $function$\n{body}\n$function$"
    )
    return Function("public", name, "", "integer", "plpgsql", definition=definition)


def test_a_body_naming_a_hostile_quoted_table_waits_for_its_create(new_database: Callable[[], str]) -> None:
    """The function's %ROWTYPE names a table whose name is built to break quoting (and to split at its dot:
    the server takes no newline or escape there), created in the same plan: the function is created (and
    validated) after it, nothing else is touched, the kept rows stay."""
    name = 'x"; DROP TABLE public.keep; --.a%audit'
    table = quote_ident(name)
    desired = (
        f"CREATE TABLE {table} (id int);\n"
        f"CREATE FUNCTION public.{quote_ident(NASTY + 'f')}() RETURNS int LANGUAGE plpgsql AS $$\n"
        f"DECLARE r {table}%ROWTYPE;\nBEGIN INSERT INTO {table} VALUES (1); RETURN r.id; END $$;\n"
    )
    a, b = new_database(), new_database()
    run_sql(a, KEEP)
    run_sql(b, KEEP + desired)
    converge_dsns(a, b)
    assert _kept_rows(a) == 50
    assert _tables(a) == {"keep", name}


def test_a_megabyte_of_nested_blocks_is_read_without_recursion() -> None:
    """80,000 nested blocks (past the parser's depth: nothing found, no RecursionError) and a megabyte of
    blocks nested 300 deep (read whole: the JSON is scanned, not walked recursively)."""
    deep = "BEGIN " * 80_000 + "PERFORM 1 FROM t;" + " END;" * 79_999 + " END"
    assert body_names(_plpgsql("deep", deep)) == BodyNames()
    unit = "BEGIN " * 300 + "INSERT INTO audit VALUES (1);" + " END;" * 300
    wide = "BEGIN " + unit * (1_000_000 // len(unit)) + " RETURN 1; END"
    names = body_names(_plpgsql("wide", wide))
    assert {(r.schema, r.table) for r in names.tables} == {(None, "audit")}
