"""The model's user-defined types beyond enums and domains, and collations: plain frozen dataclasses.

Kept apart from model.py (the catalog's spine) so that each file stays readable; `Catalog` holds them.
Collation names arrive already quoted (`quote_ident` in SQL), as a column's collation does.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

QualifiedName = tuple[str, str]


@dataclass(frozen=True)
class CompositeAttribute:
    name: str
    type: str  # format_type(atttypid, atttypmod)
    collation: str | None = None  # only when it differs from the type's default collation
    comment: str | None = field(default=None, compare=False)  # compared on its own: COMMENT ON COLUMN


@dataclass(frozen=True)
class CompositeType:
    """CREATE TYPE ... AS (...): a stand-alone row type (not a table's own)."""

    schema: str
    name: str
    attributes: tuple[CompositeAttribute, ...]
    comment: str | None = None

    @property
    def key(self) -> QualifiedName:
        return (self.schema, self.name)


@dataclass(frozen=True)
class RangeType:
    """CREATE TYPE ... AS RANGE; its constructor functions and its multirange come with it."""

    schema: str
    name: str
    subtype: str  # format_type of the element type
    subtype_opclass: str | None = None  # qualified, only when not the subtype's default btree class
    collation: str | None = None  # only when it differs from the subtype's default collation
    canonical: str | None = None  # qualified function name
    subtype_diff: str | None = None  # qualified function name
    multirange: str | None = None  # the multirange type's name (same schema)
    comment: str | None = None

    @property
    def key(self) -> QualifiedName:
        return (self.schema, self.name)


@dataclass(frozen=True)
class Collation:
    schema: str
    name: str
    provider: str  # libc, icu, builtin
    locale: str | None = None  # icu and builtin
    lc_collate: str | None = None  # libc
    lc_ctype: str | None = None  # libc
    deterministic: bool = True
    rules: str | None = None  # icu tailoring rules
    comment: str | None = None
    # For any encoding (collencoding -1): a libc one is so only as a copy of "C" or "POSIX" (CREATE ... FROM),
    # and is written so. Not a difference: it collates as the same one made with its locale, which takes the
    # database's encoding, and pg_dump writes both alike (a restore would otherwise differ from its source).
    any_encoding: bool = field(default=False, compare=False)

    @property
    def key(self) -> QualifiedName:
        return (self.schema, self.name)


@dataclass(frozen=True)
class TypeConversions:
    """How the server converts a value from one type to another (core/diff/type_conversions.py): pg_cast's
    casts, and the string types every type converts to and from (its I/O functions), names as format_type
    writes them without a type modifier. Beside them each type's own storage (pg_type.typstorage, "p", "e"
    or "m") where it is not EXTENDED: what a column's storage goes back to, named on a server before 16,
    which has no SET STORAGE DEFAULT."""

    casts: frozenset[tuple[str, str]] = frozenset()
    strings: frozenset[str] = frozenset()
    storage: Mapping[str, str] = field(default_factory=dict, hash=False)
