"""DDL of a SQLite catalog: the CREATE statements exactly as the file keeps them, in an order that replays.

Nothing is rebuilt from the model: SQLite's stored text is the definition (comments and spacing included).
Shadow tables are listed as comments only, since their virtual table's CREATE makes them.
"""

from __future__ import annotations

from .model import Catalog, Relation, RelationKind


def _statement(sql: str) -> str:
    text = sql.rstrip()
    return text if text.endswith(";") else text + ";"


def _shadow_note(relation: Relation) -> str:
    owner = relation.part_of[1] if relation.part_of else "?"
    return f"-- {relation.name}: shadow table of the virtual table {owner} (its CREATE makes it)"


def sqlite_relation_ddl(catalog: Catalog, relation: Relation) -> str:
    """One relation: its CREATE, its indexes' and triggers' CREATEs; a virtual table's shadow tables' too."""
    parts: list[str] = []
    if relation.part_of is not None:
        parts.append(_shadow_note(relation))
    if relation.definition:
        parts.append(_statement(relation.definition))
    parts.extend(_statement(ix.definition) for ix in relation.indexes if _written(ix.definition))
    parts.extend(_statement(t.definition) for t in relation.triggers if t.definition)
    if relation.kind is RelationKind.VIRTUAL:
        for part in catalog.relations:
            if part.part_of == relation.key and part.definition:
                parts.append(
                    f"-- shadow table, made by the statement above:\n-- {_one_line(part.definition)}"
                )
    return "\n\n".join(parts) + "\n"


def _written(definition: str) -> bool:
    """Automatic indexes (from PRIMARY KEY and UNIQUE) have no statement of their own."""
    return definition.lstrip().upper().startswith("CREATE")


def _one_line(sql: str) -> str:
    return " ".join(sql.split())


def sqlite_catalog_ddl(catalog: Catalog) -> str:
    """The whole file: tables and virtual tables, then views, indexes and triggers, each group by name."""
    tables = [r for r in catalog.relations if r.kind is not RelationKind.VIEW and r.part_of is None]
    views = [r for r in catalog.relations if r.kind is RelationKind.VIEW]
    shadows = [r for r in catalog.relations if r.part_of is not None]
    parts = [f"-- SQLite database {catalog.database} ({catalog.server_version})"]
    parts.extend(_statement(r.definition) for r in tables if r.definition)
    parts.extend(_shadow_note(r) for r in shadows)
    parts.extend(_statement(r.definition) for r in views if r.definition)
    for r in tables + shadows:
        parts.extend(_statement(ix.definition) for ix in r.indexes if _written(ix.definition))
    for r in tables + views:
        parts.extend(_statement(t.definition) for t in r.triggers if t.definition)
    return "\n\n".join(parts) + "\n"


__all__ = ["sqlite_catalog_ddl", "sqlite_relation_ddl"]
