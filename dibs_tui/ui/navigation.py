"""Moving about the browser: back and forward over the tables and columns visited, as a web browser does,
and from pane to pane."""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, field

PANE_ORDER = ("table-list", "column-list", "details-view")


@dataclass(frozen=True, slots=True)
class Location:
    """A place in the browser the history can return to."""

    schema: str
    table: str
    column: str | None = None


@dataclass
class History:
    """Two stacks; a step skips places that are gone (a refresh dropped or filtered them out)."""

    back: list[Location] = field(default_factory=list)
    forward: list[Location] = field(default_factory=list)

    def left(self, here: Location) -> None:
        """`here` was left for a new place: back returns to it, and the old forward path is gone."""
        self.back.append(here)
        self.forward.clear()

    def step(self, backward: bool, here: Location | None, visit: Callable[[Location], bool]) -> bool:
        """Visit the nearest place still there in that direction; `here` goes on the other stack."""
        source, other = (self.back, self.forward) if backward else (self.forward, self.back)
        while source:
            if visit(source.pop()):
                if here is not None:
                    other.append(here)
                return True
        return False


def next_pane(focusable: Collection[str | None], focused: str | None, step: int) -> str:
    """The browse pane `step` places from the focused one, among those that can take the focus (a hidden
    details pane is skipped)."""
    order = [pane for pane in PANE_ORDER if pane in focusable]
    index = order.index(focused) if focused in order else (-1 if step > 0 else 0)
    return order[(index + step) % len(order)]
