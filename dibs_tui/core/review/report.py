"""A review's result: the hazards of each statement, and their text and JSON forms (the JSON keys and the
hazard kinds are a stable vocabulary other tools read; docs/review-json.md describes them)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from ..terminal import safe, wrap_prose

HAZARD_KINDS = (
    "access-exclusive-lock",
    "write-blocking-lock",
    "table-rewrite",
    "data-loss",
    "fails-on-existing-data",
    "fails-on-schema",
    "blocking-index-build",
    "constraint-without-not-valid",
    "non-transactional",
    "backward-incompatible",
)

# Where a hazard comes from: "observed" when the server showed it (the trace in the sandbox clone, or a count on
# the live data), "inferred" when it is worked out from the statement's shape (what an empty clone cannot show).
BASES = ("observed", "inferred")


def concurrent_way(sql: str) -> str:
    """How the index build `sql` makes could let writes go on, said after its blocking-index-build hazard:
    CREATE INDEX and REINDEX have a CONCURRENTLY form (run alone); a key added with ALTER TABLE builds its
    index first. Nothing for the rest (an index rebuilt by a column's type change goes with the rewrite)."""
    words = sql.split(None, 3)[:3]
    head = " ".join(w.upper() for w in words)
    if head.startswith(("CREATE INDEX", "CREATE UNIQUE INDEX")):
        return (
            "; CREATE INDEX CONCURRENTLY lets writes go on, in a statement of its own (dibs-tui generate "
            "--concurrently writes it so)"
        )
    if head.startswith("REINDEX"):
        return "; REINDEX ... CONCURRENTLY lets writes go on, in a statement of its own"
    if head.startswith("ALTER TABLE") and any(k in sql.upper() for k in ("PRIMARY KEY", "UNIQUE")):
        return (
            "; to let writes go on, build the index first with CREATE UNIQUE INDEX CONCURRENTLY, then ADD "
            "CONSTRAINT ... USING INDEX"
        )
    return ""


def runs_alone(observed: bool, *, only_statement: bool, if_partitioned: bool = False) -> str:
    """What a statement PostgreSQL refuses in a transaction block means for the migration: with others, that it
    is not atomic; the file's one statement, that a failure part way is not rolled back (said of a lone CREATE
    INDEX CONCURRENTLY, 'this migration is not atomic' read as if it had others). `if_partitioned`: a REINDEX
    or CLUSTER, refused there only for a partitioned table (migrations/files.py: alone_if_partitioned)."""
    why = (
        "PostgreSQL refuses it in a transaction block for a partitioned table; it changes no schema"
        if if_partitioned
        else "PostgreSQL refuses it in a transaction block"
    )
    said = (
        "PostgreSQL refuses it inside a transaction block: it runs alone, committed on its own"
        if observed
        else f"runs alone, committed on its own ({why})"
    )
    if only_statement:
        return f"{said}{', and' if observed else ':'} if it fails part way, what it did is not rolled back"
    return f"{said}{', so' if observed else ':'} this migration is not atomic"


@dataclass(frozen=True)
class Cost:
    """What a rewrite or a blocking build costs: the live size it rewrites or scans, and how long its lock is
    held, estimated from that size and a rate measured on the server (`how` says which)."""

    size_bytes: int
    seconds: float | None = None
    how: str = ""

    def describe(self) -> str:
        text = _size(self.size_bytes)
        if self.seconds is not None:
            text += f", lock held ~{_duration(self.seconds)} ({self.how})"
        return text


@dataclass(frozen=True)
class Hazard:
    kind: str
    message: str
    basis: str = "inferred"
    cost: Cost | None = None
    count: int | None = None  # rows a data check found (counted on the live data)
    example: str = ""  # one example key of those rows, as text
    estimated_from: int | None = None  # the count comes from a TABLESAMPLE of this many rows
    lost_bytes: int | None = None  # what a drop loses, as stored (pg_total_relation_size)
    not_counted: str = ""  # why a data check gave no count (an expression it may not run, a timeout)

    @property
    def text(self) -> str:
        """The message for one line of text, escaped here, where every output takes it: it quotes names as the
        migration spells them, a newline too."""
        return safe(self.message)

    def describe(self) -> str:
        """The message with its cost, for one line of text."""
        return f"{self.text} [{self.cost.describe()}]" if self.cost else self.text

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind, "message": self.message, "basis": self.basis}
        if self.cost is not None:
            out["cost"] = {
                "size_bytes": self.cost.size_bytes,
                "lock_seconds": self.cost.seconds,
                "estimated_from": self.cost.how,
            }
        if self.count is not None:
            out["count"] = self.count
            out["example"] = self.example
        if self.estimated_from is not None:
            out["estimated_from_rows"] = self.estimated_from
        if self.lost_bytes is not None:
            out["lost_bytes"] = self.lost_bytes
        if self.not_counted:
            out["not_counted"] = self.not_counted
        return out


