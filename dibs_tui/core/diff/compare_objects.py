"""Rules, statistics objects, event triggers, publications, foreign data wrappers, foreign servers, user
mappings, text search dictionaries and configurations (core.model_objects): each is re-created whole (DROP +
CREATE) when its CREATE statement differs, except that the options of a wrapper, server, user mapping or
dictionary and a configuration's mappings are altered in place (ALTER ... MAPPING: the indexes and columns
that name the configuration stay).

What each needs (its table, a server's wrapper, an event trigger's function) is in the catalogs'
dependencies, which order the plan; the ranks only say where a reader expects them: wrappers, servers and
mappings before the tables, dropped after them; the others after the tables and views, dropped before
anything changes; event triggers last, so that they do not fire on the plan's own DDL. An object on a table
or view the plan drops goes with it: it is not dropped on its own, and is created again when still wanted; a
rule reading a column the plan retypes or drops is dropped before and created after (PostgreSQL refuses the
change while the rule exists); a re-created wrapper takes its servers along, a re-created server its user mappings,
a re-created dictionary the configurations that map to it. Text search objects are planned before the
relations (`plan_text_search`): a configuration made again takes along what names it (pg_depend: an index, a
generated column, a view), as a function made again does.
"""

from __future__ import annotations

from ..model import ObjectRef
from ..model_objects import (
    CONFIGURATION,
    DICTIONARY,
    KINDS,
    TEXT_SEARCH,
    WITH_OPTIONS,
    WholeObject,
    mapping_sql,
)
from ..plan import ChangeKind
from ..sql import quote_literal
from .compare_foreign import option_items
from .deparse_drift import same_statistics
from .graph import ALTER_TABLES, COMMENTS, DROP_DEPENDENTS, DROP_OBJECTS, LATE_CREATE, PRE_CREATE
from .state import PlanState

_RANK = {kind: rank for rank, kind in enumerate(KINDS)}


def _ref(obj: WholeObject) -> ObjectRef:
    return ObjectRef(*obj.ref)


def _order(obj: WholeObject) -> tuple[int, str, str, str]:
    return (_RANK.get(obj.kind, len(KINDS)), obj.schema, obj.relation, obj.name)


def _dropped_tables(state: PlanState) -> set[tuple[str, str]]:
    """The tables and views the plan drops (to re-create or for good), from the steps recorded so far."""
    return {(node[1], node[2]) for step in state.steps for node in step.destroys if node[0] == "table"}


def _same(old: WholeObject, new: WholeObject) -> bool:
    return old.create == new.create or (
        old.kind == "statistics object" and same_statistics(old.create, new.create)
    )


def plan_text_search(state: PlanState) -> set[ObjectRef]:
    """Text search dictionaries and configurations; returns the configurations dropped and made again."""
    return {ref for ref in _plan(state, TEXT_SEARCH) if ref.kind == CONFIGURATION}


def plan_objects(state: PlanState) -> None:
    """Every other kind, once the relations are planned."""
    _plan(state, frozenset(KINDS) - TEXT_SEARCH)


