"""Schemas, extensions, sequences (and which column owns them) and functions: created, altered, dropped."""

from __future__ import annotations

from ..ddl import sequence_options
from ..model import (
    Constraint,
    Extension,
    Function,
    ObjectRef,
    Relation,
)
from ..plan import ChangeKind
from ..sql import qualified, quote_ident, quote_literal
from .compare_table_options import clamp_sql, restart_clause
from .graph import (
    ALTER_TABLES,
    DROP_DEPENDENTS,
    DROP_OBJECTS,
    DROP_SCHEMAS,
    PRE_CREATE,
)
from .render import (
    func_ref,
    function_keyword,
    function_signature,
    function_sql,
    type_ref,
    validated_at_creation,
)
from .state import PlanState, only_in


def plan_schemas_and_extensions(state: PlanState) -> None:
    cur = {s.name: s for s in state.current.schemas}
    des = {s.name: s for s in state.desired.schemas}
    for name in only_in(des, cur):
        ref = ObjectRef("schema", "", name)
        state.change(ChangeKind.CREATE, ref, "schema", new=name)
        state.step(
            PRE_CREATE,
            f"CREATE SCHEMA {quote_ident(name)};",
            ChangeKind.CREATE,
            [ref],
            creates=[ref],
        )
    for name in only_in(cur, des):
        ref = ObjectRef("schema", "", name)
        state.change(ChangeKind.DROP, ref, "schema", old=name, destructive=True)
        state.step(
            DROP_SCHEMAS,
            f"DROP SCHEMA {quote_ident(name)};",
            ChangeKind.DROP,
            [ref],
            destroys=[ref],
            destructive=True,
        )
    for name in sorted(des.keys()):
        state.comment(
            ObjectRef("schema", "", name),
            "schema",
            cur[name].comment if name in cur else None,
            des[name].comment,
        )
    cur_ext = {e.name: e for e in state.current.extensions}
    des_ext = {e.name: e for e in state.desired.extensions}
    for name, ext in sorted(des_ext.items()):
        ref = ObjectRef("extension", "", name)
        old = cur_ext.get(name)
        if old is None:
            state.change(ChangeKind.CREATE, ref, "extension", new=f"{name} {ext.version}")
            state.step(
                PRE_CREATE,
                f"CREATE EXTENSION IF NOT EXISTS {quote_ident(name)} WITH SCHEMA "
                f"{quote_ident(ext.schema)} VERSION {quote_literal(ext.version)};",
                ChangeKind.CREATE,
                [ref],
                creates=[ref],
                needs=[
                    ObjectRef("schema", "", ext.schema),
                    *(ObjectRef("extension", "", r) for r in ext.requires),
                ],
            )
        else:
            _alter_extension(state, old, ext)
            # a created one gets its control file's comment; only a kept one's is compared
            state.comment(ref, "extension", old.comment, ext.comment)
    for name in only_in(cur_ext, des_ext):
        ref = ObjectRef("extension", "", name)
        state.change(ChangeKind.DROP, ref, "extension", old=name, destructive=True)
        # after the extensions that require it (earthdistance before cube)
        users = [ObjectRef("extension", "", e.name) for e in state.current.extensions if name in e.requires]
        state.step(
            DROP_OBJECTS,
            f"DROP EXTENSION {quote_ident(name)};",
            ChangeKind.DROP,
            [ref],
            destroys=[ref],
            destructive=True,
            after=users,
        )


