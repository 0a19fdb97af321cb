"""A Static that wraps at spaces and never breaks a word: a word wider than its line (a constraint's name, a
migration's, `schema.table.column`) is cut in its middle instead, as every list cuts a name. Textual's own
wrap folds such a word over two lines (`public.api_tokens.api_tokens_user_` / `id_fkey`), which reads as two
names, or as none.

A wrapped line goes on under where its text starts (`why     deleting ...`, `▲2  ALTER ...`, a hazard's
indented detail), not at the panel's edge, where it read as a line of its own."""

from __future__ import annotations

import re
from bisect import bisect_right

from rich.cells import cell_len, chop_cells
from textual.content import Content, Span
from textual.css.styles import RulesMap
from textual.strip import Strip
from textual.style import Style
from textual.visual import RenderOptions, Visual
from textual.widgets import Static

from ..text import cut_points


class WordsKept(Visual):
    """`content` wrapped for the width it is drawn at (see the module docstring), made once per width."""

    def __init__(self, content: Content) -> None:
        self.content = content
        self._fitted: tuple[int, Content] = (-1, content)

    def __str__(self) -> str:
        return str(self.content)

    def fitted(self, width: int) -> Content:
        if self._fitted[0] != width:
            self._fitted = (width, wrapped(self.content, width))
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
_PHRASE_END = re.compile(r" ·(?= )| {3,}")  # `a · b`, `a   b`: where a hint's or a status line's phrases part

Edit = tuple[int, int, str]  # text[start:end] becomes the string: a line break and its indent, or a cut's `…`


def wrapped(content: Content, width: int, *, hang: int = 0, fold: bool = False) -> Content:
    """`content` with its lines too wide for `width` cells broken into rows: between phrases where each fits
    a row, else at spaces; a row after the first indented to where the line's text starts (its label's text,
    else its own indent plus `hang`; a third of the width at most); a word wider than a row cut in its
    middle, or with `fold` (a value: a long literal of a CHECK) folded over rows of its own, nothing of it
    lost. Computed on the plain text and applied in one pass over the styles (a plan of thousands of lines
    is redrawn at each width), the same object when every line fits."""
    if width < 1:
        return content
    if "\t" in content.plain:
        content = content.expand_tabs(8)
    plain = content.plain
    edits: list[Edit] = []
    offset = 0
    for line in plain.split("\n"):
        if len(line) * 2 > width and cell_len(line) > width:  # a character is two cells at most
            _line_edits(line, offset, width, edits, hang, fold)
        offset += len(line) + 1
    if not edits:
        return content
    return _edited(content, edits)


def _edited(content: Content, edits: list[Edit]) -> Content:
    """`content` with `edits` (in order, apart) made: the new text, and each style span moved with the text
    it covers (a cut name's `…` takes its name's style), in one pass: Content's own divide and join cost
    seconds over a plan's thousands of lines."""
    plain = content.plain
    parts: list[str] = []
    starts: list[int] = []
    moved: list[tuple[int, int, int]] = []  # per edit: its end, the shift at its start, the shift after it
    done = shift = 0
    for start, end, new in edits:
        parts += [plain[done:start], new]
        starts.append(start)
        moved.append((end, shift, shift + len(new) - (end - start)))
        shift = moved[-1][2]
        done = end
    parts.append(plain[done:])

    def where(at: int) -> int:
        index = bisect_right(starts, at) - 1
        if index < 0:
            return at
        end, before, after = moved[index]
        if at >= end:
            return at + after
        return starts[index] + before + (end - starts[index] + after - before if at > starts[index] else 0)

    spans = [Span(where(span.start), where(span.end), span.style) for span in content.spans]
    return Content("".join(parts), spans, strip_control_codes=False)


def _line_edits(line: str, base: int, width: int, edits: list[Edit], hang: int, fold: bool) -> None:
    """The edits that fit `line` (at `base` in the whole text) in rows of `width` cells."""
    label = _LABEL.match(line)
    indent = min(label.end() if label else len(line) - len(line.lstrip(" ")) + hang, width // 3)
    room = max(1, width - indent)
    used, end = -1, 0  # the row's cells so far (-1: nothing on it yet), where its last unit ends
    for start, stop in _units(line, room):
        cells = cell_len(line[start:stop])
        if fold and cells > room:
            used = _fold(line, base, start, stop, (width, indent, used, end), edits)
            end = stop
            continue
        cut: Edit | None = None
        if cells > room:  # one word wider than any row: its middle goes
            head, tail = cut_points(line[start:stop], room)
            cut, cells = (base + start + head, base + start + tail, "…"), room
        gap = cell_len(line[end:start])
        if used >= 0 and used + gap + cells > width:
            edits.append((base + end, base + start, "\n" + " " * indent))
            used = indent + cells
        else:
            used = max(used, 0) + gap + cells
        if cut is not None:
            edits.append(cut)
        end = stop


def _fold(
    line: str, base: int, start: int, stop: int, row: tuple[int, int, int, int], edits: list[Edit]
) -> int:
    """The edits that fold the word line[start:stop], wider than any row, over rows (from where it stands
    when half a row is left there); the cells then used on its last row."""
    width, indent, used, end = row
    if used < 0:
        used = cell_len(line[:start])
    elif (
        width - used - cell_len(line[end:start]) >= (width - indent) // 2
    ):  # half a row left: it starts there
        used += cell_len(line[end:start])
    else:
        edits.append((base + end, base + start, "\n" + " " * indent))
        used = indent
    pieces = chop_cells(line[start:stop], max(1, width - used))
    at = start + len(pieces[0])
    rest = "".join(pieces[1:])
    for piece in chop_cells(rest, max(1, width - indent)) if rest else ():
        edits.append((base + at, base + at, "\n" + " " * indent))
        at += len(piece)
        used = indent + cell_len(piece)
    return used if rest else used + cell_len(pieces[0])


def _units(plain: str, room: int) -> list[tuple[int, int]]:
    """Where `plain` may break: each phrase (`g goes there`, `depth 1`) whole where it fits `room`, its words
    one by one where it does not; a ` ·` separator stays with the phrase before it."""
    units: list[tuple[int, int]] = []
    start = 0
    for part in [*_PHRASE_END.finditer(plain), None]:
        end = len(plain) if part is None else part.end() if part.group() == " ·" else part.start()
        words = [(w.start(), w.end()) for w in _WORD.finditer(plain, start, end)]
        if words and cell_len(plain[words[0][0] : words[-1][1]]) <= room:
            units.append((words[0][0], words[-1][1]))
        else:
            units += words
        start = len(plain) if part is None else part.end()
    return units


class WrappedStatic(Static):
    """A Static whose words are never broken over two lines (see the module docstring)."""

    # Its rows fit already: Textual need not look for places to break them again.
    DEFAULT_CSS = "WrappedStatic { text-wrap: nowrap; text-overflow: ellipsis; }"

    _kept: WordsKept | None = None

    def render(self) -> Visual:
        visual = self.visual
        if not isinstance(visual, Content):
            return visual
        if self._kept is None or self._kept.content is not visual:
            self._kept = WordsKept(visual)
        return self._kept
