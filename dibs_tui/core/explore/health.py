"""Health findings: the checks every DBA runs, each with its object, why it matters, the SQL that fixes it
and the object's source file:line when provenance knows it.

Every check reads the catalog model (and, for usage, sequences and definers, `HealthFacts`); none queries
per table. One pass over the tables runs every per-table check with what they share computed once (the
foreign keys, the statistics' age, each partitioned table's partitions).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import timedelta

import asyncpg

from ..gc_pause import collector_paused
from ..model import Catalog, Constraint, ObjectRef, QualifiedName, Relation, RelationKind
from ..sql import qualified, quote_ident
from .health_definers import definers
from .health_facts import HealthFacts, read_health_facts
from .health_findings import WHY, Finding, Level, object_name, promote_to_primary_key, where
from .health_indexes import duplicate_indexes, fk_without_index, redundant_indexes, unused_indexes
from .health_sequences import narrow_sequences, sequences
from .source_lines import Locate, SourceLines


@dataclass(frozen=True)
class DocCoverage:
    table: tuple[str, str]
    documented: int  # the table itself and each column with a doc: 1 + columns in all
    total: int


@dataclass(frozen=True)
class HealthReport:
    findings: tuple[Finding, ...]
    coverage: tuple[DocCoverage, ...]
    stats_age: str

    @property
    def total_coverage(self) -> tuple[int, int]:
        return sum(c.documented for c in self.coverage), sum(c.total for c in self.coverage)

    def at_least(self, level: Level) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.level >= level)


CHECKS = tuple(WHY)  # every check, by the name its findings carry
# Statistics younger than this say nothing of an index that a weekly job or report uses: after a restart or a
# reset, every such index had no scan yet, and each finding's fix would be DROP INDEX.
UNUSED_AFTER_DAYS = 7


async def health_report(
    conn: asyncpg.Connection,
    catalog: Catalog,
    locate: Locate | None = None,
    checks: Iterable[str] | None = None,
    *,
    unused_after_days: int = UNUSED_AFTER_DAYS,
) -> HealthReport:
    """Every finding, most severe first, and the documentation coverage of each table. `locate` (a
    `SourceLines` with the desired SQL files) places each finding's object; without it, what the meta rows
    say of tables, indexes and the columns behind sequences. `checks`: only these (the coverage is always
    counted). An index is called unused only once the statistics have counted for `unused_after_days`.

    The statistics are read over `conn` while the checks that need only the catalog run
    on a thread (they are most of the work, the statistics a few round trips): the answer comes in about
    the longer of the two, not their sum."""
    wanted = _wanted(checks)
    on_thread = asyncio.ensure_future(asyncio.to_thread(catalog_checks, catalog, locate, wanted))
    try:
        facts = await read_health_facts(
            conn,
            narrow=narrow_sequences(catalog) if "sequence-near-exhaustion" in wanted else (),
            scans="unused-index" in wanted,
            sequences="sequence-near-exhaustion" in wanted,
            definers="security-definer-search-path" in wanted,
        )
    except BaseException:
        await asyncio.wait([on_thread])  # nothing of ours outlives the call, even on failure
        raise
    return (await on_thread).with_facts(facts, unused_after_days)


def _wanted(checks: Iterable[str] | None) -> frozenset[str]:
    return frozenset(CHECKS if checks is None else checks)


@dataclass(frozen=True)
class CatalogChecks:
    """What the catalog alone tells: the findings of every check that needs no statistics, and the
    coverage; `with_facts` adds the ones that do (unused indexes, sequences, SECURITY DEFINER functions)."""

    catalog: Catalog
    locate: Locate | None
    wanted: frozenset[str]
    tables: tuple[Relation, ...]
    findings: tuple[Finding, ...]
    coverage: tuple[DocCoverage, ...]

    def with_facts(self, facts: HealthFacts, unused_after_days: int = UNUSED_AFTER_DAYS) -> HealthReport:
        with collector_paused(keep_what_was_built=True):  # thousands of findings, acyclic, kept
            catalog, locate, wanted = self.catalog, self.locate, self.wanted
            age = facts.stats_age()
            findings = list(self.findings)
            counted = facts.counted_for()
            if "unused-index" in wanted and facts.standby:  # an index only the primary's queries use: dropped
                wanted = wanted - {"unused-index"}
                age += (
                    ": this server is a standby, which counts its own index scans only: whether an index is "
                    "unused is the primary's to say (run the check there)"
                )
            elif "unused-index" in wanted and (
                counted is None or counted < timedelta(days=unused_after_days)
            ):
                wanted = wanted - {"unused-index"}
                age += f": too recent to call an index unused (that waits for {unused_after_days} days)"
            if "unused-index" in wanted:
                unused = [f for rel in self.tables for f in unused_indexes(rel, facts.index_scans, age)]
                findings.extend(_placed(unused, locate))
            place = locate or SourceLines(catalog)
            if "sequence-near-exhaustion" in wanted:
                findings.extend(sequences(catalog, facts.sequence_values, place))
            if "security-definer-search-path" in wanted:
                findings.extend(definers(catalog, facts.definer_config, facts.public_writable, place))
            findings.sort(key=lambda f: (-f.level, f.check, f.object))
            return HealthReport(tuple(findings), self.coverage, age)


def catalog_checks(
    catalog: Catalog, locate: Locate | None = None, checks: Iterable[str] | None = None
) -> CatalogChecks:
    """One pass over the tables, each check given what they share (the foreign keys, each partitioned
    table's partitions, a referenced table's column types, kept across the tables that reference it)."""
    wanted = _wanted(checks)
    with collector_paused(keep_what_was_built=True):
        partitions: dict[tuple[str, str], list[Relation]] = {}
        tables: list[Relation] = []
        for r in catalog.relations:
            if not r.kind.is_table or r.kind is RelationKind.FOREIGN:
                continue
            if r.partition_of is not None:
                partitions.setdefault(r.partition_of, []).append(r)
            else:
                tables.append(r)
        per_table = [fn for check, fn in _PER_TABLE if check in wanted]
        findings: list[Finding] = []
        coverage: list[DocCoverage] = []
        target_types: dict[tuple[QualifiedName, str], str | None] = {}
        undocumented = "undocumented" in wanted
        for rel in tables:
            fks = rel.foreign_keys
            if fks:
                if "fk-without-index" in wanted:
                    findings.extend(fk_without_index(rel, fks, partitions.get(rel.key, ())))
                if "fk-type-mismatch" in wanted:
                    findings.extend(_fk_type_mismatch(catalog, rel, fks, target_types))
            for fn in per_table:
                findings.extend(fn(rel))
            missing = [c.name for c in rel.columns if not (c.comment or (c.provenance and c.provenance.doc))]
            documented = bool(rel.doc)
            coverage.append(
                DocCoverage(rel.key, documented + len(rel.columns) - len(missing), 1 + len(rel.columns))
            )
            if undocumented and (missing or not documented):
                findings.append(_undocumented(rel, missing))
        return CatalogChecks(
            catalog, locate, wanted, tuple(tables), tuple(_placed(findings, locate)), tuple(coverage)
        )


def _placed(findings: list[Finding], locate: Locate | None) -> list[Finding]:
    """Each object's own line (an index's, a constraint's), not only its table's."""
    if locate is None:
        return findings
    return [replace(f, source=locate(f.subject) or f.source) if f.subject else f for f in findings]


def _no_primary_key(rel: Relation) -> Iterator[Finding]:
    if rel.primary_key is not None:
        return
    not_null = {c.name for c in rel.columns if c.not_null}
    unique = next(
        (i for i in rel.indexes if i.unique and not i.predicate and not_null.issuperset(i.columns)),
        None,
    )
    table = qualified(rel.schema, rel.name)
    if unique is not None:  # a unique index on NOT NULL columns already is a key: promote it
        fix = promote_to_primary_key(rel, unique.name)
    elif rel.column("id") is not None:  # keyed by its own `id` (ADD COLUMN id would fail: it exists)
        fix = f"ALTER TABLE {table} ADD PRIMARY KEY (id);"
    else:  # which key is the user's decision: a suggestion, never written as is
        fix = f"ALTER TABLE {table} ADD COLUMN id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY;"
    yield Finding(
        "no-primary-key",
        Level.WARNING,
        object_name(rel),
        "table has no primary key",
        WHY["no-primary-key"],
        fix,
        fix_is_template=unique is None,
        source=where(rel),
        table=rel.key,
        subject=ObjectRef("table", rel.schema, rel.name),
    )


def _fk_type_mismatch(
    catalog: Catalog,
    rel: Relation,
    fks: Sequence[Constraint],
    cache: dict[tuple[QualifiedName, str], str | None],
) -> Iterator[Finding]:
    """`cache` keeps each referenced column's type across tables (a hub's key is referenced by many)."""
    for con in fks:
        fk = con.foreign_key
        if fk is None:
            continue
        for mine, theirs in zip(con.columns, fk.target_columns, strict=False):
            key = (fk.target_key, theirs)
            if key in cache:
                ref = cache[key]
            else:
                target = catalog.relation(*fk.target_key)
                found = target.column(theirs) if target is not None else None
                ref = cache[key] = found.type if found is not None else None
            if ref is None:
                continue
            col = rel.column(mine)
            if col is None or col.type == ref:
                continue
            yield Finding(
                "fk-type-mismatch",
                Level.WARNING,
                object_name(rel, mine),
                f"{rel.name}.{mine} is {col.type} but references {fk.target_key[1]}.{theirs}, {ref} ({con.name})",
                WHY["fk-type-mismatch"],
                f"ALTER TABLE {qualified(rel.schema, rel.name)} ALTER COLUMN {quote_ident(mine)} TYPE {ref};",
                source=col.provenance.source if col.provenance and col.provenance.source else where(rel),
                table=rel.key,
                subject=ObjectRef("column", rel.schema, rel.name, mine),
            )


def _rls_without_policy(rel: Relation) -> Iterator[Finding]:
    if rel.rls_enabled and not rel.policies:
        yield Finding(
            "rls-without-policy",
            Level.WARNING,
            object_name(rel),
            "row-level security is enabled but the table has no policy",
            WHY["rls-without-policy"],
            f"CREATE POLICY {quote_ident(rel.name + '_select')} ON {qualified(rel.schema, rel.name)} FOR SELECT USING (true);",
            fix_is_template=True,
            source=where(rel),
            table=rel.key,
            subject=ObjectRef("table", rel.schema, rel.name),
        )


def _undocumented(rel: Relation, missing: list[str]) -> Finding:
    table = qualified(rel.schema, rel.name)
    parts = ([] if rel.doc else ["the table"]) + (
        [f"{len(missing)} of {len(rel.columns)} columns ({', '.join(missing)})"] if missing else []
    )
    column = f"COMMENT ON COLUMN {table}."
    fix = ([] if rel.doc else [f"COMMENT ON TABLE {table} IS '...';"]) + [
        column + quote_ident(c) + " IS '...';" for c in missing
    ]
    return Finding(
        "undocumented",
        Level.INFO,
        object_name(rel),
        "no documentation for " + " and ".join(parts),
        WHY["undocumented"],
        "\n".join(fix),
        fix_is_template=True,
        source=where(rel),
        table=rel.key,
        subject=ObjectRef("table", rel.schema, rel.name),
    )


# The checks of one table that need nothing but the table.
_PER_TABLE: tuple[tuple[str, Callable[[Relation], Iterable[Finding]]], ...] = (
    ("no-primary-key", _no_primary_key),
    ("duplicate-index", duplicate_indexes),
    ("redundant-index", redundant_indexes),
    ("rls-without-policy", _rls_without_policy),
)