def _alter_extension(state: PlanState, old: Extension, ext: Extension) -> None:
    """Another schema (its objects move with it; an extension that is not relocatable is refused by the
    server, with its reason), then another version (the server's update scripts)."""
    ref = ObjectRef("extension", "", ext.name)
    if old.schema != ext.schema:
        state.change(ChangeKind.ALTER, ref, "extension", f"schema {old.schema}", f"schema {ext.schema}")
        state.step(
            PRE_CREATE,
            f"ALTER EXTENSION {quote_ident(ext.name)} SET SCHEMA {quote_ident(ext.schema)};",
            ChangeKind.ALTER,
            [ref],
            # after the new schema is made, before the old one is dropped
            needs=[ObjectRef("schema", "", ext.schema), ObjectRef("schema", "", old.schema)],
        )
    if old.version != ext.version and state.across_versions:
        # A file that names no version gets its server's default, which another major version ships newer
        # (btree_gist 1.8 on 18, 1.7 on 15): planned, its UPDATE TO would fail where that version is not
        # installed, and check would never pass.
        detail = (
            f"version {old.version} here, {ext.version} where the desired schema was loaded (another major "
            "version, whose default it may be): kept"
        )
        state.keep(ref, "extension", old.version, ext.version, detail)
    elif old.version != ext.version:
        state.change(ChangeKind.ALTER, ref, "extension", old.version, ext.version)
        state.step(
            PRE_CREATE,
            f"ALTER EXTENSION {quote_ident(ext.name)} UPDATE TO {quote_literal(ext.version)};",
            ChangeKind.ALTER,
            [ref],
        )


def plan_sequences(state: PlanState) -> None:
    cur = {s.key: s for s in state.current.sequences if not s.is_identity}
    des = {s.key: s for s in state.desired.sequences if not s.is_identity}
    for key, new in sorted(des.items()):
        ref = ObjectRef("sequence", *key)
        old = cur.get(key)
        if old is None:
            state.change(ChangeKind.CREATE, ref, "sequence", new=sequence_options(new))
            state.created_sequences.append(new)
            state.step(
                PRE_CREATE,
                f"CREATE SEQUENCE {qualified(*key)} {sequence_options(new)};",
                ChangeKind.CREATE,
                [ref],
                creates=[ref],
                needs=[ObjectRef("schema", "", key[0])],
            )
        elif sequence_options(old) != sequence_options(new):
            state.change(ChangeKind.ALTER, ref, "sequence", sequence_options(old), sequence_options(new))
            clamp = clamp_sql(old, new)
            if clamp:
                state.step(PRE_CREATE, clamp, ChangeKind.ALTER, [ref])
            state.step(
                PRE_CREATE,
                f"ALTER SEQUENCE {qualified(*key)} {sequence_options(new)}{restart_clause(old, new)};",
                ChangeKind.ALTER,
                [ref],
            )
        if (old.owned_by if old is not None else None) != new.owned_by:  # a new one is created owned by none
            state.owned_by_steps.append((new, old))
        state.comment(ref, "sequence", old.comment if old else None, new.comment)
    state.dropped_sequences = [cur[k] for k in only_in(cur, des)]


def plan_functions(state: PlanState) -> set[ObjectRef]:
    """Create, replace or drop functions; returns those dropped (their dependents must be re-created)."""
    cur = {func_ref(f): f for f in state.current.functions}
    des = {func_ref(f): f for f in state.desired.functions}
    dropped: set[ObjectRef] = set()
    # A function whose arguments or result use a re-created enum or domain pins the old type: it is
    # dropped before the type is renamed away and created again once the new type exists.
    retyped = {
        dep
        for key in state.recreated_types
        for dep in state.dependents(type_ref(*key))
        if dep.kind == "function"
    }
    for ref, new in sorted(des.items(), key=lambda kv: (kv[0].schema, kv[0].name, kv[0].sub)):
        old = cur.get(ref)
        what = function_keyword(new).lower()
        phase = PRE_CREATE
        if new.definition is None:
            continue  # aggregates: no CREATE text in the catalog
        if old is not None and old.definition == new.definition and ref not in retyped:
            state.comment(ref, what, old.comment, new.comment)
            continue
        state.needs_bodies_off |= validated_at_creation(new)
        if old is not None and (
            old.result != new.result
            or old.kind != new.kind
            or ref in retyped
            or _defaulted(old.definition) > _defaulted(new.definition)
        ):
            dropped.add(ref)
            state.step(
                DROP_DEPENDENTS,
                f"DROP {function_keyword(old)} {function_signature(old)};",
                ChangeKind.DROP,
                [ref],
                destroys=[ref],
            )
            old = None
        kind = ChangeKind.CREATE if ref not in cur else ChangeKind.ALTER
        state.change(kind, ref, what, cur[ref].definition if ref in cur else None, new.definition)
        needs = [ObjectRef("schema", "", ref.schema)]
        state.step(phase, function_sql(new), kind, [ref], creates=[ref], needs=needs)
        state.comment(ref, what, cur[ref].comment if ref in cur else None, new.comment)
    replaced = _replaced_signatures(cur, des)
    for ref in only_in(cur, des):
        old = cur[ref]
        if old.definition is None:
            continue
        state.change(ChangeKind.DROP, ref, function_keyword(old).lower(), old.definition, destructive=True)
        successor = replaced.get(ref)
        if successor is not None:
            dropped.add(ref)
        state.step(
            DROP_DEPENDENTS if successor else DROP_OBJECTS,
            f"DROP {function_keyword(old)} {function_signature(old)};",
            ChangeKind.DROP,
            [ref],
            destroys=[ref],
            vacates=[successor] if successor else [],
            destructive=True,
        )
    return dropped


