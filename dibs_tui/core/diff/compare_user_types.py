"""Composite types, range types and collations: created, altered in place where PostgreSQL can, re-created
under the same name where it cannot (the columns that use them recast, their data kept)."""

from __future__ import annotations

from dataclasses import replace

from ..ddl_types import attribute_sql, collation_sql, composite_sql, range_sql
from ..model import Column, ObjectRef, Relation
from ..model_types import Collation, CompositeAttribute, CompositeType
from ..plan import ChangeKind
from ..sql import qualified, quote_ident, quote_literal
from .around_columns import clear_for_text
from .deparse_drift import same_expression
from .graph import ALTER_TABLES, COMMENTS, DROP_DEPENDENTS, DROP_OBJECTS, PRE_CREATE
from .graph import key as node_key
from .render import table_ref, type_ref
from .state import PlanState, only_in
from .typed_tables import bound_columns, shaped_ref, typed_by, unbound_first


def _old_name(name: str) -> str:
    return (name + "__dibs_old")[:63]


def _same_collation(old: Collation, new: Collation) -> bool:
    """Their definitions alike, whichever way written: a copy of "C" for any encoding collates as the same one
    made with its locale (model_types.Collation.any_encoding)."""
    return collation_sql(replace(old, any_encoding=new.any_encoding)) == collation_sql(new)


def plan_collations(state: PlanState) -> None:
    """No ALTER changes a collation's definition: a changed one is renamed away, created again, its columns
    re-collated to the new one and the old one dropped at the end."""
    cur = {c.key: c for c in state.current.collations}
    des = {c.key: c for c in state.desired.collations}
    for key, new in sorted(des.items()):
        ref = ObjectRef("collation", *key)
        old = cur.get(key)
        if old is None:
            state.change(ChangeKind.CREATE, ref, "collation", new=collation_sql(new))
        elif not _same_collation(old, new):
            state.change(ChangeKind.ALTER, ref, "collation", collation_sql(old), collation_sql(new))
            state.recreated_collations.add(qualified(*key))
            state.step(
                PRE_CREATE,
                f"ALTER COLLATION {qualified(*key)} RENAME TO {quote_ident(_old_name(key[1]))};",
                ChangeKind.ALTER,
                [ref],
                vacates=[ref],
            )
            state.step(
                DROP_OBJECTS,
                f"DROP COLLATION {qualified(key[0], _old_name(key[1]))};",
                ChangeKind.DROP,
                [ref],
                after=_collation_users(state, key),
            )
        if old is None or not _same_collation(old, new):
            state.step(
                PRE_CREATE,
                collation_sql(new),
                ChangeKind.CREATE,
                [ref],
                creates=[ref],
                needs=[ObjectRef("schema", "", key[0])],
            )
        state.comment(ref, "collation", old.comment if old else None, new.comment)
    for key in only_in(cur, des):
        ref = ObjectRef("collation", *key)
        state.change(ChangeKind.DROP, ref, "collation", old=collation_sql(cur[key]), destructive=True)
        state.step(
            DROP_OBJECTS,
            f"DROP COLLATION {qualified(*key)};",
            ChangeKind.DROP,
            [ref],
            destroys=[ref],
            destructive=True,
            after=_collation_users(state, key),
        )


def _collation_users(state: PlanState, key: tuple[str, str]) -> list[ObjectRef]:
    """What uses a collation in the current catalog (pg_depend's rows on collations are not read): its tables,
    columns and indexes, its domains and composite types. A DROP COLLATION follows their drops (a table
    dropped by the plan, say), whatever the phases say."""
    name = qualified(*key)
    spellings = (f"COLLATE {name}", f"COLLATE {quote_ident(key[1])}")
    found: list[ObjectRef] = []
    for rel in state.current.relations:
        columns = [c.name for c in rel.columns if c.collation == name]
        indexes = [
            i.name
            for i in rel.indexes
            if "COLLATE " in i.definition and any(x in i.definition for x in spellings)
        ]
        if columns or indexes:
            found.append(ObjectRef("table", rel.schema, rel.name))
            found += [ObjectRef("column", rel.schema, rel.name, c) for c in columns]
            found += [ObjectRef("index", rel.schema, rel.name, i) for i in indexes]
    found += [type_ref(*d.key) for d in state.current.domains if d.collation == name]
    found += [
        type_ref(*c.key) for c in state.current.composites if any(a.collation == name for a in c.attributes)
    ]
    return found


