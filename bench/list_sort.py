"""The Tables pane's sort orders at scale: what the sort worker's thread computes once per catalog and order.

    .venv/bin/python -m bench.list_sort [--sizes 10000 100000] [--rounds 3]

A synthetic catalog (no server: the orders read only the model) of N tables over ten schemas, each but the
first few with one foreign key to an earlier table, random row estimates and sizes. Round by round, the four
orders interleaved: by name (the list's usual order, the baseline), FK in-degree (an FK graph built, then a
sort), rows and size. None of it runs on the event loop; what the loop does when an order arrives is the same
row rebuild a filter or a fold does. Prints medians, each order's ratio to by-name, peak RSS and load average.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import statistics
import time

from dibs_tui.core.model import (
    Catalog,
    Column,
    Constraint,
    ConstraintKind,
    ForeignKey,
    Relation,
    RelationKind,
)
from dibs_tui.ui.list_sort import SORTS, sort_order
from dibs_tui.ui.widgets.tables_pane import list_order


def catalog(size: int) -> Catalog:
    rng = random.Random(size)
    relations = []
    for i in range(size):
        constraints: tuple[Constraint, ...] = ()
        if i > 10:
            target = rng.randrange(i)
            fk = ForeignKey(f"s{target % 10}", f"t{target}", ("id",))
            constraints = (Constraint(f"fk{i}", ConstraintKind.FOREIGN_KEY, ("ref",), "", fk),)
        relations.append(
            Relation(
                f"s{i % 10}",
                f"t{i}",
                RelationKind.TABLE,
                columns=(Column(1, "id", "int"), Column(2, "ref", "int")),
                constraints=constraints,
                row_estimate=rng.randrange(10**7),
                size_bytes=rng.randrange(10**10),
            )
        )
    return Catalog(relations=tuple(relations))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    for size in args.sizes:
        times: dict[str, list[float]] = {mode: [] for mode in SORTS}
        for _ in range(args.rounds):
            for mode in SORTS:
                whole = catalog(size)  # a fresh catalog: nothing cached from the previous order
                start = time.perf_counter()
                sort_order(whole, mode, list_order)
                times[mode].append(time.perf_counter() - start)
        base = statistics.median(times[SORTS[0]])
        for mode in SORTS:
            median = statistics.median(times[mode])
            print(f"{size:>7} tables  {mode:<13} {median:7.3f} s  ×{median / base:5.2f} of by name")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS {peak:.0f} MiB, load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
