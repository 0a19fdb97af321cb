"""What a statement does to logical replication: on a publisher, the writes PostgreSQL refuses on a table left
without a replica identity (replica_identity.py); on a subscriber, the subscription's worker stopped by a table
the publisher's rows no longer fit (subscriptions.py)."""

from __future__ import annotations

from .facts import Facts
from .replica_identity import published_writes
from .report import Hazard
from .subscriptions import subscribed_tables


async def replication_hazards(facts: Facts, sql: str, created: set[str], later: list[str]) -> list[Hazard]:
    """`created`: the tables the migration made before this statement; `later`: its statements after it."""
    return [
        *await published_writes(facts, sql, created, later),
        *await subscribed_tables(facts, sql, created, later),
    ]
