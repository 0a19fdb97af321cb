"""Counts on live data, checked against what PostgreSQL 18 then does: a statement the review says fails on the
rows there now does fail when run; one it says loses data runs and the values change; one it passes runs
and every value is kept."""

from __future__ import annotations

import json

import pytest

from dibs_tui.core.review import count_queries
from tests.counting import (
    FAILS,
    KEYED,
    LOSS,
    MOODS,
    PAIRS,
    PARENT,
    ROWS,
    TEMPORAL,
    TEMPORAL_FK,
    T,
    counted,
    runs,
)
from tests.pg import execute, fetch, review

# (setup after T + ROWS, migration, what the review must report: FAILS, LOSS or None, a text in the message)
CASES = [
    ("UPDATE t SET v = NULL WHERE id = 2;", "ALTER TABLE t ALTER COLUMN v SET NOT NULL", FAILS, "(id)=(2)"),
    ("", "ALTER TABLE t ALTER COLUMN v SET NOT NULL", None, ""),
    ("", "ALTER TABLE t ADD COLUMN w int NOT NULL", FAILS, "3 existing rows"),
    ("", "ALTER TABLE t ADD COLUMN w int NOT NULL DEFAULT 0", None, ""),
    ("", "ALTER TABLE t ADD COLUMN w int DEFAULT 7 UNIQUE", FAILS, "constant DEFAULT 7"),
    ("", "ALTER TABLE t ADD COLUMN w uuid DEFAULT gen_random_uuid() UNIQUE", None, ""),
    ("UPDATE t SET v = 'x';", "ALTER TABLE t ADD CONSTRAINT u UNIQUE (v)", FAILS, "(e.g. (x))"),
    ("", "CREATE UNIQUE INDEX u ON t (lower(v))", None, ""),
    ("UPDATE t SET v = upper(v) WHERE id = 1; INSERT INTO t VALUES (4, 'abc');",
     "CREATE UNIQUE INDEX u ON t (lower(v))", FAILS, "1 duplicate value group"),
    ("", "ALTER TABLE t ADD CONSTRAINT c CHECK (length(v) < 4)", FAILS, "(id)=(2)"),
    ("", "ALTER TABLE t ADD CONSTRAINT c CHECK (length(v) < 4) NOT VALID", None, ""),
    ("", "ALTER TABLE t ADD CONSTRAINT c CHECK (length(v) < 4) NOT ENFORCED", None, ""),
    ("", "ALTER TABLE t ADD CONSTRAINT c CHECK (length(v) < 4) NOT VALID;\n"
     "ALTER TABLE t VALIDATE CONSTRAINT c", FAILS, "violate CHECK"),
    ("", "ALTER TABLE t ADD CONSTRAINT c CHECK (length(v) < 9) NOT VALID;\n"
     "ALTER TABLE t VALIDATE CONSTRAINT c", None, ""),
    ("ALTER TABLE t ADD CONSTRAINT c CHECK (n < 2) NOT VALID;", "ALTER TABLE t VALIDATE CONSTRAINT c", FAILS,
     "2 rows"),
    (PARENT + "UPDATE t SET p = 9 WHERE id = 3;", "ALTER TABLE t ADD FOREIGN KEY (p) REFERENCES parent", FAILS,
     "(id)=(3)"),
    (PARENT, "ALTER TABLE t ADD FOREIGN KEY (p) REFERENCES parent", None, ""),
    ("CREATE TABLE parent (id int PRIMARY KEY);", "ALTER TABLE t ADD FOREIGN KEY (p) REFERENCES parent", FAILS,
     "3 rows of t reference no row of parent"),
    (PARENT + "UPDATE t SET p = 9 WHERE id = 3; ALTER TABLE t ADD CONSTRAINT fk FOREIGN KEY (p) REFERENCES "
     "parent NOT VALID;", "ALTER TABLE t VALIDATE CONSTRAINT fk", FAILS, "reference"),
    (PAIRS, "ALTER TABLE t ADD FOREIGN KEY (a, b) REFERENCES pk2 MATCH FULL", FAILS,
     "1 row of t references no row of pk2 or mixes NULL and non-NULL keys (MATCH FULL)"),
    (PAIRS, "ALTER TABLE t ADD FOREIGN KEY (a, b) REFERENCES pk2", None, ""),
    (PAIRS + "ALTER TABLE t ADD CONSTRAINT fk FOREIGN KEY (a, b) REFERENCES pk2 MATCH FULL NOT VALID;",
     "ALTER TABLE t VALIDATE CONSTRAINT fk", FAILS, "(id)=(2)"),
    (PAIRS, "ALTER TABLE t ADD CONSTRAINT fk FOREIGN KEY (a, b) REFERENCES pk2 MATCH FULL NOT VALID;\n"
     "ALTER TABLE t VALIDATE CONSTRAINT fk", FAILS, "(id)=(2)"),
    (PARENT + "UPDATE t SET p = 9 WHERE id = 3; ALTER TABLE t ADD CONSTRAINT fk FOREIGN KEY (p) REFERENCES "
     "parent NOT ENFORCED;", "ALTER TABLE t ALTER CONSTRAINT fk ENFORCED", FAILS, "(id)=(3)"),
    (PARENT + "ALTER TABLE t ADD CONSTRAINT fk FOREIGN KEY (p) REFERENCES parent NOT ENFORCED;",
     "ALTER TABLE t ALTER CONSTRAINT fk ENFORCED", None, ""),
    (PARENT + "UPDATE t SET p = 9 WHERE id = 3;", "ALTER TABLE t ADD CONSTRAINT fk FOREIGN KEY (p) REFERENCES "
     "parent NOT ENFORCED;\nALTER TABLE t ALTER CONSTRAINT fk ENFORCED", FAILS, "(id)=(3)"),
    (TEMPORAL, TEMPORAL_FK, None, ""),
    (TEMPORAL + "UPDATE t SET at = daterange('2024-03-01', '2025-03-01') WHERE id = 2;", TEMPORAL_FK, FAILS,
     "1 row of t references no rows of tp that together cover its at: the foreign key cannot be added (e.g. (id)=(2))"),
    (TEMPORAL, "ALTER TABLE t ADD CONSTRAINT tk UNIQUE (p, at WITHOUT OVERLAPS)", FAILS,
     "3 rows of t overlap another row under (p, at WITHOUT OVERLAPS): the unique key cannot be added"),
    (TEMPORAL + "UPDATE t SET p = id;", "ALTER TABLE t ADD CONSTRAINT tk UNIQUE (p, at WITHOUT OVERLAPS)",
     None, ""),
    ("UPDATE t SET v = NULL WHERE id = 1; ALTER TABLE t ADD CONSTRAINT nn NOT NULL v NOT VALID;",
     "ALTER TABLE t VALIDATE CONSTRAINT nn", FAILS, "(id)=(1)"),
    ("UPDATE t SET v = NULL WHERE id = 1;", "ALTER TABLE t ADD CONSTRAINT nn NOT NULL v NOT VALID", None, ""),
    ("ALTER TABLE t ADD r int4range; UPDATE t SET r = int4range(id, id + 2);",
     "ALTER TABLE t ADD CONSTRAINT x EXCLUDE USING gist (r WITH &&)", FAILS, "conflict with another row"),
    ("ALTER TABLE t ADD r int4range; UPDATE t SET r = int4range(id * 10, id * 10 + 2);",
     "ALTER TABLE t ADD CONSTRAINT x EXCLUDE USING gist (r WITH &&)", None, ""),
    ("", "ALTER TABLE t ALTER COLUMN v TYPE varchar(3)", FAILS, "1 value of t.v does not fit varchar(3)"),
    ("", "ALTER TABLE t ALTER COLUMN v TYPE varchar(3) USING v::varchar(3)", LOSS, "cut short"),
    ("", "ALTER TABLE t ALTER COLUMN v TYPE varchar(10)", None, ""),
    ("UPDATE t SET n = 2.50 WHERE id = 2;", "ALTER TABLE t ALTER COLUMN n TYPE numeric(10,0)", LOSS, "rounded"),
    ("", "ALTER TABLE t ALTER COLUMN n TYPE numeric(10,0)", None, ""),
    ("UPDATE t SET n = 2.50 WHERE id = 2;", "ALTER TABLE t ALTER COLUMN n TYPE numeric(10,0) USING n::numeric",
     LOSS, "1 value of t.n changes when cast numeric(10,2) -> numeric(10,0) (rounded) (e.g. (id)=(2))"),
    ("", "ALTER TABLE t ALTER COLUMN p TYPE smallint USING p * 2", LOSS,
     "3 values of t.p change when cast integer -> smallint (USING p * 2 computes another value)"),
    ("UPDATE t SET ts = ts + interval '3 hours' WHERE id = 1;", "ALTER TABLE t ALTER COLUMN ts TYPE date", LOSS,
     "time or fraction dropped"),
    ("", "ALTER TABLE t ALTER COLUMN ts TYPE date", None, ""),
    ("UPDATE t SET f = 1.5 WHERE id = 1;", "ALTER TABLE t ALTER COLUMN f TYPE integer", LOSS, "(id)=(1)"),
    ("", "ALTER TABLE t ALTER COLUMN f TYPE integer", None, ""),
    ("UPDATE t SET f = 1e20 WHERE id = 1;", "ALTER TABLE t ALTER COLUMN f TYPE integer", FAILS, "out of range"),
    # Into a float: a value is kept where the float reads back as it (1234567890.123456; 1234567 as a real),
    # changed where it does not (more than 17 digits; an integer past 2^53, or 2^24 for a real), and an integer
    # rounded past its type's range by the float changes, it does not fail
    ("ALTER TABLE t ADD m numeric; UPDATE t SET m = 1234567890.123456; UPDATE t SET m = 1234567890123456 "
     "WHERE id = 3; UPDATE t SET m = 1234567890.123456789 WHERE id = 2;",
     "ALTER TABLE t ALTER COLUMN m TYPE double precision", LOSS,
     "1 value of t.m changes when cast numeric -> double precision (rounded) (e.g. (id)=(2))"),
    ("ALTER TABLE t ADD m numeric; UPDATE t SET m = 1234567890.123456; UPDATE t SET m = 0.1 WHERE id = 2;",
     "ALTER TABLE t ALTER COLUMN m TYPE double precision", None, ""),
    ("UPDATE t SET n = 1.25 WHERE id = 2; UPDATE t SET n = 12345678 WHERE id = 3;",
     "ALTER TABLE t ALTER COLUMN n TYPE real", None, ""),
    ("ALTER TABLE t ADD b bigint; UPDATE t SET b = 9007199254740992 + id;",
     "ALTER TABLE t ALTER COLUMN b TYPE double precision", LOSS,
     "2 values of t.b change when cast bigint -> double precision (rounded) (e.g. (id)=(1))"),
    ("ALTER TABLE t ADD b bigint; UPDATE t SET b = id; UPDATE t SET b = 9223372036854775807 WHERE id = 2;",
     "ALTER TABLE t ALTER COLUMN b TYPE double precision", LOSS,
     "1 value of t.b changes when cast bigint -> double precision (rounded) (e.g. (id)=(2))"),
    ("UPDATE t SET p = 16777217 WHERE id = 1; UPDATE t SET p = 2147483647 WHERE id = 3;",
     "ALTER TABLE t ALTER COLUMN p TYPE real", LOSS,
     "2 values of t.p change when cast integer -> real (rounded) (e.g. (id)=(1))"),
    ("UPDATE t SET p = 16777216;", "ALTER TABLE t ALTER COLUMN p TYPE real", None, ""),
    # A double precision into a real keeps a value whose text the real reads the same (0.1, 16777216 printed
    # 1.6777216e+07), not one whose digits it rounds
    ("UPDATE t SET f = 0.1; UPDATE t SET f = 1.2345678901 WHERE id = 2; UPDATE t SET f = 16777216 WHERE id = 3;",
     "ALTER TABLE t ALTER COLUMN f TYPE real", LOSS,
     "1 value of t.f changes when cast double precision -> real (rounded) (e.g. (id)=(2))"),
    ("UPDATE t SET f = 0.1; UPDATE t SET f = 16777216 WHERE id = 3;", "ALTER TABLE t ALTER COLUMN f TYPE real",
     None, ""),
    # A real into numeric keeps 6 significant digits, as a double precision 15
    ("ALTER TABLE t ADD r real; UPDATE t SET r = 0.5; UPDATE t SET r = 1.2345678 WHERE id = 3;",
     "ALTER TABLE t ALTER COLUMN r TYPE numeric", LOSS,
     "1 value of t.r changes when cast real -> numeric (rounded) (e.g. (id)=(3))"),
    ("ALTER TABLE t ADD z timestamptz; UPDATE t SET z = '2024-01-01'; UPDATE t SET z = z + interval '90 minutes' "
     "WHERE id = 2;", "ALTER TABLE t ALTER COLUMN z TYPE date", LOSS,
     "1 value of t.z changes when cast timestamp with time zone -> date (time or fraction dropped) (e.g. (id)=(2))"),
    ("UPDATE t SET p = 12345 WHERE id = 2;", "ALTER TABLE t ALTER COLUMN p TYPE varchar(3)", FAILS,
     "1 value of t.p does not fit varchar(3) (e.g. (id)=(2))"),
    ("", "ALTER TABLE t ALTER COLUMN p TYPE varchar(3)", None, ""),
    # varchar(n) cuts trailing spaces past n without a word (anything else past n fails, counted above)
    ("UPDATE t SET v = 'ab     ' WHERE id = 2;", "ALTER TABLE t ALTER COLUMN v TYPE varchar(3)", LOSS,
     "1 value of t.v changes when cast text -> character varying(3) (cut short) (e.g. (id)=(2))"),
    ("UPDATE t SET v = id::text WHERE id <> 2;", "ALTER TABLE t ALTER COLUMN v TYPE integer USING v::integer",
     FAILS, "1 value of t.v does not fit integer (e.g. (id)=(2))"),
    ("UPDATE t SET v = id::text;", "ALTER TABLE t ALTER COLUMN v TYPE integer USING v::integer", None, ""),
    ("UPDATE t SET p = 0 WHERE id = 2;", "ALTER TABLE t ADD COLUMN q int GENERATED ALWAYS AS (id / p) STORED",
     FAILS, "computing the stored column q raises on a row of t (division by zero)"),
    ("", "ALTER TABLE t ADD COLUMN q int GENERATED ALWAYS AS (id / p) STORED", None, ""),
    ("", "CREATE INDEX e ON t ((v::int))", FAILS, "invalid input syntax for type integer"),
    ("UPDATE t SET v = id::text;", "CREATE INDEX e ON t ((v::int))", None, ""),
    ("UPDATE t SET p = 0 WHERE id = 2;", "CREATE INDEX e ON t (id) WHERE 10 / p > 1", FAILS, "division by zero"),
    # A partial index computes its keys only where its predicate holds: the row it leaves out raises nothing
    ("UPDATE t SET p = 0 WHERE id = 2;", "CREATE INDEX e ON t ((10 / p)) WHERE p <> 0", None, ""),
    ("UPDATE t SET p = 0 WHERE id = 2;", "CREATE INDEX e ON t ((10 / p)) WHERE id > 1", FAILS, "division by zero"),
    (MOODS + "UPDATE t SET mo = 'happy' WHERE id = 2;", "CREATE TYPE mood2 AS ENUM ('sad', 'ok');\n"
     "ALTER TABLE t ALTER COLUMN mo TYPE mood2 USING mo::text::mood2", FAILS,
     "1 value of t.mo does not fit mood2 (e.g. (id)=(2))"),
    (MOODS, "CREATE TYPE mood2 AS ENUM ('sad', 'ok');\n"
     "ALTER TABLE t ALTER COLUMN mo TYPE mood2 USING mo::text::mood2", None, ""),
    (MOODS + "CREATE TYPE mood2 AS ENUM ('ok'); UPDATE t SET mo = 'sad' WHERE id > 1;",
     "ALTER TABLE t ALTER COLUMN mo TYPE mood2 USING mo::text::mood2", FAILS, "2 values of t.mo do not fit mood2"),
    (MOODS, "ALTER TABLE t ALTER COLUMN v TYPE mood USING v::mood", FAILS, "3 values of t.v do not fit mood"),
    # No cast joins the types: each value's text form must read as the new type (as the diff plans it)
    (MOODS, "ALTER TABLE t ALTER COLUMN p TYPE mood USING p::text::mood", FAILS,
     "3 values of t.p do not fit mood (no cast from integer to mood: converted through text, each value's text "
     "form must read as mood, else the step fails)"),
    ("CREATE EXTENSION hstore; ALTER TABLE t ADD j jsonb; UPDATE t SET j = '{}';",
     "ALTER TABLE t ALTER COLUMN j TYPE hstore USING j::text::hstore", FAILS,
     "values of t.j -> hstore (no cast from jsonb to hstore: converted through text, each value's text form must "
     "read as hstore, else the step fails) fails if any value does not convert; not counted"),
    (KEYED + "CREATE UNIQUE INDEX k_id ON k (id);", "ALTER TABLE k ADD PRIMARY KEY USING INDEX k_id", FAILS,
     "1 row of k has id NULL: the primary key cannot be added"),
    (KEYED, "CREATE UNIQUE INDEX k_id ON k (id);\nALTER TABLE k ADD CONSTRAINT k_pk PRIMARY KEY USING INDEX k_id",
     FAILS, "1 row of k has id NULL"),
    (KEYED + "UPDATE k SET id = 2 WHERE id IS NULL; CREATE UNIQUE INDEX k_id ON k (id);",
     "ALTER TABLE k ADD PRIMARY KEY USING INDEX k_id", None, ""),
    ("UPDATE t SET p = 40000 WHERE id = 2;", "ALTER TABLE t ALTER COLUMN p TYPE smallint", FAILS,
     "1 value of t.p does not fit smallint (e.g. (id)=(2))"),
    ("UPDATE t SET p = 40000 WHERE id = 2;", "ALTER TABLE t ALTER COLUMN p TYPE bigint", None, ""),
    ("", "UPDATE t SET v = 'z' WHERE id > 1", LOSS, "overwrites v in 2 rows of t (e.g. (id)=(2))"),
    ("", "UPDATE t AS x SET v = upper(x.v), p = 1", LOSS, "overwrites v in 3 rows of t (e.g. (id)=(1))"),
    ("UPDATE t SET v = NULL WHERE id > 1;", "UPDATE t SET v = 'z' WHERE v IS NULL", None, ""),
    ("", "UPDATE t SET v = v, p = 1 WHERE id > 1", None, ""),
    ("", "UPDATE t SET v = (SELECT 'z')", LOSS, "replaces the values of v in 3 rows of t (e.g. (id)=(1)) (at most "
     "these are lost: the new values were not compared with them, expression contains a subquery)"),
    # A backfill of NULLs from a subquery (the demo's pending migration): the rows it selects hold no value
    ("UPDATE t SET v = NULL WHERE id > 1;", "UPDATE t SET v = (SELECT 'z') WHERE v IS NULL", None, ""),
    ("UPDATE t SET v = NULL WHERE id > 1;", "UPDATE t SET v = (SELECT 'z') WHERE id > 0", LOSS,
     "replaces the values of v in 1 row of t"),
    (KEYED, "UPDATE t SET v = 'z' FROM k WHERE t.id = 2", LOSS, "not counted (it joins other tables (FROM))"),
    ("", "DELETE FROM t WHERE id > 1", LOSS, "deletes 2 rows of t (e.g. (id)=(2))"),
    ("", "DELETE FROM t AS x WHERE x.v = 'x'", LOSS, "deletes 1 row of t (e.g. (id)=(3))"),
    ("", "DELETE FROM public.t WHERE t.v <> 'x'", LOSS, "deletes 2 rows of public.t (e.g. (id)=(1))"),
    ("", "DELETE FROM t", LOSS, "deletes every row of t: its 3 rows"),
    ("", "DELETE FROM t WHERE id > 5", None, ""),
    ("", "DELETE FROM t WHERE id IN (SELECT 2)", LOSS, "not counted (expression contains a subquery)"),
    # A cast to an enum (its input function built in) is evaluated, schema-qualified as generate writes it
    (MOODS + "UPDATE t SET mo = 'sad' WHERE id = 2;", "ALTER TABLE t ADD CONSTRAINT c CHECK (mo <> 'sad'::public.mood)",
     FAILS, "violate CHECK (mo <> CAST('sad' AS public.mood)) (e.g. (id)=(2))"),
    (MOODS, "ALTER TABLE t ADD CONSTRAINT c CHECK (mo <> 'sad'::public.mood)", None, ""),
    (MOODS, "CREATE INDEX e ON t (id) WHERE mo <> 'nope'::public.mood", FAILS,
     'invalid input value for enum public.mood: "nope"'),
    (MOODS + "UPDATE t SET mo = 'sad' WHERE id = 2;", "DELETE FROM t WHERE mo = 'sad'::public.mood", LOSS,
     "deletes 1 row of t (e.g. (id)=(2))"),
    # A column this file adds: counted with the value the rows there get (NULL, or its constant DEFAULT)
    ("", "ALTER TABLE t ADD COLUMN e int;\nALTER TABLE t ADD CONSTRAINT c CHECK (e > 0)", None, ""),
    ("", "ALTER TABLE t ADD COLUMN e int DEFAULT 0;\nALTER TABLE t ADD CONSTRAINT c CHECK (e > 0)", FAILS,
     "3 rows of t violate CHECK (e > 0) (e.g. (id)=(1))"),
    ("", "ALTER TABLE t ADD COLUMN e int DEFAULT 1, ADD CONSTRAINT c CHECK (e > 0 AND id < 3)", FAILS,
     "(e.g. (id)=(3))"),
    ("", "ALTER TABLE t ADD COLUMN e text DEFAULT 'ab', ADD CONSTRAINT c CHECK (length(e) = 2)", None, ""),
    ("", "ALTER TABLE t ADD COLUMN e int;\nALTER TABLE t ALTER COLUMN e SET NOT NULL", FAILS,
     "e is added by this migration without a DEFAULT: its 3 rows hold NULL: SET NOT NULL fails"),
    ("", "ALTER TABLE t ADD COLUMN e int DEFAULT 7;\nALTER TABLE t ALTER COLUMN e SET NOT NULL", None, ""),
]  # fmt: skip


