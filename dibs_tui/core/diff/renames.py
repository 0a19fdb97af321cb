"""Renames: drop+add pairs that look like one (suggestions), and the current catalog as it will be once the
renames the user accepted have run."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import replace

from ..model import Catalog, Column, ColumnRef, Constraint, Index, ObjectRef, Relation
from ..plan import Change, ChangeKind, PlannedStatement, RenameSuggestion
from ..sql import qualified, quote_ident, quote_literal

RENAME_THRESHOLD = 0.5


def _similarity(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, a.lower(), b.lower()).ratio()


def _parse_rename_name(text: str) -> list[str]:
    """`a.b.c` -> parts, honouring double quotes (`"my.table".col`)."""
    parts: list[str] = []
    current = ""
    quoted = False
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == '"':
            if quoted and i + 1 < len(text) and text[i + 1] == '"':
                current += '"'
                i += 1
            else:
                quoted = not quoted
        elif ch == "." and not quoted:
            parts.append(current)
            current = ""
        else:
            current += ch
        i += 1
    parts.append(current)
    return parts


def _column_signature(col: Column) -> tuple[str, bool]:
    return (col.type, col.not_null)


def suggest_renames(current: Catalog, desired: Catalog) -> list[RenameSuggestion]:
    """Drop+add pairs that look like renames: same type and nullability, similar names or column sets."""
    out: list[RenameSuggestion] = []
    cur, des = current.relations_by_key, desired.relations_by_key
    gone = [r for k, r in cur.items() if k not in des and r.kind.is_table]
    added = [r for k, r in des.items() if k not in cur and r.kind.is_table]
    gone_cols = {r.key: {(c.name, *_column_signature(c)) for c in r.columns} for r in gone}
    for new in added:
        best: tuple[float, Relation] | None = None
        new_cols = {(c.name, *_column_signature(c)) for c in new.columns}
        for old in gone:
            if old.kind != new.kind or (old.schema != new.schema and old.name != new.name):
                continue  # another schema: a move of the same name only
            old_cols = gone_cols[old.key]
            common = len(old_cols & new_cols)
            union = len(old_cols) + len(new_cols) - common
            overlap = common / union if union else 0.0
            if 0.75 * overlap + 0.25 < RENAME_THRESHOLD:
                continue  # cannot reach the threshold whatever the names: skip the costly name comparison
            score = 0.75 * overlap + 0.25 * _similarity(old.name, new.name)
            if best is None or score > best[0]:
                best = (score, old)
        if best is not None and best[0] >= RENAME_THRESHOLD:
            was = best[1]
            moved = was.schema if was.schema != new.schema else ""
            out.append(
                RenameSuggestion("table", new.schema, was.name, was.name, new.name, round(best[0], 2), moved)
            )
    for key, new in des.items():
        before = cur.get(key)
        if before is None or before.columns == new.columns or not new.kind.is_table:
            continue  # equal columns: none removed, none added
        old = before
        new_names = {c.name for c in new.columns}
        removed = [c for c in old.columns if c.name not in new_names]
        if not removed:
            continue  # a column retyped or added: none to rename from
        old_names = {c.name for c in old.columns}
        fresh = [c for c in new.columns if c.name not in old_names]
        used: set[str] = set()
        for col in fresh:
            candidates = [
                (_similarity(o.name, col.name), o)
                for o in removed
                if _column_signature(o) == _column_signature(col) and o.name not in used
            ]
            if not candidates:
                continue
            sim, o = max(candidates, key=lambda t: t[0])
            confidence = 0.4 + 0.6 * sim if len(candidates) == 1 else 0.2 + 0.6 * sim
            if confidence >= RENAME_THRESHOLD:
                used.add(o.name)
                out.append(
                    RenameSuggestion("column", new.schema, new.name, o.name, col.name, round(confidence, 2))
                )
    return out


def resolve_renames(
    accepted: Iterable[tuple[str, str]], current: Catalog
) -> tuple[list[tuple[str, str, str, str]], list[tuple[str, str, str, str]]]:
    """(schema, old table, new schema, new table) and (schema, table, old column, new column) from user
    spellings. A table's new name may name another schema (`s1.t=s2.t`): the table moves there (SET SCHEMA),
    with its indexes, constraints and owned sequences; a bare new name keeps the table's schema."""
    tables: list[tuple[str, str, str, str]] = []
    columns: list[tuple[str, str, str, str]] = []
    for old_text, new_text in accepted:
        old_parts = _parse_rename_name(old_text)
        new_parts = _parse_rename_name(new_text)
        if len(old_parts) == 1 or (len(old_parts) == 2 and current.relation(*old_parts) is not None):
            schema, table = ["public", *old_parts] if len(old_parts) == 1 else old_parts
            tables.append((schema, table, new_parts[-2] if len(new_parts) > 1 else schema, new_parts[-1]))
        else:
            schema, table, column = ["public", *old_parts] if len(old_parts) == 2 else old_parts[-3:]
            columns.append((schema, table, column, new_parts[-1]))
    return tables, columns


