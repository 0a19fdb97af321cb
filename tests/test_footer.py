"""The footer keeps its keys while the focus moves between panes that show the same ones, and follows a change."""

from __future__ import annotations

from textual.widgets._footer import FooterKey

from dibs_tui.ui.widgets.details import DetailsView
from dibs_tui.ui.widgets.footer import Footer
from dibs_tui.ui.widgets.table_card import ColumnList
from dibs_tui.ui.widgets.tables_pane import TableList
from tests.test_ui import SIZE, loaded, make_app, shop, wait_for

__all__ = ["shop"]


def _keys(footer: Footer) -> list[FooterKey]:
    return list(footer.query(FooterKey))


def _descriptions(footer: Footer) -> set[str]:
    return {key.description for key in _keys(footer)}


async def test_footer_keeps_its_keys_across_focus_changes_and_shows_another_tabs_keys(shop: str) -> None:
    async with make_app(shop).run_test(size=SIZE) as pilot:
        app = await loaded(pilot)
        footer = app.query_one(Footer)
        await wait_for(pilot, lambda: "Quit" in _descriptions(footer))
        drawn = _keys(footer)
        assert {"Quit", "Filter", "Go to table", "Open"} <= _descriptions(footer)
        await pilot.press("l")
        assert isinstance(app.focused, ColumnList)
        await pilot.press("l")
        assert isinstance(app.focused, DetailsView)
        await pilot.press("h", "h")
        await pilot.pause()
        assert isinstance(app.focused, TableList)
        assert _keys(footer) == drawn, "the same keys were mounted again"
        await pilot.press("slash")  # in the filter box, letters are typed: the app's letter keys go
        await wait_for(pilot, lambda: "Quit" not in _descriptions(footer))
        await pilot.press("o", "escape")
        await wait_for(pilot, lambda: {"Quit", "Go to table", "Open"} <= _descriptions(footer))
        await pilot.press("H")  # the Health tab: its own keys
        await wait_for(pilot, lambda: "Re-check" in _descriptions(footer))
        await pilot.press("b")
        await wait_for(pilot, lambda: "Re-check" not in _descriptions(footer))
        assert {"Quit", "Filter", "Open"} <= _descriptions(footer)
