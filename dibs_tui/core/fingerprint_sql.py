"""The fingerprint's one query: every kind of object in user schemas as one line of text each, read straight
from pg_catalog, independent of the catalog model (what the model does not know still shows up here).

Each row is (table schema, table name, line): the first two name the table a line belongs to (its columns,
constraints, indexes, sequences, triggers, ...) so that left-out tables can be dropped whole, NULL otherwise.
Names are written schema-qualified by the server's own deparsers (the caller pins search_path to
pg_catalog), never OIDs, so two databases holding the same schema give the same lines. Column order is not
written for tables (a diff cannot move a column), nor for a statistics object's columns, only for composite
types, where it is the type.

$1 include schemas (empty: all), $2 exclude schemas. Objects that live outside schemas (extensions, event
triggers, casts, languages, foreign data wrappers and servers, publications) count only when no include list
narrows the view, and only those created after initdb; members of extensions never count.
"""

from __future__ import annotations

# Option values whose key looks secret are masked; user mappings show no options at all (who may read
# them depends on who asks, and they hold passwords).
_OPTIONS = """(SELECT string_agg(CASE WHEN split_part(o, '=', 1) ~* '(pass|secret|token|key|cred)'
                       THEN split_part(o, '=', 1) || '=***' ELSE o END, ',' ORDER BY o)
        FROM unnest({array}) o)"""


def _options(array: str) -> str:
    return _OPTIONS.format(array=array)


def _qualified(ns: str, name: str) -> str:
    return f"format('%I.%I', {ns}, {name})"


_ROLE = "CASE WHEN {r} = 0 THEN 'PUBLIC' WHEN {r} = o.owner THEN '(owner)' ELSE quote_ident(pg_get_userbyid({r})) END"

_CTES = """
WITH ns AS (
  SELECT n.oid, n.nspname, n.nspowner, n.nspacl FROM pg_namespace n
  WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
    AND n.nspname !~ '^pg_(toast|temp_|toast_temp_)'
    AND (cardinality($1::text[]) = 0 OR n.nspname = ANY($1::text[]))
    AND NOT (n.nspname = ANY($2::text[]))
), ext AS (
  SELECT d.classid, d.objid FROM pg_depend d WHERE d.deptype = 'e'
), whole AS (
  SELECT cardinality($1::text[]) = 0 AS db
), rel AS (
  SELECT c.oid, c.relkind, c.relowner, c.relacl, n.nspname, format('%I.%I', n.nspname, c.relname) AS qname,
         coalesce(tn.nspname, n.nspname) AS ts, coalesce(t.relname, c.relname) AS tn
  FROM pg_class c
  JOIN ns n ON n.oid = c.relnamespace
  LEFT JOIN LATERAL (
    SELECT i.indrelid AS owner FROM pg_index i WHERE i.indexrelid = c.oid
    UNION ALL
    SELECT d.refobjid FROM pg_depend d
    WHERE c.relkind = 'S' AND d.classid = 'pg_class'::regclass AND d.objid = c.oid
      AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
    UNION ALL
    -- a sequence no one owns that one table's defaults alone read (nextval('x_seq')) goes with that table: a
    -- tool's table's is the tool's (tool_tables._their_sequences)
    SELECT min(ad.adrelid) FROM pg_depend d JOIN pg_attrdef ad ON ad.oid = d.objid
    WHERE c.relkind = 'S' AND d.classid = 'pg_attrdef'::regclass AND d.refclassid = 'pg_class'::regclass
      AND d.refobjid = c.oid
    HAVING count(DISTINCT ad.adrelid) = 1
    LIMIT 1
  ) own ON true
  LEFT JOIN pg_class t ON t.oid = own.owner
  LEFT JOIN pg_namespace tn ON tn.oid = t.relnamespace
  WHERE c.oid NOT IN (SELECT objid FROM ext WHERE classid = 'pg_class'::regclass)
), typ AS (
  SELECT t.*, format('%I.%I', n.nspname, t.typname) AS qname FROM pg_type t
  JOIN ns n ON n.oid = t.typnamespace
  WHERE t.oid NOT IN (SELECT objid FROM ext WHERE classid = 'pg_type'::regclass)
    AND (t.typrelid = 0 OR (SELECT c.relkind FROM pg_class c WHERE c.oid = t.typrelid) = 'c')
    AND NOT EXISTS (SELECT 1 FROM pg_type el WHERE el.typarray = t.oid)
), fn AS (
  SELECT p.*, p.oid::regprocedure::text AS qname FROM pg_proc p
  JOIN ns n ON n.oid = p.pronamespace
  WHERE p.oid NOT IN (SELECT objid FROM ext WHERE classid = 'pg_proc'::regclass)
), owned AS (
  SELECT NULL::name AS ts, NULL::name AS tn, 'schema ' || quote_ident(nspname) AS what, nspowner AS owner,
         nspacl AS acl, 'n'::"char" AS aclkind
  FROM ns
  UNION ALL
  SELECT ts, tn, CASE relkind WHEN 'S' THEN 'sequence ' WHEN 'i' THEN 'index ' WHEN 'I' THEN 'index '
                 ELSE 'relation ' END || qname, relowner, relacl,
         CASE WHEN relkind = 'S' THEN 's' WHEN relkind IN ('i', 'I') THEN NULL ELSE 'r' END::"char"
  FROM rel WHERE relkind <> 'c'
  UNION ALL
  SELECT r.ts, r.tn, 'column ' || r.qname || '.' || quote_ident(a.attname), r.relowner, a.attacl, 'c'
  FROM rel r JOIN pg_attribute a ON a.attrelid = r.oid
  WHERE a.attacl IS NOT NULL AND a.attnum > 0 AND NOT a.attisdropped
  UNION ALL
  SELECT NULL, NULL, 'function ' || qname, proowner, proacl, 'f' FROM fn
  UNION ALL
  SELECT NULL, NULL, 'type ' || qname, typowner, typacl, 'T' FROM typ
  UNION ALL
  SELECT NULL, NULL, 'foreign data wrapper ' || quote_ident(w.fdwname), w.fdwowner, w.fdwacl, 'F'
  FROM pg_foreign_data_wrapper w, whole
  WHERE whole.db AND w.oid NOT IN (SELECT objid FROM ext WHERE classid = 'pg_foreign_data_wrapper'::regclass)
  UNION ALL
  SELECT NULL, NULL, 'server ' || quote_ident(s.srvname), s.srvowner, s.srvacl, 'S'
  FROM pg_foreign_server s, whole
  WHERE whole.db AND s.oid NOT IN (SELECT objid FROM ext WHERE classid = 'pg_foreign_server'::regclass)
  UNION ALL
  SELECT NULL, NULL, 'language ' || quote_ident(l.lanname), l.lanowner, l.lanacl, 'l'
  FROM pg_language l, whole
  WHERE whole.db AND l.oid >= 16384 AND l.oid NOT IN (SELECT objid FROM ext WHERE classid = 'pg_language'::regclass)
  UNION ALL
  SELECT NULL, NULL, 'collation ' || format('%I.%I', n.nspname, co.collname), co.collowner, NULL, NULL
  FROM pg_collation co JOIN ns n ON n.oid = co.collnamespace
  WHERE co.oid NOT IN (SELECT objid FROM ext WHERE classid = 'pg_collation'::regclass)
  UNION ALL
  SELECT NULL, NULL, 'event trigger ' || quote_ident(e.evtname), e.evtowner, NULL, NULL
  FROM pg_event_trigger e, whole
  WHERE whole.db AND e.oid NOT IN (SELECT objid FROM ext WHERE classid = 'pg_event_trigger'::regclass)
  UNION ALL
  SELECT NULL, NULL, 'publication ' || quote_ident(p.pubname), p.pubowner, NULL, NULL
  FROM pg_publication p, whole WHERE whole.db
  UNION ALL
  SELECT r.ts, r.tn, 'statistics ' || format('%I.%I', n.nspname, s.stxname), s.stxowner, NULL, NULL
  FROM pg_statistic_ext s JOIN ns n ON n.oid = s.stxnamespace JOIN rel r ON r.oid = s.stxrelid
)
"""

