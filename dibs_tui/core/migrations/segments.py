"""A migration cut into segments: what commits together, decided before anything runs.

A segment is either one transaction of consecutive statements, or one statement that cannot run inside a
transaction (`CREATE INDEX CONCURRENTLY`, `VACUUM`, `ALTER SYSTEM`, ...) run alone in autocommit. A migration
of one segment is atomic; one of several is not: each segment commits on its own, in order, and the apply
records each commit so that a failure says exactly what stayed and a rerun resumes after it.

`ALTER TYPE ... ADD VALUE` also runs alone: since PostgreSQL 12 it is accepted inside a transaction, but the
new label cannot be used before that transaction commits, so a migration that adds a label and then uses it
only works if the label is committed first. So does a `REINDEX` or `CLUSTER` of one table or index: refused in
a transaction for a partitioned one, which the text cannot tell; either changes no schema, so committing it
apart leaves nothing a later failure would need undone (in a written `BEGIN` block it stays, as written).

`BEGIN` / `COMMIT` written in the file (Alembic offline SQL, hand-written scripts) are honoured as segment
boundaries, never sent: `BEGIN` starts a segment that ends at the next `COMMIT` (or at the end of the file),
so a block the author wrote as one transaction stays one. Statements outside any block are grouped with their
transactional neighbours. A statement that cannot run in a transaction inside a written `BEGIN` block is
refused before anything runs, as PostgreSQL would refuse it there; so is `ROLLBACK` / `ABORT` (and the
two-phase `... PREPARED`), which would end our transaction and undo the segment while we record it committed.

Splitting and the statement kinds come from `files.py` (split_statements, is_transaction_control,
runs_outside_transaction): one reading of SQL for the whole tool.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import DibsError
from .files import (
    Statement,
    Validation,
    alone_if_partitioned,
    checksum,
    is_transaction_control,
    runs_outside_transaction,
    split_statements,
    strip_comments,
    validation,
)

_SUMMARY_WIDTH = 60


class PlanError(DibsError):
    """The file cannot be cut into segments that PostgreSQL would run; nothing of it runs."""


def first_segments(count: int) -> str:
    """`segment 1` / `segments 1-3`: the first `count` segments, as the messages about a resume name them."""
    return "segment 1" if count == 1 else f"segments 1-{count}"


def statement_summary(text: str) -> str:
    """The statement on one line, comments dropped, cut to a readable width (`CREATE INDEX CONCURRENTLY ...`)."""
    flat = strip_comments(text)
    return flat if len(flat) <= _SUMMARY_WIDTH else flat[: _SUMMARY_WIDTH - 1].rstrip() + "…"


def validating_note(checked: Validation) -> str:
    """What a VALIDATE in a segment of its own gains: what preceded it (its ADD ... NOT VALID) has committed,
    so only the validation's own lock is held while it reads the rows."""
    if checked.on == "domain":
        return (
            f"validates {checked.constraint} of domain {checked.target} apart, after what precedes it committed: "
            "PostgreSQL 18 holds SHARE on the domain's tables meanwhile (writes wait, reads go on); if it "
            "fails, the constraint stays NOT VALID"
        )
    return (
        f"validates {checked.constraint} on {checked.target} apart, after what precedes it committed: "
        "SHARE UPDATE EXCLUSIVE only, writes go on; if it fails, the constraint stays NOT VALID"
    )


def _adds_enum_value(text: str) -> bool:
    words = strip_comments(text).upper().split()
    return words[:2] == ["ALTER", "TYPE"] and "ADD" in words and "VALUE" in words


def _ends_ours(text: str) -> bool:
    """ROLLBACK / ABORT / ... PREPARED: would end the transaction we run a segment in, silently undoing it."""
    upper = text.upper()
    if "ROLLBACK" not in upper and "ABORT" not in upper and "PREPARED" not in upper:
        return False  # the common case, without stripping comments from every statement of a large file
    words = strip_comments(text).upper().split()
    if not words or words[0] not in ("ROLLBACK", "ABORT", "COMMIT"):
        return False
    if "PREPARED" in words[1:2]:
        return True
    return words[0] != "COMMIT" and "TO" not in words[1:3]  # ROLLBACK TO SAVEPOINT stays inside


def _opens_block(text: str) -> bool:
    words = strip_comments(text).upper().split()
    return bool(words) and words[0] in ("BEGIN", "START")


