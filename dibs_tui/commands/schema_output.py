"""The schema command's output forms shared by PostgreSQL and SQLite: the model as JSON, SQL in colour."""

from __future__ import annotations

import dataclasses

from ..core.model import Catalog


def highlight_sql(sql: str) -> str:
    """SQL coloured for a terminal, for text that was made printable first: the only escapes are Pygments'."""
    from pygments import highlight
    from pygments.formatters import TerminalFormatter
    from pygments.lexers.sql import PostgresLexer

    return str(highlight(sql, PostgresLexer(), TerminalFormatter()))


def to_json(catalog: Catalog) -> bytes:
    """The whole model, provenance, stale and untracked meta included, as one UTF-8 JSON document.

    orjson encodes the slots dataclasses, enums (by value), tuples and datetimes (ISO 8601) natively, in one
    pass without a Python callback per object: 0.72 -> 0.31 s for the 54 MB document of 5,000 tables, with
    the same content as the standard library's encoder. The Catalog itself is taken field by field, because
    its cached properties (indexes over the relations) are not part of the model.
    """
    import orjson

    return orjson.dumps({f.name: getattr(catalog, f.name) for f in dataclasses.fields(catalog)})
