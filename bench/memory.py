"""Where the memory of a big catalog goes: peak RSS of the read, what the model holds, per type and per field.

    .venv/bin/python -m bench.memory [--tables 5000] [--trace]

Each stage runs in a child process of its own, so that its peak RSS (os.wait4) is its own:

* `imports`: importing the browser (ui.app) and nothing else: the floor under the TUI's RSS;
* `read`: the full catalog read as the browser does it (core.introspect.read.load_catalog, two connections),
  its peak and its RSS once built; then the model walked: objects and bytes per type, bytes per field
  (each object counted once, at the first field that reaches it: interned and shared strings are not counted
  twice), and how many instance dicts exist;
* `--trace`: the same read under tracemalloc: Python's own peak against what the model keeps (the difference
  is what the build held meanwhile: driver records, lists), and the lines that allocated the most of what is
  kept.

Catalogs come from the cache (bench/common.py: ~/.cache/dibs-bench). For the browser's own peak RSS, from
process launch with its list, search and card, see bench/tui_launch.py.
"""

from __future__ import annotations

import argparse
import dataclasses
import enum
import json
import os
import resource
import subprocess
import sys
import time
from collections import Counter
from typing import Any

from bench.common import cached_server, cached_synthetic, load_average

_MIB = 1024 * 1024


