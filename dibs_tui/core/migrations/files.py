"""Migration files: their names, checksums and statements, as PostgreSQL's own parser reads them.

Forward only: a migration is never undone by the tool. Which files of a folder are migrations, for every layout
real projects use, is `layouts.py`.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path


def checksum(text: str) -> str:
    """sha256 of the file content (hex), as stored in `__dibs_migrations.checksum`."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class MigrationFile:
    """One forward migration of the folder: `name` without `.sql` (or its folder's name), `text` what runs
    (a sectioned file's up part, other lines blanked)."""

    name: str
    path: Path
    text: str
    # False when the file asks to run without a transaction (goose NO TRANSACTION, dbmate transaction:false).
    transactional: bool = True

    @property
    def checksum(self) -> str:
        return checksum(self.text)


def slugify(text: str) -> str:
    """`Add Email Verified!` -> `add-email-verified`."""
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug[:80].rstrip("-") or "migration"


def new_migration_name(slug: str, now: datetime | None = None) -> str:
    """`<YYYYMMDDHHMMSS>_<slug>` in UTC."""
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    return f"{moment:%Y%m%d%H%M%S}_{slugify(slug)}"


@dataclass(frozen=True)
class Statement:
    """One statement of a migration file: its text (without the final `;`) and where it starts."""

    text: str
    line: int  # 1-based line of the statement's first character
    column: int
    offset: int  # 0-based character offset in the file
    kind: str = ""  # from the parse tree: "CREATE TABLE", "CREATE INDEX CONCURRENTLY", "BEGIN" ...


def split_statements(text: str, file: str = "<sql>") -> list[Statement]:
    """The statements of a migration with exact positions, as PostgreSQL's own parser reads them.

    One reading for desired SQL and migrations (`core.sqlparse`: pglast), so a migration runs exactly as
    PostgreSQL would read it and every position matches the loader's. The migration door is kept here: a file
    with a statement a migration may not hold (a database, a role, COPY ... PROGRAM, a psql meta-command ...)
    or that does not parse is a SourceError at file:line:col, and nothing of it is returned to run.
    """
    from ..sqldoor import check_migration
    from ..sqlparse import SqlReading

    # Read statement by statement: each tree is dropped once its Statement is made
    return [
        Statement(s.text, s.line, s.column, s.offset, s.kind)
        for s in check_migration(SqlReading(text, file, values_apart=True))
    ]


def strip_comments(sql: str) -> str:
    """The statement without `--` and `/* */` comments, whitespace collapsed (for pattern matching only)."""
    from ..sqlparse import strip_comments as strip

    return strip(sql)


# Every statement PostgreSQL refuses in a transaction block (PreventInTransactionBlock), ADD VALUE and
# transaction control holds one of these words. A statement holding none of them is neither: it skips the
# parse that classifies it, which a file of 50,000 statements would otherwise pay at each of the many callers
# that ask (segments, the review, the trace): their parses are too many to be all kept.
_MAY_RUN_ALONE = (
    "CONCURRENTLY", "VACUUM", "CLUSTER", "DATABASE", "TABLESPACE", "SYSTEM", "REINDEX", "SUBSCRIPTION",
    "PREPARED", "DISCARD",
)  # fmt: skip
_MAY_BE_CONTROL = ("BEGIN", "START", "COMMIT", "END")


def _may_be_control(text: str) -> bool:
    upper = text.upper()
    return any(word in upper for word in _MAY_BE_CONTROL)


def _may_run_alone(text: str) -> bool:
    upper = text.upper()  # ALTER TYPE ... ADD VALUE: not every INSERT ... VALUES
    return any(word in upper for word in _MAY_RUN_ALONE) or ("ALTER" in upper and "VALUE" in upper)


def is_transaction_control(sql: str) -> bool:
    """`BEGIN;` / `COMMIT;` in the file itself (e.g. Alembic offline SQL): our transaction replaces it."""
    if not _may_be_control(sql):
        return False
    from ..sqlparse import statement_info

    info = statement_info(sql)
    return (
        info is not None and info.node_type == "TransactionStmt" and info.kind in ("BEGIN", "START", "COMMIT")
    )


def runs_outside_transaction(sql: str) -> bool:
    """Statements that run alone, committed on their own.

    Those PostgreSQL refuses inside a transaction block (CREATE/DROP INDEX CONCURRENTLY, VACUUM, DETACH
    PARTITION CONCURRENTLY ...), and `ALTER TYPE ... ADD VALUE`: before PostgreSQL 12 it is refused too; since,
    it is accepted but the new label cannot be used until committed, so a migration that adds a label and then
    uses it (a default, an UPDATE) only works if it commits first.
    """
    if not _may_run_alone(sql):
        return False
    from ..sqlparse import statement_info

    info = statement_info(sql)
    return info is not None and info.alone


def alone_if_partitioned(sql: str) -> bool:
    """A REINDEX or CLUSTER of one table or index: PostgreSQL refuses it in a transaction block only when that
    is partitioned, which the text cannot tell, so migrate runs it alone; in a BEGIN block written in the file
    it stays, as written. Either changes no schema: committed apart, it leaves nothing to undo."""
    upper = sql.upper()
    if "REINDEX" not in upper and "CLUSTER" not in upper:
        return False
    from ..sqlparse import statement_info

    info = statement_info(sql)
    if info is None:
        return False
    if info.node_type == "ClusterStmt":
        return bool(info.body.get("relation"))
    return (
        info.node_type == "ReindexStmt"
        and info.kind == "REINDEX"
        and info.body.get("kind")
        in (
            "REINDEX_OBJECT_TABLE",
            "REINDEX_OBJECT_INDEX",
        )
    )


@dataclass(frozen=True)
class Validation:
    """A statement that only validates one constraint: `ALTER TABLE ... VALIDATE CONSTRAINT` or the domain's."""

    on: str  # "table" or "domain"
    target: str  # its table or domain, quoted and qualified as written
    constraint: str  # quoted


def validation(sql: str) -> Validation | None:
    """The constraint `sql` validates, when that is all it does (None otherwise)."""
    if "VALIDATE" not in sql.upper():
        return None  # the common case, without a parse
    from ..sql import quote_ident
    from ..sqlparse import statement_info

    info = statement_info(sql)
    if info is None:
        return None
    body = info.body
    if info.node_type == "AlterDomainStmt" and body.get("subtype") == "V":
        names = [n.get("String", {}).get("sval", "") for n in body.get("typeName", ())]
        return Validation(
            "domain", ".".join(quote_ident(n) for n in names), quote_ident(body.get("name", ""))
        )
    cmds = body.get("cmds", ())
    if info.node_type != "AlterTableStmt" or body.get("objtype") != "OBJECT_TABLE" or len(cmds) != 1:
        return None
    cmd = cmds[0].get("AlterTableCmd", {})
    if cmd.get("subtype") != "AT_ValidateConstraint":
        return None
    rel = body.get("relation", {})
    names = [n for n in (rel.get("schemaname"), rel.get("relname")) if n]
    return Validation("table", ".".join(quote_ident(n) for n in names), quote_ident(cmd.get("name", "")))


GENERATED_MARKER = "-- Meta updates"
