"""Privileges are compared only when asked (--privileges, the Diff pane's p): GRANT and REVOKE on tables,
columns, sequences, functions, schemas and types, and default privileges, converging both ways; a grant to a
role the target lacks is reported and not made."""

from __future__ import annotations

import asyncio
import dataclasses
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from textual.binding import Binding
from textual.widgets import Static

from dibs_tui.config import Settings
from dibs_tui.core.connect import resolve
from dibs_tui.core.diff import diff_catalogs
from dibs_tui.ui.app import DibsApp
from dibs_tui.ui.diff_pane import DiffPane
from tests.cli_in_process import run_cli
from tests.diffcases.harness import apply_plan, assert_same_fingerprint, introspect_dsn
from tests.pg import fetch, run_sql
from tests.test_diff_pane import SIZE, text_of, wait_for
from tests.ui_pilot import tab_pane

R1, R2 = f"k2_reader_{os.getpid()}", f"k2_writer_{os.getpid()}"

_OBJECTS = f"""
DO $$BEGIN CREATE ROLE {R1}; EXCEPTION WHEN duplicate_object THEN NULL; END$$;
DO $$BEGIN CREATE ROLE {R2}; EXCEPTION WHEN duplicate_object THEN NULL; END$$;
CREATE SCHEMA app;
CREATE TABLE app.t (a int, b text);
CREATE VIEW app.v AS SELECT a FROM app.t;
CREATE SEQUENCE app.s;
CREATE FUNCTION app.f(x int) RETURNS int LANGUAGE sql AS 'SELECT x';
CREATE TYPE app.e AS ENUM ('x');
CREATE DOMAIN app.d AS int;
INSERT INTO app.t VALUES (1, 'kept');
"""

CURRENT = (
    _OBJECTS
    + f"""
GRANT SELECT ON app.t TO {R1};
GRANT UPDATE (a) ON app.t TO {R1};
GRANT USAGE ON SCHEMA app TO {R1};
REVOKE EXECUTE ON FUNCTION app.f(int) FROM PUBLIC;
ALTER DEFAULT PRIVILEGES IN SCHEMA app GRANT SELECT ON TABLES TO {R1};
"""
)

DESIRED = (
    _OBJECTS
    + f"""
GRANT INSERT ON app.t TO {R2} WITH GRANT OPTION;
GRANT SELECT (b) ON app.t TO {R2};
GRANT SELECT ON app.v TO {R1};
GRANT USAGE ON SEQUENCE app.s TO {R1};
REVOKE USAGE ON TYPE app.e FROM PUBLIC;
GRANT USAGE ON DOMAIN app.d TO {R2};
GRANT USAGE ON SCHEMA app TO {R2};
ALTER DEFAULT PRIVILEGES IN SCHEMA app GRANT SELECT ON TABLES TO {R2};
ALTER DEFAULT PRIVILEGES REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;
"""
)


def _converge(a: str, b: str) -> list[str]:
    async def go() -> list[str]:
        current, desired = await introspect_dsn(a), await introspect_dsn(b)
        _, plan, _ = diff_catalogs(current, desired, privileges=True)
        await apply_plan(a, plan)
        _, again, _ = diff_catalogs(await introspect_dsn(a), desired, privileges=True)
        assert not again, "\n".join(s.sql for s in again)
        return [s.sql for s in plan]

    return asyncio.run(go())


def test_privileges_converge_both_ways(new_database: Callable[[], str]) -> None:
    a, b = new_database(), new_database()
    run_sql(a, CURRENT)
    run_sql(b, DESIRED)
    plan = _converge(a, b)
    assert f"GRANT INSERT ON TABLE app.t TO {R2} WITH GRANT OPTION;" in plan
    assert f"GRANT SELECT (b) ON TABLE app.t TO {R2};" in plan
    assert f"REVOKE UPDATE (a) ON TABLE app.t FROM {R1};" in plan
    assert f"GRANT USAGE ON SEQUENCE app.s TO {R1};" in plan
    assert "GRANT EXECUTE ON ROUTINE app.f(x integer) TO PUBLIC;" in plan
    assert "REVOKE USAGE ON TYPE app.e FROM PUBLIC;" in plan
    assert f"ALTER DEFAULT PRIVILEGES FOR ROLE postgres IN SCHEMA app GRANT SELECT ON TABLES TO {R2};" in plan
    assert not any(s.startswith(("DROP", "CREATE")) for s in plan)  # grants only: nothing re-created
    c, d = new_database(), new_database()
    run_sql(c, DESIRED)
    run_sql(d, CURRENT)
    _converge(c, d)