@pytest.mark.parametrize(("setup", "migration", "kind", "text"), CASES, ids=[c[1][:60] for c in CASES])
async def test_counted_and_checked_against_the_server(
    db: str, setup: str, migration: str, kind: str | None, text: str
) -> None:
    await execute(db, T + ROWS + setup)
    before = await fetch(db, "SELECT * FROM t ORDER BY id")
    result = await review(db, migration)
    found = counted(result, FAILS) + counted(result, LOSS)
    if kind is None:
        assert found == [], result.to_text()
        assert await runs(db, migration)
        assert await fetch(db, "SELECT * FROM t ORDER BY id") != [] or before == []
        return
    assert [h.kind for h in found] == [kind], result.to_text()
    assert text in found[0].message, found[0].message
    assert found[0].count or found[0].not_counted
    assert await fetch(db, "SELECT * FROM t ORDER BY id") == before  # the review changed nothing
    if kind == FAILS:
        assert not await runs(db, migration)
    else:
        assert await runs(db, migration)
        assert [tuple(r) for r in await fetch(db, "SELECT * FROM t ORDER BY id")] != [
            tuple(r) for r in before
        ]


@pytest.mark.parametrize(
    ("setup", "migration", "changed"),
    [
        ("ALTER TABLE t ADD m numeric; UPDATE t SET m = 1234567890.123456; UPDATE t SET m = 0.1 WHERE id = 2;",
         "ALTER TABLE t ALTER COLUMN m TYPE double precision", None),
        ("UPDATE t SET f = 0.1; UPDATE t SET f = 1.2345678901 WHERE id = 2;",
         "ALTER TABLE t ALTER COLUMN f TYPE real", "1 value of t.f changes"),
    ],
)  # fmt: skip
async def test_a_float_is_compared_by_its_shortest_text_whatever_the_database_sets(
    db: str, setup: str, migration: str, changed: str | None
) -> None:
    """extra_float_digits = 0 (a database's or a role's setting) prints a double precision with 15 digits:
    the comparison read 1234567890.123456 so and said it changed. It pins the shortest exact text."""
    name = db.rsplit("/", 1)[1]
    await execute(db, f"{T}{ROWS}{setup} ALTER DATABASE {name} SET extra_float_digits = 0;")
    found = [h.message for h in counted(await review(db, migration), LOSS)]
    if changed is None:
        assert found == []
    else:
        assert len(found) == 1 and changed in found[0], found


