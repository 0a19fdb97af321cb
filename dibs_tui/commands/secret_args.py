"""A password typed on the command line, moved out of the process's arguments.

Any user of the machine can read a process's arguments (`ps`, /proc/PID/cmdline); only its owner can read
its environment. When an argument is a connection string holding a password, the console script starts
itself again at once with that argument in an environment variable and a placeholder in its place: a
browser left open for hours shows `ps` the placeholder, not the password (only the first milliseconds,
before the exec, cannot be helped). Arguments without a password cost nothing: no second start.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, MutableMapping, Sequence
from pathlib import Path
from typing import Any, TextIO

from ..core.conninfo import SECRET_KEYWORDS, looks_like_conninfo, parse_conninfo
from ..core.errors import ConnectError

PLACEHOLDER = "dibs-tui:argument-in-environment:"
VARIABLE = "DIBS_TUI_ARGUMENT_"


def holds_secret(text: str) -> bool:
    """A connection string with a password (or one too broken to tell: then better hidden too)."""
    if not looks_like_conninfo(text):
        user_info = text.split("@", 1)[0] if "@" in text else ""
        return ":" in user_info and "/" not in user_info  # user:password@host/db without its scheme
    try:
        return any(k in SECRET_KEYWORDS for k in parse_conninfo(text))
    except ConnectError:
        return True


def hide(argv: Sequence[str]) -> tuple[list[str], dict[str, str]]:
    """`argv` with each secret-holding argument (or `--option=value` value) replaced by a placeholder, and
    the environment variables that carry them."""
    shown: list[str] = []
    carried: dict[str, str] = {}
    for arg in argv:
        option, sep, value = arg.partition("=") if arg.startswith("--") else ("", "", arg)
        if holds_secret(value):
            name = f"{VARIABLE}{len(carried)}"
            carried[name] = value
            arg = f"{option}{sep}{PLACEHOLDER}{name}"
        shown.append(arg)
    return shown, carried


def reexec_without_secrets() -> None:
    """Start again without the passwords in the arguments, when there are any (POSIX only)."""
    if os.name != "posix" or any(k.startswith(VARIABLE) for k in os.environ):
        return
    shown, carried = hide(sys.argv[1:])
    if not carried:
        return
    sys.stdout.flush()
    sys.stderr.flush()
    os.execve(sys.executable, [sys.executable, "-m", "dibs_tui.cli", *shown], {**os.environ, **carried})  # noqa: S606 - no shell: the same interpreter, argument list


def masked_arguments(argv: Sequence[str]) -> dict[str, str]:
    """Each argument (or `--option=value` value) holding a secret, as written and as argparse may quote it,
    with what a message shows in its place: a usage error echoes the arguments it did not expect, a command
    one given in the wrong place (a connection string where a file goes)."""
    from ..core.connect import mask_dsn

    found: dict[str, str] = {}
    for arg in argv:
        value = arg.partition("=")[2] if arg.startswith("--") else arg
        if holds_secret(value):
            # str(Path(value)): a connection string given where a path goes (`review DSN`) is echoed as a path,
            # its `//` made one
            for written in (value, repr(value)[1:-1], str(Path(value))):
                found[written] = mask_dsn(value)
    return found


class MaskingStream:
    """A text stream that writes through `stream` with each secret-holding argument replaced by its mask."""

    def __init__(self, stream: TextIO, masks: Mapping[str, str]) -> None:
        self._stream = stream
        self._masks = sorted(masks.items(), key=lambda item: len(item[0]), reverse=True)

    def write(self, text: str) -> int:
        for written, shown in self._masks:
            text = text.replace(written, shown)
        return self._stream.write(text)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def restore(argv: Sequence[str], env: MutableMapping[str, str] | None = None) -> list[str]:
    """The arguments as typed: placeholders replaced by their values, which leave the environment (an
    editor or psql started from the browser does not inherit them)."""
    env = os.environ if env is None else env
    out: list[str] = []
    for arg in argv:
        head, found, name = arg.partition(PLACEHOLDER)
        if found and name.startswith(VARIABLE) and name in env:
            arg = head + env.pop(name)
        out.append(arg)
    return out
