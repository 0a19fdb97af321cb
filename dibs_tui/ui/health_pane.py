"""The Health tab: the schema's health findings (core.explore.health), grouped by level and check, with the
highlighted finding's object, why it matters and its source line on the right, and the SQL that fixes it
below. The checks run on a thread once the catalog is loaded (again after each reload while the tab is
shown, or when it is next entered), as `dibs-tui lint` runs them: the same statistics, read over a bounded
read-only session, and the same source lines.

Enter goes to the finding's table in Browse, `o` opens its source line, `f` writes its fix (`F`: every fix
at warning or above) to the migrations folder as a migration and shows it in the Migrations tab, where it is
reviewed and applied like any other. `r` reads the catalog again, then checks it.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widget import Widget
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from ..core.errors import DibsError
from ..core.explore.health import Finding, HealthReport, Level, health_report
from ..core.explore.health_fix import fix_migration
from ..core.explore.source_lines import SourceLines
from ..core.migrations.layouts import folder_to_write_into
from ..core.model import Catalog
from ..core.sqlescape import escape_sql
from .highlight import sql_lines
from .messages import HealthChecked, MigrationSent, OpenInBrowser, OpenSource
from .pane_context import PaneContext
from .text import data, safe
from .two_column_pane import TwoColumnPane
from .widgets.mark_list import FittedRow, MarkList, fitted_row
from .widgets.wrapped_static import WrappedStatic

STYLES = {Level.ERROR: "bold $text-error", Level.WARNING: "bold $text-warning", Level.INFO: "$text-muted"}


def shared_schema(findings: tuple[Finding, ...]) -> str | None:
    """The schema every finding's object is in, when they share one: said once in the status line, not on
    each row. In MusicBrainz (one schema, `musicbrainz`) 281 rows at 80 columns read `musicbrainz.a…_fk_medium`,
    one letter of their table left."""
    schemas = {f.subject.schema if f.subject is not None else None for f in findings}
    if len(schemas) != 1:
        return None
    schema = schemas.pop()
    return schema if schema is not None and all(f.object.startswith(f"{schema}.") for f in findings) else None


def finding_label(finding: Finding, schema: str | None = None) -> FittedRow:
    """One row: the object (without `schema`, which every row shares), the message, and whether a fix can be
    sent (`[f]`, always shown)."""
    name = finding.object.removeprefix(f"{schema}.") if schema is not None else finding.object
    return fitted_row(
        Content("  "),
        data(name, "bold"),
        Content.assemble("  ", data(finding.message, "$text-muted")),
        Content.styled("  [f]" if finding.fix and not finding.fix_is_template else "", "$text-success"),
    )


def grouped(findings: tuple[Finding, ...]) -> list[tuple[Content | FittedRow, Finding | None]]:
    """The list's rows: a heading for each level and check (most severe first), its findings under it."""
    rows: list[tuple[Content | FittedRow, Finding | None]] = []
    schema = shared_schema(findings)
    ordered = sorted(findings, key=lambda f: (-f.level, f.check, f.object))
    for i, finding in enumerate(ordered):
        if i == 0 or (finding.level, finding.check) != (ordered[i - 1].level, ordered[i - 1].check):
            count = sum(1 for f in ordered if (f.level, f.check) == (finding.level, finding.check))
            heading = Content.assemble(
                (f"{str(finding.level).upper():<8}", STYLES[finding.level]),
                (f"{finding.check} ({count})", "bold"),
            )
            rows.append((heading, None))
        rows.append((finding_label(finding, schema), finding))
    return rows


def finding_details(finding: Finding) -> Content:
    """The right panel: what, where, why, and where it is defined."""
    fields: list[tuple[str, Content]] = [
        ("level", Content.styled(str(finding.level), STYLES[finding.level])),
        ("check", data(finding.check)),
        ("object", data(finding.object, "bold")),
        ("what", data(finding.message)),
        ("why", data(finding.why, "italic")),
        (
            "source",
            data(str(finding.source), "$text-accent") + Content.styled("  (o opens it)", "$text-muted")
            if finding.source
            else Content.styled("no source line recorded", "$text-muted"),
        ),
    ]
    if finding.table is not None:
        goto = Content.styled("  (enter goes there)", "$text-muted")
        fields.append(("table", data(f"{finding.table[0]}.{finding.table[1]}") + goto))
    return Content("\n").join(
        Content.assemble((f"{label:<8}", "$text-muted"), value) for label, value in fields
    )


