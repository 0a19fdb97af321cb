"""Generated columns around a retyped column: PostgreSQL refuses ALTER COLUMN ... TYPE on a column that a
generated column reads ("cannot alter type of a column used by a generated column"), so each such generated
column is dropped first, with the indexes and constraints over it, and added again from the desired table once
the retyped column is in its new type. Nothing is lost: its values are computed, a stored one again by the
ADD (which rewrites the table). It comes back as the table's last column; column order is not part of the
diff. Found with the reshaped columns (compare_relations), whose readers (views, rules, policies, ...) are
re-created around the change, so that those reading a regenerated column are too."""

from __future__ import annotations

import re

from ..ddl import column_sql
from ..model import Column, ObjectRef, Relation
from ..plan import ChangeKind
from ..sql import qualified, quote_ident
from .around_columns import clear_for_drop, retyped_ref
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
