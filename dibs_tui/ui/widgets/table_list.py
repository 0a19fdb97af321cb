"""The Tables pane's list: one row per schema and per relation, drawn by the Line API at 100,000 tables, and
what its keys ask of the pane (fold a schema, fold a partitioned table's partitions, the next order).

Marks: kind (▤ table, ◫ partitioned, ⊟ partition, ◇ view, ◆ materialized view, ⇄ foreign), row estimate, meta
(● tracked, ○ untracked, ! stale meta rows), sync (= in sync, ≠ differs, + only live, − only desired, ? unknown);
▸ / ▾ before a partitioned table: its partitions folded or listed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.content import Content
from textual.message import Message

from ...core.model import Catalog, MetaStatus, QualifiedName, Relation, RelationKind
from ..list_sort import SortOrder, row_figure
from ..text import cut_middle, data
from .virtual_list import VirtualList


@dataclass
class ToggleSchema(Message):
    schema: str
    collapse: bool | None = None


@dataclass
class FoldEverySchema(Message):
    """`-` folds every schema (a database of a schema per tenant lists its schemas), `+` unfolds them."""

    collapse: bool


@dataclass
class TogglePartitions(Message):
    """Show or fold the partitions under `relation`; folding from a partition (or a partitioned table folded
    already) folds those its parent's fold holds."""

    relation: Relation
    collapse: bool


@dataclass
class CycleSort(Message):
    """`s`: the next order (name, FK in-degree, rows, size)."""


KIND_MARKS: dict[RelationKind, str] = {
    RelationKind.TABLE: "▤",
    RelationKind.PARTITIONED: "◫",
    RelationKind.VIEW: "◇",
    RelationKind.MATVIEW: "◆",
    RelationKind.FOREIGN: "⇄",
    RelationKind.VIRTUAL: "⊞",
}
PARTITION_MARK = "⊟"
FOLDED, UNFOLDED = "▸", "▾"  # before a partitioned table's kind mark: its partitions folded or listed
# The cells of a row around its name: indent and kind mark before it, figure and meta mark after it (and a sync
# mark once a diff gave some); a schema's row has its fold mark; the pane its border and the list's scrollbar.
ROW_HEAD = 4
ROW_TAIL = 1  # and the figure's cells
META_TAIL = 2  # ` ●`: left out where the database has no meta tables (every row's mark would be blank)
SORTED_FIGURE = 5  # a sorted list's figure: `←1234`, `1023k`
SYNC_TAIL = 2
SCHEMA_HEAD = 2
PANE_FRAME = 3
SHADOW_MARK = "└"
SYNC_MARKS = {
    "in sync": "=",
    "differs": "≠",
    "only live": "+",
    "extra": "+",
    "only desired": "−",
    "missing": "−",
    "unknown": "?",
}


def kind_mark(relation: Relation) -> str:
    if relation.part_of is not None:
        return SHADOW_MARK
    return PARTITION_MARK if relation.is_partition else KIND_MARKS.get(relation.kind, "?")


def stale_tables(catalog: Catalog) -> set[str]:
    """Table names (bare and schema-qualified) that have meta rows whose live object is gone."""
    return {entry.table for entry in catalog.meta.stale}


@dataclass(frozen=True, slots=True)
class SchemaRow:
    schema: str
    shown: int
    total: int
    collapsed: bool


# A table's row is its Relation itself: at 100,000 tables a wrapper per row is 100,000 objects more to make.
Row = SchemaRow | Relation


