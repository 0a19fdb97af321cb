"""Constraints, foreign keys (held back until every table exists) and indexes of one relation."""

from __future__ import annotations

import re
from dataclasses import replace

from ..model import (
    Constraint,
    ConstraintKind,
    Index,
    ObjectRef,
    Relation,
    RelationKind,
)
from ..model_definitions import same_definition
from ..plan import ChangeKind
from ..sql import qualified, quote_ident
from .deparse_drift import same_check, same_statement
from .graph import (
    ADD_CONSTRAINTS,
    ADD_FOREIGN_KEYS,
    DROP_CONSTRAINTS,
    DROP_DEPENDENTS,
    key,
)
from .index_promotions import promote_indexes
from .key_handovers import plan_handovers, redefined_keys
from .part_renames import rename_constraints, rename_indexes
from .partition_indexes import cloned_name, in_creation_order, own_column_renames
from .render import (
    index_head,
    partition_index_sql,
    table_ref,
)
from .state import PlanState


def plan_constraints(state: PlanState, old: Relation | None, new: Relation) -> None:
    ref = table_ref(new)
    name = qualified(new.schema, new.name)

    def relevant(rel: Relation | None, inherited: bool) -> dict[str, Constraint]:
        if rel is None:
            return {}
        return {
            c.name: c
            for c in rel.constraints
            if c.kind is not ConstraintKind.NOT_NULL and (inherited or not c.is_inherited)
        }

    # DETACH PARTITION leaves the partition its own copies of its parent's constraints; ATTACH PARTITION
    # takes the table's own that match its new parent's (and makes the missing ones itself)
    detached = old is not None and old.partition_of is not None and new.partition_of is None
    attached = old is not None and old.partition_of is None and new.partition_of is not None
    before, after = relevant(old, detached), relevant(in_creation_order(new), False)
    if attached:
        after |= _taken_by_attach(state, before, new)
    rename_constraints(
        state,
        new,
        before,
        after,
        lambda a, b: _same_constraint(state, a, b),
        lambda a, b: _same_or_validity(state, a, b),
    )
    kept = {n for n, c in after.items() if n in before and _same_or_validity(state, before[n], c)}
    adds = {n: c for n, c in after.items() if n not in kept}
    promote_indexes(state, old, new, adds, _same_index)  # adds loses the constraints made of an index
    before = _without_own_and_inherited(state, old, new, before, after)
    dropped = {n: c for n, c in before.items() if n not in after}
    passing = plan_handovers(state, old, new, dropped, adds)  # built before what they replace is dropped
    rebuilt = redefined_keys(state, old, new, before, adds)  # the same, a key redefined under its name
    passing |= {n: p for n, p in rebuilt.items() if adds[n].kind is not ConstraintKind.UNIQUE}
    for cname, con in before.items():
        other = after.get(cname)
        if other is not None and _same_constraint(state, con, other):
            continue
        if other is not None and _validity_only(state, new, con, other):
            continue
        cref = ObjectRef("constraint", new.schema, new.name, cname)
        if other is None:
            state.change(ChangeKind.DROP, cref, str(con.kind), old=con.definition)
        phase = DROP_DEPENDENTS if con.kind is ConstraintKind.FOREIGN_KEY else DROP_CONSTRAINTS
        waits = state.drop_waits.get((new.schema, new.name, cname))
        state.step(
            phase,
            f"ALTER TABLE {name} DROP CONSTRAINT {quote_ident(cname)};",
            ChangeKind.ALTER,
            [ref, cref],
            # its index goes with it: a foreign key of another table depends on that index in pg_depend
            destroys=[cref, ObjectRef("index", new.schema, new.name, con.index_name)]
            if con.index_name
            else [cref],
            needs=[waits] if waits is not None else [],
        )
    for cname, con in after.items():
        prev = before.get(cname)
        if cname not in adds and cname not in kept:
            continue  # made of an index (index_promotions)
        if prev is not None and cname in kept:
            if prev.comment != con.comment:
                state.comment(
                    ObjectRef("constraint", new.schema, new.name, cname),
                    "constraint",
                    prev.comment,
                    con.comment,
                )
            continue
        cref = ObjectRef("constraint", new.schema, new.name, cname)
        if prev is None:
            state.change(ChangeKind.CREATE, cref, str(con.kind), new=con.definition)
        else:
            state.change(ChangeKind.ALTER, cref, str(con.kind), prev.definition, con.definition)
        if con.kind is ConstraintKind.FOREIGN_KEY:
            state.pending_fks.append((new, con))
            continue
        if cname in rebuilt and cname not in passing:
            _add_using_index(state, new, con, rebuilt[cname])
        else:
            _add_constraint(state, new, con, passing.get(cname, cname))
        state.comment(cref, "constraint", None, con.comment)


