"""The Migrations tab: applied and pending migrations, the selected one's SQL, hazards and changes; apply and
generate.

State comes from the app through a `PaneContext` (connection, settings, `--desired`); after an apply the pane
tells it the schema changed (`PaneContext.schema_changed`), so the catalog and the diff's marks follow.
Everything that touches a database runs in a worker: status, review, the shadow preview of what a migration
changes, applying (progress shown line by line), generating. Applying asks first, listing the hazards;
generating shows the SQL highlighted with an editable name and writes nothing on cancel.

The applier, the review, the replay, the baseline and the generator are imported by the functions that run
them, not with the pane: the pane is built with the app, and those modules would otherwise delay its first
frame.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Input, OptionList, Static
from textual.widgets.option_list import Option

from ..core.connect import ConnectionTarget
from ..core.errors import DibsError
from ..core.migrations.apply_online import LockRetries
from ..core.migrations.apply_outcome import ApplyEvent, MigrationFailed, PendingMigration
from ..core.migrations.apply_record import PartialApply, read_partials_at
from ..core.migrations.files import new_migration_name
from ..core.migrations.history import History
from ..core.migrations.layouts import folder_to_write_into, list_migration_files, read_status
from ..core.migrations.status import MigrationState, MigrationStatus, SquashedHistory, squashed
from ..core.migrations.tool_histories import describe_tables
from ..core.plan import ChangeKind
from ..core.review.report import Review
from .highlight import sql_lines
from .messages import MigrationReviewed
from .migration_rows import lock_lines, replay_failure_lines, segment_lines, squashed_label, status_label
from .migration_touched import TouchedList
from .pane_context import PaneContext
from .review_marks import hazard_count, hazard_lines, marked_sql, review_off_the_loop
from .screens.confirm import ConfirmScreen
from .text import safe
from .two_column_pane import TwoColumnPane
from .widgets.mark_list import MarkList
from .widgets.wrapped_static import WrappedStatic

if TYPE_CHECKING:
    from ..core.generate import GeneratedMigration

MARKS = {ChangeKind.CREATE: "+", ChangeKind.DROP: "-", ChangeKind.ALTER: "~", ChangeKind.RENAME: ">"}


class GenerateScreen(ModalScreen["GeneratedMigration | None"]):
    """The generated migration highlighted, with its name editable; dismissed with None on cancel."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel", id="generate.cancel")]
    DEFAULT_CSS = """
    GenerateScreen { align: center middle; }
    GenerateScreen > Vertical { width: 95%; height: 90%; border: thick $accent; background: $surface;
        padding: 0 1; }
    GenerateScreen #generate-sql-scroll { height: 1fr; border: round $panel; }
    GenerateScreen Horizontal { height: auto; align-horizontal: right; }
    GenerateScreen Button { margin-left: 2; }
    """

    def __init__(self, generated: GeneratedMigration) -> None:
        super().__init__()
        self.generated = generated
        self.timestamp, _, self.slug = generated.name.partition("_")

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static("New migration name (edit, Enter to write):")
            yield Input(self.slug, id="generate-name")
            with VerticalScroll(id="generate-sql-scroll"):
                yield WrappedStatic(Content("\n").join(sql_lines(self.generated.sql)), id="generate-sql")
            with Horizontal():
                yield Button("Write", id="write", variant="success")
                yield Button("Cancel", id="cancel", variant="primary")

    def current(self) -> GeneratedMigration:
        slug = self.query_one("#generate-name", Input).value.strip()
        name = new_migration_name(slug) if slug else self.generated.name
        name = f"{self.timestamp}_{name.partition('_')[2]}"
        return self.generated if name == self.generated.name else self.generated.renamed(name)

    @on(Input.Submitted)
    def _submitted(self) -> None:
        self.dismiss(self.current())

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(self.current() if event.button.id == "write" else None)

    def action_cancel(self) -> None:
        self.dismiss(None)


