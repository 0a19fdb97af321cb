"""A unique index that the desired table has as a primary key or unique constraint: made that constraint in
place (ALTER TABLE ... ADD CONSTRAINT ... USING INDEX, which renames the index to the constraint's name), not
dropped while the constraint builds another one. A build scans the table under a lock that blocks writes; the
promotion only writes the catalog. So a unique constraint and a unique index that trade names, or trade what
they cover, cost one build at most: the constraint that becomes a plain index must build it (PostgreSQL
drops a constraint's index with it), the index that becomes a constraint is kept.

PostgreSQL takes only a valid b-tree index over plain columns in their default order, without a predicate,
on a table that is not partitioned; the desired constraint's own index is such an index, so an index alike
but for its name (part_renames.index_body) qualifies, and on a partitioned table none is sought."""

from __future__ import annotations

from collections.abc import Callable

from ..model import Constraint, ConstraintKind, Index, ObjectRef, Relation, RelationKind
from ..plan import ChangeKind
from ..sql import qualified, quote_ident
from .graph import ADD_CONSTRAINTS
from .part_renames import index_body
from .render import table_ref
from .state import PlanState

_KINDS = {ConstraintKind.PRIMARY_KEY: "PRIMARY KEY", ConstraintKind.UNIQUE: "UNIQUE"}


def promote_indexes(
    state: PlanState,
    old: Relation | None,
    new: Relation,
    adds: dict[str, Constraint],
    same_index: Callable[[Index, Index], bool],
) -> None:
    """ADD CONSTRAINT ... USING INDEX for each key of `adds` (the constraints the plan would add) that a
    current index, one the desired side does not keep under its own name, already is; `adds` loses them and
    the index is recorded in `state.promoted_indexes` (plan_indexes neither drops nor renames it)."""
    if old is None or new.kind is RelationKind.PARTITIONED or old.kind is RelationKind.PARTITIONED:
        return
    kept = {ix.name: ix for ix in new.indexes if not ix.owned_by_constraint}
    free: dict[object, list[Index]] = {}
    for ix in old.indexes:
        other = kept.get(ix.name)
        if ix.unique and ix.valid and not ix.owned_by_constraint and not (other and same_index(ix, other)):
            free.setdefault(index_body(ix), []).append(ix)
    if not free:
        return
    indexes = {ix.name: ix for ix in new.indexes}
    for name, con in list(adds.items()):
        own = indexes.get(con.index_name or "")
        found = free.get(index_body(own), []) if con.kind in _KINDS and own is not None else []
        if not found:
            continue
        ix = found.pop(0)
        del adds[name]
        state.promoted_indexes.add((new.schema, new.name, ix.name))
        _promote(state, new, con, ix, own)


def _promote(state: PlanState, rel: Relation, con: Constraint, ix: Index, own: Index | None) -> None:
    """The statement, and the comments: the constraint's (new, so none yet) and its index's (the old one's)."""
    cref = ObjectRef("constraint", rel.schema, rel.name, con.name)
    old_ref = ObjectRef("index", rel.schema, rel.name, ix.name)
    new_ref = ObjectRef("index", rel.schema, rel.name, con.name)
    state.change(ChangeKind.CREATE, cref, str(con.kind), new=con.definition, detail=f"using index {ix.name}")
    sql = (
        f"ALTER TABLE {qualified(rel.schema, rel.name)} ADD CONSTRAINT {quote_ident(con.name)} "
        f"{_KINDS[con.kind]} USING INDEX {quote_ident(ix.name)}"
    )
    if con.deferrable:
        sql += " DEFERRABLE INITIALLY DEFERRED" if con.initially_deferred else " DEFERRABLE"
    state.step(
        ADD_CONSTRAINTS,
        sql + ";",
        ChangeKind.ALTER,
        [table_ref(rel), cref, old_ref],
        creates=[cref, new_ref],
        needs=[table_ref(rel)],
        vacates=[old_ref] if ix.name != con.name else [],
    )
    state.comment(cref, "constraint", None, con.comment)
    state.comment(new_ref, "index", ix.comment, own.comment if own is not None else None)
