"""The gate before apply, one for `migrate` and the Migrations pane: the guard (has the live schema moved since
the first pending migration was reviewed? core/review_record.py), then the proof (do the pending migrations
reach the desired schema on a clone? core/proof.py). It decides nothing: the caller refuses or asks. Then a
migration whose review saw a statement fail on the live rows is not started (`certain_failure`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from .connect import ConnectionTarget
from .fingerprint import Scope
from .migrations.apply_outcome import PendingMigration
from .proof import Proof, prove
from .review.report import Hazard, Review
from .review_record import GuardOutcome, check_guard

NOT_PROVED_HINT = "fix the migration or the desired schema, or apply without the proof (--no-prove)"
GRANTS_HINT = (
    "the result differs in grants alone: privileges are planned only when asked (dibs-tui generate "
    "--privileges writes the desired schema's grants), or apply without the proof (--no-prove)"
)


@dataclass(frozen=True)
class Gate:
    """The guard's outcome and the proof's (None when not tried: the guard refused, or the proof was skipped)."""

    guard: GuardOutcome
    proof: Proof | None
    skipped_by: str | None = None  # who skipped the proof ("--no-prove"), said on screen

    @property
    def moved(self) -> bool:
        return self.guard.refuses

    @property
    def proved(self) -> bool:
        return self.proof is not None and self.proof.proved

    def lines(self) -> list[str]:
        out = self.guard.lines()
        if self.skipped_by is not None:
            out.append(
                f"proof skipped ({self.skipped_by}): the pending migrations were not tried on a clone of the "
                "live schema"
            )
        elif self.proof is not None:
            out += self.proof.lines()
        return out

    def not_proved_hint(self) -> str:
        """What to do about a proof that failed: grants alone have their own way out."""
        return GRANTS_HINT if self.proof is not None and self.proof.only_grants else NOT_PROVED_HINT

    def refusal(self) -> str:
        """The one-line reason to refuse, for the guard (empty when the guard let it through)."""
        if self.moved:
            return "refusing to apply: the live schema or the migration is not what the review saw"
        return ""


async def gate(
    target: ConnectionTarget,
    pending: Sequence[PendingMigration],
    desired: Sequence[str | Path],
    scope: Scope,
    *,
    skip_proof_by: str | None = None,
) -> Gate:
    """Run the guard, then (unless it refused, or `skip_proof_by` names who skips it) the proof; nothing runs
    live."""
    outcome = await check_guard(target, pending[0].file, scope)
    first = pending[0]
    if outcome.moved and first.resume_at > 1:
        outcome = replace(outcome, partly_applied=first.plan.span(1, first.resume_at - 1))
    if outcome.refuses:
        return Gate(outcome, None)
    if skip_proof_by is not None:
        return Gate(outcome, None, skipped_by=skip_proof_by)
    return Gate(outcome, await prove(target, pending, desired, scope))


def certain_failures(in_order: Sequence[tuple[Review, PendingMigration]]) -> list[str]:
    """`certain_failure` of each pending migration, in the order they apply, each knowing the ones before."""
    refusals: list[str] = []
    for number, (review, item) in enumerate(in_order):
        if (refusal := certain_failure(review, item, [r for r, _ in in_order[:number]])) is not None:
            refusals.append(refusal)
    return refusals


# Statements that may change any table's rows, whatever they name: a count after one of them is not certain.
_OPAQUE = frozenset(("DoStmt", "CallStmt", "SelectStmt", "CopyStmt", "ExecuteStmt"))


def _tables_of(sql: str) -> set[str]:
    """Every table a statement names anywhere in its parse tree (its own, a foreign key's target, a
    subquery's), by the last name part, folded: matching more tables only makes a count less certain."""
    from .sqlparse import statement_info

    info = statement_info(sql)
    found: set[str] = set()
    stack: list[object] = [info.body] if info is not None else []
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            relname = node.get("relname")
            if isinstance(relname, str):
                found.add(relname.lower())
            stack.extend(node.values())
        elif isinstance(node, list | tuple):
            stack.extend(node)
    return found


def _written_before(earlier: Sequence[Review]) -> tuple[set[str], bool]:
    """The tables the earlier pending migrations name, and whether one of them may write anywhere."""
    from .sqlparse import statement_info

    tables: set[str] = set()
    opaque = False
    for review in earlier:
        for statement in review.statements:
            tables |= _tables_of(statement.sql)
            info = statement_info(statement.sql)
            opaque = opaque or (info is not None and info.node_type in _OPAQUE)
    return tables, opaque


def _certain(hazard: Hazard) -> bool:
    """A hazard that says a statement will fail, when the server showed it: rows there now counted that make
    it fail (a sample that found some too), or the server refusing the statement in the trace. Not a count the
    review could not make, nor a sample that found none: those are risks to acknowledge, not certainties."""
    if hazard.basis != "observed":
        return False
    if hazard.kind == "fails-on-schema":
        return True
    return hazard.kind == "fails-on-existing-data" and bool(hazard.count)


FAILING_HINT = (
    "fix the rows or the migration, then run it again (or apply anyway with --allow-failing, if you know "
    "the review's count is wrong)"
)


def certain_failure(review: Review, item: PendingMigration, earlier: Sequence[Review] = ()) -> str | None:
    """Why `item` is not started, when its review saw a statement that will fail: an atomic migration would
    hold its locks until the failure and roll back, and one of several segments would commit the segments
    before the failing one and stop part way. None when no statement still to run is seen failing.

    `earlier`: the reviews of the pending migrations that run before it in the same apply. Each review counts
    the rows there now, not the rows those migrations leave: a count over a table one of them writes (a
    backfill, then SET NOT NULL in the next migration: the textbook two-step) or after one that may write
    anything (a DO block, a CALL, a function in a SELECT) is a risk to acknowledge, not a certainty."""
    plan = item.plan
    start = plan.segments[item.resume_at - 1].first_line if item.resume_at > 1 else 0
    written, opaque = _written_before(earlier)
    failing = [
        (s, h)
        for s, h in review.hazards
        if s.line >= start
        and _certain(h)
        and (h.kind == "fails-on-schema" or not (opaque or _tables_of(s.sql) & written))
    ]
    if not failing:
        return None
    statement, hazard = failing[0]
    more = f" (and {len(failing) - 1} more)" if len(failing) > 1 else ""
    where = next(
        (n for n, seg in enumerate(plan.segments, 1) if seg.first_line <= statement.line <= seg.last_line), 1
    )
    if where > item.resume_at:
        after = (
            f"; {plan.span(item.resume_at, where - 1)} would commit first and leave "
            f"{item.file.name} partly applied"
        )
    else:
        after = "; it would hold its locks until then and roll back"
    return (
        f"refusing to apply {item.file.name}: line {statement.line} fails on what is there now: "
        f"{hazard.describe()}{more}{after}"
    )
