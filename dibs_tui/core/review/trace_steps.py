"""What one statement of the trace (core/review/trace.py) changed in the clone: after it ran, the server is
asked which relation locks its backend holds (pg_locks, resolved to names through pg_class by OID; a lock is
reported by the statement that first took it, since it is held from then until commit), which tables and
indexes got a new relfilenode (rewritten or rebuilt), which indexes were built and which tables were read whole.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import NamedTuple

import asyncpg

from ..shadow import LocatedStatement
from ..sqlparse import statement_info

# What the server says after each statement, in one round trip, each part as arrays (one row): the relations
# (pg_class) there before the migration and their indexes, the relation locks the trace's own backend holds
# (pg_lock_status reads the whole lock table whatever the filter: a transaction holding thousands of locks makes
# it the floor of a step), and the sequential scans of the tables in this transaction. Operators and functions
# are pg_catalog's: the migration may set its own search_path and create look-alikes. Views are among the
# relations for their locks: DROP VIEW and CREATE OR REPLACE VIEW take ACCESS EXCLUSIVE on the view, which
# blocks every query reading it until the migration commits.
_READ = """
SELECT r.*, l.*, s.*
FROM (SELECT pg_catalog.array_agg(c.oid::pg_catalog.int8) AS oids,
             pg_catalog.array_agg(n.nspname::pg_catalog.text) AS schemas,
             pg_catalog.array_agg(c.relname::pg_catalog.text) AS names,
             pg_catalog.array_agg(c.relkind::pg_catalog.text) AS kinds,
             pg_catalog.array_agg(c.relfilenode::pg_catalog.int8) AS filenodes,
             pg_catalog.array_agg(i.indrelid::pg_catalog.int8) AS tables,
             pg_catalog.min(pg_catalog.age(c.xmin)) AS newest
      FROM pg_catalog.pg_class c
      JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace
      LEFT JOIN pg_catalog.pg_index i ON i.indexrelid OPERATOR(pg_catalog.=) c.oid
      WHERE c.relkind OPERATOR(pg_catalog.=) ANY ('{r,p,m,v,i,I}'::pg_catalog."char"[])
        AND n.nspname OPERATOR(pg_catalog.<>) ALL ('{pg_catalog,information_schema,pg_toast}'::pg_catalog.name[])
        AND %s) r,
     (SELECT pg_catalog.array_agg(l.relation::pg_catalog.int8) AS lock_oids,
             pg_catalog.array_agg(l.mode::pg_catalog.text) AS lock_modes,
             pg_catalog.array_agg(l.granted) AS lock_granted
      FROM pg_catalog.pg_locks l
      WHERE l.pid OPERATOR(pg_catalog.=) pg_catalog.pg_backend_pid()
        AND l.locktype OPERATOR(pg_catalog.=) 'relation') l,
     (SELECT pg_catalog.array_agg(t.oid::pg_catalog.int8) AS scan_oids, pg_catalog.array_agg(t.scans) AS scans
      FROM (SELECT o AS oid, pg_catalog.pg_stat_get_xact_numscans(o) AS scans
            FROM pg_catalog.unnest($1::pg_catalog.oid[]) o) t
      WHERE t.scans OPERATOR(pg_catalog.>) 0) s
