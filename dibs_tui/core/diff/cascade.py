"""Re-create cascades: what depends on an object that the plan drops and creates again goes and comes with it.

A function whose result or parameters change, a view re-created, a table re-created: PostgreSQL refuses the
drop while a default, CHECK, index, policy, trigger, view or SQL-standard function body still uses the object.
The set is read from the current catalog's pg_depend, transitively (a policy reading a view that reads the
function); a column retyped or dropped takes the policies, triggers and SQL-standard function bodies that
read it along the same way. Each member not already dropped by its own comparison is dropped before and
re-created after from the desired side's definition. The graph then orders the drops after nothing and the
creates after the root.
"""

from __future__ import annotations

from collections.abc import Callable

from ..ddl import policy_sql, view_sql
from ..model import Catalog, Constraint, ConstraintKind, Function, ObjectRef, Relation, RelationKind
from ..plan import ChangeKind
from ..sql import qualified, quote_ident, quote_literal
from .graph import (
    ADD_CONSTRAINTS,
    ADD_FOREIGN_KEYS,
    ALTER_TABLES,
    COMMENTS,
    DROP_DEPENDENTS,
    LATE_CREATE,
    PRE_CREATE,
    NodeKey,
)
from .render import (
    func_ref,
    function_keyword,
    function_signature,
    function_sql,
    partition_index_sql,
    table_ref,
    what_of,
)
from .state import PlanState

# What a re-created object passes on to its own dependents (a default or a policy has none).
_SPREADS = frozenset(("function", "table", "constraint", "index", "type"))
# Readers under which PostgreSQL refuses to retype or drop a column, besides views (compare_relations) and
# rules (compare_objects), which are re-created there. Indexes and constraints it rebuilds by itself.
_READERS_REFUSED = frozenset(("policy", "trigger", "function"))


def plan_cascades(state: PlanState) -> None:
    steps = state.steps
    destroyed: set[NodeKey] = {node for st in steps for node in st.destroys}
    created: set[NodeKey] = {node for st in steps for node in st.creates}
    vacated: set[NodeKey] = {node for st in steps for node in st.vacates}
    # Dropped and created again; or dropped to free the name of its successor (a function's new signature).
    roots = (destroyed & created) - vacated
    roots.update(node for st in state.steps if st.vacates for node in st.destroys if node not in st.vacates)
    seen = set(roots)
    frontier = sorted(roots)

    def visit(dependent: NodeKey, root: NodeKey) -> None:
        seen.add(dependent)
        if not _planned(dependent, destroyed) and _recreate(state, dependent, root):
            destroyed.add(dependent)
        if dependent[0] in _SPREADS:
            frontier.append(dependent)

    for schema, table, column in sorted(state.reshaped_columns):
        reshaped: NodeKey = ("column", schema, table, column)
        for dependent in sorted(state.current_deps.dependents.get(reshaped, ())):
            if dependent[0] in _READERS_REFUSED and dependent not in seen:
                visit(dependent, reshaped)
    while frontier:
        node = frontier.pop()
        for dependent in sorted(state.current_deps.of(node)):
            if dependent not in seen:
                visit(dependent, node)


def _planned(node: NodeKey, destroyed: set[NodeKey]) -> bool:
    """Its own comparison (or its table's drop) already drops it: the desired side's version follows."""
    table = ("table", node[1], node[2], "")
    default = ("default", *node[1:])
    return node in destroyed or (node[0] != "table" and table in destroyed) or default in destroyed


def _recreate(state: PlanState, node: NodeKey, root: NodeKey) -> bool:
    """Drop `node` and create it again from the desired side; False when it is not there to re-create."""
    kind, schema, name, sub = node
    cur_rel, des_rel = state.current.relation(schema, name), state.desired.relation(schema, name)
    handler = _HANDLERS.get(kind)
    if kind == "constraint":
        made = _constraint(state, node, cur_rel, des_rel, root)
    elif handler is None:
        return False
    else:
        made = handler(state, node, cur_rel, des_rel)
    if made:
        what = "default" if kind == "column" else kind
        ref = ObjectRef(kind, schema, name, sub)
        detail = f"re-created around {_name(root)}"
        wanted = (
            next((c for c in des_rel.constraints if c.name == sub), None)
            if kind == "constraint" and des_rel
            else None
        )
        if wanted is not None and _revalidated(wanted):
            detail += f"; {REVALIDATED}"
        state.change(ChangeKind.ALTER, ref, what, detail=detail)
    return made


