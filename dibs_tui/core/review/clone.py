"""The live schema rebuilt in the sandbox for a trace: the catalog model's DDL, run as the sandbox's role."""

from __future__ import annotations

from collections.abc import Sequence

import asyncpg

from ..shadow import LocatedStatement


async def load_clone(conn: asyncpg.Connection, statements: Sequence[LocatedStatement]) -> list[str]:
    """Run the clone's DDL: in one go when it replays cleanly, else statement by statement, keeping what loads.
    Returns a note on what did not load (what those statements create is missing from the trace)."""
    try:
        await conn.execute(";\n".join(s.text for s in statements))
        return []
    except asyncpg.PostgresError:
        pass  # one script is one implicit transaction: nothing of it stayed
    failed: list[tuple[LocatedStatement, str]] = []
    for stmt in statements:
        try:
            await conn.execute(stmt.text)
        except asyncpg.PostgresError as exc:
            failed.append((stmt, (getattr(exc, "message", None) or str(exc)).splitlines()[0]))
    if not failed:
        return []
    first, message = failed[0]
    return [
        f"{len(failed)} statement{'s' if len(failed) != 1 else ''} of the live schema did not load into the "
        f"clone (the first: {first.text.strip().splitlines()[0][:80]} … {message}): what they create is not traced"
    ]
