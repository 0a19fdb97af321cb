"""DDL from the model: one relation for the browser, or a whole catalog in an order PostgreSQL can load.

`catalog_ddl` sorts every statement topologically over `Catalog.dependencies` (collapsed to the statement that
creates each object), breaking ties by phase: schemas, extensions, types, sequences, functions, tables, views,
keys, foreign keys, indexes, triggers, policies, ownerships, comments. Function bodies are not checked at
creation (`check_function_bodies = off`, as pg_dump does), so a SQL function may name a table created later.
Constraints and indexes of partitions come before their parent's, so that the parent's attach to them (keeping
their names) instead of creating new ones. Every identifier goes through core.sql.
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from .ddl_types import collation_sql, composite_sql, range_sql, replica_identity_sql
from .model import (
    Catalog,
    Column,
    Constraint,
    ConstraintKind,
    Domain,
    Function,
    Index,
    ObjectRef,
    Policy,
    Relation,
    RelationKind,
    Sequence,
)
from .model_types import CompositeType, RangeType
from .sql import qualified, quote_ident, quote_literal

_PHASES = (
    "schema",
    "extension",
    "type",
    "sequence",
    "function",
    "table",
    "view",
    "key",
    "foreign key",
    "index",
    "trigger",
    "policy",
    "ownership",
    "comment",
)
PHASE = {name: i for i, name in enumerate(_PHASES)}


def collate(collation: str) -> str:
    """Collations come from introspection already quoted (quote_ident in SQL)."""
    return collation


def column_sql(col: Column, identity_sequence: Sequence | None = None) -> str:
    parts = [quote_ident(col.name), col.type]
    if col.collation:
        parts.append("COLLATE " + collate(col.collation))
    if col.identity is not None:
        identity = f"GENERATED {col.identity.value.upper()} AS IDENTITY"
        if identity_sequence is not None:
            identity += (
                f" (SEQUENCE NAME {qualified(identity_sequence.schema, identity_sequence.name)} "
                + sequence_options(identity_sequence, with_type=False)
                + ")"
            )
        parts.append(identity)
    elif col.generated is not None and col.generation_expression is not None:
        parts.append(f"GENERATED ALWAYS AS ({col.generation_expression}) {col.generated.value.upper()}")
    elif col.default is not None:
        parts.append("DEFAULT " + col.default)
    if col.not_null:
        parts.append("NOT NULL")
    return " ".join(parts)


def sequence_options(seq: Sequence, *, with_type: bool = True) -> str:
    """An identity column's sequence takes its type from the column: no AS there."""
    return (
        (f"AS {seq.data_type} " if with_type else "")
        + f"INCREMENT BY {seq.increment} MINVALUE {seq.min_value} MAXVALUE {seq.max_value} "
        f"START WITH {seq.start} CACHE {seq.cache} {'CYCLE' if seq.cycle else 'NO CYCLE'}"
    )


def sequence_sql(seq: Sequence) -> str:
    return f"CREATE SEQUENCE {qualified(seq.schema, seq.name)} {sequence_options(seq)};"


def domain_sql(dom: Domain) -> str:
    sql = f"CREATE DOMAIN {qualified(dom.schema, dom.name)} AS {dom.base_type}"
    if dom.collation:
        sql += " COLLATE " + collate(dom.collation)
    if dom.default is not None:
        sql += " DEFAULT " + dom.default
    if dom.not_null:
        sql += " NOT NULL"
    for check in dom.checks:
        sql += f" CONSTRAINT {quote_ident(check.name)} {check.definition}"
    return sql + ";"


def routine_signature(schema: str, name: str, kind: str, identity_arguments: str) -> str:
    """What DROP / COMMENT ON name a routine by: an aggregate over no argument is written `f(*)`, since
    `f()` is a syntax error there."""
    arguments = "*" if kind == "a" and not identity_arguments else identity_arguments
    return f"{qualified(schema, name)}({arguments})"


def function_sql(fn: Function) -> str | None:
    """pg_get_functiondef text (CREATE OR REPLACE ...); None when the catalog holds no definition."""
    if not fn.definition:
        return None
    return fn.definition.strip().rstrip(";") + ";"


