"""DDL from the model: one relation as the browser shows it (`relation_ddl`), and the pieces the diff writes
its statements with (columns, sequence options, domains, views, keys, indexes, policies). A whole catalog as
one script is the plan from an empty database (core/diff/whole_schema.py). Every identifier goes through
core.sql.
"""

from __future__ import annotations

from dataclasses import replace

from .ddl_types import replica_identity_sql
from .model import (
    Catalog,
    Column,
    ColumnRef,
    Constraint,
    ConstraintKind,
    Domain,
    Index,
    Policy,
    Relation,
    RelationKind,
    Sequence,
)
from .object_names import inherited_not_null
from .sql import qualified, quote_ident, quote_literal


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
    if col.not_null and col.not_null_not_valid is None:  # NOT VALID: added after (not_valid_not_null_sql)
        parts.append(not_null_clause(col))
    return " ".join(parts)


def not_null_clause(col: Column) -> str:
    """`[CONSTRAINT name] NOT NULL [NO INHERIT]`: the name where the server would not pick it."""
    name = f"CONSTRAINT {quote_ident(col.not_null_name)} " if col.not_null_name is not None else ""
    return f"{name}NOT NULL{' NO INHERIT' if col.not_null_no_inherit else ''}"


def declared_column(catalog: Catalog, rel: Relation, col: Column) -> Column:
    """A child's column as its CREATE TABLE declares it: without the NOT NULL a parent gives it under the
    parent's name (declared, that one would be the child's own and named as the child's)."""
    if col.not_null and col.not_null_name is None and inherited_not_null(catalog, rel, col.name) is not None:
        return replace(col, not_null=False, not_null_not_valid=None)
    return col


def partition_columns(catalog: Catalog, rel: Relation) -> list[str]:
    """A partition's NOT NULLs named otherwise than its parent's (an attached table's own), for the column list
    of its CREATE TABLE ... PARTITION OF: a partition's inherited NOT NULL can be neither renamed nor dropped."""
    return [
        f"{quote_ident(c.name)} WITH OPTIONS {not_null_clause(replace(c, not_null_no_inherit=False))}"
        for c in rel.columns
        if c.not_null and c.not_null_not_valid is None and c.not_null_name is not None
    ]


def with_options(col: Column, identity_sequence: Sequence | None = None) -> str:
    """One column of a typed table's CREATE TABLE ... OF, as pg_dump writes it: `name WITH OPTIONS` and what the
    table adds to the type's attribute (default, identity, generation, NOT NULL); empty where it adds nothing
    (the name and type come from the type)."""
    bare = replace(col, collation=None)
    written = column_sql(bare, identity_sequence)
    head = f"{quote_ident(col.name)} {col.type}"
    rest = written[len(head) :].strip()
    return f"{quote_ident(col.name)} WITH OPTIONS {rest}" if rest else ""


def not_valid_not_null_sql(rel: Relation, col: Column) -> str:
    """A column's NOT NULL ... NOT VALID (PostgreSQL 18), which CREATE TABLE and ADD COLUMN cannot say: given
    there, the rows are checked (or, in CREATE TABLE, NOT VALID is ignored and the constraint is valid)."""
    return add_not_null_sql(rel, col)


def add_not_null_sql(rel: Relation, col: Column) -> str:
    """`ALTER TABLE ... ADD [CONSTRAINT name] NOT NULL col [NO INHERIT] [NOT VALID]`: what SET NOT NULL cannot
    say (a name, NO INHERIT, NOT VALID)."""
    name = col.not_null_not_valid or col.not_null_name
    return (
        f"ALTER TABLE {qualified(rel.schema, rel.name)} ADD "
        + (f"CONSTRAINT {quote_ident(name)} " if name is not None else "")
        + f"NOT NULL {quote_ident(col.name)}{' NO INHERIT' if col.not_null_no_inherit else ''}"
        + (" NOT VALID;" if col.not_null_not_valid else ";")
    )


def sequence_options(seq: Sequence, *, with_type: bool = True) -> str:
    """An identity column's sequence takes its type from the column: no AS there."""
    return (
        (f"AS {seq.data_type} " if with_type else "")
        + f"INCREMENT BY {seq.increment} MINVALUE {seq.min_value} MAXVALUE {seq.max_value} "
        f"START WITH {seq.start} CACHE {seq.cache} {'CYCLE' if seq.cycle else 'NO CYCLE'}"
    )


def domain_sql(dom: Domain) -> str:
    sql = f"CREATE DOMAIN {qualified(dom.schema, dom.name)} AS {dom.base_type}"
    if dom.collation:
        sql += " COLLATE " + collate(dom.collation)
    if dom.default is not None:
        sql += " DEFAULT " + dom.default
    if dom.not_null:
        sql += f" CONSTRAINT {quote_ident(dom.not_null_name)} NOT NULL" if dom.not_null_name else " NOT NULL"
    for check in dom.checks:
        sql += f" CONSTRAINT {quote_ident(check.name)} {check.definition}"
    return sql + ";"


def routine_signature(schema: str, name: str, kind: str, identity_arguments: str) -> str:
    """What DROP / COMMENT ON name a routine by: an aggregate over no argument is written `f(*)`, since
    `f()` is a syntax error there."""
    arguments = "*" if kind == "a" and not identity_arguments else identity_arguments
    return f"{qualified(schema, name)}({arguments})"


def _inline_check(con: Constraint) -> bool:
    """CHECKs go inside CREATE TABLE (generated columns may rely on them), except NOT VALID ones."""
    return con.kind is ConstraintKind.CHECK and con.validated and not con.is_inherited


