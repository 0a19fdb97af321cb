"""Enums and domains: values appended in place, anything else re-created under the same name."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from ..ddl import domain_sql
from ..model import (
    Domain,
    DomainCheck,
    ObjectRef,
)
from ..object_names import domain_not_null
from ..plan import ChangeKind
from ..sql import qualified, quote_ident, quote_literal
from .compare_user_types import composites_to_recreate, ranges_to_recreate
from .deparse_drift import same_check
from .domain_in_composites import columns_to_text
from .graph import (
    COMMENTS,
    DROP_CONSTRAINTS,
    DROP_OBJECTS,
    PRE_CREATE,
)
from .graph import (
    key as node_key,
)
from .name_slots import passing_name
from .part_renames import rename_domain_checks
from .render import (
    type_ref,
)
from .state import PlanState, only_in
from .type_conversions import widens


def plan_enums(state: PlanState) -> None:
    cur = {e.key: e for e in state.current.enums}
    des = {e.key: e for e in state.desired.enums}
    for key, new in sorted(des.items()):
        ref = type_ref(*key)
        old = cur.get(key)
        if old is None:
            state.change(ChangeKind.CREATE, ref, "enum", new=", ".join(new.labels))
            labels = ", ".join(quote_literal(v) for v in new.labels)
            state.step(
                PRE_CREATE,
                f"CREATE TYPE {qualified(*key)} AS ENUM ({labels});",
                ChangeKind.CREATE,
                [ref],
                creates=[ref],
                needs=[ObjectRef("schema", "", key[0])],
            )
        elif (renamed := renamed_value(old.labels, new.labels)) is not None:
            _rename_enum_value(state, ref, *renamed)
            now_named = [renamed[1] if label == renamed[0] else label for label in old.labels]
            # values added besides, after the rename (one may be placed AFTER the new name)
            _add_enum_values(state, ref, now_named, new.labels, needs=[_value_ref(ref, renamed[1])])
        elif old.labels != new.labels:
            state.change(
                ChangeKind.ALTER,
                ref,
                "enum",
                ", ".join(old.labels),
                ", ".join(new.labels),
                destructive=not set(old.labels) <= set(new.labels),
            )
            if _is_append_only(old.labels, new.labels):
                _add_enum_values(state, ref, old.labels, new.labels)
            else:
                state.recreated_types.add(key)
                temp = _old_enum_name(key[1])
                labels = ", ".join(quote_literal(v) for v in new.labels)
                state.step(
                    PRE_CREATE,
                    f"ALTER TYPE {qualified(*key)} RENAME TO {quote_ident(temp)};",
                    ChangeKind.ALTER,
                    [ref],
                    vacates=[ref],
                )
                state.step(
                    PRE_CREATE,
                    f"CREATE TYPE {qualified(*key)} AS ENUM ({labels});",
                    ChangeKind.CREATE,
                    [ref],
                    creates=[ref],
                )
                state.step(
                    DROP_OBJECTS,
                    f"DROP TYPE {qualified(key[0], temp)};",
                    ChangeKind.DROP,
                    [ref],
                    destroys=[ref],
                    destructive=True,
                )
        if old is None or old.comment != new.comment:
            state.comment(ref, "enum", old.comment if old else None, new.comment)
    for key in only_in(cur, des):
        ref = type_ref(*key)
        state.drop_object(ref, "enum", ", ".join(cur[key].labels), f"DROP TYPE {qualified(*key)};")


def _old_enum_name(name: str) -> str:
    return (name + "__dibs_old")[:63]


def renamed_value(old: Sequence[str], new: Sequence[str]) -> tuple[str, str] | None:
    """(old label, new label) when exactly one value changed name in place: the old name gone, the new one not
    there before and at its position, every other one kept in its order, values only added besides (after the
    renamed one, or anywhere when there are as many). Then the only other reading, one value dropped and another
    added at its very place, would re-create the type and fail on every row holding the old value, where RENAME
    VALUE keeps those rows (now under the new name) and ends in the same catalog. Two or more values gone are
    not paired by position: that would be a guess that relabels rows silently, so the type is re-created and
    such rows are refused loudly."""
    gone = [label for label in old if label not in new]
    if len(gone) != 1:
        return None
    was = gone[0]
    at = old.index(was)
    if at >= len(new) or new[at] in old or list(new[:at]) != list(old[:at]):
        return None
    now = new[at]
    renamed = [now if label == was else label for label in old]
    if len(old) == len(new):
        return (was, now) if renamed == list(new) else None
    return (was, now) if _is_append_only(renamed, new) else None


def _rename_enum_value(state: PlanState, ref: ObjectRef, was: str, now: str) -> None:
    """ALTER TYPE ... RENAME VALUE: the type, its columns and their rows stay. What names the value keeps
    naming it (a constant holds the value, not its label); what the desired side writes otherwise is made
    after the rename (`reshapes`: a CHECK, a default, an index predicate, a view with the new label)."""
    state.change(ChangeKind.RENAME, ref, "enum value", was, now)
    state.step(
        PRE_CREATE,
        f"ALTER TYPE {qualified(ref.schema, ref.name)} RENAME VALUE {quote_literal(was)} TO {quote_literal(now)};",
        ChangeKind.ALTER,
        [ref],
        reshapes=[ref],
        creates=[_value_ref(ref, now)],
    )


def _value_ref(ref: ObjectRef, label: str) -> ObjectRef:
    """An enum's value under a name: what an ADD VALUE placed next to a renamed one waits for."""
    return ObjectRef("enum value", ref.schema, ref.name, label)


