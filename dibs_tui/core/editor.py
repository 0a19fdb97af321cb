"""Opening a source location in the user's editor: always an argument list, never a shell string.

The editor is `$VISUAL`, else `$EDITOR`, else `vi`, split the way a shell would split it
(so `EDITOR="code -w"` works). How to pass the line and column depends on the editor family; a configured
template (`{file}`, `{line}`, `{column}`) beats the presets. The template is split into arguments BEFORE the
values are put in, so a file name with spaces or shell metacharacters stays one argument, never interpreted.
"""

from __future__ import annotations

import os
import shlex
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import quote

# Families by the executable's base name; every other editor (vi, vim, nvim, nano, emacs, kak, micro, ...)
# takes `+LINE FILE`.
_FILE_LINE_COL = {"hx", "helix", "zed", "zeditor", "subl", "sublime_text"}
_GOTO = {"code", "codium", "cursor", "code-insiders", "vscodium", "windsurf"}
# Editors with a window of their own start without suspending the TUI; any other gets the terminal.
_GUI = _GOTO | {"zed", "zeditor", "subl", "sublime_text", "gvim", "mvim", "gedit", "kate", "idea", "pycharm"}


def editor_command(env: Mapping[str, str] | None = None) -> list[str]:
    """The user's editor as an argument list: $VISUAL, else $EDITOR, else vi."""
    env = os.environ if env is None else env
    for variable in ("VISUAL", "EDITOR"):
        value = env.get(variable, "").strip()
        if value:
            try:
                words = shlex.split(value)
            except ValueError:
                words = value.split()
            if words:
                return words
    return ["vi"]


def _family(program: str) -> str:
    name = Path(program).name.lower().removesuffix(".exe")
    if name in _GOTO:
        return "goto"
    if name in _FILE_LINE_COL:
        return "file:line:col"
    return "+line"  # vi and friends, and the safest guess for an editor we do not know


def editor_argv(
    file: Path | str,
    line: int | None,
    column: int | None = None,
    *,
    env: Mapping[str, str] | None = None,
    template: str | None = None,
) -> list[str]:
    """The argument list that opens `file` at `line` (and `column` where the editor takes one)."""
    path = str(file)
    line_no = line if line and line > 0 else 1
    col_no = column if column and column > 0 else 1
    if template:
        words = shlex.split(template)
        values = {"file": path, "line": str(line_no), "column": str(col_no)}
        argv = [word.format_map(values) for word in words]
        if not any("{file}" in word for word in words):
            argv.append(path)
        return argv
    command = editor_command(env)
    family = _family(command[0])
    if family == "goto":
        return [*command, "--goto", f"{path}:{line_no}:{col_no}"]
    if family == "file:line:col":
        return [*command, f"{path}:{line_no}:{col_no}"]
    return [*command, f"+{line_no}", path]


def is_terminal_editor(argv: list[str]) -> bool:
    """Whether the editor needs our terminal (run with the app suspended) or opens a window of its own."""
    return Path(argv[0]).name.lower().removesuffix(".exe") not in _GUI


def file_url(path: Path | str) -> str:
    """The absolute `file://` URL of a path, percent-encoded (spaces, unicode and `#` stay in the path)."""
    absolute = Path(path).expanduser().absolute()
    return "file://" + quote(str(absolute), safe="/")
