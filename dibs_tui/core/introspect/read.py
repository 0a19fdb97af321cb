"""The entry points of introspection: the catalog read in one snapshot, over one or two connections, with or
without the meta tables' provenance, whole, for some relations, or only their names."""

from __future__ import annotations

import asyncio
import dataclasses
import sys
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

import asyncpg

from ..gc_pause import collector_paused
from ..model import Catalog, QualifiedName
from .build import Builder, ReadStopped
from .build_columns import ColumnPool
from .objects import KINDS, listed_relation
from .queries import (
    INDEX_DEFINITIONS,
    META,
    NOTHING,
    PORTION_BOUNDS_SQL,
    PORTION_RELATIONS,
    PORTIONED,
    queries_for,
)
from .queries_listing import FIRST_RELATIONS_SQL, RELATION_LIST_SQL, RELATION_OIDS_SQL

if TYPE_CHECKING:
    from ..meta import MetaSnapshot

# What the whole read's first connection runs between its queries (load_catalog's `between`)
Between = Callable[[asyncpg.Connection], Awaitable[None]]


# How the queries split over parallel connections (group i runs on connection i modulo their number). Each
# group starts with a heavy query so that the server deparses on every core at once, and the columns come
# first: turning them into the model is most of the Python work, done while the other queries still run. The
# header and the types (two small queries) come before the indexes, whose build needs them: a portion of
# indexes is not asked for before the one before last is built (`_fetch_portions`). The constraints (the CHECK
# constraints' deparse opens each table: the longest chain of queries) end last: on two connections they
# follow the columns on the first, where nothing else waits, so the relations are built as soon as the last
# constraint is in, and the small queries after the relations' build starts did not wait for its chunks of
# Python; on three (the browser's read) they run on the third from the start, beside the columns, instead of
# after them. The meta tables (a step of reads that ask for them) come right after the sequences: with them,
# everything the catalog holds up to its relations is in once the relations are built, and `schema --json`
# writes it while the queries after them still run (commands/schema_output.StreamedJson). The five small
# queries last: on one or two connections after the dependencies, as the second group's tail; on three (the
# browser's) on the first, idle once its columns are in, so that the relations and the dependencies' rows, on
# the second, are what the catalog's assembly waits for (5,000 tables: about 100 ms of round trips at the end).
_GROUPS = (
    ("columns",),
    (
        "header",
        "types",
        "indexes",
        "relations",
        "index_definitions",
        "triggers",
        "policies",
        "sequences",
        META,
        "dependencies",
    ),
    ("constraints",),
    ("functions", "objects", "foreign_tables", "privileges", "unmodelled"),
)
# A few relations' read (the browser's first card): every user type is read whatever the relations, and that
# query is most of the read's time; on a connection of its own (with the meta tables) it runs beside all the
# others, which are filtered to the relations and small (5,000 tables: 200 -> about 110 ms from the server).
_RELATION_GROUPS = (
    ("types",),
    (
        "relations",
        "sequences",
        "constraints",
        "header",
        "indexes",
        "policies",
        "columns",
        "triggers",
        "index_definitions",
        "dependencies",
        "functions",
        "objects",
        "foreign_tables",
        "privileges",
        "unmodelled",
    ),
)


async def _fetch_group(
    conn: asyncpg.Connection,
    queries: dict[str, str],
    names: Iterable[str],
    include: list[str],
    exclude: list[str],
    builder: Builder,
    between: Between | None = None,
) -> None:
    """Run the queries one after the other; each result is handed to the builder as a task of its own, so
    the next query is on the server while Python builds model objects from the previous one. `between(conn)`
    runs before each query and each portion (load_catalog)."""
    for name in names:
        if builder.stopped:  # another session's query failed: the read ends with its error
            raise ReadStopped
        if between is not None:
            await between(conn)
        if name == META:
            from ..meta import read_meta

            builder.meta_read(await read_meta(conn))
            continue
        if name == INDEX_DEFINITIONS:
            await builder.deparse_indexes(conn)
            continue
        sql = queries[name]
        if sql == NOTHING:
            builder.consume(name, [])
            continue
        if "$4" in sql:
            await _fetch_portions(conn, name, sql, [include, exclude], builder, between)
            continue
        args: list[Any] = [include, exclude] if "$1" in sql else []
        if "$3" in sql:
            args.append(builder.only_oids)
        if name == STREAMED:
            await _fetch_streamed(conn, name, sql, args, builder)
            continue
        builder.consume(name, await conn.fetch(sql, *args))


