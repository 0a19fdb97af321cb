"""One model object from one row of the introspection's queries, with constructors fast enough for the
hot loops (a row per column, constraint and index of every table)."""

from __future__ import annotations

import dataclasses
import functools
import json
import sys
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import asyncpg

from ..model import (
    Column,
    ColumnRef,
    Constraint,
    ConstraintKind,
    Dependency,
    ForeignKey,
    Generated,
    Identity,
    Index,
    IndexDefinitionParts,
    MetaStatus,
    ObjectRef,
    Policy,
    QualifiedName,
    Relation,
    RelationKind,
    Trigger,
)
from ..model import (
    Sequence as SequenceObj,
)
from ..model_objects import ForeignTable, WholeObject
from ..model_privileges import Privilege
from ..positional import positional_constructor
from .definitions import FK_MATCH, ColumnNames, KeyColumn, constraint_definition

Record = asyncpg.Record

KINDS = {
    "r": RelationKind.TABLE,
    "p": RelationKind.PARTITIONED,
    "v": RelationKind.VIEW,
    "m": RelationKind.MATVIEW,
    "f": RelationKind.FOREIGN,
}
_CONSTRAINT_KINDS = {
    "p": ConstraintKind.PRIMARY_KEY,
    "u": ConstraintKind.UNIQUE,
    "c": ConstraintKind.CHECK,
    "f": ConstraintKind.FOREIGN_KEY,
    "x": ConstraintKind.EXCLUSION,
}
_FK_ACTIONS = {"a": "NO ACTION", "r": "RESTRICT", "c": "CASCADE", "n": "SET NULL", "d": "SET DEFAULT"}
IDENTITY = {"a": Identity.ALWAYS, "d": Identity.BY_DEFAULT}
GENERATED = {"s": Generated.STORED, "v": Generated.VIRTUAL}


# The integer types' bounds, the sequences' usual minimum and maximum: one object each, where the driver makes one
# per sequence (a sequence per table is common: 4 MiB at 100,000 tables).
_BOUNDS = {bound: bound for bits in (16, 32, 64) for bound in (-(2 ** (bits - 1)), 2 ** (bits - 1) - 1)}


def sequence_from(r: Record) -> SequenceObj:
    """Schema, type and owner names are interned: one string each, shared with the relations' and columns'
    (a sequence per table is common: 5,000 `public` and `bigint` strings otherwise). The fast constructor:
    5,000 sequences, 6.3 ms through the dataclass's __init__, 1.4 ms."""
    intern = sys.intern
    owned = None
    name = r["name"]
    if r["owner_table"]:
        owned = ColumnRef(intern(r["owner_schema"]), intern(r["owner_table"]), intern(r["owner_column"]))
        if name == f"{owned.table}_{owned.column}_seq":
            name = True  # the name PostgreSQL gave it, written from owned_by when read (model.Sequence.name)
    return new_sequence(
        intern(r["schema"]),
        name,
        intern(r["data_type"]),
        r["start"],
        r["increment"],
        _BOUNDS.get(r["min_value"], r["min_value"]),
        _BOUNDS.get(r["max_value"], r["max_value"]),
        r["cache"],
        r["cycle"],
        owned,
        bool(r["is_identity"]),
        r["comment"],
    )


def relation_from(
    r: Record,
    columns: Iterable[Column],
    constraints: Iterable[Constraint],
    indexes: Iterable[Index],
    triggers: Iterable[Record],
    policies: Iterable[Record],
) -> Relation:
    """Through the fast constructor, its fields in order (5,000 relations: 16.5 ms through the dataclass's
    own __init__, 3.1 ms this way); the fields after of_type at their defaults."""
    parents = tuple(zip(r["parent_schemas"] or (), r["parent_names"] or (), strict=True))
    is_partition = bool(r["is_partition"])
    return _new_relation(
        sys.intern(r["schema"]),
        sys.intern(r["name"]),  # the same string as foreign keys' and owned sequences' (interned there)
        KINDS[r["kind"]],
        tuple(columns),
        tuple(constraints),
        tuple(indexes),
        ()
        if not triggers
        else tuple(
            Trigger(
                t["name"],
                t["definition"],
                t["function_schema"],
                t["function_name"],
                t["enabled"],
                t["is_constraint"],
                t["comment"],
            )
            for t in triggers
        ),
        ()
        if not policies
        else tuple(
            Policy(
                p["name"],
                p["command"],
                p["permissive"],
                tuple(p["roles"] or ()),
                p["using_expr"],
                p["check_expr"],
                p["comment"],
            )
            for p in policies
        ),
        r["persistence"],
        r["row_estimate"],
        r["size_bytes"],
        r["comment"],
        r["partition_key"],
        parents[0] if is_partition and parents else None,  # partition_of
        r["partition_bound"],
        () if is_partition else parents,  # inherits
        tuple(r["merged_columns"] or ()),
        r["view_definition"],
        tuple(r["options"] or ()),
        r["replica_identity"],
        r["replica_index"],
        r["access_method"],
        r["rls_enabled"],
        r["rls_forced"],
        r["unpopulated"],
        r["clustered_index"],
        (r["of_type_schema"], r["of_type_name"]) if r["of_type_name"] is not None else None,
        *_RELATION_TAIL,
    )


