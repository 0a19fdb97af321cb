"""Command line: dispatch only (each command's arguments are in cli_arguments.py, its work in
`dibs_tui.commands.<name>`).

`dibs-tui [DSN]` opens the browser; every other word before the options names a command. Errors a user can
act on (`DibsError`) print one line and exit 1; nothing prints a traceback unless DIBS_TUI_DEBUG is set.
"""

from __future__ import annotations

import argparse
import codecs
import importlib
import io
import os
import sys
from collections.abc import Sequence
from typing import Any

from .cli_arguments import UnknownCommand, build_parser, normalise
from .config import Settings, load_settings
from .core.errors import DibsError
from .core.gc_pause import collector_paused
from .core.terminal import TerminalSafeWriter, safe

EXIT_OK, EXIT_ERROR, EXIT_DIFFERENCES = 0, 1, 2


def settings_for(args: argparse.Namespace) -> Settings:
    settings = load_settings(args.project_root or None)
    if args.project_root:
        settings = settings.with_overrides(project_root=args.project_root.resolve())
    # The one schema filter: --schema / --exclude-schema replace the config's lists, for every command.
    settings = settings.with_overrides(
        lock_timeout=getattr(args, "lock_timeout", None),
        statement_timeout=getattr(args, "statement_timeout", None),
        include_schemas=tuple(getattr(args, "schemas", None) or ()) or None,
        exclude_schemas=tuple(getattr(args, "exclude_schemas", None) or ()) or None,
    )
    from .core.session_limits import use_limits

    use_limits(settings.session_limits())  # catalog sessions read them (the TUI gets them from settings)
    return settings


# Commands that draw the browser: Textual owns the terminal and escapes what it shows itself.
_DRAWING = ("open", "demo")


def main(argv: Sequence[str] | None = None) -> int:
    # The command's modules and the parser are built with the cyclic collector paused and frozen once built:
    # all kept, none in a cycle; the 30-odd collections they triggered were 8-15 ms of the browser's start
    # before its first frame (bench/JOURNAL.md, session 32).
    with collector_paused(keep_what_was_built=True):
        started = _start(argv)
    if isinstance(started, int):
        return started
    module, args, masks = started
    _encode_everything(drawing=args.command in _DRAWING)
    if args.command in _DRAWING:
        if _stdin_is_not_a_terminal() and sys.stdout.isatty():
            # `dibs-tui < /dev/null`: a screen no key can reach would hang until killed.
            if args.command == "demo":
                args.print_only = True  # build and print where it is, as off a terminal
            else:
                print(
                    "dibs-tui: not drawing the browser: standard input is not a terminal, so no key could "
                    "reach it (run it without redirecting its input, or use `dibs-tui schema`)",
                    file=sys.stderr,
                )
                return EXIT_DIFFERENCES  # 2, as when standard output is not a terminal
        return _run(module, args)
    # Everything else this process prints goes through the escaping streams: a name, a comment, a file's
    # line or a server message holding ESC, C1 controls or bidi overrides reaches the terminal as `\x1b`.
    from .commands.secret_args import MaskingStream

    out, err = sys.stdout, sys.stderr
    # A connection string given where a file or a name goes is echoed by the message about it: masked
    masked: tuple[Any, Any] = (MaskingStream(out, masks), MaskingStream(err, masks)) if masks else (out, err)
    sys.stdout, sys.stderr = TerminalSafeWriter(masked[0]), TerminalSafeWriter(masked[1])
    from .commands.common import LockWaitLines
    from .core.lock_wait import use_reporter

    use_reporter(LockWaitLines())  # a catalog read waiting for a lock says who holds it, on stderr
    try:
        return _run(module, args)
    finally:
        sys.stdout, sys.stderr = out, err


