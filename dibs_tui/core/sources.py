"""Which kind of database a command-line argument names: a SQLite file, or (by default) PostgreSQL.

Checked before the PostgreSQL DSN is resolved, so that a file path never reaches libpq's parser (where
`./app.db` would become a database name on localhost).
"""

from __future__ import annotations

from pathlib import Path

SQLITE_MAGIC = b"SQLite format 3\x00"
SQLITE_SUFFIXES = (".db", ".sqlite", ".sqlite3", ".db3")
SQLITE_SCHEME = "sqlite:"


def has_sqlite_header(path: Path) -> bool:
    """The file starts with SQLite's 16-byte magic string (unreadable files do not)."""
    try:
        with path.open("rb") as f:
            return f.read(len(SQLITE_MAGIC)) == SQLITE_MAGIC
    except OSError:
        return False


def _from_url(dsn: str) -> Path:
    """`sqlite:///rel/path.db` is relative, `sqlite:////abs/path.db` absolute (SQLAlchemy's reading)."""
    rest = dsn[len(SQLITE_SCHEME) :]
    if rest.startswith("//"):
        rest = rest[2:]
        if rest.startswith("/"):
            rest = rest[1:]
    rest = rest.split("?", 1)[0]
    return Path(rest).expanduser() if rest else Path()


def is_sqlite(dsn: str | None) -> Path | None:
    """The SQLite file `dsn` names, or None when it is (or may be) a PostgreSQL DSN.

    A SQLite file is: `sqlite:///path`; an existing file starting with SQLite's magic; or a path ending in
    .db, .sqlite, .sqlite3 or .db3 that is not a libpq `key=value` string (missing or not SQLite: the
    opener says which, instead of a PostgreSQL connection error).
    """
    if not dsn:
        return None
    if dsn.lower().startswith(SQLITE_SCHEME):
        return _from_url(dsn)
    if "://" in dsn:
        return None
    path = Path(dsn).expanduser()
    try:
        exists = path.is_file()
    except (OSError, ValueError):  # a name too long, or a NUL byte: not a file path
        return None
    if exists and has_sqlite_header(path):
        return path
    if path.suffix.lower() in SQLITE_SUFFIXES and (exists or "=" not in dsn):
        return path
    return None


__all__ = ["SQLITE_MAGIC", "has_sqlite_header", "is_sqlite"]
