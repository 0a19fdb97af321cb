"""Tables that are not the schema: migration tools' histories, dibs-tui's own meta tables, and what the
project's `exclude` setting names. They are taken out of BOTH catalogs before a diff compares them, so
diff, check and generate never propose to drop or change them, and the diff says what it left out.

A pattern is a glob on `schema.table` (`public.audit_*`), or on the bare table name in any schema
(`audit_*`); matching is case-sensitive, as PostgreSQL names are.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from fnmatch import fnmatchcase
from pathlib import Path
from typing import TYPE_CHECKING

from .terminal import safe

if TYPE_CHECKING:
    from .model import Catalog, ObjectRef, Relation
    from .model import Sequence as SequenceObject

# Table name -> why it is not the schema. Found in any schema: each tool creates it where it is told to.
TOOL_TABLES: dict[str, str] = {
    "alembic_version": "Alembic history",
    "schema_migrations": "migration history (golang-migrate, Rails or dbmate)",
    "ar_internal_metadata": "Rails metadata",
    "flyway_schema_history": "Flyway history",
    "_sqlx_migrations": "sqlx history",
    "_prisma_migrations": "Prisma history",
    "goose_db_version": "goose history",
    "_dibs_migrations": "dibs history",
    "__diesel_schema_migrations": "diesel history",
}
_META_PREFIX = "__dibs_"


@dataclass(frozen=True)
class LeftOut:
    """A relation the diff did not compare, and why (`Alembic history`, `excluded by public.audit_*`)."""

    schema: str
    name: str
    why: str

    def __str__(self) -> str:
        """Escaped here, where every output takes it: a name's newline would start a line of its own."""
        return safe(f"{self.schema}.{self.name} ({self.why})")


def why_left_out(schema: str, name: str, excludes: Sequence[str] = ()) -> str | None:
    """Why a table is not part of the schema, or None when it is."""
    if name in TOOL_TABLES:
        return TOOL_TABLES[name]
    if name.startswith(_META_PREFIX):
        return "dibs-tui meta table"
    for pattern in excludes:
        subject = f"{schema}.{name}" if "." in pattern else name
        if fnmatchcase(subject, pattern):
            return f"excluded by {pattern}"
    return None


def _touches(ref: ObjectRef, gone: set[tuple[str, str]]) -> bool:
    if ref.kind == "sequence":
        return False
    return ref.kind != "schema" and (ref.schema, ref.name) in gone


_KEPT_FOR = "kept for "


def _their_sequences(catalog: Catalog, gone: set[tuple[str, str]]) -> dict[tuple[str, str], str]:
    """The sequences no one owns (no OWNED BY) that one left-out table's defaults alone read (`nextval('x_seq')`),
    each with that table: the tool's as its table is (the fingerprint's rule too). Planned as ours, the
    sequence was dropped where the desired side lacks it, and the apply failed on the tool's default."""
    users = _readers(catalog)
    return {
        s.key: "{}.{}".format(*next(iter(users[s.key])))
        for s in catalog.sequences
        if s.owned_by is None and len(users.get(s.key, ())) == 1 and users[s.key] <= gone
    }


def _readers(catalog: Catalog) -> dict[tuple[str, str], set[tuple[str, str]]]:
    """Each sequence's tables whose column defaults read it (`nextval('x_seq')`)."""
    users: dict[tuple[str, str], set[tuple[str, str]]] = {}
    for d in catalog.dependencies:
        if d.referenced.kind == "sequence" and d.dependent.kind == "column":
            users.setdefault((d.referenced.schema, d.referenced.name), set()).add(
                (d.dependent.schema, d.dependent.name)
            )
    return users


def read_by_tools(catalog: Catalog, left: Sequence[LeftOut]) -> tuple[tuple[SequenceObject, str], ...]:
    """The sequences of ours (a serial's, or no one's that a table of ours reads) that a left-out table's default
    reads too, each with that table: `catalog` as read, before `leave_out` took the dependency rows that say
    so (one a left-out table alone reads is the tool's already: `_their_sequences`)."""
    gone = {(x.schema, x.name) for x in left if not x.why.startswith(_KEPT_FOR)}
    if not gone:
        return ()
    readers = _readers(catalog)
    return tuple(
        (s, "{}.{}".format(*min(readers[s.key] & gone)))
        for s in catalog.sequences
        if not s.is_identity
        and readers.get(s.key, set()) & gone
        and (s.owned_by is None or (s.owned_by.schema, s.owned_by.table) not in gone)
        and (s.owned_by is not None or not readers[s.key] <= gone)
    )


def kept_for_tools(
    shared: Sequence[tuple[SequenceObject, str]], live: Catalog, wanted: Catalog
) -> tuple[Catalog, Catalog, tuple[LeftOut, ...]]:
    """`live` and `wanted` where `wanted` lacks a sequence of `shared` (read_by_tools), and what is said of each:
    planned as ours, it was dropped, or went with the table or column owning it, and the apply failed on the
    tool's default. The tool's table needs it: one no one owns is left out of `live` (never dropped); a
    serial's is given to `wanted` owned by none, so the plan says OWNED BY NONE before its owner goes. Either
    way it is then one a tool's table alone reads, the tool's (`_their_sequences`, the fingerprint's rule).
    Where `wanted` has it, it is compared as ours (its options altered: the tool's table reads it as well)."""
    have = {s.key for s in wanted.sequences}
    lacking = [(s, table) for s, table in shared if s.key not in have]
    if not lacking:
        return live, wanted, ()
    said = tuple(LeftOut(s.schema, s.name, _KEPT_FOR + table) for s, table in lacking)
    unowned = [x for x, (s, _) in zip(said, lacking, strict=True) if s.owned_by is None]
    owned = [replace(s, owned_by=None) for s, _ in lacking if s.owned_by is not None]
    return (
        without_their_sequences(live, unowned),
        replace(wanted, sequences=(*wanted.sequences, *owned)) if owned else wanted,
        said,
    )


