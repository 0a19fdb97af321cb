"""The one query for the objects the diff re-creates whole (core.model_objects): each branch of the union is
one kind, writes its CREATE and DROP statements with the server's own deparsers and quote_ident, and names
its catalog and OID; the outer query adds comments and drops extension members and built-in objects once
for all kinds, with anti-joins (no NOT IN). Database-wide kinds are read only when no schema list narrows
the diff. A user mapping's options that may hold a secret are never read: their names come back, masked.
"""

from __future__ import annotations

# Options as an array of (name, value) pairs flattened, sorted by name.
_OPTIONS = (
    "(SELECT array_agg(x ORDER BY o.option_name, i) FROM pg_options_to_table({opts}) o "
    "CROSS JOIN LATERAL unnest(ARRAY[o.option_name, o.option_value]) WITH ORDINALITY AS v(x, i) {where})"
)
# Option names that may hold a secret: their values never leave the server.
_SECRET = "o.option_name ~* '(pass|secret|token|key|cred)'"  # noqa: S105 (a pattern of names, no password)


def _options(column: str, *, secrets: bool = True) -> str:
    return _OPTIONS.format(opts=column, where="" if secrets else f"WHERE NOT {_SECRET}")


_RULE = """
SELECT 'rule' AS kind, 'pg_rewrite'::regclass::oid AS classid, r.oid AS objid, c.relnamespace AS nspoid,
       c.relname::text AS relation, r.rulename::text AS name,
       pg_get_ruledef(r.oid) || CASE WHEN r.ev_enabled <> 'O' THEN format(E'\\nALTER TABLE %I.%I %s RULE %I;',
         n.nspname, c.relname, CASE r.ev_enabled WHEN 'D' THEN 'DISABLE' WHEN 'R' THEN 'ENABLE REPLICA'
         ELSE 'ENABLE ALWAYS' END, r.rulename) ELSE '' END AS create_sql,
       format('DROP RULE %I ON %I.%I;', r.rulename, n.nspname, c.relname) AS drop_sql,
       format('RULE %I ON %I.%I', r.rulename, n.nspname, c.relname) AS target, NULL::text[] AS masked,
       NULL::text[] AS options, ARRAY['table', n.nspname, c.relname, '']::text[] || COALESCE((
         SELECT array_agg(x ORDER BY d.refobjid, d.refobjsubid, i) FROM pg_depend d
         JOIN pg_class dc ON dc.oid = d.refobjid JOIN pg_namespace dn ON dn.oid = dc.relnamespace
         LEFT JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
         CROSS JOIN LATERAL unnest(CASE WHEN d.refobjsubid > 0
                                        THEN ARRAY['column', dn.nspname, dc.relname, a.attname]::text[]
                                        ELSE ARRAY['table', dn.nspname, dc.relname, '']::text[] END)
           WITH ORDINALITY AS v(x, i)
         WHERE d.classid = 'pg_rewrite'::regclass AND d.objid = r.oid AND d.refclassid = 'pg_class'::regclass
           AND d.deptype = 'n'), '{}') AS refs
FROM pg_rewrite r JOIN pg_class c ON c.oid = r.ev_class JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE r.rulename <> '_RETURN'"""

# A statistics target set by hand (>= 0): PostgreSQL 17 and later keep NULL for the default, 15 and 16 keep -1,
# which read as a target made every statistics object of a live 15 differ from the one a schema file makes on
# the embedded 18, dropped and made again by each plan.
_STATISTICS = """
SELECT 'statistics object', 'pg_statistic_ext'::regclass::oid, s.oid, s.stxnamespace, c.relname::text,
       s.stxname::text,
       pg_get_statisticsobjdef(s.oid) || ';' || CASE WHEN s.stxstattarget >= 0 THEN
         format(E'\\nALTER STATISTICS %I.%I SET STATISTICS %s;', n.nspname, s.stxname, s.stxstattarget)
         ELSE '' END,
       format('DROP STATISTICS %I.%I;', n.nspname, s.stxname),
       format('STATISTICS %I.%I', n.nspname, s.stxname), NULL, NULL,
       ARRAY['table', cn.nspname, c.relname, '']::text[] || COALESCE((
         SELECT array_agg(x ORDER BY a.attnum, i) FROM pg_attribute a
         CROSS JOIN LATERAL unnest(ARRAY['column', cn.nspname, c.relname, a.attname]::text[])
           WITH ORDINALITY AS v(x, i)
         WHERE a.attrelid = s.stxrelid AND a.attnum = ANY(s.stxkeys)), '{}')
FROM pg_statistic_ext s JOIN pg_class c ON c.oid = s.stxrelid JOIN pg_namespace n ON n.oid = s.stxnamespace
JOIN pg_namespace cn ON cn.oid = c.relnamespace"""

