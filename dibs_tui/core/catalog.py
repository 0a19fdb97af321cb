"""Introspection: the whole schema in a constant number of set-based pg_catalog queries.

Nine queries, whatever the number of tables, each returning one row per object of a kind; Python only groups
rows by relation OID and builds the frozen model. No information_schema (its views join far more than we need
and are slow at 10,000 tables), no query per table. Array results are cast to text[] so asyncpg never has to
introspect `name[]`/`int2[]` on a fresh connection (a hidden extra round trip).

Skipped: system schemas, objects that belong to extensions, and the meta tables (`__dibs_*`,
`_dibs_migrations`), which `core.meta` reads. Works on PostgreSQL 13-18; newer catalog columns are guarded by
the server version.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

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
    ObjectRef,
    Policy,
    Relation,
    RelationKind,
    Schema,
    Sequence as SequenceObj,
    Trigger,
)

Record = asyncpg.Record

# $1 include schemas (empty: all), $2 exclude schemas. Applied to every query through the namespace alias.
_SCHEMA_FILTER = """
    {ns}.nspname NOT IN ('pg_catalog', 'information_schema')
    AND {ns}.nspname !~ '^pg_(toast|temp_|toast_temp_)'
    AND (cardinality($1::text[]) = 0 OR {ns}.nspname = ANY($1::text[]))
    AND NOT ({ns}.nspname = ANY($2::text[]))
"""

_NOT_EXTENSION_MEMBER = """
    NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = '{catalog}'::regclass AND e.objid = {oid}
                AND e.deptype = 'e')
"""

_IS_META_TABLE = "({rel}.relname LIKE '\\_\\_dibs\\_%' OR {rel}.relname = '_dibs_migrations')"


def _filter(ns: str) -> str:
    return _SCHEMA_FILTER.format(ns=ns)


def _own(catalog: str, oid: str) -> str:
    return _NOT_EXTENSION_MEMBER.format(catalog=catalog, oid=oid)


SCHEMAS_SQL = f"""
SELECT n.nspname AS name, pg_get_userbyid(n.nspowner) AS owner, obj_description(n.oid, 'pg_namespace') AS comment
FROM pg_namespace n
WHERE {_filter("n")} AND {_own("pg_namespace", "n.oid")}
ORDER BY 1
"""

EXTENSIONS_SQL = """
SELECT x.extname AS name, n.nspname AS schema, x.extversion AS version
FROM pg_extension x JOIN pg_namespace n ON n.oid = x.extnamespace
WHERE x.extname <> 'plpgsql'
ORDER BY 1
"""

TYPES_SQL = f"""
SELECT t.oid, n.nspname AS schema, t.typname AS name, t.typtype AS kind,
       obj_description(t.oid, 'pg_type') AS comment,
       CASE WHEN t.typtype = 'e' THEN
         (SELECT array_agg(e.enumlabel::text ORDER BY e.enumsortorder) FROM pg_enum e WHERE e.enumtypid = t.oid)
       END AS labels,
       CASE WHEN t.typtype = 'd' THEN format_type(t.typbasetype, t.typtypmod) END AS base_type,
       t.typnotnull AS not_null, t.typdefault AS "default",
       CASE WHEN t.typcollation <> 0 AND t.typcollation <> bt.typcollation THEN
         (SELECT quote_ident(cn.nspname) || '.' || quote_ident(co.collname)
          FROM pg_collation co JOIN pg_namespace cn ON cn.oid = co.collnamespace WHERE co.oid = t.typcollation)
       END AS collation,
       CASE WHEN t.typtype = 'd' THEN
         (SELECT array_agg(c.conname::text ORDER BY c.conname) FROM pg_constraint c WHERE c.contypid = t.oid)
       END AS check_names,
       CASE WHEN t.typtype = 'd' THEN
         (SELECT array_agg(pg_get_constraintdef(c.oid) ORDER BY c.conname) FROM pg_constraint c
          WHERE c.contypid = t.oid)
       END AS check_defs,
       CASE WHEN t.typtype = 'd' THEN
         (SELECT array_agg(c.convalidated ORDER BY c.conname) FROM pg_constraint c WHERE c.contypid = t.oid)
       END AS check_valid
