"""Turning the introspection's results into the frozen model while the next query runs on the server."""

from __future__ import annotations

import asyncio
import json
import sys
from bisect import bisect_left
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, cast

import asyncpg

from ..model import (
    Catalog,
    Column,
    Constraint,
    Extension,
    Function,
    ObjectRef,
    Relation,
    Schema,
)
from ..model import Sequence as SequenceObj
from ..model_objects import CONFIGURATION, DICTIONARY, TEXT_SEARCH
from ..model_privileges import Privilege
from ..model_unmodelled import Unmodelled
from .build_columns import ColumnPool, build_columns
from .definitions import ColumnNames, IndexWriter, KeyColumn
from .dependencies import Resolver
from .objects import (
    IndexValues,
    Shared,
    Texts,
    column_privileges,
    constraint_from,
    foreign_table_from,
    grants_from,
    index_from,
    object_dependencies,
    owned_indexes,
    relation_from,
    sequence_from,
    whole_object_from,
)
from .queries import INDEX_DEFINITIONS, INDEXDEF_SQL, META
from .rows import YIELD_EVERY, column_at, drained, group_by_relation
from .user_types import collations_from, conversions_from, user_types_from

if TYPE_CHECKING:
    from ..meta import MetaSnapshot

Record = asyncpg.Record


_MAX_OID = 2**32 - 1
_TEXT_SEARCH_CATALOGS = {DICTIONARY: "pg_ts_dict", CONFIGURATION: "pg_ts_config"}


# The most portions whose constraints are built beside the columns (`_build_constraints`), not after them. Built
# while the column pool still lives (`ColumnPool`, dropped once the columns are in), their objects do not reuse
# its memory: at 100,000 tables (100 portions) the browser's peak went from 594 to 662 MiB, over its 600.
CONSTRAINTS_BESIDE_COLUMNS = 10


class ReadStopped(Exception):
    """What a build waiting for another kind meets once a query of the read failed (`Builder.stop`): never
    said to a user, the query's own error is."""


class CatalogBuildError(Exception):
    """A kind of the catalog's rows that could not be made into the model (a bug): said with the kind and the
    error. The builds that wait for that kind meet this same error (`Builder._wait`), not what their own code
    did without it: a failed column build surfaced as `KeyError: 1` from the index definitions."""

    def __init__(self, kind: str, error: Exception) -> None:
        super().__init__(
            f"the catalog read failed while building its {kind}: {type(error).__name__}: {error}"
        )
        self.__cause__ = error  # the build's own traceback (DIBS_TUI_DEBUG), wherever this is raised again


