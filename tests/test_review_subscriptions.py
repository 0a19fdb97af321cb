"""`review` on a logical replication subscriber: a migration that changes a subscribed table so that the
publisher's rows no longer fit succeeds, and replication then stops (the subscription's worker fails on each
change). Checked against a real publisher, a server of the test's own with wal_level = logical: each hazard's
migration applied on the subscriber, a row inserted on the publisher, the worker's failures counted by
pg_stat_subscription_stats; where nothing is said, the row arrives."""

from __future__ import annotations

import asyncio
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from dibs_tui.core.embedded import EmbeddedServer
from tests.pg import fetch, review, run_sql

_TABLE = "CREATE TABLE t (id int PRIMARY KEY, a text, b text, n numeric(6, 2), v varchar(50))"


@pytest.fixture(scope="module")
def publisher() -> Iterator[EmbeddedServer]:
    """A server of its own whose WAL carries logical changes (the test server's does not)."""
    root = Path(tempfile.mkdtemp(prefix="dibs-publisher-"))
    server = EmbeddedServer(root / "server").start()
    try:
        run_sql(server.dsn(), "ALTER SYSTEM SET wal_level = 'logical'")
        server.stop()
        server.start()
        yield server
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def subscriber(db: str, publisher: EmbeddedServer) -> Iterator[tuple[str, str]]:
    """`db` subscribed (subscription feed) to table t of a fresh database on the publisher; yields both DSNs."""
    source = f"pub_{db.rsplit('/', 1)[1]}"
    run_sql(publisher.dsn(), f"CREATE DATABASE {source}")
    published = publisher.dsn(source)
    run_sql(published, f"{_TABLE}; INSERT INTO t VALUES (1, 'a', 'b'); CREATE PUBLICATION p FOR TABLE t")
    run_sql(db, _TABLE)
    run_sql(
        db,
        f"CREATE SUBSCRIPTION feed CONNECTION 'host=127.0.0.1 port={publisher.port} user=postgres "
        f"dbname={source}' PUBLICATION p",
    )
    try:
        _wait(lambda: _count(db, "SELECT count(*) FROM t") == 1, "the initial copy")
        yield db, published
    finally:
        run_sql(db, "ALTER SUBSCRIPTION feed DISABLE")
        run_sql(db, "ALTER SUBSCRIPTION feed SET (slot_name = NONE)")
        run_sql(db, "DROP SUBSCRIPTION feed")
        run_sql(published, "SELECT pg_drop_replication_slot('feed')")
        run_sql(publisher.dsn(), f"DROP DATABASE {source}")


def _count(dsn: str, query: str) -> int:
    return int(asyncio.run(fetch(dsn, query))[0][0])


def _wait(condition: object, what: str, limit: float = 30.0) -> None:
    deadline = time.monotonic() + limit
    while not condition():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not happen within {limit:g} s")
        time.sleep(0.1)


def _said(db: str, sql: str) -> list[str]:
    reviewed = asyncio.run(review(db, sql))
    return [h.message for s in reviewed.statements for h in s.hazards if "logical replication" in h.message]


_ERRORS = "SELECT apply_error_count FROM pg_stat_subscription_stats WHERE subname = 'feed'"


@pytest.mark.parametrize(
    ("migration", "said"),
    [
        ("ALTER TABLE t DROP COLUMN b;", "drops its column b"),
        ("ALTER TABLE t RENAME COLUMN a TO aa;", "renames its column a"),
        ("ALTER TABLE t RENAME TO t_old;", "renames it"),
        ("CREATE SCHEMA old; ALTER TABLE t SET SCHEMA old;", "moves it to another schema"),
        (
            "DELETE FROM t; ALTER TABLE t ADD COLUMN c int NOT NULL;",
            "adds its column c NOT NULL without a default",
        ),
        ("DROP TABLE t;", "drops it"),
        (  # as Django writes an AddField with a default
            "ALTER TABLE t ADD COLUMN c int DEFAULT 0 NOT NULL; ALTER TABLE t ALTER COLUMN c DROP DEFAULT;",
            "adds its column c NOT NULL with a default that a later statement drops",
        ),
    ],
)
def test_a_change_the_publishers_rows_no_longer_fit_is_said_and_stops_replication(
    subscriber: tuple[str, str], migration: str, said: str
) -> None:
    db, published = subscriber
    messages = _said(db, migration)
    assert len(messages) == 1, messages
    assert messages[0].startswith("logical replication into public.t stops: subscription feed writes")
    assert said in messages[0]
    run_sql(db, migration)
    errors_before = _count(db, _ERRORS)
    run_sql(published, "INSERT INTO t VALUES (2, 'x', 'y')")
    _wait(lambda: _count(db, _ERRORS) > errors_before, "a failure of the subscription's worker")