"""
# Every relation there before the migration and its indexes (what the migration creates is not observed: a file
# creating thousands of tables stays linear), through a hashed set, not the array searched once per row.
_READ_ALL = _READ % (
    "(c.oid OPERATOR(pg_catalog.=) ANY (SELECT pg_catalog.unnest($2::pg_catalog.oid[])) "
    "OR i.indrelid OPERATOR(pg_catalog.=) ANY (SELECT pg_catalog.unnest($2::pg_catalog.oid[])))"
)
# Within a transaction, only the pg_class rows written since the last read: a new relfilenode (a rewrite, a
# rebuild) and a new index are new row versions, whose xmin a later subtransaction's (each statement's
# savepoint) makes younger than any read before (pg_catalog.age, relative to this transaction, smaller). A
# migration of thousands of statements reads a few rows a step, not the clone's thousands.
_READ_NEWER = _READ % "pg_catalog.age(c.xmin) OPERATOR(pg_catalog.<) $2"
_READ_FIRST = _READ % "true"
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


class RelationRow(NamedTuple):
    oid: int
    schema: str
    name: str
    kind: str  # pg_class.relkind
    filenode: int
    table_oid: int | None  # an index's table


class Snapshot(NamedTuple):
    relations: list[RelationRow]  # those there before the migration and their indexes: all, or those written
    locks: list[tuple[int, str, bool]]  # (relation, mode, granted) of the trace's backend
    scans: dict[int, int]  # table oid -> its sequential scans in this transaction (none: not listed)
    whole: bool  # every relation there before, not only the rows written since the previous read


@dataclass
class State:
    """The relations before the migration, and what the previous step left."""

    before: dict[int, Relation]
    parents: dict[int, int]
    filenodes: dict[int, int]
    indexes: dict[int, int | None] = field(default_factory=dict)  # index oid -> its table's oid
    held: set[tuple[int, str]] = field(default_factory=set)
    scans: dict[int, int] = field(default_factory=dict)  # table oid -> its sequential scans so far
    # The age of the youngest pg_class row read in this transaction: the next read is of younger rows only.
    # None: a new transaction (or a statement run alone, in one of its own): every relation is read again.
    newest: int | None = None
    tables: list[int] = field(default_factory=list)  # the oids of `before`'s tables, whose scans are read
    by_name: dict[str, list[int]] = field(default_factory=dict)  # `before`'s lockable relations by name

    def copy(self) -> State:
        """A copy to observe into that leaves this one as it was (a batch rolled back)."""
        return replace(
            self,
            filenodes=dict(self.filenodes),
            indexes=dict(self.indexes),
            held=set(self.held),
            scans=dict(self.scans),
        )

    def committed(self) -> None:
        """A new transaction, nothing held or scanned in it yet; its pg_class rows told by a read of all."""
        self.held, self.scans, self.newest = set(), {}, None


async def begun(conn: asyncpg.Connection, state: State) -> None:
    """A transaction just begun, nothing run in it yet: the locks and scans it starts with. Every pg_class row
    written from here on is this transaction's (an age of 0 or less): no need to read them all."""
    state.newest = 1
    read = await snapshot(conn, state)
    state.held, state.scans = {(oid, mode) for oid, mode, _ in read.locks}, read.scans


async def first_state(conn: asyncpg.Connection) -> State:
    """The clone's relations before the migration, in the trace's transaction just begun."""
    read = _unpack(await _fetch(conn, _READ_FIRST, []), None)
    parents = {child: parent for child, parent in await conn.fetch(_PARTITION_PARENT)}
    before = {r.oid: Relation(r.oid, r.schema, r.name, r.kind, parents.get(r.oid, 0)) for r in read.relations}
    by_name: dict[str, list[int]] = {}
    for relation in before.values():
        if relation.kind in _LOCKED_KINDS:
            by_name.setdefault(relation.name, []).append(relation.oid)
    state = State(
        before=before,
        parents=parents,
        filenodes={r.oid: r.filenode for r in read.relations},
        indexes={r.oid: r.table_oid for r in read.relations if r.kind in "iI"},
        tables=[r.oid for r in read.relations if r.kind in "rmp"],
        by_name=by_name,
    )
    # The scans counted so far are not all this transaction's: a backend's counts wait to be sent to the
    # statistics until it is idle a moment (the clone's load scanned its tables)
    await begun(conn, state)
    return state


async def snapshot(conn: asyncpg.Connection, state: State) -> Snapshot:
    """What the server says now (`_READ`): in one round trip."""
    whole = state.newest is None
    if whole:
        row = await _fetch(conn, _READ_ALL, state.tables, list(state.before))
    else:
        row = await _fetch(conn, _READ_NEWER, state.tables, state.newest)
    read = _unpack(row, state.before, whole)
    state.newest = min(state.newest if state.newest is not None else 1, _newest(row["newest"]))
    return read


async def _fetch(conn: asyncpg.Connection, sql: str, *args: object) -> asyncpg.Record:
    row = await conn.fetchrow(sql, *args)
    assert row is not None  # aggregates alone: one row, always
    return row


def _newest(age: int | None) -> int:
    """The bound of the next read: rows younger than `age` (one of this transaction's has an age of 0 or less)."""
    return min(age, 1) if age is not None else 1


def _unpack(row: asyncpg.Record, before: dict[int, Relation] | None, whole: bool = True) -> Snapshot:
    """`_READ`'s arrays as rows; with `before`, only its relations and their indexes (not what the migration made)."""
    relations = [
        RelationRow(*r)
        for r in zip(
            row["oids"] or (),
            row["schemas"] or (),
            row["names"] or (),
            row["kinds"] or (),
            row["filenodes"] or (),
            row["tables"] or (),
            strict=True,
        )
        if before is None or r[0] in before or r[5] in before
    ]
    locks = list(zip(row["lock_oids"] or (), row["lock_modes"] or (), row["lock_granted"] or (), strict=True))
    locks = [lock for lock in locks if before is None or lock[0] in before]
    scans = dict(zip(row["scan_oids"] or (), row["scans"] or (), strict=True))
    return Snapshot(relations, locks, scans, whole)


