"""A table that exists on both sides: its columns added, dropped or retyped (defaults, identity, serials), its
storage, partition bounds, parents and row-level security; then its constraints, indexes, triggers, policies."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import NamedTuple

from ..ddl import collate, column_sql, sequence_options
from ..model import (
    Catalog,
    Column,
    ConstraintKind,
    ObjectRef,
    Relation,
    RelationKind,
)
from ..object_names import named_not_null, not_null_name
from ..plan import ChangeKind
from ..sql import qualified, quote_ident
from .around_columns import (
    clear_for_recast,
    clear_foreign_keys,
    recast_descendants,
    retyped_ref,
)
from .compare_constraints import plan_constraints, plan_indexes
from .compare_dependents import plan_policies, plan_triggers
from .compare_table_options import (
    catch_up_sql,
    identity_clause,
    identity_options_differ,
    identity_sequence,
    plan_column_settings,
    plan_default_catch_up,
    plan_identity_options,
    plan_table_options,
)
from .compare_table_state import plan_inheritance_and_rls, plan_storage
from .compare_user_types import rebuilt_ref
from .deparse_drift import same_expression
from .graph import (
    ADD_CONSTRAINTS,
    ALTER_TABLES,
)
from .inherited_columns import inherited_names, kept_by_a_child, own_once_parents_drop, parents_gain
from .multi_parent_retype import release_children
from .not_null_children import plan_own_not_nulls
from .not_null_names import plan_moved_not_null_names, plan_not_null_name
from .not_null_retype import hold_not_nulls
from .not_null_states import named_by_partitions, plan_named_partitions, plan_not_null, state_of
from .partition_moves import detached_ref
from .regenerated_columns import plan_regenerated, plan_remade_generated, remade_generated
from .render import (
    table_ref,
    type_ref,
    what_of,
)
from .state import PlanState
from .type_conversions import (
    between_ranges,
    cast_would_cut,
    conversion_route,
    converts_alone,
    said_through_text,
    said_without_route,
    widens,
)
from .typed_tables import as_the_type_leaves, bound, follow_the_type, plan_binding, shaped_ref


def _column_unchanged(a: Column, b: Column) -> bool:
    return (
        (a.type, a.not_null, a.identity, a.generated, a.collation, a.comment, a.settings)
        == (b.type, b.not_null, b.identity, b.generated, b.collation, b.comment, b.settings)
        and (a.not_null_not_valid is None) == (b.not_null_not_valid is None)  # its name is the next line's
        and (a.not_null_name, a.not_null_no_inherit) == (b.not_null_name, b.not_null_no_inherit)
        # Equal texts first: every column of both sides comes through here.
        and (a.default == b.default or same_expression(a.default, b.default))
        and (
            a.generation_expression == b.generation_expression
            or same_expression(a.generation_expression, b.generation_expression)
        )
    )


class ChangedParts(NamedTuple):
    """Which of a table's parts plan_alter_table compares in detail. A part equal on both sides (and read by
    nothing re-created) plans nothing: most altered tables of a large diff change one part, and comparing
    the others in detail was over a third of the planner's CPU at 1,000 tables."""

    columns: bool = True
    constraints: bool = True
    indexes: bool = True
    triggers: bool = True
    policies: bool = True
    table: bool = True  # its own attributes: parents, storage, row-level security, options, comment


EVERY_PART = ChangedParts()


def plan_alter_table(
    state: PlanState, old: Relation, new: Relation, changed: ChangedParts = EVERY_PART
) -> None:
    plan_binding(state, old, new)  # a typed table's type, which its columns may change without
    if changed.columns:
        own = own_once_parents_drop(state, old, new) if old.inherits else {}
        _alter_columns(state, old, new, inherited_names(state, old, new, set(own)), own)
        if old.own_not_nulls != new.own_not_nulls:
            plan_own_not_nulls(state, old, new)
    elif old.partition_of != new.partition_of or old.inherits != new.inherits:
        plan_moved_not_null_names(state, old, new, [c.name for c in new.columns])
    if changed.table:
        plan_storage(state, old, new)
        plan_inheritance_and_rls(state, old, new)
        plan_table_options(state, old, new)
    if changed.constraints:
        plan_constraints(state, old, new)
    if changed.indexes:
        plan_indexes(state, old, new, fresh_phase=ADD_CONSTRAINTS)
    if changed.triggers:
        plan_triggers(state, old, new)
    if changed.policies:
        plan_policies(state, old, new)
    if changed.table:
        state.comment(table_ref(new), what_of(new), old.comment, new.comment)


