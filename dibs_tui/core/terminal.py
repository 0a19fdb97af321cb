"""Text from a database or a file, made safe to print on a terminal.

Control characters become visible escapes (`\\x1b`, `\\u202e`): an ANSI or OSC sequence in a comment, a
name or a file cannot move the cursor, clear the screen, set the clipboard or hide text behind a bidi
override. The TUI and the CLI both use `safe`; the CLI also passes everything it writes through
`TerminalSafeWriter`, so that a line nobody thought of is covered too.
"""

from __future__ import annotations

import re
from typing import TextIO

# C0 and C1 controls, DEL, line/paragraph separators and the bidi marks, embeddings, overrides and isolates.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]")
# The same, less the newline and the tab a CLI's own output is made of.
_CONTROL_IN_OUTPUT = re.compile(
    r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]"
)
_VISIBLE = {"\n": "\\n", "\t": "\\t", "\r": "\\r"}


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    if char in _VISIBLE:
        return _VISIBLE[char]
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def safe(text: str, *, keep_newlines: bool = False) -> str:
    """`text` with every control character replaced by a visible escape (newlines kept when asked)."""
    if keep_newlines:
        return "\n".join(_CONTROL.sub(_escape, line) for line in text.split("\n"))
    return _CONTROL.sub(_escape, text)


def safe_output(text: str) -> str:
    """Like `safe(text, keep_newlines=True)`, tabs kept too: for whole blocks of CLI output."""
    return _CONTROL_IN_OUTPUT.sub(_escape, text)


class TerminalSafeWriter:
    """A text stream that escapes control characters in everything written through it.

    `raw` is the stream underneath, for output that is ours alone and coloured on purpose (Pygments)."""

    def __init__(self, raw: TextIO) -> None:
        self.raw = raw

    def write(self, text: str) -> int:
        self.raw.write(safe_output(text))
        return len(text)

    def writelines(self, lines: list[str]) -> None:
        for line in lines:
            self.write(line)

    def __getattr__(self, name: str) -> object:  # flush, fileno, isatty, buffer, encoding, ...
        return getattr(self.raw, name)
