"""The Diff tab: desired schema vs the live database, computed on a thread so the screen stays responsive.

State comes from the app through a `PaneContext` (connection, settings, `--desired`); every diff result marks
the tables that differ and fills the header's sync state (`PaneContext.set_sync`).
Left: changes grouped by table (green create, red drop, yellow alter, blue rename) and rename suggestions.
Right: the selected change's old and new definitions (side by side, or stacked: `s`) and the SQL plan
highlighted with Pygments. Accepting (`a`) or rejecting (`x`) a rename re-plans from the two catalogs already
loaded, without touching a database.

The planner (core.diff) is imported by the worker that runs it, not with the pane: the pane is built with the
app, and the planner would otherwise delay its first frame.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from ..core.errors import DibsError
from ..core.plan import Change, DiffResult, RenameSuggestion
from ..core.review.report import Review
from ..core.session_limits import use_limits
from .diff_view import DiffView, Row, build_view, change_rows
from .messages import DiffComputed, PlanReviewed
from .pane_context import PaneContext
from .review_marks import review_plan_off_the_loop
from .text import counted, safe
from .two_column_pane import TwoColumnPane
from .widgets.mark_list import MarkList
from .widgets.wrapped_static import WrappedStatic


class DiffPane(TwoColumnPane):
    """Changes, definitions and the plan of the last diff; `d` (or `g` here) recomputes it."""

    DEFAULT_CSS = """
    DiffPane #diff-definitions { height: auto; }
    DiffPane #diff-old, DiffPane #diff-new { width: 1fr; height: auto; }
    """
    ID = "diff"
    LIST_ID = "diff-changes"
    LOWER_ID = "diff-plan"
    FIRST_STATUS = "Press d to compare the desired schema with this database."

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("g", "recompute", "Re-diff", id="diff.recompute", priority=True),  # before its list's g
        Binding("s", "toggle_layout", "Side by side", id="diff.layout"),
        Binding("a", "accept_rename", "Accept rename", id="diff.accept"),
        Binding("x", "reject_rename", "Reject rename", id="diff.reject"),
        Binding("p", "toggle_privileges", "Privileges on/off", id="diff.privileges"),
    ]

    def __init__(self, context: PaneContext, *, id: str | None = None) -> None:
        super().__init__(context, id=id)
        self.result: DiffResult | None = None
        self.choices = context.diff_choices  # the renames accepted and grants on/off: `n` generates with them
        self.rejected: set[tuple[str, str]] = set()
        self.side_by_side = True
        self.computing = False
        self._generation = 0
        self._rows: list[Change | RenameSuggestion | None] = []
        self.plan_review: Review | None = None  # the plan's hazards, once its review is in

    def compose_upper(self) -> ComposeResult:
        # Scrolls: a long definition (a view's, a function's) is read to its end, not cut at half the pane.
        with (
            VerticalScroll(id="diff-definitions-scroll", classes="pane-upper"),
            Horizontal(id="diff-definitions"),
        ):
            yield WrappedStatic("", id="diff-old")
            yield WrappedStatic("", id="diff-new")

    @property
    def changes_list(self) -> MarkList:
        return self.query_one("#diff-changes", MarkList)

    # -- running -----------------------------------------------------------------------------------------
    def start_diff(self) -> None:
        """Called by the app's `d` and after an apply: compute on a thread; the browser stays usable."""
        desired = self.context.desired_spec()
        if not desired:
            self._status(
                Content("No desired schema: pass --desired PATH_OR_DSN or set `schema` in dibs-tui.toml.")
            )
            return
        self._status(Content("Computing the diff…"))
        self._generation += 1
        self.computing = True
        self._diff_worker(
            self._generation,
            desired,
            tuple(self.choices.accepted),
            frozenset(self.rejected),
            self.choices.privileges,
        )

    def action_recompute(self) -> None:
        self.start_diff()

    @work(thread=True, exclusive=True, exit_on_error=False, group="diff", description="compute the diff")
    def _diff_worker(
        self,
        generation: int,
        desired: Sequence[str | Path],
        accepted: tuple[tuple[str, str], ...],
        rejected: frozenset[tuple[str, str]],
        privileges: bool,
    ) -> None:
        """Introspecting both sides and planning is seconds of CPU on a big schema: it runs here, on a thread
        with its own event loop, so the screen keeps drawing and taking keys meanwhile."""
        settings = self.context.settings
        computed: list[DiffResult] = []  # kept out of asyncio.run's task: 3.11 may repr() it on exit
        # The catalogs come back frozen out of the cyclic GC's reach (core/gc_pause.py).
        try:
            # Through the app's runs: `q` cancels the reads (and the shadow database's load) at once, where
            # the process used to wait for the whole diff before it could end.
            self.context.runs.run(
                _diff_into(
                    computed,
                    self.context,
                    desired,
                    include_schemas=settings.include_schemas,
                    exclude_schemas=settings.exclude_schemas,
                    accepted=accepted,
                    privileges=privileges,
                )
            )
        except asyncio.CancelledError:  # the app is closing
            return
        except DibsError as exc:
            self.post_message(DiffComputed(generation, None, str(exc)))
            return
        except Exception as exc:  # a dropped connection mid-diff, a driver error: still one line
            self.post_message(DiffComputed(generation, None, f"{type(exc).__name__}: {exc}".splitlines()[0]))
            return
        self.post_message(DiffComputed(generation, build_view(computed[0], rejected)))

    @on(DiffComputed)
    def _computed(self, event: DiffComputed) -> None:
        if event.generation != self._generation:
            return  # a newer diff or re-plan was asked for meanwhile
        self.computing = False
        if event.view is None:
            self._status(
                Content.assemble(("Diff failed: ", "$text-error"), safe(event.error), " (g tries again)")
            )
            self.context.set_sync({}, "unknown (diff failed)")
            return
        self.show(event.view)

    def show(self, view: DiffView) -> None:
        result = self.result = view.result
        self._fill_changes(view.items, view.rows)
        self.query_one("#diff-plan", Static).update(view.plan)
        if result.plan:  # its hazards beside its statements, observed in a sandbox clone of the live schema
            self._review_plan(self._generation, result.sql())
        count = sum(1 for c in result.changes if not c.kept)
        state = "in sync" if result.in_sync else f"{count} difference{'' if count == 1 else 's'}"
        self.context.set_sync(view.marks, state)
        if result.in_sync:
            text = Content.assemble(("In sync", "$text-success"), f" ({result.elapsed_s:.2f} s)")
        else:
            destructive = sum(1 for s in result.plan if s.destructive)
            text = Content.assemble(
                (counted(count, "change"), "bold"),
                f", {counted(len(result.plan), 'statement')} ({destructive} destructive), "
                f"{counted(len(result.renames), 'rename suggestion')} ({result.elapsed_s:.2f} s)",  # one line at 80
            )
        if self.choices.privileges:
            text = Content.assemble(text, " — privileges compared (p: off)")
        if result.left_out:  # tool histories, meta and excluded tables: never compared (core.tool_tables)
            text = Content.assemble(text, "\n", safe("left out: " + ", ".join(map(str, result.left_out))))
        for item in result.unmodelled:  # kinds the model does not know (core.model_unmodelled)
            style = "$text-warning" if item.differs else ""
            text = Content.assemble(text, "\n", ("unmodelled: ", style), safe(str(item)))
        for note in result.notes:  # the desired side loaded on another server or major version (core.sandbox)
            text = Content.assemble(text, "\n", ("note: ", "$text-warning"), safe(note))
        for change in result.changes:  # what the diff keeps on purpose (Change.kept): said, no difference
            if change.kept:
                text = Content.assemble(text, "\n", ("note: ", "$text-muted"), safe(change.kept_note))
        self._status(text)

    @work(
        thread=True, exclusive=True, exit_on_error=False, group="diff-review", description="review the plan"
    )
    def _review_plan(self, generation: int, plan_sql: str) -> None:
        try:
            review, plan = review_plan_off_the_loop(self.context.runs, self.context.target, plan_sql)
        except asyncio.CancelledError:  # the app is closing
            return
        except DibsError as exc:
            self.post_message(PlanReviewed(generation, None, None, exc.message.splitlines()[0]))
            return
        except Exception as exc:  # a dropped connection mid-review, a driver error: still one line
            self.post_message(
                PlanReviewed(generation, None, None, f"{type(exc).__name__}: {exc}".splitlines()[0])
            )
            return
        self.post_message(PlanReviewed(generation, review, plan))

    @on(PlanReviewed)
    def _plan_reviewed(self, event: PlanReviewed) -> None:
        if event.generation != self._generation:
            return  # the plan changed meanwhile (a new diff, a rename accepted)
        self.plan_review = event.review
        if event.plan is not None:
            self.query_one("#diff-plan", Static).update(event.plan)
        else:
            self.app.notify(
                safe(f"The plan's review failed: {event.error}"), severity="warning", markup=False
            )

    # -- rendering ---------------------------------------------------------------------------------------
    def _fill_changes(self, items: list[Option], rows: list[Row]) -> None:
        options = self.changes_list
        options.clear_options()
        self._rows = rows
        options.add_options(items)
        options.highlight_first()  # its definitions show at once, and a/x act on a row

    @on(OptionList.OptionHighlighted, "#diff-changes")
    def _selected(self, event: OptionList.OptionHighlighted) -> None:
        self.refresh_bindings()  # a and x follow the row: offered on a rename suggestion only
        row = self._rows[event.option_index] if 0 <= event.option_index < len(self._rows) else None
        old = self.query_one("#diff-old", Static)
        new = self.query_one("#diff-new", Static)
        self.query_one("#diff-definitions-scroll").scroll_home(animate=False)  # each change read from its top
        # A definition's own lines are kept (a view's, a function's); its other control characters escaped.
        if isinstance(row, Change):
            old.update(
                Content.assemble(("old\n", "$text-error"), safe(row.old or "(absent)", keep_newlines=True))
            )
            new.update(
                Content.assemble(("new\n", "$text-success"), safe(row.new or "(absent)", keep_newlines=True))
            )
        elif isinstance(row, RenameSuggestion):  # names: a newline in one is escaped, never a line of its own
            old.update(Content.assemble(("old\n", "$text-error"), safe(row.old)))
            new.update(Content.assemble(("new\n", "$text-success"), safe(row.new)))

    def action_toggle_layout(self) -> None:
        self.side_by_side = not self.side_by_side
        definitions = self.query_one("#diff-definitions")
        definitions.styles.layout = "horizontal" if self.side_by_side else "vertical"

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """`a` and `x` only on a rename suggestion: elsewhere they did nothing, and took the footer's room."""
        if action in ("accept_rename", "reject_rename"):
            return self._highlighted_rename() is not None
        return True

    def _highlighted_rename(self) -> RenameSuggestion | None:
        index = self.changes_list.highlighted
        if index is None or not 0 <= index < len(self._rows):
            return None
        row = self._rows[index]
        return row if isinstance(row, RenameSuggestion) else None

    def action_accept_rename(self) -> None:
        rename = self._highlighted_rename()
        if rename is None or self.result is None:
            return
        self.choices.accepted.append(rename.accept_arg)
        self._replan()

    def action_reject_rename(self) -> None:
        rename = self._highlighted_rename()
        if rename is None or self.result is None:
            return
        self.rejected.add(rename.accept_arg)
        self._fill_changes(*change_rows(self.result, self.rejected))

    def action_toggle_privileges(self) -> None:
        """Grants in or out of the comparison: both catalogs already hold them, so only the plan is redone."""
        self.choices.privileges = not self.choices.privileges
        if self.result is None:
            state = "on" if self.choices.privileges else "off"
            self._status(Content(f"Privileges {state}: press d to compare."))
            return
        self._replan()

    def _replan(self) -> None:
        """Renames change only the plan: re-plan from the catalogs we already have, on a thread (planning a
        big schema is CPU the screen should not wait for)."""
        assert self.result is not None
        self._generation += 1
        self.computing = True
        self._status(Content("Re-planning…"))
        self._replan_worker(
            self._generation,
            self.result,
            tuple(self.choices.accepted),
            frozenset(self.rejected),
            self.choices.privileges,
        )

    @work(thread=True, exclusive=True, exit_on_error=False, group="diff", description="re-plan the diff")
    def _replan_worker(
        self,
        generation: int,
        result: DiffResult,
        accepted: tuple[tuple[str, str], ...],
        rejected: frozenset[tuple[str, str]],
        privileges: bool,
    ) -> None:
        from ..core.diff import diff_catalogs  # deferred (see the module docstring)

        try:
            changes, plan, renames = diff_catalogs(
                result.current, result.desired, accepted_renames=accepted, privileges=privileges
            )
        except DibsError as exc:
            self.post_message(DiffComputed(generation, None, str(exc)))
            return
        self.post_message(
            DiffComputed(
                generation, build_view(replace(result, changes=changes, plan=plan, renames=renames), rejected)
            )
        )


async def _diff_into(
    computed: list[DiffResult],
    context: PaneContext,
    desired: Sequence[str | Path],
    *,
    include_schemas: Sequence[str],
    exclude_schemas: Sequence[str],
    accepted: Sequence[tuple[str, str]],
    privileges: bool,
) -> None:
    from ..core.diff import diff_database  # deferred (see the module docstring)

    # This thread's context never saw the command's limits: the user's lock and statement timeouts apply to
    # the diff's reads as they do to the browser's.
    use_limits(context.settings.session_limits())
    computed.append(
        await diff_database(
            context.target,
            desired,
            include_schemas=include_schemas,
            exclude_schemas=exclude_schemas,
            accepted_renames=accepted,
            exclude_tables=context.settings.exclude_tables,
            privileges=privileges,
        )
    )