def test_privileges_are_compared_only_when_asked(new_database: Callable[[], str]) -> None:
    a, b = new_database(), new_database()
    run_sql(a, CURRENT)
    run_sql(b, DESIRED)
    current, desired = asyncio.run(introspect_dsn(a)), asyncio.run(introspect_dsn(b))
    assert diff_catalogs(current, desired)[1] == ()
    plain = run_cli("check", a, "--desired", b)
    assert plain.returncode == 0, plain.stdout + plain.stderr
    asked = run_cli("diff", a, "--desired", b, "--privileges", "--format", "sql")
    assert asked.returncode == 2, asked.stdout + asked.stderr
    assert f"GRANT SELECT (b) ON TABLE app.t TO {R2};" in asked.stdout


def test_the_cli_without_privileges_does_not_read_them(new_database: Callable[[], str]) -> None:
    """`diff` and `check` without --privileges skip the grants' query on both sides (the live side's are read
    once a plan re-creates an object: it gets them back); the default (the Diff pane, which toggles the
    comparison on the catalogs it holds) reads both."""
    from dibs_tui.core.diff import diff_database

    a, b = new_database(), new_database()
    run_sql(a, CURRENT)
    run_sql(b, DESIRED)
    unread = asyncio.run(diff_database(resolve(a), [b], read_privileges=False))
    assert unread.desired.privileges == () and unread.desired.roles == ()
    # the live side's too: the plan re-creates nothing (see the two tests of re-created objects below)
    assert unread.current.privileges == () and unread.current.roles == ()
    assert unread.plan == () and unread.in_sync
    read = asyncio.run(diff_database(resolve(a), [b]))
    assert any(p.grantee == R1 for p in read.current.privileges)
    assert any(p.grantee == R2 for p in read.desired.privileges)
    assert R1 in read.current.roles
    asked = asyncio.run(diff_database(resolve(a), [b], privileges=True, read_privileges=False))
    assert f"GRANT SELECT (b) ON TABLE app.t TO {R2};" in [s.sql for s in asked.plan]


def test_column_grants_are_read_with_the_columns(new_database: Callable[[], str]) -> None:
    """A column's grants come from the columns query (one scan of pg_attribute): each grantee and right once,
    the grant option kept, PUBLIC named, nothing for a read without privileges."""
    from dibs_tui.core.introspect.live import introspect_target
    from dibs_tui.core.model_privileges import Privilege

    a = new_database()
    run_sql(
        a,
        _OBJECTS
        + f"""
        CREATE TABLE app."Wide" ("b c" int, z int);
        GRANT SELECT ("b c"), UPDATE ("b c") ON app."Wide" TO {R1} WITH GRANT OPTION;
        GRANT INSERT (z) ON app."Wide" TO PUBLIC;
        GRANT UPDATE (a) ON app.t TO {R2};
        """,
    )
    catalog = asyncio.run(introspect_dsn(a))
    columns = [p for p in catalog.privileges if p.kind == "column"]
    assert columns == [
        Privilege("column", "app", "Wide", "b c", "TABLE", R1, "SELECT", True),
        Privilege("column", "app", "Wide", "b c", "TABLE", R1, "UPDATE", True),
        Privilege("column", "app", "Wide", "z", "TABLE", "PUBLIC", "INSERT", False),
        Privilege("column", "app", "t", "a", "TABLE", R2, "UPDATE", False),
    ]
    unread = asyncio.run(introspect_target(resolve(a), privileges=False))
    assert unread.privileges == ()


