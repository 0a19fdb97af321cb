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

_TABLE = "CREATE TABLE t (id int PRIMARY KEY, a text, b text)"


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
