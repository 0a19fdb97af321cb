"""The names PostgreSQL picks itself (makeObjectName), and a NOT NULL constraint's (PostgreSQL 18): the model
keeps a name only where it is not the one the server would pick, so what the server picks is written once here."""

from __future__ import annotations

from dataclasses import replace

from .model import Catalog, Column, Relation

NAMEDATALEN = 64


def clip(name: str, limit: int) -> str:
    """The first `limit` bytes of `name`, cut back to a whole character (pg_mbcliplen)."""
    return name.encode()[:limit].decode(errors="ignore")


def make_object_name(name1: str, name2: str, label: str) -> str:
    """makeObjectName: `name1_name2_label` within 63 bytes, the longer of the two names cut first."""
    one, two = name1.encode(), name2.encode()
    available = NAMEDATALEN - 1 - (1 + len(label) + 1)
    chars1, chars2 = len(one), len(two)
    while chars1 + chars2 > available:
        if chars1 > chars2:
            chars1 -= 1
        else:
            chars2 -= 1
    return f"{clip(name1, chars1)}_{clip(name2, chars2)}_{label}"


def domain_not_null(domain: str) -> str:
    """The name the server gives a domain's NOT NULL: makeObjectName(domain, NULL, "not_null")."""
    limit = NAMEDATALEN - 1 - len("_not_null")
    return f"{clip(domain, limit)}_not_null"


def inherited_not_null(catalog: Catalog, rel: Relation, column: str) -> str | None:
    """The name of the NOT NULL a child's column takes from its first parent that has one (and lets children
    have it: not NO INHERIT), as CREATE TABLE ... PARTITION OF / INHERITS names it; None where no parent has."""
    for key in [rel.partition_of] if rel.partition_of is not None else rel.inherits:
        parent = catalog.relation(*key)
        col = parent.column(column) if parent is not None else None
        if col is not None and col.not_null and not col.not_null_no_inherit:
            return not_null_name(catalog, parent, col)  # type: ignore[arg-type]
    return None


def not_null_name(catalog: Catalog, rel: Relation, col: Column) -> str:
    """The name of a NOT NULL column's constraint: the model's where the server would not pick it, else the
    parent's (inherited_not_null), else `<table>_<column>_not_null`."""
    if col.not_null_name is not None:
        return col.not_null_name
    if rel.partition_of is not None or rel.inherits:
        inherited = inherited_not_null(catalog, rel, col.name)
        if inherited is not None:
            return inherited
    return make_object_name(rel.name, col.name, "not_null")


def named_not_null(catalog: Catalog, rel: Relation, col: Column) -> Column:
    """`col` with its NOT NULL's name written out: for a statement where the server would pick another (a table
    made again while its old partitions hold its names, so the server numbers them; a column added to a table
    that then inherits it from a parent, which would otherwise be named as the child's)."""
    if not col.not_null or col.not_null_name is not None or col.not_null_not_valid is not None:
        return col
    return replace(col, not_null_name=not_null_name(catalog, rel, col))
