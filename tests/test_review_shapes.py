"""The reviewer's view of a statement from its parse tree: names as written, every table a statement names."""

from __future__ import annotations

import pytest

from dibs_tui.core.review.shapes import Shape, shape_of


@pytest.mark.parametrize(
    ("sql", "shape"),
    [
        ('CREATE TABLE IF NOT EXISTS app."Orders" (id int)', Shape("create-table", 'app."Orders"')),
        ("CREATE UNLOGGED TABLE t AS SELECT 1", Shape("create-table", "t")),
        (
            "DROP TABLE IF EXISTS a, app.b CASCADE",
            Shape("drop-tables", tables=("a", "app.b"), verb="DROP", lock="ACCESS EXCLUSIVE on a"),
        ),
        (
            'TRUNCATE ONLY a, "B" RESTART IDENTITY',
            Shape("drop-tables", tables=("a", '"B"'), verb="TRUNCATE", lock="ACCESS EXCLUSIVE on a"),
        ),
        (
            "DROP INDEX CONCURRENTLY IF EXISTS i",
            Shape("drop-index", tables=("i",), concurrent=True, lock="SHARE UPDATE EXCLUSIVE on i"),
        ),
        (
            "ALTER TABLE /* c */ ONLY t ADD COLUMN x int",
            Shape("alter-table", "t", lock="ACCESS EXCLUSIVE on t"),
        ),
        ("ALTER TABLE t RENAME TO u", Shape("alter-table", "t", lock="ACCESS EXCLUSIVE on t")),
        ("ALTER TABLE t RENAME COLUMN a TO b", Shape("alter-table", "t", lock="ACCESS EXCLUSIVE on t")),
        ("ALTER TABLE t SET SCHEMA s", Shape("alter-table", "t", lock="ACCESS EXCLUSIVE on t")),
        ("ALTER VIEW v RENAME COLUMN a TO b", Shape("rename-object")),
        ("ALTER FUNCTION f(int) SET SCHEMA s", Shape("rename-object")),
        ("ALTER TYPE e RENAME VALUE 'a' TO 'b'", Shape("rename-object")),
        ("ALTER TYPE e ADD VALUE 'c'", Shape()),
        (
            "UPDATE t AS x SET (a, b) = (1, 2), c = 3 FROM u WHERE x.id = u.id",
            Shape("update", "t", set_columns=("a", "b", "c"), lock="ROW EXCLUSIVE on t"),
        ),
        ("DELETE FROM ONLY app.t", Shape("other", "app.t", lock="ROW EXCLUSIVE on app.t")),
        ("VACUUM (FULL) t", Shape("vacuum-full", tables=("t",), lock="ACCESS EXCLUSIVE on t")),
        ("REINDEX TABLE app.t", Shape("reindex", "app.t")),
        (
            "REINDEX INDEX CONCURRENTLY i",
            Shape("reindex", "i", concurrent=True, lock="SHARE UPDATE EXCLUSIVE on i", of_index=True),
        ),
        ("VACUUM t", Shape()),
        ("CLUSTER t USING i", Shape(lock="ACCESS EXCLUSIVE on t")),
        ("SELECT 'DROP TABLE t'", Shape()),
    ],
)
def test_shapes(sql: str, shape: Shape) -> None:
    assert shape_of(sql) == shape


def test_index_columns_are_given_only_when_every_key_is_a_column() -> None:
    plain = shape_of('CREATE UNIQUE INDEX CONCURRENTLY i ON ONLY app.t (email text_pattern_ops, "Id")')
    assert (plain.action, plain.table, plain.unique, plain.concurrent) == (
        "create-index",
        "app.t",
        True,
        True,
    )
    assert plain.columns == ("email", "Id")
    assert plain.lock == "SHARE UPDATE EXCLUSIVE on app.t"
    assert shape_of("CREATE UNIQUE INDEX i ON t (lower(email))").columns is None


@pytest.mark.parametrize(
    ("sql", "lock"),
    [
        ("ALTER TABLE t VALIDATE CONSTRAINT c, SET WITHOUT CLUSTER", "SHARE UPDATE EXCLUSIVE on t"),
        ("ALTER TABLE p DETACH PARTITION c CONCURRENTLY", "SHARE UPDATE EXCLUSIVE on p"),
        ("ALTER TABLE p DETACH PARTITION c", "ACCESS EXCLUSIVE on p"),
        ("ALTER TABLE t ENABLE ALWAYS TRIGGER g, VALIDATE CONSTRAINT c", "SHARE ROW EXCLUSIVE on t"),
        ("ALTER TABLE t DISABLE TRIGGER ALL", "SHARE ROW EXCLUSIVE on t"),
        (
            'ALTER TABLE app."T" ADD FOREIGN KEY (p) REFERENCES parent NOT VALID',
            'SHARE ROW EXCLUSIVE on app."T"',
        ),
        ("ALTER TABLE t ADD CONSTRAINT c CHECK (a > 0) NOT VALID", "ACCESS EXCLUSIVE on t"),
        ("ALTER TABLE t RENAME COLUMN a TO b", "ACCESS EXCLUSIVE on t"),
        ("ALTER TABLE IF EXISTS ONLY t SET SCHEMA s", "ACCESS EXCLUSIVE on t"),
    ],
)
def test_alter_table_takes_its_strongest_action_lock(sql: str, lock: str) -> None:
    assert shape_of(sql).lock == lock
