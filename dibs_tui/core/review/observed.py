"""A statement's hazards with the trace's observations in place of the rules' guesses: locks, rewrites,
blocking index builds and steps the server refuses in a transaction come from what the server did in the
sandbox clone (basis "observed"); the rules keep what an empty clone cannot show (data, clients: "inferred").

Costs are read on the LIVE database, in the review's read-only transaction: the size a rewrite writes
(pg_total_relation_size) or an index build scans (pg_table_size), over a partitioned table's whole tree, and
the time its lock is held, from that size and the rate the trace measured in the sandbox.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from .facts import Facts, TableFacts
from .names import key
from .report import Cost, Hazard, ObservedLock, concurrent_way, runs_alone
from .shapes import shape_of, written
from .trace import Rates
from .trace_steps import WRITE_BLOCKING, IndexBuild, Relation, TraceStep, strongest

TRACED_KINDS = frozenset(
    {
        "access-exclusive-lock",
        "write-blocking-lock",
        "table-rewrite",
        "blocking-index-build",
        "non-transactional",
    }
)

_SIZES = """
SELECT pg_catalog.sum(pg_catalog.pg_total_relation_size(relid))::pg_catalog.int8,
       pg_catalog.sum(pg_catalog.pg_table_size(relid))::pg_catalog.int8
FROM (SELECT $1::pg_catalog.oid::pg_catalog.regclass AS relid
      UNION SELECT relid FROM pg_catalog.pg_partition_tree($1::pg_catalog.oid)) tree
"""


def lock_words(mode: str) -> str:
    """pg_locks' AccessExclusiveLock as the documentation writes it: ACCESS EXCLUSIVE."""
    words = "".join(f" {c}" if c.isupper() else c for c in mode.removesuffix("Lock")).strip()
    return words.upper()


@dataclass
class Costing:
    """Sizes on the live database (read-only) and the sandbox's measured rates (None: not measured)."""

    facts: Facts
    rates: Rates | None

    async def _sizes(self, table: TableFacts) -> tuple[int, int]:
        row = await self.facts.conn.fetchrow(_SIZES, table.oid)
        return (int(row[0] or 0), int(row[1] or 0)) if row is not None else (0, 0)

    async def rewrite(self, table: TableFacts) -> Cost:
        total, _ = await self._sizes(table)
        if self.rates is None:
            return Cost(total)
        return Cost(total, total / self.rates.rewrite, f"rewrite rate measured {self.rates.how}")

    async def scan(self, table: TableFacts) -> Cost:
        _, read = await self._sizes(table)
        if self.rates is None:
            return Cost(read)
        return Cost(read, read / self.rates.scan, f"read rate measured {self.rates.how}")

    async def build(self, table: TableFacts) -> Cost:
        _, scanned = await self._sizes(table)
        if self.rates is None:
            return Cost(scanned)
        return Cost(scanned, scanned / self.rates.index, f"index build rate measured {self.rates.how}")


@dataclass(frozen=True)
class Observed:
    hazards: list[Hazard]
    lock: str  # the strongest lock on a table of the live schema, "ACCESS EXCLUSIVE on t"
    locks: tuple[ObservedLock, ...]
    transactional: bool


async def with_observations(
    step: TraceStep,
    inferred: list[Hazard],
    costing: Costing,
    where: str = "",
    *,
    only_statement: bool = False,
) -> Observed | None:
    """The statement's hazards once the trace is known; None when the trace could not observe it. `where`:
    the statement's file:line, for the failure it is named by; `only_statement`: the file has no other."""
    if step.refused:  # nothing it would lock, rewrite or lose happens: the refusal alone is said
        transactional = not any(h.kind == "non-transactional" for h in inferred)
        return Observed([_refused(step, where)], "", (), transactional)
    if step.alone and not step.own_transaction:  # it ran alone, in autocommit, as migrate runs it
        return await _ran_alone(step, inferred, costing, only_statement)
    if not step.ran:
        return None
    # What runs alone is said as the rules say it, unless the trace saw PostgreSQL refuse it in a block
    hazards = [
        h for h in inferred if h.kind not in TRACED_KINDS or (step.alone and h.kind == "non-transactional")
    ]
    for table in step.rewritten:
        hazards += await _rewrite(table, costing)
    for build in step.builds:
        hazards += await _build(build, costing, step.sql)
    taken = list(dict.fromkeys(k.relation for k in step.locks if k.mode == "AccessExclusiveLock"))
    for relation in taken:
        hazards += await _exclusive(relation, costing, relation in step.scanned)
    for relation in step.scanned:
        if relation not in taken:  # under the ACCESS EXCLUSIVE an earlier statement took
            hazards += await _exclusive(relation, costing, True, held_before=True)
    read_under = dict(step.scanned_blocking_writes)
    for relation, mode in _write_blocking(step):
        hazards += await _blocks_writes(relation, mode, costing, reads=relation in read_under)
        read_under.pop(relation, None)
    for relation, mode in read_under.items():  # under the lock an earlier statement took
        hazards += await _blocks_writes(relation, mode, costing, reads=True, held_before=True)
    hazards = [_validated_apart(h, step) if h.kind == "constraint-without-not-valid" else h for h in hazards]
    locks = tuple(ObservedLock(_name(k.relation), k.mode, k.granted) for k in step.locks)
    return Observed(hazards, _strongest_lock(step), locks, not step.alone)