def _inline_check(con: Constraint) -> bool:
    """CHECKs go inside CREATE TABLE (generated columns may rely on them), except NOT VALID ones."""
    return con.kind is ConstraintKind.CHECK and con.validated and not con.is_inherited


def _table_sql(rel: Relation, catalog: Catalog, identity: dict[tuple[str, str, str], Sequence]) -> str:
    name = qualified(rel.schema, rel.name)
    unlogged = "UNLOGGED " if rel.persistence == "u" else ""
    foreign = "FOREIGN " if rel.kind is RelationKind.FOREIGN else ""
    checks = [f"CONSTRAINT {quote_ident(c.name)} {c.definition}" for c in rel.constraints if _inline_check(c)]
    if rel.partition_of is not None:
        parent = catalog.relation(*rel.partition_of)
        inherited = {c.name for c in parent.columns} if parent else set()
        local = [c for c in rel.columns if c.name not in inherited]
        body = ",\n".join(f"    {item}" for item in [*(column_sql(c) for c in local), *checks])
        sql = f"CREATE {unlogged}{foreign}TABLE {name} PARTITION OF {qualified(*rel.partition_of)}"
        sql += f" (\n{body}\n)" if body else ""
        sql += f" {rel.partition_bound}"
    else:
        items = [column_sql(c, identity.get((rel.schema, rel.name, c.name))) for c in rel.columns]
        body = ",\n".join(f"    {item}" for item in [*items, *checks])
        sql = f"CREATE {unlogged}{foreign}TABLE {name} (\n{body}\n)"
        if rel.inherits:
            sql += " INHERITS (" + ", ".join(qualified(*p) for p in rel.inherits) + ")"
        if rel.partition_key:
            sql += f" PARTITION BY {rel.partition_key}"
    if (server := catalog.foreign_tables_by_key.get(rel.key)) is not None:
        sql += server.clause
    if rel.access_method:
        sql += f" USING {quote_ident(rel.access_method)}"
    if rel.options:
        sql += f" WITH ({', '.join(rel.options)})"
    return sql + ";"


def view_sql(rel: Relation, *, replace: bool = False) -> str:
    """CREATE [OR REPLACE] VIEW / CREATE MATERIALIZED VIEW (which has no OR REPLACE)."""
    body = (rel.view_definition or "").strip().rstrip(";")
    options = f" WITH ({', '.join(rel.options)})" if rel.options else ""
    if rel.kind is RelationKind.MATVIEW:
        return f"CREATE MATERIALIZED VIEW {qualified(rel.schema, rel.name)}{options} AS\n{body};"
    verb = "CREATE OR REPLACE VIEW" if replace else "CREATE VIEW"
    return f"{verb} {qualified(rel.schema, rel.name)}{options} AS\n{body};"


def constraint_sql(rel: Relation, con: Constraint) -> str:
    table = qualified(rel.schema, rel.name)
    return f"ALTER TABLE {table} ADD CONSTRAINT {quote_ident(con.name)} {con.definition};"


def index_sql(ix: Index) -> str:
    # ON ONLY (a partitioned parent's index) would not attach the partitions' indexes: plain ON does.
    return ix.definition.replace(" ON ONLY ", " ON ", 1) + ";"


def policy_sql(rel: Relation, pol: Policy) -> str:
    roles = ", ".join(
        r if r.lower() in ("public", "current_user", "session_user") else quote_ident(r) for r in pol.roles
    )
    sql = (
        f"CREATE POLICY {quote_ident(pol.name)} ON {qualified(rel.schema, rel.name)} AS "
        f"{'PERMISSIVE' if pol.permissive else 'RESTRICTIVE'} FOR {pol.command} TO {roles}"
    )
    if pol.using is not None:
        sql += f" USING ({pol.using})"
    if pol.with_check is not None:
        sql += f" WITH CHECK ({pol.with_check})"
    return sql + ";"


def _comment(target: str, text: str | None) -> str:
    return f"COMMENT ON {target} IS {quote_literal(text or '')};"


