"""Generated columns PostgreSQL cannot change in place (`remade_generated`: made generated, STORED <-> VIRTUAL,
a virtual one made plain, a virtual one's expression on a table with CHECKs, any one's expression on a live
server before 17) dropped and added again; and
generated columns around a retyped column: PostgreSQL refuses ALTER COLUMN ... TYPE on a column that a
generated column reads ("cannot alter type of a column used by a generated column"), so each such generated
column is dropped first, with the indexes and constraints over it, and added again from the desired table once
the retyped column is in its new type. Nothing is lost: its values are computed, a stored one again by the
ADD (which rewrites the table). It comes back as the table's last column; column order is not part of the
diff. Found with the reshaped columns (compare_relations), whose readers (views, rules, policies, ...) are
re-created around the change, so that those reading a regenerated column are too."""

from __future__ import annotations

import re
from dataclasses import replace

from ..ddl import column_sql
from ..model import Column, ConstraintKind, Generated, ObjectRef, Relation
from ..plan import ChangeKind
from ..sql import qualified, quote_ident
from .around_columns import clear_for_drop, recast_descendants, retyped_ref
from .compare_table_options import catch_up_sql, identity_clause, identity_sequence
from .deparse_drift import major_version, same_expression
from .graph import ALTER_TABLES
from .render import table_ref
from .state import PlanState


def readers_of_retyped(old: Relation, new: Relation, retyped: set[str]) -> list[Column]:
    """The current table's generated columns that read a column in `retyped` (dropped, retyped or re-collated:
    compare_relations' `_reshaped_columns`) and that the desired table keeps generated: those go and come back
    around the change."""
    if not retyped:
        return []
    words = re.compile(
        "|".join(rf'(?<![\w"$]){re.escape(quote_ident(name))}(?![\w"$])' for name in sorted(retyped))
    )
    out = []
    for col in old.columns:
        if col.generation_expression is None or not words.search(col.generation_expression):
            continue
        kept = new.column(col.name)
        if kept is not None and kept.generated is not None:
            out.append(col)
    return out


def plan_regenerated(
    state: PlanState, old: Relation, new: Relation, readers: list[Column]
) -> list[ObjectRef]:
    """Drop each generated column in `readers` (after what is over it) and add it again once the retyped
    columns have their new type (`retyped_ref`); the refs returned are the drops the type changes follow."""
    ref = table_ref(new)
    table = qualified(new.schema, new.name)
    dropped: list[ObjectRef] = []
    for col in readers:
        cref = ObjectRef("column", new.schema, new.name, col.name)
        desired = new.column(col.name)
        assert desired is not None  # readers_of_retyped keeps only columns the desired table has
        cleared = clear_for_drop(state, old, col.name)
        state.change(
            ChangeKind.ALTER,
            cref,
            "column",
            column_sql(col),
            column_sql(desired),
            detail="generated column dropped and added again around a retyped column it reads (now last)",
        )
        state.step(
            ALTER_TABLES,
            f"ALTER TABLE {table} DROP COLUMN {quote_ident(col.name)};",
            ChangeKind.ALTER,
            [ref, cref],
            destroys=[cref, ObjectRef("default", new.schema, new.name, col.name)],
            after=cleared,
        )
        state.step(
            ALTER_TABLES,
            f"ALTER TABLE {table} ADD COLUMN {column_sql(desired)};",
            ChangeKind.ALTER,
            [ref, cref],
            creates=[cref],
            needs=[retyped_ref(new)],
        )
        state.comment(cref, "column", None, desired.comment)
        dropped.append(cref)
    return dropped