class Builder:
    """Turns each query's rows into model objects as they arrive, in chunks that let the sockets be read.

    Columns are built first; constraints and indexes wait for them (their keys arrive as attnums). Rows are
    dropped as they are used (`drained`): at 5,000 tables, records and model are not both held in full. The
    relations themselves and the dependencies are assembled at the end, when every part is there.
    """

    def __init__(
        self,
        only_oids: Sequence[int] = (),
        arrived: Callable[[int], object] | None = None,
        column_pool: ColumnPool | None = None,
    ) -> None:
        # A pool of its own is dropped once the columns are in (10 MiB at 5,000 tables); a diff's is shared.
        self._own_pool = column_pool is None
        self._column_pool: ColumnPool = {} if column_pool is None else column_pool
        self.only_oids = list(only_oids)  # the relations asked for, when not the whole catalog
        self._on_arrival = arrived  # told how many query results are in, as each arrives
        self._results = 0
        self.meta: MetaSnapshot | None = None
        self._rows: dict[str, list[Record]] = {}
        self._tasks: list[asyncio.Task[None]] = []
        self._arrived: dict[str, asyncio.Event] = defaultdict(asyncio.Event)
        self._failed: dict[str, CatalogBuildError] = {}  # a kind (or a kind's portion) whose build failed
        self._columns: dict[int, list[Column]] = defaultdict(list)
        # Each relation's column names by position, for its constraints' keys and a foreign key's target's, until
        # the relation is built: then a target's are read from its columns (`_target_columns`).
        self._names: dict[int, ColumnNames] = {}
        self._built: dict[int, Relation] = {}
        self._keys: dict[int, dict[int, KeyColumn]] = {}
        self._constraints: dict[int, list[Constraint | None]] = defaultdict(list)
        # By constraints' portion: (relid, slot, row) of each foreign key made once its target's columns are in
        self._later_foreign_keys: dict[int, list[tuple[int, int, Record]]] = {}
        self._indexes: dict[int, list[IndexValues | None]] = defaultdict(list)
        # A partitioned table's indexes (relkind 'I'), in the relation's order: each one's OID and own column
        # names, which its Relation keeps in creation order (index_order).
        self._index_oids: dict[int, list[tuple[int, tuple[str, ...]]]] = {}
        # The columns whose NOT NULL a relation declares itself (conislocal), kept for a child (own_not_nulls)
        self._own_not_nulls: dict[int, list[str]] = {}
        self._deparse: dict[int, tuple[int, int, Record]] = {}  # index OID -> (relid, slot, row)
        self._deparse_relids: set[int] = set()
        self._relations: list[Relation] = []
        self._sequences: list[SequenceObj] = []
        # (relid, column, [[grantee, privilege, grantable], ...]) for the few columns with grants, named once
        # their relation is built; relations never built (an extension's) leave theirs out.
        self._column_grants: list[tuple[int, str, list[list[str]]]] = []
        self._column_privileges: list[Privilege] = []
        self._tuples: Shared = {}  # key, include and option tuples, one object per distinct value
        self._texts: Texts = {}  # constraint definitions and index predicates, one object per distinct value
        self._comments: Texts = {}  # column comments, one object per distinct value, until the columns are in
        self._key_texts: dict[tuple[object, ...], str] = {}  # keys' definitions (constraint_from)
        self._type_keys: dict[tuple[str, str], tuple[str, str]] = {}
        self._index_writer: IndexWriter | None = None
        self._resolver = Resolver()
        self.portions: list[tuple[int, int]] = []  # relation OID ranges (low, high] of the portioned kinds
        self._last_portion: dict[str, asyncio.Task[None]] = {}
        self._portions_in: Counter[str] = Counter()
        self._head: asyncio.Future[Catalog] | None = None
        self.reading = True  # until every query's rows are in (read.py)
        self._stopped = False  # a query failed: nothing more will arrive (`stop`)

    def meta_read(self, snapshot: MetaSnapshot) -> None:
        self.meta = snapshot
        self._arrived[META].set()

    async def meta_snapshot(self) -> MetaSnapshot | None:
        """The meta tables' snapshot, once read (a read with the meta tables only); None if the read stopped
        before it (its failure is the read's to say)."""
        if not self._stopped:
            await self._arrived[META].wait()
        return self.meta

    def portions_between(self, bounds: Sequence[int]) -> None:
        """The portions' OID ranges, from the last relation OID of each full portion (queries.PORTIONED)."""
        lows = [0, *bounds]
        self.portions = list(zip(lows, [*bounds, _MAX_OID], strict=True))

    def consume(self, name: str, rows: list[Record]) -> None:
        self._tasks.append(asyncio.ensure_future(self._consume(name, rows)))
        self._results += 1
        if self._on_arrival is not None:
            self._on_arrival(self._results)

    def consume_portion(self, name: str, rows: list[Record], *, last: bool) -> asyncio.Task[None]:
        """One portion of a kind, built after the portion before it; the kind has arrived with its last."""
        before = self._last_portion.get(name)
        self._portions_in[name] += 1
        task = asyncio.ensure_future(self._consume_portion(name, rows, before, self._portions_in[name], last))
        self._last_portion[name] = task
        self._tasks.append(task)
        if last:
            self._results += 1
            if self._on_arrival is not None:
                self._on_arrival(self._results)
        return task

    async def _consume_portion(
        self, name: str, rows: list[Record], before: asyncio.Task[None] | None, number: int, last: bool
    ) -> None:
        try:
            if before is not None:
                await before
            await self._build(name, rows, number)
        except Exception as exc:
            # A failed portion fails its kind: the portions after it are not asked for (read._fetch_portions),
            # and a build waiting for the whole kind (the constraints wait for every column) raises, not hangs.
            failed = self._fail(exc, f"{name} {number}", name, kind=name)
            self._arrive(name)
            raise failed from failed.__cause__
        finally:
            self._arrived[f"{name} {number}"].set()
            if last:
                self._arrive(name)

    def cancel(self) -> None:
        """Stop the builds still waiting for a result that will not come (a query failed); what the others
        raised meanwhile is taken, so that it is not reported again as never retrieved."""
        for task in self._tasks:
            if not task.cancel() and not task.cancelled():
                task.exception()
        if self._head is not None:
            self._head.cancel()

    @property
    def stopped(self) -> bool:
        return self._stopped

    def stop(self) -> None:
        """A query failed on one session: every build waiting for what will now never arrive raises
        `ReadStopped`, so that the other sessions' groups end and the read raises the query's own error
        (read._fetch_all). A build waits in a session's group too (the index definitions, a portion's
        back-pressure): cancelling the builder's tasks alone left those waiting for ever."""
        self._stopped = True
        for event in self._arrived.values():
            event.set()

    async def _wait(self, *names: str) -> None:
        """Until each of `names` is built; one that failed raises its error here, in every build after it."""
        for name in names:
            if not self._stopped:
                await self._arrived[name].wait()
            if (failed := self._failed.get(name)) is not None:
                raise failed
            if self._stopped:
                raise ReadStopped

    def _fail(self, error: Exception, *names: str, kind: str) -> CatalogBuildError:
        """The error `names` failed with, kept for their waiters: a build's own, said with its kind, or the one
        it met waiting for another (raised as it is)."""
        failed = error if isinstance(error, CatalogBuildError) else CatalogBuildError(kind, error)
        for name in names:
            self._failed[name] = failed
        return failed

    async def _consume(self, name: str, rows: list[Record]) -> None:
        try:
            await self._build(name, rows)
        except Exception as exc:
            failed = self._fail(exc, name, kind=name)
            raise failed from failed.__cause__
        finally:  # a failed build must not leave the others waiting: they raise its error (_wait)
            self._arrive(name)

    def _arrive(self, name: str) -> None:
        if name == "columns":
            self._comments = {}
            if self._own_pool:
                self._column_pool = {}
        self._arrived[name].set()

    async def _build(self, name: str, rows: list[Record], portion: int = 0) -> None:
        """`portion`: the number of this portion of a portioned kind (from 1), 0 for a whole result."""
        if name == "columns":
            await self._build_columns(rows)
        elif name == "constraints":
            await self._build_constraints(rows, portion)
        elif name == "indexes":
            await self._build_indexes(rows, portion)
        elif name == "relations":
            await self._build_relations(rows)
        elif name == "sequences":
            await self._build_sequences(rows)
        elif name == "dependencies":
            await self._keep_dependencies(rows)
        else:
            self._rows[name] = rows

    async def _build_constraints(self, rows: list[Record], portion: int) -> None:
        """Each constraint in its relation's list, once its own portion's columns are built (its keys): waiting
        for every column, the constraints' session idled from its third portion until the last column was in. A
        foreign key whose target's columns are not built yet keeps its slot and is made with the relations
        (`_fill_foreign_keys`). Beyond CONSTRAINTS_BESIDE_COLUMNS portions, after every column, as before."""
        beside = portion and len(self.portions) <= CONSTRAINTS_BESIDE_COLUMNS
        await self._wait(f"columns {portion}" if beside else "columns")
        names, shared, parts = self._names, self._tuples, self._resolver.parts["pg_constraint"]
        highs, arrived = [high for _, high in self.portions], self._arrived
        later = self._later_foreign_keys.setdefault(portion, [])
        for number, c in enumerate(drained(rows), 1):
            relid = c["relid"]
            if c["kind"] == "n":  # a NOT NULL the model says more of (queries.NAMED_NOT_NULL): its column's
                self._not_null(relid, c)
                continue
            constraints = self._constraints[relid]
            parts.add(c["oid"], relid, len(constraints))
            if (
                beside
                and c["kind"] == "f"
                and c["target_columns"] is None
                and not arrived[f"columns {bisect_left(highs, c['target_relid']) + 1}"].is_set()
            ):
                later.append((relid, len(constraints), c))
                constraints.append(None)
            else:
                constraints.append(
                    constraint_from(
                        c, names.get(relid, ()), self._target_columns, shared, self._texts, self._key_texts
                    )
                )
            if number % YIELD_EVERY == 0:
                await asyncio.sleep(0)

    def _fill_foreign_keys(self, portion: int) -> None:
        """The foreign keys of a constraints' portion left for their target's columns, once every column is in."""
        for relid, slot, c in self._later_foreign_keys.pop(portion, ()):
            self._constraints[relid][slot] = constraint_from(
                c,
                self._names.get(relid, ()),
                self._target_columns,
                self._tuples,
                self._texts,
                self._key_texts,
            )

    async def _build_indexes(self, rows: list[Record], portion: int) -> None:
        """Each index written as it arrives (or left to the server: deparse_indexes) in its relation's slot."""
        # A portion's keys are in the columns' portion of the same relations.
        await self._wait(f"columns {portion}" if portion else "columns", "header", "types")
        if self._index_writer is None:
            self._index_writer = IndexWriter(
                self._rows["header"][0]["default_opclasses"], self._rows["types"]
            )
        writer, parts = self._index_writer, self._resolver.parts["pg_class"]
        for number, i in enumerate(drained(rows), 1):
            relid = i["relid"]
            keys = self._keys.get(relid, {})
            definition, written = i["definition"] or None, None
            if definition is None and (written := writer.definition(i, keys)) is not None:
                definition = written[0]
            slots = self._indexes[relid]
            parts.add(i["oid"], relid, len(slots))  # its place in the relation's indexes (owned_indexes)
            if i["attnames"] is not None:
                attnames = tuple(i["attnames"])
                made = (i["oid"], self._tuples.setdefault(attnames, attnames))
                self._index_oids.setdefault(relid, []).append(made)
            if definition is None:  # the server deparses it (deparse_indexes)
                self._deparse[i["oid"]] = (relid, len(slots), i)
                self._deparse_relids.add(relid)
                slots.append(None)
            else:
                named = written[1] if written is not None else None
                slots.append(index_from(i, keys, definition, self._tuples, self._texts, named))
            if number % YIELD_EVERY == 0:
                await asyncio.sleep(0)
        if portion:
            self._drop_keys(*self.portions[portion - 1])

    async def _build_sequences(self, rows: list[Record]) -> None:
        """Built as they arrive: their records (100,000 at 100,000 tables) are not held until the catalog's."""
        resolver = self._resolver
        for number, r in enumerate(drained(rows), 1):
            sequence = sequence_from(r)
            self._sequences.append(sequence)
            resolver.add_sequence(r["oid"], sequence)
            if number % YIELD_EVERY == 0:
                await asyncio.sleep(0)

    async def _keep_dependencies(self, rows: list[Record]) -> None:
        """pg_depend's rows, held compact until every object they may name is in (resolved in `catalog`)."""
        keep = self._resolver.keep
        for number, row in enumerate(drained(rows), 1):
            keep(row)
            if number % YIELD_EVERY == 0:
                await asyncio.sleep(0)

    async def _build_columns(self, rows: list[Record]) -> None:
        await build_columns(
            rows, self._column_pool, self._type_keys, self._comments, self._column_grants, self._columns,
            self._keys, self._names,
        )  # fmt: skip

    def _not_null(self, relid: int, row: Record) -> None:
        """The column's NOT NULL is NOT VALID, NO INHERIT, named otherwise than the server would name it (a
        name over 63 bytes where the default would be cut is kept as it is) or the table's own while inherited:
        its Column (shared by equal columns: ColumnPool) replaced by one that says so, the table's own noted."""
        columns, position, name = self._columns.get(relid, []), int(row["keys"]), sys.intern(row["name"])
        for index, column in enumerate(columns):
            if column.position == position:
                if row["is_local"]:
                    self._own_not_nulls.setdefault(relid, []).append(column.name)
                columns[index] = replace(
                    column,
                    not_null_not_valid=None if row["validated"] else name,
                    not_null_name=None if name == row["not_null_default"] else name,
                    not_null_no_inherit=row["no_inherit"],
                )

    def _target_columns(self, relid: int, keys: str) -> list[str]:
        """A foreign key's target's columns named by their attnums (`keys`: "1 2"): from its names by position,
        or once it is built, from its columns (in position order, one per position unless some were dropped).
        Each relation's names were held until every relation was built (an FK may name a relation of any portion),
        about 10 MiB at 100,000 tables at the last constraints' portion, one of the read's two peaks."""
        names = self._names.get(relid)
        if names is not None or relid not in self._built:
            return [(names or ())[int(k)] for k in keys.split()]
        columns = self._built[relid].columns
        return [column_at(columns, int(k)).name for k in keys.split()]

    def _drop_keys(self, low: int, high: int) -> None:
        """The key columns of a portion's relations, once its indexes are written (those the server still
        deparses excepted): at most two portions' are held, not a KeyColumn per column of the catalog."""
        keep = self._deparse_relids
        for relid in [r for r in self._keys if low < r <= high and r not in keep]:
            del self._keys[relid]

    async def deparse_indexes(self, conn: asyncpg.Connection) -> None:
        """Have the server write the index definitions Python could not (one query, on the group's
        connection, once the indexes are built)."""
        try:
            await self._wait("indexes")
            if self._deparse:
                for row in await conn.fetch(INDEXDEF_SQL, list(self._deparse)):
                    relid, slot, record = self._deparse[row["oid"]]
                    self._indexes[relid][slot] = index_from(
                        record, self._keys.get(relid, {}), row["definition"], self._tuples, self._texts
                    )
        finally:
            self._arrived[INDEX_DEFINITIONS].set()

    async def _build_relations(self, rows: list[Record]) -> None:
        """The relations, as soon as all their parts are in (before dependencies and functions): portion by
        portion of the constraints (the last kind to arrive, on the connection that ends last), so that only
        the last portion's relations are built once the last constraint is in, not all of them."""
        await self._wait("columns", INDEX_DEFINITIONS, "triggers", "policies")
        triggers, policies = (
            group_by_relation(self._rows["triggers"]),
            group_by_relation(self._rows["policies"]),
        )
        order = [r["oid"] for r in rows]  # the query's order (schema, name), kept by the catalog
        built = self._built
        if self.portions:
            highs = [high for _, high in self.portions]
            portions: list[list[Record]] = [[] for _ in highs]
            for r in drained(rows):
                portions[bisect_left(highs, r["oid"])].append(r)
            compacted_at = len(self._columns)
            for number, portion in enumerate(portions, 1):
                await self._wait(f"constraints {number}")
                self._fill_foreign_keys(number)
                await self._build_portion_relations(portion, triggers, policies, built)
                if len(self._columns) * 4 < compacted_at:
                    compacted_at = self._compact_parts()
        await self._wait("constraints")
        if not self.portions:  # a read of some relations alone: their constraints come in one result
            await self._build_portion_relations(rows, triggers, policies, built)
        # Every constraint and index is written: what their keys needed, and the look-ups that made their equal
        # texts and tuples one, are freed before the catalog's peak; so are the emptied parts by relation (a
        # dict keeps the table it grew to, about 5 MiB each for 100,000 relations, when its entries are popped).
        self._column_privileges = column_privileges(self._column_grants, built)
        self._keys, self._names, self._built = {}, {}, {}
        self._texts, self._tuples, self._type_keys, self._key_texts = {}, {}, {}, {}
        self._columns, self._constraints, self._indexes, self._index_oids = {}, {}, {}, {}
        self._own_not_nulls = {}
        self._relations = [built.pop(oid) for oid in order]

    def _compact_parts(self) -> int:
        """The parts by relation still to be built, copied into dicts of their size when a quarter is left (a
        popped dict keeps its table: 5 MiB at 100,000 relations, to the last constraints' portion). No await:
        constraints still arriving go to the new dict. Returns the number of relations left."""
        self._columns = defaultdict(list, self._columns)
        self._constraints = defaultdict(list, self._constraints)
        self._indexes = defaultdict(list, self._indexes)
        self._index_oids = dict(self._index_oids)
        self._own_not_nulls = dict(self._own_not_nulls)
        self._names = dict(self._names)
        return len(self._columns)

    async def _build_portion_relations(
        self,
        rows: list[Record],
        triggers: dict[int, list[Record]],
        policies: dict[int, list[Record]],
        built: dict[int, Relation],
    ) -> None:
        resolver = self._resolver
        for number, r in enumerate(drained(rows), 1):
            oid = r["oid"]
            rel_triggers, rel_policies = triggers.pop(oid, ()), policies.pop(oid, ())
            # Every slot is filled by now (a foreign key's left for its target: `_fill_foreign_keys`)
            constraints = cast(list[Constraint], self._constraints.pop(oid, []))
            # A slot is left None only if the server's deparse failed, and then the read raises: each index keeps
            # the place its part was given (Parts).
            indexes = owned_indexes([i for i in self._indexes.pop(oid, ()) if i is not None], constraints)
            rel = relation_from(
                r,
                self._columns.pop(oid, ()),
                constraints,
                indexes,
                rel_triggers,
                rel_policies,
            )
            own = self._own_not_nulls.pop(oid, None)
            if own is not None and (rel.partition_of is not None or rel.inherits):
                rel = replace(rel, own_not_nulls=tuple(own))
            made = self._index_oids.pop(oid, None)
            if made is not None and r["kind"] == "p" and len(made) == len(indexes):
                created = sorted(range(len(indexes)), key=[o for o, _ in made].__getitem__)
                rel = replace(rel, index_order=tuple([(indexes[k].name, made[k][1]) for k in created]))
            built[oid] = rel
            self._names.pop(oid, None)  # a foreign key's target's names are now read from its columns
            resolver.add_relation(oid, r["type_oid"], rel)
            for t in rel_triggers:
                resolver.add("pg_trigger", t["oid"], ObjectRef("trigger", rel.schema, rel.name, t["name"]))
            for p in rel_policies:
                resolver.add("pg_policy", p["oid"], ObjectRef("policy", rel.schema, rel.name, p["name"]))
            if number % YIELD_EVERY == 0:
                await asyncio.sleep(0)

    async def head(self) -> Catalog:
        """The catalog's fields up to its relations, as soon as those are built, while the last queries may
        still run (`schema --json` writes them meanwhile); `catalog()` is this catalog with the rest filled in,
        the same objects."""
        if self._head is None:
            self._head = asyncio.ensure_future(self._assemble_head())
        return await asyncio.shield(self._head)

    async def _assemble_head(self) -> Catalog:
        await self._wait("header", "types", "sequences", "relations")
        for task in self._tasks:  # a kind that failed to build lets its waiters go on without it
            failure = task.exception() if task.done() and not task.cancelled() else None
            if failure is not None:
                raise failure
        rows = self._rows
        header = rows["header"][0]
        resolver = self._resolver
        enums, domains, composites, ranges = user_types_from(rows["types"], resolver)
        return Catalog(
            database=header["db"],
            server_version=header["version"],
            reader=header["reader"],
            standby=header["standby"],
            schemas=tuple(
                Schema(s["name"], s["owner"], s["comment"]) for s in json.loads(header["schemas"] or "[]")
            ),
            extensions=tuple(
                Extension(x["name"], x["schema"], x["version"], tuple(x["requires"] or ()), x["comment"])
                for x in json.loads(header["extensions"] or "[]")
            ),
            enums=tuple(enums),
            domains=tuple(domains),
            composites=tuple(composites),
            ranges=tuple(ranges),
            collations=collations_from(header["collations"]),
            conversions=conversions_from(header["conversions"]),
            sequences=tuple(self._sequences),
            relations=tuple(self._relations),
        )

    async def catalog(self) -> Catalog:
        await asyncio.gather(*self._tasks)
        head = await self.head()
        # The head's other waiters run first (`schema --json` forks its writer there): what follows holds the
        # loop for the dependencies' resolution, 120-160 ms at 5,000 tables.
        await asyncio.sleep(0)
        rows = self._rows
        resolver = self._resolver
        functions = []
        for r in rows["functions"]:
            fn = Function(
                r["schema"],
                r["name"],
                r["identity_arguments"],
                r["result"],
                r["language"],
                r["kind"],
                r["definition"],
                r["comment"],
            )
            functions.append(fn)
            resolver.add(
                "pg_proc", r["oid"], ObjectRef("function", fn.schema, fn.name, fn.identity_arguments)
            )
        objects = tuple(whole_object_from(o) for o in rows["objects"])
        for o, obj in zip(rows["objects"], objects, strict=True):
            if obj.kind in TEXT_SEARCH:  # what names one as a regconfig constant depends on it
                resolver.add(_TEXT_SEARCH_CATALOGS[obj.kind], o["oid"], ObjectRef(*obj.ref))
        grants, roles = grants_from(rows["privileges"])
        foreign_tables = tuple(foreign_table_from(f) for f in rows["foreign_tables"])
        return replace(
            head,
            functions=tuple(functions),
            dependencies=resolver.dependencies(object_dependencies(objects, foreign_tables)),
            objects=objects,
            foreign_tables=foreign_tables,
            # kind 'column' sorts first, as the query's ORDER BY would have put it
            privileges=(*self._column_privileges, *grants),
            roles=roles,
            unmodelled=tuple(
                Unmodelled(u["kind"], u["schema"], u["relation"], u["count"], u["names"])
                for u in rows["unmodelled"]
            ),
        )
