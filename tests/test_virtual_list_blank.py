"""The lines of a VirtualList past its last row: one blank strip a render pass, in the list's current style."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.color import Color
from textual.content import Content
from textual.geometry import Region

from dibs_tui.ui.widgets.virtual_list import VirtualList


class _OneRow(VirtualList):
    @property
    def row_count(self) -> int:
        return 1

    def row_content(self, index: int) -> Content:
        return Content("only row")


class _Holder(App[None]):
    def compose(self) -> ComposeResult:
        yield _OneRow()


async def test_the_lines_past_the_last_row_follow_a_change_of_the_lists_style() -> None:
    """The blank made once a pass must not outlive a style change: the next pass paints the new background."""
    app = _Holder()
    async with app.run_test(size=(30, 6)) as pilot:
        listed = app.query_one(_OneRow)
        crop = Region(0, 0, listed.content_region.width, 4)

        def backgrounds() -> set[str | None]:
            strips = listed.render_lines(crop)[1:]
            return {
                seg.style.bgcolor.name if seg.style and seg.style.bgcolor else None
                for strip in strips
                for seg in strip
            }

        before = backgrounds()
        listed.styles.background = Color.parse("#ff0000")
        await pilot.pause()
        after = backgrounds()
        assert before != after and after == {"#ff0000"}, (before, after)
