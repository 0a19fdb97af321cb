"""glibc's heap held to fixed thresholds for the commands that build one big catalog: freed memory goes back.

glibc's malloc serves large blocks (over 128 KiB: the driver's read buffers, a portion's record list, big
tuples and dicts) from mmap and hands them back when freed, but each such free also raises its thresholds
(the "dynamic mmap threshold", up to 32 MiB): from then on large blocks come from the heap, and the free
space at the heap's top is kept unless it exceeds twice that. A catalog read frees tens of such blocks a
second, so the heap holds the peak of every portion. Setting both thresholds explicitly turns the adjustment
off (mallopt(3)). Measured with the browser at 20,000 tables (bench/tui_launch.py, peak RSS): 285 -> 275-277
MiB; bench/README.md, memory, session 7. A no-op where the C library is not glibc.
"""

from __future__ import annotations

import ctypes
import sys

_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
THRESHOLD = 128 * 1024  # glibc's own starting value, kept instead of the one it adjusts to


def hold_thresholds() -> bool:
    """Fix malloc's trim and mmap thresholds at glibc's defaults; True when the C library took them."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt  # the process's own C library
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    trim = mallopt(_M_TRIM_THRESHOLD, THRESHOLD)
    mmap = mallopt(_M_MMAP_THRESHOLD, THRESHOLD)
    return bool(trim and mmap)