def _add_constraint(state: PlanState, rel: Relation, con: Constraint, made_as: str) -> None:
    """ADD CONSTRAINT; under a passing name (`made_as`), renamed to its own once what bears it is dropped."""
    ref, name = table_ref(rel), qualified(rel.schema, rel.name)
    cref = ObjectRef("constraint", rel.schema, rel.name, con.name)
    made = ObjectRef("constraint", rel.schema, rel.name, made_as)
    sql = f"ALTER TABLE {name} ADD CONSTRAINT {quote_ident(made.sub)} {con.definition}"
    sql += _deferral(con)
    needs = [ref] if made == cref else [ref, *_columns(state, cref)]
    # A key makes its index too: a foreign key to it needs that index (pg_depend's edge), not only the table.
    index = [ObjectRef("index", rel.schema, rel.name, made.sub)] if con.kind in _INDEXED else []
    state.step(ADD_CONSTRAINTS, sql + ";", ChangeKind.ALTER, [ref, cref], creates=[made, *index], needs=needs)
    if made != cref:  # its index's name is the one of an index dropped once this is made: taken after
        state.step(
            ADD_CONSTRAINTS,
            f"ALTER TABLE {name} RENAME CONSTRAINT {quote_ident(made.sub)} TO {quote_ident(con.name)};",
            ChangeKind.ALTER,
            [ref, cref],
            creates=[cref, ObjectRef("index", rel.schema, rel.name, con.index_name or con.name)],
            needs=[made],
        )


def _add_using_index(state: PlanState, rel: Relation, con: Constraint, passing: str) -> None:
    """A unique constraint redefined under its name (key_handovers.redefined_keys): its index built under the
    passing name while the old one still holds, then made the constraint once that is dropped."""
    ref = table_ref(rel)
    cref = ObjectRef("constraint", rel.schema, rel.name, con.name)
    own = next(ix for ix in rel.indexes if ix.name == (con.index_name or con.name))
    made = ObjectRef("index", rel.schema, rel.name, passing)
    sql = partition_index_sql(own, partition=False).replace(index_head(own.name), index_head(passing), 1)
    needs = [ref, *_columns(state, cref)]
    state.step(ADD_CONSTRAINTS, sql, ChangeKind.ALTER, [ref, cref], creates=[made], needs=needs)
    sql = (
        f"ALTER TABLE {qualified(rel.schema, rel.name)} ADD CONSTRAINT {quote_ident(con.name)} UNIQUE USING "
        f"INDEX {quote_ident(passing)}{_timing(con)};"
    )
    index = ObjectRef("index", rel.schema, rel.name, own.name)
    state.step(ADD_CONSTRAINTS, sql, ChangeKind.ALTER, [ref, cref, made], creates=[cref, index], needs=[made])


def _columns(state: PlanState, cref: ObjectRef) -> list[ObjectRef]:
    """The desired columns a constraint reads: a step that makes it under a passing name follows their ADD
    COLUMN, as the desired side's pg_depend orders it under its own name."""
    refs = state.desired_deps.references.get(key(cref), ())
    return [ObjectRef(*node) for node in refs if node[0] == "column"]


def _without_own_and_inherited(
    state: PlanState,
    old: Relation | None,
    new: Relation,
    before: dict[str, Constraint],
    after: dict[str, Constraint],
) -> dict[str, Constraint]:
    """`before` but an inheritance child's own constraints that a parent it keeps gives it too, alike on both
    sides, where the desired child has them inherited only (not declared on it): kept and said. PostgreSQL
    refuses the child's DROP ("cannot drop inherited constraint") and has no statement that makes one inherited
    only (but the parent's DROP and ADD again, reading every table of the tree); the child's own checks the same
    rows. (A partition's is never its own: PostgreSQL merges one declared on it as inherited only.)"""
    if old is None:
        return before
    wanted = {c.name: c for c in new.constraints if c.is_inherited}
    parents = [
        (state.current.relation(*k), state.desired.relation(*k))
        for k in set(old.inherits) & set(new.inherits)
    ]
    out = dict(before)
    for cname, con in before.items():
        other = wanted.get(cname)
        if (
            cname in after
            or other is None
            or not _same_constraint(state, con, replace(other, is_inherited=False))
        ):
            continue
        if any(
            was is not None
            and will is not None
            and (given := _named(was, cname)) is not None
            and (then := _named(will, cname)) is not None
            and _same_constraint(state, given, then)
            for was, will in parents
        ):
            detail = (
                "its own and inherited, inherited only in the desired schema: kept (PostgreSQL has no statement"
                " that makes it inherited only, but the parent's DROP and ADD again; it checks the same rows)"
            )
            cref = ObjectRef("constraint", new.schema, new.name, cname)
            state.keep(cref, str(con.kind), con.definition, other.definition, detail)
            del out[cname]
    return out


