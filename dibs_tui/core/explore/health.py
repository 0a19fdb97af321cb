"""Health findings: the checks every DBA runs, each with its object, why it matters, the SQL that fixes it
and the object's source file:line when provenance knows it.

Every check reads the catalog model (and, for usage and sequences, `HealthFacts`); none queries per table.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from ..model import Catalog, Index, Relation, RelationKind, SourceLocation
from ..sql import qualified, quote_ident
from .health_facts import HealthFacts


class Level(enum.IntEnum):
    INFO = 1
    WARNING = 2
    ERROR = 3

    def __str__(self) -> str:
        return self.name.lower()


@dataclass(frozen=True)
class Finding:
    check: str  # fk-without-index, no-primary-key, duplicate-index, ...
    level: Level
    object: str  # schema.table[.part], as a user would type it
    message: str  # what is wrong, one line
    why: str  # why it matters
    fix: str | None = None  # SQL that fixes it
    fix_is_template: bool = False  # the SQL needs the user's words (a doc comment): never written as is
    source: SourceLocation | None = None
    table: tuple[str, str] | None = None  # the table the finding is about, for navigation


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


SEQUENCE_WARN, SEQUENCE_ERROR = 0.75, 0.9

_WHY = {
    "fk-without-index": "deleting or updating a referenced row scans the whole referencing table, and joins "
    "along the key cannot use an index",
    "no-primary-key": "rows cannot be addressed one by one: logical replication refuses UPDATE and DELETE, "
    "tools and ORMs cannot edit rows, duplicates go unnoticed",
    "duplicate-index": "every write maintains both indexes; one of them serves no query the other cannot",
    "redundant-index": "its columns are the leading columns of another index, which serves the same queries",
    "unused-index": "no query has used it since the statistics started counting, yet every write pays for it",
    "fk-type-mismatch": "comparisons need a cast: joins may not use indexes, and values that fit one side may "
    "not fit the other",
    "rls-without-policy": "row-level security with no policy hides every row from everyone but the owner and "
    "superusers: likely a policy was forgotten",
    "security-definer-search-path": "a SECURITY DEFINER function resolves names through the caller's "
    "search_path: a caller can plant a same-named function or table and run it with the owner's rights",
    "sequence-near-exhaustion": "once the sequence reaches its maximum, every insert that needs a new value fails",
    "undocumented": "readers of the schema (people, generated docs, this browser) have nothing to go on",
}


def check_health(catalog: Catalog, facts: HealthFacts) -> HealthReport:
    """Every finding, most severe first, and the documentation coverage of each table."""
    findings: list[Finding] = []
    coverage: list[DocCoverage] = []
    tables = [
        r
        for r in catalog.relations
        if r.kind.is_table and r.kind is not RelationKind.FOREIGN and not r.is_partition
    ]
    for check in _TABLE_CHECKS:
        for rel in tables:
            findings.extend(check(catalog, rel, facts))
    for rel in tables:
        missing = [c.name for c in rel.columns if not c.doc]
        coverage.append(
            DocCoverage(rel.key, int(bool(rel.doc)) + len(rel.columns) - len(missing), 1 + len(rel.columns))
        )
        findings.extend(_undocumented(rel, missing))
    findings.extend(_sequences(catalog, facts))
    findings.extend(_definers(catalog, facts))
    findings.sort(key=lambda f: (-f.level, f.check, f.object))
    return HealthReport(tuple(findings), tuple(coverage), facts.stats_age())


def _where(rel: Relation, index: Index | None = None) -> SourceLocation | None:
    if index is not None and index.provenance and index.provenance.source:
        return index.provenance.source
    return rel.provenance.source if rel.provenance else None


def _name(rel: Relation, part: str = "") -> str:
    return f"{rel.schema}.{rel.name}" + (f".{part}" if part else "")


def _index_name(rel: Relation, columns: tuple[str, ...]) -> str:
    base = f"{rel.name}_{'_'.join(columns)}_idx"
    return base if len(base.encode()) <= 63 else base.encode()[:59].decode(errors="ignore") + "_idx"


def _fk_without_index(catalog: Catalog, rel: Relation, facts: HealthFacts) -> Iterator[Finding]:
    if not rel.foreign_keys:
        return
    # Every set of leading columns an index offers: an FK is covered when its columns are one of them.
    covered = {
        frozenset(i.columns[:n])
        for i in rel.indexes
        if i.valid and not i.predicate
        for n in range(1, len(i.columns) + 1)
    }
    for con in rel.foreign_keys:
        if not con.columns or frozenset(con.columns) in covered:
            continue
        columns = ", ".join(quote_ident(c) for c in con.columns)
        yield Finding(
            "fk-without-index",
            Level.WARNING,
            _name(rel, con.name),
            f"foreign key {con.name} ({', '.join(con.columns)}) has no index that starts with its columns",
            _WHY["fk-without-index"],
            f"CREATE INDEX CONCURRENTLY {quote_ident(_index_name(rel, con.columns))} ON {qualified(rel.schema, rel.name)} ({columns});",
            source=_where(rel),
            table=rel.key,
        )


def _no_primary_key(catalog: Catalog, rel: Relation, facts: HealthFacts) -> Iterator[Finding]:
    if rel.primary_key is not None:
        return
    unique = next(
        (
            i
            for i in rel.indexes
            if i.unique and not i.predicate and all(_not_null(rel, c) for c in i.columns)
        ),
        None,
    )
    table = qualified(rel.schema, rel.name)
    if unique is not None:  # a unique index on NOT NULL columns already is a key: promote it
        fix = f"ALTER TABLE {table} ADD PRIMARY KEY USING INDEX {quote_ident(unique.name)};"
    else:  # which key is the user's decision: a suggestion, never written as is
        fix = f"ALTER TABLE {table} ADD COLUMN id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY;"
    yield Finding(
        "no-primary-key",
        Level.WARNING,
        _name(rel),
        "table has no primary key",
        _WHY["no-primary-key"],
        fix,
        fix_is_template=unique is None,
        source=_where(rel),
        table=rel.key,
    )


def _not_null(rel: Relation, column: str) -> bool:
    col = rel.column(column)
    return col is not None and col.not_null


def _index_shape(index: Index) -> tuple[object, ...]:
    return (index.method, index.columns, index.options, index.predicate, index.include)


def _drop_index(rel: Relation, index: Index) -> str:
    return f"DROP INDEX CONCURRENTLY {qualified(rel.schema, index.name)};"


def _duplicate_indexes(catalog: Catalog, rel: Relation, facts: HealthFacts) -> Iterator[Finding]:
    seen: dict[tuple[object, ...], Index] = {}
    for index in sorted(rel.indexes, key=lambda i: (not i.owned_by_constraint, not i.unique, i.name)):
        shape = _index_shape(index)
        kept = seen.get(shape)
        if kept is None:
            seen[shape] = index
            continue
        yield Finding(
            "duplicate-index",
            Level.WARNING,
            _name(rel, index.name),
            f"index {index.name} is the same as {kept.name}",
            _WHY["duplicate-index"],
            None if index.owned_by_constraint else _drop_index(rel, index),
            source=_where(rel, index),
            table=rel.key,
        )


def _redundant_indexes(catalog: Catalog, rel: Relation, facts: HealthFacts) -> Iterator[Finding]:
    plain = [i for i in rel.indexes if i.method == "btree" and not i.predicate and i.valid]
    for index in plain:
        if index.unique or index.owned_by_constraint:
            continue  # it enforces something: not redundant even when a longer index starts the same way
        n = len(index.columns)
        wider = next(
            (
                o
                for o in plain
                if o is not index
                and len(o.columns) > n
                and o.columns[:n] == index.columns
                and o.options[:n] == index.options
            ),
            None,
        )
        if wider is not None:
            yield Finding(
                "redundant-index",
                Level.INFO,
                _name(rel, index.name),
                f"index {index.name} ({', '.join(index.columns)}) is a prefix of {wider.name} ({', '.join(wider.columns)})",
                _WHY["redundant-index"],
                _drop_index(rel, index),
                source=_where(rel, index),
                table=rel.key,
            )


def _unused_indexes(catalog: Catalog, rel: Relation, facts: HealthFacts) -> Iterator[Finding]:
    age = ""
    for index in rel.indexes:
        scans = facts.index_scans.get((rel.schema, rel.name, index.name))
        if scans != 0 or index.unique or index.primary or index.owned_by_constraint:
            continue
        age = age or facts.stats_age()
        yield Finding(
            "unused-index",
            Level.INFO,
            _name(rel, index.name),
            f"index {index.name} has not been scanned; the statistics are {age}",
            _WHY["unused-index"],
            _drop_index(rel, index),
            source=_where(rel, index),
            table=rel.key,
        )


def _fk_type_mismatch(catalog: Catalog, rel: Relation, facts: HealthFacts) -> Iterator[Finding]:
    for con in rel.foreign_keys:
        fk = con.foreign_key
        target = catalog.relation(*fk.target_key) if fk else None
        if fk is None or target is None:
            continue
        for mine, theirs in zip(con.columns, fk.target_columns, strict=False):
            col, ref = rel.column(mine), target.column(theirs)
            if col is None or ref is None or col.type == ref.type:
                continue
            yield Finding(
                "fk-type-mismatch",
                Level.WARNING,
                _name(rel, mine),
                f"{rel.name}.{mine} is {col.type} but references {target.name}.{theirs}, {ref.type} ({con.name})",
                _WHY["fk-type-mismatch"],
                f"ALTER TABLE {qualified(rel.schema, rel.name)} ALTER COLUMN {quote_ident(mine)} TYPE {ref.type};",
                source=_where(rel),
                table=rel.key,
            )


def _rls_without_policy(catalog: Catalog, rel: Relation, facts: HealthFacts) -> Iterator[Finding]:
    if rel.rls_enabled and not rel.policies:
        yield Finding(
            "rls-without-policy",
            Level.WARNING,
            _name(rel),
            "row-level security is enabled but the table has no policy",
            _WHY["rls-without-policy"],
            f"CREATE POLICY {quote_ident(rel.name + '_select')} ON {qualified(rel.schema, rel.name)} FOR SELECT USING (true);",
            fix_is_template=True,
            source=_where(rel),
            table=rel.key,
        )


_TABLE_CHECKS: tuple[Callable[[Catalog, Relation, HealthFacts], Iterator[Finding]], ...] = (
    _fk_without_index,
    _no_primary_key,
    _duplicate_indexes,
    _redundant_indexes,
    _unused_indexes,
    _fk_type_mismatch,
    _rls_without_policy,
)


def _undocumented(rel: Relation, missing: list[str]) -> Iterator[Finding]:
    if rel.doc and not missing:
        return
    table = qualified(rel.schema, rel.name)
    parts = ([] if rel.doc else ["the table"]) + (
        [f"{len(missing)} of {len(rel.columns)} columns ({', '.join(missing)})"] if missing else []
    )
    fix = ([] if rel.doc else [f"COMMENT ON TABLE {table} IS '...';"]) + [
        f"COMMENT ON COLUMN {table}.{quote_ident(c)} IS '...';" for c in missing
    ]
    yield Finding(
        "undocumented",
        Level.INFO,
        _name(rel),
        "no documentation for " + " and ".join(parts),
        _WHY["undocumented"],
        "\n".join(fix),
        fix_is_template=True,
        source=_where(rel),
        table=rel.key,
    )


def _sequences(catalog: Catalog, facts: HealthFacts) -> Iterator[Finding]:
    for seq in catalog.sequences:
        value = facts.sequence_values.get(seq.key)
        span = seq.max_value - seq.min_value
        if value is None or span <= 0 or seq.cycle:
            continue
        used = (value - seq.min_value if seq.increment > 0 else seq.max_value - value) / span
        if used < SEQUENCE_WARN:
            continue
        fix = (
            f"ALTER SEQUENCE {qualified(seq.schema, seq.name)} AS bigint MAXVALUE 9223372036854775807;"
            if seq.data_type != "bigint"
            else None
        )
        if fix and seq.owned_by is not None:
            owner = seq.owned_by
            fix = f"ALTER TABLE {qualified(owner.schema, owner.table)} ALTER COLUMN {quote_ident(owner.column)} TYPE bigint;\n{fix}"
        yield Finding(
            "sequence-near-exhaustion",
            Level.ERROR if used >= SEQUENCE_ERROR else Level.WARNING,
            f"{seq.schema}.{seq.name}",
            f"sequence {seq.name} ({seq.data_type}) has used {used:.0%} of its range (at {value} of {seq.max_value})",
            _WHY["sequence-near-exhaustion"],
            fix,
            table=(seq.owned_by.schema, seq.owned_by.table) if seq.owned_by else None,
        )


def _definers(catalog: Catalog, facts: HealthFacts) -> Iterator[Finding]:
    for fn in catalog.functions:
        config = facts.definer_config.get((fn.schema, fn.name, fn.identity_arguments))
        if config is None or any(c.startswith("search_path=") for c in config):
            continue
        yield Finding(
            "security-definer-search-path",
            Level.ERROR,
            f"{fn.schema}.{fn.signature}",
            f"SECURITY DEFINER function {fn.name} does not fix its search_path",
            _WHY["security-definer-search-path"],
            f"ALTER FUNCTION {qualified(fn.schema, fn.name)}({fn.identity_arguments}) SET search_path = pg_catalog, pg_temp;",
        )