def _alter_columns(
    state: PlanState, old: Relation, new: Relation, inherited: set[str], own: dict[str, ObjectRef]
) -> None:
    """Columns added, altered and dropped, in the desired order; inherited ones are the parent's business, and
    those `own` the table's once the parent's drop ran (own_once_parents_drop)."""
    ref = table_ref(new)
    name = qualified(new.schema, new.name)
    old_cols = {c.name: c for c in old.columns}
    new_cols = {c.name: c for c in new.columns}
    readers = state.regenerated_columns.get(old.key)
    regenerated = {c.name for c in readers} if readers else ()
    gained = parents_gain(state, old, new) if old.inherits else set()
    follows = plan_regenerated(state, old, new, readers) if readers else []
    # a generated column reads only plain ones: those that go are dropped before a plain one is dropped or
    # retyped (the server refuses both while one reads it; its own-table dependency is not among the read's)
    generated_gone = [
        ObjectRef("column", new.schema, new.name, c.name)
        for c in old.columns
        if c.generated is not None and c.name not in new_cols and c.name not in inherited
    ]
    unchanged: list[str] = []
    leaving = _leaving_parents(state, old, new)
    typed = bound(state, old, new)
    for col in sorted(new.columns, key=lambda c: c.position):
        if col.name in regenerated:
            continue  # dropped and added again around the retyped columns it reads
        prev = old_cols.get(col.name)
        first = len(state.steps)
        if typed:  # the type's ALTER ... CASCADE adds, drops and retypes it: the rest is the table's
            prev = as_the_type_leaves(col, prev)
        if (
            prev is not None
            and (prev is col or _column_unchanged(prev, col))  # equal columns of both sides are one object
            and col.type_key not in state.recreated_types
            and col.collation not in state.recreated_collations
            and not identity_options_differ(state, new, col)
        ):
            unchanged.append(col.name)
            continue  # the common case at scale: nothing to build
        cref = ObjectRef("column", new.schema, new.name, col.name)
        if prev is None:
            if col.name in inherited:
                continue
            state.change(ChangeKind.CREATE, cref, "column", new=column_sql(col))
            # named: a parent's add merged into a child's NOT NULL of the default name would be numbered
            kin = new.inherits or new.partition_of or state.inheritors.get(old.key)
            added = named_not_null(state.desired, new, col) if kin else col
            named_parts = named_by_partitions(state, new, col)
            if named_parts:  # their NOT NULLs first, under their names: the parent's then keeps them
                added = replace(col, not_null=False, not_null_name=None)
            # after the type's ALTER ... ATTRIBUTE: a default constant of it is stored in its shape
            needs = [type_ref(*col.type_key), shaped_ref(col.type_key)] if col.type_key else []
            # a child's column of that name is merged into it: retyped first, or PostgreSQL refuses the add
            needs += [retyped_ref(c) for c in state.inheritors.get(old.key, ()) if c.column(col.name)]
            sequence = identity_sequence(state, new, col.name, desired=True)
            # its NOT NULL's name: after the drop of a column whose NOT NULL has it (the server would number it)
            named = [_not_null_ref(state.desired, new, added)] if added.not_null else []
            state.step(
                ALTER_TABLES,
                f"ALTER TABLE {name} ADD COLUMN {column_sql(added, sequence)};",
                ChangeKind.ALTER,
                [ref, cref],
                # a generated column added again (regenerated_columns) may read this one in place of a dropped one
                creates=[cref, retyped_ref(new), *named] if follows else [cref, *named],
                # after a child's NO INHERIT: it would get the column and keep it as its own once it has left
                needs=[*needs, *(detached_ref(c, old.key) for c in state.inheritors.get(old.key, ()))],
            )
            plan_column_settings(state, new, None, col)
            if named_parts:
                plan_named_partitions(state, new, col, named_parts)
        else:
            recast = (
                col.type_key in state.recreated_types and col.name not in inherited and _is_enum(state, col)
            )
            cleared = (
                [
                    ref
                    for rel in (old, *recast_descendants(state, old))
                    for ref in clear_for_recast(state, rel, col.name, retyped_ref(new))
                ]
                if recast
                else []
            )
            after = [*follows, *cleared, *([own[col.name]] if col.name in own else []), *generated_gone]
            own_now = col.name in gained
            plan_alter_column(
                state,
                new,
                prev,
                col,
                inherited=col.name in inherited and not own_now,
                follows=after,
                # from a parent it leaves: its own once it has left (PostgreSQL: "cannot alter inherited column")
                leaves=[detached_ref(new, p) for p, names in leaving if col.name in names],
            )
        if typed:  # after the type's ADD ATTRIBUTE made it
            follow_the_type(state.steps[first:], cref)
        state.comment(cref, "column", prev.comment if prev else None, col.comment)
    if old.partition_of != new.partition_of or old.inherits != new.inherits or own or gained:
        plan_moved_not_null_names(state, old, new, unchanged)
    for col in old.columns if not typed else ():
        if col.name not in new_cols and col.name not in inherited:
            cref = ObjectRef("column", new.schema, new.name, col.name)
            after = [detached_ref(new, p) for p, names in leaving if col.name in names]
            drop = f"DROP COLUMN {quote_ident(col.name)}"
            if kept_by_a_child(state, old.key, col.name):
                # ONLY leaves the children's NOT NULL inherited from nothing (PostgreSQL 18): made theirs first
                unset = f"ALTER COLUMN {quote_ident(col.name)} DROP NOT NULL, " if col.not_null else ""
                drop = f"ONLY {name} {unset}{drop}"
            else:
                drop = f"{name} {drop}"
            state.change(ChangeKind.DROP, cref, "column", old=column_sql(col), destructive=True)
            state.step(
                ALTER_TABLES,
                f"ALTER TABLE {drop};",
                ChangeKind.ALTER,
                [ref, cref],
                destructive=True,
                destroys=[
                    cref,
                    *state.owned_sequences(new.schema, new.name, col.name),
                    *([_not_null_ref(state.current, old, col)] if col.not_null else []),
                ],
                needs=after,
                after=[
                    *([own[col.name]] if col.name in own else []),
                    *([] if col.generated else generated_gone),
                ],
            )