def _replaced_signatures(
    cur: dict[ObjectRef, Function], des: dict[ObjectRef, Function]
) -> dict[ObjectRef, ObjectRef]:
    """A function dropped while one of its name is created (its parameters renamed or retyped, or an overload
    replacing it) is succeeded by it: the old one is dropped first, or a reader created meanwhile finds both
    (`label(s)` is not unique beside a new `label(text, text DEFAULT '')`), and CREATE OR REPLACE cannot
    rename a parameter; what used the old one is re-created around it. Its successor is the new one of the
    same arity, else the first by signature."""
    new: dict[tuple[str, str], list[ObjectRef]] = {}
    for ref in sorted(only_in(des, cur), key=lambda r: r.sub):
        new.setdefault((ref.schema, ref.name), []).append(ref)
    out: dict[ObjectRef, ObjectRef] = {}
    for ref in only_in(cur, des):
        if candidates := new.get((ref.schema, ref.name)):
            same = [c for c in candidates if _arity(c.sub) == _arity(ref.sub)]
            out[ref] = (same or candidates)[0]
    return out


def _defaulted(definition: str | None) -> int:
    """How many parameters have a DEFAULT in pg_get_functiondef's first line (the argument list): CREATE OR
    REPLACE refuses to remove one ("cannot remove parameter defaults from existing function")."""
    if definition is None:
        return 0
    head = definition.split("\n", 1)[0]
    count, depth, quote = 0, 0, ""
    for i, ch in enumerate(head):
        if quote:
            quote = "" if ch == quote else quote  # a doubled quote closes and reopens: the count is unchanged
        elif ch in "'\"":
            quote = ch
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif depth == 1 and head.startswith(" DEFAULT ", i):
            count += 1
    return count


def _arity(identity_arguments: str) -> int:
    return 0 if not identity_arguments else identity_arguments.count(",") + 1


def plan_sequence_ownership(state: PlanState) -> None:
    for new, _old in state.owned_by_steps:
        ref = ObjectRef("sequence", new.schema, new.name)
        if new.owned_by is None:
            state.step(
                ALTER_TABLES,
                f"ALTER SEQUENCE {qualified(new.schema, new.name)} OWNED BY NONE;",
                ChangeKind.ALTER,
                [ref],
                needs=[ref],
            )
            continue
        owner = new.owned_by
        table = ObjectRef("table", owner.schema, owner.table)
        state.step(
            ALTER_TABLES,
            f"ALTER SEQUENCE {qualified(new.schema, new.name)} OWNED BY "
            f"{qualified(owner.schema, owner.table)}.{quote_ident(owner.column)};",
            ChangeKind.ALTER,
            [ref, table],
            needs=[ref, table, ObjectRef("column", owner.schema, owner.table, owner.column)],
        )
    des_tables = state.desired.relations_by_key
    for seq in state.dropped_sequences:
        if seq.key in state.dropped_early:
            continue
        seq_owner = seq.owned_by
        ref = ObjectRef("sequence", seq.schema, seq.name)
        if seq_owner is not None:
            owning = des_tables.get((seq_owner.schema, seq_owner.table))
            if owning is None or owning.column(seq_owner.column) is None:
                continue  # dropped together with its column or table
        state.drop_object(
            ref, "sequence", sequence_options(seq), f"DROP SEQUENCE {qualified(seq.schema, seq.name)};"
        )


pending_fks: list[tuple[Relation, Constraint]]
