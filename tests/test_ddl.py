"""DDL rendering: the hand-written tricky schema re-created from its model gives the same model back."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from dibs_tui.core.ddl import catalog_ddl, relation_ddl
from tests.pg import psql_file, run_sql
from tests.test_catalog import TRICKY, _introspect
from tests.test_catalog_real import _differences, _normalised


def test_tricky_schema_round_trips(new_database: Callable[[], str]) -> None:
    source, target = new_database(), new_database()
    run_sql(source, TRICKY)
    original = asyncio.run(_introspect(source))
    script = catalog_ddl(original)
    assert script.index("CREATE TYPE shop.status") < script.index("CREATE TABLE shop.orders")
    assert script.index("CREATE TABLE shop.orders") < script.index("CREATE VIEW shop.big_orders")
    assert 'CREATE TABLE public."Ünïcode Tâble"' in script and '"with ""quote""" text' in script
    psql_file(target, "catalog_ddl(tricky)", text=script)
    copy = asyncio.run(_introspect(target))
    assert _differences(_normalised(original), _normalised(copy)) == set()


def test_relation_ddl_recreates_one_table(new_database: Callable[[], str]) -> None:
    source = new_database()
    run_sql(source, TRICKY)
    catalog = asyncio.run(_introspect(source))
    orders = catalog.relation("shop", "orders")
    assert orders is not None
    text = relation_ddl(catalog, orders)
    assert text.startswith("CREATE TABLE shop.orders (\n    id bigint GENERATED ALWAYS AS IDENTITY")
    assert "CONSTRAINT orders_pkey PRIMARY KEY (id);" in text
    assert "CREATE INDEX orders_lower_code ON shop.orders USING btree (lower(code) DESC NULLS LAST)" in text
    assert "COMMENT ON TABLE shop.orders IS 'Line one\nline two (with [brackets] and {braces})';" in text
    assert "CREATE POLICY own_orders ON shop.orders AS PERMISSIVE FOR SELECT TO public" in text
    # The statements run: the table alone (with what it needs) is re-created in an empty database.
    target = new_database()
    needs = (
        "CREATE SCHEMA shop; CREATE EXTENSION btree_gist; CREATE SEQUENCE shop.orders_legacy_id_seq; "
        "CREATE TYPE shop.status AS ENUM ('new', 'paid', 'shipped'); "
        "CREATE DOMAIN shop.positive AS numeric(10,2) NOT NULL DEFAULT 1 CHECK (VALUE > 0); "
        "CREATE FUNCTION shop.touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;"
    )
    run_sql(target, needs)
    psql_file(target, "relation_ddl(orders)", text=text)
    copy = asyncio.run(_introspect(target)).relation("shop", "orders")
    assert copy is not None and [c.name for c in copy.columns] == [c.name for c in orders.columns]
    assert {i.name for i in copy.indexes} == {i.name for i in orders.indexes}


def test_a_foreign_table_is_written_with_its_server(new_database: Callable[[], str]) -> None:
    source = new_database()
    run_sql(
        source,
        "CREATE FOREIGN DATA WRAPPER w; CREATE SERVER s FOREIGN DATA WRAPPER w;"
        "CREATE FOREIGN TABLE f (id int NOT NULL) SERVER s OPTIONS (table_name 'remote');",
    )
    catalog = asyncio.run(_introspect(source))
    f = catalog.relation("public", "f")
    assert f is not None
    assert relation_ddl(catalog, f).startswith(
        "CREATE FOREIGN TABLE public.f (\n    id integer NOT NULL\n) SERVER s OPTIONS (table_name 'remote');"
    )
