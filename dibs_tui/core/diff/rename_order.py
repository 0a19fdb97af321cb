"""The accepted renames of tables and columns as statements, run before the rest of the plan: in an order where
each takes a name already let go (one renamed onto another renamed one's name after it), and two or more that
trade names round through a passing name first (name_slots.circle_heads), as indexes and constraints do."""

from __future__ import annotations

from dataclasses import replace

from ..model import Catalog, ObjectRef, Relation
from ..plan import Change, ChangeKind, PlannedStatement
from ..sql import qualified, quote_ident
from .graph import ALTER_TABLES
from .name_slots import circle_heads, passing_name, taken_names
from .partition_moves import detached_ref
from .state import PlanState


def table_rename_steps(
    tables: list[tuple[str, str, str, str]], current: Catalog, desired: Catalog
) -> tuple[list[PlannedStatement], list[Change]]:
    """ALTER TABLE ... RENAME TO and SET SCHEMA for the accepted table renames, run before the plan: renamed in
    its schema first (the name is free there: the move then keeps it), in an order where each takes a name
    already let go (a table renamed onto another renamed table's name after that one); two or more that trade
    names go round through a passing name (name_slots.circle_heads), as indexes do."""
    steps: list[PlannedStatement] = []
    changes: list[Change] = []
    live = [t for t in tables if current.relation(t[0], t[1]) is not None]
    for schema, old, new_schema, new in live:
        moved = new_schema != schema
        said = (qualified(schema, old), qualified(new_schema, new)) if moved else (old, new)
        changes.append(Change(ChangeKind.RENAME, ObjectRef("table", new_schema, new), "table", *said))
    by_schema: dict[str, dict[str, str]] = {}
    for schema, old, _, new in live:
        if new != old:
            by_schema.setdefault(schema, {})[old] = new
    for schema, renames in by_schema.items():
        taken = taken_names(current, desired, ("class", schema))
        for head in sorted(circle_heads(renames)):
            passing = passing_name(head, taken)
            steps.append(_table_rename(schema, head, passing))
            renames[passing] = renames.pop(head)
        while renames:
            for old in sorted(o for o, n in renames.items() if n not in renames):
                steps.append(_table_rename(schema, old, renames.pop(old)))
    have = {s.name for s in current.schemas}
    for new_schema in sorted({t[2] for t in live if t[2] != t[0]} - have):
        # a schema the plan makes: the move needs it first (its comment and grants follow in the plan)
        ref = ObjectRef("schema", "", new_schema)
        changes.append(Change(ChangeKind.CREATE, ref, "schema", new=new_schema))
        steps.append(PlannedStatement(f"CREATE SCHEMA {quote_ident(new_schema)};", ChangeKind.CREATE, (ref,)))
    for schema, old, new_schema, new in live:
        if new_schema != schema:
            steps.append(
                PlannedStatement(
                    f"ALTER TABLE {qualified(schema, new)} SET SCHEMA {quote_ident(new_schema)};",
                    ChangeKind.RENAME,
                    (ObjectRef("table", schema, old), ObjectRef("table", new_schema, new)),
                )
            )
    return steps, changes


ColumnHop = tuple[str, str, str, str, str, str]
"""One RENAME COLUMN as it runs: (schema, table as named then, from, to, the column's live name, its desired
name); `from` or `to` is a passing name where columns trade names."""


def column_rename_steps(
    columns: list[tuple[str, str, str, str]],
    table_map: dict[tuple[str, str], tuple[str, str]],
    current: Catalog,
    desired: Catalog,
) -> tuple[list[PlannedStatement], list[Change], list[ColumnHop]]:
    """ALTER TABLE ... RENAME COLUMN for the accepted column renames (after the tables' renames), ordered in
    each table so that each takes a name already let go, columns that trade names through a passing name
    first (as tables do); the renames as they run, for the respelling of what reads them (in that order)."""
    steps: list[PlannedStatement] = []
    changes: list[Change] = []
    hops: list[ColumnHop] = []
    by_table: dict[tuple[str, str], dict[str, str]] = {}
    for schema, table, old, new in columns:
        now = table_map.get((schema, table), (schema, table))
        changes.append(Change(ChangeKind.RENAME, ObjectRef("column", *now, new), "column", old, new))
        if old != new:
            by_table.setdefault(now, {})[old] = new
    for now, renames in by_table.items():
        origin = {new: old for old, new in renames.items()}  # a column's live name, by its desired one
        sides = (current.relation(*now), desired.relation(*now))
        taken = {c.name for side in sides if side is not None for c in side.columns} | set(renames)
        for head in sorted(circle_heads(renames)):
            passing = passing_name(head, taken)
            hops.append((*now, head, passing, head, renames[head]))
            renames[passing] = renames.pop(head)
        while renames:
            for old in sorted(o for o, n in renames.items() if n not in renames):
                new = renames.pop(old)
                hops.append((*now, old, new, origin[new], new))
    for schema, table, old, new, _, _ in hops:
        steps.append(
            PlannedStatement(
                f"ALTER TABLE {qualified(schema, table)} RENAME COLUMN {quote_ident(old)} TO {quote_ident(new)};",
                ChangeKind.RENAME,
                (ObjectRef("table", schema, table), ObjectRef("column", schema, table, new)),
            )
        )
    return steps, changes, hops


def _table_rename(schema: str, old: str, new: str) -> PlannedStatement:
    return PlannedStatement(
        f"ALTER TABLE {qualified(schema, old)} RENAME TO {quote_ident(new)};",
        ChangeKind.RENAME,
        (ObjectRef("table", schema, old), ObjectRef("table", schema, new)),
    )


def plan_renamed_back(
    state: PlanState,
    back: list[tuple[Relation, tuple[str, str], str, str]],
    table_map: dict[tuple[str, str], tuple[str, str]],
) -> None:
    """A child that leaves a parent whose column is renamed, keeping the old name (renames.renamed_back): the
    parent's RENAME COLUMN reached it, so it takes the old name back once it is detached from that parent."""
    for child, parent, new, old in back:
        now = table_map.get(child.key, child.key)
        state.step(
            ALTER_TABLES,
            f"ALTER TABLE {qualified(*now)} RENAME COLUMN {quote_ident(new)} TO {quote_ident(old)};",
            ChangeKind.RENAME,
            [ObjectRef("table", *now), ObjectRef("column", *now, old)],
            needs=[detached_ref(replace(child, schema=now[0], name=now[1]), table_map.get(parent, parent))],
        )
