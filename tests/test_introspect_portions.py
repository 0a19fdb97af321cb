"""The whole read takes columns, constraints and indexes in portions of relations (by OID range), so that the
driver never holds those results whole: portions of any size must give the very catalog of one portion."""

from __future__ import annotations

import asyncio
from typing import Any

import asyncpg
import pytest

from dibs_tui.core.introspect import build, build_columns, read
from dibs_tui.core.introspect.build import CatalogBuildError
from dibs_tui.core.introspect.queries import queries_for
from dibs_tui.core.introspect.read import introspect
from dibs_tui.core.model import Catalog
from tests.pg import run_sql
from tests.test_catalog import TRICKY, CountingConnection

# Views over other tables, foreign keys across portions, defaults on sequences, a column of a table's row type:
# dependencies, FK target columns and index keys name relations of other portions.
ACROSS = """
CREATE TABLE a1 (id int PRIMARY KEY, note text DEFAULT 'x' CHECK (note <> ''));
CREATE SEQUENCE counter;
CREATE TABLE a2 (id int PRIMARY KEY, a1 int REFERENCES a1 (id), n bigint DEFAULT nextval('counter'));
CREATE INDEX a2_a1 ON a2 (a1) WHERE n > 0;
CREATE TABLE a3 (id int, a2 int REFERENCES a2 (id), row_of a1, UNIQUE (a2, id));
CREATE VIEW v_a AS SELECT a1.id, a2.n FROM a1 JOIN a2 ON a2.a1 = a1.id;
CREATE TABLE a4 (id int REFERENCES a1 (id), k text COLLATE "C");
CREATE INDEX a4_k ON a4 (k text_pattern_ops);
CREATE TABLE b1 (id int, b2 int, b2_code text);
CREATE TABLE b2 (id int PRIMARY KEY, code text UNIQUE);
ALTER TABLE b1 ADD FOREIGN KEY (b2) REFERENCES b2 (id), ADD FOREIGN KEY (b2_code) REFERENCES b2 (code);
"""
# b1's foreign keys name a table created after it (a portion after b1's): built once b2's columns are in.


async def _read(dsn: str, extra: int) -> tuple[Catalog, list[tuple[Any, ...]]]:
    conns = [await asyncpg.connect(dsn) for _ in range(1 + extra)]
    try:
        counting = CountingConnection(conns[0])
        catalog = await introspect(counting, extra_connections=conns[1:])  # type: ignore[arg-type]
        return catalog, counting.calls
    finally:
        for conn in conns:
            await conn.close()


@pytest.mark.parametrize("extra", [0, 1, 2], ids=["one connection", "two connections", "three connections"])
@pytest.mark.parametrize("beside", [100, 0], ids=["constraints beside the columns", "after them"])
def test_portions_of_two_relations_give_the_catalog_of_one_portion(
    db: str, monkeypatch: pytest.MonkeyPatch, extra: int, beside: int
) -> None:
    run_sql(db, TRICKY + ACROSS)
    whole, _ = asyncio.run(_read(db, extra))
    monkeypatch.setattr(read, "PORTION_RELATIONS", 2)
    monkeypatch.setattr(build, "CONSTRAINTS_BESIDE_COLUMNS", beside)
    portioned, calls = asyncio.run(_read(db, extra))
    assert portioned == whole
    assert len(whole.relations) > 8 and len(whole.dependencies) > 5
    assert sum(r.name == "a3" and bool(r.foreign_keys) and bool(r.indexes) for r in portioned.relations) == 1
    if not extra:  # every statement on the one connection: a columns query per portion of two relations
        columns = [c for c in calls if "FROM pg_attribute a" in c[0] and "$4" in c[0]]
        assert len(columns) > len(whole.relations) // 2


async def _statements_by_connection(dsn: str) -> tuple[list[list[str]], dict[str, str]]:
    """Each connection's statements in a whole read over three, and the read's queries by kind."""
    conns = [CountingConnection(await asyncpg.connect(dsn)) for _ in range(3)]
    try:
        await introspect(conns[0], extra_connections=conns[1:])  # type: ignore[arg-type]
        version = conns[0].get_server_version()
        queries = queries_for(version.major * 10000 + version.minor)
        return [[call[0] for call in conn.calls] for conn in conns], queries
    finally:
        for conn in conns:
            await conn.close()


