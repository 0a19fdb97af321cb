"""Database text is data: names, comments and docs are shown literally, never parsed as markup.

Everything from the database goes through `safe()` (control characters become visible escapes such as
`\\x1b`, so an ANSI or OSC sequence in a comment cannot reach the terminal) and then into a `Content`
built from plain text with explicit styles (markup like `[bold]` stays text).
"""

from __future__ import annotations

from rich.cells import cell_len
from textual.content import Content
from textual.style import Style

from ..core.sql import quote_ident
from ..core.terminal import safe

__all__ = ["counted", "cut_middle", "cut_points", "data", "human_count", "link", "safe", "sql_name"]


def data(text: str, style: Style | str = "") -> Content:
    """A Content holding database text literally, in one style."""
    return Content.styled(safe(text), style) if style else Content(safe(text))


def cut_middle(content: Content, width: int) -> Content:
    """`content` in `width` cells, its start and its end kept with `…` between: names of one table (its
    constraints, its partitions) differ at their end, which a cut at the edge loses (`public.attachm…issue_id_fkey`,
    `audit_l…2026_01`). The end gets the odd cell."""
    if content.cell_length <= width:
        return content
    head, tail = cut_points(content.plain, width)
    return content[:head] + Content("…") + content[tail:]


def cut_points(text: str, width: int) -> tuple[int, int]:
    """Where `cut_middle` cuts `text`, wider than `width` cells: text[:head] + `…` + text[tail:]."""
    if width <= 1:
        return 0, len(text)
    room = width - 1
    return _cells_from_start(text, room // 2), len(text) - _cells_from_start(text[::-1], room - room // 2)


def _cells_from_start(text: str, cells: int) -> int:
    """How many characters of `text` fit in `cells` (a wide character that would cross the edge does not)."""
    used = 0
    for i, char in enumerate(text):
        used += cell_len(char)
        if used > cells:
            return i
    return len(text)


def sql_name(*parts: str) -> str:
    """A (qualified) name as SQL spells it, for `y`: `public."Users"` names that table, `public.Users` another
    one, and a name holding an escape sequence is copied `U&"t\\001B..."`, never raw."""
    return ".".join(quote_ident(part) for part in parts)


def link(text: str, url: str | None, style: str = "") -> Content:
    """Text that is an OSC 8 hyperlink to `url` in terminals that support it (plain text otherwise)."""
    content = data(text, style)
    return content.stylize(Style(link=url)) if url else content


def counted(n: int, noun: str) -> str:
    """`1 column`, `3 columns`: a count with its noun, singular for one."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def human_count(n: int) -> str:
    """A row estimate in four cells or fewer: 950, 12k, 3.4M; `?` when never analysed."""
    if n < 0:
        return "?"
    if n < 1000:
        return str(n)
    for unit, size in (("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if n >= size:
            value = n / size
            return f"{value:.1f}{unit}" if value < 10 else f"{value:.0f}{unit}"
    return str(n)  # pragma: no cover - loop always returns


# Free text from the database shown in a pane: at most SHOWN_LINES lines of at most SHOWN_CHARS characters.
# A comment shown whole froze the screen: 5 MB of words wrapped to the pane is 75,000 lines, each wrapped
# again as it is drawn, on the event loop (`q` waited too). `y` still copies the text whole.
SHOWN_LINES = 40
SHOWN_CHARS = 2_000


def cut_long(line: str) -> str:
    """One line of database text past SHOWN_CHARS cut there, marked ` …`."""
    return line if len(line) <= SHOWN_CHARS else line[:SHOWN_CHARS] + " …"


def bounded_lines(text: str) -> tuple[list[str], str | None]:
    """The lines of `text` a pane shows, and what is left out (None when nothing is), said in words."""
    head = text.split("\n", SHOWN_LINES)
    shown = head[:SHOWN_LINES]
    cut = [cut_long(line) for line in shown]
    if len(head) <= SHOWN_LINES and cut == shown:
        return [line.rstrip("\r") for line in shown], None
    lines = text.count("\n") + (not text.endswith("\n"))
    return [line.rstrip("\r") for line in cut], (
        f"… {len(text):,} characters on {lines:,} line{'s' if lines != 1 else ''} in all, the first "
        f"{'line' if lines == 1 else str(min(lines, SHOWN_LINES)) + ' lines'} shown up to {SHOWN_CHARS:,} "
        "characters each: y copies it whole"
    )
