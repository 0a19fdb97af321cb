"""The Details pane: everything about the selected table or column, one Line-API list of lines.

Some lines lead somewhere (an FK out, a referencing table, a partition): Enter follows them. `y` copies the
DDL when the cursor is in the DDL, else what the line names.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from textual.binding import BindingType
from textual.content import Content

from ...config import Settings
from ...core.model import (
    Catalog,
    Column,
    Constraint,
    ConstraintKind,
    MetaStatus,
    Provenance,
    Relation,
    RelationKind,
)
from ...core.sql import quote_literal
from ..describe import (
    column_constraints,
    column_flags,
    column_indexes,
    foreign_target,
    null_words,
    qualified_label,
    referenced_by,
    rows_fact,
)
from ..highlight import sql_lines
from ..source import resolve
from ..text import bounded_lines, data, link, safe, sql_name
from .virtual_list import VirtualList
from .wrapped_static import wrapped

if TYPE_CHECKING:
    from .history_section import Row


@dataclass(frozen=True, slots=True)
class Target:
    """Where Enter on a line goes: a table, and maybe a column of it."""

    schema: str
    table: str
    column: str | None = None


@dataclass(frozen=True, slots=True)
class DetailLine:
    content: Content
    target: Target | None = None
    copy: str | None = None  # what `y` copies on this line
    in_ddl: bool = False
    migration: str | None = None  # Enter opens the Migrations pane on this migration


_ddl_cache: dict[int, str] = {}  # id(relation) -> DDL, valid while _ddl_catalog[0] (which keeps them alive)
_ddl_catalog: list[Catalog | None] = [None]


def relation_ddl(catalog: Catalog, relation: Relation) -> str:
    """The relation's DDL, remembered for the current catalog (the cursor comes back to a table often)."""
    from ...core.ddl import relation_ddl as build

    if _ddl_catalog[0] is not catalog:
        _ddl_cache.clear()
        _ddl_catalog[0] = catalog
    key = id(relation)
    if key not in _ddl_cache:
        _ddl_cache[key] = build(catalog, relation)
    return _ddl_cache[key]


_highlighted: dict[str, list[Content]] = {}
# A relation's DDL in Details: 1,600 columns (PostgreSQL's most) with their comments and indexes fit; a comment
# of 200,000 lines does not (its highlighting took seconds on the loop), Y copies it whole.
DDL_SHOWN_LINES = 5_000


def ddl_lines(catalog: Catalog, relation: Relation) -> list[Content]:
    """The DDL highlighted, one Content per line; the last few tables' stay ready for going back and forth."""
    ddl = relation_ddl(catalog, relation)
    lines = _highlighted.get(ddl)
    if lines is None:
        if len(_highlighted) > 64:
            _highlighted.clear()
        lines = _highlighted[ddl] = sql_lines(ddl, DDL_SHOWN_LINES)
    return lines


def _heading(title: str) -> DetailLine:
    return DetailLine(Content.styled(f"── {title}", "bold $text-primary"))


def _blank() -> DetailLine:
    return DetailLine(Content(""))


def _field(label: str, value: Content | str, *, copy: str | None = None) -> DetailLine:
    body = value if isinstance(value, Content) else data(value)
    return DetailLine(Content.assemble((f"{label:<10}", "$text-muted"), body), copy=copy)


def _source_lines(settings: Settings, prov: Provenance | None) -> list[DetailLine]:
    if prov is None or prov.source is None:
        return [_field("source", Content.styled("no source location recorded", "$text-muted"))]
    resolved = resolve(settings, prov.source)
    state = (
        Content.styled("  file exists", "$text-success")
        if resolved.exists
        else Content.styled("  file not found", "$text-error")
    )
    lines = [
        _field(
            "source",
            link(str(prov.source), resolved.url, "underline $text-secondary") + state,
            copy=str(prov.source),
        )
    ]
    lines.append(
        _field("path", link(str(resolved.path), resolved.url, "$text-muted"), copy=str(resolved.path))
    )
    return lines


def _history_lines(prov: Provenance | None) -> list[DetailLine]:
    if prov is None:
        return []
    lines = []
    if prov.created_by:
        when = f"  {prov.created_at:%Y-%m-%d %H:%M}" if prov.created_at else ""
        lines.append(_field("created", data(prov.created_by + when), copy=prov.created_by))
    if prov.modified_by:
        when = f"  {prov.modified_at:%Y-%m-%d %H:%M}" if prov.modified_at else ""
        lines.append(_field("modified", data(prov.modified_by + when), copy=prov.modified_by))
    return lines