RANGE = (
    "CREATE TABLE m (id int, at date) PARTITION BY RANGE (at); CREATE TABLE m_def PARTITION OF m DEFAULT;"
    "INSERT INTO m VALUES (1, '2024-05-01'), (2, '2023-01-01');"
)
PAIR = (
    "CREATE TABLE m (a int, b int) PARTITION BY RANGE (a, b); CREATE TABLE m_def PARTITION OF m DEFAULT;"
    "INSERT INTO m VALUES (5, 7);"
)
LIST = (
    "CREATE TABLE m (id int, k text) PARTITION BY LIST (k); CREATE TABLE m_def PARTITION OF m DEFAULT;"
    "INSERT INTO m VALUES (1, 'a'), (2, NULL);"
)
OUTSIDE = "CREATE TABLE x (id int, at date); INSERT INTO x VALUES (3, '2026-02-01');"
# (setup, migration, FAILS or None, a text in the message): a bound checked against the default partition's
# rows and an attached table's, then run to see PostgreSQL agree.
PARTITION_CASES = [
    (RANGE, "CREATE TABLE m_24 PARTITION OF m FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')", FAILS,
     "1 row of the default partition public.m_def falls within FOR VALUES FROM ('2024-01-01') TO ('2025-01-01'): "
     "creating the partition fails"),
    (RANGE, "CREATE TABLE m_22 PARTITION OF m FOR VALUES FROM ('2022-01-01') TO ('2023-01-01')", None, ""),
    (RANGE, "CREATE TABLE m_lo PARTITION OF m FOR VALUES FROM (MINVALUE) TO ('2023-06-01')", FAILS, "(MINVALUE)"),
    (RANGE, "CREATE TABLE m_hi PARTITION OF m FOR VALUES FROM ('2024-06-01') TO (MAXVALUE)", None, ""),
    (RANGE + OUTSIDE, "ALTER TABLE m ATTACH PARTITION x FOR VALUES FROM ('2025-01-01') TO ('2026-01-01')", FAILS,
     "1 row of x lies outside"),
    (RANGE + OUTSIDE, "ALTER TABLE m ATTACH PARTITION x FOR VALUES FROM ('2026-01-01') TO ('2027-01-01')", None,
     ""),
    (RANGE + OUTSIDE, "ALTER TABLE m ATTACH PARTITION x FOR VALUES FROM ('2024-01-01') TO ('2027-01-01')", FAILS,
     "attaching the partition fails"),
    (PAIR, "CREATE TABLE m_5 PARTITION OF m FOR VALUES FROM (5, MINVALUE) TO (5, MAXVALUE)", FAILS, "(e.g."),
    (PAIR, "CREATE TABLE m_5 PARTITION OF m FOR VALUES FROM (5, 8) TO (6, 0)", None, ""),
    (PAIR, "CREATE TABLE m_5 PARTITION OF m FOR VALUES FROM (4, 0) TO (5, 8)", FAILS, "falls within"),
    (PAIR, "CREATE TABLE m_5 PARTITION OF m FOR VALUES FROM (4, MAXVALUE) TO (5, 7)", None, ""),
    (LIST, "CREATE TABLE m_n PARTITION OF m FOR VALUES IN (NULL, 'z')", FAILS, "IN (NULL, 'z')"),
    (LIST, "CREATE TABLE m_b PARTITION OF m FOR VALUES IN ('b', 'c')", None, ""),
]  # fmt: skip