def _is_append_only(old: Sequence[str], new: Sequence[str]) -> bool:
    """Old labels appear in `new` in the same order: only additions."""
    it = iter(new)
    return all(any(label == x for x in it) for label in old)


def _add_enum_values(
    state: PlanState, ref: ObjectRef, old: Sequence[str], new: Sequence[str], needs: Sequence[ObjectRef] = ()
) -> None:
    present = set(old)
    for i, label in enumerate(new):
        if label in present:
            continue
        after = next((new[j] for j in range(i - 1, -1, -1) if new[j] in present), None)
        if after is not None:
            where = f" AFTER {quote_literal(after)}"
        else:
            before = next(x for x in new[i + 1 :] if x in present) if any(x in present for x in new) else None
            where = f" BEFORE {quote_literal(before)}" if before is not None else ""
        state.step(
            PRE_CREATE,
            f"ALTER TYPE {qualified(ref.schema, ref.name)} ADD VALUE {quote_literal(label)}{where};",
            ChangeKind.ALTER,
            [ref],
            transactional=False,
            needs=list(needs),
        )
        present.add(label)


def plan_domains(state: PlanState) -> None:
    cur = {d.key: d for d in state.current.domains}
    des = {d.key: d for d in state.desired.domains}
    rebased_directly = {
        key
        for key, new in des.items()
        if (old := cur.get(key)) is not None
        and (old.base_type, old.collation) != (new.base_type, new.collation)
    }
    over_recreated = state.types_over_recreated(
        rebased_directly | ranges_to_recreate(state) | composites_to_recreate(state)
    )
    for key, new in sorted(des.items()):
        ref = type_ref(*key)
        old = _drift_free(cur.get(key), new)
        name = qualified(*key)
        rebased = old is not None and key in over_recreated
        if old is not None and (old.base_type != new.base_type or old.collation != new.collation or rebased):
            # PostgreSQL cannot change a domain's base type: the old one is renamed out of the way, the
            # new one created, the columns recast (through text) and the old one dropped at the end. So
            # too over a base type re-created (an enum that lost a value), which the old one still names.
            state.recreated_types.add(key)
            temp = _old_enum_name(key[1])
            state.change(
                ChangeKind.ALTER,
                ref,
                "domain",
                old.base_type,
                new.base_type,
                destructive=not widens(old.base_type, new.base_type),
                detail="re-created over its re-created base type" if old.base_type == new.base_type else "",
            )
            state.step(
                PRE_CREATE,
                f"ALTER DOMAIN {name} RENAME TO {quote_ident(temp)};",
                ChangeKind.ALTER,
                [ref],
                vacates=[ref],
            )
            # named: the old one's NOT NULL holds the name the server would pick, and it would number this one's
            named = replace(new, not_null_name=new.not_null_name or domain_not_null(new.name))
            state.step(PRE_CREATE, domain_sql(named), ChangeKind.CREATE, [ref], creates=[ref])
            state.step(
                DROP_OBJECTS,
                f"DROP DOMAIN {qualified(key[0], temp)};",
                ChangeKind.DROP,
                [ref],
                destroys=[ref],
                destructive=True,
            )
            state.comment(ref, "domain", old.comment, new.comment)
            _check_comments(state, new, None)
            continue
        if old is None:
            state.change(ChangeKind.CREATE, ref, "domain", new=domain_sql(new))
            state.step(
                PRE_CREATE,
                domain_sql(new),
                ChangeKind.CREATE,
                [ref],
                creates=[ref],
                needs=[ObjectRef("schema", "", key[0])],
            )
            state.comment(ref, "domain", None, new.comment)
            _check_comments(state, new, None)
            continue
        if old.default != new.default:
            sql = f"ALTER DOMAIN {name} " + (f"SET DEFAULT {new.default}" if new.default else "DROP DEFAULT")
            state.change(ChangeKind.ALTER, ref, "domain", old.default, new.default, detail="default")
            state.step(PRE_CREATE, sql + ";", ChangeKind.ALTER, [ref])
        old_checks = {c.name: c for c in old.checks}
        new_checks = {c.name: c for c in new.checks}
        renamed = rename_domain_checks(state, key, old_checks, new_checks)  # both lose the renamed ones
        renamed |= _validate_checks(state, key, old_checks, new_checks)  # and the ones validated
        added = [c for n, c in new_checks.items() if old_checks.get(n) != c]
        # SET NOT NULL is refused like ADD CONSTRAINT while a composite column holds the domain
        sets_not_null = new.not_null and not old.not_null
        travelled, checked = columns_to_text(state, key) if added or sets_not_null else ([], None)
        if old.not_null != new.not_null:
            state.change(ChangeKind.ALTER, ref, "domain", detail="not null")
            sql = f"ALTER DOMAIN {name} {'SET' if new.not_null else 'DROP'} NOT NULL;"
            if new.not_null_name is not None:  # SET NOT NULL says no name
                sql = f"ALTER DOMAIN {name} ADD CONSTRAINT {quote_ident(new.not_null_name)} NOT NULL;"
            state.step(
                PRE_CREATE,
                sql,
                ChangeKind.ALTER,
                [ref],
                after=travelled if sets_not_null else [],
                creates=[checked] if checked and sets_not_null else [],
            )
        elif new.not_null and state.oldest_server >= 17:  # named since 17 (PlanState.oldest_server)
            _rename_not_null(state, old, new)
        for cname, check in old_checks.items():
            wanted = new_checks.get(cname)
            if wanted is not None and wanted != check and not _calls(state, _check_ref(key, cname)):
                added.remove(wanted)  # made under a passing name before the old one goes
                _replace_check(state, key, check, wanted, travelled, checked)
                continue
            if wanted != check:
                state.change(ChangeKind.ALTER, ref, "domain", check.definition, None, detail="check")
                state.step(
                    DROP_CONSTRAINTS,
                    f"ALTER DOMAIN {name} DROP CONSTRAINT {quote_ident(cname)};",
                    ChangeKind.ALTER,
                    [ref],
                    destroys=[_check_ref(key, cname)],
                )
        for check in added:
            state.change(ChangeKind.ALTER, ref, "domain", None, check.definition, detail="check")
            state.step(
                PRE_CREATE,
                f"ALTER DOMAIN {name} ADD CONSTRAINT {quote_ident(check.name)} {check.definition};",
                ChangeKind.ALTER,
                [ref],
                after=travelled,
                creates=[checked, _check_ref(key, check.name)] if checked else [_check_ref(key, check.name)],
            )
        state.comment(ref, "domain", old.comment, new.comment)
        _check_comments(state, new, old, renamed)
    for key in only_in(cur, des):
        ref = type_ref(*key)
        state.drop_object(ref, "domain", cur[key].base_type, f"DROP DOMAIN {qualified(*key)};")


