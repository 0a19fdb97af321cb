"""The definitions of keys, foreign keys and plain indexes written in Python, as the server's deparser writes
them: asking the server for each one was a third to a half of its time on a fresh connection."""

from __future__ import annotations

import json
from collections.abc import Sequence

import asyncpg

from ..model import Column, ConstraintKind, IndexDefinitionParts
from ..sql import quote_ident, quote_identifier

Record = asyncpg.Record

FK_MATCH = {"s": "SIMPLE", "f": "FULL", "p": "PARTIAL"}


def constraint_definition(
    kind: ConstraintKind,
    columns: tuple[str, ...],
    names: ColumnNames,
    key: tuple[bool | None, str | None, int | None],
    clauses: tuple[bool, bool, bool],
) -> str:
    """pg_get_constraintdef's text for a primary key or unique constraint, as ruleutils.c writes it: the
    server's per-constraint catalog lookups were a third of its time on a fresh connection (a foreign key's is
    written by the model from its fields: core.model._foreign_key_text). `key`: NULLS NOT DISTINCT, the index's
    keys and key count; `clauses`: deferrable, deferred, validated (the constraints query's values)."""
    nulls_not_distinct, index_keys, index_key_count = key
    deferrable, deferred, validated = clauses
    keys = ", ".join(quote_ident(name) for name in columns)
    head = "PRIMARY KEY" if kind is ConstraintKind.PRIMARY_KEY else "UNIQUE"
    if nulls_not_distinct:
        head += " NULLS NOT DISTINCT"
    text = f"{head} ({keys})"
    included = (index_keys or "").split()[index_key_count:]
    if included:
        text += " INCLUDE (" + ", ".join(quote_ident(names[int(k)]) for k in included) + ")"
    if deferrable:
        text += " DEFERRABLE"
    if deferred:
        text += " INITIALLY DEFERRED"
    if not validated:
        text += " NOT VALID"
    return text


ColumnNames = tuple[str, ...]
"""A relation's column names by position (attnum): `names[attnum]`, "" at 0 and where a column was dropped. A
tuple, not a dict by attnum: held for every relation from its columns' arrival until the relations are built,
the dicts were 15 MiB at 20,000 tables (76 at 100,000), the tuples 4."""

WrittenIndex = tuple[IndexDefinitionParts, tuple[str, ...]]
"""An index definition written in Python, with its key and included columns' names (IndexWriter.definition)."""

KeyColumn = tuple[Column, int]
"""A relation's column by its attnum, with its type's OID: (column, type_oid). A plain tuple, not a NamedTuple:
one is made per column of every table (95,000 per side at 5,000 tables), and a NamedTuple's constructor is a
Python call, seven times the cost."""


# Operator-class input types that stand for a family of types (GetDefaultOpClass matches them by coercion).
_ANYARRAY, _ANYENUM, _TEXT, _VARCHAR = 2277, 3500, 25, 1043
_DEFAULT_COLLATIONS = ("0", "100")  # none (type not collatable), "default": OIDs as an oidvector's text