@pytest.mark.parametrize(
    "migration",
    [
        "ALTER TABLE t ADD COLUMN c text;",
        "ALTER TABLE t ADD COLUMN d int NOT NULL DEFAULT 0;",
        "CREATE INDEX t_a ON t (a);",
        "CREATE TABLE u (id int); DROP TABLE u;",
    ],
)
def test_a_change_the_rows_still_fit_is_not_said_and_the_row_arrives(
    subscriber: tuple[str, str], migration: str
) -> None:
    db, published = subscriber
    assert _said(db, migration) == []
    run_sql(db, migration)
    run_sql(published, "INSERT INTO t VALUES (2, 'x', 'y')")
    _wait(lambda: _count(db, "SELECT count(*) FROM t") == 2, "the row's arrival")
    assert _count(db, _ERRORS) == 0


@pytest.mark.parametrize(
    ("migration", "said", "row"),
    [
        ("ALTER TABLE t ADD CONSTRAINT a_set CHECK (a <> 'x');", "adds the CHECK a_set", "(2, 'x')"),
        ("ALTER TABLE t ADD CHECK (a <> 'x') NOT VALID;", "adds the CHECK (a <> 'x')", "(2, 'x')"),
        ("ALTER TABLE t ADD UNIQUE (b);", "adds a unique constraint on (b)", "(2, 'x', 'b')"),
        ("CREATE UNIQUE INDEX t_b ON t (b);", "adds the unique index t_b", "(2, 'x', 'b')"),
        (
            "ALTER TABLE t ADD EXCLUDE USING btree (b WITH =);",
            "adds the exclusion constraint",
            "(2, 'x', 'b')",
        ),
        ("ALTER TABLE t ALTER COLUMN a SET NOT NULL;", "makes its column a NOT NULL", "(2, NULL)"),
        ("ALTER TABLE t ADD CONSTRAINT a_nn NOT NULL a;", "makes its column a NOT NULL", "(2, NULL)"),
        (
            "ALTER TABLE t ALTER COLUMN v TYPE varchar(3);",
            "changes its column v from character varying(50) to character varying(3)",
            "(2, 'x', 'y', NULL, 'long')",
        ),
        (
            "ALTER TABLE t ALTER COLUMN n TYPE numeric(4, 2);",
            "changes its column n from numeric(6,2) to numeric(4,2)",
            "(2, 'x', 'y', 1000)",
        ),
        (
            "ALTER TABLE t ALTER COLUMN id TYPE int2;",
            "changes its column id from integer to smallint",
            "(40000)",
        ),
    ],
)
def test_a_rule_the_publishers_rows_may_break_is_said_and_stops_replication_at_the_first(
    subscriber: tuple[str, str], migration: str, said: str, row: str
) -> None:
    """The migration succeeds on the rows there; the first row from the publisher that breaks the new rule
    fails the worker."""
    db, published = subscriber
    messages = _said(db, migration)
    assert len(messages) == 1, messages
    assert messages[0].startswith("logical replication into public.t stops at the first row"), messages
    assert "subscription feed writes" in messages[0] and said in messages[0], messages
    run_sql(db, migration)
    errors_before = _count(db, _ERRORS)
    run_sql(published, f"INSERT INTO t VALUES {row}")
    _wait(lambda: _count(db, _ERRORS) > errors_before, "a failure of the subscription's worker")


