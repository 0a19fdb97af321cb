"""The one place that pauses the cyclic GC: pauses nest and overlap across threads, the collector comes back
only as it was, and what was built to be kept is frozen out of its reach."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator

import pytest

from dibs_tui.core.gc_pause import collector_paused


@pytest.fixture
def collector_on() -> Iterator[None]:
    was = gc.isenabled()
    gc.enable()
    try:
        yield
    finally:
        gc.unfreeze()
        if not was:
            gc.disable()


def test_nested_pauses_turn_the_collector_back_on_only_at_the_end(collector_on: None) -> None:
    with collector_paused():
        assert not gc.isenabled()
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the inner end is not the last one
    assert gc.isenabled()


def test_a_collector_that_was_off_stays_off() -> None:
    was = gc.isenabled()
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        if was:
            gc.enable()


def test_what_was_built_to_be_kept_is_frozen_when_the_last_pause_ends(collector_on: None) -> None:
    gc.unfreeze()
    with collector_paused():
        with collector_paused(keep_what_was_built=True):
            kept = [{"table": str(i)} for i in range(1000)]
        assert gc.get_freeze_count() == 0  # not while an outer pause still runs
    assert gc.get_freeze_count() >= len(kept)


def test_a_plain_pause_freezes_nothing(collector_on: None) -> None:
    gc.unfreeze()
    with collector_paused():
        built = [{"row": i} for i in range(1000)]
    assert built and gc.get_freeze_count() == 0


def test_pauses_overlapping_on_two_threads(collector_on: None) -> None:
    inside = threading.Event()
    release = threading.Event()

    def other() -> None:
        with collector_paused():
            inside.set()
            release.wait(5)

    thread = threading.Thread(target=other)
    thread.start()
    assert inside.wait(5)
    with collector_paused():
        pass
    assert not gc.isenabled()  # the other thread's pause still runs
    release.set()
    thread.join(5)
    assert gc.isenabled()
