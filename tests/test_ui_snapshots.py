"""SVG snapshots of the main states at 120×36, and at 80×24 and 200×60 (pytest-textual-snapshot;
`--snapshot-update` rewrites them).

The screen must not depend on the run: a fixed database name, a fixed project folder, fixed meta timestamps,
and the header label instead of the DSN (whose port changes every session).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from dibs_tui.config import Settings
from dibs_tui.core.connect import resolve
from dibs_tui.core.embedded import EmbeddedServer
from dibs_tui.ui.app import DibsApp
from dibs_tui.ui.screens.error import ErrorScreen
from dibs_tui.ui.screens.finder import FinderScreen
from tests.pg import execute, run_sql
from tests.ui_pilot import META, SHOP, holds, tab_pane

SIZE = (120, 36)
SMALL = (80, 24)
LARGE = (200, 60)
DATABASE = "ui_snapshots"
PROJECT = Path("/tmp/dibs-tui-ui-snapshots")
FIXED_TIMES = """
UPDATE __dibs_tables SET created_at = '2026-01-10 12:00+00', modified_at = '2026-01-10 12:00+00';
UPDATE __dibs_columns SET created_at = '2026-01-10 12:00+00', modified_at = '2026-01-17 09:30+00';
"""


# More columns than an 80×24 card had room for.
WIDE = """
CREATE TABLE shipments (
    id bigint PRIMARY KEY, order_id bigint NOT NULL REFERENCES orders(id), carrier text NOT NULL,
    tracking_code text UNIQUE, weight_grams int, length_mm int, width_mm int, height_mm int,
    shipped_at timestamptz, delivered_at timestamptz, signed_by text, notes text
);
COMMENT ON TABLE shipments IS 'Parcels on their way: one row a parcel.
An order may ship in several.';
"""

# Pending only (an applied one would show when it ran): long names, to show the rows keep their marks.
MIGRATIONS = {
    "20260110120000_add-a-loyalty-programme-for-returning-customers.sql": (
        "CREATE TABLE loyalty (customer_id bigint PRIMARY KEY REFERENCES customers(id), points int);\n"
    ),
    "20260117093000_remember-when-each-customer-last-ordered-something.sql": (
        "ALTER TABLE customers ADD COLUMN last_ordered_at timestamptz;\n"
    ),
}


@pytest.fixture
def snapshot_db(pg_server: EmbeddedServer) -> Iterator[str]:
    asyncio.run(
        execute(
            pg_server.dsn(),
            f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)',
            f'CREATE DATABASE "{DATABASE}"',
        )
    )
    dsn = pg_server.dsn(DATABASE)
    run_sql(dsn, SHOP + WIDE + META + FIXED_TIMES + "ANALYZE;")
    (PROJECT / "db").mkdir(parents=True, exist_ok=True)
    (PROJECT / "db" / "schema.sql").write_text(
        "-- People who buy things\nCREATE TABLE customers (\n"
        "    id bigint PRIMARY KEY,\n    name text NOT NULL\n);\n"
    )
    migrations = PROJECT / "db" / "migrations"
    migrations.mkdir(exist_ok=True)
    for old in migrations.glob("*.sql"):
        old.unlink()
    for name, text in MIGRATIONS.items():
        (migrations / name).write_text(text)
    yield dsn
    asyncio.run(execute(pg_server.dsn(), f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)'))


def snapshot_app(dsn: str) -> DibsApp:
    return DibsApp(
        resolve(dsn), Settings(project_root=PROJECT), header_label="postgresql://demo@localhost/shop"
    )


async def until(pilot: Pilot[Any], condition: Callable[[], object]) -> None:
    """Let the app work until `condition()` holds (a widget it queries not there yet is its not holding)."""
    for _ in range(300):
        if holds(condition):
            await pilot.pause()
            return
        await pilot.pause(0.05)
    raise AssertionError("the app never reached the expected state")


async def loaded(pilot: Pilot[Any]) -> None:
    app = pilot.app
    assert isinstance(app, DibsApp)
    await until(pilot, lambda: app.catalog is not None and app.card.relation is not None)
    await settled(pilot)


async def settled(pilot: Pilot[Any]) -> None:
    """The Details' Used by section found (it is found on a thread: the screen must not catch it half-way)."""
    app = pilot.app
    assert isinstance(app, DibsApp)
    await until(pilot, lambda: not any("finding…" in str(line.content) for line in app.details.lines))


async def goto(pilot: Pilot[Any], name: str) -> None:
    await pilot.press("t", *name, "enter")
    await until(pilot, lambda: not isinstance(pilot.app.screen, FinderScreen))
    await settled(pilot)


def test_snapshot_browse(snapshot_db: str, snap_compare: Any) -> None:
    assert snap_compare(snapshot_app(snapshot_db), terminal_size=SIZE, run_before=loaded)


def test_snapshot_card_and_column_details(snapshot_db: str, snap_compare: Any) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await loaded(pilot)
        await goto(pilot, "customers")
        await pilot.press("l", "j")
        await settled(pilot)

    assert snap_compare(snapshot_app(snapshot_db), terminal_size=SIZE, run_before=run_before)


def test_snapshot_goto_finder(snapshot_db: str, snap_compare: Any) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await loaded(pilot)
        await pilot.press("t", *"ord")
        screen = pilot.app.screen
        assert isinstance(screen, FinderScreen)
        await until(pilot, lambda: screen.results.row_count == 2)

    assert snap_compare(snapshot_app(snapshot_db), terminal_size=SIZE, run_before=run_before)