@pytest.mark.parametrize(
    ("migration", "row"),
    [
        ("ALTER TABLE t ALTER COLUMN v TYPE varchar(80);", "(2, 'x', 'y', 9999.99, 'long')"),
        ("ALTER TABLE t ALTER COLUMN v TYPE text;", "(2, 'x', 'y', 9999.99, 'long')"),
        ("ALTER TABLE t ALTER COLUMN n TYPE numeric(8, 3);", "(2, 'x', 'y', 9999.99, 'long')"),
        ("ALTER TABLE t ALTER COLUMN id TYPE bigint;", "(2147483647)"),
        ("ALTER TABLE t ALTER COLUMN id SET NOT NULL;", "(2)"),
        (  # the worker runs as a replica: a foreign key's triggers do not fire for it
            "CREATE TABLE r (id int PRIMARY KEY); INSERT INTO r VALUES (1); "
            "ALTER TABLE t ADD FOREIGN KEY (id) REFERENCES r;",
            "(2)",
        ),
    ],
)
def test_a_rule_every_publishers_row_keeps_is_not_said_and_the_row_arrives(
    subscriber: tuple[str, str], migration: str, row: str
) -> None:
    db, published = subscriber
    assert _said(db, migration) == []
    run_sql(db, migration)
    run_sql(published, f"INSERT INTO t VALUES {row}")
    _wait(lambda: _count(db, "SELECT count(*) FROM t") == 2, "the row's arrival")
    assert _count(db, _ERRORS) == 0


def test_a_column_made_double_precision_loses_digits_said_on_the_subscribers_rows_and_rows_arrive(
    subscriber: tuple[str, str],
) -> None:
    """numeric -> double precision takes every value the publisher sends (the worker reads its text and
    rounds it: nothing said of replication), but rounds the subscriber's own rows as anywhere else: counted."""
    db, published = subscriber
    digits = "1234567890.123456789"  # more than double precision's 17 significant digits
    run_sql(db, "ALTER TABLE t ADD m numeric")
    run_sql(published, f"ALTER TABLE t ADD m numeric; INSERT INTO t (id, m) VALUES (2, {digits}), (3, 0.5)")
    _wait(lambda: _count(db, "SELECT count(*) FROM t") == 3, "the rows' arrival")
    migration = "ALTER TABLE t ALTER COLUMN m TYPE double precision;"
    reviewed = asyncio.run(review(db, migration))
    hazards = [h for s in reviewed.statements for h in s.hazards]
    assert not [h for h in hazards if "logical replication" in h.message], reviewed.to_text()
    [lost] = [h for h in hazards if h.kind == "data-loss"]
    assert (lost.count, lost.basis) == (1, "observed"), lost
    assert (
        "1 value of t.m changes when cast numeric -> double precision (rounded) (e.g. (id)=(2))"
        in lost.message
    )
    run_sql(db, migration)
    run_sql(published, f"INSERT INTO t (id, m) VALUES (4, {digits})")
    _wait(lambda: _count(db, "SELECT count(*) FROM t") == 4, "the row's arrival")
    assert _count(db, _ERRORS) == 0
    assert _count(db, f"SELECT count(*) FROM t WHERE m = {digits}::float8") == 2


@pytest.mark.parametrize(
    ("domain", "migration"),
    [
        ("CREATE DOMAIN pos AS int;", "ALTER DOMAIN pos ADD CONSTRAINT pos_check CHECK (VALUE > 0);"),
        (
            "CREATE DOMAIN pos AS int;",
            "ALTER DOMAIN pos ADD CONSTRAINT pos_check CHECK (VALUE > 0) NOT VALID;",
        ),
        (  # the column's type is a domain over the one that gets the CHECK
            "CREATE DOMAIN num AS int; CREATE DOMAIN pos AS num;",
            "ALTER DOMAIN num ADD CONSTRAINT pos_check CHECK (VALUE > 0);",
        ),
    ],
)
def test_a_check_added_to_a_subscribed_columns_domain_is_said_and_stops_replication_at_the_first_row(
    subscriber: tuple[str, str], domain: str, migration: str
) -> None:
    """The worker reads each value through the domain's input, which checks the domain's CHECKs, NOT VALID
    ones too: the migration succeeds on the rows there; the publisher's first row it refuses fails the
    worker."""
    db, published = subscriber
    run_sql(db, f"{domain} ALTER TABLE t ADD q pos; UPDATE t SET q = 1")
    run_sql(published, "ALTER TABLE t ADD q int")
    messages = _said(db, migration)
    assert len(messages) == 1, messages
    assert messages[0].startswith("logical replication into public.t stops at the first row"), messages
    assert "adds the CHECK pos_check to the domain" in messages[0] and "of its column q" in messages[0]
    run_sql(db, migration)
    errors_before = _count(db, _ERRORS)
    run_sql(published, "INSERT INTO t VALUES (2, 'x', 'y', NULL, NULL, -1)")
    _wait(lambda: _count(db, _ERRORS) > errors_before, "a failure of the subscription's worker")


