"""Introspection: the whole schema in a constant number of set-based pg_catalog queries.

Eleven queries (twelve when some index needs the server's deparser), whatever the number of tables, each
returning one row per object of a kind; Python builds the frozen model from each result as it arrives, while
the server runs the next query. No information_schema (its views join far more than we need
and are slow at 10,000 tables), no query per table. Array results are cast to text[] so asyncpg never has to
introspect `name[]`/`int2[]` on a fresh connection (a hidden extra round trip). Comments come from one join on
pg_description rather than obj_description() per row (a SQL function call each). pg_depend rows travel as bare
OIDs and are resolved in Python against the objects the other queries returned, which also applies the schema
filters and the extension/meta-table exclusions to dependencies for free.

Skipped: system schemas, objects that belong to extensions, and the meta tables (`__dibs_*`,
`_dibs_migrations`), which `core.meta` reads. Works on PostgreSQL 13-18; newer catalog columns are guarded by
the server version (which asyncpg knows from the connection start-up, without a query).
"""

from __future__ import annotations

import asyncio
import dataclasses
import gc
import json
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar, cast

import asyncpg

from .model import (
    Catalog,
    Column,
    ColumnRef,
    Constraint,
    ConstraintKind,
    Dependency,
    Domain,
    DomainCheck,
    EnumType,
    Extension,
    ForeignKey,
    Function,
    Generated,
    Identity,
    Index,
    MetaStatus,
    ObjectRef,
    Policy,
    QualifiedName,
    Relation,
    RelationKind,
    Schema,
    Trigger,
)
from .model import (
    Sequence as SequenceObj,
)
from .sql import qualified, quote_ident

if TYPE_CHECKING:
    from .meta import MetaSnapshot

Record = asyncpg.Record
T = TypeVar("T")

# $1 include schemas (empty: all), $2 exclude schemas. Applied to every query through the namespace alias.
_SCHEMA_FILTER = """
    {ns}.nspname NOT IN ('pg_catalog', 'information_schema')
    AND {ns}.nspname !~ '^pg_(toast|temp_|toast_temp_)'
    AND (cardinality($1::text[]) = 0 OR {ns}.nspname = ANY($1::text[]))
    AND NOT ({ns}.nspname = ANY($2::text[]))
"""

# A hashed anti-join, evaluated once per query (not a probe per row).
_NOT_EXTENSION_MEMBER = """
    {oid} NOT IN (SELECT e.objid FROM pg_depend e WHERE e.classid = '{catalog}'::regclass AND e.deptype = 'e')
"""

_IS_META_TABLE = "({rel}.relname LIKE '\\_\\_dibs\\_%' OR {rel}.relname = '_dibs_migrations')"


def _filter(ns: str) -> str:
    return _SCHEMA_FILTER.format(ns=ns)


def _own(catalog: str, oid: str) -> str:
    return _NOT_EXTENSION_MEMBER.format(catalog=catalog, oid=oid)


def _comment(alias: str, catalog: str, oid: str, sub: str = "0") -> str:
    return (
        f"LEFT JOIN pg_description {alias} ON {alias}.objoid = {oid} "
        f"AND {alias}.classoid = '{catalog}'::regclass AND {alias}.objsubid = {sub}"
    )


# One round trip for the small things: database, version, schemas, extensions, and the default operator
# classes (which an index definition leaves unnamed).
HEADER_SQL = f"""
SELECT current_database() AS db, current_setting('server_version') AS version,
  (SELECT json_agg(json_build_object('name', n.nspname, 'owner', pg_get_userbyid(n.nspowner),
                                     'comment', ds.description) ORDER BY n.nspname)
     FROM pg_namespace n {_comment("ds", "pg_namespace", "n.oid")}
     WHERE {_filter("n")} AND {_own("pg_namespace", "n.oid")})::text AS schemas,
  (SELECT json_agg(json_build_object('name', x.extname, 'schema', n.nspname, 'version', x.extversion)
                   ORDER BY x.extname)
     FROM pg_extension x JOIN pg_namespace n ON n.oid = x.extnamespace
     WHERE x.extname <> 'plpgsql')::text AS extensions,
  (SELECT json_agg(json_build_array(oc.oid::int8, am.amname, oc.opcintype::int8))
     FROM pg_opclass oc JOIN pg_am am ON am.oid = oc.opcmethod WHERE oc.opcdefault)::text AS default_opclasses
"""

TYPES_SQL = f"""
SELECT t.oid, t.typarray AS array_oid, n.nspname AS schema, t.typname AS name, t.typtype::text AS kind,
       ds.description AS comment,
       CASE WHEN t.typtype = 'e' THEN
         (SELECT array_agg(e.enumlabel::text ORDER BY e.enumsortorder) FROM pg_enum e
          WHERE e.enumtypid = t.oid)
       END AS labels,
       CASE WHEN t.typtype = 'd' THEN format_type(t.typbasetype, t.typtypmod) END AS base_type,
       t.typnotnull AS not_null, t.typdefault AS "default",
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
         (SELECT array_agg(c.convalidated ORDER BY c.conname) FROM pg_constraint c
          WHERE c.contypid = t.oid AND c.contype = 'c')
       END AS check_valid
FROM pg_type t
JOIN pg_namespace n ON n.oid = t.typnamespace
LEFT JOIN pg_type bt ON bt.oid = t.typbasetype
{_comment("ds", "pg_type", "t.oid")}
WHERE t.typtype IN ('e', 'd') AND {_filter("n")} AND {_own("pg_type", "t.oid")}
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
{_comment("ds", "pg_class", "c.oid")}
WHERE {_filter("n")} AND {_own("pg_class", "c.oid")} {{only tc.oid}}
ORDER BY 2, 3
"""

RELATIONS_SQL = f"""
SELECT c.oid, c.reltype AS type_oid, n.nspname AS schema, c.relname AS name, c.relkind::text AS kind,
       c.relpersistence::text AS persistence,
       c.reltuples::bigint AS row_estimate, ds.description AS comment,
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
       CASE WHEN c.relkind IN ('v', 'm') THEN pg_get_viewdef(c.oid) END AS view_definition,
       c.reloptions::text[] AS options, c.relrowsecurity AS rls_enabled, c.relforcerowsecurity AS rls_forced
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
{_comment("ds", "pg_class", "c.oid")}
WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') AND {_filter("n")} AND {_own("pg_class", "c.oid")} {{only c.oid}}
  AND NOT {_IS_META_TABLE.format(rel="c")}
ORDER BY 3, 4
"""

