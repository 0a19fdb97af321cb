"""What a DROP TABLE / VIEW ... CASCADE or a DROP COLUMN ... CASCADE takes along, said by kind and name from the
server's pg_depend walk, and checked by running the DROP and reading what is left."""

from __future__ import annotations

import re

from tests.counting import runs
from tests.pg import execute, fetch, review
from tests.test_review_cascades import TREE


async def test_drop_cascade_says_the_views_and_keys_it_takes_along(db: str) -> None:
    await execute(
        db,
        TREE + "CREATE VIEW old_parents AS SELECT id FROM parent WHERE old;"
        "CREATE VIEW older AS SELECT id FROM old_parents;"
        "CREATE MATERIALIZED VIEW parent_ids AS SELECT id FROM parent;"
        "CREATE VIEW unrelated AS SELECT id FROM grandchild;"
        "CREATE TABLE inbox (id int); CREATE VIEW inbox_ids AS SELECT id FROM inbox;"
        "CREATE RULE copy AS ON INSERT TO inbox DO ALSO INSERT INTO parent VALUES (NEW.id, false);",
    )
    sql = "DROP TABLE parent CASCADE"  # drops the rule on inbox, not inbox nor the view that reads it
    result = await review(db, sql)
    said = sorted(h.message.split(" (")[0] for _, h in result.hazards if h.message.startswith("the CASCADE"))
    assert said == [
        "the CASCADE also drops materialized view parent_ids and its 4 rows",
        "the CASCADE also drops rule copy on table public.inbox",
        "the CASCADE also drops the foreign key child_parent_id_fkey of child: its rows stay, no longer checked",
        "the CASCADE also drops the foreign key note_parent_id_fkey of note: its rows stay, no longer checked",
        "the CASCADE also drops view old_parents: the clients that read it break",
        "the CASCADE also drops view older: the clients that read it break",
    ], result.to_text()
    assert await runs(db, sql)
    left = await fetch(
        db,
        "SELECT (SELECT count(*) FROM child) AS child, to_regclass('older') IS NULL AS v, "
        "to_regclass('parent_ids') IS NULL AS m, to_regclass('unrelated') IS NOT NULL AS kept, "
        "(SELECT count(*) FROM pg_constraint WHERE contype = 'f' AND conrelid = 'child'::regclass) AS keys, "
        "to_regclass('inbox_ids') IS NOT NULL AS inbox",
    )
    assert tuple(left[0]) == (4, True, True, True, 0, True)
    # Dropped together, a table's key to another named table is not 'taken along'; without CASCADE, nothing is.
    both = await review(db, "DROP TABLE child, grandchild CASCADE")
    assert [h.message for _, h in both.hazards if "CASCADE also" in h.message] == [
        "the CASCADE also drops view unrelated: the clients that read it break"
    ]
    assert not [h for _, h in (await review(db, "DROP TABLE child")).hazards if "CASCADE" in h.message]


async def test_drop_column_cascade_says_the_views_that_read_the_column(db: str) -> None:
    await execute(
        db,
        TREE + "CREATE VIEW flags AS SELECT id, old FROM parent; CREATE VIEW ids AS SELECT id FROM parent;"
        "CREATE VIEW flag_count AS SELECT count(*) FILTER (WHERE old) AS n FROM flags;"
        "CREATE TABLE empty (id int); CREATE VIEW empty_ids AS SELECT id FROM empty;",
    )
    sql = "ALTER TABLE parent DROP COLUMN old CASCADE"
    result = await review(db, sql)
    assert sorted(h.message for _, h in result.hazards if "CASCADE also" in h.message) == [
        "the CASCADE also drops view flag_count: the clients that read it break",
        "the CASCADE also drops view flags: the clients that read it break",
    ], result.to_text()
    # An empty table's column: no rows to count, its views still go
    assert [
        h.message
        for _, h in (await review(db, "ALTER TABLE empty DROP COLUMN id CASCADE")).hazards
        if "CASCADE also" in h.message
    ] == ["the CASCADE also drops view empty_ids: the clients that read it break"]
    keyed = await review(db, "ALTER TABLE parent DROP COLUMN id CASCADE")
    assert sorted(h.message.split(":")[0] for _, h in keyed.hazards if "CASCADE also" in h.message) == [
        "the CASCADE also drops the foreign key child_parent_id_fkey of child",
        "the CASCADE also drops the foreign key note_parent_id_fkey of note",
        "the CASCADE also drops view flag_count",
        "the CASCADE also drops view flags",
        "the CASCADE also drops view ids",
    ], keyed.to_text()
    assert await runs(db, sql)
    gone = await fetch(
        db,
        "SELECT to_regclass('flags') IS NULL AND to_regclass('flag_count') IS NULL AS g, "
        "to_regclass('ids') IS NOT NULL AS kept",
    )
    assert tuple(gone[0]) == (True, True)


