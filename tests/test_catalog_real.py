"""Real schemas: introspection against independent catalog counts, and the DDL round trip.

Each real fixture is loaded once per module (loading MusicBrainz takes a while) into its own database on the
session server, and reused by every assertion about it.
"""

from __future__ import annotations

import asyncio
import dataclasses
import itertools
from collections.abc import Callable, Iterator
from typing import Any

import asyncpg
import pytest

from dibs_tui.core.diff import diff_catalogs
from dibs_tui.core.diff.whole_schema import whole_schema_sql
from dibs_tui.core.embedded import EmbeddedServer
from dibs_tui.core.fingerprint import Fingerprint, compare
from dibs_tui.core.introspect.read import introspect
from dibs_tui.core.model import Catalog, ConstraintKind, RelationKind
from tests.conftest import TEMPLATE
from tests.diffcases.harness import fingerprint_dsn
from tests.pg import psql_file, run_sql
from tests.realschemas import load_real

# Written independently of core.introspect: plain counts over pg_catalog with the same exclusions.
COUNTS_SQL = """
WITH ns AS (SELECT oid FROM pg_namespace WHERE nspname NOT IN ('pg_catalog', 'information_schema')
            AND nspname !~ '^pg_toast' AND nspname !~ '^pg_temp'),
ext AS (SELECT objid FROM pg_depend WHERE deptype = 'e'),
rel AS (SELECT oid, relkind FROM pg_class WHERE relnamespace IN (SELECT oid FROM ns)
        AND oid NOT IN (SELECT objid FROM ext) AND relname NOT LIKE '\\_\\_dibs\\_%'
        AND relname <> '_dibs_migrations')
SELECT
 (SELECT count(*) FROM rel WHERE relkind IN ('r', 'p')) AS tables,
 (SELECT count(*) FROM rel WHERE relkind IN ('v', 'm')) AS views,
 (SELECT count(*) FROM pg_index WHERE indrelid IN (SELECT oid FROM rel)) AS indexes,
 (SELECT count(*) FROM pg_constraint WHERE contype = 'f' AND conrelid IN (SELECT oid FROM rel)) AS fks,
 (SELECT count(*) FROM pg_constraint WHERE contype = 'c' AND conrelid IN (SELECT oid FROM rel)) AS checks,
 (SELECT count(*) FROM pg_constraint WHERE contype IN ('p', 'u')
    AND conrelid IN (SELECT oid FROM rel)) AS keys,
 (SELECT count(*) FROM pg_type WHERE typtype = 'e' AND typnamespace IN (SELECT oid FROM ns)
    AND oid NOT IN (SELECT objid FROM ext)) AS enums,
 (SELECT count(*) FROM pg_type WHERE typtype = 'd' AND typnamespace IN (SELECT oid FROM ns)
    AND oid NOT IN (SELECT objid FROM ext)) AS domains,
 (SELECT count(*) FROM pg_class WHERE relkind = 'S' AND relnamespace IN (SELECT oid FROM ns)
    AND oid NOT IN (SELECT objid FROM ext)) AS sequences,
 (SELECT count(*) FROM pg_proc WHERE pronamespace IN (SELECT oid FROM ns)
    AND oid NOT IN (SELECT objid FROM ext)) AS functions,
 (SELECT count(*) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid WHERE NOT t.tgisinternal
    AND t.tgrelid IN (SELECT oid FROM rel) AND (t.tgparentid = 0 OR NOT c.relispartition)) AS triggers,
 (SELECT count(*) FROM pg_attribute WHERE attnum > 0 AND NOT attisdropped
    AND attrelid IN (SELECT oid FROM rel WHERE relkind IN ('r', 'p', 'v', 'm', 'f'))) AS columns,
 (SELECT count(*) FROM pg_attribute WHERE attnum > 0 AND NOT attisdropped AND attgenerated <> ''
    AND attrelid IN (SELECT oid FROM rel)) AS generated
"""

