"""What the review's count tests share: tables with rows whose values each count is checked against, the
hazard kinds counted, and running a statement to see whether the server refuses it."""

from __future__ import annotations

import asyncpg

from dibs_tui.core.review.report import Hazard, Review
from tests.pg import execute

FAILS, LOSS = "fails-on-existing-data", "data-loss"
T = "CREATE TABLE t (id int PRIMARY KEY, v text, n numeric(10,2), f float8, ts timestamp, p int);"
ROWS = (
    "INSERT INTO t VALUES (1, 'abc', 1.00, 1, '2024-01-01', 1), (2, 'abcdef', 2.00, 2, '2024-01-02', 1),"
    " (3, 'x', 3.00, 3, '2024-01-03', 1);"
)
PARENT = "CREATE TABLE parent (id int PRIMARY KEY); INSERT INTO parent VALUES (1);"
MOODS = "CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy'); ALTER TABLE t ADD mo mood; UPDATE t SET mo = 'ok';"
KEYED = "CREATE TABLE k (id int, v int); INSERT INTO k VALUES (1, 1), (NULL, 2);"
# PostgreSQL 18's temporal keys: tp holds key 1 over two adjacent ranges; t's rows each fall inside their union
TEMPORAL = (
    "CREATE EXTENSION btree_gist; CREATE TABLE tp (id int, at daterange, PRIMARY KEY (id, at WITHOUT OVERLAPS));"
    "INSERT INTO tp VALUES (1, '[2024-01-01,2024-06-01)'), (1, '[2024-06-01,2025-01-01)');"
    "ALTER TABLE t ADD at daterange; UPDATE t SET at = daterange('2024-03-01'::date + id, '2024-09-01');"
)
TEMPORAL_FK = "ALTER TABLE t ADD FOREIGN KEY (p, PERIOD at) REFERENCES tp (id, PERIOD at)"
PAIRS = (  # a composite key, one row half NULL: MATCH FULL refuses it, MATCH SIMPLE lets it be
    "CREATE TABLE pk2 (a int, b int, PRIMARY KEY (a, b)); INSERT INTO pk2 VALUES (1, 1);"
    "ALTER TABLE t ADD a int, ADD b int; UPDATE t SET a = 1, b = 1; UPDATE t SET b = NULL WHERE id = 2;"
)


def counted(result: Review, kind: str) -> list[Hazard]:
    """What the counts said of `kind`: counted on the rows (observed), or not counted and why (inferred)."""
    return [h for _, h in result.hazards if h.kind == kind and (h.basis == "observed" or h.not_counted)]


async def runs(dsn: str, sql: str) -> bool:
    try:
        await execute(dsn, sql)
    except asyncpg.PostgresError:
        return False
    return True
