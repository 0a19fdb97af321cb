"""A review shown beside its statements: a marker in the gutter of the SQL on the first line of each statement
with hazards, and under each such statement (in the details) its observed lock and its hazards with their
basis and cost. Text from files and databases goes through `safe` and `sql_lines` (data, never markup).

The review itself (core.review.run, its rules, counts and the SQL parser) is imported by the functions that run
it on a worker's thread, not with the panes that import this module: they are built with the app, before its
first frame."""

from __future__ import annotations

from pathlib import Path

from textual.content import Content

from ..core.connect import ConnectionTarget
from ..core.review.report import Review, ReviewedStatement
from .highlight import sql_lines
from .loader_runs import LoaderRuns
from .text import safe


def _fails(statement: ReviewedStatement) -> bool:
    """It failed in the trace's empty clone, and no fails-on-schema hazard says it already: it may fail live
    too."""
    return statement.trace.startswith("failed") and not statement.refused


def hazard_count(review: Review) -> int:
    """The hazards hazard_lines lists (a failure in the trace counted as one), not its lines."""
    return sum(len(s.hazards) + _fails(s) for s in review.statements)


def hazard_lines(review: Review) -> list[str]:
    """Each statement with hazards or that failed in the trace: its line and first words, its lock (observed or
    documented), how the trace failed, its hazards."""
    out: list[str] = []
    for s in review.statements:
        if not s.hazards and not _fails(s):
            continue
        lines = s.sql.strip().splitlines() or [""]
        more = " …" if len(lines[0]) > 70 or len(lines) > 1 else ""
        out.append(f"▲ line {s.line}: {lines[0][:70]}{more}")
        if s.lock:
            out.append(f"    lock: {safe(s.lock)} ({'observed' if s.locks else 'documented'})")
        if _fails(s):
            out.append(f"    trace: {safe(s.trace)} (in the empty clone: it will likely fail live too)")
        out += [f"    {h.kind} ({h.basis}): {h.describe()}" for h in s.hazards]
    return out


def marked_sql(text: str, review: Review | None) -> Content:
    """The migration highlighted, a ▲ in the gutter where a statement with hazards starts (their number, a
    failure in the trace counted as one)."""
    starts: dict[int, int] = {}
    for s in review.statements if review else ():
        if s.hazards or _fails(s):
            starts[s.line] = starts.get(s.line, 0) + len(s.hazards) + _fails(s)
    if not starts:
        return Content("\n").join(sql_lines(text))
    gutter = []
    for number, line in enumerate(sql_lines(text), start=1):
        mark = (f"▲{starts[number]:<2} ", "$text-error") if number in starts else ("    ", "")
        gutter.append(Content.assemble(mark, line))
    return Content("\n").join(gutter)


def review_off_the_loop(runs: LoaderRuns, target: ConnectionTarget, path: Path) -> Review:
    """For a worker's thread: the review with its trace (catalog read, the clone's DDL parsed, the sandbox)
    runs on a loop of its own, never on the app's; through the app's `runs`, so that quitting cancels it and
    waits for its sandbox to be dropped (asyncio.CancelledError out of here)."""
    from ..core.review.run import review_file  # deferred (see the module docstring)

    return runs.run(review_file(target, path))


# Relations the Diff tab's own review (started by every diff shown) clones into its sandbox at most: a plan
# reaching 3,000 tables kept the server busy for over 300 s. Past it the rules review the plan alone, and the
# notes say why; the generated migration's `review` (CLI or Migrations tab) traces it whole.
PLAN_TRACE_MOST = 200


def review_plan_off_the_loop(
    runs: LoaderRuns, target: ConnectionTarget, plan_sql: str
) -> tuple[Review, Content]:
    """For the Diff pane's thread: the plan reviewed with its trace (through `runs`, as above), and the plan
    highlighted with its marks (highlighting a long plan is seconds of CPU: never on the app's loop)."""
    from ..core.review.run import review_text  # deferred (see the module docstring)

    review = runs.run(review_text(target, plan_sql, "plan", most_traced=PLAN_TRACE_MOST))
    lines = hazard_lines(review)
    marked = marked_sql(plan_sql, review)
    if lines:
        marked = Content.assemble(
            marked, "\n\n", ("Hazards:", "bold"), "\n", safe("\n".join(lines), keep_newlines=True)
        )
    return review, marked