def _validated_apart(hazard: Hazard, step: TraceStep) -> Hazard:
    """NOT VALID, then VALIDATE, lets writes go on only where nothing blocks them already: a lock that an
    earlier statement of this transaction took on the table it reads (an ALTER TABLE before it) is held until
    commit, and the VALIDATE reads under it all the same."""
    read = {*step.scanned, *(r for r, _ in step.scanned_blocking_writes)}
    held = [
        k
        for k in step.held_before
        if k.relation in read and k.mode in (*WRITE_BLOCKING, "AccessExclusiveLock")
    ]
    if not held:
        return hazard
    under = ", ".join(f"{lock_words(k.mode)} on {_name(k.relation)}" for k in held)
    return replace(
        hazard,
        message=f"{hazard.message}, in a transaction of its own: this one holds {under} since an earlier "
        "statement, until it commits",
    )


async def _ran_alone(
    step: TraceStep, inferred: list[Hazard], costing: Costing, only_statement: bool
) -> Observed:
    """A statement run alone, in autocommit: the tables it rewrote (VACUUM FULL) are observed; its locks, held
    until it ended, are gone when pg_locks is read after it, so the rules' stand, and so do its index builds
    (a concurrent build's own lock is not known either). That PostgreSQL refuses it in a transaction block is
    said as seen; a statement of a file run without a transaction (goose NO TRANSACTION) is not refused."""
    hazards = []
    if step.outcome == "not in a transaction":
        hazards.append(
            Hazard("non-transactional", runs_alone(True, only_statement=only_statement), "observed")
        )
    hazards += [h for h in inferred if h.kind not in ("non-transactional", "table-rewrite")]
    for table in step.rewritten:
        hazards += await _rewrite(table, costing)
    return Observed(hazards, "", (), False)


def _name(relation: Relation) -> str:
    return written(relation.schema, relation.name)


def _strongest_lock(step: TraceStep) -> str:
    mode = strongest([k.mode for k in step.locks])
    if not mode:  # pg_locks shows nothing new: what an earlier statement took, not the rule's guess, is held
        before = [f"{lock_words(k.mode)} already held on {_name(k.relation)}" for k in step.held_before]
        return f"nothing new: {', '.join(before)} from an earlier statement" if before else ""
    # The table the statement names first (a retyped key's referencing tables are locked with it), then a
    # partitioned one: its partitions' locks come with it
    named = key(shape_of(step.sql).table)
    held = sorted(
        (k.relation for k in step.locks if k.mode == mode),
        key=lambda r: (key(_name(r)) != named, r.kind != "p"),
    )
    on = [_name(r) for r in held]
    more = f" (and {len(on) - 1} more)" if len(on) > 1 else ""
    earlier = [k for k in step.held_before if k.relation == held[0] and k.mode != mode]
    if earlier and strongest([earlier[0].mode, mode]) == earlier[0].mode:
        more += f", {lock_words(earlier[0].mode)} already held on it from an earlier statement"
    locked = {k.relation for k in step.locks}
    for k in step.held_before:  # a table it names but took nothing new on: held at least as strongly
        if k.relation not in locked and strongest([k.mode, mode]) == k.mode:
            more += f", {lock_words(k.mode)} already held on {_name(k.relation)} from an earlier statement"
    return f"{lock_words(mode)} on {on[0]}{more}"


async def _live(relation: Relation, facts: Facts) -> TableFacts | None:
    return await facts.table(_name(relation))


async def _rewrite(relation: Relation, costing: Costing) -> list[Hazard]:
    table = await _live(relation, costing.facts)
    if table is None or not table.rows:  # its own rows: each child rewritten is said in its turn
        return []
    return [
        Hazard(
            "table-rewrite",
            f"rewrites {_name(relation)} ({replace(table, inherited=0).describe()}) and rebuilds its indexes: the server gave it a new "
            "relfilenode",
            "observed",
            await costing.rewrite(table),
        )
    ]


async def _build(build: IndexBuild, costing: Costing, sql: str) -> list[Hazard]:
    table = await _live(build.table, costing.facts)
    if table is None:
        return []
    count = len(build.indexes)
    what = f"index {build.indexes[0]}" if count == 1 else f"{count} indexes ({build.indexes[0]}, …)"
    blocks = "reads and writes" if build.table_lock == "AccessExclusiveLock" else "writes"
    lock = lock_words(build.table_lock) or "a lock"
    name = _name(build.table)
    if build.partitioned:  # only the partitions' indexes are built: the partitioned ones store nothing
        message = (
            f"builds {count} index{'es' if count != 1 else ''} on the partitions of {name} ({table.describe()}) "
            f"for the partitioned index {', '.join(build.partitioned)} ({build.indexes[0]}{', …' if count > 1 else ''}"
            f"), which stores nothing itself: it holds {lock} on the tables, which blocks {blocks} for the whole "
            "build; CONCURRENTLY is refused on a partitioned table: build each partition's index CONCURRENTLY, "
            f"then ALTER INDEX ... ATTACH PARTITION it to an index made ON ONLY {name}"
        )
    else:
        message = (
            f"builds {what} on {name} ({table.describe()}) without CONCURRENTLY: it holds {lock} on the table, "
            f"which blocks {blocks} for the whole build{concurrent_way(sql)}"
        )
    return [Hazard("blocking-index-build", message, "observed", await costing.build(table))]


