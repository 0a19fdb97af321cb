"""What a DROP TABLE / VIEW / MATERIALIZED VIEW / TYPE / DOMAIN ... CASCADE, or an ALTER TABLE ... DROP COLUMN ...
CASCADE, takes along that the statement does not name: every object the server's dependency walk reaches, read from pg_depend
as the server reads it (the objects that depend on a dropped one, normally or automatically, and the object an
internal part belongs to: the view of a rewrite rule), each said by kind and name, escaped.

A dropped table's own indexes, constraints, triggers, rules, policies, defaults, statistics and owned sequences
go with it and are not listed (what depends on them elsewhere is: another table's DEFAULT nextval() of its
sequence, another table's foreign key to it); a dropped column's are listed, the table staying. Its membership
of a publication is always said. Bounded: MAX_STEPS steps of dependencies, MAX_DROPPED objects, the counting
timeout (`count_queries`).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import asyncpg

from ..sql import quote_ident
from ..terminal import safe
from .count_queries import Failed, Refused, count_rows, fetch_bounded, load_target
from .counted import RowCount, observed, size
from .facts import CHECK_TIMEOUT, TableFacts
from .report import Hazard

LOSS = "data-loss"
BREAKS = "backward-incompatible"
MAX_STEPS = (
    15  # dependencies followed from the dropped objects (a view over a view is two: its rule, the view)
)
MAX_DROPPED = 50

# $1 the relations dropped (oids), $2 the column (NULL: the relations whole), $3 MAX_STEPS, $4 the row limit,
# $5 the types or domains dropped (oids: the columns of that type go with a DROP TYPE ... CASCADE).
# `walk`: each object reached, the step it was first reached at, whether a normal dependency led there (only
# CASCADE follows it), and the object it was reached from. `owner`: the relation an object belongs to; `mine`:
# the relations dropped whole, their partitions with them. Run under search_path = pg_catalog (fetch_bounded).
_DROPPED_SQL = """
WITH RECURSIVE mine AS (
  SELECT r::oid AS relid FROM unnest($1::int8[]) AS r WHERE $2::text IS NULL
  UNION SELECT p.relid FROM unnest($1::int8[]) AS r CROSS JOIN LATERAL pg_partition_tree(r::oid) p
  WHERE $2::text IS NULL
),
walk(classid, objid, objsubid, step, normal, via_class, via_obj, via_sub) AS (
  SELECT 'pg_class'::regclass::oid, r::oid, COALESCE(a.attnum, 0)::int4, 0, false, 0::oid, 0::oid, 0::int4
  FROM unnest($1::int8[]) AS r
  LEFT JOIN pg_attribute a ON a.attrelid = r::oid AND a.attname = $2::text AND NOT a.attisdropped
  WHERE $2::text IS NULL OR a.attnum IS NOT NULL
  UNION
  SELECT 'pg_type'::regclass::oid, t::oid, 0, 0, false, 0::oid, 0::oid, 0::int4 FROM unnest($5::int8[]) AS t
  UNION
  SELECT x.classid, x.objid, x.objsubid, w.step + 1, w.normal OR x.normal, w.classid, w.objid, w.objsubid
  FROM walk w CROSS JOIN LATERAL (
    SELECT d.classid, d.objid, d.objsubid, d.deptype = 'n' AS normal FROM pg_depend d
    WHERE d.refclassid = w.classid AND d.refobjid = w.objid AND (w.objsubid = 0 OR d.refobjsubid = w.objsubid)
      AND d.deptype = ANY ('{n,a,i}'::"char"[])
    UNION ALL
    SELECT d.refclassid, d.refobjid, d.refobjsubid, false FROM pg_depend d
    WHERE d.classid = w.classid AND d.objid = w.objid AND d.deptype = 'i'
  ) x
  WHERE w.step < $3
),
first AS (
  SELECT DISTINCT ON (classid, objid, objsubid) * FROM walk
  WHERE step > 0 AND NOT (classid = 'pg_class'::regclass AND objsubid = 0
                          AND (objid IN (SELECT relid FROM mine) OR objid = ANY ($1::int8[]::oid[])))
  ORDER BY classid, objid, objsubid, normal, step  -- a path of automatic dependencies if there is one
),
described AS (
  SELECT f.*, c.relname IS NOT NULL AS is_class, c.relkind::text AS relkind, c.relname::text AS relname,
         CASE WHEN c.oid IS NOT NULL THEN format('%I.%I', cn.nspname, c.relname) END AS qualified, GREATEST(c.reltuples, 0)::int8 AS estimate,
         k.contype::text AS contype, k.conname::text AS conname,
         CASE f.classid
           WHEN 'pg_class'::regclass THEN COALESCE(
             (SELECT i.indrelid FROM pg_index i WHERE i.indexrelid = f.objid),
             (SELECT o.refobjid FROM pg_depend o WHERE c.relkind = 'S' AND o.classid = 'pg_class'::regclass
                AND o.objid = f.objid AND o.refclassid = 'pg_class'::regclass
                AND o.deptype = ANY ('{a,i}'::"char"[]) LIMIT 1),
             (SELECT t.oid FROM pg_class t WHERE t.reltoastrelid = f.objid), f.objid)
           WHEN 'pg_constraint'::regclass THEN k.conrelid
           WHEN 'pg_trigger'::regclass THEN (SELECT tgrelid FROM pg_trigger WHERE oid = f.objid)
           WHEN 'pg_policy'::regclass THEN (SELECT polrelid FROM pg_policy WHERE oid = f.objid)
           WHEN 'pg_rewrite'::regclass THEN (SELECT ev_class FROM pg_rewrite WHERE oid = f.objid)
           WHEN 'pg_attrdef'::regclass THEN (SELECT adrelid FROM pg_attrdef WHERE oid = f.objid)
           WHEN 'pg_statistic_ext'::regclass THEN (SELECT stxrelid FROM pg_statistic_ext WHERE oid = f.objid)
           WHEN 'pg_publication_rel'::regclass THEN (SELECT prrelid FROM pg_publication_rel WHERE oid = f.objid)
           WHEN 'pg_type'::regclass THEN (SELECT COALESCE(NULLIF(ty.typrelid, 0), e.typrelid)
             FROM pg_type ty LEFT JOIN pg_type e ON e.oid = ty.typelem WHERE ty.oid = f.objid)
         END AS owner,
         f.classid::regclass::text AS catalog,
         pg_describe_object(f.classid, f.objid, f.objsubid) AS what,
         CASE WHEN f.via_class <> 0 THEN pg_describe_object(f.via_class, f.via_obj, f.via_sub) END AS via,
         (SELECT p.polpermissive FROM pg_policy p WHERE f.classid = 'pg_policy'::regclass AND p.oid = f.objid)
           AS permissive,
         (SELECT i.indisunique FROM pg_index i WHERE i.indexrelid = f.objid) AS is_unique,
         (SELECT a.adnum FROM pg_attrdef a WHERE f.classid = 'pg_attrdef'::regclass AND a.oid = f.objid) AS adnum,
         (SELECT pg_describe_object(b.via_class, b.via_obj, b.via_sub) FROM first b  -- a generated column's
          WHERE f.via_class = 'pg_attrdef'::regclass AND b.classid = f.via_class AND b.objid = f.via_obj
            AND b.via_class <> 0) AS generated_from
  FROM first f
  LEFT JOIN pg_class c ON f.classid = 'pg_class'::regclass AND c.oid = f.objid
  LEFT JOIN pg_namespace cn ON cn.oid = c.relnamespace
  LEFT JOIN pg_constraint k ON f.classid = 'pg_constraint'::regclass AND k.oid = f.objid
)
SELECT d.*, (SELECT o.relname::text FROM pg_class o WHERE o.oid = d.owner) AS table_shown
FROM described d
WHERE NOT (COALESCE(d.owner IN (SELECT objid FROM first WHERE classid = 'pg_class'::regclass
            AND objsubid = 0), false) AND d.objid <> d.owner)  -- the parts of a table it takes along go with it
  AND (d.catalog = 'pg_publication_rel'  -- said for a table dropped too: its subscribers lose it
   OR (NOT (d.catalog = 'pg_type')  -- row and array types: what uses them is said
       AND NOT (d.catalog = 'pg_class' AND d.relkind = 't')  -- TOAST
       AND NOT (d.catalog = 'pg_constraint' AND d.contype = 't')  -- a constraint trigger's: said as the trigger
       AND NOT (d.catalog = 'pg_rewrite' AND EXISTS (SELECT 1 FROM pg_class v
                WHERE v.oid = d.owner AND v.relkind = ANY ('{v,m}'::"char"[])))  -- a view's rule: said as the view
       AND NOT EXISTS (SELECT 1 FROM pg_depend x WHERE x.classid = d.classid AND x.objid = d.objid
                AND x.refclassid = 'pg_constraint'::regclass AND x.deptype = 'i')  -- a key's index, triggers
       AND NOT COALESCE(d.owner IN (SELECT relid FROM mine), false)  -- a table's own parts go with it
       AND NOT (d.catalog = 'pg_attrdef' AND (d.owner, d.adnum::int4) IN (SELECT objid, objsubid FROM walk
                WHERE classid = 'pg_class'::regclass))))  -- the DEFAULT of a column dropped: said as the column