def _start(argv: Sequence[str] | None) -> int | tuple[Any, argparse.Namespace, dict[str, str]]:
    """The arguments parsed and the command's module imported; an exit status when the command cannot run."""
    from .commands.secret_args import MaskingStream, masked_arguments, restore

    args_list = restore(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    masks = masked_arguments(args_list)
    err = sys.stderr
    if masks:  # a usage error quotes the arguments it did not expect: a password among them is masked
        sys.stderr = MaskingStream(err, masks)
    try:
        args = parser.parse_args(normalise(args_list))
    except UnknownCommand as exc:
        parser.print_usage(sys.stderr)
        print(f"dibs-tui: error: {safe(str(exc))}", file=sys.stderr)
        return EXIT_DIFFERENCES  # 2, as argparse exits on a usage error
    finally:
        sys.stderr = err
    # A command that has to explain the whole CLI (the browser, off a terminal) is handed the help, so that
    # no command imports the CLI module back.
    args.print_full_help = parser.print_help
    if sys.stdout is None:  # `dibs-tui migrate ... >&-`: every line would fail, the first before anything ran
        print(
            "dibs-tui: error: standard output is closed, so nothing could be said: nothing was done\n"
            "hint: to discard the output, send it to /dev/null instead (> /dev/null)",
            file=sys.stderr,
        )
        return EXIT_ERROR
    return importlib.import_module(f"dibs_tui.commands.{args.command}"), args, masks


def _encode_everything(*, drawing: bool) -> None:
    """A name or a comment the locale's encoding cannot hold (a Latin-1 terminal, PYTHONIOENCODING=ascii)
    ended the command part way ('internal error: UnicodeEncodeError'). What goes to a file or a pipe is data
    (SQL or JSON a tool reads back): written as UTF-8, the catalog's own text, whatever the locale, as pg_dump
    writes the database's bytes; a character turned into an escape there would change a name. What a
    terminal shows is written in its encoding, a character it cannot show as a backslash escape, as control
    characters are (core/terminal.py). The browser draws its frames in Unicode (Textual, on stderr): in UTF-8,
    the one encoding it can draw in, whatever the locale says."""
    for stream in (sys.stdout, sys.stderr):
        if not isinstance(stream, io.TextIOWrapper) or codecs.lookup(stream.encoding).name == "utf-8":
            continue
        try:
            on_a_terminal = stream.isatty()
        except ValueError:  # closed
            continue
        if on_a_terminal and not drawing:
            stream.reconfigure(errors="backslashreplace")
        else:
            stream.reconfigure(encoding="utf-8")


def _stdin_is_not_a_terminal() -> bool:
    try:
        return not sys.stdin.isatty()
    except (AttributeError, ValueError):  # closed or missing (`dibs-tui <&-`)
        return True


def _error(message: str, code: int = EXIT_ERROR) -> int:
    print(f"dibs-tui: error: {safe(message).splitlines()[0] if message else 'failed'}", file=sys.stderr)
    return code


def _driver() -> Any:
    """asyncpg, for `_run`'s except clauses: a clause's class is looked up only once an exception reaches it,
    so the driver is imported here only after a command failed. Imported before every command, it was 30-50 ms
    of the browser's start before its first frame, which does not connect (its loader thread imports it)."""
    import asyncpg

    return asyncpg


def _run(module: Any, args: argparse.Namespace) -> int:
    try:
        code: int = module.run(args, settings_for(args))
    except DibsError as exc:
        print(f"dibs-tui: error: {safe(str(exc), keep_newlines=True)}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("dibs-tui: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (`dibs-tui diff | head`): not an error worth a message. Point stdout at
        # /dev/null so that the interpreter's final flush does not fail again; 141 is 128 + SIGPIPE, as a
        # C tool killed by the signal would report.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141
    except EOFError:
        return _error("no answer: the input ended before a question was answered; nothing was done")
    except _driver().LockNotAvailableError:  # a read or write of ours that waited lock_timeout, and gave up
        print(
            "dibs-tui: error: gave up waiting for a lock another session holds (lock_timeout); nothing was "
            "changed by the statement that waited\n"
            "hint: wait for that session's transaction to end, or raise --lock-timeout (lock_timeout in "
            "dibs-tui.toml)",
            file=sys.stderr,
        )
        return EXIT_ERROR
    except _driver().PostgresError as exc:  # a permission, a lock timeout, a shutdown: in the server's words
        detail = getattr(exc, "sqlstate", None)
        return _error(f"the server refused: {exc}" + (f" (SQLSTATE {detail})" if detail else ""))
    except (_driver().InterfaceError, ConnectionError) as exc:
        return _error(f"the connection to the server failed: {exc or type(exc).__name__}")
    except UnicodeDecodeError as exc:
        return _error(f"a file is not UTF-8 text ({exc.reason} at byte {exc.start}); save it as UTF-8")
    except OSError as exc:  # a file or folder that cannot be read or written: its name and the reason
        where = f": {exc.filename}" if exc.filename else ""
        return _error(f"{exc.strerror or exc}{where}")
    except Exception as exc:  # a bug: one line for the user, the traceback only when debugging
        if os.environ.get("DIBS_TUI_DEBUG"):
            raise
        return _error(f"internal error: {type(exc).__name__}: {exc} (set DIBS_TUI_DEBUG=1 for details)")
    return code


def entry() -> None:
    """The console script: the process ends with the command (see commands.common.exit_now)."""
    try:
        from .commands import common
        from .commands.secret_args import reexec_without_secrets

        reexec_without_secrets()  # a password in the arguments would be readable by any user through `ps`
        common.FAST_EXIT = True
        code = main()
    except KeyboardInterrupt:  # Ctrl-C before the command runs (its modules still importing): one line
        print("dibs-tui: interrupted", file=sys.stderr)
        code = 130
    sys.exit(code)


if __name__ == "__main__":  # pragma: no cover
    entry()