FROM pg_type t
JOIN pg_namespace n ON n.oid = t.typnamespace
LEFT JOIN pg_type bt ON bt.oid = t.typbasetype
WHERE t.typtype IN ('e', 'd') AND {_filter("n")} AND {_own("pg_type", "t.oid")}
ORDER BY 2, 3
"""

SEQUENCES_SQL = f"""
SELECT n.nspname AS schema, c.relname AS name, format_type(s.seqtypid, NULL) AS data_type,
       s.seqstart AS start, s.seqincrement AS increment, s.seqmin AS min_value, s.seqmax AS max_value,
       s.seqcache AS cache, s.seqcycle AS cycle, obj_description(c.oid, 'pg_class') AS comment,
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
WHERE {_filter("n")} AND {_own("pg_class", "c.oid")}
ORDER BY 1, 2
"""

RELATIONS_SQL = f"""
SELECT c.oid, n.nspname AS schema, c.relname AS name, c.relkind AS kind, c.relpersistence AS persistence,
       c.reltuples::bigint AS row_estimate, obj_description(c.oid, 'pg_class') AS comment,
       CASE WHEN c.relkind = 'p' THEN pg_get_partkeydef(c.oid) END AS partition_key,
       CASE WHEN c.relispartition THEN pg_get_expr(c.relpartbound, c.oid) END AS partition_bound,
       (SELECT array_agg(pn.nspname::text || '.' || p.relname::text ORDER BY i.inhseqno)
          FROM pg_inherits i JOIN pg_class p ON p.oid = i.inhparent
          JOIN pg_namespace pn ON pn.oid = p.relnamespace WHERE i.inhrelid = c.oid) AS parents,
       (SELECT array_agg(pn.nspname::text ORDER BY i.inhseqno)
          FROM pg_inherits i JOIN pg_class p ON p.oid = i.inhparent
          JOIN pg_namespace pn ON pn.oid = p.relnamespace WHERE i.inhrelid = c.oid) AS parent_schemas,
       (SELECT array_agg(p.relname::text ORDER BY i.inhseqno)
          FROM pg_inherits i JOIN pg_class p ON p.oid = i.inhparent WHERE i.inhrelid = c.oid) AS parent_names,
       c.relispartition AS is_partition,
       CASE WHEN c.relkind IN ('v', 'm') THEN pg_get_viewdef(c.oid) END AS view_definition,
       c.reloptions::text[] AS options, c.relrowsecurity AS rls_enabled, c.relforcerowsecurity AS rls_forced
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') AND {_filter("n")} AND {_own("pg_class", "c.oid")}
  AND NOT {_IS_META_TABLE.format(rel="c")}
ORDER BY 2, 3
"""

# attgenerated 'v' (virtual) exists from PostgreSQL 18; the expression is read the same way for both kinds.
COLUMNS_SQL = f"""
SELECT a.attrelid AS relid, a.attnum AS position, a.attname AS name,
       format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull AS not_null,
       pg_get_expr(d.adbin, d.adrelid) AS default_expr, a.attidentity AS identity, a.attgenerated AS generated,
       CASE WHEN a.attcollation <> 0 AND a.attcollation <> t.typcollation THEN
         (SELECT quote_ident(cn.nspname) || '.' || quote_ident(co.collname)
          FROM pg_collation co JOIN pg_namespace cn ON cn.oid = co.collnamespace WHERE co.oid = a.attcollation)
       END AS collation,
       CASE WHEN utn.nspname NOT IN ('pg_catalog', 'information_schema') THEN utn.nspname END AS type_schema,
       CASE WHEN utn.nspname NOT IN ('pg_catalog', 'information_schema') THEN ut.typname END AS type_name,
       col_description(a.attrelid, a.attnum) AS comment, a.attislocal AS is_local
FROM pg_attribute a
JOIN pg_class c ON c.oid = a.attrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_type t ON t.oid = a.atttypid
JOIN pg_type ut ON ut.oid = CASE WHEN t.typelem <> 0 AND t.typcategory = 'A' THEN t.typelem ELSE t.oid END
JOIN pg_namespace utn ON utn.oid = ut.typnamespace
LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
  AND {_filter("n")} AND {_own("pg_class", "c.oid")} AND NOT {_IS_META_TABLE.format(rel="c")}