def _not_null_ref(catalog: Catalog, rel: Relation, col: Column) -> ObjectRef:
    return ObjectRef("constraint", rel.schema, rel.name, not_null_name(catalog, rel, col))


def _leaving_parents(
    state: PlanState, old: Relation, new: Relation
) -> list[tuple[tuple[str, str], set[str]]]:
    """Parents the table stops inheriting from, with their columns: those become droppable once detached."""
    out = []
    leaving = [k for k in old.inherits if k not in new.inherits]
    if old.partition_of is not None and old.partition_of != new.partition_of:
        leaving.append(old.partition_of)  # detached (partition_moves)
    for parent_key in leaving:
        parent = state.current.relation(*parent_key)
        out.append((parent_key, {c.name for c in parent.columns} if parent else set()))
    return out


def _is_enum(state: PlanState, col: Column) -> bool:
    """An enum column (or an array of one): recast through text, never left as text (a range's column is)."""
    return any(e.key == col.type_key for e in state.current.enums)


def plan_alter_column(
    state: PlanState,
    rel: Relation,
    old: Column,
    new: Column,
    *,
    inherited: bool,
    follows: Sequence[ObjectRef] = (),
    leaves: Sequence[ObjectRef] = (),
) -> None:
    """`follows`: drops of generated columns that read this table's retyped columns (regenerated_columns); a
    type change runs after them and tells their ADD it is done. `leaves`: the NO INHERIT or DETACH of the parents
    it has the column from, which a type change waits for."""
    ref = table_ref(rel)
    cref = ObjectRef("column", rel.schema, rel.name, new.name)
    prefix = f"ALTER TABLE {qualified(rel.schema, rel.name)} ALTER COLUMN {quote_ident(new.name)}"
    details: list[str] = []
    recast_enum = new.type_key is not None and new.type_key in state.recreated_types
    recollate = new.collation is not None and new.collation in state.recreated_collations
    type_changes = (
        old.type != new.type or old.collation != new.collation or recast_enum or recollate
    ) and not inherited
    # (a recast to a type made again is left to fail loudly: its old type's drop waits for it)
    type_changes = type_changes and (recast_enum or recollate or not _row_type_held(state, rel, old, new))
    # a foreign table's column converts no value (its rows are elsewhere): any type is set as is
    foreign = rel.kind is RelationKind.FOREIGN
    route = conversion_route(state, old, new) if type_changes and not recast_enum and not foreign else "cast"
    type_changes = type_changes and not said_without_route(state, rel, old, new, route)
    generated_changes = old.generated != new.generated or not same_expression(
        old.generation_expression, new.generation_expression
    )
    if generated_changes and not inherited and _alter_generated(state, rel, old, new, prefix, details):
        return  # the column was re-created whole
    default_changes = not same_expression(old.default, new.default)
    # an identity reaches a partition from its parent, but is each inheritance child's own (never inherited)
    own_identity = not inherited or rel.partition_of is None
    if old.identity is not None and new.identity is None and own_identity:
        details.append("identity dropped")
        # the identity goes from the partitions with it: a default set on any of them waits for this
        gone = [
            _identity(*key, new.name) for key in (rel.key, *(r.key for r in recast_descendants(state, rel)))
        ]
        state.step(
            ALTER_TABLES,
            f"{prefix} DROP IDENTITY;",
            ChangeKind.ALTER,
            [ref, cref],
            destroys=[*state.owned_sequences(rel.schema, rel.name, new.name, identity_only=True), *gone],
        )
    # SET DEFAULT replaces a default on its own; DROP DEFAULT goes first only where the old one must be gone
    # before something else happens: the type change it might not survive, an object it reads dropped (and
    # perhaps created again, the new default waiting for it).
    alone = new.default is not None and not type_changes and not _default_reads(state, rel, old)
    # the default's and the type's changes reach the inheritance children: one that leaves goes first (NO
    # INHERIT), else it leaves with them
    leaving_children = [detached_ref(child, rel.key) for child in state.inheritors.get(rel.key, ())]
    if old.default is not None and (default_changes or type_changes) and not alone:
        if new.default is None:
            details.append("default dropped")
        state.step(
            ALTER_TABLES,
            f"{prefix} DROP DEFAULT;",
            ChangeKind.ALTER,
            [ref, cref],
            needs=leaving_children,
            destroys=[ObjectRef("default", rel.schema, rel.name, new.name)],
        )
    if type_changes:
        details.append(f"type {old.type} -> {new.type}" if old.type != new.type else "type re-cast")
        collate_clause = f" COLLATE {collate(new.collation)}" if new.collation else ""
        using = (
            f"{quote_ident(new.name)}::text::{new.type}"
            if recast_enum
            or between_ranges(old.type, new.type)
            or route == "text"
            or (old.type_key and state.desired.conversions is None)  # a user type's cast, unknown
            else f"{quote_ident(new.name)}::{new.type}"
        )
        needs = [type_ref(*new.type_key), shaped_ref(new.type_key)] if new.type_key else []
        # a partition that leaves goes first: the type change would name its NOT NULL as the parent's
        needs += [detached_ref(part, rel.key) for part in state.current.partitions.get(rel.key, ())]
        needs += leaving_children
        needs += leaves
        # a child that has the column from this parent and another leaves the others first (NO INHERIT)
        released = state.current.relation(*rel.key)
        needs += release_children(state, released, new.name) if released is not None else []
        made = [retyped_ref(rel)]  # what waits for the new type: generated columns, a parent's ADD merging it
        if new.type_key in state.array_recasts and new.type.endswith("[]"):
            helper = state.array_recasts[new.type_key]
            using = f"{qualified(helper.schema, helper.name)}({quote_ident(new.name)})"
            needs.append(helper)
            made.append(rebuilt_ref(rel, new))
        elif new.type_key in state.recasts:
            using = state.recasts[new.type_key].replace("{column}", quote_ident(new.name))
        # An identity column refuses USING (and needs none: its sequence follows the new type), and so does a
        # generated one (its expression computes the new values); a bounded
        # string needs none either and must not get one (`cast_would_cut`); a widened type needs none; a
        # foreign table refuses it ("is not a table").
        keep_assignment = (
            foreign
            or (old.identity and new.identity)
            or (old.generated and new.generated)  # computed again from its expression: USING is refused
            or (new.type_key is None and cast_would_cut(old.type, new.type))
            or converts_alone(old, new)
        )
        using_clause = "" if keep_assignment else f" USING {using}"
        live = state.current.relation(rel.schema, rel.name)
        user_type = bool(old.type_key or new.type_key)
        keys = clear_foreign_keys(state, live, new.name, user_type=user_type) if live else []
        held = hold_not_nulls(state, live, new.name, details) if live is not None else []
        comment = said_through_text(rel, old, new, details) if route == "text" else ""
        state.step(
            ALTER_TABLES,
            f"{comment}{prefix} TYPE {new.type}{collate_clause}{using_clause};",
            ChangeKind.ALTER,
            [ref, cref],
            needs=needs,
            creates=made,
            # after the old default's DROP, where there is one: ALTER ... TYPE casts the default too, and a
            # uuid's gen_random_uuid() under bigint, or text '0' under integer, refuses
            after=[*follows, *keys, *held, ObjectRef("default", rel.schema, rel.name, new.name)],
            destructive=not widens(old.type, new.type),
            reshapes=[cref],
        )
    if new.default is not None and (default_changes or type_changes):
        if default_changes:
            details.append(
                f"default {old.default} -> {new.default}" if old.default else f"default {new.default}"
            )
        seq_needs = [
            ObjectRef("sequence", s.schema, s.name) for s in state.created_sequences if s.name in new.default
        ]
        state.step(
            ALTER_TABLES,
            f"{prefix} SET DEFAULT {new.default};",
            ChangeKind.ALTER,
            [ref, cref],
            creates=[ObjectRef("default", rel.schema, rel.name, new.name)],
            needs=[
                *seq_needs,
                *leaving_children,
                *([retyped_ref(rel)] if type_changes else []),  # a default of the new type
                *([shaped_ref(new.type_key)] if new.type_key else []),  # in the type's new shape
            ],
            after=[_identity(rel.schema, rel.name, new.name)] if old.identity is not None else [],
        )
    if state_of(old) != state_of(new):
        plan_not_null(state, rel, old, new, details, _keys_holding(state, rel, new.name), inherited=inherited)
    plan_not_null_name(state, rel, old, new, details)
    if old.identity != new.identity and new.identity is not None and own_identity:
        mode = new.identity.value.upper()
        if old.identity is None:
            details.append("identity added")
            _drop_serial_sequence(state, rel, new.name)
            sequence = identity_sequence(state, rel, new.name, desired=True)
            # The identity's sequence takes its name after the serial's own is dropped.
            made = [ObjectRef("sequence", sequence.schema, sequence.name)] if sequence else []
            add = f"{prefix} ADD {identity_clause(state, rel, new)};"
            # it reaches the partitions, which refuse it while a default of their own is left (a serial's,
            # copied to each when it was made): their DROP DEFAULT goes first
            defaults = [ObjectRef("default", *r.key, new.name) for r in recast_descendants(state, rel)]
            state.step(ALTER_TABLES, add, ChangeKind.ALTER, [ref, cref], creates=made, after=defaults)
            if sequence is not None:
                catch_up = catch_up_sql(sequence, rel, new.name)
                state.step(ALTER_TABLES, catch_up, ChangeKind.ALTER, [ref, cref], needs=made)
        else:
            details.append(f"identity {mode.lower()}")
            state.step(ALTER_TABLES, f"{prefix} SET GENERATED {mode};", ChangeKind.ALTER, [ref, cref])
    plan_identity_options(state, rel, old, new)
    plan_default_catch_up(state, rel, old, new)
    plan_column_settings(state, rel, old, new, after_type=retyped_ref(rel) if type_changes else None)
    if details:
        state.change(
            ChangeKind.ALTER,
            cref,
            "column",
            column_sql(old),
            column_sql(new),
            destructive=type_changes and not widens(old.type, new.type),
            detail="; ".join(details),
        )