def fix_text(finding: Finding) -> Content:
    if not finding.fix:
        return Content.styled("No SQL fixes this by itself.", "$text-muted")
    lines = sql_lines(finding.fix)
    if finding.fix_is_template:
        note = "-- a template: it needs your words, so f does not send it"
        return Content("\n").join([Content.styled(note, "$text-warning"), *lines])
    return Content("\n").join(
        [Content.styled("-- f sends it to the migrations folder", "$text-success"), *lines]
    )


async def run_checks(context: PaneContext, catalog: Catalog) -> HealthReport:
    """What `dibs-tui lint` reports on the same database and project: the statistics read over a bounded
    read-only session while the catalog's checks run, each finding placed by the configured schema files.
    Parses those files: a thread's work."""
    from ..core.connect import connect
    from ..core.session import bounded, catalog_settings

    settings = context.settings
    lines = SourceLines.of_files(
        catalog, settings.source_paths(context.desired_spec()), settings.project_root
    )
    bounds = catalog_settings(settings.session_limits())
    conn = await connect(context.target, read_only=True, extra_settings=bounds)
    try:
        async with bounded(conn, "health statistics"):
            return await health_report(conn, catalog, lines if lines.files_read() else None)
    finally:
        await conn.close()


def write_fixes(context: PaneContext, catalog: Catalog, findings: list[Finding]) -> Path:
    """The fixes as `lint --write-fixes` writes them (with the meta updates `generate` would write, source
    lines from the configured schema files), never over a file that is there. Parses SQL files: a thread's."""
    from ..core.generate import locate_sources

    settings = context.settings
    sources = locate_sources(settings.source_paths(context.desired_spec()), settings.project_root)
    name, text = fix_migration(findings, catalog=catalog, sources=sources)
    folder = context.runs.run(folder_to_write_into(context.target, context.migrations_folder()))
    path = folder / f"{name}.sql"
    with path.open("x", encoding="utf-8") as out:
        out.write(escape_sql(text))
    return path


