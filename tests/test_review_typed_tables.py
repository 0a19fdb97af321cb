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