def refuse_unmatched_renames(
    tables: list[tuple[str, str, str, str]],
    columns: list[tuple[str, str, str, str]],
    current: Catalog,
    desired: Catalog,
) -> None:
    """A rename whose old name is not live, or whose new name is not desired, is a typo: taken as it came,
    `users=memberz` renamed the table and then dropped it, `nosuch=members` was ignored and a column's
    `t.nosuch=t.x` planned a RENAME COLUMN that fails. A table's rename already applied (the new name live,
    the old gone: the Diff pane keeps accepted renames across diffs) stands: the plan skips it."""
    from ..errors import DibsError

    hint = "spell OLD as the live database names it and NEW as the desired schema does"
    for schema, old, new_schema, new in tables:
        if current.relation(schema, old) is None:
            if current.relation(new_schema, new) is None:
                raise DibsError(
                    f"--accept-rename: no table {qualified(schema, old)} in the live database", hint=hint
                )
        elif desired.relation(new_schema, new) is None:
            raise DibsError(
                f"--accept-rename: no table {qualified(new_schema, new)} in the desired schema", hint=hint
            )
    moved = {(s, o): (ns, n) for s, o, ns, n in tables}
    for schema, table, old, new in columns:
        live = current.relation(schema, table)
        if live is None or live.column(old) is None:  # the plan would rename a column that is not there
            raise DibsError(
                f"--accept-rename: no column {qualified(schema, table)}.{quote_ident(old)} in the live database",
                hint=hint,
            )
        wanted = desired.relation(*moved.get((schema, table), (schema, table)))
        if wanted is None or wanted.column(new) is None:
            raise DibsError(
                f"--accept-rename: no column {quote_ident(new)} on {qualified(schema, table)} in the desired schema",
                hint=hint,
            )


