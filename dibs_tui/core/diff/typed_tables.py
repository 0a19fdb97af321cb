"""Typed tables (CREATE TABLE ... OF a composite type): bound to the type on both sides, their columns are the
type's attributes and change with ALTER TYPE ... CASCADE (compare_user_types), never by the table's own ALTER
(PostgreSQL refuses: "cannot add column to typed table"). Made plain, typed or typed by another type in place:
NOT OF before anything else touches the table or the type, the columns then altered as a plain table's, and
OF once they are the type's, in its order (PostgreSQL checks names, types, collations and order); where the
kept columns cannot reach that order by drops and appends, the table is made again (compare_relations)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from ..model import Catalog, Column, ObjectRef, Relation
from ..plan import ChangeKind
from ..sql import qualified
from .around_columns import retyped_ref
from .graph import ADD_CONSTRAINTS, DROP_DEPENDENTS, Step, key
from .partition_moves import detached_ref
from .render import table_ref, type_ref
from .state import PlanState


def binding_ref(schema: str, table: str) -> ObjectRef:
    """The state "this table is typed by its current type": NOT OF ends it; the type's ALTER and DROP follow."""
    return ObjectRef("typed table", schema, table)


def shaped_ref(type_key: tuple[str, str]) -> ObjectRef:
    """The state "this composite type's attributes are as desired": ALTER TABLE ... OF it waits for it."""
    return ObjectRef("type attributes", *type_key)


def bound(state: PlanState, old: Relation, new: Relation) -> bool:
    """Typed by the same type on both sides, that type kept (not made again): its columns are the type's. Not
    where a column the type adds has a default, NOT NULL or generation on the table: ADD ATTRIBUTE leaves the
    rows NULL, where ADD COLUMN fills them (and a NOT NULL set after would fail on them), so that table goes
    NOT OF, ADD COLUMN, OF as one made typed does."""
    return (
        old.of_type is not None
        and old.of_type == new.of_type
        and old.of_type not in state.recreated_types
        and not any(
            c.default is not None or c.not_null or c.generated
            for c in new.columns
            if old.column(c.name) is None
        )
    )


def typed_by(catalog: Catalog, type_key: tuple[str, str]) -> list[Relation]:
    return [r for r in catalog.relations if r.of_type == type_key]


def unbound_first(state: PlanState, type_key: tuple[str, str]) -> list[ObjectRef]:
    """What an ALTER or DROP of the type follows: the NOT OF (or the drop) of each table it types now."""
    return [ref for r in typed_by(state.current, type_key) for ref in (binding_ref(*r.key), table_ref(r))]


def bound_columns(state: PlanState, type_key: tuple[str, str], attribute: str) -> list[ObjectRef]:
    """The column `attribute` of each table typed by the type on both sides: what ALTER TYPE ... CASCADE adds,
    drops or retypes there."""
    return [
        ObjectRef("column", *r.key, attribute)
        for r in typed_by(state.current, type_key)
        if (new := state.desired.relation(*r.key)) is not None and bound(state, r, new)
    ]


def out_of_order(state: PlanState, old: Relation, new: Relation) -> bool:
    """A table made typed whose kept columns are not the type's first ones in its order: drops and ADD COLUMN
    (which appends) cannot give it the type's order, which ALTER TABLE ... OF requires."""
    if new.of_type is None or bound(state, old, new):
        return False
    before = [c.name for c in sorted(old.columns, key=lambda c: c.position)]
    after = [c.name for c in sorted(new.columns, key=lambda c: c.position)]
    kept = [n for n in before if n in after]
    return kept + [n for n in after if n not in before] != after


def plan_binding(state: PlanState, old: Relation, new: Relation) -> None:
    """NOT OF first (before the type's ALTER or DROP and the table's column changes), OF last (after the
    columns are the type's: added, dropped, retyped; after the type is made or altered)."""
    if bound(state, old, new) or (old.of_type is None and new.of_type is None):
        return
    ref = table_ref(new)
    name = qualified(*new.key)
    before = f"OF {qualified(*old.of_type)}" if old.of_type else "not typed"
    after = f"OF {qualified(*new.of_type)}" if new.of_type else "not typed"
    detail = f"typed table: {before} -> {after}"
    if old.of_type == new.of_type:
        detail = f"typed table: NOT OF and OF again around its type's change ({before})"
    state.change(ChangeKind.ALTER, ref, "typed table", before, after, detail=detail)
    if old.of_type is not None:
        state.step(
            DROP_DEPENDENTS,
            f"ALTER TABLE {name} NOT OF;",
            ChangeKind.ALTER,
            [ref],
            destroys=[binding_ref(*old.key)],
        )
    if new.of_type is not None:
        kept = {c.name for c in old.columns}
        state.step(
            ADD_CONSTRAINTS,
            f"ALTER TABLE {name} OF {qualified(*new.of_type)};",
            ChangeKind.ALTER,
            [ref],
            needs=[
                ref,
                type_ref(*new.of_type),
                shaped_ref(new.of_type),
                retyped_ref(new),
                *(ObjectRef("column", *new.key, c.name) for c in new.columns if c.name not in kept),
                # a typed table has no parent: after its NO INHERIT
                *(detached_ref(new, parent) for parent in old.inherits),
            ],
            after=[ObjectRef("column", *new.key, c.name) for c in old.columns if new.column(c.name) is None],
        )


def as_the_type_leaves(col: Column, prev: Column | None) -> Column:
    """A bound typed table's column as the type's ALTER ... CASCADE leaves it: a new one bare (its comment and
    settings are then the table's steps), a kept one of the new type."""
    if prev is None:
        return replace(
            col,
            not_null=False,
            default=None,
            identity=None,
            generated=None,
            generation_expression=None,
            comment=None,
            settings=(),
            not_null_not_valid=None,
            not_null_name=None,
            not_null_no_inherit=False,
        )
    return replace(prev, type=col.type, collation=col.collation, type_key=col.type_key)


def follow_the_type(steps: Sequence[Step], column: ObjectRef) -> None:
    """The steps just planned on a bound typed table's column wait for the type's ALTER that makes it."""
    node = key(column)
    for st in steps:
        if node not in st.needs:
            st.needs += (node,)


def remade_for_its_type(state: PlanState, old: Relation, new: Relation) -> bool:
    """A table made typed whose columns cannot be put in the type's order in place (out_of_order): made again,
    its rows lost, said."""
    if new.of_type is None or not out_of_order(state, old, new):
        return False
    state.change(
        ChangeKind.ALTER,
        table_ref(new),
        "table",
        destructive=True,
        detail=f"made OF {qualified(*new.of_type)} (which needs its columns in the type's order), which drops "
        "and appends cannot give it: the table is re-created and its rows are not kept",
    )
    return True
