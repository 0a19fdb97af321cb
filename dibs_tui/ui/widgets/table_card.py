"""The table card: source link, doc, created/modified-by migration, then one row per column.

The header is a `Static` holding a `Content` (database text never goes through markup); the column rows are a
`VirtualList`, so they share the keys and look of every other list. Source locations are OSC 8 links.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.cells import cell_len
from textual import on
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.widgets import Static

from ...config import Settings
from ...core.model import Column, Relation
from ..describe import (
    ForeignTarget,
    column_flags,
    foreign_target,
    kind_label,
    qualified_label,
    rows_fact,
    short_migration,
    short_type,
)
from ..source import resolve
from ..text import counted, cut_middle, data, link, safe
from .virtual_list import VirtualList

LINE_WIDTH = 5
MIGRATION_WIDTH = 15
WIDE_MIGRATION_WIDTH = 32  # on a wide card the migration's name has room
NARROW_CARD = 70  # below this the migration column goes (the details name it): the type keeps its room
WIDE_CARD = 110
TITLE_FRAME = 4  # the border's cells around its title: corner, rule and a space each side
MIN_NAME = 12  # cells a column's name keeps on the narrowest card
MIN_TARGET = 8  # cells from which a key's target is cut in its middle (`→ pro…cts.id`)
HEADER_PADDING = 2  # the header's cells left and right of its text
MIN_DEFAULT = 10  # cells from which a key column's default is shown cut (`DEFAULT 0…`), else left to Details
MIN_DOC = 6  # cells from which a column's doc is shown cut (`  Who…`)


def migration_width(card_width: int) -> int:
    """Cells of the `migration` column on a card this wide (0: not shown)."""
    if card_width < NARROW_CARD:
        return 0
    return MIGRATION_WIDTH if card_width < WIDE_CARD else WIDE_MIGRATION_WIDTH


class ColumnList(VirtualList):
    """The card's column rows; Enter follows a foreign key, else shows the column's details."""

    BINDINGS: ClassVar[list[BindingType]] = []

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.relation: Relation | None = None
        self.settings = Settings()
        self._name_width = 8
        self._has_provenance = False

    @property
    def row_count(self) -> int:
        return len(self.relation.columns) if self.relation else 0

    def show(self, relation: Relation | None, settings: Settings, cursor: int = 0) -> None:
        self.relation = relation
        self.settings = settings
        names = [len(safe(c.name)) for c in relation.columns] if relation else [8]
        self._name_width = min(28, max(names, default=8))
        # The `:line  migration` columns only take room when the meta tables say something about this table.
        self._has_provenance = bool(relation) and any(c.provenance for c in relation.columns)  # type: ignore[union-attr]
        self.rows_changed(cursor=cursor)

    def current(self) -> Column | None:
        if self.relation is None or not (0 <= self.cursor < len(self.relation.columns)):
            return None
        return self.relation.columns[self.cursor]

    def row_content(self, index: int) -> Content:
        assert self.relation is not None
        rel = self.relation
        column = rel.columns[index]
        width = max(30, self.scrollable_content_region.width)
        marker = "▸ " if index == self.cursor else "  "
        name = data(column.name, "bold" if any(f == "PK" for f in column_flags(rel, column)) else "")
        # A longer name is cut in its middle: its type stays in the row, and names alike differ at their end
        # ... and takes half the row at most: at 80 columns a 28-cell name left `timestamp(6…` of the type
        name_width = min(self._name_width, max(MIN_NAME, (width - len(marker)) // 2))
        name = cut_middle(name, name_width)
        name = name.pad_right(max(0, name_width - name.cell_length))
        flags = column_flags(rel, column)
        right = self._right_part(column, migration_width(width)) if self._has_provenance else Content("")
        room = width - len(marker) - right.cell_length - 1
        flag_text = Content.assemble(" ", data(" ".join(flags), "$text-warning")) if flags else Content("")
        type_name = column.type
        if name.cell_length + 1 + cell_len(safe(type_name)) + flag_text.cell_length > room:
            type_name = short_type(type_name)  # `timestamptz(6) NOT NULL`, not `timestamp(6) wi…`
        target = foreign_target(rel, column)
        if target is None:
            body = Content.assemble(name, " ", data(type_name, "$text-accent"), flag_text)
        else:
            body = self._with_target(name, data(type_name, "$text-accent"), flags, target, room)
        if column.doc and room - body.cell_length >= MIN_DOC:  # a doc's first words, or none (Details say it)
            body += Content.styled(f"  {safe(column.doc.splitlines()[0])}", "italic $text-muted")
        if body.cell_length > room:
            body = body.truncate(max(1, room - 1)) + Content("…")
        body = body.pad_right(max(0, room - body.cell_length))
        return Content.assemble(marker, body, " ", right)

    def _with_target(
        self, name: Content, type_part: Content, flags: list[str], target: ForeignTarget, room: int
    ) -> Content:
        """A key column's row: its target comes before its default. A default written before the arrow (a long
        `nextval(...)`, a cast constant) pushed the whole target past the card's edge on a narrow card; now
        the default is cut at its end, or left to the Details, and the target is cut only in its middle."""
        assert self.relation is not None
        kept = [f for f in flags if not f.startswith("DEFAULT ")]
        default = next((f for f in flags if f.startswith("DEFAULT ")), None)
        body = Content.assemble(name, " ", type_part)
        if kept:
            body += Content.assemble(" ", data(" ".join(kept), "$text-warning"))
        label = qualified_label(target.schema, target.table, self.relation.schema)
        arrow = data(f"→ {label}.{target.column}", "$text-success")
        left = room - body.cell_length - 1
        if default is not None:
            default_room = left - arrow.cell_length - 1
            shown = data(default, "$text-warning")
            if shown.cell_length > default_room >= MIN_DEFAULT:
                shown = shown.truncate(default_room - 1) + Content("…")
            if shown.cell_length <= default_room:
                body += Content.assemble(" ", shown)
                left -= shown.cell_length + 1
        if arrow.cell_length > left >= MIN_TARGET:
            # Cut in its middle: tables alike (`orders_2024_q1`, `orders_2024_q2`) differ at their end
            # (narrower still, the row's own cut takes it, with one `…`, not two)
            arrow = cut_middle(arrow, left)
        return body + Content.assemble(" ", arrow)

    def _right_part(self, column: Column, room: int) -> Content:
        prov = column.provenance
        line = ""
        url = None
        if prov and prov.source:
            line = f":{prov.source.line}" if prov.source.line else ":?"
            url = resolve(self.settings, prov.source).url
        migration = ""
        if prov and room:
            migration = (
                short_migration(prov.modified_by, modified=True, width=room - 1)
                if prov.modified_by
                else short_migration(prov.created_by, width=room - 1)
            )
        line_part = link(line, url, "$text-secondary") if line else Content("")
        migration_part = data(migration, "$text-muted")
        return Content.assemble(
            line_part.pad_right(LINE_WIDTH - line_part.cell_length),
            migration_part.pad_right(room - migration_part.cell_length),
        )


class TableCard(Vertical):
    """Header plus columns of the table under the cursor in the Tables pane."""

    DEFAULT_CSS = """
    TableCard { height: 1fr; border: round $border-blurred; border-title-color: $text-muted; }
    TableCard:focus-within { border: round $border; border-title-color: $text; }
    TableCard #card-header { height: auto; max-height: 10; padding: 0 1;
        border-bottom: solid $border-blurred; text-wrap: nowrap; text-overflow: ellipsis; }
    TableCard #card-empty { color: $text-muted; padding: 1 2; }
    """

    @dataclass
    class ColumnHighlighted(Message):
        relation: Relation
        column: Column

    @dataclass
    class ColumnChosen(Message):
        relation: Relation
        column: Column

    class Shown(Message):
        """The card shows another table (or a header of another height): its container re-fits it."""

    FRAME = 3  # rows around the columns: the border's two and the line under the header

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.relation: Relation | None = None
        self.settings = Settings()
        self.header_budget = 10  # header lines at most: fewer on a short screen, where the columns come first
        self._header_lines = -1
        self._title_name: str | None = None  # the relation named by the border's title, cut again on resize
        self._drawn_width = 0  # the card's width its header was fitted to

    @property
    def header_lines(self) -> int:
        return max(1, self._header_lines + 1)

    def rows_needed(self, column_rows: int) -> int:
        """The card's height showing its header and `column_rows` columns (fewer when the table has fewer)."""
        columns = len(self.relation.columns) if self.relation else 1
        return self.FRAME + self.header_lines + max(1, min(column_rows, columns))

    def set_header_budget(self, budget: int) -> None:
        if budget != self.header_budget:
            self.header_budget = budget
            self._draw_header()

    def compose(self) -> ComposeResult:
        yield Static(Content("no table selected"), id="card-header")
        yield ColumnList(id="column-list")

    def on_mount(self) -> None:
        self.border_title = "Columns"

    @property
    def column_list(self) -> ColumnList:
        return self.query_one(ColumnList)

    def show(self, relation: Relation | None, settings: Settings, column: str | None = None) -> None:
        """Draw `relation` (None: an empty card); put the cursor on `column` when given."""
        self.relation = relation
        self.settings = settings
        if relation is None:
            self.border_title, self._title_name = "Columns", None
            self._draw_header()
            self.column_list.show(None, settings)
            return
        self._title(relation.name)
        self._draw_header()
        index = 0
        if column is not None:
            index = next((i for i, c in enumerate(relation.columns) if c.name == column), 0)
        self.column_list.show(relation, settings, cursor=index)

    def show_unread(self, name: str, reason: str) -> None:
        """No card for `name` yet: it could not be read alone (`reason`), and comes with the whole catalog."""
        self.relation = None
        self._title(name)
        header = self.query_one("#card-header", Static)
        header.update(
            Content(f"could not be read alone: {safe(reason)}\nits card comes with the whole catalog")
        )
        self._header_lines = -1  # the next table's header is drawn at its own height
        self.column_list.show(None, self.settings)
        self.post_message(self.Shown())

    def _title(self, name: str) -> None:
        """The name as the border's title, cut in its middle to the border (Textual cuts a title at its end:
        `customer_payment_history_archive_partition_…` lost the quarter that names the partition)."""
        self._title_name = name
        room = self.size.width - TITLE_FRAME
        title = Content(safe(name))
        self.border_title = cut_middle(title, room) if room > 0 else title

    def on_resize(self) -> None:
        if self._title_name is not None:
            self._title(self._title_name)
        if self.size.width != self._drawn_width:
            self._draw_header()  # the facts line is fitted to the width

    def _draw_header(self) -> None:
        header = self.query_one("#card-header", Static)
        if self.relation is None:
            content = Content("no table selected")
        else:
            self._drawn_width = self.size.width
            width = self.content_region.width - HEADER_PADDING
            content = card_header(
                self.relation, self.settings, self.header_budget, width if width > 0 else None
            )
        lines = content.plain.count("\n")
        header.update(content, layout=lines != self._header_lines)  # same height: no layout pass
        self._header_lines = lines
        self.post_message(self.Shown())

    @on(VirtualList.CursorMoved, "#column-list")
    def _moved(self, event: VirtualList.CursorMoved) -> None:
        event.stop()
        column = self.column_list.current()
        if self.relation is not None and column is not None:
            self.post_message(self.ColumnHighlighted(self.relation, column))

    @on(VirtualList.Activated, "#column-list")
    def _activated(self, event: VirtualList.Activated) -> None:
        event.stop()
        column = self.column_list.current()
        if self.relation is not None and column is not None:
            self.post_message(self.ColumnChosen(self.relation, column))