def test_three_connections_read_the_constraints_beside_the_columns(
    db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The constraints' queries (the longest chain: a CHECK's deparse opens its table) run on the third
    connection from the start, not after the columns' on the first (the browser's whole read opens three)."""
    run_sql(db, TRICKY + ACROSS)
    monkeypatch.setattr(read, "PORTION_RELATIONS", 2)
    statements, sql = asyncio.run(_statements_by_connection(db))
    portioned = [[s for s in on if s in (sql["columns"], sql["constraints"])] for on in statements]
    assert len(portioned[0]) > 2 and set(portioned[0]) == {sql["columns"]}
    assert portioned[2] == [sql["constraints"]] * len(portioned[0])


class _HeldConnection(CountingConnection):
    """A real connection whose statements are counted, and whose statement `hold_at` (SQL and count) waits for
    `go` to be set; `asked` is set once the statement `signal_at` is sent."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        super().__init__(conn)
        self.hold_at: tuple[str, int] | None = None
        self.signal_at: tuple[str, int] | None = None
        self.go, self.asked = asyncio.Event(), asyncio.Event()

    async def fetch(self, sql: str, *args: Any) -> list[asyncpg.Record]:
        self.calls.append((sql, *args))
        sent = (sql, sum(call[0] == sql for call in self.calls))
        if sent == self.signal_at:
            self.asked.set()
        if sent == self.hold_at:
            await asyncio.wait_for(self.go.wait(), 30)  # a read that waits for it fails, not hangs
        return await self._conn.fetch(sql, *args)


def test_the_constraints_portions_do_not_wait_for_the_columns_after_their_own(
    db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Over three connections, the columns' fourth portion held until the constraints' fourth is asked for:
    a constraints' portion waited for every column before its build (a foreign key names its target's
    columns, of any portion), so the constraints' session idled until the last column was in."""
    run_sql(db, TRICKY + ACROSS)
    whole, _ = asyncio.run(_read(db, 0))
    monkeypatch.setattr(read, "PORTION_RELATIONS", 2)

    async def held_read() -> Catalog:
        conns = [_HeldConnection(await asyncpg.connect(db)) for _ in range(3)]
        try:
            version = conns[0].get_server_version()
            sql = queries_for(version.major * 10000 + version.minor)
            conns[0].hold_at, conns[2].signal_at = (sql["columns"], 4), (sql["constraints"], 4)
            conns[0].go = conns[2].asked
            return await introspect(conns[0], extra_connections=conns[1:])  # type: ignore[arg-type]
        finally:
            for conn in conns:
                await conn._conn.close()

    held = asyncio.run(held_read())
    assert held == whole
    b1 = next(r for r in held.relations if r.name == "b1")
    assert sorted(fk.foreign_key.target_columns for fk in b1.foreign_keys if fk.foreign_key) == [
        ("code",),
        ("id",),
    ]


class _RefusingConnection(CountingConnection):
    """A real connection that sends `SELECT 1 / 0` in place of the `refused` statement (SQL and its count among
    every connection's, `sent`): the server's own error for one query of the read."""

    def __init__(self, conn: asyncpg.Connection, refused: tuple[str, int], sent: dict[str, int]) -> None:
        super().__init__(conn)
        self.refused, self.sent = refused, sent

    async def fetch(self, sql: str, *args: Any) -> list[asyncpg.Record]:
        self.sent[sql] = self.sent.get(sql, 0) + 1
        if (sql, self.sent[sql]) == self.refused:
            return await self._conn.fetch("SELECT 1 / 0")
        return await self._conn.fetch(sql, *args)


@pytest.mark.parametrize("extra", [0, 1, 2], ids=["one connection", "two connections", "three connections"])
@pytest.mark.parametrize("kind", ["columns", "constraints", "indexes"])
def test_a_query_that_fails_on_one_session_ends_the_read_with_its_error(
    db: str, monkeypatch: pytest.MonkeyPatch, extra: int, kind: str
) -> None:
    """The server refuses the second portion of one kind: the builds the other sessions waited for (that
    portion's columns, the back-pressure of their own portions, the index definitions) never came, and over two
    or three sessions the read (the browser's, `schema --json`'s) waited for ever instead of failing."""
    run_sql(db, TRICKY + ACROSS)
    monkeypatch.setattr(read, "PORTION_RELATIONS", 2)

    async def refused_read() -> None:
        conns = [await asyncpg.connect(db) for _ in range(1 + extra)]
        try:
            version = conns[0].get_server_version()
            sql = queries_for(version.major * 10000 + version.minor)[kind]
            sent: dict[str, int] = {}
            refusing = [_RefusingConnection(c, (sql, 2), sent) for c in conns]
            read_whole = introspect(refusing[0], extra_connections=refusing[1:])  # type: ignore[arg-type]
            await asyncio.wait_for(read_whole, 60)  # a hang fails the test, it does not stop the suite
        finally:
            for conn in conns:
                await conn.close()

    with pytest.raises(asyncpg.DivisionByZeroError):
        asyncio.run(refused_read())


def _bounds(db: str, size: int, least: int | None = None) -> tuple[list[int], list[int]]:
    """The portion bounds of public's tables in portions of `size` (or fewer relations, down to `least`, for
    at least four portions), and those tables' OIDs in order."""

    async def read_them() -> tuple[list[int], list[int]]:
        conn = await asyncpg.connect(db)
        try:
            rows = await conn.fetch(read.PORTION_BOUNDS_SQL, [], [], least or size, size)
            oids = await conn.fetch(
                "SELECT oid FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind = 'r' "
                "ORDER BY oid"
            )
        finally:
            await conn.close()
        return [r["oid"] for r in rows], [r["oid"] for r in oids]

    return asyncio.run(read_them())


