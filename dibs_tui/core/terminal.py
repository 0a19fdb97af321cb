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
import unicodedata
from collections.abc import Iterable
from typing import TextIO

# What never reaches a terminal raw, besides the C0 and C1 controls and DEL: every format character (Unicode
# category Cf: the bidi marks, embeddings, overrides and isolates, the Arabic letter mark, the zero-width space,
# non-joiner and joiner, the word joiner, the BOM, the soft hyphen, the invisible operators, the tag
# characters), the line and paragraph separators, and the letters and marks that draw nothing (the Hangul
# fillers, the combining grapheme joiner, Khmer's inherent vowels, Mongolian's variation selectors). Each
# would hide text, reorder it, or make two different names look alike (`us\u200bers`, `us\u200cers`).
# The choice: the zero-width joiner and non-joiner are escaped too, everywhere. An emoji sequence in a comment
# (a family, a flag of the tag characters) then shows its parts with `\u200d` between them, and a Persian or
# Indic name its joiners as escapes: still readable, and never two names that look the same. The variation
# selectors U+FE00-FE0F stay after a character already 2 cells wide (the grinning face's U+FE0F), where they
# pick a presentation; after an ASCII one (`users\ufe0f`) or at the start they only hide, and after another
# one (the red heart, an arrow) the layout counts the pair 2 cells and tmux, VTE and xterm draw 1, which
# pushed the rest of the row a cell left: escaped.
# The emoji skin-tone modifiers U+1F3FB-1F3FF are escaped too, though they draw: the layout counts them 0
# cells wide, a terminal that does not join emoji (tmux, VTE, xterm) 2, so a comment's thumbs-up shifted the
# rest of its row, the pane's border with it, two cells to the right.
# Kept in core.sql and core.sqlescape, which write the same set as SQL escapes.
_INVISIBLE_RANGES = (
    (0x00AD, 0x00AD), (0x034F, 0x034F), (0x0600, 0x0605), (0x061C, 0x061C), (0x06DD, 0x06DD),
    (0x070F, 0x070F), (0x0890, 0x0891), (0x08E2, 0x08E2), (0x115F, 0x1160), (0x17B4, 0x17B5),
    (0x180B, 0x180F), (0x200B, 0x200F), (0x2028, 0x202E), (0x2060, 0x206F), (0x3164, 0x3164),
    (0xFEFF, 0xFEFF), (0xFFA0, 0xFFA0), (0xFFF9, 0xFFFB), (0x110BD, 0x110BD), (0x110CD, 0x110CD),
    (0x13430, 0x1343F), (0x1BCA0, 0x1BCA3), (0x1D173, 0x1D17A), (0x1F3FB, 0x1F3FF), (0xE0001, 0xE0001),
    (0xE0020, 0xE007F),
)  # fmt: skip
INVISIBLE = "".join(f"\\U{low:08x}-\\U{high:08x}" for low, high in _INVISIBLE_RANGES)
"""The ranges above as the inside of a regular expression's character class."""


def _wide_characters() -> str:
    """The characters every terminal draws 2 cells wide (East Asian Wide or Fullwidth) as the inside of a
    character class: the emoji and symbol blocks are read from unicodedata (some of their emoji are 1 cell
    wide), the CJK, Hangul and fullwidth blocks, all wide, written out."""
    wide = [(0x2E80, 0x303E), (0x3041, 0x33FF), (0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xA000, 0xA4CF)]
    wide += [(0xAC00, 0xD7A3), (0xF900, 0xFAFF), (0xFF01, 0xFF60), (0xFFE0, 0xFFE6)]
    for low, high in ((0x2300, 0x2BFF), (0x1F000, 0x1FAFF)):
        for code in range(low, high + 1):
            if unicodedata.east_asian_width(chr(code)) in "WF":
                if wide and wide[-1][1] == code - 1:
                    wide[-1] = (wide[-1][0], code)
                else:
                    wide.append((code, code))
    return "".join(f"\\U{low:08x}-\\U{high:08x}" for low, high in wide)


# A variation selector first or after anything but a wide character.
HIDING_SELECTOR = "|(?<![" + _wide_characters() + "])[\\ufe00-\\ufe0f]"
_CONTROL = re.compile("[\\x00-\\x1f\\x7f-\\x9f" + INVISIBLE + "]" + HIDING_SELECTOR)
# The same, less the newline and the tab a CLI's own output is made of.
_CONTROL_IN_OUTPUT = re.compile("[\\x00-\\x08\\x0b-\\x1f\\x7f-\\x9f" + INVISIBLE + "]" + HIDING_SELECTOR)
_VISIBLE = {"\n": "\\n", "\t": "\\t", "\r": "\\r"}


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    if char in _VISIBLE:
        return _VISIBLE[char]
    code = ord(char)
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def safe(text: str, *, keep_newlines: bool = False) -> str:
    """`text` with every control and invisible character replaced by a visible escape (newlines kept when
    asked)."""
    if text.isascii():
        if text.isprintable():  # C speed: the common case, a plain ASCII name
            return text
    elif _CONTROL.search(text) is None:  # isprintable() is true for the Hangul fillers and selectors
        return text
    if keep_newlines:
        return "\n".join(_CONTROL.sub(_escape, line) for line in text.split("\n"))
    return _CONTROL.sub(_escape, text)