@pytest.mark.parametrize(
    ("setup", "migration", "kind", "text"), PARTITION_CASES, ids=[c[1][:70] for c in PARTITION_CASES]
)
async def test_a_partition_bound_is_counted_against_the_rows_there(
    db: str, setup: str, migration: str, kind: str | None, text: str
) -> None:
    await execute(db, setup)
    before = await fetch(db, "SELECT * FROM m ORDER BY 1")
    result = await review(db, migration)
    found = counted(result, FAILS)
    assert await fetch(db, "SELECT * FROM m ORDER BY 1") == before  # the review changed nothing
    if kind is None:
        assert found == [], result.to_text()
        assert await runs(db, migration)
        return
    assert [h.kind for h in found] == [kind], result.to_text()
    assert text in found[0].message, found[0].message
    assert not await runs(db, migration)


DOMAIN = (
    "CREATE DOMAIN pos AS int; CREATE TABLE m (id int PRIMARY KEY, a pos, b pos);"
    "INSERT INTO m VALUES (1, -1, 2), (2, NULL, 3), (3, 500, 1);"
)
# (migration, FAILS or None, a text in the message): every column of the domain checked, then run.
DOMAIN_CASES = [
    ("ALTER DOMAIN pos ADD CONSTRAINT c CHECK (VALUE > 0)", FAILS,
     "1 value of public.m.a violates CHECK (value > 0) (domain pos)"),
    ("ALTER DOMAIN pos ADD CONSTRAINT c CHECK (VALUE > -5)", None, ""),
    ("ALTER DOMAIN pos ADD CONSTRAINT c CHECK (VALUE > 0) NOT VALID", None, ""),
    ("ALTER DOMAIN pos ADD CONSTRAINT c CHECK (VALUE < 100) NOT VALID; ALTER DOMAIN pos VALIDATE CONSTRAINT c",
     FAILS, "(e.g. (id)=(3))"),
    ("ALTER DOMAIN pos SET NOT NULL", FAILS, "1 value of public.m.a is NULL"),
    ("ALTER DOMAIN pos ADD CONSTRAINT nn NOT NULL", FAILS, "is NULL"),
]  # fmt: skip