def _replace_check(
    state: PlanState,
    key: tuple[str, str],
    old: DomainCheck,
    new: DomainCheck,
    travelled: list[ObjectRef],
    checked: ObjectRef | None,
) -> None:
    """A CHECK redefined under its own name: the new one added NOT VALID under a passing name and validated,
    then the old one dropped and the new one renamed to its name. Dropped first, the domain would take any
    value between the two (outside a transaction, or when the ADD fails on a row), and the ADD would check
    every column of the domain (VALIDATE takes the same SHARE lock on their tables in PostgreSQL 18: what is
    gained is no moment without a CHECK, not a weaker lock). Not for a CHECK that calls a function (`_calls`)."""
    name, ref = qualified(*key), type_ref(*key)
    state.change(ChangeKind.ALTER, ref, "domain", old.definition, new.definition, detail=f"check {new.name}")
    passing = passing_name(new.name, state.names_taken(("domain", *key)))
    made, gone = _check_ref(key, passing), _check_ref(key, new.name)
    body = new.definition.removesuffix(" NOT VALID")
    sql = f"ALTER DOMAIN {name} ADD CONSTRAINT {quote_ident(passing)} {body} NOT VALID;"
    # a CHECK NOT VALID on the desired side is not validated: the columns that travelled come back after it
    marks = [checked] if checked is not None and not new.validated else []
    state.step(PRE_CREATE, sql, ChangeKind.ALTER, [ref], creates=[made, *marks], needs=[ref])
    holds = made
    if new.validated:
        holds = ObjectRef("domain check validated", key[0], key[1], passing)  # the drop's order, no object
        sql = f"ALTER DOMAIN {name} VALIDATE CONSTRAINT {quote_ident(passing)};"
        marks = [checked] if checked is not None else []
        state.step(
            PRE_CREATE, sql, ChangeKind.ALTER, [ref], needs=[made], after=travelled, creates=[holds, *marks]
        )
    sql = f"ALTER DOMAIN {name} DROP CONSTRAINT {quote_ident(old.name)};"
    state.step(DROP_CONSTRAINTS, sql, ChangeKind.ALTER, [ref], destroys=[gone], needs=[holds])
    sql = f"ALTER DOMAIN {name} RENAME CONSTRAINT {quote_ident(passing)} TO {quote_ident(new.name)};"
    state.step(PRE_CREATE, sql, ChangeKind.RENAME, [ref], creates=[gone], needs=[made])


