"""Two spellings PostgreSQL's deparser gives one expression, brought to one before a diff compares them.

`col IN ('a', 'b')` on a varchar column is stored as `col::text = ANY ((ARRAY['a'::varchar, ...])::text[])`;
pg_dump prints that, and loading pg_dump's text stores `ARRAY[('a'::varchar)::text, ...]` instead: the same
constraint, another text. A database restored from a dump would otherwise never be "in sync" with the
migrations that made the original. Both catalogs are rewritten to the first form (valid SQL, so a plan built
from it still runs); CHECK constraints and index definitions and predicates are the places it occurs.
"""

from __future__ import annotations

import re
from dataclasses import replace

from .model import Catalog, ConstraintKind, Relation
from .model_definitions import index_definitions_hold

_CAST = r"[a-z][a-z ]*(?:\(\d+(?:,\d+)?\))?"
_ITEM = rf"\(('(?:[^']|'')*'::{_CAST})\)::({_CAST})"
_PLAIN_ITEM = rf"\('(?:[^']|'')*'::{_CAST}\)::{_CAST}"
_ARRAY = re.compile(rf"ARRAY\[({_PLAIN_ITEM}(?:, {_PLAIN_ITEM})*)\]")
_ONE = re.compile(_ITEM)


def _rewrite(match: re.Match[str]) -> str:
    items = _ONE.findall(match.group(1))
    targets = {target for _, target in items}
    if len(targets) != 1:
        return match.group(0)
    return f"(ARRAY[{', '.join(value for value, _ in items)}])::{targets.pop()}[]"


def canonical_text(text: str) -> str:
    """`ARRAY[('a'::character varying)::text, ...]` -> `(ARRAY['a'::character varying, ...])::text[]`."""
    return _ARRAY.sub(_rewrite, text) if "ARRAY[(" in text else text


def _relation(rel: Relation) -> Relation:
    constraints = tuple(
        replace(c, definition=canonical_text(c.definition))
        if c.kind is ConstraintKind.CHECK and "ARRAY[(" in c.definition
        else c
        for c in rel.constraints
    )
    indexes = tuple(
        replace(
            i,
            definition=canonical_text(i.definition),
            predicate=canonical_text(i.predicate) if i.predicate else i.predicate,
        )
        if index_definitions_hold((i,), "ARRAY[(")
        else i
        for i in rel.indexes
    )
    return replace(rel, constraints=constraints, indexes=indexes)


def canonical(catalog: Catalog) -> Catalog:
    """The catalog with both deparsed spellings brought to one; untouched when neither occurs."""
    # Only a CHECK's definition is rewritten (a foreign key's is written by us, not deparsed), and an index's
    # is tested on the parts the read kept: the test writes none of them (10 ms a side at 1,000 tables).
    # Every relation's at once first: neither spelling is the common case, and testing relation by relation
    # cost a generator and a call each.
    relations = catalog.relations
    if not any(
        c.kind is ConstraintKind.CHECK and "ARRAY[(" in c.definition for r in relations for c in r.constraints
    ) and not index_definitions_hold((i for r in relations for i in r.indexes), "ARRAY[("):
        return catalog
    touched = [
        any(c.kind is ConstraintKind.CHECK and "ARRAY[(" in c.definition for c in r.constraints)
        or index_definitions_hold(r.indexes, "ARRAY[(")
        for r in relations
    ]
    relations = tuple(_relation(r) if t else r for r, t in zip(relations, touched, strict=True))
    return replace(catalog, relations=relations)