@pytest.mark.parametrize(("migration", "kind", "text"), DOMAIN_CASES, ids=[c[0][:70] for c in DOMAIN_CASES])
async def test_a_domain_constraint_is_counted_in_every_column_of_the_domain(
    db: str, migration: str, kind: str | None, text: str
) -> None:
    await execute(db, DOMAIN)
    result = await review(db, migration)
    found = counted(result, FAILS)
    if kind is None:
        assert found == [], result.to_text()
        assert await runs(db, migration)
        return
    assert [h.kind for h in found] == [kind], result.to_text()
    assert text in found[0].message, found[0].message
    assert not await runs(db, migration)


@pytest.mark.parametrize(
    ("setup", "column"),
    [
        ("CREATE TABLE u (v pos[]);", "u.v"),  # an array of it, rows or not
        ("CREATE DOMAIN big AS pos; CREATE TABLE u (v big[]);", "u.v"),  # of a domain over it
        ("CREATE TYPE pair AS (x pos, y int); CREATE TABLE u (v pair);", "u.v"),  # a composite holding it
        ("CREATE TABLE u (v m);", "u.v"),  # the row type of a table with a column of it
    ],
)
@pytest.mark.parametrize(
    "migration",
    ["ALTER DOMAIN pos SET NOT NULL", "ALTER DOMAIN pos ADD CONSTRAINT c CHECK (VALUE <> 0)"],
)
async def test_a_domain_rule_over_a_column_that_holds_it_inside_another_type_is_refused(
    db: str, setup: str, column: str, migration: str
) -> None:
    """PostgreSQL checks a rule it validates only in the domain's own columns, and refuses it where a
    column holds the domain inside another type ('cannot alter type "pos" because column "u"."v" uses it'):
    said, where nothing was (a NOT VALID CHECK is accepted)."""
    await execute(db, "CREATE DOMAIN pos AS int; CREATE TABLE m (id int, a pos);" + setup)
    result = await review(db, migration)
    refused = [h.message for _, h in result.hazards if h.kind == "fails-on-schema"]
    assert len(refused) == 1 and f"column public.{column} holds the domain pos inside" in refused[0], refused
    assert not await runs(db, migration)
    not_valid = "ALTER DOMAIN pos ADD CONSTRAINT c CHECK (VALUE <> 0) NOT VALID"
    assert [h for _, h in (await review(db, not_valid)).hazards if h.kind == "fails-on-schema"] == []
    assert await runs(db, not_valid)


