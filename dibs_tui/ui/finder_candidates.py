"""The finders' candidates, built from a catalog: every relation (`schema.table`) and every column
(`schema.table.column`)."""

from __future__ import annotations

import threading

from ..core.gc_pause import freeze_long_lived
from ..core.model import Catalog
from .screens.finder import FinderItem
from .search import Candidate


def table_candidates(catalog: Catalog | None) -> list[Candidate]:
    relations = catalog.relations if catalog else ()
    candidates = [Candidate.of(f"{r.schema}.{r.name}", r.name, r) for r in relations]
    freeze_long_lived()  # they live as long as the catalog: keep the cyclic GC from rescanning them
    return candidates


def column_candidates(catalog: Catalog) -> list[Candidate]:
    candidates = [
        Candidate.of(
            f"{r.schema}.{r.name}.{c.name}", c.name, FinderItem(r.schema, r.name, c.name, detail=c.type)
        )
        for r in catalog.relations
        for c in r.columns
    ]
    freeze_long_lived()
    return candidates


class FinderCandidates:
    """A catalog's finder candidates, each list made once by the first thread that asks: the app warms the
    tables' on a worker thread after the load, so `t` does not build them on the screen's loop (0.3 s at 100,000
    tables). The columns' (ten times as many) are made when `c` first asks, not kept beforehand."""

    def __init__(self, catalog: Catalog | None) -> None:
        self.catalog = catalog
        self._tables: list[Candidate] | None = None
        self._columns: list[Candidate] | None = None
        self._tables_lock = threading.Lock()
        self._columns_lock = threading.Lock()

    def tables(self) -> list[Candidate]:
        with self._tables_lock:
            if self._tables is None:
                self._tables = table_candidates(self.catalog)
            return self._tables

    def columns(self) -> list[Candidate]:
        if self.catalog is None:
            return []
        with self._columns_lock:
            if self._columns is None:
                self._columns = column_candidates(self.catalog)
            return self._columns
