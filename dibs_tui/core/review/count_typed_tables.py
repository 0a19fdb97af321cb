"""ALTER TYPE ... ADD / DROP / ALTER ATTRIBUTE ... CASCADE counted on each table of the type (CREATE TABLE ...
OF): the same ALTER TABLE ... COLUMN actions there, so a dropped attribute's values are counted lost and a
narrowed one's refused values found, as for a table's own column (the trace runs in an empty clone)."""

from __future__ import annotations

import copy
from typing import Any

import asyncpg
from pglast import enums

from .names import regclass_text
from .shapes import enum_name, rangevar_name

_TYPED_TABLES_SQL = (
    "SELECT n.nspname::pg_catalog.text AS schema, c.relname::pg_catalog.text AS name FROM pg_catalog.pg_class c "
    "JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace "
    "WHERE c.reloftype OPERATOR(pg_catalog.=) pg_catalog.to_regtype($1) ORDER BY 1, 2"
)


async def typed_table_alters(conn: asyncpg.Connection, node: Any) -> list[Any]:
    """One ALTER TABLE (its parse tree) per table of the composite type `node` alters, with the actions that
    CASCADE to it; none for an ALTER TABLE or where no action cascades."""
    if enum_name(node.objtype) != "OBJECT_TYPE":
        return []
    cascaded = tuple(c for c in node.cmds or () if enum_name(c.behavior) == "DROP_CASCADE")
    if not cascaded:
        return []
    alters = []
    for row in await conn.fetch(_TYPED_TABLES_SQL, regclass_text(rangevar_name(node.relation))):
        table = copy.copy(node.relation)
        table.schemaname, table.relname, table.inh = row["schema"], row["name"], True
        alter = copy.copy(node)
        alter.relation, alter.objtype, alter.cmds = table, enums.ObjectType.OBJECT_TABLE, cascaded
        alters.append(alter)
    return alters
