"""Keys typed faster than the screen draws (a paste, a quick typist, a busy machine) reach the box the
previous key opened: the driver delivers them as one burst, before any refresh."""

from __future__ import annotations

from textual import events
from textual.pilot import Pilot

from dibs_tui.ui.screens.finder import FinderScreen
from tests.ui_pilot import loaded, make_app, shop, wait_for

__all__ = ["shop"]


def burst(pilot: Pilot[int], keys: list[tuple[str, str | None]]) -> None:
    """Post every key at once, as the driver does when they arrive in one read."""
    for key, character in keys:
        pilot.app.post_message(events.Key(key, character))


def typed(text: str) -> list[tuple[str, str | None]]:
    return [(c, c) for c in text]


async def test_keys_after_slash_land_in_the_filter(shop: str) -> None:
    app = make_app(shop)
    async with app.run_test(size=(120, 36)) as pilot:
        await loaded(pilot)
        burst(pilot, [("slash", "/"), *typed("cust")])
        box = app.tables_pane.query_one("#table-filter")
        await wait_for(pilot, lambda: getattr(box, "value", None) == "cust")
        assert not isinstance(app.screen, FinderScreen)


async def test_keys_after_t_land_in_the_finder(shop: str) -> None:
    app = make_app(shop)
    async with app.run_test(size=(120, 36)) as pilot:
        await loaded(pilot)
        burst(pilot, [("t", "t"), *typed("ord")])
        await wait_for(pilot, lambda: isinstance(app.screen, FinderScreen))
        screen = app.screen
        assert isinstance(screen, FinderScreen)
        await wait_for(pilot, lambda: screen.query_one("Input").value == "ord")  # type: ignore[attr-defined]
