"""pg_depend's rows, which travel as bare OIDs, resolved against the objects the other queries returned: the
schema filters and the extension and meta-table exclusions apply to dependencies for free."""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections.abc import Callable, Iterable

import asyncpg

from ..model import Dependency, ObjectRef, Relation, Sequence
from ..model_dependencies import Dependencies
from .objects import new_object_ref

Record = asyncpg.Record


class Parts:
    """Constraints or indexes by OID: their relation's OID and their place in its constraints or indexes, in
    three arrays in the order the builder adds them, 12 bytes a part where a dict of tuples took 240: there are
    55,000 parts at 5,000 tables and a few hundred are named by a dependency. The name is read from the
    relation when a dependency names the part: a list of every part's name was 8 bytes a part more (1.1
    million parts at 100,000 tables), held through both of the read's peaks."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._oids = array("I")
        self._relids = array("I")
        self._places = array("I")
        # The refs made, in the order made; a part's place in its relation is replaced by its ref's place here
        # once made (`ref`). In a dict keyed by ints with the relations' refs (230,000 and 88,000 at 100,000
        # tables), they raised the read's peak at the assembly by about 26 MiB; a list of a pointer a part (1.1
        # million, a fifth of them named), 8.8 MiB.
        self._made: list[ObjectRef] = []
        self._located: dict[int, int] = {}  # a named part's OID -> its index in the arrays (`locate`)

    def add(self, oid: int, relid: int, place: int) -> None:
        """`place`: the part's index in its relation's constraints or indexes, as the builder appends them."""
        self._oids.append(oid)
        self._relids.append(relid)
        self._places.append(place)

    def locate(self, named: set[int]) -> None:
        """Where the parts whose OIDs are in `named` are, once every part is in, before `ref`: one pass over
        the parts. Sorting every part by OID for a binary search was most of the dependencies' resolution on
        the read's serial tail (34-47 of 131-143 ms at 5,000 tables), where the named ones are a few
        hundred."""
        located: dict[int, int] = {}
        for at, oid in enumerate(self._oids):
            if oid in named:
                located[oid] = at
        self._located = located

    def ref(self, oid: int, relation: Callable[[int], Relation | None]) -> ObjectRef | None:
        """The part's ref, made once; None if this introspection did not return it or skipped its relation."""
        at = self._located.get(oid)
        if at is None:
            return None
        place = self._places[at]
        if place & _MADE:
            return self._made[place & _MAX_MADE]
        owner = relation(self._relids[at])
        if owner is None:
            return None
        named = owner.constraints if self.kind == "constraint" else owner.indexes
        ref = new_object_ref(self.kind, owner.schema, owner.name, named[place].name)
        self._places[at] = _MADE | len(self._made)
        self._made.append(ref)
        return ref


