"""The one place identifiers and literals become SQL text. Every generated statement goes through here."""

from __future__ import annotations

import functools
import re
from typing import NamedTuple

from .terminal import HIDING_SELECTOR, INVISIBLE

_PLAIN_IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]*")

# Every keyword that is not "unreserved" (pg_get_keywords() catcode R, C and T on PostgreSQL 18): exactly the
# words PostgreSQL's own quote_identifier() quotes, so that SQL we print reads the same as pg_get_indexdef
# and pg_dump. Quoting a word that an older server would accept bare is harmless.
RESERVED = frozenset(
    """all analyse analyze and any array as asc asymmetric both case cast check collate column constraint
    create current_catalog current_date current_role current_time current_timestamp current_user default
    deferrable desc distinct do else end except false fetch for foreign from grant group having in initially
    intersect into lateral leading limit localtime localtimestamp not null offset on only or order placing
    primary references returning select session_user some symmetric system_user table then to trailing true
    union unique user using variadic when where window with
    between bigint bit boolean char character coalesce dec decimal exists extract float greatest grouping inout
    int integer interval json json_array json_arrayagg json_exists json_object json_objectagg json_query
    json_scalar json_serialize json_table json_value least merge_action national nchar none normalize nullif
    numeric out overlay position precision real row setof smallint substring time timestamp treat trim values
    varchar xmlattributes xmlconcat xmlelement xmlexists xmlforest xmlnamespaces xmlparse xmlpi xmlroot
    xmlserialize xmltable
    authorization binary collation concurrently cross current_schema freeze full ilike inner is isnull join
    left like natural notnull outer overlaps right similar tablesample verbose""".split()
)


# What must not reach a file or a terminal raw: C0 controls but newline and tab, DEL, C1 controls and
# core.terminal's INVISIBLE (separators, bidi controls, every format character, the zero-width joiners, the
# invisible letters): the set the CLI's output escapes, so SQL we print is never escaped again as text.
_UNSAFE = re.compile("[\\x00-\\x08\\x0b-\\x1f\\x7f-\\x9f" + INVISIBLE + "]" + HIDING_SELECTOR)
_UNSAFE_IN_NAME = re.compile("[\\x00-\\x1f\\x7f-\\x9f" + INVISIBLE + "]" + HIDING_SELECTOR)


def quote_identifier(name: str) -> str:
    """Quote an identifier exactly when PostgreSQL's quote_identifier() would (capitals, spaces, quotes, `$`,
    non-ASCII, any keyword that is not unreserved). A name holding a control character (or a newline, tab,
    bidi override) is written `U&"a\\001Bb"`, so the SQL we print or write never carries it raw.

    Not remembered: for a name quoted once (an index's own, as the catalog read writes its definition).
    `quote_ident` remembers every name it quotes for the process's life, and its cache kept the read's copy of
    each index name: 640,000 entries at 100,000 tables."""
    if _PLAIN_IDENTIFIER.fullmatch(name) and name not in RESERVED:
        return name
    if _UNSAFE.search(name) or "\n" in name or "\t" in name:
        return unicode_ident(name)
    return '"' + name.replace('"', '""') + '"'


quote_ident = functools.cache(quote_identifier)
"""`quote_identifier`, remembered: names repeat a lot (id, created_at, ...): a catalog of 5,000 tables quotes
300,000 of them."""


def unicode_ident(name: str) -> str:
    """`U&"..."` with every control character as a `\\XXXX` escape (backslashes doubled, quotes doubled)."""
    body = name.replace("\\", "\\\\").replace('"', '""')
    body = _UNSAFE_IN_NAME.sub(_unicode_escape, body)
    return 'U&"' + body + '"'


def _unicode_escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\{code:04X}" if code <= 0xFFFF else f"\\+{code:06X}"


def _e_escape(match: re.Match[str]) -> str:
    """One character inside E'': `\\x1b` below 0x80 (readable, as the TUI shows it), `\\u009b` above,
    `\\U000e0041` beyond U+FFFF."""
    return e_escape(match.group())


def e_escape(char: str) -> str:
    """`char` as an E'' string spells it: `\\x1b`, `\\u200d`, `\\U000e0041`."""
    code = ord(char)
    if code < 0x80:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def qualified(schema: str, name: str) -> str:
    """`schema.name`, each part quoted as needed."""
    return f"{quote_ident(schema)}.{quote_ident(name)}"


_NAME_PART = re.compile(r'"((?:[^"]|"")*)"|([^".]+)')


def requoted(name: str) -> str:
    """A name as the server's quote_ident wrote it (`schema.name`, a part quoted as needed), written by
    `quote_ident` instead: the same name in SQL, a newline or escape character in it written `U&"a\\000Ab"`,
    so the message or statement that names it stays on its line and colours nothing. What is kept of it (a
    partial apply's record) stays as the server wrote it: that is what the next run matches."""
    parts = [
        m.group(2) if m.group(1) is None else m.group(1).replace('""', '"') for m in _NAME_PART.finditer(name)
    ]
    return ".".join(quote_ident(part) for part in parts)


def quote_literal(value: str) -> str:
    """A string literal; E'' only when backslashes or control characters force it, so output stays
    readable. Control characters (ESC, BEL, CR, C1, bidi overrides) become `\\x1b` / `\\u202e` escapes:
    a generated migration or a printed COMMENT never carries one raw. Newlines and tabs stay as they are."""
    escaped = value.replace("'", "''")
    if "\\" in value or _UNSAFE.search(value):
        return "E'" + _UNSAFE.sub(_e_escape, escaped.replace("\\", "\\\\")) + "'"
    return "'" + escaped + "'"


