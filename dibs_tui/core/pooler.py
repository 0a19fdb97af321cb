"""A connection pooler between dibs-tui and PostgreSQL (PgBouncer and its kind): recognised when the
connection opens, before a query is sent, and refused with what to do.

dibs-tui's sessions carry settings from their startup packet (read-only, lock and statement timeouts, the
search path pinned to pg_catalog) and keep prepared statements from one query to the next. A pooler in
transaction mode hands the server's session to another client after each transaction: what dibs-tui set on
it would be left to an application's next transaction (a statement_timeout, a read-only default), and its
prepared statements collide with another client's ('prepared statement "__asyncpg_stmt_1__" already exists').
PgBouncer refuses the settings outright ('unsupported startup parameter'), or, where its
ignore_startup_parameters lists them, drops them without a word, and the session then runs without its bounds.
Both are recognised without a query: the refusal by its message, the drop by the value the server reports back
for default_transaction_read_only (reported by every server since 14) on a session that asked for "on". Such
a session is ended before anything is sent on it. A session that writes (migrate's applier, the sandbox's on
a live server) asks for no setting the server reports back: before its first statement it asks whether the
server process running it is the one the connection announced (a pooler announces a made-up process id), in
a DO block sent as a simple query, which leaves no prepared statement behind. A session-mode pooler that passes
the settings through is a session of its own, and is not refused."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import asyncpg

_REFUSED = "unsupported startup parameter"

_WHAT_TO_DO = (
    "dibs-tui needs a session of its own on PostgreSQL itself (its sessions are read-only, bound their lock "
    "waits and keep their prepared statements, which a pooler in transaction mode would leave to other "
    "clients): connect to the server directly (its own port, 5432 by default; a hosted database's direct "
    "connection string, not its pooled one); nothing was read or changed"
)


def refused_settings(message: str) -> str | None:
    """The reason to give when a connection failed with `message` because a pooler refused a setting."""
    if _REFUSED not in message:
        return None
    first = message.splitlines()[0]
    return f"a connection pooler answers there (PgBouncer or another) and refused a session setting ({first}): {_WHAT_TO_DO}"


def dropped_settings(reported: str | None) -> str | None:
    """The reason to give when a session that asked for default_transaction_read_only=on was opened with
    `reported` as the server's value (None: not reported, as no supported server does)."""
    if reported is None or reported == "on":
        return None
    return (
        "a connection pooler answers there (PgBouncer or another) and dropped the session settings dibs-tui "
        f"asked for (default_transaction_read_only came back {reported}, not on): {_WHAT_TO_DO}"
    )


# Raised when the server process running the session is not the one the connection announced.
_ANNOUNCED_ELSEWHERE = "dibs-tui: announced elsewhere"


async def writing_through_a_pooler(conn: asyncpg.Connection) -> str | None:
    """The reason to give when the server process running `conn` is not the one it announced (None: it is,
    or the database has no PL/pgSQL to ask with)."""
    import asyncpg

    announced = int(conn.get_server_pid())
    try:
        await conn.execute(
            f"DO $$BEGIN IF pg_catalog.pg_backend_pid() <> {announced} THEN "
            f"RAISE EXCEPTION '{_ANNOUNCED_ELSEWHERE}'; END IF; END$$"
        )
    except asyncpg.RaiseError as exc:
        if _ANNOUNCED_ELSEWHERE not in str(exc):
            raise
        return (
            "a connection pooler answers there (PgBouncer or another): the server process running dibs-tui's "
            "session is not the one the connection announced, so what the session sets, its lock and its "
            f"prepared statements would go to other clients: {_WHAT_TO_DO}"
        )
    except (asyncpg.UndefinedObjectError, asyncpg.InsufficientPrivilegeError):
        pass  # no PL/pgSQL, or not this role's to use (a sandbox's role may not): not asked
    return None


# Where hosts and frameworks keep a database's direct URL beside its pooled DATABASE_URL (Prisma's directUrl,
# Supabase's and Neon's guides, Vercel's Postgres).
_DIRECT_VARIABLES = ("DIRECT_URL", "DATABASE_URL_UNPOOLED", "POSTGRES_URL_NON_POOLING", "DIRECT_DATABASE_URL")


def direct_url_hint(origin: str) -> str:
    """Where the pooled URL came from DATABASE_URL and the environment holds a direct one: its variable's
    name (never its value), to pass instead."""
    if origin != "DATABASE_URL":
        return ""
    name = next((n for n in _DIRECT_VARIABLES if os.environ.get(n)), None)
    return f'; {name} is set: dibs-tui "${name}"' if name else ""