def _relation_keyword(rel: Relation) -> str:
    return {
        RelationKind.VIEW: "VIEW",
        RelationKind.MATVIEW: "MATERIALIZED VIEW",
        RelationKind.FOREIGN: "FOREIGN TABLE",
    }.get(rel.kind, "TABLE")


def _relation_comments(rel: Relation) -> list[str]:
    name = qualified(rel.schema, rel.name)
    out = []
    if rel.comment is not None:
        out.append(_comment(f"{_relation_keyword(rel)} {name}", rel.comment))
    out.extend(
        _comment(f"COLUMN {name}.{quote_ident(c.name)}", c.comment)
        for c in rel.columns
        if c.comment is not None
    )
    out.extend(
        _comment(f"CONSTRAINT {quote_ident(c.name)} ON {name}", c.comment)
        for c in rel.constraints
        if c.comment is not None and not c.is_inherited
    )
    out.extend(
        _comment(f"INDEX {qualified(rel.schema, i.name)}", i.comment)
        for i in rel.indexes
        if i.comment is not None and i.constraint_name is None
    )
    out.extend(
        _comment(f"TRIGGER {quote_ident(t.name)} ON {name}", t.comment)
        for t in rel.triggers
        if t.comment is not None
    )
    out.extend(
        _comment(f"POLICY {quote_ident(p.name)} ON {name}", p.comment)
        for p in rel.policies
        if p.comment is not None
    )
    return out


def _rls_sql(rel: Relation) -> list[str]:
    name = qualified(rel.schema, rel.name)
    out = []
    if rel.rls_enabled:
        out.append(f"ALTER TABLE {name} ENABLE ROW LEVEL SECURITY;")
    if rel.rls_forced:
        out.append(f"ALTER TABLE {name} FORCE ROW LEVEL SECURITY;")
    return out


def _trigger_sql(rel: Relation, trigger_definition: str, enabled: str, trigger_name: str) -> list[str]:
    out = [trigger_definition + ";"]
    keyword = {"D": "DISABLE", "R": "ENABLE REPLICA", "A": "ENABLE ALWAYS"}.get(enabled)
    if keyword:
        out.append(
            f"ALTER TABLE {qualified(rel.schema, rel.name)} {keyword} TRIGGER {quote_ident(trigger_name)};"
        )
    return out


def _identity_sequences(catalog: Catalog) -> dict[tuple[str, str, str], Sequence]:
    return {
        (s.owned_by.schema, s.owned_by.table, s.owned_by.column): s
        for s in catalog.sequences
        if s.is_identity and s.owned_by is not None
    }


def relation_ddl(catalog: Catalog, relation: Relation) -> str:
    """The statements that re-create one relation: table or view, keys, indexes, triggers, RLS, comments."""
    if catalog.dialect == "sqlite":  # SQLite keeps each statement as written: shown as it is
        from .sqlite_ddl import sqlite_relation_ddl

        return sqlite_relation_ddl(catalog, relation)
    rel = relation
    if rel.kind in (RelationKind.VIEW, RelationKind.MATVIEW):
        statements = [view_sql(rel)]
    else:
        statements = [_table_sql(rel, catalog, _identity_sequences(catalog))]
    keys = [c for c in rel.constraints if not c.is_inherited and not _inline_check(c)]
    keys.sort(key=lambda c: c.kind is ConstraintKind.FOREIGN_KEY)
    statements.extend(constraint_sql(rel, c) for c in keys)
    statements.extend(index_sql(i) for i in rel.indexes if i.constraint_name is None)
    statements.extend(filter(None, [replica_identity_sql(rel)]))
    for t in rel.triggers:
        statements.extend(_trigger_sql(rel, t.definition, t.enabled, t.name))
    statements.extend(_rls_sql(rel))
    statements.extend(policy_sql(rel, p) for p in rel.policies)
    statements.extend(_relation_comments(rel))
    return "\n".join(statements) + "\n"


# --- a whole catalog, in dependency order -----------------------------------------------------------------


@dataclass
class _Step:
    phase: int
    order: int
    sql: list[str]
    needs: set[ObjectRef] = field(default_factory=set)


