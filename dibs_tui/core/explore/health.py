"""Health findings: the checks every DBA runs, each with its object, why it matters, the SQL that fixes it
and the object's source file:line when provenance knows it.

Every check reads the catalog model (and, for usage, sequences and definers, `HealthFacts`); none queries
per table. One pass over the tables runs every per-table check with what they share computed once (the
foreign keys, the statistics' age, each partitioned table's partitions).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace

from ..model import Catalog, Constraint, ObjectRef, Relation, RelationKind
from ..sql import qualified, quote_ident
from .health_definers import definers
from .health_facts import HealthFacts
from .health_findings import WHY, Finding, Level, object_name, promote_to_primary_key, where
from .health_indexes import duplicate_indexes, fk_without_index, redundant_indexes, unused_indexes
from .health_sequences import sequences
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


def check_health(catalog: Catalog, facts: HealthFacts, locate: Locate | None = None) -> HealthReport:
    """Every finding, most severe first, and the documentation coverage of each table. `locate` (a
    `SourceLines` with the desired SQL files) places each finding's object; without it, what the meta rows
    say of tables, indexes and the columns behind sequences (no pass over every finding then)."""
    findings: list[Finding] = []
    coverage: list[DocCoverage] = []
    partitions: dict[tuple[str, str], list[Relation]] = {}
    tables: list[Relation] = []
    for r in catalog.relations:
        if not r.kind.is_table or r.kind is RelationKind.FOREIGN:
            continue
        if r.partition_of is not None:
            partitions.setdefault(r.partition_of, []).append(r)
        else:
            tables.append(r)
    age = facts.stats_age()
    target_types: dict[tuple[str, str], dict[str, str]] = {}  # a hub table is referenced by many
    for rel in tables:
        fks = rel.foreign_keys
        findings.extend(fk_without_index(rel, fks, partitions.get(rel.key, ())))
        findings.extend(_no_primary_key(rel))
        findings.extend(duplicate_indexes(rel))
        findings.extend(redundant_indexes(rel))
        findings.extend(unused_indexes(rel, facts.index_scans, age))
        if fks:
            findings.extend(_fk_type_mismatch(catalog, rel, fks, target_types))
        findings.extend(_rls_without_policy(rel))
        missing = [c.name for c in rel.columns if not (c.comment or (c.provenance and c.provenance.doc))]
        coverage.append(
            DocCoverage(rel.key, int(bool(rel.doc)) + len(rel.columns) - len(missing), 1 + len(rel.columns))
        )
        findings.extend(_undocumented(rel, missing))
    if locate is not None:  # each object's own line (an index's, a constraint's), not only its table's
        findings = [replace(f, source=locate(f.subject) or f.source) if f.subject else f for f in findings]
    place = locate or SourceLines(catalog)
    findings.extend(sequences(catalog, facts.sequence_values, place))
    findings.extend(definers(catalog, facts.definer_config, facts.public_writable, place))
    findings.sort(key=lambda f: (-f.level, f.check, f.object))
    return HealthReport(tuple(findings), tuple(coverage), age)


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


def _column_types(rel: Relation) -> dict[str, str]:
    return {c.name: c.type for c in rel.columns}


def _fk_type_mismatch(
    catalog: Catalog, rel: Relation, fks: Sequence[Constraint], cache: dict[tuple[str, str], dict[str, str]]
) -> Iterator[Finding]:
    """`cache` keeps each referenced table's column types across tables."""
    for con in fks:
        fk = con.foreign_key
        if fk is None:
            continue
        theirs_types = cache.get(fk.target_key)
        if theirs_types is None:
            target = catalog.relation(*fk.target_key)
            theirs_types = cache[fk.target_key] = {c.name: c.type for c in target.columns} if target else {}
        for mine, theirs in zip(con.columns, fk.target_columns, strict=False):
            col, ref = rel.column(mine), theirs_types.get(theirs)
            if col is None or ref is None or col.type == ref:
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


def _undocumented(rel: Relation, missing: list[str]) -> Iterator[Finding]:
    if rel.doc and not missing:
        return
    table = qualified(rel.schema, rel.name)
    parts = ([] if rel.doc else ["the table"]) + (
        [f"{len(missing)} of {len(rel.columns)} columns ({', '.join(missing)})"] if missing else []
    )
    column = f"COMMENT ON COLUMN {table}."
    fix = ([] if rel.doc else [f"COMMENT ON TABLE {table} IS '...';"]) + [
        column + quote_ident(c) + " IS '...';" for c in missing
    ]
    yield Finding(
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
