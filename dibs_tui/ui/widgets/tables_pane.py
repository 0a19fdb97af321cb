"""The Tables pane: every relation grouped by schema, filterable as you type, at 100,000 tables.

Rows are drawn by a Line-API list (`TableList`); filtering runs in a worker thread after a short debounce and
only the newest answer is applied. What the list needs of a catalog is prepared off the loop (ui/listing.py).
Marks: kind (▤ table, ◫ partitioned, ⊟ partition, ◇ view, ◆ materialized view, ⇄ foreign), row estimate, meta
(● tracked, ○ untracked, ! stale meta rows), sync (= in sync, ≠ differs, + only live, − only desired, ? unknown).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Input, Static
from textual.worker import get_current_worker

from ...core.gc_pause import freeze_long_lived
from ...core.model import Catalog, QualifiedName, Relation
from ..list_sort import SORTS, SortOrder, next_sort, sort_order
from ..listing import Listing
from ..messages import TablesSorted
from ..partition_folds import ancestors, folding, hidden_before, visible
from ..search import matching
from ..text import counted
from .fixed_input import FixedInput
from .table_list import (
    FOLDED,
    META_TAIL,
    PANE_FRAME,
    ROW_HEAD,
    ROW_TAIL,
    SCHEMA_HEAD,
    SYNC_TAIL,
    UNFOLDED,
    CycleSort,
    FoldEverySchema,
    Row,
    SchemaRow,
    TableList,
    TogglePartitions,
    ToggleSchema,
    stale_tables,
)
from .virtual_list import VirtualList

# Seconds a key waits for the next before the filter runs: keys of one burst (a paste, a held key) are matched
# once; the match itself takes about 15 ms at 100,000 tables on its thread, and a key typed while it runs
# drops its answer, so a longer wait would only delay every answer.
FILTER_DEBOUNCE = 0.01


class TablesPane(Vertical):
    """Filter box, the list, and a status line (how many tables are shown)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "clear_filter", "Clear filter", show=False, id="tables.clear_filter"),
    ]

    # Its width is the longest name's row (`fit_width`), between MIN_WIDTH and a third of the screen: narrow at
    # 80 columns, where the card needs the room, wide enough on a large screen for names not to be cut. One
    # width per catalog: it never moves while the cursor does.
    DEFAULT_CSS = """
    TablesPane {
        width: 32; min-width: 28; max-width: 35%;  /* min: the title sorted `Tables by FK in-degree` */
        border: round $border-blurred; border-title-color: $text-muted;
    }
    TablesPane TableList { scrollbar-size-vertical: 1; }
    TablesPane:focus-within { border: round $border; border-title-color: $text; }
    TablesPane #table-filter, TablesPane #table-filter:focus {
        height: 1; border: none; padding: 0 1; display: none;
    }
    TablesPane #table-filter.-visible { display: block; }
    TablesPane #tables-status { height: 1; color: $text-muted; padding: 0 1; }
    """

    @dataclass
    class TableHighlighted(Message):
        """The cursor is on a table: the card should show it."""

        relation: Relation

    @dataclass
    class TableChosen(Message):
        """Enter on a table: show it and move focus to its card."""

        relation: Relation

    @dataclass
    class FilterApplied(Message):
        """The filter's answer: the matching relations in list order (None: no filter), and the best one."""

        generation: int
        filter_text: str
        matches: list[Relation] | None
        best: Relation | None = None

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.catalog: Catalog | None = None
        self.listing: Listing | None = None
        self.collapsed: set[str] = set()
        self.unfolded: set[QualifiedName] = set()  # partitioned tables whose partitions are listed
        self.filter_text = ""
        self._matches: list[Relation] | None = None  # None: no filter
        self._filter_generation = 0
        self._debounce: Timer | None = None
        self._stale: set[str] = set()
        self.sort_mode = SORTS[0]
        self._orders: dict[str, SortOrder] = {}  # this catalog's orders computed so far, by mode
        # The row of each schema's header while every relation is listed by name (None: filtered or sorted).
        self._header_rows: dict[str, int] | None = None

    def compose(self) -> ComposeResult:
        yield FixedInput(placeholder="filter tables…", id="table-filter")
        yield TableList(id="table-list")
        yield Static("", id="tables-status")

    def on_mount(self) -> None:
        self.border_title = "Tables"

    @property
    def table_list(self) -> TableList:
        return self.query_one(TableList)

    # Data ----------------------------------------------------------------------------------------------
    def set_catalog(self, listing: Listing) -> None:
        """Show a (new) catalog, keeping the filter, folds and, when it still exists, the selected table.
        The filter's candidates are made ahead of the first key, except for the names listed while the full
        catalog loads (`Listing.names_only`): at 100,000 tables they are 14 MiB held through the read's peak,
        made by the filter's worker if a key comes first."""
        selected = self.selected_relation()
        catalog = listing.catalog
        self.catalog = catalog
        self.listing = listing
        self._stale = stale_tables(catalog)
        self.table_list.figure_cells = listing.figure_cells
        if not listing.names_only:  # the names listed before the full read do not say yet
            self.table_list.meta_marks = catalog.meta.present
        self.fit_width()
        self._orders = {}
        self.table_list.order = None
        if self.sort_mode != SORTS[0]:
            self._sort_worker(catalog, self.sort_mode)  # the new catalog's order; by name until it is in
        if not listing.names_only:
            self._candidates_worker(listing)
        if self.filter_text:
            self._start_filter(self.filter_text)
        else:
            self._matches = None
            self._rebuild(selected.key if selected else None)

    def show_meta_marks(self, present: bool) -> None:
        """The meta column shown or not, told by the full read before its end (ui/catalog_loader._tell_meta):
        the pane takes the width the catalog will give it while the read goes on."""
        if self.table_list.meta_marks != present:
            self.table_list.meta_marks = present
            self.fit_width()
            self.table_list.rows_changed()

    def set_sync_marks(self, marks: Mapping[QualifiedName, str]) -> None:
        self.table_list.sync_marks = dict(marks)
        self.fit_width()
        self.table_list.rows_changed()

    def fit_width(self) -> None:
        """The width the longest row wants (the CSS bounds it): the border, the list's scrollbar, a name's
        indent and kind mark, its figure (as wide as the widest: a catalog never analysed shows `?` in one
        cell, not five) and marks; a relayout only when it changes."""
        if self.listing is None:
            return
        tail = (
            ROW_TAIL
            + self.table_list.figure_width
            + (META_TAIL if self.table_list.meta_marks else 0)
            + (SYNC_TAIL if self.table_list.sync_marks else 0)
        )
        row = max(ROW_HEAD + self.listing.longest_name + tail, SCHEMA_HEAD + self.listing.longest_schema)
        width = PANE_FRAME + row
        if self.styles.width is None or self.styles.width.value != width:
            self.styles.width = width

    def _rebuild(self, keep: QualifiedName | None = None) -> None:
        if self.catalog is None or self.listing is None:
            return
        listing = self.listing
        if self.table_list.order is None and self._matches is None:
            rows, cursor = self._whole_rows(keep)
            schemas, shown_count = len(listing.starts), len(rows) - len(listing.starts)
        else:
            rows, cursor, schemas = self._some_rows(keep)
            shown_count = len(rows) - schemas
            self._header_rows = None
        if cursor is None:
            cursor = next((i for i, r in enumerate(rows) if isinstance(r, Relation)), 0)
        whole = self._header_rows is not None  # indented and folded only when listed whole, by name
        self.table_list.depths = listing.depths if self.table_list.order is None else {}
        self.table_list.fold_marks = (
            {
                listing.ordered[at].key: UNFOLDED if listing.ordered[at].key in self.unfolded else FOLDED
                for at in listing.fold_points
            }
            if whole
            else {}
        )
        self.table_list.set_rows(rows, self._stale, cursor)
        if len(rows) > 1000:
            freeze_long_lived()  # acyclic rows, freed by refcount when replaced; spare the cyclic GC a rescan
        total = len(listing.ordered)
        status = (
            f"{len(self._matches)} of {total} match {self.filter_text!r}"
            if self._matches is not None
            else f"{counted(total, 'relation')}, {counted(schemas, 'schema')}"
        )
        # One line in a pane of fixed width: its size never changes, so no screen-wide layout pass.
        self.query_one("#tables-status", Static).update(
            Content(status if shown_count or total else "no tables"), layout=False
        )

    def _whole_rows(self, keep: QualifiedName | None) -> tuple[list[Row], int | None]:
        """Every relation by name, folds applied: each schema's relations copied as one slice of the listing's
        order, and `keep`'s row found by its place in that order (at 100,000 tables a loop over the rows on
        the screen's loop took tens of milliseconds per rebuild, and another per look-up)."""
        assert self.listing is not None and self.catalog is not None
        listing = self.listing
        kept = listing.relation(keep) if keep is not None else None
        if kept is not None:  # a partition chosen in a filtered list, or before the full catalog: shown
            self.unfolded.update(ancestors(listing, kept))
        rows: list[Row] = []
        self._header_rows = {}
        for schema, start in listing.starts.items():
            total = listing.totals[schema]
            collapsed = schema in self.collapsed
            self._header_rows[schema] = len(rows)
            rows.append(SchemaRow(schema, total, total, collapsed))
            if not collapsed:
                rows.extend(visible(listing, start, start + total, self.unfolded))
        return rows, (self._index_of(keep) if keep is not None else None)

    def _some_rows(self, keep: QualifiedName | None) -> tuple[list[Row], int | None, int]:
        """The filter's matches, or the list in another order: grouped by schema, `keep`'s row looked for."""
        assert self.listing is not None
        order = self.table_list.order
        if order is None:
            shown = self.listing.ordered if self._matches is None else self._matches  # both in list order
        else:
            position = order.position
            shown = (
                order.relations
                if self._matches is None
                else sorted(self._matches, key=lambda r: position[r.key])
            )
        totals = self.listing.totals
        by_schema: dict[str, list[Relation]] = {}
        for rel in shown:
            by_schema.setdefault(rel.schema, []).append(rel)
        rows: list[Row] = []
        for schema in sorted(by_schema):
            collapsed = schema in self.collapsed and self._matches is None
            rows.append(SchemaRow(schema, len(by_schema[schema]), totals.get(schema, 0), collapsed))
            if not collapsed:
                rows.extend(by_schema[schema])
        cursor: int | None = None
        if keep is not None:  # filtering: the best match
            self.table_list.rows = rows
            cursor = self.table_list.index_of(keep)
        return rows, cursor, len(by_schema)

    def _index_of(self, key: QualifiedName) -> int | None:
        """The row of table `key`: worked out from the listing's order when every relation is listed by name,
        else looked for."""
        if self._header_rows is None or self.listing is None or self.catalog is None:
            return self.table_list.index_of(key)
        header = self._header_rows.get(key[0])
        relation = self.listing.relation(key)
        if header is None or relation is None or key[0] in self.collapsed:
            return None
        at = self.listing.position(relation)
        start = self.listing.starts[key[0]]
        hidden = None if at is None else hidden_before(self.listing, start, at, self.unfolded)
        return None if at is None or hidden is None else header + 1 + at - start - hidden

    def selected_relation(self) -> Relation | None:
        row = self.table_list.current()
        return row if isinstance(row, Relation) else None

    def select(self, key: QualifiedName) -> bool:
        """Put the cursor on table `key` (unfolding its schema, clearing a filter that hides it)."""
        if self.listing is None or self.listing.relation(key) is None:
            return False
        index = self._index_of(key)
        if index is None:
            self.collapsed.discard(key[0])
            relation = self.listing.relation(key)
            self.unfolded.update(ancestors(self.listing, relation) if relation is not None else ())
            if self._matches is not None and all(r.key != key for r in self._matches):
                self._clear_filter_now()
            self._rebuild(key)
            index = self._index_of(key)
        if index is None:
            return False
        self.table_list.move_cursor(index)
        return True

    # Filter ---------------------------------------------------------------------------------------------
    def open_filter(self) -> None:
        box = self.query_one("#table-filter", Input)
        box.add_class("-visible")
        # Focus now, not on the loop's next turn (`box.focus()`): the keys typed right after `/` may already
        # be queued, and each goes where the focus is when its turn comes (`c` would open the column finder).
        self.screen.set_focus(box)

    @on(Input.Changed, "#table-filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        event.stop()
        if self._debounce is not None:
            self._debounce.stop()
        query = event.value
        self._debounce = self.set_timer(FILTER_DEBOUNCE, lambda: self._start_filter(query))

    @on(Input.Submitted, "#table-filter")
    def _filter_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if self._debounce is not None:
            self._debounce.stop()
        self._start_filter(event.value)
        self.table_list.focus()

    def _start_filter(self, query: str) -> None:
        self._filter_generation += 1
        self.filter_text = query
        if not query.strip():
            self.post_message(self.FilterApplied(self._filter_generation, query, None))
            return
        if self.listing is not None:
            self._filter_worker(self._filter_generation, query, self.listing)

    @work(thread=True, group="table-candidates", description="make the filter's candidates")
    def _candidates_worker(self, listing: Listing) -> None:
        """Made before the first key, off the loop (see ui/listing.py)."""
        listing.candidates()

    @work(thread=True, exclusive=True, group="table-filter", description="filter tables")
    def _filter_worker(self, generation: int, query: str, listing: Listing) -> None:
        """The candidates are the listing's relations in list order, so the matches come in list order."""
        matches, best = matching(query, listing.candidates())
        if not get_current_worker().is_cancelled:
            relations: list[Relation] = [c.payload for c in matches]  # type: ignore[misc]
            self.post_message(
                self.FilterApplied(generation, query, relations, best.payload if best else None)  # type: ignore[arg-type]
            )

    @on(FilterApplied)
    def _apply_filter(self, event: FilterApplied) -> None:
        event.stop()
        if event.generation != self._filter_generation or self.catalog is None:
            return  # a newer query is on its way
        selected = self.selected_relation()
        if event.matches is None:
            self._matches = None
            self._rebuild(selected.key if selected else None)
        else:
            self._matches = event.matches
            self._rebuild(event.best.key if event.best else None)

    def _clear_filter_now(self) -> None:
        box = self.query_one("#table-filter", Input)
        with box.prevent(Input.Changed):
            box.value = ""
        box.remove_class("-visible")
        self.filter_text = ""
        self._filter_generation += 1
        self._matches = None

    def action_clear_filter(self) -> None:
        selected = self.selected_relation()
        self._clear_filter_now()
        self._rebuild(selected.key if selected else None)
        self.table_list.focus()

    # Sorting --------------------------------------------------------------------------------------------
    @on(CycleSort)
    def _cycle_sort(self, event: CycleSort) -> None:
        event.stop()
        self.sort_mode = next_sort(self.sort_mode)
        # No arrow: every order but the name's is largest first (the figures say so), and at 80 columns the
        # pane's 28 columns cut `Tables by FK in-degree ↓` to `Tables by FK in-degre…`.
        self.border_title = "Tables" if self.sort_mode == SORTS[0] else f"Tables by {self.sort_mode}"
        if self.catalog is None:
            return
        known = self._orders.get(self.sort_mode)
        if known is not None:
            self._apply_order(known)
        else:
            self._sort_worker(self.catalog, self.sort_mode)

    @work(thread=True, exclusive=True, group="table-sort", description="sort tables")
    def _sort_worker(self, catalog: Catalog, mode: str) -> None:
        assert self.listing is not None
        self.post_message(TablesSorted(sort_order(catalog, mode, self.listing.order_key)))

    @on(TablesSorted)
    def _sorted(self, event: TablesSorted) -> None:
        event.stop()
        if event.order.catalog is not self.catalog:
            return  # sorted an older catalog
        self._orders[event.order.mode] = event.order
        if event.order.mode == self.sort_mode:
            self._apply_order(event.order)

    def _apply_order(self, order: SortOrder) -> None:
        selected = self.selected_relation()
        self.table_list.order = None if order.mode == SORTS[0] else order
        self.fit_width()  # a sorted list's figures take their five cells
        self._rebuild(selected.key if selected else None)

    # Events from the list ---------------------------------------------------------------------------
    @on(ToggleSchema)
    def _toggle_schema(self, event: ToggleSchema) -> None:
        event.stop()
        collapse = event.collapse if event.collapse is not None else event.schema not in self.collapsed
        if collapse:
            self.collapsed.add(event.schema)
        else:
            self.collapsed.discard(event.schema)
        self._rebuild()
        self._to_header(event.schema)

    def _to_header(self, schema: str) -> None:
        table_list = self.table_list
        header = (self._header_rows or {}).get(schema)
        if header is None:
            header = next(
                (i for i, r in enumerate(table_list.rows) if isinstance(r, SchemaRow) and r.schema == schema),
                0,
            )
        table_list.move_cursor(header)

    @on(FoldEverySchema)
    def _fold_every_schema(self, event: FoldEverySchema) -> None:
        """Folding keeps the cursor on its schema's row; unfolding, on its table (or its schema's first)."""
        event.stop()
        row = self.table_list.current()
        if self.listing is None or row is None:
            return
        selected = self.selected_relation()
        self.collapsed = set(self.listing.starts) if event.collapse else set()
        self._rebuild(None if event.collapse or selected is None else selected.key)
        if event.collapse or selected is None:
            self._to_header(row.schema)

    @on(TogglePartitions)
    def _toggle_partitions(self, event: TogglePartitions) -> None:
        event.stop()
        if self.listing is None:
            return
        relation: Relation | None = event.relation
        folds_own = folding(self.listing, event.relation) and not (
            event.collapse and event.relation.key not in self.unfolded
        )
        if not folds_own:  # a partition, or a partitioned one folded already: its parent's, the cursor there
            above = ancestors(self.listing, event.relation)
            relation = self.listing.relation(above[0]) if above else None
        if relation is None:
            return
        if event.collapse:
            self.unfolded.discard(relation.key)
        else:
            self.unfolded.add(relation.key)
        self._rebuild(relation.key)

    @on(VirtualList.CursorMoved, "#table-list")
    def _cursor_moved(self, event: VirtualList.CursorMoved) -> None:
        event.stop()
        relation = self.selected_relation()
        if relation is not None:
            self.post_message(self.TableHighlighted(relation))

    @on(VirtualList.Activated, "#table-list")
    def _activated(self, event: VirtualList.Activated) -> None:
        event.stop()
        row = self.table_list.current()
        if isinstance(row, SchemaRow):
            self.post_message(ToggleSchema(row.schema))
        elif isinstance(row, Relation):
            self.post_message(self.TableChosen(row))