# attgenerated 'v' (virtual) exists from PostgreSQL 18; the expression is read the same way for both kinds.
# A default cannot refer to a column, so it is deparsed without its relation (relid 0): with the relation, each
# call opens it and builds its relcache entry, 345 -> 138 ms for 38,000 defaults on a fresh connection.
# Generated expressions do refer to columns and keep their relation.
# Rows of relations the relations query skipped (extension members) are dropped in Python. The builder
# unpacks each row by position (the hottest loop of all): keep the select list in step with _Builder.
# _build_columns.
COLUMNS_SQL = f"""
SELECT a.attrelid AS relid, a.attnum AS position, a.attname AS name,
       format_type(a.atttypid, a.atttypmod) AS type, a.atttypid AS type_oid, a.attnotnull AS not_null,
       CASE WHEN a.attgenerated <> '' THEN pg_get_expr(d.adbin, d.adrelid)
            WHEN a.atthasdef THEN pg_get_expr(d.adbin, 0) END AS default_expr,
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
       ds.description AS comment
FROM pg_attribute a
JOIN pg_class c ON c.oid = a.attrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_type t ON t.oid = a.atttypid
LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
{_comment("ds", "pg_class", "a.attrelid", "a.attnum")}
WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
  AND {_filter("n")} AND NOT {_IS_META_TABLE.format(rel="c")} {{only a.attrelid}}
ORDER BY a.attrelid, a.attnum
"""

# contype 'n' (PostgreSQL 18 NOT NULL constraints) is left out: Column.not_null carries it. Like index
# definitions, those of primary keys, unique constraints and foreign keys are written in Python (see
# _constraint_definition); CHECK and EXCLUDE, and keys with newer clauses, are the server's. An FK's target
# columns are named in Python from the target's columns; only targets this introspection does not return
# (filtered out, extension members, meta tables) are named here.
CONSTRAINTS_SQL = f"""
SELECT co.oid, co.conrelid AS relid, co.conname AS name, co.contype::text AS kind,
       CASE WHEN {{server_definition}} THEN pg_get_constraintdef(co.oid) END AS definition,
       co.conkey::text[] AS keys,
       CASE WHEN co.contype = 'f' THEN pg_table_is_visible(co.confrelid) END AS target_visible,
       CASE WHEN co.contype IN ('p', 'u') THEN i.indkey::int2[]::text[] END AS index_keys,
       i.indnkeyatts AS index_key_count,
       fn.nspname AS target_schema, fc.relname AS target_table,
       co.confrelid AS target_relid, co.confkey::text[] AS target_keys,
       CASE WHEN co.contype = 'f' AND (NOT ({_filter("fn")}) OR {_IS_META_TABLE.format(rel="fc")}
                                       OR NOT {_own("pg_class", "fc.oid")}) THEN
         (SELECT array_agg(a.attname::text ORDER BY k.i) FROM unnest(co.confkey) WITH ORDINALITY k(n, i)
          JOIN pg_attribute a ON a.attrelid = co.confrelid AND a.attnum = k.n) END AS target_columns,
       co.confdeltype::text AS on_delete, co.confupdtype::text AS on_update, co.confmatchtype::text AS match,
       co.condeferrable AS deferrable, co.condeferred AS deferred, co.convalidated AS validated,
       CASE WHEN co.contype IN ('p', 'u', 'x') THEN ic.relname END AS index_name, co.conislocal AS is_local,
       ds.description AS comment, {{nulls_not_distinct}} AS nulls_not_distinct
FROM pg_constraint co
JOIN pg_class c ON c.oid = co.conrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_class ic ON ic.oid = co.conindid
LEFT JOIN pg_class fc ON fc.oid = co.confrelid
LEFT JOIN pg_namespace fn ON fn.oid = fc.relnamespace
LEFT JOIN pg_index i ON i.indexrelid = co.conindid
{_comment("ds", "pg_constraint", "co.oid")}
WHERE co.contype IN ('p', 'u', 'c', 'f', 'x') AND {_filter("n")} AND NOT {_IS_META_TABLE.format(rel="c")} {{only co.conrelid}}
ORDER BY co.conrelid, co.conname
"""

# Key columns travel as attnums and are named in Python from the relation's columns (a subquery per index
# cost as much as pg_get_indexdef itself); only indexes with expressions deparse their keys one by one.
# pg_get_indexdef was half of all server time on a fresh connection (1.1 s for 26,000 indexes: catalog cache
# misses for every index, table and key column). An index of plain columns in a core access method without
# storage options ("plain") has its definition written in Python the way ruleutils.c writes it; the server
# deparses the others, and the plain ones whose operator classes or collations Python cannot vouch for.
# OFFSET 0 keeps the "plain" test from being inlined twice (two scans of pg_attribute); the owning
# constraint is found by a hash join on conindid rather than a probe per index (334 -> 248 ms at 5,000).
INDEXDEF_SQL = "SELECT oid, pg_get_indexdef(oid) AS definition FROM unnest($1::oid[]) AS oid"
INDEXES_SQL = f"""
SELECT i.indexrelid AS oid, i.indrelid AS relid, ic.relname AS name, n.nspname AS table_schema,
       c.relname AS table_name, x.plain,
       CASE WHEN NOT x.plain THEN pg_get_indexdef(i.indexrelid) END AS definition,
       i.indclass::oid[]::text[] AS opclasses, i.indcollation::oid[]::text[] AS collations,
       {{nulls_not_distinct}} AS nulls_not_distinct,
       am.amname AS method, i.indisunique AS is_unique, i.indisprimary AS is_primary, i.indisvalid AS valid,
       i.indnkeyatts AS key_count,
       i.indkey::int2[]::text[] AS keys,
       CASE WHEN i.indexprs IS NOT NULL THEN
         (SELECT array_agg(pg_get_indexdef(i.indexrelid, k, true) ORDER BY k)
            FROM generate_series(1, i.indnatts::int) k) END AS key_texts,
       i.indoption::int2[]::text[] AS key_options,
       CASE WHEN i.indpred IS NOT NULL THEN pg_get_expr(i.indpred, i.indrelid) END AS predicate,
       co.conname AS constraint_name, ds.description AS comment
FROM pg_index i
JOIN pg_class ic ON ic.oid = i.indexrelid
JOIN pg_class c ON c.oid = i.indrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_am am ON am.oid = ic.relam
LEFT JOIN (SELECT k.conindid, k.conname FROM pg_constraint k WHERE k.contype IN ('p', 'u', 'x')) co
     ON co.conindid = i.indexrelid
{_comment("ds", "pg_class", "i.indexrelid")}
CROSS JOIN LATERAL (SELECT ic.relkind = 'i' AND i.indexprs IS NULL AND ic.reloptions IS NULL
  AND am.amname IN ('btree', 'hash', 'gist', 'gin', 'spgist', 'brin')
  AND i.indexrelid NOT IN (SELECT ia.attrelid FROM pg_attribute ia WHERE ia.attoptions IS NOT NULL) AS plain
  OFFSET 0) x
WHERE c.relkind IN ('r', 'p', 'm', 'f') AND {_filter("n")} AND NOT {_IS_META_TABLE.format(rel="c")} {{only i.indrelid}}
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
{_comment("ds", "pg_trigger", "t.oid")}
WHERE NOT t.tgisinternal AND {_filter("n")} AND (t.tgparentid = 0 OR NOT c.relispartition) {{only t.tgrelid}}
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
{_comment("ds", "pg_policy", "p.oid")}
WHERE {_filter("n")} {{only p.polrelid}}
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
                  || '(' || pg_get_function_arguments(p.oid) || ') (' || concat_ws(', ',
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
{_comment("ds", "pg_proc", "p.oid")}
WHERE {_filter("n")} AND {_own("pg_proc", "p.oid")}
ORDER BY 2, 3, 4
"""

