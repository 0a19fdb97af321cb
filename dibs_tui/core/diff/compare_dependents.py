"""Triggers and row-level security policies of one relation."""

from __future__ import annotations

from ..ddl import policy_roles, policy_sql
from ..model import (
    Catalog,
    ObjectRef,
    Policy,
    Relation,
    Trigger,
)
from ..plan import ChangeKind
from ..sql import qualified, quote_ident
from .deparse_drift import same_expression
from .graph import (
    DROP_DEPENDENTS,
    LATE_CREATE,
    key,
)
from .render import (
    func_ref,
    table_ref,
)
from .state import PlanState


def _parent_trigger_names(rel: Relation | None, catalog: Catalog) -> set[str]:
    if rel is None or rel.partition_of is None:
        return set()
    parent = catalog.relation(*rel.partition_of)
    return {t.name for t in parent.triggers} if parent else set()


def plan_triggers(state: PlanState, old: Relation | None, new: Relation) -> None:
    ref = table_ref(new)
    name = qualified(new.schema, new.name)
    cloned = _parent_trigger_names(new, state.desired) | _parent_trigger_names(old, state.current)
    before: dict[str, Trigger] = {t.name: t for t in old.triggers} if old else {}
    after: dict[str, Trigger] = {t.name: t for t in new.triggers}
    replaced = _replaced_in_place(state, new, before, after, cloned)
    for tname, trig in before.items():
        other = after.get(tname)
        if (
            tname in cloned
            or tname in replaced
            or (other is not None and other.definition == trig.definition)
        ):
            continue
        tref = ObjectRef("trigger", new.schema, new.name, tname)
        if other is None:
            state.change(ChangeKind.DROP, tref, "trigger", old=trig.definition)
        state.step(
            DROP_DEPENDENTS,
            f"DROP TRIGGER {quote_ident(tname)} ON {name};",
            ChangeKind.ALTER,
            [ref, tref],
            destroys=[tref],
        )
    for tname, trig in after.items():
        tref = ObjectRef("trigger", new.schema, new.name, tname)
        prev = prev_of = before.get(tname)
        if tname in cloned:
            continue
        if prev is None or prev.definition != trig.definition:
            if prev is None:
                state.change(ChangeKind.CREATE, tref, "trigger", new=trig.definition)
            else:
                state.change(ChangeKind.ALTER, tref, "trigger", prev.definition, trig.definition)
            needs = [ref]
            needs += [
                func_ref(x)
                for x in state.desired.functions
                if (x.schema, x.name) == (trig.function_schema, trig.function_name)
            ]
            sql = trig.definition.rstrip(";") + ";"
            if tname in replaced:
                sql = sql.replace("CREATE TRIGGER ", "CREATE OR REPLACE TRIGGER ", 1)
            state.step(
                LATE_CREATE,
                sql,
                ChangeKind.ALTER,
                [ref, tref],
                creates=[tref],
                needs=needs,
            )
            prev = None
        if (prev.enabled if prev else "O") != trig.enabled:
            action = {
                "D": "DISABLE TRIGGER",
                "R": "ENABLE REPLICA TRIGGER",
                "A": "ENABLE ALWAYS TRIGGER",
            }.get(trig.enabled, "ENABLE TRIGGER")
            state.change(ChangeKind.ALTER, tref, "trigger", detail=action.lower())
            state.step(
                LATE_CREATE,
                f"ALTER TABLE {name} {action} {quote_ident(tname)};",
                ChangeKind.ALTER,
                [ref, tref],
                needs=[tref],
            )
        # a trigger dropped and created again loses its comment: written again (one replaced keeps it)
        recreated = prev_of is not None and prev_of.definition != trig.definition and tname not in replaced
        state.comment(tref, "trigger", prev_of.comment if prev_of else None, trig.comment, dropped=recreated)


def _replaced_in_place(
    state: PlanState, rel: Relation, before: dict[str, Trigger], after: dict[str, Trigger], cloned: set[str]
) -> set[str]:
    """The triggers whose definition changes that CREATE OR REPLACE TRIGGER changes in place (PostgreSQL 14+):
    one statement, the trigger never missing for a moment. Not a constraint trigger (PostgreSQL refuses to
    replace one), nor one reading what the plan has dropped or reshaped by now (a function, a column: the
    functions and this table's columns are planned before its triggers), which must be gone before that."""
    changed = [
        name
        for name, trig in before.items()
        if name not in cloned
        and (other := after.get(name)) is not None
        and other.definition != trig.definition
        and not trig.is_constraint
        and not other.is_constraint
    ]
    if not changed:
        return set()
    gone = {node for st in state.steps for node in (*st.destroys, *st.reshapes)}
    gone |= {("column", *col) for col in state.reshaped_columns}
    refs = state.current_deps.references
    return {
        name
        for name in changed
        if not any(node in gone for node in refs.get(("trigger", rel.schema, rel.name, name), ()))
    }


