"""An index or constraint that the desired table has under another name, the same otherwise: renamed in place
(ALTER INDEX ... RENAME TO, ALTER TABLE ... RENAME CONSTRAINT), not dropped and built again. A rebuild scans
the table under a lock that blocks writes (a CHECK or foreign key: under ACCESS EXCLUSIVE), and between the
DROP and the CREATE of a unique index nothing stops a duplicate. A rename is instant and keeps the object's
comment; pairs are made one to one, in name order, between the parts only the current side has and those only
the desired side has. Names that both sides hold but for
parts unlike each other count too: two indexes or constraints that trade names are renamed, the first of each
circle of renames through a free name (as identity sequences are, name_slots.circle_heads), not both rebuilt.
An index's name (a key's or exclusion's too) is in its schema's namespace, where two tables' indexes may trade
names: the renames are recorded while the tables are compared, and planned once all are known
(`plan_part_renames`), each circle found in its namespace."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import TypeVar

from ..model import Constraint, ConstraintKind, DomainCheck, Index, ObjectRef, Relation
from ..plan import ChangeKind
from ..sql import qualified, quote_ident
from .graph import ALTER_TABLES, PRE_CREATE
from .name_slots import circle_heads, passing_name
from .partition_moves import detached_ref
from .render import index_head, table_ref
from .state import PlanState

Part = TypeVar("Part", Index, Constraint, DomainCheck)


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


def index_body(ix: Index) -> tuple[object, ...]:
    """The index but for its name: pg_get_indexdef's text names it once, after INDEX."""
    text = ix.definition.replace(index_head(ix.name), " INDEX ON ", 1)
    return (text, ix.valid)


def rename_indexes(
    state: PlanState,
    new: Relation,
    before: dict[str, Index],
    after: dict[str, Index],
    kept: Callable[[Index, Index], bool],
) -> None:
    """Rename the indexes alike but for their names; `before` and `after` lose them (nothing else to plan)."""
    pairs = _pairs(before, after, index_body, kept)
    for old_name, new_name in pairs:
        _record(state, new, "index", old_name, new_name, in_schema=True)
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

    def indexed(con: Constraint) -> bool:
        return con.kind in (ConstraintKind.PRIMARY_KEY, ConstraintKind.UNIQUE, ConstraintKind.EXCLUSION)

    def renamable(con: Constraint) -> bool:
        return not indexed(con) or con.index_name == con.name

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
    for old_name, new_name in pairs:
        _record(state, new, "constraint", old_name, new_name, in_schema=indexed(before[old_name]))
        cref = ObjectRef("constraint", new.schema, new.name, new_name)
        state.comment(cref, "constraint", before[old_name].comment, after[new_name].comment)
    _forget(pairs, before, after)


def rename_domain_checks(
    state: PlanState, key: tuple[str, str], before: dict[str, DomainCheck], after: dict[str, DomainCheck]
) -> dict[str, DomainCheck]:
    """ALTER DOMAIN ... RENAME CONSTRAINT for the CHECKs alike but for their names (a CHECK dropped and added
    again is checked anew against every column of the domain, in every table, under its lock); a circle
    through a passing name. `before` and `after` lose them; returns the renamed ones by their new names."""
    pairs = _pairs(before, after, lambda c: (c.definition, c.validated), lambda a, b: a == b)
    heads = circle_heads(dict(pairs))
    domain = qualified(*key)
    renamed = {}
    for old_name, new_name in pairs:
        ref, new_ref = ObjectRef("type", *key), ObjectRef("domain constraint", *key, new_name)
        old_ref = ObjectRef("domain constraint", *key, old_name)
        state.change(ChangeKind.RENAME, new_ref, "domain check", old_name, new_name)
        taken = state.names_taken(("domain", *key))
        source = passing_name(old_name, taken) if old_name in heads else old_name
        between = ObjectRef("domain constraint", *key, source)
        if source != old_name:
            state.step(
                PRE_CREATE,
                f"ALTER DOMAIN {domain} RENAME CONSTRAINT {quote_ident(old_name)} TO {quote_ident(source)};",
                ChangeKind.RENAME,
                [ref],
                creates=[between],
                vacates=[old_ref],
            )
        state.step(
            PRE_CREATE,
            f"ALTER DOMAIN {domain} RENAME CONSTRAINT {quote_ident(source)} TO {quote_ident(new_name)};",
            ChangeKind.RENAME,
            [ref],
            creates=[new_ref],
            # the passing name is the plan's own: needed, not freed for a create (which would come first)
            vacates=[old_ref] if source == old_name else [],
            needs=[between] if source != old_name else [],
        )
        renamed[new_name] = before[old_name]
    _forget(pairs, before, after)
    return renamed


