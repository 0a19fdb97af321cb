"""The desired schema as SQL files: statements with their exact text and position, and where each table,
column, index and constraint is defined, with its doc comment.

Splitting uses sqlglot's PostgreSQL tokenizer, which knows string, identifier and dollar quoting, so a `;`
inside a function body, a `DO` block or a string never ends a statement, and every token keeps its offset
(we compute line:column from offsets ourselves). psql meta-commands (`\\set`, `\\c`, ...) are blanked out in
place, so positions never shift, and reported as notes. Structure is read from the token stream rather than
from sqlglot's AST: many valid PostgreSQL statements (ATTACH PARTITION, CREATE DOMAIN, DO, ...) are opaque
`Command`s to sqlglot, and the AST does not keep positions for column definitions. The desired SQL is then
executed by PostgreSQL itself in a shadow database (`core.shadow`), whose errors carry exact positions.

Doc comments: the block of `--` lines right above a definition (or a `--` comment ending its line), else
its `COMMENT ON`. Unqualified names take the first schema of the last `SET search_path` (default `public`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sqlglot.dialects.postgres import Postgres
from sqlglot.errors import TokenError
from sqlglot.tokens import Token, TokenType

from .errors import DibsError, SourceError
from .model import Provenance, QualifiedName, SourceLocation

SQL_SUFFIXES = (".sql",)
_META_COMMAND = re.compile(r"^[ \t]*\\[^\n]*", re.MULTILINE)
_NAME_BREAKS = {TokenType.L_PAREN, TokenType.R_PAREN, TokenType.COMMA, TokenType.SEMICOLON, TokenType.DOT,
                TokenType.STRING, TokenType.NUMBER, TokenType.HEREDOC_STRING}
# sqlglot makes one token of "PRIMARY KEY" and of "FOREIGN KEY"; _word() folds their inner whitespace.
_TABLE_CONSTRAINT_WORDS = {"CONSTRAINT", "PRIMARY KEY", "UNIQUE", "CHECK", "FOREIGN KEY", "EXCLUDE", "LIKE"}


@dataclass(frozen=True, slots=True)
class Place:
    """Where a definition starts (1-based line and column) in `file`, with its doc comment."""

    file: str
    line: int
    column: int
    doc: str | None = None

    def provenance(self, project_root: Path | None = None) -> Provenance:
        """As model provenance, the file shown relative to `project_root` when it lies inside it."""
        file = self.file
        if project_root is not None:
            try:
                file = Path(self.file).resolve().relative_to(project_root.resolve()).as_posix()
            except ValueError:
                file = str(Path(self.file).resolve())
        return Provenance(source=SourceLocation(file, self.line, self.column), doc=self.doc)


@dataclass(frozen=True, slots=True)
class Statement:
    """One statement exactly as written (without its `;`), where it starts, and its leading keywords."""

    file: str
    text: str
    line: int
    column: int
    keywords: str  # e.g. "CREATE TABLE", "ALTER TABLE", "COMMENT ON", "DO"
    offset: int = 0  # 0-based character offset of the statement in its file


@dataclass
class DesiredSchema:
    """Everything the SQL files say, by name. Keys are (schema, name) and (schema, table, column)."""

    files: tuple[Path, ...] = ()
    statements: list[Statement] = field(default_factory=list)
    tables: dict[QualifiedName, Place] = field(default_factory=dict)  # tables, views, matviews
    columns: dict[tuple[str, str, str], Place] = field(default_factory=dict)
    indexes: dict[QualifiedName, Place] = field(default_factory=dict)  # (schema, index name)
    index_tables: dict[QualifiedName, QualifiedName] = field(default_factory=dict)  # index -> its table
    constraints: dict[tuple[str, str, str], Place] = field(default_factory=dict)  # (schema, table, name)
    # PRIMARY KEY ("p") and UNIQUE ("u") by column set, named or not: how an implicitly named index
    # (users_pkey, users_email_key) is found again.
    keys: dict[tuple[str, str, str, tuple[str, ...]], Place] = field(default_factory=dict)
    partition_parents: dict[QualifiedName, QualifiedName] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def table(self, schema: str, name: str) -> Place | None:
        return self.tables.get((schema, name))

    def column(self, schema: str, table: str, column: str) -> Place | None:
        return self.columns.get((schema, table, column))

    def index(self, schema: str, name: str) -> Place | None:
        return self.indexes.get((schema, name))


def sql_files(paths: Iterable[Path | str]) -> list[Path]:
    """Files as given; folders as their `.sql` files in name order (recursively, by relative path)."""
    out: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            out += sorted((p for p in path.rglob("*") if p.suffix in SQL_SUFFIXES and p.is_file()),
                          key=lambda p: p.relative_to(path).as_posix())
        elif path.is_file():
            out.append(path)
        else:
            raise DibsError(f"desired schema not found: {path}")
    return out


def load_sql_files(paths: Sequence[Path | str]) -> DesiredSchema:
    """Read and locate every statement of the given files and folders (see the module docstring)."""
    files = sql_files(paths)
    schema = DesiredSchema(files=tuple(files))
    state = _State()
    for path in files:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise DibsError(f"cannot read {path}: {getattr(exc, 'strerror', None) or exc}") from None
        _load_text(str(path), text, schema, state)
    for key, doc in state.comment_docs.items():
        _apply_comment_doc(schema, key, doc)
    return schema


def load_sql_text(text: str, file: str = "<sql>") -> DesiredSchema:
    """The same for SQL held in memory (tests, the migrations pane)."""
    schema = DesiredSchema()
    state = _State()
    _load_text(file, text, schema, state)
    for key, doc in state.comment_docs.items():
        _apply_comment_doc(schema, key, doc)
    return schema


@dataclass
class _State:
    search_path: str = "public"
    comment_docs: dict[tuple[str, ...], str] = field(default_factory=dict)


class _Text:
    """Offsets to 1-based line:column, and which lines hold only a `--` comment."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.starts = [0] + [m.end() for m in re.finditer("\n", text)]
        self.lines = text.split("\n")

    def position(self, offset: int) -> tuple[int, int]:
        lo, hi = 0, len(self.starts) - 1
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if self.starts[mid] <= offset:
                lo = mid
            else:
                hi = mid - 1
        return lo + 1, offset - self.starts[lo] + 1

    def doc_above(self, line: int) -> str | None:
        """The contiguous block of `--` lines right above `line`, or a `--` comment ending `line` itself."""
        block: list[str] = []
        n = line - 2
        while n >= 0 and self.lines[n].lstrip().startswith("--"):
            block.append(self.lines[n].lstrip()[2:].strip())
            n -= 1
        if block:
            return "\n".join(reversed(block)).strip() or None
        current = self.lines[line - 1] if 0 < line <= len(self.lines) else ""
        trailing = re.search(r"--(.*)$", _strip_quoted(current))
        return trailing.group(1).strip() or None if trailing else None


