"""Which SQL dialect a migration file or folder is written in, when it is plainly not PostgreSQL.

dibs-tui reviews and applies PostgreSQL only: a SQLite, MySQL or SQL Server migration would fail on the
first statement at best, or be reviewed as if its hazards were PostgreSQL's. Each dialect is recognised by
constructs PostgreSQL does not have (PRAGMA, AUTOINCREMENT, ENGINE=, backticks, GO lines, IDENTITY(1,1),
[bracketed] names), looked for outside comments, string literals and quoted identifiers; the first one found
is named with its file, line and column.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from .errors import DibsError
from .sources import has_sqlite_header

MAX_FILE_BYTES = 8 * 1024 * 1024  # larger files are data dumps, not migrations: not scanned
MAX_FILES = 5000

# (dialect, pattern, what to call the evidence (`{0}`: the text matched, spaces collapsed), weight). Weight
# 1 is a construct only that dialect has; 0.5 one another non-PostgreSQL dialect shares (SQLite accepts
# backticks, brackets and any type name), so that a file showing both is named after its stronger signs.
_MARKERS: tuple[tuple[str, re.Pattern[str], str, float], ...] = tuple(
    (dialect, re.compile(pattern, re.IGNORECASE | re.MULTILINE), label, weight)
    for dialect, pattern, label, weight in (
        ("SQLite", r"\bPRAGMA\s+\w+(?:\.\w+)?", "{0}", 1),
        ("SQLite", r"\bINSERT\s+OR\s+(?:REPLACE|IGNORE|ABORT|FAIL|ROLLBACK)\b", "{0}", 1),
        ("SQLite", r"\bAUTOINCREMENT\b", "{0}", 1),
        ("SQLite", r"\bCREATE\s+VIRTUAL\s+TABLE\b", "{0}", 1),
        ("SQLite", r"\bWITHOUT\s+ROWID\b", "{0}", 1),
        ("SQLite", r"\bBEGIN\s+(?:DEFERRED|IMMEDIATE|EXCLUSIVE)\b", "{0}", 1),
        ("MySQL", r"\bENGINE\s*=\s*\w+", "{0}", 1),
        ("MySQL", r"\bAUTO_INCREMENT\b", "{0}", 1),
        ("MySQL", r"\bDEFAULT\s+CHARSET\b", "{0}", 1),
        ("MySQL", r"^\s*DELIMITER\s+\S+", "{0}", 1),
        (
            "MySQL",
            r"\bINT\s*\(\s*\d+\s*\)\s+UNSIGNED\b|\bUNSIGNED\s+(?:NOT\s+NULL|AUTO_INCREMENT)\b",
            "{0}",
            1,
        ),
        ("MySQL", r"\b(?:TINYINT|MEDIUMINT|TINYTEXT|MEDIUMTEXT|LONGTEXT|LONGBLOB|MEDIUMBLOB)\b", "{0}", 0.5),
        ("MySQL", r"`", "backtick identifiers", 0.5),
        ("SQL Server", r"^[ \t]*GO[ \t]*;?[ \t]*$", "GO lines", 1),
        ("SQL Server", r"\bIDENTITY\s*\(\s*\d+\s*,\s*\d+\s*\)", "{0}", 1),
        ("SQL Server", r"\bSET\s+(?:ANSI_NULLS|QUOTED_IDENTIFIER|NOCOUNT)\s+(?:ON|OFF)\b", "{0}", 1),
        ("SQL Server", r"\bEXEC(?:UTE)?\s+sp_\w+", "{0}", 1),
        ("SQL Server", r"\bNVARCHAR\b|\bN?VARCHAR\s*\(\s*MAX\s*\)", "{0}", 0.5),
        ("SQL Server", r"\b(?:UNIQUEIDENTIFIER|DATETIME2|NTEXT|SMALLDATETIME)\b", "{0}", 0.5),
    )
)

# [name] where PostgreSQL could not have a subscript: after `(`, `,`, `.` or a keyword that takes a name.
_BRACKET = re.compile(r"\[[A-Za-z_][\w ]*\]")
_BRACKET_AFTER = re.compile(
    r"(?:[(,.]|\b(?:TABLE|INTO|FROM|JOIN|UPDATE|REFERENCES|EXISTS|INDEX|VIEW|ON|PROCEDURE|SCHEMA|COLUMN|"
    r"BY|SELECT|AS|KEY))\s*$",
    re.IGNORECASE,
)

# Comments, string literals (E'', dollar quoting) and quoted identifiers: masked before looking.
_SKIP = re.compile(
    r"--[^\n]*|/\*.*?(?:\*/|\Z)|(?<!\w)[Ee]'(?:[^'\\]|''|\\.)*(?:'|\Z)|'(?:[^']|'')*(?:'|\Z)"
    r"|\"(?:[^\"]|\"\")*(?:\"|\Z)"
    r"|(?P<tag>\$[A-Za-z_]*\$).*?(?:(?P=tag)|\Z)",
    re.DOTALL,
)


@dataclass(frozen=True)
class DialectHint:
    """Evidence that SQL is written for another database: which, what was seen, and where."""

    dialect: str  # SQLite, MySQL, SQL Server
    evidence: str  # e.g. "PRAGMA foreign_keys"
    file: str  # as given, or relative to the folder scanned
    line: int
    column: int

    def message(self, subject: str) -> str:
        return (
            f"{subject} looks like {self.dialect} ({self.evidence} at {self.file}:{self.line}:{self.column}); "
            "dibs-tui reviews and applies PostgreSQL only"
        )


def _mask(text: str) -> str:
    """`text` with comments, literals and quoted names blanked (newlines kept): offsets stay the same."""

    def blank(match: re.Match[str]) -> str:
        return re.sub(r"[^\n]", " ", match.group())

    return _SKIP.sub(blank, text)


def _position(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def detect_text(text: str, file: str) -> DialectHint | None:
    """The dialect `text` shows most signs of, with its earliest sign; None when it shows none."""
    masked = _mask(text)
    found: dict[str, list[tuple[int, str, float]]] = {}
    for dialect, pattern, label, weight in _MARKERS:
        m = pattern.search(masked)
        if m:
            start = m.start() + len(m.group()) - len(m.group().lstrip())
            found.setdefault(dialect, []).append((start, label.format(" ".join(m.group().split())), weight))
    for m in _BRACKET.finditer(masked):
        if _BRACKET_AFTER.search(masked, max(0, m.start() - 40), m.start()):
            found.setdefault("SQL Server", []).append((m.start(), f"bracketed name {m.group()}", 0.5))
            break
    if not found:
        return None
    dialect = max(found, key=lambda d: (sum(w for _, _, w in found[d]), -min(found[d])[0]))
    start, evidence, _ = min(found[dialect])
    line, column = _position(text, start)
    return DialectHint(dialect, evidence, file, line, column)


def sql_files(path: Path) -> list[Path]:
    """A file itself, or a folder's .sql files at any depth, in path order (at most MAX_FILES)."""
    if path.is_file():
        return [path]
    if not path.is_dir():
        return []
    return sorted(p for p in path.rglob("*.sql") if p.is_file())[:MAX_FILES]