def plan_composites(state: PlanState) -> None:
    cur = {c.key: c for c in state.current.composites}
    des = {c.key: c for c in state.desired.composites}
    ranges = ranges_to_recreate(state)  # plan_ranges runs after: a range may be over a composite
    over_recreated = state.types_over_recreated(ranges) if state.recreated_types or ranges else set()
    over_ranges = _types_over(state, ranges) if ranges else set()
    for key, new in sorted(des.items()):
        ref = type_ref(*key)
        old = cur.get(key)
        if old is None:
            state.change(ChangeKind.CREATE, ref, "composite type", new=composite_sql(new))
            _create(state, new)
        elif key in over_recreated:  # an attribute's type re-created: the old type still names the old one
            state.change(
                ChangeKind.ALTER,
                ref,
                "composite type",
                composite_sql(old),
                composite_sql(new),
                detail="re-created over an attribute's re-created type",
            )
            _recreate_composite(state, old, new, over_ranges)
        elif old.attributes != new.attributes:
            state.change(
                ChangeKind.ALTER,
                ref,
                "composite type",
                composite_sql(old),
                composite_sql(new),
                destructive=not {a.name for a in old.attributes} <= {a.name for a in new.attributes},
            )
            if _in_place(state, old, new):
                _alter_attributes(state, old, new)
                _defaults_again(state, new.key)
            else:
                _recreate_composite(state, old, new, over_ranges)
        state.comment(ref, "composite type", old.comment if old else None, new.comment)
        _attribute_comments(state, new, None if old is None or key in state.recreated_types else old)
    for key in only_in(cur, des):
        state.drop_object(
            type_ref(*key),
            "composite type",
            composite_sql(cur[key]),
            f"DROP TYPE {qualified(*key)};",
            after=unbound_first(state, key),
        )


def ranges_to_recreate(state: PlanState) -> set[tuple[str, str]]:
    """The range types plan_ranges will drop and create again (it runs later: a range may be over a domain,
    and so for composites): a domain over one is re-created too, or the old type's DROP fails on it."""
    des = {r.key: r for r in state.desired.ranges}
    return {
        r.key
        for r in state.current.ranges
        if (new := des.get(r.key)) is not None and range_sql(r) != range_sql(new)
    }


def composites_to_recreate(state: PlanState) -> set[tuple[str, str]]:
    """The composite types plan_composites will rename away and create again for their own change."""
    des = {c.key: c for c in state.desired.composites}
    return {
        old.key
        for old in state.current.composites
        if (new := des.get(old.key)) is not None
        and old.attributes != new.attributes
        and not _in_place(state, old, new)
    }


def _attribute_comments(state: PlanState, new: CompositeType, old: CompositeType | None) -> None:
    """COMMENT ON COLUMN type.attribute where an attribute's comment differs (one the plan makes starts
    without); after the type."""
    before = {a.name: a.comment for a in old.attributes} if old is not None else {}
    for attribute in new.attributes:
        was = before.get(attribute.name)
        if (was or None) == (attribute.comment or None):
            continue
        aref = ObjectRef("column", new.schema, new.name, attribute.name)
        state.change(ChangeKind.ALTER, aref, "attribute", was, attribute.comment, detail="comment")
        value = quote_literal(attribute.comment) if attribute.comment else "NULL"
        target = f"{qualified(*new.key)}.{quote_ident(attribute.name)}"
        state.step(
            COMMENTS,
            f"COMMENT ON COLUMN {target} IS {value};",
            ChangeKind.ALTER,
            [aref],
            needs=[type_ref(*new.key)],
        )


def _create(state: PlanState, typ: CompositeType) -> None:
    ref = type_ref(typ.schema, typ.name)
    needs = [ObjectRef("schema", "", typ.schema)]
    state.step(PRE_CREATE, composite_sql(typ), ChangeKind.CREATE, [ref], creates=[ref], needs=needs)


def _references(state: PlanState, ref: ObjectRef) -> list[ObjectRef]:
    """What the desired type's attributes reference (another type created by this plan, say)."""
    return [ObjectRef(*node) for node in state.desired_deps.references.get(node_key(ref), ())]


