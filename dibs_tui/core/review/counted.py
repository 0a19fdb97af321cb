"""What a count on live data found: how many rows, one example key, and how sure (counted, estimated from a
sample, or not counted and why); `observed` turns it into the hazard the review reports."""

from __future__ import annotations

from dataclasses import dataclass

from .report import Hazard


@dataclass(frozen=True)
class RowCount:
    rows: int | None  # None: not counted (see `not_counted`)
    example: str = ""  # one key of a row it found, "(id)=(42)", control characters escaped
    sampled: int | None = None  # the table was too large: counted in a TABLESAMPLE of this many rows
    at_least: bool = False  # a sample finds pairs or groups only among the rows it read
    bytes: int | None = None  # what a drop loses, as stored
    not_counted: str = ""

    def rows_text(self, noun: str = "row") -> str:
        """'3 rows', '~1,200 rows, estimated from 5,000 sampled rows', 'at least 2 ...'."""
        n = self.rows or 0
        text = f"{n:,} {noun}{'s' if n != 1 else ''}"
        if self.sampled is None:
            return text
        if self.at_least:
            return f"at least {text} (found in a sample of {self.sampled:,} rows)"
        return f"~{text} (estimated from {self.sampled:,} rows)"

    def example_text(self) -> str:
        return f" (e.g. {self.example})" if self.example else ""


def size(n: float) -> str:
    """Bytes as a person reads them: 812 bytes, 48.0 kB, 1.2 GB."""
    for unit in ("bytes", "kB", "MB"):
        if n < 1024:
            return f"{n:,.0f} {unit}" if unit == "bytes" else f"{n:,.1f} {unit}"
        n /= 1024
    return f"{n:,.1f} GB"


def observed(kind: str, message: str, found: RowCount | None = None) -> Hazard:
    """A hazard from a count on the live data (the server showed it), with what the count found."""
    if found is None:
        return Hazard(kind, message, "observed")
    return Hazard(
        kind,
        message,
        "observed",
        count=found.rows,
        example=found.example,
        estimated_from=found.sampled,
        lost_bytes=found.bytes,
        not_counted=found.not_counted,
    )


def unproven(kind: str, what: str, table: str, found: RowCount, consequence: str) -> list[Hazard]:
    """None found: nothing to report after a full count, but a sample proves nothing (a rare duplicate or
    orphan is easily missed), so say what was read and what would follow."""
    if found.sampled is None:
        return []
    return [
        observed(
            kind,
            f"no {what} found in a sample of {found.sampled:,} rows of {table} (too large to count in full "
            f"within the time limit): {consequence}",
            found,
        )
    ]


def from_count(
    kind: str, found: RowCount, table: str, consequence: str, *, uncounted: str, unseen: str, seen: str
) -> list[Hazard]:
    """A count's hazards, the one way each check reads its count: not made (`uncounted`, why, and
    `consequence`), none found (said only of a sample: `unseen`), or `seen` with what it found."""
    if found.rows is None:
        return [not_counted(kind, uncounted, found.not_counted, consequence)]
    if not found.rows:
        return unproven(kind, unseen, table, found, consequence)
    return [observed(kind, seen, found)]


def not_counted(kind: str, what: str, why: str, consequence: str) -> Hazard:
    """A count the review did not make (an expression it may not evaluate, a timeout): why, and what follows."""
    return uncounted(kind, f"{what} not counted ({why}): {consequence}", why)


def uncounted(kind: str, message: str, why: str) -> Hazard:
    """A hazard the review could not count (`why`): inferred from the statement, since nothing on the server
    showed it; a count the server refused by raising (a division by zero on a row) is `observed`."""
    return Hazard(kind, message, "inferred", not_counted=why)


def raised(kind: str, message: str) -> Hazard:
    """The server raised evaluating the statement's own expression on a row there now (a division by zero, a
    value that does not convert): it stops at the first such row, so at least one row makes the statement
    fail, as certain as a counted one (migrate refuses to start it)."""
    return observed(kind, message, RowCount(1))
