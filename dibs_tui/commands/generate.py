"""`dibs-tui generate [NAME]`: write `<migrations>/<YYYYMMDDHHMMSS>_<NAME>.sql` from the diff (schema
statements, then the `__dibs_*` meta updates), or print it with --stdout. Without NAME, a name is suggested.
Exit EXIT_WILL_FAIL when the live rows make a statement of it fail: the file is still written (a CI job then
stops before `migrate`, and a person reads the warning with the file in hand).
"""

from __future__ import annotations

import argparse
import sys
from typing import TextIO

from ..config import Settings
from ..core.connect import ConnectionTarget
from ..core.conninfo import looks_like_conninfo
from ..core.errors import DibsError
from ..core.generate import generate_migration
from ..core.review.preflight import preflight
from ..core.sqlescape import escape_sql
from ..core.terminal import prose_for, safe_output
from .common import run_async, target_for
from .diff import desired_spec, parse_renames
from .proof_steps import record_review
from .status import folder_to_write

# Written, but the rows there now make it fail (1: nothing written; 2: a usage error; 3 is migrate's partial apply)
EXIT_WILL_FAIL = 4


def run(args: argparse.Namespace, settings: Settings) -> int:
    # `generate DSN`: argparse filled NAME first
    if args.name and args.dsn is None and looks_like_conninfo(args.name):
        args.name, args.dsn = None, args.name
    target = target_for(args, settings)
    desired = desired_spec(args, settings)
    generated = run_async(
        generate_migration(
            target,
            desired,
            project_root=settings.project_root,
            slug=args.name,
            source_paths=settings.source_paths(desired),
            include_schemas=settings.include_schemas,
            exclude_schemas=settings.exclude_schemas,
            accepted_renames=parse_renames(args.accept_rename),
            exclude_tables=settings.exclude_tables,
            privileges=args.privileges,
            concurrently=args.concurrently or settings.concurrent_indexes,
        )
    )
    # The server's definitions may hold raw control characters: the file spells them as escapes.
    sql = escape_sql(generated.sql)
    if args.stdout:
        print(sql, end="")
        return _warn_failures(target, sql, "<stdout>")
    folder = folder_to_write(args, settings, target)
    path = folder / f"{generated.name}.sql"
    if path.exists():
        raise DibsError(f"{path} already exists")
    path.write_text(sql, encoding="utf-8")
    _say(f"wrote {path} ({len(generated.result.plan)} schema statements)")
    code = _warn_failures(target, sql, str(path))
    try:  # the migration is written whatever happens to its record
        record = run_async(record_review(target, path, settings))
        _say(
            f"recorded the live schema it was generated against in {record.name} (migrate refuses if it moves)"
        )
    except DibsError as exc:
        _say(f"no review record written: {exc}", sys.stderr)
    _say(f"review it with: dibs-tui review {path}")
    return code


def _say(text: str, stream: TextIO | None = None) -> None:
    """On a terminal the prose wraps between words, under column 8: past a label, and past the indent of 4 a
    failure's count and hint start at."""
    stream = stream or sys.stdout
    print(prose_for(stream, text, 8), file=stream)


def _warn_failures(target: ConnectionTarget, sql: str, file: str) -> int:
    """Say at once, on stderr, which statements the rows there now make fail (counted on the live data), with
    what to do; the migration stays as generated. EXIT_WILL_FAIL when a count found one, else 0 (a check that
    could not count, or a preflight that could not run, is said but proves nothing either way)."""
    try:
        found = run_async(preflight(target, sql, file))
    except DibsError as exc:
        _say(safe_output(f"warning: {exc}"), sys.stderr)
        return 0
    if lines := found.lines(file):
        _say(safe_output("\n".join(lines)), sys.stderr)
    return EXIT_WILL_FAIL if found.failures else 0