new_column = positional_constructor(Column)
new_sequence = positional_constructor(SequenceObj)
new_constraint = positional_constructor(Constraint)
new_index = positional_constructor(Index)
new_foreign_key = positional_constructor(ForeignKey)
new_object_ref = positional_constructor(ObjectRef)
_new_relation = positional_constructor(Relation)
_RELATION_DEFAULTS = [f.default for f in dataclasses.fields(Relation)]  # every field but the first three
_LISTED = [f.name for f in dataclasses.fields(Relation)].index  # where a field sits among the arguments
_ROWS, _SIZE, _PARENT = _LISTED("row_estimate"), _LISTED("size_bytes"), _LISTED("partition_of")
_RELATION_TAIL = _RELATION_DEFAULTS[_LISTED("of_type") + 1 :]  # relation_from's defaults


def listed_relation(
    schema: str,
    name: str,
    kind: RelationKind,
    row_estimate: int,
    size_bytes: int,
    parent: QualifiedName | None,
) -> Relation:
    """A relation as the browser's first list knows it (the rest at its defaults), through the fast
    constructor: 100,000 of them took 0.9 s of CPU through the dataclass's own __init__ (on a loaded machine),
    most of the list's client-side time."""
    values = _RELATION_DEFAULTS.copy()
    values[0], values[1], values[2] = schema, name, kind
    values[_ROWS], values[_SIZE], values[_PARENT] = row_estimate, size_bytes, parent
    return _new_relation(*values)


Shared = dict[tuple[str, ...], tuple[str, ...]]
"""Equal tuples of names made one (`shared.setdefault(t, t)`): ("id",) is the key of thousands of tables."""

Texts = dict[str, str]
"""Equal texts made one for the read (`texts.setdefault(s, s)`), where they repeat but are too many to intern for
good: constraint definitions ("PRIMARY KEY (id)", the same CHECK in every tenant's schema: 8,117 distinct of
29,058 at 5,000 tables), index predicates, column comments (`Builder._comments`, until the columns are in). The
dict lives as long as the read; sys.intern would keep an entry per distinct text. A key's name, which its index
repeats, is made one string with the index's by `owned_indexes`: in this dict, the 240,000 key names of
100,000 tables (with the comments, a dict of 21 MiB) were held until every relation was built."""


def constraint_from(
    c: Record,
    names: ColumnNames,
    target_columns_of: Callable[[int, str], list[str]],
    shared: Shared,
    texts: Texts,
    written: dict[tuple[object, ...], str],
) -> Constraint:
    """Unpacked by position (29,000 rows at 5,000 tables, on each side of a diff: reading two dozen fields by
    name was most of the time): keep in step with CONSTRAINTS_SQL's select list (queries.py)."""
    (
        _oid,
        _relid,
        name,
        kind_code,
        definition,
        keys,
        target_visible,
        index_keys,
        index_key_count,
        target_schema,
        target_table,
        target_relid,
        target_keys,
        target_columns,
        on_delete,
        on_update,
        match,
        deferrable,
        deferred,
        validated,
        index_name,
        is_local,
        comment,
        nulls_not_distinct,
        *_not_null,  # NO INHERIT and the default name: of a NOT NULL (the builder's)
    ) = c
    kind = _CONSTRAINT_KINDS[kind_code]
    fk = None
    if kind is ConstraintKind.FOREIGN_KEY:
        if target_columns is None:  # the target is read too: named from its keys (Builder._target_columns)
            target_columns = target_columns_of(target_relid, target_keys or "")
        target = tuple(target_columns)
        fk = new_foreign_key(
            sys.intern(target_schema),
            sys.intern(target_table),
            shared.setdefault(target, target),
            _FK_ACTIONS.get(on_delete, "NO ACTION"),
            _FK_ACTIONS.get(on_update, "NO ACTION"),
            FK_MATCH.get(match, "SIMPLE"),
        )
    count = len(names)  # a key not read (a system column's): left out
    columns: tuple[str, ...]
    if not keys:
        columns = ()
    elif keys.isdigit():  # one column, most keys and checks: no list, no split
        columns = (n,) if 0 < (k := int(keys)) < count and (n := names[k]) else ()
    else:
        columns = tuple([n for k in map(int, keys.split()) if 0 < k < count and (n := names[k])])
    columns = shared.setdefault(columns, columns)
    if definition:
        definition = texts.setdefault(definition, definition)
    elif fk is not None:  # written from the constraint's fields when read (core.model._foreign_key_text)
        definition = not target_visible
    else:  # a key: most tables' are alike ("PRIMARY KEY (id)"), written once for each alike (without INCLUDE)
        alike = (kind, columns, nulls_not_distinct, deferrable, deferred, validated)
        included = index_key_count is None or (index_keys or "").count(" ") >= index_key_count
        definition = None if included else written.get(alike)
        if definition is None:
            definition = constraint_definition(
                kind,
                columns,
                names,
                (nulls_not_distinct, index_keys, index_key_count),
                (deferrable, deferred, validated),
            )
            definition = texts.setdefault(definition, definition)
            if not included:
                written[alike] = definition
    return new_constraint(
        name,
        kind,
        columns,
        definition,
        fk,
        deferrable,
        deferred,
        validated,
        bool(nulls_not_distinct),
        name if index_name == name else index_name,  # one string: a key's index is named after it
        not is_local,  # is_inherited
        comment,
    )