ORDER BY a.attrelid, a.attnum
"""

CONSTRAINTS_SQL = f"""
SELECT co.conrelid AS relid, co.conname AS name, co.contype AS kind, pg_get_constraintdef(co.oid) AS definition,
       (SELECT array_agg(a.attname::text ORDER BY k.i) FROM unnest(co.conkey) WITH ORDINALITY k(n, i)
          JOIN pg_attribute a ON a.attrelid = co.conrelid AND a.attnum = k.n) AS columns,
       fn.nspname AS target_schema, fc.relname AS target_table,
       (SELECT array_agg(a.attname::text ORDER BY k.i) FROM unnest(co.confkey) WITH ORDINALITY k(n, i)
          JOIN pg_attribute a ON a.attrelid = co.confrelid AND a.attnum = k.n) AS target_columns,
       co.confdeltype AS on_delete, co.confupdtype AS on_update, co.confmatchtype AS match,
       co.condeferrable AS deferrable, co.condeferred AS deferred, co.convalidated AS validated,
       ic.relname AS index_name, co.conislocal AS is_local, obj_description(co.oid, 'pg_constraint') AS comment,
       {{nulls_not_distinct}} AS nulls_not_distinct
FROM pg_constraint co
JOIN pg_class c ON c.oid = co.conrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_class fc ON fc.oid = co.confrelid
LEFT JOIN pg_namespace fn ON fn.oid = fc.relnamespace
LEFT JOIN pg_class ic ON ic.oid = co.conindid AND co.contype IN ('p', 'u', 'x')
{{nnd_join}}
WHERE co.contype IN ('p', 'u', 'c', 'f', 'x') AND {_filter("n")} AND {_own("pg_class", "c.oid")}
  AND NOT {_IS_META_TABLE.format(rel="c")}
ORDER BY co.conrelid, co.conname
"""

INDEXES_SQL = f"""
SELECT i.indrelid AS relid, ic.relname AS name, pg_get_indexdef(i.indexrelid) AS definition,
       am.amname AS method, i.indisunique AS is_unique, i.indisprimary AS is_primary, i.indisvalid AS valid,
       i.indnkeyatts AS key_count,
       (SELECT array_agg(pg_get_indexdef(i.indexrelid, k.i::int, true) ORDER BY k.i)
          FROM generate_series(1, i.indnatts) k(i)) AS columns,
       i.indoption::int2[]::text[] AS key_options,
       pg_get_expr(i.indpred, i.indrelid) AS predicate,
       (SELECT co.conname FROM pg_constraint co WHERE co.conindid = i.indexrelid AND co.conrelid = i.indrelid
          AND co.contype IN ('p', 'u', 'x') LIMIT 1) AS constraint_name,
       obj_description(i.indexrelid, 'pg_class') AS comment
FROM pg_index i
JOIN pg_class ic ON ic.oid = i.indexrelid
JOIN pg_class c ON c.oid = i.indrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_am am ON am.oid = ic.relam
WHERE c.relkind IN ('r', 'p', 'm', 'f') AND {_filter("n")} AND {_own("pg_class", "c.oid")}
  AND NOT {_IS_META_TABLE.format(rel="c")}
ORDER BY i.indrelid, ic.relname
"""

TRIGGERS_SQL = f"""
SELECT t.tgrelid AS relid, t.tgname AS name, pg_get_triggerdef(t.oid) AS definition,
       pn.nspname AS function_schema, p.proname AS function_name, t.tgenabled AS enabled,
       t.tgconstraint <> 0 AS is_constraint, obj_description(t.oid, 'pg_trigger') AS comment
FROM pg_trigger t
JOIN pg_class c ON c.oid = t.tgrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_proc p ON p.oid = t.tgfoid
JOIN pg_namespace pn ON pn.oid = p.pronamespace
WHERE NOT t.tgisinternal AND {_filter("n")} AND {_own("pg_class", "c.oid")}
  AND (t.tgparentid = 0 OR NOT c.relispartition)
ORDER BY t.tgrelid, t.tgname
"""

POLICIES_SQL = f"""
SELECT p.polrelid AS relid, p.polname AS name,
       CASE p.polcmd WHEN 'r' THEN 'SELECT' WHEN 'a' THEN 'INSERT' WHEN 'w' THEN 'UPDATE' WHEN 'd' THEN 'DELETE'
            ELSE 'ALL' END AS command,
       p.polpermissive AS permissive,
       CASE WHEN p.polroles = '{{0}}' THEN ARRAY['public']
            ELSE (SELECT array_agg(r.rolname::text ORDER BY r.rolname) FROM pg_roles r
                  WHERE r.oid = ANY(p.polroles)) END AS roles,
       pg_get_expr(p.polqual, p.polrelid) AS using_expr, pg_get_expr(p.polwithcheck, p.polrelid) AS check_expr,
       obj_description(p.oid, 'pg_policy') AS comment
