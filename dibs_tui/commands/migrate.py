"""`dibs-tui migrate`: review the pending migrations, ask to acknowledge their hazards, apply them.

Output is plain lines (CI logs): the plan, each hazard, then one line per migration and per statement.
Off a terminal, applying needs --yes: nobody is there to answer the question.
"""

from __future__ import annotations

import argparse
import sys

from ..config import Settings
from ..core.connect import ConnectionTarget
from ..core.dialect import refuse_other_dialect
from ..core.errors import DibsError
from ..core.migrations import ApplyEvent, MigrationFailed, MigrationFile, apply_pending
from ..core.review import Review, review_sql
from .common import run_async, target_for
from .status import migrations_folder


def _print(event: ApplyEvent) -> None:
    if event.kind != "failed":  # the failure report is printed once, by run()
        print(event.message, flush=True)


async def _reviews(target: ConnectionTarget, files: list[MigrationFile]) -> list[Review]:
    from ..core.connect import connect

    conn = await connect(target, read_only=True)
    try:
        return [await review_sql(conn, f.text, str(f.path)) for f in files]
    finally:
        await conn.close()


async def _show_plan(target: ConnectionTarget, files: list[MigrationFile]) -> int:
    """Print what would run with its hazards; return the number of hazards."""
    count = 0
    for review, file in zip(await _reviews(target, files), files, strict=True):
        print(f"pending  {file.name}  ({len(review.statements)} statements)")
        for statement, hazard in review.hazards:
            print(f"    {review.file}:{statement.line}: {hazard.kind}: {hazard.message}")
            count += 1
    return count


def run(args: argparse.Namespace, settings: Settings) -> int:
    if getattr(args, "baseline", None) is not None:
        from .baseline import run_baseline

        return run_baseline(args, settings)
    target = target_for(args, settings)
    folder = migrations_folder(args, settings)
    refuse_other_dialect(folder)  # nothing of another database's migrations is run
    lock_timeout = args.lock_timeout or settings.lock_timeout
    print(f"database: {target.masked}", flush=True)
    print(f"migrations: {folder}", flush=True)

    async def confirm(pending: list[MigrationFile]) -> bool:
        hazards = await _show_plan(target, pending)
        if args.dry_run:
            print(f"dry run: {len(pending)} migration(s) would be applied; nothing changed")
            return False
        if args.yes:
            return True
        if not sys.stdin.isatty():
            raise DibsError(
                f"refusing to apply {len(pending)} migration(s) without confirmation",
                hint="run in a terminal to confirm, or pass --yes to acknowledge the hazards listed",
            )
        question = f"apply {len(pending)} migration(s)"
        question += f", acknowledging {hazards} hazard(s)?" if hazards else "?"
        answer = input(question + " [y/N] ").strip().lower()  # noqa: ASYNC250 - the CLI waits for its user
        if answer not in ("y", "yes"):
            print("nothing applied")
            return False
        return True

    try:
        result = run_async(
            apply_pending(target, folder, lock_timeout=lock_timeout, progress=_print, confirm=confirm)
        )
    except MigrationFailed as failure:
        print(failure.report(), file=sys.stderr)
        if failure.applied_before:
            print(f"applied before the failure (kept): {', '.join(failure.applied_before)}", file=sys.stderr)
        return 1
    if result.pending_before == 0:
        print("nothing to apply: every migration is applied")
    elif result.applied:
        total = sum(a.execution_time_ms for a in result.applied)
        print(f"applied {len(result.applied)} migration(s) in {total} ms")
    return 0