# Normal and automatic pg_depend rows between user objects (OID >= 16384, FirstNormalObjectId), as bare OIDs.
# A view's rewrite rule stands for the view, a column default for its column. Dependencies inside one relation
# (an index or a constraint on the table's own columns) are left out: the model already says so. A sequence's
# OWNED BY column stays (the diff drops such sequences with their column). `refobjid::int8` keeps the planner
# off pg_depend's reference index: walking it with per-row filters read ten times the rows of one sequential
# scan (265 -> 94 ms at 5,000 tables); the "own table" exclusions are hashed subplans, not a probe per row.
DEPENDENCIES_SQL = """
SELECT DISTINCT dep_class, dep_oid, dep_sub, d.refclassid::oid AS ref_class, d.refobjid AS ref_oid,
       d.refobjsubid AS ref_sub
FROM (SELECT * FROM pg_depend d0
      WHERE d0.deptype IN ('n', 'a') AND d0.objid >= 16384 AND d0.refobjid::int8 >= 16384
        AND d0.classid IN ('pg_class'::regclass, 'pg_rewrite'::regclass, 'pg_proc'::regclass,
                           'pg_type'::regclass, 'pg_attrdef'::regclass, 'pg_constraint'::regclass,
                           'pg_trigger'::regclass, 'pg_policy'::regclass)
        AND d0.refclassid IN ('pg_class'::regclass, 'pg_proc'::regclass, 'pg_type'::regclass,
                              'pg_constraint'::regclass)) d
LEFT JOIN pg_rewrite rw ON d.classid = 'pg_rewrite'::regclass AND rw.oid = d.objid
LEFT JOIN pg_attrdef ad ON d.classid = 'pg_attrdef'::regclass AND ad.oid = d.objid
-- Anti-joins, not `(objid, refobjid) IN (SELECT ...)`: once pg_constraint outgrows work_mem (about 20,000
-- tables) the IN list stops being hashed and is re-scanned for every row (3 minutes and more); a hash anti-join
-- spills to batches instead and stays linear at any size.
LEFT JOIN pg_index ix  -- an index's own dependency on its table's columns
  ON d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass AND d.deptype = 'a'
     AND d.objsubid = 0 AND d.refobjsubid > 0 AND ix.indexrelid = d.objid AND ix.indrelid = d.refobjid
LEFT JOIN pg_constraint co  -- a constraint's own dependency on its table
  ON d.classid = 'pg_constraint'::regclass AND d.refclassid = 'pg_class'::regclass
     AND co.oid = d.objid AND co.conrelid = d.refobjid
CROSS JOIN LATERAL (SELECT
    CASE WHEN rw.oid IS NOT NULL OR ad.oid IS NOT NULL THEN 'pg_class'::regclass::oid ELSE d.classid END
      AS dep_class,
    COALESCE(rw.ev_class, ad.adrelid, d.objid) AS dep_oid,
    CASE WHEN ad.oid IS NOT NULL THEN ad.adnum::int ELSE d.objsubid END AS dep_sub) x
WHERE ix.indexrelid IS NULL AND co.oid IS NULL
  AND NOT (rw.oid IS NOT NULL AND rw.ev_class = d.refobjid)
  AND NOT (ad.oid IS NOT NULL AND ad.adrelid = d.refobjid AND d.refclassid = 'pg_class'::regclass)
"""

_KINDS = {
    "r": RelationKind.TABLE,
    "p": RelationKind.PARTITIONED,
    "v": RelationKind.VIEW,
    "m": RelationKind.MATVIEW,
    "f": RelationKind.FOREIGN,
}
_CONSTRAINT_KINDS = {
    "p": ConstraintKind.PRIMARY_KEY,
    "u": ConstraintKind.UNIQUE,
    "c": ConstraintKind.CHECK,
    "f": ConstraintKind.FOREIGN_KEY,
    "x": ConstraintKind.EXCLUSION,
}
_FK_ACTIONS = {"a": "NO ACTION", "r": "RESTRICT", "c": "CASCADE", "n": "SET NULL", "d": "SET DEFAULT"}
_FK_MATCH = {"s": "SIMPLE", "f": "FULL", "p": "PARTIAL"}
_IDENTITY = {"a": Identity.ALWAYS, "d": Identity.BY_DEFAULT}
_GENERATED = {"s": Generated.STORED, "v": Generated.VIRTUAL}
# The queries in _queries(); a test proves it does not grow with the catalog. One more (INDEXDEF_SQL) runs
# when some index definitions need the server's deparser, whatever their number.
QUERY_COUNT = 11


# Only some relations (the browser's first card, before the whole catalog is in): `{only <oid column>}` in a
# query becomes a filter on $3, their OIDs, which the catalog indexes answer directly.
_ONLY = re.compile(r"\{only ([a-z_.]+)\}")
_NOTHING = "SELECT NULL WHERE false"
RELATION_OIDS_SQL = """
SELECT array_agg(c.oid) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE (n.nspname, c.relname) IN (SELECT * FROM unnest($1::text[], $2::text[]))
"""


def _queries(version_num: int, *, only_relations: bool = False) -> dict[str, str]:
    """The SQL of every query, for this server version; with `only_relations`, restricted to the relations
    in $3/$4 (their columns, constraints, indexes, triggers, policies and owned sequences), without functions
    and dependencies."""
    nnd = "i.indnullsnotdistinct" if version_num >= 150000 else "false"
    server_definition = "co.contype IN ('c', 'x')"
    if version_num >= 150000:  # ON DELETE SET NULL (columns)
        server_definition += " OR co.confdelsetcols IS NOT NULL"
    if version_num >= 180000:  # WITHOUT OVERLAPS / PERIOD, NOT ENFORCED
        server_definition += " OR co.conperiod OR NOT co.conenforced"
    queries = {
        "header": HEADER_SQL,
        "types": TYPES_SQL,
        "sequences": SEQUENCES_SQL,
        "relations": RELATIONS_SQL,
        "columns": COLUMNS_SQL,
        "constraints": CONSTRAINTS_SQL.replace("{nulls_not_distinct}", f"COALESCE({nnd}, false)").replace(
            "{server_definition}", server_definition
        ),
        "indexes": INDEXES_SQL.replace("{nulls_not_distinct}", nnd if version_num >= 150000 else "false"),
        "triggers": TRIGGERS_SQL,
        "policies": POLICIES_SQL,
        "functions": _NOTHING if only_relations else FUNCTIONS_SQL,
        "dependencies": _NOTHING if only_relations else DEPENDENCIES_SQL,
        _INDEX_DEFINITIONS: "",  # a step, not a query (see _Builder.deparse_indexes)
    }
    return {
        name: _ONLY.sub(lambda m: f"AND {m[1]} = ANY($3::oid[])" if only_relations else "", sql)
        for name, sql in queries.items()
    }