async def test_drop_table_cascade_names_every_kind_of_object_it_takes_along(db: str) -> None:
    """Policies, rules and triggers of other tables, another table's DEFAULT on its sequence, a function whose
    body reads it, a column of its row type, a table inheriting from it, its publication: each said by kind and
    name, and each gone once the DROP runs; the other tables and their rows stay."""
    await execute(
        db,
        "CREATE TABLE a (id serial PRIMARY KEY, v int); INSERT INTO a (v) VALUES (1), (2);"
        "CREATE TABLE b (id int DEFAULT nextval('a_id_seq') PRIMARY KEY, a_id int); INSERT INTO b VALUES (1, 1);"
        "ALTER TABLE b ENABLE ROW LEVEL SECURITY;"
        "CREATE POLICY seen ON b USING (EXISTS (SELECT 1 FROM a WHERE a.id = b.a_id));"
        "CREATE RULE mirror AS ON INSERT TO b DO ALSO INSERT INTO a (v) VALUES (NEW.a_id);"
        "CREATE FUNCTION noop() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NULL; END$$;"
        "CREATE CONSTRAINT TRIGGER watch AFTER INSERT ON b FROM a FOR EACH ROW EXECUTE FUNCTION noop();"
        "CREATE FUNCTION a_count() RETURNS bigint LANGUAGE sql BEGIN ATOMIC SELECT count(*) FROM a; END;"
        "CREATE TABLE kid (extra int) INHERITS (a); INSERT INTO kid (v, extra) VALUES (3, 3);"
        "CREATE TABLE holder (id int, snap a); INSERT INTO holder VALUES (1, ROW(1, 1));"
        "CREATE PUBLICATION pub FOR TABLE a;",
    )
    sql = "DROP TABLE a CASCADE"
    result = await review(db, sql)
    said = sorted(
        re.sub(r" \([0-9.]+ kB\)", "", h.message) for _, h in result.hazards if " also " in h.message
    )
    assert said == [
        "the CASCADE also drops column snap of table public.holder (it depends on type public.a): its values "
        "are lost",
        "the CASCADE also drops default value for column id of table public.b (it depends on sequence "
        "public.a_id_seq): an INSERT that leaves the column out then stores NULL",
        "the CASCADE also drops function public.a_count() (it depends on table public.a): its callers fail",
        "the CASCADE also drops policy seen on table public.b (it depends on table public.a): row-level "
        "security changes, the rows it let through are hidden",
        "the CASCADE also drops rule mirror on table public.b (it depends on table public.a): what it did on "
        "the table's writes stops",
        "the CASCADE also drops table kid and its 1 row (it depends on table public.a)",
        "the DROP also drops trigger watch on table public.b (it depends on table public.a): it no longer fires",
        "the DROP also removes publication of table public.a in publication pub: its subscribers stop "
        "receiving it",
    ], result.to_text()
    assert await runs(db, sql)
    left = await fetch(
        db,
        "SELECT (SELECT count(*) FROM b) AS b, (SELECT count(*) FROM pg_attrdef WHERE adrelid = 'b'::regclass) "
        "AS defaults, (SELECT count(*) FROM pg_policy) AS policies, (SELECT count(*) FROM pg_rewrite "
        "WHERE ev_class = 'b'::regclass) AS rules, (SELECT count(*) FROM pg_trigger WHERE tgname = 'watch') "
        "AS triggers, to_regprocedure('a_count()') IS NULL AS fn, to_regclass('kid') IS NULL AS kid, "
        "(SELECT count(*) FROM pg_attribute WHERE attrelid = 'holder'::regclass AND attname = 'snap' "
        "AND NOT attisdropped) AS snap, (SELECT count(*) FROM pg_publication_rel) AS members",
    )
    assert dict(left[0]) == {
        "b": 1,
        "defaults": 0,
        "policies": 0,
        "rules": 0,
        "triggers": 0,
        "fn": True,
        "kid": True,
        "snap": 0,
        "members": 0,
    }


