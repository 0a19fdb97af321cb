"""What the browser says of a relation at 80x24, read as a DBA reads it: two tables alike by name (a quarter's
archive, a partition) stay told apart where a name is cut, and a view is not called a table."""

from __future__ import annotations

from textual.containers import Vertical

from dibs_tui.ui.explorer.neighbourhood_screen import NeighbourhoodScreen
from dibs_tui.ui.widgets.table_card import ColumnList
from tests.pg import execute
from tests.test_ui import goto, loaded, make_app, rendered, wait_for

ALIKE = """
CREATE TABLE customer_payment_history_archive_partition_2024_q1 (id int PRIMARY KEY);
CREATE TABLE customer_payment_history_archive_partition_2024_q2 (id int PRIMARY KEY);
CREATE TABLE refs (id int PRIMARY KEY,
    q1_id int REFERENCES customer_payment_history_archive_partition_2024_q1,
    q2_id int REFERENCES customer_payment_history_archive_partition_2024_q2);
CREATE VIEW refs_view AS SELECT id FROM refs;
"""


def text_of(widget: object) -> list[str]:
    return ["".join(text for text, _ in line) for line in rendered(widget)]  # type: ignore[arg-type]


async def test_a_foreign_keys_target_too_long_for_the_card_is_cut_in_its_middle(db: str) -> None:
    """Both keys of refs said `→ customer_payment_history_a…`: cut at its end, the target lost the quarter
    that tells the two tables apart (and the referenced column)."""
    await execute(db, ALIKE)
    async with make_app(db).run_test(size=(80, 24)) as pilot:
        app = await loaded(pilot)
        await goto(pilot, "refs")
        await wait_for(pilot, lambda: app.card.relation is not None and app.card.relation.name == "refs")
        lines = text_of(app.query_one(ColumnList))
        q1 = next(line for line in lines if "q1_id" in line)
        q2 = next(line for line in lines if "q2_id" in line)
        assert "→ customer_pay" in q1 and "…" in q1 and q1.rstrip().endswith("2024_q1.id"), q1
        assert q2.rstrip().endswith("2024_q2.id"), q2


async def test_neighbourhood_boxes_cut_table_names_in_their_middle(db: str) -> None:
    """The two boxes right of refs both read `public.customer_payment_history_…`: which is which was lost."""
    await execute(db, ALIKE)
    async with make_app(db).run_test(size=(80, 24)) as pilot:
        app = await loaded(pilot)
        await goto(pilot, "refs")
        await pilot.press("n")
        screen = app.screen
        assert isinstance(screen, NeighbourhoodScreen)
        await wait_for(pilot, lambda: screen.view.drawing is not None)
        await pilot.pause()
        shown = "\n".join(text_of(screen.view))
        assert "…artition_2024_q1│" in shown and "…artition_2024_q2│" in shown, shown
        assert "│public.custome" in shown, shown


async def test_details_title_names_a_views_kind(db: str) -> None:
    """A view's Details were titled `Details · table`."""
    await execute(db, ALIKE)
    async with make_app(db).run_test(size=(80, 24)) as pilot:
        app = await loaded(pilot)
        details = app.query_one("#details", Vertical)
        await goto(pilot, "refs_view")
        await wait_for(pilot, lambda: app.card.relation is not None and app.card.relation.name == "refs_view")
        await wait_for(pilot, lambda: str(details.border_title) == "Details · view")
        await goto(pilot, "refs")
        await wait_for(pilot, lambda: str(details.border_title) == "Details · table")