# How the queries split over parallel connections (group i runs on connection i modulo their number). Each
# group starts with a heavy query so that the server deparses on every core at once, and the columns come
# first: turning them into the model is most of the Python work, done while the other queries still run.
_GROUPS = (
    ("columns", "constraints", "triggers", "policies"),
    (
        "indexes",
        "header",
        "types",
        "relations",
        "index_definitions",
        "sequences",
        "dependencies",
        "functions",
    ),
)
_META = "meta"  # not a query: core.meta.read_meta, run as a step of the last group
_INDEX_DEFINITIONS = "index_definitions"  # INDEXDEF_SQL, once the indexes are built, for those that need it
_CHUNK = 2000  # rows turned into model objects between two chances for the event loop to read the sockets


async def _fetch_group(
    conn: asyncpg.Connection,
    queries: dict[str, str],
    names: Iterable[str],
    include: list[str],
    exclude: list[str],
    builder: _Builder,
) -> None:
    """Run the queries one after the other; each result is handed to the builder as a task of its own, so
    the next query is on the server while Python builds model objects from the previous one."""
    for name in names:
        if name == _META:
            from .meta import read_meta

            builder.meta = await read_meta(conn)
            continue
        if name == _INDEX_DEFINITIONS:
            await builder.deparse_indexes(conn)
            continue
        sql = queries[name]
        args: list[Any] = [include, exclude] if "$1" in sql else []
        if "$3" in sql:
            args.append(builder.only_oids)
        builder.consume(name, await conn.fetch(sql, *args))


async def _fetch_all(
    conn: asyncpg.Connection,
    extra: Sequence[asyncpg.Connection],
    queries: dict[str, str],
    include: list[str],
    exclude: list[str],
    builder: _Builder,
) -> None:
    """Run the queries in one repeatable-read snapshot, so that the kinds agree with each other.

    With extra connections, the snapshot is exported from `conn` and imported by each of them, and the query
    groups run concurrently: the server deparses on several cores while Python builds the model.
    """
    async with conn.transaction(isolation="repeatable_read", readonly=True):
        extra_steps = [name for name in queries if all(name not in group for group in _GROUPS)]
        if not extra:
            await _fetch_group(
                conn, queries, [*(n for g in _GROUPS for n in g), *extra_steps], include, exclude, builder
            )
            return
        snapshot = await conn.fetchval("SELECT pg_export_snapshot()")
        connections = [conn, *extra]
        groups: list[list[str]] = [[] for _ in connections]
        for number, group in enumerate(_GROUPS):
            groups[number % len(connections)].extend(group)
        groups[0].extend(extra_steps)  # the meta tables: the columns' group ends first

        async def on_extra(other: asyncpg.Connection, names: list[str]) -> None:
            async with other.transaction(isolation="repeatable_read", readonly=True):
                await other.execute(f"SET TRANSACTION SNAPSHOT '{snapshot}'")
                await _fetch_group(other, queries, names, include, exclude, builder)

        # Every group ends before the first failure is raised: a connection must not be rolled back while
        # its query still runs.
        outcomes = await asyncio.gather(
            _fetch_group(conn, queries, groups[0], include, exclude, builder),
            *(on_extra(other, names) for other, names in zip(extra, groups[1:], strict=True)),
            return_exceptions=True,
        )
        for outcome in outcomes:
            if isinstance(outcome, BaseException):
                raise outcome


async def introspect(
    conn: asyncpg.Connection,
    *,
    include_schemas: Iterable[str] = (),
    exclude_schemas: Iterable[str] = (),
    extra_connections: Sequence[asyncpg.Connection] = (),
) -> Catalog:
    """The live catalog of the database behind `conn`, as a frozen model (no meta-table provenance).

    `extra_connections` (one is used; more do not pay on two cores) let the queries run concurrently; the
    result is the same. The cyclic garbage collector is paused meanwhile: the model is a tree of a few hundred
    thousand new objects, and the collections they would trigger cost more than the build itself.
    """
    catalog, _ = await _introspect(conn, include_schemas, exclude_schemas, extra_connections, only=None)
    return catalog


async def introspect_relations(conn: asyncpg.Connection, keys: Iterable[QualifiedName]) -> Catalog:
    """A catalog holding only these relations, whole (columns, constraints, indexes, triggers, policies,
    owned sequences, and every enum and domain), without functions and dependencies: what the browser needs
    to draw one table's card while the whole catalog is still loading. Same queries, filtered in SQL."""
    catalog, _ = await _introspect(conn, (), (), (), only=tuple(keys))
    return catalog


async def _introspect(
    conn: asyncpg.Connection,
    include_schemas: Iterable[str],
    exclude_schemas: Iterable[str],
    extra_connections: Sequence[asyncpg.Connection],
    only: tuple[QualifiedName, ...] | None,
    *,
    with_meta: bool = False,
) -> tuple[Catalog, MetaSnapshot | None]:
    """The catalog, and with `with_meta` the meta tables' snapshot, read in the same transaction after the
    lighter group of queries (not after all of them)."""
    version = conn.get_server_version()
    version_num = version.major * 10000 + version.minor if version.major >= 10 else 0
    gc_was_enabled = gc.isenabled()
    gc.disable()
    oids: list[int] = []
    if only:
        keys = list(only)
        oids = await conn.fetchval(RELATION_OIDS_SQL, [k[0] for k in keys], [k[1] for k in keys]) or []
    builder = _Builder(oids)
    try:
        queries = _queries(version_num, only_relations=only is not None)
        if with_meta:
            queries[_META] = ""
        await _fetch_all(
            conn,
            list(extra_connections)[: len(_GROUPS) - 1],
            queries,
            list(include_schemas),
            list(exclude_schemas),
            builder,
        )
        return await builder.catalog(), builder.meta
    finally:
        builder.cancel()
        if gc_was_enabled:
            # Built with the GC off, the whole model is in the youngest generation: the first collection
            # after enabling would scan all of it (half a second at 5,000 tables, in the middle of whatever
            # runs next). The model is immutable and acyclic, so it is frozen out of the GC's reach instead;
            # reference counting still frees it.
            gc.freeze()
            gc.enable()


