"""The finders' candidates are made when a finder first asks, on a thread of their own, once per catalog: a
browser that never finds holds none of them (13 MiB at 100,000 tables), and the one that does never waits for
them on the screen's loop."""

from __future__ import annotations

import threading
from dataclasses import dataclass

import pytest
from textual.widgets import Input
from textual.worker import NoActiveWorker, get_current_worker

from dibs_tui.core.model import Catalog
from dibs_tui.ui import finder_candidates
from dibs_tui.ui.screens.finder import FinderScreen, finder_item
from dibs_tui.ui.search import Candidate
from tests.ui_pilot import SIZE, card_column, card_key, goto, loaded, make_app, shop, wait_for

__all__ = ["shop"]  # the fixture, used by name


@dataclass(frozen=True)
class _Made:
    thread: str
    worker: str | None  # the Textual worker that asked for the list, by its description; None outside one


def _recorded(monkeypatch: pytest.MonkeyPatch, name: str) -> list[_Made]:
    """Where `finder_candidates.<name>`'s list was made each time, in order."""
    made_on: list[_Made] = []
    real = getattr(finder_candidates, name)

    def recorded(catalog: Catalog) -> list[Candidate]:
        try:
            worker: str | None = get_current_worker().description
        except NoActiveWorker:
            worker = None
        made_on.append(_Made(threading.current_thread().name, worker))
        return list(real(catalog))

    monkeypatch.setattr(finder_candidates, name, recorded)
    return made_on


def _shown(screen: object) -> str | None:
    """The column a finder's results show first for the query typed, once they are ranked for it."""
    if not isinstance(screen, FinderScreen) or screen._shown_query != screen.query_one(Input).value:
        return None
    results = screen.results.results
    item = finder_item(results[0].payload) if results else None
    return item.column if item else None


async def test_table_candidates_are_made_once_when_a_finder_asks_off_the_screens_loop(
    shop: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    made_on = _recorded(monkeypatch, "table_candidates")
    async with make_app(shop).run_test(size=SIZE) as pilot:
        app = await loaded(pilot)
        assert made_on == []  # loaded, shown, and nothing made for a finder nobody opened
        await goto(pilot, "orders")
        assert card_key(app) == ("public", "orders")
        await goto(pilot, "billing.inv")
        assert card_key(app) == ("billing", "invoices")
        assert len(made_on) == 1  # the second finder ranks the same list
        # made by the first finder's ranking, which asked for it: not at load, which a check right after
        # `loaded` could miss where something made it a moment later
        assert made_on[0].worker == "rank finder results"
        assert made_on[0].thread != threading.main_thread().name


async def test_column_candidates_are_made_when_the_column_finder_asks_off_the_screens_loop(
    shop: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    made_on = _recorded(monkeypatch, "column_candidates")
    async with make_app(shop).run_test(size=SIZE) as pilot:
        app = await loaded(pilot)
        assert made_on == []
        await pilot.press("c", *"customer_id")
        await wait_for(pilot, lambda: len(made_on) == 1)
        assert made_on[0].thread != threading.main_thread().name
        # Enter chooses from the results shown: ranked from the list made on the thread, not made again
        await wait_for(pilot, lambda: _shown(app.screen) == "customer_id")
        await pilot.press("enter")
        await wait_for(pilot, lambda: card_column(app) == "customer_id")
        assert len(made_on) == 1
