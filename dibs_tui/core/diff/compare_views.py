"""Views and materialized views: made, replaced in place (CREATE OR REPLACE keeps the old columns and may add
at the end) or made again, with what hangs on them."""

from __future__ import annotations

from ..ddl import view_sql
from ..model import Column, ObjectRef, Relation
from ..plan import ChangeKind
from ..sql import qualified, quote_ident
from .compare_constraints import plan_indexes
from .compare_dependents import plan_triggers
from .deparse_drift import same_view_query
from .graph import LATE_CREATE
from .render import table_ref, what_of
from .state import PlanState


def replaceable(old: Relation, new: Relation) -> bool:
    """CREATE OR REPLACE VIEW keeps the old columns (names and types, in order) and may add at the end."""
    old_cols = sorted(old.columns, key=lambda c: c.position)
    new_cols = sorted(new.columns, key=lambda c: c.position)
    if len(new_cols) < len(old_cols):
        return False
    return all(a.name == b.name and a.type == b.type for a, b in zip(old_cols, new_cols, strict=False))


def plan_view(
    state: PlanState, old: Relation | None, new: Relation, *, recreate: bool, replace_: bool
) -> None:
    """A view or materialized view made, replaced in place or made again (`recreate`: dropped before, by
    compare_relations), with its indexes, triggers, comments and its columns' defaults."""
    ref = table_ref(new)
    if recreate or replace_:
        if old is None:
            state.change(ChangeKind.CREATE, ref, what_of(new), new=new.view_definition)
        elif (
            not same_view_query(
                old.view_definition or "", new.view_definition or "", across=state.across_versions
            )
            or old.kind != new.kind
        ):
            state.change(ChangeKind.ALTER, ref, what_of(new), old.view_definition, new.view_definition)
        elif recreate:  # the same query, dropped all the same: a reader of what the plan drops or retypes
            state.change(
                ChangeKind.ALTER, ref, what_of(new), detail="dropped and created again around what it reads"
            )
        needs = [ObjectRef("schema", "", new.schema)]
        live = state.current.relation(new.schema, new.name)  # a re-created one keeps the live data state
        populated = not live.unpopulated if live is not None and live.kind is new.kind else None
        state.step(
            LATE_CREATE,
            view_sql(new, replace=replace_, populated=populated),
            ChangeKind.CREATE if recreate else ChangeKind.ALTER,
            [ref],
            creates=[ref],
            needs=needs,
        )
    fresh = recreate
    base = None if fresh else old
    plan_indexes(state, base, new, fresh_phase=LATE_CREATE)
    plan_triggers(state, base, new)
    for col in new.columns:
        old_col = base.column(col.name) if base else None
        live_col = old.column(col.name) if old is not None else None  # its comment, kept or not
        state.comment(
            ObjectRef("column", new.schema, new.name, col.name),
            "column",
            live_col.comment if live_col else None,
            col.comment,
            dropped=fresh and live_col is not None,
        )
        _view_default(state, new, old_col.default if old_col else None, col)
    state.comment(
        ref, what_of(new), old.comment if old else None, new.comment, dropped=fresh and old is not None
    )


def _view_default(state: PlanState, view: Relation, before: str | None, col: Column) -> None:
    """An updatable view's column default (what an INSERT through it fills in): kept by CREATE OR REPLACE,
    gone with a view dropped and created again."""
    if before == col.default:
        return
    cref = ObjectRef("column", view.schema, view.name, col.name)
    state.change(ChangeKind.ALTER, cref, "column", before, col.default, detail="default")
    prefix = f"ALTER VIEW {qualified(view.schema, view.name)} ALTER COLUMN {quote_ident(col.name)}"
    sql = f"{prefix} SET DEFAULT {col.default};" if col.default is not None else f"{prefix} DROP DEFAULT;"
    state.step(
        LATE_CREATE,
        sql,
        ChangeKind.ALTER,
        [table_ref(view), cref],
        creates=[ObjectRef("default", view.schema, view.name, col.name)] if col.default else [],
        needs=[table_ref(view)],
    )