class _Builder:
    """Turns each query's rows into model objects as they arrive, in chunks that let the sockets be read.

    Columns are built first; constraints and indexes wait for them (their keys arrive as attnums). Rows are
    dropped once used: at 5,000 tables, records and model are not both held in full. The relations themselves
    and the dependencies are assembled at the end, when every part is there.
    """

    def __init__(self, only_oids: Sequence[int] = ()) -> None:
        self.only_oids = list(only_oids)  # the relations asked for, when not the whole catalog
        self.meta: MetaSnapshot | None = None
        self._rows: dict[str, Sequence[Record]] = {}
        self._tasks: list[asyncio.Task[None]] = []
        self._arrived: dict[str, asyncio.Event] = defaultdict(asyncio.Event)
        self._columns: dict[int, list[Column]] = defaultdict(list)
        self._names: dict[int, dict[int, str]] = {}
        self._keys: dict[int, dict[int, _KeyColumn]] = {}
        self._constraints: dict[int, list[Constraint]] = defaultdict(list)
        self._indexes: dict[int, list[Index | None]] = defaultdict(list)
        self._deparse: dict[int, tuple[int, int, Record]] = {}  # index OID -> (relid, slot, row)
        self._parts: list[tuple[str, int, int, str, str]] = []  # (catalog, oid, relid, kind, name)
        self._relations: list[Relation] = []
        self._resolver = _Resolver()

    def consume(self, name: str, rows: Sequence[Record]) -> None:
        self._tasks.append(asyncio.ensure_future(self._consume(name, rows)))

    def cancel(self) -> None:
        """Stop the builds still waiting for a result that will not come (a query failed)."""
        for task in self._tasks:
            task.cancel()

    async def _wait(self, *names: str) -> None:
        for name in names:
            await self._arrived[name].wait()

    async def _consume(self, name: str, rows: Sequence[Record]) -> None:
        try:
            await self._build(name, rows)
        finally:  # a failed build must not leave the others waiting: catalog() raises its error
            self._arrived[name].set()

    async def _build(self, name: str, rows: Sequence[Record]) -> None:
        if name == "columns":
            await self._build_columns(rows)
        elif name == "constraints":
            await self._wait("columns")
            names = self._names
            for number, c in enumerate(rows, 1):
                relid = c["relid"]
                self._constraints[relid].append(_constraint(c, names.get(relid, {}), names))
                self._parts.append(("pg_constraint", c["oid"], relid, "constraint", c["name"]))
                if number % _CHUNK == 0:
                    await asyncio.sleep(0)
        elif name == "indexes":
            await self._wait("columns", "header", "types")
            writer = _IndexWriter(self._rows["header"][0]["default_opclasses"], self._rows["types"])
            for number, i in enumerate(rows, 1):
                relid = i["relid"]
                keys = self._keys.get(relid, {})
                definition = i["definition"] or writer.definition(i, keys)
                slots = self._indexes[relid]
                if definition is None:  # the server deparses it (deparse_indexes)
                    self._deparse[i["oid"]] = (relid, len(slots), i)
                    slots.append(None)
                else:
                    slots.append(_index(i, keys, definition))
                self._parts.append(("pg_class", i["oid"], relid, "index", i["name"]))
                if number % _CHUNK == 0:
                    await asyncio.sleep(0)
        elif name == "relations":
            await self._build_relations(rows)
        else:
            self._rows[name] = rows

    async def _build_columns(self, rows: Sequence[Record]) -> None:
        """Columns by relation (rows come ordered by relation and attnum), unpacked by position."""
        new, no_meta, key_column = _new_column, MetaStatus.NO_META, _KeyColumn
        current = None
        rel_columns: list[Column] = []
        rel_keys: dict[int, _KeyColumn] = {}
        for number, row in enumerate(rows, 1):
            (
                relid,
                position,
                name,
                type_,
                type_oid,
                not_null,
                expression,
                identity_code,
                generated_code,
                collation,
                type_key,
                comment,
            ) = row
            if relid != current:
                current, rel_columns, rel_keys = relid, self._columns[relid], self._keys.setdefault(relid, {})
            if identity_code or generated_code:
                identity, generated = _IDENTITY.get(identity_code), _GENERATED.get(generated_code)
                column = new(
                    position,
                    name,
                    type_,
                    not_null,
                    None if identity or generated else expression,
                    identity,
                    generated,
                    expression if generated else None,
                    collation,
                    (type_key[0], type_key[1]) if type_key else None,
                    comment,
                    None,
                    no_meta,
                )
            else:
                column = new(
                    position,
                    name,
                    type_,
                    not_null,
                    expression,
                    None,
                    None,
                    None,
                    collation,
                    (type_key[0], type_key[1]) if type_key else None,
                    comment,
                    None,
                    no_meta,
                )
            rel_columns.append(column)
            rel_keys[position] = key_column(column, type_oid)
            if number % _CHUNK == 0:
                await asyncio.sleep(0)
        self._names = {oid: {c.position: c.name for c in cols} for oid, cols in self._columns.items()}

    async def deparse_indexes(self, conn: asyncpg.Connection) -> None:
        """Have the server write the index definitions Python could not (one query, on the group's
        connection, once the indexes are built)."""
        try:
            await self._wait("indexes")
            if self._deparse:
                for row in await conn.fetch(INDEXDEF_SQL, list(self._deparse)):
                    relid, slot, record = self._deparse[row["oid"]]
                    self._indexes[relid][slot] = _index(record, self._keys.get(relid, {}), row["definition"])
        finally:
            self._arrived[_INDEX_DEFINITIONS].set()

    async def _build_relations(self, rows: Sequence[Record]) -> None:
        """The relations, as soon as all their parts are in (before dependencies and functions)."""
        await self._wait("columns", "constraints", _INDEX_DEFINITIONS, "triggers", "policies")
        triggers, policies = _group(self._rows["triggers"]), _group(self._rows["policies"])
        resolver = self._resolver
        for number, r in enumerate(rows, 1):
            oid = r["oid"]
            rel_triggers, rel_policies = triggers.pop(oid, ()), policies.pop(oid, ())
            indexes = [i for i in self._indexes.pop(oid, ()) if i is not None]
            rel = _relation(
                r,
                self._columns.pop(oid, ()),
                self._constraints.pop(oid, ()),
                indexes,
                rel_triggers,
                rel_policies,
            )
            self._relations.append(rel)
            resolver.add_relation(oid, r["type_oid"], rel, self._names.get(oid, {}))
            for t in rel_triggers:
                resolver.add("pg_trigger", t["oid"], ObjectRef("trigger", rel.schema, rel.name, t["name"]))
            for p in rel_policies:
                resolver.add("pg_policy", p["oid"], ObjectRef("policy", rel.schema, rel.name, p["name"]))
            if number % _CHUNK == 0:
                await asyncio.sleep(0)
        resolver.add_parts(self._parts)

    async def catalog(self) -> Catalog:
        await asyncio.gather(*self._tasks)
        rows = self._rows
        header = rows["header"][0]
        resolver = self._resolver
        relations = self._relations
        enums: list[EnumType] = []
        domains: list[Domain] = []
        for t in rows["types"]:
            resolver.add("pg_type", t["oid"], ObjectRef("type", t["schema"], t["name"]))
            resolver.add("pg_type", t["array_oid"], ObjectRef("type", t["schema"], t["name"]))
            if t["kind"] == "e":
                enums.append(EnumType(t["schema"], t["name"], tuple(t["labels"] or ()), t["comment"]))
            else:
                checks = tuple(
                    DomainCheck(name, definition, valid)
                    for name, definition, valid in zip(
                        t["check_names"] or (), t["check_defs"] or (), t["check_valid"] or (), strict=True
                    )
                )
                domains.append(
                    Domain(
                        t["schema"],
                        t["name"],
                        t["base_type"],
                        t["not_null"],
                        t["default"],
                        t["collation"],
                        checks,
                        t["comment"],
                    )
                )
        sequences = []
        for r in rows["sequences"]:
            sequences.append(_sequence(r))
            resolver.add("pg_class", r["oid"], ObjectRef("sequence", r["schema"], r["name"]))
        functions = []
        for r in rows["functions"]:
            fn = Function(
                r["schema"],
                r["name"],
                r["identity_arguments"],
                r["result"],
                r["language"],
                r["kind"],
                r["definition"],
                r["comment"],
            )
            functions.append(fn)
            resolver.add(
                "pg_proc", r["oid"], ObjectRef("function", fn.schema, fn.name, fn.identity_arguments)
            )
        return Catalog(
            database=header["db"],
            server_version=header["version"],
            schemas=tuple(
                Schema(s["name"], s["owner"], s["comment"]) for s in json.loads(header["schemas"] or "[]")
            ),
            extensions=tuple(
                Extension(x["name"], x["schema"], x["version"])
                for x in json.loads(header["extensions"] or "[]")
            ),
            enums=tuple(enums),
            domains=tuple(domains),
            sequences=tuple(sequences),
            relations=tuple(relations),
            functions=tuple(functions),
            dependencies=resolver.dependencies(rows["dependencies"]),
        )