@dataclass(frozen=True)
class ObservedLock:
    """A relation lock the statement's backend held after it ran in the trace (first taken by this statement)."""

    relation: str  # schema-qualified, quoted where needed
    mode: str  # as pg_locks names it, e.g. AccessExclusiveLock
    granted: bool = True


@dataclass(frozen=True)
class ReviewedStatement:
    sql: str
    line: int
    hazards: tuple[Hazard, ...] = ()
    transactional: bool = True
    lock: str = (
        ""  # the strongest table lock it takes, e.g. "ACCESS EXCLUSIVE on issues" ("" for none/unknown)
    )
    locks: tuple[ObservedLock, ...] = ()  # observed in the trace, in the order pg_locks gave them
    trace: str = ""  # "ran", "not in a transaction", "failed: <server message>", "" when not traced
    lock_observed: bool = (
        False  # `lock` is what pg_locks showed, taken now or held since an earlier statement
    )

    @property
    def refused(self) -> bool:
        """The server refuses it on the schema alone: a fails-on-schema hazard says so."""
        return any(h.kind == "fails-on-schema" for h in self.hazards)

    def as_json(self) -> dict[str, Any]:
        return {
            "sql": self.sql,
            "line": self.line,
            "transactional": self.transactional,
            "lock": self.lock,
            "lock_observed": self.lock_observed,
            "trace": self.trace,
            "locks": [{"relation": k.relation, "mode": k.mode, "granted": k.granted} for k in self.locks],
            "hazards": [h.as_json() for h in self.hazards],
        }


@dataclass(frozen=True)
class Review:
    file: str
    statements: tuple[ReviewedStatement, ...]
    notes: tuple[str, ...] = ()  # how the trace ran (where, the measured rate) or why it did not
    # What the live server's settings mean for the migration (a publication where wal_level is not logical):
    # among the notes, and said by migrate and the Migrations pane before they apply
    server_notes: tuple[str, ...] = ()

    @property
    def hazards(self) -> list[tuple[ReviewedStatement, Hazard]]:
        return [(s, h) for s in self.statements for h in s.hazards]

    def to_json(self) -> str:
        return json.dumps(
            {"notes": list(self.notes), "statements": [s.as_json() for s in self.statements]}, indent=2
        )

    def to_text(self, width: int | None = None) -> str:
        """Each statement, its lock and hazards, then the notes: the prose wrapped to `width` (a terminal's)."""
        out: list[str] = []
        for s in self.statements:
            first = s.sql.strip().splitlines()[0] if s.sql.strip() else ""
            more = " …" if "\n" in s.sql.strip() else ""
            out += wrap_prose(f"{safe(self.file)}:{s.line}: {safe(first)}{more}", width, 4)
            if s.lock:
                out += wrap_prose(
                    f"    lock: {safe(s.lock)}{' (observed)' if s.lock_observed else ''}", width, 6
                )
            if s.trace.startswith("failed") and not s.refused:  # a refusal's hazard says it
                out += wrap_prose(f"    trace: {safe(s.trace)} (in the empty clone)", width, 7)
            elif s.trace.startswith("not traced"):
                out += wrap_prose(f"    trace: {safe(s.trace)}", width, 7)
            for h in s.hazards:
                out += wrap_prose(f"    ! {h.kind} ({h.basis}): {h.describe()}", width, 2)
        count = len(self.hazards)
        many = len(self.statements)
        out.append(f"{many} statement{'s' if many != 1 else ''}, {count} hazard{'s' if count != 1 else ''}")
        for n in self.notes:
            out += wrap_prose(f"note: {safe(n)}", width, 6)
        return "\n".join(out)


def _size(size: int) -> str:
    if size < 1024:
        return f"{size:,} bytes"
    scaled, units = size / 1024, ["kB", "MB", "GB", "TB"]
    while scaled >= 1024 and len(units) > 1:
        scaled, units = scaled / 1024, units[1:]
    return f"{scaled:,.1f} {units[0]}"


def _duration(seconds: float) -> str:
    if seconds < 1:
        return f"{seconds * 1000:.0f} ms"
    if seconds < 120:
        return f"{seconds:.1f} s"
    return f"{seconds / 60:.1f} min"
