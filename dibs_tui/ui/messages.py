"""What workers and loader threads tell the screen, in one place.

Each answer carries the generation of the request it answers, so an answer overtaken by a newer request (a
reload, a re-diff) is dropped by its handler instead of painting stale data.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from textual.content import Content
from textual.message import Message

from ..core.model import Catalog, ObjectRef, QualifiedName, SourceLocation
from .list_sort import SortOrder
from .listing import Listing

if TYPE_CHECKING:  # the Diff, Migrations and Health panes' types: their modules come after the first frame
    from ..core.explore.health import HealthReport
    from ..core.lock_wait import LockWait, RecoveryConflict
    from ..core.review.report import Review
    from .diff_view import DiffView


@dataclass
class CatalogListed(Message):
    """The relations' names only (first load): the list paints while the full catalog is still loading."""

    generation: int
    listing: Listing  # its catalog holds the names only
    connected_at: float  # perf_counter(): when the connection was up
    complete: bool = True  # False: the list's first screenful, the whole list follows


@dataclass
class CatalogProgress(Message):
    """`done` of the full read's `total` queries have answered."""

    generation: int
    done: int
    total: int


@dataclass
class CatalogMetaRead(Message):
    """Whether the database has meta tables, read before the rest of the full read ends."""

    generation: int
    present: bool


@dataclass
class LockWaitSaid(Message):
    """A read on a loader thread (the catalog, a diff's or a proof's) waits for another session's lock
    (core/lock_wait.py): who holds it; None once that wait is over."""

    wait: LockWait | RecoveryConflict | None


@dataclass
class RelationPreviewed(Message):
    """One relation, whole, while the full catalog is still loading: enough for its card and details."""

    generation: int
    catalog: Catalog


@dataclass
class RelationPreviewFailed(Message):
    """The selected relation could not be read alone (a lock held past lock_timeout, no connection left on the
    server): its card says why, and waits for the whole catalog."""

    generation: int
    key: QualifiedName
    reason: str


@dataclass
class CatalogLoaded(Message):
    """The full catalog, and the Tables pane's listing of it."""

    generation: int
    catalog: Catalog
    listing: Listing
    connected_at: float  # perf_counter() values: when the connection was up, when the catalog was read
    loaded_at: float


@dataclass
class CatalogFailed(Message):
    generation: int
    message: str


@dataclass
class DiffComputed(Message):
    """A diff (or a re-plan) finished on its thread, ready to show; `error` when it could not be computed."""

    generation: int
    view: DiffView | None
    error: str = ""


@dataclass
class MigrationReviewed(Message):
    """A pending migration's review is ready: the Migrations pane keeps it and marks its SQL."""

    name: str
    review: Review


@dataclass
class PlanReviewed(Message):
    """The Diff pane's plan, reviewed: the plan with its marks and hazards, for the diff `generation`."""

    generation: int
    review: Review | None
    plan: Content | None
    error: str = ""


@dataclass
class TablesSorted(Message):
    """The Tables pane's relations in one order, computed on a thread for one catalog."""

    order: SortOrder


@dataclass
class OpenInBrowser(Message):
    """Show this table (and column) in the Browse tab: a line of another pane names it (a migration touched it,
    a health finding is about it)."""

    schema: str
    table: str
    column: str | None = None


@dataclass
class UsesFound(Message):
    """What uses `ref` in `catalog` is known now (kept by the app's `UsedBy`): redraw the details if they
    still show it."""

    catalog: Catalog
    ref: ObjectRef


@dataclass
class ExportWritten(Message):
    """The export's file was written (`error` empty) or could not be."""

    path: Path
    error: str = ""


@dataclass
class HealthChecked(Message):
    """The health checks of `catalog` are done (`report`), or could not run (`error`)."""

    catalog: Catalog
    report: HealthReport | None
    error: str = ""


@dataclass
class OpenSource(Message):
    """A pane asks for `location` (what `label` names) to be opened in the editor."""

    label: str
    location: SourceLocation | None


@dataclass
class MigrationSent(Message):
    """A migration was written to the folder (a health fix): the Migrations tab shows it for review. `path`
    None: nothing was written, `error` says why."""

    path: Path | None
    error: str = ""


@dataclass
class ServerGone(Message):
    """The browser's idle session was ended and the server does not answer again (core/server_watch.py);
    `reason` empty: its first session could not be opened, nothing to say."""

    reason: str
