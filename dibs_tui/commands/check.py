"""`dibs-tui check`: the CI drift gate. Exit 0 in sync, 1 on drift (or error)."""

from __future__ import annotations

import argparse

from ..config import Settings
from ..core.terminal import safe
from .common import exit_now
from .diff import MARKS, compute, counted, group_by_table, left_out_lines, rename_lines


def run(args: argparse.Namespace, settings: Settings) -> int:
    result = compute(args, settings, renames=False)
    for line in left_out_lines(result):
        print(line)
    if result.in_sync:
        print(f"in sync ({result.elapsed_s:.2f} s)")
        return exit_now(0)
    groups = group_by_table(result.changes)
    unmodelled = len(result.unmodelled_differences)
    also = f", {counted(unmodelled, 'unmodelled difference')}" if unmodelled else ""
    drift = sum(1 for c in result.changes if not c.kept)
    print(
        f"drift: {counted(drift, 'change')} in {counted(len(groups), 'object')}{also} ({result.elapsed_s:.2f} s)"
    )
    for group, changes in groups.items():
        marks = "".join(sorted({MARKS[c.kind] for c in changes}))
        print(
            f"  {marks} {safe(group)}: "
            + ", ".join(f"{c.what} {safe(c.object.sub or c.object.name)}" for c in changes[:6])
            + (" …" if len(changes) > 6 else "")
        )
    if result.renames:
        print(
            "\n".join(
                rename_lines(result, "plan them with `dibs-tui diff` or `generate` --accept-rename OLD=NEW")
            )
        )
    return exit_now(1)