def _named(rel: Relation, name: str) -> Constraint | None:
    return next((c for c in rel.constraints if c.name == name), None)


def _taken_by_attach(state: PlanState, before: dict[str, Constraint], new: Relation) -> dict[str, Constraint]:
    """The desired partition's inherited constraints that the table's own become when it is attached: alike
    but perhaps for their names (a name that differs is renamed then: part_renames)."""
    return {
        con.name: con
        for con in new.constraints
        if con.is_inherited
        and con.kind is not ConstraintKind.NOT_NULL
        and any(_same_constraint(state, own, con) for own in before.values())
    }


def _validity_only(state: PlanState, rel: Relation, con: Constraint, other: Constraint) -> bool:
    """`con` and the desired `other` alike but for being valid: NOT VALID here, validated in place; valid here,
    kept valid and said (PlanState.keep_valid). A foreign key alike but for when it is checked or for being
    enforced: ALTER CONSTRAINT. False when they differ otherwise."""
    cref = ObjectRef("constraint", rel.schema, rel.name, con.name)
    timing_differs = _deferral_differs(state, con, other)
    if timing_differs or _enforcement_differs(state, con, other):
        when = " INITIALLY DEFERRED" if other.initially_deferred else " INITIALLY IMMEDIATE"
        timing = (("DEFERRABLE" + when) if other.deferrable else "NOT DEFERRABLE") if timing_differs else ""
        if con.enforced != other.enforced:
            timing = f"{timing} {'ENFORCED' if other.enforced else 'NOT ENFORCED'}".strip()
        state.change(ChangeKind.ALTER, cref, str(con.kind), con.definition, other.definition, detail=timing)
        sql = f"ALTER TABLE {qualified(rel.schema, rel.name)} ALTER CONSTRAINT {quote_ident(con.name)} {timing};"
        state.step(ADD_FOREIGN_KEYS, sql, ChangeKind.ALTER, [table_ref(rel), cref], needs=[table_ref(rel)])
        # ENFORCED validates the key, NOT ENFORCED leaves it not valid: as desired, but for a key desired
        # enforced and NOT VALID, kept valid
        validated = other.enforced if con.enforced != other.enforced else con.validated
        if validated == other.validated:
            return True
        if validated:  # valid here, NOT VALID desired
            state.keep_valid(cref, str(con.kind), con.definition, other.definition)
            return True
    elif _validated_only(state, other, con):  # valid here, NOT VALID desired
        state.keep_valid(cref, str(con.kind), con.definition, other.definition)
        return True
    elif not _validated_only(state, con, other):
        return False
    state.change(ChangeKind.ALTER, cref, str(con.kind), detail="validate")
    state.step(
        ADD_FOREIGN_KEYS if con.foreign_key else ADD_CONSTRAINTS,
        f"ALTER TABLE {qualified(rel.schema, rel.name)} VALIDATE CONSTRAINT {quote_ident(con.name)};",
        ChangeKind.ALTER,
        [table_ref(rel)],
    )
    return True


def _same_or_validity(state: PlanState, a: Constraint, b: Constraint) -> bool:
    """Kept in place: alike, or alike but for being valid on one side only: validated (NOT VALID here), or
    kept valid (NOT VALID on the desired side: PlanState.keep_valid says why); or a foreign key alike but for
    when it is checked (ALTER CONSTRAINT)."""
    return (
        _same_constraint(state, a, b)
        or _validated_only(state, a, b)
        or _validated_only(state, b, a)
        or _deferral_differs(state, a, b)
        or _enforcement_differs(state, a, b)
    )


# the kinds whose ADD CONSTRAINT makes an index of the constraint's name
_INDEXED = (ConstraintKind.PRIMARY_KEY, ConstraintKind.UNIQUE, ConstraintKind.EXCLUSION)
_DEFERRAL = re.compile(r" DEFERRABLE(?: INITIALLY DEFERRED)?(?=(?: NOT VALID)?$)")