def rename_table_parts(
    current: Catalog, desired: Catalog, renamed: list[tuple[str, str]]
) -> tuple[Catalog, list[PlannedStatement], list[Change]]:
    """After a table rename, its constraints, indexes and serial and identity sequences keep their old names;
    rename the ones whose definition matches a differently named one on the desired side, rather than dropping
    and re-creating them (a dropped primary key would take the foreign keys that reference it, a re-created
    sequence would restart at 1). An identity sequence's name is compared by nobody but the schema has it."""
    steps: list[PlannedStatement] = []
    changes: list[Change] = []  # the constraints' and indexes' renames, for the meta rows
    relations = {r.key: r for r in current.relations}
    sequences = list(current.sequences)
    for key in renamed:
        rel, want = relations.get(key), desired.relation(*key)
        if rel is None or want is None:
            continue
        table = qualified(*key)
        ref = ObjectRef("table", *key)
        wanted = {c.name for c in want.constraints}
        spare = {
            (c.kind, c.definition): c
            for c in want.constraints
            if rel is not None and c.name not in {x.name for x in rel.constraints}
        }
        constraints = []
        for con in rel.constraints:
            match = spare.pop((con.kind, con.definition), None) if con.name not in wanted else None
            if match is None:
                constraints.append(con)
                continue
            steps.append(
                PlannedStatement(
                    f"ALTER TABLE {table} RENAME CONSTRAINT {quote_ident(con.name)} "
                    f"TO {quote_ident(match.name)};",
                    ChangeKind.RENAME,
                    (ref, ObjectRef("constraint", *key, match.name)),
                )
            )
            changes.append(
                Change(
                    ChangeKind.RENAME,
                    ObjectRef("constraint", *key, match.name),
                    "constraint",
                    con.name,
                    match.name,
                )
            )
            constraints.append(replace(con, name=match.name, index_name=match.index_name))
        renamed_indexes = {
            c.index_name: n.index_name
            for c, n in zip(rel.constraints, constraints, strict=True)
            if c.index_name and c.index_name != n.index_name
        }

        wanted_ix = {i.name for i in want.indexes}
        spare_ix = {
            _index_shape(i): i
            for i in want.indexes
            if not i.owned_by_constraint and i.name not in {x.name for x in rel.indexes}
        }
        indexes = []
        for ix in rel.indexes:
            if ix.name in renamed_indexes:
                indexes.append(replace(ix, name=renamed_indexes[ix.name] or ix.name))
                continue
            match_ix = (
                spare_ix.pop(_index_shape(ix), None)
                if not ix.owned_by_constraint and ix.name not in wanted_ix
                else None
            )
            if match_ix is None:
                indexes.append(ix)
                continue
            steps.append(
                PlannedStatement(
                    f"ALTER INDEX {qualified(key[0], ix.name)} RENAME TO {quote_ident(match_ix.name)};",
                    ChangeKind.RENAME,
                    (ref, ObjectRef("index", *key, match_ix.name)),
                )
            )
            changes.append(
                Change(
                    ChangeKind.RENAME,
                    ObjectRef("index", *key, match_ix.name),
                    "index",
                    ix.name,
                    match_ix.name,
                )
            )
            indexes.append(replace(ix, name=match_ix.name, definition=match_ix.definition))
        columns = list(rel.columns)
        for i, seq in enumerate(sequences):
            owner = seq.owned_by
            if owner is None or (owner.schema, owner.table) != key:
                continue
            target = next(
                (
                    d
                    for d in desired.sequences
                    if d.owned_by == owner and d.name != seq.name and d.is_identity == seq.is_identity
                ),
                None,
            )
            if target is None or any(x.key == target.key for x in sequences):
                continue
            steps.append(
                PlannedStatement(
                    f"ALTER SEQUENCE {qualified(seq.schema, seq.name)} RENAME TO {quote_ident(target.name)};",
                    ChangeKind.RENAME,
                    (ObjectRef("sequence", target.schema, target.name), ref),
                )
            )
            sequences[i] = replace(seq, name=target.name)
            # nextval('…'::regclass) names it with its schema unless that is on the reader's search_path.
            before, after = quote_ident(seq.name), quote_ident(target.name)
            spellings = [
                (quote_literal(prefix + before) + "::regclass", quote_literal(prefix + after) + "::regclass")
                for prefix in (quote_ident(seq.schema) + ".", "")
            ]
            columns = [_respelled(c, spellings) for c in columns]
        relations[key] = replace(
            rel, constraints=tuple(constraints), indexes=tuple(indexes), columns=tuple(columns)
        )
    return replace(current, relations=tuple(relations.values()), sequences=tuple(sequences)), steps, changes


_NEXTVAL = re.compile(r"nextval\('(?:(?:[^'.]|'')+\.)?((?:[^']|'')+)'::regclass\)")


def _moved_default(col: Column, wanted: Relation) -> Column:
    """A column of a table moved to another schema: SET SCHEMA took its owned sequence along, so its
    nextval('…'::regclass) default now names the sequence as the desired side's does (qualified or not, as
    the catalog read wrote it there)."""
    there = wanted.column(col.name)
    if col.default is None or there is None or there.default is None or col.default == there.default:
        return col
    if _NEXTVAL.sub(r"\1", col.default) == _NEXTVAL.sub(r"\1", there.default):
        return replace(col, default=there.default)
    return col


def _as_desired_writes(con: Constraint, wanted: Relation | None) -> Constraint:
    """A foreign key into a renamed or moved table: its text names the target as the desired side's does
    when that side has the same constraint (its target's schema written or not, as the read wrote it)."""
    same = next((c for c in wanted.constraints if c.name == con.name), None) if wanted else None
    if same is None or (same.columns, same.foreign_key) != (con.columns, con.foreign_key):
        return con
    return replace(con, definition=same.definition)


