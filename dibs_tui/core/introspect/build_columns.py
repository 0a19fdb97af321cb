"""The columns' rows into the model: one Column per distinct column, by relation, with what the constraints'
and indexes' keys need."""

from __future__ import annotations

import asyncio

from asyncpg import Record

from ..model import Column
from .definitions import ColumnNames, KeyColumn
from .objects import Texts, column_from_values
from .rows import YIELD_EVERY, drained, names_by_position

ColumnPool = dict[tuple[object, ...], Column]
"""Columns by their row's values (`build_columns`), shared by the two catalogs of a diff: equal columns
are one object, so the planner's comparison of two tables' columns is an identity test per column (it was the
dataclasses' __eq__, a fifth of a 5,000-table diff's planning), and each distinct column is built once."""


async def build_columns(
    rows: list[Record],
    pool: ColumnPool,
    type_keys: dict[tuple[str, str], tuple[str, str]],
    texts: Texts,
    column_grants: list[tuple[int, str, list[list[str]]]],
    columns: dict[int, list[Column]],
    keys: dict[int, dict[int, KeyColumn]],
    names: dict[int, ColumnNames],
) -> None:
    """Columns by relation (rows come ordered by relation and attnum, a relation's all in one portion),
    unpacked by position.

    Names, types, collations and defaults repeat across tables (95,000 columns, 25 types at 5,000 tables)
    and the driver makes a new string of each: they are interned, one string per distinct value. Equal
    columns are one object (`ColumnPool`). Each relation's columns go to `columns`, its key columns by attnum to
    `keys` (index and constraint keys), its names by position to `names`, the few columns with grants to
    `column_grants`."""
    current = None
    relids: list[int] = []
    rel_columns: list[Column] = []
    rel_keys: dict[int, KeyColumn] = {}
    for number, row in enumerate(drained(rows), 1):
        (
            relid,
            position,
            name,
            type_,
            type_oid,
            not_null,
            expression,
            identity_code,
            generated_code,
            collation,
            type_key,
            comment,
            settings,
            grants,
        ) = row
        if grants:
            column_grants.append((relid, name, grants))
        if relid != current:
            current, rel_columns, rel_keys = relid, columns[relid], keys.setdefault(relid, {})
            relids.append(relid)
        if comment is not None:  # the same comment on every tenant's copy of a column
            comment = texts.setdefault(comment, comment)
        if type_key:
            type_key = type_keys.setdefault((type_key[0], type_key[1]), (type_key[0], type_key[1]))
        else:
            type_key = None
        shape = (
            position, name, type_, not_null, expression, identity_code, generated_code, collation,
            type_key, comment, settings,
        )  # fmt: skip
        column = pool.get(shape)
        if column is None:
            column = pool[shape] = column_from_values(*shape)
        rel_columns.append(column)
        rel_keys[position] = (column, type_oid)
        if number % YIELD_EVERY == 0:
            await asyncio.sleep(0)
    for oid in relids:
        names[oid] = names_by_position(columns[oid])