FROM pg_policy p
JOIN pg_class c ON c.oid = p.polrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE {_filter("n")}
ORDER BY p.polrelid, p.polname
"""

FUNCTIONS_SQL = f"""
SELECT n.nspname AS schema, p.proname AS name, pg_get_function_identity_arguments(p.oid) AS identity_arguments,
       CASE WHEN p.prokind = 'p' THEN NULL ELSE pg_get_function_result(p.oid) END AS result,
       l.lanname AS language, p.prokind AS kind,
       CASE WHEN p.prokind IN ('f', 'p', 'w') THEN pg_get_functiondef(p.oid) END AS definition,
       obj_description(p.oid, 'pg_proc') AS comment
FROM pg_proc p
JOIN pg_namespace n ON n.oid = p.pronamespace
JOIN pg_language l ON l.oid = p.prolang
WHERE {_filter("n")} AND {_own("pg_proc", "p.oid")}
ORDER BY 1, 2, 3
"""

# pg_depend rows between user objects (OID >= 16384, FirstNormalObjectId), each end resolved to
# (kind, schema, name, sub) as model.ObjectRef describes. Only normal and automatic dependencies order DDL.
_RESOLVE = """
CASE {cls}
  WHEN 'pg_class'::regclass THEN (
    SELECT ROW(
      CASE WHEN {sub} > 0 AND rc.relkind IN ('r','p','v','m','f') THEN 'column'
           WHEN rc.relkind IN ('r','p','v','m','f') THEN 'table'
           WHEN rc.relkind = 'S' THEN 'sequence'
           WHEN rc.relkind IN ('i','I') THEN 'index'
           WHEN rc.relkind = 'c' THEN 'type' ELSE 'other' END,
      rn.nspname::text,
      CASE WHEN rc.relkind IN ('i','I') THEN (SELECT tc.relname::text FROM pg_index ix
           JOIN pg_class tc ON tc.oid = ix.indrelid WHERE ix.indexrelid = rc.oid) ELSE rc.relname::text END,
      CASE WHEN {sub} > 0 THEN (SELECT ra.attname::text FROM pg_attribute ra
                                WHERE ra.attrelid = rc.oid AND ra.attnum = {sub})
           WHEN rc.relkind IN ('i','I') THEN rc.relname::text ELSE '' END)::text
    FROM pg_class rc JOIN pg_namespace rn ON rn.oid = rc.relnamespace WHERE rc.oid = {oid})
  WHEN 'pg_rewrite'::regclass THEN (
    SELECT ROW('table', rn.nspname::text, rc.relname::text, '')::text FROM pg_rewrite rw
    JOIN pg_class rc ON rc.oid = rw.ev_class JOIN pg_namespace rn ON rn.oid = rc.relnamespace WHERE rw.oid = {oid})
  WHEN 'pg_proc'::regclass THEN (
    SELECT ROW('function', rn.nspname::text, rp.proname::text, pg_get_function_identity_arguments(rp.oid))::text
    FROM pg_proc rp JOIN pg_namespace rn ON rn.oid = rp.pronamespace WHERE rp.oid = {oid})
  WHEN 'pg_type'::regclass THEN (
    SELECT ROW('type', rn.nspname::text, rt.typname::text, '')::text
    FROM pg_type rt JOIN pg_namespace rn ON rn.oid = rt.typnamespace WHERE rt.oid = {oid})
  WHEN 'pg_attrdef'::regclass THEN (
    SELECT ROW('column', rn.nspname::text, rc.relname::text, ra.attname::text)::text FROM pg_attrdef ad
    JOIN pg_class rc ON rc.oid = ad.adrelid JOIN pg_namespace rn ON rn.oid = rc.relnamespace
    JOIN pg_attribute ra ON ra.attrelid = ad.adrelid AND ra.attnum = ad.adnum WHERE ad.oid = {oid})
  WHEN 'pg_constraint'::regclass THEN (
    SELECT CASE WHEN co.conrelid <> 0 THEN
             ROW('constraint', rn.nspname::text, rc.relname::text, co.conname::text)::text
           ELSE ROW('type', tn.nspname::text, tt.typname::text, '')::text END
    FROM pg_constraint co LEFT JOIN pg_class rc ON rc.oid = co.conrelid
    LEFT JOIN pg_namespace rn ON rn.oid = rc.relnamespace LEFT JOIN pg_type tt ON tt.oid = co.contypid
    LEFT JOIN pg_namespace tn ON tn.oid = tt.typnamespace WHERE co.oid = {oid})
  WHEN 'pg_trigger'::regclass THEN (
    SELECT ROW('trigger', rn.nspname::text, rc.relname::text, tg.tgname::text)::text FROM pg_trigger tg
    JOIN pg_class rc ON rc.oid = tg.tgrelid JOIN pg_namespace rn ON rn.oid = rc.relnamespace WHERE tg.oid = {oid})
  WHEN 'pg_policy'::regclass THEN (
    SELECT ROW('policy', rn.nspname::text, rc.relname::text, po.polname::text)::text FROM pg_policy po
    JOIN pg_class rc ON rc.oid = po.polrelid JOIN pg_namespace rn ON rn.oid = rc.relnamespace WHERE po.oid = {oid})