def observe(stmt: LocatedStatement, outcome: str, state: State, read: Snapshot) -> TraceStep:
    """What the statement changed since the previous step: new locks, new relfilenodes, new indexes."""
    before = state.before
    info = statement_info(stmt.text)
    # TRUNCATE gives its tables and their indexes new, empty files: nothing is copied or built, whatever
    # the size (it was said to rewrite the table, its lock held as long as copying it would take).
    emptied = info is not None and info.node_type == "TruncateStmt"
    relations, locks, scans = read.relations, read.locks, read.scans
    filenodes = {r.oid: r.filenode for r in relations}
    rewritten = tuple(
        before[oid]
        for oid, node in filenodes.items()
        if oid in before and before[oid].kind in "rm" and node != state.filenodes.get(oid) and not emptied
    )
    built: dict[int, list[tuple[str, bool]]] = {}  # table -> its indexes built, and whether each has storage
    rewritten_oids = {r.oid for r in rewritten}
    # ALTER COLUMN TYPE re-creates every index on the column under a new OID, but one whose definition the new
    # type leaves valid (varchar to text) keeps the old index's file: nothing is built, nothing read.
    new_index = any(r.kind in "iI" and r.oid not in state.indexes for r in relations)
    kept_files = {state.filenodes.get(oid) for oid in state.indexes} - {None, 0} if new_index else set()
    for r in relations:
        table = r.table_oid
        if r.oid in state.indexes:
            made = r.filenode != state.filenodes.get(r.oid)
        else:
            made = r.filenode not in kept_files
        if r.kind in "iI" and made and table in before and table not in rewritten_oids and not emptied:
            built.setdefault(table, []).append((r.name, r.kind == "i"))
    # each table an index was built on, partitions too (a build reads every row)
    building = {table for table, names in built.items() if any(has for _, has in names)}
    built = _fold_partitions(built, state.parents)
    held = {(oid, mode) for oid, mode, granted in locks if granted}
    taken = tuple(
        TracedLock(before[oid], mode, granted)
        for oid, mode, granted in locks
        if before[oid].kind in _LOCKED_KINDS and (oid, mode) not in state.held
    )
    held_before = []
    named = _relations_named(stmt.text)  # a table the statement names, locked since an earlier statement, too
    fresh = {t.relation.oid for t in taken}
    also = sorted({o for name in named for o in state.by_name.get(name, ())} - fresh)
    earlier_modes = _modes(state.held, {*fresh, *also})
    for oid in dict.fromkeys([*fresh, *also]):
        earlier = strongest(earlier_modes.get(oid, ()))
        if earlier and earlier == strongest([earlier, *(t.mode for t in taken if t.relation.oid == oid)]):
            held_before.append(TracedLock(before[oid], earlier, True))
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
    modes = _modes(held, {*built, *read_all}) if built or read_all else {}
    builds = tuple(
        IndexBuild(
            before[table],
            tuple(sorted(name for name, has in names if has)),
            strongest(modes.get(table, ())),
            tuple(sorted(name for name, has in names if not has)),
        )
        for table, names in built.items()
    )
    exclusive = {oid for oid, ms in modes.items() if "AccessExclusiveLock" in ms}
    blocking = {oid: strongest([m for m in ms if m in WRITE_BLOCKING]) for oid, ms in modes.items()}
    blocking = {oid: mode for oid, mode in blocking.items() if mode and oid not in exclusive}
    if info is None or info.node_type in _READS_ROWS:  # a query's own plan, not a check of every row
        exclusive, blocking = set(), {}
    scanned = tuple(before[oid] for oid in read_all if oid in exclusive)
    scanned_blocking_writes = tuple((before[oid], blocking[oid]) for oid in read_all if oid in blocking)
    indexes = {r.oid: r.table_oid for r in relations if r.kind in "iI"}
    if read.whole:
        state.filenodes, state.indexes = filenodes, indexes
    else:  # the rows written since the previous step: the others are as they were
        state.filenodes.update(filenodes)
        state.indexes.update(indexes)
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


def _modes(pairs: set[tuple[int, str]], oids: set[int]) -> dict[int, list[str]]:
    """The lock modes of `pairs` on each of `oids`, in one pass (a long transaction holds thousands)."""
    out: dict[int, list[str]] = {}
    for oid, mode in pairs:
        if oid in oids:
            out.setdefault(oid, []).append(mode)
    return out


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
