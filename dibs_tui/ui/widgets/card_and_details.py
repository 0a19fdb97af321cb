"""The table card above the details pane, fitted to the screen's height.

The columns are what a user came for: the card always has room for its header and eight column rows (fewer
when the table has fewer). On a short screen the details yield first: they shrink to what is left, and hide
when that is too little to show a line; the card's header keeps its most telling lines.
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical

from .details import DetailsView
from .table_card import TableCard

COLUMN_ROWS = 8  # column rows the card always shows (when the table has that many)
DETAILS_MIN = 3  # the details pane's border and one line: below that it hides
HEADER_MAX = 10  # header lines on a tall screen


class CardAndDetails(Vertical):
    """`#card` (TableCard) over `#details` (a bordered DetailsView); both share the height, the card first."""

    DEFAULT_CSS = """
    CardAndDetails { width: 1fr; }
    CardAndDetails > #card { height: 1fr; }
    CardAndDetails > #details { height: 1fr; }
    """

    def compose(self) -> ComposeResult:
        yield TableCard(id="card")
        with Vertical(id="details"):
            yield DetailsView(id="details-view")

    def on_resize(self) -> None:
        self.fit()

    @on(TableCard.Shown)
    def _card_shown(self) -> None:
        self.fit()

    def fit(self) -> None:
        """Give the card the rows its columns need, and the details what is left (or nothing)."""
        height = self.size.height
        if height <= 0:
            return
        card = self.query_one(TableCard)
        details = self.query_one("#details", Vertical)
        # The header gets what is left once the frame, eight column rows and a useful details pane have theirs.
        budget = height - TableCard.FRAME - COLUMN_ROWS - (DETAILS_MIN + 2)
        card.set_header_budget(max(2, min(HEADER_MAX, budget)))
        needed = card.rows_needed(COLUMN_ROWS)
        # A new minimum relayouts the screen; below the card's half of the height (its 1fr share) a minimum
        # holds nothing, so one there is only set when the last one held.
        current = int(card.styles.min_height.value) if card.styles.min_height is not None else 0
        if current != needed and max(current, needed) > height // 2:
            card.styles.min_height = needed
        show_details = height - needed >= DETAILS_MIN
        if details.display != show_details:
            details.display = show_details
