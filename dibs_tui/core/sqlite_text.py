"""Reading the parts of SQLite's stored CREATE statements that no PRAGMA reports.

SQLite keeps each object's CREATE statement as written (`sqlite_master.sql`) but its PRAGMAs leave out
index expressions' text, partial-index WHERE clauses, CHECKs, generation expressions, a view's query and a
virtual table's module. A small tokenizer (quotes, brackets, backticks and comments as SQLite reads them)
finds those by their place in the statement; the text returned is the statement's own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import NamedTuple

_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<comment>--[^\n]*(?:\n|$)|/\*.*?(?:\*/|$))
  | (?P<string>'(?:[^']|'')*(?:'|$))
  | (?P<ident>"(?:[^"]|"")*(?:"|$)|`(?:[^`]|``)*(?:`|$)|\[[^\]]*(?:\]|$))
  | (?P<word>[A-Za-z0-9_$\x80-\U0010ffff]+)
  | (?P<punct>.)
    """,
    re.VERBOSE | re.DOTALL,
)


class Token(NamedTuple):
    """A tuple, not a dataclass: a schema of 2,000 tables makes a hundred thousand of them."""

    kind: str  # string, ident (quoted), word, punct
    text: str
    start: int
    end: int
    depth: int  # parentheses open before this token

    def is_word(self, *words: str) -> bool:
        return self.kind == "word" and self.text.upper() in words

    @property
    def name(self) -> str:
        """An identifier's name: quotes removed, doubled quotes undone."""
        if self.kind == "ident":
            body = self.text[1:-1] if len(self.text) >= 2 else self.text[1:]
            if self.text[0] == "[":
                return body
            return body.replace(self.text[0] * 2, self.text[0])
        if self.kind == "string":  # SQLite accepts 'name' where an identifier is expected
            return self.text[1:-1].replace("''", "'")
        return self.text


def tokenize(sql: str) -> list[Token]:
    """The statement's tokens, comments and spaces left out, each with its parenthesis depth."""
    out: list[Token] = []
    depth = 0
    for m in _TOKEN.finditer(sql):
        kind = m.lastgroup or "punct"
        if kind in ("space", "comment"):
            continue
        text = m.group()
        if text == ")":
            depth = max(0, depth - 1)
        out.append(Token(kind, text, m.start(), m.end(), depth))
        if text == "(":
            depth += 1
    return out


def _closing(tokens: list[Token], open_index: int) -> int:
    """The index of the `)` matching the `(` at open_index (the last token when it is never closed)."""
    depth = tokens[open_index].depth
    for i in range(open_index + 1, len(tokens)):
        if tokens[i].text == ")" and tokens[i].depth == depth:
            return i
    return len(tokens) - 1


def _split(sql: str, tokens: list[Token], open_index: int) -> list[tuple[str, list[Token]]]:
    """The comma-separated items inside the parentheses opened at open_index, as text and tokens."""
    close = _closing(tokens, open_index)
    inner = tokens[open_index].depth + 1
    items: list[tuple[str, list[Token]]] = []
    current: list[Token] = []
    for tok in tokens[open_index + 1 : close]:
        if tok.text == "," and tok.depth == inner:
            if current:
                items.append((_text(sql, current), current))
            current = []
        else:
            current.append(tok)
    if current:
        items.append((_text(sql, current), current))
    return items


def _text(sql: str, tokens: list[Token]) -> str:
    return sql[tokens[0].start : tokens[-1].end].strip() if tokens else ""


def _first_open(tokens: list[Token], start: int = 0) -> int | None:
    return next((i for i in range(start, len(tokens)) if tokens[i].text == "("), None)


def index_parts(sql: str) -> tuple[list[str], str | None]:
    """`CREATE INDEX ... ON t (key, lower(x) DESC) WHERE p`: each key's text and the WHERE clause."""
    tokens = tokenize(sql)
    on = next((i for i, t in enumerate(tokens) if t.depth == 0 and t.is_word("ON")), None)
    if on is None:
        return [], None
    open_index = _first_open(tokens, on)
    if open_index is None:
        return [], None
    keys = [text for text, _ in _split(sql, tokens, open_index)]
    close = _closing(tokens, open_index)
    where = next((i for i in range(close + 1, len(tokens)) if tokens[i].is_word("WHERE")), None)
    predicate = sql[tokens[where].end :].strip().rstrip(";").strip() if where is not None else None
    return keys, predicate or None


