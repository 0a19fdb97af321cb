"""What every command needs: where to connect, and running the async core from a synchronous CLI."""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import signal
import sys
import threading
import time
from collections.abc import Coroutine
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from ..config import Settings
from ..core.connect import ConnectionTarget, resolve
from ..core.errors import DibsError
from ..core.sources import is_sqlite

if TYPE_CHECKING:
    from ..core.lock_wait import LockWait, RecoveryConflict

T = TypeVar("T")

# Set by the console-script entry point (cli.entry): the process ends with the command.
FAST_EXIT = False


def sessions_from_environment(variable: str, default: int = 2) -> int:
    """Catalog sessions asked for by an environment variable (a benchmark's knob): at least one; the default
    when it is unset or not a whole number (a typo must not stop the command)."""
    text = os.environ.get(variable, "").strip()
    return max(1, int(text)) if text.isdigit() else default


def exit_now(code: int) -> int:
    """End a console-script run as soon as its output is out.

    Tearing down the catalogs a command built (a million objects for a 5,000-table diff: about 0.3 s) is
    wasted work for a process that is about to end. atexit handlers still run and the standard streams are
    flushed; only the deallocation is skipped. Called in-process (tests), it just returns the code.
    """
    if not FAST_EXIT:
        return code
    import atexit
    import os
    import sys

    atexit._run_exitfuncs()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


# A URI, or a conninfo string's first keyword: a table named so is written quoted, so it never matches.
_CONNECTION_STRING = re.compile(
    r"\s*(postgres(ql)?://|(host|hostaddr|port|dbname|user|password|passfile|service|sslmode)\s*=)",
    re.IGNORECASE,
)


def is_connection_string(value: str) -> bool:
    return bool(_CONNECTION_STRING.match(value))


def target_for(args: argparse.Namespace, settings: Settings) -> ConnectionTarget:
    """DSN argument, then the config file's database_url, then DATABASE_URL / PG* (inside `resolve`).

    A SQLite file stops here with one line: only `open` and `schema` read SQLite (they check first). A
    connection string given first, before the objects (`uses DSN OBJECT`, as every other command takes it), is
    taken as the DSN; one given elsewhere among them is said as such, not as a failed connection to a database
    named like the object."""
    _dsn_given_first(args)
    for what in _OBJECT_ARGUMENTS:
        value = getattr(args, what, None)
        if isinstance(value, str) and _CONNECTION_STRING.match(value):
            # Not echoed: a connection string may hold a password.
            raise DibsError(
                f"{what.upper()} looks like a connection string: the DSN comes last "
                f"(dibs-tui {getattr(args, 'command', None) or 'COMMAND'} … DSN)"
            )
    sqlite = sqlite_path(args, settings)
    if sqlite is not None:
        command = getattr(args, "command", None) or "this command"
        raise DibsError(
            f"{sqlite} is a SQLite database: `{command}` works on PostgreSQL only "
            "(`open` and `schema` read SQLite files)"
        )
    return resolve(getattr(args, "dsn", None) or settings.database_url)


# The positional arguments that name objects, in their order on the command line; the DSN comes after them.
_OBJECT_ARGUMENTS = ("object", "source", "target")


def _dsn_given_first(args: argparse.Namespace) -> None:
    """`uses DSN OBJECT` and `path DSN FROM TO`: the DSN where every other command takes it, first. The
    arguments move along by one, so each lands where it belongs; nothing moves unless the first looks like a
    connection string, every other is filled, and the last one does not (then no reading is sure)."""
    names = [what for what in _OBJECT_ARGUMENTS if hasattr(args, what)]
    values = [getattr(args, what) for what in names]
    dsn = getattr(args, "dsn", None)
    if not names or not isinstance(values[0], str) or not _CONNECTION_STRING.match(values[0]):
        return
    if dsn is None or _CONNECTION_STRING.match(dsn) or any(v is None for v in values):
        return
    for what, value in zip(names, [*values[1:], dsn], strict=True):
        setattr(args, what, value)
    args.dsn = values[0]


