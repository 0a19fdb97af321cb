"""The full-screen browser: header, Browse / Diff / Migrations / Health tabs, footer with the focused pane's keys.

How panes get their state: the Diff, Migrations and Health panes are given a `PaneContext` (connection,
settings, `--desired`, two callbacks: `set_sync(marks, state)` marks the Tables pane and fills the header's
sync state, `schema_changed()` reloads the catalog and re-runs a diff already shown; and `catalog_changed`, a
`textual.signal.Signal` published with the new catalog after every (re)load). `d` switches to the Diff tab
and starts a diff, `m` to the Migrations tab, `H` to Health (ui/tab_actions.py); entering a tab focuses its
main list, so its keys work at once.

Nothing blocks: connecting and loading run in an exclusive worker; each load has a generation number and an
answer from an older generation is dropped. State changes only in message handlers on the event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any, ClassVar

from textual import events, on, work
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import BindingType
from textual.containers import Horizontal, Vertical
from textual.css.query import NoMatches
from textual.notifications import SeverityLevel
from textual.screen import Screen
from textual.signal import Signal
from textual.timer import Timer
from textual.widgets import TabbedContent, TabPane, Tabs

from ..config import Settings
from ..core.connect import ConnectionTarget
from ..core.gc_pause import freeze_long_lived
from ..core.model import Catalog, ObjectRef, QualifiedName
from .app_help import APP_BINDINGS, TablesCommands, help_screen, system_commands
from .catalog_loader import CardReads, failure_text, fetch_catalog, fetch_relation
from .explorer.actions import ExplorerActions
from .finder_actions import FinderActions
from .finder_candidates import FinderCandidates
from .history_actions import HistoryActions
from .key_order import KeyOrder
from .listing import Listing
from .loader_runs import LoaderRuns, exit_on_hangup, exit_when_the_terminal_hangs_up
from .messages import (
    CatalogFailed,
    CatalogListed,
    CatalogLoaded,
    CatalogMetaRead,
    CatalogProgress,
    LockWaitSaid,
    RelationPreviewed,
    RelationPreviewFailed,
)
from .navigation import History
from .navigation_actions import NavigationActions
from .pane_context import DiffChoices, PaneContext
from .screens.browse import BrowseScreen
from .selection import CopyActions
from .server_watch import ServerWatch
from .tab_actions import TabActions
from .text import safe
from .used_by_details import UsedByDetails
from .widgets.card_and_details import CardAndDetails
from .widgets.details import DetailsView, column_details, table_details
from .widgets.footer import Footer
from .widgets.header_bar import HeaderBar
from .widgets.table_card import TableCard
from .widgets.table_list import TableList
from .widgets.tables_pane import TablesPane
from .widgets.used_by import UsedBy
from .widgets.virtual_list import VirtualList

CARD_SETTLE = 0.08  # seconds: cursor moves closer together than this redraw the card once, when they stop
FIRST_CARD_WAIT = 1.0  # seconds the full load waits for the first card's relation to be loaded alone


class DibsApp(
    KeyOrder,
    NavigationActions,
    ExplorerActions,
    HistoryActions,
    CopyActions,
    FinderActions,
    UsedByDetails,
    TabActions,
    ServerWatch,
    App[int],
):
    """The dibs-tui browser on one database."""

    TITLE = "dibs-tui"
    CSS_PATH = Path(__file__).with_name("app.tcss")  # absolute: subclasses live elsewhere
    COMMANDS: ClassVar[set[Any]] = App.COMMANDS | {TablesCommands}

    BINDINGS: ClassVar[list[BindingType]] = APP_BINDINGS

    def __init__(
        self,
        target: ConnectionTarget,
        settings: Settings,
        *,
        desired: list[str] | None = None,
        header_label: str | None = None,
        first_frame: Callable[[], object] | None = None,
    ) -> None:
        """`header_label` replaces the masked DSN in the header (snapshots need a screen without a port);
        `first_frame` is called once the first frame is drawn (commands.open ends its pause of the collector)."""
        super().__init__()
        self._first_frame = first_frame
        self.target = target
        self.settings = settings
        self.desired = desired
        self.header_label = header_label or target.masked
        self.catalog: Catalog | None = None
        self.catalog_changed: Signal[Catalog] = Signal(self, "catalog-changed")
        self.sync_state = ""
        self.load_state = "connecting…"
        self.lock_wait = ""  # who holds the lock a read of ours waits for, while it waits
        self.editor_agreed: str | None = None  # the config's `editor` command the user let `o` run
        self._lock_holder: tuple[int, str] | None = None
        # perf_counter() marks of the last load: start, connected, catalog, painted (bench/tui.py reads them)
        self.timings: dict[str, float] = {"start": time.perf_counter()}
        self._load_generation = 0
        # Before the full catalog is in: the selected relation loaded alone, and the one being loaded.
        self._preview: Catalog | None = None
        self._preview_pending: QualifiedName | None = None
        self._preview_failed: dict[QualifiedName, str] = {}  # why a relation could not be read alone
        # Set once the first card's relation is in (or none is needed): the full load waits for it, so that
        # the two do not compete for the CPU while the user waits for the first card.
        self._first_card_ready = threading.Event()
        self._card_reads = CardReads()  # a card with no session of its own reads on the whole read's
        # The loader threads' reads, cancelled when the app closes; a lock one waits for is said in the header.
        self._runs = LoaderRuns(lambda wait: self.post_message(LockWaitSaid(wait)))
        # The Diff tab's accepted renames and grants, for Migrations' `n` too.
        self.diff_choices = DiffChoices()
        self.history = History()
        self._finder = FinderCandidates(None)
        self.details_subject = "table"  # what the Details pane describes: "table" or "column"
        self.details_ref: ObjectRef | None = None  # ... and which one (its Used by section follows it)
        self.used_by = UsedBy()
        self._last_card_update = 0.0
        self._card_timer: Timer | None = None

    # Layout ---------------------------------------------------------------------------------------------
    def pane_context(self) -> PaneContext:
        return PaneContext(
            self.target,
            self.settings,
            tuple(self.desired or ()),
            self.set_sync,
            self._schema_changed,
            self.catalog_changed,
            self.history_index,
            self._runs,
            self.diff_choices,
        )

    def get_default_screen(self) -> Screen[Any]:
        return BrowseScreen(id="_default")

    def compose(self) -> ComposeResult:
        yield HeaderBar(id="header")
        with TabbedContent(id="tabs", initial="browse"):
            with TabPane("Browse", id="browse"), Horizontal(id="browse-panes"):
                yield TablesPane(id="tables")
                yield CardAndDetails(id="card-and-details")
            # Their panes are mounted when first needed (ui/tab_actions.py: mount_tab_panes).
            yield TabPane("Diff", id="diff")
            yield TabPane("Migrations", id="migrations")
            yield TabPane("Health", id="health")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        if not self.is_headless:  # SIGHUP and SIGTERM end the app as q does (a test keeps its handlers)
            exit_on_hangup(self.exit)
            exit_when_the_terminal_hangs_up(self.set_interval, self.exit)
        self.query_one("#details", Vertical).border_title = "Details"
        # Tab cycles the panes only: the tab strip is left to b / d / m and the mouse.
        self.query_one("#tabs", TabbedContent).query_one(Tabs).can_focus = False
        self._update_header()
        self.query_one(TablesPane).loading = True
        # After the first frame ("connecting…"): the loader thread's imports would hold the GIL against it.
        if self._first_frame is not None:
            self.call_after_refresh(self._first_frame)
        self.call_after_refresh(self.load_catalog)

    @property
    def tables_pane(self) -> TablesPane:
        return self.query_one(TablesPane)

    @property
    def card(self) -> TableCard:
        return self.query_one(TableCard)

    @property
    def details(self) -> DetailsView:
        return self.query_one(DetailsView)

    @property
    def tabs(self) -> TabbedContent:
        return self.query_one(TabbedContent)

    def on_unmount(self) -> None:
        self._runs.cancel_all()  # every query of ours ends with the app, not when its read would have
        # ... and before it returns: a cancelled review still drops its sandbox (bounded: a server gone quiet)
        self._runs.wait_all(timeout=15)

    def _update_header(self) -> None:
        if self._shutting_down():
            return
        self.query_one(HeaderBar).show_state(
            self.header_label, self.catalog, self.sync_state, self.load_state, self.lock_wait
        )

    # Loading ---------------------------------------------------------------------------------------------
    def load_catalog(self) -> None:
        """Start a (re)load; the screen keeps the old catalog until the new one arrives."""
        self._load_generation += 1
        self._preview_failed = {}
        self._first_card_ready.clear()
        self.load_state = "loading catalog…" if self.catalog is None else "refreshing…"
        self._update_header()
        self._load_worker(self._load_generation)

    @work(thread=True, exclusive=True, exit_on_error=False, group="catalog", description="load the catalog")
    def _load_worker(self, generation: int) -> None:
        """Connect and introspect on a thread with its own event loop: building a 10,000-table model is
        seconds of CPU that must not stall the screen. The answer comes back as a message."""
        marks: dict[str, float] = {}
        try:
            self._runs.run(
                self._fetch_catalog(marks, lambda c: self._hand_over(generation, marks, c), generation)
            )
        except asyncio.CancelledError:  # the app is closing
            return
        except Exception as exc:  # ours as worded; a dropped connection, a driver error: one line
            self.post_message(CatalogFailed(generation, failure_text(exc)))

    def _hand_over(self, generation: int, marks: dict[str, float], catalog: Catalog) -> None:
        """On the loader's thread, the catalog just read: indexed and ordered there, then posted."""
        from .widgets.history_section import prepare as prepare_history  # the first frame has no History

        prepare_history(catalog)  # indexed here, off the screen's loop: a selection is then a look-up
        # The model is immutable and lives until the next load: keep the cyclic GC from rescanning its
        # millions of objects (full collections of a 5,000-table catalog pause for half a second).
        listing = Listing(catalog)  # ordered here too, off the screen's loop
        freeze_long_lived()
        self.post_message(
            CatalogLoaded(generation, catalog, listing, marks["connected"], time.perf_counter())
        )

    async def _fetch_catalog(
        self, marks: dict[str, float], on_loaded: Callable[[Catalog], None], generation: int
    ) -> None:
        def listed(catalog: Catalog, complete: bool) -> None:
            listing = Listing(catalog, names_only=True)
            self.post_message(CatalogListed(generation, listing, marks["connected"], complete))

        await fetch_catalog(
            self.target,
            self.settings,
            marks,
            on_loaded,
            on_listed=listed,
            on_progress=lambda done, total: self.post_message(CatalogProgress(generation, done, total)),
            wants_listing=lambda: self.catalog is None,  # a refresh keeps the old full catalog on screen
            first_card_ready=self._first_card_ready,
            first_card_wait=FIRST_CARD_WAIT,
            card_reads=self._card_reads,
            free_a_session=lambda: self.call_from_thread(self.stop_watching),
            on_meta=lambda present: self.post_message(CatalogMetaRead(generation, present)),
        )

    @on(CatalogListed)
    def _catalog_listed(self, event: CatalogListed) -> None:
        if event.generation != self._load_generation or self.catalog is not None or self._shutting_down():
            return
        self.tables_pane.loading = False
        self.tables_pane.set_catalog(event.listing)
        self.timings["connected"] = event.connected_at
        count = len(event.listing.ordered)
        self.load_state = f"loading the details of {count} relations…" if event.complete else "listing…"
        self._update_header()
        self.call_after_refresh(lambda: self.timings.setdefault("listed", time.perf_counter()))
        self._show_selected()  # asks for the selected relation alone (RelationPreviewed)
        if self._preview_pending is None:
            self._first_card_ready.set()

    @on(CatalogProgress)
    def _catalog_progress(self, event: CatalogProgress) -> None:
        if event.generation == self._load_generation and self.load_state:
            self.load_state = f"{self.load_state.split(' (')[0]} ({event.done}/{event.total} queries)"
            self._update_header()

    @on(CatalogMetaRead)
    def _catalog_meta_read(self, event: CatalogMetaRead) -> None:
        if event.generation == self._load_generation and self.catalog is None and not self._shutting_down():
            self.tables_pane.show_meta_marks(event.present)

    @on(LockWaitSaid)
    def _lock_wait_said(self, event: LockWaitSaid) -> None:
        """The header counts the wait; a new holder is also said whole, for a while (core/lock_wait.py)."""
        wait = event.wait
        if wait is not None and wait.holder != self._lock_holder:
            self.say(wait.line("q to quit"), severity="warning", timeout=15)
        self._lock_holder, self.lock_wait = (wait.holder, wait.short()) if wait else (None, "")
        self._update_header()

    def _request_preview(self, key: QualifiedName) -> None:
        if key != self._preview_pending:
            self._preview_pending = key
            self._preview_worker(self._load_generation, key)

    @work(thread=True, exclusive=True, exit_on_error=False, group="preview", description="load one relation")
    def _preview_worker(self, generation: int, key: QualifiedName) -> None:
        """The selected relation alone, over its own connection, while the whole catalog loads: at 5,000
        tables its card is on screen in a fraction of the full load. A failure is said on the card; the full
        load, which reads it again, decides what the screen shows."""

        def loaded(relation: Catalog) -> None:
            self.post_message(RelationPreviewed(generation, relation))
            self._first_card_ready.set()  # the full read starts while these sessions close

        try:
            self._runs.run(fetch_relation(self.target, self.settings, key, loaded, self._card_reads))
        except asyncio.CancelledError:  # the app is closing
            pass
        except Exception as exc:  # a lock held past lock_timeout, the server's connection limit
            self.post_message(RelationPreviewFailed(generation, key, failure_text(exc)))
        finally:
            self._first_card_ready.set()

    @on(RelationPreviewed)
    def _relation_previewed(self, event: RelationPreviewed) -> None:
        if event.generation != self._load_generation or self.catalog is not None or self._shutting_down():
            return
        self._preview = event.catalog
        self._preview_pending = None
        self._show_selected()
        if self.card.relation is not None:
            self.call_after_refresh(lambda: self.timings.setdefault("card", time.perf_counter()))

    @on(RelationPreviewFailed)
    def _relation_preview_failed(self, event: RelationPreviewFailed) -> None:
        if event.generation != self._load_generation or self.catalog is not None or self._shutting_down():
            return
        self._preview_failed[event.key] = event.reason
        self._preview_pending = None
        self._show_selected()

    @on(CatalogLoaded)
    def _catalog_loaded(self, event: CatalogLoaded) -> None:
        if event.generation != self._load_generation or self._shutting_down():
            return  # an older load finished after a newer one started, or the app is closing
        self.catalog = event.catalog
        self._preview = None
        self.timings.update(connected=event.connected_at, catalog=event.loaded_at)
        self._finder = FinderCandidates(event.catalog)
        self.load_state = ""
        self.tables_pane.loading = False
        self.tables_pane.set_catalog(event.listing)
        self._show_selected()
        self._update_header()
        # Why some provenance is not shown (core.meta_tables): said once per load.
        if event.catalog.meta.notes:
            from .text import safe

            notes = event.catalog.meta.notes
            more = f" (+{len(notes) - 1} more: dibs-tui schema lists them)" if len(notes) > 1 else ""
            self.notify(safe(f"meta tables: {notes[0]}{more}"), severity="warning", timeout=8, markup=False)
        self.catalog_changed.publish(event.catalog)
        self.watch_server()  # a server that goes away while nobody reads is said within moments
        freeze_long_lived()  # the rows, candidates and strips built for this catalog too (see _load_worker)
        self.call_after_refresh(self._mark_painted)

    def _mark_painted(self) -> None:
        """After the refresh that drew the loaded catalog (`q` pressed as it came in: while the app shuts
        down)."""
        now = time.perf_counter()
        self.timings["painted"] = now
        if not self._shutting_down() and self.card.relation is not None:
            self.timings.setdefault("card", now)

    @on(CatalogFailed)
    def _catalog_failed(self, event: CatalogFailed) -> None:
        if event.generation != self._load_generation or self._shutting_down():
            return
        self.tables_pane.loading = False
        self.load_state = "load failed"
        self._update_header()
        title = (
            "Cannot load the catalog" if self.catalog is None else "Refresh failed (showing the old catalog)"
        )

        def chosen(choice: str | None) -> None:
            if choice == "retry":
                self.load_catalog()
            elif choice == "quit":
                self.exit(1, return_code=1)

        from .screens.error import ErrorScreen  # not the first frame's (tests/test_startup_imports.py)

        self.push_screen(ErrorScreen(title, event.message, can_close=self.catalog is not None), chosen)

    # State for other panes --------------------------------------------------------------------------------
    def set_sync(self, marks: Mapping[QualifiedName, str] | None, state: str) -> None:
        """Mark the tables (None keeps the marks) and say in the header how the database compares. Nothing
        once the app is closing: its widgets are gone before a diff worker's last message is handled."""
        if self._shutting_down():
            return
        if marks is not None:
            self.tables_pane.set_sync_marks(marks)
        self.sync_state = state
        self._update_header()

    def _schema_changed(self) -> None:
        """A migration was applied: reload the catalog, and bring a diff already shown up to date."""
        self.load_catalog()
        self._rediff()

    def _rediff(self) -> None:
        from .diff_pane import DiffPane

        with contextlib.suppress(NoMatches):  # not mounted yet: no diff shown
            pane = self.query_one(DiffPane)
            if pane.result is not None or pane.computing:
                pane.start_diff()

    # Showing things -------------------------------------------------------------------------------------
    def _show_selected(self) -> None:
        """Card and details for the table under the Tables cursor."""
        relation = self.tables_pane.selected_relation()
        if self.catalog is None:  # still loading: the relation alone, when it is in
            whole = self._preview.relation(*relation.key) if relation and self._preview else None
            failed = self._preview_failed.get(relation.key) if relation else None
            if relation is not None and whole is None and failed is None:
                self._request_preview(relation.key)
            if relation is not None and failed is not None:
                self.card.loading = False
                self.card.show_unread(relation.name, failed)
                return
            if whole is None:
                # Never the previous table's card under this one's name: a spinner until it is read.
                shown = self.card.relation
                self.card.loading = relation is not None and (shown is None or shown.key != relation.key)
                return
            relation = whole
        card = self.card
        card.loading = False
        if relation is None:
            card.show(None, self.settings)
            self.details.show([])
            return
        same = card.relation is relation
        if not same:  # a new table, or the same one from a refreshed catalog
            column = card.column_list.current()
            keep = column.name if column and card.relation and card.relation.key == relation.key else None
            card.show(relation, self.settings, keep)
        # The same table again (its highlight arriving after a go-to or `M`, a settle timer): the Details
        # cursor stays where the user put it.
        self._show_details(keep_cursor=same)

    def _show_details(self, keep_cursor: bool = False) -> None:
        catalog = self.catalog or self._preview
        if catalog is None or self.card.relation is None:
            return
        relation, shown = self.card.relation, self.details_ref
        column = self.card.column_list.current()
        if self.focused is self.card.column_list and column is not None:
            self.details_subject = "column"
            self.details_ref = ObjectRef("column", relation.schema, relation.name, column.name)
            lines = column_details(catalog, relation, column, self.settings)
            lines += self.used_by_section(self.details_ref)
        else:
            self.details_subject = "table"
            self.details_ref = ObjectRef("table", relation.schema, relation.name)
            used_by = self.used_by_section(self.details_ref)
            lines = table_details(catalog, relation, self.settings, used_by)
        self.details.show(lines, keep_cursor=keep_cursor and shown == self.details_ref)
        # The relation's own kind (a view is not a table), or "column"
        subject = self.details_subject if self.details_subject == "column" else str(relation.kind)
        self.query_one("#details", Vertical).border_title = f"Details · {subject}"

    @on(TablesPane.TableHighlighted)
    def _table_highlighted(self, event: TablesPane.TableHighlighted) -> None:
        """Show the table at once, unless the cursor is racing (a held key): then once it settles. The list
        drawn again under the same table (a new listing, a filter, marks) draws nothing again: at 5,000
        tables the same card's details were redrawn in the middle of the read and after it."""
        if self._shutting_down() or self._shown(event.relation.key):
            return
        now = time.perf_counter()
        racing = now - self._last_card_update < CARD_SETTLE
        if self._card_timer is not None:
            self._card_timer.stop()
            self._card_timer = None
        if racing:
            self._card_timer = self.set_timer(CARD_SETTLE, self._settled)
        else:
            self._show_selected()
        self._last_card_update = now

    def _shutting_down(self) -> bool:
        """Whether the app's shutdown has begun: its panes are being removed, and what is still queued (a
        highlight, a loader thread's answer, a timer, an after-refresh step) finds them gone, in any order
        (Pilot's run_test handles the app's messages meanwhile: suite runs raised NoMatches so)."""
        return not self.is_running

    def _shown(self, key: QualifiedName) -> bool:
        """Whether the card and details show `key`'s relation of the catalog on screen (or of the preview), not
        a spinner over it (the cursor went to a table still being read and came back)."""
        shown, source, details = self.card.relation, self.catalog or self._preview, self.details_ref
        return (
            not self.card.loading
            and shown is not None
            and source is not None
            and source.relation(*key) is shown
            and details is not None
            and (details.schema, details.name) == key
        )

    def _settled(self) -> None:
        """The card for the table the cursor settled on. The timer can fire while the app shuts down, after
        the panes are gone: then there is nothing to show."""
        self._card_timer = None
        if not self._shutting_down():
            self._show_selected()

    @on(TablesPane.TableChosen)
    def _table_chosen(self, event: TablesPane.TableChosen) -> None:
        if not self._shutting_down():
            self.card.column_list.focus()

    @on(TableCard.ColumnHighlighted)
    def _column_highlighted(self, event: TableCard.ColumnHighlighted) -> None:
        if not self._shutting_down() and self.focused is self.card.column_list:
            self._show_details()

    @on(TableCard.ColumnChosen)
    def _column_chosen(self, event: TableCard.ColumnChosen) -> None:
        from .describe import foreign_target

        if self._shutting_down():
            return
        target = foreign_target(event.relation, event.column)
        if target is not None:
            self.go_to(target.schema, target.table, target.column)
        elif self.query_one("#details").display:  # hidden on a very short screen: the focus stays
            self.details.focus()

    @on(VirtualList.Activated, "#details-view")
    async def _detail_activated(self, event: VirtualList.Activated) -> None:
        if self._shutting_down():
            return
        line = self.details.current()
        if line is not None and line.target is not None:
            self.go_to(line.target.schema, line.target.table, line.target.column)
        elif line is not None and line.migration is not None:
            await self.open_migration(line.migration)

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        """Details follow the focus: the column when the card has it, the table when the list has it."""
        widget = event.widget
        if self._shutting_down():  # focus also moves while the screen is torn down at exit
            return
        if widget is self.card.column_list or widget is self.query_one(TableList):
            self._show_details()

    def action_filter(self) -> None:
        self.tabs.active = "browse"
        self.tables_pane.open_filter()

    # Actions on the selection ---------------------------------------------------------------------------
    def action_refresh(self) -> None:
        """Reload the catalog; the diff's marks, when shown, are recomputed with it (they describe the
        database that was just reloaded)."""
        self.load_catalog()
        self._rediff()

    def say(
        self, message: str, *, severity: SeverityLevel = "information", timeout: float | None = None
    ) -> None:
        """A notification whose text is shown literally (it often quotes names from the database)."""
        self.notify(safe(message), severity=severity, timeout=timeout, markup=False)

    def action_open_editor(self) -> None:
        from .open_source import open_selection

        open_selection(self)

    # Help and palette ------------------------------------------------------------------------------------
    def action_help(self) -> None:
        self.push_screen(help_screen(self))

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        yield from system_commands(self)
        yield from super().get_system_commands(screen)
