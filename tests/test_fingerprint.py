"""The independent fingerprint: every kind of object shows up as a line, two databases with the same schema
give the same fingerprint, and each kind of change is seen (on the real server)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import asyncpg
import pytest

from dibs_tui.core.fingerprint import Fingerprint, compare, fingerprint
from tests.pg import psql_file, run_sql

EVERYTHING = """
CREATE SCHEMA app;
CREATE EXTENSION IF NOT EXISTS citext SCHEMA app;
CREATE TYPE app.mood AS ENUM ('sad', 'ok', 'happy');
CREATE TYPE app.pair AS (x integer, y text);
CREATE TYPE app.span AS RANGE (subtype = float8);
CREATE DOMAIN app.positive AS integer NOT NULL DEFAULT 1 CONSTRAINT positive_check CHECK (VALUE > 0);
CREATE COLLATION app.c_copy FROM "C";
CREATE SEQUENCE app.counter INCREMENT 5 MINVALUE 10 MAXVALUE 1000 CACHE 3 CYCLE;
CREATE TABLE app.parent (id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY, note text COLLATE "C",
                         body app.citext, mood app.mood DEFAULT 'ok', n app.positive,
                         total numeric(10, 2) GENERATED ALWAYS AS (n * 2) STORED)
  WITH (fillfactor = 70);
ALTER TABLE app.parent ALTER COLUMN note SET STORAGE EXTERNAL, ALTER COLUMN note SET STATISTICS 50,
  ALTER COLUMN body SET (n_distinct = 5);
ALTER TABLE app.parent REPLICA IDENTITY FULL;
CREATE TABLE app.child (extra text) INHERITS (app.parent);
CREATE TABLE app.log (id bigserial, at timestamptz NOT NULL, parent_id integer REFERENCES app.parent (id)
  ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED, CHECK (at > '2000-01-01')) PARTITION BY RANGE (at);
CREATE TABLE app.log_2024 PARTITION OF app.log FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE TABLE app.scratch (a int, b int);
CREATE UNLOGGED TABLE app.fleeting (a int);
CREATE INDEX parent_note ON app.parent (lower(note)) WHERE id > 10;
CREATE STATISTICS app.scratch_stats (dependencies) ON a, b FROM app.scratch;
CREATE VIEW app.happy AS SELECT id, note FROM app.parent WHERE mood = 'happy' WITH CHECK OPTION;
CREATE MATERIALIZED VIEW app.counts AS SELECT mood, count(*) FROM app.parent GROUP BY mood WITH NO DATA;
CREATE FUNCTION app.touch() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog
  AS $$ BEGIN RETURN NEW; END $$;