async def _fetch_portions(
    conn: asyncpg.Connection,
    name: str,
    sql: str,
    args: list[Any],
    builder: Builder,
    between: Between | None = None,
) -> None:
    """A big result in portions of relations: a portion is asked for once the one before last is built, so
    the driver's records of a kind are at most two portions, whatever the catalog's size."""
    portions = builder.portions
    building: list[asyncio.Task[None]] = []
    for number, (low, high) in enumerate(portions, 1):
        if len(building) >= 2:
            await building.pop(0)
        if between is not None and number > 1:  # the first: just after `between` ran in _fetch_group
            await between(conn)
        rows = await conn.fetch(sql, *args, low, high)
        building.append(builder.consume_portion(name, rows, last=number == len(portions)))


# pg_depend's rows are the biggest result not read in portions of relations (364,000 rows at 100,000 tables,
# 90 MiB of records at once, at the browser's peak): they are read through a cursor, a batch at a time, each
# batch kept compact (Resolver.keep) and let go before the next but one is asked for.
STREAMED = "dependencies"
_STREAMED_BATCH = 10_000


async def _fetch_streamed(
    conn: asyncpg.Connection, name: str, sql: str, args: list[Any], builder: Builder
) -> None:
    """A result in batches of `_STREAMED_BATCH` rows from a cursor (the read is one transaction), handed to
    the builder as portions; the next batch is read ahead, so the last one is known when it is handed over."""
    cursor = await conn.cursor(sql, *args)
    building: list[asyncio.Task[None]] = []
    rows = await cursor.fetch(_STREAMED_BATCH)
    while True:
        following = await cursor.fetch(_STREAMED_BATCH) if len(rows) == _STREAMED_BATCH else []
        if len(building) >= 2:
            await building.pop(0)
        building.append(builder.consume_portion(name, rows, last=not following))
        if not following:
            return
        rows = following


async def _fetch_all(
    conn: asyncpg.Connection,
    extra: Sequence[asyncpg.Connection],
    queries: dict[str, str],
    include: list[str],
    exclude: list[str],
    builder: Builder,
    query_groups: tuple[tuple[str, ...], ...] = _GROUPS,
    before_extra: Callable[[asyncpg.Connection], Awaitable[None]] | None = None,
    least_portion: int = PORTION_RELATIONS,
    between: Between | None = None,
) -> None:
    """Run the queries in one repeatable-read snapshot, so that the kinds agree with each other.

    With extra connections, the snapshot is exported from `conn` and imported by each of them, and the query
    groups run concurrently: the server deparses on several cores while Python builds the model.
    `before_extra(connection)` runs on the first extra connection before its group (outside the snapshot).
    The portioned kinds come in portions of PORTION_RELATIONS relations, or fewer down to `least_portion`
    (queries.PORTION_BOUNDS_SQL).
    """
    async with conn.transaction(isolation="repeatable_read", readonly=True):
        extra_steps = [name for name in queries if all(name not in group for group in query_groups)]
        snapshot = await conn.fetchval("SELECT pg_export_snapshot()") if extra else None
        if any("$4" in queries[name] for name in PORTIONED):
            bounds = await conn.fetch(PORTION_BOUNDS_SQL, include, exclude, least_portion, PORTION_RELATIONS)
            builder.portions_between([b["oid"] for b in bounds])
        connections = [conn, *extra]
        # One connection runs the groups as two would, one after the other (the constraints after the columns)
        groups: list[list[str]] = [[] for _ in range(max(len(connections), 2))]
        for number, group in enumerate(query_groups):
            groups[number % len(groups)].extend(name for name in group if name in queries)
        groups[-1].extend(extra_steps)  # the meta tables of a few relations' read: the last group ends first
        if not extra:
            names = [name for group in groups for name in group]
            await _fetch_group(conn, queries, names, include, exclude, builder, between)
            return

        async def on_extra(other: asyncpg.Connection, names: list[str]) -> None:
            if before_extra is not None and other is extra[0]:
                await before_extra(other)
            async with other.transaction(isolation="repeatable_read", readonly=True):
                await other.execute(f"SET TRANSACTION SNAPSHOT '{snapshot}'")
                await _fetch_group(other, queries, names, include, exclude, builder)

        failures: list[BaseException] = []

        async def stopping_the_others(group: Awaitable[None]) -> None:
            """A group whose query failed stops the builder: the builds the other sessions wait for (their
            back-pressure, the index definitions) would never come, and the read would wait for ever."""
            try:
                await group
            except BaseException as exc:
                if not failures:
                    failures.append(exc)
                    builder.stop()
                raise

        # Every group ends before the first failure is raised: a connection must not be rolled back while
        # its query still runs. The first failure is the one said; the others' `ReadStopped` follow from it.
        await asyncio.gather(
            stopping_the_others(_fetch_group(conn, queries, groups[0], include, exclude, builder, between)),
            *(
                stopping_the_others(on_extra(other, names))
                for other, names in zip(extra, groups[1:], strict=True)
            ),
            return_exceptions=True,
        )
        if failures:
            raise failures[0]


