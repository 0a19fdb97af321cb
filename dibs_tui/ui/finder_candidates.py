"""The finders' candidates, built from a catalog: every relation (`schema.table`) and every column
(`schema.table.column`)."""

from __future__ import annotations

import threading

from ..core.gc_pause import freeze_long_lived
from ..core.model import Catalog, Relation
from .search import Candidate


class FinderItem:
    """What a finder result leads to: a table, and for column search the column. A table's candidate carries
    its Relation instead, made into an item when shown or chosen (`finder_item`): one object and one kind's
    text less per relation, kept as long as the catalog (11 MiB at 100,000 tables)."""

    __slots__ = ("column", "detail", "schema", "table")

    def __init__(self, schema: str, table: str, column: str | None = None, detail: str = "") -> None:
        self.schema = schema
        self.table = table
        self.column = column
        self.detail = detail


def finder_item(payload: object) -> FinderItem | None:
    """What a candidate's payload leads to: an item as it is, a relation as its table's item."""
    if isinstance(payload, FinderItem):
        return payload
    if isinstance(payload, Relation):
        return FinderItem(payload.schema, payload.name, detail=str(payload.kind))
    return None


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
    """A catalog's finder candidates, each list made once, by the first thread that asks: the finder's
    ranking thread (screens/finder.py) or the palette's (app_help.py), never the screen's loop (the tables' take
    0.3 s at 100,000 tables, the columns' ten times as many). Not made before a finder asks: at 100,000 tables
    the tables' list alone was 13 MiB held by every browser, at its peak of memory, whether it finds or not."""

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