class _Plan:
    """Statements keyed by the ObjectRef they create; dependencies collapse onto those keys."""

    def __init__(self) -> None:
        self.steps: dict[ObjectRef, _Step] = {}
        self.alias: dict[ObjectRef, ObjectRef] = {}  # sub-object -> the step that creates it

    def add(self, key: ObjectRef, phase: str, sql: list[str], needs: set[ObjectRef] | None = None) -> None:
        self.steps[key] = _Step(PHASE[phase], len(self.steps), sql, set(needs or ()))

    def owner(self, ref: ObjectRef) -> ObjectRef | None:
        if ref in self.steps:
            return ref
        if ref in self.alias:
            return self.alias[ref]
        if ref.kind in ("column", "constraint", "index", "trigger", "policy"):
            table = ObjectRef("table", ref.schema, ref.name)
            return table if table in self.steps else None
        if ref.kind == "function":
            return next(
                (
                    k
                    for k in self.steps
                    if k.kind == "function" and (k.schema, k.name, k.sub) == (ref.schema, ref.name, ref.sub)
                ),
                None,
            )
        return None

    def ordered(self) -> list[str]:
        dependents: dict[ObjectRef, list[ObjectRef]] = defaultdict(list)
        waiting: dict[ObjectRef, int] = {}
        for key, step in self.steps.items():
            step.needs = {n for n in step.needs if n in self.steps and n != key}
            waiting[key] = len(step.needs)
            for need in step.needs:
                dependents[need].append(key)
        ready = [(s.phase, s.order, k) for k, s in self.steps.items() if waiting[k] == 0]
        heapq.heapify(ready)
        out: list[str] = []
        done: set[ObjectRef] = set()
        while len(done) < len(self.steps):
            if not ready:  # a cycle: take the earliest remaining step and carry on
                key = min(
                    (k for k in self.steps if k not in done),
                    key=lambda k: (self.steps[k].phase, self.steps[k].order),
                )
                ready.append((self.steps[key].phase, self.steps[key].order, key))
            _, _, key = heapq.heappop(ready)
            if key in done:
                continue
            done.add(key)
            out.extend(self.steps[key].sql)
            for dependent in dependents[key]:
                waiting[dependent] -= 1
                if waiting[dependent] == 0 and dependent not in done:
                    step = self.steps[dependent]
                    heapq.heappush(ready, (step.phase, step.order, dependent))
        return out