ORDER BY d.step, d.catalog, d.what
LIMIT $4
"""


async def drop_type_cascades(conn: asyncpg.Connection, names: list[list[str]]) -> list[Hazard]:
    """DROP TYPE / DOMAIN ... CASCADE: every column of the type (or of its array, or of a domain over it) is
    dropped with its values, the tables staying. `names`: each type as the migration writes it, in parts."""
    found = []
    for parts in names:
        async with conn.transaction():  # a schema this role may not use raises: then not looked up
            try:
                oid = await conn.fetchval(
                    "SELECT pg_catalog.to_regtype($1)::pg_catalog.oid::pg_catalog.int8",
                    ".".join(quote_ident(p) for p in parts),
                )
            except asyncpg.PostgresError:
                oid = None
        found += [int(oid)] if oid is not None else []
    return await drop_cascades(conn, [], types=found)


async def drop_cascades(
    conn: asyncpg.Connection, named: list[int], column: str | None = None, *, types: list[int] | None = None
) -> list[Hazard]:
    """DROP TABLE / VIEW ... CASCADE of the relations `named` (oids), DROP COLUMN `column` ... CASCADE of one,
    or DROP TYPE ... CASCADE of `types`: what else it drops, each by kind and name. Other tables' rows stay,
    but for a table or column dropped with it."""
    if not named and not types:
        return []
    try:
        rows = await fetch_bounded(conn, _DROPPED_SQL, named, column, MAX_STEPS, MAX_DROPPED + 1, types or [])
    except (Failed, Refused) as exc:
        rows, why = None, f"the server refused the catalog query: {exc}"
    else:
        why = f"the catalog query did not finish within {CHECK_TIMEOUT}"
    if rows is None:
        return [
            observed(
                BREAKS, f"what else the CASCADE drops not listed ({why})", RowCount(None, not_counted=why)
            )
        ]
    hazards = [await _said(conn, row) for row in rows[:MAX_DROPPED]]
    if len(rows) > MAX_DROPPED:
        hazards.append(
            observed(BREAKS, f"the CASCADE drops more: only the first {MAX_DROPPED} objects are listed")
        )
    return hazards


def _via(row: Any) -> str:
    return f" (it depends on {safe(row['via'])})" if row["via"] else ""


async def _said(conn: asyncpg.Connection, row: Any) -> Hazard:
    """One object the DROP takes along, said by kind and name, with what follows."""
    catalog, what = row["catalog"], safe(row["what"])
    verb = "the CASCADE also drops" if row["normal"] else "the DROP also drops"
    if catalog == "pg_class" and row["objsubid"] == 0 and row["relkind"] in ("m", "r", "p", "f"):
        return await _with_rows(conn, row, verb)
    if catalog == "pg_class" and row["objsubid"] == 0 and row["relkind"] == "v":
        return observed(BREAKS, f"{verb} view {safe(row['relname'])}: the clients that read it break")
    if catalog == "pg_class" and row["objsubid"]:
        via = f" (generated from {safe(row['generated_from'])})" if row["generated_from"] else _via(row)
        return observed(LOSS, f"{verb} {what}{via}: its values are lost")
    if catalog == "pg_constraint" and row["contype"] == "f":
        return observed(
            BREAKS,
            f"{verb} the foreign key {safe(row['conname'])} of {safe(row['table_shown'] or '')}: its rows stay, "
            "no longer checked",
        )
    if catalog == "pg_publication_rel":
        return observed(BREAKS, f"the DROP also removes {what}: its subscribers stop receiving it")
    if catalog == "pg_policy":
        held = (
            "the rows it let through are hidden" if row["permissive"] else "the rows it held back are shown"
        )
        return observed(BREAKS, f"{verb} {what}{_via(row)}: row-level security changes, {held}")
    consequence = {
        "pg_rewrite": "what it did on the table's writes stops",
        "pg_trigger": "it no longer fires",
        "pg_attrdef": "an INSERT that leaves the column out then stores NULL",
        "pg_proc": "its callers fail",
        "pg_constraint": "no longer checked",
        "pg_statistic_ext": "the planner's estimates lose it",
    }.get(catalog, "its users break")
    if catalog == "pg_class" and row["relkind"] in ("i", "I"):
        consequence = "no longer there for queries" + (
            ", nor to enforce uniqueness" if row["is_unique"] else ""
        )
    return observed(BREAKS, f"{verb} {what}{_via(row)}: {consequence}")


async def _with_rows(conn: asyncpg.Connection, row: Any, verb: str) -> Hazard:
    """A table (an inheritance child), a materialized view or a foreign table dropped with it: its rows."""
    target = await load_target(
        conn, TableFacts(row["objid"], row["qualified"], row["estimate"], True), row["relname"]
    )
    # Its own rows (FROM ONLY): an inheritance child's children are said as dropped along in their turn
    found = await count_rows(conn, replace(target, only=row["relkind"] != "p"), "TRUE")
    rows = found.rows_text() if found.rows is not None else f"rows not counted: {found.not_counted}"
    kind = {"m": "materialized view", "f": "foreign table"}.get(row["relkind"], "table")
    return observed(
        LOSS,
        f"{verb} {kind} {safe(row['relname'])} and its {rows} ({size(target.bytes)}){_via(row) if kind == 'table' else ''}",
        RowCount(found.rows, sampled=found.sampled, bytes=target.bytes, not_counted=found.not_counted),
    )
