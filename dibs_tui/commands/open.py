"""`dibs-tui open` (the default command): the full-screen browser.

Off a terminal (stdout is not a tty: a pipe, a file, CI) nothing is drawn: the command prints its help and
exits 2, so a script that meant another command notices.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from contextlib import ExitStack
from pathlib import Path

from ..config import Settings
from ..core.connect import ConnectionTarget
from ..core.errors import DibsError
from ..core.gc_pause import collector_paused
from .common import exit_now, sqlite_path, target_for

EXIT_NOT_A_TERMINAL = 2
_AFTER_THE_FIRST_FRAME = ("asyncpg", "dibs_tui.ui.widgets.history_section")


def open_browser(target: ConnectionTarget, settings: Settings, *, desired: list[str] | None = None) -> int:
    """Run the browser on `target` until the user quits; the exit status is 0, or 1 after a failed load.

    The cyclic collector is paused from here to the first frame: importing Textual and our UI and composing the
    screen make a few hundred thousand objects, all kept, and the collections they triggered (a full one among
    them) took about 50 ms of the 0.4 s before the first frame, and so of everything after it. They are frozen
    when the pause ends (core.gc_pause), so later collections do not scan them either.

    The driver is imported then, once the frame is drawn and before the pause ends: the first frame does not
    connect, and asyncpg imported later by the loader's thread, with the collector back on and its objects never
    frozen, made the list and the first card dearer (bench/JOURNAL.md, session 30). So is the first card's
    History section, which the first frame does not draw (bench/JOURNAL.md, session 31)."""
    with ExitStack() as startup:
        startup.enter_context(collector_paused(keep_what_was_built=True))
        for name in _AFTER_THE_FIRST_FRAME:  # run first: callbacks run last-in first-out
            startup.callback(importlib.import_module, name)
        from ..ui.app import DibsApp

        app = DibsApp(target, settings, desired=desired, first_frame=startup.close)
        code = app.run()
    return code if isinstance(code, int) else 0


def open_sqlite(path: Path, settings: Settings, *, desired: list[str] | None = None) -> int:
    """The browser on a SQLite file; a file that cannot be read is one line here, before the screen."""
    from ..core.sqlite_catalog import open_readonly
    from ..ui.sqlite_app import SqliteApp

    if desired:
        raise DibsError("--desired: diff works on PostgreSQL only; this is a SQLite file")
    open_readonly(path).close()
    code = SqliteApp(path, settings).run()
    return code if isinstance(code, int) else 0


def run(args: argparse.Namespace, settings: Settings) -> int:
    if not sys.stdout.isatty():
        print("dibs-tui: not drawing the browser: standard output is not a terminal.\n")
        args.print_full_help()
        return EXIT_NOT_A_TERMINAL
    sqlite = sqlite_path(args, settings)
    if sqlite is not None:
        return open_sqlite(sqlite, settings, desired=args.desired)
    # Once the screen is restored, tearing down a 20,000-table catalog only delays the shell's prompt. Only
    # here, at the command's end: `demo` opens the browser too and must still stop its server afterwards.
    return exit_now(open_browser(target_for(args, settings), settings, desired=args.desired))