def _name(node: NodeKey) -> str:
    kind, schema, name, sub = node
    if kind == "column":
        return f"column {qualified(schema, name)}.{quote_ident(sub)}"
    if kind == "index":  # its own name, in its table's schema
        return f"index {qualified(schema, sub)}"
    if kind == "constraint":
        return f"constraint {quote_ident(sub)} on {qualified(schema, name)}"
    return f"{kind} {qualified(schema, name)}" + (f"({sub})" if kind == "function" else "")


def _pair(
    state: PlanState,
    rel: Relation,
    ref: ObjectRef,
    drop: str,
    create: str | None,
    phase: int,
    comment: str | None = None,
    root: NodeKey | None = None,
    made: ObjectRef | None = None,
) -> None:
    """Drop, then create from the desired side with its comment (the drop takes the comment with it: written
    again, but no change of its own). The drop waits for what `root`'s own drop waits for (key_handovers).
    `made`: what the create makes, where it is named otherwise than `ref`."""
    table = ObjectRef("table", rel.schema, rel.name)
    waits = (
        state.drop_waits.get(root[1:]) if root is not None and root[0] in ("index", "constraint") else None
    )
    needs = [waits] if waits is not None else []
    state.step(DROP_DEPENDENTS, drop, ChangeKind.ALTER, [table, ref], destroys=[ref], needs=needs)
    if create is not None:
        made = made or ref
        state.step(phase, create, ChangeKind.ALTER, [table, made], creates=[made], needs=[table])
        state.comment(made, made.kind, comment, comment, dropped=True)  # its own comparison says a change


def _default(state: PlanState, node: NodeKey, cur: Relation | None, des: Relation | None) -> bool:
    _, schema, name, column = node
    old = cur.column(column) if cur else None
    new = des.column(column) if des else None
    if cur is None or old is None or old.default is None or old.generated:
        return False
    prefix = f"ALTER TABLE {qualified(schema, name)} ALTER COLUMN {quote_ident(column)}"
    ref = ObjectRef("default", schema, name, column)
    create = f"{prefix} SET DEFAULT {new.default};" if new is not None and new.default else None
    _pair(state, cur, ref, f"{prefix} DROP DEFAULT;", create, ALTER_TABLES)
    return True


def _constraint(
    state: PlanState, node: NodeKey, cur: Relation | None, des: Relation | None, root: NodeKey
) -> bool:
    """A constraint on what the plan makes again. Dropped once what takes over from `root` is built (a key's
    index built first: key_handovers), so the table is without it only from there."""
    old = next((c for c in cur.constraints if c.name == node[3]), None) if cur else None
    if cur is None or old is None or old.is_inherited:
        return False
    table = qualified(cur.schema, cur.name)
    name = _renamed_to(state, table, cur, node[3])
    new = next((c for c in des.constraints if c.name == name), None) if des else None
    ref, made = ObjectRef(*node), ObjectRef(*node[:3], name)
    _no_validation_in_place(state, table, ref)
    drop = f"ALTER TABLE {table} DROP CONSTRAINT {quote_ident(node[3])};"
    if new is None or not _revalidated(new):
        create = f"ALTER TABLE {table} ADD CONSTRAINT {quote_ident(name)} {new.definition};" if new else None
        _pair(state, cur, ref, drop, create, ADD_CONSTRAINTS, new.comment if new else None, root, made)
        return True
    # a valid foreign key: added NOT VALID (no scan), then VALIDATE CONSTRAINT checks the rows under SHARE
    # UPDATE EXCLUSIVE, which lets writes on, where ADD checks them under SHARE ROW EXCLUSIVE on both tables.
    # Within one transaction with the drop, the drop's ACCESS EXCLUSIVE is still held: the gain is the
    # user's to take by committing before the VALIDATE, which the plan's words say
    create = f"ALTER TABLE {table} ADD CONSTRAINT {quote_ident(name)} {new.definition} NOT VALID;"
    _pair(state, cur, ref, drop, create, ADD_FOREIGN_KEYS, new.comment, root, made)
    sql = f"ALTER TABLE {table} VALIDATE CONSTRAINT {quote_ident(name)};"
    state.step(ADD_FOREIGN_KEYS, sql, ChangeKind.ALTER, [table_ref(cur), made], needs=[made])
    return True