CREATE PROCEDURE app.noop(a integer) LANGUAGE sql BEGIN ATOMIC SELECT 1; END;
CREATE AGGREGATE app.total(integer) (SFUNC = int4pl, STYPE = integer, INITCOND = '0');
CREATE TRIGGER parent_touch BEFORE UPDATE ON app.parent FOR EACH ROW EXECUTE FUNCTION app.touch();
CREATE RULE scratch_no_delete AS ON DELETE TO app.scratch DO INSTEAD NOTHING;
ALTER TABLE app.parent ENABLE ROW LEVEL SECURITY;
CREATE POLICY own ON app.parent FOR SELECT TO PUBLIC USING (id > 0);
CREATE FUNCTION app.no_ddl() RETURNS event_trigger LANGUAGE plpgsql AS $$ BEGIN END $$;
CREATE EVENT TRIGGER no_ddl ON ddl_command_start WHEN TAG IN ('DROP TABLE') EXECUTE FUNCTION app.no_ddl();
CREATE FUNCTION app.pair_eq(app.pair, app.pair) RETURNS boolean LANGUAGE sql IMMUTABLE AS 'SELECT $1.x = $2.x';
CREATE OPERATOR app.=== (LEFTARG = app.pair, RIGHTARG = app.pair, FUNCTION = app.pair_eq);
CREATE OPERATOR FAMILY app.fam USING btree;
CREATE TEXT SEARCH CONFIGURATION app.cfg (COPY = pg_catalog.simple);
CREATE TEXT SEARCH DICTIONARY app.dict (TEMPLATE = pg_catalog.simple, STOPWORDS = english);
CREATE CAST (app.pair AS text) WITH INOUT;
CREATE FOREIGN DATA WRAPPER dummy;
CREATE SERVER far FOREIGN DATA WRAPPER dummy OPTIONS (host 'db.example', password 'hunter2');
CREATE USER MAPPING FOR PUBLIC SERVER far OPTIONS (password 'hunter3');
CREATE FOREIGN TABLE app.remote (a integer OPTIONS (column_name 'x')) SERVER far OPTIONS (table_name 'r');
CREATE PUBLICATION pub FOR TABLE app.scratch (a) WHERE (a > 1);
COMMENT ON TABLE app.parent IS 'parents';
COMMENT ON COLUMN app.parent.note IS 'a note';
COMMENT ON FUNCTION app.total(integer) IS 'sums';
COMMENT ON POLICY own ON app.parent IS 'the rule';
GRANT SELECT (note) ON app.parent TO PUBLIC;
GRANT USAGE ON SCHEMA app TO PUBLIC;
REVOKE EXECUTE ON FUNCTION app.touch() FROM PUBLIC;
ALTER DEFAULT PRIVILEGES IN SCHEMA app GRANT SELECT ON TABLES TO PUBLIC;
"""


def _fingerprint(dsn: str, **kwargs: object) -> Fingerprint:
    async def go() -> Fingerprint:
        conn = await asyncpg.connect(dsn)
        try:
            return await fingerprint(conn, **kwargs)  # type: ignore[arg-type]
        finally:
            await conn.close()

    return asyncio.run(go())


@pytest.fixture
def twins(new_database: Callable[[], str]) -> tuple[str, str]:
    a, b = new_database(), new_database()
    psql_file(a, "everything", text=EVERYTHING)
    psql_file(b, "everything", text=EVERYTHING)
    return a, b


def test_every_kind_has_its_line(twins: tuple[str, str]) -> None:
    lines = _fingerprint(twins[0]).lines
    text = "\n".join(lines)
    for expected in (
        "schema app",
        "type app.mood enum ('sad', 'ok', 'happy')",
        "column app.pair.y #2 text",
        "type app.span range of double precision",
        "type app.positive domain over integer not null default 1",
        "constraint app.positive positive_check: CHECK ((VALUE > 0))",
        "collation app.c_copy {",
        '"collcollate": "C"',
        "sequence app.counter bigint start 10 increment 5 min 10 max 1000 cache 3 cycle",
        "sequence app.parent_id_seq integer start 1 increment 1",
        "owned by app.parent.id (identity)",
        "relation app.parent kind r persistence p using heap replica identity f row security with (fillfactor=70)",
        'column app.parent.note text collate pg_catalog."C" storage e statistics 50',
        "column app.parent.body app.citext options (n_distinct=5)",
        "column app.parent.total numeric(10,2) generated stored default",
        "column app.child.id integer not null inherited 1",
        "inherits app.child from app.parent #1",
        "partition by RANGE (at)",
        "partition bound FOR VALUES FROM",
        "relation app.fleeting kind r persistence u",
        "index CREATE INDEX parent_note ON app.parent USING btree (lower(note)) WHERE (id > 10)",
        "DEFERRABLE INITIALLY DEFERRED",
        "statistics app.scratch_stats {f} on a, b from app.scratch",
        "relation app.happy kind v",
        "check_option=cascaded",
        "SECURITY DEFINER",
        "SET search_path TO 'pg_catalog'",
        "function app.noop(integer): CREATE OR REPLACE PROCEDURE",
        "function app.total(integer): aggregate integer kind n direct 0 sfunc int4pl(integer,integer)",
        "trigger app.parent parent_touch: CREATE TRIGGER parent_touch BEFORE UPDATE ON app.parent",
        "rule app.scratch scratch_no_delete: CREATE RULE scratch_no_delete AS",
        "policy app.parent own permissive for r to PUBLIC using ((id > 0))",
        "event trigger no_ddl on ddl_command_start execute app.no_ddl() enabled O tags DROP TABLE",
        "operator app.===(app.pair,app.pair) returns boolean function app.pair_eq(app.pair,app.pair)",
        "operator family app.fam using btree",
        'text search configuration app.cfg parser pg_catalog."default"',
        "text search mapping app.cfg token",
        "text search dictionary app.dict template pg_catalog.simple options stopwords = 'english'",
        "cast (app.pair AS text) with inout context e",
        "extension citext version",
        "foreign data wrapper dummy",
        "server far wrapper dummy options host=db.example,password=***",
        "user mapping for PUBLIC server far",
        "relation app.remote kind f",
        "server far options table_name=r",
        "column app.remote.a integer fdw options (column_name=x)",
        "publication pub ",
        "publication pub table app.scratch where (a > 1) columns a",
        "comment on table app.parent: parents",
        "comment on table column app.parent.note: a note",
        "comment on aggregate app.total(integer): sums",
        "comment on policy own on app.parent: the rule",
        "grant column app.parent.note: SELECT to PUBLIC by (owner)",
        "grant schema app: USAGE to PUBLIC by (owner)",
        "revoke function app.touch(): EXECUTE from PUBLIC",
        "default privileges for",
        "in schema app on r: SELECT to PUBLIC",
        "owner relation app.parent:",
    ):
        assert expected in text, expected
    assert "hunter" not in text
    assert "grant relation app.parent: SELECT to (owner)" not in text, (
        "default privileges are not spelled out"
    )
    assert not [line for line in lines if "citext" in line and line.startswith("function ")], (
        "extension members"
    )
    assert not [line for line in lines if "pg_catalog." in line and line.startswith("relation ")]


def test_same_schema_same_fingerprint_in_another_database(twins: tuple[str, str]) -> None:
    a, b = _fingerprint(twins[0]), _fingerprint(twins[1])
    assert not compare(a, b)
    assert a.digest == b.digest
    assert len(a.digest) == 64


CHANGES = (
    ("ALTER TABLE app.parent SET (fillfactor = 80)", "fillfactor=80"),
    ("ALTER TABLE app.parent REPLICA IDENTITY DEFAULT", "replica identity d"),
    ("ALTER TYPE app.mood ADD VALUE 'meh'", "'meh'"),
    ("ALTER TYPE app.pair ADD ATTRIBUTE z integer", "column app.pair.z #3 integer"),
    ("CREATE OR REPLACE RULE scratch_no_delete AS ON DELETE TO app.scratch DO ALSO NOTHING", "DO NOTHING"),
    ("ALTER SEQUENCE app.counter NO CYCLE", "cache 3"),
    ("ALTER FUNCTION app.touch() SECURITY INVOKER", "CREATE OR REPLACE FUNCTION app.touch()"),
    ("ALTER FUNCTION app.touch() SET work_mem = '64MB'", "work_mem"),
    ("COMMENT ON AGGREGATE app.total(integer) IS 'adds'", "comment on aggregate app.total(integer): adds"),
    ("ALTER EVENT TRIGGER no_ddl DISABLE", "enabled D"),
    ("ALTER SERVER far OPTIONS (SET host 'other')", "host=other"),
    ("ALTER TABLE app.child NO INHERIT app.parent", "column app.child.id integer not null"),
    ("ALTER PUBLICATION pub SET (publish = 'insert')", "publication pub {"),
    ("GRANT INSERT ON app.scratch TO PUBLIC", "grant relation app.scratch: INSERT to PUBLIC"),
    ("ALTER TEXT SEARCH CONFIGURATION app.cfg DROP MAPPING FOR word", "text search mapping app.cfg"),
    ("DROP CAST (app.pair AS text)", "cast (app.pair AS text)"),
    ("ALTER TABLE app.parent ALTER COLUMN note SET COMPRESSION pglz", "compression p"),
)


def test_each_kind_of_change_is_seen(new_database: Callable[[], str]) -> None:
    """One change at a time on the same database, each compared with the fingerprint just before it."""
    dsn = new_database()
    psql_file(dsn, "everything", text=EVERYTHING)
    before = _fingerprint(dsn)
    for change, seen in CHANGES:
        run_sql(dsn, change)
        after = _fingerprint(dsn)
        diff = compare(before, after)
        assert any(seen in line for line in diff.before + diff.after), (change, diff.describe())
        assert before.digest != after.digest, change
        before = after


def test_a_materialized_view_filled_is_the_same_schema(new_database: Callable[[], str]) -> None:
    """Whether a materialized view holds rows is data, as for the diff (Relation.unpopulated): a nightly
    REFRESH moves no guard, and a schema-only dump (every one WITH NO DATA) proves against a filled live one."""
    dsn = new_database()
    psql_file(dsn, "everything", text=EVERYTHING)
    before = _fingerprint(dsn)
    run_sql(dsn, "REFRESH MATERIALIZED VIEW app.counts")
    assert _fingerprint(dsn) == before


def test_schema_filters_and_left_out_tables(new_database: Callable[[], str]) -> None:
    """Other tools' tables, meta tables and excluded patterns leave no line, not even for what they own."""
    dsn = new_database()
    run_sql(
        dsn,
        "CREATE SCHEMA other; CREATE TABLE other.t (a int); CREATE TABLE public.alembic_version (v text PRIMARY KEY);"
        "CREATE TABLE public.audit_x (id serial, a int); COMMENT ON TABLE public.audit_x IS 'x';"
        "CREATE TABLE public.kept (id int)",
    )
    everything = "\n".join(_fingerprint(dsn).lines)
    assert "relation other.t" in everything and "alembic_version" not in everything
    narrowed = "\n".join(_fingerprint(dsn, include=("public",), left_out=("audit_*",)).lines)
    assert "other" not in narrowed and "audit_x" not in narrowed and "relation public.kept" in narrowed
    assert "other" not in "\n".join(_fingerprint(dsn, exclude=("other",)).lines)
    assert "owner " not in "\n".join(_fingerprint(dsn, owners=False).lines)
