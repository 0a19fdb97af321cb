"""Review a migration file or text against a live database, inside one read-only, time-bounded transaction,
with the trace of the same migration in a sandbox clone (`core.review.trace`) where one was taken."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import asyncpg

from ..connect import ConnectionTarget, connect
from ..errors import DibsError
from ..migrations.apply_online import blockers_of
from ..migrations.files import runs_outside_transaction
from ..migrations.pending_part import migration_file, pending_part
from ..session import lock_wait_error
from ..session_limits import current_limits
from ..shadow import LocatedStatement
from ..sqlparse import read_sql_file
from .counts import Counter
from .facts import CHECK_TIMEOUT, Facts
from .observed import Costing, with_observations
from .report import Hazard, Review, ReviewedStatement
from .rules import Reviewer
from .shapes import column_moves
from .trace import Trace, migration_statements, too_big_to_trace, trace_migration


async def review_sql(
    conn: asyncpg.Connection, text: str, file: str = "<sql>", trace: Trace | None = None
) -> Review:
    """Review the statements of `text` against the database `conn` is connected to. Changes nothing."""
    facts = Facts(conn)
    costing = Costing(facts, trace.rates if trace else None)
    reviewer, counter = Reviewer(facts, costing), Counter(facts)
    reviewed: list[ReviewedStatement] = []
    async with conn.transaction(isolation="repeatable_read", readonly=True):
        # Bounded; no other owner's row-level security policy runs as us (that table's facts are unknown).
        await conn.execute(
            f"SET LOCAL statement_timeout = '{CHECK_TIMEOUT}'; SET LOCAL row_security = off; "
            f"SET LOCAL lock_timeout = '{current_limits().lock_timeout.strip()}'"
        )
        statements = migration_statements(text, file)
        reviewer.only_statement = only = len(statements) == 1
        added_again = _added_again(statements)
        texts = [s.text for s in statements]
        for index, stmt in enumerate(statements):
            reviewer.later = texts[index + 1 :]
            hazards = await reviewer.statement(stmt.text, stmt.line, added_again.get(index))
            counter.later = (texts, index + 1)
            hazards += await counter.statement(stmt.text)
            step = trace.step(index) if trace else None
            where = f"{file}:{stmt.line}"
            seen = (
                await with_observations(step, hazards, costing, where, only_statement=only) if step else None
            )
            if seen is None:
                transactional = not any(h.kind == "non-transactional" for h in hazards)
                reviewed.append(
                    ReviewedStatement(
                        stmt.text,
                        stmt.line,
                        tuple(_unique(hazards)),
                        transactional,
                        await reviewer.lock_taken(stmt.text),
                        trace=step.outcome if step else "",
                    )
                )
                continue
            reviewed.append(
                ReviewedStatement(
                    stmt.text,
                    stmt.line,
                    tuple(_unique(seen.hazards)),
                    seen.transactional,
                    seen.lock or await reviewer.lock_taken(stmt.text),
                    seen.locks,
                    step.outcome if step else "",
                    lock_observed=bool(seen.lock),
                )
            )
    refused = tuple(
        f"{name}: not looked up ({reason}): its rows are not counted and its hazards "
        "not judged (review as a role with USAGE on its schema)"
        for name, reason in facts.refused.items()
    )
    published = await _unpublished(conn, file, statements)
    notes = (*(trace.notes if trace else ()), *refused, *published)
    return Review(file, tuple(reviewed), notes, tuple(published))


async def _unpublished(conn: asyncpg.Connection, file: str, statements: list[LocatedStatement]) -> list[str]:
    """A publication made on a server whose wal_level is not logical (core/wal_level.py): said of the live
    server, at the first statement that makes one, in the review, in migrate's plan and in the Migrations
    pane."""
    from ..sqlparse import statement_info
    from ..wal_level import publication_note

    made = "CreatePublicationStmt"
    lines = [s.line for s in statements if (info := statement_info(s.text)) and info.node_type == made]
    note = await publication_note(conn, "this server") if lines else None
    return [f"{file}:{lines[0]}: {note}"] if note else []


def _added_again(statements: list[LocatedStatement]) -> dict[int, dict[tuple[str, str], int]]:
    """By statement index, the columns it drops that a later statement of the same transaction adds again,
    with that statement's line (the diff drops and adds a generated column around a retyped column it
    reads). A statement PostgreSQL runs outside a transaction (CREATE INDEX CONCURRENTLY, ...) ends the
    transaction the migration runs in; the file's own BEGIN/COMMIT are left to the trace."""
    found: dict[int, dict[tuple[str, str], int]] = {}
    open_drops: dict[tuple[str, str], int] = {}
    for index, stmt in enumerate(statements):
        if runs_outside_transaction(stmt.text):
            open_drops.clear()
            continue
        dropped, added = column_moves(stmt.text)
        for pair in added & open_drops.keys():
            found.setdefault(open_drops.pop(pair), {})[pair] = stmt.line
        open_drops.update(dict.fromkeys(dropped, index))
    return found