def _renamed_to(state: PlanState, table: str, rel: Relation, name: str) -> str:
    """The desired name of the constraint `name` the plan renames in place (part_renames), else `name`. Made again,
    it is added under that name and its rename taken out: it would name a constraint gone by then."""
    for was, kind, old_name, new_name, _ in state.part_renames:
        if kind == "constraint" and was.key == rel.key and old_name == name:
            sql = f"ALTER TABLE {table} RENAME CONSTRAINT {quote_ident(name)} TO {quote_ident(new_name)};"
            state.steps[:] = [st for st in state.steps if st.sql != sql]
            return new_name
    return name


def _no_validation_in_place(state: PlanState, table: str, ref: ObjectRef) -> None:
    """A constraint NOT VALID here and valid on the desired side is validated in place by its own comparison;
    made again, it is checked as it is added (or validated after it): that VALIDATE, which waits for nothing
    the drop does, would name a constraint gone by then. Taken out, with its change."""
    sql = f"ALTER TABLE {table} VALIDATE CONSTRAINT {quote_ident(ref.sub)};"
    state.steps[:] = [st for st in state.steps if st.sql != sql]
    state.changes[:] = [c for c in state.changes if not (c.object == ref and c.detail == "validate")]


def _revalidated(con: Constraint) -> bool:
    """A valid foreign key made again by the plan: added NOT VALID and validated (see `_constraint`)."""
    return con.kind is ConstraintKind.FOREIGN_KEY and con.validated


REVALIDATED = (
    "added NOT VALID, then validated: VALIDATE lets writes on while it checks the rows, once committed apart "
    "from the drop (in the same transaction the drop's lock is still held)"
)


def _index(state: PlanState, node: NodeKey, cur: Relation | None, des: Relation | None) -> bool:
    old = next((i for i in cur.indexes if i.name == node[3]), None) if cur else None
    new = next((i for i in des.indexes if i.name == node[3]), None) if des else None
    if cur is None or old is None or old.owned_by_constraint:
        return False
    partition = cur.partition_of is not None
    create = partition_index_sql(new, partition=partition) if new else None
    drop = f"DROP INDEX{' IF EXISTS' if partition else ''} {qualified(cur.schema, node[3])};"
    _pair(state, cur, ObjectRef(*node), drop, create, LATE_CREATE, new.comment if new else None)
    return True


def _policy(state: PlanState, node: NodeKey, cur: Relation | None, des: Relation | None) -> bool:
    if cur is None or not any(p.name == node[3] for p in cur.policies):
        return False
    state.policy_alters.pop(node, None)  # made again here: not altered in place
    new = next((p for p in des.policies if p.name == node[3]), None) if des else None
    drop = f"DROP POLICY {quote_ident(node[3])} ON {qualified(cur.schema, cur.name)};"
    create = policy_sql(des, new) if des is not None and new is not None else None
    _pair(state, cur, ObjectRef(*node), drop, create, LATE_CREATE, new.comment if new else None)
    return True


def _trigger(state: PlanState, node: NodeKey, cur: Relation | None, des: Relation | None) -> bool:
    if cur is None or not any(t.name == node[3] for t in cur.triggers):
        return False
    new = next((t for t in des.triggers if t.name == node[3]), None) if des else None
    drop = f"DROP TRIGGER {quote_ident(node[3])} ON {qualified(cur.schema, cur.name)};"
    create = new.definition.rstrip(";") + ";" if new is not None else None
    _pair(state, cur, ObjectRef(*node), drop, create, LATE_CREATE, new.comment if new else None)
    return True


