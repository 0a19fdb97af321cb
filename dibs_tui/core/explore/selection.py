"""What an export shows: every table or one table's FK neighbourhood, and text made visible on one line."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..model import Catalog, QualifiedName, Relation
from ..sql import e_escape
from ..terminal import HIDING_SELECTOR, INVISIBLE
from .fkgraph import FkEdge, FkGraph

_CONTROL = re.compile("[\\x00-\\x1f\\x7f-\\x9f" + INVISIBLE + "]" + HIDING_SELECTOR)


def visible(text: str) -> str:
    """Control and invisible characters (newlines too) as `\\xNN` / `\\uNNNN` text: one line, nothing raw."""
    return _CONTROL.sub(lambda m: e_escape(m.group()), text)


@dataclass(frozen=True)
class Selection:
    """The tables an export shows and the FKs between them."""

    relations: tuple[Relation, ...]
    edges: tuple[FkEdge, ...]


def select(
    catalog: Catalog, graph: FkGraph, around: QualifiedName | None = None, depth: int = 1
) -> Selection:
    """Every table (no views, no partitions), or those within `depth` FK steps of `around`."""
    keys: set[QualifiedName] | dict[QualifiedName, int]
    if around is None:
        keys = {r.key for r in catalog.relations if r.kind.is_table and not r.is_partition}
    else:
        keys = graph.neighbourhood(around, depth)
    relations = tuple(r for r in catalog.relations if r.key in keys)
    return Selection(relations, tuple(graph.edges_within(keys)))
