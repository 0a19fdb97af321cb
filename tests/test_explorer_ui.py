"""The explorer in the browser: Used by (u), the FK neighbourhood (n), the path picker (p) and Health (H),
as snapshots of the shop schema where the screen is deterministic, and driven by keys and the mouse against
the real server. Health is driven, not snapshotted: it states the live statistics' age."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from rich.cells import cell_len
from textual.geometry import Region
from textual.pilot import Pilot
from textual.widgets import TabbedContent

from dibs_tui.config import Settings
from dibs_tui.core.connect import resolve
from dibs_tui.core.explore.fkgraph import FkGraph
from dibs_tui.core.model import (
    Catalog,
    Column,
    Constraint,
    ConstraintKind,
    ForeignKey,
    Relation,
    RelationKind,
)
from dibs_tui.ui.app import DibsApp
from dibs_tui.ui.app_help import help_entries
from dibs_tui.ui.explorer.neighbourhood_layout import draw
from dibs_tui.ui.explorer.neighbourhood_screen import NeighbourhoodScreen, NeighbourhoodView
from dibs_tui.ui.explorer.path_screen import PathScreen
from dibs_tui.ui.explorer.uses_screen import UsesScreen
from dibs_tui.ui.health_pane import HealthPane
from dibs_tui.ui.migrations_pane import MigrationsPane
from dibs_tui.ui.screens.finder import FinderScreen
from dibs_tui.ui.screens.help import HelpScreen
from tests.pg import execute, run_sql
from tests.test_ui_snapshots import SIZE, goto, loaded, snapshot_app, snapshot_db, until
from tests.ui_pilot import make_app, rendered, shop, tab_pane

__all__ = ["shop", "snapshot_db"]  # the fixtures, imported for these tests

TRIGGER = """
CREATE FUNCTION touch_customer() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN UPDATE customers SET name = name WHERE id = NEW.customer_id; RETURN NEW; END $$;
CREATE TRIGGER orders_touch AFTER INSERT ON orders FOR EACH ROW EXECUTE FUNCTION touch_customer();
"""


def test_snapshot_used_by(snapshot_db: str, snap_compare: Any) -> None:
    run_sql(snapshot_db, TRIGGER)

    async def run_before(pilot: Pilot[Any]) -> None:
        await loaded(pilot)
        await goto(pilot, "customers")
        await pilot.press("u")
        await until(pilot, lambda: "use it" in str(pilot.app.screen.query_one("#uses-status").render()))

    assert snap_compare(snapshot_app(snapshot_db), terminal_size=SIZE, run_before=run_before)


def test_snapshot_neighbourhood(snapshot_db: str, snap_compare: Any) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await loaded(pilot)
        await goto(pilot, "orders")
        await pilot.press("n")
        await until(
            pilot, lambda: isinstance(pilot.app.screen, NeighbourhoodScreen) and pilot.app.screen.view.drawing
        )
        await pilot.press("2", "right")

    assert snap_compare(snapshot_app(snapshot_db), terminal_size=SIZE, run_before=run_before)


def test_snapshot_path(snapshot_db: str, snap_compare: Any) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await loaded(pilot)
        await goto(pilot, "invoices")
        await pilot.press("p", *"customers", "enter")
        await until(pilot, lambda: isinstance(pilot.app.screen, PathScreen) and pilot.app.screen.paths)

    assert snap_compare(snapshot_app(snapshot_db), terminal_size=SIZE, run_before=run_before)


async def _app_on(pilot: Pilot[Any], table: str) -> DibsApp:
    app = pilot.app
    assert isinstance(app, DibsApp)
    await until(pilot, lambda: app.catalog is not None and app.card.relation is not None)
    await goto(pilot, table)
    return app


@pytest.fixture
def shop_with_trigger(shop: str) -> str:
    run_sql(shop, TRIGGER)
    return shop


async def test_used_by_enter_goes_to_the_dependent(shop_with_trigger: str) -> None:
    app = make_app(shop_with_trigger)
    async with app.run_test(size=(120, 36)) as pilot:
        await _app_on(pilot, "customers")
        await pilot.press("u")
        screen = app.screen
        assert isinstance(screen, UsesScreen)
        await until(pilot, lambda: "use it" in str(screen.query_one("#uses-status").render()))
        labels = [str(n.label) for n in screen.query_one("#uses-tree").root.children]  # type: ignore[attr-defined]
        assert any(label.startswith("foreign key orders.orders_customer_id_fkey") for label in labels)
        assert any("function touch_customer()" in label and "found in body" in label for label in labels)
        # down to the FK (first child), enter: the browser shows orders
        tree = screen.query_one("#uses-tree")
        tree.cursor_line = next(i for i, label in enumerate(labels, 1) if "orders_customer_id_fkey" in label)
        await pilot.press("enter")
        await until(pilot, lambda: not isinstance(app.screen, UsesScreen))
        assert app.card.relation is not None and app.card.relation.name == "orders"


async def test_neighbourhood_keys_and_mouse(shop: str) -> None:
    app = make_app(shop)
    async with app.run_test(size=(120, 36)) as pilot:
        await _app_on(pilot, "orders")
        await pilot.press("n")
        screen = app.screen
        assert isinstance(screen, NeighbourhoodScreen)
        await until(pilot, lambda: screen.view.drawing is not None)
        assert screen.view.selected == ("public", "orders")
        await pilot.press("right")  # orders references customers: on the right
        assert screen.view.selected == ("public", "customers")
        await pilot.press("enter")  # re-centred on customers: orders is now on its left
        assert screen.view.centre == ("public", "customers")
        left = next(b for b in screen.view.drawing.boxes if b.key == ("public", "orders"))  # type: ignore[union-attr]
        assert left.column == -1
        view = screen.query_one(NeighbourhoodView)
        await pilot.click(view, offset=(left.x + 2, left.y + 1))  # a click selects
        assert screen.view.selected == ("public", "orders")
        await pilot.press("g")
        await until(pilot, lambda: not isinstance(app.screen, NeighbourhoodScreen))
        assert app.card.relation is not None and app.card.relation.name == "orders"


async def test_health_enter_goes_to_the_table_and_f_writes_a_migration(shop: str, tmp_path: Path) -> None:
    app = DibsApp(resolve(shop), Settings(project_root=tmp_path), header_label="dibs_test")
    async with app.run_test(size=(120, 36)) as pilot:
        await _app_on(pilot, "customers")
        pane = await tab_pane(pilot, "H", HealthPane)  # the Health tab
        assert app.query_one(TabbedContent).active == "health"
        await until(pilot, lambda: pane.report is not None)
        index = next(
            i
            for i, f in enumerate(pane.rows)
            if f is not None
            and (f.check, f.object) == ("fk-without-index", "billing.invoices.invoices_order_id_fkey")
        )
        pane.findings_list.highlighted = index
        await pilot.press("f")  # the fix, as a migration, shown in the Migrations tab
        await until(pilot, lambda: app.query_one(TabbedContent).active == "migrations")
        (written,) = app.settings.resolve_migrations_dir().glob("*_health-fixes.sql")
        text = written.read_text()
        assert "CREATE INDEX CONCURRENTLY invoices_order_id_idx ON billing.invoices (order_id);" in text
        # generate's meta updates for the same change: the new index recorded on its table
        assert "__dibs_indices" in text and "VALUES ('billing.invoices', 'invoices_order_id_idx'" in text
        migrations = app.query_one(MigrationsPane)
        await until(
            pilot, lambda: (chosen := migrations.selected()) is not None and chosen.name == written.stem
        )
        await pilot.press("H")
        await until(pilot, lambda: app.focused is pane.findings_list)
        await pilot.press("enter")
        await until(pilot, lambda: app.query_one(TabbedContent).active == "browse")
        assert app.card.relation is not None and app.card.relation.key == ("billing", "invoices")


async def test_help_and_palette_list_the_explorer(shop: str) -> None:
    app = make_app(shop)
    async with app.run_test(size=(120, 36)) as pilot:
        await _app_on(pilot, "customers")
        ids = {entry[3] for entry in help_entries(app)[1]}
        assert {"app.uses", "app.neighbourhood", "app.path", "app.health"} <= ids
        titles = {command.title for command in app.get_system_commands(app.screen)}
        assert {"Used by", "FK neighbourhood", "Path to a table", "Health"} <= titles
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape", "p")
        assert isinstance(app.screen, FinderScreen)


def test_a_hundred_neighbours_are_paged_not_piled() -> None:
    """A hub referenced by 100 tables: boxes never overlap, every neighbour is on some page."""
    hub = Relation("public", "hub", RelationKind.TABLE, columns=(Column(1, "id", "bigint", not_null=True),))
    spokes = tuple(
        Relation(
            "public",
            f"spoke_{i:03}",
            RelationKind.TABLE,
            columns=(Column(1, "hub_id", "bigint"),),
            constraints=(
                Constraint(
                    f"spoke_{i:03}_fk",
                    ConstraintKind.FOREIGN_KEY,
                    ("hub_id",),
                    "",
                    ForeignKey("public", "hub", ("id",)),
                ),
            ),
        )
        for i in range(100)
    )
    catalog = Catalog(relations=(hub, *spokes))
    graph = FkGraph(catalog)
    seen: set[object] = set()
    page = 0
    while True:
        drawing = draw(catalog, graph, ("public", "hub"), 1, 118, 30, {-1: page})
        shown = [b for b in drawing.boxes if b.key is not None and b.column == -1]
        for a in drawing.boxes:
            for b in drawing.boxes:
                overlap = (
                    a is not b
                    and a.x < b.x + b.width
                    and b.x < a.x + a.width
                    and a.y < b.y + b.height
                    and b.y < a.y + a.height
                )
                assert not overlap, (a, b)
        assert all(len(line) <= 118 for line in drawing.lines) and len(drawing.lines) == 30
        new = {b.key for b in shown} - seen
        if not new:
            break
        seen |= new
        page += 1
    assert len(seen) == 100 and page <= 8  # several columns of boxes on each side: a few pages
    # Every arrow points into the hub's column, never into another box: with several columns of spokes, an
    # outer spoke's arrow ran into the spoke beside it, drawn as if one spoke referenced the other.
    drawing = draw(catalog, graph, ("public", "hub"), 1, 118, 30)
    heads = [(x, y) for y, row in enumerate(drawing.cells) for x, cell in enumerate(row) if cell == "▶"]
    assert heads and len({b.x for b in drawing.boxes if b.column == -1}) > 1
    for x, y in heads:
        target = drawing.box_at(x + 1, y)
        assert x + 1 == drawing.boxes[0].x and (target is None or target.key == ("public", "hub")), (x, y)


CHAIN = """
CREATE TABLE p2 (id int PRIMARY KEY);
CREATE TABLE p1 (id int PRIMARY KEY, p2_id int REFERENCES p2);
CREATE TABLE middle (id int PRIMARY KEY, p1_id int REFERENCES p1);
CREATE TABLE c1 (id int PRIMARY KEY, middle_id int REFERENCES middle);
CREATE TABLE c2 (id int PRIMARY KEY, c1_id int REFERENCES c1);
"""


async def test_neighbourhood_at_80x24_brings_every_column_into_view(db: str) -> None:
    """Depth 2 needs five columns of boxes, wider than 80: the view follows the selected box."""
    await execute(db, CHAIN)
    app = make_app(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await _app_on(pilot, "middle")
        await pilot.press("n")
        screen = app.screen
        assert isinstance(screen, NeighbourhoodScreen)
        await until(pilot, lambda: screen.view.drawing is not None)
        await pilot.press("2")
        await pilot.pause()

        def shown() -> str:
            return "\n".join("".join(text for text, _ in line) for line in rendered(screen.view))

        for key, name in (
            ("right", "p1"),
            ("right", "p2"),
            ("left", "p1"),
            ("left", "middle"),
            ("left", "c1"),
            ("left", "c2"),
        ):
            await pilot.press(key)
            await pilot.pause()
            assert screen.view.selected == ("public", name)
            assert f"│{name} " in shown(), name  # the selected box whole in view, its name readable
        status = "".join(text for line in rendered(screen.query_one(".explorer-status")) for text, _ in line)
        assert "escape closes" in status


TWO_KEYS = """
CREATE TABLE users (id int PRIMARY KEY);
CREATE TABLE issues (id int PRIMARY KEY, reporter_id int REFERENCES users, assignee_id int REFERENCES users);
""" + "".join(f"CREATE TABLE ref_{i} (id int PRIMARY KEY, issue_id int REFERENCES issues);" for i in range(6))


async def test_neighbourhood_names_every_key_between_two_tables_and_recounts_its_pages_on_resize(
    db: str,
) -> None:
    """issues has two keys to users: the box says both, not the first alone. Six tables referencing issues
    do not fit 24 rows (pages); at 60 rows they do, and the title stops saying that some are on other pages."""
    await execute(db, TWO_KEYS)
    app = make_app(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await _app_on(pilot, "issues")
        await pilot.press("n")
        screen = app.screen
        assert isinstance(screen, NeighbourhoodScreen)
        await until(pilot, lambda: screen.view.drawing is not None)
        title = screen.query_one("#neighbourhood-title")
        assert "more on other pages" in str(title.render())
        await pilot.resize_terminal(200, 60)
        await until(pilot, lambda: "more on other pages" not in str(title.render()))
        assert screen.view.drawing is not None and not any(screen.view.drawing.hidden.values())
        shown = "\n".join(screen.view.drawing.lines)
        assert "reporter_id → id; assignee_id → id" in shown or "assignee_id → id; reporter_id → id" in shown


async def test_two_paths_through_the_same_tables_say_which_keys_they_join_on(db: str) -> None:
    """issues → users by reporter_id and by assignee_id: two paths whose headings read alike said only
    `1 join: public.issues → public.users` (the demo); each now names its foreign key."""
    await execute(db, TWO_KEYS)
    app = make_app(db)
    async with app.run_test(size=(120, 36)) as pilot:
        await _app_on(pilot, "issues")
        await pilot.press("p", *"public.users", "enter")
        await until(pilot, lambda: isinstance(app.screen, PathScreen) and app.screen.paths)
        text = str(app.screen.query_one("#path-text").render())
        assert "issues → users  via issues_assignee_id_fkey" in text, text
        assert "issues → users  via issues_reporter_id_fkey" in text, text


async def test_a_paths_heading_names_the_tables_of_its_start_schema_without_it(db: str) -> None:
    """In MusicBrainz each heading read `musicbrainz.alternative_release → musicbrainz.artist_credit → …`,
    two lines at 80 columns: named relative to the start's schema (the title says it), a table of another
    schema with its own; the SQL below stays qualified."""
    await execute(
        db,
        """
        CREATE SCHEMA billing;
        CREATE TABLE users (id int PRIMARY KEY);
        CREATE TABLE issues (id int PRIMARY KEY, reporter_id int REFERENCES users);
        CREATE TABLE billing.charges (id int PRIMARY KEY, issue_id int REFERENCES issues);
        """,
    )
    app = make_app(db)
    async with app.run_test(size=(120, 36)) as pilot:
        await _app_on(pilot, "users")
        await pilot.press("p", *"billing.charges", "enter")
        await until(pilot, lambda: isinstance(app.screen, PathScreen) and app.screen.paths)
        text = str(app.screen.query_one("#path-text").render())
        assert " 1. 2 joins: users → issues → billing.charges" in text, text
        assert "FROM public.users AS users" in text, text


WIDE_AND_MANY = (
    """