def _migration_lines(title: str, rows: list[Row]) -> list[DetailLine]:
    """The History section: each line that names a migration leads to it."""
    return [_blank(), _heading(title), *(DetailLine(c, copy=m, migration=m) for c, m in rows)]


def _doc_lines(doc: str | None, label: str = "doc", style: str = "italic $text-success") -> list[DetailLine]:
    """A doc comment or a comment, bounded (ui/text.py: bounded_lines); each line copies it whole."""
    if not doc:
        return []
    shown, left_out = bounded_lines(doc)
    lines = [_field(label if i == 0 else "", data(line, style), copy=doc) for i, line in enumerate(shown)]
    if left_out is not None:
        lines.append(_field("", Content.styled(left_out, "$text-muted"), copy=doc))
    return lines


def _meta_label(status: MetaStatus) -> Content:
    style = {MetaStatus.TRACKED: "$text-success", MetaStatus.UNTRACKED: "$text-warning"}.get(
        status, "$text-muted"
    )
    return Content.styled(str(status), style)


def _heading_line(relation: Relation) -> Content:
    """`PARTITION public.audit_log_2026_01 OF public.audit_log`, as CREATE TABLE ... PARTITION OF reads: the
    relation's own name first (after the parent's, at 80 columns it was cut off its own heading). The kind in
    capitals, the names in their own case, escaped."""
    name = data(f"{relation.schema}.{relation.name}", "bold $text-accent")
    of = relation.part_of or relation.partition_of
    if of is None:
        return Content.assemble((str(relation.kind).upper() + " ", "bold"), name)
    words = "SHADOW TABLE" if relation.part_of is not None else "PARTITION"
    return Content.assemble((words + " ", "bold"), name, (" OF ", "bold"), data(f"{of[0]}.{of[1]}", "bold"))


def table_details(
    catalog: Catalog, relation: Relation, settings: Settings, before_ddl: Sequence[DetailLine] = ()
) -> list[DetailLine]:
    name = f"{relation.schema}.{relation.name}"
    lines = [
        DetailLine(_heading_line(relation), copy=sql_name(relation.schema, relation.name)),
        *_source_lines(settings, relation.provenance),
        *_doc_lines(relation.doc),
        *_history_lines(relation.provenance),
        *([_field("rows", rows_fact(relation, long=True))] if rows_fact(relation) else []),
        _field("meta", _meta_label(relation.meta_status)),
        *_storage_lines(relation),
    ]
    if relation.comment and relation.provenance and relation.provenance.doc:
        lines += _doc_lines(relation.comment, "comment", "")
    stale = [s for s in catalog.meta.stale if s.table in (relation.name, name)]
    for entry in stale:
        lines.append(
            _field(
                "stale",
                Content.styled(safe(f"{entry.kind} {entry.name}: meta row, object gone"), "$text-error"),
            )
        )
    if relation.partition_of is not None:
        parent = relation.partition_of
        lines.append(
            DetailLine(
                Content.assemble(
                    ("parent    ", "$text-muted"),
                    data(f"→ {parent[0]}.{parent[1]}", "$text-success"),
                    data(f"  {relation.partition_bound or ''}", "$text-muted"),
                ),
                target=Target(*parent),
                copy=sql_name(*parent),
            )
        )
    constraints = [c for c in relation.constraints if c.kind is not ConstraintKind.NOT_NULL]
    if constraints:
        lines += [_blank(), _heading(f"Constraints ({len(constraints)})")]
        lines += [
            DetailLine(
                Content.assemble(data(c.name, "bold"), " ", data(c.definition, "$text-muted")),
                copy=sql_name(c.name),
            )
            for c in constraints
        ]
    if relation.indexes:
        lines += [_blank(), _heading(f"Indexes ({len(relation.indexes)})")]
        lines += [
            DetailLine(
                Content.assemble(data(i.name, "bold"), " ", data(i.definition, "$text-muted")),
                copy=i.definition,
            )
            for i in relation.indexes
        ]
    lines += _link_lines(catalog, relation)
    lines += _shadow_lines(catalog, relation)
    if relation.triggers:
        lines += [_blank(), _heading(f"Triggers ({len(relation.triggers)})")]
        lines += [
            DetailLine(
                Content.assemble(data(t.name, "bold"), " ", data(t.definition, "$text-muted")),
                copy=t.definition,
            )
            for t in relation.triggers
        ]
    if relation.policies:
        off = "" if relation.rls_enabled else " · not applied: row-level security is off"
        lines += [_blank(), _heading(f"Policies ({len(relation.policies)}){off}")]
        for pol in relation.policies:
            text = f"{pol.command} TO {', '.join(pol.roles)}"
            if pol.using:
                text += f" USING ({_joined(pol.using)})"
            if pol.with_check:
                text += f" WITH CHECK ({_joined(pol.with_check)})"
            lines.append(
                DetailLine(
                    Content.assemble(data(pol.name, "bold"), " ", data(text, "$text-muted")),
                    copy=sql_name(pol.name),
                )
            )
    from .history_section import table_history  # not the first frame's (tests/test_startup_imports.py)

    lines += _migration_lines(*table_history(catalog, relation))
    lines += before_ddl
    ddl = relation_ddl(catalog, relation)
    lines += [_blank(), _heading("DDL  (y copies)")]
    lines += [DetailLine(line, copy=ddl, in_ddl=True) for line in ddl_lines(catalog, relation)]
    return lines


