"""The Tables pane's width follows the terminal and the names it lists: narrow at 80 columns, where the card
needs the room; wide enough on a large screen that long names are not cut; one width while the cursor moves."""

from __future__ import annotations

from dibs_tui.ui.widgets.tables_pane import TablesPane
from tests.pg import execute
from tests.ui_pilot import loaded, make_app, rendered

LONG = "customer_payment_history_archive_2024_quarter_1"  # 47 characters

TABLES = f"CREATE TABLE {LONG} (id int);" + "".join(f"CREATE TABLE t{i:02} (id int);" for i in range(30))


def _lines(pane: TablesPane) -> list[str]:
    return ["".join(text for text, _ in line) for line in rendered(pane.table_list)]


async def test_at_80_columns_the_pane_leaves_the_card_its_room(db: str) -> None:
    """The pane stayed 32 cells wide up to 160 columns: at 80 the card had 48 and cut its keys' targets."""
    await execute(db, TABLES)
    async with make_app(db).run_test(size=(80, 24)) as pilot:
        app = await loaded(pilot)
        pane = app.query_one(TablesPane)
        assert pane.outer_size.width == 28, pane.outer_size
        assert app.card.outer_size.width == 80 - 28, app.card.outer_size
        # cut in its middle; the figure column is one cell (`?`: never analysed), not five; no meta tables, no
        # column of blank meta marks: its two cells go to the name
        assert any("▤ customer_…quarter_1 ?" in line for line in _lines(pane)), _lines(pane)


async def test_on_a_wide_terminal_a_long_name_is_shown_whole_and_the_width_holds_while_scrolling(
    db: str,
) -> None:
    """At 220 columns the pane was 44 cells (20 %, at most 56) and a 47-character name was cut; it is as wide
    as its longest row now, within a third of the screen, whatever row the cursor is on."""
    await execute(db, TABLES)
    async with make_app(db).run_test(size=(220, 30)) as pilot:
        app = await loaded(pilot)
        pane = app.query_one(TablesPane)
        width = pane.outer_size.width
        # border and scrollbar, indent and mark, the name, then `?` (never analysed); no meta tables, no mark
        assert width == 3 + 4 + len(LONG) + 1 + 1, width
        assert any(f"▤ {LONG} " in line for line in _lines(pane)), _lines(pane)
        widths = set()
        for _ in range(35):
            await pilot.press("j")
            widths.add(pane.outer_size.width)
        assert widths == {width}, widths
        await pilot.resize_terminal(120, 30)  # a third of it is less than the name wants
        await pilot.pause()
        assert pane.outer_size.width == 42, pane.outer_size


async def test_short_names_leave_a_wide_terminal_to_the_card(db: str) -> None:
    """With names of a few letters the pane took a fifth of a wide screen (44 cells at 220 columns), empty."""
    await execute(db, "CREATE TABLE users (id int); CREATE TABLE orders (id int);")
    async with make_app(db).run_test(size=(220, 30)) as pilot:
        app = await loaded(pilot)
        pane = app.query_one(TablesPane)
        assert pane.outer_size.width == 28, pane.outer_size  # its least: the title of a sorted list fits
        await pilot.press("s")
        await pilot.pause()
        # No arrow: the order is said in ? (f409d62)
        assert str(pane.border_title) == "Tables by FK in-degree"
        assert pane.border_title is not None and len(str(pane.border_title)) <= pane.outer_size.width - 4


async def test_the_figure_column_is_as_wide_as_the_widest_estimate(db: str) -> None:
    """Every row kept five cells for its row estimate: `?` (never analysed) or `12` took five, which at 80
    columns were four cells of name. The column is as wide as the widest estimate, the figures aligned."""
    await execute(
        db,
        "CREATE TABLE big_table_of_many_rows_2024 (id int);"
        "INSERT INTO big_table_of_many_rows_2024 SELECT generate_series(1, 1500);"
        "CREATE TABLE small (id int); ANALYZE big_table_of_many_rows_2024; ANALYZE small;",
    )
    async with make_app(db).run_test(size=(80, 24)) as pilot:
        app = await loaded(pilot)
        pane = app.query_one(TablesPane)
        lines = _lines(pane)
        big = next(line for line in lines if "▤ big" in line)
        small = next(line for line in lines if "▤ small" in line)
        assert big.index("1.5k") + len("1.5k") == small.index(" 0") + 2, lines  # right-aligned together
        assert "▤ big_tabl…ows_2024 1.5k" in big, lines  # 17 cells of name, not 14 (nor 15 with a meta mark)
