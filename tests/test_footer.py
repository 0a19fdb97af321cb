"""The footer keeps its keys while the focus moves between panes that show the same ones, and follows a change."""

from __future__ import annotations

from textual._context import active_message_pump
from textual.widgets._footer import FooterKey

from dibs_tui.ui.screens.help import HelpScreen
from dibs_tui.ui.widgets.details import DetailsView
from dibs_tui.ui.widgets.footer import Footer
from dibs_tui.ui.widgets.table_card import ColumnList
from dibs_tui.ui.widgets.tables_pane import TableList
from tests.ui_pilot import SIZE, loaded, make_app, shop, wait_for

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


def _drawn_within(footer: Footer) -> None:
    """Every key the footer shows is drawn whole, left of the palette's key (none scrolled out or under it)."""
    keys = _keys(footer)
    palette = next(key for key in keys if key.has_class("-command-palette"))
    for key in keys:
        if key is not palette:
            assert key.region.right <= palette.region.x, f"{key.description!r} is cut or hidden"


async def test_footer_at_80_columns_shows_whole_keys_help_and_quit_on_every_tab(shop: str) -> None:
    async with make_app(shop).run_test(size=(80, 24)) as pilot:
        app = await loaded(pilot)
        footer = app.query_one(Footer)
        await wait_for(pilot, lambda: "Quit" in _descriptions(footer))
        for tab_key, own_key in (("b", "Go to table"), ("H", "Re-check"), ("d", "Re-diff"), ("m", "Reload")):
            await pilot.press(tab_key)
            await wait_for(pilot, lambda own_key=own_key: own_key in _descriptions(footer))
            await pilot.pause()
            assert {"Help", "Quit"} <= _descriptions(footer), tab_key
            _drawn_within(footer)
            if tab_key == "H":  # the help says whole what the footer shortens
                await pilot.press("question_mark")
                assert isinstance(app.screen, HelpScreen)
                said = {entry[3]: entry[2] for entry in app.screen.entries}
                assert said["health.send_fix"] == "Send the fix to Migrations"
                await pilot.press("escape")
        await pilot.press("b")
        await wait_for(pilot, lambda: "Go to table" in _descriptions(footer))
        assert "Diff" not in _descriptions(footer)  # left for `?` at this width
        await pilot.resize_terminal(200, 50)
        await wait_for(pilot, lambda: "Diff" in _descriptions(footer))
        _drawn_within(footer)


async def test_the_footer_s_keys_are_composed_compact_not_restyled_once_mounted(shop: str) -> None:
    """Each key of a compact footer is made with its `-compact` class: set by its watcher once mounted, each
    key restyled itself and its children, a dozen style passes before the browser's first frame."""
    async with make_app(shop).run_test(size=SIZE) as pilot:
        app = await loaded(pilot)
        footer = app.query_one(Footer)
        await wait_for(pilot, lambda: "Quit" in _descriptions(footer))
        pump = active_message_pump.set(footer)  # as when the footer composes itself (its keys bind to it)
        try:
            composed = [widget for widget in footer.compose() if isinstance(widget, FooterKey)]
        finally:
            active_message_pump.reset(pump)
        assert composed and all(key.has_class("-compact") for key in composed)
        assert all(key.has_class("-compact") for key in _keys(footer))