class TableList(VirtualList):
    """The rows of the Tables pane; Enter on a schema folds it, on a table opens its card."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space", "toggle_schema", "Fold schema", show=False, id="tables.toggle_schema"),
        Binding(
            "left", "collapse", "Fold (a schema, a table's partitions)", show=False, id="tables.collapse"
        ),
        Binding("right", "expand", "Unfold (a schema, a table's partitions)", show=False, id="tables.expand"),
        Binding("minus", "fold_all(True)", "Fold every schema", show=False, id="tables.fold_all"),
        Binding("plus", "fold_all(False)", "Unfold every schema", show=False, id="tables.unfold_all"),
        Binding("s", "cycle_sort", "Sort by name / FK in-degree / rows / size", show=False, id="tables.sort"),
    ]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.rows: list[Row] = []
        self.sync_marks: Mapping[QualifiedName, str] = {}
        self._stale: set[str] = set()
        self.order: SortOrder | None = None  # None: by name, the row estimate at the end of each row
        self.figure_cells = SORTED_FIGURE  # by name: the widest row estimate's (Listing.figure_cells)
        self.meta_marks = True  # False once the full read says the database has no meta tables
        # The whole list by name: each relation indented under its parent, a partitioned table's fold marked
        self.depths: Mapping[QualifiedName, int] = {}
        self.fold_marks: Mapping[QualifiedName, str] = {}

    @property
    def row_count(self) -> int:
        return len(self.rows)

    def set_rows(self, rows: list[Row], stale: set[str], cursor: int | None = None) -> None:
        self.rows = rows
        self._stale = stale
        self.rows_changed(cursor=cursor)

    def row_content(self, index: int) -> Content:
        row = self.rows[index]
        width = max(10, self.scrollable_content_region.width)
        if isinstance(row, SchemaRow):
            fold = "▸" if row.collapsed else "▾"
            count = f"{row.shown}" if row.shown == row.total else f"{row.shown}/{row.total}"
            return Content.assemble(
                (f"{fold} ", "$text-muted"),
                data(row.schema, "bold $text-accent"),
                (f" ({count})", "$text-muted"),
            )
        rel = row
        meta = self._meta_mark(rel)
        sync = SYNC_MARKS.get(self.sync_marks.get(rel.key, ""), " ") if self.sync_marks else ""
        figure = self.order.figure(rel) if self.order else row_figure(rel)
        tail = f" {figure:>{self.figure_width}}{(' ' + meta) if self.meta_marks else ''}{(' ' + sync) if sync else ''}"
        # A partition under its partitioned table, a shadow table under its virtual table: two cells a level
        indent = f" {self.fold_marks.get(rel.key, ' ')}{'  ' * self.depths.get(rel.key, 0)}"
        name_width = max(4, width - len(indent) - 2 - len(tail))
        name = data(rel.name)
        name = cut_middle(name, name_width)  # partitions of one table differ at their end (`…2026_01`)
        name = name.pad_right(name_width - name.cell_length)
        kind_style = (
            "$text-warning" if rel.kind is not RelationKind.TABLE or rel.is_partition else "$text-muted"
        )
        return Content.assemble(indent, (kind_mark(rel), kind_style), " ", name, (tail, "$text-muted"))

    @property
    def figure_width(self) -> int:
        return SORTED_FIGURE if self.order else self.figure_cells

    def _meta_mark(self, rel: Relation) -> str:
        if rel.name in self._stale or f"{rel.schema}.{rel.name}" in self._stale:
            return "!"
        if rel.meta_status is MetaStatus.TRACKED:
            return "●"
        if rel.meta_status is MetaStatus.UNTRACKED:
            return "○"
        return " "

    def current(self) -> Row | None:
        return self.rows[self.cursor] if 0 <= self.cursor < len(self.rows) else None

    def index_of(self, key: QualifiedName) -> int | None:
        for index, row in enumerate(self.rows):
            if isinstance(row, Relation) and row.key == key:
                return index
        return None

    def action_toggle_schema(self) -> None:
        row = self.current()
        if row is not None:
            self.post_message(ToggleSchema(row.schema))

    def action_collapse(self) -> None:
        row = self.current()
        if isinstance(row, SchemaRow) and not row.collapsed:
            self.action_toggle_schema()
        elif isinstance(row, Relation) and self.fold_marks.get(row.key) == UNFOLDED:
            self.post_message(TogglePartitions(row, collapse=True))
        elif isinstance(row, Relation) and self.depths.get(row.key) and row.partition_of is not None:
            self.post_message(TogglePartitions(row, collapse=True))  # its parent's, from a partition
        elif isinstance(row, Relation):
            self.post_message(ToggleSchema(row.schema, collapse=True))

    def action_expand(self) -> None:
        row = self.current()
        if isinstance(row, SchemaRow) and row.collapsed:
            self.action_toggle_schema()
        elif isinstance(row, Relation) and self.fold_marks.get(row.key) == FOLDED:
            self.post_message(TogglePartitions(row, collapse=False))

    def action_fold_all(self, collapse: bool) -> None:
        self.post_message(FoldEverySchema(collapse))

    def action_cycle_sort(self) -> None:
        self.post_message(CycleSort())
