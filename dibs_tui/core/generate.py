"""A migration written from a diff: the ordered schema statements, then the `__dibs_*` meta updates.

Meta updates, per change of the diff:
* a table created: its `__dibs_tables` row, a `__dibs_columns` row per column and a `__dibs_indices` row per
  index, all `created_by_migration` = the new migration;
* a column or index created: its row (`created_by_migration`), and the table row marked modified;
* a column or index altered: its row refreshed (`modified_by_migration`), the table row marked modified;
* anything else on a table (constraints, triggers, policies, comments): the table row marked modified;
* a table or column renamed (an accepted rename): its meta rows follow the new name, keeping
  `created_by_migration`, and are marked modified;
* a table, column or index dropped: its meta rows are DELETED (decision: a meta row describes a live object;
  the history of what was dropped stays in `__dibs_migrations.tables_dropped` and in the migration file).
Source file (relative to the project root), line, column and doc come from the desired SQL files; a COMMENT ON
in the desired schema is the doc when no `--` block sits above the definition.

The upsert builders are `dibs_tui.core.meta`'s; source locations come from the SQL loader
(`dibs_tui.core.sqlfiles`): the diff's own `desired_sources` when the desired side was SQL files, else the
given source paths.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from .concurrent_indexes import ALONE, IN_TRANSACTION, OWN_BLOCK, written_concurrently
from .connect import ConnectionTarget
from .errors import DibsError
from .meta import (
    column_upsert,
    delete_meta,
    index_upsert,
    meta_in_schema,
    meta_table_name,
    meta_tables_ddl,
    table_upsert,
)
from .migrations.files import GENERATED_MARKER, new_migration_name, slugify
from .model import Catalog, Provenance, Relation
from .plan import Change, ChangeKind, DiffResult
from .session_limits import current_limits
from .sql import literal_or_null, split_quoted
from .sqlfiles import DesiredSchema, load_sql_files


@dataclass
class SourceIndex:
    """Where the desired SQL files define each table, column and index (file relative to the project root)."""

    tables: dict[str, Provenance] = field(default_factory=dict)  # "users" / "app.users"
    columns: dict[tuple[str, str], Provenance] = field(default_factory=dict)
    indexes: dict[str, Provenance] = field(default_factory=dict)
    # PRIMARY KEY / UNIQUE by ("schema.table", "p"|"u", columns): where an implicitly named index is defined
    keys: dict[tuple[str, str, tuple[str, ...]], Provenance] = field(default_factory=dict)

    def table(self, rel: Relation) -> Provenance | None:
        return self.tables.get(f"{rel.schema}.{rel.name}") or (
            self.tables.get(rel.name) if rel.schema == "public" else None
        )

    def column(self, rel: Relation, column: str) -> Provenance | None:
        found = self.columns.get((f"{rel.schema}.{rel.name}", column))
        if found is None and rel.schema == "public":
            found = self.columns.get((rel.name, column))
        return found

    def index(self, rel: Relation, index: str) -> Provenance | None:
        found = self.indexes.get(f"{rel.schema}.{index}") or self.indexes.get(index)
        if found is not None:
            return found
        owner = next((c for c in rel.constraints if c.index_name == index), None)
        if owner is None or owner.kind.value not in ("primary key", "unique"):
            return None
        kind = "p" if owner.kind.value == "primary key" else "u"
        return self.keys.get((f"{rel.schema}.{rel.name}", kind, owner.columns))


def source_index(desired: DesiredSchema, project_root: Path) -> SourceIndex:
    """The loader's definitions keyed as meta rows look them up; an index-backed constraint also locates its
    index (they share the name)."""
    index = SourceIndex()
    for (schema, name), place in desired.tables.items():
        index.tables[f"{schema}.{name}"] = place.provenance(project_root)
    for (schema, table, column), place in desired.columns.items():
        index.columns[(f"{schema}.{table}", column)] = place.provenance(project_root)
    for (schema, name), place in desired.indexes.items():
        index.indexes[f"{schema}.{name}"] = place.provenance(project_root)
    for (schema, _table, name), place in desired.constraints.items():
        index.indexes.setdefault(f"{schema}.{name}", place.provenance(project_root))
    for (schema, table, kind, columns), place in desired.keys.items():
        index.keys[(f"{schema}.{table}", kind, columns)] = place.provenance(project_root)
    return index


def locate_sources(paths: Sequence[Path], project_root: Path) -> SourceIndex:
    """Definitions of every table, column and index in the desired SQL files (through the SQL loader)."""
    return source_index(load_sql_files(paths), project_root) if paths else SourceIndex()


def _with_comment(provenance: Provenance | None, comment: str | None) -> Provenance | None:
    if provenance is None or provenance.doc or not comment:
        return provenance
    return Provenance(source=provenance.source, doc=comment)


class _MetaWriter:
    def __init__(self, desired: Catalog, current: Catalog, sources: SourceIndex, migration: str) -> None:
        self.desired = desired
        self.current = current
        self.sources = sources
        self.migration = migration
        self.out: list[str] = []
        self.done: set[tuple[str, ...]] = set()

    def once(self, key: tuple[str, ...], sql: str) -> None:
        if key not in self.done:
            self.done.add(key)
            self.out.append(sql)

    def relation(self, schema: str, name: str) -> Relation | None:
        rel = self.desired.relation(schema, name)
        return rel if rel is not None and rel.kind.is_table and rel.partition_of is None else None

    def table(self, rel: Relation, *, created: bool) -> None:
        prov = _with_comment(self.sources.table(rel), rel.comment)
        self.once(("table", rel.schema, rel.name), table_upsert(rel, prov, self.migration, created=created))

    def column(self, rel: Relation, name: str, *, created: bool) -> None:
        col = rel.column(name)
        if col is None:
            return
        self.table(rel, created=False)
        prov = _with_comment(self.sources.column(rel, name), col.comment)
        self.once(
            ("column", rel.schema, rel.name, name),
            column_upsert(rel, col, prov, self.migration, created=created),
        )

    def index(self, rel: Relation, name: str, *, created: bool) -> None:
        ix = next((i for i in rel.indexes if i.name == name), None)
        if ix is None:
            return
        self.table(rel, created=False)
        prov = self.sources.index(rel, name)
        self.once(
            ("index", rel.schema, rel.name, name),
            index_upsert(rel, name, ix.columns, ix.unique, prov, self.migration, created=created),
        )

    def dropped(self, kind: str, schema: str, table: str, name: str = "") -> None:
        recorded = table if schema == "public" else f"{schema}.{table}"
        self.once(("drop", kind, schema, table, name), delete_meta(kind, recorded, name))

    def rename(self, change: Change) -> None:
        """Meta rows follow an accepted rename, keeping who created them; the new name is then refreshed."""
        ref, old = change.object, change.old or ""
        migration = literal_or_null(self.migration)
        if ref.kind == "table":
            rel = self.relation(ref.schema, ref.name)
            if rel is None:
                return
            old_schema = ref.schema
            if change.new != ref.name:  # moved from another schema: the change names both sides qualified
                old_schema, old = split_quoted(old, ".").parts[-2:]
            was = literal_or_null(old if old_schema == "public" else f"{old_schema}.{old}")
            now = literal_or_null(meta_table_name(rel))
            self.table(rel, created=False)
            tables, columns, indexes = (
                meta_in_schema(t) for t in ("__dibs_tables", "__dibs_columns", "__dibs_indices")
            )
            self.out.append(
                f"UPDATE {tables} AS n SET created_by_migration = o.created_by_migration, "
                f"created_at = o.created_at FROM {tables} AS o WHERE n.table_name = {now} "
                f"AND o.table_name = {was};\n"
                f"UPDATE {columns} SET table_name = {now} WHERE table_name = {was};\n"
                f"UPDATE {indexes} SET table_name = {now} WHERE table_name = {was};\n"
                f"DELETE FROM {tables} WHERE table_name = {was};"
            )
            for col in rel.columns:
                self.column(rel, col.name, created=False)
        elif ref.kind == "column":
            rel = self.relation(ref.schema, ref.name)
            if rel is None:
                return
            self.table(rel, created=False)
            self.out.append(
                f"UPDATE {meta_in_schema('__dibs_columns')} SET column_name = {literal_or_null(ref.sub)}, "
                f"modified_by_migration = {migration}, modified_at = now() "
                f"WHERE table_name = {literal_or_null(meta_table_name(rel))} "
                f"AND column_name = {literal_or_null(old)};"
            )
            self.column(rel, ref.sub, created=False)
        elif ref.kind in ("index", "constraint"):  # renamed in place: a key's index is renamed with it
            rel = self.relation(ref.schema, ref.name)
            if rel is None:
                return
            self.out.append(
                f"UPDATE {meta_in_schema('__dibs_indices')} SET index_name = {literal_or_null(ref.sub)} "
                f"WHERE table_name = {literal_or_null(meta_table_name(rel))} AND index_name = {literal_or_null(old)};"
            )
            self.index(rel, ref.sub, created=False)

    def change(self, change: Change) -> None:
        ref = change.object
        if ref.kind == "table":
            if change.kind is ChangeKind.DROP:
                if change.what == "table":
                    self.dropped("table", ref.schema, ref.name)
                return
            rel = self.relation(ref.schema, ref.name)
            if rel is None:
                return
            created = change.kind is ChangeKind.CREATE
            self.table(rel, created=created)
            if created:
                for col in rel.columns:
                    self.column(rel, col.name, created=True)
                for ix in rel.indexes:
                    self.index(rel, ix.name, created=True)
            return
        if ref.kind not in ("column", "index", "constraint", "trigger", "policy"):
            return
        rel = self.relation(ref.schema, ref.name)
        if change.kind is ChangeKind.DROP and ref.kind in ("column", "index"):
            self.dropped(ref.kind, ref.schema, ref.name, ref.sub)
            if rel is not None:
                self.table(rel, created=False)
            return
        if rel is None:
            return
        if ref.kind == "column":
            self.column(rel, ref.sub, created=change.kind is ChangeKind.CREATE)
        elif ref.kind == "index":
            self.index(rel, ref.sub, created=change.kind is ChangeKind.CREATE)
        else:
            self.table(rel, created=False)
            if ref.kind == "constraint":  # an index-backed constraint has a meta index row of its own
                self.index(rel, ref.sub, created=change.kind is ChangeKind.CREATE)


def meta_updates(result: DiffResult, migration: str, sources: SourceIndex) -> list[str]:
    """The `__dibs_*` statements for the changes of `result`, in change order (tables before columns)."""
    return meta_for_changes(result.desired, result.current, result.changes, migration, sources)


def meta_for_changes(
    desired: Catalog, current: Catalog, changes: Sequence[Change], migration: str, sources: SourceIndex
) -> list[str]:
    """The `__dibs_*` statements for `changes` from `current` to `desired`: a diff's, or a health fix's."""
    writer = _MetaWriter(desired, current, sources, migration)
    for change in changes:
        if change.kind is ChangeKind.RENAME:
            writer.rename(change)
        else:
            writer.change(change)
    return writer.out


def meta_section(current: Catalog) -> list[str]:
    """The marker that opens a migration's meta updates, and the meta tables' DDL when `current` lacks any
    of them (created where the readers look)."""
    lines = ["", GENERATED_MARKER]
    if not {"__dibs_migrations", "__dibs_tables", "__dibs_columns", "__dibs_indices"} <= set(
        current.meta.tables_present
    ):
        lines.append(meta_tables_ddl(current_limits().meta_schema).rstrip())
    return lines


def _short(names: list[str], limit: int = 2) -> str:
    unique = list(dict.fromkeys(names))
    text = "-and-".join(unique[:limit])
    return text + ("-and-more" if len(unique) > limit else "")


def suggest_slug(result: DiffResult) -> str:
    """A name from the changes: `create-invoices`, `add-email-verified-to-users`, `drop-x-from-users`, ..."""
    created_tables = [
        c.object.name for c in result.changes if c.object.kind == "table" and c.kind is ChangeKind.CREATE
    ]
    dropped_tables = [
        c.object.name for c in result.changes if c.object.kind == "table" and c.kind is ChangeKind.DROP
    ]
    by_kind: dict[tuple[str, ChangeKind], list[Change]] = {}
    whole_tables = set(created_tables) | set(dropped_tables)
    for change in result.changes:
        if (
            change.object.kind in ("column", "index", "constraint")
            and change.object.name not in whole_tables
            and change.kind is not ChangeKind.RENAME
        ):
            by_kind.setdefault((change.object.kind, change.kind), []).append(change)
    phrases: list[str] = [
        f"rename-{c.old}-to-{c.new}" + (f"-on-{c.object.name}" if c.object.kind == "column" else "")
        for c in result.changes
        if c.kind is ChangeKind.RENAME
    ]
    if created_tables:
        phrases.append("create-" + _short(created_tables))
    if dropped_tables:
        phrases.append("drop-" + _short(dropped_tables))
    for (kind, action), changes in by_kind.items():
        tables = [c.object.name for c in changes]
        subs = [c.object.sub for c in changes]
        where = _short(tables)
        if kind == "column":
            verb, joiner = {ChangeKind.CREATE: ("add", "to"), ChangeKind.DROP: ("drop", "from")}.get(
                action, ("alter", "on")
            )
            phrases.append(f"{verb}-{_short(subs)}-{joiner}-{where}")
        elif kind == "index":
            phrases.append(f"{'add' if action is ChangeKind.CREATE else 'change'}-index-on-{where}")
        else:
            phrases.append(f"{'add' if action is ChangeKind.CREATE else 'change'}-constraints-on-{where}")
    if not phrases:
        others = [c.object.name for c in result.changes]
        phrases.append("update-" + _short(others) if others else "empty")
    both = slugify("-and-".join(phrases[:2]))
    return both if len(both) <= _SLUG_MAX else _cut(slugify(phrases[0]))


_SLUG_MAX = 60
_JOINERS = frozenset({"and", "to", "from", "on", "of"})


def _cut(slug: str) -> str:
    """`slug` within _SLUG_MAX characters at a word's end, never ending on a joining word: two phrases that
    do not fit are the first alone (the demo's was `...-on-comments-and-issues-and-add-es`)."""
    words = slug.split("-")
    while len("-".join(words)) > _SLUG_MAX and len(words) > 1:
        words.pop()
    while len(words) > 1 and words[-1] in _JOINERS:
        words.pop()
    cut = "-".join(words)
    # One very long name (`add-<63 characters>`): its first characters say more than the verb alone.
    return cut if len(cut) >= _SLUG_MAX // 2 else slug[:_SLUG_MAX].rstrip("-")


@dataclass(frozen=True)
class GeneratedMigration:
    name: str  # <YYYYMMDDHHMMSS>_<slug>
    sql: str
    result: DiffResult
    sources: SourceIndex = field(default_factory=SourceIndex)
    concurrently: bool = False  # index builds and drops on live tables written CONCURRENTLY

    def renamed(self, name: str) -> GeneratedMigration:
        """The same migration under another name (the meta rows name it too, so it is re-rendered)."""
        sql = render_migration(self.result, name, self.sources, concurrently=self.concurrently)
        return GeneratedMigration(name, sql, self.result, self.sources, self.concurrently)


def render_migration(
    result: DiffResult, name: str, sources: SourceIndex, *, concurrently: bool = False
) -> str:
    """The migration file's text; empty plan -> DibsError (nothing to generate). `concurrently`: the index
    builds and drops on live tables written CONCURRENTLY, their VALIDATE CONSTRAINTs each in a transaction
    of its own (core/concurrent_indexes.py)."""
    if not result.plan:
        raise DibsError("nothing to generate: the database already matches the desired schema")
    lines = [f"-- Migration: {name}", "-- Generated by dibs-tui from the diff; review it before applying."]
    written = (
        written_concurrently(result.plan, result.current)
        if concurrently
        else [(s.sql, IN_TRANSACTION if s.transactional else ALONE) for s in result.plan]
    )
    if any(how == OWN_BLOCK for _, how in written):
        lines += [
            "-- Not atomic: each VALIDATE CONSTRAINT is in a BEGIN ... COMMIT block of its own, run once what",
            "-- precedes it (its ADD ... NOT VALID) has committed, so only the validation's lock is held while",
            "-- it reads the rows; if it fails, the constraint stays NOT VALID and a rerun resumes at it.",
        ]
    lines += ["", "-- Schema changes"]
    for sql, how in written:
        if how == OWN_BLOCK:
            lines.append(f"BEGIN;\n{sql}\nCOMMIT;")
        else:
            lines.append(("-- (runs outside the transaction, on its own)\n" if how == ALONE else "") + sql)
    lines += meta_section(result.current)
    lines += meta_updates(result, name, sources)
    return "\n".join(lines) + "\n"


async def generate_migration(
    target: ConnectionTarget,
    desired: Sequence[str | Path],
    *,
    project_root: Path,
    slug: str | None = None,
    source_paths: Sequence[Path],
    include_schemas: Sequence[str] = (),
    exclude_schemas: Sequence[str] = (),
    accepted_renames: Sequence[tuple[str, str]] = (),
    now: datetime | None = None,
    exclude_tables: Sequence[str] = (),
    privileges: bool = False,
    concurrently: bool = False,
) -> GeneratedMigration:
    """Diff, name, render. `source_paths` (`Settings.source_paths`) give the meta rows' locations when the
    desired side was not loaded from SQL files; `concurrently` as for `render_migration`."""
    from .diff import diff_database

    result = await diff_database(
        target,
        desired,
        include_schemas=include_schemas,
        exclude_schemas=exclude_schemas,
        accepted_renames=accepted_renames,
        exclude_tables=exclude_tables,
        privileges=privileges,
    )
    if isinstance(result.desired_sources, DesiredSchema):
        sources = source_index(result.desired_sources, project_root)
    else:
        sources = locate_sources(source_paths, project_root)
    name = new_migration_name(slug or suggest_slug(result), now)
    sql = render_migration(result, name, sources, concurrently=concurrently)
    return GeneratedMigration(name, sql, result, sources, concurrently)
