"""A table's place among partitions: a partition's bound changed (DETACH and ATTACH again), or a table that
stops being a partition, becomes one or changes parent. Its rows are kept either way: a new table is
needed only for another kind or partition key (compare_relations)."""

from __future__ import annotations

from ..model import ObjectRef, Relation
from ..object_names import not_null_name
from ..plan import ChangeKind
from ..sql import qualified
from .graph import ADD_CONSTRAINTS, ALTER_TABLES, DROP_CONSTRAINTS
from .render import table_ref, what_of
from .state import PlanState


def detached_ref(rel: Relation, parent_key: tuple[str, str]) -> ObjectRef:
    """The state "no longer inherits from (or is a partition of) parent": a NO INHERIT or DETACH creates it,
    a drop of a column that came from that parent needs it (PostgreSQL refuses to drop an inherited column)."""
    return ObjectRef("detached", rel.schema, rel.name, qualified(*parent_key))


def plan_partition_changes(state: PlanState, old: Relation, new: Relation) -> None:
    """Another parent (or none), else another bound under the same parent."""
    ref = table_ref(new)
    name = qualified(new.schema, new.name)
    if old.partition_of != new.partition_of:
        _move_partition(state, old, new)
    elif (
        old.partition_bound != new.partition_bound
        and new.partition_of is not None
        and new.partition_of not in state.kept_partitions  # attached again with its new bound there
    ):
        parent = qualified(*new.partition_of)
        state.change(ChangeKind.ALTER, ref, "partition", old.partition_bound, new.partition_bound)
        # Every partition whose bound changes is detached before any is attached again: one may take the
        # bound another gives up (DEFAULT, say), which PostgreSQL refuses while both are attached.
        # (each DETACH makes the parent's "rebound" state, each ATTACH waits for all of them).
        rebound = ObjectRef("rebound", *new.partition_of)
        state.step(
            ALTER_TABLES,
            f"ALTER TABLE {parent} DETACH PARTITION {name};",
            ChangeKind.ALTER,
            [ref],
            creates=[rebound],
        )
        state.step(
            ALTER_TABLES,
            f"ALTER TABLE {parent} ATTACH PARTITION {name} {new.partition_bound};",
            ChangeKind.ALTER,
            [ref],
            needs=[rebound],
            after=dropped_partitions(state, new),
        )


def _move_partition(state: PlanState, old: Relation, new: Relation) -> None:
    """A table that stops being a partition, becomes one or changes parent keeps its rows: DETACH from the
    old parent before that parent's drop and before the table's own column changes (a partition's columns
    are its parent's), ATTACH to the new one once its columns match (PostgreSQL checks the rows against the
    bound then; review counts those that do not fit)."""
    ref = table_ref(new)
    name = qualified(new.schema, new.name)
    was = f"partition of {qualified(*old.partition_of)}" if old.partition_of else "table of its own"
    now = f"partition of {qualified(*new.partition_of)}" if new.partition_of else "table of its own"
    state.change(ChangeKind.ALTER, ref, what_of(new), was, now, detail=f"becomes a {now}")
    if old.partition_of is not None:
        parent = ObjectRef("table", *old.partition_of)
        state.step(
            DROP_CONSTRAINTS,
            f"ALTER TABLE {qualified(*old.partition_of)} DETACH PARTITION {name};",
            ChangeKind.ALTER,
            [ref, parent],
            needs=[parent],
            creates=[detached_ref(new, old.partition_of), ObjectRef("rebound", *old.partition_of)],
        )
    if new.partition_of is not None:
        parent = ObjectRef("table", *new.partition_of)
        detached = [detached_ref(new, old.partition_of)] if old.partition_of is not None else []
        # the table's own constraints renamed to the partition's names first: an inherited one keeps its name
        taken = [ObjectRef("constraint", *new.key, c.name) for c in new.constraints if c.is_inherited]
        taken += [
            ObjectRef("constraint", *new.key, not_null_name(state.desired, new, c))
            for c in new.columns
            if c.not_null
        ]
        state.step(
            ADD_CONSTRAINTS,
            f"ALTER TABLE {qualified(*new.partition_of)} ATTACH PARTITION {name} {new.partition_bound or 'DEFAULT'};",
            ChangeKind.ALTER,
            [ref, parent],
            # after the partitions that leave this parent: one may hold the bound it takes (DEFAULT, say)
            needs=[parent, *detached, *taken, ObjectRef("rebound", *new.partition_of)],
            after=dropped_partitions(state, new),
        )


def dropped_partitions(state: PlanState, new: Relation) -> list[ObjectRef]:
    """The live partitions of `new`'s parent but itself: a partition attached or made there waits for their
    drops (a DROP TABLE of one the desired side no longer has frees its bound)."""
    if new.partition_of is None:
        return []
    return [table_ref(p) for p in state.current.partitions.get(new.partition_of, ()) if p.key != new.key]