def test_the_portion_bounds_split_the_relations_in_equal_portions(db: str) -> None:
    run_sql(db, "".join(f"CREATE TABLE t{i} (id int);" for i in range(7)))
    found, oids = _bounds(db, 3)
    assert found == [oids[2], oids[5]]


def test_no_portion_starts_after_the_last_relation(db: str) -> None:
    """Six relations in portions of three: one bound, not a second at the last relation (its portion would be
    a query for no row of each portioned kind)."""
    run_sql(db, "".join(f"CREATE TABLE t{i} (id int);" for i in range(6)))
    found, oids = _bounds(db, 3)
    assert found == [oids[2]]


@pytest.mark.parametrize(
    ("tables", "least", "largest", "every"),
    [(9, 2, 1000, 2), (9, 3, 1000, 3), (9, 4, 1000, 4), (9, 2, 2, 2), (3, 1, 1000, 1), (40, 2, 5, 5)],
)
def test_a_small_catalog_is_read_in_four_portions_of_at_least_the_least_portion(
    db: str, tables: int, least: int, largest: int, every: int
) -> None:
    """`schema` reads a small catalog in portions of a quarter of its relations, never fewer than `least` nor
    more than `largest`: every `every`-th relation a bound, none at the last."""
    run_sql(db, "".join(f"CREATE TABLE t{i} (id int);" for i in range(tables)))
    found, oids = _bounds(db, largest, least)
    assert found == oids[every - 1 : tables - 1 : every]


@pytest.mark.parametrize("extra", [0, 1, 2], ids=["one connection", "two connections", "three connections"])
def test_the_least_portion_gives_the_catalog_of_one_portion(db: str, extra: int) -> None:
    """load_catalog in small portions (as `schema` reads): the same catalog, each portioned kind asked for
    once per portion."""
    run_sql(db, TRICKY + ACROSS)

    async def load(least: int) -> tuple[Catalog, list[tuple[Any, ...]]]:
        conns = [await asyncpg.connect(db) for _ in range(1 + extra)]
        try:
            counting = CountingConnection(conns[0])
            catalog = await read.load_catalog(
                counting,  # type: ignore[arg-type]
                extra_connections=conns[1:],
                least_portion=least,
            )
            return catalog, counting.calls
        finally:
            for conn in conns:
                await conn.close()

    whole, whole_calls = asyncio.run(load(read.PORTION_RELATIONS))
    portioned, calls = asyncio.run(load(1))
    assert portioned == whole
    assert len(whole.relations) >= 8
    columns = [c for c in calls if "FROM pg_attribute a" in c[0] and "$4" in c[0]]
    assert len(columns) >= 4 and len([c for c in whole_calls if c[0] == columns[0][0]]) == 1


@pytest.mark.parametrize("extra", [0, 1, 2], ids=["one connection", "two connections", "three connections"])
@pytest.mark.parametrize(
    ("builds", "kind"),
    [
        ("column_from_values", "columns"),
        ("constraint_from", "constraints"),
        ("index_from", "indexes"),
        ("relation_from", "relations"),
    ],
)
def test_a_build_that_fails_is_said_with_its_kind_not_as_what_the_builds_after_it_met(
    db: str, monkeypatch: pytest.MonkeyPatch, extra: int, builds: str, kind: str
) -> None:
    """A failure injected in one kind's build (a bug's stand-in): a failed column build surfaced as `KeyError:
    1` from the index definitions, which went on without the columns, with nothing of what failed."""
    run_sql(db, TRICKY + ACROSS)

    def fails(*args: object, **kwargs: object) -> None:
        raise ValueError("injected")

    monkeypatch.setattr(build_columns if builds == "column_from_values" else build, builds, fails)
    monkeypatch.setattr(read, "PORTION_RELATIONS", 2)
    with pytest.raises(CatalogBuildError) as raised:
        asyncio.run(_read(db, extra))
    assert str(raised.value) == f"the catalog read failed while building its {kind}: ValueError: injected"
    assert isinstance(raised.value.__cause__, ValueError)


@pytest.mark.parametrize("plan", ["enable_hashagg", "enable_sort"])
def test_the_dependencies_come_in_one_order_whatever_the_plan(db: str, plan: str) -> None:
    """A hash aggregate gave pg_depend's rows in its table's order, a sort in the keys': two reads of one
    catalog differed once the server planned the query anew (after an ANALYZE, or in parallel)."""
    run_sql(db, TRICKY + ACROSS)

    async def read_with(settings: dict[str, str]) -> Catalog:
        conn = await asyncpg.connect(db, server_settings=settings)
        try:
            return await introspect(conn)
        finally:
            await conn.close()

    usual = asyncio.run(read_with({}))
    other = asyncio.run(read_with({plan: "off"}))
    assert len(usual.dependencies) > 5
    assert list(other.dependencies) == list(usual.dependencies)
