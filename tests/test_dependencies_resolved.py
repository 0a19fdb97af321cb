"""pg_depend's rows resolved to model objects (core/introspect/dependencies.py): one Dependency per distinct
pair, whichever OIDs the rows named it by, never an object depending on itself, in the rows' order."""

from __future__ import annotations

import asyncio
from collections import Counter

import asyncpg

from dibs_tui.core.introspect.read import introspect
from dibs_tui.core.model import Catalog, ObjectRef
from tests.pg import run_sql

SCHEMA = """
CREATE TYPE mood AS ENUM ('sad', 'ok');
-- depends on mood twice in pg_depend: by the type's OID (argument) and by its array's (result)
CREATE FUNCTION moods(m mood) RETURNS mood[] LANGUAGE sql AS 'SELECT ARRAY[m]';
CREATE TABLE person (id int PRIMARY KEY, m mood, ms mood[]);
CREATE TABLE visit (id int PRIMARY KEY, person_id int REFERENCES person (id));
CREATE VIEW sad_people AS SELECT id FROM person WHERE m = 'sad';
-- a function returning the table's row type depends on the table (through its row type's OID)
CREATE FUNCTION people() RETURNS SETOF person LANGUAGE sql AS 'SELECT * FROM person';
"""


async def _read(dsn: str) -> Catalog:
    conn = await asyncpg.connect(dsn)
    try:
        return await introspect(conn)
    finally:
        await conn.close()


def test_each_dependency_once_by_its_objects_and_never_on_itself(db: str) -> None:
    run_sql(db, SCHEMA)
    deps = asyncio.run(_read(db)).dependencies
    pairs = [(str(d.dependent), str(d.referenced)) for d in deps]

    assert all(count == 1 for count in Counter(pairs).values()), pairs
    assert all(d.dependent != d.referenced for d in deps)
    mood = ObjectRef("type", "public", "mood")
    function = next(
        d.dependent for d in deps if d.dependent.kind == "function" and d.dependent.name == "moods"
    )
    assert [d.referenced for d in deps if d.dependent == function] == [mood]
    assert ("column public.person.m", "type public.mood") in pairs
    assert ("column public.person.ms", "type public.mood") in pairs
    assert ("constraint public.visit.visit_person_id_fkey", "column public.person.id") in pairs
    assert ("table public.sad_people", "column public.person.m") in pairs
    people = next(d for d in deps if d.dependent.kind == "function" and d.dependent.name == "people")
    assert people.referenced == ObjectRef("table", "public", "person")