def _alter_generated(
    state: PlanState, rel: Relation, old: Column, new: Column, prefix: str, details: list[str]
) -> bool:
    """A generated column's expression dropped or changed in place; True when it had to be re-created whole
    (`remade_generated`), which records its change too."""
    live = state.current.relation(rel.schema, rel.name)
    remade = remade_generated(state, live or rel, rel, old, new)
    if remade is not None:
        plan_remade_generated(state, rel, old, new, remade)
        return True
    ref = table_ref(rel)
    cref = ObjectRef("column", rel.schema, rel.name, new.name)
    if new.generated is None:
        details.append("generated expression dropped")
        # the expression goes (pg_depend's column stands for it): a function it calls is dropped after it
        gone = [ObjectRef("default", rel.schema, rel.name, new.name)]
        state.step(ALTER_TABLES, f"{prefix} DROP EXPRESSION;", ChangeKind.ALTER, [ref, cref], destroys=gone)
    else:
        details.append("generated expression")
        state.step(
            ALTER_TABLES,
            f"{prefix} SET EXPRESSION AS ({new.generation_expression});",
            ChangeKind.ALTER,
            [ref, cref],
        )
    return False


def _identity(schema: str, table: str, column: str) -> ObjectRef:
    """A column's identity as the graph knows it: a default cannot be set on the column while it holds one."""
    return ObjectRef("identity", schema, table, column)