def _in_place(state: PlanState, old: CompositeType, new: CompositeType) -> bool:
    """ADD ATTRIBUTE appends, DROP ATTRIBUTE removes; an attribute's type can only change while nothing uses
    the type. Anything else (a new attribute placed before a kept one) re-creates the type."""
    old_names, new_names = [a.name for a in old.attributes], [a.name for a in new.attributes]
    kept = [n for n in new_names if n in old_names]
    if kept != [n for n in old_names if n in new_names] or new_names[: len(kept)] != kept:
        return False
    before = {a.name: a for a in old.attributes}
    retyped = any(a.name in before and before[a.name] != a for a in new.attributes)
    # a table it types on both sides follows ALTER ATTRIBUTE ... CASCADE; a column of the type does not
    typed = {table_ref(r) for r in typed_by(state.current, old.key)}
    return not (retyped and any(d not in typed for d in state.dependents(type_ref(*old.key))))


def _alter_attributes(state: PlanState, old: CompositeType, new: CompositeType) -> None:
    ref = type_ref(*new.key)
    name = qualified(*new.key)
    before = {a.name: a for a in old.attributes}
    after = {a.name for a in new.attributes}
    unbound = unbound_first(state, new.key)  # its tables made plain or typed otherwise first
    shaped = shaped_ref(new.key)
    for attribute in old.attributes:
        if attribute.name not in after:
            state.step(
                PRE_CREATE,
                f"ALTER TYPE {name} DROP ATTRIBUTE {quote_ident(attribute.name)} CASCADE;",
                ChangeKind.ALTER,
                [ref],
                creates=[shaped],
                destroys=bound_columns(state, new.key, attribute.name),
                after=unbound,
                destructive=True,
            )
    for attribute in new.attributes:
        previous = before.get(attribute.name)
        columns = bound_columns(state, new.key, attribute.name)
        if previous is None:
            sql = f"ALTER TYPE {name} ADD ATTRIBUTE {attribute_sql(attribute)} CASCADE;"
        elif previous != attribute:
            collate = f" COLLATE {attribute.collation}" if attribute.collation else ""
            sql = (
                f"ALTER TYPE {name} ALTER ATTRIBUTE {quote_ident(attribute.name)} "
                f"TYPE {attribute.type}{collate} CASCADE;"
            )
        else:
            continue
        state.step(
            PRE_CREATE,
            sql,
            ChangeKind.ALTER,
            [ref],
            creates=[shaped, *(columns if previous is None else ())],
            needs=_references(state, ref),
            after=unbound,
            reshapes=columns if previous is not None else (),
        )


def _defaults_again(state: PlanState, key: tuple[str, str]) -> None:
    """A column default that is a constant of the type ('(1,1)'::dims) is stored in the type's old shape: a
    DROP ATTRIBUTE leaves '(1)', an ADD ATTRIBUTE '(1,)', and the next diff sets it again. Set again from the
    desired side's text after the type's ALTERs, where the desired default is the live one."""
    for rel in state.current.relations:
        wanted = state.desired.relation(*rel.key) if rel.kind.is_table else None
        for col in rel.columns if wanted is not None else ():
            want = wanted.column(col.name) if wanted is not None else None
            if (
                col.type_key != key
                or col.default is None
                or want is None
                or want.type_key != key
                or want.default is None
                or not same_expression(col.default, want.default)
            ):
                continue
            cref = ObjectRef("column", *rel.key, col.name)
            state.change(
                ChangeKind.ALTER, cref, "column", detail="default set again over the type's new attributes"
            )
            state.step(
                ALTER_TABLES,
                f"ALTER TABLE {qualified(*rel.key)} ALTER COLUMN {quote_ident(col.name)} SET DEFAULT {want.default};",
                ChangeKind.ALTER,
                [table_ref(rel), cref],
                needs=[shaped_ref(key), table_ref(rel)],
            )


