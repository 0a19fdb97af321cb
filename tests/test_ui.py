"""The browser driven headless on a real database: every key path of issue 5, hostile names, refresh, the palette."""

from __future__ import annotations

import sys
from pathlib import Path

from textual.widget import Widget

from dibs_tui.core.connect import resolve
from dibs_tui.core.model import Relation
from dibs_tui.ui.app import DibsApp
from dibs_tui.ui.screens.error import ErrorScreen
from dibs_tui.ui.screens.finder import FinderScreen
from dibs_tui.ui.screens.help import HelpScreen
from dibs_tui.ui.widgets.details import DetailsView
from dibs_tui.ui.widgets.table_card import ColumnList
from dibs_tui.ui.widgets.table_list import TableList
from tests.pg import execute
from tests.ui_pilot import (
    SIZE,
    card_column,
    card_key,
    goto,
    loaded,
    make_app,
    palette_offers,
    rendered,
    screen_text,
    shop,
    shown_tables,
    unused_port,
    wait_for,
)

__all__ = ["shop", "unused_port"]  # fixtures


async def test_loads_and_shows_first_table_with_its_card(shop: str) -> None:
    async with make_app(shop).run_test(size=SIZE) as pilot:
        app = await loaded(pilot)
        assert shown_tables(app) == [
            "billing.invoices",
            "public.customers",
            "public.order_totals",
            "public.orders",
        ]
        assert card_key(app) == ("billing", "invoices")
        assert [c.name for c in app.card.relation.columns] == ["id", "order_id", "customer_id"]  # type: ignore[union-attr]
        header = screen_text(app)
        assert "dibs_test" in header and "PostgreSQL 18" in header


async def test_filter_narrows_the_list_and_escape_restores_it(shop: str) -> None:
    async with make_app(shop).run_test(size=SIZE) as pilot:
        app = await loaded(pilot)
        await pilot.press("slash", *"ordr")
        await wait_for(pilot, lambda: len(shown_tables(app)) < 4)
        # fuzzy: "ordr" is a subsequence of orders and order_totals only
        assert shown_tables(app) == ["public.order_totals", "public.orders"]
        await wait_for(pilot, lambda: card_key(app) in {("public", "orders"), ("public", "order_totals")})
        await pilot.press("enter")  # back to the list
        assert isinstance(app.focused, TableList)
        await pilot.press("escape")
        await wait_for(pilot, lambda: len(shown_tables(app)) == 4)
        # listed in list order, the cursor on the best match: the exact name, not the first row
        await pilot.press("slash", *"orders")
        await wait_for(pilot, lambda: len(shown_tables(app)) < 4 and card_key(app) == ("public", "orders"))
        assert shown_tables(app) == ["public.order_totals", "public.orders"]


async def test_goto_table_ranks_exact_before_prefix(shop: str) -> None:
    async with make_app(shop).run_test(size=SIZE) as pilot:
        app = await loaded(pilot)
        await goto(pilot, "orders")
        assert card_key(app) == ("public", "orders")
        await goto(pilot, "billing.inv")
        assert card_key(app) == ("billing", "invoices")


async def test_column_search_finds_every_table_with_the_column(shop: str) -> None:
    async with make_app(shop).run_test(size=SIZE) as pilot:
        app = await loaded(pilot)
        await pilot.press("c", *"customer_id")
        finder = app.screen
        assert isinstance(finder, FinderScreen)
        await wait_for(
            pilot, lambda: finder.results.results and finder.results.results[0].name == "customer_id"
        )
        paths = {c.path for c in finder.results.results if c.name == "customer_id"}
        assert paths == {
            "billing.invoices.customer_id",
            "public.orders.customer_id",
            "public.order_totals.customer_id",
        }
        await pilot.press("enter")
        await wait_for(pilot, lambda: not isinstance(app.screen, FinderScreen))
        assert card_column(app) == "customer_id"
        assert isinstance(app.focused, ColumnList)


