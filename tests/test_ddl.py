"""DDL rendering: the hand-written tricky schema re-created from its model gives the same model back."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import pytest

from dibs_tui.core.ddl import relation_ddl
from dibs_tui.core.diff.whole_schema import whole_schema_sql
from dibs_tui.core.errors import PlanCycleError
from dibs_tui.core.fingerprint import compare
from dibs_tui.core.model import Catalog, Dependency, Function, ObjectRef
from tests.diffcases.harness import fingerprint_dsn
from tests.pg import psql_file, run_sql
from tests.test_catalog import TRICKY, _introspect
from tests.test_catalog_real import _differences, _normalised


def test_tricky_schema_round_trips(new_database: Callable[[], str]) -> None:
    source, target = new_database(), new_database()
    run_sql(source, TRICKY)
    original = asyncio.run(_introspect(source))
    script = whole_schema_sql(original)
    assert script.index("CREATE TYPE shop.status") < script.index("CREATE TABLE shop.orders")
    assert script.index("CREATE TABLE shop.orders") < script.index("CREATE VIEW shop.big_orders")
    assert 'CREATE TABLE public."Ünïcode Tâble"' in script and '"with ""quote""" text' in script
    psql_file(target, "whole_schema_sql(tricky)", text=script)
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


EVERY_KIND = """
create schema sales;
create table t (id int primary key, a int, b int, note text);
create table audit (id int, at timestamptz default now());
create view v as select id, note from t;
create rule t_log as on insert to t do also insert into audit (id) values (new.id + 1000);
create rule v_insert as on insert to v do instead insert into t (id, note) values (new.id, new.note);
comment on rule t_log on t is 'logs';
create statistics s_ab (dependencies, ndistinct) on a, b from t;
create statistics s_expr on (a + b), note from t;
alter statistics s_expr set statistics 500;
create table sales.orders (id int primary key);
create publication p_tables for table t (id, a) where (a > 0) with (publish = 'insert, update');
create publication p_schema for tables in schema sales;
create function note_ddl() returns event_trigger language plpgsql as $$begin perform 1; end$$;
create event trigger e_watch on ddl_command_start when tag in ('CREATE TABLE') execute function note_ddl();
alter event trigger e_watch disable;
create foreign data wrapper w options (mode 'x');
create server s type 'pg' version '18' foreign data wrapper w options (host 'remote', port '5432');
create user mapping for public server s options (user 'reader', password 'hunter2-secret');
create foreign table f (id int options (column_name 'rid'), note text) server s options (table_name 'far');
comment on foreign table f is 'far away';
"""


def test_whole_schema_sql_emits_every_modelled_kind(new_database: Callable[[], str]) -> None:
    """`schema --sql` writes rules, statistics objects, publications, event triggers, wrappers, servers, user
    mappings and foreign tables; loaded into an empty database, the fingerprint is the source's but for the
    user mapping's password, which is never read (so never written)."""
    source, target = new_database(), new_database()
    run_sql(source, EVERY_KIND)
    script = whole_schema_sql(asyncio.run(_introspect(source)))
    assert "hunter2-secret" not in script
    for made in (
        "CREATE RULE t_log",
        "CREATE STATISTICS public.s_expr",
        "CREATE PUBLICATION p_tables",
        "CREATE EVENT TRIGGER e_watch",
        "CREATE FOREIGN DATA WRAPPER w",
        "CREATE SERVER s",
        "CREATE USER MAPPING FOR PUBLIC SERVER s",
        "CREATE FOREIGN TABLE public.f",
    ):
        assert made in script, made
    psql_file(target, "whole_schema_sql(every kind)", text=script)
    lines = compare(*(asyncio.run(fingerprint_dsn(dsn)) for dsn in (source, target)))
    assert [line for line in lines.before if "hunter2" not in line] == [] and len(lines.after) <= 1, (
        lines.describe()
    )


def test_whole_schema_sql_orders_rings_by_the_plan_graph(new_database: Callable[[], str]) -> None:
    """A ring of foreign keys (tables first, keys after) and a view calling a SQL function whose text body reads
    that view (a soft edge dropped, bodies not checked) load into an empty database in the script's order."""
    source, target = new_database(), new_database()
    run_sql(
        source,
        """
        set check_function_bodies = off;
        create table a (id int primary key, b_id int);
        create table b (id int primary key, a_id int references a);
        alter table a add foreign key (b_id) references b;
        create function total() returns bigint language sql as $$ select count(*) from public.counted $$;
        create view counted as select id, total() as n from a;
        """,
    )
    script = whole_schema_sql(asyncio.run(_introspect(source)))
    assert script.startswith("SET check_function_bodies = off;")
    assert script.index("CREATE TABLE public.b") < script.index("FOREIGN KEY (b_id)")
    psql_file(target, "whole_schema_sql(rings)", text=script)
    assert not compare(*(asyncio.run(fingerprint_dsn(dsn)) for dsn in (source, target)))


def test_whole_schema_sql_refuses_a_cycle_no_move_breaks_by_name() -> None:
    """Two functions recorded as depending on each other (a catalog no order loads): the error names both."""
    f = Function("public", "f", "", "integer", "sql", definition="CREATE FUNCTION public.f() ...")
    g = Function("public", "g", "", "integer", "sql", definition="CREATE FUNCTION public.g() ...")
    fref, gref = ObjectRef("function", "public", "f"), ObjectRef("function", "public", "g")
    catalog = Catalog(functions=(f, g), dependencies=(Dependency(fref, gref), Dependency(gref, fref)))
    with pytest.raises(
        PlanCycleError,
        match=r"function public\.f\(\).*function public\.g\(\)|function public\.g\(\).*function public\.f\(\)",
    ):
        whole_schema_sql(catalog)


