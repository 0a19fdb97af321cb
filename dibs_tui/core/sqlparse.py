"""SQL text read with PostgreSQL's own grammar (pglast: libpg_query, the PostgreSQL 18 parser).

Reading happens in three steps, so that hostile input is refused before the parser sees it:

1. The bytes: NUL bytes and invalid UTF-8 are refused at their line:col; a file over MAX_FILE_BYTES is refused
   from its size alone. A quick lexical pass (quotes, dollar quotes, nested comments, `BEGIN ATOMIC` bodies)
   finds the top-level `;` and refuses a statement over MAX_STATEMENT_BYTES (but a migration's INSERT whose
   VALUES rows are read apart, a group at a time: `core.sqltokens`; what is parsed of it whole is held to the
   limit). The limits: the largest statements of real schemas (pg_dump views, function bodies, seed INSERTs)
   are well under 1 MiB, while
   the parser's time and memory grow with a statement's node count (a dense 8 MiB VALUES list takes about
   7 s and 1 GB to read), so 8 MiB per statement bounds the worst case and 64 MiB per file is several times
   a pg_dump of a 5,000-table schema.
2. psql meta-commands (a backslash outside quotes and comments, to the end of its line) are blanked in place,
   so positions never shift. Harmless ones of real dumps (`\\set ON_ERROR_STOP`, `\\restrict`, `\\echo` ...)
   become notes; the others (`\\!`, `\\copy`, `\\c`, `\\i`, `\\o`, `\\g`, backticks ...) are refused by the door.
3. pglast parses the text (as JSON, which it serialises in C and orjson reads; pglast's own Python tree builder
   is five times slower and overflows the C stack on deep input). A syntax error becomes `file:line:col: syntax error at or near "x"`; a statement nested
   too deeply becomes a message, never a crash.

What a desired schema or a migration may contain: `core.sqldoor`. Statement kinds: `core.sqlkinds`.
"""

from __future__ import annotations

import re
import threading
from bisect import bisect_right
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from .errors import DibsError, SourceError
from .gc_pause import collector_paused
from .sqlkinds import describe, names_in
from .sqltokens import GROUP_HEAD, quoted_end, rows_apart, starts_insert

MAX_FILE_BYTES = 64 * 1024 * 1024
MAX_STATEMENT_BYTES = 8 * 1024 * 1024
_BATCH_CHARS = (
    256 * 1024
)  # statements are parsed in batches of about this size: a batch's JSON and trees peak at 80 times it

HARMLESS_META = frozenset(
    {"set", "unset", "restrict", "unrestrict", "echo", "qecho", "warn", "pset", "timing", "encoding"}
)


@dataclass(frozen=True)
class MetaCommand:
    """A psql meta-command line: `name` without its backslash (`set`, `!`, `copy`)."""

    file: str
    line: int
    column: int
    text: str
    name: str

    @property
    def harmless(self) -> bool:
        return self.name in HARMLESS_META and "`" not in self.text

    @property
    def kind(self) -> str:
        return f"psql meta-command \\{printable(self.name)}"


@dataclass(frozen=True)
class ParsedStatement:
    """One statement as written (no `;`), where it starts, its kind from the parse tree and what it names."""

    file: str
    text: str
    line: int
    column: int
    offset: int  # 0-based character offset in its file
    kind: str  # "CREATE TABLE", "DROP DATABASE", "CREATE INDEX CONCURRENTLY", "SELECT" ...
    # PostgreSQL refuses it inside a transaction block (or it is ALTER TYPE ... ADD VALUE, or a REINDEX or
    # CLUSTER, refused there for a partitioned table: see migrations)
    alone: bool = False
    node: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)  # {"CreateStmt": {...}}
    # A node's `location` (UTF-8 bytes from the start of the text pglast read) to a character offset in the file.
    locate: Callable[[int], int] = field(default=int, compare=False, repr=False)
    # The groups of rows of its VALUES list read apart (`core.sqltokens`), spans from its start: the node holds
    # its first row only
    apart: tuple[tuple[int, int], ...] = field(default=(), compare=False, repr=False)

    @property
    def parsed_chars(self) -> int:
        """The length of the text its node was parsed from (its rows read apart left out)."""
        return len(self.text) - sum(end - begin for begin, end in self.apart)

    @property
    def parsed_text(self) -> str:
        """The text its node was parsed from: its rows read apart blanked, every position kept."""
        pieces, last = [], 0
        for begin, end in self.apart:
            pieces += [self.text[last:begin], " " * (end - begin)]
            last = end
        return "".join([*pieces, self.text[last:]])

    @property
    def names(self) -> tuple[str, ...]:
        """The objects it names, qualified as written ("app.users")."""
        return names_in(self.node)

    @property
    def node_type(self) -> str:
        return next(iter(self.node), "")

    @property
    def body(self) -> dict[str, Any]:
        return next(iter(self.node.values()), {})


