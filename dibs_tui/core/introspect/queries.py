"""The introspection's SQL: one set-based query per kind of object, and their assembly for a server version.

Every query is filtered the same way (system schemas, extension members and the meta tables left out) and,
for the browser's first card, can be narrowed to some relations by their OIDs.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from .queries_dependencies import DEPENDENCIES_SQL
from .queries_filters import (
    IS_META_TABLE,
    NAMED_NOT_NULL,
    NOT_NULL_DEFAULT_NAME,
    comment_join,
    not_extension_member,
    schema_filter,
)
from .queries_header import HEADER_SQL
from .queries_objects import foreign_tables_sql, objects_sql
from .queries_privileges import privileges_sql
from .queries_unmodelled import unmodelled_sql

# Arrays: every array a query returns is text[] or oid[], the only two the driver decodes without asking
# the server first. Any other (bool[], int2[], int8[]) makes asyncpg run its type-introspection query (a
# recursive CTE over pg_type) on each fresh connection before the statement: two of them per `schema` run,
# 40-250 ms each on a loaded machine. Hence `::text[]` on boolean lists. Key numbers (int2vector, int2[]) come
# as one text, "1 3", split in Python (`int2vector::text`, `array_to_string`): a cast to text[] calls two
# functions per element and the driver makes a list of strings (constraints and indexes at 1,000 tables: about
# 18 ms less server CPU and 10 ms less decoding per read); an oidvector is cast to oid[], which costs nothing.

# The user types are a handful of pg_type's rows, but every table's row type is a composite there too
# (100,000 at 100,000 tables). `wanted` picks the handful first, so that the planner knows they are few: the
# enums, domains and ranges, and the standalone composites found from pg_class's (reltablespace, relfilenode)
# index (no storage: relfilenode 0; reltablespace 0, or a tablespace when default_tablespace was set), instead
# of probing pg_class once per table's row type. A composite in `wanted` is a standalone one: its attributes
# are its typrelid's. Every read runs this query whatever its relations, the first card's too: at 100,000
# tables 0.27-0.39 s -> 0.06-0.13 s (load 4-5).
TYPES_SQL = f"""
WITH wanted AS MATERIALIZED (
  SELECT t.* FROM pg_type t WHERE t.typtype IN ('e', 'd', 'r')
  UNION ALL
  SELECT t.* FROM pg_class sc JOIN pg_type t ON t.oid = sc.reltype
  WHERE sc.reltablespace = ANY (ARRAY(SELECT ts.oid FROM pg_tablespace ts) || 0::oid)
    AND sc.relfilenode = 0 AND sc.relkind = 'c'
)
SELECT t.oid, t.typarray AS array_oid, n.nspname AS schema, t.typname AS name, t.typtype::text AS kind,
       ds.description AS comment,
       CASE WHEN t.typtype = 'e' THEN
         (SELECT array_agg(e.enumlabel::text ORDER BY e.enumsortorder) FROM pg_enum e
          WHERE e.enumtypid = t.oid)
       END AS labels,
       CASE WHEN t.typtype = 'd' THEN format_type(t.typbasetype, t.typtypmod) END AS base_type,
       -- typdefault is the text written at CREATE, not followed by an enum's RENAME VALUE: the tree is
       t.typnotnull AS not_null, coalesce(pg_get_expr(t.typdefaultbin, 0), t.typdefault) AS "default",
       CASE WHEN t.typcollation <> 0 AND t.typcollation <> bt.typcollation THEN
         (SELECT quote_ident(cn.nspname) || '.' || quote_ident(co.collname)
          FROM pg_collation co JOIN pg_namespace cn ON cn.oid = co.collnamespace
          WHERE co.oid = t.typcollation)
       END AS collation,
       CASE WHEN t.typtype = 'd' THEN
         (SELECT array_agg(c.conname::text ORDER BY c.conname) FROM pg_constraint c
          WHERE c.contypid = t.oid AND c.contype = 'c')
       END AS check_names,
       CASE WHEN t.typtype = 'd' THEN
         (SELECT array_agg(pg_get_constraintdef(c.oid) ORDER BY c.conname) FROM pg_constraint c
          WHERE c.contypid = t.oid AND c.contype = 'c')
       END AS check_defs,
       CASE WHEN t.typtype = 'd' THEN
         (SELECT array_agg(c.convalidated::text ORDER BY c.conname) FROM pg_constraint c
          WHERE c.contypid = t.oid AND c.contype = 'c')
       END AS check_valid,  -- text[], not bool[] (see the note on arrays at the top)
       CASE WHEN t.typtype = 'd' THEN
         (SELECT array_agg(obj_description(c.oid, 'pg_constraint') ORDER BY c.conname) FROM pg_constraint c
          WHERE c.contypid = t.oid AND c.contype = 'c')
       END AS check_comments,
       CASE WHEN t.typtype = 'd' THEN  -- what a check's expression calls is a dependency of the check
         (SELECT array_agg(c.oid ORDER BY c.conname) FROM pg_constraint c
          WHERE c.contypid = t.oid AND c.contype = 'c')
       END AS check_oids,
       CASE WHEN t.typtype = 'd' AND t.typnotnull THEN  -- PostgreSQL 17 on: its NOT NULL's name
         (SELECT c.conname FROM pg_constraint c WHERE c.contypid = t.oid AND c.contype = 'n' LIMIT 1)
       END AS not_null_name,
       -- composite types (not a table's row type): their attributes, in order
       CASE WHEN t.typtype = 'c' THEN t.typrelid END AS class_oid,
       CASE WHEN t.typtype = 'c' THEN
         (SELECT array_agg(ca.attname::text ORDER BY ca.attnum) FROM pg_attribute ca
          WHERE ca.attrelid = t.typrelid AND ca.attnum > 0 AND NOT ca.attisdropped)
       END AS attribute_names,
       CASE WHEN t.typtype = 'c' THEN
         (SELECT array_agg(format_type(ca.atttypid, ca.atttypmod) ORDER BY ca.attnum) FROM pg_attribute ca
          WHERE ca.attrelid = t.typrelid AND ca.attnum > 0 AND NOT ca.attisdropped)
       END AS attribute_types,
       CASE WHEN t.typtype = 'c' THEN
         (SELECT array_agg(CASE WHEN ca.attcollation <> 0 AND ca.attcollation <> cat.typcollation THEN
                   (SELECT quote_ident(cn.nspname) || '.' || quote_ident(co.collname)
                    FROM pg_collation co JOIN pg_namespace cn ON cn.oid = co.collnamespace
                    WHERE co.oid = ca.attcollation) END ORDER BY ca.attnum)
          FROM pg_attribute ca JOIN pg_type cat ON cat.oid = ca.atttypid
          WHERE ca.attrelid = t.typrelid AND ca.attnum > 0 AND NOT ca.attisdropped)
       END AS attribute_collations,
       CASE WHEN t.typtype = 'c' THEN
         (SELECT array_agg(col_description(t.typrelid, ca.attnum) ORDER BY ca.attnum) FROM pg_attribute ca
          WHERE ca.attrelid = t.typrelid AND ca.attnum > 0 AND NOT ca.attisdropped)
       END AS attribute_comments,
       -- range types: what CREATE TYPE ... AS RANGE names; functions qualified, never left to search_path
       format_type(rg.rngsubtype, NULL) AS subtype,
       CASE WHEN rg.rngsubopc <> 0 AND NOT opc.opcdefault THEN
         quote_ident(opn.nspname) || '.' || quote_ident(opc.opcname) END AS subtype_opclass,
       CASE WHEN rg.rngcollation <> 0 AND rg.rngcollation <> st.typcollation THEN
         (SELECT quote_ident(cn.nspname) || '.' || quote_ident(co.collname)
          FROM pg_collation co JOIN pg_namespace cn ON cn.oid = co.collnamespace
          WHERE co.oid = rg.rngcollation)
       END AS range_collation,
       CASE WHEN rg.rngcanonical <> 0 THEN
         (SELECT quote_ident(pn.nspname) || '.' || quote_ident(p.proname) FROM pg_proc p
          JOIN pg_namespace pn ON pn.oid = p.pronamespace WHERE p.oid = rg.rngcanonical) END AS canonical,
       CASE WHEN rg.rngsubdiff <> 0 THEN
         (SELECT quote_ident(pn.nspname) || '.' || quote_ident(p.proname) FROM pg_proc p
          JOIN pg_namespace pn ON pn.oid = p.pronamespace WHERE p.oid = rg.rngsubdiff) END AS subtype_diff,
       mr.typname AS multirange, mr.oid AS multirange_oid, mr.typarray AS multirange_array_oid
FROM wanted t
JOIN pg_namespace n ON n.oid = t.typnamespace
LEFT JOIN pg_type bt ON bt.oid = t.typbasetype
LEFT JOIN pg_range rg ON rg.rngtypid = t.oid
LEFT JOIN pg_type st ON st.oid = rg.rngsubtype
LEFT JOIN pg_opclass opc ON opc.oid = rg.rngsubopc
LEFT JOIN pg_namespace opn ON opn.oid = opc.opcnamespace
LEFT JOIN pg_type mr ON mr.oid = rg.rngmultitypid
{comment_join("ds", "pg_type", "t.oid")}
WHERE {schema_filter("n")} AND {not_extension_member("pg_type", "t.oid")}
ORDER BY 3, 4
"""

SEQUENCES_SQL = f"""
SELECT c.oid, n.nspname AS schema, c.relname AS name, format_type(s.seqtypid, NULL) AS data_type,
       s.seqstart AS start, s.seqincrement AS increment, s.seqmin AS min_value, s.seqmax AS max_value,
       s.seqcache AS cache, s.seqcycle AS cycle, ds.description AS comment,
       tn.nspname AS owner_schema, tc.relname AS owner_table, a.attname AS owner_column,
       d.deptype = 'i' AS is_identity
FROM pg_sequence s
JOIN pg_class c ON c.oid = s.seqrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.refobjsubid > 0
     AND d.deptype IN ('a', 'i') AND d.refclassid = 'pg_class'::regclass
LEFT JOIN pg_class tc ON tc.oid = d.refobjid
LEFT JOIN pg_namespace tn ON tn.oid = tc.relnamespace
LEFT JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
{comment_join("ds", "pg_class", "c.oid")}
WHERE {schema_filter("n")} AND {not_extension_member("pg_class", "c.oid")} {{only tc.oid}}
ORDER BY 2, 3
"""

# A relation's size from the catalog alone (no stat() per file, as pg_relation_size would do): the pages
# VACUUM and ANALYZE last counted, the table's and its TOAST table's. Only TOAST tables (relkind 't') are
# hashed for the join, not all of pg_class (diff_cur_5000: 47.8 -> 43.9 ms server CPU, fresh backends).
# A partitioned table's relpages is -1 once analysed (it has no storage): 0, not -8 kB.
_SIZE = (
    "(greatest(c.relpages, 0)::bigint + coalesce(toast.relpages, 0)) * current_setting('block_size')::bigint"
)

RELATIONS_SQL = f"""
SELECT c.oid, c.reltype AS type_oid, n.nspname AS schema, c.relname AS name, c.relkind::text AS kind,
       c.relpersistence::text AS persistence,
       c.reltuples::bigint AS row_estimate, ds.description AS comment,
       {_SIZE} AS size_bytes,
       CASE WHEN c.relkind = 'p' THEN pg_get_partkeydef(c.oid) END AS partition_key,
       CASE WHEN c.relispartition THEN pg_get_expr(c.relpartbound, c.oid) END AS partition_bound,
       CASE WHEN c.relhassubclass OR c.relispartition OR EXISTS (
              SELECT 1 FROM pg_inherits i WHERE i.inhrelid = c.oid) THEN
         (SELECT array_agg(pn.nspname::text ORDER BY i.inhseqno)
            FROM pg_inherits i JOIN pg_class p ON p.oid = i.inhparent
            JOIN pg_namespace pn ON pn.oid = p.relnamespace WHERE i.inhrelid = c.oid) END AS parent_schemas,
       CASE WHEN c.relhassubclass OR c.relispartition OR EXISTS (
              SELECT 1 FROM pg_inherits i WHERE i.inhrelid = c.oid) THEN
         (SELECT array_agg(p.relname::text ORDER BY i.inhseqno)
            FROM pg_inherits i JOIN pg_class p ON p.oid = i.inhparent
            WHERE i.inhrelid = c.oid) END AS parent_names,
       c.relispartition AS is_partition,
       CASE WHEN NOT c.relispartition AND EXISTS (SELECT 1 FROM pg_inherits i WHERE i.inhrelid = c.oid) THEN
         (SELECT array_agg(a.attname::text ORDER BY a.attnum) FROM pg_attribute a
          WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attinhcount > 0
            AND a.attislocal) END AS merged_columns,
       CASE WHEN c.relkind IN ('v', 'm') THEN pg_get_viewdef(c.oid) END AS view_definition,
       CASE WHEN toast.reloptions IS NULL THEN c.reloptions::text[]  -- its TOAST table's as toast.x, as written
         ELSE COALESCE(c.reloptions::text[], '{{}}') || ARRAY(SELECT 'toast.' || o FROM unnest(toast.reloptions) o)
       END AS options, c.relrowsecurity AS rls_enabled, c.relforcerowsecurity AS rls_forced,
       (c.relkind = 'm' AND NOT c.relispopulated) AS unpopulated,
       CASE WHEN c.relkind IN ('r', 'm') AND c.relhasindex THEN
         (SELECT ci.relname FROM pg_index cx JOIN pg_class ci ON ci.oid = cx.indexrelid
          WHERE cx.indrelid = c.oid AND cx.indisclustered) END AS clustered_index,
       CASE WHEN c.relkind IN ('r', 'p') THEN c.relreplident::text ELSE 'd' END AS replica_identity,
       CASE WHEN c.relreplident = 'i' THEN
         (SELECT ri.relname FROM pg_index rx JOIN pg_class ri ON ri.oid = rx.indexrelid
          WHERE rx.indrelid = c.oid AND rx.indisreplident) END AS replica_index,
       CASE WHEN ram.amname <> 'heap' THEN ram.amname END AS access_method,
       CASE WHEN c.reloftype <> 0 THEN (SELECT tn.nspname FROM pg_type t JOIN pg_namespace tn ON tn.oid = t.typnamespace
                                        WHERE t.oid = c.reloftype) END AS of_type_schema,
       CASE WHEN c.reloftype <> 0 THEN (SELECT t.typname FROM pg_type t WHERE t.oid = c.reloftype) END AS of_type_name
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN (SELECT oid, relpages, reloptions FROM pg_class WHERE relkind = 't') toast ON toast.oid = c.reltoastrelid
LEFT JOIN pg_am ram ON ram.oid = c.relam
{comment_join("ds", "pg_class", "c.oid")}
WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') AND {schema_filter("n")} AND {not_extension_member("pg_class", "c.oid")} {{only c.oid}}
  AND NOT {IS_META_TABLE.format(rel="c")}
ORDER BY 3, 4
"""

# attgenerated 'v' (virtual) exists from PostgreSQL 18; the expression is read the same way for both kinds.
# A default cannot refer to a column, so it is deparsed without its relation (relid 0): with the relation, each
# call opens it and builds its relcache entry, 345 -> 138 ms for 38,000 defaults on a fresh connection.
# Generated expressions do refer to columns and keep their relation.
# Rows of relations the relations query skipped (extension members) are dropped in Python. The builder
# unpacks each row by position (the hottest loop of all): keep the select list in step with
# Builder._build_columns (build.py).
# Each relation's columns, defaults and column comments are three range scans of their catalogs' indexes on the
# relation's OID, all in attnum order and merge-joined (the LATERAL's OFFSET 0 keeps it a subquery run per
# relation), the relations in OID order: the rows come sorted. A hash join of the whole portion's attributes
# with its defaults and comments, then a sort, cost more: diff_cur_1000, server CPU on a fresh backend
# 67.7 -> 58.3 ms (planning 8.8 -> 2.7 ms). A probe of pg_description and one of pg_attrdef per column cost
# more still (5,000 tables: 418-433 ms against 344-347 for the hash joins).
COLUMNS_SQL = f"""
SELECT a.attrelid AS relid, a.attnum AS position, a.attname AS name,
       format_type(a.atttypid, a.atttypmod) AS type, a.atttypid AS type_oid, a.attnotnull AS not_null,
       CASE WHEN a.attgenerated <> '' THEN pg_get_expr(a.adbin, a.adrelid)
            WHEN a.atthasdef THEN pg_get_expr(a.adbin, 0) END AS default_expr,
       a.attidentity::text AS identity, a.attgenerated::text AS generated,
       CASE WHEN a.attcollation <> 0 AND a.attcollation <> t.typcollation THEN
         (SELECT quote_ident(cn.nspname) || '.' || quote_ident(co.collname)
          FROM pg_collation co JOIN pg_namespace cn ON cn.oid = co.collnamespace
          WHERE co.oid = a.attcollation)
       END AS collation,
       CASE WHEN t.typnamespace <> 'pg_catalog'::regnamespace THEN
         (SELECT ARRAY[utn.nspname::text, ut.typname::text] FROM pg_type ut
          JOIN pg_namespace utn ON utn.oid = ut.typnamespace
          WHERE ut.oid = CASE WHEN t.typelem <> 0 AND t.typcategory = 'A' THEN t.typelem ELSE t.oid END
            AND utn.nspname NOT IN ('pg_catalog', 'information_schema'))
       END AS type_key,
       a.description AS comment,
       NULLIF(concat_ws('|',
         CASE WHEN a.attstorage <> t.typstorage THEN 'STORAGE ' || CASE a.attstorage WHEN 'p' THEN 'PLAIN'
           WHEN 'e' THEN 'EXTERNAL' WHEN 'm' THEN 'MAIN' ELSE 'EXTENDED' END END,
         CASE WHEN {{compression}} <> '' THEN 'COMPRESSION ' || CASE {{compression}} WHEN 'p' THEN 'pglz'
           ELSE 'lz4' END END,
         CASE WHEN a.attstattarget >= 0 THEN 'STATISTICS ' || a.attstattarget END,
         CASE WHEN a.attoptions IS NOT NULL THEN
           (SELECT string_agg('(' || o || ')', '|' ORDER BY o) FROM unnest(a.attoptions) o) END), '') AS settings,
       {{column_grants}} AS grants
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
CROSS JOIN LATERAL (
  SELECT a.attrelid, a.attnum, a.attname, a.atttypid, a.atttypmod, a.attnotnull, a.atthasdef, a.attidentity,
         a.attgenerated, a.attcollation, d.adbin, d.adrelid, ds.description, a.attstorage, a.attstattarget,
         {{compression}} AS attcompression, a.attacl, a.attoptions
  FROM pg_attribute a
  LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum
  LEFT JOIN pg_description ds ON ds.objoid = c.oid AND ds.classoid = 'pg_class'::regclass
                                 AND ds.objsubid = a.attnum
  WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
  OFFSET 0) a
JOIN pg_type t ON t.oid = a.atttypid
WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f')
  AND {schema_filter("n")} AND NOT {IS_META_TABLE.format(rel="c")} {{only c.oid}}
ORDER BY c.oid, a.attnum
"""

# A column's grants (GRANT SELECT (c) ON t), read with its other attributes: pg_attribute is scanned once, by
# the columns query, not a second time by the privileges query for the few columns with an ACL (at 1,000
# tables that second scan was half the privileges query's server time, about 20 ms). Each entry is
# [grantee, privilege, grantable]; the owner's own entries are left out, as in queries_privileges.py.
COLUMN_GRANTS = """CASE WHEN a.attacl IS NOT NULL THEN
         (SELECT array_agg(ARRAY[COALESCE(g.rolname::text, 'PUBLIC'), x.privilege_type, x.is_grantable::text])
          FROM aclexplode(a.attacl) x LEFT JOIN pg_roles g ON g.oid = x.grantee
          WHERE x.grantee <> c.relowner) END"""

# contype 'n' (PostgreSQL 18 NOT NULL): Column.not_null carries it; one NOT VALID, NO INHERIT or not named as the
# server names it (queries_filters.NAMED_NOT_NULL) is read for its column (the builder's). Like index
# definitions, those of primary keys, unique constraints and foreign keys are written in Python (see
# definitions.py); CHECK and EXCLUDE, and keys with newer clauses, are the server's. An FK's target
# columns are named in Python from the target's columns; only targets this introspection does not return
# (filtered out, extension members, meta tables, and outside the relations asked for when some alone are
# read) are named here. The builder unpacks each row by position
# (objects.constraint_from): keep the select list in step with it.
# A look-up whose row no kind uses is not made: its key is NULL, which the index answers without a descent. A
# CHECK has no index (conindid 0) and only a foreign key a target (confrelid 0); a foreign key's conindid is its
# target's key, whose name is not read (index_name), only its NULLS NOT DISTINCT. At 5,000 tables 10,000
# probes a portion fewer (server CPU of all portions on fresh backends, alternated, median of 7 to 9: 1,000
# tables 105 -> 99 ms, 5,000 tables 483 -> 452 ms).
CONSTRAINTS_SQL = f"""
SELECT co.oid, co.conrelid AS relid, co.conname AS name, co.contype::text AS kind,
       CASE WHEN co.contype = 'c' THEN {{check_definition}}
            WHEN {{server_definition}} THEN pg_get_constraintdef(co.oid) END AS definition,
       array_to_string(co.conkey, ' ') AS keys,
       CASE WHEN co.contype = 'f' THEN pg_table_is_visible(co.confrelid) END AS target_visible,
       CASE WHEN co.contype IN ('p', 'u') THEN i.indkey::text END AS index_keys,
       i.indnkeyatts AS index_key_count,
       fn.nspname AS target_schema, fc.relname AS target_table,
       co.confrelid AS target_relid, array_to_string(co.confkey, ' ') AS target_keys,
       CASE WHEN co.contype = 'f' AND (NOT ({schema_filter("fn")}) OR {IS_META_TABLE.format(rel="fc")}
                                       OR NOT {not_extension_member("pg_class", "fc.oid")} {{target_not_read}}) THEN
         (SELECT array_agg(a.attname::text ORDER BY k.i) FROM unnest(co.confkey) WITH ORDINALITY k(n, i)
          JOIN pg_attribute a ON a.attrelid = co.confrelid AND a.attnum = k.n) END AS target_columns,
       co.confdeltype::text AS on_delete, co.confupdtype::text AS on_update, co.confmatchtype::text AS match,
       co.condeferrable AS deferrable, co.condeferred AS deferred, co.convalidated AS validated,
       CASE WHEN co.contype IN ('p', 'u', 'x') THEN ic.relname END AS index_name, co.conislocal AS is_local,
       ds.description AS comment, {{nulls_not_distinct}} AS nulls_not_distinct,
       co.connoinherit AS no_inherit{{not_null_default}}
FROM pg_constraint co
JOIN pg_class c ON c.oid = co.conrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_class ic ON ic.oid = CASE WHEN co.contype IN ('p', 'u', 'x') THEN co.conindid END
LEFT JOIN pg_class fc ON fc.oid = NULLIF(co.confrelid, 0)
LEFT JOIN pg_namespace fn ON fn.oid = fc.relnamespace
LEFT JOIN pg_index i ON i.indexrelid = NULLIF(co.conindid, 0)
{comment_join("ds", "pg_constraint", "co.oid")}
WHERE (co.contype IN ('p', 'u', 'c', 'f', 'x') {{named_not_null}}) AND {schema_filter("n")} AND NOT {IS_META_TABLE.format(rel="c")} {{only co.conrelid}}
ORDER BY co.conrelid, co.conname
"""


def _check_definition(version_num: int) -> str:
    """A CHECK as pg_get_constraintdef writes it (ruleutils.c; never DEFERRABLE), from pg_get_expr of the row in hand,
    not the constraint scanned again by OID (1,000 tables: 115 -> 104 ms of server CPU). A table dropped meanwhile
    leaves pg_get_expr NULL: pg_get_constraintdef then fails as it did."""
    unenforced = "WHEN NOT co.conenforced THEN ' NOT ENFORCED' " if version_num >= 180000 else ""
    return (
        "COALESCE('CHECK (' || pg_get_expr(co.conbin, co.conrelid) || ')'"
        " || CASE WHEN co.connoinherit THEN ' NO INHERIT' ELSE '' END"
        f" || CASE {unenforced}WHEN NOT co.convalidated THEN ' NOT VALID' ELSE '' END, pg_get_constraintdef(co.oid))"
    )


# The options support function's number in each core access method (BTOPTIONS_PROC, HASHOPTIONS_PROC,
# GIST_OPTIONS_PROC, GIN_OPTIONS_PROC, SPGIST_OPTIONS_PROC, BRIN_PROCNUM_OPTIONS): see INDEXES_SQL.
_OPTIONS_PROC = """CASE oa.amname WHEN 'btree' THEN 5 WHEN 'hash' THEN 3 WHEN 'gist' THEN 10 WHEN 'gin' THEN 7
                                WHEN 'spgist' THEN 7 WHEN 'brin' THEN 5 END"""

# Key columns travel as attnums and are named in Python from the relation's columns (a subquery per index
# cost as much as pg_get_indexdef itself); only indexes with expressions deparse their keys one by one.
# pg_get_indexdef was half of all server time on a fresh connection (1.1 s for 26,000 indexes: catalog cache
# misses for every index, table and key column). An index of plain columns in a core access method without
# storage options ("plain") has its definition written in Python the way ruleutils.c writes it; the server
# deparses the others, and the plain ones whose operator classes or collations Python cannot vouch for.
# OFFSET 0 keeps the "plain" test from being inlined twice. The constraint that owns an index is not read
# here: the constraints query names each key's index (index_name), and the builder pairs them
# (objects.owned_indexes). Found here, it cost two index probes per unique index, or (joined on the table and
# conindid) a walk of every constraint of the table per index.
# An index column's attoptions are its operator class's options (`gist_trgm_ops (siglen=32)`), which CREATE INDEX
# takes only from a class whose family has its access method's options support function (_OPTIONS_PROC); no core
# btree, hash, gin or spgist class has one. Only the indexes of a method with such a class have their columns
# probed: a probe of pg_attribute per index was 5.5 ms of 45-50 per 5,000 indexes (server CPU, fresh backend).
# A partitioned index's own column names (attnames) name a new partition's copy of it: a column renamed since
# the index was made keeps its old name there (partition_indexes); only these few indexes are probed.
# IndexWriter.definition and objects.index_from unpack each row by position: keep the select list in step.
INDEXDEF_SQL = "SELECT oid, pg_get_indexdef(oid) AS definition FROM unnest($1::oid[]) AS oid"
INDEXES_SQL = f"""
SELECT i.indexrelid AS oid, i.indrelid AS relid, ic.relname AS name, n.nspname AS table_schema,
       c.relname AS table_name, x.plain,
       CASE WHEN NOT x.plain THEN pg_get_indexdef(i.indexrelid) END AS definition,
       i.indclass::text AS opclasses, i.indcollation::text AS collations,
       {{nulls_not_distinct}} AS nulls_not_distinct,
       am.amname AS method, i.indisunique AS is_unique, i.indisprimary AS is_primary, i.indisvalid AS valid,
       i.indnkeyatts AS key_count,
       i.indkey::text AS keys,
       CASE WHEN i.indexprs IS NOT NULL THEN
         (SELECT array_agg(pg_get_indexdef(i.indexrelid, k, true) ORDER BY k)
            FROM generate_series(1, i.indnatts::int) k) END AS key_texts,
       i.indoption::text AS key_options,
       CASE WHEN i.indpred IS NOT NULL THEN pg_get_expr(i.indpred, i.indrelid) END AS predicate,
       ds.description AS comment,
       CASE WHEN ic.relkind = 'I' THEN ARRAY(SELECT a.attname::text FROM pg_attribute a
                                           WHERE a.attrelid = i.indexrelid ORDER BY a.attnum) END AS attnames
FROM pg_index i
JOIN pg_class ic ON ic.oid = i.indexrelid
JOIN pg_class c ON c.oid = i.indrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_am am ON am.oid = ic.relam
{comment_join("ds", "pg_class", "i.indexrelid")}
CROSS JOIN LATERAL (SELECT ic.relkind = 'i' AND i.indexprs IS NULL AND ic.reloptions IS NULL
  AND am.amname IN ('btree', 'hash', 'gist', 'gin', 'spgist', 'brin')
  AND (ic.relam <> ALL (ARRAY(SELECT DISTINCT oc.opcmethod FROM pg_opclass oc
                              JOIN pg_am oa ON oa.oid = oc.opcmethod
                              WHERE EXISTS (SELECT FROM pg_amproc ap WHERE ap.amprocfamily = oc.opcfamily
                                              AND ap.amprocnum = {_OPTIONS_PROC})))
       OR NOT EXISTS (SELECT FROM pg_attribute ia WHERE ia.attrelid = i.indexrelid AND ia.attoptions IS NOT NULL))
  AS plain
  OFFSET 0) x
WHERE c.relkind IN ('r', 'p', 'm', 'f') AND {schema_filter("n")} AND NOT {IS_META_TABLE.format(rel="c")} {{only i.indrelid}}
ORDER BY i.indrelid, ic.relname
"""

# Internal triggers (FK checks) are skipped; so are partitions' clones of a parent's trigger.
TRIGGERS_SQL = f"""
SELECT t.oid, t.tgrelid AS relid, t.tgname AS name, pg_get_triggerdef(t.oid) AS definition,
       pn.nspname AS function_schema, p.proname AS function_name, t.tgenabled::text AS enabled,
       t.tgconstraint <> 0 AS is_constraint, ds.description AS comment
FROM pg_trigger t
JOIN pg_class c ON c.oid = t.tgrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_proc p ON p.oid = t.tgfoid
JOIN pg_namespace pn ON pn.oid = p.pronamespace
{comment_join("ds", "pg_trigger", "t.oid")}
WHERE NOT t.tgisinternal AND {schema_filter("n")} AND (t.tgparentid = 0 OR NOT c.relispartition) {{only t.tgrelid}}
ORDER BY t.tgrelid, t.tgname
"""

POLICIES_SQL = f"""
SELECT p.oid, p.polrelid AS relid, p.polname AS name,
       CASE p.polcmd WHEN 'r' THEN 'SELECT' WHEN 'a' THEN 'INSERT' WHEN 'w' THEN 'UPDATE'
            WHEN 'd' THEN 'DELETE'
            ELSE 'ALL' END AS command,
       p.polpermissive AS permissive,
       CASE WHEN p.polroles = '{{0}}' THEN ARRAY['public']
            ELSE (SELECT array_agg(r.rolname::text ORDER BY r.rolname) FROM pg_roles r
                  WHERE r.oid = ANY(p.polroles)) END AS roles,
       pg_get_expr(p.polqual, p.polrelid) AS using_expr,
       pg_get_expr(p.polwithcheck, p.polrelid) AS check_expr,
       ds.description AS comment
FROM pg_policy p
JOIN pg_class c ON c.oid = p.polrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
{comment_join("ds", "pg_policy", "p.oid")}
WHERE {schema_filter("n")} {{only p.polrelid}}
ORDER BY p.polrelid, p.polname
"""

# pg_get_functiondef rejects aggregates: theirs is rebuilt from pg_aggregate (ordinary ones; None otherwise).
FUNCTIONS_SQL = f"""
SELECT p.oid, n.nspname AS schema, p.proname AS name,
       pg_get_function_identity_arguments(p.oid) AS identity_arguments,
       CASE WHEN p.prokind = 'p' THEN NULL ELSE pg_get_function_result(p.oid) END AS result,
       l.lanname AS language, p.prokind::text AS kind,
       CASE WHEN p.prokind IN ('f', 'p', 'w') THEN pg_get_functiondef(p.oid)
            WHEN p.prokind = 'a' THEN (
              SELECT 'CREATE OR REPLACE AGGREGATE ' || quote_ident(n.nspname) || '.' || quote_ident(p.proname)
                  || '(' || COALESCE(NULLIF(pg_get_function_arguments(p.oid), ''), '*') || ') ('
                  || concat_ws(', ',
                    'SFUNC = ' || a.aggtransfn::regproc::text,
                    'STYPE = ' || format_type(a.aggtranstype, NULL),
                    CASE WHEN a.aggfinalfn <> 0 THEN 'FINALFUNC = ' || a.aggfinalfn::regproc::text END,
                    CASE WHEN a.aggfinalextra THEN 'FINALFUNC_EXTRA' END,
                    CASE WHEN a.aggcombinefn <> 0 THEN 'COMBINEFUNC = ' || a.aggcombinefn::regproc::text END,
                    CASE WHEN a.agginitval IS NOT NULL THEN 'INITCOND = ' || quote_literal(a.agginitval) END,
                       CASE WHEN p.proparallel = 's' THEN 'PARALLEL = SAFE' END) || ')'
              FROM pg_aggregate a WHERE a.aggfnoid = p.oid AND a.aggkind = 'n')
       END AS definition,
       ds.description AS comment
FROM pg_proc p
JOIN pg_namespace n ON n.oid = p.pronamespace
JOIN pg_language l ON l.oid = p.prolang
{comment_join("ds", "pg_proc", "p.oid")}
WHERE {schema_filter("n")} AND {not_extension_member("pg_proc", "p.oid")}
  -- a range type's constructors (and its multirange's) are created and dropped with the type
  AND NOT EXISTS (SELECT 1 FROM pg_depend i WHERE i.classid = 'pg_proc'::regclass AND i.objid = p.oid
                  AND i.refclassid = 'pg_type'::regclass AND i.deptype = 'i')