def test_relation_ddl_names_each_identity_columns_own_sequence(new_database: Callable[[], str]) -> None:
    """The browser's DDL: an identity column with its sequence's name and options, each table its own."""
    source = new_database()
    run_sql(
        source,
        "CREATE TABLE a (id bigint GENERATED ALWAYS AS IDENTITY (SEQUENCE NAME a_ids START WITH 100 "
        "INCREMENT BY 5), n int GENERATED BY DEFAULT AS IDENTITY);\n"
        "CREATE TABLE b (id int GENERATED BY DEFAULT AS IDENTITY (START WITH 7));\n",
    )
    catalog = asyncio.run(_introspect(source))
    a, b = catalog.relation("public", "a"), catalog.relation("public", "b")
    assert a is not None and b is not None
    lines = {line.split()[0]: line for line in relation_ddl(catalog, a).splitlines()[1:-1]}
    assert "ALWAYS AS IDENTITY (SEQUENCE NAME public.a_ids INCREMENT BY 5" in lines["id"]
    assert "START WITH 100" in lines["id"] and "a_n_seq" not in lines["id"]
    assert "BY DEFAULT AS IDENTITY (SEQUENCE NAME public.a_n_seq INCREMENT BY 1" in lines["n"]
    b_id = relation_ddl(catalog, b).splitlines()[1]
    assert "(SEQUENCE NAME public.b_id_seq " in b_id and "START WITH 7" in b_id


def test_a_not_valid_not_null_is_read_and_written_as_one(new_database: Callable[[], str]) -> None:
    """PostgreSQL 18's NOT NULL ... NOT VALID: the model keeps its name beside attnotnull (it read as a valid
    NOT NULL), and the table's DDL adds it NOT VALID after CREATE TABLE, which would make it valid; the table
    re-created from that DDL has the same fingerprint (which says NOT VALID)."""
    source, target = new_database(), new_database()
    table = (
        "CREATE TABLE t (id int PRIMARY KEY, c int, d int NOT NULL); INSERT INTO t VALUES (1, NULL, 1);"
        "ALTER TABLE t ADD CONSTRAINT t_c_nn NOT NULL c NOT VALID;"
    )
    run_sql(source, table)
    catalog = asyncio.run(_introspect(source))
    t = catalog.relation("public", "t")
    assert t is not None
    c, d = t.column("c"), t.column("d")
    assert c is not None and c.not_null and c.not_null_not_valid == "t_c_nn"
    assert d is not None and d.not_null and d.not_null_not_valid is None
    from dibs_tui.ui.describe import column_flags

    assert "NOT NULL NOT VALID" in column_flags(t, c) and "NOT NULL" in column_flags(t, d)  # the card says it
    text = relation_ddl(catalog, t)
    assert (
        "    c integer,\n" in text
        and "ALTER TABLE public.t ADD CONSTRAINT t_c_nn NOT NULL c NOT VALID;" in text
    )
    psql_file(target, "relation_ddl(t)", text=text)
    assert not compare(*(asyncio.run(fingerprint_dsn(dsn)) for dsn in (source, target)))


def test_a_parents_not_valid_not_null_is_not_written_again_on_its_partition(
    new_database: Callable[[], str],
) -> None:
    """The parent's NOT VALID NOT NULL reaches its partition NOT VALID (read there too): the partition's DDL
    leaves it to the parent's, as the server does; a constraint of its own would be refused, the name taken."""
    source = new_database()
    run_sql(
        source,
        "CREATE TABLE p (id int, c int) PARTITION BY RANGE (id); CREATE TABLE p1 PARTITION OF p FOR VALUES "
        "FROM (0) TO (10); ALTER TABLE p ADD CONSTRAINT p_c_nn NOT NULL c NOT VALID;",
    )
    catalog = asyncio.run(_introspect(source))
    p, p1 = catalog.relation("public", "p"), catalog.relation("public", "p1")
    assert p is not None and p1 is not None
    assert [c.not_null_not_valid for c in p1.columns if c.name == "c"] == ["p_c_nn"]
    assert "ADD CONSTRAINT p_c_nn NOT NULL c NOT VALID;" in relation_ddl(catalog, p)
    assert "NOT VALID" not in relation_ddl(catalog, p1)


@pytest.mark.parametrize("case", ["generated_columns_virtual", "temporal_keys_and_enforcement"])
@pytest.mark.parametrize("side", ["current.sql", "desired.sql"])
def test_whole_schema_sql_keeps_postgresql_18s_schema_features(
    new_database: Callable[[], str], case: str, side: str
) -> None:
    """`schema --sql` re-creates VIRTUAL and STORED generated columns as they are (a bare GENERATED ALWAYS AS is
    VIRTUAL in 18), WITHOUT OVERLAPS keys, PERIOD foreign keys and NOT ENFORCED constraints: loaded into an
    empty database, the fingerprint is the source's."""
    source, target = new_database(), new_database()
    psql_file(source, side, text=(Path(__file__).parent / "diffcases" / case / side).read_text())
    script = whole_schema_sql(asyncio.run(_introspect(source)))
    psql_file(target, f"whole_schema_sql({case}/{side})", text=script)
    assert not compare(*(asyncio.run(fingerprint_dsn(dsn)) for dsn in (source, target)))
