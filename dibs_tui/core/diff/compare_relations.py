"""Tables, views and materialized views: which are created, re-created, altered or dropped, and what must go
first because it reads them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from ..ddl import column_sql, declared_column, partition_columns, with_options
from ..model import (
    Column,
    Constraint,
    Index,
    ObjectRef,
    Relation,
    RelationKind,
)
from ..object_names import named_not_null
from ..plan import ChangeKind
from ..sql import qualified, quote_ident
from .around_columns import retyped_ref
from .compare_columns import EVERY_PART, ChangedParts, plan_alter_table
from .compare_constraints import plan_constraints, plan_foreign_keys, plan_indexes
from .compare_dependents import plan_policies, plan_triggers
from .compare_schemas import plan_sequence_ownership
from .compare_table_options import (
    identity_options_differ,
    identity_sequence,
    plan_column_settings,
    plan_table_options,
)
from .compare_views import plan_view, replaceable
from .cycle_moves import defaults_set_later, drop_cycle_parts
from .deparse_drift import same_view_query
from .graph import (
    ADD_CONSTRAINTS,
    ALTER_TABLES,
    CREATE_TABLES,
    DROP_CONSTRAINTS,
    DROP_DEPENDENTS,
    DROP_OBJECTS,
    LATE_CREATE,
)
from .inherited_columns import Inherited, inherited_columns, plan_inherited_overrides
from .part_renames import plan_part_renames
from .partition_moves import dropped_partitions
from .regenerated_columns import readers_of_retyped, remade_generated
from .rekey_partitions import detach_and_attach, kept_partitions, key_columns
from .render import (
    table_ref,
    type_ref,
    what_of,
)
from .state import PlanState
from .typed_tables import remade_for_its_type, shaped_ref

VIEW_KINDS = (RelationKind.VIEW, RelationKind.MATVIEW)


def plan_relations(state: PlanState, recreated_functions: set[ObjectRef]) -> None:
    cur = state.current.relations_by_key
    des = state.desired.relations_by_key
    affected, column_readers = _affected(state, recreated_functions)
    drop_cycle_parts(state)
    views_to_drop, views_to_replace = _changed_views(cur, des, across=state.across_versions)
    _spread_to_readers(state, affected, column_readers, views_to_drop, views_to_replace)
    _drop_views(state, views_to_drop)
    for key in sorted(des):
        new = des[key]
        old = cur.get(key)
        if new.kind in VIEW_KINDS:
            if old is not None and old.kind not in VIEW_KINDS:  # a table the desired side has as a view
                plan_drop_table(state, old, early=True)
                old = None
            plan_view(
                state,
                old,
                new,
                recreate=key in views_to_drop or old is None,
                replace_=key in views_to_replace,
            )
        elif old is None or key in state.recreated_tables:
            if old is not None and old.kind not in VIEW_KINDS:
                parts = state.kept_partitions.get(key)
                detached = detach_and_attach(state, old, parts) if parts else []
                plan_drop_table(state, old, early=True, needs=detached)
            plan_create_table(state, new)
        elif (changed := _changed_parts(state, old, new)) is not None:
            plan_alter_table(state, old, new, changed)
    for key in sorted(cur):
        if key not in des and cur[key].kind not in VIEW_KINDS:
            plan_drop_table(state, cur[key])
    plan_foreign_keys(state)
    plan_part_renames(state)
    plan_sequence_ownership(state)


def _drop_views(state: PlanState, views_to_drop: set[tuple[str, str]]) -> None:
    """Each view to drop goes before what it reads changes; one no longer wanted is a destructive change."""
    cur = state.current.relations_by_key
    des = state.desired.relations_by_key
    for key in sorted(views_to_drop):
        old = cur[key]
        ref = table_ref(old)
        keyword = "MATERIALIZED VIEW" if old.kind is RelationKind.MATVIEW else "VIEW"
        if key not in des:
            state.change(ChangeKind.DROP, ref, what_of(old), old.view_definition, destructive=True)
        state.step(
            DROP_DEPENDENTS,
            f"DROP {keyword} {qualified(*key)};",
            ChangeKind.DROP,
            [ref],
            destroys=[ref],
        )


def _affected(
    state: PlanState, recreated_functions: set[ObjectRef]
) -> tuple[set[ObjectRef], list[ObjectRef]]:
    """What goes away or is re-created (its readers must be redone), and the readers of reshaped columns.

    Records the tables that must be re-created (a partition goes with its parent) in the state."""
    cur = state.current.relations_by_key
    des = state.desired.relations_by_key
    affected: set[ObjectRef] = set(recreated_functions)
    affected |= {type_ref(*k) for k in state.recreated_types}
    recreated_tables = state.recreated_tables
    column_readers: list[ObjectRef] = []
    # Tables with a column already travelling through text (domain_in_composites): any other table whose
    # columns are equal on both sides reshapes none unless a type is re-created.
    travelling = {(schema, table) for schema, table, _ in state.reshaped_columns}
    computed = _generated_reading(state, recreated_functions)
    for key, new in des.items():
        old = cur.get(key)
        if old is None:
            continue
        if new.kind in VIEW_KINDS:
            if old.kind not in VIEW_KINDS:
                affected.add(table_ref(old))  # a table becoming a view: its readers go first
            continue
        if (
            _must_recreate_table(old, new)
            or _key_retyped(state, old, new, travelling)
            or remade_for_its_type(state, old, new)
        ):
            recreated_tables.add(key)
            affected.add(table_ref(new))
            continue
        if (old.columns != new.columns or state.recreated_types or key in travelling) and (
            reshaped := _reshaped_columns(state, old, new, travelling)
        ):
            column_readers.extend(state.column_dependents(old.schema, old.name, reshaped))
            state.reshaped_columns.update((old.schema, old.name, c) for c in reshaped)
        if key in computed and (readers := _regenerated_around_functions(state, old, new, computed[key])):
            column_readers.extend(state.column_dependents(old.schema, old.name, [c.name for c in readers]))
            state.reshaped_columns.update((old.schema, old.name, c.name) for c in readers)
    grew = True
    while grew:  # partitions go with their re-created parent
        grew = False
        for key, old in cur.items():
            kept = state.kept_partitions.get(old.partition_of or ("", ""), ())
            if (
                key in des
                and key not in recreated_tables
                and old.partition_of in recreated_tables
                and old not in kept
            ):
                recreated_tables.add(key)
                affected.add(table_ref(old))
                grew = True
    for key, old in cur.items():
        if key not in des:
            affected.add(table_ref(old))
    return affected, column_readers


def _generated_reading(state: PlanState, functions: set[ObjectRef]) -> dict[tuple[str, str], set[str]]:
    """(schema, table) -> its columns whose default or generation expression calls a function the plan drops
    and creates again (pg_depend names the expression as the column)."""
    found: dict[tuple[str, str], set[str]] = {}
    for function in functions:
        for dependent in state.dependents(function):
            if dependent.kind == "column":
                found.setdefault((dependent.schema, dependent.name), set()).add(dependent.sub)
    return found


def _regenerated_around_functions(
    state: PlanState, old: Relation, new: Relation, columns: set[str]
) -> list[Column]:
    """The generated columns of `columns` that stay generated: PostgreSQL refuses to drop the function while
    their expression calls it, and SET EXPRESSION would need the new one first, so they are dropped and added
    again around it (regenerated_columns); returns those not already so."""
    kept = state.regenerated_columns.setdefault(old.key, [])
    added = []
    for col in old.columns:
        wanted = new.column(col.name)
        if (
            col.name in columns
            and col.generated
            and wanted is not None
            and wanted.generated
            and col not in kept
        ):
            kept.append(col)
            added.append(col)
    if not kept:
        del state.regenerated_columns[old.key]
    return added


def _changed_views(
    cur: dict[tuple[str, str], Relation], des: dict[tuple[str, str], Relation], *, across: bool
) -> tuple[set[tuple[str, str]], set[tuple[str, str]]]:
    """Views to drop (and re-create if still wanted) and views to replace in place, before their readers count."""
    views_to_drop: set[tuple[str, str]] = set()
    views_to_replace: set[tuple[str, str]] = set()
    for key, new in des.items():
        old = cur.get(key)
        if old is None or (new.kind not in VIEW_KINDS and old.kind not in VIEW_KINDS):
            continue
        if old.kind not in VIEW_KINDS:
            continue  # a table becoming a view: dropped early by view()
        if old.kind != new.kind:
            views_to_drop.add(key)
        elif (
            not same_view_query(old.view_definition or "", new.view_definition or "", across=across)
            or old.options != new.options
        ):
            if new.kind is RelationKind.VIEW and replaceable(old, new):
                views_to_replace.add(key)
            else:
                views_to_drop.add(key)
    for key, old in cur.items():
        if old.kind in VIEW_KINDS and key not in des:
            views_to_drop.add(key)
    return views_to_drop, views_to_replace


def _spread_to_readers(
    state: PlanState,
    affected: set[ObjectRef],
    column_readers: list[ObjectRef],
    views_to_drop: set[tuple[str, str]],
    views_to_replace: set[tuple[str, str]],
) -> None:
    """Views that read what is affected, transitively, are dropped and re-created rather than replaced."""
    cur = state.current.relations_by_key
    frontier = list(affected | {ObjectRef("table", *k) for k in views_to_drop})
    seen: set[ObjectRef] = set(frontier)
    first = True
    while frontier or first:
        if first:  # readers of reshaped columns, then everything that reads those, transitively
            dependents, first = column_readers, False
        else:
            dependents = state.dependents(frontier.pop())
        for dependent in dependents:
            if dependent.kind != "table" or dependent in seen:
                continue
            seen.add(dependent)
            rel = cur.get((dependent.schema, dependent.name))
            if rel is not None and rel.kind in VIEW_KINDS:
                views_to_drop.add(rel.key)
                views_to_replace.discard(rel.key)
                frontier.append(dependent)


def _changed_parts(state: PlanState, old: Relation, new: Relation) -> ChangedParts | None:
    """Identical tables are the bulk of a large diff: skip them without building anything (None). Of the
    others, the parts that differ, each compared once here."""
    if state.recreated_types or state.recreated_tables or state.recreated_collations:
        return EVERY_PART
    if old.inherits or new.inherits:
        return EVERY_PART
    columns = (
        old.columns != new.columns
        or old.key in state.regenerated_columns
        or (
            new.key in state.identity_differs
            and any(identity_options_differ(state, new, c) for c in new.columns)
        )
    )
    constraints = not (old.constraints == new.constraints or _same_named(old.constraints, new.constraints))
    indexes = not (old.indexes == new.indexes or _same_named(old.indexes, new.indexes))
    triggers = not (old.triggers == new.triggers or set(old.triggers) == set(new.triggers))
    policies = not (old.policies == new.policies or set(old.policies) == set(new.policies))
    table = (
        old.comment,
        old.persistence,
        old.options,
        old.rls_enabled,
        old.rls_forced,
        old.partition_bound,
        old.partition_of,
        old.replica_identity,
        old.replica_index,
        old.access_method,
        old.of_type,
    ) != (
        new.comment,
        new.persistence,
        new.options,
        new.rls_enabled,
        new.rls_forced,
        new.partition_bound,
        new.partition_of,
        new.replica_identity,
        new.replica_index,
        new.access_method,
        new.of_type,
    )
    if columns or constraints or indexes or triggers or policies or table:
        return ChangedParts(columns, constraints, indexes, triggers, policies, table)
    return None


def _same_named(old: Sequence[Constraint | Index], new: Sequence[Constraint | Index]) -> bool:
    """The same constraints (or indexes) in another order. Paired by name, unique on a table, not hashed: a hash
    writes the definition the read kept as parts (core.model), which `==` compares without writing."""
    before, after = {x.name: x for x in old}, {x.name: x for x in new}
    if len(before) != len(old) or len(after) != len(new):
        return set(old) == set(new)
    return before == after


def _must_recreate_table(old: Relation, new: Relation) -> bool:
    """A table that becomes a partition, stops being one or changes parent is detached and attached
    (compare_columns), its rows kept; another kind or partition key needs a new table."""
    return old.kind != new.kind or old.partition_key != new.partition_key


def _key_retyped(state: PlanState, old: Relation, new: Relation, travelling: set[tuple[str, str]]) -> bool:
    """A partition key column retyped (or recast): PostgreSQL refuses to alter it, on the table and on its
    partitions, so the partitioned table is re-created (rekey_partitions.py: its partitions kept, or, when
    one is partitioned in turn by a retyped column, re-created too, its rows lost: a destructive change, said)."""
    if old.partition_key is None or old.partition_key != new.partition_key:
        return False
    retyped = sorted(key_columns(old) & set(_reshaped_columns(state, old, new, travelling)))
    if not retyped:
        return False
    parts = kept_partitions(state, old, set(retyped))
    if parts is not None:
        state.kept_partitions[old.key] = parts
    outcome = (
        "the table is re-created, its partitions detached, retyped and attached again (their rows kept)"
        if parts is not None
        else "the table and its partitions are re-created and their rows are not kept"
    )
    state.change(
        ChangeKind.ALTER,
        table_ref(new),
        what_of(new),
        destructive=parts is None,
        detail=f"partition key column {', '.join(retyped)} retyped: PostgreSQL cannot alter it in place; {outcome}",
    )
    return True


def _reshaped_columns(
    state: PlanState, old: Relation, new: Relation, travelling: set[tuple[str, str]]
) -> set[str]:
    """Dropped, retyped, re-collated, enum-recast or re-created (remade_generated) columns: the views reading
    them are re-created.
    `travelling`: the tables with a column already travelling through text (state.reshaped_columns)."""
    new_cols = {c.name: c for c in new.columns}
    recreated = state.recreated_types
    travels = old.key in travelling
    out: set[str] = set()
    for col in old.columns:
        other = new_cols.get(col.name)
        if (
            other is None
            or other.type != col.type
            or other.collation != col.collation
            or (col.type_key is not None and col.type_key in recreated)
            or (travels and (old.schema, old.name, col.name) in state.reshaped_columns)
            or (
                (other.generated or col.generated)
                and remade_generated(state, old, new, col, other) is not None
            )
        ):
            out.add(col.name)
    if out and any(c.generation_expression is not None for c in old.columns):
        readers = readers_of_retyped(old, new, out)
        if readers:  # dropped and added again (regenerated_columns)
            state.regenerated_columns[old.key] = readers
            out.update(c.name for c in readers)
    return out


def plan_create_table(state: PlanState, rel: Relation) -> None:
    ref = table_ref(rel)
    name = qualified(rel.schema, rel.name)
    persistence = "UNLOGGED " if rel.persistence == "u" else ""
    if rel.kind is RelationKind.FOREIGN:
        persistence = "FOREIGN "
    needs = [ObjectRef("schema", "", rel.schema)]
    after: list[ObjectRef] = []
    later = defaults_set_later(state, rel)
    inherited = inherited_columns(state, rel)
    if rel.partition_of is not None:
        named = partition_columns(state.desired, rel)
        sql = f"CREATE {persistence}TABLE {name} PARTITION OF {qualified(*rel.partition_of)} "
        sql += "(\n    " + ",\n    ".join(named) + "\n) " if named else ""
        sql += rel.partition_bound or "DEFAULT"
        # after the partitions that give up a bound it may take: detached to change theirs, or dropped
        # (PostgreSQL refuses a partition that overlaps another)
        needs += [ObjectRef("table", *rel.partition_of), ObjectRef("rebound", *rel.partition_of)]
        after = dropped_partitions(state, rel)
        parent = state.desired.relation(*rel.partition_of)
        if parent is not None:  # after its columns are retyped: partitioned in turn by one, it refuses that
            needs.append(retyped_ref(parent))
    else:
        cols = sorted((c for c in rel.columns if c.name not in inherited), key=lambda c: c.position)
        if state.current.relation(*rel.key) is not None:  # made again: its old partitions may hold its names
            cols = [named_not_null(state.desired, rel, c) for c in cols]
        write = column_sql if rel.of_type is None else with_options  # a typed table's: what it adds
        items = [
            write(
                declared_column(state.desired, rel, replace(c, default=None) if c.name in later else c),
                identity_sequence(state, rel, c.name, desired=True),
            )
            for c in cols
        ]
        body = ",\n    ".join(item for item in items if item)
        sql = f"CREATE {persistence}TABLE {name}"
        if rel.of_type is not None:
            sql += f" OF {qualified(*rel.of_type)}"
            needs += [type_ref(*rel.of_type), shaped_ref(rel.of_type)]
        if body or rel.of_type is None:
            sql += f" (\n    {body}\n)"
        if rel.inherits:
            sql += " INHERITS (" + ", ".join(qualified(*p) for p in rel.inherits) + ")"
            needs.extend(ObjectRef("table", *p) for p in rel.inherits)
    sql += _table_clauses(state, rel)
    for col in rel.columns:
        if col.type_key is not None:
            needs += [
                type_ref(*col.type_key),
                shaped_ref(col.type_key),
            ]  # a default constant in its new shape
    state.change(ChangeKind.CREATE, ref, what_of(rel), new=sql)
    inline = [
        ObjectRef("column" if c.generated else "default", rel.schema, rel.name, c.name)
        for c in rel.columns
        if (c.default is not None and c.name not in later) or c.generated
    ]
    state.step(
        CREATE_TABLES, sql + ";", ChangeKind.CREATE, [ref], creates=[ref, *inline], needs=needs, after=after
    )
    _defaults_after_create(state, rel, later, inherited)
    plan_inherited_overrides(state, rel, inherited)
    if rel.rls_enabled:
        state.step(LATE_CREATE, f"ALTER TABLE {name} ENABLE ROW LEVEL SECURITY;", ChangeKind.ALTER, [ref])
    if rel.rls_forced:
        state.step(LATE_CREATE, f"ALTER TABLE {name} FORCE ROW LEVEL SECURITY;", ChangeKind.ALTER, [ref])
    plan_constraints(state, None, rel)
    plan_indexes(state, None, rel, fresh_phase=ADD_CONSTRAINTS)
    plan_triggers(state, None, rel)
    plan_policies(state, None, rel)
    plan_table_options(state, None, rel)
    state.comment(ref, what_of(rel), None, rel.comment)
    for col in rel.columns:
        state.comment(ObjectRef("column", rel.schema, rel.name, col.name), "column", None, col.comment)
        if col.settings:  # an inherited column's too: its parent's settings, set ONLY there, do not reach it
            plan_column_settings(state, rel, None, col)


def _defaults_after_create(
    state: PlanState, rel: Relation, later: set[str], inherited: dict[str, Inherited]
) -> None:
    """Defaults set once the table exists: a child's own on a column it inherits (CREATE TABLE does not
    declare that column) and those calling a function that reads the table (set after the function)."""
    ref = table_ref(rel)
    for col in sorted(rel.columns, key=lambda c: c.position):
        if col.default is None:
            continue
        source = inherited.get(col.name)
        own = source is not None and source.column.default != col.default
        if col.name in later or own:
            default = ObjectRef("default", rel.schema, rel.name, col.name)
            state.step(
                ALTER_TABLES,
                f"ALTER TABLE {qualified(rel.schema, rel.name)} ALTER COLUMN {quote_ident(col.name)} "
                f"SET DEFAULT {col.default};",
                ChangeKind.ALTER,
                [ref],
                creates=[default],
                needs=[ref, *([source.ref] if source is not None else [])],
            )


def _table_clauses(state: PlanState, rel: Relation) -> str:
    """What CREATE TABLE says after the columns: server, partitioning, access method, storage parameters."""
    sql = ""
    if (foreign := state.desired.foreign_tables_by_key.get(rel.key)) is not None:
        sql += foreign.clause  # SERVER ... OPTIONS (...); the server is a dependency of the catalog
    if rel.partition_key:
        sql += f" PARTITION BY {rel.partition_key}"
    if rel.access_method:
        sql += f" USING {quote_ident(rel.access_method)}"
    if rel.options:
        sql += f" WITH ({', '.join(rel.options)})"
    return sql


def _referenced_tree(state: PlanState, key: tuple[str, str]) -> bool:
    """The partitioned table `key`, kept by the plan, or one it is a partition of, is referenced by a foreign
    key."""
    while state.desired.relation(*key) is not None:
        if state.current.referenced_by.get(key):
            return True
        parent = state.current.relation(*key)
        if parent is None or parent.partition_of is None:
            return False
        key = parent.partition_of
    return False


def plan_drop_table(
    state: PlanState, rel: Relation, *, early: bool = False, needs: Sequence[ObjectRef] = ()
) -> None:
    """`early`: the table is re-created under the same name, so it must go before the create. `needs`: what
    must happen first (its partitions detached, to be kept)."""
    ref = table_ref(rel)
    state.change(ChangeKind.DROP, ref, what_of(rel), old=f"{len(rel.columns)} columns", destructive=True)
    keyword = "FOREIGN TABLE" if rel.kind is RelationKind.FOREIGN else "TABLE"
    if rel.partition_of is not None and _referenced_tree(state, rel.partition_of):
        # A foreign key to the partitioned table depends on each partition: PostgreSQL refuses to drop one
        # ("constraint ... depends on table"); detached first (which checks no row references it), it goes.
        parent = ObjectRef("table", *rel.partition_of)
        detached = ObjectRef("detached", rel.schema, rel.name, qualified(*rel.partition_of))
        state.step(
            DROP_CONSTRAINTS,
            f"ALTER TABLE {qualified(*rel.partition_of)} DETACH PARTITION {qualified(rel.schema, rel.name)};",
            ChangeKind.ALTER,
            [ref, parent],
            creates=[detached],
        )
        needs = [*needs, detached]
    state.step(
        DROP_CONSTRAINTS if early else DROP_OBJECTS,
        f"DROP {keyword} {qualified(rel.schema, rel.name)};",
        ChangeKind.DROP,
        [ref],
        destroys=[ref, *state.owned_sequences(rel.schema, rel.name)],
        needs=needs,
        destructive=True,
    )
