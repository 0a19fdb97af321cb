"""The Details pane wraps a value wider than itself (a CHECK, a default, a partition bound, a policy's USING)
at its width, under its label or name, at 80x24 and 200x50 alike: at 80 columns they were cut at the edge."""

from __future__ import annotations

from rich.cells import cell_len

from dibs_tui.ui.widgets.details import DetailsView
from tests.pg import execute
from tests.test_ui_snapshots import LONG_VALUES
from tests.ui_pilot import goto, loaded, make_app, wait_for

PARTITIONS = """
CREATE TABLE events (id bigint, happened_at timestamptz NOT NULL) PARTITION BY RANGE (happened_at);
CREATE TABLE events_2026_q1 PARTITION OF events
    FOR VALUES FROM ('2026-01-01 00:00:00+00') TO ('2026-04-01 00:00:00+00');
"""


def _rows(view: DetailsView) -> list[tuple[int, str]]:
    """Each line as drawn (row by row) with the line it belongs to."""
    return [(i, row) for i in range(view.row_count) for row in view.row_content(i).plain.split("\n")]


def _said(view: DetailsView, start: str) -> tuple[int, str]:
    """The line that starts with `start`, and its rows joined again: nothing of it lost, nothing cut."""
    index = next(i for i, line in enumerate(view.lines) if line.content.plain.startswith(start))
    said = "".join(row[2:] for i, row in _rows(view) if i == index)  # past the marker (›) column
    assert "…" not in said and "".join(said.split()) == "".join(view.lines[index].content.plain.split())
    return index, view.lines[index].content.plain


async def test_long_values_wrap_within_the_pane_whole_and_one_cursor_row_each(db: str) -> None:
    await execute(db, LONG_VALUES + PARTITIONS)
    app = make_app(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await loaded(pilot)
        await goto(pilot, "plans")
        view = app.details
        await wait_for(
            pilot, lambda: any(line.content.plain.startswith("plans_tier_check") for line in view.lines)
        )
        width = view.scrollable_content_region.width
        assert all(cell_len(row) <= width for _, row in _rows(view)), _rows(view)
        check, said = _said(view, "plans_tier_check")
        assert said.endswith("'enterprise_with_dedicated_support_and_single_sign_on'::text])))"), said
        _, said = _said(view, "plans_of_the_tenant")
        assert said.startswith("plans_of_the_tenant ALL TO public USING (((current_setting('app.tenant'"), (
            said
        )
        assert said.endswith("'enterprise_with_dedicated_support_and_single_sign_on'::text)))"), said
        tall = view.row_top(check + 1) - view.row_top(check)
        assert tall >= 4  # the CHECK's rows
        view.focus()
        view.move_cursor(check)
        await pilot.press("j")  # past all of the CHECK's rows at once
        assert view.cursor == check + 1
        await pilot.press("k")
        assert view.current() is view.lines[check]
        await pilot.resize_terminal(200, 50)
        await wait_for(pilot, lambda: view.row_top(check + 1) - view.row_top(check) < tall)
        assert view.cursor == check
        await goto(pilot, "events_2026_q1")
        await wait_for(pilot, lambda: any(line.content.plain.startswith("parent") for line in view.lines))
        await pilot.resize_terminal(80, 24)
        await wait_for(pilot, lambda: view.scrollable_content_region.width < 60)
        _, said = _said(view, "parent")
        assert said.endswith("FOR VALUES FROM ('2026-01-01 00:00:00+00') TO ('2026-04-01 00:00:00+00')"), said
        assert all(cell_len(row) <= view.scrollable_content_region.width for _, row in _rows(view))
