"""The one query that counts what the model does not know, per kind and place (core.model_unmodelled).

Every kind below is a catalog the model has no class for. Each branch of the union names its objects by
catalog and OID, with the schema and relation they belong to; the outer query drops extension members and
built-in objects (OIDs below 16384, FirstNormalObjectId) and parts of another object (an implicit cast of a
range type: an internal dependency) once for all kinds, with one anti-join on pg_depend
(no NOT IN), and groups. Database-wide kinds (no schema) are counted only when no schema list narrows the
diff. When a kind becomes modelled, its branch leaves this list.
"""

from __future__ import annotations

# (kind, catalog, object OID, schema OID or NULL, relation OID or NULL, FROM ... WHERE ...). Rules,
# statistics objects, event triggers, foreign data wrappers, servers, user mappings, foreign tables, text
# search dictionaries and configurations are modelled (core.model_objects), and publications from PostgreSQL
# 15 (queries_objects). Text search parsers and templates (C functions: a superuser's) are counted here
# unless an extension made them.
_KINDS: tuple[tuple[str, str, str, str, str, str], ...] = (
    ("transform", "pg_transform", "t.oid", "NULL", "NULL", "pg_transform t"),
    ("cast", "pg_cast", "k.oid", "NULL", "NULL", "pg_cast k"),
    ("language", "pg_language", "l.oid", "NULL", "NULL", "pg_language l"),
    ("access method", "pg_am", "a.oid", "NULL", "NULL", "pg_am a"),
    (
        "subscription",
        "pg_subscription",
        "s.oid",
        "NULL",
        "NULL",
        "pg_subscription s JOIN pg_database d ON d.oid = s.subdbid WHERE d.datname = current_database()",
    ),
    ("operator", "pg_operator", "o.oid", "o.oprnamespace", "NULL", "pg_operator o"),
    ("operator class", "pg_opclass", "o.oid", "o.opcnamespace", "NULL", "pg_opclass o"),
    ("operator family", "pg_opfamily", "o.oid", "o.opfnamespace", "NULL", "pg_opfamily o"),
    ("conversion", "pg_conversion", "v.oid", "v.connamespace", "NULL", "pg_conversion v"),
    ("text search parser", "pg_ts_parser", "x.oid", "x.prsnamespace", "NULL", "pg_ts_parser x"),
    ("text search template", "pg_ts_template", "x.oid", "x.tmplnamespace", "NULL", "pg_ts_template x"),
    # A base type made with CREATE TYPE (input/output functions); the arrays the server makes are not objects
    # of their own.
    (
        "base type",
        "pg_type",
        "t.oid",
        "t.typnamespace",
        "NULL",
        "pg_type t LEFT JOIN pg_type e ON e.typarray = t.oid WHERE t.typtype = 'b' AND e.oid IS NULL",
    ),
)


def _branch(kind: str, catalog: str, oid: str, nsp: str, rel: str, source: str) -> str:
    return (
        f"SELECT '{kind}'::text AS kind, '{catalog}'::regclass::oid AS classid, {oid} AS objid, "
        f"{nsp}::oid AS nspoid, {rel}::oid AS relid FROM {source}"
    )


_OLD_PUBLICATIONS = (
    ("publication", "pg_publication", "p.oid", "NULL", "NULL", "pg_publication p"),
    (
        "publication member",
        "pg_publication_rel",
        "p.oid",
        "c.relnamespace",
        "p.prrelid",
        "pg_publication_rel p JOIN pg_class c ON c.oid = p.prrelid",
    ),
)


def unmodelled_sql(schema_filter: str, version_num: int) -> str:
    """The query; `schema_filter` is the introspection's filter on a schema aliased `n` (core.introspect.queries)."""
    kinds = _KINDS + (_OLD_PUBLICATIONS if version_num < 150000 else ())
    return f"""
WITH o AS (
{chr(10).join(("  UNION ALL " if i else "  ") + _branch(*k) for i, k in enumerate(kinds))}
)
SELECT o.kind, COALESCE(n.nspname, '') AS schema, COALESCE(c.relname, '') AS relation, count(*) AS count,
       md5(string_agg(d.name, E'\\n' ORDER BY d.name COLLATE "C")) AS names
FROM o
LEFT JOIN pg_namespace n ON n.oid = o.nspoid
LEFT JOIN pg_class c ON c.oid = o.relid
CROSS JOIN LATERAL (SELECT pg_describe_object(o.classid, o.objid, 0) AS name) d
LEFT JOIN pg_depend x ON x.classid = o.classid AND x.objid = o.objid AND x.objsubid = 0
     AND x.deptype IN ('e', 'i')
WHERE x.objid IS NULL AND o.objid >= 16384
  AND (CASE WHEN n.oid IS NULL THEN cardinality($1::text[]) = 0 ELSE {schema_filter.strip()} END)
GROUP BY 1, 2, 3
ORDER BY 2, 3, 1
    """
