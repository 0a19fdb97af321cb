"""A whole catalog read asks the server nothing about its own result types: every array the queries return is
text[] or oid[], which asyncpg decodes as is; any other makes it run its type-introspection query first, on
every fresh connection (core/introspect/queries.py, the note on arrays)."""

from __future__ import annotations

import asyncio

from dibs_tui.core.connect import resolve
from dibs_tui.core.introspect.live import catalog_sessions
from dibs_tui.core.introspect.read import load_catalog
from dibs_tui.core.model import Catalog
from tests.pg import run_sql

SCHEMA = """
CREATE DOMAIN amount AS int CONSTRAINT positive CHECK (VALUE > 0);
ALTER DOMAIN amount ADD CONSTRAINT small CHECK (VALUE < 100) NOT VALID;
CREATE TYPE pair AS (a int, b text);
CREATE TABLE item (id int PRIMARY KEY, price amount, p pair, tags text[], code text UNIQUE);
CREATE INDEX item_price_desc ON item (price DESC) INCLUDE (code) WHERE price > 1;
CREATE TABLE part (id int REFERENCES item, n int, CHECK (n > 0)) PARTITION BY RANGE (n);
CREATE TABLE part_1 PARTITION OF part FOR VALUES FROM (1) TO (10);
CREATE VIEW cheap AS SELECT id FROM item WHERE price < 10;
CREATE FUNCTION total(a amount) RETURNS bigint LANGUAGE sql AS 'SELECT a::bigint';
"""


async def _read(dsn: str) -> tuple[Catalog, list[str]]:
    statements: list[str] = []
    async with catalog_sessions(resolve(dsn), 2) as conns:
        for conn in conns:
            conn.add_query_logger(lambda record: statements.append(record.query))
        catalog = await load_catalog(conns[0], extra_connections=conns[1:])
    return catalog, statements


def test_a_whole_read_runs_no_type_introspection_and_keeps_each_domain_checks_validity(db: str) -> None:
    run_sql(db, SCHEMA)
    catalog, statements = asyncio.run(_read(db))

    assert len(statements) > 10  # the logger saw the read
    # asyncpg's introspection query (asyncpg/introspection.py) walks its `typeinfo_tree` CTE
    assert [s for s in statements if "typeinfo_tree" in s] == []
    (amount,) = catalog.domains
    assert [(c.name, c.validated) for c in amount.checks] == [("positive", True), ("small", False)]