# Printable ASCII, newline and tab: deleting these from an ASCII text leaves only its control characters.
_PLAIN_ASCII = bytes(range(0x20, 0x7F)) + b"\n\t"
# The first bytes, in UTF-8, of everything escaped above 0x7F, all but its last byte (C1, INVISIBLE, the
# selectors): JSON is searched for these; has_controls for their first bytes.
_ESCAPED_CODES = frozenset(
    [*range(0x80, 0xA0), *(c for low, high in _INVISIBLE_RANGES for c in range(low, high + 1))]
)
_PREFIXES = sorted(
    {chr(c).encode()[:-1] for c in _ESCAPED_CODES} | {"\ufe00".encode()[:-1]}
)  # 2-byte characters: their lead byte; 3 and 4 bytes: all but the last (E2 80, F3 A0 80)
_LEADS = sorted({prefix[0] for prefix in _PREFIXES})
_PLAIN_UTF8 = _PLAIN_ASCII + bytes(b for b in range(0x80, 0x100) if b not in _LEADS)


def has_controls(text: str) -> bool:
    """Whether `text` holds anything `safe_output` would escape. ASCII text (most output) is checked with
    bytes.translate, about ten times faster than the regular expression over a schema's 10 MB of DDL."""
    if text.isascii():
        return bool(text.encode("ascii").translate(None, _PLAIN_ASCII))
    # UTF-8: what is left besides C0 controls and DEL are the lead bytes of what is escaped (Latin, Greek and
    # Cyrillic text has none); only then is the expression needed.
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
# C1 controls (U+0080-U+009F, a terminal reads U+009B as CSI) and INVISIBLE (and a variation selector after an
# ASCII character, as `safe` escapes it). Each is found by its prefix, then decoded there.
_JSON_PREFIXES = (b"\x7f", *_PREFIXES)


def _json_escape(code: int) -> bytes:
    if code <= 0xFFFF:
        return f"\\u{code:04x}".encode()
    code -= 0x10000  # a surrogate pair, as JSON spells a character beyond the BMP
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}".encode()


def json_safe(data: bytes) -> bytes:
    """UTF-8 JSON with the characters JSON leaves raw but a terminal acts on or hides written as `\\u009b`
    escapes.

    Each prefix is found with bytes.find and only those places are decoded: a regex over the whole document
    took 1.5 s. Only the prefixes whose first byte the document holds are searched: a pass for each of the 25
    took 0.6 s over the 10 MB of 1,000 tables, where isascii() and a find of DEL take 5 ms, and
    bytes.translate leaves the lead bytes of a non-ASCII document in 16 ms."""
    if data.isascii():
        if data.find(b"\x7f") < 0:
            return data
        prefixes: Iterable[bytes] = (b"\x7f",)
    else:
        present = set(data.translate(None, _PLAIN_UTF8))  # DEL and the lead bytes of what is escaped
        prefixes = [prefix for prefix in _JSON_PREFIXES if prefix[0] in present]
    hits: list[tuple[int, int, int]] = []
    for prefix in prefixes:
        size = len(prefix) + (prefix != b"\x7f")
        i = data.find(prefix)
        while i >= 0:
            try:
                code = ord(data[i : i + size].decode("utf-8"))
            except (UnicodeDecodeError, TypeError):
                code = -1
            if code == 0x7F or code in _ESCAPED_CODES or (0xFE00 <= code <= 0xFE0F and data[i - 1] < 0x80):
                hits.append((i, i + size, code))
            i = data.find(prefix, i + 1)
    if not hits:
        return data
    hits.sort()
    parts: list[bytes] = []
    last = 0
    for start, end, code in hits:
        parts.append(data[last:start])
        parts.append(_json_escape(code))
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


def prose_width(stream: TextIO) -> int | None:
    """The width a command wraps its prose to on `stream`: the terminal's (`columns()`, COLUMNS first) when it
    is one, else None: piped or in a file, each finding or hazard stays on its one line, for grep."""
    try:
        return columns() if stream.isatty() else None
    except (AttributeError, ValueError):
        return None


def wrap_prose(line: str, width: int | None, hang: int = 0) -> list[str]:
    """`line` broken at its spaces into lines of at most `width`, the next ones under where its text starts
    (its indent) plus `hang` (past a label such as `why: `). At 80 columns the terminal broke a review's
    hazards and lint's reasons in the middle of words (`have n` / `othing`). A word wider than any line (a
    path, a name) is kept whole where it stands: moved to a line of its own it was folded by the terminal all
    the same, after a break that read as the end of the sentence. Escaped text only: an escape has no space
    to be broken at."""
    if width is None or len(line) <= width:
        return [line]
    indent = len(line) - len(line.lstrip(" "))
    lead = " " * min(indent + hang, width // 2)
    rows: list[str] = []
    row, end = line[:indent], indent  # the row so far; where the last word taken ends
    for word in _WORD.finditer(line, indent):
        gap, text = line[end : word.start()], word.group()
        fits = len(row) + len(gap) + len(text) <= width or len(lead) + len(text) > width
        if row.strip() and not fits:
            rows.append(row)
            row = lead + text
        else:
            row += (gap if row.strip() else "") + text
        end = word.end()
    return [*rows, row]


_WORD = re.compile(r"\S+")


def prose_for(stream: TextIO, text: str, under: int = 4) -> str:
    """`text` as a command prints it on `stream`: on a terminal each of its lines wrapped by `wrap_prose`,
    continued under column `under` (past a label: `guard: `, `applied   `) or its own indent when deeper;
    off a terminal as it is."""
    width = prose_width(stream)
    if width is None:
        return text
    out: list[str] = []
    for line in text.split("\n"):
        indent = len(line) - len(line.lstrip(" "))
        out += wrap_prose(line, width, max(0, under - indent))
    return "\n".join(out)
