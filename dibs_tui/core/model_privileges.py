"""Privileges: one granted right per row, as the diff compares them (only with --privileges). Plain data,
like `core.model`."""

from __future__ import annotations

from dataclasses import dataclass

# pg_default_acl's object types, as ALTER DEFAULT PRIVILEGES names them.
DEFAULT_OBJECTS = {"r": "TABLES", "S": "SEQUENCES", "f": "ROUTINES", "T": "TYPES", "n": "SCHEMAS"}


@dataclass(frozen=True)
class Privilege:
    """`grantee` holds `privilege` on an object. kind: table (any relation or a sequence), column, function,
    schema, type, or default (then `name` is the role whose new objects get it, `schema` is empty for all
    schemas, `sub` is the pg_default_acl object type). `keyword` is what GRANT says before the object's
    name (TABLE, SEQUENCE, ROUTINE, SCHEMA, TYPE, DOMAIN). `sub` is a column's name or a function's
    identity arguments."""

    kind: str
    schema: str
    name: str
    sub: str
    keyword: str
    grantee: str  # a role name, or PUBLIC
    privilege: str
    grantable: bool = False
