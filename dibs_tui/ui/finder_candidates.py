"""The finders' candidates, built from a catalog: every relation (`schema.table`) and every column
(`schema.table.column`)."""

from __future__ import annotations

from ..core.gc_pause import freeze_long_lived
from ..core.model import Catalog
from .screens.finder import FinderItem
from .search import Candidate


def table_candidates(catalog: Catalog | None) -> list[Candidate]:
    relations = catalog.relations if catalog else ()
    candidates = [
        Candidate.of(f"{r.schema}.{r.name}", r.name, FinderItem(r.schema, r.name, detail=str(r.kind)))
        for r in relations
    ]
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