END
"""

DEPENDENCIES_SQL = f"""
SELECT DISTINCT
  {_RESOLVE.format(cls="d.classid", oid="d.objid", sub="d.objsubid")} AS dependent,
  {_RESOLVE.format(cls="d.refclassid", oid="d.refobjid", sub="d.refobjsubid")} AS referenced
FROM pg_depend d
WHERE d.deptype IN ('n', 'a') AND d.objid >= 16384 AND d.refobjid >= 16384
  AND d.classid IN ('pg_class'::regclass, 'pg_rewrite'::regclass, 'pg_proc'::regclass, 'pg_type'::regclass,
                    'pg_attrdef'::regclass, 'pg_constraint'::regclass, 'pg_trigger'::regclass,
                    'pg_policy'::regclass)
  AND d.refclassid IN ('pg_class'::regclass, 'pg_proc'::regclass, 'pg_type'::regclass,
                       'pg_constraint'::regclass)
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
QUERY_COUNT = 12  # header + the queries in _queries(); a test proves it does not grow with the catalog


def _char(value: Any) -> str:
    """asyncpg returns the `"char"` type as bytes."""
    if isinstance(value, bytes):
        return value.decode()
    return str(value or "")


def _queries(version_num: int) -> dict[str, str]:
    nnd = "i.indnullsnotdistinct" if version_num >= 150000 else "false"
    nnd_join = "LEFT JOIN pg_index i ON i.indexrelid = co.conindid" if version_num >= 150000 else ""
    return {
        "schemas": SCHEMAS_SQL,
        "extensions": EXTENSIONS_SQL,
        "types": TYPES_SQL,
        "sequences": SEQUENCES_SQL,
        "relations": RELATIONS_SQL,
        "columns": COLUMNS_SQL,
        "constraints": CONSTRAINTS_SQL.replace("{nulls_not_distinct}", f"COALESCE({nnd}, false)").replace(
            "{nnd_join}", nnd_join
        ),
        "indexes": INDEXES_SQL,
        "triggers": TRIGGERS_SQL,
        "policies": POLICIES_SQL,
        "functions": FUNCTIONS_SQL,
        "dependencies": DEPENDENCIES_SQL,
    }


_FILTERED = {"schemas", "types", "sequences", "relations", "columns", "constraints", "indexes", "triggers",
             "policies", "functions"}


async def _fetch_all(
    conn: asyncpg.Connection, queries: dict[str, str], include: list[str], exclude: list[str]
) -> dict[str, list[Record]]:
    """Run the queries on one connection, in one repeatable-read snapshot so the kinds agree with each other."""
    rows: dict[str, list[Record]] = {}
    async with conn.transaction(isolation="repeatable_read", readonly=True):
        for name, sql in queries.items():
            args = (include, exclude) if name in _FILTERED else ()
            rows[name] = await conn.fetch(sql, *args)
    return rows


async def introspect(
    conn: asyncpg.Connection,
    *,
    include_schemas: Iterable[str] = (),
    exclude_schemas: Iterable[str] = (),
) -> Catalog:
    """The live catalog of the database behind `conn`, as a frozen model (no meta-table provenance)."""
    header = await conn.fetchrow(
        "SELECT current_database() AS db, current_setting('server_version') AS version, "
        "current_setting('server_version_num')::int AS num"
    )
    assert header is not None
    rows = await _fetch_all(conn, _queries(header["num"]), list(include_schemas), list(exclude_schemas))
    return build_catalog(header["db"], header["version"], rows)


