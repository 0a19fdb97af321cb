"""`dibs-tui review FILE [DSN]`: each statement of a migration with its hazards, as text or JSON.

Exit 0 whatever the hazards: review informs, `migrate` asks for the acknowledgement.
"""

from __future__ import annotations

import argparse

from ..config import Settings
from ..core.errors import DibsError
from ..core.review import review_file
from .common import run_async, target_for


def run(args: argparse.Namespace, settings: Settings) -> int:
    if not args.file.is_file():
        raise DibsError(f"no such migration file: {args.file}")
    review = run_async(review_file(target_for(args, settings), args.file))
    print(review.to_json() if args.format == "json" else review.to_text())
    return 0
