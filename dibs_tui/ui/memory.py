"""Keeping the cyclic garbage collector off a 10,000-table catalog.

A full collection walks every tracked object; with a catalog of a few hundred thousand frozen dataclasses that
pauses the event loop for 0.2-0.7 s, several times a minute. The model and the bulk structures built from it
(rows, finder candidates) are immutable and acyclic, so after building them we move them to the permanent
generation: reference counting still frees them when they are replaced, the collector no longer rescans them.
"""

from __future__ import annotations

import gc


def freeze_long_lived() -> None:
    """Collect the young generations first (so transient cycles are not frozen for good), then freeze."""
    gc.collect(1)
    gc.freeze()