def build_catalog(database: str, version: str, rows: dict[str, list[Record]]) -> Catalog:
    """Assemble the model from the query rows: group by relation OID once, then build each relation."""
    columns = _group(rows["columns"])
    constraints = _group(rows["constraints"])
    indexes = _group(rows["indexes"])
    triggers = _group(rows["triggers"])
    policies = _group(rows["policies"])
    relations = tuple(
        _relation(r, columns.get(r["oid"], ()), constraints.get(r["oid"], ()), indexes.get(r["oid"], ()),
                  triggers.get(r["oid"], ()), policies.get(r["oid"], ()))
        for r in rows["relations"]
    )
    enums: list[EnumType] = []
    domains: list[Domain] = []
    for t in rows["types"]:
        if _char(t["kind"]) == "e":
            enums.append(EnumType(t["schema"], t["name"], tuple(t["labels"] or ()), t["comment"]))
        else:
            checks = tuple(
                DomainCheck(name, definition, valid)
                for name, definition, valid in zip(
                    t["check_names"] or (), t["check_defs"] or (), t["check_valid"] or (), strict=True
                )
            )
            domains.append(Domain(t["schema"], t["name"], t["base_type"], t["not_null"], t["default"],
                                  t["collation"], checks, t["comment"]))
    return Catalog(
        database=database,
        server_version=version,
        schemas=tuple(Schema(r["name"], r["owner"], r["comment"]) for r in rows["schemas"]),
        extensions=tuple(Extension(r["name"], r["schema"], r["version"]) for r in rows["extensions"]),
        enums=tuple(enums),
        domains=tuple(domains),
        sequences=tuple(_sequence(r) for r in rows["sequences"]),
        relations=relations,
        functions=tuple(
            Function(r["schema"], r["name"], r["identity_arguments"], r["result"], r["language"], _char(r["kind"]),
                     r["definition"], r["comment"])
            for r in rows["functions"]
        ),
        dependencies=_dependencies(rows["dependencies"]),
    )


def _group(rows: Sequence[Record]) -> dict[int, list[Record]]:
    grouped: dict[int, list[Record]] = defaultdict(list)
    for row in rows:
        grouped[row["relid"]].append(row)
    return grouped


def _sequence(r: Record) -> SequenceObj:
    owned = ColumnRef(r["owner_schema"], r["owner_table"], r["owner_column"]) if r["owner_table"] else None
    return SequenceObj(
        r["schema"], r["name"], r["data_type"], r["start"], r["increment"], r["min_value"], r["max_value"],
        r["cache"], r["cycle"], owned, bool(r["is_identity"]), r["comment"],
    )


