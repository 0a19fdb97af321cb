"""`review` as a role that row-level security hides rows from: the rows it cannot count are not made up. A
table never analysed whose count the server refused was said to hold '~100,000 rows, a pg_class.reltuples
estimate' (no such estimate exists); an analysed one, 100,000 rows over its estimate of 3."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from itertools import count

import pytest

from dibs_tui.core.embedded import EmbeddedServer
from tests.pg import review, run_sql

_names = count()


@pytest.fixture
def hidden_rows(db: str, pg_server: EmbeddedServer) -> Iterator[str]:
    """The DSN of `db` as a role that may read table acct, whose policy shows it its own rows only."""
    role = f"rls_reader_{next(_names)}_{db.rsplit('/', 1)[1]}"
    run_sql(pg_server.dsn(), f'CREATE ROLE "{role}" LOGIN')
    run_sql(
        db,
        "CREATE TABLE acct (id int, email text, owner text);"
        "INSERT INTO acct VALUES (1, 'a@x', 'bob'), (2, 'a@x', 'carol');"
        "ALTER TABLE acct ENABLE ROW LEVEL SECURITY;"
        "CREATE POLICY own ON acct USING (owner = current_user);"
        f'GRANT SELECT ON acct TO "{role}"',
    )
    yield db.replace("postgres@", f"{role}@")
    run_sql(db, f'DROP OWNED BY "{role}"')
    run_sql(pg_server.dsn(), f'DROP ROLE IF EXISTS "{role}"')


def _said(dsn: str) -> str:
    return asyncio.run(review(dsn, "ALTER TABLE acct ADD CONSTRAINT acct_email UNIQUE (email);")).to_text()


def test_rows_never_analysed_and_not_countable_are_said_unknown(hidden_rows: str, db: str) -> None:
    said = _said(hidden_rows)
    assert "acct (rows unknown: never analysed, and not countable here)" in said, said
    assert "100,000" not in said
    assert "row-level security policy" in said  # the duplicates' count says why it was refused
    run_sql(db, "ANALYZE acct")
    said = _said(hidden_rows)
    assert "acct (~2 rows, a pg_class.reltuples estimate)" in said, said
