"""The FK neighbourhood drawn as boxes and edges on a character grid, without Textual.

The selected table sits in the middle; the tables that reference it go left (one column per FK step),
the tables it references go right. Each box names its table and the key columns of the FK that reached it
(and, two or more steps out, the table it hangs from). A column holds as many boxes as the height allows;
the rest are paged (`+N more`), so 100 neighbours are a few readable pages, never a hairball.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from rich.cells import cell_len, set_cell_size

from ...core.explore.fkgraph import FkGraph, Step
from ...core.model import Catalog, QualifiedName
from ...core.terminal import safe

BOX_HEIGHT = 5  # border, name, key columns, the table it hangs from (two steps out and more), border
NEAR_BOX_HEIGHT = 4  # at depth 1 every box hangs from the centre: no third line
GAP = 4  # columns between two columns of boxes: the edges run there
MIN_WIDTH = 24  # the narrowest box a crowded side is spread over


@dataclass(frozen=True)
class Box:
    key: QualifiedName | None  # None: the "+N more" marker of a column
    x: int
    y: int
    width: int
    height: int
    column: int  # signed FK distance: < 0 references the centre, > 0 is referenced by it


@dataclass(frozen=True)
class Drawing:
    cells: list[list[str]]  # one string a cell: a wide character's second cell is ""
    boxes: list[Box]
    hidden: dict[int, int] = field(default_factory=dict)  # column -> boxes on other pages

    @property
    def lines(self) -> list[str]:
        return ["".join(row).rstrip() for row in self.cells]

    @property
    def width(self) -> int:
        return max((len(row) for row in self.cells), default=0)

    def cut(self, y: int, start: int, end: int) -> str:
        """Cells `start` to `end` of line `y`: a wide character the cut halves becomes a space."""
        row = self.cells[y][start:end]
        if row and row[0] == "":
            row[0] = " "
        if row and cell_len(row[-1]) == 2 and start + len(row) == end:
            row[-1] = " "
        return "".join(row)

    def box_at(self, x: int, y: int) -> Box | None:
        return next((b for b in self.boxes if b.x <= x < b.x + b.width and b.y <= y < b.y + b.height), None)


@dataclass(frozen=True)
class Placed:
    key: QualifiedName
    column: int
    step: Step  # the FK step that reached it
    parent: QualifiedName


def place(graph: FkGraph, centre: QualifiedName, depth: int) -> list[Placed]:
    """Every table within `depth` steps, on the side of its first step from the centre, nearest first."""
    placed: dict[QualifiedName, Placed] = {}
    queue: deque[tuple[QualifiedName, int]] = deque([(centre, 0)])
    while queue:
        key, column = queue.popleft()
        if abs(column) >= depth:
            continue
        for step in sorted(graph.steps.get(key, ()), key=lambda s: (not s.forward, s.end)):
            if step.end == centre or step.end in placed:
                continue
            side = column if column else (1 if step.forward else -1)
            nxt = side + (1 if side > 0 else -1) if column else side
            placed[step.end] = Placed(step.end, nxt, step, key)
            queue.append((step.end, nxt))
    return sorted(placed.values(), key=lambda p: (abs(p.column), p.column, p.key))


def _fit(text: str, width: int, *, middle: bool = False) -> str:
    """`text` in exactly `width` cells (a name of wide characters takes two each), cut with `…`: at its end, or
    in its `middle` for a name (tables alike, `orders_2024_q1` and `orders_2024_q2`, differ at their end)."""
    text = safe(text)
    if cell_len(text) > width:
        room = max(width - 1, 0)
        if middle:
            tail = room - room // 2
            text = set_cell_size(text, room // 2) + "…" + set_cell_size(text[::-1], tail)[::-1]
        else:
            text = set_cell_size(text, room) + "…"
    return set_cell_size(text, width)


class _Canvas:
    """A grid of cells: a wide character fills two, so that borders and edges stay where they are put."""

    def __init__(self, width: int, height: int) -> None:
        self.rows = [[" "] * width for _ in range(height)]
        self.width, self.height = width, height

    def put(self, x: int, y: int, text: str) -> None:
        if not 0 <= y < self.height:
            return
        row = self.rows[y]
        for char in text:
            cells = cell_len(char)
            if x >= 0 and x + cells <= self.width:
                if row[x] == "" and x > 0:
                    row[x - 1] = " "  # the first half of a wide character overwritten on its right
                row[x] = char
                if cells == 2:
                    row[x + 1] = ""
                elif x + 1 < self.width and row[x + 1] == "":
                    row[x + 1] = " "  # the second half of a wide character overwritten on its left
            x += cells

    def box(self, x: int, y: int, w: int, h: int, lines: list[str], names: tuple[int, ...] = (0,)) -> None:
        """A box of `lines`; those at the indexes `names` are names, cut in their middle."""
        self.put(x, y, "┌" + "─" * (w - 2) + "┐")
        for i in range(1, h - 1):
            inner = lines[i - 1] if i - 1 < len(lines) else ""
            self.put(x, y + i, "│" + _fit(inner, w - 2, middle=i - 1 in names) + "│")
        self.put(x, y + h - 1, "└" + "─" * (w - 2) + "┘")


def draw(
    catalog: Catalog,
    graph: FkGraph,
    centre: QualifiedName,
    depth: int,
    width: int,
    height: int,
    pages: dict[int, int] | None = None,
) -> Drawing:
    """The neighbourhood of `centre` to `depth`, fitted to width x height (wider when its columns need it);
    `pages` picks each column's page.
    A crowded column spreads over the spare width (several columns of boxes on its side) before it pages."""
    pages = pages or {}
    placed = place(graph, centre, depth)
    logical = sorted({0, *(p.column for p in placed)})
    box_height = NEAR_BOX_HEIGHT if depth == 1 else BOX_HEIGHT
    capacity = max(1, (height - 1) // (box_height + 1))
    slots = _slots(logical, placed, capacity, width)
    total = sum(slots.values())
    col_width = max(16, min(36, (width - GAP * (total - 1)) // total))
    xs: dict[int, list[int]] = {}  # each column's slots, innermost (nearest the centre) first
    x = 0
    for column in logical:
        xs[column] = [x + i * (col_width + GAP) for i in range(slots[column])]
        x += slots[column] * (col_width + GAP)
        if column < 0:
            xs[column].reverse()
    # Columns narrower than 16 cannot be read: a drawing that needs more than `width` is made wider, and the
    # view shows the part around the selected box (80 columns at depth 2 or 3).
    canvas = _Canvas(max(width, x - GAP), height)
    centre_box = _centre(catalog, centre, xs[0][0], col_width, height, canvas)
    boxes: list[Box] = [centre_box]
    hidden: dict[int, int] = {}
    rows: dict[QualifiedName, int] = {centre: 0}  # where each shown box sits, for its children's order
    for column in sorted(logical, key=abs):
        if column == 0:
            continue
        members = sorted(
            (p for p in placed if p.column == column), key=lambda p: (rows.get(p.parent, 1 << 30), p.key)
        )
        room = capacity * slots[column]
        per_page = room if len(members) <= room else room - 1
        page = min(pages.get(column, 0), max(0, (len(members) - 1) // max(per_page, 1)))
        shown = members[page * per_page : (page + 1) * per_page]
        hidden[column] = len(members) - len(shown)
        for i, member in enumerate(shown):
            slot, row = divmod(i, capacity)
            x, y = xs[column][slot], row * (box_height + 1)
            rows[member.key] = y
            boxes.append(_neighbour(graph, member, centre[0], x, y, col_width, box_height, canvas))
            # Only from the slot next to the centre's side: an outer slot's stub ran into the box beside it,
            # drawn as if one neighbour referenced the other. Its key line and the side it is on say it.
            if slot == 0 and (abs(column) == 1 or rows.get(member.parent) == y):  # else "from ..." says it
                _edge(canvas, member, x, col_width, y + 1)
        if hidden[column]:
            slot, row = divmod(per_page, capacity)
            x, y = xs[column][slot], row * (box_height + 1)
            canvas.put(x, y, _fit(f"+{hidden[column]} more (page {page + 1}: [ ])", col_width))
            boxes.append(Box(None, x, y, col_width, 1, column))
    return Drawing(canvas.rows, boxes, hidden)


def _slots(logical: list[int], placed: list[Placed], capacity: int, width: int) -> dict[int, int]:
    """How many columns of boxes each FK distance gets: one each, then the spare width to the most crowded."""
    count = {c: sum(1 for p in placed if p.column == c) for c in logical}
    slots = dict.fromkeys(logical, 1)
    spare = max(len(logical), (width + GAP) // (MIN_WIDTH + GAP)) - len(logical)
    while spare > 0:
        crowded = max(logical, key=lambda c: count[c] - slots[c] * capacity)
        if count[crowded] <= slots[crowded] * capacity:
            break
        slots[crowded] += 1
        spare -= 1
    return slots


def _centre(catalog: Catalog, key: QualifiedName, x: int, w: int, height: int, canvas: _Canvas) -> Box:
    rel = catalog.relation(*key)
    lines = [key[1]]  # its schema is in the screen's title, and the other boxes' names are relative to it
    if rel is not None:
        pk = set(rel.primary_key.columns) if rel.primary_key else set()
        fk = {c for con in rel.foreign_keys for c in con.columns}
        lines += [
            ("⚷ " if c.name in pk else "→ " if c.name in fk else "  ") + c.name
            for c in rel.columns
            if c.name in pk | fk
        ]
    h = min(max(len(lines) + 2, NEAR_BOX_HEIGHT), height)
    if len(lines) > h - 2:  # more key columns than rows: the last row counts the rest
        lines = [*lines[: h - 3], f"+{len(lines) - (h - 3)} more key columns"]
    canvas.box(x, 0, w, h, lines, names=tuple(range(len(lines))))
    return Box(key, x, 0, w, h, 0)


def _name(key: QualifiedName, schema: str) -> str:
    """A table's name as the boxes say it: without the centre's schema. In a database of one schema
    (MusicBrainz's `musicbrainz`) the schema every box shares took half of each name at 80 columns."""
    return key[1] if key[0] == schema else f"{key[0]}.{key[1]}"


def _neighbour(
    graph: FkGraph, member: Placed, schema: str, x: int, y: int, w: int, h: int, canvas: _Canvas
) -> Box:
    # Every FK between the two tables, not only the step that placed the box: issues has two keys to users
    # (reporter_id, assignee_id); a narrow box cuts the list with its "…".
    step = member.step
    same_way = (s for s in graph.steps.get(member.parent, ()) if s.forward == step.forward)
    others = [s for s in same_way if s.end == member.key and s != step]
    keys = "; ".join(s.edge.label("→") for s in [step, *others])
    if len(others) > 1 and cell_len(keys) > w - 2:  # a cut list of three or more: the count says how long
        keys = f"{len(others) + 1} keys: {keys}"
    via = f"from {_name(member.parent, schema)}" if abs(member.column) > 1 else ""
    canvas.box(x, y, w, h, [_name(member.key, schema), keys, via], names=(0, 2))
    return Box(member.key, x, y, w, h, member.column)


def _edge(canvas: _Canvas, member: Placed, x: int, w: int, y: int) -> None:
    """A stub between the box and the column nearer the centre, its arrow from the referencing table to the
    referenced one (the parent is on the centre's side: right of a left box, left of a right box)."""
    towards_parent = not member.step.forward  # the member references its parent
    if member.column < 0:
        canvas.put(x + w, y, "─" * (GAP - 1) + "▶" if towards_parent else "◀" + "─" * (GAP - 1))
    else:
        canvas.put(x - GAP, y, "◀" + "─" * (GAP - 1) if towards_parent else "─" * (GAP - 1) + "▶")
