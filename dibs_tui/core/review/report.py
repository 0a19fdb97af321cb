"""A review's result: the hazards of each statement, and their text and JSON forms (the JSON keys and the
hazard kinds are a stable vocabulary other tools read)."""

from __future__ import annotations

import json
from dataclasses import dataclass

HAZARD_KINDS = (
    "access-exclusive-lock",
    "table-rewrite",
    "data-loss",
    "fails-on-existing-data",
    "blocking-index-build",
    "constraint-without-not-valid",
    "non-transactional",
    "backward-incompatible",
)


@dataclass(frozen=True)
class Hazard:
    kind: str
    message: str


@dataclass(frozen=True)
class ReviewedStatement:
    sql: str
    line: int
    hazards: tuple[Hazard, ...] = ()
    transactional: bool = True
    lock: str = (
        ""  # the strongest table lock it takes, e.g. "ACCESS EXCLUSIVE on issues" ("" for none/unknown)
    )


@dataclass(frozen=True)
class Review:
    file: str
    statements: tuple[ReviewedStatement, ...]

    @property
    def hazards(self) -> list[tuple[ReviewedStatement, Hazard]]:
        return [(s, h) for s in self.statements for h in s.hazards]

    def to_json(self) -> str:
        return json.dumps(
            {
                "statements": [
                    {
                        "sql": s.sql,
                        "line": s.line,
                        "hazards": [{"kind": h.kind, "message": h.message} for h in s.hazards],
                    }
                    for s in self.statements
                ]
            },
            indent=2,
        )

    def to_text(self) -> str:
        out: list[str] = []
        for s in self.statements:
            first = s.sql.strip().splitlines()[0] if s.sql.strip() else ""
            more = " …" if "\n" in s.sql.strip() else ""
            out.append(f"{self.file}:{s.line}: {first}{more}")
            if s.lock:
                out.append(f"    lock: {s.lock}")
            out += [f"    ! {h.kind}: {h.message}" for h in s.hazards]
        count = len(self.hazards)
        out.append(f"{len(self.statements)} statements, {count} hazard{'s' if count != 1 else ''}")
        return "\n".join(out)