def _strip_quoted(line: str) -> str:
    """A line with its quoted parts blanked, so `--` inside a string is not taken for a comment."""
    return re.sub(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"", lambda m: " " * len(m.group()), line)


def _blank_meta_commands(file: str, text: str, notes: list[str]) -> str:
    def blank(match: re.Match[str]) -> str:
        line = text.count("\n", 0, match.start()) + 1
        notes.append(f"{file}:{line}: skipped psql meta-command {match.group().strip()}")
        return " " * len(match.group())

    return _META_COMMAND.sub(blank, text)


def _tokenize(file: str, text: str, where: _Text) -> list[Token]:
    try:
        return list(Postgres().tokenize(text))
    except TokenError as exc:
        offset = _unterminated_at(text)
        line, column = where.position(offset) if offset is not None else (1, 1)
        detail = str(exc).split("\n", 1)[0]
        what = "unterminated quoted string, identifier, comment or dollar-quoted body"
        raise SourceError(file, line, column, what if offset is not None else detail) from None


def _unterminated_at(text: str) -> int | None:
    """Offset of the quote, dollar tag or comment that never closes (for a precise error position)."""
    i, n = 0, len(text)
    while i < n:
        if text.startswith("--", i):
            end = text.find("\n", i)
            i = n if end < 0 else end + 1
            continue
        if text.startswith("/*", i):
            end = text.find("*/", i + 2)
            if end < 0:
                return i
            i = end + 2
            continue
        ch = text[i]
        if ch in "'\"":
            j = i + 1
            while True:
                j = text.find(ch, j)
                if j < 0:
                    return i
                if text.startswith(ch * 2, j):
                    j += 2
                    continue
                break
            i = j + 1
            continue
        if ch == "$":
            tag = re.match(r"\$[A-Za-z_]*\$", text[i:])
            if tag and not (i > 0 and (text[i - 1].isalnum() or text[i - 1] == "_")):
                end = text.find(tag.group(), i + len(tag.group()))
                if end < 0:
                    return i
                i = end + len(tag.group())
                continue
        i += 1
    return None


