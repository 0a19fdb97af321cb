"""`H`: the schema's health findings (core.explore.health) with their source lines. The statistics are read
on a thread over a bounded read-only session; enter goes to the finding's table (where `o` opens its
source), `f` sends the highlighted finding's fix to the migrations folder as a migration file (then `m`
reviews and applies it like any other), `F` all fixes at warning or above."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from ...core.errors import DibsError
from ...core.explore.health import Finding, HealthReport, Level, check_health
from ...core.explore.health_facts import HealthFacts, read_health_facts
from ...core.explore.health_fix import fix_migration
from ...core.model import Catalog
from ...core.sqlescape import escape_sql
from ..navigation import Location
from ..pane_context import PaneContext
from ..text import data
from .base import ExplorerScreen

_STYLES = {Level.ERROR: "bold $text-error", Level.WARNING: "bold $text-warning", Level.INFO: "$text-muted"}


@dataclass
class HealthChecked(Message):
    report: HealthReport | None
    error: str = ""


def finding_prompt(finding: Finding) -> Content:
    """Two lines: level, check, object and source; then the message and whether a fix can be sent."""
    head = Content.assemble(
        (f"{str(finding.level).upper():<8}", _STYLES[finding.level]),
        (f"{finding.check:<30}", "bold"),
        data(finding.object),
        *([Content.styled("  ", ""), data(str(finding.source), "$text-accent")] if finding.source else []),
    )
    fix = "  [f: send fix]" if finding.fix and not finding.fix_is_template else ""
    return Content("\n").join(
        [head, Content.assemble("        ", data(finding.message), (fix, "$text-success"))]
    )


async def _read(context: PaneContext) -> HealthFacts:
    from ...core.connect import connect
    from ...core.session import bounded, catalog_settings

    bounds = catalog_settings(context.settings.session_limits())
    conn = await connect(context.target, read_only=True, extra_settings=bounds)
    try:
        async with bounded(conn, "health statistics"):
            return await read_health_facts(conn)
    finally:
        await conn.close()


class HealthScreen(ExplorerScreen):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f", "send_fix", "Send fix to migrations", id="health.send_fix"),
        Binding("F", "send_all", "Send all fixes (warning+)", id="health.send_all"),
        Binding("r", "recheck", "Re-check", id="health.recheck"),
    ]

    DEFAULT_CSS = "HealthScreen OptionList { height: 1fr; }"

    def __init__(self, context: PaneContext, catalog: Catalog) -> None:
        super().__init__()
        self.context = context
        self.catalog = catalog
        self.report: HealthReport | None = None

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static("Health", id="health-title", classes="explorer-title")
            yield OptionList(id="health-findings")
            yield Static("checking…", id="health-status", classes="explorer-status")

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()
        self._check(self.context, self.catalog)

    def action_recheck(self) -> None:
        self.query_one("#health-status", Static).update("checking…")
        self._check(self.context, self.catalog)

    @work(thread=True, exclusive=True, group="health", description="health checks")
    def _check(self, context: PaneContext, catalog: Catalog) -> None:
        facts: list[HealthFacts] = []

        async def read() -> None:
            facts.append(await _read(context))

        try:
            asyncio.run(read())
        except DibsError as exc:
            self.post_message(HealthChecked(None, str(exc)))
            return
        except Exception as exc:  # a dropped connection, a refused statistics view: one line
            self.post_message(HealthChecked(None, f"{type(exc).__name__}: {exc}".splitlines()[0]))
            return
        self.post_message(HealthChecked(check_health(catalog, facts[0])))

    @on(HealthChecked)
    def _checked(self, message: HealthChecked) -> None:
        status = self.query_one("#health-status", Static)
        if message.report is None:
            status.update(data(f"cannot read the statistics: {message.error}", "$text-error"))
            return
        self.report = message.report
        findings = self.query_one(OptionList)
        findings.clear_options()
        findings.add_options(Option(finding_prompt(f)) for f in message.report.findings)
        done, total = message.report.total_coverage
        counts = {level: sum(1 for f in message.report.findings if f.level is level) for level in Level}
        self.query_one("#health-title", Static).update(
            Content.assemble(
                ("Health  ", "bold"),
                ", ".join(f"{counts[level]} {level}" for level in reversed(Level)),
                f"   documentation {done} of {total}" + (f" ({100 * done / total:.0f} %)" if total else ""),
                f"   index statistics {message.report.stats_age}",
            )
        )
        status.update(
            "enter goes to the table (o opens its source) · f sends a fix to the migrations folder · escape closes"
        )

    def _highlighted(self) -> Finding | None:
        index = self.query_one(OptionList).highlighted
        if self.report is None or index is None or index >= len(self.report.findings):
            return None
        return self.report.findings[index]

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        finding = self._highlighted()
        if finding is not None and finding.table is not None:
            self.dismiss(Location(*finding.table))

    def action_send_fix(self) -> None:
        finding = self._highlighted()
        if finding is not None:
            self._write([finding])

    def action_send_all(self) -> None:
        if self.report is not None:
            self._write(list(self.report.at_least(Level.WARNING)))

    def _write(self, findings: list[Finding]) -> None:
        try:
            name, text = fix_migration(findings, catalog=self.catalog)  # with generate's meta updates
            folder = self.context.migrations_folder()
            path = folder / f"{name}.sql"
            if path.exists():
                raise DibsError(f"{path} already exists")
            folder.mkdir(parents=True, exist_ok=True)
            path.write_text(escape_sql(text), encoding="utf-8")
        except (DibsError, OSError) as exc:
            self.notify(str(exc).splitlines()[0], severity="error", markup=False)
            return
        self.notify(f"wrote {path}: review and apply it in Migrations (m)", timeout=6, markup=False)