def _calls(state: PlanState, ref: ObjectRef) -> bool:
    """The desired CHECK calls a function of the schema (or names another type): if the plan makes that again,
    the new CHECK can only follow its CREATE and the old one must go before its DROP: dropped, then added."""
    own = node_key(type_ref(ref.schema, ref.name))
    refs = state.desired_deps.references.get(node_key(ref), ())
    return any(node[0] in ("function", "type") and node != own for node in refs)


def _validate_checks(
    state: PlanState, key: tuple[str, str], before: dict[str, DomainCheck], after: dict[str, DomainCheck]
) -> dict[str, DomainCheck]:
    """ALTER DOMAIN ... VALIDATE CONSTRAINT for a CHECK NOT VALID here and valid on the desired side, alike
    otherwise (its text says NOT VALID at its end): kept, not dropped and added again, which leaves the
    domain without it between. One valid here and NOT VALID on the desired side is kept valid, said, not
    planned (PlanState.keep_valid). `before` and `after` lose them; returns them by name."""
    done = {}
    for name, check in list(after.items()):
        was = before.get(name)
        if was is None or was.validated == check.validated:
            continue
        if was.validated:  # NOT VALID on the desired side
            if check.definition.removesuffix(" NOT VALID") == was.definition:
                state.keep_valid(_check_ref(key, name), "domain check", was.definition, check.definition)
                done[name] = was
                del before[name], after[name]
            continue
        if was.definition.removesuffix(" NOT VALID") != check.definition:
            continue
        ref = type_ref(*key)
        state.change(ChangeKind.ALTER, ref, "domain", detail=f"validate check {name}")
        sql = f"ALTER DOMAIN {qualified(*key)} VALIDATE CONSTRAINT {quote_ident(name)};"
        state.step(PRE_CREATE, sql, ChangeKind.ALTER, [ref], needs=[_check_ref(key, name)])
        done[name] = was
        del before[name], after[name]
    return done