def _joined(expression: str) -> str:
    """A policy's expression on one line, to be wrapped at the pane's width: the server lays a subquery out
    on lines of its own, shown as `\\n   FROM` in the line (the DDL below keeps its layout)."""
    return re.sub(r"\n\s*", " ", expression)


def _storage_lines(relation: Relation) -> list[DetailLine]:
    """The partition key (as psql's \\d+ says it under the columns: the DDL says it below every partition),
    row-level security, access method, the composite type of a typed table, storage parameters and replica
    identity, each only when not the default."""
    lines = []
    if relation.partition_key:
        lines.append(_field("partition", f"by {relation.partition_key}"))
    if relation.rls_enabled:  # which rows a role reads: said here, not only in the DDL's last line
        security = "row-level security on" + (" and forced" if relation.rls_forced else "")
        if not relation.policies:
            who = "BYPASSRLS roles" if relation.rls_forced else "its owner (and BYPASSRLS roles)"
            security += f", no policy: only {who} read{'s' if not relation.rls_forced else ''} rows"
        lines.append(_field("security", security))
    if relation.access_method:
        lines.append(_field("access", relation.access_method))
    if relation.of_type is not None:  # its columns are the type's, changed by ALTER TYPE only
        lines.append(_field("typed", f"OF {relation.of_type[0]}.{relation.of_type[1]}"))
    if relation.options:
        lines.append(_field("storage", ", ".join(relation.options)))
    replica = {"f": "full", "n": "nothing", "i": f"index {relation.replica_index}"}.get(
        relation.replica_identity
    )
    if replica:
        lines.append(_field("replica", replica))
    return lines


def _key_name(con: Constraint, column: str) -> str:
    """A column's foreign key by name, and (PostgreSQL 18) PERIOD when the column is its period (matched by
    containment, not equality), NOT ENFORCED when no row is checked against it."""
    period = con.temporal and con.columns[-1] == column
    return ", ".join([con.name] + (["PERIOD"] if period else []) + ([] if con.enforced else ["NOT ENFORCED"]))


def _link_lines(catalog: Catalog, relation: Relation) -> list[DetailLine]:
    """The lines Enter follows: foreign keys out, the tables that reference this one, its partitions."""
    lines: list[DetailLine] = []
    fks = relation.foreign_keys
    if fks:
        lines += [_blank(), _heading(f"Foreign keys out ({len(fks)})")]
        for con in fks:
            fk = con.foreign_key
            assert fk is not None
            label = qualified_label(fk.target_schema, fk.target_table, relation.schema)
            text = f"{con.key_text(con.columns)} → {label}({con.key_text(fk.target_columns)})"
            # Each action that is not NO ACTION, as the key is written (ON UPDATE was left out: a CASCADE
            # read as if an update of the referenced key were refused); NOT ENFORCED (PostgreSQL 18): no row
            # is checked against it.
            pairs = (("UPDATE", fk.on_update), ("DELETE", fk.on_delete))
            said = " ".join(
                [f"ON {when} {what}" for when, what in pairs if what != "NO ACTION"]
                + ([] if con.enforced else ["NOT ENFORCED"])
            )
            actions = f"  {said}" if said else ""
            lines.append(
                DetailLine(
                    Content.assemble(data(text, "$text-success"), data(actions, "$text-muted")),
                    target=Target(
                        fk.target_schema, fk.target_table, fk.target_columns[0] if fk.target_columns else None
                    ),
                    copy=con.definition,
                )
            )
    incoming = referenced_by(catalog, relation)
    if incoming:
        lines += [_blank(), _heading(f"Referenced by ({len(incoming)})")]
        for item in incoming:
            label = qualified_label(item.relation.schema, item.relation.name, relation.schema)
            text = f"← {label}({item.constraint.key_text(item.constraint.columns)})"
            lines.append(
                DetailLine(
                    data(text, "$text-success"),
                    target=Target(item.relation.schema, item.relation.name, item.first_column or None),
                    copy=sql_name(item.relation.schema, item.relation.name),
                )
            )
    partitions = catalog.partitions.get(relation.key, ())
    if partitions:
        lines += [_blank(), _heading(f"Partitions ({len(partitions)})")]
        for part in partitions:
            lines.append(
                DetailLine(
                    Content.assemble(
                        data(f"⊟ {part.name}", "$text-success"),
                        " ",
                        data(part.partition_bound or "", "$text-muted"),
                    ),
                    target=Target(part.schema, part.name),
                    copy=sql_name(part.schema, part.name),
                )
            )
    return lines


