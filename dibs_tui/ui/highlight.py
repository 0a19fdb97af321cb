"""SQL highlighted with Pygments through Textual's highlighter: its styles are theme variables ($text-accent,
$text-success...), so the colours follow the active theme, dark or light, without re-highlighting."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .text import safe

if TYPE_CHECKING:
    from textual.content import Content


def load_highlighter() -> None:
    """Import the highlighter (Pygments, its SQL lexer) ahead of the first DDL drawn, on a thread that would
    otherwise wait for the server: on the event loop it delays the first card by its import."""
    from textual.highlight import highlight

    highlight("SELECT 1", language="postgresql")


def sql_lines(sql: str) -> list[Content]:
    """`sql` highlighted, one Content per line (control characters shown as escapes first)."""
    # Imported here: Textual's highlighter brings Pygments and its lexers, which the first frame never needs.
    from textual.highlight import highlight

    code = safe(sql.expandtabs(4), keep_newlines=True).rstrip("\n")
    return highlight(code, language="postgresql").split("\n")