def leave_out(catalog: Catalog, excludes: Sequence[str] = ()) -> tuple[Catalog, tuple[LeftOut, ...]]:
    """The catalog without tool, meta and excluded tables (with the sequences they own or alone read, and the
    dependency rows that name them), and what was left out."""
    kept: list[Relation] = []
    left: list[LeftOut] = []
    for rel in catalog.relations:
        why = why_left_out(rel.schema, rel.name, excludes)
        if why is None and rel.partition_of is not None:
            parent = rel.partition_of
            why = why_left_out(parent[0], parent[1], excludes)
        if why is None:
            kept.append(rel)
        else:
            left.append(LeftOut(rel.schema, rel.name, why))
    if not left:
        return catalog, ()
    gone = {(x.schema, x.name) for x in left}
    theirs = _their_sequences(catalog, gone)
    left.extend(LeftOut(*key, _KEPT_FOR + table) for key, table in theirs.items())
    sequences = tuple(
        s
        for s in catalog.sequences
        if (s.owned_by is None or (s.owned_by.schema, s.owned_by.table) not in gone) and s.key not in theirs
    )
    owned = {(s.schema, s.name) for s in catalog.sequences} - {(s.schema, s.name) for s in sequences}
    dependencies = tuple(
        d
        for d in catalog.dependencies
        if not _touches(d.dependent, gone)
        and not _touches(d.referenced, gone)
        and (d.dependent.schema, d.dependent.name) not in owned
        and (d.referenced.schema, d.referenced.name) not in owned
    )
    trimmed = replace(catalog, relations=tuple(kept), sequences=sequences, dependencies=dependencies)
    return trimmed, tuple(sorted(left, key=lambda x: (x.schema, x.name)))


def without_their_sequences(catalog: Catalog, other_left: Sequence[LeftOut]) -> Catalog:
    """`catalog` without the sequences the other side left out as a tool's (kept for its table): compared as
    ours, the plan made one the tool's table already had ("already exists") or dropped one it needs."""
    names = {(x.schema, x.name) for x in other_left if x.why.startswith(_KEPT_FOR)}
    if not names or not names.intersection(s.key for s in catalog.sequences):  # no sequence's key made
        return catalog
    return replace(
        catalog,
        sequences=tuple(s for s in catalog.sequences if s.key not in names),
        dependencies=tuple(
            d
            for d in catalog.dependencies
            if (d.dependent.schema, d.dependent.name) not in names
            and (d.referenced.schema, d.referenced.name) not in names
        ),
    )


def with_their_schemas(left: Sequence[LeftOut], live: Catalog, wanted: Catalog) -> Catalog:
    """`wanted` with the live schemas it lacks that hold a table left out: such a schema is that tool's too
    (Supabase's auth holds GoTrue's schema_migrations). The plan drops what else is there and keeps the
    schema: its DROP SCHEMA failed on the tool's table, which is never ours to drop."""
    names = {s.name for s in wanted.schemas}
    holding = {x.schema for x in left} - names
    kept = tuple(s for s in live.schemas if s.name in holding)
    return replace(wanted, schemas=(*wanted.schemas, *kept)) if kept else wanted


def schema_lines_left_out(lines: Sequence[str], holding: set[str]) -> set[str]:
    """The fingerprint lines of each schema in `holding` (schemas where a table was left out) that holds
    nothing else: the schema, its owner, grants and comment. The plan keeps such a schema for the tool
    (with_their_schemas), so the proof must not count it as left over."""
    from .sql import quote_ident

    out: set[str] = set()
    for schema in holding:
        name = quote_ident(schema)
        if any(f" {name}." in line or f"({name}." in line for line in lines):
            continue  # something else is there (found at once in the usual case: public)
        own = (
            f"schema {name}",
            f"owner schema {name}:",
            f"grant schema {name}:",
            f"comment on schema {name}:",
        )
        out.update(line for line in lines if line == own[0] or line.startswith(own[1:]))
    return out


# Rails' structure.sql ends by INSERTing its schema_migrations rows: a schema dump, not a sequence. An UPDATE
# of any history table, or an INSERT into one of the others, is a tool moving through migrations.
_HISTORY_NAMES = "|".join(map(re.escape, TOOL_TABLES))
_OTHER_NAMES = "|".join(
    re.escape(t) for t in TOOL_TABLES if t not in ("schema_migrations", "ar_internal_metadata")
)
_WRITES_HISTORY = re.compile(
    rf"\b(?:UPDATE\s+(?:\"?\w+\"?\.)?\"?(?:{_HISTORY_NAMES})|INSERT\s+INTO\s+(?:\"?\w+\"?\.)?\"?(?:{_OTHER_NAMES}))\b",
    re.IGNORECASE,
)


def writes_tool_history(path: Path) -> bool:
    """A SQL file that writes a tool's history table (Alembic's offline SQL updates `alembic_version`) is a
    migration sequence, replayed with its data statements, not a schema file."""
    try:
        with path.open(encoding="utf-8", errors="replace") as handle:
            text = handle.read(4_000_000)
    except OSError:
        return False
    return bool(_WRITES_HISTORY.search(text))
