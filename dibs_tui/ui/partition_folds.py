"""Partitions folded under their partitioned table in the Tables pane: a database partitioned by day lists its
tables, not two thousand `events_20200101` rows between them. Folded unless unfolded (`unfolded`, the keys of
the partitioned tables whose partitions are shown). Works on the listing's order, where each partitioned
table's partitions follow it (ui/listing.py `folds`): slices of it, as the whole list is built at 100,000
relations, and the folds of one schema looked at, never every row."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Set

from ..core.model import QualifiedName, Relation
from .listing import Listing


def visible(listing: Listing, start: int, end: int, unfolded: Set[QualifiedName]) -> list[Relation]:
    """The rows of `listing.ordered[start:end]` (one schema's run) with the folded partitions left out."""
    ordered, folds, points = listing.ordered, listing.folds, listing.fold_points
    if not points:
        return ordered[start:end]
    rows: list[Relation] = []
    at = start
    for point in points[bisect_left(points, start) : bisect_left(points, end)]:
        if point < at or ordered[point].key in unfolded:
            continue  # inside a folded table's partitions, or shown
        rows.extend(ordered[at : point + 1])
        at = folds[point]
    rows.extend(ordered[at:end])
    return rows


def hidden_before(listing: Listing, start: int, at: int, unfolded: Set[QualifiedName]) -> int | None:
    """How many rows of a schema's run (from `start`) are folded away before row `at` of `ordered`; None when
    `at` is itself folded away."""
    ordered, folds, points = listing.ordered, listing.folds, listing.fold_points
    hidden, skip_to = 0, start
    for point in points[bisect_left(points, start) : bisect_left(points, at)]:
        if point < skip_to or ordered[point].key in unfolded:
            continue
        end = folds[point]
        if at < end:
            return None
        hidden += end - point - 1
        skip_to = end
    return hidden


def folding(listing: Listing, relation: Relation) -> bool:
    """Whether `relation` is a partitioned table with partitions listed under it."""
    at = listing.position(relation)
    return at is not None and at in listing.folds


def ancestors(listing: Listing, relation: Relation) -> list[QualifiedName]:
    """The partitioned tables `relation` is listed under, nearest first (a path stays within its schema)."""
    path = listing.paths.get(relation.key, ()) if relation.part_of is None else ()
    return [(relation.schema, name) for name in reversed(path[:-1])]