async def test_fk_out_in_back_and_forward(shop: str) -> None:
    async with make_app(shop).run_test(size=SIZE) as pilot:
        app = await loaded(pilot)
        await goto(pilot, "orders")
        await pilot.press("l", "j")  # into the card, onto customer_id
        assert card_column(app) == "customer_id"
        await pilot.press("enter")  # FK out
        assert card_key(app) == ("public", "customers") and card_column(app) == "id"
        # FK in: the column's details list who references customers.id
        await pilot.press("l")
        details = app.query_one(DetailsView)
        assert app.focused is details
        incoming = [
            i for i, line in enumerate(details.lines) if line.target and line.target.table == "orders"
        ]
        assert incoming, "orders.customer_id should be listed under Referenced by"
        details.move_cursor(incoming[0])
        await pilot.press("enter")
        assert card_key(app) == ("public", "orders") and card_column(app) == "customer_id"
        await pilot.press("backspace")
        assert card_key(app) == ("public", "customers") and card_column(app) == "id"
        await pilot.press("alt+left")
        assert card_key(app) == ("public", "orders") and card_column(app) == "customer_id"
        await pilot.press("alt+right")
        assert card_key(app) == ("public", "customers")
        await pilot.press("alt+right")
        assert card_key(app) == ("public", "orders")


async def test_table_details_list_referenced_by_and_ddl(shop: str) -> None:
    async with make_app(shop).run_test(size=SIZE) as pilot:
        app = await loaded(pilot)
        await goto(pilot, "customers")
        text = [line.content.plain for line in app.query_one(DetailsView).lines]
        assert any("← orders(customer_id)" in t for t in text)
        assert any("People who buy things" in t for t in text)
        assert any(t.startswith("CREATE TABLE") for t in text)
        assert any("customers_email_key" in t for t in text)


async def test_partitioned_table_details_say_its_partition_key_above_its_partitions(db: str) -> None:
    """psql's \\d says `Partition key: RANGE (at)` under the columns; the Details pane said it only in the DDL,
    below every partition (55 of them in pagila's payment)."""
    await execute(
        db,
        "CREATE TABLE events (id bigint, at timestamptz NOT NULL) PARTITION BY RANGE (at);"
        + "".join(
            f"CREATE TABLE events_{m:02} PARTITION OF events"
            f" FOR VALUES FROM ('2026-{m:02}-01') TO ('2026-{m + 1:02}-01');"
            for m in range(1, 10)
        ),
    )
    async with make_app(db).run_test(size=SIZE) as pilot:
        app = await loaded(pilot)
        await goto(pilot, "events")
        text = [line.content.plain for line in app.query_one(DetailsView).lines]
        key = text.index("partition by RANGE (at)")
        assert key < next(i for i, t in enumerate(text) if t.startswith("── Partitions (9)"))


async def test_details_say_whether_row_level_security_applies_and_what_it_hides(db: str) -> None:
    """Supabase's storage.objects has row-level security on and no policy, so every role but its owner reads
    no rows: the Details pane said nothing of it (only its DDL's last line did), and of a table whose policies
    are not applied (security off) it listed the policies as if they were."""
    await execute(
        db,
        """
        CREATE TABLE objects (id int PRIMARY KEY);
        ALTER TABLE objects ENABLE ROW LEVEL SECURITY;
        CREATE TABLE vault (id int PRIMARY KEY);
        ALTER TABLE vault ENABLE ROW LEVEL SECURITY;
        ALTER TABLE vault FORCE ROW LEVEL SECURITY;
        CREATE TABLE notes (id int PRIMARY KEY, owner name);
        CREATE POLICY own ON notes USING (owner = current_user);
        CREATE TABLE posts (id int PRIMARY KEY);
        ALTER TABLE posts ENABLE ROW LEVEL SECURITY;
        CREATE POLICY readable ON posts FOR SELECT USING (true);
        """,
    )
    async with make_app(db).run_test(size=SIZE) as pilot:
        app = await loaded(pilot)

        async def details(table: str) -> list[str]:
            await goto(pilot, table)
            await wait_for(pilot, lambda: app.card.relation is not None and app.card.relation.name == table)
            return [line.content.plain for line in app.query_one(DetailsView).lines]

        objects = await details("objects")
        assert (
            "security  row-level security on, no policy: only its owner (and BYPASSRLS roles) reads rows"
            in objects
        )
        vault = await details("vault")
        assert (
            "security  row-level security on and forced, no policy: only BYPASSRLS roles read rows" in vault
        )
        notes = await details("notes")
        assert "── Policies (1) · not applied: row-level security is off" in notes, notes
        assert not any(t.startswith("security") for t in notes)
        posts = await details("posts")
        assert "security  row-level security on" in posts and "── Policies (1)" in posts, posts


