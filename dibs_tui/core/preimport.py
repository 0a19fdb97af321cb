"""Modules a command needs later, imported on a thread while its event loop waits for the server.

A command that reads a catalog spends its first tenth of a second importing, then opens its connections and
waits for the first rows: the server is idle during the imports, the client during the waits. What the read
needs only once rows arrive (the model's builder) and what runs after it (the diff's planner) is imported here,
beside the connections opening. Importing is safe from two threads (each module has its lock; the package has no
import cycle, tests/test_architecture.py); whoever needs a module first imports it or waits for it.
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Sequence


def import_in_background(modules: Sequence[str]) -> threading.Thread:
    """Start importing `modules` in order on a thread; join it before relying on a failure being seen (an
    import error surfaces again where the module is imported for use). Not a daemon: the interpreter waits for
    it at exit, where a daemon thread still importing (a refused connection ends a command 1-2 ms after the
    thread starts) crashed its finalization, exit status 139 in one run of five. A command that succeeds ends
    through commands.common.exit_now, without waiting."""
    thread = threading.Thread(target=_import_all, args=(tuple(modules),), name="dibs-preimport")
    thread.start()
    return thread


def _import_all(modules: tuple[str, ...]) -> None:
    for name in modules:
        try:
            importlib.import_module(name)
        except Exception:  # raised again, with its traceback, where the module is imported for use
            return
