"""What workers and loader threads tell the screen, in one place.

Each answer carries the generation of the request it answers, so an answer overtaken by a newer request (a
reload, a re-diff) is dropped by its handler instead of painting stale data.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.content import Content
from textual.message import Message

from ..core.model import Catalog
from ..core.review.report import Review
from .diff_view import DiffView
from .list_sort import SortOrder


@dataclass
class CatalogListed(Message):
    """The relations' names only (first load): the list paints while the full catalog is still loading."""

    generation: int
    catalog: Catalog
    connected_at: float  # perf_counter(): when the connection was up


@dataclass
class CatalogProgress(Message):
    """`done` of the full read's `total` queries have answered."""

    generation: int
    done: int
    total: int


@dataclass
class RelationPreviewed(Message):
    """One relation, whole, while the full catalog is still loading: enough for its card and details."""

    generation: int
    catalog: Catalog


@dataclass
class CatalogLoaded(Message):
    """The full catalog."""

    generation: int
    catalog: Catalog
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
    """Show this table (and column) in the Browse tab: a line of another pane names it (a migration touched it)."""

    schema: str
    table: str
    column: str | None = None
