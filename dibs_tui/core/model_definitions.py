"""Definitions the catalog read keeps as parts (core.model: an index's, a foreign key's) compared and searched as
their text without writing it: the diff compares and tests every index and foreign key of both sides."""

from __future__ import annotations

import re
from collections.abc import Iterable

from .model import Constraint, Index
from .model_written import WrittenOnRead
from .sql import quote_ident, quote_identifier

_INDEX_TEXT: WrittenOnRead = vars(Index)["definition"]
_FOREIGN_KEY_TEXT: WrittenOnRead = vars(Constraint)["definition"]


def same_definition(a: Constraint | Index, b: Constraint | Index) -> bool:
    """`a.definition == b.definition`, not writing what both keep alike (`WrittenOnRead.same_text`)."""
    if type(a) is not type(b):
        return a.definition == b.definition
    return (_INDEX_TEXT if type(a) is Index else _FOREIGN_KEY_TEXT).same_text(a, b)


def index_definitions_hold(indexes: Iterable[Index], fragment: str) -> bool:
    """Whether `fragment` is in one of the indexes' definitions, not writing those kept as parts when it has
    no space, quote or backslash: it then lies within the name, the table's text or the rest (the words
    between are fixed). Quoting a name only adds quotes, and escapes to one with an unprintable character."""
    plain = not (
        " " in fragment or '"' in fragment or "\\" in fragment or fragment in "CREATE UNIQUE INDEX ON USING"
    )
    kept = _INDEX_TEXT.kept
    for index in indexes:
        parts = kept(index)
        if type(parts) is str or not plain:
            if fragment in index.definition:
                return True
            continue
        name = index.name
        if (
            fragment in parts[0]
            or fragment in name
            or ((not name.isascii() or not name.isprintable()) and fragment in quote_identifier(name))
            or (fragment in parts[1] if len(parts) == 2 else _in_one_column_rest(fragment, index))
        ):
            return True
    return False


def _in_one_column_rest(fragment: str, index: Index) -> bool:
    """Whether `fragment` (no space) is in the `method (column)` of an index kept with its table alone."""
    column = quote_ident(index.columns[0])
    if fragment in index.method or fragment in column:
        return True
    return (fragment[0] == "(" or fragment[-1] == ")") and fragment in f"({column})"


_WITH = re.compile(r" WITH \((.*)\)$")


def key_index_storage(indexes: Iterable[Index]) -> bool:
    """Whether one of the constraints' indexes among `indexes` has storage parameters (`index_storage`): a
    diff asks it of every table on both sides, and almost none has any."""
    kept = _INDEX_TEXT.kept
    for index in indexes:
        if index.constraint_name is None:
            continue
        parts = kept(index)
        if type(parts) is not str:
            if len(parts) == 1:
                continue
            parts = parts[1]
        if " WITH (" in parts and index_storage(index):
            return True
    return False


def index_storage(index: Index) -> str:
    """An index's storage parameters as its definition ends with them (`fillfactor='60'`), "" when none; read
    from what the catalog read kept, the definition not written: a diff asks it of every key's index, and an
    index on one plain column (kept as its table alone) has none."""
    kept = _INDEX_TEXT.kept(index)
    if type(kept) is not str:
        if len(kept) == 1:
            return ""
        kept = kept[1]
    if " WITH (" not in kept:  # most indexes: no regular expression run over their text
        return ""
    found = _WITH.search(kept)
    return found.group(1) if found else ""
