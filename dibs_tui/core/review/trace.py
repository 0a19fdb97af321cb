"""Observe what a migration does instead of guessing it: in the sandbox (a throwaway database owned by a
restricted role, never the live database), a clone of the live schema is built from the catalog model's DDL,
then the migration runs there statement by statement, in one transaction per segment as migrate commits them
(core/migrations/segments.py: a lock is held until its segment commits, and a new enum label is usable in the
next one), a concurrent index statement alone in autocommit; the last is rolled back, and the sandbox dropped.

After each statement the server itself is asked: which relation locks its backend holds (pg_locks, resolved
to names through pg_class by OID; a lock is reported by the statement that first took it, since it is held
from then until commit), which tables and indexes got a new relfilenode (rewritten or rebuilt) and which
indexes were built. A statement the server refuses inside a transaction block (SQLSTATE 25001) is recorded as
such; only a concurrent index build, drop or rebuild is then run, alone. A statement that fails in the clone is rolled back to its savepoint and the trace goes on.

The rates that turn a size into a time are measured in the same sandbox before the clone is built: a scratch
table rewritten (ALTER COLUMN TYPE) and indexed, bytes per second of each.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import asyncpg

from ..connect import ConnectionTarget
from ..errors import DibsError
from ..migrations.files import is_transaction_control, split_statements
from ..shadow import LocatedStatement, introspect_target
from ..sqlparse import statement_info
from .clone import load_clone, load_meta_tables, named_in, named_relations, reachable_part

STEP_TIMEOUT = 10.0  # seconds for one migration statement in the empty clone
_NOT_IN_A_TRANSACTION = "25001"  # active_sql_transaction: "cannot run inside a transaction block"
_NO_PRIVILEGE = "42501"  # insufficient_privilege: the sandbox's restricted role lacks a right
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
    }
)  # fmt: skip

# Every relation of the clone but the system's: one query, before and after each statement. Operators and
# functions are pg_catalog's: the migration may set its own search_path and create look-alikes. Views are
# among them for their locks: DROP VIEW and CREATE OR REPLACE VIEW take ACCESS EXCLUSIVE on the view, which
# blocks every query reading it until the migration commits.
_RELATIONS = """
SELECT c.oid::pg_catalog.int8 AS oid, n.nspname::pg_catalog.text AS schema, c.relname::pg_catalog.text AS name,
       c.relkind::pg_catalog.text AS kind, c.relfilenode::pg_catalog.int8 AS filenode,
       i.indrelid::pg_catalog.int8 AS table_oid
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace
LEFT JOIN pg_catalog.pg_index i ON i.indexrelid OPERATOR(pg_catalog.=) c.oid
WHERE c.relkind OPERATOR(pg_catalog.=) ANY ('{r,p,m,v,i,I}'::pg_catalog."char"[])
  AND n.nspname OPERATOR(pg_catalog.<>) ALL ('{pg_catalog,information_schema,pg_toast}'::pg_catalog.name[])
"""
# After each statement only the relations there before it and their indexes are read (what the migration
# creates is not observed): a file creating thousands of tables stays linear.
_RELATIONS_BEFORE = (
    _RELATIONS
    + """  AND (c.oid OPERATOR(pg_catalog.=) ANY ($1::pg_catalog.oid[])
       OR i.indrelid OPERATOR(pg_catalog.=) ANY ($1::pg_catalog.oid[]))
"""
)
_LOCKS = """
SELECT l.relation::pg_catalog.int8 AS oid, l.mode::pg_catalog.text AS mode, l.granted
FROM pg_catalog.pg_locks l
WHERE l.pid OPERATOR(pg_catalog.=) pg_catalog.pg_backend_pid()
  AND l.locktype OPERATOR(pg_catalog.=) 'relation'
  AND l.relation OPERATOR(pg_catalog.=) ANY ($1::pg_catalog.oid[])
