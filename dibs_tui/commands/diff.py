"""`dibs-tui diff`."""

from __future__ import annotations

import argparse

from ..config import Settings
from .common import not_implemented


def run(args: argparse.Namespace, settings: Settings) -> int:
    return not_implemented("diff")
