"""`dibs-tui review FILE [DSN]`: each statement of a migration with its hazards, as text or JSON.

Exit 0 whatever the hazards: review informs, `migrate` asks for the acknowledgement.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import asyncpg

from ..config import Settings
from ..core.connect import ConnectionTarget, connect
from ..core.dialect import refuse_other_dialect
from ..core.errors import DibsError
from ..core.migrations.files import is_transaction_control
from ..core.review.report import Review
from ..core.review.run import review_file
from ..core.session import lock_wait_error
from ..core.sqldoor import check_migration
from ..core.sqlfiles import missing_or_not_a_file
from ..core.sqlparse import SqlReading, read_sql_file
from ..core.terminal import json_safe_text, prose_width, raw_stream, safe, safe_output, wrap_prose
from .common import run_async, target_for
from .proof_steps import record_review


def _refuse_nothing_to_review(path: Path) -> None:
    """A file of only comments and whitespace (or its own BEGIN/COMMIT) has nothing to review: its record
    would vouch for a migration not yet written (exit 1, as `generate` and `migrate` refuse an empty one).
    Read up to its first statement: the review reads it whole (a 20 MB data migration's parse took 10% of it)."""
    reading = SqlReading(read_sql_file(path), str(path), values_apart=True)
    if not any(not is_transaction_control(s.text) for s in check_migration(reading)):
        raise DibsError(
            f"nothing to review: {path} holds no SQL statement (only comments, whitespace or BEGIN/COMMIT); "
            "no review record written",
            hint="write the migration's statements, then review it",
        )


async def _reviewed(target: ConnectionTarget, file: Path, *, traced: bool) -> Review:
    """The review; a read of it that waited on another session's lock says whose, not 'statement timeout' (the
    review's own read names whom it waited for; this, what holds ACCESS EXCLUSIVE when the history's read of
    an earlier partial apply gave up)."""
    try:
        return await review_file(target, file, traced=traced)
    except (asyncpg.LockNotAvailableError, asyncpg.QueryCanceledError) as exc:
        conn = await connect(target, read_only=True)
        try:
            refusal = await lock_wait_error(
                conn, "the review's read of the live tables", exc, "nothing was reviewed"
            )
        finally:
            await conn.close()
        if refusal is None:
            raise
        raise refusal from None


def run(args: argparse.Namespace, settings: Settings) -> int:
    if args.file.is_dir():
        raise DibsError(f"{args.file} is a folder: review takes one migration file")
    if not args.file.exists():
        raise DibsError(f"no such migration file: {args.file}")
    if not args.file.is_file():
        raise missing_or_not_a_file(args.file, "migration file")
    refuse_other_dialect(args.file)  # reviewed as PostgreSQL, a SQLite file would get wrong hazards
    _refuse_nothing_to_review(args.file)
    target = target_for(args, settings)
    review = run_async(_reviewed(target, args.file, traced=not args.no_trace))
    if args.format == "json":  # escaped as JSON, not through the text escaping (it would break the JSON)
        raw_stream(sys.stdout).write(json_safe_text(review.to_json()) + "\n")
    else:
        print(review.to_text(prose_width(sys.stdout)))
    try:  # after the review is shown: a folder we may not write to costs the record, not the review
        record = run_async(record_review(target, args.file, settings))
        note = (
            f"recorded the live schema this review saw in {safe(str(record))} (migrate refuses if it moves)"
        )
    except DibsError as exc:
        note = f"no review record written: {exc}"
    stream = sys.stderr if args.format == "json" else sys.stdout
    print("\n".join(wrap_prose(safe_output(note), prose_width(stream), 4)), file=stream)
    return 0