CREATE TABLE hub (id int PRIMARY KEY);
CREATE TABLE "注文注文注文注文注文注文注文注文" (id int PRIMARY KEY, "顧客顧客顧客顧客顧客顧客" int REFERENCES hub);
CREATE TABLE many_fks (id int PRIMARY KEY, """
    + ", ".join(f"ref_{i:03} int REFERENCES hub" for i in range(40))
    + ");"
)


async def test_neighbourhood_boxes_keep_their_borders_with_wide_names_and_count_what_they_cut(
    db: str,
) -> None:
    """A name of wide characters (two cells each) was fitted by its length in characters: the box's right
    border and the arrow beside it were pushed out of place. A table with 40 keys to the centre said
    `ref_000 → id; ref_001 → id; ref_…`, and a centre with more key columns than rows cut them silently."""
    await execute(db, WIDE_AND_MANY)
    app = make_app(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await _app_on(pilot, "hub")
        await pilot.press("n")
        screen = app.screen
        assert isinstance(screen, NeighbourhoodScreen)
        await until(pilot, lambda: screen.view.drawing is not None)
        await pilot.pause()
        lines = ["".join(text for text, _ in line) for line in rendered(screen.view)]
        wide = [line for line in lines if "注文" in line or "顧客" in line]
        assert len(wide) == 2, lines
        borders = {cell_len(line[: line.index("│", 1)]) for line in lines if line.startswith("│")}
        assert len(borders) == 1, lines  # every box of the left column closes at the same cell
        assert any("40 keys" in line for line in lines), lines
        await pilot.press("escape")
        await _app_on(pilot, "many_fks")  # in the centre: 41 key columns, 24 rows
        await pilot.press("n")
        screen = app.screen
        assert isinstance(screen, NeighbourhoodScreen)
        await until(pilot, lambda: screen.view.drawing is not None)
        await pilot.pause()
        lines = ["".join(text for text, _ in line) for line in rendered(screen.view)]
        assert any("more key columns" in line for line in lines), lines


async def test_the_chosen_path_is_scrolled_into_view(db: str) -> None:
    """At 80x24 two paths fill the screen: j chose the third, fourth, fifth path below the fold and the list
    stayed where it was, so what y would copy was nowhere on screen."""
    await execute(
        db,
        "CREATE TABLE a (id int PRIMARY KEY); CREATE TABLE z (id int PRIMARY KEY);"
        + "".join(
            f"CREATE TABLE middle_{i} (id int PRIMARY KEY, a_id int REFERENCES a, z_id int REFERENCES z);"
            for i in range(6)
        ),
    )
    app = make_app(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await _app_on(pilot, "a")
        await pilot.press("p", *"public.z", "enter")
        await until(pilot, lambda: isinstance(app.screen, PathScreen) and len(app.screen.paths) >= 4)
        screen = app.screen
        assert isinstance(screen, PathScreen)
        listing = screen.query_one("#path-list")
        for _ in range(len(screen.paths) - 1):
            await pilot.press("j")
            await pilot.pause()
            top = int(listing.scroll_y)
            shown = "\n".join(
                strip.text
                for strip in screen.query_one("#path-text").render_lines(
                    Region(0, top, listing.size.width, listing.size.height)
                )
            )
            assert f"{screen.chosen + 1}. 2 joins" in shown, (screen.chosen, shown)


async def test_a_path_from_a_table_to_itself_shows_its_cycles_with_their_keys(db: str) -> None:
    """`p` from a table to itself found nothing and said `No chain of foreign keys joins these two tables`:
    it shows the chains that leave the table and come back, naming their keys, or says there is none."""
    await execute(
        db,
        "CREATE TABLE language (id int PRIMARY KEY);"
        "CREATE TABLE film (id int PRIMARY KEY, language_id int REFERENCES language,"
        " original_language_id int REFERENCES language);"
        "CREATE TABLE review (id int PRIMARY KEY, film_id int REFERENCES film);",
    )
    app = make_app(db)
    async with app.run_test(size=(120, 36)) as pilot:
        await _app_on(pilot, "film")
        await pilot.press("p", *"public.film", "enter")
        await until(pilot, lambda: isinstance(app.screen, PathScreen) and app.screen.paths)
        text = str(app.screen.query_one("#path-text").render())
        assert (
            "film → language → film  via film_language_id_fkey, film_original_language_id_fkey" in text
            or ("film → language → film  via film_original_language_id_fkey, film_language_id_fkey" in text)
        ), text
        await pilot.press("escape")
        await _app_on(pilot, "review")  # joined to film, on no cycle
        await pilot.press("p", *"public.review", "enter")
        await until(pilot, lambda: isinstance(app.screen, PathScreen))
        await until(pilot, lambda: "comes back" in str(app.screen.query_one("#path-text").render()))


async def test_a_dialogs_footer_offers_its_own_keys_not_the_browsers(shop: str) -> None:
    """Under `u`, `t` or `?` the browser's keys (`o` Open source, `/` Filter, `t` Go to table) do nothing: the
    footer at the bottom offers the dialog's keys, where it kept offering the browser's."""
    from textual.widgets._footer import FooterKey

    from dibs_tui.ui.widgets.footer import Footer

    def offered(app: DibsApp) -> set[str]:
        return {key.action for key in app.screen.query_one(Footer).query(FooterKey)}

    app = make_app(shop)
    async with app.run_test(size=(80, 24)) as pilot:
        await _app_on(pilot, "orders")
        for key, kind, closes in (("u", UsesScreen, "close"), ("t", FinderScreen, "cancel")):
            await pilot.press(key)
            await until(pilot, lambda kind=kind: isinstance(app.screen, kind))
            await until(pilot, lambda closes=closes: closes in offered(app))
            assert not offered(app) & {"open_source", "filter", "find_table", "app.open_source"}
            assert app.screen.query_one(Footer).region.bottom == 24  # the screen's last row
            await pilot.press("escape")
            await until(pilot, lambda kind=kind: not isinstance(app.screen, kind))