def _unique(hazards: list[Hazard]) -> list[Hazard]:
    seen: set[Hazard] = set()
    return [h for h in hazards if not (h in seen or seen.add(h))]  # type: ignore[func-returns-value]


async def review_file(
    target: ConnectionTarget, path: Path, *, shown_as: str | None = None, traced: bool = True
) -> Review:
    """Review the migration at `path` as migrate runs it: a goose or dbmate file's up section only (its down
    section was reviewed, and traced, as if it ran), every statement alone in one that asks to run without a
    transaction; one an earlier migrate left partly applied is reviewed and traced from where migrate resumes
    (its committed segments are on the server already), and the notes say so."""
    text = read_sql_file(path)  # binary, not UTF-8 or too big: refused at its file:line:col
    file = migration_file(path)
    runs = file.text if file is not None else text
    transactional = file is None or file.transactional
    part = await pending_part(target, path)
    if part is None:
        return await review_text(
            target, runs, shown_as or str(path), traced=traced, transactional=transactional
        )
    review = await review_text(
        target, part.text, shown_as or str(path), traced=traced, transactional=transactional
    )
    return replace(review, notes=(part.note, *review.notes))


async def review_text(
    target: ConnectionTarget,
    text: str,
    file: str,
    *,
    traced: bool = True,
    most_traced: int | None = None,
    transactional: bool = True,
) -> Review:
    """Review `text`; with `traced`, the migration is first traced in a sandbox clone of the live schema (a
    trace that cannot be taken is said in the review's notes, and the rules stand alone), unless it reaches
    more than `most_traced` relations; not `transactional`: migrate runs each statement alone (goose NO
    TRANSACTION, dbmate transaction:false), and so does the trace."""
    conn = await connect(target, read_only=True)
    try:
        zone = await conn.fetchval("SELECT pg_catalog.current_setting('TimeZone')")  # migrate's, too
        trace = None
        if traced and most_traced is not None:  # over the bound by its names alone: no catalog read
            trace = await too_big_to_trace(conn, text, file, most_traced)
        if traced and trace is None:
            trace = await _trace(target, text, file, zone, most_traced, transactional)
        # A lock in the way is said with whom pg_blocking_pids said the read waited for, as migrate says it
        async with blockers_of(target, conn.get_server_pid()) as watch:
            try:
                return await review_sql(conn, text, file, trace)
            except (asyncpg.LockNotAvailableError, asyncpg.QueryCanceledError) as exc:
                what = "the review's read of the live tables"
                refusal = await lock_wait_error(conn, what, exc, "nothing was reviewed", watch.blockers)
                if refusal is None:
                    raise
                raise refusal from None
    finally:
        await conn.close()


async def _trace(
    target: ConnectionTarget,
    text: str,
    file: str,
    time_zone: str,
    most_relations: int | None,
    transactional: bool,
) -> Trace:
    try:
        return await trace_migration(
            target, text, file, time_zone, most_relations=most_relations, transactional=transactional
        )
    except (DibsError, asyncpg.PostgresError, OSError) as exc:
        message = (getattr(exc, "message", None) or str(exc)).splitlines()[0]
        return Trace((), None, (f"not traced ({message}): locks and rewrites are the rules' inference",))
