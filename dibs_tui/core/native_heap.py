"""glibc's heap held to fixed thresholds for the commands that build one big catalog: freed memory goes back.

glibc's malloc serves large blocks (over 128 KiB: the driver's read buffers, a portion's record list, big
tuples and dicts) from mmap and hands them back when freed, but each such free also raises its thresholds
(the "dynamic mmap threshold", up to 32 MiB): from then on large blocks come from the heap, and the free
space at the heap's top is kept unless it exceeds twice that. A catalog read frees tens of such blocks a
second, so the heap holds the peak of every portion. Setting both thresholds explicitly turns the adjustment
off (mallopt(3)). Measured with the browser at 20,000 tables (bench/tui_launch.py, peak RSS): 285 -> 275-277
MiB; bench/JOURNAL.md, memory, session 7. `give_back` then returns, once the read is done, the free memory in
the middle of the heap, which no threshold reaches (67 MiB of a 100,000-table read: its steady state, not its
peak). Both are no-ops where the C library is not glibc.
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


def give_back() -> bool:
    """Return the free memory of every malloc arena to the system (malloc_trim(0)): after the catalog's read,
    its freed blocks in the middle of the heap, which no threshold reaches. True when it returned any."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        malloc_trim = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):
        return False
    malloc_trim.argtypes = (ctypes.c_size_t,)
    malloc_trim.restype = ctypes.c_int
    return bool(malloc_trim(0))
