"""Where tables, columns, indexes and constraints are defined in the demo's SQL files.

STOPGAP: a small hand-written scanner, enough for the demo's own, well-formed files. The general loader
(`dibs_tui.core.sqlfiles`) agrees with it on every place both know (a test checks), but does not yet locate
view columns or implicitly named PRIMARY KEY / UNIQUE indexes, which the demo's meta rows need. `build.py` and
`core/generate.py` only use `locate()` returning a `Definitions`, so a later swap stays local. It understands: CREATE TABLE (columns, inline and table-level
PRIMARY KEY / UNIQUE, named constraints, PARTITION OF), CREATE [MATERIALIZED] VIEW (select-list names),
CREATE [UNIQUE] INDEX, ALTER TABLE ... ADD [COLUMN | CONSTRAINT]. Doc comments are the `--` lines right above.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Token:
    kind: str  # word, quoted, string, punct
    text: str
    line: int
    column: int

    @property
    def word(self) -> str:
        """The identifier as PostgreSQL folds it."""
        return self.text.lower() if self.kind == "word" else self.text


@dataclass(frozen=True)
class Place:
    line: int
    column: int
    doc: str | None = None


@dataclass
class Definitions:
    """What one file defines, by name. Constraint keys are (table, "p"|"u", columns)."""

    tables: dict[str, Place] = field(default_factory=dict)
    columns: dict[tuple[str, str], Place] = field(default_factory=dict)
    indexes: dict[str, Place] = field(default_factory=dict)  # explicit index and constraint names
    constraints: dict[tuple[str, str, tuple[str, ...]], Place] = field(default_factory=dict)
    partition_parent: dict[str, str] = field(default_factory=dict)


def _tokens(text: str) -> tuple[list[Token], dict[int, str]]:
    """Tokens without comments, and the text of every line that holds only a `--` comment."""
    tokens: list[Token] = []
    comment_lines: dict[int, str] = {}
    i, line, line_start, n = 0, 1, 0, len(text)
    line_has_code = False
    while i < n:
        ch = text[i]
        col = i - line_start + 1
        if ch == "\n":
            line, line_start, line_has_code = line + 1, i + 1, False
            i += 1
        elif ch.isspace():
            i += 1
        elif text.startswith("--", i):
            end = text.find("\n", i)
            end = n if end < 0 else end
            if not line_has_code:
                comment_lines[line] = text[i + 2 : end].strip()
            i = end
        elif ch == "'" or ch == '"' or (ch == "$" and _dollar_tag(text, i)):
            tag = _dollar_tag(text, i) if ch == "$" else ch
            assert tag is not None
            end = text.find(tag, i + len(tag))
            while ch == "'" and end >= 0 and text.startswith("''", end):
                end = text.find("'", end + 2)
            end = n if end < 0 else end + len(tag)
            kind = "quoted" if ch == '"' else "string"
            body = text[i:end]
            tokens.append(Token(kind, body[1:-1] if kind == "quoted" else body, line, col))
            line_has_code = True
            line += body.count("\n")
            if "\n" in body:
                line_start = i + body.rfind("\n") + 1
            i = end
        elif ch.isalnum() or ch == "_":
            j = i
            while j < n and (text[j].isalnum() or text[j] in "_$"):
                j += 1
            tokens.append(Token("word", text[i:j], line, col))
            line_has_code = True
            i = j
        else:
            tokens.append(Token("punct", ch, line, col))
            line_has_code = True
            i += 1
    return tokens, comment_lines


def _dollar_tag(text: str, i: int) -> str | None:
    end = text.find("$", i + 1)
    if end < 0:
        return None
    tag = text[i : end + 1]
    return tag if all(c.isalnum() or c == "_" for c in tag[1:-1]) and not tag[1:2].isdigit() else None


def _doc(line: int, comment_lines: dict[int, str]) -> str | None:
    block: list[str] = []
    while line - 1 in comment_lines:
        line -= 1
        block.append(comment_lines[line])
    return "\n".join(reversed(block)) or None


def _statements(tokens: list[Token]) -> list[list[Token]]:
    statements: list[list[Token]] = []
    current: list[Token] = []
    for token in tokens:
        if token.kind == "punct" and token.text == ";":
            if current:
                statements.append(current)
            current = []
        else:
            current.append(token)
    if current:
        statements.append(current)
    return statements


def _split_top_level(tokens: list[Token]) -> list[list[Token]]:
    """Split a parenthesised body's tokens at depth-0 commas."""
    parts: list[list[Token]] = [[]]
    depth = 0
    for token in tokens:
        if token.kind == "punct" and token.text in "([":
            depth += 1
        elif token.kind == "punct" and token.text in ")]":
            depth -= 1
        if depth == 0 and token.kind == "punct" and token.text == ",":
            parts.append([])
        else:
            parts[-1].append(token)
    return [p for p in parts if p]


def _matching_paren(tokens: list[Token], start: int) -> int:
    depth = 0
    for k in range(start, len(tokens)):
        if tokens[k].kind == "punct" and tokens[k].text == "(":
            depth += 1
        elif tokens[k].kind == "punct" and tokens[k].text == ")":
            depth -= 1
            if depth == 0:
                return k
    return len(tokens)


def _name_after(words: list[Token], k: int) -> tuple[str, int]:
    """A possibly schema-qualified name starting at k: its last part, and the index after it."""
    name = words[k].word
    while k + 2 < len(words) and words[k + 1].text == "." and words[k + 2].kind in ("word", "quoted"):
        k += 2
        name = words[k].word
    return name, k + 1