_EVENT_TRIGGER = """
SELECT 'event trigger', 'pg_event_trigger'::regclass::oid, e.oid, NULL, '', e.evtname::text,
       format('CREATE EVENT TRIGGER %I ON %I', e.evtname, e.evtevent)
         || COALESCE(' WHEN TAG IN (' || (SELECT string_agg(quote_literal(t.tag), ', ' ORDER BY t.i)
                                          FROM unnest(e.evttags) WITH ORDINALITY AS t(tag, i)) || ')', '')
         || format(' EXECUTE FUNCTION %I.%I();', fn.nspname, f.proname)
         || CASE e.evtenabled WHEN 'D' THEN format(E'\\nALTER EVENT TRIGGER %I DISABLE;', e.evtname)
              WHEN 'R' THEN format(E'\\nALTER EVENT TRIGGER %I ENABLE REPLICA;', e.evtname)
              WHEN 'A' THEN format(E'\\nALTER EVENT TRIGGER %I ENABLE ALWAYS;', e.evtname) ELSE '' END,
       format('DROP EVENT TRIGGER %I;', e.evtname), format('EVENT TRIGGER %I', e.evtname), NULL, NULL,
       ARRAY['function', fn.nspname, f.proname, '']::text[]
FROM pg_event_trigger e JOIN pg_proc f ON f.oid = e.evtfoid JOIN pg_namespace fn ON fn.oid = f.pronamespace"""

_WRAPPER = f"""
SELECT 'foreign data wrapper', 'pg_foreign_data_wrapper'::regclass::oid, w.oid, NULL, '', w.fdwname::text,
       format('CREATE FOREIGN DATA WRAPPER %I', w.fdwname)
         || CASE WHEN h.oid IS NOT NULL THEN format(' HANDLER %I.%I', hn.nspname, h.proname) ELSE '' END
         || CASE WHEN v.oid IS NOT NULL THEN format(' VALIDATOR %I.%I', vn.nspname, v.proname) ELSE '' END,
       format('DROP FOREIGN DATA WRAPPER %I;', w.fdwname), format('FOREIGN DATA WRAPPER %I', w.fdwname), NULL,
       {_options("w.fdwoptions")}, NULL
FROM pg_foreign_data_wrapper w
LEFT JOIN pg_proc h ON h.oid = w.fdwhandler LEFT JOIN pg_namespace hn ON hn.oid = h.pronamespace
LEFT JOIN pg_proc v ON v.oid = w.fdwvalidator LEFT JOIN pg_namespace vn ON vn.oid = v.pronamespace"""

_SERVER = f"""
SELECT 'foreign server', 'pg_foreign_server'::regclass::oid, s.oid, NULL, '', s.srvname::text,
       format('CREATE SERVER %I', s.srvname) || COALESCE(' TYPE ' || quote_literal(s.srvtype), '')
         || COALESCE(' VERSION ' || quote_literal(s.srvversion), '')
         || format(' FOREIGN DATA WRAPPER %I', w.fdwname),
       format('DROP SERVER %I;', s.srvname), format('SERVER %I', s.srvname), NULL,
       {_options("s.srvoptions")}, ARRAY['foreign data wrapper', '', w.fdwname, '']::text[]
FROM pg_foreign_server s JOIN pg_foreign_data_wrapper w ON w.oid = s.srvfdw"""