class Resolver:
    """Maps pg_depend's (catalog, oid, sub) to the ObjectRefs of objects this introspection returned. The refs
    of relations and their parts are made when a dependency names them (and then shared by every dependency
    that does); a column's name is read from its relation.

    Everything is keyed by one int, not a tuple: the catalog's code and the OID (`_ref_key`), and for
    pg_depend's rows the sub-object too (`keep`). At 100,000 tables there are 364,000 rows naming 370,000
    objects: as records and tuple-keyed dicts they were 200 MiB at the read's peak (bench/JOURNAL.md, memory).
    """

    def __init__(self) -> None:
        self._refs: dict[int, ObjectRef] = {}
        # Each relation's OID, then its place in `_relation_list` (sorted: `dependencies`): a dict of 100,000
        # relations by their OIDs was 8 MiB at 100,000 tables.
        self._relation_oids = array("Q")
        self._relation_list: list[Relation] = []
        # The relations' refs made, by place in `_relation_list` (`_relation_ref`, from `dependencies`), not in
        # `_refs`.
        self._relation_refs: list[ObjectRef | None] = []
        # A relation's row type OID, then the relation's OID (sorted: `dependencies`): 16 bytes a relation where
        # a dict of ints was 11 MiB at 100,000 tables.
        self._row_types = array("Q")
        self._constraint_parts, self._index_parts = Parts("constraint"), Parts("index")
        self.parts = {"pg_constraint": self._constraint_parts, "pg_class": self._index_parts}
        self._rows = array("Q")  # pg_depend's rows as (dependent, referenced) key pairs (`keep`)
        self._sequences: list[Sequence] = []
        # Each sequence's OID, then its place in the list (sorted: `dependencies`).
        self._sequence_oids = array("Q")

    def add(self, catalog: str, oid: int, ref: ObjectRef) -> None:
        self._refs[_ref_key(_CODES[catalog], oid)] = ref

    def add_sequence(self, oid: int, sequence: Sequence) -> None:
        """A sequence's ref is made when a dependency names it, like a relation's: one per table is common,
        and a ref each with its key in `_refs` was 12 MiB at 100,000 tables, few of them named."""
        self._sequence_oids.append(oid << 32 | len(self._sequences))
        self._sequences.append(sequence)

    def _relation(self, oid: int) -> Relation | None:
        place = _packed_value(self._relation_oids, oid)
        return self._relation_list[place] if place >= 0 else None

    def _relation_ref(self, place: int) -> ObjectRef:
        """The ref of the relation at `place` in `_relation_list`, made once."""
        ref = self._relation_refs[place]
        if ref is None:
            rel = self._relation_list[place]
            ref = self._relation_refs[place] = new_object_ref("table", rel.schema, rel.name, "")
        return ref

    def _sequence(self, oid: int) -> Sequence | None:
        place = _packed_value(self._sequence_oids, oid)
        return self._sequences[place] if place >= 0 else None

    def add_relation(self, oid: int, type_oid: int, rel: Relation) -> None:
        self._relation_oids.append(oid << 32 | len(self._relation_list))
        self._relation_list.append(rel)
        if type_oid:  # a function returning SETOF the table's row type depends on the table
            self._row_types.append(type_oid << 32 | oid)

    def keep(self, row: Record) -> None:
        """One row of the dependencies query, held as two ints (16 bytes; its record took about 220) until
        every object it may name is in. A sub-object is an attribute number (int2): it takes 16 bits."""
        dep_class, dep_oid, dep_sub, ref_class, ref_oid, ref_sub = row
        codes = _CODES_BY_OID
        self._rows.append(codes.get(dep_class, 0) << 48 | dep_oid << 16 | (dep_sub + _SUB_BIAS))
        self._rows.append(codes.get(ref_class, 0) << 48 | ref_oid << 16 | (ref_sub + _SUB_BIAS))

    def _ref(self, code: int, oid: int) -> ObjectRef | None:
        """The ref of any object but a relation (`_resolve` looks those up first); None if this introspection
        did not return it."""
        key = _ref_key(code, oid)
        ref = self._refs.get(key)
        if ref is not None:
            return ref
        if code == _PG_CONSTRAINT:
            return self._constraint_parts.ref(oid, self._relation)  # kept by the part's place
        if code == _PG_TYPE:  # a relation's row type stands for the relation: its ref is the relation's own
            table = _packed_value(self._row_types, oid)  # the relation's OID
            ref = self._relation_ref(_packed_value(self._relation_oids, table)) if table > 0 else None
        elif code == _PG_CLASS:
            ref = self._index_parts.ref(oid, self._relation)
            if ref is not None:
                return ref  # kept by the part's place
            sequence = self._sequence(oid)
            ref = new_object_ref("sequence", sequence.schema, sequence.name, "") if sequence else None
        if ref is not None:
            self._refs[key] = ref
        return ref

    def _resolve(self, key: int) -> ObjectRef | None:
        """The ref a kept row's key names, but a column's (`_resolve_into` reads those from `columns`, where
        `_aliased` put them)."""
        code = key >> 48
        oid, sub = (key >> 16) & _MAX_OID, (key & 0xFFFF) - _SUB_BIAS
        if code == _PG_CONSTRAINT:  # `_ref`'s first two steps, without its calls: a third of the keys
            ref = self._refs.get(code << 32 | oid)
            if ref is None:
                ref = self._constraint_parts.ref(oid, self._relation)
        elif code == _PG_CLASS and sub == 0:
            # One object of pg_class per OID: a named index (every foreign key names its target's key) is found
            # among the parts before the relations' search, whose answer for it is no.
            ref = self._index_parts.ref(oid, self._relation)
            if ref is not None:
                return ref
            place = _packed_value(self._relation_oids, oid)
            if place >= 0:
                return self._relation_ref(place)
            ref = self._ref(code, oid)
        else:
            ref = self._ref(code, oid)
        # A table's ref here is reached through its row type, whose sub-objects are not modelled.
        return None if ref is not None and sub != 0 and ref.kind == "table" else ref

    def _column(self, place: int, sub: int) -> ObjectRef | None:
        rel = self._relation_list[place]
        columns = rel.columns  # in position order, one per position unless columns were dropped
        column = columns[sub - 1] if 0 < sub <= len(columns) else None
        if column is None or column.position != sub:
            column = next((c for c in columns if c.position == sub), None)
        return new_object_ref("column", rel.schema, rel.name, column.name) if column else None

    def dependencies(self, extra: Iterable[Dependency] = ()) -> Dependencies:
        """One Dependency per distinct (dependent, referenced) pair of the kept rows, in the rows' order, then
        `extra` (those the rows do not carry).

        Equal refs are one object: each (catalog, oid) is resolved once (a relation's and a part's ref kept by
        its place, the others in `_refs`: a relation's row type to the relation's ref, a type's array and its
        other OIDs to the type's, as the builder adds them), each column once by its key. Hashing and comparing
        the refs themselves (a dataclass's __hash__ and __eq__ are Python functions) for every row was most of
        what the catalog took once its queries were in
        (18,000 rows at 5,000 tables: 0.19 -> 0.16 s of CPU at load 14).

        The query's rows are distinct, so two rows name one pair only through a ref that more than one key
        reaches: a type, a relation whose row type a row names, a part named with a sub-object (`_aliased`).
        Only pairs with such a ref are remembered to be told apart, by their refs' identities: numbering every
        ref by its fields and by key, and a set of every pair, held about 70 MiB at the end of the
        100,000-table read, where it peaked.

        They are kept as two lists of refs (core.model_dependencies), filled as the rows are resolved, and the
        rows are let go a chunk at a time as they are read: at 100,000 tables a list of Dependency objects,
        its copy and the rows (6 MiB) were all held at the end of the assembly, the read's peak."""
        rows = self._rows
        self._constraint_parts.locate({key >> 16 & _MAX_OID for key in rows if key >> 48 == _PG_CONSTRAINT})
        self._index_parts.locate({key >> 16 & _MAX_OID for key in rows if key >> 48 == _PG_CLASS})
        self._sequence_oids = array("Q", sorted(self._sequence_oids))
        self._row_types = array("Q", sorted(self._row_types))
        self._relation_oids = array("Q", sorted(self._relation_oids))
        self._relation_refs = [None] * len(self._relation_list)
        self._rows = array("Q")
        columns: list[ObjectRef | None] = []
        dependents: list[ObjectRef] = []
        referenced: list[ObjectRef] = []
        self._resolve_into(rows, self._aliased(rows, columns), columns, dependents, referenced)
        for dependency in extra:
            dependents.append(dependency.dependent)
            referenced.append(dependency.referenced)
        return Dependencies.of_lists(dependents, referenced)

    def _resolve_into(
        self,
        rows: array[int],
        aliased: set[int],
        columns: list[ObjectRef | None],
        dependents: list[ObjectRef],
        referenced: list[ObjectRef],
    ) -> None:
        """The kept rows' dependencies (see `dependencies`) appended to the two lists of refs, `rows` emptied
        from the front as they are read. A key naming a column (`_aliased` put its place) is read inline: half
        of the keys, and the call was most of their cost."""
        seen: set[tuple[int, int]] = set()
        resolve = self._resolve
        add_dependent, add_referenced = dependents.append, referenced.append
        while rows:
            chunk = rows[:_ROWS_CHUNK]
            del rows[:_ROWS_CHUNK]  # the array shrinks: its memory goes back as the rows are read
            keys = iter(chunk)
            for dependent_key, referenced_key in zip(keys, keys, strict=True):
                dependent = (
                    columns[dependent_key & _MAX_PLACE]
                    if dependent_key >> 48 == _COLUMN
                    else resolve(dependent_key)
                )
                target = (
                    columns[referenced_key & _MAX_PLACE]
                    if referenced_key >> 48 == _COLUMN
                    else resolve(referenced_key)
                )
                if dependent is None or target is None or dependent is target:
                    continue
                if id(dependent) in aliased or id(target) in aliased:
                    pair = (id(dependent), id(target))
                    if pair in seen:
                        continue
                    seen.add(pair)
                add_dependent(dependent)
                add_referenced(target)

    def _aliased(self, rows: array[int], columns: list[ObjectRef | None]) -> set[int]:
        """The identities of the refs that the rows reach by more than one key: a relation's through its row
        type, a type's through two of its OIDs (its own and its array's), and a part's through a sub-object (its
        own ref whatever the sub-object). A type named by one key only is not aliased: every column of an enum
        named by its own OID was a pair remembered (64,000 at 100,000 tables) that no other row could repeat.

        The relations' columns the rows name are made meanwhile, once each, appended to `columns`, and each
        key naming one is replaced in `rows` by its place there (`_COLUMN`): telling them apart from the parts'
        sub-objects takes the relation's look-up that makes them. A dict of them by key, held until every row
        was resolved, was 5 MiB of the read's peak at 100,000 tables (142,000 columns); here it is let go
        before the refs and the dependencies are made."""
        aliased: set[int] = set()
        type_keys: dict[int, int] = {}  # a type's ref (identity) -> the first key that named it
        places: dict[int, int] = {}  # a column's key -> its place in `columns`
        refs = self._refs
        for at, key in enumerate(rows):
            code, oid, sub = key >> 48, (key >> 16) & _MAX_OID, (key & 0xFFFF) - _SUB_BIAS
            if code == _PG_TYPE:
                ref = self._ref(code, oid)  # a type's own, or its relation's
                if ref is not None and (ref.kind == "table" or type_keys.setdefault(id(ref), key) != key):
                    aliased.add(id(ref))
            elif code == _PG_CLASS and sub == 0:  # a composite type's relation names the type (user_types.py)
                ref = refs.get(code << 32 | oid)  # _ref_key, inline
                if ref is not None and ref.kind == "type" and type_keys.setdefault(id(ref), key) != key:
                    aliased.add(id(ref))
            elif sub != 0:
                column = places.get(key)
                if column is None:
                    place = _packed_value(self._relation_oids, oid) if code == _PG_CLASS else -1
                    if place >= 0:
                        column = places[key] = len(columns)
                        columns.append(self._column(place, sub))
                    elif (ref := self._ref(code, oid)) is not None:
                        aliased.add(id(ref))
                if column is not None:
                    rows[at] = _COLUMN << 48 | column
        return aliased


