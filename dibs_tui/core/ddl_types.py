"""DDL for composite and range types, collations, and a table's replica identity: from the model, every
identifier through core.sql (collation names arrive already quoted)."""

from __future__ import annotations

from .model import Relation
from .model_types import Collation, CompositeAttribute, CompositeType, RangeType
from .sql import qualified, quote_ident, quote_literal


def attribute_sql(attribute: CompositeAttribute) -> str:
    collate = f" COLLATE {attribute.collation}" if attribute.collation else ""
    return f"{quote_ident(attribute.name)} {attribute.type}{collate}"


def composite_sql(composite: CompositeType) -> str:
    body = ", ".join(attribute_sql(a) for a in composite.attributes)
    return f"CREATE TYPE {qualified(composite.schema, composite.name)} AS ({body});"


def range_sql(rng: RangeType) -> str:
    options = [f"SUBTYPE = {rng.subtype}"]
    if rng.subtype_opclass:
        options.append(f"SUBTYPE_OPCLASS = {rng.subtype_opclass}")
    if rng.collation:
        options.append(f"COLLATION = {rng.collation}")
    if rng.canonical:
        options.append(f"CANONICAL = {rng.canonical}")
    if rng.subtype_diff:
        options.append(f"SUBTYPE_DIFF = {rng.subtype_diff}")
    if rng.multirange:
        options.append(f"MULTIRANGE_TYPE_NAME = {qualified(rng.schema, rng.multirange)}")
    return f"CREATE TYPE {qualified(rng.schema, rng.name)} AS RANGE ({', '.join(options)});"


def collation_sql(collation: Collation) -> str:
    name = qualified(collation.schema, collation.name)
    copied = collation.lc_collate if collation.lc_collate == collation.lc_ctype else None
    if collation.provider == "libc" and collation.any_encoding and copied in ("C", "POSIX"):
        # Written with LC_COLLATE it would take the database's encoding: only a copy keeps "any encoding".
        return f"CREATE COLLATION {name} FROM pg_catalog.{quote_ident(copied)};"
    options = [f"PROVIDER = {collation.provider}"]
    if collation.provider == "libc":
        options.append(f"LC_COLLATE = {quote_literal(collation.lc_collate or '')}")
        options.append(f"LC_CTYPE = {quote_literal(collation.lc_ctype or '')}")
    else:
        options.append(f"LOCALE = {quote_literal(collation.locale or '')}")
    if not collation.deterministic:
        options.append("DETERMINISTIC = false")
    if collation.rules:
        options.append(f"RULES = {quote_literal(collation.rules)}")
    return f"CREATE COLLATION {name} ({', '.join(options)});"


def replica_identity_sql(rel: Relation) -> str | None:
    """ALTER TABLE ... REPLICA IDENTITY, or None for the default (the primary key)."""
    mode = {"f": "FULL", "n": "NOTHING"}.get(rel.replica_identity)
    if rel.replica_identity == "i" and rel.replica_index:
        mode = f"USING INDEX {quote_ident(rel.replica_index)}"
    elif rel.replica_identity == "d" or mode is None:
        return None
    return f"ALTER TABLE {qualified(rel.schema, rel.name)} REPLICA IDENTITY {mode};"