@dataclass(frozen=True)
class ParsedFile:
    file: str
    text: str  # the text as read, meta-commands included
    statements: tuple[ParsedStatement, ...]
    meta_commands: tuple[MetaCommand, ...] = ()

    @property
    def notes(self) -> list[str]:
        return [
            f"{m.file}:{m.line}: skipped psql meta-command {printable(m.text.strip())}"
            for m in self.meta_commands
        ]


class Positions:
    """0-based character offsets to 1-based line:column."""

    def __init__(self, text: str) -> None:
        self.starts = [0]
        find = text.find
        i = find("\n")
        while i >= 0:
            self.starts.append(i + 1)
            i = find("\n", i + 1)

    def line_col(self, offset: int) -> tuple[int, int]:
        k = bisect_right(self.starts, offset) - 1
        return k + 1, offset - self.starts[k] + 1


class _Bytes:
    """Byte offsets of a text's UTF-8 form to character offsets (pglast's JSON locations are in bytes)."""

    def __init__(self, text: str) -> None:
        self.ascii = text.isascii()
        if not self.ascii:
            self.encoded = text.encode("utf-8")
            self.byte_starts = [0] + [m.end() for m in re.finditer(b"\n", self.encoded)]
            self.char_starts = Positions(text).starts

    def char(self, byte: int) -> int:
        if self.ascii:
            return byte
        k = bisect_right(self.byte_starts, byte) - 1
        return self.char_starts[k] + len(self.encoded[self.byte_starts[k] : byte].decode("utf-8", "replace"))


# -- reading ------------------------------------------------------------------------------------------------


def _mib(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MiB"


def read_sql_file(path: Path) -> str:
    """The text of a SQL file, refused (DibsError/SourceError) when too big, binary or not UTF-8."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise DibsError(
                f"{path}: {_mib(size)} is over the {_mib(MAX_FILE_BYTES)} limit for one SQL file",
                hint="split it into several files",
            )
        with path.open("rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise DibsError(f"cannot read {path}: {exc.strerror or exc}") from None
    if len(data) > MAX_FILE_BYTES:  # a file that grew, or a device
        raise DibsError(f"{path}: over the {_mib(MAX_FILE_BYTES)} limit for one SQL file")
    return decode_sql(data, str(path))


def decode_sql(data: bytes, file: str) -> str:
    """Bytes as UTF-8 text, refusing NUL bytes and invalid UTF-8 at their line:col."""
    nul = data.find(b"\0")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        bad = exc.start if nul < 0 else min(nul, exc.start)
        line, column = _byte_position(data, bad)
        what = "binary data (NUL byte)" if bad == nul else "invalid UTF-8"
        raise SourceError(file, line, column, f"{what}: not a SQL text file") from None
    if nul >= 0:
        line, column = _byte_position(data, nul)
        raise SourceError(file, line, column, "binary data (NUL byte): not a SQL text file")
    return text.removeprefix("\ufeff")


def _byte_position(data: bytes, offset: int) -> tuple[int, int]:
    line_start = data.rfind(b"\n", 0, offset) + 1
    column = len(data[line_start:offset].decode("utf-8", "replace")) + 1
    return data.count(b"\n", 0, offset) + 1, column


_INTERESTING = re.compile(r"""--|/\*|(?<![\w$])[Ee]'|'|"|(?<![\w$])\$(?:[^\W\d]\w*)?\$|\\|;""")
_PLAIN_RUN = re.compile(r"""(?:[^-/'"$\\;Ee]++|-(?!-)|/(?!\*)|[Ee](?!')|'[^']*+'|"[^"]*+")*+""")
_ATOMIC_WORDS = re.compile(r"\b(begin\s+atomic|begin|case|end)\b", re.IGNORECASE)
_BEGIN_ATOMIC = re.compile(r"\bbegin\s+atomic\b", re.IGNORECASE)