def _deferral_differs(state: PlanState, a: Constraint, b: Constraint) -> bool:
    """Foreign keys alike but for DEFERRABLE or INITIALLY DEFERRED, and perhaps for being valid or enforced:
    ALTER CONSTRAINT changes when it is checked in place (VALIDATE CONSTRAINT or keeping it valid does the
    rest), where a DROP and ADD would check every row again under a lock that blocks writes, the key gone
    between."""
    if (a.deferrable, a.initially_deferred) == (b.deferrable, b.initially_deferred):
        return False
    return _alike_keys(state, a, b)


def _enforcement_differs(state: PlanState, a: Constraint, b: Constraint) -> bool:
    """Foreign keys alike but for being enforced (PostgreSQL 18), and perhaps for when they are checked: ALTER
    CONSTRAINT ... [NOT] ENFORCED in place. ENFORCED checks every row under ACCESS EXCLUSIVE on the table and
    SHARE ROW EXCLUSIVE on the one it references; a DROP and ADD would hold ACCESS EXCLUSIVE on both through
    that check (the DROP's lock lasts to the commit). NOT ENFORCED reads no row either way. PostgreSQL alters
    only a foreign key's enforcement: a CHECK's is dropped and added."""
    return a.enforced != b.enforced and _alike_keys(state, a, b)


def _alike_keys(state: PlanState, a: Constraint, b: Constraint) -> bool:
    if a.kind is not ConstraintKind.FOREIGN_KEY or b.kind is not ConstraintKind.FOREIGN_KEY:
        return False
    if b.foreign_key is not None and b.foreign_key.target_key in state.recreated_tables:
        return False
    return _without_timing(a) == _without_timing(b)


def _without_timing(con: Constraint) -> str:
    return _DEFERRAL.sub("", con.definition.removesuffix(" NOT ENFORCED")).removesuffix(" NOT VALID")


def _validated_only(state: PlanState, a: Constraint, b: Constraint) -> bool:
    """NOT VALID here, valid on the desired side, alike otherwise: VALIDATE CONSTRAINT, kept in place. It
    checks the rows under a lock that lets writes on (SHARE UPDATE EXCLUSIVE); a DROP and ADD checks them
    under ACCESS EXCLUSIVE, with the constraint gone between. The text says NOT VALID at its end."""
    if a.validated or not b.validated:
        return False
    valid = replace(a, validated=True, definition=a.definition.removesuffix(" NOT VALID"))
    return _same_constraint(state, valid, b)


def _same_index(a: Index, b: Index) -> bool:
    return same_definition(a, b) or same_statement(a.definition, b.definition)


def _deferral(con: Constraint) -> str:
    if "DEFERRABLE" in con.definition.upper():
        return ""
    return _timing(con)


def _timing(con: Constraint) -> str:
    if con.deferrable:
        return " DEFERRABLE INITIALLY DEFERRED" if con.initially_deferred else " DEFERRABLE"
    return ""


def _same_constraint(state: PlanState, a: Constraint, b: Constraint) -> bool:
    if b.foreign_key is not None and b.foreign_key.target_key in state.recreated_tables:
        return False  # its target table is dropped and re-created
    return (a.kind, a.deferrable, a.initially_deferred, a.validated) == (
        b.kind,
        b.deferrable,
        b.initially_deferred,
        b.validated,
    ) and (
        same_definition(a, b) or (a.kind is ConstraintKind.CHECK and same_check(a.definition, b.definition))
    )


def plan_foreign_keys(state: PlanState) -> None:
    for rel, con in state.pending_fks:
        ref = table_ref(rel)
        cref = ObjectRef("constraint", rel.schema, rel.name, con.name)
        assert con.foreign_key is not None
        target = ObjectRef("table", *con.foreign_key.target_key)
        sql = (
            f"ALTER TABLE {qualified(rel.schema, rel.name)} ADD CONSTRAINT {quote_ident(con.name)} "
            f"{con.definition}{_deferral(con)};"
        )
        state.step(ADD_FOREIGN_KEYS, sql, ChangeKind.ALTER, [ref, cref, target], creates=[cref])
        state.comment(cref, "constraint", None, con.comment)