@dataclass(frozen=True)
class Segment:
    """Consecutive statements that commit together; `first` is the 1-based number of its first statement."""

    number: int
    statements: tuple[Statement, ...]
    first: int
    alone: bool  # one statement run in autocommit
    written_block: bool = False  # a BEGIN ... COMMIT block of the file

    @property
    def last(self) -> int:
        return self.first + len(self.statements) - 1

    @property
    def first_line(self) -> int:
        return self.statements[0].line

    @property
    def last_line(self) -> int:
        stmt = self.statements[-1]
        return stmt.line + stmt.text.rstrip().count("\n")

    @property
    def kind(self) -> str:
        return "alone, autocommit" if self.alone else "one transaction"

    @property
    def checksum(self) -> str:
        """sha256 of the statements it runs: what a resume checks of a committed segment (the rest of the file
        may have been corrected since)."""
        return checksum("\n;\n".join(stmt.text for stmt in self.statements))

    @property
    def note(self) -> str:
        """Why the segment runs alone, when that is surprising."""
        if self.alone and _adds_enum_value(self.statements[0].text):
            return "the new enum label can only be used once committed"
        if self.alone and alone_if_partitioned(self.statements[0].text):
            return "PostgreSQL refuses it in a transaction for a partitioned table; it changes no schema"
        if len(self.statements) == 1 and (checked := validation(self.statements[0].text)) is not None:
            return validating_note(checked)
        return ""

    def summary(self) -> str:
        """What the segment is, in one line: its statement when alone, else its first statement and a count."""
        head = statement_summary(self.statements[0].text)
        if len(self.statements) == 1:
            return head
        return f"{head} and {len(self.statements) - 1} more"

    def where(self) -> str:
        """`statements 3-5, lines 10-22` (singular forms for one)."""
        statements = (
            f"statement {self.first}" if self.first == self.last else f"statements {self.first}-{self.last}"
        )
        lines = (
            f"line {self.first_line}"
            if self.first_line == self.last_line
            else (f"lines {self.first_line}-{self.last_line}")
        )
        return f"{statements}, {lines}"


@dataclass(frozen=True)
class SegmentPlan:
    """A migration's segments in order; `statements` counts the statements that run (BEGIN/COMMIT excluded)."""

    segments: tuple[Segment, ...]
    statements: int

    @property
    def atomic(self) -> bool:
        return len(self.segments) <= 1

    def span(self, first: int, last: int) -> str:
        """`segments 1-2 of 4 (statements 1-5, lines 1-30)` for segments first..last (1-based)."""
        chosen = self.segments[first - 1 : last]
        numbers = f"segment {first}" if first == last else f"segments {first}-{last}"
        a, b = chosen[0], chosen[-1]
        statements = f"statement {a.first}" if a.first == b.last else f"statements {a.first}-{b.last}"
        lines = (
            f"line {a.first_line}" if a.first_line == b.last_line else f"lines {a.first_line}-{b.last_line}"
        )
        return f"{numbers} of {len(self.segments)} ({statements}, {lines})"

    def describe(self, limit: int | None = None) -> list[str]:
        """One line per segment, for dry runs, confirmations and previews (nothing for an atomic migration);
        past `limit` segments, one line sums up the rest."""
        if self.atomic:
            return []
        lines = [
            f"not atomic: {len(self.segments)} segments, each committed on its own, in order; a failure keeps "
            "the segments before it and a rerun resumes after them"
        ]
        shown = self.segments if limit is None else self.segments[:limit]
        for seg in shown:
            line = f"segment {seg.number} ({seg.kind}, {seg.where()}): {seg.summary()}"
            if seg.note:
                line += f" ({seg.note})"
            lines.append(line)
        if len(shown) < len(self.segments):
            rest = len(self.segments) - len(shown)
            lines.append(f"… and {rest} more: {self.span(len(shown) + 1, len(self.segments))}")
        return lines


def plan_segments(text: str, file: str = "<sql>", *, transactional: bool = True) -> SegmentPlan:
    """Cut a migration into segments (see the module docstring for the rules). A file that asks to run
    without a transaction (`transactional=False`: goose NO TRANSACTION, dbmate transaction:false) runs every
    statement alone, as those tools do."""
    segments: list[Segment] = []
    current: list[Statement] = []
    first = 1  # number of current[0]
    in_block = False
    block_line = 0
    count = 0

    def close(*, alone: bool = False, written: bool = False) -> None:
        if current:
            segments.append(Segment(len(segments) + 1, tuple(current), first, alone, written))
            current.clear()

    for stmt in split_statements(text, file):
        if _ends_ours(stmt.text):
            raise PlanError(
                f"{file}:{stmt.line}: {statement_summary(stmt.text)} would end the transaction a segment runs in "
                "and silently undo it: a migration cannot roll itself back",
                hint="remove it; a failing statement already rolls its segment back",
            )
        if is_transaction_control(stmt.text):
            if _opens_block(stmt.text):
                if not in_block:
                    close()
                    in_block, block_line = True, stmt.line
            else:
                close(written=in_block)
                in_block = False
            continue
        count += 1
        inherent = runs_outside_transaction(stmt.text)
        if inherent and in_block and alone_if_partitioned(stmt.text):
            inherent = False  # as written: review says whether PostgreSQL refuses it there
        if inherent and in_block:
            why = (
                "migrate runs it alone, committed, since the label it adds cannot be used before its "
                "transaction commits (PostgreSQL accepts it in one)"
                if _adds_enum_value(stmt.text)
                else "PostgreSQL refuses it in a transaction"
            )
            raise PlanError(
                f"{file}:{stmt.line}: {statement_summary(stmt.text)} cannot run inside the BEGIN block "
                f"opened at line {block_line}: {why}",
                hint="move it after that block's COMMIT (or end the block before it)",
            )
        # Without a transaction, every statement outside a written block runs alone (goose, dbmate).
        alone = inherent or (not transactional and not in_block)
        if alone:
            close()
        if not current:
            first = count
        current.append(stmt)
        if alone:
            close(alone=True)
    close(written=in_block)
    return SegmentPlan(tuple(segments), count)
