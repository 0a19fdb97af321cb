"""SQL highlighted with Pygments through Textual's highlighter: its styles are theme variables ($text-accent,
$text-success...), so the colours follow the active theme, dark or light, without re-highlighting."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .text import cut_long, safe

if TYPE_CHECKING:
    from textual.content import Content


def load_highlighter() -> None:
    """Import the highlighter (Pygments, its SQL lexer) ahead of the first DDL drawn, on a thread that would
    otherwise wait for the server: on the event loop it delays the first card by its import."""
    from textual.highlight import highlight

    highlight("SELECT 1", language="postgresql")


def sql_lines(sql: str, most_lines: int | None = None) -> list[Content]:
    """`sql` highlighted, one Content per line (control characters shown as escapes first). A line past
    SHOWN_CHARS is cut, marked ` …` (a comment of megabytes on one line was highlighted and wrapped whole, and
    froze the pane); with `most_lines`, the lines past it are left out, said on a last line. The text copied
    stays whole."""
    # Imported here: Textual's highlighter brings Pygments and its lexers, which the first frame never needs.
    from textual.content import Content
    from textual.highlight import highlight

    lines = sql.expandtabs(4).rstrip("\n").split("\n")
    left_out = len(lines) - most_lines if most_lines is not None and len(lines) > most_lines else 0
    if left_out:
        lines = lines[:most_lines]
    shown = "\n".join(cut_long(line) for line in lines)
    highlighted = highlight(safe(shown, keep_newlines=True), language="postgresql").split("\n")
    if left_out:
        highlighted.append(
            Content.styled(f"-- … {left_out:,} more lines: Y copies the whole DDL", "$text-muted")
        )
    return highlighted