IndexValues = tuple[Any, ...]
"""An index's constructor values (`new_index`'s arguments), without its owning constraint: the constraint that owns
it is known once the relation's constraints are in (`owned_indexes`)."""
_CONSTRAINT_NAME = [f.name for f in dataclasses.fields(Index)].index("constraint_name")


def index_from(
    i: Record,
    keys: dict[int, KeyColumn],
    definition: str | IndexDefinitionParts,
    shared: Shared,
    shared_texts: Texts,
    all_columns: tuple[str, ...] | None = None,
) -> IndexValues:
    """Unpacked by position, as IndexWriter.definition: keep in step with INDEXES_SQL's select list.
    `all_columns`: the key and included columns' names, when the writer has named them already."""
    (
        _oid,
        _relid,
        name,
        _table_schema,
        _table_name,
        _plain,
        _definition,
        _opclasses,
        _collations,
        _nulls_not_distinct,
        method,
        is_unique,
        is_primary,
        valid,
        key_count,
        keys_text,
        texts,  # deparsed keys, only for indexes with expressions (attnum 0)
        key_options,
        predicate,
        comment,
        _attnames,
    ) = i
    if all_columns is None:
        attnums = keys_text.split()  # "1 3": an int2vector's text (see the note on arrays in queries.py)
        all_columns = (
            tuple(
                texts[n] if attnum == "0" else keys[int(attnum)][0].name for n, attnum in enumerate(attnums)
            )
            if texts is not None
            else tuple([keys[int(attnum)][0].name for attnum in attnums])
        )
    options = _key_options(key_options, key_count)
    columns, include = all_columns[:key_count], all_columns[key_count:]
    if predicate is not None:
        predicate = shared_texts.setdefault(predicate, predicate)
    return (
        name,
        shared.setdefault(columns, columns),
        definition,
        sys.intern(method),
        is_unique,
        is_primary,
        predicate,
        shared.setdefault(include, include),
        options,
        None,  # constraint_name: owned_indexes
        valid,
        comment,
        None,  # provenance: core.meta attaches it
    )


def owned_indexes(indexes: Iterable[IndexValues], constraints: Iterable[Constraint]) -> list[Index]:
    """A relation's indexes, each naming the primary key, unique or exclusion constraint it backs: the one whose
    index it is (pg_constraint.conindid, the constraints query's index_name; index names are unique in a
    schema). The server found the owner through the index's internal dependency on it, two index probes per
    unique index: 10-15 ms of a 1,000-table read's server CPU."""
    owners = {c.index_name: c for c in constraints if c.index_name is not None}
    if not owners:
        return [new_index(*values) for values in indexes]
    out = []
    for values in indexes:
        owner = owners.get(values[0])
        if owner is None:
            out.append(new_index(*values))
        else:  # named with its owner's string (its index_name: the owner's own name when equal, constraint_from)
            out.append(
                new_index(
                    owner.index_name,
                    *values[1:_CONSTRAINT_NAME],
                    owner.name,
                    *values[_CONSTRAINT_NAME + 1 :],
                )
            )
    return out


def _index_option(flags: int) -> str:
    """pg_index.indoption bits: 1 DESC, 2 NULLS FIRST. Defaults (ASC, NULLS LAST for ASC) give ''."""
    desc, nulls_first = bool(flags & 1), bool(flags & 2)
    parts = ["DESC"] if desc else []
    if nulls_first and not desc:
        parts.append("NULLS FIRST")
    elif desc and not nulls_first:
        parts.append("NULLS LAST")
    return " ".join(parts)


