"""The index checks of one table: foreign keys without a covering index, duplicate, prefix-redundant and
unused indexes. Each keys the table's indexes once (sets of leading columns, shapes, prefixes), so a check
costs one pass over the indexes, never one scan of them per foreign key or per pair."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence

from ..model import Constraint, Index, ObjectRef, Relation
from ..sql import qualified, quote_ident
from .health_findings import WHY, Finding, Level, drop_index, object_name, where


class _Covered:
    """The sets of leading columns a table's usable indexes offer, per length, built for the lengths its
    foreign keys have: a key is covered when its columns are one of them (in any order: the index serves
    the key's lookups either way). One column, the usual key, is a look-up among first columns."""

    def __init__(self, rel: Relation) -> None:
        self.usable = [i.columns for i in rel.indexes if i.valid and not i.predicate and i.columns]
        self.firsts = {c[0] for c in self.usable}
        self.by_length: dict[int, set[frozenset[str]]] = {}

    def covers(self, columns: tuple[str, ...]) -> bool:
        n = len(columns)
        if n == 1:
            return columns[0] in self.firsts
        found = self.by_length.get(n)
        if found is None:
            found = self.by_length[n] = {frozenset(c[:n]) for c in self.usable if len(c) >= n}
        return frozenset(columns) in found


def fk_without_index(
    rel: Relation, fks: Sequence[Constraint], partitions: Sequence[Relation]
) -> Iterator[Finding]:
    """A partitioned table's key is covered by an index on it, or by one on every partition."""
    if not fks:
        return
    covered = _Covered(rel)
    in_parts = [_Covered(p) for p in partitions]
    for con in fks:
        if not con.enforced:
            continue  # NOT ENFORCED (PostgreSQL 18): no trigger looks rows up along it
        cols = con.columns
        if not cols or covered.covers(cols) or (in_parts and all(part.covers(cols) for part in in_parts)):
            continue
        columns = ", ".join(quote_ident(c) for c in con.columns)
        # An index on a partitioned table cannot be built CONCURRENTLY (PostgreSQL refuses it).
        how = "INDEX" if partitions else "INDEX CONCURRENTLY"
        yield Finding(
            "fk-without-index",
            Level.WARNING,
            object_name(rel, con.name),
            f"foreign key {con.name} ({con.key_text(con.columns)}) has no index that starts with its columns",
            WHY["fk-without-index"],
            f"CREATE {how} {quote_ident(new_index_name(rel, con.columns))} ON {qualified(rel.schema, rel.name)} ({columns});",
            source=where(rel),
            table=rel.key,
            subject=ObjectRef("constraint", rel.schema, rel.name, con.name),
        )


def new_index_name(rel: Relation, columns: Sequence[str]) -> str:
    base = f"{rel.name}_{'_'.join(columns)}_idx"
    return base if len(base.encode()) <= 63 else base.encode()[:59].decode(errors="ignore") + "_idx"


def _shape(index: Index) -> tuple[object, ...]:
    """What an index serves, by definition: its method, keys (columns or the server's text of each
    expression), per-key options, predicate and included columns, and its keys' collations."""
    return (index.method, index.columns, index.options, index.predicate, index.include, _collated(index))


def _collated(index: Index) -> str | None:
    """The definition from its method on when a key names a collation (`options` holds none): two indexes
    alike but for a key's collation serve the comparisons of different collations, neither is a spare."""
    definition = index.definition
    return definition.partition(" USING ")[2] if " COLLATE " in definition else None


def _keep_first(index: Index) -> tuple[bool, bool, str]:
    return (not index.owned_by_constraint, not index.unique, index.name)


def duplicate_indexes(rel: Relation) -> Iterator[Finding]:
    """Same shape: the index that enforces something (a constraint, then UNIQUE) is kept, the other one
    reported; two that both enforce are reported without a fix (dropping one means dropping a constraint)."""
    if len(rel.indexes) < 2:
        return
    groups: dict[tuple[object, ...], list[Index]] = {}
    for index in rel.indexes:
        groups.setdefault(_shape(index), []).append(index)
    if len(groups) == len(rel.indexes):
        return
    for same in groups.values():
        if len(same) < 2:
            continue
        kept, *others = sorted(same, key=_keep_first)
        for index in others:
            enforces = index.owned_by_constraint or (index.unique and not kept.unique)
            yield _index_finding(
                "duplicate-index",
                Level.WARNING,
                rel,
                index,
                f"index {index.name} is the same as {kept.name}",
                None if enforces else drop_index(rel, index),
            )


def redundant_indexes(rel: Relation) -> Iterator[Finding]:
    """A b-tree whose keys (and their options, under the same predicate) lead a longer b-tree. An index
    that enforces something (UNIQUE, a constraint) is never the redundant one: the longer index does not
    enforce it; one with a key in a named collation is left out on either side (see `_collated`)."""
    btrees = [i for i in rel.indexes if i.method == "btree" and i.valid and _collated(i) is None]
    candidates = [i for i in btrees if not i.unique and not i.owned_by_constraint]
    if not candidates or len(btrees) < 2:
        return
    shortest = min(len(i.columns) for i in candidates)
    wider: dict[tuple[object, ...], Index] = {}
    for index in btrees:
        for n in range(shortest, len(index.columns)):
            wider.setdefault((index.predicate, index.columns[:n], index.options[:n]), index)
    for index in candidates:
        longer = wider.get((index.predicate, index.columns, index.options))
        if longer is None:
            continue
        yield _index_finding(
            "redundant-index",
            Level.INFO,
            rel,
            index,
            f"index {index.name} ({', '.join(index.columns)}) is a prefix of {longer.name} ({', '.join(longer.columns)})",
            drop_index(rel, index),
        )


def unused_indexes(rel: Relation, scans: Mapping[tuple[str, str, str], int], age: str) -> Iterator[Finding]:
    """Never scanned since the statistics started counting (`age` says since when); an index that enforces
    something is used by every write, scanned or not."""
    schema, table = rel.key
    for index in rel.indexes:
        if index.unique or index.owned_by_constraint or scans.get((schema, table, index.name)) != 0:
            continue
        yield _index_finding(
            "unused-index",
            Level.INFO,
            rel,
            index,
            f"index {index.name} has not been scanned; the statistics are {age}",
            drop_index(rel, index),
        )


def _index_finding(
    check: str, level: Level, rel: Relation, index: Index, message: str, fix: str | None
) -> Finding:
    return Finding(
        check,
        level,
        object_name(rel, index.name),
        message,
        WHY[check],
        fix,
        source=where(rel, index),
        table=rel.key,
        subject=ObjectRef("index", rel.schema, rel.name, index.name),
    )