# The view, not pg_user_mapping: that catalog is closed to ordinary roles. umoptions is NULL when this role
# may not read them; then nothing is compared but the mapping's existence.
_USER_MAPPING = f"""
SELECT 'user mapping', 'pg_user_mapping'::regclass::oid, u.umid, NULL, u.srvname::text,
       CASE WHEN u.umuser = 0 THEN 'public' ELSE u.usename::text END,
       format('CREATE USER MAPPING FOR %s SERVER %I',
              CASE WHEN u.umuser = 0 THEN 'PUBLIC' ELSE quote_ident(u.usename) END, u.srvname),
       format('DROP USER MAPPING FOR %s SERVER %I;',
              CASE WHEN u.umuser = 0 THEN 'PUBLIC' ELSE quote_ident(u.usename) END, u.srvname),
       format('USER MAPPING FOR %s SERVER %I',
              CASE WHEN u.umuser = 0 THEN 'PUBLIC' ELSE quote_ident(u.usename) END, u.srvname),
       (SELECT array_agg(o.option_name ORDER BY o.option_name) FROM pg_options_to_table(u.umoptions) o
        WHERE {_SECRET}), {_options("u.umoptions", secrets=False)},
       ARRAY['foreign server', '', u.srvname, '']::text[]
FROM pg_user_mappings u"""

# Members: tables (each ONLY, as pg_dump writes them: a child is a member only where listed itself; with their
# column list and row filter; what they name in the order of their names, not of their rows) and schemas;
# publish options as the server keeps them. From PostgreSQL 15 (row filters, column lists, TABLES IN SCHEMA);
# 18 adds generated columns.
_PUBLICATION = """
SELECT 'publication', 'pg_publication'::regclass::oid, p.oid, NULL, '', p.pubname::text,
       format('CREATE PUBLICATION %I', p.pubname)
         || CASE WHEN p.puballtables THEN ' FOR ALL TABLES' ELSE COALESCE(' FOR ' || (
              SELECT string_agg(m.item, ', ' ORDER BY m.item COLLATE "C") FROM (
                SELECT format('TABLE ONLY %I.%I', mn.nspname, mc.relname)
                  || COALESCE(' (' || (SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY a.attnum)
                                       FROM pg_attribute a
                                       WHERE a.attrelid = pr.prrelid AND a.attnum = ANY(pr.prattrs)) || ')', '')
                  || COALESCE(' WHERE (' || pg_get_expr(pr.prqual, pr.prrelid) || ')', '') AS item
                FROM pg_publication_rel pr JOIN pg_class mc ON mc.oid = pr.prrelid
                JOIN pg_namespace mn ON mn.oid = mc.relnamespace WHERE pr.prpubid = p.oid
                UNION ALL
                SELECT format('TABLES IN SCHEMA %I', sn.nspname) FROM pg_publication_namespace ps
                JOIN pg_namespace sn ON sn.oid = ps.pnnspid WHERE ps.pnpubid = p.oid) m), '') END
         || ' WITH (publish = ' || quote_literal(concat_ws(', ', CASE WHEN p.pubinsert THEN 'insert' END,
              CASE WHEN p.pubupdate THEN 'update' END, CASE WHEN p.pubdelete THEN 'delete' END,
              CASE WHEN p.pubtruncate THEN 'truncate' END))
         || ', publish_via_partition_root = ' || p.pubviaroot::text {generated} || ');',
       format('DROP PUBLICATION %I;', p.pubname), format('PUBLICATION %I', p.pubname), NULL, NULL,
       (SELECT array_agg(x ORDER BY mn.nspname COLLATE "C", mc.relname COLLATE "C", i) FROM pg_publication_rel pr JOIN pg_class mc ON mc.oid = pr.prrelid
        JOIN pg_namespace mn ON mn.oid = mc.relnamespace
        CROSS JOIN LATERAL unnest(ARRAY['table', mn.nspname, mc.relname, '']::text[]) WITH ORDINALITY AS v(x, i)
        WHERE pr.prpubid = p.oid)
       -- the columns a row filter or a column list reads: PostgreSQL refuses to retype one under a filter
       || (SELECT array_agg(x ORDER BY mn.nspname COLLATE "C", mc.relname COLLATE "C", d.refobjsubid, i)
           FROM pg_publication_rel pr
           JOIN pg_depend d ON d.classid = 'pg_publication_rel'::regclass AND d.objid = pr.oid
                           AND d.refclassid = 'pg_class'::regclass AND d.refobjsubid > 0
           JOIN pg_class mc ON mc.oid = d.refobjid JOIN pg_namespace mn ON mn.oid = mc.relnamespace
           JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
           CROSS JOIN LATERAL unnest(ARRAY['column', mn.nspname, mc.relname, a.attname]::text[])
             WITH ORDINALITY AS v(x, i)
           WHERE pr.prpubid = p.oid)
FROM pg_publication p"""

