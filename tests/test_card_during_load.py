"""The card follows the cursor while the whole catalog is still being read: each table the cursor rests on
is read alone, over its own connections, and until it is in the card says so (a spinner), never showing the
previous table. The whole read is held here on another session's lock, so only those small reads can show a
card."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine

from dibs_tui.ui.widgets.table_card import TableCard
from dibs_tui.ui.widgets.tables_pane import TablesPane
from tests.pg import held_table, run_sql
from tests.ui_pilot import loaded, make_app, wait_for

TABLES = """
CREATE TABLE a_customers (id bigint PRIMARY KEY, name text);
CREATE TABLE b_orders (id bigint PRIMARY KEY, customer_id bigint REFERENCES a_customers (id), total numeric);
CREATE TABLE c_lines (order_id bigint, customer_id bigint, n int, PRIMARY KEY (order_id, n),
                      FOREIGN KEY (order_id) REFERENCES b_orders (id));
"""


def _while_the_whole_read_waits(db: str, scenario: Callable[[str], Coroutine[None, None, None]]) -> None:
    """Run `scenario` on TABLES while another session holds a table, then release it (the read was waiting)."""
    run_sql(db, TABLES)
    with held_table(db) as held:
        asyncio.run(scenario(db))
        assert held.release() == 1


def test_the_card_follows_the_cursor_to_tables_with_foreign_keys_during_the_load(db: str) -> None:
    _while_the_whole_read_waits(db, _move_during_the_load)


async def _move_during_the_load(db: str) -> None:
    app = make_app(db, lock_timeout="10min")
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_for(pilot, lambda: app.card.relation is not None)
        assert app.catalog is None and app.card.relation is not None
        assert app.card.relation.name == "a_customers"
        for name in ("b_orders", "c_lines"):
            await pilot.press("down")
            await wait_for(
                pilot, lambda want=name: app.card.relation is not None and app.card.relation.name == want
            )
            fk = next(c.foreign_key for c in app.card.relation.constraints if c.foreign_key)
            assert fk.target_columns == ("id",)
        # the locked table itself cannot be read alone either: no card of another table stands for it
        await pilot.press("down")
        await wait_for(pilot, lambda: app.tables_pane.selected_relation().name == "held")  # type: ignore[union-attr]
        await wait_for(pilot, lambda: app.card.loading)
        await pilot.press("up")
        await wait_for(pilot, lambda: not app.card.loading and app.card.relation.name == "c_lines")  # type: ignore[union-attr]
        assert app.catalog is None  # the whole read is still waiting on the lock


def test_a_table_that_cannot_be_read_alone_says_why_on_its_card(db: str) -> None:
    """Past lock_timeout, the card of the locked table says that it could not be read and why (the lock and
    who holds it), instead of a spinner until the whole read ends (which the same lock stops: its error screen
    comes next)."""
    _while_the_whole_read_waits(db, _locked_card)


async def _locked_card(db: str) -> None:
    app = make_app(db, lock_timeout="1s")
    async with app.run_test(size=(120, 36)) as pilot:
        # The whole read gives up on the same lock after 1 s and its error screen comes on top, maybe before
        # the first card or before the card says why (a loaded machine): the card and the list are looked at
        # on the screen below it.
        browser = app.screen_stack[0]
        card, tables = browser.query_one(TableCard), browser.query_one(TablesPane)
        await wait_for(pilot, lambda: card.relation is not None)
        # Selected by the list itself, not by keys: the error screen would take the keys of a slow machine
        # before the cursor got there.
        assert tables.select(("public", "held"))
        await wait_for(pilot, lambda: tables.selected_relation().name == "held")  # type: ignore[union-attr]
        header = card.query_one("#card-header")
        await wait_for(pilot, lambda: "could not be read alone" in str(header.render()))
        text = str(header.render())
        assert "lock" in text.lower() and not card.loading and card.relation is None
        assert "held" in str(card.border_title) and "AccessExclusiveLock" in text


def test_t_c_and_Y_during_the_load_say_they_wait_for_the_catalog(db: str) -> None:
    """The footer lists t; pressed before the whole catalog is read it says why nothing opens yet."""
    _while_the_whole_read_waits(db, _finders_during_the_load)


async def _finders_during_the_load(db: str) -> None:
    app = make_app(db, lock_timeout="10min")
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_for(pilot, lambda: app.card.relation is not None)
        for key in ("t", "c", "Y"):  # Y: the DDL is written from the whole catalog (its sequences, types)
            await pilot.press(key)
            await wait_for(pilot, lambda: any("still loading" in n.message for n in app._notifications))
            app.clear_notifications()
        assert app.catalog is None  # the whole read is still waiting on the lock


def test_the_list_drawn_again_under_the_same_table_leaves_its_details_as_drawn(db: str) -> None:
    """A new listing, a filter or marks draw the list again and its cursor says which table it is on: the same
    table's card and details are not drawn again (at 5,000 tables they were, in the middle of the read and
    after it); another table's are."""
    run_sql(db, TABLES)
    asyncio.run(_drawn_again(db))


async def _drawn_again(db: str) -> None:
    app = make_app(db)
    async with app.run_test(size=(120, 36)) as pilot:
        await loaded(pilot)
        await pilot.pause()
        drawn = app.details.lines
        app.tables_pane.set_sync_marks({})  # the list's rows drawn again, its cursor on the same table
        await pilot.pause()
        await pilot.pause()
        assert app.details.lines is drawn
        await pilot.press("down")
        await wait_for(pilot, lambda: app.card.relation is not None and app.card.relation.name == "b_orders")
        assert app.details.lines is not drawn