def _shadow_lines(catalog: Catalog, relation: Relation) -> list[DetailLine]:
    """SQLite: a virtual table's shadow tables, or the virtual table a shadow table belongs to (both links)."""
    if relation.part_of is not None:
        owner = relation.part_of
        return [
            DetailLine(
                Content.assemble(
                    ("part of   ", "$text-muted"), data(f"→ {owner[0]}.{owner[1]}", "$text-success")
                ),
                target=Target(*owner),
                copy=sql_name(*owner),
            )
        ]
    if relation.kind is not RelationKind.VIRTUAL:
        return []
    parts = [r for r in catalog.relations if r.part_of == relation.key]
    if not parts:
        return []
    lines = [_blank(), _heading(f"Shadow tables ({len(parts)})")]
    lines += [
        DetailLine(
            data(f"└ {p.name}", "$text-success"),
            target=Target(p.schema, p.name),
            copy=sql_name(p.schema, p.name),
        )
        for p in parts
    ]
    return lines


def _type_definition(catalog: Catalog, column: Column) -> list[DetailLine]:
    """What the column's own type allows: an enum's values, a domain's base type and checks (an array's by
    its element's). pagila's film.rating said `public.mpaa_rating` and not which ratings there are."""
    key = column.type_key
    enum = next((e for e in catalog.enums if e.key == key), None) if key is not None else None
    if enum is not None:
        values = ", ".join(quote_literal(label) for label in enum.labels)
        return [_field("values", data(values), copy=values)]
    domain = (
        next((d for d in catalog.domains if (d.schema, d.name) == key), None) if key is not None else None
    )
    if domain is None:
        return []
    words = [domain.base_type, *(["NOT NULL"] if domain.not_null else [])]
    words += [
        *([f"DEFAULT {domain.default}"] if domain.default else []),
        *(c.definition for c in domain.checks),
    ]
    return [_field("domain", data(" ".join(words)))]


def column_details(
    catalog: Catalog, relation: Relation, column: Column, settings: Settings
) -> list[DetailLine]:
    name = f"{relation.schema}.{relation.name}.{column.name}"
    lines = [
        DetailLine(
            Content.assemble(("COLUMN ", "bold"), data(name, "bold $text-accent")), copy=sql_name(column.name)
        ),
        _field("type", data(column.type, "$text-accent"), copy=column.type),
        *_type_definition(catalog, column),
        _field("null", null_words(column)),
    ]
    if column.default is not None:
        lines.append(_field("default", data(column.default), copy=column.default))
    if column.identity is not None:
        lines.append(_field("identity", f"GENERATED {column.identity.value.upper()} AS IDENTITY"))
    if column.generated is not None:
        lines.append(
            _field(
                "generated", data(f"{column.generation_expression or ''} {column.generated.value.upper()}")
            )
        )
    if column.collation:
        lines.append(_field("collation", data(column.collation)))
    # The card's flags less those said on their own line above (null, default, identity, generated): the
    # default was written twice, the second time in full at the end of a long line
    flags = [f for f in column_flags(relation, column) if f in ("PK", "UNIQUE")]
    if flags:
        lines.append(_field("flags", data(" ".join(flags), "$text-warning")))
    lines += _source_lines(settings, column.provenance)
    lines += _doc_lines(column.doc)
    lines += _history_lines(column.provenance)
    lines.append(_field("meta", _meta_label(column.meta_status)))
    stale = [
        s
        for s in catalog.meta.stale
        if s.kind == "column"
        and s.name == column.name
        and s.table in (relation.name, f"{relation.schema}.{relation.name}")
    ]
    if stale:
        lines.append(_field("stale", Content.styled("a stale meta row has this name", "$text-error")))
    target = foreign_target(relation, column)
    if target is not None:
        lines += [_blank(), _heading("Foreign key")]
        label = qualified_label(target.schema, target.table, relation.schema)
        lines.append(
            DetailLine(
                data(
                    f"→ {label}.{target.column}  ({_key_name(target.constraint, column.name)})",
                    "$text-success",
                ),
                target=Target(target.schema, target.table, target.column),
                copy=target.constraint.definition,
            )
        )
    incoming = [
        i
        for i in referenced_by(catalog, relation)
        if column.name in (i.constraint.foreign_key.target_columns if i.constraint.foreign_key else ())
    ]
    if incoming:
        lines += [_blank(), _heading(f"Referenced by ({len(incoming)})")]
        for item in incoming:
            fk = item.constraint.foreign_key
            assert fk is not None
            source_column = item.constraint.columns[fk.target_columns.index(column.name)]
            label = qualified_label(item.relation.schema, item.relation.name, relation.schema)
            lines.append(
                DetailLine(
                    data(f"← {label}.{source_column}", "$text-success"),
                    target=Target(item.relation.schema, item.relation.name, source_column),
                    copy=sql_name(item.relation.schema, item.relation.name, source_column),
                )
            )
    constraints = column_constraints(relation, column)
    if constraints:
        lines += [_blank(), _heading(f"Constraints using it ({len(constraints)})")]
        lines += [
            DetailLine(
                Content.assemble(data(c.name, "bold"), " ", data(c.definition, "$text-muted")),
                copy=sql_name(c.name),
            )
            for c in constraints
        ]
    indexes = column_indexes(relation, column)
    if indexes:
        lines += [_blank(), _heading(f"Indexes using it ({len(indexes)})")]
        lines += [
            DetailLine(
                Content.assemble(data(i.name, "bold"), " ", data(i.definition, "$text-muted")),
                copy=i.definition,
            )
            for i in indexes
        ]
    from .history_section import column_history

    lines += _migration_lines(*column_history(catalog, relation, column))
    return lines


