"""`dibs-tui migrate --baseline VERSION` and `init --baseline VERSION`: record migrations as applied."""

from __future__ import annotations

import argparse

from ..config import Settings
from ..core.migrations.baseline import record_baseline
from .common import run_async, target_for
from .status import existing_migrations_folder, shown


def run_baseline(args: argparse.Namespace, settings: Settings) -> int:
    """Record the baseline (or, with --dry-run, say what it would record) and print one summary line."""
    target = target_for(args, settings)
    folder = existing_migrations_folder(args, settings)
    dry_run = bool(getattr(args, "dry_run", False))
    plan = run_async(record_baseline(target, folder, args.baseline, dry_run=dry_run))
    print(f"database: {target.masked}")
    print(f"migrations: {shown(str(folder))}")
    for name in plan.already:
        print(f"applied   {shown(name)}  (already in the history: left as it is)")
    if dry_run:
        names = ", ".join(shown(f.name) for f in plan.record) or "nothing"
        print(f"dry run: a baseline at {shown(plan.upto)} would record {names}; nothing changed")
    else:
        print(shown(plan.summary()))
    return 0
