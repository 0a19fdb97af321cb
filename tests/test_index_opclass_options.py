"""Operator class options (`tsvector_ops (siglen='100')`) live in the index columns' attoptions, which the
introspection probes only for indexes of an access method that has a class taking options
(core/introspect/queries.py, INDEXES_SQL): such an index keeps them in its definition, a default class with
options too, and the other indexes of the same table are written as before."""

from __future__ import annotations

import asyncpg

from dibs_tui.core.introspect.read import introspect

OPTIONED = """
CREATE TABLE doc (id int, body tsvector, n int, t text);
CREATE INDEX doc_body_siglen ON doc USING gist (body tsvector_ops (siglen = 100));
CREATE INDEX doc_body_plain ON doc USING gist (body);
CREATE INDEX doc_n_bloom ON doc USING brin (n int4_bloom_ops (n_distinct_per_range = 100));
CREATE INDEX doc_n_minmax ON doc USING brin (n);
CREATE INDEX doc_t ON doc (t);
CREATE INDEX doc_id_t ON doc USING btree (id, t text_pattern_ops);
"""


async def test_indexes_with_operator_class_options_keep_them(db: str) -> None:
    conn = await asyncpg.connect(db)
    try:
        await conn.execute(OPTIONED)
        catalog = await introspect(conn)
        server = {
            r["name"]: r["definition"]
            for r in await conn.fetch(
                "SELECT c.relname AS name, pg_get_indexdef(c.oid) AS definition FROM pg_class c "
                "WHERE c.relkind = 'i' AND c.relnamespace = 'public'::regnamespace"
            )
        }
    finally:
        await conn.close()
    (doc,) = [r for r in catalog.relations if r.name == "doc"]
    ours = {i.name: i.definition for i in doc.indexes}
    assert ours == server
    assert "siglen='100'" in ours["doc_body_siglen"] and "n_distinct_per_range='100'" in ours["doc_n_bloom"]
    assert ours["doc_body_plain"] == "CREATE INDEX doc_body_plain ON public.doc USING gist (body)"
