"""A table's own state beside its columns and keys: persistence (LOGGED / UNLOGGED), storage options, a
partition's bound or parent (partition_moves), the parents it inherits from, and row-level security."""

from __future__ import annotations

from ..model import ObjectRef, Relation
from ..plan import ChangeKind
from ..sql import qualified
from .graph import ALTER_TABLES, LATE_CREATE
from .partition_moves import detached_ref, plan_partition_changes
from .render import table_ref, what_of
from .state import PlanState
from .typed_tables import binding_ref


def _persistence(key: tuple[str, str]) -> ObjectRef:
    """The state "this table has its desired persistence" (SET LOGGED / UNLOGGED)."""
    return ObjectRef("persistence", *key)


def plan_storage(state: PlanState, old: Relation, new: Relation) -> None:
    """Persistence, storage options, and a partition's bound or parent (partition_moves)."""
    ref = table_ref(new)
    name = qualified(new.schema, new.name)
    if old.persistence != new.persistence and new.persistence in ("p", "u"):
        state.change(ChangeKind.ALTER, ref, what_of(new), detail="persistence")
        # PostgreSQL refuses a logged table referencing an unlogged one at every step: made logged after the
        # tables its foreign keys reference, unlogged after those referencing it
        if new.persistence == "p":
            others = [c.foreign_key.target_key for c in old.constraints if c.foreign_key is not None]
        else:
            others = [rel.key for rel, _ in state.current.referenced_by.get(old.key, ())]
        state.step(
            ALTER_TABLES,
            f"ALTER TABLE {name} SET {'UNLOGGED' if new.persistence == 'u' else 'LOGGED'};",
            ChangeKind.ALTER,
            [ref],
            creates=[_persistence(old.key)],
            needs=[_persistence(key) for key in others if key != old.key],
        )
    if old.options != new.options:
        state.change(
            ChangeKind.ALTER,
            ref,
            what_of(new),
            ", ".join(old.options),
            ", ".join(new.options),
            detail="storage options",
        )
        removed = {o.split("=", 1)[0] for o in old.options} - {o.split("=", 1)[0] for o in new.options}
        if removed:
            state.step(
                ALTER_TABLES,
                f"ALTER TABLE {name} RESET ({', '.join(sorted(removed))});",
                ChangeKind.ALTER,
                [ref],
            )
        if new.options:
            state.step(
                ALTER_TABLES,
                f"ALTER TABLE {name} SET ({', '.join(new.options)});",
                ChangeKind.ALTER,
                [ref],
            )
    plan_partition_changes(state, old, new)


def plan_inheritance_and_rls(state: PlanState, old: Relation, new: Relation) -> None:
    """Parents left or joined, and row-level security switched on or off (or forced)."""
    ref = table_ref(new)
    name = qualified(new.schema, new.name)
    for parent_key in old.inherits:
        if parent_key not in new.inherits:
            state.change(
                ChangeKind.ALTER, ref, what_of(new), detail=f"no longer inherits {qualified(*parent_key)}"
            )
            state.step(
                ALTER_TABLES,
                f"ALTER TABLE {name} NO INHERIT {qualified(*parent_key)};",
                ChangeKind.ALTER,
                [ref],
                creates=[detached_ref(new, parent_key)],
            )
    for parent_key in new.inherits:
        if parent_key not in old.inherits:
            parent = state.desired.relation(*parent_key)
            kept = sorted(c.name for c in parent.columns) if parent is not None else []
            # INHERIT needs every parent column on the table already, and they stay its own (attislocal): say so,
            # since such a column outlives the parent's drop of it.
            own = f"; its columns {', '.join(kept)} stay its own too" if kept else ""
            detail = f"inherits {qualified(*parent_key)}{own}"
            state.change(ChangeKind.ALTER, ref, what_of(new), detail=detail)
            live = state.current.relation(*parent_key)
            gone = [c.name for c in live.columns if parent.column(c.name) is None] if live and parent else []
            state.step(
                ALTER_TABLES,
                f"ALTER TABLE {name} INHERIT {qualified(*parent_key)};",
                ChangeKind.ALTER,
                [ref],
                needs=[ObjectRef("table", *parent_key)],
                # after the parent's drop of a column the table drops too: it would be missing from the table;
                # after its NOT OF (a typed table cannot inherit)
                after=[*(ObjectRef("column", *parent_key, column) for column in gone), binding_ref(*old.key)],
            )
    for flag, attr, on, off in (
        ("rls", "rls_enabled", "ENABLE", "DISABLE"),
        ("force rls", "rls_forced", "FORCE", "NO FORCE"),
    ):
        if getattr(old, attr) != getattr(new, attr):
            state.change(ChangeKind.ALTER, ref, what_of(new), detail=flag)
            state.step(
                LATE_CREATE,
                f"ALTER TABLE {name} {on if getattr(new, attr) else off} ROW LEVEL SECURITY;",
                ChangeKind.ALTER,
                [ref],
            )
