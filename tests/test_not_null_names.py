"""PostgreSQL 18's NOT NULL constraints: their names (where the server would not pick them), NO INHERIT and
NOT VALID read into the model, written back by `schema --sql` so that the database re-creates itself exactly
(`pg_dump -s` of both the same), seen by the fingerprint, and said by Details and `schema --plain`."""

from __future__ import annotations

import asyncio
import re
import subprocess
from collections.abc import Callable

import pytest

from dibs_tui.cli import main
from dibs_tui.config import Settings
from dibs_tui.core.diff import diff_catalogs
from dibs_tui.core.diff.whole_schema import whole_schema_sql
from dibs_tui.core.embedded import bin_path
from dibs_tui.core.fingerprint import compare
from dibs_tui.ui.widgets.details import column_details
from tests.diffcases.harness import fingerprint_dsn
from tests.pg import psql_file, run_sql
from tests.test_catalog import _introspect

# Each shape PostgreSQL 18 names a NOT NULL in: the default, a name of its own, a default taken by a CHECK
# (numbered), NO INHERIT, NOT VALID; inheritance children (the parent's name, a merged column's own); partitions
# made with PARTITION OF (the parent's names) and attached (their own), one named in its PARTITION OF.
SHAPES = """
create table t (a int not null, b int constraint b_named not null, c int primary key, d int not null no inherit,
                e int);
alter table t add constraint e_loose not null e not valid;
create table taken (a int, constraint taken_a_not_null check (a > 1));
alter table taken alter a set not null;
create table ch () inherits (t);
create table ch2 (a int constraint ch2_own not null, b int) inherits (t);
create table p (a int constraint p_named not null, b int not null) partition by list (a);
create table p1 partition of p for values in (1);
create table p2 (a int constraint p2_own not null, b int not null);
alter table p attach partition p2 for values in (2);
create table p3 partition of p (a constraint p3_own not null) for values in (3);
"""


def _pg_dump(dsn: str) -> str:
    out = subprocess.run(
        [str(bin_path("pg_dump")), "-s", dsn], capture_output=True, text=True, check=True
    ).stdout
    return re.sub(r"^\\(un)?restrict .*$", "", out, flags=re.MULTILINE)


def test_names_no_inherit_and_not_valid_are_read_where_the_server_would_not_pick_them(db: str) -> None:
    run_sql(db, SHAPES)
    catalog = asyncio.run(_introspect(db))

    def nn(table: str, column: str) -> tuple[str | None, bool, str | None]:
        col = catalog.relation("public", table).column(column)  # type: ignore[union-attr]
        assert col is not None and col.not_null
        return col.not_null_name, col.not_null_no_inherit, col.not_null_not_valid

    assert nn("t", "a") == (None, False, None) and nn("t", "c") == (None, False, None)
    assert nn("t", "b") == ("b_named", False, None) and nn("t", "d") == (None, True, None)
    assert nn("t", "e") == ("e_loose", False, "e_loose")
    assert nn("taken", "a") == ("taken_a_not_null1", False, None)
    assert nn("ch", "a") == (None, False, None) and nn("ch", "b") == (None, False, None)  # the parent's names
    assert nn("ch2", "a") == ("ch2_own", False, None) and nn("ch2", "b") == (None, False, None)
    assert nn("p1", "a") == (None, False, None) and nn("p1", "b") == (None, False, None)
    assert nn("p2", "a") == ("p2_own", False, None) and nn("p2", "b") == ("p2_b_not_null", False, None)
    assert nn("p3", "a") == ("p3_own", False, None)


def test_schema_sql_recreates_every_shape_exactly(new_database: Callable[[], str]) -> None:
    """Before, every NOT NULL was written bare: `taken` failed to load (its CHECK's name was taken by the NOT
    NULL the server named first), and the names, NO INHERIT and a child's inherited NOT NULL differed."""
    source, target = new_database(), new_database()
    run_sql(source, SHAPES)
    script = whole_schema_sql(asyncio.run(_introspect(source)))
    assert "b integer CONSTRAINT b_named NOT NULL" in script and "d integer NOT NULL NO INHERIT" in script
    assert "a WITH OPTIONS CONSTRAINT p2_own NOT NULL" in script
    psql_file(target, "whole_schema_sql(not null shapes)", text=script)
    assert _pg_dump(source) == _pg_dump(target)
    assert not compare(*(asyncio.run(fingerprint_dsn(dsn)) for dsn in (source, target)))


def test_the_fingerprint_sees_a_not_null_renamed(new_database: Callable[[], str]) -> None:
    """The convergence tests' and migrate's proof's independent check: a NOT NULL named otherwise differs."""
    one, two = new_database(), new_database()
    run_sql(one, "create table t (a int not null)")
    run_sql(two, "create table t (a int constraint other not null)")
    diff = compare(*(asyncio.run(fingerprint_dsn(dsn)) for dsn in (one, two)))
    assert diff and any("other" in line for line in diff.after)


def test_details_and_plain_say_a_named_no_inherit_not_null(
    db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    run_sql(db, SHAPES)
    catalog = asyncio.run(_introspect(db))
    t = catalog.relation("public", "t")
    assert t is not None

    def said(column: str) -> str:
        col = t.column(column)
        assert col is not None
        lines = column_details(catalog, t, col, Settings())
        return " ".join(line.content.plain for line in lines)

    assert "NOT NULL · constraint b_named" in said("b") and "NO INHERIT" in said("d")
    assert "NOT VALID" in said("e") and "constraint" not in said("a")
    assert main(["schema", db, "--plain"]) == 0
    out = capsys.readouterr().out
    assert "constraint b_named not null" in out and "not null no inherit" in out
    assert "constraint e_loose not null not valid" in out


def test_a_rename_the_server_refuses_is_said_not_planned(new_database: Callable[[], str]) -> None:
    """A parent's NOT NULL renamed while an attached partition names its own otherwise: the server's rename
    recurses and fails on that partition ("constraint ... does not exist"), and an attached partition's own
    cannot be renamed either ("cannot rename inherited constraint"). Neither is planned: each is said."""
    shape = (
        "create table p (id int, k int constraint {parent} not null) partition by list (id);"
        "create table p1 (id int, k int constraint {child} not null);"
        "alter table p attach partition p1 for values in (1);"
    )
    current, desired = new_database(), new_database()
    run_sql(current, shape.format(parent="p_k", child="p1_own"))
    run_sql(desired, shape.format(parent="p_k_renamed", child="p1_renamed"))
    changes, plan, _ = diff_catalogs(asyncio.run(_introspect(current)), asyncio.run(_introspect(desired)))
    assert not [s.sql for s in plan if "RENAME" in s.sql]
    said = {c.object.name: c.detail for c in changes if not c.planned}
    assert set(said) == {"p", "p1"} and "p_k -> p_k_renamed: kept" in said["p"]
    # why, and what the user can do
    assert "would reach its child public.p1, which names its own otherwise" in said["p"]
    assert "name it p_k in the desired schema" in said["p"]
    assert "refuses to rename a NOT NULL that its parent public.p gives it" in said["p1"]
    assert "DETACH PARTITION, RENAME CONSTRAINT, then attach it again" in said["p1"]
    assert "name it p1_own in the desired schema" in said["p1"]