ORDER BY 2, 3, 4
"""

# The statements of a whole read: the queries in queries_for() and PORTION_BOUNDS_SQL; a test proves it does
# not grow with the catalog below PORTION_RELATIONS relations (above, the PORTIONED kinds take one query per
# portion). One more (INDEXDEF_SQL) runs when some index definitions need the server's deparser, whatever their
# number.
QUERY_COUNT = 16
META = "meta"  # not a query: core.meta.read_meta, run as a step of the last group
INDEX_DEFINITIONS = "index_definitions"  # INDEXDEF_SQL, once the indexes are built, for those that need it


# The three big results of a whole read (at 100,000 tables, their records alone were over a gigabyte) are read
# in portions of PORTION_RELATIONS relations by relation OID: `{only <oid column>}` becomes `> $3 AND <= $4`,
# bounds from PORTION_BOUNDS_SQL (every PORTION_RELATIONS-th relation OID, in the read's snapshot, but the last
# relation's: nothing is above it, and at 1,000 or 5,000 relations each kind's portion after it was a round trip
# for no row, three a read, on the critical path of a diff's one session per side). Each
# portion's rows are built and freed before the one after next is asked for (read._fetch_portions), so the
# driver never holds more than two portions of a kind; keyset ranges, not a cursor, keep the parallel plans.
# A read may ask for smaller portions of a small catalog: a portion is then a PORTIONS_AT_LEAST-th of the
# relations, but never fewer than $3 relations nor more than $4 (`schema` at 1,000 tables: four portions of
# 250, peak RSS 45 -> 41 MiB, the records of two portions held instead of the whole catalog's).
PORTIONED = ("columns", "constraints", "indexes")
PORTION_RELATIONS = 1000
PORTIONS_AT_LEAST = 4
PORTION_BOUNDS_SQL = f"""
SELECT oid FROM (SELECT c.oid, row_number() OVER (ORDER BY c.oid) AS number, count(*) OVER () AS relations
                 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                 WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') AND {schema_filter("n")}) numbered
WHERE number % LEAST($4::int, GREATEST($3::int, relations / {PORTIONS_AT_LEAST})) = 0
  AND number < relations
ORDER BY oid
"""

# Only some relations (the browser's first card, before the whole catalog is in): `{only <oid column>}` in a
# query becomes a filter on $3, their OIDs, which the catalog indexes answer directly.
_ONLY = re.compile(r"\{only ([a-z_.]+)\}")
# A kind this read leaves out: not sent (read._fetch_group hands the builder no rows), one round trip less each.
NOTHING = "SELECT NULL WHERE false"


def queries_for(version_num: int, *, only_relations: bool = False, privileges: bool = True) -> dict[str, str]:
    """The SQL of every query, for this server version; with `only_relations`, restricted to the relations
    in $3/$4 (their columns, constraints, indexes, triggers, policies and owned sequences), without functions
    and dependencies; without `privileges`, no grants and no roles (a diff that does not compare them)."""
    nnd = "i.indnullsnotdistinct" if version_num >= 150000 else "false"
    server_definition = "co.contype IN ('c', 'x')"
    if version_num >= 150000:  # ON DELETE SET NULL (columns)
        server_definition += " OR co.confdelsetcols IS NOT NULL"
    if version_num >= 180000:  # WITHOUT OVERLAPS / PERIOD, NOT ENFORCED
        server_definition += " OR co.conperiod OR NOT co.conenforced"
    locale = (
        "co.colllocale" if version_num >= 170000 else "co.colliculocale" if version_num >= 150000 else "NULL"
    )
    rules = "co.collicurules" if version_num >= 160000 else "NULL"
    queries = {
        "header": HEADER_SQL.replace("{collation_locale}", locale).replace("{collation_rules}", rules),
        "types": TYPES_SQL,
        "sequences": SEQUENCES_SQL,
        "relations": RELATIONS_SQL,
        "columns": COLUMNS_SQL.replace(
            "{compression}", "a.attcompression" if version_num >= 140000 else "''"
        ).replace("{column_grants}", COLUMN_GRANTS if privileges and not only_relations else "NULL::text[]"),
        "constraints": CONSTRAINTS_SQL.replace("{nulls_not_distinct}", f"COALESCE({nnd}, false)")
        .replace("{server_definition}", server_definition)
        .replace("{check_definition}", _check_definition(version_num))
        .replace("{named_not_null}", NAMED_NOT_NULL if version_num >= 180000 else "")
        .replace(
            "{not_null_default}",
            f", CASE WHEN co.contype = 'n' THEN {NOT_NULL_DEFAULT_NAME} END AS not_null_default"
            if version_num >= 180000
            else "",
        )
        .replace("{target_not_read}", "OR NOT co.confrelid = ANY($3::oid[])" if only_relations else ""),
        "indexes": INDEXES_SQL.replace("{nulls_not_distinct}", nnd if version_num >= 150000 else "false"),
        "triggers": TRIGGERS_SQL,
        "policies": POLICIES_SQL,
        "functions": NOTHING if only_relations else FUNCTIONS_SQL,
        "dependencies": NOTHING if only_relations else DEPENDENCIES_SQL,
        "objects": NOTHING if only_relations else objects_sql(schema_filter("n"), version_num),
        "foreign_tables": NOTHING if only_relations else foreign_tables_sql(schema_filter("n")),
        "privileges": privileges_sql(schema_filter("n").strip())
        if privileges and not only_relations
        else NOTHING,
        "unmodelled": NOTHING if only_relations else unmodelled_sql(schema_filter("n"), version_num),
        INDEX_DEFINITIONS: "",  # a step, not a query (see Builder.deparse_indexes)
    }
    return {name: _filtered(name, sql, only_relations) for name, sql in queries.items()}


def _filtered(name: str, sql: str, only_relations: bool) -> str:
    """A kind's query with its `{only <oid column>}` filled in for this read."""
    return _ONLY.sub(_only_filter(name, only_relations), sql)


def _only_filter(name: str, only_relations: bool) -> Callable[[re.Match[str]], str]:
    if only_relations:
        return lambda m: f"AND {m[1]} = ANY($3::oid[])"
    if name in PORTIONED:
        # The range on the relation (`c`) too: the planner does not carry a range across the join, and
        # without it each portion scanned the whole of pg_class (quadratic in the catalog's size).
        return lambda m: (
            f"AND {m[1]} > $3::oid AND {m[1]} <= $4::oid"
            + ("" if m[1] == "c.oid" else " AND c.oid > $3::oid AND c.oid <= $4::oid")
        )
    return lambda m: ""
