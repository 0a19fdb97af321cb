"""Names and lists as a migration writes them, read out of the statement text: the reviewer needs them to
look tables up and to spell its checking queries."""

from __future__ import annotations

import re

IDENT = r'(?:"(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_$]*)'
NAME = rf"{IDENT}(?:\s*\.\s*{IDENT})*"


def unquote(part: str) -> str:
    part = part.strip()
    if part.startswith('"'):
        return part[1:-1].replace('""', '"')
    return part.lower()


def parts(name: str) -> list[str]:
    return [unquote(p) for p in re.findall(IDENT, name)]


def key(name: str) -> str:
    """The name a file-local set remembers a table by (`public.t` and `t` are one)."""
    found = parts(name)
    return ".".join(found[1:] if len(found) == 2 and found[0] == "public" else found)


def split_top_level(text: str) -> list[str]:
    """Split at commas outside parentheses and quotes."""
    out, depth, start, quote = [], 0, 0, ""
    for i, ch in enumerate(text):
        if quote:
            if ch == quote:
                quote = ""
        elif ch in "'\"":
            quote = ch
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "," and depth == 0:
            out.append(text[start:i].strip())
            start = i + 1
    out.append(text[start:].strip())
    return [p for p in out if p]


def column_names(text: str) -> list[str]:
    return [unquote(c) for c in split_top_level(text)]


def regclass_text(name: str) -> str:
    """`name` as text for to_regclass(), every part double-quoted (to_regclass reads no U&"..." form)."""
    return ".".join('"' + p.replace('"', '""') + '"' for p in parts(name))
