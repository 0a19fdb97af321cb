"""The plan's dependency graph on built steps: declared edges, pg_depend edges of both sides, the tie-break,
and a cycle that no known move breaks is an error naming its objects."""

from __future__ import annotations

import asyncio

import pytest

from dibs_tui.core.diff import diff_catalogs
from dibs_tui.core.diff.graph import (
    CREATE_TABLES,
    DROP_DEPENDENTS,
    DROP_OBJECTS,
    DROP_SCHEMAS,
    LATE_CREATE,
    PRE_CREATE,
    DepIndex,
    NodeKey,
    Step,
    ordered,
    ordered_with_soft,
)
from dibs_tui.core.errors import PlanCycleError
from dibs_tui.core.model import Catalog, Dependency, ObjectRef
from dibs_tui.core.plan import ChangeKind
from tests.diffcases.harness import introspect_dsn
from tests.pg import run_sql

EMPTY = DepIndex(Catalog())


def table(name: str) -> NodeKey:
    return ("table", "public", name, "")


def step(
    sql: str,
    phase: int = LATE_CREATE,
    *,
    creates: tuple[NodeKey, ...] = (),
    needs: tuple[NodeKey, ...] = (),
    destroys: tuple[NodeKey, ...] = (),
) -> Step:
    return Step(phase, sql, ChangeKind.ALTER, (), creates, needs, destroys)


def numbered(steps: list[Step]) -> list[Step]:
    for i, st in enumerate(steps):
        st.order = i
    return steps


def sqls(steps: list[Step], current: DepIndex = EMPTY, desired: DepIndex = EMPTY) -> list[str]:
    return [s.sql for s in ordered(numbered(steps), current, desired)]


def deps(*pairs: tuple[ObjectRef, ObjectRef]) -> DepIndex:
    return DepIndex(Catalog(dependencies=tuple(Dependency(a, b) for a, b in pairs)))


def test_a_need_outranks_the_phase() -> None:
    """The view is emitted first and has the earlier phase; it still waits for the table it needs."""
    view = step("create view", PRE_CREATE, creates=(table("v"),), needs=(table("t"),))
    tab = step("create table", DROP_OBJECTS, creates=(table("t"),))
    assert sqls([view, tab]) == ["create table", "create view"]


def test_a_need_of_what_is_only_destroyed_runs_before_the_destroy() -> None:
    drop = step("drop table", DROP_DEPENDENTS, destroys=(table("t"),))
    use = step("comment on table", DROP_OBJECTS, needs=(table("t"),))
    assert sqls([drop, use]) == ["comment on table", "drop table"]


def test_a_drop_waits_for_its_dependents_drops_from_the_current_catalog() -> None:
    """pg_depend of the current side: v reads t, so t's drop waits, whatever the phases say."""
    current = deps((ObjectRef("table", "public", "v"), ObjectRef("column", "public", "t", "a")))
    drop_t = step("drop table t", DROP_DEPENDENTS, destroys=(table("t"),))
    drop_v = step("drop view v", DROP_OBJECTS, destroys=(table("v"),))
    assert sqls([drop_t, drop_v], current=current) == ["drop view v", "drop table t"]


def test_a_create_waits_for_what_it_references_in_the_desired_catalog() -> None:
    """pg_depend of the desired side: t's default calls f (pg_depend names the column), so t waits for f."""
    fn = ("function", "public", "f", "")
    desired = deps((ObjectRef("column", "public", "t", "a"), ObjectRef("function", "public", "f")))
    default: NodeKey = ("default", "public", "t", "a")  # the default written inline in the CREATE TABLE
    create_t = step("create table t", PRE_CREATE, creates=(table("t"), default))
    create_f = step("create function f", LATE_CREATE, creates=(fn,))
    assert sqls([create_t, create_f], desired=desired) == ["create function f", "create table t"]


def test_a_schema_is_dropped_after_everything_in_it() -> None:
    schema: NodeKey = ("schema", "", "public", "")
    drop_schema = step("drop schema", DROP_DEPENDENTS, destroys=(schema,))
    drop_fn = step("drop function", DROP_SCHEMAS, destroys=(("function", "public", "f", ""),))
    assert sqls([drop_schema, drop_fn]) == ["drop function", "drop schema"]


def test_ties_keep_phase_then_emission_order() -> None:
    a = step("a", LATE_CREATE)
    b = step("b", CREATE_TABLES)
    c = step("c", CREATE_TABLES)
    assert sqls([a, b, c]) == ["b", "c", "a"]


def test_a_statement_outside_a_transaction_comes_first_where_edges_allow() -> None:
    """ADD VALUE commits on its own: before it, only what it needs; the drop of a view (phase 0) waits."""
    drop_view = step("drop view", DROP_DEPENDENTS, destroys=(table("v"),))
    add_value = Step(PRE_CREATE, "add value", ChangeKind.ALTER, (), transactional=False)
    created = ("type", "public", "e", "")
    make_type = step("create type", PRE_CREATE, creates=(created,))
    add_to_new = Step(
        PRE_CREATE, "add value to new", ChangeKind.ALTER, (), needs=(created,), transactional=False
    )
    assert sqls([drop_view, add_value, make_type, add_to_new]) == [
        "add value",
        "drop view",
        "create type",
        "add value to new",
    ]