# An object of an extension's (a template, a parser, a dictionary) stands for the extension: made with it.
_EXTENSION_REF = """(SELECT ARRAY['extension', '', e.extname, '']::text[] FROM pg_depend x
         JOIN pg_extension e ON e.oid = x.refobjid
         WHERE x.classid = '{catalog}'::regclass AND x.objid = {oid} AND x.deptype = 'e')"""

# A dictionary's options as the server keeps them (dictinitoption: `name = 'value', ...`, written back by it as
# it was given) split into (name, value) pairs, both as SQL text: a quoted or plain identifier, a string
# literal (E'' when it holds a backslash) or a number. Sorted by name: ALTER appends the options it adds.
_DICTIONARY_OPTION = (
    r"""$re$("(?:[^"]|"")*"|[a-z_][a-z0-9_$]*) = (E?'(?:[^']|'')*'|[-+]?[0-9.][0-9.eE+-]*)(?:, |$)$re$"""
)

_TS_DICTIONARY = f"""
SELECT 'text search dictionary', 'pg_ts_dict'::regclass::oid, d.oid, d.dictnamespace, '', d.dictname::text,
       format('CREATE TEXT SEARCH DICTIONARY %I.%I (TEMPLATE = %I.%I);', dn.nspname, d.dictname, tn.nspname,
              t.tmplname),
       format('DROP TEXT SEARCH DICTIONARY %I.%I;', dn.nspname, d.dictname),
       format('TEXT SEARCH DICTIONARY %I.%I', dn.nspname, d.dictname), NULL,
       (SELECT array_agg(x ORDER BY m.a[1], i) FROM regexp_matches(d.dictinitoption, {_DICTIONARY_OPTION}, 'g') m(a)
        CROSS JOIN LATERAL unnest(m.a) WITH ORDINALITY AS v(x, i)),
       {_EXTENSION_REF.format(catalog="pg_ts_template", oid="t.oid")}
FROM pg_ts_dict d JOIN pg_namespace dn ON dn.oid = d.dictnamespace
JOIN pg_ts_template t ON t.oid = d.dicttemplate JOIN pg_namespace tn ON tn.oid = t.tmplnamespace"""

# A configuration's mappings as (token type, its dictionaries in order) pairs, sorted by token type; what it
# needs: its parser's extension, and each dictionary it maps to (a dictionary of an extension's: the extension).
_TS_CONFIGURATION = f"""
SELECT 'text search configuration', 'pg_ts_config'::regclass::oid, c.oid, c.cfgnamespace, '', c.cfgname::text,
       format('CREATE TEXT SEARCH CONFIGURATION %I.%I (PARSER = %I.%I);', cn.nspname, c.cfgname, pn.nspname,
              p.prsname),
       format('DROP TEXT SEARCH CONFIGURATION %I.%I;', cn.nspname, c.cfgname),
       format('TEXT SEARCH CONFIGURATION %I.%I', cn.nspname, c.cfgname), NULL,
       (SELECT array_agg(x ORDER BY g.token, i) FROM (
          SELECT quote_ident(tt.alias) AS token,
                 string_agg(format('%I.%I', mn.nspname, md.dictname), ', ' ORDER BY m.mapseqno) AS dictionaries
          FROM pg_ts_config_map m JOIN ts_token_type(c.cfgparser) tt ON tt.tokid = m.maptokentype
          JOIN pg_ts_dict md ON md.oid = m.mapdict JOIN pg_namespace mn ON mn.oid = md.dictnamespace
          WHERE m.mapcfg = c.oid GROUP BY tt.alias) g
        CROSS JOIN LATERAL unnest(ARRAY[g.token, g.dictionaries]) WITH ORDINALITY AS v(x, i)),
       COALESCE({_EXTENSION_REF.format(catalog="pg_ts_parser", oid="p.oid")}, '{{}}')
       || COALESCE((SELECT array_agg(x ORDER BY u.dict, i) FROM (
            SELECT DISTINCT m.mapdict AS dict, COALESCE(
              {_EXTENSION_REF.format(catalog="pg_ts_dict", oid="m.mapdict")},
              ARRAY['text search dictionary', mn.nspname, md.dictname, '']::text[]) AS ref
            FROM pg_ts_config_map m JOIN pg_ts_dict md ON md.oid = m.mapdict
            JOIN pg_namespace mn ON mn.oid = md.dictnamespace
            WHERE m.mapcfg = c.oid AND m.mapdict >= 16384) u
          CROSS JOIN LATERAL unnest(u.ref) WITH ORDINALITY AS v(x, i)), '{{}}')
FROM pg_ts_config c JOIN pg_namespace cn ON cn.oid = c.cfgnamespace
JOIN pg_ts_parser p ON p.oid = c.cfgparser JOIN pg_namespace pn ON pn.oid = p.prsnamespace"""

