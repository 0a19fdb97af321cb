"""What one statement of the trace (core/review/trace.py) changed in the clone: after it ran, the server is
asked which relation locks its backend holds (pg_locks, resolved to names through pg_class by OID; a lock is
reported by the statement that first took it, since it is held from then until commit), which tables and
indexes got a new relfilenode (rewritten or rebuilt), which indexes were built and which tables were read whole.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import asyncpg

from ..shadow import LocatedStatement
from ..sqlparse import statement_info

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
    # Run alone by migrate, yet accepted in a block here (a plain table's REINDEX): traced in a transaction of
    # its own, so its locks and builds are observed
    own_transaction: bool = False

    @property
    def ran(self) -> bool:
        return self.outcome == "ran"


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


@dataclass
class State:
    """The relations before the migration, and what the previous step left."""

    before: dict[int, Relation]
    parents: dict[int, int]
    filenodes: dict[int, int]
    indexes: dict[int, int | None] = field(default_factory=dict)  # index oid -> its table's oid
    held: set[tuple[int, str]] = field(default_factory=set)
    scans: dict[int, int] = field(default_factory=dict)  # table oid -> its sequential scans so far


async def first_state(conn: asyncpg.Connection) -> tuple[State, list[int]]:
    """The clone's relations before the migration, and their oids."""
    relations = await conn.fetch(_RELATIONS)
    before = [r["oid"] for r in relations]
    locks = await conn.fetch(_LOCKS, before)
    parents = {child: parent for child, parent in await conn.fetch(_PARTITION_PARENT)}
    state = State(
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
    return state, before


async def snapshot(
    conn: asyncpg.Connection, before: list[int]
) -> tuple[list[asyncpg.Record], list[asyncpg.Record], dict[int, int]]:
    """The relations there before the migration (and their indexes), the locks held and the scans made on them."""
    scans = {r["oid"]: r["scans"] for r in await conn.fetch(_SCANS, before)}
    return await conn.fetch(_RELATIONS_BEFORE, before), await conn.fetch(_LOCKS, before), scans


def observe(
    stmt: LocatedStatement,
    outcome: str,
    state: State,
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
