"""An index or constraint that the desired table has under another name, the same otherwise: renamed in place
(ALTER INDEX ... RENAME TO, ALTER TABLE ... RENAME CONSTRAINT), not dropped and built again. A rebuild scans
the table under a lock that blocks writes (a CHECK or foreign key: under ACCESS EXCLUSIVE), and between the
DROP and the CREATE of a unique index nothing stops a duplicate. A rename is instant and keeps the object's
comment; pairs are made one to one, in name order, between the parts only the current side has and those only
the desired side has."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import TypeVar

from ..model import Constraint, ConstraintKind, Index, ObjectRef, Relation
from ..plan import ChangeKind
from ..sql import qualified, quote_ident, quote_identifier
from .graph import ALTER_TABLES
from .render import table_ref
from .state import PlanState

Part = TypeVar("Part", Index, Constraint)


def _pairs(
    before: dict[str, Part], after: dict[str, Part], body: Callable[[Part], Hashable]
) -> list[tuple[str, str]]:
    """(old name, new name) of the parts alike but for their names."""
    gone = sorted(n for n in before if n not in after)
    fresh = sorted(n for n in after if n not in before)
    if not gone or not fresh:
        return []
    waiting: dict[Hashable, list[str]] = {}
    for name in fresh:
        waiting.setdefault(body(after[name]), []).append(name)
    out = []
    for name in gone:
        alike = waiting.get(body(before[name]))
        if alike:
            out.append((name, alike.pop(0)))
    return out


def _index_body(ix: Index) -> tuple[object, ...]:
    """The index but for its name: pg_get_indexdef's text names it once, after INDEX."""
    text = ix.definition.replace(f" INDEX {quote_identifier(ix.name)} ON ", " INDEX ON ", 1)
    return (text, ix.valid)


def rename_indexes(
    state: PlanState, new: Relation, before: dict[str, Index], after: dict[str, Index]
) -> None:
    """Rename the indexes alike but for their names; `before` and `after` lose them (nothing else to plan)."""
    for old_name, new_name in _pairs(before, after, _index_body):
        _rename(state, new, "index", old_name, new_name, f"ALTER INDEX {qualified(new.schema, old_name)}")
        state.comment(
            ObjectRef("index", new.schema, new.name, new_name),
            "index",
            before[old_name].comment,
            after[new_name].comment,
        )
        del before[old_name], after[new_name]


def rename_constraints(
    state: PlanState,
    new: Relation,
    before: dict[str, Constraint],
    after: dict[str, Constraint],
    same: Callable[[Constraint, Constraint], bool],
) -> None:
    """Rename the constraints alike but for their names (`same` compares all else); a key or exclusion renames
    its index too, so only one whose index bears its name on both sides is paired."""

    def body(con: Constraint) -> Hashable:
        return (con.kind, con.definition, con.deferrable, con.initially_deferred, con.validated)

    def renamable(con: Constraint) -> bool:
        indexed = con.kind in (ConstraintKind.PRIMARY_KEY, ConstraintKind.UNIQUE, ConstraintKind.EXCLUSION)
        return not indexed or con.index_name == con.name

    table = f"ALTER TABLE {qualified(new.schema, new.name)}"
    for old_name, new_name in _pairs(
        {n: c for n, c in before.items() if renamable(c)},
        {n: c for n, c in after.items() if renamable(c)},
        body,
    ):
        if not same(before[old_name], after[new_name]):
            continue
        _rename(state, new, "constraint", old_name, new_name, table, constraint=True)
        cref = ObjectRef("constraint", new.schema, new.name, new_name)
        state.comment(cref, "constraint", before[old_name].comment, after[new_name].comment)
        del before[old_name], after[new_name]


def _rename(
    state: PlanState,
    rel: Relation,
    kind: str,
    old_name: str,
    new_name: str,
    target: str,
    *,
    constraint: bool = False,
) -> None:
    ref = table_ref(rel)
    old_ref = ObjectRef(kind, rel.schema, rel.name, old_name)
    new_ref = ObjectRef(kind, rel.schema, rel.name, new_name)
    state.change(ChangeKind.RENAME, new_ref, kind, old_name, new_name)
    verb = f"RENAME CONSTRAINT {quote_ident(old_name)} TO" if constraint else "RENAME TO"
    state.step(
        ALTER_TABLES,
        f"{target} {verb} {quote_ident(new_name)};",
        ChangeKind.RENAME,
        [ref, old_ref, new_ref],
        creates=[new_ref],
        vacates=[old_ref],
    )
