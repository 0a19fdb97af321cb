"""Modules a command needs later, imported on a thread while its event loop waits for the server.

A command that reads a catalog spends its first tenth of a second importing, then opens its connections and
waits for the first rows: the server is idle during the imports, the client during the waits. What the read
needs only once rows arrive (the model's builder: core/introspect/read.py) and what runs after it (the diff's
planner) is imported on a thread, beside the connections opening and the first queries. Importing is safe from
two threads (each module has its lock; the package has no import cycle, tests/test_architecture.py); whoever
needs a module first imports it or waits for it.

While a thread imports, the interpreter switches threads every half millisecond instead of every five: the
event loop, woken by a server's answer, takes the interpreter back at once to send the next statement, instead
of waiting up to five milliseconds behind the import at each of the round trips that open a session and start
its read.
"""

from __future__ import annotations

import importlib
import sys
import threading
from collections.abc import Sequence
from types import ModuleType

_SWITCH_WHILE_IMPORTING = 0.0005  # seconds; see the module's docstring


def import_in_background(modules: Sequence[str]) -> threading.Thread:
    """Start importing `modules` in order on a daemon thread; join it before relying on a failure being seen
    (an import error surfaces again where the module is imported for use)."""
    thread = threading.Thread(target=_import_all, args=(tuple(modules),), name="dibs-preimport", daemon=True)
    thread.start()
    return thread


def _import_all(modules: tuple[str, ...]) -> None:
    for name in modules:
        try:
            import_on_this_thread(name)
        except Exception:  # raised again, with its traceback, where the module is imported for use
            return


_importing = 0
_switching = threading.Lock()
_usual_switch = sys.getswitchinterval()


def import_on_this_thread(name: str) -> ModuleType:
    """Import `name` on a thread beside the event loop, with the quick thread switches said above."""
    global _importing, _usual_switch
    with _switching:
        if _importing == 0:
            _usual_switch = sys.getswitchinterval()
            sys.setswitchinterval(_SWITCH_WHILE_IMPORTING)
        _importing += 1
    try:
        return importlib.import_module(name)
    finally:
        with _switching:
            _importing -= 1
            if _importing == 0:
                sys.setswitchinterval(_usual_switch)