def _recreate_composite(
    state: PlanState, old: CompositeType, new: CompositeType, over_ranges: set[tuple[str, str]]
) -> None:
    """The old type renamed away, the new one created, each column that used it rebuilt attribute by
    attribute (a NULL stays NULL), the old type dropped once nothing uses it."""
    key = new.key
    ref = type_ref(*key)
    temp = _old_name(key[1])
    state.recreated_types.add(key)
    state.step(
        PRE_CREATE,
        f"ALTER TYPE {qualified(*key)} RENAME TO {quote_ident(temp)};",
        ChangeKind.ALTER,
        [ref],
        vacates=[ref],
    )
    _create(state, new)
    domains = {d.key for d in state.current.domains}
    if key in over_ranges:
        # Over a range plan_ranges drops: the old type must go before that range, so before the new range
        # exists to rebuild a row in. Its columns (and its domains') travel through text instead.
        for typ in (key, *_domains_over(state, key, domains)):
            _columns_to_text(state, typ)
    else:
        state.recasts[key] = _row_recast(old, new, _recreated_names(state))
        # A domain over it is re-created by plan_domains: its columns rebuilt the same way, made the domain.
        for domain in _domains_over(state, key, domains):
            state.recasts[domain] = f"({state.recasts[key]})::{qualified(*domain)}"
        _array_recast(state, old, new)
    state.step(
        DROP_OBJECTS,
        f"DROP TYPE {qualified(key[0], temp)};",
        ChangeKind.DROP,
        [ref],
        destroys=[ref],
        after=unbound_first(state, key),  # its typed tables made plain first (NOT OF), OF the new one after
        destructive=True,
    )


def _array_recast(state: PlanState, old: CompositeType, new: CompositeType) -> None:
    """When an array column uses the type: a helper function rebuilding each element like `_row_recast`, in
    order (NULL elements and a NULL or empty array kept), created once the new type exists and dropped once
    the columns are rebuilt, before the old type goes."""
    schema, name = new.key
    arrays = [
        (rel, c)
        for rel in state.current.relations
        if rel.kind.is_table
        for c in rel.columns
        if c.type_key == new.key and c.type.endswith("[]")
    ]
    if not arrays:
        return
    helper_name = (name + "__dibs_recast")[:63]
    old_array = f"{qualified(schema, _old_name(name))}[]"
    helper = ObjectRef("function", schema, helper_name, old_array)
    state.array_recasts[new.key] = helper
    element = _row_recast(old, new, _recreated_names(state)).replace(
        "{column}", "$1[i]"
    )  # unnest() would spread the attributes
    body = (
        f"SELECT CASE WHEN $1 IS NULL THEN NULL ELSE coalesce(array_agg({element} ORDER BY i), "
        f"'{{}}') END FROM generate_subscripts($1, 1) AS i"
    )
    signature = f"{qualified(schema, helper_name)}({old_array})"
    tag = "$dibs$"
    while tag in body:  # an attribute's name or type may hold the tag: the body must not end early
        tag = tag[:-1] + "_$"
    state.step(
        PRE_CREATE,
        f"CREATE FUNCTION {signature} RETURNS {qualified(schema, name)}[] LANGUAGE sql IMMUTABLE AS "
        f"{tag} {body} {tag};",
        ChangeKind.CREATE,
        [helper],
        creates=[helper],
        needs=[type_ref(schema, name)],
    )
    # Not a destroy of `helper` (its create would then wait for it): it needs each column rebuilt first.
    rebuilt = [rebuilt_ref(rel, c) for rel, c in arrays]
    state.step(
        DROP_OBJECTS, f"DROP FUNCTION {signature};", ChangeKind.DROP, [helper], needs=[helper, *rebuilt]
    )


def rebuilt_ref(rel: Relation, column: Column) -> ObjectRef:
    """The state "this array column is rebuilt in the new type": the helper's drop waits for it."""
    return ObjectRef("rebuilt", rel.schema, rel.name, column.name)


def _recreated_names(state: PlanState) -> set[str]:
    """The re-created types as an attribute's type names them (format_type: qualified or not); the ranges
    plan_ranges re-creates later too."""
    recreated = state.recreated_types | ranges_to_recreate(state)
    return {n for s, t in recreated for n in (quote_ident(t), qualified(s, t))}