@pytest.mark.parametrize(
    "migration", ["ALTER DOMAIN pos ADD CONSTRAINT c CHECK (VALUE > 0)", "ALTER DOMAIN pos SET NOT NULL"]
)
async def test_a_domain_rule_is_counted_in_the_columns_of_a_domain_over_it(db: str, migration: str) -> None:
    """PostgreSQL checks the rule in the columns of every domain over the domain too: counted there, where
    nothing was said and the ALTER failed."""
    await execute(
        db,
        "CREATE DOMAIN pos AS int; CREATE DOMAIN big AS pos; CREATE TABLE u (id int PRIMARY KEY, v big);"
        "INSERT INTO u VALUES (1, 5), (2, -1), (3, NULL);",
    )
    [hazard] = counted(await review(db, migration), FAILS)
    assert hazard.message.startswith("1 value of public.u.v "), hazard.message
    assert "(e.g. (id)=(" in hazard.message, hazard.message
    assert not await runs(db, migration)


async def test_a_domain_constraint_validated_from_the_catalog_is_counted(db: str) -> None:
    """Added NOT VALID by an earlier migration: VALIDATE reads the CHECK from the live catalog."""
    await execute(db, DOMAIN + "ALTER DOMAIN pos ADD CONSTRAINT c CHECK (VALUE <> 2) NOT VALID;")
    [hazard] = counted(await review(db, "ALTER DOMAIN pos VALIDATE CONSTRAINT c"), FAILS)
    assert hazard.message.startswith("1 value of public.m.b violates CHECK (value <> 2)"), hazard.message
    assert not await runs(db, "ALTER DOMAIN pos VALIDATE CONSTRAINT c")


