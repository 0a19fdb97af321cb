"""`review` says when a migration leaves a published table without a replica identity: the migration succeeds,
and every UPDATE and DELETE on the table then fails on the primary. Each hazard is checked against the server:
the migration applied, an UPDATE of the table fails as said; where nothing is said, it succeeds."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest

from tests.pg import review, run_sql

_SCHEMA = """
CREATE TABLE keyed (id int PRIMARY KEY, v int);
CREATE TABLE loose (a int);
CREATE TABLE "by index" (a int NOT NULL, b int);
CREATE UNIQUE INDEX by_a ON "by index" (a);
ALTER TABLE "by index" REPLICA IDENTITY USING INDEX by_a;
CREATE SCHEMA feed;
CREATE TABLE feed.events (a timestamptz);
INSERT INTO keyed VALUES (1, 1); INSERT INTO loose VALUES (1); INSERT INTO "by index" VALUES (1, 1);
INSERT INTO feed.events VALUES (now());
CREATE PUBLICATION cdc FOR TABLE keyed, "by index";
"""


def _said(sql: str, db: str) -> list[str]:
    reviewed = asyncio.run(review(db, sql))
    return [
        h.message
        for s in reviewed.statements
        for h in s.hazards
        if h.kind == "backward-incompatible" and "replica identity" in h.message
    ]


def _update_fails(db: str, table: str) -> bool:
    async def attempt() -> bool:
        conn = await asyncpg.connect(db)
        try:
            column = "v" if table == "keyed" else "a"
            await conn.execute(f"UPDATE {table} SET {column} = {column}")
            return False
        except asyncpg.ObjectNotInPrerequisiteStateError as exc:
            assert "does not have a replica identity and publishes updates" in str(exc)
            return True
        finally:
            await conn.close()

    return asyncio.run(attempt())


@pytest.mark.parametrize(
    ("migration", "table", "expected"),
    [
        ("CREATE PUBLICATION more FOR TABLE loose;", "loose", "UPDATE and DELETE on public.loose fail once"),
        ("ALTER PUBLICATION cdc ADD TABLE loose;", "loose", "publication cdc publishes updates and deletes"),
        ("CREATE PUBLICATION everything FOR ALL TABLES;", "loose", "on feed.events, public.loose fail once"),
        (
            "CREATE PUBLICATION feed FOR TABLES IN SCHEMA feed WITH (publish = 'update');",
            "feed.events",
            "UPDATE on",
        ),
        (
            "ALTER TABLE keyed DROP CONSTRAINT keyed_pkey;",
            "keyed",
            "rests on keyed_pkey, which the statement drops",
        ),
        ("ALTER TABLE keyed REPLICA IDENTITY NOTHING;", "keyed", "(REPLICA IDENTITY NOTHING)"),
        ("DROP INDEX by_a;", '"by index"', "REPLICA IDENTITY USING INDEX by_a, which the statement drops"),
        ('ALTER TABLE "by index" REPLICA IDENTITY DEFAULT;', '"by index"', "and it has no primary key"),
        (
            "ALTER PUBLICATION cdc SET (publish = 'insert');\nALTER PUBLICATION cdc ADD TABLE loose;\n"
            "ALTER PUBLICATION cdc SET (publish = 'insert, update');",
            "loose",
            "fail once publication cdc",
        ),
    ],
)
def test_a_published_table_left_without_identity_is_said_and_the_server_agrees(
    db: str, migration: str, table: str, expected: str
) -> None:
    run_sql(db, _SCHEMA)
    said = _said(migration, db)
    assert len(said) == 1 and expected in said[0], said
    run_sql(db, migration)
    assert _update_fails(db, table)


@pytest.mark.parametrize(
    ("migration", "table"),
    [
        ("CREATE PUBLICATION inserts FOR TABLE loose WITH (publish = 'insert');", "loose"),
        ("ALTER TABLE keyed REPLICA IDENTITY FULL;", "keyed"),
        # The diff's own plan for a new primary key: dropped, then added in the same transaction.
        (
            "ALTER TABLE keyed DROP CONSTRAINT keyed_pkey;\nALTER TABLE keyed ALTER COLUMN v SET NOT NULL;\n"
            "ALTER TABLE keyed ADD CONSTRAINT keyed_pkey PRIMARY KEY (id, v);",
            "keyed",
        ),
        ("ALTER TABLE loose REPLICA IDENTITY NOTHING;", "loose"),  # published by nothing
        ("CREATE TABLE fresh (x int);\nCREATE PUBLICATION fresh FOR TABLE fresh;", "keyed"),  # the file's own
    ],
)
def test_nothing_is_said_where_writes_go_on(db: str, migration: str, table: str) -> None:
    run_sql(db, _SCHEMA)
    assert _said(migration, db) == []
    run_sql(db, migration)
    assert not _update_fails(db, table)


_COVERED = (
    "CREATE SCHEMA other; CREATE PUBLICATION otherpub FOR TABLES IN SCHEMA other WITH (publish = 'delete');"
)


@pytest.mark.parametrize(
    ("migration", "said"),
    [
        ("CREATE TABLE other.fresh (a int);", True),
        ("CREATE TABLE other.fresh AS SELECT 1 AS a;", True),
        ("CREATE TABLE other.fresh (a int PRIMARY KEY);", False),
        ("CREATE TABLE other.fresh (a int);\nALTER TABLE other.fresh ADD PRIMARY KEY (a);", False),
        ("CREATE UNLOGGED TABLE other.fresh (a int);", False),  # never published
        ("CREATE TABLE public.fresh (a int);", False),  # a schema no publication covers
    ],
)
def test_a_table_made_without_a_key_where_every_table_is_published(
    db: str, migration: str, said: bool
) -> None:
    run_sql(db, _SCHEMA + _COVERED)
    found = _said(migration, db)
    if said:
        assert (
            len(found) == 1 and "DELETE on other.fresh fail once it is made: publication otherpub" in found[0]
        )
    else:
        assert found == []
    run_sql(db, migration)
    table = "other.fresh" if "other.fresh" in migration else "public.fresh"

    async def delete() -> bool:
        conn = await asyncpg.connect(db)
        try:
            await conn.execute(f"DELETE FROM {table}")
            return False
        except asyncpg.ObjectNotInPrerequisiteStateError:
            return True
        finally:
            await conn.close()

    assert asyncio.run(delete()) is said
