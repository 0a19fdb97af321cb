"""Observe what a migration does instead of guessing it: in the sandbox (a throwaway database owned by a
restricted role, never the live database), a clone of the live schema is built from the catalog model's DDL,
then the migration runs there statement by statement, in one transaction per segment as migrate commits them
(core/migrations/segments.py: a lock is held until its segment commits, and a new enum label is usable in the
next one); a statement migrate runs alone (one PostgreSQL refuses in a transaction block: a concurrent index
build, drop or rebuild, VACUUM, DETACH ... CONCURRENTLY, REINDEX SCHEMA, DISCARD ALL; ALTER TYPE ... ADD VALUE)
runs alone in autocommit, what came before it committed, so what follows meets what it did; the last
transaction is rolled back, and the sandbox dropped.

After each statement the server itself is asked what it locked, rewrote, built and read (`trace_steps.py`). A
REINDEX or CLUSTER of one relation, which migrate runs alone since PostgreSQL refuses it in a block for a
partitioned one (its text does not tell), runs in a transaction of its own, where its locks are seen, and again
in autocommit when refused there (SQLSTATE 25001); written in a BEGIN block, it is said to fail there. A statement that fails in
the clone is rolled back to its savepoint and the trace goes on.

The rates that turn a size into a time are measured in the same sandbox before the clone is built: a scratch
table rewritten (ALTER COLUMN TYPE) and indexed, bytes per second of each.
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace

import asyncpg

from ..connect import ConnectionTarget
from ..errors import DibsError
from ..migrations.files import (
    alone_if_partitioned,
    is_transaction_control,
    runs_outside_transaction,
    split_statements,
)
from ..sandbox_bound import ended_by_bound
from ..shadow import LocatedStatement, introspect_target
from ..sqlparse import statement_info
from .clone import load_clone, load_meta_tables, named_in, named_relations, reachable_part
from .trace_steps import State, TraceStep, begun, first_state, observe, snapshot

STEP_TIMEOUT = 10.0  # seconds for one migration statement in the empty clone
_NOT_IN_A_TRANSACTION = "25001"  # active_sql_transaction: "cannot run inside a transaction block"
_NO_PRIVILEGE = "42501"  # insufficient_privilege: the sandbox's restricted role lacks a right
# A REINDEX or CLUSTER of a partitioned table written in a BEGIN block, which migrate keeps as written
_IN_ITS_BLOCK = (
    " (here, on this relation; migrate runs it in the transaction of the BEGIN block it is written in: move it "
    "out of the block, where migrate runs it alone)"
)
# What the server refuses on the schema alone, the same in the clone as live: an object depended on, a column a
# view reads retyped, a name taken, the wrong kind of object, a definition or type that cannot be. Not the
# undefined_* codes (the clone holds only the part of the schema the migration reaches), nor data (the clone is
# empty), nor a lock or a timeout.
SCHEMA_REFUSALS = frozenset(
    {
        "2BP01",  # dependent_objects_still_exist
        "0A000",  # feature_not_supported
        "42P07", "42701", "42710", "42P06", "42723", "42712",  # duplicate_*
        "42809",  # wrong_object_type
        "42804", "42846",  # datatype_mismatch, cannot_coerce
        "42P16", "42P17", "42611", "42P13", "42P10", "42830",  # invalid_* definition, column reference, key
        "42702", "42725",  # ambiguous_column, ambiguous_function
        "25001",  # active_sql_transaction: refused in migrate's transaction for the relation it names
    }
)  # fmt: skip


@dataclass(frozen=True)
class Rates:
    """Bytes per second the sandbox's server rewrote a table, built an index and read a table at, and how it
    was timed."""

    rewrite: float
    index: float
    scan: float
    how: str


@dataclass(frozen=True)
class Trace:
    steps: tuple[TraceStep, ...]
    rates: Rates | None
    notes: tuple[str, ...] = ()

    def step(self, index: int) -> TraceStep | None:
        return self.steps[index] if index < len(self.steps) else None


def migration_statements(text: str, file: str) -> list[LocatedStatement]:
    """The statements a review covers, in order: the file's own BEGIN/COMMIT left out (the review's
    transaction replaces them). `core.review.run` walks the same list."""
    return [
        LocatedStatement(file, s.text, s.line, s.column)
        for s in split_statements(text, file)
        if not is_transaction_control(s.text)
    ]


async def trace_migration(
    target: ConnectionTarget,
    text: str,
    file: str = "<sql>",
    time_zone: str | None = None,
    *,
    most_relations: int | None = None,
    transactional: bool = True,
) -> Trace:
    """Clone the live schema of `target` into the sandbox and trace the migration `text` there, in the live
    session's `time_zone`: timestamp <-> timestamptz rewrites the table unless it is UTC. With `most_relations`,
    a migration reaching more relations than that is not traced (said in the notes): a review nobody asked for
    does not load the server with a clone of thousands of tables."""
    from ..diff.whole_schema import sandbox_clone_sql
    from ..sandbox import open_sandbox, version_note
    from ..sandbox_statements import prepare

    # A lock in the way is said as a trace not made (the review goes on with the rules'), not waited for.
    catalog = await introspect_target(target, wait_for_locks=False)
    statements = migration_statements(text, file)
    part = reachable_part(catalog, [s.text for s in statements])
    if most_relations is not None and len(part.relations) > most_relations:
        return Trace((), None, (_too_big(len(part.relations), most_relations),))
    clone = sandbox_clone_sql(part)
    ddl = split_statements(clone.sql)
    prepared = prepare([LocatedStatement("<clone>", s.text, s.line, s.column) for s in ddl])
    async with open_sandbox(target, prepared.extensions, prepared.roles) as sandbox:
        conn = sandbox.connection
        notes = [
            *sandbox.info.notes,
            f"traced in a clone of {len(part.relations):,} of the live schema's {len(catalog.relations):,} "
            "relations: those the migration names and what they reach (partitions, foreign keys, views)",
        ]
        if clone.stood_in:
            notes.append(
                f"the clone stands in for {', '.join(clone.stood_in)} (LANGUAGE c, internal or an untrusted "
                "language, which a sandbox's role may not create): there they return nothing"
            )
        if left_out := clone.extensions_left_out:
            them = "them: they reach" if len(left_out) > 1 else "it: it reaches"
            notes.append(
                f"the clone goes without {', '.join(left_out)} (a sandbox may not load {them} outside the "
                "database), nor what needs them"
            )
        rates = await measure_rates(conn, sandbox.info.where)
        notes += await load_clone(conn, prepared.runnable(sandbox.created_extensions))
        if time_zone:
            await conn.execute("SELECT pg_catalog.set_config('TimeZone', $1, false)", time_zone)
        named = named_in(s.text for s in statements)
        if catalog.meta.present and any(n.startswith("__dibs_") for n in named):
            await load_meta_tables(target, conn, named)
        # Another major version than the live server's refuses otherwise: its refusals are not claimed as live
        same_server = version_note(sandbox.info.server_version, sandbox.info.live_version, "") is None
        steps, stopped = await _run_traced(
            conn,
            statements,
            claim_refusals=same_server,
            segments=_segment_ends(text, file, statements, transactional),
        )
    notes += stopped
    if rates is not None:
        notes.append(f"lock times estimated from rates measured in the sandbox ({rates.how})")
    return Trace(tuple(steps), rates, tuple(notes))


async def too_big_to_trace(conn: asyncpg.Connection, text: str, file: str, most: int) -> Trace | None:
    """The untraced Trace of a migration naming more than `most` live relations, known from the names alone
    (pg_class's name index, one query on `conn`), before trace_migration reads the whole live catalog to
    find what they reach; None where only that read can tell."""
    try:
        named = await named_relations(conn, [s.text for s in migration_statements(text, file)])
    except (DibsError, asyncpg.PostgresError):
        return None  # trace_migration meets it again, and its notes say it
    return Trace((), None, (_too_big(named, most, at_least=True),)) if named > most else None


def _too_big(reached: int, most: int, *, at_least: bool = False) -> str:
    return (
        f"not traced (it reaches {'at least ' if at_least else ''}{reached:,} relations, more than the "
        f"{most:,} a review of its own clones; `dibs-tui review FILE` traces any number): locks and rewrites "
        "are the rules' inference"
    )


async def measure_rates(conn: asyncpg.Connection, where: str) -> Rates | None:
    """Time a rewrite and an index build of a scratch table (about 7 MB) on the sandbox's server."""
    schema = "dibs_trace_rate"
    try:
        await conn.execute(
            f"CREATE SCHEMA {schema}; CREATE TABLE {schema}.scratch AS SELECT g AS id, "
            "pg_catalog.md5(g::pg_catalog.text) AS v FROM pg_catalog.generate_series(1, 100000) g"
        )
        size = int(await conn.fetchval(f"SELECT pg_catalog.pg_table_size('{schema}.scratch')"))
        started = time.perf_counter()
        await conn.execute(f"ALTER TABLE {schema}.scratch ALTER COLUMN id TYPE pg_catalog.int8")
        rewrite = time.perf_counter() - started
        started = time.perf_counter()
        await conn.execute(f"CREATE INDEX ON {schema}.scratch (v)")
        build = time.perf_counter() - started
        started = time.perf_counter()
        await conn.execute(f"SELECT pg_catalog.count(v) FROM {schema}.scratch")
        scan = time.perf_counter() - started
        await conn.execute(f"DROP SCHEMA {schema} CASCADE")
    except asyncpg.PostgresError:
        return None
    return timed_rates(size, rewrite, build, scan, where)


def timed_rates(size: int, rewrite: float, build: float, scan: float, where: str) -> Rates:
    """The rates a table of `size` bytes rewritten, indexed and read in these many seconds gives, said."""
    rewrite_rate, index_rate = size / max(rewrite, 1e-6), size / max(build, 1e-6)
    scan_rate = size / max(scan, 1e-6)
    how = (
        f"on the {where}: a {size / 1048576:.1f} MB scratch table rewritten at {rewrite_rate / 1048576:.0f} MB/s, "
        f"indexed at {index_rate / 1048576:.0f} MB/s and read at {scan_rate / 1048576:.0f} MB/s"
    )
    return Rates(rewrite_rate, index_rate, scan_rate, how)


def _segment_ends(
    text: str, file: str, statements: Sequence[LocatedStatement], transactional: bool
) -> tuple[frozenset[int], frozenset[int]]:
    """The indexes, among `statements` (`migration_statements`), of those after which migrate commits (each
    segment's last, the file's last aside) and of those it runs alone, as it cuts the file (not
    `transactional`: every statement alone but in a written block). A file migrate cannot cut (it refuses it,
    and says why) commits nowhere and runs alone what PostgreSQL refuses in a transaction block."""
    from ..migrations.segments import plan_segments

    count = len(statements)
    try:
        plan = plan_segments(text, file, transactional=transactional)
    except DibsError:
        plan = None
    if plan is None or plan.statements != count:
        return frozenset(), frozenset(i for i, s in enumerate(statements) if runs_outside_transaction(s.text))
    ends = frozenset(segment.last - 1 for segment in plan.segments if segment.last < count)
    return ends, frozenset(segment.first - 1 for segment in plan.segments if segment.alone)


async def _run_traced(
    conn: asyncpg.Connection,
    statements: Sequence[LocatedStatement],
    *,
    claim_refusals: bool = True,
    segments: tuple[frozenset[int], frozenset[int]] = (frozenset(), frozenset()),
) -> tuple[list[TraceStep], list[str]]:
    """Each statement in its savepoint, observed after it ran, or alone in autocommit where migrate runs it
    alone; the transaction committed after the statements that end a segment, as migrate commits them (the
    locks an earlier segment took are not held in the next, ADD VALUE's label is usable), the last rolled
    back. `segments`: the statements after which migrate commits, and those it runs alone (`_segment_ends`). `claim_refusals`: the sandbox runs the live
    server's major version, so what it refuses on the schema the live server refuses too (TraceStep.refused)."""
    steps: list[TraceStep] = []
    commits_after, run_alone = segments
    transaction = conn.transaction()
    await transaction.start()
    try:
        state = await first_state(conn)
        batched_to = unbatched_to = 0  # a batch that failed is traced one statement at a time
        for index, stmt in enumerate(statements):
            if index < batched_to:
                continue
            batch = _rows_batch(statements, index, run_alone, commits_after) if index >= unbatched_to else []
            unbatched_to = max(unbatched_to, index + len(batch))
            if len(batch) > 1 and (ran := await _run_batch(conn, batch, state)) is not None:
                state, batch_steps = ran
                steps += batch_steps
                batched_to = index + len(batch)
                if batched_to - 1 in commits_after:
                    await transaction.commit()
                    transaction = conn.transaction()
                    await transaction.start()
                    await begun(conn, state)
                continue
            ran_alone = False
            own_transaction = False
            if index in run_alone:
                # As migrate runs it: what came before committed, then the statement alone
                await transaction.commit()
                state.committed()
                if alone_if_partitioned(stmt.text):  # in a transaction of its own while PostgreSQL accepts it
                    transaction = conn.transaction()
                    await transaction.start()
                    outcome, sqlstate, detail = await _run_one(conn, stmt.text, refused_retried=True)
                    own_transaction = sqlstate != _NOT_IN_A_TRANSACTION
                    ran_alone = outcome == "ran"
                    if not own_transaction:
                        await transaction.rollback()  # nothing ran in it
                if not own_transaction:
                    outcome, sqlstate, detail = await _run_one(conn, stmt.text, alone=True)
                    ran_alone = outcome == "ran"
                    refused_in_one = runs_outside_transaction(stmt.text) and not _adds_enum_label(stmt.text)
                    if ran_alone and refused_in_one:  # PostgreSQL accepts ADD VALUE in one
                        outcome = "not in a transaction"
                    if not conn.is_closed():
                        transaction = conn.transaction()
                        await transaction.start()
            else:
                outcome, sqlstate, detail = await _run_one(conn, stmt.text)
            if conn.is_closed() or not conn.is_in_transaction():
                why = f"the statement {ended_by_bound(conn) or 'ended its connection'}"
                steps.append(TraceStep(stmt.text, stmt.line, f"not traced: {why}"))
                return steps, [f"the trace stopped at line {stmt.line}: {why}"]
            try:
                step = observe(stmt, outcome, state, await snapshot(conn, state))
            except asyncpg.PostgresError as exc:
                stop = f"the trace stopped at line {stmt.line}: {_first_line(exc)}"
                return steps + [TraceStep(s.text, s.line, "not traced") for s in statements[index:]], [stop]
            refused = claim_refusals and sqlstate in SCHEMA_REFUSALS and all(s.ran or s.alone for s in steps)
            steps.append(
                replace(
                    step,
                    sqlstate=sqlstate,
                    refused=refused,
                    detail=detail,
                    alone=ran_alone,
                    own_transaction=own_transaction,
                )
            )
            if index in commits_after or own_transaction:
                # the sandbox is dropped after the trace: committing there keeps nothing
                await transaction.commit()
                transaction = conn.transaction()
                await transaction.start()
                await begun(conn, state)
        return steps, []
    finally:
        if not conn.is_closed() and conn.is_in_transaction():
            await transaction.rollback()


# An INSERT of VALUES rows into one table, nothing after its rows (no ON CONFLICT, RETURNING): what a data
# migration of one-row INSERTs repeats by the thousand
_ROWS_INSERT = re.compile(
    r"\s*INSERT\s+INTO\s+((?:\"[^\"]+\"|\w+)(?:\.(?:\"[^\"]+\"|\w+))?)\s*(?:\([^()]*\))?\s*VALUES\s*\(",
    re.IGNORECASE,
)
_BATCH_STATEMENTS = 500
_BATCH_CHARS = 1 << 20
# Locks an INSERT takes that no hazard is made of: its table's, the keys' referenced tables'
_ROW_LOCKS = frozenset({"AccessShareLock", "RowShareLock", "RowExclusiveLock"})


def _inserted_into(sql: str) -> str | None:
    match = _ROWS_INSERT.match(sql)
    if match is None or _NOT_ROWS_ONLY.search(sql):
        return None
    return match.group(1).lower()


_NOT_ROWS_ONLY = re.compile(r"RETURNING|ON\s+CONFLICT", re.IGNORECASE)


def _rows_batch(
    statements: Sequence[LocatedStatement],
    index: int,
    run_alone: frozenset[int],
    commits_after: frozenset[int],
) -> Sequence[LocatedStatement]:
    """The INSERTs of rows into one table from `index` on, within one segment: run together, one round trip
    (a data migration's 175,000 INSERTs were 6 round trips each); [] when the statement is not one."""
    table = _inserted_into(statements[index].text) if index not in run_alone else None
    if table is None:
        return []
    end, chars = index, 0
    while end < len(statements) and end - index < _BATCH_STATEMENTS and chars < _BATCH_CHARS:
        if end in run_alone or _inserted_into(statements[end].text) != table:
            break
        chars += len(statements[end].text)
        end += 1
        if end - 1 in commits_after:
            break
    return statements[index:end]


class _NotRowsOnly(Exception):
    """A batch observed doing more than adding rows: rolled back, its statements traced one by one."""


async def _run_batch(
    conn: asyncpg.Connection, batch: Sequence[LocatedStatement], state: State
) -> tuple[State, list[TraceStep]] | None:
    """The batch run in one savepoint and observed once: what it did is its first statement's (an INSERT of
    rows takes its locks then; the others take none anew); None, nothing of it kept, when one statement failed
    or it did more than add rows (a lock a hazard is made of, a rewrite, a build: a trigger's, a function's in
    its VALUES), so that each is traced, and said, on its own."""
    after = state.copy()
    try:
        async with conn.transaction():
            await conn.execute("\n;\n".join(s.text for s in batch), timeout=STEP_TIMEOUT * len(batch))
            first = observe(batch[0], "ran", after, await snapshot(conn, after))
            if (
                first.rewritten
                or first.builds
                or first.scanned
                or first.scanned_blocking_writes
                or any(lock.mode not in _ROW_LOCKS for lock in first.locks)
            ):
                raise _NotRowsOnly
    except (asyncpg.PostgresError, TimeoutError, _NotRowsOnly):
        if conn.is_closed():
            raise
        return None
    return after, [first, *(TraceStep(s.text, s.line, "ran") for s in batch[1:])]


def _adds_enum_label(sql: str) -> bool:
    info = statement_info(sql)
    return info is not None and info.node_type == "AlterEnumStmt"


async def _run_one(
    conn: asyncpg.Connection, sql: str, *, alone: bool = False, refused_retried: bool = False
) -> tuple[str, str, str]:
    """The statement's outcome, and the server's error code and DETAIL when it failed; `alone`: in autocommit,
    outside any transaction (the caller committed its own); `refused_retried`: a refusal in the transaction is
    the caller's to run again alone, not a failure to explain."""
    info = statement_info(sql)
    if info is not None and info.node_type == "TransactionStmt":
        return "not traced: transaction control", "", ""  # a ROLLBACK or SAVEPOINT of its own would end ours
    if info is not None and info.node_type in ("DiscardStmt", "DeallocateStmt"):  # nothing of the schema
        return "not traced: it would reset the trace's own session (its prepared statements)", "", ""
    if info is not None and info.body.get("kind") in ("REINDEX_OBJECT_SYSTEM", "REINDEX_OBJECT_DATABASE"):
        return "not traced: it names the live database, which the clone is not", "", ""
    try:
        if alone:
            await conn.execute(sql, timeout=STEP_TIMEOUT)
        else:
            async with conn.transaction():
                await conn.execute(sql, timeout=STEP_TIMEOUT)
    except asyncpg.PostgresError as exc:
        if exc.sqlstate == _NOT_IN_A_TRANSACTION and not refused_retried:  # in a BEGIN block of the file
            return f"failed: {_first_line(exc)}{_IN_ITS_BLOCK}", str(exc.sqlstate), ""
        if exc.sqlstate == _NO_PRIVILEGE:  # not the statement's failure: the migration's own role may have it
            return f"not traced: the sandbox's restricted role may not run it ({_first_line(exc)})", "", ""
        detail = " ".join(str(getattr(exc, "detail", None) or "").split())
        return f"failed: {_first_line(exc)}", str(exc.sqlstate or ""), detail
    except TimeoutError:
        return f"failed: did not finish within {STEP_TIMEOUT:.0f} s", "", ""
    except (asyncpg.InterfaceError, OSError) as exc:  # the statement ended its own connection
        return f"failed: {_first_line(exc)}", "", ""
    return "ran", "", ""


def _first_line(exc: BaseException) -> str:
    return (getattr(exc, "message", None) or str(exc) or type(exc).__name__).splitlines()[0]
