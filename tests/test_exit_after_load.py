"""Quitting the moment the catalog is in: the app's panes are removed first, then what is still queued runs (a
highlight of the list drawn again, the load's after-refresh step, the card's settle timer), and must not raise:
a suite run on a loaded machine failed so."""

from __future__ import annotations

from dibs_tui.ui.widgets.card_and_details import CardAndDetails
from dibs_tui.ui.widgets.tables_pane import TablesPane
from tests.pg import execute
from tests.ui_pilot import make_app, wait_for


async def test_what_is_still_queued_after_the_panes_are_gone_does_not_raise(db: str) -> None:
    await execute(db, "CREATE TABLE users (id int PRIMARY KEY, name text); CREATE TABLE teams (id int);")
    app = make_app(db)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: app.catalog is not None and "card" in app.timings)
        assert app.catalog is not None
        teams = app.catalog.relation("public", "teams")
        assert teams is not None
        await app.query_one(CardAndDetails).remove()  # as the shutdown's prune does
        app.timings.pop("painted")
        app._mark_painted()
        app._settled()
        app.post_message(TablesPane.TableHighlighted(teams))
        app.post_message(TablesPane.TableChosen(teams))
        await pilot.pause()
        assert "painted" in app.timings
