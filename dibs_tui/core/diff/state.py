"""What the comparison of one pair of catalogs has recorded so far, shared by every compare_* module."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from ..model import Catalog, Constraint, ObjectRef, Relation
from ..model import Sequence as SequenceObj
from ..plan import Change, ChangeKind
from ..sql import quote_literal
from .order import COMMENTS, Deps, Key, Step
from .render import comment_target


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
    pending_fks: list[tuple[Relation, Constraint]] = field(default_factory=list)
    des_graph: Deps = field(init=False)
    cur_dependents: Deps = field(init=False)
    inheritors: dict[tuple[str, str], list[Relation]] = field(init=False)

    def __post_init__(self) -> None:
        self.des_graph = Deps(self.desired)
        self.cur_dependents = Deps(self.current, reverse=True)
        self.inheritors = {}
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
        provides: Iterable[Key] = (),
        needs: Iterable[Key] = (),
        transactional: bool = True,
        destructive: bool = False,
    ) -> None:
        self.steps.append(
            Step(
                phase,
                sql,
                change,
                tuple(touches),
                tuple(provides),
                tuple(needs),
                transactional,
                destructive,
                len(self.steps),
            )
        )

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
    ) -> None:
        self.changes.append(Change(kind, ref, what, old, new, destructive, detail))

    def create_needs(self, ref: ObjectRef) -> list[Key]:
        return [("create", r) for r in self.des_graph.get(ref)]

    def drop_needs(self, ref: ObjectRef) -> list[Key]:
        """Dropping `ref` waits for the drops of everything that depends on it."""
        return [("drop", r) for r in self.cur_dependents.get(ref)]

    def comment(self, ref: ObjectRef, what: str, old: str | None, new: str | None) -> None:
        if (old or None) == (new or None):
            return
        self.change(ChangeKind.ALTER, ref, f"comment on {what}", old, new, detail="comment")
        value = quote_literal(new) if new else "NULL"
        self.step(COMMENTS, f"COMMENT ON {comment_target(ref, what)} IS {value};", ChangeKind.ALTER, [ref])
