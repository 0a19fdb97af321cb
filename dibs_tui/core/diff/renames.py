"""Renames: drop+add pairs that look like one (suggestions), and the current catalog as it will be once the
renames the user accepted have run."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import replace

from ..model import (
    Catalog,
    Column,
    ColumnRef,
    Constraint,
    Index,
    ObjectRef,
    Relation,
    Schema,
    Sequence,
    Trigger,
    rekeyed,
)
from ..model_objects import WholeObject
from ..object_names import not_null_name
from ..plan import ChangeKind, PlannedStatement, RenameSuggestion
from ..sql import qualified, quote_ident, quote_identifier, quote_literal

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
        if before.of_type is not None and before.of_type == new.of_type:
            continue  # a typed table's column names are its type's (refuse_unmatched_renames)
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
    away = {(s, o) for s, o, ns, n in tables if (ns, n) != (s, o)}
    for schema, old, new_schema, new in tables:
        if current.relation(schema, old) is None:
            continue  # applied already
        for space, name in sorted({(schema, new), (new_schema, new)} - away - {(schema, old)}):
            if _holds(current, space, name):
                raise DibsError(
                    f"--accept-rename: {qualified(space, name)} is the name of a live table, view, index or "
                    "sequence that no accepted rename moves away",
                    hint="rename or drop that one first, or accept its rename too (two tables may trade names)",
                )
    moved = {(s, o): (ns, n) for s, o, ns, n in tables}
    columns_away = {(s, t, o) for s, t, o, n in columns if n != o}
    for schema, table, old, new in columns:
        live = current.relation(schema, table)
        if live is None or live.column(old) is None:  # the plan would rename a column that is not there
            raise DibsError(
                f"--accept-rename: no column {qualified(schema, table)}.{quote_ident(old)} in the live database",
                hint=hint,
            )
        wanted = desired.relation(*moved.get((schema, table), (schema, table)))
        if new != old and live.of_type is not None and wanted is not None and wanted.of_type == live.of_type:
            raise DibsError(
                f"--accept-rename: {qualified(schema, table)} is a typed table (OF {qualified(*live.of_type)}): "
                f"its column {quote_ident(old)} is named by the type's attribute, which PostgreSQL renames "
                "for every table of the type at once (ALTER TYPE ... RENAME ATTRIBUTE ... CASCADE); the diff "
                "does not plan that",
                hint="rename the attribute in a migration of your own, or drop this accepted rename (the "
                "attribute is then dropped and added: its values are lost)",
            )
        if wanted is None or wanted.column(new) is None:
            raise DibsError(
                f"--accept-rename: no column {quote_ident(new)} on {qualified(schema, table)} in the desired schema",
                hint=hint,
            )
        if new != old and live.column(new) is not None and (schema, table, new) not in columns_away:
            raise DibsError(
                f"--accept-rename: {qualified(schema, table)} has a live column {quote_ident(new)} that no "
                "accepted rename moves away",
                hint="accept its rename too (two columns may trade names), or drop it first",
            )


def _holds(catalog: Catalog, schema: str, name: str) -> bool:
    """Whether a relation, index or sequence of `schema` bears `name` (one namespace: pg_class)."""
    if catalog.relation(schema, name) is not None:
        return True
    if any(s.schema == schema and s.name == name for s in catalog.sequences):
        return True
    return any(r.schema == schema and any(ix.name == name for ix in r.indexes) for r in catalog.relations)


def rename_table_sequences(
    current: Catalog, desired: Catalog, renamed: list[tuple[str, str]]
) -> tuple[Catalog, list[PlannedStatement]]:
    """After a table rename, its serial and identity sequences keep their old names: rename the ones the
    desired side has under another name (a sequence made again would restart at 1). An identity sequence's
    name is compared by nobody but the schema has it. Its constraints and indexes named after the old table
    are renamed by part_renames, as any renamed part is (through a passing name where names go round)."""
    steps: list[PlannedStatement] = []
    relations = {r.key: r for r in current.relations}
    sequences = list(current.sequences)
    for key in renamed:
        rel, want = relations.get(key), desired.relation(*key)
        if rel is None or want is None:
            continue
        ref = ObjectRef("table", *key)
        columns = list(rel.columns)
        taken = {(r.schema, n) for r in current.relations for n in (r.name, *(ix.name for ix in r.indexes))}
        for i, seq in enumerate(sequences):
            owner = seq.owned_by
            if owner is not None and (owner.schema, owner.table) == key:
                target = next(
                    (
                        d
                        for d in desired.sequences
                        if d.owned_by == owner and d.name != seq.name and d.is_identity == seq.is_identity
                    ),
                    None,
                )
            elif owner is None:
                target = _read_instead(seq, rel, want, desired)
            else:
                continue
            # the renames run before the plan: only to a name nothing of the live schema holds
            if target is None or any(x.key == target.key for x in sequences) or target.key in taken:
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
        relations[key] = replace(rel, columns=tuple(columns))
    return replace(current, relations=tuple(relations.values()), sequences=tuple(sequences)), steps


def _read_instead(seq: Sequence, rel: Relation, want: Relation, desired: Catalog) -> Sequence | None:
    """A sequence no column owns (pg_dump's pagila: no OWNED BY) that a column of the renamed table reads
    (its nextval default), where the desired table's same column reads one of another name, owned by no
    other column: that one, to rename it to. Made again instead, it would start past the rows' largest
    value, and values of rows deleted since would be handed out again."""
    for col in rel.columns:
        there = want.column(col.name)
        read = _NEXTVAL.fullmatch(col.default or "")
        wanted = _NEXTVAL.fullmatch(there.default or "") if there is not None else None
        if read is None or wanted is None or read[1] != quote_ident(seq.name) or wanted[1] == read[1]:
            continue
        return next(
            (
                d
                for d in desired.sequences
                if d.schema == seq.schema
                and quote_ident(d.name) == wanted[1]
                and not d.is_identity
                and d.owned_by in (None, ColumnRef(*rel.key, col.name))
            ),
            None,
        )
    return None


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
    when that side has the same constraint (its target's schema written or not, as the read wrote it), under
    the same name first, else under another (part_renames renames it then)."""
    alike = [
        c
        for c in (wanted.constraints if wanted else ())
        if (c.columns, c.foreign_key) == (con.columns, con.foreign_key)
    ]
    same = next((c for c in alike if c.name == con.name), alike[0] if alike else None)
    return con if same is None else replace(con, definition=same.definition)


def _respelled(col: Column, spellings: list[tuple[str, str]]) -> Column:
    if col.default is None:
        return col
    default = col.default
    for before, after in spellings:
        default = default.replace(before, after)
    return col if default == col.default else replace(col, default=default)


def _index_of_renamed(ix: Index, old: tuple[str, str], new: tuple[str, str]) -> Index:
    """An index of a renamed or moved table: its text names the table (as the catalog read writes it, with
    its schema), now by its new name; whatever else differs from the desired side's still does."""
    head = f"CREATE {'UNIQUE ' if ix.unique else ''}INDEX {quote_identifier(ix.name)} ON "
    text = ix.definition
    for only in ("", "ONLY "):
        before = f"{head}{only}{qualified(*old)} USING "
        if text.startswith(before):
            return replace(ix, definition=f"{head}{only}{qualified(*new)} USING {text[len(before) :]}")
    return ix


def _respelled_as(text: str, before: str, after: str, wanted: str | None) -> str | None:
    """`text` with `before` replaced by `after` so that it reads `wanted`: everywhere, or in one place only
    (the words may also stand in a column's name or a constant, which stay); None when neither does."""
    if wanted is None or before not in text:
        return None
    if text.replace(before, after) == wanted:
        return wanted
    start = text.find(before)
    while start >= 0:
        if text[:start] + after + text[start + len(before) :] == wanted:
            return wanted
        start = text.find(before, start + 1)
    return None


def _trigger_of_renamed(
    trig: Trigger, old: tuple[str, str], new: tuple[str, str], wanted: Relation | None
) -> Trigger:
    """A trigger of a renamed or moved table: its text names the table (pg_get_triggerdef), now by its new
    name where that makes it the desired side's trigger of its name; otherwise it differs and is made again."""
    same = next((t for t in wanted.triggers if t.name == trig.name), None) if wanted is not None else None
    text = _respelled_as(
        trig.definition,
        f" ON {qualified(*old)} ",
        f" ON {qualified(*new)} ",
        same.definition if same is not None else None,
    )
    return trig if text is None else replace(trig, definition=text)


def _object_of_renamed(
    obj: WholeObject,
    table_map: dict[tuple[str, str], tuple[str, str]],
    wanted: dict[tuple[str, str, str, str], WholeObject],
) -> WholeObject:
    """A rule or statistics object on a renamed or moved table (its first reference): on the table's new name,
    naming it anew in its drop and target (a rule) and in its references, its text the desired side's where
    only the table's name differs; otherwise made again, dropped by the table's new name."""
    table = next(((r[1], r[2]) for r in obj.references if r[0] == "table"), None)
    new = table_map.get(table) if obj.relation and table is not None else None
    if table is None or new is None:
        return obj
    refs = tuple(
        (r[0], *table_map.get((r[1], r[2]), (r[1], r[2])), r[3]) if r[0] in ("table", "column") else r
        for r in obj.references
    )
    moved = replace(obj, relation=new[1], references=refs)
    if obj.kind == "rule":
        on = f"{quote_ident(obj.name)} ON {qualified(*new)}"
        moved = replace(moved, schema=new[0], drop=f"DROP RULE {on};", target=f"RULE {on}")
    there = wanted.get(moved.key)
    for before, after in ((qualified(*table), qualified(*new)), (quote_ident(table[1]), quote_ident(new[1]))):
        # named with its schema, or without where the read's search_path finds it
        shape = _respelled_as(obj.shape, before, after, there.shape if there else None)
        if shape is not None:
            return replace(moved, shape=shape)
    return moved


def _renamed_column(
    current: Catalog,
    rel: Relation,
    col: Column,
    col_map: dict[tuple[str, str, str], str],
    key: tuple[str, str],
) -> Column:
    """A column under its accepted new name; its NOT NULL keeps the name it has (the server renames neither
    with the table or the column), written out where it was the default for the old names."""
    name = col_map.get((rel.schema, rel.name, col.name), col.name)
    if name == col.name and key == rel.key:
        return col
    pinned = not_null_name(current, rel, col) if col.not_null else None
    return replace(col, name=name, not_null_name=pinned)


def _children(current: Catalog) -> dict[tuple[str, str], list[Relation]]:
    out: dict[tuple[str, str], list[Relation]] = {}
    for rel in current.relations:
        for parent in (rel.partition_of, *rel.inherits) if rel.partition_of else rel.inherits:
            out.setdefault(parent, []).append(rel)
    return out


def renamed_back(
    current: Catalog, desired: Catalog, columns: list[tuple[str, str, str, str]]
) -> list[tuple[Relation, tuple[str, str], str, str]]:
    """(child, parent, new, old) for each child of a table whose column is renamed that leaves that parent and
    keeps the old name (the desired child has it, not the new one): the parent's RENAME COLUMN, run before the
    plan, reaches it, so it is renamed back once it is detached (or NO INHERIT), not dropped and added again.
    Under the tables' current names (a table renamed too leaves the parent only after its rename)."""
    children = _children(current)
    out = []
    for schema, table, old, new in columns:
        for child in children.get((schema, table), ()):
            wanted = desired.relation(*child.key)
            if (
                wanted is not None
                and child.column(old) is not None
                and (schema, table) not in (wanted.partition_of, *wanted.inherits)
                and wanted.column(old) is not None
                and wanted.column(new) is None
            ):
                out.append((child, (schema, table), new, old))
    return out


def _down_to_children(
    current: Catalog, desired: Catalog, columns: list[tuple[str, str, str, str]]
) -> dict[tuple[str, str, str], str]:
    """The column renames with those RENAME COLUMN makes in the partitions and inheritance children that
    have the column from a renamed table (but those renamed back: renamed_back)."""
    children = _children(current)
    col_map = {(s, t, o): n for s, t, o, n in columns}
    out = dict(col_map)
    back = {(child.key, old) for child, _, _, old in renamed_back(current, desired, columns)}
    todo = list(col_map.items())
    while todo:
        (schema, table, old), new = todo.pop()
        for child in children.get((schema, table), ()):
            if (child.key, old) in back:
                continue
            if child.column(old) is not None and (child.schema, child.name, old) not in out:
                out[(child.schema, child.name, old)] = new
                todo.append(((child.schema, child.name, old), new))
    return out


def apply_renames(
    current: Catalog,
    desired: Catalog,
    tables: list[tuple[str, str, str, str]],
    columns: list[tuple[str, str, str, str]],
) -> Catalog:
    """The current catalog as it will look after the accepted renames (and moves) ran."""
    table_map = {(s, o): (ns, n) for s, o, ns, n in tables}
    col_map = _down_to_children(current, desired, columns)

    def rename_key(key: tuple[str, str]) -> tuple[str, str]:
        return table_map.get(key, key)

    relations = []
    for rel in current.relations:
        new_key = rename_key(rel.key)
        cols = tuple(_renamed_column(current, rel, c, col_map, new_key) for c in rel.columns)
        wanted = desired.relation(*new_key)
        if new_key[0] != rel.schema and wanted is not None:
            cols = tuple(_moved_default(c, wanted) for c in cols)
        indexes, triggers = rel.indexes, rel.triggers
        if new_key != rel.key:  # pg_get_indexdef and pg_get_triggerdef name the table
            indexes = tuple(_index_of_renamed(ix, rel.key, new_key) for ix in indexes)
            triggers = tuple(_trigger_of_renamed(t, rel.key, new_key, wanted) for t in triggers)
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
                if (renamed_cols, fk) != (con.columns, con.foreign_key):
                    # Its text as the server will print it once the renames ran: written again from the
                    # renamed parts, or the desired side's where the read kept the server's text.
                    fk_now = rekeyed(con, renamed_cols, fk)
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
                triggers=triggers,
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
    wanted_objects = {o.key: o for o in desired.objects if o.relation}
    objects = tuple(_object_of_renamed(o, table_map, wanted_objects) for o in current.objects)
    have = {s.name for s in current.schemas}
    made = tuple(Schema(name) for name in sorted({t[2] for t in tables} - have))  # rename_order makes them
    return replace(
        current,
        schemas=current.schemas + made,
        relations=tuple(relations),
        sequences=tuple(sequences),
        dependencies=deps,
        objects=objects,
    )