def test_a_domain_made_not_null_again_is_not_said(subscriber: tuple[str, str]) -> None:
    """Its own NOT NULL or its base domain's already held: the statement changes nothing the worker does."""
    db, _ = subscriber
    run_sql(
        db, "CREATE DOMAIN num AS int NOT NULL; CREATE DOMAIN pos AS num; ALTER TABLE t ADD q pos DEFAULT 1"
    )
    assert _said(db, "ALTER DOMAIN num SET NOT NULL;") == []
    assert _said(db, "ALTER DOMAIN pos SET NOT NULL;") == []


@pytest.mark.parametrize(
    ("domain", "migration"),
    [
        ("CREATE DOMAIN pos AS int;", "ALTER DOMAIN pos SET NOT NULL;"),
        ("CREATE DOMAIN pos AS int;", "ALTER DOMAIN pos ADD CONSTRAINT pos_nn NOT NULL;"),
        (  # the column's type is a domain over the one made NOT NULL
            "CREATE DOMAIN num AS int; CREATE DOMAIN pos AS num;",
            "ALTER DOMAIN num SET NOT NULL;",
        ),
    ],
)
def test_a_domain_made_not_null_is_said_the_worker_stores_the_null_it_forbids(
    subscriber: tuple[str, str], domain: str, migration: str
) -> None:
    """The worker stores a NULL it receives without the domain's input, where a domain's NOT NULL is checked:
    the row arrives, NULL and all, nothing fails, and the table holds what its domain forbids. Said, for each
    subscribed table with a column of the domain; nothing was."""
    db, published = subscriber
    run_sql(db, f"{domain} ALTER TABLE t ADD q pos; UPDATE t SET q = 1")
    run_sql(published, "ALTER TABLE t ADD q int")
    messages = _said(db, migration)
    assert len(messages) == 1, messages
    assert messages[0].startswith("logical replication into public.t stores NULLs its domain forbids"), (
        messages
    )
    assert "adds the NOT NULL to the domain" in messages[0] and "of its column q" in messages[0]
    run_sql(db, migration)
    run_sql(published, "INSERT INTO t VALUES (2, 'x', 'y', NULL, NULL, NULL)")
    _wait(lambda: _count(db, "SELECT count(*) FROM t WHERE q IS NULL") == 1, "the row's arrival")
    assert _count(db, _ERRORS) == 0


@pytest.mark.parametrize(
    "migration",
    ["ALTER DOMAIN pos SET NOT NULL;", "ALTER DOMAIN pos ADD CONSTRAINT c CHECK (VALUE > 0);"],
)
def test_a_domain_rule_validated_over_an_array_of_it_is_not_said_to_replicate_the_statement_fails(
    subscriber: tuple[str, str], migration: str
) -> None:
    """A table's array of the domain: PostgreSQL refuses a new NOT NULL or a CHECK it validates outright
    ('cannot alter type "pos" because column "t.q" uses it'), so nothing it forbids ever arrives; a NOT VALID
    CHECK it accepts, and the worker reads each element through the domain's input."""
    import asyncpg

    db, published = subscriber
    run_sql(db, "CREATE DOMAIN pos AS int; ALTER TABLE t ADD q pos[]")
    run_sql(published, "ALTER TABLE t ADD q int[]")
    assert _said(db, migration) == []
    with pytest.raises(asyncpg.FeatureNotSupportedError):
        run_sql(db, migration)
    not_valid = "ALTER DOMAIN pos ADD CONSTRAINT c CHECK (VALUE > 0) NOT VALID;"
    [message] = _said(db, not_valid)
    assert "adds the CHECK c to the domain pos of the elements of its column q" in message, message
    run_sql(db, not_valid)
    errors_before = _count(db, _ERRORS)
    run_sql(published, "INSERT INTO t VALUES (2, 'x', 'y', NULL, NULL, ARRAY[1, -1])")
    _wait(lambda: _count(db, _ERRORS) > errors_before, "a failure of the subscription's worker")