async def test_a_columns_details_say_its_enums_values_and_its_domains_definition(db: str) -> None:
    """pagila's film.rating said `type public.mpaa_rating` and nothing of the values it takes; a domain
    column said its name and not what it checks. An array of the enum says its values too."""
    await execute(
        db,
        """
        CREATE TYPE mpaa_rating AS ENUM ('G', 'PG', 'PG-13', 'it''s', E'new\nline');
        CREATE DOMAIN positive AS integer NOT NULL CHECK (VALUE > 0);
        CREATE TABLE film (id int PRIMARY KEY, rating mpaa_rating, ratings mpaa_rating[], length positive);
        """,
    )
    async with make_app(db).run_test(size=SIZE) as pilot:
        app = await loaded(pilot)

        async def details(column: str) -> list[str]:
            await pilot.press("c", *column, "enter")
            await wait_for(pilot, lambda: card_column(app) == column and app.details_subject == "column")
            await pilot.pause()
            return [line.content.plain for line in app.query_one(DetailsView).lines]

        values = "values    'G', 'PG', 'PG-13', 'it''s', 'new\\nline'"
        assert values in await details("rating")
        assert values in await details("ratings")
        assert "domain    integer NOT NULL CHECK ((VALUE > 0))" in await details("length")


async def test_a_foreign_key_out_says_its_on_update_action_too(db: str) -> None:
    """pagila's customer.address_id is `ON UPDATE CASCADE ON DELETE RESTRICT`; its line under Foreign keys
    out said `ON DELETE RESTRICT` alone, as if an update of the address's key were refused."""
    await execute(
        db,
        """
        CREATE TABLE address (address_id int PRIMARY KEY);
        CREATE TABLE customer (id int PRIMARY KEY,
            address_id int REFERENCES address ON UPDATE CASCADE ON DELETE RESTRICT,
            moved_to int REFERENCES address ON UPDATE SET NULL,
            plain int REFERENCES address);
        """,
    )
    async with make_app(db).run_test(size=SIZE) as pilot:
        app = await loaded(pilot)
        await goto(pilot, "customer")
        await wait_for(pilot, lambda: app.card.relation is not None and app.card.relation.name == "customer")
        text = [line.content.plain for line in app.query_one(DetailsView).lines]
        assert "address_id → address(address_id)  ON UPDATE CASCADE ON DELETE RESTRICT" in text, text
        assert "moved_to → address(address_id)  ON UPDATE SET NULL" in text
        assert "plain → address(address_id)" in text


async def test_a_temporal_or_not_enforced_foreign_key_says_so(db: str) -> None:
    """PostgreSQL 18: a foreign key over a PERIOD matches its last column by containment, and one NOT ENFORCED
    checks no row. Both read as plain keys under Foreign keys out, Referenced by and a column's Foreign key."""
    await execute(
        db,
        """
        CREATE EXTENSION btree_gist;
        CREATE TABLE price (film_id int, valid_at daterange, PRIMARY KEY (film_id, valid_at WITHOUT OVERLAPS));
        CREATE TABLE offer (id int PRIMARY KEY, film_id int, valid_at daterange,
            CONSTRAINT offer_price FOREIGN KEY (film_id, PERIOD valid_at) REFERENCES price (film_id, PERIOD valid_at),
            CONSTRAINT offer_self FOREIGN KEY (id) REFERENCES offer NOT ENFORCED);
        """,
    )
    async with make_app(db).run_test(size=SIZE) as pilot:
        app = await loaded(pilot)
        await goto(pilot, "offer")
        await wait_for(pilot, lambda: app.card.relation is not None and app.card.relation.name == "offer")
        text = [line.content.plain for line in app.query_one(DetailsView).lines]
        assert "film_id, PERIOD valid_at → price(film_id, PERIOD valid_at)" in text, text
        assert "id → offer(id)  NOT ENFORCED" in text, text
        await pilot.press("c", *"valid_at", "enter")
        await wait_for(pilot, lambda: card_column(app) == "valid_at" and app.details_subject == "column")
        await pilot.pause()
        text = [line.content.plain for line in app.query_one(DetailsView).lines]
        assert "→ price.valid_at  (offer_price, PERIOD)" in text, text
        await goto(pilot, "price")
        await wait_for(pilot, lambda: app.card.relation is not None and app.card.relation.name == "price")
        text = [line.content.plain for line in app.query_one(DetailsView).lines]
        assert "← offer(film_id, PERIOD valid_at)" in text, text