@dataclass
class _Scan:
    chunks: list[tuple[int, int]]  # top-level statements' character ranges, `;` excluded
    meta: list[tuple[int, int]]  # meta-command ranges, backslash to end of line


def _over_the_limit(file: str, text: str, where: Positions, begin: int, end: int) -> SourceError:
    """The refusal of the statement between `begin` and `end`: the rows of a COPY ... FROM stdin (a pg_dump's
    data) are said as such, where the parser says them when they are few."""
    first = len(text[begin:end]) - len(text[begin:end].lstrip())
    copy = _copy_rows_before(text, begin + first)
    if copy is not None:
        line, column = where.line_col(copy)
        return SourceError(file, line, column, _COPY_ROWS)
    line, column = where.line_col(begin + first)
    return SourceError(
        file,
        line,
        column,
        f"statement of {_mib(len(text[begin:end].encode()))} is over the "
        f"{_mib(MAX_STATEMENT_BYTES)} limit for one statement",
    )


def _scan(file: str, text: str, where: Positions, *, long_inserts: bool = False) -> _Scan:
    """Top-level `;` and meta-commands, refusing a statement over MAX_STATEMENT_BYTES but an INSERT when
    `long_inserts` (its rows are read apart: SqlReading checks what is parsed of it whole). Unterminated quotes
    end the scan: the parser reports them at their exact place."""
    n = len(text)
    chunks: list[tuple[int, int]] = []
    meta: list[tuple[int, int]] = []
    start = pos = atomic = 0

    def too_big(begin: int, end: int) -> None:
        if end - begin > MAX_STATEMENT_BYTES or (
            (end - begin) * 4 > MAX_STATEMENT_BYTES and len(text[begin:end].encode()) > MAX_STATEMENT_BYTES
        ):
            if long_inserts and starts_insert(text, begin, end):
                return
            raise _over_the_limit(file, text, where, begin, end)

    if n > MAX_STATEMENT_BYTES:
        _refuse_long_stretches(text, too_big)

    while pos < n:
        # Plain code and simple quoted strings in one C-speed run, then the next token that needs a decision.
        m = _INTERESTING.search(text, _PLAIN_RUN.match(text, pos).end())  # type: ignore[union-attr]
        stop = m.start() if m else n
        if atomic or "tomic" in text[pos:stop].lower():
            atomic = _atomic_depth(text[pos:stop], atomic)
        if m is None:
            break
        found = m.group()
        i = m.start()
        if stop - start > MAX_STATEMENT_BYTES:
            too_big(start, stop)
        if found == "--":
            end = text.find("\n", i)
            pos = n if end < 0 else end
        elif found == "\\":
            end = text.find("\n", i)
            end = n if end < 0 else end
            meta.append((i, end))
            pos = end
        elif found == ";":
            pos = i + 1
            if not atomic:
                too_big(start, i)
                chunks.append((start, i))
                start = pos
        else:
            pos = quoted_end(text, found, i, m.end())
            if pos < 0:
                return _unterminated(chunks, meta, start, n)
        if pos - start > MAX_STATEMENT_BYTES:
            too_big(start, pos)
    too_big(start, n)
    chunks.append((start, n))
    return _Scan(chunks, meta)


