"""ALTER SEQUENCE against the live sequence's value, checked against what PostgreSQL 18 does: the review says it
fails exactly where the server refuses it (the trace's clone holds a fresh sequence and cannot show it)."""

from __future__ import annotations

import asyncpg
import pytest

from tests.counting import FAILS, counted
from tests.pg import execute, review

# s at 40,000 (bigint); d descending at -40,000; i an integer serial's sequence at 10
SEQUENCES = (
    "CREATE SEQUENCE s; SELECT setval('s', 40000);"
    "CREATE SEQUENCE d INCREMENT -1; SELECT setval('d', -40000);"
    "CREATE TABLE t (id serial); SELECT setval('t_id_seq', 10);"
    'CREATE SCHEMA "we""ird"; CREATE SEQUENCE "we""ird"."s\nq"; SELECT setval(\'"we""ird"."s\nq"\', 500);'
)
CASES = [
    ("ALTER SEQUENCE s AS smallint", "its current value (40000) is above MAXVALUE (32767)"),
    ("ALTER SEQUENCE s AS integer", ""),
    ("ALTER SEQUENCE s MAXVALUE 100", "its current value (40000) is above MAXVALUE (100)"),
    ("ALTER SEQUENCE s MAXVALUE 100 RESTART 5", ""),
    ("ALTER SEQUENCE s MAXVALUE 100 RESTART 500", "the RESTART value (500) is above MAXVALUE (100)"),
    ("ALTER SEQUENCE s MINVALUE 50000", "its START value (1) is below MINVALUE (50000)"),
    ("ALTER SEQUENCE s MINVALUE 50000 START 60000", "its current value (40000) is below MINVALUE (50000)"),
    ("ALTER SEQUENCE s MAXVALUE 5000000000", ""),
    ("ALTER SEQUENCE s NO MAXVALUE", ""),
    ("ALTER SEQUENCE d AS smallint", "its current value (-40000) is below MINVALUE (-32768)"),
    ("ALTER SEQUENCE t_id_seq MAXVALUE 5000000000", "MAXVALUE (5000000000) is out of range for integer"),
    ("ALTER SEQUENCE t_id_seq AS smallint", ""),
    ("ALTER SEQUENCE t_id_seq MAXVALUE 9", "its current value (10) is above MAXVALUE (9)"),
    ('ALTER SEQUENCE "we""ird"."s\nq" MAXVALUE 10', "its current value (500) is above MAXVALUE (10)"),
]


async def refused(dsn: str, sql: str) -> bool:
    conn = await asyncpg.connect(dsn)
    try:
        tx = conn.transaction()
        await tx.start()
        try:
            await conn.execute(sql)
        except asyncpg.PostgresError:
            return True
        finally:
            await tx.rollback()
        return False
    finally:
        await conn.close()


@pytest.mark.parametrize(("migration", "text"), CASES, ids=[c[0] for c in CASES])
async def test_alter_sequence_fails_where_the_server_refuses_it(db: str, migration: str, text: str) -> None:
    await execute(db, SEQUENCES)
    found = counted(await review(db, migration), FAILS)
    assert [text in h.message for h in found] == ([True] if text else []), [h.message for h in found]
    assert await refused(db, migration) == bool(text)
