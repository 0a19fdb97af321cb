"""An index or constraint that the desired table has under another name, the same otherwise: renamed in place
(ALTER INDEX ... RENAME TO, ALTER TABLE ... RENAME CONSTRAINT), not dropped and built again. A rebuild scans
the table under a lock that blocks writes (a CHECK or foreign key: under ACCESS EXCLUSIVE), and between the
DROP and the CREATE of a unique index nothing stops a duplicate. A rename is instant and keeps the object's
comment; pairs are made one to one, in name order, between the parts only the current side has and those only
the desired side has. Names that both sides hold but for
parts unlike each other count too: two indexes or constraints that trade names are renamed, the first of each
circle of renames through a free name (as identity sequences are, name_slots.circle_heads), not both rebuilt."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import TypeVar

from ..model import Constraint, ConstraintKind, Index, ObjectRef, Relation
from ..plan import ChangeKind
from ..sql import qualified, quote_ident, quote_identifier
from .graph import ALTER_TABLES
from .name_slots import circle_heads, passing_name
from .render import table_ref
from .state import PlanState

Part = TypeVar("Part", Index, Constraint)


def _pairs(
    before: dict[str, Part],
    after: dict[str, Part],
    body: Callable[[Part], Hashable],
    kept: Callable[[Part, Part], bool],
) -> list[tuple[str, str]]:
    """(old name, new name) of the parts alike but for their names: an old name the desired side lacks, or
    holds for a part unlike it (`kept` says whether one name's two parts are left as they are), paired with
    a new name the current side lacks or holds for another part."""
    changed = [n for n in before if n in after and not kept(before[n], after[n])]
    gone = sorted([n for n in before if n not in after] + changed)
    fresh = sorted([n for n in after if n not in before] + changed)
    if not gone or not fresh:
        return []
    waiting: dict[Hashable, list[str]] = {}
    for name in fresh:
        waiting.setdefault(body(after[name]), []).append(name)
    out = []
    for name in gone:
        alike = waiting.get(body(before[name]), [])
        other = next((n for n in alike if n != name), None)
        if other is not None:
            alike.remove(other)
            out.append((name, other))
    return out


def _index_body(ix: Index) -> tuple[object, ...]:
    """The index but for its name: pg_get_indexdef's text names it once, after INDEX."""
    text = ix.definition.replace(f" INDEX {quote_identifier(ix.name)} ON ", " INDEX ON ", 1)
    return (text, ix.valid)


def rename_indexes(
    state: PlanState,
    new: Relation,
    before: dict[str, Index],
    after: dict[str, Index],
    kept: Callable[[Index, Index], bool],
) -> None:
    """Rename the indexes alike but for their names; `before` and `after` lose them (nothing else to plan)."""
    pairs = _pairs(before, after, _index_body, kept)
    heads = circle_heads(dict(pairs))
    for old_name, new_name in pairs:
        _rename(state, new, "index", old_name, new_name, heads)
        state.comment(
            ObjectRef("index", new.schema, new.name, new_name),
            "index",
            before[old_name].comment,
            after[new_name].comment,
        )
    _forget(pairs, before, after)


def rename_constraints(
    state: PlanState,
    new: Relation,
    before: dict[str, Constraint],
    after: dict[str, Constraint],
    same: Callable[[Constraint, Constraint], bool],
    kept: Callable[[Constraint, Constraint], bool],
) -> None:
    """Rename the constraints alike but for their names (`same` compares all else; `kept`: one name's two
    constraints are left as they are); a key or exclusion renames its index too, so only one whose index
    bears its name on both sides is paired."""

    def body(con: Constraint) -> Hashable:
        return (con.kind, con.definition, con.deferrable, con.initially_deferred, con.validated)

    def renamable(con: Constraint) -> bool:
        indexed = con.kind in (ConstraintKind.PRIMARY_KEY, ConstraintKind.UNIQUE, ConstraintKind.EXCLUSION)
        return not indexed or con.index_name == con.name

    pairs = [
        (old_name, new_name)
        for old_name, new_name in _pairs(
            {n: c for n, c in before.items() if renamable(c)},
            {n: c for n, c in after.items() if renamable(c)},
            body,
            kept,
        )
        if same(before[old_name], after[new_name])
    ]
    heads = circle_heads(dict(pairs))
    for old_name, new_name in pairs:
        _rename(state, new, "constraint", old_name, new_name, heads)
        cref = ObjectRef("constraint", new.schema, new.name, new_name)
        state.comment(cref, "constraint", before[old_name].comment, after[new_name].comment)
    _forget(pairs, before, after)


def _forget(pairs: list[tuple[str, str]], before: dict[str, Part], after: dict[str, Part]) -> None:
    """After the renames are planned: a name both sides keep may be one pair's old and another's new name."""
    for old_name, new_name in pairs:
        del before[old_name], after[new_name]


def _rename(
    state: PlanState, rel: Relation, kind: str, old_name: str, new_name: str, heads: set[str]
) -> None:
    """ALTER INDEX ... RENAME TO, or ALTER TABLE ... RENAME CONSTRAINT; the head of a circle of renames goes
    through a passing name first (see compare_table_options._rename_sequence: the same move)."""
    ref = table_ref(rel)
    old_ref = ObjectRef(kind, rel.schema, rel.name, old_name)
    new_ref = ObjectRef(kind, rel.schema, rel.name, new_name)
    state.change(ChangeKind.RENAME, new_ref, kind, old_name, new_name)

    def sql(source: str, target: str) -> str:
        if kind == "constraint":
            return (
                f"ALTER TABLE {qualified(rel.schema, rel.name)} "
                f"RENAME CONSTRAINT {quote_ident(source)} TO {quote_ident(target)};"
            )
        return f"ALTER INDEX {qualified(rel.schema, source)} RENAME TO {quote_ident(target)};"

    source = old_name
    if old_name in heads:
        source = passing_name(old_name)
        passing = ObjectRef(kind, rel.schema, rel.name, source)
        state.step(
            ALTER_TABLES,
            sql(old_name, source),
            ChangeKind.RENAME,
            [ref, old_ref, passing],
            creates=[passing],
            vacates=[old_ref],
        )
    state.step(
        ALTER_TABLES,
        sql(source, new_name),
        ChangeKind.RENAME,
        [ref, old_ref, new_ref],
        creates=[new_ref],
        # the passing name is the plan's own: needed, not freed for a create (which would come first)
        vacates=[old_ref] if source == old_name else [],
        needs=[] if source == old_name else [passing],
    )
