"""Hostile names in the kinds the diff re-creates (composite and range types, collations, replica identity
indexes, text search dictionaries and configurations): each one is a quoted identifier in the plan, never SQL of its own. Each test says which rows were
kept and that the statement hidden in the name did not run."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from tests.diffcases.harness import converge_dsns
from tests.pg import fetch, psql_file

INJECTION = 'x"); DROP TABLE victim; --'
VICTIM = "CREATE TABLE victim (id int PRIMARY KEY); INSERT INTO victim VALUES (1), (2);"


def _victim_rows(dsn: str) -> list[int]:
    return [r["id"] for r in asyncio.run(fetch(dsn, "SELECT id FROM victim ORDER BY id"))]


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def test_a_composite_recreated_under_a_hostile_name_and_attribute(new_database: Callable[[], str]) -> None:
    name, attribute = _quoted(INJECTION), _quoted("a'; DROP TABLE victim; --")
    a, b = new_database(), new_database()
    psql_file(
        a,
        "current",
        text=f"{VICTIM} CREATE TYPE {name} AS ({attribute} int, b text);"
        f" CREATE TABLE t (id int, p {name}); INSERT INTO t VALUES (1, ROW(7, 'kept'));",
    )
    psql_file(
        b,
        "desired",
        text=f"{VICTIM} CREATE TYPE {name} AS ({attribute} bigint, b text, c int);"
        f" CREATE TABLE t (id int, p {name});",
    )
    converge_dsns(a, b)
    assert _victim_rows(a) == [1, 2]
    rows = asyncio.run(fetch(a, f"SELECT (p).{attribute} AS v, (p).b AS b FROM t"))
    assert [(r["v"], r["b"]) for r in rows] == [(7, "kept")]


def test_a_range_recreated_under_a_hostile_name(new_database: Callable[[], str]) -> None:
    name = _quoted("r" + INJECTION)
    a, b = new_database(), new_database()
    psql_file(
        a,
        "current",
        text=f"{VICTIM} CREATE TYPE {name} AS RANGE (subtype = float8);"
        f" CREATE TABLE t (id int, s {name}); INSERT INTO t VALUES (1, '[1.5,5)');",
    )
    psql_file(
        b,
        "desired",
        text=f"{VICTIM} CREATE TYPE {name} AS RANGE (subtype = float8, subtype_diff = float8mi);"
        f" CREATE TABLE t (id int, s {name});",
    )
    converge_dsns(a, b)
    assert _victim_rows(a) == [1, 2]
    assert [r["s"] for r in asyncio.run(fetch(a, "SELECT s::text AS s FROM t"))] == ["[1.5,5)"]


def test_a_collation_recreated_under_a_hostile_name(new_database: Callable[[], str]) -> None:
    name = _quoted("c" + INJECTION)
    a, b = new_database(), new_database()
    psql_file(
        a,
        "current",
        text=f"{VICTIM} CREATE COLLATION {name} (provider = builtin, locale = 'C');"
        f" CREATE TABLE t (id int, s text COLLATE {name}); INSERT INTO t VALUES (1, 'kept');",
    )
    psql_file(
        b,
        "desired",
        text=f"{VICTIM} CREATE COLLATION {name} (provider = builtin, locale = 'C.UTF-8');"
        f" CREATE TABLE t (id int, s text COLLATE {name});",
    )
    converge_dsns(a, b)
    assert _victim_rows(a) == [1, 2]
    assert [r["s"] for r in asyncio.run(fetch(a, "SELECT s FROM t"))] == ["kept"]


def test_a_replica_identity_index_with_a_hostile_name(new_database: Callable[[], str]) -> None:
    index = _quoted("i" + INJECTION + "\nnext line")
    a, b = new_database(), new_database()
    schema = (
        f"{VICTIM} CREATE TABLE t (id int PRIMARY KEY, u int NOT NULL); CREATE UNIQUE INDEX {index} ON t (u);"
    )
    psql_file(a, "current", text=schema + " INSERT INTO t VALUES (1, 1);")
    psql_file(b, "desired", text=schema + f" ALTER TABLE t REPLICA IDENTITY USING INDEX {index};")
    outcome = converge_dsns(a, b)
    assert any("REPLICA IDENTITY USING INDEX" in s.sql for s in outcome.plan)
    assert _victim_rows(a) == [1, 2]
    assert [r["id"] for r in asyncio.run(fetch(a, "SELECT id FROM t"))] == [1]


def test_text_search_objects_with_hostile_names_altered_in_place(new_database: Callable[[], str]) -> None:
    """A dictionary's options and a configuration's mappings changed in place under hostile names, with a
    hostile comment: the index naming the configuration is kept (not re-created), nothing hidden runs."""
    dictionary, config = _quoted("d" + INJECTION), _quoted("c" + INJECTION + "\nnext line")
    comment = "'; DROP TABLE victim; --"
    schema = (
        f"{VICTIM} CREATE TEXT SEARCH DICTIONARY {dictionary} (TEMPLATE = simple, {{options}});"
        f" CREATE TEXT SEARCH CONFIGURATION {config} (PARSER = default);"
        f" ALTER TEXT SEARCH CONFIGURATION {config} ADD MAPPING FOR {{tokens}} WITH {dictionary};"
        " CREATE TABLE t (id int PRIMARY KEY, body text);"
        f" CREATE INDEX t_fts ON t USING gin (to_tsvector({_literal(config)}::regconfig, body));"
    )
    a, b = new_database(), new_database()
    psql_file(
        a,
        "current",
        text=schema.format(options="accept = true", tokens="asciiword")
        + " INSERT INTO t VALUES (1, 'kept words');",
    )
    psql_file(
        b,
        "desired",
        text=schema.format(options="accept = false, stopwords = english", tokens="asciiword, word")
        + f" COMMENT ON TEXT SEARCH CONFIGURATION {config} IS '{comment.replace(chr(39), chr(39) * 2)}';",
    )
    index = "SELECT i.oid FROM pg_class i WHERE i.relname = 't_fts'"
    before = asyncio.run(fetch(a, index))
    outcome = converge_dsns(a, b)
    script = "\n".join(s.sql for s in outcome.plan)
    assert "DROP TEXT SEARCH" not in script and "DROP INDEX" not in script, script
    assert asyncio.run(fetch(a, index)) == before
    assert _victim_rows(a) == [1, 2]
    assert [r["id"] for r in asyncio.run(fetch(a, "SELECT id FROM t"))] == [1]
    comments = asyncio.run(fetch(a, "SELECT obj_description(oid, 'pg_ts_config') AS c FROM pg_ts_config"))
    assert comment in [r["c"] for r in comments]


def _literal(quoted_name: str) -> str:
    """A quoted identifier as the string literal a regconfig constant is written with."""
    return "'" + quoted_name.replace("'", "''") + "'"