async def test_keys_move_in_lists_and_between_panes(shop: str) -> None:
    async with make_app(shop).run_test(size=SIZE) as pilot:
        app = await loaded(pilot)
        table_list = app.query_one(TableList)
        await pilot.press("G")
        await wait_for(pilot, lambda: card_key(app) == ("public", "orders"))
        await pilot.press("g")
        assert table_list.cursor == 0
        await pilot.press("j", "j", "k")  # a fast run of moves: the card follows once they settle
        await wait_for(pilot, lambda: card_key(app) == ("billing", "invoices"))
        await pilot.press("tab")
        assert isinstance(app.focused, ColumnList)
        await pilot.press("l")
        assert isinstance(app.focused, DetailsView)
        await pilot.press("h", "h")
        assert isinstance(app.focused, TableList)
        await pilot.press("space")  # fold the schema under the cursor
        assert "billing" in app.tables_pane.collapsed
        assert "billing.invoices" not in shown_tables(app)


async def test_h_and_l_move_between_the_panes_of_every_tab(shop: str) -> None:
    """The help of the Diff, Migrations and Health tabs offered `l Next pane` and `h Previous pane`, and the
    keys did nothing there (only Tab moved): they move between that tab's panes, round, as in Browse."""
    async with make_app(shop).run_test(size=SIZE) as pilot:
        app = await loaded(pilot)
        for tab_key, first in (("H", "health-findings"), ("m", "migrations-list"), ("d", "diff-changes")):
            await pilot.press(tab_key)
            await wait_for(pilot, lambda first=first: app.focused is not None and app.focused.id == first)
            seen = [first]
            for _ in range(5):
                await pilot.press("l")
                assert app.focused is not None and app.focused.id is not None
                seen.append(app.focused.id)
                if app.focused.id == first:
                    break
            assert len(seen) > 2 and seen[-1] == first, seen  # every pane of the tab, then round
            tab = app.query_one(f"TabPane#{app.tabs.active}")
            assert all(app.query_one(f"#{pane}") in tab.walk_children() for pane in seen), seen
            await pilot.press("h")
            assert app.focused is not None and app.focused.id == seen[-2], seen
        await pilot.press("b")


async def test_help_lists_focused_pane_bindings_with_ids(shop: str) -> None:
    async with make_app(shop).run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await pilot.press("question_mark")
        help_screen = pilot.app.screen
        assert isinstance(help_screen, HelpScreen)
        ids = {entry[3] for entry in help_screen.entries}
        assert {"list.down", "tables.toggle_schema", "app.goto_table", "app.open_editor", "app.quit"} <= ids
        groups = {entry[0] for entry in help_screen.entries}
        assert {"Tables", "App"} <= groups
        # the figure at the end of a table's row, `?` for the shop's tables (never analysed), is explained
        await pilot.press("end")
        await pilot.pause()
        text = screen_text(pilot.app)
        assert "? never analysed" in text and "row estimate" in text, text
        await pilot.press("escape")
        assert not isinstance(pilot.app.screen, HelpScreen)