def test_a_grant_to_a_role_the_target_lacks_is_reported_not_made(new_database: Callable[[], str]) -> None:
    a, b = new_database(), new_database()
    run_sql(a, _OBJECTS)
    run_sql(b, _OBJECTS + f"GRANT SELECT ON app.t TO {R2};")
    current, desired = asyncio.run(introspect_dsn(a)), asyncio.run(introspect_dsn(b))
    current = dataclasses.replace(current, roles=tuple(r for r in current.roles if r != R2))
    changes, plan, _ = diff_catalogs(current, desired, privileges=True)
    assert plan == ()
    (change,) = changes
    assert not change.planned
    assert change.detail == f"role {R2} does not exist on the target: not granted"


@pytest.fixture
def granted(new_database: Callable[[], str]) -> tuple[str, str]:
    """A database and its desired copy that differ by one grant."""
    live, desired = new_database(), new_database()
    run_sql(live, _OBJECTS)
    run_sql(desired, _OBJECTS + f"GRANT SELECT ON app.t TO {R1};")
    return live, desired


async def test_the_diff_pane_toggles_privileges(granted: tuple[str, str], tmp_path: Path) -> None:
    live, desired = granted
    app = DibsApp(resolve(live), Settings(project_root=tmp_path), desired=[desired], header_label="t")
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.catalog is not None)
        pane = await tab_pane(pilot, "d", DiffPane)
        await wait_for(pilot, lambda: pane.result is not None)
        assert text_of(pane.query_one("#diff-status", Static)).startswith("In sync")
        binding = next(b for b in pane.BINDINGS if isinstance(b, Binding) and b.action == "toggle_privileges")
        assert binding.key == "p" and binding.description  # shown in help and the palette
        pane.action_toggle_privileges()
        grant = f"GRANT SELECT ON TABLE app.t TO {R1};"
        await wait_for(pilot, lambda: grant in text_of(pane.query_one("#diff-plan", Static)))
        assert "privileges compared" in text_of(pane.query_one("#diff-status", Static))
        pane.action_toggle_privileges()
        await wait_for(pilot, lambda: grant not in text_of(pane.query_one("#diff-plan", Static)))


_GUARDED = """
CREATE TABLE t (id int PRIMARY KEY, amount {amount});
CREATE VIEW v AS SELECT id, amount FROM t;
CREATE FUNCTION f() RETURNS SETOF v LANGUAGE sql SECURITY DEFINER AS 'SELECT * FROM v';
REVOKE EXECUTE ON FUNCTION f() FROM PUBLIC;
CREATE TYPE mood AS ENUM ({moods});
REVOKE USAGE ON TYPE mood FROM PUBLIC;
"""


def test_a_function_or_type_created_or_re_created_keeps_public_revoked(
    new_database: Callable[[], str],
) -> None:
    """CREATE gives PUBLIC EXECUTE on a function and USAGE on a type: where the desired side revoked them, the
    plan revokes them again once the object is made (else a SECURITY DEFINER function is open to everyone)."""
    role = f"DO $$BEGIN CREATE ROLE {R1}; EXCEPTION WHEN duplicate_object THEN NULL; END$$;"
    for before, after in (
        ("", _GUARDED.format(amount="int", moods="'a', 'b'")),  # created
        (_GUARDED.format(amount="int", moods="'a', 'b'"), _GUARDED.format(amount="bigint", moods="'a'")),
    ):
        a, b = new_database(), new_database()
        run_sql(a, role + before)
        run_sql(b, role + after)
        _converge(a, b)
        checks = f"SELECT has_function_privilege('{R1}', 'f()', 'EXECUTE'), has_type_privilege('{R1}', 'mood', 'USAGE')"
        assert [tuple(r) for r in asyncio.run(fetch(a, checks))] == [(False, False)], before


