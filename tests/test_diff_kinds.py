"""Composite and range types, collations, sequence and identity options, table access methods: the rows in the
current database survive the plan where no drop is intended (the cases themselves, both ways, are in
tests/diffcases); a range's constructors and an extension's types are never objects of their own."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from dibs_tui.cli import main
from dibs_tui.core.diff import diff_catalogs
from tests.diffcases.harness import converge_dsns, introspect_dsn
from tests.pg import fetch, psql_file

CASES = Path(__file__).parent / "diffcases"


def _converged(new_database: Callable[[], str], case: str) -> str:
    """The case's current database, once the plan to its desired one has been applied (rows inserted by
    current.sql included)."""
    a, b = new_database(), new_database()
    psql_file(a, "current", text=(CASES / case / "current.sql").read_text())
    psql_file(b, "desired", text=(CASES / case / "desired.sql").read_text())
    converge_dsns(a, b)
    return a


def _rows(dsn: str, query: str) -> list[tuple[object, ...]]:
    return [tuple(r) for r in asyncio.run(fetch(dsn, query))]


def test_a_recreated_composite_keeps_each_attribute(new_database: Callable[[], str]) -> None:
    dsn = _converged(new_database, "composite_types")
    assert _rows(dsn, "SELECT id, (p).a, (p).b, (p).d FROM t") == [(1, 1, "one", None)]


def test_a_recreated_range_keeps_its_values(new_database: Callable[[], str]) -> None:
    dsn = _converged(new_database, "range_types")
    assert _rows(dsn, "SELECT id, span::text FROM r") == [(1, "[1.5,2.5)")]


def test_a_recreated_collation_keeps_its_columns(new_database: Callable[[], str]) -> None:
    dsn = _converged(new_database, "collations")
    assert _rows(dsn, "SELECT id, name, code, nick FROM c") == [(1, "a", "b", None)]


def test_serial_to_identity_and_back_keeps_rows_and_continues_after_them(
    new_database: Callable[[], str],
) -> None:
    dsn = _converged(new_database, "identity_serial")
    assert _rows(dsn, "SELECT id, note FROM t ORDER BY id") == [(1, "kept"), (2, "also kept")]
    # Both new sequences continue after the rows already there (no duplicate key on the next insert).
    assert _rows(dsn, "INSERT INTO t (note) VALUES ('new') RETURNING id, n") == [(3, 3)]


def test_a_default_switched_to_another_sequence_continues_after_the_rows(
    new_database: Callable[[], str],
) -> None:
    """Both ways: a column's default moved to a new sequence or to one already there (behind the column's
    rows) is not left to hand out ids the table already holds."""
    folder = CASES / "sequence_default_switched"
    for first, second, rows, inserts in (
        ("current.sql", "desired.sql", "rows.sql", ("d", "e")),
        ("desired.sql", "current.sql", "rows_back.sql", ("d",)),
    ):
        a, b = new_database(), new_database()
        psql_file(a, "first", text=(folder / first).read_text() + (folder / rows).read_text())
        psql_file(b, "second", text=(folder / second).read_text())
        converge_dsns(a, b)
        for table in inserts:
            assert _rows(a, f"INSERT INTO {table} (note) VALUES ('new') RETURNING id") == [(21,)], first


def test_a_changed_access_method_keeps_rows(new_database: Callable[[], str]) -> None:
    dsn = _converged(new_database, "table_access_method")
    assert _rows(dsn, "SELECT id FROM t UNION ALL SELECT id FROM u ORDER BY 1") == [(1,), (2,)]
    assert _rows(
        dsn,
        "SELECT c.relname, a.amname FROM pg_class c JOIN pg_am a ON a.oid = c.relam "
        "WHERE c.relname IN ('t', 'u') ORDER BY 1",
    ) == [("t", "heap"), ("u", "heap2")]


def test_narrowed_sequence_bounds_move_its_value_inside(new_database: Callable[[], str]) -> None:
    a, b = new_database(), new_database()
    psql_file(a, "current", text="CREATE SEQUENCE s; SELECT setval('s', 5);")
    psql_file(b, "desired", text="CREATE SEQUENCE s MINVALUE 10;")
    outcome = converge_dsns(a, b)
    assert any("setval" in s.sql for s in outcome.plan)
    assert _rows(a, "SELECT nextval('s')") == [(11,)]


def test_a_range_types_constructors_are_not_functions(new_database: Callable[[], str]) -> None:
    db = new_database()
    psql_file(db, "ranges", text="CREATE TYPE floatrange AS RANGE (subtype = float8);")
    catalog = asyncio.run(introspect_dsn(db))
    assert [r.name for r in catalog.ranges] == ["floatrange"]
    assert [r.multirange for r in catalog.ranges] == ["floatmultirange"]
    assert catalog.functions == ()


def test_an_extensions_types_are_not_diffed_one_by_one(new_database: Callable[[], str]) -> None:
    """tablefunc brings composite types of its own: they come and go with CREATE/DROP EXTENSION only."""
    a, b = new_database(), new_database()
    psql_file(b, "desired", text="CREATE EXTENSION tablefunc;")
    current, desired = asyncio.run(introspect_dsn(a)), asyncio.run(introspect_dsn(b))
    assert desired.composites == () and desired.functions == ()
    _, plan, _ = diff_catalogs(current, desired)
    assert [s.sql.split(" WITH ")[0] for s in plan] == ["CREATE EXTENSION IF NOT EXISTS tablefunc"]


def test_schema_shows_the_new_kinds_escaped(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    """A name holding a terminal escape is shown as text in the plain output; the JSON carries the kinds."""
    psql_file(
        db,
        "kinds",
        text="""
        CREATE TYPE "pair\x1b[31m" AS (a int, "b\x1b]0;x\x07" text);
        CREATE TYPE floatrange AS RANGE (subtype = float8);
        CREATE COLLATION plain_c (provider = libc, locale = 'C');
        CREATE TABLE t (id int PRIMARY KEY) WITH (fillfactor = 70);
        ALTER TABLE t REPLICA IDENTITY FULL;
        """,
    )
    assert main(["schema", db, "--plain"]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\x07" not in out
    assert 'Composite type "public.pair' in out and 'Range type "public.floatrange": double precision' in out
    assert 'Collation "public.plain_c": libc C' in out and "Replica Identity: FULL" in out
    assert main(["schema", db, "--json"]) == 0
    model = json.loads(capsys.readouterr().out)
    assert [c["name"] for c in model["composites"]] == ["pair\x1b[31m"]
    assert [r["multirange"] for r in model["ranges"]] == ["floatmultirange"]
    assert [c["provider"] for c in model["collations"]] == ["libc"]
    assert [r["replica_identity"] for r in model["relations"]] == ["f"]


_REPLICA_TABLE = "create table t (id int primary key, u int not null); create unique index t_u on t (u);"


def test_a_replica_identity_whose_index_was_dropped_is_said_not_planned(
    new_database: Callable[[], str],
) -> None:
    """REPLICA IDENTITY USING INDEX, then DROP INDEX: pg_class keeps USING INDEX with no index, which no statement
    makes again. The plan said REPLICA IDENTITY DEFAULT, and so did every diff after it (the diff fuzzer,
    openstreetmap seed 339); now said and not planned. Back, that table made DEFAULT, converging."""
    live, orphaned = new_database(), new_database()
    psql_file(live, "live", text=_REPLICA_TABLE)
    psql_file(orphaned, "orphaned", text=_REPLICA_TABLE + "alter table t replica identity using index t_u;")
    psql_file(orphaned, "index dropped", text="drop index t_u;")

    async def diff(a: str, b: str) -> tuple[list[str], list[str]]:
        changes, plan, _ = diff_catalogs(await introspect_dsn(a), await introspect_dsn(b))
        return [s.sql for s in plan], [c.detail for c in changes if not c.planned]

    plan, said = asyncio.run(diff(live, orphaned))
    assert plan == ["DROP INDEX public.t_u;"]
    assert [d.split(":")[0] for d in said] == ["replica identity not planned"], said
    outcome = converge_dsns(orphaned, live)
    assert "ALTER TABLE public.t REPLICA IDENTITY DEFAULT;" in [s.sql for s in outcome.plan]