def remade_generated(
    state: PlanState, old_rel: Relation, new_rel: Relation, old: Column, new: Column
) -> str | None:
    """Why a column PostgreSQL 18 cannot turn into `new` in place is dropped and added again, or None. ALTER
    COLUMN has no statement from a plain column to a generated one nor between STORED and VIRTUAL; DROP
    EXPRESSION refuses a virtual column; SET EXPRESSION refuses one on a table (or a descendant) with any CHECK
    constraint, even NOT ENFORCED: dropping the column, an instant catalog change, spares revalidating every
    CHECK of the table, which dropping them around the SET EXPRESSION would cost. A new type with a new
    expression: neither ALTER goes first (the old expression may not fit the new type, the new one not the old
    type), and made again a stored column is rewritten once, not twice. A live server before 17 has no SET
    EXPRESSION at all ('syntax error at or near "EXPRESSION"'): there a new expression is a column made again."""
    if new.generated is None:
        return (
            "virtual column made plain (re-created, its values kept)"
            if old.generated is Generated.VIRTUAL
            else None
        )
    if old.generated is None:
        return "becomes generated (column re-created)"
    if old.generated != new.generated:
        return f"{old.generated.value} -> {new.generated.value} (column re-created)"
    changed = not same_expression(old.generation_expression, new.generation_expression)
    if changed and (old.type, old.collation) != (new.type, new.collation):
        return "type and generated expression (column re-created: neither change can go before the other)"
    if changed and (major_version(state.current.server_version) or 18) < 17:
        return "generated expression (column re-created: PostgreSQL 16 and older have no SET EXPRESSION)"
    if changed and new.generated is Generated.VIRTUAL and _checked(state, old_rel, new_rel):
        return "generated expression (column re-created: SET EXPRESSION refuses a virtual column of a table with CHECKs)"
    return None


def _checked(state: PlanState, old_rel: Relation, new_rel: Relation) -> bool:
    """Either side of the table, or a descendant of the live one, has a CHECK constraint."""
    if _has_checks(old_rel) or _has_checks(new_rel):
        return True
    return any(_has_checks(t) for t in recast_descendants(state, old_rel))


def _has_checks(rel: Relation) -> bool:
    return any(c.kind is ConstraintKind.CHECK for c in rel.constraints)


def plan_remade_generated(state: PlanState, rel: Relation, old: Column, new: Column, detail: str) -> None:
    """The column dropped, after what is over it, and added again as `new`. A virtual column made plain is
    added STORED first, from its old expression, then its expression dropped: it keeps its values as DROP
    EXPRESSION keeps a stored column's, and a default or an identity it gains is set after."""
    ref = table_ref(rel)
    cref = ObjectRef("column", rel.schema, rel.name, new.name)
    table = qualified(rel.schema, rel.name)
    live = state.current.relation(rel.schema, rel.name)
    cleared = clear_for_drop(state, live, new.name) if live is not None else []
    state.step(
        ALTER_TABLES,
        f"ALTER TABLE {table} DROP COLUMN {quote_ident(new.name)};",
        ChangeKind.ALTER,
        [ref, cref],
        destructive=old.generated is None,
        destroys=[cref],
        after=cleared,
    )
    kept = new.generated is None
    added = replace(
        new,
        default=None,
        identity=None,
        generated=Generated.STORED,
        generation_expression=old.generation_expression,
    )
    state.step(
        ALTER_TABLES,
        f"ALTER TABLE {table} ADD COLUMN {column_sql(added if kept else new)};",
        ChangeKind.ALTER,
        [ref, cref],
        creates=[cref],
    )
    prefix = f"ALTER TABLE {table} ALTER COLUMN {quote_ident(new.name)}"
    if kept:
        state.step(ALTER_TABLES, f"{prefix} DROP EXPRESSION;", ChangeKind.ALTER, [ref, cref], needs=[cref])
    if kept and new.identity is not None:  # over the values kept, its sequence continuing after them
        sequence = identity_sequence(state, rel, new.name, desired=True)
        made = [ObjectRef("sequence", sequence.schema, sequence.name)] if sequence else []
        add = f"{prefix} ADD {identity_clause(state, rel, new)};"
        state.step(ALTER_TABLES, add, ChangeKind.ALTER, [ref, cref], creates=made, needs=[cref])
        if sequence is not None:
            state.step(
                ALTER_TABLES, catch_up_sql(sequence, rel, new.name), ChangeKind.ALTER, [ref, cref], needs=made
            )
    if kept and new.default is not None:
        dref = ObjectRef("default", rel.schema, rel.name, new.name)
        state.step(
            ALTER_TABLES,
            f"{prefix} SET DEFAULT {new.default};",
            ChangeKind.ALTER,
            [ref, cref],
            creates=[dref],
            needs=[cref],
        )
    state.change(
        ChangeKind.ALTER,
        cref,
        "column",
        column_sql(old),
        column_sql(new),
        destructive=old.generated is None,
        detail=detail,
    )
    if old.comment == new.comment:  # one that changes is written by the column's comparison
        state.comment(cref, "column", old.comment, new.comment, dropped=True)
