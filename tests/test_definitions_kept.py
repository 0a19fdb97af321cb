"""Definitions the read keeps as parts (an index's, a foreign key's) compare, hash and are searched as their text.

The diff compares them without writing them (core/model_written.py, core/model_definitions.py:
same_definition, index_definitions_hold): each answer must be the one the written text gives.
"""

from __future__ import annotations

import asyncio
import dataclasses
import itertools

import asyncpg

from dibs_tui.core.introspect.read import introspect
from dibs_tui.core.model import Catalog, Constraint, Index
from dibs_tui.core.model_definitions import index_definitions_hold, same_definition
from tests.pg import run_sql

SCHEMA = """
CREATE SCHEMA other;
CREATE TABLE other.target (id int PRIMARY KEY, code text UNIQUE);
CREATE TABLE public.target (id int PRIMARY KEY);
CREATE TABLE "Mixed ARRAY[(" (
    id int PRIMARY KEY,
    a int REFERENCES other.target (id) ON DELETE CASCADE,
    b int REFERENCES public.target (id) DEFERRABLE INITIALLY DEFERRED,
    c text,
    d varchar(10) CHECK (d IN ('x', 'y')),
    "odd (col)" int
);
ALTER TABLE "Mixed ARRAY[(" ADD FOREIGN KEY (c) REFERENCES other.target (code) MATCH FULL NOT VALID;
CREATE UNIQUE INDEX "ix ARRAY[(" ON "Mixed ARRAY[(" (a, b);
CREATE INDEX plain_ix ON "Mixed ARRAY[(" (b DESC NULLS LAST);
CREATE INDEX expr_ix ON "Mixed ARRAY[(" (lower(c)) WHERE d = ANY (ARRAY['x'::varchar, 'y'::varchar]);
CREATE INDEX "ctl\u0001ARRAY" ON "Mixed ARRAY[(" (c);
CREATE INDEX odd_ix ON "Mixed ARRAY[(" USING hash ("odd (col)");
CREATE TABLE twin (LIKE "Mixed ARRAY[(" INCLUDING ALL);
"""


def _read(dsn: str) -> Catalog:
    async def go() -> Catalog:
        conn = await asyncpg.connect(dsn)
        try:
            return await introspect(conn)
        finally:
            await conn.close()

    return asyncio.run(go())


def _parts(catalog: Catalog) -> list[Constraint | Index]:
    return [x for r in catalog.relations for x in (*r.constraints, *r.indexes)]


def test_kept_definitions_compare_and_hash_as_their_text(db: str) -> None:
    run_sql(db, SCHEMA.replace("\\u0001", "\x01"))
    first, second = _read(db), _read(db)
    for a, b in zip(_parts(first), _parts(second), strict=True):
        assert a == b and hash(a) == hash(b)
        written = dataclasses.replace(a, definition=a.definition)  # the text itself, nothing kept
        assert written == a and a == written and hash(written) == hash(a)
        assert same_definition(a, written) and same_definition(written, b)
    parts = _parts(first)
    for a, b in itertools.product(parts, parts):
        if type(a) is type(b):
            assert (a == b) == (dataclasses.astuple(a) == dataclasses.astuple(b))
            assert same_definition(a, b) == (a.definition == b.definition)


def test_an_index_fragment_is_found_as_in_the_written_text(db: str) -> None:
    run_sql(db, SCHEMA.replace("\\u0001", "\x01"))
    indexes = [i for r in _read(db).relations for i in r.indexes]
    assert len(indexes) >= 10
    fragments = ("ARRAY[(", "ARRAY", "ARRAY[", "INDEX", "ix ", '"', "ctl", "\\0001", "01ARR", "lower(c)")
    # an index on one column keeps its table alone: `method (column)` is written from its fields
    one_column = ("(id)", "(id", "id)", "(", ")", "hash", "btree", "sh (", '("odd', '(col)"', "(col)", "(c)")
    for fragment in (*fragments, *one_column):
        for index in indexes:
            assert index_definitions_hold((index,), fragment) == (fragment in index.definition), (
                fragment,
                index.definition,
            )
