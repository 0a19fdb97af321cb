"""`dibs-tui path FROM TO`: the shortest FK paths between two tables, each with the SELECT that joins along
it (from a table to itself: its self-references and cycles, core/explore/paths.py). Exit 0 with at least one
path, 1 when no chain of foreign keys joins them, 2 for an unknown table."""

from __future__ import annotations

import argparse
import gc
import json
import sys

from ..config import Settings
from ..core.explore.fkgraph import FkGraph
from ..core.explore.names import UnknownObject, resolve
from ..core.explore.paths import shortest_paths
from ..core.model import Catalog, QualifiedName
from ..core.terminal import json_safe_text, raw_stream, safe
from .catalog_read import load
from .common import exit_now, run_async

EXIT_UNKNOWN = 2


def run(args: argparse.Namespace, settings: Settings) -> int:
    gc.disable()  # one large acyclic catalog, then the process ends: the cyclic GC would only rescan it
    catalog, _ = run_async(load(args, settings))
    try:
        start, goal = _table(catalog, args.source), _table(catalog, args.target)
    except UnknownObject as exc:
        print(f"dibs-tui: {safe(str(exc))}", file=sys.stderr)
        return EXIT_UNKNOWN
    paths = shortest_paths(FkGraph(catalog), start, goal, limit=args.limit)
    if args.format == "json":
        doc = [
            {
                "tables": [f"{s}.{n}" for s, n in p.tables],
                "foreign_keys": [s.edge.name for s in p.steps],
                "sql": p.select(),
            }
            for p in paths
        ]
        text = json.dumps(doc, indent=2, ensure_ascii=False)
        raw_stream(sys.stdout).write(json_safe_text(text) + "\n")  # valid JSON: C1 and bidi as \u escapes
    else:
        for i, p in enumerate(paths, 1):
            hops = " -> ".join(f"{s}.{n}" for s, n in p.tables)
            print(f"-- path {i} ({len(p.steps)} join{'s' if len(p.steps) != 1 else ''}): {safe(hops)}")
            print(p.select())
            print()
    if not paths:
        source, target = safe(args.source), safe(args.target)
        said = (
            f"no chain of foreign keys leaves {source} and comes back to it: it has no self-reference and is "
            "on no cycle of keys"
            if start == goal
            else f"no chain of foreign keys joins {source} and {target}"
        )
        print(f"dibs-tui: {said}", file=sys.stderr)
        return exit_now(1)
    return exit_now(0)


def _table(catalog: Catalog, text: str) -> QualifiedName:
    ref = resolve(catalog, text)
    if ref.kind != "table":
        raise UnknownObject(f"{text} is a {ref.kind}, not a table")
    return (ref.schema, ref.name)