def _plan(state: PlanState, kinds: frozenset[str]) -> set[ObjectRef]:
    """The objects of `kinds`; returns those dropped and made again."""
    desired = {o.key: o for o in state.desired.objects if o.kind in kinds}
    current = [o for o in state.current.objects if o.kind in kinds]
    current_keys = {o.key for o in current}
    gone_with_tables = _dropped_tables(state)
    recreated: set[tuple[str, str, str]] = set()  # (kind, schema, name) of the parents dropped here
    to_drop: list[WholeObject] = []
    to_create: list[WholeObject] = []
    remade: set[ObjectRef] = set()
    for old in sorted(current, key=_order):  # wrappers before their servers, servers before mappings
        new = desired.get(old.key)
        # a publication outlives its tables (only their membership goes with them): made again, not taken along
        outlives = old.kind == "publication"
        with_table = not outlives and any(t in gone_with_tables for t in old.tables)
        loses_member = outlives and any(t in gone_with_tables for t in old.tables)
        with_column = any(
            kind == "column" and (schema, name, sub) in state.reshaped_columns
            for kind, schema, name, sub in old.references
        )
        with_parent = any(parent in recreated for parent in old.parents)
        if new is None:
            state.change(ChangeKind.DROP, _ref(old), old.kind, old.create, destructive=True)
        elif _same(old, new) and not (with_table or with_parent or with_column or loses_member):
            if (old.comment or None) != (new.comment or None):
                _comment(state, new)
            continue
        elif old.shape == new.shape and not (with_table or with_parent or with_column or loses_member):
            _alter_options(state, old, new)
            if (old.comment or None) != (new.comment or None):  # a wrapper's too, which had it left out
                _comment(state, new)
            continue
        else:
            detail = "re-created" if old.create != new.create else "re-created with what it lives on"
            if with_column and old.create == new.create:
                detail = "re-created around a column it reads, retyped or dropped"
            state.change(ChangeKind.ALTER, _ref(new), new.kind, old.create, new.create, detail=detail)
            to_create.append(new)
            remade.add(_ref(new))
        if not with_table:
            to_drop.append(old)
            recreated.add((old.kind, old.schema, old.name))
    for key, new in desired.items():
        if key not in current_keys:
            to_create.append(new)
            masked = (
                f"options not read: {', '.join(new.masked)} (set them after applying)" if new.masked else ""
            )
            state.change(ChangeKind.CREATE, _ref(new), new.kind, new=new.create, detail=masked)
    for old in sorted(to_drop, key=_order, reverse=True):
        ref = _ref(old)
        rank = DROP_OBJECTS if old.kind in WITH_OPTIONS else DROP_DEPENDENTS
        state.step(rank, old.drop, ChangeKind.DROP, [ref], destroys=[ref], destructive=True)
    # a statistics object's name is its schema's, not its table's: one made on another table under the name
    # of one dropped (with its table or on its own) is made after that drop
    holders = {(o.kind, o.schema, o.name): o for o in current if o.relation and o.key not in desired}
    for new in sorted(to_create, key=_order):
        ref = _ref(new)
        rank = PRE_CREATE if new.kind in WITH_OPTIONS else LATE_CREATE
        held = holders.get((new.kind, new.schema, new.name)) if new.relation else None
        after = [_ref(held), *(ObjectRef("table", *t) for t in held.tables)] if held else []
        state.step(rank, new.create, ChangeKind.CREATE, [ref], creates=[ref], after=after)
        if new.comment:
            _comment(state, new)
    return remade


def _alter_options(state: PlanState, old: WholeObject, new: WholeObject) -> None:
    """ALTER ... OPTIONS (SET a 'x', ADD b 'y', DROP c): in place, so what depends on the object stays."""
    ref = _ref(new)
    detail = "mappings" if new.kind == CONFIGURATION else "options"
    state.change(ChangeKind.ALTER, ref, new.kind, old.create, new.create, detail=detail)
    for sql in _alter_sql(old, new):
        # the dictionaries on both sides: after those it maps to are made, before those it let go are dropped
        needs = [ref, *_dictionaries(old), *_dictionaries(new)]
        state.step(ALTER_TABLES, sql, ChangeKind.ALTER, [ref], needs=needs)


def _alter_sql(old: WholeObject, new: WholeObject) -> list[str]:
    """`ALTER ... OPTIONS (SET a 'x', ...)`; a dictionary's `ALTER ... (a = 'x', gone)` (an option named
    without a value is removed); a configuration's DROP, ALTER and ADD MAPPING, token types grouped."""
    if new.kind == CONFIGURATION:
        before, after = dict(old.options), dict(new.options)
        gone = [token for token in before if token not in after]
        changed = tuple((t, d) for t, d in new.options if t in before and before[t] != d)
        added = tuple((t, d) for t, d in new.options if t not in before)
        dropped = [f"ALTER {new.target} DROP MAPPING FOR {', '.join(gone)};"] if gone else []
        return dropped + mapping_sql(new.target, "ALTER", changed) + mapping_sql(new.target, "ADD", added)
    if new.kind == DICTIONARY:
        kept = dict(new.options)
        items = [f"{k} = {v}" for k, v in new.options if dict(old.options).get(k) != v]
        items += [k for k, _ in old.options if k not in kept]
        return [f"ALTER {new.target} ({', '.join(items)});"]
    return [f"ALTER {new.target} OPTIONS ({', '.join(option_items(old.options, new.options))});"]


def _dictionaries(obj: WholeObject) -> list[ObjectRef]:
    """The dictionaries a configuration's mappings name."""
    return [ObjectRef(kind, schema, name) for kind, schema, name in obj.parents if kind == DICTIONARY]


def _comment(state: PlanState, obj: WholeObject) -> None:
    if obj.kind == "user mapping":  # takes no comment
        return
    ref = _ref(obj)
    state.change(ChangeKind.ALTER, ref, f"comment on {obj.kind}", None, obj.comment, detail="comment")
    value = quote_literal(obj.comment) if obj.comment else "NULL"
    state.step(COMMENTS, f"COMMENT ON {obj.target} IS {value};", ChangeKind.ALTER, [ref], needs=[ref])
