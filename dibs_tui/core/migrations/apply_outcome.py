"""What an apply tells its caller: progress events, the result, and failures that say exactly what committed.

The CLI and the Migrations pane show these messages as they are (after escaping control characters): every
sentence about what stayed and what did not is written here, once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg

from ..errors import DibsError
from ..sql import requoted
from ..terminal import safe, wrap_prose
from .apply_record import PartialApply
from .files import MigrationFile, Statement, validation
from .segments import SegmentPlan, first_segments


@dataclass(frozen=True)
class ApplyEvent:
    """Progress: `kind` is warning (the folder and the history disagree: an applied file changed or gone, a
    pending one out of order), waiting-for-lock, locked, migration, resume, segment, statement, progress (an index
    build's phase and how far it is), retry (a lock_timeout, tried again after a wait), applied, failed or
    interrupted (the run was cancelled: the message says what committed)."""

    kind: str
    message: str
    migration: str = ""
    index: int = 0  # 1-based migration number in this run
    total: int = 0
    statement: int = 0  # 1-based statement number within the migration
    statements: int = 0
    elapsed_ms: int = 0


ProgressCallback = Callable[[ApplyEvent], None]


@dataclass(frozen=True)
class PendingMigration:
    """A migration about to run: its file, its segments, and its partial record if an earlier run left one."""

    file: MigrationFile
    plan: SegmentPlan
    partial: PartialApply | None = None

    @property
    def resume_at(self) -> int:
        """The 1-based segment this run starts with."""
        return self.partial.resume_at if self.partial is not None and self.partial.committed else 1

    def describe(self, limit: int | None = None) -> list[str]:
        """The segments (up to `limit`), and where a resumed migration starts (nothing for an atomic fresh one)."""
        lines = self.plan.describe(limit)
        if self.resume_at > 1 and self.partial is not None:
            when = f" on {self.partial.recorded_at:%Y-%m-%d %H:%M:%S %Z}" if self.partial.recorded_at else ""
            lines.append(
                f"resumes at segment {self.resume_at}: {self.plan.span(1, self.resume_at - 1)} committed{when}"
            )
        return lines


@dataclass(frozen=True)
class AppliedMigration:
    name: str
    execution_time_ms: int
    tables_created: tuple[str, ...] = ()
    tables_modified: tuple[str, ...] = ()
    tables_dropped: tuple[str, ...] = ()


@dataclass
class ApplyResult:
    applied: list[AppliedMigration] = field(default_factory=list)
    pending_before: int = 0


def caret_excerpt(sql: str, position: int | None) -> str:
    """The statement with a caret under the offending character (psql style); `position` is 1-based."""
    lines = sql.splitlines() or [sql]
    if not position:
        return "\n".join(lines)
    offset = position - 1
    before = sql[:offset]
    row = before.count("\n")
    col = offset - (before.rfind("\n") + 1)
    shown = [*lines[: row + 1], " " * col + "^", *lines[row + 1 :]]
    return "\n".join(shown)


def drop_statement(index: str) -> str:
    """The statement that removes the INVALID index `index` (as the server's quote_ident wrote it)."""
    return f"DROP INDEX CONCURRENTLY {requoted(index)};"


def not_run(plan: SegmentPlan, after: int) -> str:
    """`segment 4 not run` / `segments 4-6 not run` for the segments after `after` ('' when none)."""
    total = len(plan.segments)
    if after >= total:
        return ""
    return f"segment {total} not run" if after + 1 == total else f"segments {after + 1}-{total} not run"


class InvalidIndexKept(Exception):
    """`CREATE INDEX ... IF NOT EXISTS` skipped over an INVALID index of its name: reported as that statement's
    failure (the attributes MigrationFailed reads of a server error)."""

    sqlstate = None
    position = None
    detail = None

    def __init__(self, index: str) -> None:
        self.message = (
            f"IF NOT EXISTS skipped the build: the index {requoted(index)} exists but is INVALID (a failed build "
            "left it), "
            "so it enforces and serves nothing"
        )
        self.hint = f"drop it ({drop_statement(index)}) and migrate again: the rerun builds it"
        super().__init__(self.message)


class ApplyRefused(DibsError):
    """Nothing ran: a migration cannot be applied or resumed as it stands (the message says why and what to do)."""


class MigrationFailed(DibsError):
    """A statement failed; carries where and why, and what of the migration stayed committed."""

    def __init__(
        self,
        migration: str,
        file: Path,
        statement: Statement,
        exc: asyncpg.PostgresError | InvalidIndexKept,
        applied_before: Sequence[str],
        committed_through: int = 0,
        *,
        plan: SegmentPlan | None = None,
        segment: int = 0,
        committed: int = 0,
        leftovers: Sequence[str] = (),
        recorded_in: str = "",
        blocked: str = "",
    ) -> None:
        self.migration = migration
        self.file = file
        self.statement = statement
        self.plan = plan
        self.segment = segment  # the failed segment (1-based; 0 when there is no plan)
        self.committed = committed  # segments 1..committed stay committed
        self.leftovers = tuple(leftovers)  # INVALID indexes the failure left behind
        self.recorded_in = recorded_in  # the segments table holding the partial record
        self.blocked = blocked  # after a lock_timeout: how often it was tried, and who held the lock
        if plan is not None and committed:
            committed_through = plan.segments[committed - 1].last_line
        # The last line of this migration whose effect stays despite the failure (0: nothing stays).
        self.committed_through = committed_through
        # What the server said, escaped once here: its DETAIL quotes a row's value as it is, a newline too,
        # which would start a line of the report of its own.
        self.pg_message = safe(str(getattr(exc, "message", None) or exc))
        self.detail = _said(getattr(exc, "detail", None))
        self.pg_hint = _said(getattr(exc, "hint", None))
        self.sqlstate = getattr(exc, "sqlstate", None)
        raw = getattr(exc, "position", None)
        self.position = int(raw) if raw else None
        self.applied_before = tuple(applied_before)
        line = statement.line
        if self.position:
            line += statement.text[: self.position - 1].count("\n")
        self.line = line
        super().__init__(self.report())

    def headline(self) -> str:
        """One line: what committed, what failed (with PostgreSQL's message), what did not run."""
        plan = self.plan
        if plan is None or plan.atomic or not self.segment:
            if self.committed_through:
                return (
                    f"migration {self.migration} failed and was rolled back only after line "
                    f"{self.committed_through}: a statement run outside a transaction committed everything up to it"
                )
            return f"migration {self.migration} failed and was rolled back: nothing of it was committed"
        seg = plan.segments[self.segment - 1]
        parts = [f"{plan.span(1, self.committed)} committed" if self.committed else "nothing of it committed"]
        what = "failed" if seg.alone else "failed and was rolled back"
        error = self.pg_message + (f" ({self.detail})" if self.detail else "")
        parts.append(f"segment {seg.number} ({seg.summary()}, line {self.line}) {what}: {error}")
        if rest := not_run(plan, self.segment):
            parts.append(rest)
        return f"migration {self.migration} partially applied: " + "; ".join(parts)

    def still_not_valid(self) -> str:
        """A failed segment that only validated a constraint leaves it in place, NOT VALID: said, with what a
        rerun does ('' for any other failure)."""
        if self.plan is None or not self.segment:
            return ""
        seg = self.plan.segments[self.segment - 1]
        checked = validation(seg.statements[0].text) if len(seg.statements) == 1 else None
        if checked is None:
            return ""
        of = f"of domain {checked.target}" if checked.on == "domain" else f"on {checked.target}"
        return (
            f"the constraint {checked.constraint} {of} stays NOT VALID: it holds for rows written from now on, "
            "the rows already there are not checked; correct the rows that violate it and migrate again: "
            f"the rerun resumes at segment {seg.number}, this VALIDATE"
        )

    def next_step(self) -> list[str]:
        lines = [f"lock wait: {self.blocked}"] if self.blocked else []
        if self.sqlstate == "57014" and "statement timeout" in self.pg_message:
            lines.append(
                "the session's statement_timeout cut it short (set on the server for this role or database, "
                "or in the connection's options): a migration that needs longer says so at its top, as in "
                "SET statement_timeout = '30min';"
            )
        if stays := self.still_not_valid():
            lines.append(stays)
        lines += [
            f"left behind: the INVALID index {requoted(name)}; clean it with: {drop_statement(name)}"
            for name in self.leftovers
        ]
        if self.committed or self.leftovers:
            where = f" (kept in {self.recorded_in})" if self.recorded_in else ""
            resume = f"segment {self.committed + 1}"
            keep = (
                f"; {first_segments(self.committed)} must stay as written in the file (a change there is "
                "refused), what follows may be corrected"
                if self.committed
                else ""
            )
            lines.append(
                f"a rerun resumes at {resume}{where}"
                + (" once the INVALID index is dropped" if self.leftovers else "")
                + keep
            )
        return lines

    def server_lines(self, where: str) -> list[str]:
        """What PostgreSQL said, as it said it: the error at `where` (file:line), its detail and its hint."""
        lines = [f"{where}: ERROR: {self.pg_message}" + (f" [{self.sqlstate}]" if self.sqlstate else "")]
        if self.detail:
            lines.append(f"DETAIL: {self.detail}")
        if self.pg_hint:
            lines.append(f"HINT: {self.pg_hint}")
        return lines

    def report(self, width: int | None = None) -> str:
        """What failed and what to do, wrapped to `width` (a terminal's); the statement as written, its caret
        under the column the server named."""

        def prose(lines: list[str]) -> list[str]:
            return [part for line in lines for part in wrap_prose(line, width, 4)]

        parts = prose([self.headline(), *self.server_lines(f"{self.file}:{self.line}")])
        parts.append("statement:")
        parts += ["    " + line for line in caret_excerpt(self.statement.text, self.position).splitlines()]
        parts += prose(self.next_step())
        return "\n".join(parts)


def _said(text: str | None) -> str | None:
    return safe(text) if text else None


class ConnectionLost(DibsError):
    """The connection to the server ended during an apply (or an error outside the migration's statements
    stopped it); the message says what committed, as far as known."""

    def __init__(
        self,
        message: str,
        *,
        migration: str = "",
        applied_before: Sequence[str] = (),
        partial: bool = False,
        hint: str | None = None,
    ) -> None:
        super().__init__(
            message, hint=hint or "migrate again once the server is back: it resumes from what committed"
        )
        self.migration = migration
        self.applied_before = tuple(applied_before)
        # Part of the migration stays (committed segments, an INVALID index), or nobody could tell.
        self.partial = partial