def _skip(words: list[Token], k: int, *options: str) -> int:
    while k < len(words) and words[k].kind == "word" and words[k].word in options:
        k += 1
    return k


def _column_list(tokens: list[Token], start: int) -> tuple[str, ...]:
    end = _matching_paren(tokens, start)
    return tuple(t.word for t in tokens[start + 1 : end] if t.kind in ("word", "quoted"))


_CONSTRAINT_WORDS = {"constraint", "primary", "unique", "check", "foreign", "exclude", "like"}


def locate(text: str) -> Definitions:
    """Every definition in one SQL file, with 1-based line and column and its doc comment."""
    tokens, comment_lines = _tokens(text)
    found = Definitions()
    for st in _statements(tokens):
        words = [t.word if t.kind == "word" else "" for t in st]
        first = st[0]
        if words[:1] == ["create"]:
            k = _skip(st, 1, "or", "replace", "unlogged", "temp", "temporary")
            if words[k : k + 1] == ["table"]:
                _create_table(st, _skip(st, k + 1, "if", "not", "exists"), first, comment_lines, found)
            elif words[k : k + 1] == ["view"] or words[k : k + 2] == ["materialized", "view"]:
                k = _skip(st, k, "materialized", "view", "if", "not", "exists")
                name, k = _name_after(st, k)
                found.tables[name] = Place(first.line, first.column, _doc(first.line, comment_lines))
                _view_columns(name, st, k, found)
            elif words[k : k + 1] == ["index"] or words[k : k + 2] == ["unique", "index"]:
                k = _skip(st, k, "unique", "index", "concurrently", "if", "not", "exists")
                if words[k] != "on":
                    place = Place(first.line, first.column, _doc(first.line, comment_lines))
                    found.indexes[st[k].word] = place
        elif words[:2] == ["alter", "table"]:
            name, k = _name_after(st, _skip(st, 2, "only", "if", "exists"))
            for action in _split_top_level(st[k:]):
                _alter_action(name, action, comment_lines, found)
    return found


def _create_table(
    st: list[Token], k: int, first: Token, comments: dict[int, str], found: Definitions
) -> None:
    name, k = _name_after(st, k)
    found.tables[name] = Place(first.line, first.column, _doc(first.line, comments))
    if k + 2 < len(st) and st[k].word == "partition" and st[k + 1].word == "of":
        found.partition_parent[name] = _name_after(st, k + 2)[0]
        return
    if k >= len(st) or st[k].text != "(":
        return
    end = _matching_paren(st, k)
    for element in _split_top_level(st[k + 1 : end]):
        _table_element(name, element, comments, found)


def _table_element(table: str, element: list[Token], comments: dict[int, str], found: Definitions) -> None:
    head = element[0]
    place = Place(head.line, head.column, _doc(head.line, comments))
    words = [t.word if t.kind == "word" else "" for t in element]
    if head.kind == "word" and head.word in _CONSTRAINT_WORDS:
        _table_constraint(table, element, place, found)
        return
    column = head.word
    found.columns[(table, column)] = place
    depth = 0
    for i, token in enumerate(element):
        depth += {"(": 1, ")": -1}.get(token.text, 0) if token.kind == "punct" else 0
        if depth == 0 and words[i] == "primary" and words[i + 1 : i + 2] == ["key"]:
            found.constraints[(table, "p", (column,))] = place
        elif depth == 0 and words[i] == "unique":
            found.constraints[(table, "u", (column,))] = place


def _table_constraint(table: str, element: list[Token], place: Place, found: Definitions) -> None:
    words = [t.word if t.kind == "word" else "" for t in element]
    k = 0
    explicit = None
    if words[0] == "constraint":
        explicit, k = element[1].word, 2
    if words[k : k + 2] == ["primary", "key"]:
        kind, start = "p", k + 2
    elif words[k] == "unique":
        kind, start = "u", k + 1
    else:
        return
    if start < len(element) and element[start].text == "(":
        found.constraints[(table, kind, _column_list(element, start))] = place
    if explicit:
        found.indexes[explicit] = place


def _alter_action(table: str, action: list[Token], comments: dict[int, str], found: Definitions) -> None:
    words = [t.word if t.kind == "word" else "" for t in action]
    if words[:1] != ["add"]:
        return
    k = _skip(action, 1, "column", "if", "not", "exists")
    if words[1:2] == ["constraint"] or (k < len(action) and words[k] in _CONSTRAINT_WORDS):
        head = action[1]
        _table_constraint(table, action[1:], Place(head.line, head.column, _doc(head.line, comments)), found)
        return
    head = action[k]
    found.columns[(table, head.word)] = Place(head.line, head.column, _doc(head.line, comments))


def _view_columns(view: str, st: list[Token], k: int, found: Definitions) -> None:
    """The output names of the outermost select list: each item's last word (its alias or column)."""
    while k < len(st) and st[k].word != "select":
        k += 1
    depth, item_last = 0, None
    for token in st[k + 1 :]:
        if token.kind == "punct" and token.text in "()":
            depth += 1 if token.text == "(" else -1
            continue
        if depth:
            continue
        if token.kind == "punct" and token.text == ",":
            if item_last is not None:
                found.columns[(view, item_last.word)] = Place(item_last.line, item_last.column)
            item_last = None
        elif token.kind == "word" and token.word == "from":
            if item_last is not None:
                found.columns[(view, item_last.word)] = Place(item_last.line, item_last.column)
            return
        elif token.kind in ("word", "quoted"):
            item_last = token
