"""The driver's rows as the builder reads them: let go chunk by chunk while model objects are made from them,
grouped by relation; and a relation's columns found by position (attnum), dropped columns' gaps included."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence

from asyncpg import Record

from ..model import Column
from .definitions import ColumnNames

_CHUNK = 2000  # the driver's rows let go at a time (`drained`)
# Rows turned into model objects between two chances for the event loop to read the sockets. While a build holds
# the loop, the other side's (or the other session's) finished result waits unread and its backend idles until
# the next statement is sent: every 2,000 rows was 10-20 ms of constraints or relations at a time. A diff at
# 1,000 tables, 44 alternated pairs at real-time priority, 2,000 -> 250: paired median -17 to -28 ms of wall
# (every 100: more loop turns than it saves, about the same wall for more CPU).
YIELD_EVERY = 250


def names_by_position(columns: list[Column]) -> ColumnNames:
    """`columns` (in position order) as definitions.ColumnNames."""
    last = columns[-1].position if columns else 0
    if last == len(columns):  # no column dropped: positions 1..n
        return ("", *[c.name for c in columns])
    by_position = [""] * (last + 1)
    for c in columns:
        by_position[c.position] = c.name
    return tuple(by_position)


def column_at(columns: tuple[Column, ...], position: int) -> Column:
    """The column at attnum `position` of a relation's columns (in position order)."""
    column = columns[position - 1] if 0 < position <= len(columns) else None
    if column is not None and column.position == position:
        return column
    return next(c for c in columns if c.position == position)


def drained(rows: list[Record]) -> Iterator[Record]:
    """Each row, the driver's list emptied behind the reader chunk by chunk: the records of a large result
    (33 MiB of columns at 5,000 tables) are freed while the model objects made from them are allocated,
    often into the same memory, instead of both being held in full."""
    while rows:
        chunk = rows[:_CHUNK]
        del rows[:_CHUNK]
        yield from chunk


def group_by_relation(rows: Sequence[Record]) -> dict[int, list[Record]]:
    """Rows by their `relid`, each relation's in the order they came."""
    grouped: dict[int, list[Record]] = defaultdict(list)
    for row in rows:
        grouped[row["relid"]].append(row)
    return grouped
