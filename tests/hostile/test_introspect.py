"""Hostile databases against the browser's first card: the relations it loads alone, by name, before the whole
catalog is in (load_relations). The names come from the database and go back to it: they must travel as
parameters and be looked up in pg_catalog, never as SQL text and never through search_path.
"""

from __future__ import annotations

import asyncio

from dibs_tui.core.connect import connect, resolve
from dibs_tui.core.introspect.read import load_catalog, load_relations
from dibs_tui.core.model import Catalog, QualifiedName
from dibs_tui.core.session import catalog_settings
from tests.pg import fetch, run_sql

SNEAKY = "x'); DROP TABLE public.victim; --"


async def _first_card(dsn: str, keys: list[QualifiedName]) -> tuple[Catalog, Catalog]:
    """These relations as the browser loads them first, and the whole catalog, in a catalog session."""
    conn = await connect(resolve(dsn), read_only=True, extra_settings=catalog_settings())
    try:
        return await load_relations(conn, keys), await load_catalog(conn)
    finally:
        await conn.close()


def _tables(dsn: str) -> set[str]:
    rows = asyncio.run(fetch(dsn, "SELECT relname FROM pg_class WHERE relnamespace = 'public'::regnamespace"))
    return {r["relname"] for r in rows}


def test_first_card_names_shaped_like_sql_are_names_not_sql(db: str) -> None:
    run_sql(
        db,
        "CREATE TABLE public.victim (id int); INSERT INTO public.victim VALUES (1);"
        f'CREATE TABLE public."{SNEAKY.replace(chr(34), chr(34) * 2)}" (a text);',
    )
    keys = [("public", SNEAKY), ("public", "victim' OR '1'='1")]
    some, whole = asyncio.run(_first_card(db, keys))
    assert [r.key for r in some.relations] == [("public", SNEAKY)]
    assert some.relations[0] == whole.relation("public", SNEAKY)
    assert {"victim", SNEAKY} <= _tables(db)
    assert asyncio.run(fetch(db, "SELECT count(*) AS n FROM public.victim"))[0]["n"] == 1


def test_first_card_never_returns_a_system_table_or_a_meta_table(db: str) -> None:
    run_sql(
        db,
        "CREATE TABLE public.__dibs_tables (table_name text); INSERT INTO public.__dibs_tables VALUES ('users');"
        "CREATE TABLE public.users (id int PRIMARY KEY);",
    )
    keys = [("pg_catalog", "pg_class"), ("public", "__dibs_tables"), ("public", "users")]
    some, whole = asyncio.run(_first_card(db, keys))
    assert [r.key for r in some.relations] == [("public", "users")]
    assert (
        whole.relation("public", "__dibs_tables") is None and whole.relation("pg_catalog", "pg_class") is None
    )
    assert "__dibs_tables" in _tables(db)  # the meta table is there, and was left out, not missed


def test_first_card_reads_the_named_schema_not_a_lookalike_first_on_the_search_path(db: str) -> None:
    run_sql(
        db,
        "CREATE TABLE public.users (id int PRIMARY KEY, email text);"
        "CREATE SCHEMA evil; CREATE TABLE evil.users (stolen text, secret text);"
        f"ALTER DATABASE {db.rsplit('/', 1)[1]} SET search_path = evil, public",
    )
    some, whole = asyncio.run(_first_card(db, [("public", "users")]))
    assert [r.key for r in some.relations] == [("public", "users")]
    assert [c.name for c in some.relations[0].columns] == ["id", "email"]
    assert some.relations[0] == whole.relation("public", "users")
    evil = whole.relation("evil", "users")  # the lookalike is real, and a different table
    assert evil is not None and [c.name for c in evil.columns] == ["stolen", "secret"]
