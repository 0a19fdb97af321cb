"""A Static that wraps at spaces and never breaks a word: a word wider than its line (a constraint's name, a
migration's, `schema.table.column`) is cut in its middle instead, as every list cuts a name. Textual's own
wrap folds such a word over two lines (`public.api_tokens.api_tokens_user_` / `id_fkey`), which reads as two
names, or as none.

A wrapped line goes on under where its text starts (`why     deleting ...`, `▲2  ALTER ...`, a hazard's
indented detail), not at the panel's edge, where it read as a line of its own."""

from __future__ import annotations

import re

from rich.cells import cell_len
from textual.content import Content
from textual.css.styles import RulesMap
from textual.strip import Strip
from textual.style import Style
from textual.visual import RenderOptions, Visual
from textual.widgets import Static

from ..text import cut_middle


class WordsKept(Visual):
    """`content` wrapped for the width it is drawn at (see the module docstring), made once per width."""

    def __init__(self, content: Content) -> None:
        self.content = content
        self._fitted: tuple[int, Content] = (-1, content)

    def __str__(self) -> str:
        return str(self.content)

    def fitted(self, width: int) -> Content:
        if self._fitted[0] != width:
            self._fitted = (width, Content("\n").join(wrapped_lines(self.content, width)))
        return self._fitted[1]

    def render_strips(
        self, width: int, height: int | None, style: Style, options: RenderOptions
    ) -> list[Strip]:
        return self.fitted(width).render_strips(width, height, style, options)

    def get_optimal_width(self, rules: RulesMap, container_width: int) -> int:
        return self.content.get_optimal_width(rules, container_width)

    def get_minimal_width(self, rules: RulesMap) -> int:
        return 1  # any width: a word that does not fit is cut, not lost

    def get_height(self, rules: RulesMap, width: int) -> int:
        return self.fitted(width).get_height(rules, width)


_WORD = re.compile(r"\S+")
_LABEL = re.compile(r"\s*\S{1,10} {2,}")  # `why     `, `▲2  `: a short label, then the text it heads


def wrapped_lines(content: Content, width: int) -> list[Content]:
    """Each line of `content` in rows of at most `width` cells, broken at spaces; a row after the first
    indented to where the line's text starts (its label's text, else its own indent; a third of the width at
    most), a word wider than a row cut in its middle. A line that fits is kept as it is, unwalked."""
    if width < 1:
        return [content]
    rows: list[Content] = []
    for line in content.expand_tabs(8).split(allow_blank=True):
        plain = line.plain
        if cell_len(plain) <= width:
            rows.append(line)
            continue
        label = _LABEL.match(plain)
        indent = min(label.end() if label else len(plain) - len(plain.lstrip(" ")), width // 3)
        line = cut_long_words(line, max(1, width - indent))
        rows += _rows(line, width, indent)
    return rows


def _rows(line: Content, width: int, indent: int) -> list[Content]:
    """`line` broken greedily at its spaces into rows of `width` cells, the rows after the first indented."""
    plain = line.plain
    rows: list[Content] = []
    start, room, end = 0, width, 0  # the row's first character, its cells, where its last word ends
    for word in _WORD.finditer(plain):
        if end > start and cell_len(plain[start : word.end()]) > room:
            rows.append(line[start:end])
            start, room = word.start(), width - indent
        end = word.end()
    rows.append(line[start:end])
    pad = Content(" " * indent)
    return [rows[0], *(pad + row for row in rows[1:])]


def cut_long_words(content: Content, width: int) -> Content:
    """`content` with each run of non-space wider than `width` cells cut in its middle to `width`; the same
    object when none is (the regex finds candidates in C: a plan of thousands of lines is not walked here)."""
    if width < 1:
        return content
    plain = content.plain
    # a run of at least width/2 + 1 characters may be wider than `width` (wide characters take two cells)
    parts: list[Content] = []
    done = 0
    for match in re.finditer(rf"\S{{{width // 2 + 1},}}", plain):
        start, end = match.span()
        if cell_len(match.group()) <= width:
            continue
        parts += [content[done:start], cut_middle(content[start:end], width)]
        done = end
    if not parts:
        return content
    parts.append(content[done:])
    return Content("").join(parts)


class WrappedStatic(Static):
    """A Static whose words are never broken over two lines (see the module docstring)."""

    _kept: WordsKept | None = None

    def render(self) -> Visual:
        visual = self.visual
        if not isinstance(visual, Content):
            return visual
        if self._kept is None or self._kept.content is not visual:
            self._kept = WordsKept(visual)
        return self._kept
