"""The schema command's output forms shared by PostgreSQL and SQLite: the model as JSON, SQL in colour."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from ..core.model import Catalog
from ..core.terminal import json_safe


def highlight_sql(sql: str) -> str:
    """SQL coloured for a terminal, for text that was made printable first: the only escapes are Pygments'."""
    from pygments import highlight
    from pygments.formatters import TerminalFormatter
    from pygments.lexers.sql import PostgresLexer

    return str(highlight(sql, PostgresLexer(), TerminalFormatter()))


def write_json(catalog: Catalog, write: Callable[[bytes], object]) -> None:
    """The whole model, provenance, stale and untracked meta included, as one UTF-8 JSON document written
    piece by piece: each field of the Catalog, and each object of its lists, encoded and written on its own,
    made safe for a terminal (`json_safe`) as it goes. The document is never held whole (54 MB at 5,000
    tables, and its escaped copy); the bytes are those of encoding the Catalog's fields as one dict.

    orjson encodes the dataclasses, enums (by value), tuples and datetimes (ISO 8601) natively, without a
    Python callback per object. The Catalog itself is taken field by field, because its cached properties
    (indexes over the relations) are not part of the model.
    """
    import orjson

    dumps = orjson.dumps
    opening = b"{"
    for f in dataclasses.fields(catalog):
        value = getattr(catalog, f.name)
        write(opening + dumps(f.name) + b":")
        opening = b","
        if isinstance(value, tuple) and value:
            write(b"[")
            for start in range(0, len(value), _BATCH):
                comma = b"," if start else b""
                write(comma + json_safe(b",".join([dumps(v) for v in value[start : start + _BATCH]])))
            write(b"]")
        else:
            write(json_safe(dumps(value)))
    write(b"}")


_BATCH = 16  # objects per write: a few hundred system calls at 5,000 tables, about 200 kB held at a time
