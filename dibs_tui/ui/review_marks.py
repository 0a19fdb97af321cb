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
            out.append(f"    lock: {safe(s.lock)} ({'observed' if s.lock_observed else 'documented'})")
        if _fails(s):
            out.append(f"    trace: {safe(s.trace)} (in the empty clone: it will likely fail live too)")
        out += [f"    {h.kind} ({h.basis}): {h.describe()}" for h in s.hazards]
    return out


# A migration is shown highlighted up to this many lines and characters: a data migration of 20 MB was minutes
# of Pygments on the app's loop (the pane frozen) and hundreds of MB of styled lines; the rest is said in a line.
SHOWN_LINES = 2_000
SHOWN_CHARS = 256 * 1024


def _shown(text: str) -> tuple[str, str]:
    """The part of `text` shown, whole lines, and the line that says what is left out ('' when nothing is)."""
    lines = text[:SHOWN_CHARS].split("\n")
    if len(text) > SHOWN_CHARS:
        lines.pop()  # cut in its middle
    shown = "\n".join(lines[:SHOWN_LINES])
    if not text[len(shown) :].strip():
        return text, ""
    rest = text[len(shown) :].strip("\n").count("\n") + 1
    size = len(text.encode()) / 1048576
    return shown, f"… {rest:,} more lines not shown here (the file is {size:.1f} MB): read it in an editor"


def marked_sql(text: str, review: Review | None) -> Content:
    """The migration highlighted, a ▲ in the gutter where a statement with hazards starts (their number, a
    failure in the trace counted as one); past SHOWN_LINES lines, one line says how many more there are (the
    details list every statement with hazards)."""
    starts: dict[int, int] = {}
    for s in review.statements if review else ():
        if s.hazards or _fails(s):
            starts[s.line] = starts.get(s.line, 0) + len(s.hazards) + _fails(s)
    shown, left_out = _shown(text)
    lines = sql_lines(shown)
    if starts:
        lines = [
            Content.assemble((f"▲{starts[n]:<2} ", "$text-error") if n in starts else ("    ", ""), line)
            for n, line in enumerate(lines, start=1)
        ]
    if left_out:
        lines.append(Content.styled(left_out, "$text-muted"))
    return Content("\n").join(lines)


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
