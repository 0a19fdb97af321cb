"""Health findings' fixes as a migration file: the same name form, header and folder as a generated one,
so `review`, `status` and `migrate` take it as they take any migration."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from ..errors import DibsError
from ..migrations.files import new_migration_name
from .health import Finding


def fixable(findings: Sequence[Finding]) -> list[Finding]:
    """The findings whose fix is complete SQL (not a template awaiting the user's words)."""
    return [f for f in findings if f.fix and not f.fix_is_template]


def fix_migration(
    findings: Sequence[Finding], slug: str = "health-fixes", now: datetime | None = None
) -> tuple[str, str]:
    """(migration name, file text) holding the fix of every fixable finding, in order."""
    chosen = fixable(findings)
    if not chosen:
        raise DibsError("nothing to write: none of these findings has a fix that needs no words of yours")
    name = new_migration_name(slug, now)
    lines = [
        f"-- Migration: {name}",
        "-- Written by dibs-tui from health findings (`dibs-tui lint`); review it before applying.",
    ]
    for finding in chosen:
        assert finding.fix is not None
        note = "-- (runs outside the transaction, on its own)\n" if "CONCURRENTLY" in finding.fix else ""
        lines += ["", f"-- {finding.check}: {finding.message}", note + finding.fix]
    return name, "\n".join(lines) + "\n"
