"""What the headless-app benchmarks (tui.py, tui_diff.py) share: waiting for a state under Textual's pilot,
and the lag of a heartbeat timer, which is how long the event loop left the screen undrawn."""

from __future__ import annotations

import statistics
import time
from typing import Any

HEARTBEAT = 0.010


async def until(pilot: Any, condition: Any, limit: float) -> None:
    """Let the app run until `condition()` holds; a state never reached ends the benchmark."""
    deadline = time.perf_counter() + limit
    while not condition():
        if time.perf_counter() > deadline:
            raise SystemExit("the app did not reach the expected state in time")
        await pilot.pause(0.005)


class Heartbeat:
    """A 10 ms timer on the app's event loop; each beat records how late it fired."""

    def __init__(self, app: Any) -> None:
        self.lags: list[float] = []
        self._last = time.perf_counter()
        self._timer = app.set_interval(HEARTBEAT, self._beat)

    def _beat(self) -> None:
        now = time.perf_counter()
        self.lags.append(max(0.0, now - self._last - HEARTBEAT))
        self._last = now

    def stop(self) -> tuple[float, float, float]:
        """Stop beating; the lag's p50, p95 and maximum in milliseconds (zeros when it never beat)."""
        self._timer.stop()
        lags_ms = sorted(lag * 1000 for lag in self.lags) or [0.0]
        return (
            statistics.median(lags_ms),
            lags_ms[max(0, int(len(lags_ms) * 0.95) - 1)],
            lags_ms[-1],
        )