def _forget(pairs: list[tuple[str, str]], before: dict[str, Part], after: dict[str, Part]) -> None:
    """After the renames are planned: a name both sides keep may be one pair's old and another's new name."""
    for old_name, new_name in pairs:
        del before[old_name], after[new_name]


def _record(
    state: PlanState, rel: Relation, kind: str, old_name: str, new_name: str, *, in_schema: bool
) -> None:
    """A rename to plan once every table is compared; `in_schema`: the name is also an index's, in pg_class."""
    state.change(ChangeKind.RENAME, ObjectRef(kind, rel.schema, rel.name, new_name), kind, old_name, new_name)
    state.part_renames.append((rel, kind, old_name, new_name, in_schema))


def plan_part_renames(state: PlanState) -> None:
    """The renames recorded, the head of each circle through a passing name first. Circles are sought per
    namespace: a table's constraint names, and a schema's pg_class names for indexes (a key's or exclusion's
    constraint is in both; a circle found in either is broken, at worst by one passing name more)."""
    namespaces: dict[tuple[str, ...], dict[str, str]] = {}
    for rel, kind, old_name, new_name, in_schema in state.part_renames:
        if kind == "constraint":
            namespaces.setdefault((rel.schema, rel.name), {})[old_name] = new_name
        if in_schema:
            namespaces.setdefault((rel.schema,), {})[old_name] = new_name
    heads = {(space, head) for space, renamed in namespaces.items() for head in circle_heads(renamed)}
    for rel, kind, old_name, new_name, in_schema in state.part_renames:
        passing = ((rel.schema, rel.name), old_name) in heads and kind == "constraint"
        passing = passing or (in_schema and ((rel.schema,), old_name) in heads)
        _rename(state, rel, kind, old_name, new_name, passing=passing, in_schema=in_schema)


def _rename(
    state: PlanState,
    rel: Relation,
    kind: str,
    old_name: str,
    new_name: str,
    *,
    passing: bool,
    in_schema: bool,
) -> None:
    """ALTER INDEX ... RENAME TO, or ALTER TABLE ... RENAME CONSTRAINT; the head of a circle of renames goes
    through a passing name first (see compare_table_options._rename_sequence: the same move)."""
    ref = table_ref(rel)
    old_ref = ObjectRef(kind, rel.schema, rel.name, old_name)
    new_ref = ObjectRef(kind, rel.schema, rel.name, new_name)
    was = state.current.relation(*rel.key)
    # an inherited constraint cannot be renamed: a partition's, once its DETACH has made it the table's own
    detached = (
        [detached_ref(rel, was.partition_of)] if was and was.partition_of and not rel.partition_of else []
    )

    def sql(source: str, target: str) -> str:
        if kind == "constraint":
            return (
                f"ALTER TABLE {qualified(rel.schema, rel.name)} "
                f"RENAME CONSTRAINT {quote_ident(source)} TO {quote_ident(target)};"
            )
        return f"ALTER INDEX {qualified(rel.schema, source)} RENAME TO {quote_ident(target)};"

    if not passing:
        state.step(
            ALTER_TABLES,
            sql(old_name, new_name),
            ChangeKind.RENAME,
            [ref, old_ref, new_ref],
            creates=[new_ref],
            vacates=[old_ref],
            needs=detached,
        )
        return
    spaces: list[tuple[str, ...]] = [("constraint", rel.schema, rel.name)] if kind == "constraint" else []
    spaces += [("class", rel.schema)] if in_schema else []
    between = ObjectRef(kind, rel.schema, rel.name, passing_name(old_name, *map(state.names_taken, spaces)))
    state.step(
        ALTER_TABLES,
        sql(old_name, between.sub),
        ChangeKind.RENAME,
        [ref, old_ref, between],
        creates=[between],
        vacates=[old_ref],
        needs=detached,
    )
    state.step(
        ALTER_TABLES,
        sql(between.sub, new_name),
        ChangeKind.RENAME,
        [ref, old_ref, new_ref],
        creates=[new_ref],
        # the passing name is the plan's own: needed, not freed for a create (which would come first)
        needs=[between],
    )
