"""Health findings' fixes as a migration file: the same name form, header and folder as a generated one,
so `review`, `status` and `migrate` take it as they take any migration; and, given the catalog, the same
`__dibs_*` meta updates `generate` writes for the same change (an index created, dropped, a column's type
changed), so that applying it keeps provenance right."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING

from ..errors import DibsError
from ..migrations.files import new_migration_name
from ..model import Catalog, Index, ObjectRef, QualifiedName, Relation
from ..plan import Change, ChangeKind
from .health import Finding
from .health_findings import promote_to_primary_key
from .health_indexes import new_index_name

if TYPE_CHECKING:
    from ..generate import SourceIndex


def fixable(findings: Sequence[Finding]) -> list[Finding]:
    """The findings whose fix is complete SQL (not a template awaiting the user's words)."""
    return [f for f in findings if f.fix and not f.fix_is_template]


def fix_migration(
    findings: Sequence[Finding],
    slug: str = "health-fixes",
    now: datetime | None = None,
    *,
    catalog: Catalog | None = None,
    sources: SourceIndex | None = None,
) -> tuple[str, str]:
    """(migration name, file text) holding the fix of every fixable finding, in order; with `catalog` (the
    database the findings are about), then the meta updates, with `sources` giving the source lines."""
    chosen = fixable(findings)
    if not chosen:
        raise DibsError("nothing to write: none of these findings has a fix that needs no words of yours")
    name = new_migration_name(slug, now)
    lines = [
        f"-- Migration: {name}",
        "-- Written by dibs-tui from health findings (`dibs-tui lint`); review it before applying.",
    ]
    for finding in chosen:
        assert finding.fix is not None
        note = "-- (runs outside the transaction, on its own)\n" if "CONCURRENTLY" in finding.fix else ""
        lines += ["", f"-- {finding.check}: {one_line(finding.message)}", note + finding.fix]
    if catalog is not None:
        from ..generate import SourceIndex, meta_for_changes, meta_section  # pglast: only when writing

        desired, changes = fixed_catalog(catalog, chosen)
        meta = meta_for_changes(desired, catalog, changes, name, sources or SourceIndex())
        if meta:
            lines += meta_section(catalog) + meta
    return name, "\n".join(lines) + "\n"


def one_line(text: str) -> str:
    """Text for a `--` comment: a line break in a name would end the comment and run the rest as SQL."""
    return text.replace("\\", "\\\\").replace("\r", "\\r").replace("\n", "\\n")


def fixed_catalog(catalog: Catalog, findings: Sequence[Finding]) -> tuple[Catalog, list[Change]]:
    """The catalog as it is once the fixes ran, and the changes they make that meta rows record: an index
    created or dropped, a column's type changed, a primary key taken from an index (its table modified)."""
    relations: dict[QualifiedName, Relation] = dict(catalog.relations_by_key)
    changes: list[Change] = []
    for finding in findings:
        subject = finding.subject
        rel = relations.get((subject.schema, subject.name)) if subject is not None else None
        if subject is None or rel is None:
            continue
        if finding.check == "fk-without-index":
            con = next((c for c in rel.constraints if c.name == subject.sub), None)
            if con is None:
                continue
            index = Index(new_index_name(rel, con.columns), con.columns, finding.fix or "")
            relations[rel.key] = replace(rel, indexes=(*rel.indexes, index))
            changes.append(Change(ChangeKind.CREATE, ObjectRef("index", *rel.key, index.name), "index"))
        elif subject.kind == "index":  # duplicate, redundant, unused: dropped
            relations[rel.key] = replace(rel, indexes=tuple(i for i in rel.indexes if i.name != subject.sub))
            changes.append(Change(ChangeKind.DROP, subject, "index"))
        elif finding.check == "fk-type-mismatch":
            new_type = _referenced_type(catalog, rel, subject.sub)
            if new_type is not None:
                relations[rel.key] = _retyped(rel, subject.sub, new_type)
                changes.append(Change(ChangeKind.ALTER, subject, "column"))
        elif finding.check == "no-primary-key":
            promoted = next(
                (i for i in rel.indexes if finding.fix == promote_to_primary_key(rel, i.name)), None
            )
            if promoted is not None:
                key = ObjectRef("constraint", *rel.key, promoted.name)
                changes.append(Change(ChangeKind.ALTER, key, "primary key"))
    for seq_finding in (f for f in findings if f.check == "sequence-near-exhaustion"):
        seq = next(
            (s for s in catalog.sequences if seq_finding.subject == ObjectRef("sequence", *s.key)), None
        )
        owner = seq.owned_by if seq is not None else None
        rel = relations.get((owner.schema, owner.table)) if owner is not None else None
        if owner is not None and rel is not None and "ALTER TABLE" in (seq_finding.fix or ""):
            relations[rel.key] = _retyped(rel, owner.column, "bigint")
            changes.append(Change(ChangeKind.ALTER, ObjectRef("column", *rel.key, owner.column), "column"))
    return replace(catalog, relations=tuple(relations.values())), changes


def _referenced_type(catalog: Catalog, rel: Relation, column: str) -> str | None:
    for con in rel.foreign_keys:
        fk = con.foreign_key
        target = catalog.relation(*fk.target_key) if fk is not None else None
        if fk is None or target is None or column not in con.columns:
            continue
        ref = target.column(fk.target_columns[con.columns.index(column)])
        return ref.type if ref is not None else None
    return None


def _retyped(rel: Relation, column: str, new_type: str) -> Relation:
    return replace(
        rel, columns=tuple(replace(c, type=new_type) if c.name == column else c for c in rel.columns)
    )
