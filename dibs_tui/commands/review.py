"""`dibs-tui review FILE [DSN]`: each statement of a migration with its hazards, as text or JSON.

Exit 0 whatever the hazards: review informs, `migrate` asks for the acknowledgement.
"""

from __future__ import annotations

import argparse
import sys

from ..config import Settings
from ..core.dialect import refuse_other_dialect
from ..core.errors import DibsError
from ..core.review.run import review_file
from ..core.terminal import json_safe_text, raw_stream
from .common import run_async, target_for


def run(args: argparse.Namespace, settings: Settings) -> int:
    if not args.file.is_file():
        raise DibsError(f"no such migration file: {args.file}")
    refuse_other_dialect(args.file)  # reviewed as PostgreSQL, a SQLite file would get wrong hazards
    review = run_async(review_file(target_for(args, settings), args.file, traced=not args.no_trace))
    if args.format == "json":  # escaped as JSON, not through the text escaping (it would break the JSON)
        raw_stream(sys.stdout).write(json_safe_text(review.to_json()) + "\n")
    else:
        print(review.to_text())
    return 0