async def test_a_virtual_column_that_raises_on_a_row_is_said_to_break_reads(db: str) -> None:
    await execute(db, T + ROWS + "UPDATE t SET p = 0 WHERE id = 2;")
    migration = "ALTER TABLE t ADD COLUMN q int GENERATED ALWAYS AS (id / p) VIRTUAL"
    result = await review(db, migration)
    assert counted(result, FAILS) == []
    [hazard] = counted(result, "backward-incompatible")
    assert "reading the virtual column q raises on a row of t (division by zero)" in hazard.message
    assert await runs(db, migration)
    assert not await runs(db, "SELECT * FROM t")
    assert (
        counted(
            await review(db, "ALTER TABLE t ADD COLUMN r int GENERATED ALWAYS AS (id * p)"),
            "backward-incompatible",
        )
        == []
    )


async def test_an_empty_table_gives_no_count(db: str) -> None:
    await execute(db, T + "ALTER TABLE t ADD r int4range;")
    migration = "\n".join(m + ";" for _, m, kind, _ in CASES if kind and "VALIDATE" not in m)
    result = await review(db, migration)
    assert counted(result, FAILS) + counted(result, LOSS) == [], result.to_text()


async def test_drops_say_rows_and_bytes(db: str) -> None:
    await execute(
        db,
        T
        + ROWS
        + "CREATE SCHEMA gone; CREATE TABLE gone.a (x int); INSERT INTO gone.a SELECT generate_series(1, 40);"
        "CREATE TABLE gone.b (y text); CREATE SCHEMA hollow; CREATE TABLE hollow.e (x int);",
    )
    result = await review(
        db,
        "DROP SCHEMA hollow CASCADE;\nDROP SCHEMA gone CASCADE;\nALTER TABLE t DROP COLUMN v;\n"
        "ALTER TABLE t DROP COLUMN p;\nDROP TABLE t;",
    )
    losses = [h.message for h in counted(result, LOSS)]
    assert losses[0].startswith("drops schema gone with 2 tables: 40 rows,"), losses
    [stored] = await fetch(db, "SELECT sum(pg_column_size(v)) AS b FROM t")
    assert f"drops t.v: 3 non-null values in 3 rows, {stored['b']} bytes stored" in losses[1]
    assert "drops t.p: 3 non-null values" in losses[2]
    assert losses[3].startswith("drops t and its 3 rows (") and "kB with indexes and TOAST" in losses[3]
    assert len(losses) == 4  # the empty schema loses nothing


