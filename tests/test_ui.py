"""The browser driven headless on a real database: every key path of issue 5, hostile names, links, `o`."""

from __future__ import annotations

import stat
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from textual.geometry import Region
from textual.pilot import Pilot
from textual.widget import Widget

from dibs_tui.config import Settings
from dibs_tui.core.connect import resolve
from dibs_tui.core.model import Relation
from dibs_tui.ui.app import DibsApp
from dibs_tui.ui.screens.confirm import ConfirmScreen
from dibs_tui.ui.screens.error import ErrorScreen
from dibs_tui.ui.screens.finder import FinderScreen
from dibs_tui.ui.screens.help import HelpScreen
from dibs_tui.ui.widgets.details import DetailsView
from dibs_tui.ui.widgets.table_card import ColumnList
from dibs_tui.ui.widgets.tables_pane import TableList
from tests.pg import execute, run_sql

SIZE = (120, 36)

SHOP = """
CREATE TABLE customers (id bigint PRIMARY KEY, name text NOT NULL, email text UNIQUE);
COMMENT ON TABLE customers IS 'People who buy things';
CREATE TABLE orders (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    customer_id bigint NOT NULL REFERENCES customers(id),
    total numeric(12,2) DEFAULT 0
);
CREATE INDEX orders_customer_idx ON orders (customer_id);
CREATE SCHEMA billing;
CREATE TABLE billing.invoices (id serial PRIMARY KEY, order_id bigint REFERENCES public.orders(id),
                               customer_id bigint);
CREATE VIEW order_totals AS SELECT customer_id, sum(total) AS total FROM orders GROUP BY customer_id;
"""


@pytest.fixture
def shop(db: str) -> str:
    run_sql(db, SHOP)
    return db


def make_app(dsn: str, root: Path | None = None, **settings: object) -> DibsApp:
    return DibsApp(
        resolve(dsn),
        Settings(project_root=root or Path.cwd(), **settings),  # type: ignore[arg-type]
        header_label="dibs_test",
    )


async def wait_for(pilot: Pilot[int], condition: Callable[[], object], limit: float = 30.0) -> None:
    """Let the app work (workers, timers) until `condition()` holds."""
    waited = 0.0
    while not condition():
        await pilot.pause(0.05)
        waited += 0.05
        if waited > limit:
            screen = pilot.app.screen
            why = screen.message if isinstance(screen, ErrorScreen) else type(screen).__name__
            raise AssertionError(f"the app never reached the expected state (screen: {why})")


async def loaded(pilot: Pilot[int]) -> DibsApp:
    app = pilot.app
    assert isinstance(app, DibsApp)
    await wait_for(pilot, lambda: app.catalog is not None and app.card.relation is not None)
    await pilot.pause()
    return app


def shown_tables(app: DibsApp) -> list[str]:
    rows = app.query_one(TableList).rows
    return [f"{r.schema}.{r.name}" for r in rows if isinstance(r, Relation)]


def card_key(app: DibsApp) -> tuple[str, str] | None:
    relation = app.card.relation
    return relation.key if relation else None


def card_column(app: DibsApp) -> str | None:
    column = app.card.column_list.current()
    return column.name if column else None


def rendered(widget: Widget) -> list[list[tuple[str, str | None]]]:
    """The widget's lines as (text, link URL) segments, exactly as the compositor would draw them."""
    strips = widget.render_lines(Region(0, 0, widget.size.width, widget.size.height))
    return [[(seg.text, seg.style.link if seg.style else None) for seg in strip] for strip in strips]


def screen_text(app: DibsApp) -> str:
    lines = []
    for widget in app.screen.walk_children(Widget):
        if widget.display and widget.size.area:
            lines.extend("".join(text for text, _ in line) for line in rendered(widget))
    return "\n".join(lines)


