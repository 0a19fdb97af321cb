"""What is found in SQL text without the parser: where a quoted string, quoted name, dollar-quoted body or
comment ends, and the rows of a statement's long VALUES list.

A data migration's INSERT of 200,000 rows is one statement of 8 MiB whose parse tree is about 1.2 GB
(`core.sqlparse`). Its rows are read apart (`rows_apart`): each group of about 256 KiB of them is parsed on its
own, checked and dropped, and the statement itself is parsed with them blanked, so its tree holds the first row
only. What the statement is (an INSERT into which table, with which columns, ON CONFLICT or not) is all in that
tree; the rows' values are read again group by group where they are counted (`core.review.count_inserts`).
"""

from __future__ import annotations

import re

_COMMENT_ENDS = re.compile(r"/\*|\*/")
_E_STRING_STOPS = re.compile(r"['\\]")
_ROW_TOKENS = re.compile(
    r"""--|/\*|(?<![\w$])[Ee]'|'|"|(?<![\w$])\$(?:[^\W\d]\w*)?\$|[(),]|(?<![\w$])(?i:values)(?![\w$])"""
)
# A row without parentheses, comments, dollar quotes or E'' strings inside, matched whole: most rows of a data
# migration, a regular expression's run each rather than a Python step per token
_PLAIN_ROW = re.compile(r"""\((?:[^()'"$\-/Ee]++|[Ee](?!')|-(?!-)|/(?!\*)|'[^']*+'|"[^"]*+")*+\)""")
_COMMA = re.compile(r"\s*,\s*")
_INSERT = re.compile(r"(?:\s+|--[^\n]*|/\*(?:[^*]|\*(?!/))*\*/)*insert\b", re.IGNORECASE)
GROUP_CHARS = 256 * 1024  # rows read apart are parsed in groups of about this size
# What a group of rows read apart is parsed after: a VALUES list of one row, the group starting with its comma
GROUP_HEAD = "VALUES (NULL)"


def quoted_end(text: str, found: str, i: int, after: int) -> int:
    """Where the comment, quoted string or dollar-quoted body that `found` opens at `i` ends; -1 when it never
    does (`after`: the end of the opening found)."""
    if found == "/*":
        depth, j = 1, i + 2
        while depth:
            c = _COMMENT_ENDS.search(text, j)
            if c is None:
                return -1
            depth += 1 if c.group() == "/*" else -1
            j = c.end()
        return j
    if found in ("'", '"'):
        j = i + 1
        while True:
            j = text.find(found, j)
            if j < 0:
                return -1
            if not text.startswith(found, j + 1):
                return j + 1
            j += 2
    if found in ("E'", "e'"):
        j = i + 2
        while True:
            c = _E_STRING_STOPS.search(text, j)
            if c is None:
                return -1
            if c.group() != "\\" and not text.startswith("''", c.start()):
                return c.end()
            j = c.end() + 1
    end = text.find(found, after)  # a dollar quote: $$ or $tag$
    return -1 if end < 0 else end + len(found)


def value_rows(text: str, begin: int, end: int) -> list[tuple[int, int]]:
    """The spans of the rows, `(` to `)`, of the VALUES list at the statement's top level (not in parentheses)
    between `begin` and `end`; the list is taken to end at anything but a comma and the next row (a comment
    between two rows ends it early: the rest is then read with the statement)."""
    rows: list[tuple[int, int]] = []
    depth, pos = 0, begin
    after = -1  # in the list: where the text since the last row (or VALUES) starts
    expect_row = False
    start = 0
    while (m := _ROW_TOKENS.search(text, pos, end)) is not None:
        found, i = m.group(), m.start()
        pos = m.end()
        if after >= 0 and depth == 0:
            if text[after:i].strip() or found not in ("(", ","):
                break  # ON CONFLICT, RETURNING, a comment, the end of the list
            if (found == "(") != expect_row:
                break
        if found == "(" and after >= 0 and depth == 0 and (row := _PLAIN_ROW.match(text, i, end)):
            after = pos = _plain_rows(text, row, end, rows)
            expect_row = text.startswith("(", pos)
            continue
        if found == "(":
            depth += 1
            start = i if depth == 1 else start
        elif found == ")":
            depth -= 1
            if depth < 0:
                break
            if depth == 0 and after >= 0:
                rows.append((start, pos))
                after, expect_row = pos, False
        elif found == ",":
            if depth == 0 and after >= 0:
                after, expect_row = pos, True
        elif found.lower() == "values":
            if depth == 0 and after < 0:
                after, expect_row = pos, True
        elif (pos := _skipped(text, found, i, pos, end)) < 0:
            break  # unterminated: the parser says where
    return rows


def _skipped(text: str, found: str, i: int, after: int, end: int) -> int:
    """Where the comment, quoted string or name, or dollar-quoted body `found` at `i` ends; -1 past `end`."""
    if found == "--":
        newline = text.find("\n", i, end)
        return end if newline < 0 else newline
    stop = quoted_end(text, found, i, after)
    return stop if stop <= end else -1


def _plain_rows(text: str, row: re.Match[str] | None, end: int, rows: list[tuple[int, int]]) -> int:
    """Plain rows from `row` on added to `rows`; where the list goes on (after the comma before a row that is
    not plain) or where the last row ends."""
    pos = 0
    while row is not None:
        rows.append((row.start(), row.end()))
        pos = row.end()
        comma = _COMMA.match(text, pos, end)
        if comma is None or not text.startswith("(", comma.end()):
            return pos
        pos = comma.end()
        row = _PLAIN_ROW.match(text, pos, end)
    return pos


def starts_insert(text: str, begin: int, end: int) -> bool:
    """The statement between `begin` and `end` is an INSERT (its first word, comments aside)."""
    return _INSERT.match(text, begin, end) is not None


def rows_apart(text: str, begin: int, end: int) -> tuple[tuple[int, int], ...]:
    """The groups of rows read apart from the INSERT between `begin` and `end` (every row of its VALUES list
    but the first, about GROUP_CHARS each, each span starting after the row before it: with its comma), or
    none for a statement without such a list or not over GROUP_CHARS. Only an INSERT: a view's or a query's
    rows are compared and searched in its tree (core/diff/deparse_drift.py, respell.py)."""
    if end - begin <= GROUP_CHARS or not starts_insert(text, begin, end):
        return ()
    rows = value_rows(text, begin, end)
    groups: list[tuple[int, int]] = []
    first = 0
    for row in range(1, len(rows)):
        if rows[row][1] - rows[first][1] > GROUP_CHARS or row == len(rows) - 1:
            groups.append((rows[first][1], rows[row][1]))
            first = row
    return tuple(groups)
