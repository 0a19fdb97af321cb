"""ALTER TYPE ... ADD / DROP / ALTER ATTRIBUTE ... CASCADE over typed tables (CREATE TABLE ... OF): the rules
alone (migrate's acknowledgement, `review --no-trace`) say the locks and the rewrites the trace observes."""

from __future__ import annotations

import re

import pytest

from dibs_tui.core.connect import resolve
from dibs_tui.core.review.report import Review
from dibs_tui.core.review.run import review_text
from tests.pg import execute

TYPED = (
    "CREATE TYPE pair AS (a int, b varchar(10));"
    "CREATE TABLE t1 OF pair; CREATE TABLE t2 OF pair; CREATE TABLE t_empty OF pair;"
    "INSERT INTO t1 SELECT g, 'x' FROM generate_series(1, 5) g; INSERT INTO t2 VALUES (1, 'y');"
)


def locks_and_rewrites(result: Review) -> set[tuple[str, str]]:
    """(kind, table) of each lock and rewrite said, the trace's schema-qualified names as the rules' ones."""
    return {
        (h.kind, re.sub(r"^public\.", "", m.group(1)))
        for _, h in result.hazards
        if h.kind in ("access-exclusive-lock", "table-rewrite")
        and (m := re.search(r"(?:ACCESS EXCLUSIVE on|rewrites) (\S+) \(", h.message))
    }


@pytest.mark.parametrize(
    ("sql", "rewrites"),
    [
        ("ALTER TYPE pair ADD ATTRIBUTE c int CASCADE", False),
        ("ALTER TYPE pair DROP ATTRIBUTE b CASCADE", False),
        ("ALTER TYPE pair RENAME ATTRIBUTE a TO z CASCADE", False),
        ("ALTER TYPE pair ALTER ATTRIBUTE a TYPE bigint CASCADE", True),
        ("ALTER TYPE pair ALTER ATTRIBUTE b TYPE varchar(20) CASCADE", False),
        ("ALTER TYPE pair ALTER ATTRIBUTE b TYPE text CASCADE, ADD ATTRIBUTE d text CASCADE", False),
    ],
)
async def test_the_rules_say_what_the_trace_observes(db: str, sql: str, rewrites: bool) -> None:
    await execute(db, TYPED)
    rules = await review_text(resolve(db), sql + ";\n", "m.sql", traced=False)
    traced = await review_text(resolve(db), sql + ";\n", "m.sql")
    assert not any(n.startswith("not traced") for n in traced.notes), traced.notes
    expected = {("access-exclusive-lock", "t1"), ("access-exclusive-lock", "t2")}
    if rewrites:
        expected |= {("table-rewrite", "t1"), ("table-rewrite", "t2")}
    assert locks_and_rewrites(traced) == expected, traced.to_text()
    assert locks_and_rewrites(rules) == expected, rules.to_text()
    assert rules.statements[0].lock == "ACCESS EXCLUSIVE on each table of type pair"


async def test_without_cascade_no_typed_table_is_said_to_be_altered(db: str) -> None:
    """The server refuses it while a typed table exists; where none does, it alters the type alone."""
    await execute(db, "CREATE TYPE pair AS (a int); CREATE TABLE plain (p pair);")
    rules = await review_text(resolve(db), "ALTER TYPE pair ADD ATTRIBUTE c int;\n", "m.sql", traced=False)
    assert not rules.hazards and not rules.statements[0].lock, rules.to_text()


@pytest.mark.parametrize("traced", [False, True])
async def test_the_rows_of_each_typed_table_are_counted(db: str, traced: bool) -> None:
    """DROP ATTRIBUTE ... CASCADE drops the column of each typed table with its values, and a shrunk
    attribute fails on a typed table's longer values: counted there as ALTER TABLE's DROP COLUMN and TYPE are
    (the trace runs in an empty clone: only the live rows can say it)."""
    await execute(db, TYPED + "INSERT INTO t2 VALUES (2, 'longer');")
    dropped = await review_text(
        resolve(db), "ALTER TYPE pair DROP ATTRIBUTE b CASCADE;\n", "m.sql", traced=traced
    )
    losses = [h.message for _, h in dropped.hazards if h.kind == "data-loss"]
    assert len(losses) == 2 and "t1" in losses[0] + losses[1] and "t2" in losses[0] + losses[1], (
        dropped.to_text()
    )
    shrunk = "ALTER TYPE pair ALTER ATTRIBUTE b TYPE varchar(3) CASCADE;\n"
    failing = await review_text(resolve(db), shrunk, "m.sql", traced=traced)
    [fails] = [h.message for _, h in failing.hazards if h.kind == "fails-on-existing-data"]
    assert "t2" in fails and "t1" not in fails, failing.to_text()


@pytest.mark.parametrize(
    "sql",
    [
        "ALTER TYPE pair ADD ATTRIBUTE c int CASCADE",
        "ALTER TYPE pair DROP ATTRIBUTE a CASCADE",
        "ALTER TYPE pair ALTER ATTRIBUTE a TYPE bigint CASCADE",
        "ALTER TYPE pair RENAME ATTRIBUTE a TO z CASCADE",
    ],
)
@pytest.mark.parametrize("traced", [False, True])
async def test_a_type_no_table_is_typed_by_locks_no_table(db: str, sql: str, traced: bool) -> None:
    """CASCADE reaches only the tables of the type: where there is none, no table is locked (the lock line
    said 'ACCESS EXCLUSIVE on each table of type pair' all the same, traced or not)."""
    await execute(db, "CREATE TYPE pair AS (a int, b text); CREATE TABLE plain (id int);")
    result = await review_text(resolve(db), sql + ";\n", "m.sql", traced=traced)
    assert not result.statements[0].lock, result.to_text()
    assert not locks_and_rewrites(result), result.to_text()