def _rss_mib() -> float:
    with open(f"/proc/{os.getpid()}/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / _MIB


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _stage_imports() -> dict[str, Any]:
    import dibs_tui.ui.app  # noqa: F401

    return {"rss_mib": _rss_mib(), "peak_mib": _peak_mib()}


async def _read(dsn: str) -> Any:
    from dibs_tui.core.connect import resolve
    from dibs_tui.core.introspect.live import catalog_sessions
    from dibs_tui.core.introspect.read import load_catalog

    async with catalog_sessions(resolve(dsn), 2) as conns:
        return await load_catalog(conns[0], extra_connections=conns[1:])


class _Walk:
    """Every object the model reaches, counted once: per type (objects, bytes) and per field (bytes)."""

    def __init__(self) -> None:
        self.seen: set[int] = set()
        self.types: Counter[str] = Counter()
        self.type_bytes: Counter[str] = Counter()
        self.field_bytes: Counter[str] = Counter()
        self.dicts = 0

    def visit(self, obj: object, where: str) -> int:
        """Bytes first reached through `obj`, charged to `where` (type.field) for leaves."""
        if id(obj) in self.seen or obj is None or isinstance(obj, bool | enum.Enum):
            return 0
        self.seen.add(id(obj))
        size = sys.getsizeof(obj)
        name = type(obj).__name__
        if dataclasses.is_dataclass(obj):
            if _has_materialised_dict(obj):  # part of the object's cost (getsizeof leaves it out)
                self.dicts += 1
                size += sys.getsizeof(obj.__dict__)
            self.types[name] += 1
            self.type_bytes[name] += size
            for f in dataclasses.fields(obj):
                self.visit(getattr(obj, f.name), f"{name}.{f.name}")
            return size
        if isinstance(obj, tuple | list):
            self.types[name] += 1
            self.type_bytes[name] += size
            self.field_bytes[where] += size
            for item in obj:
                self.visit(item, where)
            return size
        if isinstance(obj, dict):
            self.types[name] += 1
            self.type_bytes[name] += size
            self.field_bytes[where] += size
            for key, value in obj.items():
                self.visit(key, where)
                self.visit(value, where)
            return size
        self.types[name] += 1
        self.type_bytes[name] += size
        self.field_bytes[where] += size
        return size


def _has_materialised_dict(obj: object) -> bool:
    """Whether the instance already has a dict object (not only inline values): asking for __dict__ would
    create one, so the answer comes from gc's referents, which list a materialised dict."""
    import gc

    return any(isinstance(r, dict) for r in gc.get_referents(obj))


def _stage_read(dsn: str, trace: bool) -> dict[str, Any]:
    import dibs_tui.core.introspect.read  # noqa: F401  (imported before the baseline)
    from dibs_tui.commands.common import run_async

    if trace:
        import tracemalloc

        tracemalloc.start(1)
    before = _rss_mib()
    start = time.perf_counter()
    catalog = run_async(_read(dsn))  # not asyncio.run: its exit would repr the catalog (commands.common)
    seconds = time.perf_counter() - start
    result: dict[str, Any] = {
        "before_mib": before,
        "after_mib": _rss_mib(),
        "peak_mib": _peak_mib(),
        "seconds": seconds,
        "relations": len(catalog.relations),
    }
    if trace:
        import tracemalloc

        current, peak = tracemalloc.get_traced_memory()
        snapshot = tracemalloc.take_snapshot()
        tracemalloc.stop()
        result["traced_kept_mib"] = current / _MIB
        result["traced_peak_mib"] = peak / _MIB
        result["top_lines"] = [
            (str(stat.traceback[0]), stat.size / _MIB, stat.count)
            for stat in snapshot.statistics("lineno")[:15]
        ]
        return result
    walk = _Walk()
    walk.visit(catalog, "Catalog")
    result["model_mib"] = sum(walk.type_bytes.values()) / _MIB
    result["dicts"] = walk.dicts
    result["types"] = [
        (name, walk.types[name], walk.type_bytes[name] / _MIB) for name, _ in walk.type_bytes.most_common(15)
    ]
    result["fields"] = [(name, size / _MIB) for name, size in walk.field_bytes.most_common(20)]
    return result


def _child(stage: str, dsn: str, trace: bool) -> dict[str, Any]:
    argv = [sys.executable, "-m", "bench.memory", "--stage", stage, "--dsn", dsn]
    out = subprocess.run(
        [*argv, *(["--trace"] if trace else [])], stdout=subprocess.PIPE, text=True, check=True
    )
    return dict(json.loads(out.stdout))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tables", type=int, nargs="+", default=[5000])
    parser.add_argument("--trace", action="store_true", help="also the read under tracemalloc")
    parser.add_argument("--stage", help=argparse.SUPPRESS)
    parser.add_argument("--dsn", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.stage:
        stage = _stage_imports() if args.stage == "imports" else _stage_read(args.dsn, args.trace)
        print(json.dumps(stage))
        return
    server = cached_server()
    try:
        imports = _child("imports", "", False)
        print(f"importing the browser (ui.app): RSS {imports['rss_mib']:.1f} MiB | load {load_average()}")
        for size in args.tables:
            dsn = cached_synthetic(server, size)
            read = _child("read", dsn, False)
            print(
                f"\n{size} tables ({read['relations']} relations), load {load_average()}: read {read['seconds']:.2f} s;"
                f" RSS before {read['before_mib']:.1f}, after {read['after_mib']:.1f}, peak {read['peak_mib']:.1f}"
                f" MiB; the model {read['model_mib']:.1f} MiB (getsizeof walk), {read['dicts']} instance dicts"
            )
            print("  per type (objects, MiB):")
            for name, count, mib in read["types"]:
                print(f"    {name:<16} {count:>9,} {mib:>8.1f}")
            print("  per field (MiB of what it reaches first):")
            for name, mib in read["fields"]:
                print(f"    {name:<34} {mib:>8.1f}")
            if args.trace:
                traced = _child("read", dsn, True)
                print(
                    f"  tracemalloc: peak {traced['traced_peak_mib']:.1f} MiB, kept {traced['traced_kept_mib']:.1f}"
                    f" MiB (RSS peak under tracing {traced['peak_mib']:.1f}); the lines that allocated what is kept:"
                )
                for line, mib, count in traced["top_lines"]:
                    print(f"    {mib:>7.1f} MiB {count:>9,}  {line}")
    finally:
        server.stop()


if __name__ == "__main__":
    main()
