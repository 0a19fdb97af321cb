"""A Static that wraps at spaces and never breaks a word: a word wider than its line (a constraint's name, a
migration's, `schema.table.column`) is cut in its middle instead, as every list cuts a name. Textual's own
wrap folds such a word over two lines (`public.api_tokens.api_tokens_user_` / `id_fkey`), which reads as two
names, or as none."""

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
    """`content` drawn as Content draws it, after each word wider than the line is cut in its middle (the cut
    made once per width)."""

    def __init__(self, content: Content) -> None:
        self.content = content
        self._fitted: tuple[int, Content] = (-1, content)

    def __str__(self) -> str:
        return str(self.content)

    def fitted(self, width: int) -> Content:
        if self._fitted[0] != width:
            self._fitted = (width, cut_long_words(self.content, width))
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
