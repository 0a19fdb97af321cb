"""What the card and the details say about a relation or a column, computed from the model (no widgets)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..core.model import Catalog, Column, Constraint, ConstraintKind, Index, Relation, RelationKind
from .text import human_count, safe

_MIGRATION_PREFIX = re.compile(r"^\d{6,}[_-]?")


def short_migration(name: str | None, *, modified: bool = False, width: int = 16) -> str:
    """`20260117_add-email-verification` -> `+add-email-veri…`: the slug, `+` when it changed the column."""
    if not name:
        return ""
    slug = _MIGRATION_PREFIX.sub("", name) or name
    text = ("+" if modified else "") + slug
    return text if len(text) <= width else text[: width - 1] + "…"


# format_type's long spellings of built-in types, and the short aliases PostgreSQL accepts for them
_SHORT_NAMES = re.compile(r"^(character varying|bit varying|double precision)(?=\(|\[|$)|^(character)(?=\()")
_SHORT_ALIASES = {
    "character varying": "varchar",
    "character": "char",  # char(n) only: a bare `char` is character(1), as format_type says `character(1)`
    "bit varying": "varbit",
    "double precision": "float8",
}
_TIME_ZONE = re.compile(r"^(timestamp|time)(\(\d+\))? (with|without) time zone(?=\[|$)")


def short_type(type_name: str) -> str:
    """`timestamp(6) with time zone` -> `timestamptz(6)`, `character varying(255)[]` -> `varchar(255)[]`: for
    a card row too narrow for the long spelling, whose cut at its end lost what tells `timestamp` from
    `timestamptz` (`timestamp(6) wi…`) and a length. A user type (qualified or quoted) is left alone."""
    short = _SHORT_NAMES.sub(lambda m: _SHORT_ALIASES[m[1] or m[2]], type_name)
    return _TIME_ZONE.sub(lambda m: m[1] + ("tz" if m[3] == "with" else "") + (m[2] or ""), short)


def column_constraints(relation: Relation, column: Column) -> list[Constraint]:
    return [
        c for c in relation.constraints if column.name in c.columns and c.kind is not ConstraintKind.NOT_NULL
    ]


def column_indexes(relation: Relation, column: Column) -> list[Index]:
    return [
        i
        for i in relation.indexes
        if column.name in i.columns
        or column.name in i.include
        or any(re.search(rf"\b{re.escape(column.name)}\b", expr) for expr in i.columns if "(" in expr)
    ]


def column_flags(relation: Relation, column: Column) -> list[str]:
    """PK / UNIQUE / NOT NULL / DEFAULT / IDENTITY / GENERATED, in the order a reader expects."""
    flags: list[str] = []
    for con in relation.constraints:
        if con.columns == (column.name,):
            if con.kind is ConstraintKind.PRIMARY_KEY:
                flags.append("PK")
            elif con.kind is ConstraintKind.UNIQUE:
                flags.append("UNIQUE")
    if (
        any(
            i.unique and not i.owned_by_constraint and i.columns == (column.name,) and not i.predicate
            for i in relation.indexes
        )
        and "UNIQUE" not in flags
    ):
        flags.append("UNIQUE")
    if column.not_null and "PK" not in flags:
        flags.append("NOT NULL NOT VALID" if column.not_null_not_valid else "NOT NULL")
    if column.identity is not None:
        flags.append(f"IDENTITY {column.identity.value.upper()}")
    if column.generated is not None:
        flags.append(f"GENERATED {column.generated.value.upper()}")
    if column.default is not None:
        flags.append(f"DEFAULT {column.default}")
    return flags


@dataclass(frozen=True, slots=True)
class ForeignTarget:
    """Where a column's FK points: the constraint, the target table and the target column."""

    constraint: Constraint
    schema: str
    table: str
    column: str


def foreign_target(relation: Relation, column: Column) -> ForeignTarget | None:
    for con in relation.foreign_keys:
        fk = con.foreign_key
        if fk is not None and column.name in con.columns:
            position = con.columns.index(column.name)
            target_column = fk.target_columns[position] if position < len(fk.target_columns) else ""
            return ForeignTarget(con, fk.target_schema, fk.target_table, target_column)
    return None


def qualified_label(schema: str, name: str, relative_to: str) -> str:
    return name if schema == relative_to else f"{schema}.{name}"


@dataclass(frozen=True, slots=True)
class Incoming:
    """A foreign key from another table into this one."""

    relation: Relation
    constraint: Constraint

    @property
    def first_column(self) -> str:
        return self.constraint.columns[0] if self.constraint.columns else ""

    @property
    def target_column(self) -> str:
        fk = self.constraint.foreign_key
        return fk.target_columns[0] if fk and fk.target_columns else ""


def referenced_by(catalog: Catalog, relation: Relation) -> list[Incoming]:
    return [Incoming(rel, con) for rel, con in catalog.referenced_by.get(relation.key, ())]


def null_words(column: Column) -> str:
    """A NOT VALID NOT NULL (PostgreSQL 18) checks new rows only: the rows there before may hold NULLs."""
    if not column.not_null:
        return "nullable"
    words = (
        "NOT NULL NOT VALID (new rows checked, older rows not)" if column.not_null_not_valid else "NOT NULL"
    )
    if column.not_null_no_inherit:
        words += " NO INHERIT (children do not get it)"
    # its name where the server would not pick it (PostgreSQL 18), as psql's \d+ names it
    return words if column.not_null_name is None else f"{words} · constraint {column.not_null_name}"


def kind_label(relation: Relation) -> str:
    """The relation's kind in words (a partition's and a shadow table's name their parent, a typed table's its
    type, escaped: it may hold a terminal sequence)."""
    if relation.part_of is not None:
        words, of = "shadow table of", relation.part_of
    elif relation.partition_of is not None:
        words, of = "partition of", relation.partition_of
    elif relation.of_type is not None:  # CREATE TABLE ... OF: its columns are the type's
        words, of = "typed table of", relation.of_type
    else:
        return str(relation.kind)
    return f"{words} {safe(f'{of[0]}.{of[1]}')}"


def rows_fact(relation: Relation, *, long: bool = False) -> str:
    """The relation's row estimate in words ("~12k rows"), "" for a view, which holds no rows. A table never
    analysed (pg_class.reltuples = -1) was shown as "~? rows"; the card says "rows unknown" (short enough for
    the column count to stay at 80 columns), the details (`long`) why and what would estimate it."""
    if relation.kind is RelationKind.VIEW:
        return ""
    if relation.row_estimate < 0:
        return "never analysed: ANALYZE estimates it" if long else "rows unknown"
    return f"~{human_count(relation.row_estimate)}" + (" (estimate)" if long else " rows")