class IndexWriter:
    """Writes pg_get_indexdef's text for a plain index, or None when only the server can be sure of it. The
    text is kept as the model's `IndexDefinitionParts` (the table and what follows USING; the Index writes the
    head from its own name when read).

    Follows ruleutils.c: `CREATE [UNIQUE] INDEX name ON schema.table USING method (keys) [INCLUDE (...)]
    [NULLS NOT DISTINCT] [WHERE predicate]`, a key's operator class named unless it is the default for the
    column's type (an exact default wins; else varchar -> text, an enum -> anyenum, an array -> anyarray),
    COLLATE only when the index's collation is not the column's, DESC / NULLS only for btree. Anything else
    (domains, ranges, explicit collations, non-default operator classes) is left to the server.
    """

    def __init__(self, default_opclasses: str | None, types: Sequence[Record]) -> None:
        self._defaults: dict[str, tuple[str, int]] = {}  # opclass OID's text -> (access method, input type)
        self._exact: set[tuple[str, int]] = set()  # (access method, type) with a default of exactly that type
        for oid, method, input_type in json.loads(default_opclasses or "[]"):
            self._defaults[str(oid)] = (method, input_type)
            self._exact.add((method, input_type))
        self._enums = {t["oid"] for t in types if t["kind"] == "e"}
        # The last table's OID, its quoted name, and that name alone in a tuple its plain indexes on one column
        # share (IndexDefinitionParts): indexes come by table.
        self._table: tuple[int, str, tuple[str]] = (0, "", ("",))
        self._rests: dict[str, str] = {}  # equal texts after USING made one ("btree (id)")

    def _default_for(self, opclass: str, method: str, key: KeyColumn) -> bool:
        entry = self._defaults.get(opclass)
        if entry is None or entry[0] != method:
            return False
        input_type, type_oid = entry[1], key[1]
        if input_type == type_oid:
            return True
        if (method, type_oid) in self._exact:
            return False
        if input_type == _TEXT:
            return type_oid == _VARCHAR
        if input_type == _ANYENUM:
            return type_oid in self._enums
        return input_type == _ANYARRAY and key[0].type.endswith("]")

    def _table_of(self, relid: int, schema: str, table: str) -> tuple[int, str, tuple[str]]:
        """The index's table, quoted once for its indexes and shared by their definitions. Not quoted through
        `quote_ident`, whose cache would keep the record's copy of each name for the process's life (with the
        indexes' own names, 640,000 entries and 24 MiB of the browser's peak RSS at 100,000 tables)."""
        if self._table[0] != relid:
            text = f"{quote_ident(schema)}.{quote_identifier(table)}"
            self._table = (relid, text, (text,))
        return self._table

    def definition(self, i: Record, keys: dict[int, KeyColumn]) -> WrittenIndex | None:
        """The definition, with the names of the columns it was written from (the Index's, which
        objects.index_from would otherwise look up again). Unpacked by position (26,000 rows at 5,000 tables, a
        third of their time was reading fields by name): keep in step with INDEXES_SQL's select list
        (queries.py)."""
        (
            _oid,
            relid,
            _name,
            table_schema,
            table_name,
            _plain,
            _definition,
            opclasses,  # oidvectors' texts ("1978 3126"): split here, cheaper than the driver's oid[] decoding
            collations,
            nulls_not_distinct,
            method,
            _is_unique,
            _is_primary,
            _valid,
            key_count,
            attnums,
            _key_texts,
            key_options,
            predicate,
            _comment,
            _attnames,
        ) = i
        options = key_options.split()  # int2vectors' texts (see the note on arrays in queries.py)
        opclasses, collations = opclasses.split(), collations.split()
        parts: list[str] = []
        names: list[str] = []
        for n, attnum in enumerate(attnums.split()):
            key = keys.get(int(attnum))
            if key is None:
                return None
            column = key[0]
            names.append(column.name)
            text = column_text = quote_ident(column.name)
            if n < key_count:
                if column.collation is not None or collations[n] not in _DEFAULT_COLLATIONS:
                    return None
                if not self._default_for(opclasses[n], method, key):
                    return None
                if method == "btree" and options[n] != "0":  # "0": ascending, nulls last
                    flags = int(options[n])
                    if flags & 1:
                        text += " DESC" if flags & 2 else " DESC NULLS LAST"
                    elif flags & 2:
                        text += " NULLS FIRST"
            parts.append(text)
        if len(parts) == 1 == key_count:  # one key column, most indexes: no list joined
            columns = text
        else:
            columns = ", ".join(parts[:key_count])
            if len(parts) > key_count:
                columns += ") INCLUDE (" + ", ".join(parts[key_count:])
        _, table, alone = self._table_of(relid, table_schema, table_name)
        plain = len(parts) == 1 == key_count and columns == column_text  # one column, no DESC or NULLS
        if plain and not nulls_not_distinct and predicate is None:
            return alone, tuple(names)  # `method (column)`, written from the Index (model._index_text)
        rest = f"{method} ({columns})"
        if nulls_not_distinct:
            rest += " NULLS NOT DISTINCT"
        if predicate is not None:
            rest += f" WHERE {predicate}"
        return (table, self._rests.setdefault(rest, rest)), tuple(names)