async def introspect(
    conn: asyncpg.Connection,
    *,
    include_schemas: Iterable[str] = (),
    exclude_schemas: Iterable[str] = (),
    extra_connections: Sequence[asyncpg.Connection] = (),
) -> Catalog:
    """The live catalog of the database behind `conn`, as a frozen model (no meta-table provenance).

    `extra_connections` (one fewer than `_GROUPS` has groups are used) let the queries run concurrently; the
    result is the same. The cyclic garbage collector is paused meanwhile: the model is a tree of a few hundred
    thousand new objects, and the collections they would trigger cost more than the build itself.
    """
    catalog, _ = await _introspect(conn, include_schemas, exclude_schemas, extra_connections, only=None)
    return catalog


async def _introspect(
    conn: asyncpg.Connection,
    include_schemas: Iterable[str],
    exclude_schemas: Iterable[str],
    extra_connections: Sequence[asyncpg.Connection],
    only: tuple[QualifiedName, ...] | None,
    *,
    with_meta: bool = False,
    progress: Callable[[int, int], object] | None = None,
    column_pool: ColumnPool | None = None,
    privileges: bool = True,
    started: Callable[[Builder], object] | None = None,
    before_extra: Callable[[asyncpg.Connection], Awaitable[None]] | None = None,
    least_portion: int = PORTION_RELATIONS,
    between: Between | None = None,
) -> tuple[Catalog, MetaSnapshot | None]:
    """The catalog, and with `with_meta` the meta tables' snapshot, read in the same transaction after the
    lighter group of queries (not after all of them). `progress(done, total)` follows the queries' results.
    Without `privileges`, the catalog has no grants and no roles (their query is not run). `started` is
    given the builder before the first query (to use its parts as they are built)."""
    version = conn.get_server_version()
    version_num = version.major * 10000 + version.minor if version.major >= 10 else 0
    oids: list[int] = []
    if only:
        keys = list(only)
        oids = await conn.fetchval(RELATION_OIDS_SQL, [k[0] for k in keys], [k[1] for k in keys]) or []
    queries = queries_for(version_num, only_relations=only is not None, privileges=privileges)
    query_groups = _GROUPS if only is None else _RELATION_GROUPS
    total = sum(1 for sql in queries.values() if sql)
    builder = Builder(oids, (lambda done: progress(done, total)) if progress else None, column_pool)
    if started is not None:
        started(builder)
    # The model is immutable, acyclic and kept: built with the collector paused, frozen once built.
    with collector_paused(keep_what_was_built=True):
        try:
            if with_meta:
                queries[META] = ""
            await _fetch_all(
                conn,
                list(extra_connections)[: len(query_groups) - 1],
                queries,
                list(include_schemas),
                list(exclude_schemas),
                builder,
                query_groups,
                before_extra,
                least_portion,
                between,
            )
            builder.reading = False
            return await builder.catalog(), builder.meta
        finally:
            builder.cancel()


async def load_catalog(
    conn: asyncpg.Connection,
    *,
    include_schemas: Iterable[str] = (),
    exclude_schemas: Iterable[str] = (),
    extra_connections: Sequence[asyncpg.Connection] = (),
    progress: Callable[[int, int], object] | None = None,
    started: Callable[[Builder], object] | None = None,
    before_extra: Callable[[asyncpg.Connection], Awaitable[None]] | None = None,
    least_portion: int = PORTION_RELATIONS,
    between: Between | None = None,
) -> Catalog:
    """The live catalog with the meta tables' provenance, stale and untracked objects attached (core.meta);
    `progress(done, total)` is called as each query's result arrives (the browser's header shows it);
    `started` is given the builder before the first query (`schema --json` writes its head from it);
    `before_extra(connection)` runs on the first extra connection before that connection's queries (the
    browser's whole list: that group ends before the first one, which starts at once); `least_portion`, the
    smallest portion of relations a small catalog is read in (`_fetch_all`); `between(conn)` runs on `conn`
    before each of its queries and portions, inside the read's transaction (a role limited to one session:
    the browser's card of one relation read there, `load_relations` on a savepoint, not after the whole read)."""
    from ..meta import apply_meta

    catalog, snapshot = await _introspect(
        conn,
        include_schemas,
        exclude_schemas,
        extra_connections,
        only=None,
        with_meta=True,
        progress=progress,
        started=started,
        before_extra=before_extra,
        least_portion=least_portion,
        between=between,
    )
    assert snapshot is not None
    return apply_meta(catalog, snapshot)


