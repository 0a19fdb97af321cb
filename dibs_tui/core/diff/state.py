"""What the comparison of one pair of catalogs has recorded so far, shared by every compare_* module."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import InitVar, dataclass, field
from typing import TypeVar

from ..ddl import sequence_options
from ..model import Catalog, Column, Constraint, ObjectRef, Policy, Relation
from ..model import Sequence as SequenceObj
from ..plan import Change, ChangeKind, PlannedStatement
from ..positional import positional_constructor
from ..sql import qualified, quote_ident, quote_literal
from .deparse_drift import across_versions, major_version
from .graph import COMMENTS, DROP_OBJECTS, DepIndex, NodeKey, References, Step, key, keys
from .name_slots import taken_names
from .render import comment_target

K = TypeVar("K")

# The plan's records through positional constructors (core.positional): a diff makes one of each per change
# and statement, a thousand of each at 1,000 tables, and their frozen dataclasses' own __init__ was 4 % of it.
_new_change = positional_constructor(Change)
new_statement = positional_constructor(PlannedStatement)


def only_in(side: Mapping[K, object], other: Mapping[K, object]) -> list[K]:
    """The keys of `side` that `other` lacks, in `side`'s order (the catalog's). Not `side.keys() - other.keys()`:
    a set's order follows the string hash seed, and the same two schemas must give the same plan, byte for byte."""
    return [k for k in side if k not in other]


