"""What every introspection query filters on: the schemas asked for (system schemas never), extension members
and dibs's own meta tables left out, and an object's comment joined by its catalog and OID."""

from __future__ import annotations

# $1 include schemas (empty: all), $2 exclude schemas. Applied to every query through the namespace alias.
_SCHEMA_FILTER = """
    {ns}.nspname NOT IN ('pg_catalog', 'information_schema')
    AND {ns}.nspname !~ '^pg_(toast|temp_|toast_temp_)'
    AND (cardinality($1::text[]) = 0 OR {ns}.nspname = ANY($1::text[]))
    AND NOT ({ns}.nspname = ANY($2::text[]))
"""

# An anti-join, not `oid NOT IN (SELECT ...)`: NOT IN is a subplan, hashed only while the list fits in
# work_mem and otherwise re-scanned for every row. A member's row names its extension (refclassid is always
# pg_extension for deptype 'e'): said here, the planner finds the members from pg_depend's reference index (a
# handful of rows) and hashes them, where it read every pg_depend row of the catalog (13,000 at 1,000 tables)
# or probed the depender index once per object.
_NOT_EXTENSION_MEMBER = """
    NOT EXISTS (SELECT FROM pg_depend e
                WHERE e.refclassid = 'pg_extension'::regclass AND e.classid = '{catalog}'::regclass
                  AND e.objid = {oid} AND e.deptype = 'e')
"""

IS_META_TABLE = "({rel}.relname LIKE '\\_\\_dibs\\_%' OR {rel}.relname = '_dibs_migrations')"


def schema_filter(ns: str) -> str:
    return _SCHEMA_FILTER.format(ns=ns)


def not_extension_member(catalog: str, oid: str) -> str:
    return _NOT_EXTENSION_MEMBER.format(catalog=catalog, oid=oid)


def comment_join(alias: str, catalog: str, oid: str, sub: str = "0") -> str:
    return (
        f"LEFT JOIN pg_description {alias} ON {alias}.objoid = {oid} "
        f"AND {alias}.classoid = '{catalog}'::regclass AND {alias}.objsubid = {sub}"
    )
