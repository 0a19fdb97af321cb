"""A schema dumped as SQL and loaded again is in sync with its origin, though the server prints some of it back
otherwise after the reload (core/diff/deparse_drift.py); what truly differs still does."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from dibs_tui.core.diff import diff_catalogs
from dibs_tui.core.diff.deparse_drift import same_view_query
from dibs_tui.core.diff.whole_schema import whole_schema_sql
from tests.diffcases.harness import introspect_dsn
from tests.pg import psql_file

DRIFTING = """
create table a (id int, s varchar(10), constraint s_known check (s in ('x', 'y')));
create table b (id int);
create view v as select id, s from (select id, s from a union all select id, null from b) q;
create index a_s on a (s) where s in ('x', 'y');
create table g (s varchar(10) default 'x', n int generated always as (case when s in ('x', 'y') then 1 end) stored);
alter table a enable row level security;
create policy xy on a using (s in ('x', 'y')) with check (s in ('x'));
create domain code as varchar(5) constraint code_known check (value in ('a', 'b'));
create table c (id int, k code);
"""


def _statements(current: str, desired: str) -> list[str]:
    async def plan() -> list[str]:
        return [s.sql for s in diff_catalogs(await introspect_dsn(current), await introspect_dsn(desired))[1]]

    return asyncio.run(plan())


def test_a_reloaded_dump_is_in_sync_both_ways(new_database: Callable[[], str]) -> None:
    origin, copy = new_database(), new_database()
    psql_file(origin, "origin", text=DRIFTING)
    dump = whole_schema_sql(asyncio.run(introspect_dsn(origin)))
    psql_file(copy, "dump", text=dump)
    assert _statements(copy, origin) == []
    assert _statements(origin, copy) == []


def test_what_truly_differs_still_does(new_database: Callable[[], str]) -> None:
    origin, other = new_database(), new_database()
    psql_file(origin, "origin", text=DRIFTING)
    psql_file(
        other,
        "other",
        text=DRIFTING.replace("select id, null from b", "select id, 'b' from b")
        .replace("check (s in ('x', 'y'))", "check (s in ('x', 'z'))")
        .replace("then 1 end", "then 2 end")
        .replace("with check (s in ('x'))", "with check (s in ('y'))")
        .replace("check (value in ('a', 'b'))", "check (value in ('a', 'c'))"),
    )
    script = "\n".join(_statements(origin, other))
    for changed in ("VIEW public.v", "s_known", "SET EXPRESSION", "POLICY xy", "code_known"):
        assert changed in script, script


def test_a_domain_check_renamed_in_a_reloaded_dump_is_renamed(new_database: Callable[[], str]) -> None:
    """The dump's CHECK reads otherwise and is named otherwise: the same CHECK, renamed (ALTER DOMAIN ...
    RENAME CONSTRAINT), not dropped and added again (every column of the domain checked anew); both ways."""
    origin, copy = new_database(), new_database()
    psql_file(origin, "origin", text=DRIFTING)
    dump = whole_schema_sql(asyncio.run(introspect_dsn(origin)))
    assert "CONSTRAINT code_known" in dump
    psql_file(copy, "dump", text=dump.replace("CONSTRAINT code_known", "CONSTRAINT code_listed"))
    psql_file(copy, "rows", text="insert into c values (1, 'a'), (2, 'b');")
    assert _statements(copy, origin) == [
        "ALTER DOMAIN public.code RENAME CONSTRAINT code_listed TO code_known;"
    ]
    assert _statements(origin, copy) == [
        "ALTER DOMAIN public.code RENAME CONSTRAINT code_known TO code_listed;"
    ]
    psql_file(copy, "plan", text="ALTER DOMAIN public.code RENAME CONSTRAINT code_listed TO code_known;")
    assert _statements(copy, origin) == []


def test_across_versions_a_column_qualified_by_the_only_relation_of_its_select_is_the_same() -> None:
    """PostgreSQL 15 qualifies each column of a view over one relation, 16 and later print it bare: the same
    view across versions, a change within one (where one meaning prints one text). What the qualifier decides
    is kept: a subquery's reference to the outer table, a join's columns."""
    aliased = "SELECT x.id AS ident FROM public.t x WHERE (x.qty > 0)"
    assert same_view_query(aliased, "SELECT id AS ident FROM public.t x WHERE (qty > 0)", across=True)
    fifteen = "SELECT t.id, t.name FROM public.t WHERE (t.qty > 5) ORDER BY t.name;"
    eighteen = "SELECT id, name FROM public.t WHERE (qty > 5) ORDER BY name;"
    assert same_view_query(fifteen, eighteen, across=True)
    assert not same_view_query(fifteen, eighteen)
    sample = "SELECT x.id FROM public.t x TABLESAMPLE system (10)"
    assert same_view_query(sample, "SELECT id FROM public.t x TABLESAMPLE system (10)", across=True)
    outer = "SELECT t.id FROM public.t WHERE (EXISTS ( SELECT 1 FROM public.u WHERE (u.t_id = t.id)))"
    assert same_view_query(outer, outer.replace("SELECT t.id", "SELECT id"), across=True)
    assert not same_view_query(outer, outer.replace("= t.id", "= id"), across=True)
    join = "SELECT t.id FROM (public.t JOIN public.u ON ((u.t_id = t.id)))"
    assert not same_view_query(join, join.replace("SELECT t.id", "SELECT id"), across=True)
