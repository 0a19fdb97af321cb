"""What the Diff tab shows of a result, built where it is cheap to wait for: the change rows and the plan
highlighted (Pygments over a thousand-statement plan is seconds of CPU) are made on the diff's worker thread,
so the event loop only puts them on screen."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from textual.content import Content
from textual.widgets.option_list import Option

from ..core.plan import Change, ChangeKind, DiffResult, RenameSuggestion
from .highlight import sql_lines
from .text import safe
from .widgets.mark_list import fitted_row

Row = Change | RenameSuggestion | None  # None: a heading

KIND_STYLE = {
    ChangeKind.CREATE: ("+", "$text-success"),
    ChangeKind.DROP: ("-", "$text-error"),
    ChangeKind.ALTER: ("~", "$text-warning"),
    ChangeKind.RENAME: (">", "$text-accent"),
}


def sync_marks(result: DiffResult) -> dict[tuple[str, str], str]:
    """Every table of either side: in sync, differs, only live or only desired."""
    differing = {c.table for c in result.changes if c.table is not None and not c.kept}
    marks: dict[tuple[str, str], str] = {}
    live, wanted = result.current.relations_by_key, result.desired.relations_by_key
    for key in live.keys() | wanted.keys():
        if key not in wanted:
            marks[key] = "only live"
        elif key not in live:
            marks[key] = "only desired"
        else:
            marks[key] = "differs" if key in differing else "in sync"
    return marks


def change_rows(result: DiffResult, rejected: Collection[tuple[str, str]]) -> tuple[list[Option], list[Row]]:
    """The changes grouped by table, then the rename suggestions not rejected; one row each."""
    rows: list[Row] = []
    groups: dict[str, list[Change]] = {}
    for change in result.changes:
        key = f"{change.table[0]}.{change.table[1]}" if change.table else str(change.object)
        groups.setdefault(key, []).append(change)
    items: list[Option] = []
    for group, changes in groups.items():
        # A heading is cut in its middle too: one table's partitions differ at their end.
        heading = fitted_row(Content(), Content.styled(safe(group), "bold"), Content(), Content())
        items.append(Option(heading, disabled=True))
        rows.append(None)
        for change in changes:
            # kept on purpose (a valid constraint where NOT VALID is desired): listed, but no difference
            mark, style = ("=", "$text-muted") if change.kept else KIND_STYLE[change.kind]
            name = change.object.sub or change.object.name
            detail = f"  {change.summary}" if change.summary else ""
            label = fitted_row(  # at 80 columns the detail goes first, the `!` (data lost) never
                Content.styled(f"  {mark} {change.what} ", style),
                Content(safe(name)),
                Content.styled(safe(detail), "$text-muted"),
                Content.styled(" !" if change.destructive else "", "$text-error"),
            )
            items.append(Option(label))
            rows.append(change)
    renames = [r for r in result.renames if r.accept_arg not in rejected]
    if renames:
        # Whole in a list 30 cells wide (80 columns): `Rename suggestions (a accept, x reject)` lost its keys.
        items.append(Option(Content.styled("Renames: a accept, x reject", "bold"), disabled=True))
        rows.append(None)
        for r in renames:
            # Cut in its middle, the confidence kept: cut at its end, the new name and the figure went.
            label = fitted_row(
                Content.styled("  ? ", "$text-accent"),
                Content(safe(_suggested(r))),
                Content(),
                Content.styled(f"  {r.confidence:.0%}", "$text-muted"),
            )
            items.append(Option(label))
            rows.append(r)
    return items, rows


def plan_content(result: DiffResult) -> Content:
    return Content("\n").join(sql_lines(result.sql())) if result.plan else Content("-- nothing to do")


@dataclass(frozen=True)
class DiffView:
    """A result with its rows, plan and marks ready to show."""

    result: DiffResult
    items: list[Option]
    rows: list[Row]
    plan: Content
    marks: dict[tuple[str, str], str]


def build_view(result: DiffResult, rejected: Collection[tuple[str, str]]) -> DiffView:
    items, rows = change_rows(result, rejected)
    return DiffView(result, items, rows, plan_content(result), sync_marks(result))


def _suggested(r: RenameSuggestion) -> str:
    """`table a -> b`, `column t.a -> b`, and a move between schemas qualified: `table s1.t -> s2.t`."""
    if r.old_schema:
        old, new = r.accept_arg
        return f"{r.kind} {old} -> {new}"
    return f"{r.kind} {r.table + '.' if r.kind == 'column' else ''}{r.old} -> {r.new}"