def _relation(
    r: Record,
    columns: Iterable[Record],
    constraints: Iterable[Record],
    indexes: Iterable[Record],
    triggers: Iterable[Record],
    policies: Iterable[Record],
) -> Relation:
    parent_schemas = r["parent_schemas"] or ()
    parent_names = r["parent_names"] or ()
    parents = tuple(zip(parent_schemas, parent_names, strict=True))
    is_partition = bool(r["is_partition"])
    return Relation(
        schema=r["schema"],
        name=r["name"],
        kind=_KINDS[_char(r["kind"])],
        columns=tuple(_column(c) for c in columns),
        constraints=tuple(_constraint(c) for c in constraints),
        indexes=tuple(_index(i) for i in indexes),
        triggers=tuple(
            Trigger(t["name"], t["definition"], t["function_schema"], t["function_name"], _char(t["enabled"]),
                    t["is_constraint"], t["comment"])
            for t in triggers
        ),
        policies=tuple(
            Policy(p["name"], p["command"], p["permissive"], tuple(p["roles"] or ()), p["using_expr"],
                   p["check_expr"], p["comment"])
            for p in policies
        ),
        persistence=_char(r["persistence"]),
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


def _column(c: Record) -> Column:
    identity = _IDENTITY.get(_char(c["identity"]))
    generated = _GENERATED.get(_char(c["generated"]))
    expression = c["default_expr"]
    return Column(
        position=c["position"],
        name=c["name"],
        type=c["type"],
        not_null=c["not_null"],
        default=None if identity or generated else expression,
        identity=identity,
        generated=generated,
        generation_expression=expression if generated else None,
        collation=c["collation"],
        type_key=(c["type_schema"], c["type_name"]) if c["type_schema"] else None,
        comment=c["comment"],
    )


def _constraint(c: Record) -> Constraint:
    kind = _CONSTRAINT_KINDS[_char(c["kind"])]
    fk = None
    if kind is ConstraintKind.FOREIGN_KEY:
        fk = ForeignKey(
            c["target_schema"], c["target_table"], tuple(c["target_columns"] or ()),
            _FK_ACTIONS.get(_char(c["on_delete"]), "NO ACTION"), _FK_ACTIONS.get(_char(c["on_update"]), "NO ACTION"),
            _FK_MATCH.get(_char(c["match"]), "SIMPLE"),
        )
    return Constraint(
        name=c["name"],
        kind=kind,
        columns=tuple(c["columns"] or ()),
        definition=c["definition"],
        foreign_key=fk,
        deferrable=c["deferrable"],
        initially_deferred=c["deferred"],
        validated=c["validated"],
        nulls_not_distinct=bool(c["nulls_not_distinct"]),
        index_name=c["index_name"],
        is_inherited=not c["is_local"],
        comment=c["comment"],
    )


def _index(i: Record) -> Index:
    all_columns = tuple(i["columns"] or ())
    keys = i["key_count"]
    options = tuple(_index_option(int(o)) for o in (i["key_options"] or ()))[:keys]
    return Index(
        name=i["name"],
        columns=all_columns[:keys],
        definition=i["definition"],
        method=i["method"],
        unique=i["is_unique"],
        primary=i["is_primary"],
        predicate=i["predicate"],
        include=all_columns[keys:],
        options=options,
        constraint_name=i["constraint_name"],
        valid=i["valid"],
        comment=i["comment"],
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


def _parse_row(text: str | None) -> ObjectRef | None:
    """The resolved ROW(kind, schema, name, sub)::text, e.g. `(column,public,users,email)`."""
    if not text:
        return None
    fields = _split_row(text)
    if len(fields) != 4 or fields[0] == "other":
        return None
    return ObjectRef(fields[0], fields[1], fields[2], fields[3])


def _split_row(text: str) -> list[str]:
    """Parse PostgreSQL's composite text output: fields separated by commas, quoted when needed."""
    fields: list[str] = []
    current: list[str] = []
    quoted = False
    i, inner = 0, text[1:-1]
    while i < len(inner):
        ch = inner[i]
        if quoted:
            if ch == '"' and i + 1 < len(inner) and inner[i + 1] == '"':
                current.append('"')
                i += 1
            elif ch == "\\" and i + 1 < len(inner):
                current.append(inner[i + 1])
                i += 1
            elif ch == '"':
                quoted = False
            else:
                current.append(ch)
        elif ch == '"':
            quoted = True
        elif ch == ",":
            fields.append("".join(current))
            current = []
        else:
            current.append(ch)
        i += 1
    fields.append("".join(current))
    return fields


def _dependencies(rows: Sequence[Record]) -> tuple[Dependency, ...]:
    out: list[Dependency] = []
    seen: set[tuple[ObjectRef, ObjectRef]] = set()
    for row in rows:
        dependent, referenced = _parse_row(row["dependent"]), _parse_row(row["referenced"])
        if dependent is None or referenced is None or dependent == referenced:
            continue
        if dependent.kind == "table" and referenced.kind == "column" and referenced.name == dependent.name:
            continue  # a view's rule pointing at its own columns
        if (dependent, referenced) not in seen:
            seen.add((dependent, referenced))
            out.append(Dependency(dependent, referenced))
    return tuple(out)


async def load_catalog(
    conn: asyncpg.Connection,
    *,
    include_schemas: Iterable[str] = (),
    exclude_schemas: Iterable[str] = (),
) -> Catalog:
    """The live catalog with the meta tables' provenance attached (when the meta layer is available)."""
    catalog = await introspect(conn, include_schemas=include_schemas, exclude_schemas=exclude_schemas)
    try:
        from . import meta
    except ImportError:
        return catalog
    snapshot = await meta.read_meta(conn)
    return meta.apply_meta(catalog, snapshot)


__all__ = ["QUERY_COUNT", "build_catalog", "introspect", "load_catalog"]