def _row_type_held(state: PlanState, rel: Relation, old: Column, new: Column) -> bool:
    """PostgreSQL refuses to retype a column of a table while a column holds the table's row type ("cannot
    alter table ... because column ... uses its row type"): said and not planned (True), rather than a plan
    that fails there."""
    users = state.columns_of_row_type((rel.schema, rel.name))
    if users:
        detail = (
            f"type {old.type} -> {new.type} not planned: PostgreSQL cannot retype a column of this table while "
            f"{', '.join(users)} hold its row type; convert those first (to text and back), by hand"
        )
        cref = ObjectRef("column", rel.schema, rel.name, new.name)
        state.change(ChangeKind.ALTER, cref, "column", old.type, new.type, detail=detail, planned=False)
    return bool(users)


def _drop_serial_sequence(state: PlanState, rel: Relation, column: str) -> None:
    """serial -> identity: drop the serial's sequence first so the identity gets its usual name."""
    for seq in state.dropped_sequences:
        owner = seq.owned_by
        if owner is not None and (owner.schema, owner.table, owner.column) == (
            rel.schema,
            rel.name,
            column,
        ):
            state.dropped_early.add(seq.key)
            ref = ObjectRef("sequence", seq.schema, seq.name)
            state.change(ChangeKind.DROP, ref, "sequence", old=sequence_options(seq))
            state.step(
                ALTER_TABLES,
                f"DROP SEQUENCE {qualified(seq.schema, seq.name)};",
                ChangeKind.DROP,
                [ref],
                destroys=[ref],
            )


def _keys_holding(state: PlanState, rel: Relation, column: str) -> list[ObjectRef]:
    """The current primary keys over a column: its NOT NULL can be dropped only once they are (a key waits
    for the drops of other tables' foreign keys on it, which may come late)."""
    table = state.current.relation(*rel.key)
    return [
        ObjectRef("constraint", rel.schema, rel.name, c.name)
        for c in (table.constraints if table is not None else ())
        if c.kind is ConstraintKind.PRIMARY_KEY and column in c.columns
    ]


def _default_reads(state: PlanState, rel: Relation, column: Column) -> bool:
    """The current default reads an object of the database (a function, a sequence): pg_depend says so. The
    column's own type is no such object (pg_depend gives the column's references as its default's): a type
    the plan makes again recasts the column, a type change of its own."""
    own = ("type", *column.type_key, "") if column.type_key else None
    reads = state.current_deps.references.get(("default", rel.schema, rel.name, column.name), ())
    return any(node != own for node in reads)
