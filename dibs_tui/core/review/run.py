"""Review a migration file or text against a live database, inside one read-only, time-bounded transaction."""

from __future__ import annotations

from pathlib import Path

import asyncpg

from ..connect import ConnectionTarget, connect
from ..errors import DibsError
from ..migrations.files import is_transaction_control, split_statements
from ..session import current_limits
from .counts import Counter
from .facts import CHECK_TIMEOUT, Facts
from .report import Hazard, Review, ReviewedStatement
from .rules import Reviewer
from .shapes import lock_taken


async def review_sql(conn: asyncpg.Connection, text: str, file: str = "<sql>") -> Review:
    """Review the statements of `text` against the database `conn` is connected to. Changes nothing."""
    facts = Facts(conn)
    reviewer, counter = Reviewer(facts), Counter(facts)
    reviewed: list[ReviewedStatement] = []
    async with conn.transaction(isolation="repeatable_read", readonly=True):
        # Bounded; no other owner's row-level security policy runs as us (that table's facts are unknown).
        await conn.execute(
            f"SET LOCAL statement_timeout = '{CHECK_TIMEOUT}'; SET LOCAL row_security = off; "
            f"SET LOCAL lock_timeout = '{current_limits().lock_timeout.strip()}'"
        )
        for stmt in split_statements(text, file):
            if is_transaction_control(stmt.text):
                continue
            hazards = await reviewer.statement(stmt.text, stmt.line) + await counter.statement(stmt.text)
            transactional = not any(h.kind == "non-transactional" for h in hazards)
            reviewed.append(
                ReviewedStatement(
                    stmt.text, stmt.line, tuple(_unique(hazards)), transactional, lock_taken(stmt.text)
                )
            )
    return Review(file, tuple(reviewed))


def _unique(hazards: list[Hazard]) -> list[Hazard]:
    seen: set[Hazard] = set()
    return [h for h in hazards if not (h in seen or seen.add(h))]  # type: ignore[func-returns-value]


async def review_file(target: ConnectionTarget, path: Path, *, shown_as: str | None = None) -> Review:
    try:
        text = path.read_text(encoding="utf-8")  # noqa: ASYNC240 - one small file
    except OSError as exc:
        raise DibsError(f"cannot read {path}: {exc.strerror}") from None
    conn = await connect(target, read_only=True)
    try:
        return await review_sql(conn, text, shown_as or str(path))
    finally:
        await conn.close()
