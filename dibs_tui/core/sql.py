"""The one place identifiers and literals become SQL text. Every generated statement goes through here."""

from __future__ import annotations

import re

_PLAIN_IDENTIFIER = re.compile(r"[a-z_][a-z0-9_$]*")

# Words PostgreSQL reserves (cannot be column or table names without quotes); from the SQL key words appendix,
# the "reserved" and "reserved (can be function or type)" entries.
RESERVED = frozenset(
    """all analyse analyze and any array as asc asymmetric authorization binary both case cast check collate
    collation column concurrently constraint create cross current_catalog current_date current_role
    current_schema current_time current_timestamp current_user default deferrable desc distinct do else end
    except false fetch for foreign freeze from full grant group having ilike in initially inner intersect into
    is isnull join lateral leading left like limit localtime localtimestamp natural not notnull null offset on
    only or order outer overlaps placing primary references returning right select session_user similar some
    symmetric system_user table tablesample then to trailing true union unique user using variadic verbose when
    where window with""".split()
)


def quote_ident(name: str) -> str:
    """Quote an identifier only when PostgreSQL needs it (capitals, spaces, quotes, keywords, non-ASCII)."""
    if _PLAIN_IDENTIFIER.fullmatch(name) and name not in RESERVED:
        return name
    return '"' + name.replace('"', '""') + '"'


def qualified(schema: str, name: str) -> str:
    """`schema.name`, each part quoted as needed."""
    return f"{quote_ident(schema)}.{quote_ident(name)}"


def quote_literal(value: str) -> str:
    """A string literal; uses E'' only when backslashes force it, so output stays readable."""
    escaped = value.replace("'", "''")
    if "\\" in value:
        return "E'" + escaped.replace("\\", "\\\\") + "'"
    return "'" + escaped + "'"


def literal_or_null(value: object) -> str:
    """A literal for meta-table upserts: NULL, booleans, integers, strings and string arrays."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, list | tuple):
        return "ARRAY[" + ", ".join(quote_literal(str(v)) for v in value) + "]::text[]" if value else "'{}'::text[]"
    return quote_literal(str(value))