def test_without_privileges_an_object_re_created_keeps_its_grants(new_database: Callable[[], str]) -> None:
    """Grants not compared (the CLI's default) are not dropped either: a view and a function the plan drops and
    creates again around a retyped column get the live grants back, PUBLIC's revoked EXECUTE included."""
    from dibs_tui.core.diff import diff_database

    a, b = new_database(), new_database()
    run_sql(a, _OBJECTS + _GUARDED.format(amount="int", moods="'a'"))
    run_sql(a, f"GRANT SELECT ON v TO {R1}; GRANT EXECUTE ON FUNCTION f() TO {R1};")
    run_sql(b, _OBJECTS + _GUARDED.format(amount="bigint", moods="'a'"))
    result = asyncio.run(diff_database(resolve(a), [b], read_privileges=False))
    assert "DROP VIEW public.v;" in [s.sql for s in result.plan]
    asyncio.run(apply_plan(a, result.plan))
    checks = (
        f"SELECT has_table_privilege('{R1}', 'v', 'SELECT'), has_function_privilege('{R1}', 'f()', 'EXECUTE'), "
        f"has_function_privilege('{R2}', 'f()', 'EXECUTE')"
    )
    assert [tuple(r) for r in asyncio.run(fetch(a, checks))] == [(True, True, False)]


def test_without_privileges_a_column_added_again_keeps_its_column_grants(
    new_database: Callable[[], str],
) -> None:
    """A generated column dropped and added again around a function the plan re-creates gets its column
    grant back."""
    folder = Path(__file__).parent / "diffcases" / "generated_column_reads_replaced_function"
    a, b = new_database(), new_database()
    run_sql(a, _OBJECTS + (folder / "current.sql").read_text() + f"GRANT SELECT (w) ON u TO {R1};")
    run_sql(b, _OBJECTS + (folder / "desired.sql").read_text())
    from dibs_tui.core.diff import diff_database

    # as the CLI reads without --privileges: the live grants only once the plan re-creates the column
    result = asyncio.run(diff_database(resolve(a), [b], read_privileges=False))
    plan = result.plan
    assert "ALTER TABLE public.u DROP COLUMN w;" in [s.sql for s in plan]
    assert any(p.kind == "column" and p.grantee == R1 for p in result.current.privileges)
    asyncio.run(apply_plan(a, plan))
    check = f"SELECT has_column_privilege('{R1}', 'u', 'w', 'SELECT')"
    assert [tuple(r) for r in asyncio.run(fetch(a, check))] == [(True,)]


_USER_TYPES = """
DO $$BEGIN CREATE ROLE {r1}; EXCEPTION WHEN duplicate_object THEN NULL; END$$;
DO $$BEGIN CREATE ROLE {r2}; EXCEPTION WHEN duplicate_object THEN NULL; END$$;
CREATE TYPE pair AS (a int, b text);
CREATE TYPE span AS RANGE (subtype = {subtype});
CREATE TABLE booked (id int, during span, who pair);
"""


def test_grants_on_composite_and_range_types_converge_both_ways(new_database: Callable[[], str]) -> None:
    """Composite and range types carry grants like enums and domains; a range re-created (new subtype)
    gets the desired grants, PUBLIC's USAGE revoked again where the desired side revoked it."""
    current = _USER_TYPES.format(r1=R1, r2=R2, subtype="float8") + f"GRANT USAGE ON TYPE pair TO {R1};"
    desired = _USER_TYPES.format(r1=R1, r2=R2, subtype="float8") + (
        f"GRANT USAGE ON TYPE span TO {R2}; REVOKE USAGE ON TYPE pair FROM PUBLIC;"
        " REVOKE USAGE ON TYPE span FROM PUBLIC;"
    )
    retyped = desired.replace("subtype = float8", "subtype = numeric")
    for before, after in ((current, desired), (desired, current), (current, retyped)):
        a, b = new_database(), new_database()
        run_sql(a, before)
        run_sql(b, after)
        _converge(a, b)
        asyncio.run(assert_same_fingerprint(a, b, (), (), ()))
    checks = (
        f"SELECT has_type_privilege('{R1}', 'pair', 'USAGE'), has_type_privilege('{R2}', 'span', 'USAGE'), "
        f"has_type_privilege('{R1}', 'span', 'USAGE')"
    )
    assert [tuple(r) for r in asyncio.run(fetch(a, checks))] == [(False, True, False)]