class MigrationsPane(TwoColumnPane):
    """The migrations folder against the applied history; `m` applies, `n` generates, `r` reloads."""

    # A migration's name starts with its 14-digit version: at 80 columns the list's 2fr kept 12 characters of
    # the name. Below ~100 columns it takes 40 (the right panel's SQL and details wrap).
    DEFAULT_CSS = "MigrationsPane .pane-list { min-width: 40; }"
    ID = "migrations"
    LIST_ID = "migrations-list"
    LOWER_ID = "migrations-sql"
    FIRST_STATUS = "Press m (on the Migrations tab) to list migrations."

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("m", "apply", "Apply pending", id="migrations.apply"),
        Binding("n", "generate", "Generate from diff", id="migrations.generate"),
        Binding("r", "reload", "Reload", id="migrations.reload"),
        Binding("B", "baseline", "Baseline", id="migrations.baseline"),  # b is "back to Browse"
    ]

    def __init__(self, context: PaneContext, *, id: str | None = None) -> None:
        super().__init__(context, id=id)
        self.statuses: list[MigrationStatus] = []
        # The list's rows: every status but a history's squashed rows, which its first one stands for
        self.listed: list[MigrationStatus] = []
        self.squashed: dict[str, SquashedHistory] = {}
        # What an earlier run left of each pending migration it applied in part, read with the statuses (the
        # details show it: one read per load, not a connection per selected migration); why it could not be
        self.partial: dict[str, PartialApply] = {}
        self.partial_error = ""
        self.reviews: dict[str, Review] = {}
        self.progress: list[str] = []
        self.last_error: str | None = None
        self.loaded = False
        self.baseline_offered = False
        self.wanted: str | None = None  # a migration to highlight once the list is read (from Details)

    def compose_upper(self) -> ComposeResult:
        with VerticalScroll(id="migrations-info", classes="pane-upper"):
            yield WrappedStatic("", id="migrations-details")
        yield TouchedList(id="migrations-touched")

    # -- state ---------------------------------------------------------------------------------------------
    @property
    def target(self) -> ConnectionTarget:
        return self.context.target

    @property
    def migrations_list(self) -> MarkList:
        return self.query_one("#migrations-list", MarkList)

    def folder(self) -> Path:
        return self.context.migrations_folder()

    def activate(self) -> None:
        """Called when the tab is shown by `m`: load once, then keep the list (r reloads)."""
        if not self.loaded:
            self.reload()
        self.migrations_list.focus()

    def action_reload(self) -> None:
        self.reload()

    def _details(self, content: Content | str) -> None:
        self.query_one("#migrations-details", Static).update(content)

    def reload(self) -> None:
        self._status("Reading the migrations folder and the applied history…")
        self.load_status()

    @work(exclusive=True, exit_on_error=False, group="migrations-status")
    async def load_status(self) -> None:
        try:
            # The default folder, not there, lists the history alone: the browser opens from anywhere
            default = self.context.settings.migrations_dir is None
            statuses, history = await read_status(self.target, self.folder(), absent_is_empty=default)
        except DibsError as exc:
            self._status(Content.assemble((safe(exc.message), "$text-error"), " (r reads it again)"))
            return
        # Everything read first: the list, the status and `loaded` then change together, with no await between
        # them (a test, or `select`, that sees `loaded` sees the status of the same read).
        baseline_offered = bool(statuses) and await self._baseline_fits(history)
        partial, partial_error = await self._partly_applied(statuses)
        groups = squashed(statuses)
        listed = [s for s in statuses if s.state is not MigrationState.SQUASHED or s.name in groups]
        self.statuses, self.listed, self.squashed = statuses, listed, groups
        self.partial, self.partial_error = partial, partial_error
        self.baseline_offered = baseline_offered
        option_list = self.migrations_list
        highlighted_before = option_list.highlighted_option.id if option_list.highlighted_option else None
        option_list.clear_options()
        option_list.add_options(
            [
                Option(
                    squashed_label(groups[s.name])
                    if s.name in groups
                    else status_label(s, partial=s.name in partial),
                    id=s.name,
                )
                for s in listed
            ]
        )
        counted = [
            (
                state.value,
                sum(1 for s in statuses if s.state is state)
                - (len(partial) if state is MigrationState.PENDING else 0),
            )
            for state in MigrationState
        ]
        counted.insert(2, ("partial", len(partial)))  # after pending, as `status` counts them
        tools = describe_tables(history) or "no history table yet"
        summary = ", ".join(f"{n:,} {word}" for word, n in counted if n)
        offer = " · B baseline (no migration recorded, the schema exists)" if self.baseline_offered else ""
        self._status(
            Content(
                safe(
                    f"{self.folder()}: {summary or 'no migrations'} (history: {tools}). "
                    f"m apply pending · n generate from diff · r reload{offer}"
                )
            )
        )
        self.loaded = True
        if listed:
            pending = next((i for i, s in enumerate(listed) if s.state is MigrationState.PENDING), 0)
            index = next((i for i, s in enumerate(listed) if s.name == highlighted_before), pending)
            option_list.highlighted = index
            self.show(listed[index])
        if self.wanted is not None:
            self.select(self.wanted)

    async def _partly_applied(self, statuses: list[MigrationStatus]) -> tuple[dict[str, PartialApply], str]:
        """The pending migrations an earlier run applied in part (their segment records), listed as partial,
        as `status` lists them; none, and why, when the records cannot be read (the details say it)."""
        pending = {s.name for s in statuses if s.state is MigrationState.PENDING}
        if not pending:
            return {}, ""
        try:
            found = await read_partials_at(self.target)
        except DibsError as exc:
            return {}, exc.message.splitlines()[0]
        return {name: partial for name, partial in found.items() if name in pending}, ""

    def select(self, name: str) -> None:
        """Highlight the migration `name` (once the list is read, when it is not yet)."""
        self.wanted = name
        if not self.loaded:
            return
        self.wanted = None
        # A squashed row is listed as its history's one row
        name = next((first for first, group in self.squashed.items() if name in group.names), name)
        index = next((i for i, s in enumerate(self.listed) if s.name == name), None)
        if index is None:
            self.app.notify(
                safe(f"{name} is neither in the migrations folder nor in the applied history"), markup=False
            )
            return
        self.migrations_list.highlighted = index
        self.migrations_list.focus()
        self.show(self.listed[index])

    def selected(self) -> MigrationStatus | None:
        option_list = self.migrations_list
        index = option_list.highlighted
        return self.listed[index] if index is not None and index < len(self.listed) else None

    @on(MigrationReviewed)
    def _reviewed(self, event: MigrationReviewed) -> None:
        self.reviews[event.name] = event.review
        highlighted = self.query_one("#migrations-list", OptionList).highlighted_option
        status = next((s for s in self.statuses if s.name == event.name), None)
        if highlighted is not None and highlighted.id == event.name and status and status.file:
            self.query_one("#migrations-sql", Static).update(marked_sql(status.file.text, event.review))

    @on(OptionList.OptionHighlighted, "#migrations-list")
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        status = next((s for s in self.statuses if s.name == event.option.id), None)
        if status is not None:
            self.show(status)

    def show(self, status: MigrationStatus) -> None:
        index = self.context.history()
        self.query_one(TouchedList).show(index.migration(status.name) if index else None)
        sql = self.query_one("#migrations-sql", Static)
        if (group := self.squashed.get(status.name)) is not None:
            sql.update(Content("(no file: squashed)"))
            self._details(Content(safe("\n".join([group.summary(), group.reason()]), keep_newlines=True)))
            return
        if status.file is None:
            sql.update(Content("(no file on disk)"))
        else:
            sql.update(marked_sql(status.file.text, self.reviews.get(status.name)))
        lines = [f"{status.name}: {'partly applied' if status.name in self.partial else status.state.value}"]
        if status.applied is not None and status.applied.tables_created + status.applied.tables_modified:
            row = status.applied
            lines.append(
                f"created {', '.join(row.tables_created) or '-'}; modified "
                f"{', '.join(row.tables_modified) or '-'}; dropped {', '.join(row.tables_dropped) or '-'}"
            )
        if status.state is MigrationState.CHANGED:
            lines.append("the file changed since it was applied (checksum differs)")
        if self.last_error and status.state is MigrationState.PENDING:
            lines.append(self.last_error)
        self._details(Content(safe("\n".join(lines), keep_newlines=True)))
        if status.file is not None:
            self.inspect(status, lines)

    @work(exclusive=True, exit_on_error=False, group="migrations-inspect")
    async def inspect(self, status: MigrationStatus, head: list[str]) -> None:
        """For a pending migration, its hazards and locks on the live data; for any migration with a file,
        what it changes (the folder replayed in a shadow database up to it, diffed before and after)."""
        from ..core.migrations.replay import preview_changes  # deferred (see the module docstring)

        assert status.file is not None
        body: list[str] = []
        if status.state is MigrationState.PENDING:
            try:
                review = await asyncio.to_thread(
                    review_off_the_loop, self.context.runs, self.target, status.file.path
                )
            except DibsError as exc:
                self._details(Content(safe("\n".join([*head, exc.message]), keep_newlines=True)))
                return
            self.post_message(MigrationReviewed(status.name, review))
            # A partly applied one: only what migrate runs next is reviewed (the review's note says which part)
            body += [n for n in review.notes if n.startswith("partly applied")]
            body += list(review.server_notes)  # a publication on a server without logical wal_level
            body += ["Hazards:", *(hazard_lines(review) or ["no hazards"])]
            body += ["Locks:", *(lock_lines(review) or ["none"])]
            body += ["Segments:", *(segment_lines(status.file.text, status.file.path) or ["one transaction"])]
            if self.partial_error:
                body.append(f"cannot read what an earlier run left: {self.partial_error}")
            elif (partial := self.partial.get(status.name)) is not None:
                body += ["Earlier run:", *partial.describe()]
        self._details(Content(safe("\n".join([*head, *body, "Changes: computing…"]), keep_newlines=True)))
        try:
            # On a thread, through the app's runs: `q` cancels the replay and the app waits for its shadow
            # database to be dropped (as a worker on the app's loop, the drop was cut off by the app's exit and
            # the database left); and the replay's diff is CPU the screen's loop does not carry.
            changes = await asyncio.to_thread(
                self.context.runs.run,
                preview_changes(self.target, list_migration_files(self.folder()), status.name),
            )
            described = [
                f"{MARKS[c.kind]} {c.what} {c.object.name}{'.' + c.object.sub if c.object.sub else ''}"
                for c in changes
            ] or ["no schema change"]
        except MigrationFailed as failure:
            described = replay_failure_lines(failure)
        except DibsError as exc:
            described = [f"cannot replay the folder in a shadow database: {exc.message.splitlines()[0]}"]
        self._details(Content(safe("\n".join([*head, *body, "Changes:", *described]), keep_newlines=True)))

    # -- baseline ------------------------------------------------------------------------------------------
    async def _baseline_fits(self, history: History) -> bool:
        from ..core.migrations.baseline import offer_baseline  # deferred (see the module docstring)

        try:
            return await offer_baseline(self.target, history)
        except DibsError:
            return False

    def _has_files(self) -> bool:
        """False, and said, when the folder holds no migration file: `m` and `B` have nothing to act on."""
        if self.loaded and not any(s.file is not None for s in self.statuses):
            self.app.notify(safe(f"{self.folder()} holds no migration file."), markup=False)
            return False
        return True

    def action_baseline(self) -> None:
        status = self.selected()
        if not self._has_files():
            return
        if status is None or status.file is None:
            self.app.notify("Highlight the last migration the schema already has, then press B.")
            return
        self.confirm_baseline(status.name)

    @work(exclusive=True, exit_on_error=False, group="migrations-apply")
    async def confirm_baseline(self, name: str) -> None:
        upto = [s.name for s in self.statuses if s.file is not None and s.name <= name]
        question = (
            f"Record {len(upto)} migration(s) up to {name} as applied WITHOUT running them (baseline)?\n"
            "Only their history rows are written, in one transaction."
        )
        if not await self.app.push_screen_wait(ConfirmScreen(question)):
            self.app.notify("Nothing recorded.")
            return
        from ..core.migrations.baseline import record_baseline  # deferred (see the module docstring)

        try:
            plan = await record_baseline(self.target, self.folder(), name)
        except DibsError as exc:
            self.app.notify(safe(exc.message), severity="error", markup=False)
            return
        self.app.notify(safe(plan.summary()), markup=False)
        self.reload()

    # -- apply ---------------------------------------------------------------------------------------------
    def action_apply(self) -> None:
        running = [
            w for w in self.workers if w.node is self and w.group == "migrations-apply" and not w.is_finished
        ]
        if running:  # a second apply would cancel this one (an exclusive worker) in the middle of a segment
            self.app.notify("An apply is running: wait for it to end.", severity="warning")
            return
        pending = [s for s in self.statuses if s.state is MigrationState.PENDING]
        if not pending:
            if self._has_files():
                self.app.notify("Nothing to apply: every migration is applied.")
            return
        self.confirm_and_apply([s.name for s in pending])

    @work(exclusive=True, exit_on_error=False, group="migrations-apply")
    async def confirm_and_apply(self, names: list[str]) -> None:

        head = [f"Apply {len(names)} migration{'' if len(names) == 1 else 's'}?", *names]
        hazards: list[str] = []
        counted = 0
        segments: list[str] = []
        reviewed: dict[str, Review] = {}
        several = len(names) > 1  # each migration's lines under its name; one migration's name is in the head
        try:
            for status in self.statuses:
                if status.name in names and status.file is not None:
                    review = self.reviews.get(status.name)
                    if review is None:
                        review = await asyncio.to_thread(
                            review_off_the_loop, self.context.runs, self.target, status.file.path
                        )
                    reviewed[status.name] = review
                    found = hazard_lines(review)
                    counted += hazard_count(review)
                    hazards += [f"{status.name}:", *("  " + h for h in found)] if several and found else found
                    described = segment_lines(status.file.text, status.file.path, limit=10)
                    segments += [f"{status.name}:", *("  " + s for s in described)] if several else described
        except DibsError as exc:
            self.apply_failed(str(exc))
            return
        body: list[str] = []
        if segments:
            body += ["", *segments]
        if hazards:
            body += ["", f"Hazards ({counted}), acknowledged by applying:", *hazards[:15]]
            if len(hazards) > 15:
                body.append(f"… and {len(hazards) - 15} more lines (the Migrations pane lists them all)")
        self.progress = []
        self.last_error = None
        declined: list[bool] = []

        async def confirm(planned: list[PendingMigration]) -> bool:
            from ..core.proof_gate import certain_failures  # deferred, as apply_pending below

            # A statement the review saw fail on the live rows: not asked, refused (as `migrate` does); each
            # counted against the rows there now, so what a migration before it changes first is not certain.
            refusals = certain_failures(
                [(reviewed[item.file.name], item) for item in planned if item.file.name in reviewed]
            )
            if refusals:
                raise DibsError("\n".join([*refusals, "Fix the rows or the migration, then apply again."]))
            answer = await self.prove_and_ask(head, body, planned)
            declined.append(not answer)
            return answer

        def progress(event: ApplyEvent) -> None:
            if event.kind != "failed":
                self.progress.append(event.message)
                self._status(Content(safe(event.message)))

        from ..core.migrations.apply import apply_pending  # deferred (see the module docstring)

        try:
            result = await apply_pending(
                self.target,
                self.folder(),
                lock_timeout=self.context.settings.lock_timeout,
                progress=progress,
                only=names,
                retries=LockRetries(
                    self.context.settings.lock_retries, self.context.settings.lock_retry_wait
                ),
                confirm=confirm,
            )
        except MigrationFailed as failure:
            self.last_error = failure.report()
            self.app.notify(safe(failure.headline()), severity="error", markup=False)
            self.load_status()
            return
        except DibsError as exc:  # refused before running, or the connection lost: says what committed
            self.apply_failed(str(exc))
            return
        if any(declined):
            self.app.notify("Nothing applied.")
            self.load_status()
            return
        self.app.notify(f"Applied {len(result.applied)} migration(s).")
        self.load_status()
        self.context.schema_changed()

    async def prove_and_ask(self, head: list[str], body: list[str], planned: list[PendingMigration]) -> bool:
        """After the lock: the guard and the proof (core/proof_gate.py), then the question. A schema that moved
        since the review is refused outright; a migration not proved is applied only if the user says so.
        The proof's verdict comes right after the names, before the segments and hazards: at 80x24 a dialog
        shows its first lines, and it was below 15 lines of hazards."""
        from ..core.proof_gate import gate  # deferred (see the module docstring)

        self._status(Content("Checking the live schema and proving the migrations on a clone…"))
        settings = self.context.settings
        found = await gate(
            self.target,
            planned,
            self.context.desired_spec(),
            settings.fingerprint_scope(),
            skip_proof_by=settings.proof_skipped_by(),
        )
        if found.moved:
            raise DibsError("\n".join([found.refusal(), *found.lines()]))
        question = [*head, "", *found.lines()]
        if found.proof is not None and not found.proved:
            grants = (
                ["Grants alone differ: generate with --privileges to write them."]
                if found.proof.only_grants
                else []
            )
            question += ["", *grants, "Not proved: apply anyway, without the proof?"]
        question += body
        answer: bool = await self.app.push_screen_wait(ConfirmScreen("\n".join(question)))
        return answer

    def apply_failed(self, message: str) -> None:
        """An apply that ended without a statement's failure: the message stays in the status and details."""
        self.last_error = message
        self._status(Content.styled(safe(message.splitlines()[0]), "$text-error"))
        self._details(Content(safe(message, keep_newlines=True)))
        self.app.notify(safe(message.splitlines()[0]), severity="error", markup=False)
        self.load_status()

    # -- generate ------------------------------------------------------------------------------------------
    def action_generate(self) -> None:
        if not self.context.desired_spec():
            self.app.notify(
                "No desired schema: pass --desired or set `schema` in dibs-tui.toml.", severity="error"
            )
            return
        self._status("Diffing to generate a migration…")
        self.generate()

    @work(exclusive=True, exit_on_error=False, group="migrations-generate")
    async def generate(self) -> None:
        from ..core.generate import generate_migration  # deferred (see the module docstring)

        settings = self.context.settings
        desired = self.context.desired_spec()
        try:
            generated = await generate_migration(
                self.target,
                desired,
                project_root=settings.project_root,
                source_paths=settings.source_paths(desired),
                include_schemas=settings.include_schemas,
                exclude_schemas=settings.exclude_schemas,
                exclude_tables=settings.exclude_tables,
                accepted_renames=tuple(self.context.diff_choices.accepted),
                privileges=self.context.diff_choices.privileges,
                concurrently=settings.concurrent_indexes,
            )
        except DibsError as exc:
            self._status(Content.styled(safe(exc.message), "$text-error"))
            return
        self._status("Review the generated migration: Write or Cancel.")
        chosen = await self.app.push_screen_wait(GenerateScreen(generated))
        if chosen is None:
            self._status("Generation cancelled: nothing written.")
            return
        folder = self.folder()
        path = folder / f"{chosen.name}.sql"
        if path.exists():
            self.app.notify(safe(f"{path} already exists"), severity="error", markup=False)
            return
        try:  # not made where the history records migrations: a mistyped folder (refuse_absent_folder)
            await folder_to_write_into(self.target, folder)
        except DibsError as exc:
            self._status(Content.styled(safe(exc.message), "$text-error"))
            return
        path.write_text(chosen.sql, encoding="utf-8")
        from ..core.review_record import take_record  # deferred (see the module docstring)

        try:  # the guard's record: migrate refuses if the live schema moves before it is applied
            await take_record(self.target, path, chosen.sql, self.context.settings.fingerprint_scope())
        except DibsError as exc:
            self.app.notify(
                safe(f"Wrote {path}, but no review record: {exc.message}"), severity="warning", markup=False
            )
            self.load_status()
            return
        self.app.notify(safe(f"Wrote {path}"), markup=False)
        self.load_status()
