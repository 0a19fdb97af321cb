"""The dependencies query: what each user object needs, from pg_depend, one set-based scan (see queries.py)."""

from __future__ import annotations

# Normal and automatic pg_depend rows between user objects (OID >= 16384, FirstNormalObjectId), as bare OIDs.
# What they reference includes text search configurations and dictionaries (a 'cfg'::regconfig constant in an
# index, a generated column or a view). A view's rewrite rule stands for the view, a column default for its
# column. Dependencies inside one relation
# (an index or a constraint on the table's own columns) are left out: the model already says so. A sequence's
# OWNED BY column stays (the diff drops such sequences with their column). `refobjid::int8` keeps the planner
# off pg_depend's reference index: walking it with per-row filters read ten times the rows of one sequential
# scan (265 -> 94 ms at 5,000 tables); the "own table" exclusions are hashed subplans, not a probe per row.
# A constraint's own-table dependencies are told apart without pg_constraint where they can be: its automatic
# ones (deptype 'a': its key columns, a NOT NULL's column) are always on its own table; only normal ones (a
# CHECK's expression, a foreign key to its own table) are looked up, and NOT NULL constraints (57,000 of 86,000
# rows at 5,000 tables) have none, so they are not hashed (server CPU 167 -> 140 ms at 5,000 tables, load 4.1).
# A column default's only automatic dependency is on its own column (StoreAttrDefault; a generated column's is
# internal; what its expression names is normal, on PostgreSQL 15 to 18): left out before the joins, not after the
# pg_attrdef look-up that found it on its own table (38,000 of 94,000 rows at 5,000 tables; server CPU on fresh
# backends, median of 9, alternated: 22.8 -> 20.1 ms at 1,000 tables, 120 -> 96 ms at 5,000).
DEPENDENCIES_SQL = """
SELECT DISTINCT dep_class, dep_oid, dep_sub, d.refclassid::oid AS ref_class, d.refobjid AS ref_oid,
       d.refobjsubid AS ref_sub
FROM (SELECT * FROM pg_depend d0
      WHERE d0.deptype IN ('n', 'a') AND d0.objid >= 16384 AND d0.refobjid::int8 >= 16384
        AND d0.classid IN ('pg_class'::regclass, 'pg_rewrite'::regclass, 'pg_proc'::regclass,
                           'pg_type'::regclass, 'pg_attrdef'::regclass, 'pg_constraint'::regclass,
                           'pg_trigger'::regclass, 'pg_policy'::regclass)
        AND d0.refclassid IN ('pg_class'::regclass, 'pg_proc'::regclass, 'pg_type'::regclass,
                              'pg_constraint'::regclass, 'pg_ts_config'::regclass, 'pg_ts_dict'::regclass)
        -- a constraint's automatic dependencies are on its own table's columns
        AND NOT (d0.classid = 'pg_constraint'::regclass AND d0.refclassid = 'pg_class'::regclass
                 AND d0.deptype = 'a')
        -- a column default's automatic dependency is on its own column
        AND NOT (d0.classid = 'pg_attrdef'::regclass AND d0.deptype = 'a')) d
LEFT JOIN pg_rewrite rw ON d.classid = 'pg_rewrite'::regclass AND rw.oid = d.objid
LEFT JOIN pg_attrdef ad ON d.classid = 'pg_attrdef'::regclass AND ad.oid = d.objid
-- Anti-joins, not `(objid, refobjid) IN (SELECT ...)`: once pg_constraint outgrows work_mem (about 20,000
-- tables) the IN list stops being hashed and is re-scanned for every row (3 minutes and more); a hash anti-join
-- spills to batches instead and stays linear at any size.
LEFT JOIN pg_index ix  -- an index's own dependency on its table's columns
  ON d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass AND d.deptype = 'a'
     AND d.objsubid = 0 AND d.refobjsubid > 0 AND ix.indexrelid = d.objid AND ix.indrelid = d.refobjid
LEFT JOIN (SELECT oid, conrelid FROM pg_constraint WHERE contype <> 'n') co  -- a CHECK's own table, a self-FK's
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
-- In one order whatever the plan: a hash aggregate's rows come in its table's order, which follows its input's,
-- and a parallel plan's input comes in the workers' order, so two reads of one catalog differed (the model's
-- dependencies, `schema --json`'s list). The sort is the DISTINCT's own (Sort + Unique, parallel where the
-- hash was): 49 / 49 ms at 1,000 tables, 274 / 278 at 5,000, 1,201 / 1,126 at 20,000, unordered / ordered.
ORDER BY 1, 2, 3, 4, 5, 6
"""