def plan_policies(state: PlanState, old: Relation | None, new: Relation) -> None:
    """A policy whose roles, USING or WITH CHECK alone change is altered in place (`plan_policy_alters`, once
    the cascades are planned), keeping its comment; its command or PERMISSIVE / RESTRICTIVE, or a clause it
    loses (ALTER POLICY sets a clause, never removes one), needs DROP and CREATE."""
    ref = table_ref(new)
    before = {p.name: p for p in old.policies} if old else {}
    after = {p.name: p for p in new.policies}
    for pname, pol in before.items():
        other = after.get(pname)
        if other is not None and (_same_policy(other, pol) or _alterable(pol, other)):
            continue  # a comment alone, or the policy altered in place
        pref = ObjectRef("policy", new.schema, new.name, pname)
        if pname not in after:
            state.change(ChangeKind.DROP, pref, "policy", old=pol.using)
        state.step(
            DROP_DEPENDENTS,
            f"DROP POLICY {quote_ident(pname)} ON {qualified(new.schema, new.name)};",
            ChangeKind.ALTER,
            [ref, pref],
            destroys=[pref],
        )
    for pname, pol in after.items():
        prev = before.get(pname)
        pref = ObjectRef("policy", new.schema, new.name, pname)
        if prev is not None and _same_policy(prev, pol):
            if prev.comment != pol.comment:
                state.comment(pref, "policy", prev.comment, pol.comment)
            continue
        if prev is None:
            state.change(ChangeKind.CREATE, pref, "policy", new=policy_sql(new, pol))
        else:
            state.change(ChangeKind.ALTER, pref, "policy", policy_sql(new, prev), policy_sql(new, pol))
            if _alterable(prev, pol):
                state.policy_alters[key(pref)] = (new, prev, pol)
                continue
        state.step(
            LATE_CREATE,
            policy_sql(new, pol),
            ChangeKind.ALTER,
            [ref, pref],
            creates=[pref],
            needs=[ref],
        )
        state.comment(pref, "policy", None, pol.comment)


def plan_policy_alters(state: PlanState) -> None:
    """ALTER POLICY for the policies `plan_policies` left to it that no cascade re-creates (a function, a view
    or a column type they read made again takes them along: DROP and CREATE then). The step destroys and
    creates the policy: it runs before the drop of what the old expressions read, after the create of what
    the new ones read."""
    for pref_key, (rel, prev, pol) in state.policy_alters.items():
        pref, ref = ObjectRef(*pref_key), table_ref(rel)
        sql = f"ALTER POLICY {quote_ident(pol.name)} ON {qualified(rel.schema, rel.name)}"
        if sorted(prev.roles) != sorted(pol.roles):
            sql += f" TO {policy_roles(pol)}"
        if pol.using is not None and not same_expression(prev.using, pol.using):
            sql += f" USING ({pol.using})"
        if pol.with_check is not None and not same_expression(prev.with_check, pol.with_check):
            sql += f" WITH CHECK ({pol.with_check})"
        state.step(
            LATE_CREATE,
            sql + ";",
            ChangeKind.ALTER,
            [ref, pref],
            creates=[pref],
            destroys=[pref],
            needs=[ref],
        )
        state.comment(pref, "policy", prev.comment, pol.comment)
    state.policy_alters.clear()


def _alterable(a: Policy, b: Policy) -> bool:
    """Whether ALTER POLICY turns `a` into `b`: the same command and kind, no clause lost."""
    return (
        (a.command, a.permissive) == (b.command, b.permissive)
        and (a.using is None or b.using is not None)
        and (a.with_check is None or b.with_check is not None)
    )


def _same_policy(a: Policy, b: Policy) -> bool:
    return (
        (a.command, a.permissive, tuple(sorted(a.roles))) == (b.command, b.permissive, tuple(sorted(b.roles)))
        and same_expression(a.using, b.using)
        and same_expression(a.with_check, b.with_check)
    )