def _row_recast(old: CompositeType, new: CompositeType, recreated: set[str]) -> str:
    """A USING expression with `{column}` for the column: kept attributes cast (through text when their type
    is re-created: no cast joins its old and new versions), new ones NULL; a NULL stays NULL, a row of NULLs
    a row. num_nulls tells them apart: `{column} IS NULL` does not, and `{column}::text IS NULL` made
    PostgreSQL 18 fail the ALTER on a table with an inheritance child ("unrecognized node type: 28")."""
    before = {a.name for a in old.attributes}

    def field(a: CompositeAttribute) -> str:
        if a.name in before:
            via_text = "::text" if a.type.removesuffix("[]") in recreated else ""
            return f"({{column}}).{quote_ident(a.name)}{via_text}::{a.type}"
        return f"NULL::{a.type}"

    row = ", ".join(field(a) for a in new.attributes)
    return f"CASE WHEN num_nulls({{column}}) = 1 THEN NULL ELSE ROW({row})::{qualified(*new.key)} END"


def plan_ranges(state: PlanState) -> None:
    """A changed range type is dropped and created again: its columns travel through text meanwhile (a range's
    text form reads back into the new type). Its constructors and multirange come and go with it."""
    cur = {r.key: r for r in state.current.ranges}
    des = {r.key: r for r in state.desired.ranges}
    domains = {d.key for d in state.current.domains}
    for key, new in sorted(des.items()):
        ref = type_ref(*key)
        old = cur.get(key)
        if old is not None and range_sql(old) != range_sql(new):
            state.change(ChangeKind.ALTER, ref, "range type", range_sql(old), range_sql(new))
            state.recreated_types.add(key)
            _columns_to_text(state, key)
            # A domain over it was re-created by plan_domains (renamed away, dropped once its columns are
            # recast): its columns travel through text too, so the old domain and then the range can go.
            for domain in _domains_over(state, key, domains):
                _columns_to_text(state, domain)
            state.step(
                PRE_CREATE,
                f"DROP TYPE {qualified(*key)};",
                ChangeKind.DROP,
                [ref],
                destroys=[ref],
            )
        elif old is None:
            state.change(ChangeKind.CREATE, ref, "range type", new=range_sql(new))
        if old is None or range_sql(old) != range_sql(new):
            state.step(
                PRE_CREATE,
                range_sql(new),
                ChangeKind.CREATE,
                [ref],
                creates=[ref],
                needs=[ObjectRef("schema", "", key[0])],
            )
        state.comment(ref, "range type", old.comment if old else None, new.comment)
    for key in only_in(cur, des):
        state.drop_object(type_ref(*key), "range type", range_sql(cur[key]), f"DROP TYPE {qualified(*key)};")


def _types_over(state: PlanState, roots: set[tuple[str, str]]) -> set[tuple[str, str]]:
    """The current types built on these, directly or through another."""
    found: set[tuple[str, str]] = set()
    frontier = list(roots)
    while frontier:
        for dependent in state.dependents(type_ref(*frontier.pop())):
            over = (dependent.schema, dependent.name)
            if dependent.kind == "type" and over not in found:
                found.add(over)
                frontier.append(over)
    return found


def _domains_over(
    state: PlanState, key: tuple[str, str], domains: set[tuple[str, str]]
) -> list[tuple[str, str]]:
    """The current domains built on this type, directly or through another domain."""
    found: list[tuple[str, str]] = []
    frontier = [key]
    while frontier:
        for dependent in state.dependents(type_ref(*frontier.pop())):
            over = (dependent.schema, dependent.name)
            if dependent.kind == "type" and over in domains and over not in found:
                found.append(over)
                frontier.append(over)
    return found


def _columns_to_text(state: PlanState, type_key: tuple[str, str]) -> None:
    """Each step counts as the end of its column for the graph: the readers of the column (views) are dropped
    before it, the range's drop waits for it."""
    for rel in state.current.relations:
        if not rel.kind.is_table:
            continue
        parents = [
            state.current.relation(*p) for p in ([rel.partition_of] if rel.partition_of else rel.inherits)
        ]
        for col in rel.columns:
            if any(p is not None and p.column(col.name) is not None for p in parents):
                continue  # inherited: its parent's ALTER reaches it, and PostgreSQL refuses its own
            if col.type_key == type_key:
                cleared = clear_for_text(state, rel, col.name)
                state.step(
                    DROP_DEPENDENTS,
                    f"ALTER TABLE {qualified(rel.schema, rel.name)} ALTER COLUMN {quote_ident(col.name)} "
                    f"TYPE text;",
                    ChangeKind.ALTER,
                    [ObjectRef("table", rel.schema, rel.name)],
                    destroys=[ObjectRef("column", rel.schema, rel.name, col.name)],
                    after=cleared,
                )