def catalog_ddl(catalog: Catalog) -> str:
    """The whole catalog as one script that loads into an empty database (with the extensions available)."""
    if catalog.dialect == "sqlite":
        from .sqlite_ddl import sqlite_catalog_ddl

        return sqlite_catalog_ddl(catalog)
    plan = _Plan()
    comments: list[str] = []
    for schema in catalog.schemas:
        if schema.name != "public":
            plan.add(
                ObjectRef("schema", "", schema.name),
                "schema",
                [f"CREATE SCHEMA IF NOT EXISTS {quote_ident(schema.name)};"],
            )
        if schema.comment is not None:
            comments.append(_comment(f"SCHEMA {quote_ident(schema.name)}", schema.comment))
    for ext in catalog.extensions:
        plan.add(
            ObjectRef("extension", "", ext.name),
            "extension",
            [
                f"CREATE EXTENSION IF NOT EXISTS {quote_ident(ext.name)} "
                f"WITH SCHEMA {quote_ident(ext.schema)};"
            ],
            {ObjectRef("schema", "", ext.schema)},
        )
    extensions = {ObjectRef("extension", "", e.name) for e in catalog.extensions}
    in_schema = lambda schema: {ObjectRef("schema", "", schema), *extensions}  # noqa: E731
    _plan_user_types(plan, catalog, comments, in_schema)
    for enum in catalog.enums:
        labels = ", ".join(quote_literal(label) for label in enum.labels)
        plan.add(
            ObjectRef("type", enum.schema, enum.name),
            "type",
            [f"CREATE TYPE {qualified(enum.schema, enum.name)} AS ENUM ({labels});"],
            in_schema(enum.schema),
        )
        if enum.comment is not None:
            comments.append(_comment(f"TYPE {qualified(enum.schema, enum.name)}", enum.comment))
    for dom in catalog.domains:
        plan.add(ObjectRef("type", dom.schema, dom.name), "type", [domain_sql(dom)], in_schema(dom.schema))
        if dom.comment is not None:
            comments.append(_comment(f"DOMAIN {qualified(dom.schema, dom.name)}", dom.comment))
    ownerships = _plan_sequences(plan, catalog, comments, in_schema)
    for fn in catalog.functions:
        sql = function_sql(fn)
        if sql is None:
            continue
        plan.add(
            ObjectRef("function", fn.schema, fn.name, fn.identity_arguments),
            "function",
            [sql],
            in_schema(fn.schema),
        )
        if fn.comment is not None:
            keyword = {"p": "PROCEDURE", "a": "AGGREGATE"}.get(fn.kind, "FUNCTION")
            comments.append(
                _comment(
                    f"{keyword} {routine_signature(fn.schema, fn.name, fn.kind, fn.identity_arguments)}",
                    fn.comment,
                )
            )
    identity = _identity_sequences(catalog)
    tail: list[str] = []
    for rel in catalog.relations:
        tail.extend(_plan_relation(plan, catalog, rel, identity, in_schema(rel.schema)))
        tail.extend(filter(None, [replica_identity_sql(rel)]))
    _partition_children_first(catalog, plan)
    _plan_dependencies(plan, catalog)
    header = ["SET check_function_bodies = off;", "SET client_min_messages = warning;"]
    return "\n".join([*header, *plan.ordered(), *ownerships, *comments, *tail]) + "\n"


def _plan_user_types(
    plan: _Plan, catalog: Catalog, comments: list[str], in_schema: Callable[[str], set[ObjectRef]]
) -> None:
    """Collations first (a range or a column may name one), then composite and range types."""
    for coll in catalog.collations:
        plan.add(
            ObjectRef("collation", coll.schema, coll.name),
            "type",
            [collation_sql(coll)],
            in_schema(coll.schema),
        )
        if coll.comment is not None:
            comments.append(_comment(f"COLLATION {qualified(coll.schema, coll.name)}", coll.comment))
    types: list[CompositeType | RangeType] = [*catalog.composites, *catalog.ranges]
    for typ in types:
        sql = composite_sql(typ) if isinstance(typ, CompositeType) else range_sql(typ)
        plan.add(ObjectRef("type", typ.schema, typ.name), "type", [sql], in_schema(typ.schema))
        if typ.comment is not None:
            comments.append(_comment(f"TYPE {qualified(typ.schema, typ.name)}", typ.comment))


def _plan_sequences(
    plan: _Plan, catalog: Catalog, comments: list[str], in_schema: Callable[[str], set[ObjectRef]]
) -> list[str]:
    """The sequences' steps (an identity column's own comes with its table); returns the OWNED BY statements,
    which run at the end: the column's default needs the sequence first."""
    ownerships: list[str] = []
    for seq in catalog.sequences:
        name = qualified(seq.schema, seq.name)
        if seq.is_identity:
            if seq.comment is not None:
                comments.append(_comment(f"SEQUENCE {name}", seq.comment))
            continue
        plan.add(
            ObjectRef("sequence", seq.schema, seq.name),
            "sequence",
            [sequence_sql(seq)],
            in_schema(seq.schema),
        )
        if seq.owned_by is not None:
            owner = seq.owned_by
            ownerships.append(
                f"ALTER SEQUENCE {name} OWNED BY {qualified(owner.schema, owner.table)}."
                f"{quote_ident(owner.column)};"
            )
        if seq.comment is not None:
            comments.append(_comment(f"SEQUENCE {name}", seq.comment))
    return ownerships