_INDEX_OPTIONS = {str(flags): _index_option(flags) for flags in range(4)}  # indoption values, as text


@functools.lru_cache(maxsize=256)
def _key_options(key_options: str, key_count: int) -> tuple[str, ...]:
    """An index's key options from pg_index.indoption's text ("0 3") and its key count, one tuple per distinct
    pair: a handful of pairs make every index's (a list split and rebuilt per index was a tenth of its build)."""
    return tuple(
        [
            _INDEX_OPTIONS[o] if o in _INDEX_OPTIONS else _index_option(int(o))
            for o in key_options.split()[:key_count]
        ]
    )


def column_from_values(
    position: int,
    name: str,
    type_: str,
    not_null: bool,
    expression: str | None,
    identity_code: str,
    generated_code: str,
    collation: str | None,
    type_key: tuple[str, str] | None,
    comment: str | None,
    settings: str | None = None,
) -> Column:
    """One column from its row's values. Names, types, collations and defaults repeat across tables and the
    driver makes a new string of each: they are interned, one string per distinct value. `settings`: its
    SET STORAGE / COMPRESSION / STATISTICS clauses joined by "|" (None for the defaults)."""
    intern = sys.intern
    set_clauses = tuple(settings.split("|")) if settings else ()
    name, type_ = intern(name), intern(type_)
    if expression is not None:
        expression = intern(expression)
    if collation is not None:
        collation = intern(collation)
    if identity_code or generated_code:
        identity, generated = IDENTITY.get(identity_code), GENERATED.get(generated_code)
        default = None if identity or generated else expression
        generation = expression if generated else None
        return new_column(
            position,
            name,
            type_,
            not_null,
            default,
            identity,
            generated,
            generation,
            collation,
            type_key,
            comment,
            None,
            MetaStatus.NO_META,
            set_clauses,
            None,
            None,
            False,
        )
    return new_column(
        position,
        name,
        type_,
        not_null,
        expression,
        None,
        None,
        None,
        collation,
        type_key,
        comment,
        None,
        MetaStatus.NO_META,
        set_clauses,
        None,
        None,
        False,
    )


def whole_object_from(o: Record) -> WholeObject:
    options, refs = o["options"] or [], o["refs"] or []
    return WholeObject(
        o["kind"],
        o["schema"],
        o["name"],
        o["relation"],
        o["create_sql"],
        o["drop_sql"],
        o["target"],
        o["comment"],
        tuple(o["masked"] or ()),
        tuple(zip(options[::2], options[1::2], strict=True)),
        tuple(zip(refs[::4], refs[1::4], refs[2::4], refs[3::4], strict=True)),
    )


def object_dependencies(
    objects: Sequence[WholeObject], foreign_tables: Sequence[ForeignTable]
) -> tuple[Dependency, ...]:
    """What each whole object references, and each foreign table's server, as dependencies (the plan's
    graph reads them like pg_depend's)."""
    out: list[Dependency] = []
    for obj in objects:
        out.extend(Dependency(ObjectRef(*obj.ref), ObjectRef(*r)) for r in obj.references)
    for ft in foreign_tables:
        out.append(
            Dependency(ObjectRef("table", ft.schema, ft.name), ObjectRef("foreign server", "", ft.server))
        )
    return tuple(out)


def foreign_table_from(f: Record) -> ForeignTable:
    options = f["options"] or []
    columns = json.loads(f["column_options"] or "{}")
    return ForeignTable(
        f["schema"],
        f["name"],
        f["server"],
        tuple(zip(options[::2], options[1::2], strict=True)),
        tuple((column, tuple((k, v) for k, v in pairs)) for column, pairs in sorted(columns.items())),
    )


def grants_from(rows: Sequence[asyncpg.Record]) -> tuple[tuple[Privilege, ...], tuple[str, ...]]:
    """The privileges query's rows as the grants and the server's role names."""
    return (
        tuple(Privilege(*r) for r in rows if r["kind"] != "role"),
        tuple(r["name"] for r in rows if r["kind"] == "role"),
    )


def column_privileges(
    grants: list[tuple[int, str, list[list[str]]]], built: dict[int, Relation]
) -> list[Privilege]:
    """The columns' grants as privileges, in the privileges query's order (queries.COLUMN_GRANTS)."""
    out = []
    for relid, column, entries in grants:
        relation = built.get(relid)
        if relation is None:
            continue
        for grantee, privilege, grantable in entries:
            out.append(
                Privilege(
                    "column",
                    relation.schema,
                    relation.name,
                    column,
                    "TABLE",
                    grantee,
                    privilege,
                    grantable == "true",
                )
            )
    out.sort(key=lambda p: (p.schema, p.name, p.sub, p.grantee, p.privilege))
    return out
