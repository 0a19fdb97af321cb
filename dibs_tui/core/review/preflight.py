"""Before a generated migration is used: the statements the rows there now make fail, counted on the live data
(the review's counts, no trace), each with what to do. `generate` says them at once; the file is written as
generated, never changed behind the user's back."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import asyncpg

from ..connect import ConnectionTarget
from ..errors import DibsError
from ..migrations.files import validation
from ..sql import quote_ident
from .report import Review
from .run import review_text

FAILS = "fails-on-existing-data"


@dataclass(frozen=True)
class Failure:
    line: int
    statement: str  # its first line, as written
    message: str  # the count: "14 rows of public.issues have reporter_id NULL: SET NOT NULL fails (e.g. ...)"
    hint: str

    def lines(self, file: str) -> list[str]:
        return [
            f"this migration will fail at {file}:{self.line}: {self.statement}",
            f"    {self.message}",
            f"    {self.hint}",
        ]


@dataclass(frozen=True)
class Preflight:
    failures: tuple[Failure, ...]
    unchecked: int  # checks that could not count (a timeout, an expression not evaluated): `review` says why

    def lines(self, file: str) -> list[str]:
        out = [line for f in self.failures for line in f.lines(file)]
        if self.failures:
            out.append("migrate would fail on it as the rows are now (dibs-tui review shows every count)")
        if self.unchecked:
            checks = "check" if self.unchecked == 1 else "checks"
            out.append(
                f"{self.unchecked} {checks} on the live rows could not count (dibs-tui review {file} says why)"
            )
        return out


def _set_not_null(sql: str) -> tuple[str, list[str]] | None:
    """The table and columns an ALTER TABLE ... SET NOT NULL names, quoted for SQL; None for any other statement."""
    import pglast

    try:
        [raw] = pglast.parse_sql(sql)
    except Exception:  # not one statement: the generic hint
        return None
    node: Any = raw.stmt
    if type(node).__name__ != "AlterTableStmt":
        return None
    columns = [
        quote_ident(str(c.name))
        for c in node.cmds or ()
        if str(getattr(c.subtype, "name", "")) == "AT_SetNotNull"
    ]
    if not columns:
        return None
    rel = node.relation
    table = ".".join(quote_ident(str(p)) for p in (rel.schemaname, rel.relname) if p)
    return table, columns


def _hint(sql: str) -> str:
    text = " ".join(sql.upper().split())
    edit = "edit the migration (it was written as generated)"
    named = _set_not_null(sql)
    if named is not None:
        table, columns = named
        fills = "; ".join(f"UPDATE {table} SET {c} = ... WHERE {c} IS NULL" for c in columns)
        return (
            f"fill those rows before it runs: {edit} to add {fills} before this statement, or give the column a "
            "DEFAULT, or keep it nullable in the desired schema"
        )
    if validation(sql) is not None:  # generate --concurrently: the ADD ... NOT VALID before it commits
        return (
            "fix those rows first: as they are, this VALIDATE fails and the constraint stays NOT VALID (checked "
            "on new rows, not on these); once they are fixed, migrate again resumes at it"
        )
    if "NOT NULL" in text:
        return f"fill the NULLs before it runs ({edit} to add an UPDATE before this statement), or give it a DEFAULT"
    if "UNIQUE" in text or "PRIMARY KEY" in text or "EXCLUDE" in text:
        return f"remove or merge the duplicate rows first, or {edit} to do it before this statement"
    if "FOREIGN KEY" in text or "REFERENCES" in text:
        return (
            f"delete or fix the rows that reference nothing first, or {edit} to add the key NOT VALID and "
            "VALIDATE it once they are fixed"
        )
    if "CHECK" in text:
        return f"fix the rows that violate it first, or {edit} to add it NOT VALID and VALIDATE it later"
    if " TYPE " in text:
        return f"fix the values that do not convert first, or {edit} to convert them with a USING expression"
    return f"fix those rows before applying, or {edit}"


def failures(review: Review) -> Preflight:
    """The statements the review's counts say fail on the live rows, and how many checks could not count."""
    found, unchecked = [], 0
    for statement, hazard in review.hazards:
        if hazard.kind != FAILS:
            continue
        if not hazard.count:
            unchecked += bool(hazard.not_counted)  # a sample that found none says so in the review
            continue
        if hazard.basis != "observed":
            continue
        first = statement.sql.strip().splitlines()[0] if statement.sql.strip() else ""
        found.append(Failure(statement.line, first, hazard.message, _hint(statement.sql)))
    return Preflight(tuple(found), unchecked)


async def preflight(target: ConnectionTarget, sql: str, file: str) -> Preflight:
    """Count `sql` against the live database (read-only, bounded, no trace); a check that cannot run raises
    DibsError with what failed."""
    try:
        return failures(await review_text(target, sql, file, traced=False))
    except asyncpg.PostgresError as exc:
        raise DibsError(f"the live rows were not checked: {exc}") from None