def test_snapshot_filter(snapshot_db: str, snap_compare: Any) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await loaded(pilot)
        app = pilot.app
        assert isinstance(app, DibsApp)
        await pilot.press("slash", *"inv")
        await until(pilot, lambda: app.tables_pane.table_list.row_count == 2)
        await settled(pilot)  # the filter moved the selection: its Used by section is found on a thread

    assert snap_compare(snapshot_app(snapshot_db), terminal_size=SIZE, run_before=run_before)


def test_snapshot_help(snapshot_db: str, snap_compare: Any) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await loaded(pilot)
        await pilot.press("question_mark")

    assert snap_compare(snapshot_app(snapshot_db), terminal_size=SIZE, run_before=run_before)


def test_snapshot_help_small(snapshot_db: str, snap_compare: Any) -> None:
    """At 80×24 each key keeps its description on its line (the binding ids are left out)."""

    async def run_before(pilot: Pilot[Any]) -> None:
        await loaded(pilot)
        await pilot.press("question_mark")

    assert snap_compare(snapshot_app(snapshot_db), terminal_size=SMALL, run_before=run_before)


def test_snapshot_error_modal(snap_compare: Any) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await until(pilot, lambda: isinstance(pilot.app.screen, ErrorScreen))

    app = DibsApp(
        resolve("postgresql://nobody@127.0.0.1:1/nowhere"),
        Settings(project_root=PROJECT),
        header_label="postgresql://nobody@127.0.0.1:1/nowhere",
    )
    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_snapshot_browse_80x24(snapshot_db: str, snap_compare: Any) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await loaded(pilot)
        await goto(pilot, "customers")

    assert snap_compare(snapshot_app(snapshot_db), terminal_size=SMALL, run_before=run_before)


def test_snapshot_card_and_column_details_80x24(snapshot_db: str, snap_compare: Any) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await loaded(pilot)
        await goto(pilot, "shipments")
        await pilot.press("tab", "j")
        await settled(pilot)

    assert snap_compare(snapshot_app(snapshot_db), terminal_size=SMALL, run_before=run_before)


def test_snapshot_browse_200x60(snapshot_db: str, snap_compare: Any) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await loaded(pilot)
        await goto(pilot, "customers")

    assert snap_compare(snapshot_app(snapshot_db), terminal_size=LARGE, run_before=run_before)


async def _migrations_shown(pilot: Pilot[Any]) -> None:
    from dibs_tui.ui.migrations_pane import MigrationsPane

    await loaded(pilot)
    details = (await tab_pane(pilot, "m", MigrationsPane)).query_one("#migrations-details")

    def done() -> bool:
        text = str(details.render())
        return "Changes:" in text and "computing" not in text

    await until(pilot, done)


def test_snapshot_migrations_80x24(snapshot_db: str, snap_compare: Any) -> None:
    assert snap_compare(snapshot_app(snapshot_db), terminal_size=SMALL, run_before=_migrations_shown)


def test_snapshot_migrations_200x60(snapshot_db: str, snap_compare: Any) -> None:
    assert snap_compare(snapshot_app(snapshot_db), terminal_size=LARGE, run_before=_migrations_shown)


# Values longer than the Details pane is wide: a CHECK, a default, a policy's USING.
LONG_VALUES = """
CREATE TABLE plans (
    id int PRIMARY KEY,
    tier text NOT NULL DEFAULT 'free_with_limited_projects_and_community_support_only',
    CONSTRAINT plans_tier_check CHECK (tier IN ('free_with_limited_projects_and_community_support_only',
        'team', 'business', 'enterprise_with_dedicated_support_and_single_sign_on'))
);
ALTER TABLE plans ENABLE ROW LEVEL SECURITY;
CREATE POLICY plans_of_the_tenant ON plans USING (current_setting('app.tenant', true) IS NOT NULL
    AND tier <> 'enterprise_with_dedicated_support_and_single_sign_on');
"""


@pytest.mark.parametrize("size", [SMALL, (200, 50)], ids=["80x24", "200x50"])
def test_snapshot_long_values_wrap_in_the_details(
    snapshot_db: str, snap_compare: Any, size: tuple[int, int]
) -> None:
    """A long CHECK and a policy's USING wrap under their names, not cut at the pane's edge."""
    run_sql(snapshot_db, LONG_VALUES)

    async def run_before(pilot: Pilot[Any]) -> None:
        await loaded(pilot)
        await goto(pilot, "plans")
        app = pilot.app
        assert isinstance(app, DibsApp)
        app.details.focus()
        app.details.go_to_heading("Constraints")
        await pilot.press("j")
        await settled(pilot)

    assert snap_compare(snapshot_app(snapshot_db), terminal_size=size, run_before=run_before)


def test_snapshot_a_long_default_wraps_in_the_column_details_80x24(
    snapshot_db: str, snap_compare: Any
) -> None:
    run_sql(snapshot_db, LONG_VALUES)

    async def run_before(pilot: Pilot[Any]) -> None:
        await loaded(pilot)
        await goto(pilot, "plans")
        await pilot.press("l", "j")
        await settled(pilot)

    assert snap_compare(snapshot_app(snapshot_db), terminal_size=SMALL, run_before=run_before)