async def read_catalog(
    conn: asyncpg.Connection,
    *,
    include_schemas: Iterable[str] = (),
    exclude_schemas: Iterable[str] = (),
    extra_connections: Sequence[asyncpg.Connection] = (),
    column_pool: ColumnPool | None = None,
    privileges: bool = True,
) -> tuple[Catalog, MetaSnapshot]:
    """The catalog without provenance, and what the meta tables hold, read in one snapshot (the diff: the two
    sides share a `column_pool`; without `privileges`, no grants and no roles)."""
    catalog, snapshot = await _introspect(
        conn,
        include_schemas,
        exclude_schemas,
        extra_connections,
        only=None,
        with_meta=True,
        column_pool=column_pool,
        privileges=privileges,
    )
    assert snapshot is not None
    return catalog, snapshot


async def load_relations(
    conn: asyncpg.Connection,
    keys: Iterable[QualifiedName],
    *,
    extra_connections: Sequence[asyncpg.Connection] = (),
) -> Catalog:
    """A catalog holding only these relations, whole (columns, constraints, indexes, triggers, policies,
    owned sequences, and every enum and domain), with the meta tables' provenance, without functions and
    dependencies: what the browser needs to draw one table's card while the whole catalog is still loading.
    Same queries, filtered in SQL. Stale and untracked lists are left empty: they are only meaningful against
    the whole catalog. An extra connection reads the user types beside the rest (same snapshot)."""
    from ..meta import apply_meta

    partial, snapshot = await _introspect(conn, (), (), extra_connections, only=tuple(keys), with_meta=True)
    assert snapshot is not None
    catalog = apply_meta(partial, snapshot)
    return dataclasses.replace(catalog, meta=dataclasses.replace(catalog.meta, stale=(), untracked=()))


async def list_relations(
    conn: asyncpg.Connection, *, include_schemas: Iterable[str] = (), exclude_schemas: Iterable[str] = ()
) -> Catalog:
    """Only the relations' names, kinds, row estimates, sizes (without TOAST) and partition parents, in one
    cheap query.

    What the browser paints first: at 5,000 tables the full catalog takes seconds, the list of names
    milliseconds. Relations come without columns or constraints; the full catalog replaces this one. Fetched
    and built with the collector paused: 100,000 relations are as many new objects, kept until the full catalog
    is in, and the driver's records as many again (fetched with it on: 185-209 ms of CPU at 100,000 tables,
    181-189 paused, alternated in one process).
    """
    with collector_paused(keep_what_was_built=True):
        rows = await conn.fetch(RELATION_LIST_SQL, list(include_schemas), list(exclude_schemas))
        return _listed(rows)


async def first_relations(
    conn: asyncpg.Connection,
    count: int,
    *,
    include_schemas: Iterable[str] = (),
    exclude_schemas: Iterable[str] = (),
    give_up_after: float | None = None,
) -> Catalog | None:
    """The first `count` relations of `list_relations`, in its order, as `list_relations` gives them (fewer:
    that is all of them): a screenful from pg_class's name index, where the whole list reads all of pg_class
    (100,000 tables: about 20 ms against 0.8 s). None after `give_up_after` seconds (many schemas of a
    few relations each make it scan the index once per schema): the whole list is then the only one."""
    try:
        rows = await conn.fetch(
            FIRST_RELATIONS_SQL, list(include_schemas), list(exclude_schemas), count, timeout=give_up_after
        )
    except TimeoutError:
        return None
    return _listed(rows)


def _listed(rows: list[asyncpg.Record]) -> Catalog:
    """Names interned, as the full read interns its relations' (objects.relation_from): one string per schema
    name, not one per relation (the driver makes a new one for each row), and each relation's name the one the
    full read's relation then shares (6 MiB at 100,000 tables, held by the first list through the read)."""
    intern = sys.intern
    with collector_paused(keep_what_was_built=True):
        return Catalog(
            relations=tuple(
                listed_relation(
                    intern(schema),
                    intern(name),
                    KINDS[kind],
                    estimate,
                    size,
                    (parent_schema, parent) if parent else None,
                )
                for schema, name, kind, estimate, size, parent_schema, parent in rows
            )
        )
