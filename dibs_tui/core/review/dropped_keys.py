"""The tables a DROP TABLE locks beyond those it drops: a dropped table's foreign keys go with it, and so do
their triggers on the table at their other end, which PostgreSQL removes under ACCESS EXCLUSIVE on that table:
the tables it references, and with CASCADE those whose keys reference it."""

from __future__ import annotations

import asyncpg

from .facts import Facts
from .names import regclass_text
from .report import Hazard

# (other table, dropped table as written) for each foreign key between a dropped table ($1: to_regclass
# names, $2: as written) and a table not dropped; those that reference a dropped one only with CASCADE ($3).
_OTHER_ENDS = """
SELECT DISTINCT o.other::pg_catalog.regclass::pg_catalog.text AS other, d.shown
FROM ROWS FROM (pg_catalog.unnest($1::pg_catalog.text[]), pg_catalog.unnest($2::pg_catalog.text[])) AS d(name, shown),
LATERAL (
  SELECT c.confrelid FROM pg_catalog.pg_constraint c
  WHERE c.contype OPERATOR(pg_catalog.=) 'f' AND c.conrelid OPERATOR(pg_catalog.=) pg_catalog.to_regclass(d.name)
  UNION
  SELECT c.conrelid FROM pg_catalog.pg_constraint c
  WHERE $3 AND c.contype OPERATOR(pg_catalog.=) 'f'
    AND c.confrelid OPERATOR(pg_catalog.=) pg_catalog.to_regclass(d.name)
) AS o(other)
WHERE o.other OPERATOR(pg_catalog.<>) ALL (
  SELECT pg_catalog.to_regclass(n) FROM pg_catalog.unnest($1::pg_catalog.text[]) AS n
)
ORDER BY 1, 2
"""


async def keys_dropped_with(facts: Facts, names: list[str], cascade: bool) -> list[Hazard]:
    """The ACCESS EXCLUSIVE a DROP TABLE of `names` takes on the other end of their foreign keys, said of a
    table with rows."""
    try:  # in a savepoint: a name this role may not resolve raises, and the review goes on
        async with facts.conn.transaction():
            rows = await facts.conn.fetch(_OTHER_ENDS, [regclass_text(n) for n in names], names, cascade)
    except (asyncpg.PostgresError, asyncpg.InterfaceError):
        return []
    hazards: list[Hazard] = []
    for other, dropped in dict((str(r["other"]), str(r["shown"])) for r in rows).items():
        table = await facts.table(other)
        if table is not None and table.reached:
            hazards.append(
                Hazard(
                    "access-exclusive-lock",
                    f"takes ACCESS EXCLUSIVE on {other} ({table.describe()}), whose foreign key with {dropped} "
                    "goes with it: blocks reads and writes until the transaction commits",
                )
            )
    return hazards
