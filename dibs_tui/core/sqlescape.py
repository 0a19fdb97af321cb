"""SQL text made free of raw control characters without changing what it means.

The server hands definitions back with string constants as they are: a CHECK, a default, a view, a
function body or a partial index holding ESC or a bidi override comes back with that character raw, and so
would the SQL we print (`diff`, `schema --sql`) or write (`generate`). Here each token that holds one is
rewritten to an equal token that spells it as an escape: a string constant becomes E'...\\x1b...', a quoted
name U&"...\\001B...", a comment gets a visible `\\x1b`. PostgreSQL's own scanner (pglast) finds the tokens,
so a quote inside a comment or a dollar-quoted body is never mistaken for the end of a string.
"""

from __future__ import annotations

import re

from .sql import e_escape as _e_escape
from .sql import unicode_ident
from .terminal import HIDING_SELECTOR, INVISIBLE, has_controls, safe_output

# The same set as core.sql: C0 but newline and tab, DEL, C1, core.terminal's INVISIBLE.
_UNSAFE = re.compile("[\\x00-\\x08\\x0b-\\x1f\\x7f-\\x9f" + INVISIBLE + "]" + HIDING_SELECTOR)


def _u_escape(match: re.Match[str]) -> str:
    """One character inside U&'' or U&"" with the default escape character."""
    code = ord(match.group())
    return f"\\{code:04X}" if code <= 0xFFFF else f"\\+{code:06X}"


def _as_e_string(value: str) -> str:
    """An E'' constant equal to `value` (backslashes and quotes doubled, controls escaped)."""
    body = value.replace("\\", "\\\\").replace("'", "''")
    return "E'" + _UNSAFE.sub(lambda m: _e_escape(m.group()), body) + "'"


def _string_constant(token: str) -> str:
    """The same constant with no raw control character."""
    head = token[:2].lower()
    if head == "e'":  # raw controls inside E'': each one, or a backslash-escaped one, becomes its escape
        out: list[str] = []
        i = 2
        while i < len(token):
            char = token[i]
            if char == "\\" and i + 1 < len(token):
                nxt = token[i + 1]
                out.append(_e_escape(nxt) if _UNSAFE.match(nxt) else char + nxt)
                i += 2
                continue
            out.append(_e_escape(char) if _UNSAFE.match(char) else char)
            i += 1
        return "E'" + "".join(out)
    if head == "u&":  # U&'...' with the default escape character
        return _UNSAFE.sub(_u_escape, token)
    if token.startswith("'"):  # standard_conforming_strings: backslashes are literal
        return _as_e_string(token[1:-1].replace("''", "'"))
    if token.startswith("$"):  # $tag$body$tag$
        tag_end = token.index("$", 1) + 1
        return _as_e_string(token[tag_end:-tag_end])
    return safe_output(token)  # not a form we know how to keep equal: at least nothing raw


def _identifier(token: str) -> str:
    if token.startswith('"'):
        return unicode_ident(token[1:-1].replace('""', '"'))
    if token[:2].lower() == "u&":
        return _UNSAFE.sub(_u_escape, token)
    # Unquoted: PostgreSQL folds ASCII letters to lower case; the quoted form must say so itself.
    return unicode_ident("".join(c.lower() if c.isascii() else c for c in token))


def escape_sql(sql: str) -> str:
    """`sql` with every raw control character (but newline and tab) written as an equivalent escape."""
    if not has_controls(sql):
        return sql
    from pglast import parser

    try:
        tokens = list(parser.scan(sql))  # offsets in characters, end inclusive
    except Exception:  # not SQL the scanner accepts (an unterminated quote): nothing raw, meaning aside
        return safe_output(sql)
    out: list[str] = []
    last = 0
    for token in tokens:
        start, end = token.start, token.end + 1
        if start > last:
            out.append(_gap(sql[last:start]))
        text = sql[start:end]
        if _UNSAFE.search(text):
            if token.name in ("SCONST", "USCONST"):
                text = _string_constant(text)
            elif token.name in ("IDENT", "UIDENT"):
                text = _identifier(text)
            else:  # comments and anything else: visible escapes
                text = safe_output(text)
        out.append(text)
        last = end
    out.append(_gap(sql[last:]))
    return "".join(out)


def _gap(text: str) -> str:
    """Between tokens is white space (and the odd stray character): a control there becomes a space."""
    return _UNSAFE.sub(" ", text)