_SECTIONS: tuple[str, ...] = (
    # schemas
    "SELECT NULL::name, NULL::name, 'schema ' || quote_ident(nspname) FROM ns",
    # relations: kind, persistence, access method, replica identity, row security, options, partitioning,
    # a view's query (not whether a materialized view is populated: data, as for the diff, Relation.unpopulated)
    f"""SELECT r.ts, r.tn, 'relation ' || r.qname || ' kind ' || c.relkind::text || ' persistence ' || c.relpersistence::text
       || coalesce(' using ' || am.amname, '') || ' replica identity ' || c.relreplident::text
       || CASE WHEN c.relrowsecurity THEN ' row security' ELSE '' END
       || CASE WHEN c.relforcerowsecurity THEN ' forced' ELSE '' END
       || coalesce(' with (' || (SELECT string_agg(o, ',' ORDER BY o) FROM unnest(c.reloptions) o) || ')', '')
       || coalesce(' toast with (' || (SELECT string_agg(o, ',' ORDER BY o) FROM pg_class t, unnest(t.reloptions) o
                                       WHERE t.oid = c.reltoastrelid) || ')', '')
       || CASE WHEN c.reloftype <> 0 THEN ' of ' || c.reloftype::regtype::text ELSE '' END
       || coalesce(' partition by ' || pg_get_partkeydef(c.oid), '')
       || coalesce(' partition bound ' || pg_get_expr(c.relpartbound, c.oid), '')
       || CASE WHEN c.relkind IN ('v', 'm') THEN ' as ' || pg_get_viewdef(c.oid) ELSE '' END
       || coalesce(' server ' || quote_ident(fs.srvname) || coalesce(' options ' || {_options("ft.ftoptions")}, ''), '')
     FROM rel r JOIN pg_class c ON c.oid = r.oid
     LEFT JOIN pg_am am ON am.oid = c.relam
     LEFT JOIN pg_foreign_table ft ON ft.ftrelid = c.oid
     LEFT JOIN pg_foreign_server fs ON fs.oid = ft.ftserver
     WHERE r.relkind IN ('r', 'p', 'v', 'm', 'f')""",
    # columns (and a composite type's attributes, numbered)
    f"""SELECT r.ts, r.tn, 'column ' || r.qname || '.' || quote_ident(a.attname)
       || CASE WHEN r.relkind = 'c'
               THEN ' #' || row_number() OVER (PARTITION BY a.attrelid ORDER BY a.attnum) ELSE '' END
       || ' ' || format_type(a.atttypid, a.atttypmod)
       || CASE WHEN a.attcollation <> 0 AND a.attcollation <> t.typcollation
               THEN ' collate ' || {_qualified("cn.nspname", "co.collname")} ELSE '' END
       || CASE WHEN a.attnotnull THEN ' not null' ELSE '' END
       || CASE a.attidentity WHEN 'a' THEN ' identity always' WHEN 'd' THEN ' identity by default' ELSE '' END
       || CASE a.attgenerated WHEN 's' THEN ' generated stored' WHEN 'v' THEN ' generated virtual' ELSE '' END
       || coalesce(' default ' || pg_get_expr(d.adbin, d.adrelid), '')
       || CASE WHEN a.attstorage <> t.typstorage THEN ' storage ' || a.attstorage::text ELSE '' END
       || CASE WHEN a.attcompression <> '' THEN ' compression ' || a.attcompression::text ELSE '' END
       || CASE WHEN a.attstattarget >= 0 THEN ' statistics ' || a.attstattarget ELSE '' END
       || coalesce(' options (' || (SELECT string_agg(o, ',' ORDER BY o) FROM unnest(a.attoptions) o) || ')', '')
       || coalesce(' fdw options (' || {_options("a.attfdwoptions")} || ')', '')
       || CASE WHEN a.attinhcount > 0 THEN ' inherited ' || a.attinhcount
               || CASE WHEN a.attislocal THEN ' and local' ELSE '' END ELSE '' END
     FROM rel r JOIN pg_attribute a ON a.attrelid = r.oid
     JOIN pg_type t ON t.oid = a.atttypid
     LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
     LEFT JOIN pg_collation co ON co.oid = a.attcollation
     LEFT JOIN pg_namespace cn ON cn.oid = co.collnamespace
     WHERE r.relkind IN ('r', 'p', 'v', 'm', 'f', 'c') AND a.attnum > 0 AND NOT a.attisdropped""",
    # constraints of tables (a NOT NULL's name too: PostgreSQL 18 keeps it, pg_dump writes it) and of domains (a
    # NOT NULL by its column). Whether a partition's NOT NULL is also its own is left out: an attached table's
    # stops being so, which only ATTACH makes (pg_dump's restore makes every partition's so)
    """SELECT r.ts, r.tn, 'constraint ' || r.qname || ' '
       || CASE WHEN co.contype = 'n' THEN '(not null) ' ELSE '' END || quote_ident(co.conname)
       || ': ' || pg_get_constraintdef(co.oid)
       || CASE WHEN co.coninhcount > 0 THEN ' inherited ' || co.coninhcount
               || CASE WHEN co.conislocal AND NOT (co.contype = 'n' AND c.relispartition)
                       THEN ' and local' ELSE '' END ELSE '' END
     FROM pg_constraint co JOIN rel r ON r.oid = co.conrelid JOIN pg_class c ON c.oid = co.conrelid""",
    """SELECT NULL, NULL, 'constraint ' || t.qname || ' '
       || CASE WHEN co.contype = 'n' THEN '(not null)' ELSE quote_ident(co.conname) END
       || ': ' || pg_get_constraintdef(co.oid)
     FROM pg_constraint co JOIN typ t ON t.oid = co.contypid""",
    # indexes
    """SELECT r.ts, r.tn, 'index ' || pg_get_indexdef(i.indexrelid)
       || CASE WHEN i.indisclustered THEN ' clustered' ELSE '' END
       || CASE WHEN i.indisreplident THEN ' replica identity' ELSE '' END
       || CASE WHEN NOT i.indisvalid THEN ' invalid' ELSE '' END
     FROM pg_index i JOIN rel r ON r.oid = i.indexrelid""",
    # inheritance and partitions (tables and indexes)
    """SELECT r.ts, r.tn, 'inherits ' || r.qname || ' from ' || p.qname || ' #' || i.inhseqno
     FROM pg_inherits i JOIN rel r ON r.oid = i.inhrelid JOIN rel p ON p.oid = i.inhparent""",
    # sequences, with the column that owns them
    """SELECT r.ts, r.tn, 'sequence ' || r.qname || ' ' || format_type(s.seqtypid, NULL)
       || ' start ' || s.seqstart || ' increment ' || s.seqincrement || ' min ' || s.seqmin
       || ' max ' || s.seqmax || ' cache ' || s.seqcache || CASE WHEN s.seqcycle THEN ' cycle' ELSE '' END
       || coalesce((SELECT ' owned by ' || format('%I.%I.%I', tn.nspname, t.relname, a.attname)
                           || CASE d.deptype WHEN 'i' THEN ' (identity)' ELSE '' END
                    FROM pg_depend d JOIN pg_class t ON t.oid = d.refobjid
                    JOIN pg_namespace tn ON tn.oid = t.relnamespace
                    JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
                    WHERE d.classid = 'pg_class'::regclass AND d.objid = s.seqrelid
                      AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i') LIMIT 1), '')
     FROM pg_sequence s JOIN rel r ON r.oid = s.seqrelid""",
    # types: enums with their labels in order, domains, ranges, composites, base and shell types
    """SELECT NULL, NULL, 'type ' || t.qname || ' ' || CASE t.typtype
         WHEN 'e' THEN 'enum (' || coalesce((SELECT string_agg(quote_literal(e.enumlabel), ', '
                                                ORDER BY e.enumsortorder)
                                             FROM pg_enum e WHERE e.enumtypid = t.oid), '') || ')'
         WHEN 'd' THEN 'domain over ' || format_type(t.typbasetype, t.typtypmod)
              || CASE WHEN t.typnotnull THEN ' not null' ELSE '' END
              || coalesce(' default ' || pg_get_expr(t.typdefaultbin, 0), '')
              || CASE WHEN t.typcollation <> 0 AND t.typcollation <> bt.typcollation
                      THEN ' collate ' || (SELECT format('%I.%I', cn.nspname, co.collname) FROM pg_collation co
                                           JOIN pg_namespace cn ON cn.oid = co.collnamespace
                                           WHERE co.oid = t.typcollation) ELSE '' END
         WHEN 'r' THEN 'range of ' || format_type(rg.rngsubtype, NULL)
              || ' opclass ' || (SELECT format('%I.%I', n.nspname, oc.opcname) FROM pg_opclass oc
                                 JOIN pg_namespace n ON n.oid = oc.opcnamespace WHERE oc.oid = rg.rngsubopc)
              || coalesce(' collate ' || (SELECT format('%I.%I', cn.nspname, co.collname) FROM pg_collation co
                                           JOIN pg_namespace cn ON cn.oid = co.collnamespace
                                           WHERE co.oid = rg.rngcollation), '')
              || ' canonical ' || rg.rngcanonical::oid::regprocedure::text
              || ' subdiff ' || rg.rngsubdiff::oid::regprocedure::text
              || ' multirange ' || rg.rngmultitypid::regtype::text
         WHEN 'c' THEN 'composite'
         WHEN 'p' THEN 'shell'
         ELSE 'base input ' || t.typinput::oid::regprocedure::text
              || ' output ' || t.typoutput::oid::regprocedure::text
              || ' receive ' || t.typreceive::oid::regprocedure::text
              || ' send ' || t.typsend::oid::regprocedure::text
              || ' typmod ' || t.typmodin::oid::regprocedure::text || ' ' || t.typmodout::oid::regprocedure::text
              || ' analyze ' || t.typanalyze::oid::regprocedure::text
              || ' length ' || t.typlen || ' byval ' || t.typbyval || ' align ' || t.typalign::text
              || ' storage ' || t.typstorage::text || ' category ' || t.typcategory::text || ' preferred ' || t.typispreferred
              || ' delimiter ' || t.typdelim::text || ' element ' || t.typelem::regtype::text
       END
     FROM typ t
     LEFT JOIN pg_type bt ON bt.oid = t.typbasetype
     LEFT JOIN pg_range rg ON rg.rngtypid = t.oid
     WHERE t.typtype <> 'm'""",
    # functions and procedures as the server writes them (language, volatility, security, SET, body);
    # aggregates from pg_aggregate
    """SELECT NULL, NULL, 'function ' || f.qname || ': ' || CASE WHEN f.prokind = 'a' THEN
         'aggregate ' || pg_get_function_arguments(f.oid) || ' kind ' || a.aggkind::text
         || ' direct ' || a.aggnumdirectargs
         || ' sfunc ' || a.aggtransfn::oid::regprocedure::text || ' stype ' || format_type(a.aggtranstype, NULL)
         || ' sspace ' || a.aggtransspace
         || ' finalfunc ' || a.aggfinalfn::oid::regprocedure::text || ' extra ' || a.aggfinalextra
         || ' modify ' || a.aggfinalmodify::text
         || ' combine ' || a.aggcombinefn::oid::regprocedure::text
         || ' serial ' || a.aggserialfn::oid::regprocedure::text
         || ' deserial ' || a.aggdeserialfn::oid::regprocedure::text
         || ' msfunc ' || a.aggmtransfn::oid::regprocedure::text
         || ' minvfunc ' || a.aggminvtransfn::oid::regprocedure::text
         || ' mfinalfunc ' || a.aggmfinalfn::oid::regprocedure::text
         || ' mstype ' || coalesce(format_type(nullif(a.aggmtranstype, 0), NULL), '-')
         || ' sortop ' || a.aggsortop::regoperator::text
         || coalesce(' initcond ' || quote_literal(a.agginitval), '')
         || coalesce(' minitcond ' || quote_literal(a.aggminitval), '')
         || ' parallel ' || f.proparallel::text
       ELSE pg_get_functiondef(f.oid) END
     FROM fn f LEFT JOIN pg_aggregate a ON a.aggfnoid = f.oid""",
    # triggers, rules, policies
    """SELECT r.ts, r.tn, 'trigger ' || r.qname || ' ' || quote_ident(t.tgname) || ': ' || pg_get_triggerdef(t.oid)
       || ' enabled ' || t.tgenabled::text
     FROM pg_trigger t JOIN rel r ON r.oid = t.tgrelid WHERE NOT t.tgisinternal""",
    """SELECT r.ts, r.tn, 'rule ' || r.qname || ' ' || quote_ident(w.rulename) || ': ' || pg_get_ruledef(w.oid)
       || ' enabled ' || w.ev_enabled::text
     FROM pg_rewrite w JOIN rel r ON r.oid = w.ev_class WHERE w.rulename <> '_RETURN'""",
    """SELECT r.ts, r.tn, 'policy ' || r.qname || ' ' || quote_ident(p.polname)
       || CASE WHEN p.polpermissive THEN ' permissive' ELSE ' restrictive' END || ' for ' || p.polcmd::text
       || ' to ' || (SELECT string_agg(CASE WHEN x = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(x)) END,
                                       ',' ORDER BY CASE WHEN x = 0 THEN 'PUBLIC' ELSE pg_get_userbyid(x)::text END)
                     FROM unnest(p.polroles) x)
       || coalesce(' using (' || pg_get_expr(p.polqual, p.polrelid) || ')', '')
       || coalesce(' with check (' || pg_get_expr(p.polwithcheck, p.polrelid) || ')', '')
     FROM pg_policy p JOIN rel r ON r.oid = p.polrelid""",
    # statistics objects: their plain columns by name (the server prints them in the table's column order)
    """SELECT r.ts, r.tn, 'statistics ' || format('%I.%I', n.nspname, s.stxname) || ' ' || s.stxkind::text
       || ' on ' || coalesce((SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY a.attname)
                              FROM pg_attribute a WHERE a.attrelid = s.stxrelid AND a.attnum = ANY (s.stxkeys)), '')
       || coalesce(' ' || pg_get_statisticsobjdef_expressions(s.oid)::text, '') || ' from ' || r.qname
       || coalesce(' target ' || s.stxstattarget, '')
     FROM pg_statistic_ext s JOIN ns n ON n.oid = s.stxnamespace JOIN rel r ON r.oid = s.stxrelid
     WHERE s.oid NOT IN (SELECT objid FROM ext WHERE classid = 'pg_statistic_ext'::regclass)""",
    # collations, conversions, operators, operator classes and families with their members; a collation's
    # encoding only where it is neither -1 (any) nor the database's: CREATE COLLATION ... FROM "C" copies -1,
    # CREATE COLLATION (locale = 'C') writes the database's, and the two collate alike in this database
    """SELECT NULL, NULL, 'collation ' || format('%I.%I', n.nspname, co.collname) || ' '
       || (to_jsonb(co) - 'oid' - 'collname' - 'collnamespace' - 'collowner' - 'collversion'
           - CASE WHEN co.collencoding IN (-1, (SELECT encoding FROM pg_database WHERE datname = current_database()))
                  THEN 'collencoding' ELSE '' END)::text
     FROM pg_collation co JOIN ns n ON n.oid = co.collnamespace
     WHERE co.oid NOT IN (SELECT objid FROM ext WHERE classid = 'pg_collation'::regclass)""",
    """SELECT NULL, NULL, 'conversion ' || format('%I.%I', n.nspname, c.conname) || ' '
       || pg_encoding_to_char(c.conforencoding) || ' to ' || pg_encoding_to_char(c.contoencoding)
       || ' ' || c.conproc::oid::regprocedure::text || CASE WHEN c.condefault THEN ' default' ELSE '' END
     FROM pg_conversion c JOIN ns n ON n.oid = c.connamespace
     WHERE c.oid NOT IN (SELECT objid FROM ext WHERE classid = 'pg_conversion'::regclass)""",
    """SELECT NULL, NULL, 'operator ' || o.oid::regoperator::text || ' returns ' || format_type(o.oprresult, NULL)
       || ' function ' || o.oprcode::oid::regprocedure::text
       || ' commutator ' || o.oprcom::regoperator::text || ' negator ' || o.oprnegate::regoperator::text
       || ' restrict ' || o.oprrest::oid::regprocedure::text || ' join ' || o.oprjoin::oid::regprocedure::text
       || ' merges ' || o.oprcanmerge || ' hashes ' || o.oprcanhash
     FROM pg_operator o JOIN ns n ON n.oid = o.oprnamespace
     WHERE o.oid NOT IN (SELECT objid FROM ext WHERE classid = 'pg_operator'::regclass)""",
    """SELECT NULL, NULL, 'operator family ' || format('%I.%I', n.nspname, f.opfname) || ' using ' || am.amname
     FROM pg_opfamily f JOIN ns n ON n.oid = f.opfnamespace JOIN pg_am am ON am.oid = f.opfmethod
     WHERE f.oid NOT IN (SELECT objid FROM ext WHERE classid = 'pg_opfamily'::regclass)""",
    """SELECT NULL, NULL, 'operator class ' || format('%I.%I', n.nspname, c.opcname) || ' using ' || am.amname
       || ' for ' || format_type(c.opcintype, NULL) || ' family ' || format('%I.%I', fn.nspname, f.opfname)
       || CASE WHEN c.opcdefault THEN ' default' ELSE '' END
       || coalesce(' storage ' || format_type(nullif(c.opckeytype, 0), NULL), '')
     FROM pg_opclass c JOIN ns n ON n.oid = c.opcnamespace JOIN pg_am am ON am.oid = c.opcmethod
     JOIN pg_opfamily f ON f.oid = c.opcfamily JOIN pg_namespace fn ON fn.oid = f.opfnamespace
     WHERE c.oid NOT IN (SELECT objid FROM ext WHERE classid = 'pg_opclass'::regclass)""",
    """SELECT NULL, NULL, 'operator family ' || format('%I.%I', n.nspname, f.opfname) || ' member operator '
       || m.amopstrategy || ' (' || format_type(m.amoplefttype, NULL) || ', '
       || format_type(m.amoprighttype, NULL) || ') ' || m.amopopr::regoperator::text || ' ' || m.amoppurpose::text
     FROM pg_amop m JOIN pg_opfamily f ON f.oid = m.amopfamily JOIN ns n ON n.oid = f.opfnamespace
     WHERE f.oid NOT IN (SELECT objid FROM ext WHERE classid = 'pg_opfamily'::regclass)""",
    """SELECT NULL, NULL, 'operator family ' || format('%I.%I', n.nspname, f.opfname) || ' member function '
       || m.amprocnum || ' (' || format_type(m.amproclefttype, NULL) || ', '
       || format_type(m.amprocrighttype, NULL) || ') ' || m.amproc::oid::regprocedure::text
     FROM pg_amproc m JOIN pg_opfamily f ON f.oid = m.amprocfamily JOIN ns n ON n.oid = f.opfnamespace
     WHERE f.oid NOT IN (SELECT objid FROM ext WHERE classid = 'pg_opfamily'::regclass)""",
    # text search: configurations with their mappings, dictionaries, parsers, templates
    """SELECT NULL, NULL, 'text search configuration ' || format('%I.%I', n.nspname, c.cfgname)
       || ' parser ' || format('%I.%I', pn.nspname, p.prsname)
     FROM pg_ts_config c JOIN ns n ON n.oid = c.cfgnamespace
     JOIN pg_ts_parser p ON p.oid = c.cfgparser JOIN pg_namespace pn ON pn.oid = p.prsnamespace
     WHERE c.oid NOT IN (SELECT objid FROM ext WHERE classid = 'pg_ts_config'::regclass)""",
    """SELECT NULL, NULL, 'text search mapping ' || format('%I.%I', n.nspname, c.cfgname)
       || ' token ' || m.maptokentype || ' #' || m.mapseqno || ' ' || m.mapdict::regdictionary::text
     FROM pg_ts_config_map m JOIN pg_ts_config c ON c.oid = m.mapcfg JOIN ns n ON n.oid = c.cfgnamespace
     WHERE c.oid NOT IN (SELECT objid FROM ext WHERE classid = 'pg_ts_config'::regclass)""",
    """SELECT NULL, NULL, 'text search dictionary ' || format('%I.%I', n.nspname, d.dictname)
       || ' template ' || format('%I.%I', tn.nspname, t.tmplname) || coalesce(' options ' || (
         -- in any order (ALTER appends what it adds): split before each `name = `, every character kept
         SELECT string_agg(o, ', ' ORDER BY o) FROM regexp_split_to_table(d.dictinitoption,
           $re$, (?=(?:"(?:[^"]|"")*"|[a-z_][a-z0-9_$]*) = )$re$) o), '')
     FROM pg_ts_dict d JOIN ns n ON n.oid = d.dictnamespace
     JOIN pg_ts_template t ON t.oid = d.dicttemplate JOIN pg_namespace tn ON tn.oid = t.tmplnamespace
     WHERE d.oid NOT IN (SELECT objid FROM ext WHERE classid = 'pg_ts_dict'::regclass)""",
    """SELECT NULL, NULL, 'text search parser ' || format('%I.%I', n.nspname, p.prsname)
       || ' ' || concat_ws(' ', p.prsstart::oid::regprocedure, p.prstoken::oid::regprocedure,
                           p.prsend::oid::regprocedure, p.prsheadline::oid::regprocedure,
                           p.prslextype::oid::regprocedure)
     FROM pg_ts_parser p JOIN ns n ON n.oid = p.prsnamespace
     WHERE p.oid NOT IN (SELECT objid FROM ext WHERE classid = 'pg_ts_parser'::regclass)""",
    """SELECT NULL, NULL, 'text search template ' || format('%I.%I', n.nspname, t.tmplname)
       || ' ' || concat_ws(' ', t.tmplinit::oid::regprocedure, t.tmpllexize::oid::regprocedure)
     FROM pg_ts_template t JOIN ns n ON n.oid = t.tmplnamespace
     WHERE t.oid NOT IN (SELECT objid FROM ext WHERE classid = 'pg_ts_template'::regclass)""",
    # objects outside schemas
    """SELECT NULL, NULL, 'extension ' || quote_ident(x.extname) || ' version ' || x.extversion
       || ' schema ' || quote_ident(n.nspname)
     FROM pg_extension x JOIN pg_namespace n ON n.oid = x.extnamespace, whole
     WHERE (whole.db AND NOT (n.nspname = ANY($2::text[]))) OR n.oid IN (SELECT oid FROM ns)""",
    """SELECT NULL, NULL, 'cast (' || format_type(c.castsource, NULL) || ' AS ' || format_type(c.casttarget, NULL)
       || ') ' || CASE c.castmethod WHEN 'f' THEN 'with function ' || c.castfunc::regprocedure::text
                                    WHEN 'i' THEN 'with inout' ELSE 'without function' END
       || ' context ' || c.castcontext::text
     FROM pg_cast c, whole
     WHERE whole.db AND c.oid >= 16384 AND c.oid NOT IN (SELECT objid FROM ext WHERE classid = 'pg_cast'::regclass)""",
    """SELECT NULL, NULL, 'event trigger ' || quote_ident(e.evtname) || ' on ' || e.evtevent
       || ' execute ' || e.evtfoid::regprocedure::text || ' enabled ' || e.evtenabled::text
       || coalesce(' tags ' || array_to_string(e.evttags, ','), '')
     FROM pg_event_trigger e, whole
     WHERE whole.db AND e.oid NOT IN (SELECT objid FROM ext WHERE classid = 'pg_event_trigger'::regclass)""",
    """SELECT NULL, NULL, 'language ' || quote_ident(l.lanname) || ' trusted ' || l.lanpltrusted
       || ' handler ' || l.lanplcallfoid::regprocedure::text || ' inline ' || l.laninline::regprocedure::text
       || ' validator ' || l.lanvalidator::regprocedure::text
     FROM pg_language l, whole
     WHERE whole.db AND l.oid >= 16384
       AND l.oid NOT IN (SELECT objid FROM ext WHERE classid = 'pg_language'::regclass)""",
    """SELECT NULL, NULL, 'access method ' || quote_ident(a.amname) || ' type ' || a.amtype::text
       || ' handler ' || a.amhandler::oid::regprocedure::text
     FROM pg_am a, whole
     WHERE whole.db AND a.oid >= 16384 AND a.oid NOT IN (SELECT objid FROM ext WHERE classid = 'pg_am'::regclass)""",
    f"""SELECT NULL, NULL, 'foreign data wrapper ' || quote_ident(w.fdwname)
       || ' handler ' || w.fdwhandler::regprocedure::text || ' validator ' || w.fdwvalidator::regprocedure::text
       || coalesce(' options ' || {_options("w.fdwoptions")}, '')
     FROM pg_foreign_data_wrapper w, whole
     WHERE whole.db AND w.oid NOT IN (SELECT objid FROM ext WHERE classid = 'pg_foreign_data_wrapper'::regclass)""",
    f"""SELECT NULL, NULL, 'server ' || quote_ident(s.srvname) || ' wrapper ' || quote_ident(w.fdwname)
       || coalesce(' type ' || quote_literal(s.srvtype), '') || coalesce(' version ' || quote_literal(s.srvversion), '')
       || coalesce(' options ' || {_options("s.srvoptions")}, '')
     FROM pg_foreign_server s JOIN pg_foreign_data_wrapper w ON w.oid = s.srvfdw, whole
     WHERE whole.db AND s.oid NOT IN (SELECT objid FROM ext WHERE classid = 'pg_foreign_server'::regclass)""",
    """SELECT NULL, NULL, 'user mapping for ' || CASE WHEN u.umuser = 0 THEN 'PUBLIC'
                                                  ELSE quote_ident(pg_get_userbyid(u.umuser)) END
       || ' server ' || quote_ident(s.srvname)
     FROM pg_user_mappings u JOIN pg_foreign_server s ON s.oid = u.srvid, whole
     WHERE whole.db AND s.oid NOT IN (SELECT objid FROM ext WHERE classid = 'pg_foreign_server'::regclass)""",
    """SELECT NULL, NULL, 'publication ' || quote_ident(p.pubname) || ' '
       || (to_jsonb(p) - 'oid' - 'pubname' - 'pubowner')::text
     FROM pg_publication p, whole WHERE whole.db""",
    """SELECT r.ts, r.tn, 'publication ' || quote_ident(p.pubname) || ' table ' || r.qname
       || coalesce(' where ' || pg_get_expr(pr.prqual, pr.prrelid), '')
       || coalesce(' columns ' || (SELECT string_agg(quote_ident(a.attname), ',' ORDER BY a.attname)
                                   FROM pg_attribute a WHERE a.attrelid = pr.prrelid
                                   AND a.attnum = ANY(pr.prattrs)), '')
     FROM pg_publication_rel pr JOIN pg_publication p ON p.oid = pr.prpubid JOIN rel r ON r.oid = pr.prrelid""",
    """SELECT NULL, NULL, 'publication ' || quote_ident(p.pubname) || ' tables in schema ' || quote_ident(n.nspname)
     FROM pg_publication_namespace pn JOIN pg_publication p ON p.oid = pn.pnpubid JOIN ns n ON n.oid = pn.pnnspid""",
    # comments on anything, named by the server (pg_identify_object)
    """SELECT r.ts, r.tn, 'comment on ' || io.type || ' ' || io.identity || ': ' || d.description
     FROM (SELECT d.*, CASE d.classoid
                  WHEN 'pg_class'::regclass THEN d.objoid
                  WHEN 'pg_constraint'::regclass THEN (SELECT NULLIF(conrelid, 0) FROM pg_constraint WHERE oid = d.objoid)
                  WHEN 'pg_trigger'::regclass THEN (SELECT tgrelid FROM pg_trigger WHERE oid = d.objoid)
                  WHEN 'pg_rewrite'::regclass THEN (SELECT ev_class FROM pg_rewrite WHERE oid = d.objoid)
                  WHEN 'pg_policy'::regclass THEN (SELECT polrelid FROM pg_policy WHERE oid = d.objoid)
                END AS relid
           FROM pg_description d WHERE d.classoid <> 'pg_largeobject'::regclass) d
     CROSS JOIN LATERAL pg_identify_object(d.classoid, d.objoid, d.objsubid) io
     LEFT JOIN rel r ON r.oid = d.relid
     CROSS JOIN whole
     WHERE NOT EXISTS (SELECT 1 FROM ext WHERE ext.classid = d.classoid AND ext.objid = d.objoid)
       AND CASE WHEN d.classoid = 'pg_namespace'::regclass THEN d.objoid IN (SELECT oid FROM ns)
                WHEN d.relid IS NOT NULL THEN r.oid IS NOT NULL
                WHEN io.schema IS NOT NULL THEN io.schema IN (SELECT nspname FROM ns)
                ELSE whole.db AND d.objoid >= 16384 END""",
    # owners, and privileges as what differs from the default ones (GRANT then REVOKE is the same as never
    # granting); the owner in a privilege is written (owner), whoever that is
    """SELECT o.ts, o.tn, 'owner ' || o.what || ': ' || quote_ident(pg_get_userbyid(o.owner))
     FROM owned o WHERE o.what NOT LIKE 'column %'""",
    f"""SELECT o.ts, o.tn, 'grant ' || o.what || ': ' || x.privilege_type
       || CASE WHEN x.is_grantable THEN ' with grant option' ELSE '' END
       || ' to ' || {_ROLE.format(r="x.grantee")} || ' by ' || {_ROLE.format(r="x.grantor")}
     FROM owned o CROSS JOIN LATERAL (SELECT * FROM aclexplode(o.acl)
                                      EXCEPT SELECT * FROM aclexplode(acldefault(o.aclkind, o.owner))) x
     WHERE o.aclkind IS NOT NULL AND o.acl IS NOT NULL""",
    f"""SELECT o.ts, o.tn, 'revoke ' || o.what || ': ' || x.privilege_type
       || CASE WHEN x.is_grantable THEN ' with grant option' ELSE '' END || ' from ' || {_ROLE.format(r="x.grantee")}
     FROM owned o CROSS JOIN LATERAL (SELECT * FROM aclexplode(acldefault(o.aclkind, o.owner))
                                      EXCEPT SELECT * FROM aclexplode(o.acl)) x
     WHERE o.aclkind IS NOT NULL AND o.acl IS NOT NULL""",
    """SELECT NULL, NULL, 'default privileges for ' || quote_ident(pg_get_userbyid(d.defaclrole))
       || coalesce(' in schema ' || quote_ident(n.nspname), '') || ' on ' || d.defaclobjtype::text || ': '
       || x.privilege_type || CASE WHEN x.is_grantable THEN ' with grant option' ELSE '' END
       || ' to ' || CASE WHEN x.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(x.grantee)) END
     FROM pg_default_acl d LEFT JOIN pg_namespace n ON n.oid = d.defaclnamespace
     CROSS JOIN LATERAL aclexplode(d.defaclacl) x, whole
     WHERE (d.defaclnamespace = 0 AND whole.db) OR d.defaclnamespace IN (SELECT oid FROM ns)""",
)

FINGERPRINT_SQL = _CTES + "\nUNION ALL\n".join(_SECTIONS)