def _table_sql(rel: Relation, catalog: Catalog) -> str:
    name = qualified(rel.schema, rel.name)
    unlogged = "UNLOGGED " if rel.persistence == "u" else ""
    foreign = "FOREIGN " if rel.kind is RelationKind.FOREIGN else ""
    checks = [f"CONSTRAINT {quote_ident(c.name)} {c.definition}" for c in rel.constraints if _inline_check(c)]
    if rel.partition_of is not None:
        parent = catalog.relation(*rel.partition_of)
        inherited = {c.name for c in parent.columns} if parent else set()
        local = [c for c in rel.columns if c.name not in inherited]
        named = partition_columns(catalog, rel)
        body = ",\n".join(f"    {item}" for item in [*(column_sql(c) for c in local), *named, *checks])
        sql = f"CREATE {unlogged}{foreign}TABLE {name} PARTITION OF {qualified(*rel.partition_of)}"
        sql += f" (\n{body}\n)" if body else ""
        sql += f" {rel.partition_bound}"
    else:
        identity = catalog.identity_sequences
        write = column_sql if rel.of_type is None else with_options
        items = [
            write(declared_column(catalog, rel, c), identity.get(ColumnRef(rel.schema, rel.name, c.name)))
            for c in rel.columns
        ]
        body = ",\n".join(f"    {item}" for item in [*items, *checks] if item)
        of = f" OF {qualified(*rel.of_type)}" if rel.of_type is not None else ""
        sql = (
            f"CREATE {unlogged}{foreign}TABLE {name}{of} (\n{body}\n)"
            if body or not of
            else f"CREATE {unlogged}TABLE {name}{of}"
        )
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


def view_sql(rel: Relation, *, replace: bool = False, populated: bool | None = None) -> str:
    """CREATE [OR REPLACE] VIEW / CREATE MATERIALIZED VIEW (which has no OR REPLACE), WITH NO DATA when not
    `populated` (default: as `rel` is)."""
    body = (rel.view_definition or "").strip().rstrip(";")
    options = f" WITH ({', '.join(rel.options)})" if rel.options else ""
    if rel.kind is RelationKind.MATVIEW:
        empty = "\nWITH NO DATA" if not (populated if populated is not None else not rel.unpopulated) else ""
        return f"CREATE MATERIALIZED VIEW {qualified(rel.schema, rel.name)}{options} AS\n{body}{empty};"
    verb = "CREATE OR REPLACE VIEW" if replace else "CREATE VIEW"
    return f"{verb} {qualified(rel.schema, rel.name)}{options} AS\n{body};"


def constraint_sql(rel: Relation, con: Constraint) -> str:
    table = qualified(rel.schema, rel.name)
    return f"ALTER TABLE {table} ADD CONSTRAINT {quote_ident(con.name)} {con.definition};"


def index_sql(ix: Index) -> str:
    # ON ONLY (a partitioned parent's index) would not attach the partitions' indexes: plain ON does.
    return ix.definition.replace(" ON ONLY ", " ON ", 1) + ";"


def policy_roles(pol: Policy) -> str:
    """A policy's roles as its TO clause names them."""
    return ", ".join(
        r if r.lower() in ("public", "current_user", "session_user") else quote_ident(r) for r in pol.roles
    )


def policy_sql(rel: Relation, pol: Policy) -> str:
    sql = (
        f"CREATE POLICY {quote_ident(pol.name)} ON {qualified(rel.schema, rel.name)} AS "
        f"{'PERMISSIVE' if pol.permissive else 'RESTRICTIVE'} FOR {pol.command} TO {policy_roles(pol)}"
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


def _own_not_valid_not_nulls(catalog: Catalog, rel: Relation) -> list[Column]:
    """The columns whose NOT VALID NOT NULL is the table's own, not one a parent's adds to its children."""
    parents = [catalog.relation(*p) for p in ([rel.partition_of] if rel.partition_of else rel.inherits)]
    from_parents = {(c.name, c.not_null_not_valid) for p in parents if p is not None for c in p.columns}
    return [
        c for c in rel.columns if c.not_null_not_valid and (c.name, c.not_null_not_valid) not in from_parents
    ]


def relation_ddl(catalog: Catalog, relation: Relation) -> str:
    """The statements that re-create one relation: table or view, keys, indexes, triggers, RLS, comments."""
    if catalog.dialect == "sqlite":  # SQLite keeps each statement as written: shown as it is
        from .sqlite_ddl import sqlite_relation_ddl

        return sqlite_relation_ddl(catalog, relation)
    rel = relation
    if rel.kind in (RelationKind.VIEW, RelationKind.MATVIEW):
        statements = [view_sql(rel)]
    else:
        statements = [_table_sql(rel, catalog)]
    keys = [c for c in rel.constraints if not c.is_inherited and not _inline_check(c)]
    keys.sort(key=lambda c: c.kind is ConstraintKind.FOREIGN_KEY)
    statements.extend(not_valid_not_null_sql(rel, c) for c in _own_not_valid_not_nulls(catalog, rel))
    statements.extend(constraint_sql(rel, c) for c in keys)
    statements.extend(index_sql(i) for i in rel.indexes if i.constraint_name is None)
    statements.extend(filter(None, [replica_identity_sql(rel)]))
    for t in rel.triggers:
        statements.extend(_trigger_sql(rel, t.definition, t.enabled, t.name))
    statements.extend(_rls_sql(rel))
    statements.extend(policy_sql(rel, p) for p in rel.policies)
    statements.extend(_relation_comments(rel))
    return "\n".join(statements) + "\n"


__all__ = [
    "add_not_null_sql",
    "column_sql",
    "constraint_sql",
    "domain_sql",
    "index_sql",
    "not_valid_not_null_sql",
    "policy_sql",
    "relation_ddl",
    "routine_signature",
]