def _refuse_long_stretches(text: str, too_big: Callable[[int, int], None]) -> None:
    """A stretch between two `;` (quoted or not) longer than the limit lies inside one statement: refuse it at
    once, without walking its tokens (a semicolon inside quotes only makes stretches shorter). Windows of a
    quarter of the limit: a longer stretch holds one without any `;`."""
    n = len(text)
    window, k = MAX_STATEMENT_BYTES // 4, 0
    while k < n:
        if text.find(";", k, k + window) >= 0:
            k += window
            continue
        begin, end = text.rfind(";", 0, k) + 1, text.find(";", k)
        end = n if end < 0 else end
        if end - begin > MAX_STATEMENT_BYTES:
            too_big(begin, end)
        k = end + 1


def _unterminated(chunks: list[tuple[int, int]], meta: list[tuple[int, int]], start: int, n: int) -> _Scan:
    """The scan so far and the rest as one statement, which the parser reports unterminated at its place."""
    chunks.append((start, n))
    return _Scan(chunks, meta)


def _atomic_depth(code: str, depth: int) -> int:
    """Depth inside `BEGIN ATOMIC ... END` bodies after `code` (their `;` do not end the statement)."""
    if not depth:
        m = _BEGIN_ATOMIC.search(code)
        if m is None:
            return 0
        depth, code = 1, code[m.end() :]
    for m in _ATOMIC_WORDS.finditer(code):
        word = m.group(1).lower()
        if word == "end":
            depth -= 1
            if not depth:
                return _atomic_depth(code[m.end() :], 0)
        elif word in ("begin", "case") or word.startswith("begin"):
            depth += 1
    return depth


_META_NAME = re.compile(r"\\([A-Za-z_]+|[^\sA-Za-z_])")


def parse_sql(text: str, file: str = "<sql>", *, values_apart: bool = False) -> ParsedFile:
    """Every statement of `text` with kind, position and names; meta-commands blanked and listed.
    `values_apart`: the rows of a long VALUES list are checked and read apart (`ParsedStatement.apart`), not
    kept in the tree (not for a desired schema: its door reads every row).

    Raises SourceError for a syntax error, a statement too big or nested too deeply, and binary text.
    """
    reading = SqlReading(text, file, values_apart=values_apart)
    statements: list[ParsedStatement] = []
    with collector_paused():  # the parse trees are many small dicts, all kept: collections would rescan them
        statements += reading.statements()
    return ParsedFile(file, text, tuple(statements), reading.meta_commands)


class SqlReading:
    """A text's statements read batch by batch (`statements()`): a caller that keeps what it needs of each and
    drops its parse tree holds one batch's trees at a time, not the whole file's (a 20 MB data migration's
    trees are about 35 times its size). Meta-commands and the top-level `;` are found first, in one pass."""

    def __init__(self, text: str, file: str = "<sql>", *, values_apart: bool = False) -> None:
        if "\0" in text:
            line, column = Positions(text).line_col(text.index("\0"))
            raise SourceError(file, line, column, "binary data (NUL byte): not a SQL text file")
        self.file, self.where = file, Positions(text)
        scan = _scan(file, text, self.where, long_inserts=values_apart)
        self.chunks = scan.chunks
        metas: list[MetaCommand] = []
        self.blanked = text
        if scan.meta:
            pieces: list[str] = []
            last = 0
            for begin, end in scan.meta:
                line, column = self.where.line_col(begin)
                raw = text[begin:end]
                name = _META_NAME.match(raw)
                metas.append(MetaCommand(file, line, column, raw.rstrip(), name.group(1) if name else ""))
                pieces += [text[last:begin], " " * (end - begin)]
                last = end
            pieces.append(text[last:])
            self.blanked = "".join(pieces)
        self.meta_commands = tuple(metas)
        self.apart: list[tuple[int, int]] = []
        for begin, end in self.chunks if values_apart else ():
            groups = rows_apart(self.blanked, begin, end)
            if (
                end - begin - sum(b - a for a, b in groups) > MAX_STATEMENT_BYTES
            ):  # a long INSERT, not of rows
                raise _over_the_limit(file, text, self.where, begin, end)
            self.apart += groups

    def statements(self) -> Iterator[ParsedStatement]:
        """The statements in order, parsed a batch (about 256 KiB of text) at a time."""
        for begin, end in _batches(self.chunks):
            apart = [(a, b) for a, b in self.apart if begin <= a < end]
            with collector_paused():  # a batch's trees are many small dicts: no collection rescans them
                batch = _parse_batch(self.file, self.blanked, begin, end, self.where, apart)
            _remember(batch)
            yield from batch


