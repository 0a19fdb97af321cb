"""`dibs-tui uses OBJECT`: everything that depends on a table, column, type, domain, sequence or function,
transitively, as a tree (text) or nested objects (JSON). An unknown or ambiguous name exits 2."""

from __future__ import annotations

import argparse
import gc
import json
import sys
from typing import Any

from ..config import Settings
from ..core.explore.names import UnknownObject, resolve, spell
from ..core.explore.uses import UseNode, UsesIndex
from ..core.terminal import json_safe_text, raw_stream, safe
from .catalog_read import load
from .common import exit_now, run_async
from .lint import source_lines

EXIT_UNKNOWN = 2


def run(args: argparse.Namespace, settings: Settings) -> int:
    gc.disable()  # one large acyclic catalog, then the process ends: the cyclic GC would only rescan it
    catalog, _ = run_async(load(args, settings))
    try:
        ref = resolve(catalog, args.object)
    except UnknownObject as exc:
        print(f"dibs-tui: {safe(str(exc))}", file=sys.stderr)
        return EXIT_UNKNOWN
    tree = UsesIndex(catalog, source_lines(settings, catalog)).tree(ref)
    if args.format == "json":
        doc = json.dumps(node_json(tree), indent=2, ensure_ascii=False)
        raw_stream(sys.stdout).write(json_safe_text(doc) + "\n")  # valid JSON: C1 and bidi as \u escapes
    else:
        sys.stdout.write(tree_text(tree))
    return exit_now(0)


def describe(node: UseNode) -> str:
    """One node as a line: what, name, the columns it goes through, where, and how it was found."""
    parts = [f"{node.what} {safe(spell(node.ref))}"]
    if node.via:
        parts.append("via " + ", ".join(safe(c) for c in node.via))
    if node.in_body:
        parts.append("found in body" + (f", line {node.body_line}" if node.body_line else ""))
    if node.source is not None:
        parts.append(f"at {safe(str(node.source))}")
    if node.repeated:
        parts.append("(shown above)")
    return "  ".join(parts)


def tree_text(root: UseNode) -> str:
    lines = [describe(root)]
    if not root.children:
        lines.append("  nothing in this database uses it")

    def walk(node: UseNode, prefix: str) -> None:
        for i, child in enumerate(node.children):
            last = i == len(node.children) - 1
            lines.append(f"{prefix}{'└─ ' if last else '├─ '}{describe(child)}")
            walk(child, prefix + ("   " if last else "│  "))

    walk(root, "")
    return "\n".join(lines) + "\n"


def node_json(node: UseNode) -> dict[str, Any]:
    return {
        "kind": node.ref.kind,
        "what": node.what,
        "schema": node.ref.schema,
        "name": node.ref.name,
        "sub": node.ref.sub or None,
        "object": spell(node.ref),
        "via": list(node.via),
        "found_in_body": node.in_body,
        "body_line": node.body_line,
        "source": None if node.source is None else {"file": node.source.file, "line": node.source.line},
        "repeated": node.repeated,
        "children": [node_json(c) for c in node.children],
    }