def _ref_key(code: int, oid: int) -> int:
    return code << 32 | oid


# The OIDs of the system catalogs are fixed at initdb (pg_class 1259, pg_proc 1255, ...) on every version; each
# has a code of 4 bits in the keys (0: a catalog whose objects the model does not hold; 7 is `_COLUMN`).
_CODES = {
    "pg_class": 1,
    "pg_proc": 2,
    "pg_type": 3,
    "pg_constraint": 4,
    "pg_trigger": 5,
    "pg_policy": 6,
    "pg_ts_dict": 8,
    "pg_ts_config": 9,
}
_CODES_BY_OID = {1259: 1, 1255: 2, 1247: 3, 2606: 4, 2620: 5, 3256: 6, 3600: 8, 3602: 9}
_PG_CLASS, _PG_TYPE, _PG_CONSTRAINT = _CODES["pg_class"], _CODES["pg_type"], _CODES["pg_constraint"]
_COLUMN = 7  # the code of a key `_aliased` replaced by a column's place in its list
_MAX_PLACE = 2**48 - 1
_SUB_BIAS = 0x8000  # attribute numbers are int2: -32768..32767 held as 0..65535
_MAX_OID = 2**32 - 1


def _packed_value(packed: array[int], key: int) -> int:
    """The value packed beside `key` (`key << 32 | value`) in the sorted array `packed`; -1: `key` is not there.
    The resolver's relations, row types and sequences are kept so (16 bytes each, where dicts of ints took
    60-80), sorted once every row is in (`Resolver.dependencies`)."""
    at = bisect_left(packed, key << 32)
    return packed[at] & _MAX_OID if at < len(packed) and packed[at] >> 32 == key else -1


_MADE = 2**31  # a part's place replaced by its ref's place in `Parts._made` (no relation has 2**31 parts)
_MAX_MADE = _MADE - 1
_ROWS_CHUNK = 2**16  # keys of the kept rows read and let go at a time (even: a row is two keys)