class HealthPane(TwoColumnPane):
    # At 80 columns the list's 2fr left 23 columns for a finding's object; its right panel is prose that
    # wraps, so the list takes 40 below ~100 columns (and a row too long for it is cut in its middle).
    DEFAULT_CSS = "HealthPane .pane-list { min-width: 40; }"
    ID = "health"
    LIST_ID = "health-findings"
    LOWER_ID = "health-fix"
    FIRST_STATUS = "Health: the checks run once the catalog is loaded."

    # Short in the footer, where at 80 columns the long ones left no room for `? Help`; the help and a mouse
    # hovering the key say the tooltip.
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "o", "open_source", "Open source", id="health.open_source", tooltip="Open the finding's source"
        ),
        Binding("f", "send_fix", "Send fix", id="health.send_fix", tooltip="Send the fix to Migrations"),
        Binding("F", "send_all", "Send all", id="health.send_all", tooltip="Send every fix (warning+)"),
        Binding(
            "r", "recheck", "Re-check", id="health.recheck", tooltip="Read the catalog again and re-check"
        ),
    ]

    def __init__(self, context: PaneContext, *, id: str | None = None) -> None:
        super().__init__(context, id=id)
        self.catalog: Catalog | None = None
        self.checked: Catalog | None = None  # the catalog the report (or the check running) is for
        self.report: HealthReport | None = None
        self.rows: list[Finding | None] = []
        self.unavailable: str | None = None  # why no check can run here (a SQLite file: no server to read)

    def compose_upper(self) -> ComposeResult:
        with VerticalScroll(id="health-info", classes="pane-upper"):
            yield WrappedStatic("", id="health-details")

    def on_mount(self) -> None:
        self.context.catalog_changed.subscribe(self, self._catalog_changed)

    @property
    def findings_list(self) -> MarkList:
        return self.query_one(f"#{self.LIST_ID}", MarkList)

    def _catalog_changed(self, catalog: Catalog) -> None:
        self.catalog = catalog
        if all(node.display for node in self.ancestors_with_self if isinstance(node, Widget)):
            self.activate()  # the tab is shown: check the new catalog now

    def activate(self) -> None:
        """The tab is shown: check the catalog if it was not checked yet."""
        if self.unavailable:
            self._status(Content(self.unavailable))
        elif self.catalog is None:
            self._status("Health: the checks run once the catalog is loaded…")
        elif self.checked is not self.catalog:
            self._check_now()
        self.findings_list.focus()

    def action_recheck(self) -> None:
        """Read the catalog again (the browser's refresh), and check what it reads: an index added in psql
        meanwhile was not seen when the checks ran again on the catalog read at start. The report shown
        stays until the new one is in; a read that fails says so, the old report kept."""
        if self.catalog is not None:
            self.context.schema_changed()

    def _check_now(self) -> None:
        assert self.catalog is not None
        self.checked = self.catalog
        self._status("checking… (the index statistics and every check)")
        self._check(self.context, self.catalog)

    @work(thread=True, exclusive=True, group="health", description="health checks")
    def _check(self, context: PaneContext, catalog: Catalog) -> None:
        try:
            report = asyncio.run(run_checks(context, catalog))
        except DibsError as exc:
            self.post_message(HealthChecked(catalog, None, str(exc)))
            return
        except Exception as exc:  # a dropped connection, a refused statistics view: one line
            self.post_message(HealthChecked(catalog, None, f"{type(exc).__name__}: {exc}".splitlines()[0]))
            return
        self.post_message(HealthChecked(catalog, report))

    @on(HealthChecked)
    def _checked(self, message: HealthChecked) -> None:
        if message.catalog is not self.checked:
            return  # a check of an older catalog
        if message.report is None:
            self._status(
                Content.assemble(data(f"cannot check: {message.error}", "$text-error"), " (r checks again)")
            )
            return
        report = self.report = message.report
        rows = grouped(report.findings)
        self.rows = [finding for _, finding in rows]
        findings = self.findings_list
        findings.clear_options()
        findings.add_options(Option(label, disabled=finding is None) for label, finding in rows)
        findings.highlight_first()
        done, total = report.total_coverage
        counts = {level: sum(1 for f in report.findings if f.level is level) for level in Level}
        schema = shared_schema(report.findings)
        self._status(
            Content.assemble(
                ("Health  ", "bold"),
                ", ".join(f"{level}: {counts[level]:,}" for level in reversed(Level)),
                data(f"   findings in schema {schema}" if schema is not None else ""),
                f"   documentation {done:,} of {total:,}"
                + (f" ({100 * done / total:.0f} %)" if total else ""),
                f"   index statistics {report.stats_age}",
                (
                    "\nenter goes to the table · o opens the source · f sends the fix to Migrations",
                    "$text-muted",
                ),
            )
        )
        if not report.findings:
            self.query_one("#health-details", Static).update("Nothing to report.")
            self.query_one(f"#{self.LOWER_ID}", Static).update("")

    def selected(self) -> Finding | None:
        index = self.findings_list.highlighted
        return self.rows[index] if index is not None and index < len(self.rows) else None

    @on(OptionList.OptionHighlighted, "#health-findings")
    def _highlighted(self) -> None:
        finding = self.selected()
        if finding is not None:
            self.query_one("#health-details", Static).update(finding_details(finding))
            self.query_one(f"#{self.LOWER_ID}", Static).update(fix_text(finding))

    @on(OptionList.OptionSelected, "#health-findings")
    def _chosen(self) -> None:
        finding = self.selected()
        if finding is not None and finding.table is not None:
            self.post_message(OpenInBrowser(*finding.table))

    def action_open_source(self) -> None:
        finding = self.selected()
        if finding is not None:
            self.post_message(OpenSource(f"{finding.check} {finding.object}", finding.source))

    def action_send_fix(self) -> None:
        finding = self.selected()
        if finding is not None:
            self._write([finding])

    def action_send_all(self) -> None:
        if self.report is not None:
            self._write(list(self.report.at_least(Level.WARNING)))

    def _write(self, findings: list[Finding]) -> None:
        if self.checked is not None:
            self._write_worker(self.checked, findings)

    @work(thread=True, exclusive=True, group="health-fix", description="write health fixes")
    def _write_worker(self, catalog: Catalog, findings: list[Finding]) -> None:
        """The fixes as a migration file, then the Migrations tab shows it (or a line says why not)."""
        try:
            path = write_fixes(self.context, catalog, findings)
        except DibsError as exc:
            self.post_message(MigrationSent(None, exc.message))
            return
        except OSError as exc:
            self.post_message(
                MigrationSent(
                    None, f"not written: {exc.strerror or type(exc).__name__}: {exc.filename or ''}"
                )
            )
            return
        self.post_message(MigrationSent(path))

    @on(MigrationSent)
    def _sent(self, message: MigrationSent) -> None:
        if message.path is None:
            message.stop()  # the app need not switch tabs: nothing was written
            self.notify(safe(message.error), severity="error", markup=False)
