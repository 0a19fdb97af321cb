"""Hostile names in what the re-create cascades write: the helper function rebuilding an array of a re-created
composite (its body is dollar-quoted), a rule re-created around a retyped column, a partition key column
retyped, a domain whose CHECK travels its composite columns through text. Each test says which rows were kept
and that the statement hidden in the name did not run."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from tests.diffcases.harness import converge_dsns
from tests.pg import fetch, psql_file

VICTIM = "CREATE TABLE victim (id int PRIMARY KEY); INSERT INTO victim VALUES (1), (2);"


def _victim_rows(dsn: str) -> list[int]:
    return [r["id"] for r in asyncio.run(fetch(dsn, "SELECT id FROM victim ORDER BY id"))]


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _converge(new_database: Callable[[], str], current: str, desired: str) -> str:
    a, b = new_database(), new_database()
    psql_file(a, "current", text=VICTIM + current)
    psql_file(b, "desired", text=VICTIM + desired)
    converge_dsns(a, b, count_rows=True)
    return a


def test_an_attribute_holding_the_helpers_dollar_quote(new_database: Callable[[], str]) -> None:
    """The helper's body is $dibs$-quoted: an attribute named with that tag must not end the body early."""
    attribute = _quoted("a$dibs$ LANGUAGE sql; DROP TABLE victim; --")
    a = _converge(
        new_database,
        f"CREATE TYPE pair AS ({attribute} int, b text); CREATE TABLE t (id int, ps pair[]);"
        " INSERT INTO t VALUES (1, ARRAY[ROW(7, 'kept')::pair]);",
        f"CREATE TYPE pair AS ({attribute} int, b varchar(9)); CREATE TABLE t (id int, ps pair[]);",
    )
    assert _victim_rows(a) == [1, 2]
    rows = asyncio.run(fetch(a, f"SELECT (ps[1]).{attribute} AS v, (ps[1]).b AS b FROM t"))
    assert [(r["v"], r["b"]) for r in rows] == [(7, "kept")]


def test_a_rule_on_a_hostile_column_retyped(new_database: Callable[[], str]) -> None:
    column = _quoted("v'); DROP TABLE victim; --")
    rule = f"CREATE RULE r AS ON INSERT TO t DO ALSO INSERT INTO log VALUES (new.{column});"
    a = _converge(
        new_database,
        f"CREATE TABLE t (id int, {column} int); CREATE TABLE log (v bigint); {rule}"
        " INSERT INTO t VALUES (1, 10);",
        f"CREATE TABLE t (id int, {column} bigint); CREATE TABLE log (v bigint); {rule}",
    )
    assert _victim_rows(a) == [1, 2]
    assert [r["v"] for r in asyncio.run(fetch(a, "SELECT v FROM log"))] == [10]


def test_a_hostile_partition_key_column_retyped(new_database: Callable[[], str]) -> None:
    """Recognised as the key (the table is re-created, as PostgreSQL cannot retype it), never run as SQL."""
    column = _quoted("k) ; DROP TABLE victim; --")
    table = (
        "CREATE TABLE m (id int, {c} {t}) PARTITION BY RANGE ({c}); CREATE TABLE m1 PARTITION OF m DEFAULT;"
    )
    a = _converge(new_database, table.format(c=column, t="int"), table.format(c=column, t="bigint"))
    assert _victim_rows(a) == [1, 2]


def test_a_hostile_domain_checked_inside_a_composite_column(new_database: Callable[[], str]) -> None:
    domain = _quoted("d'; DROP TABLE victim; --")
    schema = (
        "CREATE DOMAIN {d} AS int CHECK ({check}); CREATE TYPE c AS (x {d}); CREATE TABLE t (id int, v c);"
    )
    a = _converge(
        new_database,
        schema.format(d=domain, check="VALUE > 0") + " INSERT INTO t VALUES (1, ROW(5));",
        schema.format(d=domain, check="VALUE > 0 AND VALUE < 100"),
    )
    assert _victim_rows(a) == [1, 2]
    assert [r["v"] for r in asyncio.run(fetch(a, "SELECT (v).x AS v FROM t"))] == [5]
