"""A written type's modifier worked out without to_regtypemod (PostgreSQL 17 and later only), checked against
it on the embedded server: review and migrate called to_regtypemod on every server, and failed on 16 and
older ('function pg_catalog.to_regtypemod(text) does not exist')."""

from __future__ import annotations

import asyncpg
import pytest

from dibs_tui.core.review.typmods import worked_out

WRITTEN = [
    "numeric(12, 2)",
    "numeric(5)",
    "numeric",
    "decimal(10,4)",
    "numeric(4, -2)",
    "varchar(10)",
    "character varying(200)",
    "character varying",
    "char(3)",
    "char",
    "character",
    "bpchar(7)",
    "bit(3)",
    "bit varying(12)",
    "timestamp(3)",
    "timestamp(0) with time zone",
    "timestamptz(6)",
    "time(2)",
    "time(1) with time zone",
    "interval",
    "interval(3)",
    "interval year",
    "interval day to second(2)",
    "interval hour to minute",
    "int8",
    "bigint",
    "text",
    "pg_catalog.int4",
    "double precision",
    "integer[]",
    "varchar(10)[]",
]


@pytest.mark.parametrize("written", WRITTEN)
async def test_the_modifier_is_the_one_the_server_gives(db: str, written: str) -> None:
    conn = await asyncpg.connect(db)
    try:
        async with conn.transaction():
            assert await worked_out(conn, written) == await conn.fetchval("SELECT to_regtypemod($1)", written)
    finally:
        await conn.close()


async def test_a_user_type_with_modifiers_or_text_that_is_no_type_is_unknown(db: str) -> None:
    conn = await asyncpg.connect(db)
    try:
        await conn.execute("CREATE DOMAIN short AS varchar(5)")
        async with conn.transaction():
            assert await worked_out(conn, "short") == -1  # no modifier written
            assert await worked_out(conn, "int) FROM pg_class; --") is None
            assert await worked_out(conn, "no_such_type(3)") is None
    finally:
        await conn.close()