def detect_files(files: Iterable[Path], base: Path | None = None) -> DialectHint | None:
    """The first file (in the order given) that shows another dialect; unreadable files are skipped."""
    for file in files:
        try:
            if file.stat().st_size > MAX_FILE_BYTES:
                continue
            text = file.read_bytes().decode("utf-8")
        except (OSError, UnicodeDecodeError):  # not text: the SQL reader refuses it at its line:col
            continue
        shown = str(file.relative_to(base)) if base is not None and file.is_relative_to(base) else str(file)
        hint = detect_text(text, shown)
        if hint is not None:
            return hint
    return None


def detect_path(path: Path) -> DialectHint | None:
    """A migration file or folder: the first sign that it is not PostgreSQL."""
    base = path if path.is_dir() else None
    return detect_files(sql_files(path), base)


class OtherDialectError(DibsError):
    """Migrations written for another database: named, not reviewed or applied as PostgreSQL."""


def refuse_other_dialect(path: Path) -> None:
    """Raise OtherDialectError when the file or folder at `path` is plainly not PostgreSQL."""
    if path.is_file() and has_sqlite_header(path):
        raise OtherDialectError(
            f"{path} is a SQLite database, not SQL: dibs-tui reviews and applies PostgreSQL only"
        )
    hint = detect_path(path)
    if hint is not None:
        raise OtherDialectError(hint.message(str(path)))


__all__ = [
    "DialectHint",
    "OtherDialectError",
    "detect_files",
    "detect_path",
    "detect_text",
    "refuse_other_dialect",
]