def _view(state: PlanState, node: NodeKey, cur: Relation | None, des: Relation | None) -> bool:
    if cur is None or cur.kind not in (RelationKind.VIEW, RelationKind.MATVIEW):
        return False
    ref = ObjectRef(*node)
    keyword = "MATERIALIZED VIEW" if cur.kind is RelationKind.MATVIEW else "VIEW"
    state.step(
        DROP_DEPENDENTS,
        f"DROP {keyword} {qualified(cur.schema, cur.name)};",
        ChangeKind.DROP,
        [ref],
        destroys=[ref],
    )
    if des is not None and des.kind in (RelationKind.VIEW, RelationKind.MATVIEW):
        populated = not cur.unpopulated if cur.kind is des.kind else None  # the live data state kept
        state.step(LATE_CREATE, view_sql(des, populated=populated), ChangeKind.CREATE, [ref], creates=[ref])
        state.comment(ref, what_of(des), des.comment, des.comment, dropped=True)
    return True


def _function(state: PlanState, node: NodeKey, cur: Relation | None, des: Relation | None) -> bool:
    old = _function_of(state.current, node)
    if old is None or old.definition is None:
        return False
    ref = func_ref(old)
    state.step(
        DROP_DEPENDENTS,
        f"DROP {function_keyword(old)} {function_signature(old)};",
        ChangeKind.DROP,
        [ref],
        destroys=[ref],
    )
    new = _function_of(state.desired, node)
    if new is not None and new.definition is not None:
        state.step(PRE_CREATE, function_sql(new), ChangeKind.CREATE, [ref], creates=[ref])
        state.comment(ref, function_keyword(new).lower(), new.comment, new.comment, dropped=True)
    return True


def _domain_check(state: PlanState, node: NodeKey, cur: Relation | None, des: Relation | None) -> bool:
    """A domain's CHECK calling a function the plan re-creates: dropped before, added again after (a domain
    re-created whole is made again with its checks)."""
    _, schema, name, check = node
    if (schema, name) in state.recreated_types:
        return False
    old = next((d for d in state.current.domains if d.key == (schema, name)), None)
    if old is None or not any(c.name == check for c in old.checks):
        return False
    new = next((d for d in state.desired.domains if d.key == (schema, name)), None)
    wanted = next((c for c in new.checks if c.name == check), None) if new is not None else None
    ref, domain = ObjectRef(*node), qualified(schema, name)
    state.step(
        DROP_DEPENDENTS,
        f"ALTER DOMAIN {domain} DROP CONSTRAINT {quote_ident(check)};",
        ChangeKind.ALTER,
        [ref],
        destroys=[ref],
    )
    if wanted is not None:
        sql = f"ALTER DOMAIN {domain} ADD CONSTRAINT {quote_ident(check)} {wanted.definition};"
        state.step(
            ADD_CONSTRAINTS,
            sql,
            ChangeKind.ALTER,
            [ref],
            creates=[ref],
            needs=[ObjectRef("type", schema, name)],
        )
        if wanted.comment:  # the drop took the comment along
            value = quote_literal(wanted.comment)
            sql = f"COMMENT ON CONSTRAINT {quote_ident(check)} ON DOMAIN {domain} IS {value};"
            state.step(COMMENTS, sql, ChangeKind.ALTER, [ref], needs=[ref])
    return True


def _function_of(catalog: Catalog, node: NodeKey) -> Function | None:
    return next((f for f in catalog.functions if (f.schema, f.name, f.identity_arguments) == node[1:]), None)


_Handler = Callable[[PlanState, NodeKey, Relation | None, Relation | None], bool]
_HANDLERS: dict[str, _Handler] = {
    "column": _default,
    "index": _index,
    "policy": _policy,
    "trigger": _trigger,
    "table": _view,
    "function": _function,
    "domain constraint": _domain_check,
}
