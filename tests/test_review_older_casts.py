"""The review's counts of a type change on PostgreSQL 15, which has no pg_input_is_valid (16's): what fails
is still said to fail, and what changes to change, as the server then does."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest

from tests.pg import execute, review, run_sql
from tests.test_older_server import Older, _databases, older_server

ROWS = (
    "CREATE TABLE t (id int PRIMARY KEY, v text, p int);"
    "INSERT INTO t VALUES (1, 'abcdefg', 12345), (2, 'abcde   ', 1), (3, 'ab', 2);"
)


@pytest.mark.parametrize("older_server", [15], indirect=True, ids=["pg15"])
@pytest.mark.parametrize(
    ("migration", "said"),
    [
        (
            "ALTER TABLE t ALTER COLUMN v TYPE varchar(5)",
            [
                ("fails-on-existing-data", "1 value of t.v does not fit varchar(5) (e.g. (id)=(1))"),
                (
                    "data-loss",
                    "1 value of t.v changes when cast text -> character varying(5) (cut short) (e.g. (id)=(2))",
                ),
            ],
        ),
        (
            "ALTER TABLE t ALTER COLUMN v TYPE char(5)",
            [
                ("fails-on-existing-data", "1 value of t.v does not fit char(5) (e.g. (id)=(1))"),
                (
                    "data-loss",
                    "1 value of t.v changes when cast text -> character(5) (cut short) (e.g. (id)=(2))",
                ),
            ],
        ),
        (
            "ALTER TABLE t ALTER COLUMN p TYPE varchar(3)",
            [("fails-on-existing-data", "1 value of t.p does not fit varchar(3) (e.g. (id)=(1))")],
        ),
    ],
)
def test_a_value_too_long_for_a_bounded_string_is_said_to_fail_there(
    older_server: Older, migration: str, said: list[tuple[str, str]]
) -> None:
    """An explicit cast to varchar(n) cuts a longer text, ALTER's assignment cast refuses it ('value too long
    for type character varying(5)'): the review counted 'abcdefg' as cut short, a loss, where the ALTER fails."""
    name = f"c{next(_databases)}"
    run_sql(f"{older_server.dsn}/postgres", f"CREATE DATABASE {name}")
    live = f"{older_server.dsn}/{name}"
    run_sql(live, ROWS)
    reviewed = asyncio.run(review(live, migration))
    found = [
        (h.kind, h.message)
        for s in reviewed.statements
        for h in s.hazards
        if h.kind in ("fails-on-existing-data", "data-loss")
    ]
    assert found == said, reviewed.to_text()
    with pytest.raises(asyncpg.StringDataRightTruncationError):
        asyncio.run(execute(live, migration))
    run_sql(live, "DELETE FROM t WHERE id = 1")
    asyncio.run(execute(live, migration))  # only spaces past n: cut, as counted


__all__ = ["older_server"]  # the fixture, parametrized above for 15 alone
