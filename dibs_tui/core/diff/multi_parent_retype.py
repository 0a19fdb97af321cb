"""A column an inheritance child has from two parents or more, retyped on them: PostgreSQL's ALTER COLUMN ... TYPE
on either parent refuses it ("cannot alter inherited column": the child's column counts more parents than the
one the change comes through), and no statement retypes it through all of them at once. So the child leaves
every parent from the second that gives it the column on (NO INHERIT), the first one's type change reaches it,
and it joins them again in their order (INHERIT, its parents' order kept) once each has its new type. What it
had from those parents alone stays its own too (attislocal, conislocal), as after any INHERIT; the proof and the
harness take it so (core.fingerprint.without_joined_locality), check keeps and says an own NOT NULL."""

from __future__ import annotations

from ..model import ObjectRef, Relation
from ..plan import ChangeKind
from ..sql import qualified
from .graph import ALTER_TABLES
from .render import table_ref, what_of
from .state import PlanState


def _released(child: Relation, parent: tuple[str, str]) -> ObjectRef:
    return ObjectRef("released", child.schema, child.name, qualified(*parent))


def release_children(state: PlanState, rel: Relation, column: str) -> list[ObjectRef]:
    """`rel` the live parent whose `column` the plan retypes: the NO INHERITs its type change waits for, each
    child's planned once, with its INHERITs after every parent that gives it the column has the new type."""
    needs: list[ObjectRef] = []
    for child in state.inheritors.get(rel.key, ()):
        wanted = state.desired.relation(*child.key)
        if wanted is None or child.partition_of is not None:
            continue
        givers = [
            k
            for k in child.inherits
            if k in wanted.inherits
            and (parent := state.current.relation(*k)) is not None
            and parent.column(column) is not None
        ]
        if rel.key not in givers or len(givers) < 2:
            continue
        leaving = [k for k in child.inherits[child.inherits.index(givers[1]) :] if k in wanted.inherits]
        needs += [_released(child, k) for k in leaving]
        if child.key in state.released_children:
            continue
        state.released_children.add(child.key)
        names = ", ".join(qualified(*k) for k in leaving)
        detail = f"leaves {names} and inherits again, around the type change of {column} it has from each"
        state.change(ChangeKind.ALTER, table_ref(child), what_of(child), detail=detail)
        retyped = [ObjectRef("retyped", *k) for k in givers]
        joined: list[ObjectRef] = []
        for k in leaving:
            prefix = f"ALTER TABLE {qualified(*child.key)}"
            state.step(
                ALTER_TABLES,
                f"{prefix} NO INHERIT {qualified(*k)};",
                ChangeKind.ALTER,
                [table_ref(child)],
                creates=[_released(child, k)],
            )
            again = ObjectRef("joined again", child.schema, child.name, qualified(*k))
            state.step(
                ALTER_TABLES,
                f"{prefix} INHERIT {qualified(*k)};",
                ChangeKind.ALTER,
                [table_ref(child)],
                creates=[again],
                needs=[_released(child, k), *retyped, *joined],
            )
            joined = [again]
    return needs
