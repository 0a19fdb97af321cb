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


# What the constraints query reads of contype 'n' (PostgreSQL 18 NOT NULL constraints): see CONSTRAINTS_SQL.
# The name the server gives a NOT NULL: its first parent's (one that children inherit), else
# `<table>_<column>_not_null` where that is not cut to 63 bytes (a longer one is read, the builder compares).
# A scalar subquery over the constraint and its table alone, not a lateral join: the filter is then applied
# where pg_constraint meets pg_class, before the per-row look-ups of the keys' indexes, targets and comments
# (a lateral's column is known only once every join is made: at 5,000 tables all 57,000 NOT NULLs went through
# those look-ups, a portion 97 -> 225 ms).
NOT_NULL_DEFAULT_NAME = """(
  SELECT coalesce(CASE WHEN co.coninhcount > 0 THEN
    (SELECT pc.conname FROM pg_inherits h JOIN pg_attribute pa ON pa.attrelid = h.inhparent AND pa.attname = a.attname
     JOIN pg_constraint pc ON pc.conrelid = h.inhparent AND pc.contype = 'n' AND pc.conkey[1] = pa.attnum
                           AND NOT pc.connoinherit
     WHERE h.inhrelid = co.conrelid ORDER BY h.inhseqno LIMIT 1) END,
    CASE WHEN octet_length(c.relname) + octet_length(a.attname) <= 53
         THEN c.relname || '_' || a.attname || '_not_null' END)
  FROM pg_attribute a WHERE a.attrelid = co.conrelid AND a.attnum = co.conkey[1])"""
NAMED_NOT_NULL = f"""OR (co.contype = 'n' AND (NOT co.convalidated OR co.connoinherit
                             OR (co.conislocal AND co.coninhcount > 0)
                             OR co.conname IS DISTINCT FROM {NOT_NULL_DEFAULT_NAME}))"""
