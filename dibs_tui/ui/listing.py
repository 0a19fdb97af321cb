"""A catalog as the Tables pane lists it, prepared on the loader's thread, not on the screen's loop.

At 100,000 relations, ordering them, counting each schema's and making their filter candidates is about half a
second of CPU: done on the loop, the list would paint that much later and every key meanwhile would wait. The
loader thread orders and counts before it hands the catalog over; the candidates are made by the first thread
that asks (the pane's warm-up worker, or the filter's worker if a key comes first), never by the loop.
"""

from __future__ import annotations

import threading
from bisect import bisect_left
from operator import attrgetter

from ..core.gc_pause import collector_paused
from ..core.model import Catalog, QualifiedName, Relation, RelationKind
from .search import Candidate
from .text import human_count


def nested_paths(catalog: Catalog) -> dict[QualifiedName, tuple[str, ...]]:
    """The names from the top of the tree down to each relation listed under another of its schema: a
    partition under its partitioned table (a sub-partition under both), a SQLite virtual table's shadow table
    under it. A partition whose parent is in another schema, or not read, is listed at its schema's top."""
    by_key = catalog.relations_by_key
    paths: dict[QualifiedName, tuple[str, ...]] = {}
    for relation in catalog.relations:
        if relation.part_of is not None:
            paths[relation.key] = (relation.part_of[1], relation.name)
            continue
        parent = relation.partition_of
        if parent is None:  # most relations: no list made for them
            continue
        chain: list[str] = [relation.name]
        while parent is not None and parent[0] == relation.schema and parent in by_key and len(chain) < 64:
            chain.append(parent[1])
            parent = by_key[parent].partition_of
        if len(chain) > 1:
            paths[relation.key] = tuple(reversed(chain))
    return paths


def figure_cells(largest: int) -> int:
    """The cells of the widest row estimate `human_count` writes for estimates up to `largest`: `?` alone
    when none was ever analysed, three for hundreds; from 1,000 four (`1.5k`), five from 10^12 (`1234G`)."""
    if largest < 1000:
        return len(human_count(largest))
    return 4 if largest < 10**12 else 5


class Listing:
    """`catalog`'s relations in list order, how many each schema holds, and (on demand) their candidates.

    `names_only`: the names listed while the full catalog loads (read.list_relations), held through the read's
    peak. Their relations are found by bisection in the list's order, not by a dict of every key (10 MiB at
    100,000 tables), and the filter's candidates are made only when a key asks for them."""

    def __init__(self, catalog: Catalog, *, names_only: bool = False) -> None:
        self.catalog = catalog
        self.names_only = names_only
        # Under another relation (names only: the first query says no parents): its path, and its depth
        self.paths = {} if names_only else nested_paths(catalog)
        self.depths = {key: len(path) - 1 for key, path in self.paths.items()}
        self.ordered: list[Relation] = sorted(catalog.relations, key=self.order_key)
        totals: dict[str, int] = {}
        for relation in self.ordered:
            totals[relation.schema] = totals.get(relation.schema, 0) + 1
        self.totals = totals
        # The longest name's characters, for the pane's width: counted here once per catalog (in C: 5 ms at
        # 100,000 relations), never per row drawn; a name of wide or escaped characters is cut like any other.
        self.longest_name = max(map(len, map(attrgetter("name"), self.ordered)), default=0)
        self.figure_cells = figure_cells(max(map(attrgetter("row_estimate"), self.ordered), default=0))
        nested = (len(key[1]) + 2 * depth for key, depth in self.depths.items())  # indented two a level
        self.longest_name = max(self.longest_name, max(nested, default=0))
        self.folds = self._partition_trees() if self.paths else {}
        self.fold_points = sorted(self.folds)
        self.longest_schema = max((len(f"{schema} ({total})") for schema, total in totals.items()), default=0)
        # Each schema's relations are one run of `ordered` (it is by schema first): where each run starts.
        self.starts: dict[str, int] = {}
        start = 0
        for schema in sorted(totals):
            self.starts[schema] = start
            start += totals[schema]
        if not names_only:
            _ = catalog.relations_by_key  # the filter's and the cursor's look-ups, indexed here too
            _ = catalog.identity_sequences  # and the details' DDL's
        self._candidates: list[Candidate] | None = None
        self._lock = threading.Lock()

    def order_key(self, relation: Relation) -> tuple[str, ...]:
        """By schema and name, each relation listed under another right under it (`nested_paths`)."""
        path = self.paths.get(relation.key)
        return (relation.schema, *path) if path else (relation.schema, relation.name)

    def _partition_trees(self) -> dict[int, int]:
        """Where each partitioned table's partitions (nested ones included) end in `ordered`, by the table's
        index: the rows the Tables pane folds under it."""
        folds: dict[int, int] = {}
        open_rows: list[tuple[int, int]] = []  # (index, depth) of the rows whose partitions may follow
        for index, relation in enumerate(self.ordered):
            depth = self.depths.get(relation.key, 0)
            while open_rows and open_rows[-1][1] >= depth:
                above, _ = open_rows.pop()
                if index > above + 1 and self.ordered[above].kind is RelationKind.PARTITIONED:
                    folds[above] = index
            open_rows.append((index, depth))
        for above, _ in open_rows:
            if len(self.ordered) > above + 1 and self.ordered[above].kind is RelationKind.PARTITIONED:
                folds[above] = len(self.ordered)
        return folds

    def relation(self, key: QualifiedName) -> Relation | None:
        """The listed relation named `key`: from the catalog's index, or for names only (PostgreSQL's: no
        relation there is part of another) by bisection within its schema's run."""
        if not self.names_only:
            return self.catalog.relation(*key)
        schema, name = key
        start = self.starts.get(schema)
        if start is None:
            return None
        end = start + self.totals[schema]
        target: tuple[str, ...] = (schema, name)
        at = bisect_left(self.ordered, target, start, end, key=self.order_key)
        return self.ordered[at] if at < end and self.ordered[at].name == name else None

    def position(self, relation: Relation) -> int | None:
        """`relation`'s index in `ordered`, found by bisection within its schema's run (None: not listed)."""
        start = self.starts.get(relation.schema)
        if start is None:
            return None
        end = start + self.totals[relation.schema]
        at = bisect_left(self.ordered, self.order_key(relation), start, end, key=self.order_key)
        return at if at < end and self.ordered[at] is relation else None

    def candidates(self) -> list[Candidate]:
        """`schema.name` per relation, in list order, for the filter; made once, by the first thread asking."""
        with self._lock:
            if self._candidates is None:
                with collector_paused(keep_what_was_built=True):  # kept as long as the listing
                    self._candidates = [Candidate.of(f"{r.schema}.{r.name}", r.name, r) for r in self.ordered]
            return self._candidates
