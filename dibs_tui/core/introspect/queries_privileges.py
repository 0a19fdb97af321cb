"""The one query for privileges: every ACL entry on tables, views, sequences, functions, schemas,
enums, domains, composite and range types (a multirange's cannot be set), and the default privileges,
exploded (aclexplode) into one row per grantee and privilege, plus the names of the roles on this server
(a grant to a role the target lacks is reported, not made). Columns' grants come with the columns
(queries.COLUMN_GRANTS): one scan of pg_attribute, not two. A composite type is read only when stand-alone
(from pg_class's relkind 'c', a scan the tables' arm makes anyway): every table has a row type too, which
takes no grant, and a look-up of each one's relkind cost the 5,000-table read 50 ms.

An ACL the server keeps as NULL means the defaults (acldefault), so "never granted" and "granted what the
default already gives" compare equal; the owner's own entries are left out (owners differ between a
database and its desired copy, and owning already gives every right). The defaults of tables, sequences
and schemas are the owner's alone, so only their non-NULL ACLs are read (at 5,000 tables, exploding every
table's default cost 300 ms for nothing); functions and types default to PUBLIC and are read whole.
Extension members are left out through pg_depend's reference index (an extension member's row always names
pg_extension): without refclassid the planner scanned all of pg_depend (255,000 rows at 5,000 tables; server
CPU of the query 56 -> 41 ms on a fresh backend).
"""

from __future__ import annotations

# The columns' grants for a read of the privileges alone (live.read_grants): a whole read has them from the
# columns query.
_COLUMNS_ARM = """
  UNION ALL
  SELECT 'column', n.nspname, c.relname, a.attname, 'TABLE', c.relowner, a.attacl, c.oid,
         'pg_class'::regclass::oid
  FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE a.attacl IS NOT NULL AND a.attnum > 0 AND NOT a.attisdropped AND {schema_filter}
    AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
    AND NOT (c.relname LIKE '\\_\\_dibs\\_%' OR c.relname = '_dibs_migrations')"""


def privileges_sql(schema_filter: str, *, columns: bool = False) -> str:
    """The query; `schema_filter` is the introspection's filter on a schema aliased `n`. With `columns`, the
    columns' grants too (a read of the privileges alone)."""
    column_arm = _COLUMNS_ARM.format(schema_filter=schema_filter) if columns else ""
    return f"""
WITH acl AS (
  SELECT 'table' AS kind, n.nspname AS schema, c.relname AS name, '' AS sub,
         CASE WHEN c.relkind = 'S' THEN 'SEQUENCE' ELSE 'TABLE' END AS keyword, c.relowner AS owner,
         c.relacl AS acl, c.oid AS objid, 'pg_class'::regclass::oid AS classid
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S') AND c.relacl IS NOT NULL AND {schema_filter}
    AND NOT (c.relname LIKE '\\_\\_dibs\\_%' OR c.relname = '_dibs_migrations'){column_arm}
  UNION ALL
  SELECT 'function', n.nspname, p.proname, pg_get_function_identity_arguments(p.oid), 'ROUTINE', p.proowner,
         COALESCE(p.proacl, acldefault('f', p.proowner)), p.oid, 'pg_proc'::regclass::oid
  FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
  WHERE {schema_filter}
  UNION ALL
  SELECT 'schema', '', n.nspname, '', 'SCHEMA', n.nspowner, n.nspacl, n.oid, 'pg_namespace'::regclass::oid
  FROM pg_namespace n
  WHERE n.nspacl IS NOT NULL AND {schema_filter}
  UNION ALL
  SELECT 'type', n.nspname, t.typname, '', CASE WHEN t.typtype = 'd' THEN 'DOMAIN' ELSE 'TYPE' END, t.typowner,
         COALESCE(t.typacl, acldefault('T', t.typowner)), t.oid, 'pg_type'::regclass::oid
  FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
  WHERE t.typtype IN ('e', 'd', 'r') AND {schema_filter}
  UNION ALL
  SELECT 'type', n.nspname, t.typname, '', 'TYPE', t.typowner, COALESCE(t.typacl, acldefault('T', t.typowner)),
         t.oid, 'pg_type'::regclass::oid
  FROM pg_class c JOIN pg_type t ON t.oid = c.reltype JOIN pg_namespace n ON n.oid = t.typnamespace
  WHERE c.relkind = 'c' AND {schema_filter}
  UNION ALL
  SELECT 'default', COALESCE(n.nspname, ''), r.rolname, d.defaclobjtype::text, '', d.defaclrole, d.defaclacl,
         d.oid, 'pg_default_acl'::regclass::oid
  FROM pg_default_acl d JOIN pg_roles r ON r.oid = d.defaclrole LEFT JOIN pg_namespace n ON n.oid = d.defaclnamespace
  WHERE CASE WHEN n.oid IS NULL THEN cardinality($1::text[]) = 0 ELSE {schema_filter} END
)
SELECT a.kind, a.schema, a.name, a.sub, a.keyword, COALESCE(g.rolname, 'PUBLIC') AS grantee,
       x.privilege_type AS privilege, x.is_grantable AS grantable
FROM acl a
CROSS JOIN LATERAL aclexplode(a.acl) x
LEFT JOIN pg_roles g ON g.oid = x.grantee
WHERE x.grantee <> a.owner
  AND NOT EXISTS (SELECT FROM pg_depend e WHERE e.refclassid = 'pg_extension'::regclass
                  AND e.classid = a.classid AND e.objid = a.objid AND e.objsubid = 0 AND e.deptype = 'e')
UNION ALL
SELECT 'role', '', r.rolname, '', '', '', '', false FROM pg_roles r
ORDER BY 1, 2, 3, 4, 6, 7
"""