def one_line_literal(value: str) -> str:
    """`quote_literal`'s literal with newlines and tabs escaped too (`E'a\\nb'`): for a statement a message
    suggests, which a value holding a newline must not spread over lines of their own."""
    if "\n" not in value and "\t" not in value:
        return quote_literal(value)
    escaped = _UNSAFE.sub(_e_escape, value.replace("\\", "\\\\").replace("'", "''"))
    return "E'" + escaped.replace("\n", "\\n").replace("\t", "\\t") + "'"


def literal_or_null(value: object) -> str:
    """A literal for meta-table upserts: NULL, booleans, integers, strings and string arrays."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, list | tuple):
        return (
            "ARRAY[" + ", ".join(quote_literal(str(v)) for v in value) + "]::text[]"
            if value
            else "'{}'::text[]"
        )
    return quote_literal(str(value))


class QuotedSplit(NamedTuple):
    """What `split_quoted` read: the parts, where it stopped, whether a double quote was left open, and what was
    wrong with a `U&"..."` escape (None when nothing was)."""

    parts: list[str]
    end: int
    open_quote: bool
    bad_escape: str | None = None


_UESCAPE = re.compile(r"\s*uescape\s*'([^'])'", re.IGNORECASE)
_UNPAIRED_HIGH = "a UTF-16 high surrogate is not followed by its low surrogate"
_UNICODE_ESCAPE_IN = r"(?:{e}{e}|{e}([0-9A-Fa-f]{{4}})|{e}\+([0-9A-Fa-f]{{6}})|{e})"


def decode_unicode_ident(body: str, escape: str = "\\") -> str:
    """The name a `U&"body"` identifier stands for, as PostgreSQL's scanner decodes it: `\\XXXX`, `\\+XXXXXX`
    (a UTF-16 surrogate pair as two escapes) and a doubled escape character for itself (`UESCAPE 'c'` sets
    another escape character). ValueError names what is wrong."""
    pattern = re.compile(_UNICODE_ESCAPE_IN.format(e=re.escape(escape)))
    out: list[str] = []
    pending_high: int | None = None
    position = 0
    for match in pattern.finditer(body):
        if pending_high is not None and match.start() != position:
            raise ValueError(_UNPAIRED_HIGH)
        out.append(body[position : match.start()])
        position = match.end()
        text = match.group()
        if text == escape * 2:
            if pending_high is not None:
                raise ValueError(_UNPAIRED_HIGH)
            out.append(escape)
            continue
        digits = match.group(1) or match.group(2)
        if digits is None:
            raise ValueError(f"invalid Unicode escape at {text!r}: expected {escape}XXXX or {escape}+XXXXXX")
        code = int(digits, 16)
        if pending_high is not None:
            if not 0xDC00 <= code <= 0xDFFF:
                raise ValueError(_UNPAIRED_HIGH)
            code, pending_high = 0x10000 + ((pending_high - 0xD800) << 10) + (code - 0xDC00), None
        elif 0xD800 <= code <= 0xDBFF:
            pending_high = code
            continue
        elif 0xDC00 <= code <= 0xDFFF:
            raise ValueError("a UTF-16 low surrogate without its high surrogate")
        if code == 0 or code > 0x10FFFF:
            raise ValueError(f"invalid Unicode code point {code:#x}")
        out.append(chr(code))
    if pending_high is not None:
        raise ValueError(_UNPAIRED_HIGH)
    out.append(body[position:])
    return "".join(out)


def split_quoted(text: str, sep: str, stop: str = "") -> QuotedSplit:
    """The parts of `text` between unquoted `sep` characters, each double-quoted stretch unquoted (`""` is one
    quote) and kept whole, separators and case included; a `U&"..."` stretch (optionally followed by
    `UESCAPE 'c'`) is decoded as PostgreSQL decodes it, so a name we printed that way reads back. Reading ends at
    the first unquoted `stop` character (its index is `end`; `len(text)` when there is none). Spaces outside
    quotes around a part are dropped; those inside a part or inside quotes are kept."""
    parts: list[str] = []
    current: list[str] = []
    quoted = False
    unicode_from: int | None = None  # where the open U&"..." stretch starts in `current`
    kept = 0  # characters of `current` up to its last quoted or non-space one
    bad_escape: str | None = None
    i = 0
    while i < len(text):
        char = text[i]
        if quoted:
            if char == '"' and text[i + 1 : i + 2] == '"':
                current.append('"')
                i += 1
            elif char == '"':
                quoted = False
                if unicode_from is not None:
                    escape = "\\"
                    uescape = _UESCAPE.match(text, i + 1)
                    if uescape:
                        escape, i = uescape.group(1), uescape.end() - 1
                    body = "".join(current[unicode_from:])
                    try:
                        current[unicode_from:] = [decode_unicode_ident(body, escape)]
                    except ValueError as error:
                        bad_escape = bad_escape or str(error)
                    unicode_from = None
                kept = len(current)
            else:
                current.append(char)
        elif char == '"':
            quoted = True
        elif char in "uU" and text[i + 1 : i + 3] == '&"' and not current:
            quoted, unicode_from = True, len(current)
            i += 2
        elif char == sep:
            parts.append(_joined(current, kept))
            current, kept = [], 0
        elif stop and char == stop:
            break
        elif char.isspace() and not current:
            pass  # a space before the part (those after it: trimmed by _joined)
        else:
            current.append(char)
            if not char.isspace():
                kept = len(current)
        i += 1
        if quoted:
            kept = len(current)
    parts.append(_joined(current, kept))
    return QuotedSplit(parts, i, quoted, bad_escape)


def _joined(current: list[str], kept: int) -> str:
    """A part's characters up to the last one that was quoted or not a space."""
    return "".join(current[:kept])
