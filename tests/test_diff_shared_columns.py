"""The two sides of a diff share their equal columns (one object each), so that comparing two unchanged tables
is an identity test per column; a column that differs in anything is its own object on each side, and the plan
still sees the difference."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from dibs_tui.core.connect import resolve
from dibs_tui.core.diff import diff_database
from tests.pg import run_sql

SCHEMA = """
CREATE TABLE same (id bigint PRIMARY KEY, name text NOT NULL DEFAULT 'x', at timestamptz DEFAULT now());
CREATE TABLE other (id bigint PRIMARY KEY, note varchar(20));
"""


def test_equal_columns_are_one_object_and_a_changed_one_is_not(new_database: Callable[[], str]) -> None:
    current, desired = new_database(), new_database()
    run_sql(current, SCHEMA)
    run_sql(desired, SCHEMA.replace("note varchar(20)", "note varchar(30)"))
    result = asyncio.run(diff_database(resolve(current), [desired]))
    old, new = result.current.relations_by_key, result.desired.relations_by_key
    assert [
        a is b for a, b in zip(old["public", "same"].columns, new["public", "same"].columns, strict=True)
    ] == [
        True,
        True,
        True,
    ]
    old_note, new_note = old["public", "other"].columns[1], new["public", "other"].columns[1]
    assert old_note is not new_note
    assert (old_note.type, new_note.type) == ("character varying(20)", "character varying(30)")
    assert old["public", "other"].columns[0] is new["public", "other"].columns[0]
    assert [s.sql for s in result.plan] == [
        "ALTER TABLE public.other ALTER COLUMN note TYPE character varying(30);"
    ]


def test_one_session_per_side_reads_the_same_catalogs(new_database: Callable[[], str]) -> None:
    """DIBS_TUI_DIFF_CONNECTIONS=1 (bench/diff.py's reference run): the same catalogs and plan as two sessions
    per side, the columns still shared."""
    current, desired = new_database(), new_database()
    run_sql(current, SCHEMA)
    run_sql(desired, SCHEMA.replace("note varchar(20)", "note varchar(30)"))
    two = asyncio.run(diff_database(resolve(current), [desired]))
    one = asyncio.run(diff_database(resolve(current), [desired], sessions_per_side=1))
    assert (one.current, one.desired) == (two.current, two.desired)
    assert [s.sql for s in one.plan] == [s.sql for s in two.plan]
    assert (
        one.current.relations_by_key["public", "same"].columns[0]
        is (one.desired.relations_by_key["public", "same"].columns[0])
    )
