"""The references and SQL spellings the comparisons share: which object a change touches, how a function or an
index is written into the plan, what a COMMENT ON names."""

from __future__ import annotations

from ..ddl import index_sql, routine_signature
from ..model import Function, Index, ObjectRef, Relation
from ..positional import positional_constructor
from ..sql import qualified, quote_ident, quote_identifier

_new_ref = positional_constructor(ObjectRef)  # every step names its table: ObjectRef's own __init__ is slower


def table_ref(rel: Relation) -> ObjectRef:
    return _new_ref("table", rel.schema, rel.name, "")


def func_ref(fn: Function) -> ObjectRef:
    return ObjectRef("function", fn.schema, fn.name, fn.identity_arguments)


def type_ref(schema: str, name: str) -> ObjectRef:
    return ObjectRef("type", schema, name)


def what_of(rel: Relation) -> str:
    return str(rel.kind)


def index_head(name: str) -> str:
    """How pg_get_indexdef's text names an index, once, after INDEX: ` INDEX name ON `. Replaced to write a
    definition under another name, or taken out to compare two indexes but for their names."""
    return f" INDEX {quote_identifier(name)} ON "


def partition_index_sql(ix: Index, *, partition: bool) -> str:
    """ddl.index_sql; on a partition IF NOT EXISTS, since attaching to the parent may have created it."""
    sql = index_sql(ix)
    if partition:
        for prefix in ("CREATE UNIQUE INDEX ", "CREATE INDEX "):
            if sql.startswith(prefix):
                return prefix + "IF NOT EXISTS " + sql[len(prefix) :]
    return sql


def function_sql(fn: Function) -> str:
    return (fn.definition or "").strip().rstrip(";") + ";"


def function_signature(fn: Function) -> str:
    return routine_signature(fn.schema, fn.name, fn.kind, fn.identity_arguments)


def function_keyword(fn: Function) -> str:
    return {"p": "PROCEDURE", "a": "AGGREGATE"}.get(fn.kind, "FUNCTION")


def validated_at_creation(fn: Function) -> bool:
    """SQL-language bodies are checked against existing tables when created (check_function_bodies)."""
    return fn.language == "sql" and "BEGIN ATOMIC" not in (fn.definition or "").upper()


CHECK_BODIES_OFF = "SET check_function_bodies = off;"


def comment_target(ref: ObjectRef, what: str) -> str:
    if ref.kind == "column":
        return f"COLUMN {qualified(ref.schema, ref.name)}.{quote_ident(ref.sub)}"
    if ref.kind == "constraint":
        return f"CONSTRAINT {quote_ident(ref.sub)} ON {qualified(ref.schema, ref.name)}"
    if ref.kind == "trigger":
        return f"TRIGGER {quote_ident(ref.sub)} ON {qualified(ref.schema, ref.name)}"
    if ref.kind == "policy":
        return f"POLICY {quote_ident(ref.sub)} ON {qualified(ref.schema, ref.name)}"
    if ref.kind == "index":
        return f"INDEX {qualified(ref.schema, ref.sub)}"
    if ref.kind in ("schema", "extension"):
        return f"{ref.kind.upper()} {quote_ident(ref.name)}"
    if ref.kind == "function":
        return f"{what.upper()} {routine_signature(ref.schema, ref.name, 'a' if what == 'aggregate' else '', ref.sub)}"
    if ref.kind == "type":
        return f"{'DOMAIN' if what == 'domain' else 'TYPE'} {qualified(ref.schema, ref.name)}"
    if ref.kind == "sequence":
        return f"SEQUENCE {qualified(ref.schema, ref.name)}"
    if what == "partitioned table":  # COMMENT ON has no word for it: a partitioned table is a TABLE there
        what = "table"
    return f"{what.upper()} {qualified(ref.schema, ref.name)}"
