"""Introspection: the whole schema in a constant number of set-based pg_catalog queries.

Fifteen queries (sixteen when some index needs the server's deparser), whatever the number of tables, each
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
