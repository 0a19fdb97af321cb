"""SQLite files for the tests: the Marlin migrations applied in order, and a sample with every feature."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

MARLIN = Path(__file__).parent / "fixtures" / "real" / "marlin" / "migrations"

# What the Marlin migrations make, beside the FTS5 table's shadow tables.
MARLIN_TABLES = {
    "attributes",
    "collection_files",
    "collections",
    "file_changes",
    "file_tags",
    "files",
    "links",
    "schema_version",
    "tags",
    "views",
}
FTS5_SHADOWS = {
    "files_fts_data",
    "files_fts_idx",
    "files_fts_content",
    "files_fts_docsize",
    "files_fts_config",
}
MARLIN_SHADOWS = FTS5_SHADOWS - {"files_fts_content"}  # contentless (content=''): fts5 keeps no _content

SAMPLE = """
CREATE TABLE authors (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    email TEXT NOT NULL COLLATE NOCASE,
    name TEXT DEFAULT 'anonymous',
    born INTEGER CHECK (born > 1800),
    CONSTRAINT email_has_at CHECK (email LIKE '%@%')
);
CREATE TABLE Books (
    isbn TEXT PRIMARY KEY,
    author_id INTEGER REFERENCES AUTHORS,
    title TEXT NOT NULL,
    price REAL,
    price_cents INTEGER GENERATED ALWAYS AS (CAST(price * 100 AS INTEGER)) STORED,
    title_len INTEGER AS (length(title))
) WITHOUT ROWID;
CREATE TABLE events (id INTEGER PRIMARY KEY, at TEXT NOT NULL, kind TEXT) STRICT;
CREATE UNIQUE INDEX authors_email_lower ON authors (lower(email), name DESC);
CREATE INDEX books_cheap ON Books (price) WHERE price < 10;
CREATE VIEW cheap_books (isbn, title) AS SELECT isbn, title FROM books WHERE price < 10;
CREATE TRIGGER books_touch AFTER UPDATE ON books BEGIN SELECT 1; END;
CREATE VIRTUAL TABLE notes USING fts5(body, tokenize = 'porter');
PRAGMA user_version = 7;
"""


def build_marlin(path: Path) -> Path:
    """The seven Marlin migrations applied in name order with sqlite3, as Marlin itself runs them."""
    conn = sqlite3.connect(path)
    try:
        conn.execute("PRAGMA synchronous = OFF")
        for file in sorted(MARLIN.glob("*.sql")):
            conn.executescript(file.read_text())
    finally:
        conn.close()
    return path


def build(path: Path, sql: str) -> Path:
    conn = sqlite3.connect(path)
    try:
        conn.execute("PRAGMA synchronous = OFF")  # this connection only: no fsync per statement
        conn.executescript(sql)
    finally:
        conn.close()
    return path


def fingerprint(path: Path) -> tuple[str, int, list[str]]:
    """The file's hash, its mtime in ns, and every file beside it (a -wal, -shm or -journal would show)."""
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    return digest, path.stat().st_mtime_ns, sorted(p.name for p in path.parent.iterdir())