class DetailsView(VirtualList):
    """Lines of details; Enter on a line with a target follows it.

    A line wider than the pane wraps, each value under its label (a constraint's definition under its name,
    four cells in), a word wider than a row folded over rows: at 80 columns a long CHECK, a default, a
    partition bound or a policy's USING was cut at the pane's edge. The DDL wraps too (`y` copies it as
    written). A wrapped line is one row: the cursor covers all of it."""

    BINDINGS: ClassVar[list[BindingType]] = []

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.lines: list[DetailLine] = []
        self._wrapped: dict[int, Content] = {}  # the lines too wide for `_width`, wrapped
        self._width = 0

    @property
    def row_count(self) -> int:
        return len(self.lines)

    def row_content(self, index: int) -> Content:
        line = self.lines[index]
        marker = "› " if line.target or line.migration else "  "
        body = self._wrapped.get(index)
        if body is None:
            return Content.assemble(marker, line.content)
        first, *rest = body.split("\n")
        return Content("\n").join(
            [Content.assemble(marker, first), *(Content.assemble("  ", r) for r in rest)]
        )

    def show(self, lines: list[DetailLine], *, keep_cursor: bool = False) -> None:
        """New lines, from the top (or where the cursor and scroll were: the same object, more known of it)."""
        self.lines = lines
        if not keep_cursor:
            self.scroll_to(0, 0, animate=False, immediate=True)
        self._fit(self.cursor if keep_cursor else 0)

    def _room(self) -> int:
        """The cells a line's text has: the pane less its vertical scrollbar (counted whether shown or not:
        a width that moved with it would wrap again) and the marker."""
        return self.size.width - self.styles.scrollbar_size_vertical - 2

    def _fit(self, cursor: int) -> None:
        room = self._width = self._room()
        self._wrapped = {}
        heights = [1] * len(self.lines)
        if room > 0:
            for i, line in enumerate(self.lines):
                if line.content.cell_length > room:
                    body = self._wrapped[i] = wrapped(line.content, room, hang=4, fold=True)
                    heights[i] = body.plain.count("\n") + 1
        self.rows_changed(cursor=cursor, heights=heights)

    def on_resize(self) -> None:
        if self._room() != self._width:
            self._fit(self.cursor)
            self.scroll_to_cursor()

    def go_to_heading(self, title: str) -> bool:
        """Put the cursor on the first line under the section `title` (False when there is none)."""
        start = next(
            (i for i, line in enumerate(self.lines) if line.content.plain.startswith(f"── {title}")), None
        )
        if start is None:
            return False
        self.scroll_to(
            y=self.row_top(start), animate=False, immediate=True
        )  # the section in view, from its title
        self.move_cursor(min(start + 1, len(self.lines) - 1))
        return True

    def current(self) -> DetailLine | None:
        return self.lines[self.cursor] if 0 <= self.cursor < len(self.lines) else None
