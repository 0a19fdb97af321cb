"""What a server's wal_level means for a publication a migration or a plan makes: made, it publishes nothing
until the server runs with wal_level = logical. PostgreSQL's own WARNING is never shown (the driver drops
it): the sandbox's says nothing of the database in question; the live server's is said in these words."""

from __future__ import annotations

import asyncpg


def publishes(sql: str) -> bool:
    """A statement as the plan writes it (its keywords upper-case, first) that makes a publication."""
    return sql.startswith("CREATE PUBLICATION ")


async def publication_note(conn: asyncpg.Connection, server: str) -> str | None:
    """The note for `server` ("this server", "the live server") behind `conn`; None where wal_level is
    logical."""
    level = await conn.fetchval("SELECT pg_catalog.current_setting('wal_level')")
    if level == "logical":
        return None
    return (
        f"{server}'s wal_level is {level}: a publication is made, but publishes no change to a subscriber "
        "until wal_level is logical (in postgresql.conf, then a restart of the server)"
    )
