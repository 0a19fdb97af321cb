"""`dibs-tui migrate`: review the pending migrations, ask to acknowledge their hazards, apply them.

Output is plain lines (CI logs): the plan (each migration's segments when it has several, where a partly
applied one resumes), each hazard, then one line per migration, segment and statement. Off a terminal,
applying needs --yes: nobody is there to answer the question. Everything printed that comes from a file or
the server has its control characters escaped.

Exit status: 0 applied (or nothing to do, or a dry run); 1 nothing of the failing migration stays (it was
rolled back, or refused before it ran); 3 a migration is left partially applied (some segments committed, an
INVALID index left behind, or the connection was lost and the server could not say): the message says which,
and a rerun resumes it.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from typing import Any

import asyncpg

from ..config import Settings
from ..core.connect import ConnectionTarget
from ..core.dialect import refuse_other_dialect
from ..core.errors import DibsError
from ..core.migrations.apply import PendingMigration, apply_pending
from ..core.migrations.apply_online import LockRetries, blockers_of
from ..core.migrations.apply_outcome import ApplyEvent, ApplyResult, ConnectionLost, MigrationFailed
from ..core.migrations.pending_part import pending_text
from ..core.proof_gate import FAILING_HINT, certain_failure
from ..core.review.report import Review
from ..core.review.run import review_sql
from ..core.session import lock_wait_error
from ..core.terminal import prose_for, prose_width, safe, safe_output
from .common import run_async, stdin_is_a_terminal, target_for
from .proof_steps import guard_and_prove
from .status import existing_migrations_folder

EXIT_PARTIAL = 3
EXIT_OUTPUT_CLOSED = 141  # 128 + SIGPIPE, as cli.py returns for every command whose reader went away
_SEGMENTS_SHOWN = 100  # a file of 50,000 statements run alone is summed up past these


class _Output:
    """Whether standard output still has a reader, and the apply to stop when it goes (`migrate | head -1`, a
    CI log collector gone). Stopped as Ctrl-C stops it, the running segment rolled back and what committed
    said on stderr: applying on where nobody reads would be a migration nobody saw, and the closed pipe (a
    BrokenPipeError is a ConnectionError) was reported as the server's connection lost."""

    def __init__(self) -> None:
        self.closed = False
        self.applying: asyncio.Task[Any] | None = None

    def close(self) -> None:
        self.closed = True
        devnull = os.open(os.devnull, os.O_WRONLY)  # the interpreter's last flush must not fail again
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
        if self.applying is not None:
            self.applying.cancel()


_output = _Output()


def _say(text: str, *, error: bool = False, wrapped: bool = False) -> None:
    """A line on stdout (stderr for errors); once stdout is closed, on stderr: what committed is still said.
    On a terminal its prose wraps between words, under column 8: past a label (`guard: `), and past a hazard's
    or a diff line's indent of 4, which a line of its own starts at (`wrapped`: the text is fitted already)."""
    line = safe_output(text)
    if not error and not _output.closed:
        try:
            print(line if wrapped else prose_for(sys.stdout, line, 8), file=sys.stdout, flush=True)
            return
        except BrokenPipeError:
            _output.close()
    print(line if wrapped else prose_for(sys.stderr, line, 8), file=sys.stderr, flush=True)


def _print(event: ApplyEvent) -> None:
    if event.kind != "failed":  # the failure report is printed once, by run()
        _say(event.message, error=event.kind == "interrupted")


async def _reviews(target: ConnectionTarget, pending: list[PendingMigration]) -> list[Review]:
    """Each pending migration reviewed from where it resumes: its committed segments are on the server already."""
    from ..core.connect import connect

    conn = await connect(target, read_only=True)
    try:
        async with blockers_of(target, conn.get_server_pid()) as watch:
            try:
                return [
                    await review_sql(conn, pending_text(p.file.text, p.plan, p.resume_at), str(p.file.path))
                    for p in pending
                ]
            except (asyncpg.LockNotAvailableError, asyncpg.QueryCanceledError) as exc:
                # A lock another session holds: said with that session (pg_blocking_pids of ours, watched).
                what = "migrate's review of the pending migrations"
                refusal = await lock_wait_error(conn, what, exc, "nothing was applied", watch.blockers)
                if refusal is None:
                    raise
                raise refusal from None
    finally:
        await conn.close()


# Hazards that are a lock held until the transaction commits: said once per transaction and table.
_HELD_LOCKS = frozenset(("access-exclusive-lock", "write-blocking-lock"))


def _segment_of(item: PendingMigration, line: int) -> int:
    """The number of the segment holding the statement at `line` (0: none, a BEGIN or COMMIT)."""
    return next((s.number for s in item.plan.segments if s.first_line <= line <= s.last_line), 0)


