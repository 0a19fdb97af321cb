"""A domain's CHECK added (or changed) while a composite type's attribute uses the domain and a table's column
uses that composite: PostgreSQL refuses the ADD CONSTRAINT (it cannot check values inside a composite
column). Such a column travels through text around the change: made text before, and read back into its type
after, which checks every value against the new CHECK on the way in."""

from __future__ import annotations

from ..model import ObjectRef
from ..model_types import CompositeType
from ..plan import ChangeKind
from ..sql import qualified, quote_ident
from .around_columns import clear_for_text
from .graph import ALTER_TABLES, DROP_DEPENDENTS
from .state import PlanState


def _uses_domain(typ: CompositeType, domain: tuple[str, str]) -> bool:
    names = {qualified(*domain), quote_ident(domain[1])}
    return any(a.type.removesuffix("[]") in names for a in typ.attributes)


def columns_to_text(state: PlanState, domain: tuple[str, str]) -> tuple[list[ObjectRef], ObjectRef]:
    """Each table column of a composite type using `domain` becomes text; returns the columns' states the
    domain's ADD CONSTRAINT must follow, and the node that step creates, which their return waits for."""
    composites = {c.key for c in state.current.composites if _uses_domain(c, domain)}
    checked = ObjectRef("domain check", domain[0], domain[1])
    gone: list[ObjectRef] = []
    for rel in state.current.relations:
        if not rel.kind.is_table or rel.partition_of is not None:
            continue
        for col in rel.columns:
            if col.type_key not in composites:
                continue
            table = ObjectRef("table", rel.schema, rel.name)
            cref = ObjectRef("column", rel.schema, rel.name, col.name)
            state.reshaped_columns.add((rel.schema, rel.name, col.name))
            prefix = f"ALTER TABLE {qualified(rel.schema, rel.name)} ALTER COLUMN {quote_ident(col.name)}"
            cleared = clear_for_text(state, rel, col.name)
            state.step(
                DROP_DEPENDENTS,
                f"{prefix} TYPE text;",
                ChangeKind.ALTER,
                [table],
                destroys=[cref],
                after=cleared,
            )
            state.step(
                ALTER_TABLES,
                f"{prefix} TYPE {col.type} USING {quote_ident(col.name)}::{col.type};",
                ChangeKind.ALTER,
                [table],
                needs=[checked],
            )
            gone.append(cref)
    return gone, checked
