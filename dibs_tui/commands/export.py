"""`dibs-tui export --format mermaid|dot|markdown [--around TABLE --depth N] [--output PATH]`: the schema or
one table's FK neighbourhood as a Mermaid erDiagram, a Graphviz graph or a Markdown data dictionary."""

from __future__ import annotations

import argparse
import gc
import sys
from pathlib import Path

from ..config import Settings
from ..core.errors import DibsError
from ..core.explore.export import export
from ..core.explore.names import UnknownObject, resolve
from ..core.terminal import safe
from .catalog_read import load
from .common import exit_now, run_async

EXIT_UNKNOWN = 2


def run(args: argparse.Namespace, settings: Settings) -> int:
    gc.disable()  # one large acyclic catalog, then the process ends: the cyclic GC would only rescan it
    catalog, _ = run_async(load(args, settings))
    around = None
    if args.around:
        try:
            ref = resolve(catalog, args.around)
        except UnknownObject as exc:
            print(f"dibs-tui: {safe(str(exc))}", file=sys.stderr)
            return EXIT_UNKNOWN
        if ref.kind != "table":
            print(f"dibs-tui: {safe(args.around)} is a {ref.kind}, not a table", file=sys.stderr)
            return EXIT_UNKNOWN
        around = (ref.schema, ref.name)
    text = export(catalog, args.format, around=around, depth=args.depth)
    if args.output:
        try:
            Path(args.output).write_text(text, encoding="utf-8")
        except OSError as exc:  # one that fails past its opening (a device, a full disk) carries no file name
            raise DibsError(f"cannot write {args.output}: {exc.strerror or exc}") from None
        print(f"wrote {safe(str(args.output))}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return exit_now(0)
