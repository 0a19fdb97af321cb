"""Hostile timing against the whole read in portions (columns, constraints and indexes by relation OID range):
another session changes the schema between two portions. Every portion reads the one snapshot the read began
with, so the catalog is the schema as it was when the read began: nothing half-old, half-new."""

from __future__ import annotations

import asyncio
from typing import Any

import asyncpg
import pytest

from dibs_tui.core.introspect import read
from dibs_tui.core.introspect.read import introspect
from dibs_tui.core.model import Catalog
from tests.pg import run_sql

TABLES = "".join(
    f"CREATE TABLE t{i} (id int PRIMARY KEY, ref int REFERENCES t0 (id) DEFERRABLE);"
    if i
    else "CREATE TABLE t0 (id int PRIMARY KEY);"
    for i in range(8)
)
# Between the first and the second portion of columns: a column added to a table of a later portion, a table
# created (a later portion by OID), an index and a constraint added and one dropped in a later portion.
CHANGE = """
ALTER TABLE t7 ADD COLUMN added text NOT NULL DEFAULT 'new';
CREATE TABLE t8 (id int PRIMARY KEY);
CREATE INDEX t6_ref ON t6 (ref);
ALTER TABLE t5 DROP CONSTRAINT t5_ref_fkey;
ALTER TABLE t4 ADD CONSTRAINT t4_positive CHECK (id > 0);
"""


class ChangedMidRead:
    """A real connection; once the first portion of columns is read, another session changes the schema."""

    def __init__(self, conn: asyncpg.Connection, dsn: str) -> None:
        self._conn = conn
        self._dsn = dsn
        self.changed = False

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._conn, name)
        if name != "fetch":
            return attr

        async def fetch(sql: str, *args: Any) -> Any:
            rows = await attr(sql, *args)
            if not self.changed and "FROM pg_attribute a" in sql and "$4" in sql:
                other = await asyncpg.connect(self._dsn)
                try:
                    await other.execute(CHANGE)
                finally:
                    await other.close()
                self.changed = True
            return rows

        return fetch


async def _reads(dsn: str) -> tuple[Catalog, Catalog, Catalog, bool]:
    conn = await asyncpg.connect(dsn)
    try:
        before = await introspect(conn)
        changing = ChangedMidRead(conn, dsn)
        during = await introspect(changing)  # type: ignore[arg-type]
        after = await introspect(conn)
        return before, during, after, changing.changed
    finally:
        await conn.close()


def test_schema_changed_between_portions_reads_as_it_was_when_the_read_began(
    db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    run_sql(db, TABLES)
    monkeypatch.setattr(read, "PORTION_RELATIONS", 2)
    before, during, after, changed = asyncio.run(_reads(db))
    assert changed  # the other session did change the schema mid-read
    assert during == before
    t7 = during.relation("public", "t7")
    assert t7 is not None and [c.name for c in t7.columns] == ["id", "ref"]
    assert during.relation("public", "t8") is None
    # Nothing was lost or invented: the next read sees every change.
    assert after.relation("public", "t8") is not None
    new_t7 = after.relation("public", "t7")
    assert new_t7 is not None and [c.name for c in new_t7.columns] == ["id", "ref", "added"]
    t6 = after.relation("public", "t6")
    assert t6 is not None and "t6_ref" in {i.name for i in t6.indexes}
