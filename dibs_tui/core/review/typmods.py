"""The type modifier a migration's written type carries (numeric(12, 2), varchar(10), timestamp(3)).

PostgreSQL 17 gives it (`to_regtypemod`); before 17 the function does not exist, and calling it stopped every
review and migrate of an ALTER COLUMN ... TYPE on those servers ('function pg_catalog.to_regtypemod(text) does
not exist'). There it is worked out here from the type's parse tree, as the built-in types' typmodin functions
compute it; another type with modifiers is unknown (None). tests/test_typmods.py checks each against
`to_regtypemod` on the embedded server.
"""

from __future__ import annotations

import asyncpg

from ..sqlparse import statement_info

_VARHDRSZ = 4
_INTERVAL_FULL_RANGE = 0x7FFF
_INTERVAL_FULL_PRECISION = 0xFFFF


def _typmods(written: str) -> list[int] | None:
    """The modifiers of `written` as the parser reads them (`char` alone is char(1)); None when the text is
    not one type name."""
    info = statement_info(f"SELECT NULL::{written}")
    if info is None or info.node_type != "SelectStmt":
        return None
    try:
        [target] = info.body["targetList"]
        cast = target["ResTarget"]["val"]["TypeCast"]
        if cast["arg"].get("A_Const", {}).get("isnull") is not True:
            return None
        mods = cast["typeName"].get("typmods", ())
        return [int(m["A_Const"]["ival"].get("ival", 0)) for m in mods]
    except (KeyError, TypeError, ValueError):
        return None


def _computed(typname: str, mods: list[int]) -> int | None:
    if not mods:
        return -1
    if typname == "numeric" and len(mods) <= 2:
        precision, scale = mods[0], mods[1] if len(mods) == 2 else 0
        return ((precision << 16) | (scale & 0x7FF)) + _VARHDRSZ
    if typname in ("varchar", "bpchar") and len(mods) == 1:
        return mods[0] + _VARHDRSZ
    if typname in ("bit", "varbit", "timestamp", "timestamptz", "time", "timetz") and len(mods) == 1:
        return mods[0]
    if typname == "interval" and len(mods) <= 2:
        fields = mods[0]
        precision = mods[1] if len(mods) == 2 else _INTERVAL_FULL_PRECISION
        return ((fields & _INTERVAL_FULL_RANGE) << 16) | (precision & 0xFFFF)
    return None


async def typmod_of(conn: asyncpg.Connection, written: str) -> int | None:
    """The modifier the server gives `written` (-1 for none), resolved on the session's path as the
    migration's statement would be; None when unknown. In a savepoint: the review's transaction goes on."""
    try:
        async with conn.transaction():
            if conn.get_server_version().major >= 17:
                value = await conn.fetchval("SELECT pg_catalog.to_regtypemod($1)", written)
                return int(value) if value is not None else None
            return await worked_out(conn, written)
    except (asyncpg.PostgresError, asyncpg.InterfaceError):
        return None


async def worked_out(conn: asyncpg.Connection, written: str) -> int | None:
    """Before PostgreSQL 17: the modifier from the parse tree, for a built-in type (see the module's
    docstring)."""
    mods = _typmods(written)
    if mods is None:
        return None
    typname = await conn.fetchval(  # an array's modifier is its element's
        "SELECT COALESCE(e.typname, t.typname)::pg_catalog.text FROM pg_catalog.pg_type t "
        "LEFT JOIN pg_catalog.pg_type e ON e.oid OPERATOR(pg_catalog.=) t.typelem "
        "AND t.typcategory OPERATOR(pg_catalog.=) 'A' "
        "WHERE t.oid OPERATOR(pg_catalog.=) pg_catalog.to_regtype($1) "
        "AND t.typnamespace OPERATOR(pg_catalog.=) 'pg_catalog'::pg_catalog.regnamespace",
        written,
    )
    if typname is None:
        return -1 if mods == [] else None
    return _computed(str(typname), mods)
