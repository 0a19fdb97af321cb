"""What a health check reports: a finding's level and fields, why each check matters, and the few pieces of
SQL and naming the checks share."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from ..model import Index, ObjectRef, Relation, SourceLocation
from ..sql import qualified, quote_ident


class Level(enum.IntEnum):
    INFO = 1
    WARNING = 2
    ERROR = 3

    def __str__(self) -> str:
        return self.name.lower()


@dataclass(frozen=True)
class Finding:
    check: str  # fk-without-index, no-primary-key, duplicate-index, ...
    level: Level
    object: str  # schema.table[.part], as a user would type it
    message: str  # what is wrong, one line
    why: str  # why it matters
    fix: str | None = None  # SQL that fixes it
    fix_is_template: bool = False  # the SQL needs the user's words (a doc comment): never written as is
    source: SourceLocation | None = None
    table: tuple[str, str] | None = None  # the table the finding is about, for navigation
    # The object itself (a constraint, index, column, table, function or sequence): what `o` opens, and
    # what a written fix's meta rows follow.
    subject: ObjectRef | None = None


WHY = {
    "fk-without-index": "deleting or updating a referenced row scans the whole referencing table, and joins "
    "along the key cannot use an index",
    "no-primary-key": "rows cannot be addressed one by one: logical replication refuses UPDATE and DELETE, "
    "tools and ORMs cannot edit rows, duplicates go unnoticed",
    "duplicate-index": "every write maintains both indexes; one of them serves no query the other cannot",
    "redundant-index": "its columns are the leading columns of another index, which serves the same queries",
    "unused-index": "no query on this server has used it since the statistics started counting (a standby counts its own), yet every write pays for it",
    "fk-type-mismatch": "comparisons need a cast: joins may not use indexes, and values that fit one side may "
    "not fit the other",
    "rls-without-policy": "row-level security with no policy hides every row from everyone but the owner and "
    "superusers: likely a policy was forgotten",
    "security-definer-search-path": "a SECURITY DEFINER function resolves names through the caller's "
    "search_path: a caller can plant a same-named function or table and run it with the owner's rights",
    "sequence-near-exhaustion": "once the sequence reaches its maximum, every insert that needs a new value fails",
    "undocumented": "readers of the schema (people, generated docs, this browser) have nothing to go on",
}


def where(rel: Relation, index: Index | None = None) -> SourceLocation | None:
    """The index's own source line when provenance has it, else its table's."""
    if index is not None and index.provenance and index.provenance.source:
        return index.provenance.source
    return rel.provenance.source if rel.provenance else None


def object_name(rel: Relation, part: str = "") -> str:
    return f"{rel.schema}.{rel.name}" + (f".{part}" if part else "")


def drop_index(rel: Relation, index: Index) -> str:
    return f"DROP INDEX CONCURRENTLY {qualified(rel.schema, index.name)};"


def promote_to_primary_key(rel: Relation, index: str) -> str:
    return f"ALTER TABLE {qualified(rel.schema, rel.name)} ADD PRIMARY KEY USING INDEX {quote_ident(index)};"