def view_query(sql: str) -> str | None:
    """The query of `CREATE VIEW v [(cols)] AS query`, as written."""
    tokens = tokenize(sql)
    as_index = next((i for i, t in enumerate(tokens) if t.depth == 0 and t.is_word("AS")), None)
    if as_index is None:
        return None
    return sql[tokens[as_index].end :].strip().rstrip(";").strip() or None


def virtual_module(sql: str) -> tuple[str, tuple[str, ...]]:
    """`CREATE VIRTUAL TABLE t USING fts5(a, b, content='')`: the module name and its arguments."""
    tokens = tokenize(sql)
    using = next((i for i, t in enumerate(tokens) if t.depth == 0 and t.is_word("USING")), None)
    if using is None or using + 1 >= len(tokens):
        return "", ()
    module = tokens[using + 1].name
    if using + 2 < len(tokens) and tokens[using + 2].text == "(":
        return module, tuple(text for text, _ in _split(sql, tokens, using + 2))
    return module, ()


@dataclass(frozen=True)
class TableText:
    """What a CREATE TABLE statement says beyond the PRAGMAs."""

    checks: tuple[
        tuple[str | None, str | None, str], ...
    ] = ()  # (constraint name, column or None, CHECK (...))
    generated: dict[str, str] | None = None  # column -> generation expression
    options: tuple[str, ...] = ()  # WITHOUT ROWID, STRICT


_TABLE_WORDS = frozenset(("CONSTRAINT", "CHECK", "AS"))
_EXTRAS = re.compile(r"\b(?:CHECK|AS|WITHOUT|STRICT)\b", re.IGNORECASE)


def table_text(sql: str) -> TableText:
    if not _EXTRAS.search(sql):  # nothing to find: most tables are spared the tokenizer
        return TableText()
    tokens = tokenize(sql)
    open_index = _first_open(tokens)
    if open_index is None:  # CREATE TABLE t AS SELECT ...: nothing to read
        return TableText()
    close = _closing(tokens, open_index)
    options = tuple(" ".join(w.text.upper() for w in group) for group in _option_groups(tokens[close + 1 :]))
    checks: list[tuple[str | None, str | None, str]] = []
    generated: dict[str, str] = {}
    table_level_words = ("CONSTRAINT", "PRIMARY", "UNIQUE", "CHECK", "FOREIGN")
    for _, item in _split(sql, tokens, open_index):
        column = None if item[0].is_word(*table_level_words) else item[0].name
        name: str | None = None
        depth = item[0].depth
        for i, tok in enumerate(item[:-1]):  # each keyword read here is followed by what it names
            if tok.kind != "word" or tok.depth != depth or tok.text.upper() not in _TABLE_WORDS:
                continue
            word, following = tok.text.upper(), item[i + 1]
            if word == "CONSTRAINT":
                name = following.name
            elif word == "CHECK" and following.text == "(":
                checks.append((name, column, f"CHECK ({_inside(sql, item, i + 1)})"))
                name = None
            elif word == "AS" and column is not None and following.text == "(":
                generated[column] = _inside(sql, item, i + 1)
    return TableText(tuple(checks), generated, options)


def _inside(sql: str, tokens: list[Token], open_index: int) -> str:
    close = _closing(tokens, open_index)
    return _text(sql, tokens[open_index + 1 : close])


def _option_groups(tokens: list[Token]) -> list[list[Token]]:
    groups: list[list[Token]] = [[]]
    for tok in tokens:
        if tok.text == ",":
            groups.append([])
        elif tok.kind == "word":
            groups[-1].append(tok)
    return [g for g in groups if g]


def trigger_header(sql: str) -> str:
    """`CREATE TRIGGER t AFTER INSERT ON files`: the statement up to BEGIN, on one line, comments dropped."""
    tokens = tokenize(sql)
    begin = next((i for i, t in enumerate(tokens) if t.depth == 0 and t.is_word("BEGIN")), len(tokens))
    head = tokens[:begin]
    return " ".join(t.text for t in head)


__all__ = [
    "TableText",
    "Token",
    "index_parts",
    "table_text",
    "tokenize",
    "trigger_header",
    "view_query",
    "virtual_module",
]
