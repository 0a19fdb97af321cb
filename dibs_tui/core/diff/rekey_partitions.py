"""A partitioned table whose partition key column is retyped: PostgreSQL refuses ALTER COLUMN ... TYPE on a key
column, of the table and of each partition. The partitioned table holds no rows of its own, so it is re-created;
its partitions, which hold them all, are detached first, become plain tables whose columns can be retyped,
and are attached again to the new table with their desired bounds: no row is lost."""

from __future__ import annotations

import re

from ..ddl import column_sql
from ..model import ObjectRef, Relation
from ..plan import ChangeKind
from ..sql import qualified, quote_ident
from .graph import ADD_CONSTRAINTS, ALTER_TABLES, DROP_DEPENDENTS
from .state import PlanState
from .type_conversions import cast_would_cut


def kept_partitions(state: PlanState, parent: Relation, retyped: set[str]) -> list[Relation] | None:
    """The partitions to detach and attach again: those the desired side keeps under this parent. A partition
    partitioned in turn is one of them, its rows kept (retyped there, the column reaches its own partitions),
    unless its own key holds a retyped column or changes: None, the whole tree is re-created."""
    kept = []
    for rel in (r for r in state.current.relations if r.partition_of == parent.key):
        new = state.desired.relation(*rel.key)
        if new is None or new.partition_of != parent.key:
            if rel.partition_key is not None:
                return None
            continue  # dropped or moved: its own comparison's
        if (rel.partition_key or new.partition_key) and (
            rel.partition_key != new.partition_key or key_columns(rel) & retyped
        ):
            return None
        kept.append(rel)  # attached again with its desired bound (a retyped key writes it anew: '0' for 0)
    return kept


def key_columns(rel: Relation) -> set[str]:
    """The columns a partitioned table's key names (an expression's too)."""
    words = set(re.findall(r'"(?:[^"]|"")+"|\w+', rel.partition_key or ""))
    return {c.name for c in rel.columns if quote_ident(c.name) in words}


def detach_and_attach(state: PlanState, parent: Relation, parts: list[Relation]) -> list[ObjectRef]:
    """Each partition detached, its columns made the desired ones (retyped, added, dropped: ATTACH wants them
    to match the new table), attached again; returns the states the old table's drop must wait for."""
    parent_name = qualified(*parent.key)
    parent_ref = ObjectRef("table", *parent.key)
    detached_all = []
    for rel in parts:
        new = state.desired.relation(*rel.key)
        assert new is not None  # kept_partitions chose those the desired side has
        name = qualified(*rel.key)
        ref = ObjectRef("table", *rel.key)
        detached = ObjectRef("detached", rel.schema, rel.name, parent_name)
        state.step(
            DROP_DEPENDENTS,
            f"ALTER TABLE {parent_name} DETACH PARTITION {name};",
            ChangeKind.ALTER,
            [ref],
            creates=[detached],
        )
        reshaped = []
        for sql, column in _column_steps(state, name, rel, new):
            made = ObjectRef("rebuilt", rel.schema, rel.name, column)
            state.step(ALTER_TABLES, sql, ChangeKind.ALTER, [ref], needs=[detached], creates=[made])
            reshaped.append(made)
        state.step(
            ADD_CONSTRAINTS,
            f"ALTER TABLE {parent_name} ATTACH PARTITION {name} {new.partition_bound or 'DEFAULT'};",
            ChangeKind.ALTER,
            [ref],
            needs=[parent_ref, detached, *reshaped],
        )
        detached_all.append(detached)
    return detached_all


def _column_steps(state: PlanState, name: str, old: Relation, new: Relation) -> list[tuple[str, str]]:
    steps = []
    for col in old.columns:
        if new.column(col.name) is None:
            steps.append((f"ALTER TABLE {name} DROP COLUMN {quote_ident(col.name)};", col.name))
    for col in new.columns:
        before = old.column(col.name)
        if before is None:
            steps.append((f"ALTER TABLE {name} ADD COLUMN {column_sql(col)};", col.name))
            continue
        recast = col.type_key is not None and col.type_key in state.recreated_types
        if (before.type, before.collation) == (col.type, col.collation) and not recast:
            continue
        collate = f" COLLATE {col.collation}" if col.collation else ""
        via = "::text" if recast or before.type_key else ""
        # As for any column: no explicit cast where it would cut a value short (a key cut short would also
        # move its row out of the partition's bound); ALTER's own assignment cast refuses the value instead.
        using = (
            ""
            if col.type_key is None and cast_would_cut(before.type, col.type)
            else f" USING {quote_ident(col.name)}{via}::{col.type}"
        )
        steps.append(
            (
                f"ALTER TABLE {name} ALTER COLUMN {quote_ident(col.name)} TYPE {col.type}{collate}{using};",
                col.name,
            )
        )
    return steps
