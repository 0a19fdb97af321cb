"""What the catalog loader's threads tell the app: each answer carries the load's generation, so an answer
from an older load is dropped."""

from __future__ import annotations

from textual.message import Message

from ..core.model import Catalog


class CatalogLoaded(Message):
    def __init__(self, generation: int, catalog: Catalog, connected_at: float, loaded_at: float) -> None:
        super().__init__()
        self.generation = generation
        self.catalog = catalog
        self.connected_at = (
            connected_at  # perf_counter() values: when the connection was up, the catalog read
        )
        self.loaded_at = loaded_at


class CatalogListed(Message):
    """The relations' names only (first load): the list paints while the full catalog is still loading."""

    def __init__(self, generation: int, catalog: Catalog, connected_at: float) -> None:
        super().__init__()
        self.generation = generation
        self.catalog = catalog
        self.connected_at = connected_at


class CatalogProgress(Message):
    """`done` of the full read's `total` queries have answered."""

    def __init__(self, generation: int, done: int, total: int) -> None:
        super().__init__()
        self.generation = generation
        self.done = done
        self.total = total


class RelationPreviewed(Message):
    """One relation, whole, while the full catalog is still loading: enough for its card and details."""

    def __init__(self, generation: int, catalog: Catalog) -> None:
        super().__init__()
        self.generation = generation
        self.catalog = catalog


class CatalogFailed(Message):
    def __init__(self, generation: int, message: str) -> None:
        super().__init__()
        self.generation = generation
        self.message = message