def _group(rows: Sequence[Record]) -> dict[int, list[Record]]:
    grouped: dict[int, list[Record]] = defaultdict(list)
    for row in rows:
        grouped[row["relid"]].append(row)
    return grouped


class _Resolver:
    """Maps pg_depend's (catalog, oid, sub) to the ObjectRefs of objects this introspection returned."""

    def __init__(self) -> None:
        self._refs: dict[tuple[str, int], ObjectRef] = {}
        self._columns: dict[int, dict[int, str]] = {}
        self._relations: dict[int, Relation] = {}
        self._parts: dict[tuple[str, int], tuple[int, str, str]] = {}

    def add(self, catalog: str, oid: int, ref: ObjectRef) -> None:
        self._refs[(catalog, oid)] = ref

    def add_relation(self, oid: int, type_oid: int, rel: Relation, names: dict[int, str]) -> None:
        schema, name = rel.schema, rel.name
        self._refs[("pg_class", oid)] = ObjectRef("table", schema, name)
        if type_oid:  # a function returning SETOF the table's row type depends on the table
            self._refs[("pg_type", type_oid)] = ObjectRef("table", schema, name)
        self._columns[oid] = names
        self._relations[oid] = rel

    def add_parts(self, parts: Iterable[tuple[str, int, int, str, str]]) -> None:
        """Constraints and indexes, by the OID of their relation; their refs are made when a dependency
        names them (few do: 55,000 parts, a few hundred referenced at 5,000 tables)."""
        self._parts.update(((catalog, oid), (relid, kind, name)) for catalog, oid, relid, kind, name in parts)

    def _ref(self, key: tuple[str, int]) -> ObjectRef | None:
        ref = self._refs.get(key)
        if ref is None and key in self._parts:
            relid, kind, name = self._parts[key]
            rel = self._relations.get(relid)  # None: a part of a relation this introspection skipped
            if rel is not None:
                ref = self._refs[key] = ObjectRef(kind, rel.schema, rel.name, name)
        return ref

    def _resolve(self, catalog: str, oid: int, sub: int) -> ObjectRef | None:
        ref = self._ref((catalog, oid))
        if ref is None or sub == 0 or ref.kind != "table":
            return ref
        column = self._columns.get(oid, {}).get(sub)
        return ObjectRef("column", ref.schema, ref.name, column) if column else None

    def dependencies(self, rows: Sequence[Record]) -> tuple[Dependency, ...]:
        out: dict[tuple[ObjectRef, ObjectRef], Dependency] = {}
        for row in rows:
            dependent = self._resolve(_CATALOGS.get(row["dep_class"], ""), row["dep_oid"], row["dep_sub"])
            referenced = self._resolve(_CATALOGS.get(row["ref_class"], ""), row["ref_oid"], row["ref_sub"])
            if dependent is None or referenced is None or dependent == referenced:
                continue
            if (dependent, referenced) not in out:
                out[(dependent, referenced)] = Dependency(dependent, referenced)
        return tuple(out.values())


# The OIDs of the system catalogs are fixed at initdb (pg_class 1259, pg_proc 1255, ...) on every version.
_CATALOGS = {
    1259: "pg_class",
    1255: "pg_proc",
    1247: "pg_type",
    2606: "pg_constraint",
    2620: "pg_trigger",
    3256: "pg_policy",
}


def _sequence(r: Record) -> SequenceObj:
    owned = ColumnRef(r["owner_schema"], r["owner_table"], r["owner_column"]) if r["owner_table"] else None
    return SequenceObj(
        r["schema"],
        r["name"],
        r["data_type"],
        r["start"],
        r["increment"],
        r["min_value"],
        r["max_value"],
        r["cache"],
        r["cycle"],
        owned,
        bool(r["is_identity"]),
        r["comment"],
    )


def _relation(
    r: Record,
    columns: Iterable[Column],
    constraints: Iterable[Constraint],
    indexes: Iterable[Index],
    triggers: Iterable[Record],
    policies: Iterable[Record],
) -> Relation:
    parents = tuple(zip(r["parent_schemas"] or (), r["parent_names"] or (), strict=True))
    is_partition = bool(r["is_partition"])
    return Relation(
        schema=r["schema"],
        name=r["name"],
        kind=_KINDS[r["kind"]],
        columns=tuple(columns),
        constraints=tuple(constraints),
        indexes=tuple(indexes),
        triggers=tuple(
            Trigger(
                t["name"],
                t["definition"],
                t["function_schema"],
                t["function_name"],
                t["enabled"],
                t["is_constraint"],
                t["comment"],
            )
            for t in triggers
        ),
        policies=tuple(
            Policy(
                p["name"],
                p["command"],
                p["permissive"],
                tuple(p["roles"] or ()),
                p["using_expr"],
                p["check_expr"],
                p["comment"],
            )
            for p in policies
        ),
        persistence=r["persistence"],
        row_estimate=r["row_estimate"],
        comment=r["comment"],
        partition_key=r["partition_key"],
        partition_of=parents[0] if is_partition and parents else None,
        partition_bound=r["partition_bound"],
        inherits=() if is_partition else parents,
        view_definition=r["view_definition"],
        options=tuple(r["options"] or ()),
        rls_enabled=r["rls_enabled"],
        rls_forced=r["rls_forced"],
    )


