"""`dibs-tui status`: every migration with its state, one per line, readable in CI logs; exit 1 if any is
pending or changed since applied (missing files are reported but do not fail the gate: they are history)."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..config import Settings
from ..core.migrations import MigrationState, MigrationStatus, read_status
from .common import run_async, target_for


def migrations_folder(args: argparse.Namespace, settings: Settings) -> Path:
    """--migrations beats the configured folder."""
    given = getattr(args, "migrations", None)
    return Path(given) if given else settings.resolve_migrations_dir()


def status_line(status: MigrationStatus) -> str:
    """`applied  20260110090000_initial  2026-01-10 09:12 UTC  41 ms` and the like."""
    parts = [f"{status.state.value:<8}", status.name]
    row = status.applied
    if row is not None:
        if row.applied_at is not None:
            parts.append(f"{row.applied_at:%Y-%m-%d %H:%M:%S %Z}".strip())
        if row.execution_time_ms is not None:
            parts.append(f"{row.execution_time_ms} ms")
        if row.source != "__dibs_migrations":
            parts.append(f"(from {row.source})")
    if status.state is MigrationState.CHANGED:
        parts.append("file changed since it was applied (checksum differs)")
    if status.state is MigrationState.MISSING:
        parts.append("applied but no file on disk")
    return "  ".join(parts)


def run(args: argparse.Namespace, settings: Settings) -> int:
    target = target_for(args, settings)
    folder = migrations_folder(args, settings)
    statuses, history = run_async(read_status(target, folder))
    print(f"database: {target.masked}")
    print(f"migrations: {folder}")
    tools = ", ".join(f"{t.name} ({t.tool})" for t in history.tables) or "none"
    print(f"history tables: {tools}")
    for status in statuses:
        print(status_line(status))
    counts = {state: sum(1 for s in statuses if s.state is state) for state in MigrationState}
    print(", ".join(f"{n} {state.value}" for state, n in counts.items()))
    for name in history.dirty:
        print(f"dirty    {name}  left unfinished or failed by its tool")
    failing = counts[MigrationState.PENDING] or counts[MigrationState.CHANGED] or history.dirty
    return 1 if failing else 0