"""
# Sequential scans of the clone's tables in this transaction: a statement that reads every row to check it
# (SET NOT NULL, ADD CHECK) scans even an empty table; one that a validated constraint spares does not.
_SCANS = """
SELECT relid::pg_catalog.int8 AS oid, seq_scan::pg_catalog.int8 AS scans
FROM pg_catalog.pg_stat_xact_user_tables WHERE relid OPERATOR(pg_catalog.=) ANY ($1::pg_catalog.oid[])
"""
# Refused in a transaction block, run alone in autocommit by the trace as by migrate (_runs_alone_here)
_RUN_ALONE = frozenset({"CREATE INDEX CONCURRENTLY", "DROP INDEX CONCURRENTLY", "REINDEX CONCURRENTLY"})
_LOCKED_KINDS = "rpmv"  # relkinds whose locks the trace reports: tables, partitioned tables, matviews, views
_READS_ROWS = frozenset({"SelectStmt", "InsertStmt", "UpdateStmt", "DeleteStmt", "MergeStmt", "CopyStmt"})
_PARTITION_PARENT = """
SELECT inhrelid::pg_catalog.int8, inhparent::pg_catalog.int8 FROM pg_catalog.pg_inherits
"""


@dataclass(frozen=True)
class Relation:
    """A relation of the clone that existed before the migration (names are the live database's)."""

    oid: int
    schema: str
    name: str
    kind: str  # pg_class.relkind
    parent: int = 0  # the table it is a partition or inheritance child of (a lock on that one locks it too)


@dataclass(frozen=True)
class TracedLock:
    relation: Relation
    mode: str  # pg_locks.mode, e.g. AccessExclusiveLock
    granted: bool


@dataclass(frozen=True)
class IndexBuild:
    """Indexes built (new, or rebuilt in place) on one table of the live schema and its partitions."""

    table: Relation
    indexes: tuple[
        str, ...
    ]  # those with storage: each read its table's rows (a partition's, not the parent's)
    table_lock: str  # the strongest lock the backend held on the table meanwhile
    partitioned: tuple[str, ...] = ()  # partitioned indexes made with them: no storage, nothing read


@dataclass(frozen=True)
class TraceStep:
    sql: str
    line: int
    # "ran", "not in a transaction" (refused in a transaction block; a concurrent index statement then ran
    # alone, committed), "failed: <message>", "not traced: <why>" (a right it lacks)
    outcome: str
    locks: tuple[TracedLock, ...] = ()  # first taken by this statement, on relations of the live schema
    rewritten: tuple[Relation, ...] = ()  # tables with a new relfilenode
    builds: tuple[IndexBuild, ...] = ()
    # On the relations of `locks`: a stronger lock an earlier statement took, which pg_locks cannot tell apart
    # from this statement's own need of it (an ALTER after an ALTER of the same table shows only what is new).
    held_before: tuple[TracedLock, ...] = ()
    # Tables it read every row of while holding ACCESS EXCLUSIVE on them (not to rewrite them or build an index)
    scanned: tuple[Relation, ...] = ()
    # Tables it read every row of while holding a lock that blocks writes (SHARE, SHARE ROW EXCLUSIVE,
    # EXCLUSIVE) but not ACCESS EXCLUSIVE, with that mode: a VALIDATE after an ADD ... NOT VALID of the same
    # transaction reads under the ADD's SHARE ROW EXCLUSIVE
    scanned_blocking_writes: tuple[tuple[Relation, str], ...] = ()
    sqlstate: str = ""  # the server's error code when it failed
    detail: str = ""  # and its DETAIL, on one line (the view a retyped column is read by)
    # Failed on the schema alone (SCHEMA_REFUSALS), every statement before it having run: it fails live too
    refused: bool = False
    alone: bool = False  # refused in a transaction block, it ran alone, in autocommit, as migrate runs it

    @property
    def ran(self) -> bool:
        return self.outcome == "ran"


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


_LOCK_STRENGTH = (
    "AccessShareLock",
    "RowShareLock",
    "RowExclusiveLock",
    "ShareUpdateExclusiveLock",
    "ShareLock",
    "ShareRowExclusiveLock",
    "ExclusiveLock",
    "AccessExclusiveLock",
)


# Modes that block INSERT, UPDATE and DELETE (ROW EXCLUSIVE) but let reads through; ACCESS EXCLUSIVE, which
# blocks reads too, has its own hazard. SHARE UPDATE EXCLUSIVE (VALIDATE CONSTRAINT, CREATE STATISTICS) blocks
# no reader or writer, only other schema changes and VACUUM: it is left out, or the safe way to add a
# constraint (NOT VALID, then VALIDATE) would be flagged.
WRITE_BLOCKING = ("ShareLock", "ShareRowExclusiveLock", "ExclusiveLock")


def strongest(modes: Sequence[str]) -> str:
    known = [m for m in modes if m in _LOCK_STRENGTH]
    return max(known, key=_LOCK_STRENGTH.index) if known else ""


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
    ddl = split_statements(sandbox_clone_sql(part))
    prepared = prepare([LocatedStatement("<clone>", s.text, s.line, s.column) for s in ddl])
    async with open_sandbox(target, prepared.extensions) as sandbox:
        conn = sandbox.connection
        notes = [
            *sandbox.info.notes,
            f"traced in a clone of {len(part.relations):,} of the live schema's {len(catalog.relations):,} "
            "relations: those the migration names and what they reach (partitions, foreign keys, views)",
        ]
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
            commits_after=commits_after(text, file, len(statements)),
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


@dataclass
class _State:
    """The relations before the migration, and what the previous step left."""

    before: dict[int, Relation]
    parents: dict[int, int]
    filenodes: dict[int, int]
    indexes: dict[int, int | None] = field(default_factory=dict)  # index oid -> its table's oid
    held: set[tuple[int, str]] = field(default_factory=set)
    scans: dict[int, int] = field(default_factory=dict)  # table oid -> its sequential scans so far


async def _snapshot(
    conn: asyncpg.Connection, before: list[int]
) -> tuple[list[asyncpg.Record], list[asyncpg.Record], dict[int, int]]:
    """The relations there before the migration (and their indexes), the locks held and the scans made on them."""
    scans = {r["oid"]: r["scans"] for r in await conn.fetch(_SCANS, before)}
    return await conn.fetch(_RELATIONS_BEFORE, before), await conn.fetch(_LOCKS, before), scans


def commits_after(text: str, file: str, count: int) -> frozenset[int]:
    """The indexes of the statements after which migrate commits (each segment's last, the file's last aside),
    among the `count` statements of `migration_statements`; none when the file cannot be cut (migrate refuses
    it, and says why)."""
    from ..migrations.segments import plan_segments

    try:
        plan = plan_segments(text, file)
    except DibsError:
        return frozenset()
    if plan.statements != count:
        return frozenset()
    return frozenset(segment.last - 1 for segment in plan.segments if segment.last < count)


async def _run_traced(
    conn: asyncpg.Connection,
    statements: Sequence[LocatedStatement],
    *,
    claim_refusals: bool = True,
    commits_after: frozenset[int] = frozenset(),
) -> tuple[list[TraceStep], list[str]]:
    """Each statement in its savepoint, observed after it ran; the transaction committed after the statements
    of `commits_after`, as migrate commits its segments (the locks an earlier segment took are not held in
    the next, ADD VALUE's label is usable), the last rolled back. `claim_refusals`: the sandbox runs the live
    server's major version, so what it refuses on the schema the live server refuses too (TraceStep.refused)."""
    steps: list[TraceStep] = []
    transaction = conn.transaction()
    await transaction.start()
    try:
        relations = await conn.fetch(_RELATIONS)
        before = [r["oid"] for r in relations]
        locks = await conn.fetch(_LOCKS, before)
        parents = {child: parent for child, parent in await conn.fetch(_PARTITION_PARENT)}
        state = _State(
            before={
                r["oid"]: Relation(r["oid"], r["schema"], r["name"], r["kind"], parents.get(r["oid"], 0))
                for r in relations
            },
            parents=parents,
            filenodes={r["oid"]: r["filenode"] for r in relations},
            indexes={r["oid"]: r["table_oid"] for r in relations if r["kind"] in "iI"},
            held={(r["oid"], r["mode"]) for r in locks},
            scans={r["oid"]: r["scans"] for r in await conn.fetch(_SCANS, before)},
        )
        for index, stmt in enumerate(statements):
            outcome, sqlstate, detail = await _run_one(conn, stmt.text)
            if outcome == "not in a transaction" and _runs_alone_here(stmt.text):
                # As migrate runs it: what came before committed, then the statement alone, in autocommit
                await transaction.commit()
                outcome, sqlstate, detail = await _run_one(conn, stmt.text, alone=True)
                ran_alone, outcome = outcome == "ran", "not in a transaction" if outcome == "ran" else outcome
                if not conn.is_closed():
                    transaction = conn.transaction()
                    await transaction.start()
                state.held, state.scans = set(), {}  # a new transaction: nothing held, nothing scanned in it
            else:
                ran_alone = False
            if conn.is_closed() or not conn.is_in_transaction():
                steps.append(TraceStep(stmt.text, stmt.line, "not traced: it ended the trace's connection"))
                return steps, [f"the trace stopped at line {stmt.line}: the statement ended its connection"]
            try:
                step = _observe(stmt, outcome, state, *await _snapshot(conn, before))
            except asyncpg.PostgresError as exc:
                stop = f"the trace stopped at line {stmt.line}: {_first_line(exc)}"
                return steps + [TraceStep(s.text, s.line, "not traced") for s in statements[index:]], [stop]
            refused = claim_refusals and sqlstate in SCHEMA_REFUSALS and all(s.ran or s.alone for s in steps)
            steps.append(replace(step, sqlstate=sqlstate, refused=refused, detail=detail, alone=ran_alone))
            if (
                index in commits_after
            ):  # the sandbox is dropped after the trace: committing there keeps nothing
                await transaction.commit()
                transaction = conn.transaction()
                await transaction.start()
                _, locks, state.scans = await _snapshot(conn, before)
                state.held = {(r["oid"], r["mode"]) for r in locks}
        return steps, []
    finally:
        if not conn.is_closed() and conn.is_in_transaction():
            await transaction.rollback()


def _runs_alone_here(sql: str) -> bool:
    """A concurrent index build, drop or rebuild: run alone in the clone, as migrate runs it, so the statements
    after it meet the index it makes or drops (a key handed over USING it, its rename). Run as written, not in
    its plain form inside the transaction: that would take and report the SHARE or ACCESS EXCLUSIVE lock the
    migration avoids. Other statements refused in a transaction block (VACUUM, DETACH ... CONCURRENTLY) are not
    run there: what they change is not what a later statement needs."""
    info = statement_info(sql)
    return info is not None and info.kind in _RUN_ALONE


async def _run_one(conn: asyncpg.Connection, sql: str, *, alone: bool = False) -> tuple[str, str, str]:
    """The statement's outcome, and the server's error code and DETAIL when it failed; `alone`: in autocommit,
    outside any transaction (the caller committed its own)."""
    info = statement_info(sql)
    if info is not None and info.node_type == "TransactionStmt":
        return "not traced: transaction control", "", ""  # a ROLLBACK or SAVEPOINT of its own would end ours
    try:
        if alone:
            await conn.execute(sql, timeout=STEP_TIMEOUT)
        else:
            async with conn.transaction():
                await conn.execute(sql, timeout=STEP_TIMEOUT)
    except asyncpg.PostgresError as exc:
        if exc.sqlstate == _NOT_IN_A_TRANSACTION:
            return "not in a transaction", "", ""
        if exc.sqlstate == _NO_PRIVILEGE:  # not the statement's failure: the migration's own role may have it
            return f"not traced: the sandbox's restricted role may not run it ({_first_line(exc)})", "", ""
        detail = " ".join(str(getattr(exc, "detail", None) or "").split())
        return f"failed: {_first_line(exc)}", str(exc.sqlstate or ""), detail
    except TimeoutError:
        return f"failed: did not finish within {STEP_TIMEOUT:.0f} s in the empty clone", "", ""
    except (asyncpg.InterfaceError, OSError) as exc:  # the statement ended its own connection
        return f"failed: {_first_line(exc)}", "", ""
    return "ran", "", ""


def _first_line(exc: BaseException) -> str:
    return (getattr(exc, "message", None) or str(exc) or type(exc).__name__).splitlines()[0]


def _observe(
    stmt: LocatedStatement,
    outcome: str,
    state: _State,
    relations: Sequence[asyncpg.Record],
    locks: Sequence[asyncpg.Record],
    scans: dict[int, int],
) -> TraceStep:
    """What the statement changed since the previous step: new locks, new relfilenodes, new indexes."""
    before = state.before
    info = statement_info(stmt.text)
    # TRUNCATE gives its tables and their indexes new, empty files: nothing is copied or built, whatever
    # the size (it was said to rewrite the table, its lock held as long as copying it would take).
    emptied = info is not None and info.node_type == "TruncateStmt"
    filenodes = {r["oid"]: r["filenode"] for r in relations}
    rewritten = tuple(
        before[oid]
        for oid, node in filenodes.items()
        if oid in before and before[oid].kind in "rm" and node != state.filenodes.get(oid) and not emptied
    )
    built: dict[int, list[tuple[str, bool]]] = {}  # table -> its indexes built, and whether each has storage
    rewritten_oids = {r.oid for r in rewritten}
    # ALTER COLUMN TYPE re-creates every index on the column under a new OID, but one whose definition the new
    # type leaves valid (varchar to text) keeps the old index's file: nothing is built, nothing read.
    kept_files = {state.filenodes.get(oid) for oid in state.indexes} - {None, 0}
    for r in relations:
        table = r["table_oid"]
        if r["oid"] in state.indexes:
            fresh = r["filenode"] != state.filenodes.get(r["oid"])
        else:
            fresh = r["filenode"] not in kept_files
        if r["kind"] in "iI" and fresh and table in before and table not in rewritten_oids and not emptied:
            built.setdefault(table, []).append((r["name"], r["kind"] == "i"))
    # each table an index was built on, partitions too (a build reads every row)
    building = {table for table, names in built.items() if any(has for _, has in names)}
    built = _fold_partitions(built, state.parents)
    held = {(r["oid"], r["mode"]) for r in locks if r["granted"]}
    taken = tuple(
        TracedLock(before[r["oid"]], r["mode"], r["granted"])
        for r in locks
        if r["oid"] in before
        and before[r["oid"]].kind in _LOCKED_KINDS
        and (r["oid"], r["mode"]) not in state.held
    )
    held_before = []
    named = _relations_named(stmt.text)  # a table the statement names, locked since an earlier statement, too
    fresh = {t.relation.oid for t in taken}
    also = [o for o, r in before.items() if r.kind in _LOCKED_KINDS and r.name in named and o not in fresh]
    for oid in dict.fromkeys([*fresh, *also]):
        earlier = strongest([m for o, m in state.held if o == oid])
        if earlier and earlier == strongest([earlier, *(t.mode for t in taken if t.relation.oid == oid)]):
            held_before.append(TracedLock(before[oid], earlier, True))
    builds = tuple(
        IndexBuild(
            before[table],
            tuple(sorted(name for name, has in names if has)),
            strongest([m for o, m in held if o == table]),
            tuple(sorted(name for name, has in names if not has)),
        )
        for table, names in built.items()
    )
    exclusive = {oid for oid, mode in held if mode == "AccessExclusiveLock"}
    blocking = {oid: strongest([m for o, m in held if o == oid and m in WRITE_BLOCKING]) for oid, _ in held}
    blocking = {oid: mode for oid, mode in blocking.items() if mode and oid not in exclusive}
    if info is None or info.node_type in _READS_ROWS:  # a query's own plan, not a check of every row
        exclusive, blocking = set(), {}
    # A TRUNCATE of tables a foreign key joins scans each once, but its new, empty file: it reads no row
    # (seq_tup_read stays 0 on a million rows), and was said to read every row under its lock
    read_all = [
        oid
        for oid, count in scans.items()
        if count > state.scans.get(oid, 0)
        and not emptied
        and oid not in rewritten_oids
        and oid not in building
    ]
    scanned = tuple(before[oid] for oid in read_all if oid in exclusive)
    scanned_blocking_writes = tuple((before[oid], blocking[oid]) for oid in read_all if oid in blocking)
    state.filenodes = filenodes
    state.indexes = {r["oid"]: r["table_oid"] for r in relations if r["kind"] in "iI"}
    state.held |= held
    state.scans = scans
    return TraceStep(
        stmt.text,
        stmt.line,
        outcome,
        _unique(taken),
        rewritten,
        builds,
        tuple(held_before),
        scanned,
        scanned_blocking_writes,
    )


def _relations_named(sql: str) -> set[str]:
    """The relation names of the statement's parse tree (every RangeVar's relname), not its other strings."""
    info = statement_info(sql)
    found: set[str] = set()
    stack: list[object] = [info.node] if info is not None else []
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if isinstance(node.get("relname"), str):
                found.add(node["relname"])
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return found


def _fold_partitions(
    built: dict[int, list[tuple[str, bool]]], parents: dict[int, int]
) -> dict[int, list[tuple[str, bool]]]:
    """An index built on a partition is reported with its parent's build of the same statement. A partitioned
    index alone (CREATE INDEX ... ON ONLY a partitioned table: invalid, no storage) built nothing: left out."""
    out: dict[int, list[tuple[str, bool]]] = {}
    for table, names in built.items():
        top = table
        while parents.get(top) in built:
            top = parents[top]
        out.setdefault(top, []).extend(names)
    return {top: names for top, names in out.items() if any(has for _, has in names)}


def _unique(locks: tuple[TracedLock, ...]) -> tuple[TracedLock, ...]:
    seen: set[tuple[int, str]] = set()
    out = []
    for lock in locks:
        if (lock.relation.oid, lock.mode) not in seen:
            seen.add((lock.relation.oid, lock.mode))
            out.append(lock)
    return tuple(out)
