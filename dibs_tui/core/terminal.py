"""Text from a database or a file, made safe to print on a terminal.

Control characters become visible escapes (`\\x1b`, `\\u202e`): an ANSI or OSC sequence in a comment, a
name or a file cannot move the cursor, clear the screen, set the clipboard or hide text behind a bidi
override. The TUI and the CLI both use `safe`; the CLI also passes everything it writes through
`TerminalSafeWriter`, so that a line nobody thought of is covered too.
"""

from __future__ import annotations

import os
import re
import sys
from typing import TextIO

# C0 and C1 controls, DEL, line/paragraph separators, the bidi marks, embeddings, overrides and isolates, and
# the invisible spaces (zero-width space, word joiner, BOM) that make two names look alike (`us\u200bers`);
# the zero-width joiners stay: emoji sequences and several scripts are written with them.
_CONTROL = re.compile(
    r"[\x00-\x1f\x7f-\x9f\u200b\u2028\u2029\u200e\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff]"
)
# The same, less the newline and the tab a CLI's own output is made of.
_CONTROL_IN_OUTPUT = re.compile(
    r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b\u2028\u2029\u200e\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff]"
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
    if text.isprintable():  # C speed; false for every character escaped here (Cc, Cf, Zl, Zp)
        return text
    if keep_newlines:
        return "\n".join(_CONTROL.sub(_escape, line) for line in text.split("\n"))
    return _CONTROL.sub(_escape, text)


# Printable ASCII, newline and tab: deleting these from an ASCII text leaves only its control characters.
_PLAIN_ASCII = bytes(range(0x20, 0x7F)) + b"\n\t"
_PLAIN_UTF8 = _PLAIN_ASCII + bytes(b for b in range(0x80, 0x100) if b not in (0xC2, 0xE2, 0xEF))


def has_controls(text: str) -> bool:
    """Whether `text` holds anything `safe_output` would escape. ASCII text (most output) is checked with
    bytes.translate, about ten times faster than the regular expression over a schema's 10 MB of DDL."""
    if text.isascii():
        return bool(text.encode("ascii").translate(None, _PLAIN_ASCII))
    # UTF-8: what is left besides C0 controls and DEL are the lead bytes of C1 (C2), of the separators, bidi
    # controls and invisible spaces (E2) and of the BOM (EF); only then is the expression needed.
    left = text.encode("utf-8", "surrogatepass").translate(None, _PLAIN_UTF8)
    if not left:
        return False
    return _CONTROL_IN_OUTPUT.search(text) is not None


def safe_output(text: str) -> str:
    """Like `safe(text, keep_newlines=True)`, tabs kept too: for whole blocks of CLI output."""
    return _CONTROL_IN_OUTPUT.sub(_escape, text) if has_controls(text) else text


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


# In UTF-8 JSON (orjson writes non-ASCII as is) the characters above can only sit inside strings: DEL, the
# C1 controls (U+0080-U+009F, a terminal reads U+009B as CSI) and the separators and bidi controls.
_JSON_RISKY = re.compile(rb"\x7f|\xc2[\x80-\x9f]|\xe2\x80[\x8e\x8f\xa8\xa9\xaa-\xae]|\xe2\x81[\xa6-\xa9]")


def json_safe(data: bytes) -> bytes:
    """UTF-8 JSON with the characters JSON leaves raw but a terminal acts on written as `\\u009b` escapes.

    Each lead byte is found with bytes.find (memchr: the three passes over a 160 kB piece take a fifth of one
    bytes.translate pass, 3.4 against 17.7 ms for the 50 MB of 5,000 tables) and only those places are
    matched: a regex over the whole document took 1.5 s."""
    hits: list[tuple[int, int]] = []
    for lead in (b"\x7f", b"\xc2", b"\xe2"):
        i = data.find(lead)
        while i >= 0:
            m = _JSON_RISKY.match(data, i)
            if m:
                hits.append(m.span())
            i = data.find(lead, i + 1)
    if not hits:
        return data
    hits.sort()
    parts: list[bytes] = []
    last = 0
    for start, end in hits:
        parts.append(data[last:start])
        parts.append(f"\\u{ord(data[start:end].decode('utf-8')):04x}".encode())
        last = end
    parts.append(data[last:])
    return b"".join(parts)


def raw_stream(stream: TextIO) -> TextIO:
    """The stream under a TerminalSafeWriter: for output that is escaped already (JSON) or coloured on
    purpose."""
    return stream.raw if isinstance(stream, TerminalSafeWriter) else stream


def colour_wanted(stream: TextIO, env: dict[str, str] | None = None) -> bool:
    """Colour only on a terminal, and never when NO_COLOR is set (no-color.org) or TERM is dumb."""
    import os

    env = dict(os.environ) if env is None else env
    if env.get("NO_COLOR") or env.get("TERM") == "dumb":
        return False
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def json_safe_text(text: str) -> str:
    """`json_safe` for JSON held as text (the standard library's encoder leaves DEL raw)."""
    return json_safe(text.encode("utf-8")).decode("utf-8")


def columns() -> int:
    """The terminal's width as `shutil.get_terminal_size()` says it: COLUMNS, else standard output's terminal,
    else 80. argparse imports shutil for this alone, at each argument a parser is given, and shutil imports
    bz2, lzma and zlib: about 2.5 ms of every command's start-up."""
    try:
        width = int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        width = 0
    if width > 0:
        return width
    stdout = sys.__stdout__
    if stdout is None:
        return 80
    try:
        return os.get_terminal_size(stdout.fileno()).columns or 80
    except (AttributeError, ValueError, OSError):
        return 80