async def test_copy_name_and_ddl(shop: str) -> None:
    async with make_app(shop).run_test(size=SIZE) as pilot:
        app = await loaded(pilot)
        await goto(pilot, "orders")
        await pilot.press("y")
        assert app.clipboard == "public.orders"
        await pilot.press("l", "j", "y")
        assert app.clipboard == "customer_id"
        app.clear_notifications()
        await pilot.press("Y")
        assert app.clipboard.startswith("CREATE TABLE") and "customer_id" in app.clipboard
        # what was copied is said by its first line, not only counted (`copied 13 lines`)
        (note,) = [n.message for n in app._notifications]
        assert note.startswith("copied ") and " lines: CREATE TABLE public.orders" in note, note


async def test_refresh_keeps_old_data_then_shows_new_tables(shop: str) -> None:
    async with make_app(shop).run_test(size=SIZE) as pilot:
        app = await loaded(pilot)
        first = app.catalog
        await execute(shop, "CREATE TABLE zebra (id int)")
        app.action_refresh()
        # the worker has not run yet: the old data stays on screen, the header says a refresh is on its way
        assert len(shown_tables(app)) == 4 and "refreshing" in screen_text(app)
        await wait_for(pilot, lambda: app.catalog is not first)
        assert "public.zebra" in shown_tables(app)
        second = app.catalog
        await execute(shop, "DROP TABLE zebra")
        await pilot.press("r")
        await wait_for(pilot, lambda: app.catalog is not second)
        assert "public.zebra" not in shown_tables(app) and "refreshing" not in screen_text(app)


async def test_unreachable_database_shows_error_modal_then_quits(unused_port: int) -> None:
    app = make_app(f"postgresql://nobody@127.0.0.1:{unused_port}/nowhere")
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, ErrorScreen))
        modal = app.screen
        assert isinstance(modal, ErrorScreen)
        assert "cannot connect to PostgreSQL at 127.0.0.1" in modal.message
        assert "Traceback" not in screen_text(app)
        await pilot.press("r")  # retry: fails again, the modal comes back
        await wait_for(pilot, lambda: isinstance(app.screen, ErrorScreen))
        await pilot.press("q")
    assert app.return_code == 1


async def test_hostile_names_and_comments_render_literally(db: str) -> None:
    await execute(
        db,
        """
        CREATE TABLE "[bold]x[/bold]" ("[link=x]c[/link]" int);
        COMMENT ON TABLE "[bold]x[/bold]" IS E'\\x1b[31mred\\x1b[0m \\x1b]8;;https://evil.example\\x07click\\x1b]8;;\\x07';
    """,
    )
    async with make_app(db).run_test(size=SIZE) as pilot:
        app = await loaded(pilot)
        await pilot.press("l")  # column details too
        text = screen_text(app)
        assert "[bold]x[/bold]" in text
        assert "[link=x]c[/link]" in text
        assert "\\x1b[31mred" in text and "\\x1b]8;;https://evil.example\\x07" in text
        assert "\x1b" not in text
        for widget in app.screen.walk_children(Widget):
            if widget.size.area:
                links = {url for line in rendered(widget) for _, url in line if url}
                assert not any("evil" in url for url in links)


async def test_failed_refresh_keeps_the_old_catalog(shop: str, pg_server: object) -> None:
    async with make_app(shop).run_test(size=SIZE) as pilot:
        app = await loaded(pilot)
        database = resolve(shop).database
        admin = shop.rsplit("/", 1)[0] + "/postgres"
        await execute(admin, f'DROP DATABASE "{database}" WITH (FORCE)')
        await pilot.press("r")
        await wait_for(pilot, lambda: isinstance(app.screen, ErrorScreen))
        modal = app.screen
        assert isinstance(modal, ErrorScreen) and modal.can_close
        assert "does not exist" in modal.message
        await pilot.press("escape")  # close: keep browsing what was loaded
        assert not isinstance(app.screen, ErrorScreen)
        assert len(shown_tables(app)) == 4
        await goto(pilot, "orders")
        assert card_key(app) == ("public", "orders")
        await execute(admin, f'CREATE DATABASE "{database}"')
        await execute(shop, "CREATE TABLE back_again (id int)")
        await pilot.press("r")  # the server is reachable again: a refresh reconnects
        await wait_for(pilot, lambda: "public.back_again" in shown_tables(app))