def test_an_unbreakable_cycle_names_its_objects() -> None:
    """Two views each created from the other: no move breaks it, and the error says which objects."""
    v1 = step(
        "CREATE VIEW public.v1 AS SELECT * FROM public.v2;", creates=(table("v1"),), needs=(table("v2"),)
    )
    v2 = step(
        "CREATE VIEW public.v2 AS SELECT * FROM public.v1;", creates=(table("v2"),), needs=(table("v1"),)
    )
    other = step("CREATE TABLE public.t ();", CREATE_TABLES, creates=(table("t"),))
    with pytest.raises(PlanCycleError) as caught:
        ordered(numbered([other, v1, v2]), EMPTY, EMPTY)
    message = str(caught.value)
    assert "table public.v1" in message and "table public.v2" in message
    assert "public.t " not in message + " "  # not in the cycle, not named
    assert "CREATE VIEW public.v1" in message  # the hint quotes the statements


def test_a_cycle_through_pg_depend_is_an_error_not_a_guess() -> None:
    """Drops whose current dependencies form a circle (as a hand-made catalog can): refused by name."""
    f, g = ObjectRef("function", "public", "f"), ObjectRef("function", "public", "g")
    current = deps((f, g), (g, f))
    drop_f = step("DROP FUNCTION public.f();", DROP_OBJECTS, destroys=(("function", "public", "f", ""),))
    drop_g = step("DROP FUNCTION public.g();", DROP_OBJECTS, destroys=(("function", "public", "g", ""),))
    with pytest.raises(
        PlanCycleError,
        match=r"function public\.f\(\).*function public\.g\(\)|function public\.g\(\).*function public\.f\(\)",
    ):
        ordered(numbered([drop_f, drop_g]), current, EMPTY)


def test_a_soft_edge_outranks_the_phase() -> None:
    """A body naming a table: the function waits for the table's create although functions come first."""
    fn = step("create function f", PRE_CREATE, creates=(("function", "public", "f", ""),))
    tab = step("create table t", CREATE_TABLES, creates=(table("t"),))
    out, dropped = ordered_with_soft(numbered([fn, tab]), EMPTY, EMPTY, [(1, 0)])
    assert [s.sql for s in out] == ["create table t", "create function f"]
    assert dropped == 0


def test_a_soft_cycle_is_dropped_not_an_error() -> None:
    """Two bodies calling each other: one soft edge goes, both functions are created, the count says so."""
    f = step("create function f", PRE_CREATE, creates=(("function", "public", "f", ""),))
    g = step("create function g", PRE_CREATE, creates=(("function", "public", "g", ""),))
    out, dropped = ordered_with_soft(numbered([f, g]), EMPTY, EMPTY, [(0, 1), (1, 0)])
    assert sorted(s.sql for s in out) == ["create function f", "create function g"]
    assert dropped == 1


def test_a_hard_cycle_stays_an_error_beside_soft_edges() -> None:
    """Soft edges are dropped only where they close a cycle; a cycle of hard edges is still refused."""
    v1 = step("CREATE VIEW public.v1;", creates=(table("v1"),), needs=(table("v2"),))
    v2 = step("CREATE VIEW public.v2;", creates=(table("v2"),), needs=(table("v1"),))
    fn = step("create function f", PRE_CREATE, creates=(("function", "public", "f", ""),))
    with pytest.raises(PlanCycleError, match=r"public\.v1"):
        ordered_with_soft(numbered([v1, v2, fn]), EMPTY, EMPTY, [(0, 2), (2, 0)])


def test_a_body_name_resolves_through_the_functions_own_search_path(db: str) -> None:
    """`SET search_path = app`: the unqualified `limits` is app.limits (created before the function, which
    names it in a %ROWTYPE), not public.limits (left after it by the phases)."""
    run_sql(
        db,
        """
        CREATE SCHEMA app;
        CREATE TABLE app.limits (m int);
        CREATE TABLE public.limits (m int);
        CREATE FUNCTION public.f() RETURNS int LANGUAGE plpgsql SET search_path = app AS $$
        DECLARE r limits%ROWTYPE; BEGIN SELECT * INTO r FROM limits; RETURN r.m; END $$;
        """,
    )
    desired = asyncio.run(introspect_dsn(db))
    _, plan, _ = diff_catalogs(
        Catalog(schemas=tuple(s for s in desired.schemas if s.name == "public")), desired
    )
    sql = [s.sql for s in plan]
    at = {
        what: next(i for i, text in enumerate(sql) if text.startswith(start))
        for what, start in (
            ("app", "CREATE TABLE app.limits"),
            ("public", "CREATE TABLE public.limits"),
            ("f", "CREATE OR REPLACE FUNCTION public.f()"),
        )
    }
    assert at["app"] < at["f"] < at["public"], sql
    assert "SET check_function_bodies = off;" not in sql  # every body edge held: the body is checked