async def palette_offers(pilot: Pilot[int], text: str) -> None:
    """Wait until the command palette's highlighted hit holds `text`: its providers search as tasks and show
    their hits in batches (a quarter of a second apart), later on a loaded machine; enter before that picks
    nothing."""
    from textual.command import CommandList, CommandPalette

    def offered() -> bool:
        screen = pilot.app.screen
        if not isinstance(screen, CommandPalette) or not screen.query(CommandList):
            return False
        hits = screen.query_one(CommandList)
        option = hits.highlighted_option
        return option is not None and text in str(option.prompt)

    await wait_for(pilot, offered)


async def goto(pilot: Pilot[int], query: str) -> None:
    await pilot.press("t")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, FinderScreen))
    await pilot.press(*query, "enter")
    await wait_for(pilot, lambda: not isinstance(pilot.app.screen, FinderScreen))
    await pilot.pause()


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


META = """
CREATE TABLE __dibs_tables (table_name text PRIMARY KEY, source_file text NOT NULL, source_line int NOT NULL,
    source_column int, doc_comment text, created_by_migration text, modified_by_migration text,
    created_at timestamptz DEFAULT now(), modified_at timestamptz DEFAULT now());
CREATE TABLE __dibs_columns (table_name text NOT NULL, column_name text NOT NULL, source_file text NOT NULL,
    source_line int NOT NULL, source_column int, doc_comment text, rust_type text, sql_type text,
    is_nullable boolean, default_value text, is_primary_key boolean DEFAULT false,
    is_unique boolean DEFAULT false, is_indexed boolean DEFAULT false, fk_references_table text,
    fk_references_column text, created_by_migration text, modified_by_migration text,
    created_at timestamptz DEFAULT now(), modified_at timestamptz DEFAULT now(),
    PRIMARY KEY (table_name, column_name));
INSERT INTO __dibs_tables (table_name, source_file, source_line, doc_comment, created_by_migration)
VALUES ('customers', 'db/schema.sql', 2, 'People who buy things', '20260110_initial');
INSERT INTO __dibs_columns (table_name, column_name, source_file, source_line, source_column,
                            created_by_migration, modified_by_migration)
VALUES ('customers', 'id', 'db/schema.sql', 3, 5, '20260110_initial', NULL),
       ('customers', 'name', 'db/schema.sql', 4, 5, '20260110_initial', '20260117_rename-name');
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "db").mkdir()
    (tmp_path / "db" / "schema.sql").write_text(
        "-- People who buy things\nCREATE TABLE customers (\n    id bigint PRIMARY KEY,\n"
        "    name text NOT NULL,\n    email text UNIQUE\n);\n"
    )
    return tmp_path


async def test_source_locations_are_osc8_links(shop: str, project: Path) -> None:
    await execute(shop, META)
    url = (project / "db" / "schema.sql").resolve().as_uri()
    async with make_app(shop, project).run_test(size=SIZE) as pilot:
        app = await loaded(pilot)
        await goto(pilot, "customers")
        header = app.query_one("#card-header")
        header_links = [(text, link) for line in rendered(header) for text, link in line if link]
        assert ("db/schema.sql:2", url) in header_links
        column_links = {link for line in rendered(app.card.column_list) for _, link in line if link}
        assert column_links == {url}
        rows = ["".join(t for t, _ in line) for line in rendered(app.card.column_list)]
        assert ":3" in rows[0] and "initial" in rows[0]
        assert ":4" in rows[1] and "+rename-name" in rows[1]
        await pilot.press("l")  # column details: the source, its path and that the file exists
        details = [line.content.plain for line in app.query_one(DetailsView).lines]
        assert any("db/schema.sql:3:5" in t and "file exists" in t for t in details)


def fake_editor(tmp_path: Path, name: str = "fake-editor") -> tuple[Path, Path]:
    """An executable that records its argv, one argument a line (a real process, not a mock)."""
    record = tmp_path / "argv.txt"
    (tmp_path / "bin").mkdir(exist_ok=True)
    script = tmp_path / "bin" / name
    script.write_text(
        f"#!{sys.executable}\nimport sys\nopen({str(record)!r}, 'w').write('\\n'.join(sys.argv[1:]))\n"
    )
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return script, record


async def test_o_opens_the_column_source_in_the_editor(
    shop: str, project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    await execute(shop, META)
    script, record = fake_editor(tmp_path)
    monkeypatch.setenv("VISUAL", str(script))
    monkeypatch.delenv("EDITOR", raising=False)
    path = str((project / "db" / "schema.sql").resolve())
    async with make_app(shop, project, editor_template=f"{script} --line {{line}} {{file}}").run_test(
        size=SIZE
    ) as pilot:
        app = await loaded(pilot)
        await goto(pilot, "customers")
        await pilot.press("l", "j", "o")  # column `name`, defined on line 4
        # The config chose the command: asked once per session (tests/hostile/test_editor_config.py)
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await wait_for(pilot, record.exists)
        assert record.read_text().splitlines() == ["--line", "4", path]
        record.unlink()
        await pilot.press("h", "o")  # the table, line 2
        await wait_for(pilot, record.exists)
        assert record.read_text().splitlines() == ["--line", "2", path]
        record.unlink()
        await goto(pilot, "orders")
        await pilot.press("o")  # no meta row: a message, no editor
        await pilot.pause(0.3)
        assert not record.exists()
        assert any("no source location" in str(n.message) for n in app._notifications)


@pytest.fixture
def unused_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


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


@pytest.mark.parametrize(
    ("editor", "expected"),
    [("nvim", ["+4", "{path}"]), ("hx", ["{path}:4:5"]), ("code", ["--goto", "{path}:4:5"])],
)
async def test_o_uses_the_editor_family_line_syntax(
    shop: str,
    project: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    editor: str,
    expected: list[str],
) -> None:
    await execute(shop, META)
    script, record = fake_editor(tmp_path, editor)
    monkeypatch.setenv("VISUAL", str(script))
    path = str((project / "db" / "schema.sql").resolve())
    async with make_app(shop, project).run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await goto(pilot, "customers")
        await pilot.press("l", "j", "o")  # column `name`: line 4, column 5
        await wait_for(pilot, lambda: record.exists() and record.read_text())
        assert record.read_text().splitlines() == [arg.format(path=path) for arg in expected]


async def test_o_explains_a_missing_file_and_a_path_outside_the_project(
    shop: str, project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    await execute(shop, META)
    await execute(
        shop,
        "UPDATE __dibs_columns SET source_file = '../elsewhere.sql' WHERE column_name = 'id';"
        "UPDATE __dibs_columns SET source_file = 'db/gone.sql' WHERE column_name = 'name';",
    )
    (project.parent / "elsewhere.sql").write_text("-- outside\n")
    script, record = fake_editor(tmp_path)
    monkeypatch.setenv("VISUAL", str(script))
    async with make_app(shop, project).run_test(size=SIZE) as pilot:
        app = await loaded(pilot)
        await goto(pilot, "customers")
        await pilot.press("l", "j", "o")  # `name` points at a file that does not exist
        await pilot.pause()
        messages = [str(n.message) for n in app._notifications]
        assert any("file not found" in m and str(project / "db" / "gone.sql") in m for m in messages)
        await pilot.press("k", "o")  # `id` points outside the project root: asks first
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("n")
        await pilot.pause(0.3)
        assert not record.exists()
        await pilot.press("o")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await wait_for(pilot, lambda: record.exists() and record.read_text())
        assert str((project.parent / "elsewhere.sql").resolve()) in record.read_text().splitlines()


async def test_o_reports_a_missing_editor_and_a_failing_one(
    shop: str, project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    await execute(shop, META)
    failing = tmp_path / "failing-editor"
    failing.write_text("#!/bin/sh\nexit 3\n")
    failing.chmod(0o755)
    async with make_app(shop, project).run_test(size=SIZE) as pilot:
        app = await loaded(pilot)
        await goto(pilot, "customers")
        monkeypatch.setenv("VISUAL", str(tmp_path / "no-such-editor"))
        await pilot.press("o")
        await pilot.pause()
        assert any("editor not found" in str(n.message) for n in app._notifications)
        monkeypatch.setenv("VISUAL", str(failing))
        await pilot.press("o")
        await wait_for(
            pilot, lambda: any("exited with status 3" in str(n.message) for n in app._notifications)
        )


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