async def test_mouse_click_selects_and_palette_runs_commands(shop: str) -> None:
    async with make_app(shop).run_test(size=SIZE) as pilot:
        app = await loaded(pilot)
        table_list = app.query_one(TableList)
        row = next(i for i, r in enumerate(table_list.rows) if isinstance(r, Relation) and r.name == "orders")
        await pilot.click(TableList, offset=(4, row))
        await wait_for(pilot, lambda: card_key(app) == ("public", "orders"))
        await pilot.press("ctrl+p", *"go to table")
        await palette_offers(pilot, "table")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, FinderScreen))
        await pilot.press(*"customers", "enter")
        await wait_for(pilot, lambda: card_key(app) == ("public", "customers"))


async def test_palette_jumps_to_a_table_by_name(shop: str) -> None:
    """The palette's table provider reaches the app through a protocol, not by importing it."""
    async with make_app(shop).run_test(size=SIZE) as pilot:
        app = await loaded(pilot)
        await pilot.press("ctrl+p", *"public.customers")
        await palette_offers(pilot, "customers")
        await pilot.press("enter")
        await wait_for(pilot, lambda: card_key(app) == ("public", "customers"))


def test_open_off_a_terminal_prints_help_instead_of_drawing(shop: str) -> None:
    import subprocess

    result = subprocess.run(
        [str(Path(sys.executable).parent / "dibs-tui"), "open", shop],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert "not a terminal" in result.stdout and "usage: dibs-tui" in result.stdout


async def test_first_card_comes_before_the_whole_catalog(db: str) -> None:
    """The selected table is loaded alone while the full catalog is still on its way: here the full load
    waits for a lock on another table (its CHECK constraint is deparsed under a lock); the card does not."""
    import asyncpg

    await execute(
        db,
        "CREATE TABLE a_first (id int PRIMARY KEY, note text); CREATE TABLE z_locked (n int CHECK (n > 0));",
    )
    holder = await asyncpg.connect(db)
    transaction = holder.transaction()
    await transaction.start()
    await holder.execute("LOCK TABLE z_locked IN ACCESS EXCLUSIVE MODE")
    released = False
    try:
        async with make_app(db).run_test(size=SIZE) as pilot:
            app = pilot.app
            assert isinstance(app, DibsApp)
            await wait_for(pilot, lambda: app.card.relation is not None)
            assert app.catalog is None and "loading" in app.load_state
            assert app.card.relation is not None and app.card.relation.name == "a_first"
            assert [c.name for c in app.card.relation.columns] == ["id", "note"]
            assert "PRIMARY KEY" in screen_text(app)
            await transaction.rollback()
            released = True
            await wait_for(pilot, lambda: app.catalog is not None)
            assert app.catalog is not None and app.card.relation is app.catalog.relation("public", "a_first")
    finally:
        if not released:
            await transaction.rollback()
        await holder.close()


async def test_a_table_never_analysed_says_its_rows_are_not_estimated_and_a_view_has_no_rows(db: str) -> None:
    """pg_class.reltuples is -1 until ANALYZE or autovacuum: the card and details said "~? rows"; a view, which
    holds no rows, said it too."""
    await execute(
        db, "CREATE TABLE fresh (id int PRIMARY KEY, v text); CREATE VIEW fresh_v AS SELECT v FROM fresh;"
    )
    async with make_app(db).run_test(size=(120, 36)) as pilot:
        app = await loaded(pilot)
        await goto(pilot, "fresh")
        await pilot.pause()
        header = str(app.query_one("#card-header").render())
        details = [line.content.plain for line in app.query_one(DetailsView).lines]
        assert "table · rows unknown · 2 columns" in header and "~?" not in header
        assert any(line.startswith("rows") and "never analysed" in line for line in details), details
        await goto(pilot, "fresh_v")
        await pilot.pause()
        header = str(app.query_one("#card-header").render())
        details = [line.content.plain for line in app.query_one(DetailsView).lines]
        assert "view · 1 column" in header and "rows" not in header
        assert not any(line.startswith("rows") for line in details), details