def _constructor(cls: type[T]) -> Callable[..., T]:
    """A positional constructor (every field, in order) for a frozen model dataclass, for the hot loops.

    The object is built as an instance of a plain twin class, whose attribute stores are the interpreter's
    fastest path, then given its real class (`__class__` assignment between layout-compatible classes is
    ordinary Python). A frozen dataclass's own __init__ calls object.__setattr__ once per field: 95,000
    columns took 0.21 s that way, 0.07 s this way. The result equals cls(*values) (a test checks it).
    """
    names = [f.name for f in dataclasses.fields(cls)]  # type: ignore[arg-type]
    body = "".join(f"    self.{name} = {name}\n" for name in names)
    source = (
        f"class Twin:\n    pass\n\n\ndef new({', '.join(names)}):\n    self = _new(Twin)\n{body}"
        "    self.__class__ = _cls\n    return self\n"
    )
    namespace: dict[str, Any] = {"_new": object.__new__, "_cls": cls}
    exec(source, namespace)  # noqa: S102 - the model's own field names only
    return cast(Callable[..., T], namespace["new"])


_new_column = _constructor(Column)
_new_constraint = _constructor(Constraint)
_new_index = _constructor(Index)
_new_foreign_key = _constructor(ForeignKey)


def _constraint(c: Record, names: dict[int, str], column_names: dict[int, dict[int, str]]) -> Constraint:
    kind = _CONSTRAINT_KINDS[c["kind"]]
    fk = None
    if kind is ConstraintKind.FOREIGN_KEY:
        target_columns = c["target_columns"]
        if target_columns is None:
            target_names = column_names.get(c["target_relid"], {})
            target_columns = [target_names[int(k)] for k in c["target_keys"] or ()]
        fk = _new_foreign_key(
            c["target_schema"],
            c["target_table"],
            tuple(target_columns),
            _FK_ACTIONS.get((c["on_delete"]), "NO ACTION"),
            _FK_ACTIONS.get((c["on_update"]), "NO ACTION"),
            _FK_MATCH.get((c["match"]), "SIMPLE"),
        )
    columns = tuple(names[int(k)] for k in c["keys"] or () if int(k) in names)
    definition = c["definition"] or _constraint_definition(c, kind, columns, fk, names)
    return _new_constraint(
        c["name"],
        kind,
        columns,
        definition,
        fk,
        c["deferrable"],
        c["deferred"],
        c["validated"],
        bool(c["nulls_not_distinct"]),
        c["index_name"],
        not c["is_local"],  # is_inherited
        c["comment"],
    )


_FK_CLAUSES = {"r": "RESTRICT", "c": "CASCADE", "n": "SET NULL", "d": "SET DEFAULT"}  # 'a' (NO ACTION): none


def _constraint_definition(
    c: Record, kind: ConstraintKind, columns: tuple[str, ...], fk: ForeignKey | None, names: dict[int, str]
) -> str:
    """pg_get_constraintdef's text for a primary key, unique constraint or foreign key, as ruleutils.c writes
    it: the server's per-constraint catalog lookups were a third of its time on a fresh connection."""
    keys = ", ".join(quote_ident(name) for name in columns)
    if fk is None:
        head = "PRIMARY KEY" if kind is ConstraintKind.PRIMARY_KEY else "UNIQUE"
        if c["nulls_not_distinct"]:
            head += " NULLS NOT DISTINCT"
        text = f"{head} ({keys})"
        included = (c["index_keys"] or ())[c["index_key_count"] :]
        if included:
            text += " INCLUDE (" + ", ".join(quote_ident(names[int(k)]) for k in included) + ")"
    else:
        target = (
            quote_ident(fk.target_table)
            if c["target_visible"]
            else qualified(fk.target_schema, fk.target_table)
        )
        text = f"FOREIGN KEY ({keys}) REFERENCES {target}({', '.join(map(quote_ident, fk.target_columns))})"
        if c["match"] != "s":
            text += f" MATCH {_FK_MATCH[c['match']]}"
        if c["on_update"] in _FK_CLAUSES:
            text += f" ON UPDATE {_FK_CLAUSES[c['on_update']]}"
        if c["on_delete"] in _FK_CLAUSES:
            text += f" ON DELETE {_FK_CLAUSES[c['on_delete']]}"
    if c["deferrable"]:
        text += " DEFERRABLE"
    if c["deferred"]:
        text += " INITIALLY DEFERRED"
    if not c["validated"]:
        text += " NOT VALID"
    return text


class _KeyColumn(NamedTuple):
    column: Column
    type_oid: int


# Operator-class input types that stand for a family of types (GetDefaultOpClass matches them by coercion).
_ANYARRAY, _ANYENUM, _TEXT, _VARCHAR = 2277, 3500, 25, 1043
_DEFAULT_COLLATIONS = ("0", "100")  # none (type not collatable), "default"