def _refused(step: TraceStep, where: str) -> Hazard:
    message = step.outcome.removeprefix("failed: ")
    return Hazard(
        "fails-on-schema",
        f"{where or f'line {step.line}'} fails: {message} (SQLSTATE {step.sqlstate}). The server refused it on "
        "the schema alone in the trace's clone of the live schema, every statement before it having run: "
        f"applied live it fails the same way, and its transaction rolls back{_detail(step)}",
        "observed",
    )


def _detail(step: TraceStep) -> str:
    """The server's DETAIL, which names what is in the way (`rule _RETURN on view v depends on column "c"`)."""
    return f" (the server's detail: {step.detail})" if step.detail else ""


def _write_blocking(step: TraceStep) -> list[tuple[Relation, str]]:
    """The tables the statement first locks in a mode that blocks writes until commit, one per tree (a
    partition or inheritance child locked with its parent goes with it): not those it also takes ACCESS
    EXCLUSIVE on, nor those a lock as strong held since an earlier statement blocked already, nor an index
    build's own SHARE (its hazard says it)."""
    strongest_new: dict[Relation, str] = {}
    for k in step.locks:
        if k.granted and k.relation.kind in "rp":
            strongest_new[k.relation] = strongest([strongest_new.get(k.relation, ""), k.mode])
    earlier = {k.relation: k.mode for k in step.held_before}
    out = []
    for relation, mode in strongest_new.items():
        if mode not in WRITE_BLOCKING or (mode == "ShareLock" and step.builds):
            continue
        if relation in earlier and strongest([earlier[relation], mode]) == earlier[relation]:
            continue
        parent = next((r for r in strongest_new if r.oid == relation.parent), None)
        if parent is not None and strongest_new[parent] == mode:
            continue
        out.append((relation, mode))
    return out


async def _blocks_writes(
    relation: Relation, mode: str, costing: Costing, *, reads: bool = False, held_before: bool = False
) -> list[Hazard]:
    """Said of a table with rows, as ACCESS EXCLUSIVE is: an empty one has no writers to stop yet. `reads`:
    the statement also read every row under it (a constraint's check), which the writes wait for; `held_before`:
    the lock is an earlier statement's, as when a VALIDATE follows its ADD ... NOT VALID in one transaction."""
    table = await _live(relation, costing.facts)
    if table is None or not table.reached:
        return []
    name = f"{_name(relation)} ({table.describe()})"
    if held_before:
        message = (
            f"reads every row of {name} under the {lock_words(mode)} lock an earlier statement of this "
            "transaction took: blocks every INSERT, UPDATE and DELETE on it for the whole read (seen in "
            "pg_stat_xact_user_tables); a constraint added NOT VALID is validated without blocking writes "
            "only in a later transaction: commit between them"
        )
    elif reads:
        message = (
            f"takes {lock_words(mode)} on {name} and reads every row under it: blocks every INSERT, UPDATE and "
            "DELETE on it (reads go on) for the whole read and until the transaction commits (seen in pg_locks "
            "and pg_stat_xact_user_tables)"
        )
    else:
        message = (
            f"takes {lock_words(mode)} on {name}: blocks every INSERT, UPDATE and DELETE on it (reads go on) "
            "until the transaction commits (seen in pg_locks)"
        )
    cost = await costing.scan(table) if reads else None
    return [Hazard("write-blocking-lock", message, "observed", cost)]


async def _exclusive(
    relation: Relation, costing: Costing, reads: bool, *, held_before: bool = False
) -> list[Hazard]:
    """ACCESS EXCLUSIVE on a table with rows; `reads`: the statement also read every row under it (a check
    that a constraint holds), which the lock is held for, and the read's size and time are said."""
    table = await _live(relation, costing.facts)
    if table is None or not table.reached:
        return []
    name = f"{_name(relation)} ({table.describe()})"
    if held_before:
        message = (
            f"reads every row of {name} under the ACCESS EXCLUSIVE lock an earlier statement took: blocks "
            "reads and writes for the whole read (seen in pg_stat_xact_user_tables)"
        )
    elif reads:
        message = (
            f"takes ACCESS EXCLUSIVE on {name} and reads every row under it: blocks reads and writes for the "
            "whole read and until the transaction commits (seen in pg_locks and pg_stat_xact_user_tables)"
        )
    else:
        message = (
            f"takes ACCESS EXCLUSIVE on {name}: blocks reads and writes until the transaction commits "
            "(seen in pg_locks)"
        )
    cost = await costing.scan(table) if reads else None
    return [Hazard("access-exclusive-lock", message, "observed", cost)]