def _load_text(file: str, raw: str, schema: DesiredSchema, state: _State) -> None:
    text = _blank_meta_commands(file, raw, schema.notes)
    where = _Text(text)
    tokens = _tokenize(file, text, where)
    current: list[Token] = []
    atomic = 0  # depth inside a SQL-standard `BEGIN ATOMIC ... END` body, whose `;` do not end the statement
    for token in tokens:
        word = _word(token)
        if atomic:
            if word in ("CASE", "BEGIN"):
                atomic += 1
            elif word == "END":
                atomic -= 1
        elif word == "ATOMIC" and current and _word(current[-1]) == "BEGIN":
            atomic = 1
        if token.token_type is TokenType.SEMICOLON and not atomic:
            if current:
                _statement(file, text, where, current, schema, state)
            current = []
        else:
            current.append(token)
    if current:
        _statement(file, text, where, current, schema, state)


def _word(token: Token) -> str:
    """A keyword as upper-case words ("PRIMARY KEY"); "" for quoted identifiers, which are never keywords."""
    return "" if token.token_type is TokenType.IDENTIFIER else " ".join(token.text.upper().split())


def _ident(token: Token) -> str:
    """An identifier as PostgreSQL folds it: quoted ones keep their case."""
    return token.text if token.token_type is TokenType.IDENTIFIER else token.text.lower()


PlaceOf = Callable[[Token], Place]
"""Where a token stands, as a Place with the doc comment of its line."""


class _Cursor:
    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.i = 0

    def peek(self, ahead: int = 0) -> Token | None:
        k = self.i + ahead
        return self.tokens[k] if k < len(self.tokens) else None

    def accept(self, *words: str) -> bool:
        """Consume the given keyword sequence if it comes next."""
        for k, word in enumerate(words):
            token = self.peek(k)
            if token is None or _word(token) != word:
                return False
        self.i += len(words)
        return True

    def name(self) -> tuple[list[str], Token | None]:
        """A possibly qualified name `a.b.c`: its parts and its first token."""
        first = self.peek()
        parts: list[str] = []
        while True:
            token = self.peek()
            if token is None or token.token_type in _NAME_BREAKS:
                break
            parts.append(_ident(token))
            self.i += 1
            dot = self.peek()
            if dot is None or dot.token_type is not TokenType.DOT:
                break
            self.i += 1
        return parts, first if parts else None


def _qualify(parts: list[str], state: _State) -> QualifiedName | None:
    if not parts:
        return None
    return (parts[-2], parts[-1]) if len(parts) >= 2 else (state.search_path, parts[0])


def _split_top_level(tokens: list[Token]) -> list[list[Token]]:
    """Split a parenthesised list's inner tokens at commas of depth 0."""
    parts: list[list[Token]] = [[]]
    depth = 0
    for token in tokens:
        if token.token_type is TokenType.L_PAREN:
            depth += 1
        elif token.token_type is TokenType.R_PAREN:
            depth -= 1
        if token.token_type is TokenType.COMMA and depth == 0:
            parts.append([])
        else:
            parts[-1].append(token)
    return [p for p in parts if p]


def _parenthesised(tokens: list[Token], start: int) -> tuple[list[Token], int] | None:
    """The tokens inside the parentheses opening at `start`, and the index after the closing one."""
    if start >= len(tokens) or tokens[start].token_type is not TokenType.L_PAREN:
        return None
    depth = 0
    for k in range(start, len(tokens)):
        kind = tokens[k].token_type
        if kind is TokenType.L_PAREN:
            depth += 1
        elif kind is TokenType.R_PAREN:
            depth -= 1
            if depth == 0:
                return tokens[start + 1 : k], k + 1
    return None


