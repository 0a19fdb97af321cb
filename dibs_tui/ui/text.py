"""Database text is data: names, comments and docs are shown literally, never parsed as markup.

Everything from the database goes through `safe()` (control characters become visible escapes such as
`\\x1b`, so an ANSI or OSC sequence in a comment cannot reach the terminal) and then into a `Content`
built from plain text with explicit styles (markup like `[bold]` stays text).
"""

from __future__ import annotations

from textual.content import Content
from textual.style import Style

from ..core.sql import quote_ident
from ..core.terminal import safe

__all__ = ["counted", "data", "human_count", "link", "safe", "sql_name"]


def data(text: str, style: Style | str = "") -> Content:
    """A Content holding database text literally, in one style."""
    return Content.styled(safe(text), style) if style else Content(safe(text))


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