def _drift_free(old: Domain | None, new: Domain) -> Domain | None:
    """`old` with each CHECK the desired domain has in another spelling the server prints back after a reload
    (deparse_drift.same_check) written as the desired one is, under its name first: otherwise dropped and
    added again (every column of the domain checked anew) on each diff of a reloaded schema, or, renamed,
    not paired with its new name (part_renames pairs equal texts)."""
    if old is None or old.checks == new.checks:
        return old
    spelled = {c.definition for c in new.checks}
    checks = []
    for check in old.checks:
        if check.definition not in spelled:
            alike = [c for c in new.checks if same_check(check.definition, c.definition)]
            same = next((c for c in alike if c.name == check.name), alike[0] if alike else None)
            check = replace(check, definition=same.definition) if same is not None else check
        checks.append(check)
    return replace(old, checks=tuple(checks))


def _rename_not_null(state: PlanState, old: Domain, new: Domain) -> None:
    """A domain's NOT NULL kept, named otherwise (PostgreSQL 17 on): renamed in place, no value read."""
    before = old.not_null_name or domain_not_null(old.name)
    after = new.not_null_name or domain_not_null(new.name)
    if before == after:
        return
    ref = type_ref(*new.key)
    state.change(ChangeKind.ALTER, ref, "domain", before, after, detail="not null renamed")
    state.step(
        PRE_CREATE,
        f"ALTER DOMAIN {qualified(*new.key)} RENAME CONSTRAINT {quote_ident(before)} TO {quote_ident(after)};",
        ChangeKind.ALTER,
        [ref],
        vacates=[_check_ref(new.key, before)],
        creates=[_check_ref(new.key, after)],
    )


def _check_ref(domain: tuple[str, str], check: str) -> ObjectRef:
    return ObjectRef("domain constraint", domain[0], domain[1], check)


def _check_comments(
    state: PlanState, new: Domain, old: Domain | None, renamed: dict[str, DomainCheck] | None = None
) -> None:
    """COMMENT ON CONSTRAINT ... ON DOMAIN where a check's comment differs (a check made by the plan starts
    without one, one renamed keeps its own: `renamed` by its new name); after the domain, and after the
    check's ADD or rename."""
    before = {c.name: c for c in old.checks} if old is not None else {}
    for check in new.checks:
        kept = (renamed or {}).get(check.name)
        if kept is None:
            kept = before.get(check.name)
            kept = kept if kept == check else None
        was = kept.comment if kept is not None else None
        if (was or None) == (check.comment or None):
            continue
        cref = _check_ref(new.key, check.name)
        state.change(ChangeKind.ALTER, cref, "domain check", was, check.comment, detail="comment")
        value = quote_literal(check.comment) if check.comment else "NULL"
        sql = f"COMMENT ON CONSTRAINT {quote_ident(check.name)} ON DOMAIN {qualified(*new.key)} IS {value};"
        state.step(COMMENTS, sql, ChangeKind.ALTER, [cref], needs=[type_ref(*new.key), cref])