def _statement(
    file: str, text: str, where: _Text, tokens: list[Token], schema: DesiredSchema, state: _State
) -> None:
    start = tokens[0].start
    end = tokens[-1].end + 1
    line, column = where.position(start)
    words = [_word(t) for t in tokens[:3] if t.token_type not in (TokenType.STRING, TokenType.HEREDOC_STRING)]
    keywords = " ".join(w for w in words[:2] if w)
    schema.statements.append(Statement(file, text[start:end], line, column, keywords, start))

    def place(token: Token) -> Place:
        token_line, token_column = where.position(token.start)
        return Place(file, token_line, token_column, where.doc_above(token_line))

    cur = _Cursor(tokens)
    if cur.accept("SET"):
        _search_path(cur, state)
    elif cur.accept("CREATE"):
        cur.accept("OR", "REPLACE")
        for modifier in ("UNLOGGED", "TEMPORARY", "TEMP", "FOREIGN", "GLOBAL", "LOCAL", "RECURSIVE"):
            cur.accept(modifier)
        if cur.accept("TABLE"):
            _create_table(cur, tokens, place, schema, state, place(tokens[0]))
        elif cur.accept("UNIQUE", "INDEX") or cur.accept("INDEX"):
            _create_index(cur, schema, state, place(tokens[0]))
        elif cur.accept("VIEW") or cur.accept("MATERIALIZED", "VIEW"):
            cur.accept("IF", "NOT", "EXISTS")
            key = _qualify(cur.name()[0], state)
            if key:
                schema.tables.setdefault(key, place(tokens[0]))
                _view_columns(key, tokens[cur.i :], place, schema)
    elif cur.accept("ALTER", "TABLE"):
        _alter_table(cur, tokens, place, schema, state)
    elif cur.accept("COMMENT", "ON"):
        _comment_on(cur, state)


def _view_columns(key: QualifiedName, tokens: list[Token], place: PlaceOf, schema: DesiredSchema) -> None:
    """Output columns of the outermost select list: each item's last name (its alias or its column)."""
    k = next((i for i, t in enumerate(tokens) if _word(t) == "SELECT"), len(tokens))
    depth, last = 0, None
    for token in tokens[k + 1 :]:
        if token.token_type is TokenType.L_PAREN:
            depth += 1
        elif token.token_type is TokenType.R_PAREN:
            depth -= 1
        elif depth:
            continue
        elif token.token_type is TokenType.COMMA or _word(token) == "FROM":
            if last is not None:
                schema.columns.setdefault((*key, _ident(last)), place(last))
            last = None
            if _word(token) == "FROM":
                return
        elif token.token_type not in _NAME_BREAKS and token.token_type is not TokenType.STAR:
            last = token
    if last is not None:
        schema.columns.setdefault((*key, _ident(last)), place(last))


def _search_path(cur: _Cursor, state: _State) -> None:
    cur.accept("SESSION") or cur.accept("LOCAL")
    if not cur.accept("SEARCH_PATH"):
        return
    cur.accept("TO") or cur.accept("=")
    first = cur.peek()
    if first is not None and first.token_type is TokenType.STRING:
        value = first.text.split(",")[0].strip().strip('"')
    elif first is not None:
        value = _ident(first)
    else:
        return
    if value and value != "$user":
        state.search_path = value


def _create_table(cur: _Cursor, tokens: list[Token], place_of: PlaceOf, schema: DesiredSchema, state: _State,
                  statement_place: Place) -> None:
    cur.accept("IF", "NOT", "EXISTS")
    parts, _ = cur.name()
    key = _qualify(parts, state)
    if key is None:
        return
    schema.tables.setdefault(key, statement_place)
    if cur.accept("PARTITION", "OF"):
        parent = _qualify(cur.name()[0], state)
        if parent:
            schema.partition_parents[key] = parent
    cur.accept("OF") and cur.name()
    inner = _parenthesised(tokens, cur.i)
    if inner is None:
        return
    for element in _split_top_level(inner[0]):
        _table_element(key, element, place_of, schema)


def _table_element(key: QualifiedName, element: list[Token], place: PlaceOf, schema: DesiredSchema) -> None:
    first = element[0]
    if _word(first) in _TABLE_CONSTRAINT_WORDS:
        _table_constraint(key, element, place(first), schema)
        return
    column = _ident(first)
    here = place(first)
    schema.columns.setdefault((*key, column), here)
    for k, token in enumerate(element[:-1]):
        if _word(token) == "CONSTRAINT":
            schema.constraints.setdefault((*key, _ident(element[k + 1])), place(token))
    if any(_word(t) == "PRIMARY KEY" for t in element):
        schema.keys.setdefault((*key, "p", (column,)), here)
    if any(_word(t) == "UNIQUE" for t in element):
        schema.keys.setdefault((*key, "u", (column,)), here)