async def test_drop_column_cascade_names_what_goes_with_the_column(db: str) -> None:
    await execute(
        db,
        "CREATE TABLE t (id int PRIMARY KEY, v int, g int GENERATED ALWAYS AS (v * 2) STORED, w int);"
        "INSERT INTO t VALUES (1, 1, DEFAULT, 1);"
        "CREATE INDEX t_v ON t (v); CREATE INDEX t_w ON t (w); CREATE STATISTICS t_vw ON v, w FROM t;"
        "CREATE FUNCTION noop() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NULL; END$$;"
        "CREATE TRIGGER t_v_changed AFTER UPDATE OF v ON t FOR EACH ROW EXECUTE FUNCTION noop();"
        "ALTER TABLE t ENABLE ROW LEVEL SECURITY; CREATE POLICY small ON t AS RESTRICTIVE USING (v < 10);"
        "CREATE PUBLICATION tp FOR TABLE t (id, v);",
    )
    sql = "ALTER TABLE t DROP COLUMN v CASCADE"
    result = await review(db, sql)
    said = sorted(h.message for _, h in result.hazards if " also " in h.message)
    assert said == [
        "the CASCADE also drops column g of table public.t (generated from column v of table public.t): its "
        "values are lost",
        "the CASCADE also drops policy small on table public.t (it depends on column v of table public.t): "
        "row-level security changes, the rows it held back are shown",
        "the CASCADE also drops trigger t_v_changed on table public.t (it depends on column v of table "
        "public.t): it no longer fires",
        "the DROP also drops index public.t_v (it depends on column v of table public.t): no longer there for "
        "queries",
        "the DROP also drops statistics object public.t_vw (it depends on column v of table public.t): the "
        "planner's estimates lose it",
        "the DROP also removes publication of table public.t in publication tp: its subscribers stop "
        "receiving it",
    ], result.to_text()
    assert await runs(db, sql)
    left = await fetch(
        db,
        "SELECT (SELECT array_agg(attname ORDER BY attnum) FROM pg_attribute WHERE attrelid = 't'::regclass "
        "AND attnum > 0 AND NOT attisdropped)::text[] AS columns, to_regclass('t_v') IS NULL AS index, "
        "to_regclass('t_w') IS NOT NULL AS kept, (SELECT count(*) FROM pg_statistic_ext) AS stats, "
        "(SELECT count(*) FROM pg_trigger WHERE tgname = 't_v_changed') AS triggers, "
        "(SELECT count(*) FROM pg_policy) AS policies, (SELECT count(*) FROM pg_publication_rel) AS members",
    )
    assert dict(left[0]) == {
        "columns": ["id", "w"],
        "index": True,
        "kept": True,
        "stats": 0,
        "triggers": 0,
        "policies": 0,
        "members": 0,
    }


async def test_drop_type_cascade_says_the_columns_it_drops(db: str) -> None:
    """DROP TYPE / DOMAIN ... CASCADE drops every column of the type, of its array and of a domain over it,
    with their values (the tables stay): the review said nothing of it."""
    await execute(
        db,
        "CREATE TYPE mood AS ENUM ('sad', 'ok'); CREATE DOMAIN code AS text CHECK (VALUE <> '');"
        "CREATE DOMAIN good_mood AS mood; CREATE TABLE person (id int, m mood, ms mood[], g good_mood, c code);"
        "CREATE TABLE unrelated (id int, s text); INSERT INTO person VALUES (1, 'ok', '{sad}', 'ok', 'x');",
    )
    sql = "DROP TYPE mood CASCADE"
    result = await review(db, sql)
    said = sorted(h.message.split(" (")[0] for _, h in result.hazards if h.kind == "data-loss")
    assert said == [
        "the CASCADE also drops column g of table public.person",
        "the CASCADE also drops column m of table public.person",
        "the CASCADE also drops column ms of table public.person",
    ], result.to_text()
    domain = await review(db, "DROP DOMAIN code CASCADE")
    assert [h.message.split(" (")[0] for _, h in domain.hazards if h.kind == "data-loss"] == [
        "the CASCADE also drops column c of table public.person"
    ], domain.to_text()
    assert await runs(db, sql)
    left = await fetch(
        db, "SELECT attname FROM pg_attribute WHERE attrelid = 'person'::regclass AND attnum > 0"
    )
    assert sorted(r[0] for r in left if not r[0].startswith("........")) == ["c", "id"]
