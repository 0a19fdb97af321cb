"""The cyclic garbage collector around large acyclic data: paused while it is built, frozen once kept.

A catalog of a few thousand tables is hundreds of thousands of small immutable objects, all kept, none in a
cycle. With the collector on, every young-generation collection during the build rescans them (over half of a
diff's time at 1,000 tables); with it turned back on afterwards, its first full collection walks them all in
one go (0.2-0.7 s of a frozen screen). So building pauses the collector, and what is kept is moved to the
permanent generation (`gc.freeze()`) before it is turned back on: reference counting still frees it when it is
replaced, the collector just no longer scans it.

This module is the only place that touches `gc`. Pauses nest and may overlap across threads (the Diff pane
plans on a thread while the screen builds rows): the collector comes back on when the last pause ends, and
only if it was on when the first began.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_depth = 0
_was_enabled = False
_keep = False


@contextmanager
def collector_paused(*, keep_what_was_built: bool = False) -> Iterator[None]:
    """No cyclic collection while the block runs.

    `keep_what_was_built`: the block builds data that outlives it (a catalog model, a diff): it is frozen
    out of the collector's reach when the last pause ends, before the collector is turned back on.
    """
    global _depth, _was_enabled, _keep
    with _lock:
        if _depth == 0:
            _was_enabled = gc.isenabled()
            _keep = False
            gc.disable()
        _depth += 1
        _keep = _keep or keep_what_was_built
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0:
                if _keep:
                    gc.freeze()
                if _was_enabled:
                    gc.enable()


def freeze_long_lived() -> None:
    """After building long-lived acyclic data with the collector on (rows, finder candidates): collect the young
    generations first, so transient cycles are not frozen for good, then freeze."""
    gc.collect(1)
    gc.freeze()