def plan_indexes(state: PlanState, old: Relation | None, new: Relation, *, fresh_phase: int) -> None:
    ref = table_ref(new)
    partition = new.partition_of is not None

    def own(rel: Relation | None) -> dict[str, Index]:
        return {} if rel is None else {i.name: i for i in rel.indexes if not i.owned_by_constraint}

    promoted = state.promoted_indexes
    before = {n: i for n, i in own(old).items() if (new.schema, new.name, n) not in promoted}
    after = own(in_creation_order(new))
    rename_indexes(state, new, before, after, _same_index)
    # a partition's index attached to its parent's goes with that one's DROP and cannot be dropped alone:
    # after the parent's drops, IF EXISTS (which of them is attached, pg_depend's 'P' rows say: not read)
    was_parent = state.current.relation(*old.partition_of) if old is not None and old.partition_of else None
    parent_drops = (
        [ObjectRef("index", *was_parent.key, p.name) for p in was_parent.indexes] if was_parent else []
    )
    for iname, ix in before.items():
        other = after.get(iname)
        if other is not None and _same_index(other, ix):
            continue
        iref = ObjectRef("index", new.schema, new.name, iname)
        if other is None:
            state.change(ChangeKind.DROP, iref, "index", old=ix.definition)
        exists = " IF EXISTS" if partition else ""
        waits = state.drop_waits.get((new.schema, new.name, iname))
        state.step(
            DROP_CONSTRAINTS,
            f"DROP INDEX{exists} {qualified(new.schema, iname)};",
            ChangeKind.ALTER,
            [ref, iref],
            destroys=[iref],
            after=parent_drops if partition else [],
            needs=[waits] if waits is not None else [],
        )
    partition_indexes = [
        ObjectRef("index", r.schema, r.name, i.name)
        for r in (state.desired.relations if new.kind is RelationKind.PARTITIONED else ())
        if r.partition_of == new.key
        for i in r.indexes
    ]
    for iname, ix in after.items():
        prev = before.get(iname)
        if prev is not None and _same_index(prev, ix):
            if prev.comment != ix.comment:
                state.comment(
                    ObjectRef("index", new.schema, new.name, iname), "index", prev.comment, ix.comment
                )
            continue
        iref = ObjectRef("index", new.schema, new.name, iname)
        if prev is None:
            state.change(ChangeKind.CREATE, iref, "index", new=ix.definition)
        else:
            state.change(ChangeKind.ALTER, iref, "index", prev.definition, ix.definition, detail="replaced")
        clone = cloned_name(state, new, ix) if old is None and partition else None
        if clone is not None:  # made with the partition under its parent's index: renamed, not built again
            state.step(
                fresh_phase,
                f"ALTER INDEX {qualified(new.schema, clone)} RENAME TO {quote_ident(iname)};",
                ChangeKind.RENAME,
                [ref, iref],
                creates=[iref],
                needs=[ref],
            )
            state.comment(iref, "index", None, ix.comment)
            continue
        # a partitioned table's index after its partitions' (made first, under their desired names, its
        # CREATE attaches them: made after it, a partition's index of another name than the one PostgreSQL
        # gives the index it makes there was a second index, built twice); IF NOT EXISTS on a partition: one
        # made with it (CREATE TABLE ... PARTITION OF under an index kept) is there already
        needs: list[ObjectRef] = [ref, *partition_indexes]
        passing = state.passing_builds.get((new.schema, new.name, iname))
        if passing is not None:  # the name of a key's index dropped once this is built (key_handovers)
            _build_passing(state, new, ix, passing, fresh_phase)
        else:
            state.step(
                fresh_phase,
                partition_index_sql(ix, partition=partition),
                ChangeKind.ALTER,
                [ref, iref],
                creates=[iref],
                needs=needs,
            )
        for given, wanted in own_column_renames(new, ix) if new.kind is RelationKind.PARTITIONED else ():
            sql = f"ALTER TABLE {qualified(new.schema, iname)} RENAME COLUMN {quote_ident(given)} TO {quote_ident(wanted)};"
            state.step(fresh_phase, sql, ChangeKind.ALTER, [ref, iref], needs=[iref])
        state.comment(iref, "index", None, ix.comment)


def _build_passing(state: PlanState, rel: Relation, ix: Index, passing: str, phase: int) -> None:
    """CREATE INDEX under the passing name, then ALTER INDEX ... RENAME TO its own once the key is gone."""
    ref, iref = table_ref(rel), ObjectRef("index", rel.schema, rel.name, ix.name)
    made = ObjectRef("index", rel.schema, rel.name, passing)
    sql = partition_index_sql(ix, partition=False).replace(index_head(ix.name), index_head(passing), 1)
    state.step(phase, sql, ChangeKind.ALTER, [ref, iref], creates=[made], needs=[ref])
    state.step(
        phase,
        f"ALTER INDEX {qualified(rel.schema, passing)} RENAME TO {quote_ident(ix.name)};",
        ChangeKind.RENAME,
        [ref, iref],
        creates=[iref],
        needs=[made],
    )