# The table count SOURCES.md gives for each fixture: an independent check of the loader itself.
EXPECTED_TABLES = {
    "pagila": 71,
    "synapse": 138,
    "chinook": 11,
    "delta": 8,
    "plue": 50,
    "musicbrainz": 375,
    "lago": 139,
    "supabase": 9,
}
_names = itertools.count()


@pytest.fixture(scope="module")
def real(pg_server: EmbeddedServer) -> Iterator[Callable[[str], str]]:
    """name -> DSN of a database holding that real fixture, loaded at most once in this module."""
    loaded: dict[str, str] = {}
    created: list[str] = []

    def database() -> str:
        name = f"real_{next(_names)}"
        run_sql(
            pg_server.dsn("postgres"), f'CREATE DATABASE "{name}" TEMPLATE "{TEMPLATE}" STRATEGY FILE_COPY'
        )
        created.append(name)
        return pg_server.dsn(name)

    def get(fixture: str) -> str:
        if fixture.startswith("empty"):
            return database()
        if fixture not in loaded:
            dsn = database()
            load_real(dsn, fixture)
            loaded[fixture] = dsn
        return loaded[fixture]

    yield get
    for name in created:
        run_sql(pg_server.dsn("postgres"), f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _introspect(dsn: str, query: str | None = None) -> tuple[Catalog, Any]:
    async def go() -> tuple[Catalog, Any]:
        conn = await asyncpg.connect(dsn)
        try:
            return await introspect(conn), (await conn.fetchrow(query) if query else None)
        finally:
            await conn.close()

    return asyncio.run(go())


def _model_counts(catalog: Catalog) -> dict[str, int]:
    rels = catalog.relations
    constraints = [c for r in rels for c in r.constraints]
    return {
        "tables": sum(r.kind in (RelationKind.TABLE, RelationKind.PARTITIONED) for r in rels),
        "views": sum(r.kind in (RelationKind.VIEW, RelationKind.MATVIEW) for r in rels),
        "indexes": sum(len(r.indexes) for r in rels),
        "fks": sum(c.kind is ConstraintKind.FOREIGN_KEY for c in constraints),
        "checks": sum(c.kind is ConstraintKind.CHECK for c in constraints),
        "keys": sum(c.kind in (ConstraintKind.PRIMARY_KEY, ConstraintKind.UNIQUE) for c in constraints),
        "enums": len(catalog.enums),
        "domains": len(catalog.domains),
        "sequences": len(catalog.sequences),
        "functions": len(catalog.functions),
        "triggers": sum(len(r.triggers) for r in rels),
        "columns": sum(len(r.columns) for r in rels),
        "generated": sum(c.generated is not None for r in rels for c in r.columns),
    }


@pytest.mark.slow
@pytest.mark.parametrize("name", list(EXPECTED_TABLES))
def test_real_schema_counts_match_the_catalog(name: str, real: Callable[[str], str]) -> None:
    catalog, counts = _introspect(real(name), COUNTS_SQL)
    assert _model_counts(catalog) == dict(counts)
    assert _model_counts(catalog)["tables"] == EXPECTED_TABLES[name]
    # Every FK points at a relation the model has, and its columns exist on both sides.
    for rel in catalog.relations:
        for fk in rel.foreign_keys:
            assert fk.foreign_key is not None
            target = catalog.relation(*fk.foreign_key.target_key)
            assert target is not None, fk
            assert all(target.column(c) for c in fk.foreign_key.target_columns)
            assert all(rel.column(c) for c in fk.columns)


INDEXDEFS_SQL = """
SELECT n.nspname, c.relname, ic.relname AS index, pg_get_indexdef(i.indexrelid) AS definition
FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_class c ON c.oid = i.indrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
"""


CONSTRAINTDEFS_SQL = """
SELECT n.nspname, c.relname, co.conname, pg_get_constraintdef(co.oid) AS definition
FROM pg_constraint co JOIN pg_class c ON c.oid = co.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
"""


async def _server_definitions(dsn: str, sql: str) -> dict[tuple[str, str, str], str]:
    conn = await asyncpg.connect(dsn)
    try:
        return {(r[0], r[1], r[2]): r[3] for r in await conn.fetch(sql)}
    finally:
        await conn.close()


@pytest.mark.slow
@pytest.mark.parametrize("name", list(EXPECTED_TABLES))
def test_index_and_key_definitions_are_the_servers_word_for_word(
    name: str, real: Callable[[str], str]
) -> None:
    """core.introspect writes the definitions of plain indexes, keys and FKs itself: each must be the server's."""
    catalog, _ = _introspect(real(name))
    server = asyncio.run(_server_definitions(real(name), INDEXDEFS_SQL))
    ours = {(r.schema, r.name, i.name): i.definition for r in catalog.relations for i in r.indexes}
    assert ours and {k: server[k] for k in ours} == ours
    server = asyncio.run(_server_definitions(real(name), CONSTRAINTDEFS_SQL))
    ours = {(r.schema, r.name, c.name): c.definition for r in catalog.relations for c in r.constraints}
    assert ours and {k: server[k] for k in ours} == ours


@pytest.mark.slow
def test_lago_specifics(real: Callable[[str], str]) -> None:
    catalog, _ = _introspect(real("lago"))
    assert len(catalog.enums) == 43
    # SOURCES.md mentions 14 generated columns, but structure.sql has no GENERATED clause at all.
    assert not any(c.generated for r in catalog.relations for c in r.columns)
    partitioned = [r for r in catalog.relations if r.kind is RelationKind.PARTITIONED]
    assert len(partitioned) == 1 and partitioned[0].partition_key
    assert len(catalog.partitions[partitioned[0].key]) == 1
    # structure.sql makes its indexes out of their names' order: a new partition's are named in this one
    assert [name for name, _ in partitioned[0].index_order] == [
        "index_enriched_events_on_event_id",
        "idx_unique_on_enriched_events",
        "idx_lookup_on_enriched_events",
        "idx_billing_on_enriched_events",
    ]
    assert sum(r.kind is RelationKind.MATVIEW for r in catalog.relations) == 1
    assert sum(r.kind is RelationKind.VIEW for r in catalog.relations) == 33


@pytest.mark.slow
def test_pagila_specifics(real: Callable[[str], str]) -> None:
    catalog, _ = _introspect(real("pagila"))
    assert len(catalog.partitions[("public", "payment")]) == 55
    assert {d.name for d in catalog.domains} == {"bıgınt", "year"}
    film = catalog.relation("public", "film")
    assert film is not None and any(c.generated == "virtual" for c in film.columns)
    aggregates = [f for f in catalog.functions if f.kind == "a"]
    assert aggregates and all(f.definition and "AGGREGATE" in f.definition for f in aggregates)


# --- DDL round trip -----------------------------------------------------------------------------------------


def _normalised(catalog: Catalog) -> Catalog:
    """What a DDL round trip can reproduce. Left out, on purpose: the database name, row estimates and
    sizes (statistics, not schema: relpages changes with autovacuum and checkpoints), schema owners and grants (the script renders no ownership and no GRANT: roles are
    not modelled and may not exist where the DDL is loaded), and the unmodelled kinds, which the model only
    counts and so cannot write (the test checks the round trip never invents one)."""
    return dataclasses.replace(
        catalog,
        database="",
        privileges=(),
        unmodelled=(),
        schemas=tuple(dataclasses.replace(s, owner=None) for s in catalog.schemas),
        relations=tuple(dataclasses.replace(r, row_estimate=-1, size_bytes=0) for r in catalog.relations),
        dependencies=tuple(sorted(catalog.dependencies, key=str)),
    )


def _differences(a: Catalog, b: Catalog) -> set[str]:
    """Which objects (and which of their fields) differ, as short labels."""
    out: set[str] = set()
    for f in dataclasses.fields(a):
        va, vb = getattr(a, f.name), getattr(b, f.name)
        if va == vb:
            continue
        if f.name != "relations":
            out.add(f.name)
            continue
        other = {r.key: r for r in vb}
        for rel in va:
            twin = other.pop(rel.key, None)
            if twin is None:
                out.add(f"missing {rel.schema}.{rel.name}")
                continue
            out.update(
                f"{rel.schema}.{rel.name} {g.name}"
                for g in dataclasses.fields(rel)
                if getattr(rel, g.name) != getattr(twin, g.name)
            )
        out.update(f"extra {s}.{n}" for s, n in other)
    return out


def _index_orders(catalog: Catalog) -> dict[tuple[str, str], tuple[tuple[str, tuple[str, ...]], ...]]:
    return {r.key: r.index_order for r in catalog.relations if r.index_order}


def _round_trip(catalog: Catalog, dsn: str) -> Catalog:
    psql_file(dsn, f"whole_schema_sql({catalog.database})", text=whole_schema_sql(catalog))
    return _introspect(dsn)[0]


# Expressions PostgreSQL's deparser does not print back verbatim: `x = ANY ((ARRAY['a'::varchar])::text[])`
# re-parses to `x = ANY (ARRAY[('a'::varchar)::text])` (pg_dump has the same drift). The test checks that
# these are the only differences and that a second round trip reproduces the first exactly (a fixed point).
PLUE_ANY_ARRAY_CHECKS = (
    "commit_statuses",
    "email_verification_tokens",
    "issue_events",
    "issues",
    "landing_line_comments",
    "landing_queue",
    "landing_reviews",
    "messages",
    "milestones",
    "parts",
    "pull_requests",
    "reactions",
    "review_comments",
    "reviews",
    "runner_pool",
    "sessions",
    "watches",
)
DEPARSE_DRIFT = {
    "pagila": set(),
    "synapse": set(),
    "chinook": set(),
    "delta": set(),
    "plue": {f"public.{table} constraints" for table in PLUE_ANY_ARRAY_CHECKS},
    "lago": set(),
    "supabase": set(),
    "musicbrainz": {
        "musicbrainz.series_type constraints",
        "musicbrainz.editor_collection_type constraints",
        "musicbrainz.release_event view_definition",
    },
}


def _schema_lines(fingerprint: Fingerprint) -> Fingerprint:
    skipped = ("owner ", "grant ", "revoke ", "default privileges ")
    return Fingerprint.of([line for line in fingerprint.lines if not line.startswith(skipped)])


# What the model does not hold, so the script cannot write, though the fingerprint sees it (synapse's
# n_distinct on state_groups_state.state_group was, until column settings held attribute options).
FINGERPRINT_GAPS: dict[str, set[str]] = {}


@pytest.mark.slow
@pytest.mark.parametrize("name", list(DEPARSE_DRIFT))
def test_ddl_round_trip_gives_an_equal_model(name: str, real: Callable[[str], str]) -> None:
    """`schema --sql` of every real fixture loads into an empty database, and gives the same model back and the
    same fingerprint (which sees every kind, modelled or not), owners and grants aside."""
    original, _ = _introspect(real(name))
    copy = real("empty")
    first = _round_trip(original, copy)
    assert set(first.unmodelled) <= set(original.unmodelled)
    # not a difference (the model compares without it), but what names a new partition's indexes
    assert _index_orders(first) == _index_orders(original)
    assert _differences(_normalised(original), _normalised(first)) == DEPARSE_DRIFT[name]
    # The deparser's drift is text, not schema: the diff sees none of it (a reloaded dump is in sync).
    plan = diff_catalogs(first, original)[1]
    assert plan == (), "\n".join(s.sql for s in plan)
    lines = compare(*(_schema_lines(asyncio.run(fingerprint_dsn(dsn))) for dsn in (real(name), copy)))
    drift = set(lines.before + lines.after)
    if not DEPARSE_DRIFT[name]:  # with deparse drift the constraint lines differ too: the model says which
        assert drift == FINGERPRINT_GAPS.get(name, set()), "\n".join(sorted(drift)[:40])
    if DEPARSE_DRIFT[name]:
        second = _round_trip(first, real("empty"))
        assert _normalised(second) == _normalised(first)