def card_header(relation: Relation, settings: Settings, limit: int = 10, width: int | None = None) -> Content:
    """Source link, doc comment, Created:/Modified:, then kind and size, in at most `limit` lines.

    A short screen keeps the lines that say most: source and facts first, then Created, the doc's first line,
    Modified, the rest of the doc (the details pane shows all of it). The facts line is fitted to `width`.
    """
    ranked: list[tuple[int, Content]] = []  # (rank, line) in display order; a lower rank is kept first
    prov = relation.provenance
    if prov and prov.source:
        resolved = resolve(settings, prov.source)
        ranked.append((0, link(str(prov.source), resolved.url, "underline $text-secondary")))
    else:
        ranked.append((0, Content.styled("no source location recorded", "$text-muted")))
    doc = relation.doc
    if doc:
        ranked.extend(
            (3 if i == 0 else 5, Content.styled(f"/// {safe(line)}", "italic $text-success"))
            for i, line in enumerate(doc.splitlines()[:4])
        )
    if prov and prov.created_by:
        ranked.append((2, Content.assemble(("Created: ", "$text-muted"), data(prov.created_by))))
    if prov and prov.modified_by:
        ranked.append((4, Content.assemble(("Modified: ", "$text-muted"), data(prov.modified_by))))
    ranked.append((1, facts_line(relation, width)))
    kept = sorted(range(len(ranked)), key=lambda i: (ranked[i][0], i))[: max(1, limit)]
    return Content("\n").join(ranked[i][1] for i in sorted(kept))


def facts_line(relation: Relation, width: int | None = None) -> Content:
    """`public  partition of public.audit_log · ~157 rows · 7 columns` in `width` cells: a parent's name is
    cut in its middle, then left out, before the counts go (cut at its end by the header, a partition's card
    lost its column count at 80 columns)."""
    counts = [f for f in (rows_fact(relation), counted(len(relation.columns), "column")) if f]
    kind = kind_label(relation)
    schema = data(relation.schema, "$text-accent")

    def line(kind_part: Content) -> Content:
        facts = Content("  ") + Content(" · ").join([kind_part, *(Content(f) for f in counts)])
        return schema + facts.stylize("$text-muted")

    whole = line(Content(kind))
    parent = relation.part_of or relation.partition_of or relation.of_type
    if width is None or whole.cell_length <= width or parent is None:
        return whole
    words = kind.split(" of ", 1)[0]
    room = width - (whole.cell_length - cell_len(kind)) - len(words) - len(" of ")
    if room < MIN_TARGET:  # no useful part of the name: the kind alone (the Details name the parent)
        return line(Content(words))
    return line(Content(f"{words} of ") + cut_middle(Content(kind[len(words) + len(" of ") :]), room))