async def test_a_generated_column_s_drop_loses_nothing(db: str) -> None:
    """A virtual generated column stores nothing and a stored one holds what the row's other columns give
    again: dropping either loses no value (the diff drops and adds one again around a retyped column it reads).
    Said before as "3 non-null values in 3 rows, N bytes stored", a false alarm for a virtual column."""
    await execute(
        db,
        T + ROWS + "ALTER TABLE t ADD twice_v int GENERATED ALWAYS AS (id * 2) VIRTUAL,"
        " ADD twice_s int GENERATED ALWAYS AS (id * 2) STORED;",
    )
    result = await review(
        db,
        "ALTER TABLE t DROP COLUMN twice_v;\nALTER TABLE t DROP COLUMN twice_s;\nALTER TABLE t DROP COLUMN v;",
    )
    losses = [h.message for h in counted(result, LOSS)]
    assert len(losses) == 1 and losses[0].startswith("drops t.v: 3 non-null values"), losses
    kinds = {h.kind for statement, h in result.hazards if statement.sql.endswith("twice_v")}
    assert "backward-incompatible" in kinds  # clients reading it still break


async def test_a_large_table_is_sampled_and_says_so(db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(count_queries, "SAMPLE_ABOVE_BYTES", 0)
    monkeypatch.setattr(count_queries, "SAMPLE_ROWS", 2_000)
    await execute(
        db,
        "CREATE TABLE big (id int PRIMARY KEY, v int);"
        "INSERT INTO big SELECT g, CASE WHEN g % 10 = 0 THEN NULL ELSE g END FROM generate_series(1, 50000) g;"
        "ANALYZE big;",
    )
    result = await review(db, "ALTER TABLE big ALTER COLUMN v SET NOT NULL;")
    [hazard] = counted(result, FAILS)
    assert hazard.estimated_from is not None
    assert 500 < hazard.estimated_from < 50_000
    assert "estimated from" in hazard.message and hazard.message.startswith("~")
    assert 2_500 <= (hazard.count or 0) <= 7_500  # 5,000 NULLs, seen through a sample


async def test_a_sample_that_finds_nothing_says_it_proves_nothing(
    db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(count_queries, "SAMPLE_ABOVE_BYTES", 0)
    monkeypatch.setattr(count_queries, "SAMPLE_ROWS", 2_000)
    await execute(
        db,
        "CREATE TABLE big (id int PRIMARY KEY, code int, parent int);"
        "INSERT INTO big SELECT g, g, g FROM generate_series(1, 50000) g; UPDATE big SET code = 1 WHERE id = 50000;"
        "UPDATE big SET parent = 0 WHERE id = 1; ANALYZE big;",
    )
    result = await review(
        db,
        "ALTER TABLE big ADD CONSTRAINT u UNIQUE (code);\n"
        "ALTER TABLE big ADD CONSTRAINT f FOREIGN KEY (parent) REFERENCES big (id);",
    )
    [duplicates, orphans] = counted(result, FAILS)  # one duplicate pair, one orphan: a sample may miss both
    for hazard in (duplicates, orphans):
        assert hazard.estimated_from is not None, hazard.message
        assert hazard.count or hazard.message.startswith("no "), hazard.message
    assert "found in a sample of" in duplicates.message and "fails if any value repeats" in duplicates.message


async def test_json_carries_the_count(db: str) -> None:
    await execute(db, T + ROWS + "UPDATE t SET v = NULL WHERE id = 3;")
    data = json.loads((await review(db, "ALTER TABLE t ALTER COLUMN v SET NOT NULL;")).to_json())
    [hazard] = [h for h in data["statements"][0]["hazards"] if h["kind"] == FAILS]
    assert hazard == {
        "kind": FAILS,
        "message": "1 row of t has v NULL: SET NOT NULL fails (e.g. (id)=(3))",
        "basis": "observed",
        "count": 1,
        "example": "(id)=(3)",
    }