# Statements parsed lately, by text: callers that ask about one statement's text again (is it BEGIN? must it
# run alone?) get the answer without a second parse.
_KNOWN: dict[str, ParsedStatement] = {}
_KNOWN_LOCK = threading.Lock()  # files may be read in worker threads (the TUI)
_KNOWN_CHARS = 0
_KNOWN_MOST_CHARS = 512 * 1024


def _remember(statements: list[ParsedStatement]) -> None:
    """Keep the last 2,048 statements of up to 8 KiB (their rows read apart left out), and no more than 512 KiB
    of their text: a tree is about 35 times its text, so 2,048 statements of 8 KiB held 600 MB."""
    global _KNOWN_CHARS
    recent = [s for s in statements[-2048:] if s.parsed_chars <= 8192]
    with _KNOWN_LOCK:
        for stmt in recent:
            if stmt.text in _KNOWN:
                continue
            _KNOWN[stmt.text] = stmt
            _KNOWN_CHARS += stmt.parsed_chars
            while len(_KNOWN) > 2048 or _KNOWN_CHARS > _KNOWN_MOST_CHARS:
                _KNOWN_CHARS -= _KNOWN.pop(next(iter(_KNOWN))).parsed_chars  # the oldest


def statement_info(sql: str) -> ParsedStatement | None:
    """The parse of one statement's text (from a recent `parse_sql`, else parsed now); None when it does not
    parse as exactly one statement."""
    known = _KNOWN.get(sql)
    if known is not None:
        return known
    try:
        parsed = parse_sql(sql, values_apart=True)
    except DibsError:
        return None
    return parsed.statements[0] if len(parsed.statements) == 1 else None


def strip_comments(sql: str) -> str:
    """`sql` without comments, whitespace collapsed, tokens as written (for pattern matching only)."""
    from pglast import parser

    try:
        tokens = parser.scan(sql)
    except parser.ParseError:
        return " ".join(sql.split())
    out: list[str] = []
    last = None
    for token in tokens:
        if token.name in ("SQL_COMMENT", "C_COMMENT"):
            continue
        if last is not None and token.start > last + 1:
            out.append(" ")
        out.append(sql[token.start : token.end + 1])
        last = token.end
    return "".join(out)