def _respelled(col: Column, spellings: list[tuple[str, str]]) -> Column:
    if col.default is None:
        return col
    default = col.default
    for before, after in spellings:
        default = default.replace(before, after)
    return col if default == col.default else replace(col, default=default)


def _index_as_desired_writes(ix: Index, wanted: Relation) -> Index:
    """An index of a renamed or moved table: its text names the table as the desired side's index of the same
    name and shape does."""
    same = next((i for i in wanted.indexes if i.name == ix.name), None)
    if same is None or _index_shape(same) != _index_shape(ix):
        return ix
    return replace(ix, definition=same.definition)


def _index_shape(ix: Index) -> tuple[object, ...]:
    return (ix.columns, ix.method, ix.unique, ix.predicate, ix.include, ix.options)


def apply_renames(
    current: Catalog,
    desired: Catalog,
    tables: list[tuple[str, str, str, str]],
    columns: list[tuple[str, str, str, str]],
) -> Catalog:
    """The current catalog as it will look after the accepted renames (and moves) ran."""
    table_map = {(s, o): (ns, n) for s, o, ns, n in tables}
    col_map = {(s, t, o): n for s, t, o, n in columns}

    def rename_key(key: tuple[str, str]) -> tuple[str, str]:
        return table_map.get(key, key)

    relations = []
    for rel in current.relations:
        new_key = rename_key(rel.key)
        cols = tuple(
            replace(c, name=col_map.get((rel.schema, rel.name, c.name), c.name)) for c in rel.columns
        )
        wanted = desired.relation(*new_key)
        if new_key[0] != rel.schema and wanted is not None:
            cols = tuple(_moved_default(c, wanted) for c in cols)
        indexes = rel.indexes
        if new_key != rel.key and wanted is not None:  # pg_get_indexdef names the table
            indexes = tuple(_index_as_desired_writes(ix, wanted) for ix in indexes)
        cons = []
        for con in rel.constraints:
            fk = con.foreign_key
            renamed_cols = tuple(col_map.get((rel.schema, rel.name, c), c) for c in con.columns)
            if fk is not None:
                target_before = fk.target_key
                target = rename_key(target_before)
                fk = replace(
                    fk,
                    target_schema=target[0],
                    target_table=target[1],
                    target_columns=tuple(col_map.get((*fk.target_key, c), c) for c in fk.target_columns),
                )
                if target != target_before:
                    fk_now = replace(con, columns=renamed_cols, foreign_key=fk)
                    cons.append(_as_desired_writes(fk_now, desired.relation(*new_key)))
                    continue
            cons.append(replace(con, columns=renamed_cols, foreign_key=fk))
        relations.append(
            replace(
                rel,
                schema=new_key[0],
                name=new_key[1],
                columns=cols,
                constraints=tuple(cons),
                indexes=indexes,
                partition_of=rename_key(rel.partition_of) if rel.partition_of else None,
                inherits=tuple(rename_key(p) for p in rel.inherits),
            )
        )

    def rename_ref(ref: ObjectRef) -> ObjectRef:
        if ref.kind in ("table", "column", "constraint", "index", "trigger", "policy"):
            s, n = rename_key((ref.schema, ref.name))
            sub = col_map.get((ref.schema, ref.name, ref.sub), ref.sub) if ref.kind == "column" else ref.sub
            return ObjectRef(ref.kind, s, n, sub)
        return ref

    deps = tuple(
        replace(d, dependent=rename_ref(d.dependent), referenced=rename_ref(d.referenced))
        for d in current.dependencies
    )
    sequences = []
    for seq in current.sequences:
        owner = seq.owned_by
        if owner is not None:
            schema, table = rename_key((owner.schema, owner.table))
            column = col_map.get((owner.schema, owner.table, owner.column), owner.column)
            # SET SCHEMA takes the sequences the table's columns own along.
            moved = schema if schema != owner.schema else seq.schema
            seq = replace(seq, schema=moved, owned_by=ColumnRef(schema, table, column))
        sequences.append(seq)
    return replace(current, relations=tuple(relations), sequences=tuple(sequences), dependencies=deps)