@dataclass
class PlanState:
    """The steps and changes recorded so far, and what earlier comparisons decided that later ones read
    (types and tables re-created, sequences created or dropped, foreign keys waiting for every table)."""

    current: Catalog
    desired: Catalog
    steps: list[Step] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    needs_bodies_off: bool = False
    created_sequences: list[SequenceObj] = field(default_factory=list)
    dropped_sequences: list[SequenceObj] = field(default_factory=list)
    owned_by_steps: list[tuple[SequenceObj, SequenceObj | None]] = field(default_factory=list)
    dropped_early: set[tuple[str, str]] = field(default_factory=set)
    recreated_tables: set[tuple[str, str]] = field(default_factory=set)
    # Enums and domains re-created under their own name: their columns are recast, their readers redone.
    recreated_types: set[tuple[str, str]] = field(default_factory=set)
    # A re-created composite type's columns are rebuilt by this USING expression ({column} for the column).
    recasts: dict[tuple[str, str], str] = field(default_factory=dict)
    # ... and an array column of it by this helper function, created and dropped by the plan (a USING clause
    # takes no subquery, so the elements are rebuilt in the function's body).
    array_recasts: dict[tuple[str, str], ObjectRef] = field(default_factory=dict)
    # Collations re-created under their own name (quoted, as columns name them): their columns re-collated.
    recreated_collations: set[str] = field(default_factory=set)
    # (schema, table, column) dropped, retyped or re-collated in place: a rule reading one is re-created around it.
    reshaped_columns: set[tuple[str, str, str]] = field(default_factory=set)
    # (schema, table) -> its generated columns that read a reshaped column: dropped and added again around it.
    regenerated_columns: dict[tuple[str, str], list[Column]] = field(default_factory=dict)
    # Partitioned tables re-created for a retyped key column, with the partitions detached and attached again.
    kept_partitions: dict[tuple[str, str], list[Relation]] = field(default_factory=dict)
    pending_fks: list[tuple[Relation, Constraint]] = field(default_factory=list)
    # (table, "index" or "constraint", old name, new name, whether the name is an index's): part_renames
    part_renames: list[tuple[Relation, str, str, str, bool]] = field(default_factory=list)
    # The policies altered in place (compare_dependents.plan_policy_alters), by node: (table, current, desired)
    policy_alters: dict[NodeKey, tuple[Relation, Policy, Policy]] = field(default_factory=dict)
    # (schema, table, index) of the current indexes made a desired constraint (index_promotions): kept
    promoted_indexes: set[tuple[str, str, str]] = field(default_factory=set)
    # key_handovers: (schema, table, index) -> the passing name it is built under, renamed once the key whose
    # index bears its name is dropped; (schema, table, constraint or index) -> what its drop waits for
    passing_builds: dict[tuple[str, str, str], str] = field(default_factory=dict)
    drop_waits: dict[tuple[str, str, str], ObjectRef] = field(default_factory=dict)
    # (schema, name) of the identity sequences whose renames go round in a circle: made at the first rename
    identity_circle_heads: set[tuple[str, str]] | None = None
    # the foreign keys dropped and added again around a retyped column (around_columns.clear_foreign_keys)
    cleared_keys: set[ObjectRef] = field(default_factory=set)
    # the inheritance children that leave parents and join them again around a retyped column they have from
    # several (multi_parent_retype)
    released_children: set[tuple[str, str]] = field(default_factory=set)
    # (schema, table) -> the current table columns whose type is that table's row type (or an array of it)
    row_type_users: dict[tuple[str, str], list[str]] | None = None
    # A namespace's names on both sides and the passing names given in it (name_slots.taken_names), as needed
    taken: dict[tuple[str, ...], set[str]] = field(default_factory=dict)
    desired_deps: References = field(init=False)  # what a created object references is all it needs
    current_deps: DepIndex = field(init=False)
    inheritors: dict[tuple[str, str], list[Relation]] = field(init=False)
    # (schema, table) -> (column, sequence) of the current sequences it owns; referred to only for the tables
    # and columns dropped (an owned sequence's name is written when read: core.model).
    _owned: dict[tuple[str, str], list[tuple[str, SequenceObj]]] = field(init=False)
    # (schema, table, column) -> its identity sequence, current side then desired side.
    identity_sequences: tuple[dict[tuple[str, str, str], SequenceObj], ...] = field(init=False)
    # (schema, table) -> its columns whose identity sequence differs between the sides (options, or one side
    # has none): found once here, not per column of every table compared.
    identity_differs: dict[tuple[str, str], set[str]] = field(init=False)
    # The sides were read from servers of different major versions, whose deparsers print some definitions
    # otherwise (deparse_drift.across_versions).
    across_versions: bool = field(init=False)
    # The older side's major version (18 where a catalog does not say): a server before 18 keeps no names for
    # a column's NOT NULLs, before 17 for a domain's, so a name the other side gives one (a partition's, its
    # parent's) is nothing to rename there, and no RENAME CONSTRAINT would find it.
    oldest_server: int = field(init=False)
    # The sides' pg_depend as node keys when made already (a diff makes each as soon as its side is read).
    current_index: InitVar[DepIndex | None] = None
    desired_index: InitVar[References | None] = None

    def __post_init__(self, current_index: DepIndex | None, desired_index: References | None) -> None:
        self.desired_deps = References(self.desired) if desired_index is None else desired_index
        self.current_deps = DepIndex(self.current) if current_index is None else current_index
        self.inheritors = {}
        self._owned = {}
        for seq in self.current.sequences:
            if seq.owned_by is not None:
                owner = seq.owned_by
                self._owned.setdefault((owner.schema, owner.table), []).append((owner.column, seq))
        self.identity_sequences = tuple(
            {
                (s.owned_by.schema, s.owned_by.table, s.owned_by.column): s
                for s in catalog.sequences
                if s.is_identity and s.owned_by is not None
            }
            for catalog in (self.current, self.desired)
        )
        self.identity_differs = {}
        self.across_versions = across_versions(self.current.server_version, self.desired.server_version)
        self.oldest_server = min(major_version(c.server_version) or 18 for c in (self.current, self.desired))
        before_side, after_side = self.identity_sequences
        for column in before_side.keys() | after_side.keys():
            before, after = before_side.get(column), after_side.get(column)
            if (
                before is None
                or after is None
                or (
                    before != after
                    and (before.name != after.name or sequence_options(before) != sequence_options(after))
                )
            ):
                self.identity_differs.setdefault(column[:2], set()).add(column[2])
        for rel in self.current.relations:
            for parent in rel.inherits:
                self.inheritors.setdefault(parent, []).append(rel)

    def step(
        self,
        phase: int,
        sql: str,
        change: ChangeKind,
        touches: Iterable[ObjectRef],
        *,
        creates: Iterable[ObjectRef] = (),
        needs: Iterable[ObjectRef] = (),
        destroys: Iterable[ObjectRef] = (),
        vacates: Iterable[ObjectRef] = (),
        after: Iterable[ObjectRef] = (),
        transactional: bool = True,
        destructive: bool = False,
        reshapes: Iterable[ObjectRef] = (),
    ) -> None:
        """Record one statement and what it creates, needs to exist and destroys (see graph.Step); edges from
        pg_depend of both sides, schemas and extensions are added by the graph, not declared here."""
        self.steps.append(
            Step(
                phase,
                sql,
                change,
                tuple(touches),
                keys(creates),
                keys(needs),
                keys(destroys),
                keys(vacates),
                keys(after),
                transactional,
                destructive,
                len(self.steps),
                keys(reshapes) if reshapes else (),
            )
        )

    def names_taken(self, space: tuple[str, ...]) -> set[str]:
        """A namespace's names (see name_slots.taken_names), read once; passing names join them."""
        if space not in self.taken:
            self.taken[space] = taken_names(self.current, self.desired, space)
        return self.taken[space]

    def change(
        self,
        kind: ChangeKind,
        ref: ObjectRef,
        what: str,
        old: str | None = None,
        new: str | None = None,
        *,
        destructive: bool = False,
        detail: str = "",
        planned: bool = True,
    ) -> None:
        self.changes.append(_new_change(kind, ref, what, old, new, destructive, detail, planned, False))

    def keep_valid(self, ref: ObjectRef, what: str, old: str | None, new: str | None) -> None:
        """A constraint valid here that the desired side has NOT VALID, alike otherwise: kept valid, said, not
        planned. It already holds for every row, which is all NOT VALID promises of new rows and more; dropping
        it to add it NOT VALID would lose that and take the table's (or domain's) lock for nothing."""
        detail = "valid, NOT VALID in the desired schema: kept valid (it already holds for every row)"
        self.keep(ref, what, old, new, detail)

    def keep(self, ref: ObjectRef, what: str, old: str | None, new: str | None, detail: str) -> None:
        """A difference left alone on purpose (Change.kept), `detail` saying why: said, not planned, not drift."""
        self.changes.append(_new_change(ChangeKind.ALTER, ref, what, old, new, False, detail, True, True))

    def dependents(self, ref: ObjectRef) -> list[ObjectRef]:
        """What depends on `ref` in the current catalog (for a table, also on its columns and parts)."""
        return [ObjectRef(*node) for node in self.current_deps.of(key(ref))]

    def column_dependents(self, schema: str, table: str, columns: Iterable[str]) -> list[ObjectRef]:
        """What depends on these columns, or on the table as a whole (not on its other columns)."""
        deps = self.current_deps.dependents
        found = list(deps.get(("table", schema, table, ""), ()))
        for column in columns:
            found += deps.get(("column", schema, table, column), ())
        return [ObjectRef(*node) for node in found]

    def types_over_recreated(self, also: Iterable[tuple[str, str]] = ()) -> set[tuple[str, str]]:
        """Types (domains, composites) built on a type re-created so far (or on one of `also`, about to be),
        directly or through another: they still name the old one once it is renamed away, so they are made
        again too."""
        found: set[tuple[str, str]] = set()
        frontier = [ObjectRef("type", *k) for k in (*self.recreated_types, *also)]
        while frontier:
            for dependent in self.dependents(frontier.pop()):
                if dependent.kind == "type" and (dependent.schema, dependent.name) not in found:
                    found.add((dependent.schema, dependent.name))
                    frontier.append(dependent)
        return found

    def columns_of_row_type(self, key: tuple[str, str]) -> list[str]:
        """`schema.table.column` of each current table column holding the row type of table `key`, found in
        one pass over every column the first time a type change asks."""
        if self.row_type_users is None:
            self.row_type_users = {}
            relations = self.current.relations_by_key  # a row type is named as its relation; a column of an
            for rel in self.current.relations:  # enum or domain (most of those with a type_key) holds none
                for col in rel.columns if rel.kind.is_table else ():
                    if col.type_key is not None and col.type_key in relations:
                        where = f"{qualified(rel.schema, rel.name)}.{quote_ident(col.name)}"
                        self.row_type_users.setdefault(col.type_key, []).append(where)
        return self.row_type_users.get(key, [])

    def owned_sequences(
        self, schema: str, table: str, column: str | None = None, *, identity_only: bool = False
    ) -> list[ObjectRef]:
        """The current sequences a table (or one column) owns: serial and identity ones go with it.
        `identity_only`: the identity's alone, what DROP IDENTITY drops (a serial's, OWNED BY, stays)."""
        return [
            ObjectRef("sequence", seq.schema, seq.name)
            for col, seq in self._owned.get((schema, table), ())
            if (column is None or col == column) and (seq.is_identity or not identity_only)
        ]

    def drop_object(
        self, ref: ObjectRef, what: str, old: str, sql: str, after: Iterable[ObjectRef] = ()
    ) -> None:
        """A whole object the desired side no longer has: the change a person reads and its DROP, which the
        graph orders after everything that depended on it (and after the drops of `after`)."""
        self.change(ChangeKind.DROP, ref, what, old=old, destructive=True)
        self.step(DROP_OBJECTS, sql, ChangeKind.DROP, [ref], destroys=[ref], after=after, destructive=True)

    def comment(
        self, ref: ObjectRef, what: str, old: str | None, new: str | None, *, dropped: bool = False
    ) -> None:
        """COMMENT ON where the comment changes. `dropped`: the object is dropped and created again, its comment
        with it: the same comment is written again, but it is no change."""
        if (old or None) == (new or None):
            if dropped and new:
                self.step(COMMENTS, f"COMMENT ON {comment_target(ref, what)} IS {quote_literal(new)};",
                          ChangeKind.ALTER, [ref], needs=[ref])  # fmt: skip
            return
        self.change(ChangeKind.ALTER, ref, f"comment on {what}", old, new, detail="comment")
        value = quote_literal(new) if new else "NULL"
        sql = f"COMMENT ON {comment_target(ref, what)} IS {value};"
        self.step(COMMENTS, sql, ChangeKind.ALTER, [ref], needs=[ref])