class _IndexWriter:
    """Writes pg_get_indexdef's text for a plain index, or None when only the server can be sure of it.

    Follows ruleutils.c: `CREATE [UNIQUE] INDEX name ON schema.table USING method (keys) [INCLUDE (...)]
    [NULLS NOT DISTINCT] [WHERE predicate]`, a key's operator class named unless it is the default for the
    column's type (an exact default wins; else varchar -> text, an enum -> anyenum, an array -> anyarray),
    COLLATE only when the index's collation is not the column's, DESC / NULLS only for btree. Anything else
    (domains, ranges, explicit collations, non-default operator classes) is left to the server.
    """

    def __init__(self, default_opclasses: str | None, types: Sequence[Record]) -> None:
        self._defaults: dict[int, tuple[str, int]] = {}  # opclass OID -> (access method, input type)
        self._exact: set[tuple[str, int]] = set()  # (access method, type) with a default of exactly that type
        for oid, method, input_type in json.loads(default_opclasses or "[]"):
            self._defaults[oid] = (method, input_type)
            self._exact.add((method, input_type))
        self._enums = {t["oid"] for t in types if t["kind"] == "e"}

    def _default_for(self, opclass: int, method: str, key: _KeyColumn) -> bool:
        entry = self._defaults.get(opclass)
        if entry is None or entry[0] != method:
            return False
        input_type, type_oid = entry[1], key.type_oid
        if input_type == type_oid:
            return True
        if (method, type_oid) in self._exact:
            return False
        if input_type == _TEXT:
            return type_oid == _VARCHAR
        if input_type == _ANYENUM:
            return type_oid in self._enums
        return input_type == _ANYARRAY and key.column.type.endswith("]")

    def definition(self, i: Record, keys: dict[int, _KeyColumn]) -> str | None:
        method, key_count = i["method"], i["key_count"]
        parts: list[str] = []
        for n, attnum in enumerate(i["keys"] or ()):
            key = keys.get(int(attnum))
            if key is None:
                return None
            text = quote_ident(key.column.name)
            if n < key_count:
                if key.column.collation is not None or i["collations"][n] not in _DEFAULT_COLLATIONS:
                    return None
                if not self._default_for(int(i["opclasses"][n]), method, key):
                    return None
                if method == "btree":
                    flags = int(i["key_options"][n])
                    if flags & 1:
                        text += " DESC" if flags & 2 else " DESC NULLS LAST"
                    elif flags & 2:
                        text += " NULLS FIRST"
            parts.append(text)
        columns = ", ".join(parts[:key_count])
        if len(parts) > key_count:
            columns += ") INCLUDE (" + ", ".join(parts[key_count:])
        unique = "UNIQUE " if i["is_unique"] else ""
        sql = (
            f"CREATE {unique}INDEX {quote_ident(i['name'])} ON "
            f"{qualified(i['table_schema'], i['table_name'])} USING {method} ({columns})"
        )
        if i["nulls_not_distinct"]:
            sql += " NULLS NOT DISTINCT"
        if i["predicate"] is not None:
            sql += f" WHERE {i['predicate']}"
        return sql


def _index(i: Record, keys: dict[int, _KeyColumn], definition: str) -> Index:
    texts = i["key_texts"]  # deparsed keys, only for indexes with expressions (attnum 0)
    if texts is None:
        all_columns = tuple([keys[int(attnum)].column.name for attnum in i["keys"] or ()])
    else:
        all_columns = tuple(
            texts[n] if attnum == "0" else keys[int(attnum)].column.name
            for n, attnum in enumerate(i["keys"] or ())
        )
    key_count = i["key_count"]
    options = tuple(
        [
            _INDEX_OPTIONS[o] if o in _INDEX_OPTIONS else _index_option(int(o))
            for o in (i["key_options"] or ())[:key_count]
        ]
    )
    return _new_index(
        i["name"],
        all_columns[:key_count],
        definition,
        i["method"],
        i["is_unique"],
        i["is_primary"],
        i["predicate"],
        all_columns[key_count:],  # include
        options,
        i["constraint_name"],
        i["valid"],
        i["comment"],
        None,  # provenance: core.meta attaches it
    )


def _index_option(flags: int) -> str:
    """pg_index.indoption bits: 1 DESC, 2 NULLS FIRST. Defaults (ASC, NULLS LAST for ASC) give ''."""
    desc, nulls_first = bool(flags & 1), bool(flags & 2)
    parts = ["DESC"] if desc else []
    if nulls_first and not desc:
        parts.append("NULLS FIRST")
    elif desc and not nulls_first:
        parts.append("NULLS LAST")
    return " ".join(parts)


_INDEX_OPTIONS = {str(flags): _index_option(flags) for flags in range(4)}  # indoption values, as text


async def load_catalog(
    conn: asyncpg.Connection,
    *,
    include_schemas: Iterable[str] = (),
    exclude_schemas: Iterable[str] = (),
    extra_connections: Sequence[asyncpg.Connection] = (),
) -> Catalog:
    """The live catalog with the meta tables' provenance, stale and untracked objects attached (core.meta)."""
    from .meta import apply_meta

    catalog, snapshot = await _introspect(
        conn, include_schemas, exclude_schemas, extra_connections, only=None, with_meta=True
    )
    assert snapshot is not None
    return apply_meta(catalog, snapshot)


async def read_catalog(
    conn: asyncpg.Connection,
    *,
    include_schemas: Iterable[str] = (),
    exclude_schemas: Iterable[str] = (),
    extra_connections: Sequence[asyncpg.Connection] = (),
) -> tuple[Catalog, MetaSnapshot]:
    """The catalog without provenance, and what the meta tables hold, read in one snapshot (the diff)."""
    catalog, snapshot = await _introspect(
        conn, include_schemas, exclude_schemas, extra_connections, only=None, with_meta=True
    )
    assert snapshot is not None
    return catalog, snapshot


async def load_relations(conn: asyncpg.Connection, keys: Iterable[QualifiedName]) -> Catalog:
    """introspect_relations with the meta tables' provenance attached. Stale and untracked lists are left
    empty: they are only meaningful against the whole catalog."""
    from .meta import apply_meta

    partial, snapshot = await _introspect(conn, (), (), (), only=tuple(keys), with_meta=True)
    assert snapshot is not None
    catalog = apply_meta(partial, snapshot)
    return dataclasses.replace(catalog, meta=dataclasses.replace(catalog.meta, stale=(), untracked=()))


RELATION_LIST_SQL = f"""
SELECT n.nspname AS schema, c.relname AS name, c.relkind::text AS kind, c.reltuples::bigint AS row_estimate,
       pn.nspname AS parent_schema, p.relname AS parent_name
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_inherits i ON c.relispartition AND i.inhrelid = c.oid
LEFT JOIN pg_class p ON p.oid = i.inhparent
LEFT JOIN pg_namespace pn ON pn.oid = p.relnamespace
WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') AND {_filter("n")} AND {_own("pg_class", "c.oid")}
  AND NOT {_IS_META_TABLE.format(rel="c")}
ORDER BY 1, 2
"""


async def list_relations(
    conn: asyncpg.Connection, *, include_schemas: Iterable[str] = (), exclude_schemas: Iterable[str] = ()
) -> Catalog:
    """Only the relations' names, kinds, row estimates and partition parents, in one cheap query.

    What the browser paints first: at 5,000 tables the full catalog takes seconds, the list of names
    milliseconds. Relations come without columns or constraints; the full catalog replaces this one.
    """
    rows = await conn.fetch(RELATION_LIST_SQL, list(include_schemas), list(exclude_schemas))
    return Catalog(
        relations=tuple(
            Relation(
                schema=r["schema"],
                name=r["name"],
                kind=_KINDS[r["kind"]],
                row_estimate=r["row_estimate"],
                partition_of=(r["parent_schema"], r["parent_name"]) if r["parent_name"] else None,
            )
            for r in rows
        )
    )


__all__ = [
    "QUERY_COUNT",
    "introspect",
    "introspect_relations",
    "list_relations",
    "load_catalog",
    "load_relations",
    "read_catalog",
]