def _plan_relation(
    plan: _Plan,
    catalog: Catalog,
    rel: Relation,
    identity: dict[tuple[str, str, str], Sequence],
    needs: set[ObjectRef],
) -> list[str]:
    """A relation's steps: the table or view, its keys, indexes, triggers and policies; returns its comments."""
    table = ObjectRef("table", rel.schema, rel.name)
    if rel.kind in (RelationKind.VIEW, RelationKind.MATVIEW):
        plan.add(table, "view", [view_sql(rel)], needs)
    else:
        needs |= {ObjectRef("table", *p) for p in rel.inherits}
        if rel.partition_of:
            needs.add(ObjectRef("table", *rel.partition_of))
        plan.add(table, "table", [_table_sql(rel, catalog, identity), *_rls_sql(rel)], needs)
    for con in rel.constraints:
        ref = ObjectRef("constraint", rel.schema, rel.name, con.name)
        if con.is_inherited or _inline_check(con):
            plan.alias[ref] = table
            continue
        phase = "foreign key" if con.kind is ConstraintKind.FOREIGN_KEY else "key"
        con_needs = {table}
        if con.foreign_key is not None:
            con_needs.add(ObjectRef("table", *con.foreign_key.target_key))
        plan.add(ref, phase, [constraint_sql(rel, con)], con_needs)
        if con.index_name:
            plan.alias[ObjectRef("index", rel.schema, rel.name, con.index_name)] = ref
    for ix in rel.indexes:
        ref = ObjectRef("index", rel.schema, rel.name, ix.name)
        if ix.constraint_name is None:
            plan.add(ref, "index", [index_sql(ix)], {table})
    for trigger in rel.triggers:
        plan.add(
            ObjectRef("trigger", rel.schema, rel.name, trigger.name),
            "trigger",
            _trigger_sql(rel, trigger.definition, trigger.enabled, trigger.name),
            {table, ObjectRef("function", trigger.function_schema, trigger.function_name)},
        )
    for pol in rel.policies:
        plan.add(
            ObjectRef("policy", rel.schema, rel.name, pol.name), "policy", [policy_sql(rel, pol)], {table}
        )
    return _relation_comments(rel)


def _plan_dependencies(plan: _Plan, catalog: Catalog) -> None:
    """What PostgreSQL records one object needs of another, as needs between their steps."""
    for dep in catalog.dependencies:
        if dep.dependent.kind == "sequence" and dep.referenced.kind == "column":
            continue  # OWNED BY: set at the end (ownerships), the column's default needs the sequence first
        dependent, referenced = plan.owner(dep.dependent), plan.owner(dep.referenced)
        if dependent is not None and referenced is not None and dependent != referenced:
            plan.steps[dependent].needs.add(referenced)
    # Trigger needs name functions without arguments: resolve them to the function steps by name.
    by_name: dict[tuple[str, str], list[ObjectRef]] = defaultdict(list)
    for key in plan.steps:
        if key.kind == "function":
            by_name[(key.schema, key.name)].append(key)
    for step in plan.steps.values():
        for need in [n for n in step.needs if n.kind == "function" and n not in plan.steps]:
            step.needs.update(by_name.get((need.schema, need.name), ()))


def _partition_children_first(catalog: Catalog, plan: _Plan) -> None:
    """A partitioned parent's keys and indexes wait for its partitions' own, so that they attach to them."""
    for parent_key, children in catalog.partitions.items():
        parent = catalog.relation(*parent_key)
        if parent is None:
            continue
        child_steps = [
            ObjectRef(kind, child.schema, child.name, name)
            for child in children
            for kind, name in [
                *(("constraint", c.name) for c in child.constraints),
                *(("index", i.name) for i in child.indexes),
            ]
        ]
        child_steps = [s for s in child_steps if s in plan.steps]
        for kind, name in [
            *(("constraint", c.name) for c in parent.constraints),
            *(("index", i.name) for i in parent.indexes),
        ]:
            ref = ObjectRef(kind, parent.schema, parent.name, name)
            if ref in plan.steps:
                plan.steps[ref].needs.update(child_steps)


__all__ = [
    "catalog_ddl",
    "column_sql",
    "constraint_sql",
    "domain_sql",
    "function_sql",
    "index_sql",
    "policy_sql",
    "relation_ddl",
    "routine_signature",
    "sequence_sql",
]