async def _show_plan(target: ConnectionTarget, pending: list[PendingMigration]) -> tuple[int, list[str]]:
    """Print what would run, segment by segment, with its hazards; return the number of hazards and why a
    migration is not started (a statement the review saw fail on the live rows: core/proof_gate.py)."""
    count = 0
    refusals: list[str] = []
    reviews = await _reviews(target, pending)
    for number, (review, item) in enumerate(zip(reviews, pending, strict=True)):
        refusal = certain_failure(review, item, reviews[:number])
        if refusal is not None:
            refusals.append(refusal)
        segments = len(item.plan.segments)
        # One segment is one transaction, or one statement PostgreSQL runs only outside one (CREATE INDEX
        # CONCURRENTLY): that was said to run in 'one transaction'
        shape = (
            f"{segments} segments" if segments > 1 else item.plan.segments[0].kind if segments else "empty"
        )
        count = item.plan.statements
        _say(f"pending  {item.file.name}  ({count} statement{'' if count == 1 else 's'}, {shape})")
        for line in item.describe(limit=_SEGMENTS_SHOWN):
            _say(f"    {line}")
        for note in review.server_notes:  # a publication on a server without logical wal_level
            _say(f"    note: {safe(note)}")
        # A resumed migration's committed segments do not run again: their hazards are past.
        start = item.plan.segments[item.resume_at - 1].first_line if item.resume_at > 1 else 0
        said: set[tuple[int, str, str]] = set()
        for statement, hazard in review.hazards:
            if statement.line < start:
                continue
            # The same lock on the same table, said by an earlier statement of this transaction: it is held
            # since then (lago's split took ACCESS EXCLUSIVE on customers nine times in one transaction).
            key = (_segment_of(item, statement.line), hazard.kind, hazard.message)
            if hazard.kind in _HELD_LOCKS and key in said:
                continue
            said.add(key)
            _say(f"    {safe(review.file)}:{statement.line}: {hazard.kind}: {hazard.text}")
            count += 1
    return count, refusals


async def _ask(question: str) -> str:
    """The user's answer, read when the terminal has a line, not by input() holding the event loop: there, the
    first Ctrl-C only asked the loop to cancel, and was lost until a second one. EOF (Ctrl-D) is EOFError."""
    loop = asyncio.get_running_loop()
    print(question, end="", flush=True)
    line: asyncio.Future[str] = loop.create_future()
    fd = sys.stdin.fileno()

    def readable() -> None:
        if not line.done():
            line.set_result(sys.stdin.readline())

    loop.add_reader(fd, readable)
    try:
        text = await line
    finally:
        loop.remove_reader(fd)
    if not text:
        raise EOFError
    return text


async def _answer(args: argparse.Namespace, pending: int, hazards: int, refusals: list[str]) -> bool:
    """Whether to apply: never a migration seen failing (unless --allow-failing), nothing on a dry run; --yes,
    or the user's answer in a terminal."""
    if refusals and not args.allow_failing:
        if args.dry_run:
            for refusal in refusals:
                _say(f"dry run: {refusal.replace('refusing to apply', 'migrate would refuse', 1)}")
            return False
        raise DibsError("\n".join(refusals), hint=FAILING_HINT)
    if args.dry_run:
        _say(f"dry run: {pending} migration(s) would be applied; nothing changed")
        return False
    if args.yes:
        return True
    if not stdin_is_a_terminal():
        raise DibsError(
            f"refusing to apply {pending} migration(s) without confirmation",
            hint="run in a terminal to confirm, or pass --yes to acknowledge the hazards listed",
        )
    question = f"apply {pending} migration(s)"
    question += f", acknowledging {hazards} hazard(s)?" if hazards else "?"
    answer = (await _ask(question + " [y/N] ")).strip().lower()
    if answer not in ("y", "yes"):
        _say("nothing applied")
        return False
    return True


def _retries(args: argparse.Namespace, settings: Settings) -> LockRetries:
    """--lock-retries and --lock-retry-wait over the config file's lock_retries and lock_retry_wait."""
    retries = getattr(args, "lock_retries", None)
    wait = getattr(args, "lock_retry_wait", None)
    return LockRetries(
        settings.lock_retries if retries is None else retries,
        settings.lock_retry_wait if wait is None else wait,
    )


def run(args: argparse.Namespace, settings: Settings) -> int:
    if getattr(args, "baseline", None) is not None:
        from .baseline import run_baseline

        return run_baseline(args, settings)
    global _output
    _output = _Output()
    target = target_for(args, settings)
    folder = existing_migrations_folder(args, settings)
    refuse_other_dialect(folder)  # nothing of another database's migrations is run
    lock_timeout = args.lock_timeout or settings.lock_timeout
    _say(f"database: {target.masked}")
    _say(f"migrations: {folder}")

    async def confirm(pending: list[PendingMigration]) -> bool:
        desired = settings.desired_spec(args.desired or [])
        await guard_and_prove(target, pending, settings, desired, no_prove=args.no_prove, say=_say)
        hazards, refusals = await _show_plan(target, pending)
        return await _answer(args, len(pending), hazards, refusals)

    async def applying() -> ApplyResult:
        _output.applying = asyncio.current_task()
        return await apply_pending(
            target,
            folder,
            lock_timeout=lock_timeout,
            progress=_print,
            confirm=confirm,
            retries=_retries(args, settings),
        )

    try:
        result = run_async(applying())
    except asyncio.CancelledError:
        if not _output.closed:
            raise
        _say(
            "dibs-tui: error: standard output was closed (its reader went away): migrate stopped", error=True
        )
        return EXIT_OUTPUT_CLOSED
    except MigrationFailed as failure:
        _say(failure.report(prose_width(sys.stderr)), error=True, wrapped=True)
        if failure.applied_before:
            _say(f"applied before the failure (kept): {', '.join(failure.applied_before)}", error=True)
        return EXIT_PARTIAL if failure.committed or failure.committed_through or failure.leftovers else 1
    except ConnectionLost as lost:
        _say(f"dibs-tui: error: {lost}", error=True)
        return EXIT_PARTIAL if lost.partial else 1
    except DibsError as exc:
        _say(f"dibs-tui: error: {exc}", error=True)
        return 1
    finally:
        _output.applying = None
    if result.pending_before == 0:
        _say("nothing to apply: every migration is applied")
    elif result.applied:
        total = sum(a.execution_time_ms for a in result.applied)
        _say(f"applied {len(result.applied)} migration(s) in {total} ms")
    return 0