def _batches(chunks: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    begin = end = None
    for start, stop in chunks:
        if begin is None:
            begin = start
        elif stop - begin > _BATCH_CHARS:
            out.append((begin, end if end is not None else stop))
            begin = start
        end = stop + 1  # with its `;`
    if begin is not None and end is not None:
        out.append((begin, end))
    return out


_COPY_FROM_STDIN = re.compile(r"^[ \t]*COPY\b[^;]*?\bFROM\s+STDIN\b[^;]*;", re.IGNORECASE | re.MULTILINE)
_COPY_ROWS = (
    "COPY ... FROM stdin with its rows in the file (as pg_dump writes them): only SQL statements are read; "
    "load the rows with psql, or write them as INSERT"
)


def _copy_rows_before(text: str, at: int) -> int | None:
    """Where a COPY ... FROM stdin starts whose rows (not SQL) begin right where the parser stopped at `at`."""
    last = None
    for match in _COPY_FROM_STDIN.finditer(text, 0, at):
        last = match
    if last is None or text[last.end() : at].strip():
        return None
    return last.start() + len(last.group(0)) - len(last.group(0).lstrip())


def _parse_batch(
    file: str, text: str, begin: int, end: int, where: Positions, apart: list[tuple[int, int]]
) -> list[ParsedStatement]:
    """The statements between `begin` and `end`; the groups of rows `apart` are checked, then blanked."""
    from pglast import parser  # about 20 ms: only when there is SQL to read

    batch = text[begin:end]
    if not batch.strip():
        return []
    plain = _checked_rows(file, text, apart, where)
    kept = sum(b - a for a, b in apart) - sum(b - a for a, b in plain)
    if kept and (end - begin) - sum(b - a for a, b in plain) > MAX_STATEMENT_BYTES:  # rows naming tables
        raise _over_the_limit(file, text, where, begin, end)
    if apart := plain:
        pieces, last = [], begin
        for a, b in apart:
            pieces += [text[last:a], " " * (b - a)]
            last = b
        batch = "".join([*pieces, text[last:end]])
    try:
        tree = orjson.loads(parser.parse_sql_json(batch))
    except parser.ParseError as exc:
        message = str(exc.args[0]) if exc.args else str(exc)
        location = exc.args[1] if len(exc.args) > 1 and isinstance(exc.args[1], int) else None
        if "stack depth" in message or "memory exhausted" in message or "too deeply" in message:
            message = "statement nested too deeply to read"
        at = begin + (location if location is not None and 0 <= location <= len(batch) else 0)
        if location is None:
            at = begin + len(batch) - len(batch.lstrip())
        copy = _copy_rows_before(text, at)
        if copy is not None:
            line, column = where.line_col(copy)
            raise SourceError(file, line, column, _COPY_ROWS) from None
        line, column = where.line_col(at)
        raise SourceError(file, line, column, _one_line(message)) from None
    except (RecursionError, orjson.JSONDecodeError):  # orjson stops at 1,024 levels: no crash
        first = begin + len(batch) - len(batch.lstrip())
        line, column = where.line_col(first)
        raise SourceError(file, line, column, "statement nested too deeply to read") from None
    to_char = _Bytes(batch).char

    def locate(byte: int) -> int:
        return begin + to_char(byte)

    out: list[ParsedStatement] = []
    for raw_stmt in tree.get("stmts", ()):
        loc = raw_stmt.get("stmt_location", 0)
        length = raw_stmt.get("stmt_len", 0)
        start = begin + to_char(loc)
        stop = begin + to_char(loc + length) if length else end
        body = text[start:stop].rstrip()
        body = body.removesuffix(";").rstrip() if stop == end else body
        node = raw_stmt.get("stmt", {})
        line, column = where.line_col(start)
        kind, alone = describe(node)
        rows = tuple((a - start, b - start) for a, b in apart if start <= a < stop)
        out.append(ParsedStatement(file, body, line, column, start, kind, alone, node, locate, rows))
    return out


def _checked_rows(
    file: str, text: str, apart: list[tuple[int, int]], where: Positions
) -> list[tuple[int, int]]:
    """Each group of rows read apart parsed on its own (after GROUP_HEAD), its tree not even made: a syntax
    error there is said at its place, as when the statement is parsed whole. The groups whose rows name no
    table: one whose subquery reads a table stays in the statement's tree, where its names are looked for
    (the trace's clone, the proof's certainty)."""
    from pglast import parser

    plain: list[tuple[int, int]] = []
    for begin, end in apart:
        rows = text[begin:end]
        try:
            if '"RangeVar"' not in parser.parse_sql_json(GROUP_HEAD + rows):
                plain.append((begin, end))
        except parser.ParseError as exc:
            message = str(exc.args[0]) if exc.args else str(exc)
            location = exc.args[1] if len(exc.args) > 1 and isinstance(exc.args[1], int) else len(GROUP_HEAD)
            if "stack depth" in message or "memory exhausted" in message or "too deeply" in message:
                message = "statement nested too deeply to read"
            at = begin + _Bytes(rows).char(min(max(location - len(GROUP_HEAD), 0), len(rows.encode())))
            line, column = where.line_col(at)
            raise SourceError(file, line, column, _one_line(message)) from None
    return plain


def _one_line(message: str) -> str:
    """The parser's message on one line, a long quoted fragment cut (it may hold the rest of the file)."""
    m = re.match(r'(?s)(.*? at or near ")(.*)"$', message)
    if m:
        near = " ".join(m.group(2).split())
        near = near if len(near) <= 40 else near[:40] + "..."
        message = m.group(1) + printable(near) + '"'
    return " ".join(message.split())


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def printable(text: str) -> str:
    """Text from a file with its control characters (a terminal's escape sequences) shown as \\xNN."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)