def stdin_is_a_terminal() -> bool:
    """Whether a question can be answered: False off a terminal, and with standard input closed (`<&-`), where
    `sys.stdin` is None and asking it was an AttributeError."""
    try:
        return sys.stdin is not None and sys.stdin.isatty()
    except (AttributeError, ValueError):  # a stream closed, or replaced by one without isatty
        return False


def sqlite_path(args: argparse.Namespace, settings: Settings) -> Path | None:
    """The SQLite file the DSN argument (else the configured database_url, else DATABASE_URL) names."""
    return is_sqlite(getattr(args, "dsn", None) or settings.database_url or os.environ.get("DATABASE_URL"))


def run_async(coro: Coroutine[Any, Any, T]) -> T:
    """asyncio.run, but the main task's result is kept out of the task, and a Ctrl-C cancels the task only
    while it runs.

    On exit, asyncio.run (3.11) restores the SIGINT handler, and the signal module formats the old handler
    (a partial holding the main task) with %r: the task's repr includes its result's repr. For a Catalog of
    1,000 tables that is two full reprs, about two seconds. A task that returns None costs nothing.

    asyncio.run makes the main task before it installs the handler that cancels it: a Ctrl-C in between
    raised KeyboardInterrupt there, and the task, never started, printed 'Task was destroyed but it is
    pending!' after 'interrupted'. Our handler is in place before the task is made: a Ctrl-C before the task
    runs or after it ended is kept and raised once the run has closed; a second one while it runs raises at
    once, as asyncio's does.
    """
    box: list[T] = []
    running: list[asyncio.Task[Any]] = []
    interrupted: list[bool] = []

    async def main() -> None:
        if interrupted:  # before it started: not started at all
            coro.close()
            return
        running.extend(t for t in [asyncio.current_task()] if t is not None)
        try:
            box.append(await coro)
        finally:
            running.clear()

    def on_interrupt(signum: int, frame: object) -> None:
        task = running[0] if running else None
        if interrupted and task is not None:
            raise KeyboardInterrupt
        interrupted.append(True)
        if task is not None:
            task.cancel()
            task.get_loop().call_soon_threadsafe(lambda: None)  # wake a loop asleep in select()

    # As asyncio's: only where Ctrl-C would raise KeyboardInterrupt (the main thread, SIGINT not ignored, as
    # it is for a job a script started in the background).
    if threading.current_thread() is not threading.main_thread() or (
        signal.getsignal(signal.SIGINT) is not signal.default_int_handler
    ):
        asyncio.run(main())
        return box[0]
    signal.signal(signal.SIGINT, on_interrupt)
    try:
        asyncio.run(main())
    except asyncio.CancelledError:
        if not interrupted:
            raise
    finally:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    if interrupted:
        raise KeyboardInterrupt
    return box[0]


class LockWaitLines:
    """The CLI's word on a catalog read waiting for another session's lock (core/lock_wait.py), on stderr: a
    line when the wait begins or its holder changes, then one every `EVERY` seconds, so that a log shows it as
    well as a terminal (a line rewritten in place would need the raw stream's carriage return)."""

    EVERY = 10.0

    def __init__(self) -> None:
        self._holder: tuple[int, str] | None = None
        self._said_at = 0.0

    def __call__(self, wait: LockWait | RecoveryConflict | None) -> None:
        if wait is None:
            self._holder = None
            return
        now = time.monotonic()
        if wait.holder == self._holder and now - self._said_at < self.EVERY:
            return
        self._holder, self._said_at = wait.holder, now
        print(f"dibs-tui: {wait.line()}", file=sys.stderr, flush=True)


__all__ = [
    "FAST_EXIT",
    "DibsError",
    "LockWaitLines",
    "exit_now",
    "run_async",
    "stdin_is_a_terminal",
    "target_for",
]