# PostgreSQL 18's option, written only where it is not the default (none): a publication read on 15 to 17,
# which have no such option, is then the same as the one a schema file makes on the embedded 18.
_GENERATED = "|| CASE p.pubgencols WHEN 's' THEN ', publish_generated_columns = stored' ELSE '' END"


def objects_sql(schema_filter: str, version_num: int) -> str:
    """The query; `schema_filter` is the introspection's filter on a schema aliased `n`."""
    branches = [_RULE, _STATISTICS, _EVENT_TRIGGER, _WRAPPER, _SERVER, _USER_MAPPING, _TS_DICTIONARY]
    branches.append(_TS_CONFIGURATION)
    if version_num >= 150000:
        branches.append(_PUBLICATION.replace("{generated}", _GENERATED if version_num >= 180000 else ""))
    union = "\nUNION ALL".join(branches)
    return f"""
WITH o AS ({union}
)
SELECT o.kind, o.objid AS oid, COALESCE(n.nspname, '') AS schema, o.relation, o.name, o.create_sql, o.drop_sql, o.target,
       o.masked, o.options, o.refs, ds.description AS comment
FROM o
LEFT JOIN pg_namespace n ON n.oid = o.nspoid
LEFT JOIN pg_description ds ON ds.objoid = o.objid AND ds.classoid = o.classid AND ds.objsubid = 0
LEFT JOIN pg_depend x ON x.classid = o.classid AND x.objid = o.objid AND x.objsubid = 0
     AND x.deptype IN ('e', 'i')
WHERE x.objid IS NULL AND o.objid >= 16384
  AND (CASE WHEN n.oid IS NULL THEN cardinality($1::text[]) = 0 ELSE {schema_filter.strip()} END)
ORDER BY 1, 2, 3, 4
"""


def foreign_tables_sql(schema_filter: str) -> str:
    """A foreign table's server, options and its columns' options (its columns are read as any table's)."""
    return f"""
SELECT n.nspname AS schema, c.relname AS name, s.srvname AS server, {_options("f.ftoptions")} AS options,
       (SELECT json_object_agg(a.attname, (SELECT json_agg(json_build_array(o.option_name, o.option_value)
                                                    ORDER BY o.option_name)
                                           FROM pg_options_to_table(a.attfdwoptions) o))
        FROM pg_attribute a
        WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
          AND a.attfdwoptions IS NOT NULL)::text AS column_options
FROM pg_foreign_table f
JOIN pg_class c ON c.oid = f.ftrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_foreign_server s ON s.oid = f.ftserver
WHERE {schema_filter.strip()}
  AND NOT EXISTS (SELECT FROM pg_depend x WHERE x.classid = 'pg_class'::regclass AND x.objid = c.oid
                  AND x.objsubid = 0 AND x.deptype = 'e')
ORDER BY 1, 2
"""
