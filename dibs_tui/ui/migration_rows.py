"""What the Migrations tab says of a migration, without widgets: its row in the list (the state always whole at
80 columns), why the shadow replay stopped, its locks, and how it commits (its segments)."""

from __future__ import annotations

import re
from pathlib import Path

from textual.content import Content

from ..core.errors import DibsError
from ..core.migrations.apply_outcome import MigrationFailed, caret_excerpt
from ..core.migrations.status import MigrationState, MigrationStatus, SquashedHistory
from ..core.review.report import Review
from .text import safe
from .widgets.mark_list import FittedRow, fitted_row

STATE_STYLE = {
    MigrationState.APPLIED: ("✓", "$text-success"),
    MigrationState.PENDING: ("•", "$text-warning"),
    MigrationState.CHANGED: ("!", "$text-error"),
    MigrationState.MISSING: ("?", "$text-error"),
    MigrationState.SQUASHED: ("≡", "$text-muted"),
}
_VERSION = re.compile(r"\d+[_-]?")  # a migration name's leading version: 20260117100000_, 001_, 0042-
PARTIAL_STYLE = ("◐", "$text-warning")  # a pending migration an earlier run applied in part


def status_label(status: MigrationStatus, *, partial: bool = False) -> FittedRow:
    """`✓ name  applied  2026-01-10 09:12  98 ms`; at 80 columns the time goes first, then the words after the
    name's version are cut in their middle (the whole version and their end kept: 12 of a 14-digit version's
    digits were left): the state always shows whole. A pending migration an earlier run applied in part
    (`partial`) says so, as `status` does."""
    mark, style = PARTIAL_STYLE if partial else STATE_STYLE[status.state]
    detail = ""
    row = status.applied
    if row is not None and status.state is not MigrationState.PENDING:
        if row.applied_at is not None:
            detail += f"  {row.applied_at:%Y-%m-%d %H:%M}"
        if row.execution_time_ms is not None:
            detail += f"  {row.execution_time_ms} ms"
    version = _VERSION.match(status.name)
    cut_at = version.end() if version else 0  # the version always shows whole, the words after it are cut
    return fitted_row(
        Content.styled(f"{mark} {safe(status.name[:cut_at])}", style),
        Content.styled(safe(status.name[cut_at:]), style),
        Content.styled(detail, style),
        Content(),
        kept=Content.styled(f"  {'partial' if partial else status.state.value}", style),
    )


def squashed_label(group: SquashedHistory) -> FittedRow:
    """`≡ 1,107 Rails 20220525122759 … 20251120090317  squashed`: one row for a history's squashed rows; too
    long, the range is cut in its middle, the count and the state always show."""
    mark, style = STATE_STYLE[MigrationState.SQUASHED]
    return fitted_row(
        Content.styled(f"{mark} {safe(group.label)} ", style),
        Content.styled(safe(group.span), style),
        Content(),
        Content(),
        kept=Content.styled("  squashed", style),
    )


def replay_failure_lines(failure: MigrationFailed) -> list[str]:
    """Why the shadow replay stopped, as PostgreSQL said it: message, detail, hint and the statement with a
    caret under the position (the first lines of it: the pane is small)."""
    lines = [
        f"cannot replay the folder in a shadow database: {failure.migration} fails there",
        *failure.server_lines(f"{failure.file.name}:{failure.line}"),
    ]
    excerpt = caret_excerpt(failure.statement.text, failure.position).splitlines()
    if failure.position:  # the lines up to the caret, and the caret (inserted under the position's line)
        caret = failure.statement.text[: failure.position - 1].count("\n") + 1
        excerpt = excerpt[max(0, caret - 3) : caret + 1]
    lines += ["    " + line for line in excerpt[:6]]
    return lines


def lock_lines(review: Review) -> list[str]:
    return [
        f"line {s.line}: {safe(s.lock)}" for s in review.statements if s.lock
    ]  # names as the file spells them


# A migration longer than this is not cut into segments on the app's loop (a 20 MB data migration's parse is
# seconds of a frozen pane): the line says where its segments are listed.
PLANNED_CHARS = 1024 * 1024


def segment_lines(text: str, path: Path, limit: int = 30) -> list[str]:
    """How a migration commits: nothing for one transaction, its kind for one statement run alone (a lone
    CREATE INDEX CONCURRENTLY was shown as 'one transaction'), else a line per segment up to `limit` (or why it
    cannot run)."""
    from ..core.migrations.segments import plan_segments  # deferred (see the module docstring)

    if len(text) > PLANNED_CHARS:
        return [
            f"not cut into segments here for a file of {len(text.encode()) / 1048576:.1f} MB: `dibs-tui "
            "migrate --dry-run` lists them"
        ]
    try:
        plan = plan_segments(text, str(path))
    except DibsError as exc:
        return [exc.message.splitlines()[0]]
    if len(plan.segments) == 1 and (only := plan.segments[0]).alone:
        return [f"{only.kind}{f' ({only.note})' if only.note else ''}"]
    return plan.describe(limit)
