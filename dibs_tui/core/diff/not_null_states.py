"""A column's NOT NULL in its three states: none, valid, and NOT VALID (PostgreSQL 18: attnotnull is set, so new
rows are checked, but the rows there before were not). Moving between them without reading or refusing the
rows already there: NOT VALID is added by name with ALTER TABLE ... ADD CONSTRAINT (CREATE TABLE ignores NOT
VALID, SET NOT NULL checks every row and fails on a NULL), validated with VALIDATE CONSTRAINT (SHARE UPDATE
EXCLUSIVE; SET NOT NULL would hold ACCESS EXCLUSIVE while it reads), dropped with DROP NOT NULL."""

from __future__ import annotations

from collections.abc import Sequence

from ..ddl import not_valid_not_null_sql
from ..model import Column, ObjectRef, Relation
from ..plan import ChangeKind
from ..sql import qualified, quote_ident
from .graph import ADD_CONSTRAINTS, ALTER_TABLES, key
from .render import table_ref
from .state import PlanState


def state_of(col: Column) -> str:
    if not col.not_null:
        return "none"
    return "not valid" if col.not_null_not_valid is not None else "valid"


def plan_not_null(
    state: PlanState,
    rel: Relation,
    old: Column,
    new: Column,
    details: list[str],
    drop_after: Sequence[ObjectRef],
) -> None:
    """A column of both sides whose NOT NULL differs; `drop_after`: what its DROP NOT NULL waits for (the
    primary keys over it)."""
    before, after = state_of(old), state_of(new)
    if before == after:
        return
    ref, cref = table_ref(rel), ObjectRef("column", rel.schema, rel.name, new.name)
    prefix = f"ALTER TABLE {qualified(rel.schema, rel.name)} ALTER COLUMN {quote_ident(new.name)}"
    if before == "not valid" and after == "valid":
        details.append("not null validated")
        name = quote_ident(old.not_null_not_valid or "")
        sql = f"ALTER TABLE {qualified(rel.schema, rel.name)} VALIDATE CONSTRAINT {name};"
        state.step(ALTER_TABLES, sql, ChangeKind.ALTER, [ref, cref])
        return
    if before == "none" and after == "valid":
        details.append("not null added")
        state.step(ALTER_TABLES, f"{prefix} SET NOT NULL;", ChangeKind.ALTER, [ref, cref])
        return
    if before != "none":  # valid or NOT VALID, to none or to NOT VALID: the old constraint goes first
        details.append("not null dropped")
        state.step(ALTER_TABLES, f"{prefix} DROP NOT NULL;", ChangeKind.ALTER, [ref, cref], after=drop_after)
    if after == "not valid":
        details.append("not null added NOT VALID")
        state.step(ADD_CONSTRAINTS, not_valid_not_null_sql(rel, new), ChangeKind.ALTER, [ref, cref])


def plan_created_not_valid(state: PlanState) -> None:
    """The NOT VALID NOT NULLs of the columns the plan creates (a table created or re-created, a column added,
    or dropped and added again), which their CREATE TABLE or ADD COLUMN left nullable. Once every table is
    planned: what was created is known from the steps."""
    wanted = [(r, c) for r in state.desired.relations for c in r.columns if c.not_null_not_valid is not None]
    if not wanted:
        return
    created = {k for step in state.steps for k in step.creates}
    written = {step.sql for step in state.steps}
    for rel, col in wanted:
        ref, cref = table_ref(rel), ObjectRef("column", rel.schema, rel.name, col.name)
        sql = not_valid_not_null_sql(rel, col)
        if (key(ref) in created or key(cref) in created) and sql not in written:
            needs = [ref, cref] if key(cref) in created else [ref]
            state.step(ADD_CONSTRAINTS, sql, ChangeKind.ALTER, [ref, cref], needs=needs)
