"""Which constraint owns an index, as the catalog says it: found through the index's internal dependency on
its constraint (core/introspect/queries.py, INDEXES_SQL), checked here against pg_constraint's own conindid
for every kind of index that may or may not have one, in the full read and in the first card's read."""

from __future__ import annotations

import asyncio

import asyncpg

from dibs_tui.core.introspect.read import introspect, load_relations
from dibs_tui.core.model import Catalog
from tests.pg import fetch, run_sql

SCHEMA = """
CREATE EXTENSION IF NOT EXISTS btree_gist;
CREATE TABLE room (id int, code text, slot int4range, tag text, area text,
                   CONSTRAINT room_pk PRIMARY KEY (id),
                   CONSTRAINT room_code_unique UNIQUE (code),
                   CONSTRAINT no_overlap EXCLUDE USING gist (id WITH =, slot WITH &&));
CREATE UNIQUE INDEX room_tag_plain_unique ON room (tag);          -- unique, no constraint
CREATE INDEX room_area ON room (area);                            -- neither
ALTER INDEX room_code_unique RENAME TO room_code_renamed;         -- renames its constraint too
ALTER TABLE room ADD CONSTRAINT room_area_key UNIQUE USING INDEX room_tag_plain_unique;
CREATE UNIQUE INDEX room_area_lower ON room (lower(area));
CREATE TABLE visit (room_id int REFERENCES room, day date, PRIMARY KEY (room_id, day)) PARTITION BY RANGE (day);
CREATE TABLE visit_2026 PARTITION OF visit FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
CREATE UNIQUE INDEX visit_2026_day ON visit_2026 (day);
"""

# pg_constraint's own answer: the p/u/x constraint whose conindid is the index.
ORACLE = """
SELECT c.relname AS table_name, ic.relname AS index_name, co.conname AS constraint_name
FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid JOIN pg_class ic ON ic.oid = i.indexrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_constraint co ON co.conindid = i.indexrelid AND co.contype IN ('p', 'u', 'x')
WHERE n.nspname = 'public'
"""


async def _read(dsn: str) -> tuple[Catalog, Catalog]:
    conn = await asyncpg.connect(dsn)
    try:
        whole = await introspect(conn)
        card = await load_relations(conn, [("public", "room"), ("public", "visit_2026")])
        return whole, card
    finally:
        await conn.close()


def _owners(catalog: Catalog) -> dict[tuple[str, str], str | None]:
    return {(r.name, i.name): i.constraint_name for r in catalog.relations for i in r.indexes}


def test_each_index_names_the_constraint_pg_constraint_says_owns_it(db: str) -> None:
    run_sql(db, SCHEMA)
    expected = {
        (r["table_name"], r["index_name"]): r["constraint_name"] for r in asyncio.run(fetch(db, ORACLE))
    }
    whole, card = asyncio.run(_read(db))

    assert _owners(whole) == expected
    assert _owners(card) == {k: v for k, v in expected.items() if k[0] in ("room", "visit_2026")}
    # The cases the oracle covers, so that this test cannot pass on an empty or uniform answer:
    assert expected[("room", "room_pk")] == "room_pk"
    assert expected[("room", "room_code_renamed")] == "room_code_renamed"
    assert expected[("room", "no_overlap")] == "no_overlap"
    assert expected[("room", "room_area_key")] == "room_area_key"
    assert expected[("room", "room_area_lower")] is None and expected[("room", "room_area")] is None
    assert expected[("visit_2026", "visit_2026_pkey")] == "visit_2026_pkey"
    assert expected[("visit_2026", "visit_2026_day")] is None
