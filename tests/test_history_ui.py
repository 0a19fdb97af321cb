"""The history in the TUI, driven headless on meta rows written by hand: the History section of Details for
a table (its timeline) and a column (created by, last changed by), `M` to reach it, Enter on a migration
opens the Migrations pane on it, and Enter on a table or column that migration touched comes back to
Browse; SVG snapshots of both."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import OptionList, TabbedContent

from dibs_tui.config import Settings
from dibs_tui.core.connect import resolve
from dibs_tui.core.embedded import EmbeddedServer
from dibs_tui.core.meta import meta_tables_ddl
from dibs_tui.ui.app import DibsApp
from dibs_tui.ui.migration_touched import TouchedList
from dibs_tui.ui.migrations_pane import MigrationsPane
from tests.pg import execute, run_sql
from tests.test_history import HAND_BUILT
from tests.test_ui_snapshots import FIXED_TIMES, loaded, settled, until
from tests.ui_pilot import mounted

SIZE = (120, 36)
DATABASE = "history_snapshots"
PROJECT = Path("/tmp/dibs-tui-history-snapshots")  # fixed: the snapshots show no temporary path


@pytest.fixture
def history_db(pg_server: EmbeddedServer) -> Iterator[str]:
    asyncio.run(
        execute(
            pg_server.dsn(),
            f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)',
            f'CREATE DATABASE "{DATABASE}"',
        )
    )
    dsn = pg_server.dsn(DATABASE)
    run_sql(dsn, HAND_BUILT.format(meta=meta_tables_ddl()) + FIXED_TIMES)
    (PROJECT / "db" / "migrations").mkdir(parents=True, exist_ok=True)
    for old in (PROJECT / "db" / "migrations").glob("*.sql"):
        old.unlink()
    yield dsn
    asyncio.run(execute(pg_server.dsn(), f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)'))


def history_app(dsn: str) -> DibsApp:
    return DibsApp(
        resolve(dsn), Settings(project_root=PROJECT), header_label="postgresql://demo@localhost/shop"
    )


def _plain(app: DibsApp) -> list[str]:
    return [line.content.plain for line in app.details.lines]


async def _users_history(pilot: Pilot[Any]) -> None:
    await loaded(pilot)
    app = pilot.app
    assert isinstance(app, DibsApp)
    app.go_to("public", "users")
    await settled(pilot)
    await pilot.press("M")
    await until(pilot, lambda: app.focused is app.details)


async def test_details_history_of_a_table_and_a_column_and_enter_opens_the_migration(history_db: str) -> None:
    app = history_app(history_db)
    async with app.run_test(size=SIZE) as pilot:
        await _users_history(pilot)
        lines = _plain(app)
        first = app.details.current()
        assert first is not None and first.migration == "m1_init"
        at = app.details.cursor
        assert lines[at - 1] == "── History (3)"
        assert lines[at].startswith("created      m1_init  2026-01-01 10:00  15 ms")
        assert (
            lines[at + 2].startswith("modified     m3_email")
            and "(recorded as public.users)" in lines[at + 2]
        )
        app.go_to("public", "users", "email")
        await until(pilot, lambda: app.details_subject == "column")
        column = _plain(app)
        assert any(line.startswith("created by   m1_init") for line in column)
        assert any(line.startswith("last changed m3_email  2026-01-03 10:00") for line in column)

        app.go_to("public", "users")
        await pilot.pause()
        await pilot.press("M", "down", "enter")  # the second line: m2_orders
        pane = await mounted(pilot, MigrationsPane)
        await until(pilot, lambda: pane.loaded and app.query_one(TabbedContent).active == "migrations")
        options = pane.query_one("#migrations-list", OptionList)
        await until(
            pilot,
            lambda: options.highlighted_option is not None and options.highlighted_option.id == "m2_orders",
        )
        touched = pane.query_one(TouchedList)
        await until(pilot, lambda: touched.option_count == 3)
        shown = [str(touched.get_option_at_index(i).prompt) for i in range(touched.option_count)]
        assert shown == [
            "+ created  table  app.orders  (recorded as app.orders)",
            "+ created  column app.orders.user_id  (meta row)",
            "~ modified table  public.users",
        ]

        touched.focus()
        touched.highlighted = 1
        await pilot.press("enter")
        await until(pilot, lambda: app.query_one(TabbedContent).active == "browse")
        await until(pilot, lambda: (loc := app.current_location()) is not None and loc.column == "user_id")
        assert app.card.relation is not None and app.card.relation.key == ("app", "orders")


async def test_the_same_table_shown_again_keeps_the_details_cursor(history_db: str) -> None:
    """After `M` put the Details cursor on the History section, the same table's highlight arriving late (a
    go-to's own, or the settle timer of a held key) redraws the details without moving the cursor back to the
    top; another table starts at the top."""
    app = history_app(history_db)
    async with app.run_test(size=SIZE) as pilot:
        await _users_history(pilot)
        at = app.details.cursor
        assert at > 0 and app.details.current() is not None
        app.post_message(app.tables_pane.TableHighlighted(app.tables_pane.selected_relation()))
        await settled(pilot)
        assert app.details.cursor == at and app.details.current().migration == "m1_init"  # type: ignore[union-attr]
        app.go_to("app", "orders")
        await settled(pilot)
        assert app.details.cursor == 0


async def test_a_migration_nobody_has_is_said_not_an_error(history_db: str) -> None:
    app = history_app(history_db)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await app.open_migration("m9_nowhere")
        pane = app.query_one(MigrationsPane)
        await until(pilot, lambda: pane.loaded)
        await until(
            pilot,
            lambda: any("m9_nowhere is neither in" in str(n.message) for n in app._notifications),
        )


def test_snapshot_details_history(history_db: str, snap_compare: Any) -> None:
    assert snap_compare(history_app(history_db), terminal_size=SIZE, run_before=_users_history)


def test_snapshot_migrations_touched(history_db: str, snap_compare: Any) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await _users_history(pilot)
        await pilot.press("down", "enter")
        pane = await mounted(pilot, MigrationsPane)
        await until(pilot, lambda: pane.loaded and pane.query_one(TouchedList).option_count == 3)

    assert snap_compare(history_app(history_db), terminal_size=SIZE, run_before=run_before)


async def test_at_80x24_each_touched_object_is_one_row(history_db: str) -> None:
    """The Touched list wrapped each row over two or three lines at 80 columns (`public.audit_log.action
    (meta` / `row)`): a row is one line now, its name cut in its middle and its note left out first."""
    app = history_app(history_db)
    async with app.run_test(size=(80, 24)) as pilot:
        await _users_history(pilot)
        await pilot.press("down", "enter")
        pane = await mounted(pilot, MigrationsPane)
        touched = pane.query_one(TouchedList)
        await until(pilot, lambda: pane.loaded and touched.option_count == 3)
        await pilot.pause()
        assert touched.virtual_size.height == 3, touched.virtual_size
        rows = [touched.render_line(y).text for y in range(3)]
        assert any("…" in row and row.rstrip(" │").endswith("user_id") for row in rows), rows