def _table_constraint(key: QualifiedName, element: list[Token], here: Place, schema: DesiredSchema) -> None:
    """CONSTRAINT name ... / PRIMARY KEY (...) / UNIQUE (...): the name and the key's column set."""
    k = 0
    if _word(element[0]) == "CONSTRAINT" and len(element) > 1:
        schema.constraints.setdefault((*key, _ident(element[1])), here)
        k = 2
    words = [_word(t) for t in element[k : k + 2]]
    if words[:1] == ["PRIMARY KEY"]:
        kind, start = "p", k + 1
    elif words[:1] == ["UNIQUE"]:
        kind, start = "u", k + 1
        while start < len(element) and _word(element[start]) in ("NULLS", "NOT", "DISTINCT"):
            start += 1
    else:
        return
    inner = _parenthesised(element, start)
    if inner is not None:
        columns = tuple(_ident(t) for t in inner[0] if t.token_type is not TokenType.COMMA)
        schema.keys.setdefault((*key, kind, columns), here)


def _create_index(cur: _Cursor, schema: DesiredSchema, state: _State, statement_place: Place) -> None:
    cur.accept("CONCURRENTLY")
    cur.accept("IF", "NOT", "EXISTS")
    name_parts: list[str] = []
    upcoming = cur.peek()
    if upcoming is not None and _word(upcoming) != "ON":
        name_parts, _ = cur.name()
    if not cur.accept("ON"):
        return
    cur.accept("ONLY")
    table = _qualify(cur.name()[0], state)
    if table is None or not name_parts:
        return  # unnamed indexes get a generated name: nothing to key them by
    index_key = (table[0], name_parts[-1])
    schema.indexes.setdefault(index_key, statement_place)
    schema.index_tables.setdefault(index_key, table)


def _alter_table(
    cur: _Cursor, tokens: list[Token], place: PlaceOf, schema: DesiredSchema, state: _State
) -> None:
    cur.accept("IF", "EXISTS")
    cur.accept("ONLY")
    key = _qualify(cur.name()[0], state)
    if key is None:
        return
    for action in _split_top_level(tokens[cur.i :]):
        if not action or _word(action[0]) != "ADD":
            continue
        rest = action[1:]
        if rest and _word(rest[0]) == "COLUMN":
            rest = rest[1:]
        if len(rest) >= 3 and [_word(t) for t in rest[:3]] == ["IF", "NOT", "EXISTS"]:
            rest = rest[3:]
        if not rest:
            continue
        word = _word(rest[0])
        if word in _TABLE_CONSTRAINT_WORDS:
            _table_constraint(key, rest, place(rest[0]), schema)
        else:
            schema.columns.setdefault((*key, _ident(rest[0])), place(rest[0]))


def _comment_on(cur: _Cursor, state: _State) -> None:
    upcoming = cur.peek()
    kind = _word(upcoming) if upcoming is not None else ""
    if kind not in ("TABLE", "COLUMN", "VIEW", "INDEX"):
        cur.accept("MATERIALIZED")
        kind = "VIEW" if cur.accept("VIEW") else ""
        if not kind:
            return
    else:
        cur.i += 1
    parts, _ = cur.name()
    if not cur.accept("IS"):
        return
    value = cur.peek()
    if value is None or value.token_type is not TokenType.STRING or not parts:
        return
    if kind == "COLUMN" and len(parts) >= 2:
        table = _qualify(parts[:-1], state)
        if table:
            state.comment_docs[("column", *table, parts[-1])] = value.text
    elif kind in ("TABLE", "VIEW"):
        table = _qualify(parts, state)
        if table:
            state.comment_docs[("table", *table)] = value.text
    elif kind == "INDEX":
        index = _qualify(parts, state)
        if index:
            state.comment_docs[("index", *index)] = value.text


def _apply_comment_doc(schema: DesiredSchema, key: tuple[str, ...], doc: str) -> None:
    """COMMENT ON is the doc where no `--` block above the definition gave one."""
    kind, rest = key[0], key[1:]
    targets: dict[str, dict[tuple[str, ...], Place]] = {
        "column": schema.columns,  # type: ignore[dict-item]
        "table": schema.tables,  # type: ignore[dict-item]
        "index": schema.indexes,  # type: ignore[dict-item]
    }
    target = targets[kind]
    found = target.get(rest)
    if found is not None and not found.doc:
        target[rest] = Place(found.file, found.line, found.column, doc)
