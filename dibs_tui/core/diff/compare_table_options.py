"""What a table keeps beside its columns and keys: its replica identity and table access method; the
options of an identity column's sequence (bounds, increment, cache, cycle), set through ALTER COLUMN; a
column's storage, compression, statistics target and planner options (n_distinct)."""

from __future__ import annotations

import re
from dataclasses import replace

from ..ddl import sequence_options
from ..ddl_types import replica_identity_sql
from ..model import Column, ObjectRef, Relation
from ..model import Sequence as SequenceObj
from ..model_definitions import index_storage, key_index_storage
from ..plan import ChangeKind
from ..sql import qualified, quote_ident, quote_literal
from .deparse_drift import major_version
from .graph import ALTER_TABLES, LATE_CREATE, NodeKey
from .name_slots import circle_heads, passing_name
from .render import table_ref, what_of
from .state import PlanState
from .type_conversions import unmodified


def plan_table_options(state: PlanState, old: Relation | None, new: Relation) -> None:
    """Access method (ALTER TABLE rewrites the table into the new one, rows kept); the replica identity is
    planned once every index is (plan_replica_identity)."""
    ref = table_ref(new)
    name = qualified(new.schema, new.name)
    if old is not None and old.access_method != new.access_method:
        state.change(
            ChangeKind.ALTER, ref, what_of(new), old.access_method, new.access_method, detail="access method"
        )
        # heap by name, not DEFAULT: default_table_access_method may name another one
        method = quote_ident(new.access_method or "heap")
        state.step(ALTER_TABLES, f"ALTER TABLE {name} SET ACCESS METHOD {method};", ChangeKind.ALTER, [ref])


def plan_replica_identity(state: PlanState) -> None:
    """REPLICA IDENTITY, once every other step that makes an index is planned: set where it differs, and where
    the plan makes the table or the index it names (again): a new index has no mark, and a rename carries the
    mark along with its index (two indexes that trade names: the mark is on the other name after)."""
    made = {n for step in state.steps for n in step.creates}
    cur = state.current.relations_by_key
    for new in state.desired.relations:
        old = cur.get(new.key)
        table = ("table", new.schema, new.name, "")
        before = (
            (old.replica_identity, old.replica_index)
            if old is not None and table not in made
            else ("d", None)
        )
        after = (new.replica_identity, new.replica_index)
        index = new.replica_index
        remade = index is not None and (
            ("index", new.schema, new.name, index) in made
            or ("constraint", new.schema, new.name, index) in made
        )
        if before == after and not remade:
            continue
        ref = table_ref(new)
        if after == ("i", None):
            # USING INDEX of an index dropped since: no statement makes that again (and DEFAULT is another)
            detail = (
                "replica identity not planned: the desired one is USING INDEX of an index dropped since "
                "(PostgreSQL then logs no old row, as NOTHING), which no statement makes; set it by hand"
            )
            state.change(ChangeKind.ALTER, ref, what_of(new), detail=detail, planned=False)
            continue
        if old is not None and (old.replica_identity, old.replica_index) != after:
            state.change(ChangeKind.ALTER, ref, what_of(new), detail="replica identity")
        sql = (
            replica_identity_sql(new)
            or f"ALTER TABLE {qualified(new.schema, new.name)} REPLICA IDENTITY DEFAULT;"
        )
        state.step(
            LATE_CREATE, sql, ChangeKind.ALTER, [ref], needs=_index_needs(new, index) if index else [ref]
        )


def _index_needs(rel: Relation, index: str) -> list[ObjectRef]:
    """What a step naming the desired index `index` of `rel` needs: the index, and where it is a key's, the key.
    Not the current key of that name when the desired index is a plain one: the plan drops that key before
    the index takes its name (key_handovers), and needing it would put the step before its drop."""
    needs = [ObjectRef("index", rel.schema, rel.name, index)]
    if any(c.index_name == index for c in rel.constraints):
        needs.append(ObjectRef("constraint", rel.schema, rel.name, index))
    return needs


def identity_sequence(state: PlanState, rel: Relation, column: str, *, desired: bool) -> SequenceObj | None:
    return state.identity_sequences[1 if desired else 0].get((rel.schema, rel.name, column))


def identity_clause(state: PlanState, rel: Relation, col: Column) -> str:
    """`GENERATED ... AS IDENTITY (SEQUENCE NAME ... options)` as the desired side has it."""
    assert col.identity is not None
    sequence = identity_sequence(state, rel, col.name, desired=True)
    clause = f"GENERATED {col.identity.value.upper()} AS IDENTITY"
    if sequence is not None:
        clause += (
            f" (SEQUENCE NAME {qualified(sequence.schema, sequence.name)} "
            f"{sequence_options(sequence, with_type=False)})"
        )
    return clause


def _rename_sequence(state: PlanState, rel: Relation, before: SequenceObj, after: SequenceObj) -> None:
    """ALTER SEQUENCE ... RENAME TO, the values given kept. Where the identity sequences' new names go round
    in a circle (a's takes b's name, b's takes a's), the first of the circle by name goes through a free name
    first: each rename then takes a name the other has already let go, and the graph has no cycle."""
    seq_ref, old_ref = ObjectRef("sequence", after.schema, after.name), ObjectRef("sequence", *before.key)
    touches = [table_ref(rel), seq_ref]
    name = before.name
    if _first_of_a_circle(state, before):
        name = passing_name(before.name, state.names_taken(("class", before.schema)))
        passing = ObjectRef("sequence", before.schema, name)
        state.step(
            ALTER_TABLES,
            f"ALTER SEQUENCE {qualified(*before.key)} RENAME TO {quote_ident(name)};",
            ChangeKind.ALTER,
            touches,
            creates=[passing],
            vacates=[old_ref],
        )
        old_ref = passing
    state.step(
        ALTER_TABLES,
        f"ALTER SEQUENCE {qualified(before.schema, name)} RENAME TO {quote_ident(after.name)};",
        ChangeKind.ALTER,
        touches,
        creates=[seq_ref],
        # the passing name is the plan's own: needed, not freed for a create (which would come first)
        vacates=[] if name != before.name else [old_ref],
        needs=[old_ref] if name != before.name else [],
    )


def _first_of_a_circle(state: PlanState, before: SequenceObj) -> bool:
    """`before` heads a circle of the identity sequences renamed in its schema (see name_slots.circle_heads);
    the heads found once for the whole plan."""
    if state.identity_circle_heads is None:
        by_schema: dict[str, dict[str, str]] = {}
        for key, old in state.identity_sequences[0].items():
            new = state.identity_sequences[1].get(key)
            if new is not None and old.schema == new.schema and old.name != new.name:
                by_schema.setdefault(old.schema, {})[old.name] = new.name
        state.identity_circle_heads = {
            (schema, head) for schema, renamed in by_schema.items() for head in circle_heads(renamed)
        }
    return before.key in state.identity_circle_heads


def plan_identity_options(state: PlanState, rel: Relation, old: Column, new: Column) -> None:
    """An identity column kept as one: its sequence's options set in place (ALTER COLUMN ... SET ...)."""
    before = identity_sequence(state, rel, old.name, desired=False)
    after = identity_sequence(state, rel, new.name, desired=True)
    if old.identity is None or new.identity is None or before is None or after is None:
        return
    renamed = before.name != after.name and before.schema == after.schema
    if renamed:  # SEQUENCE NAME: the schema has it
        state.change(
            ChangeKind.RENAME,
            ObjectRef("sequence", after.schema, after.name),
            "sequence",
            before.name,
            after.name,
        )
        _rename_sequence(state, rel, before, after)
    settings = [
        f"SET {option} {getattr(after, attr)}"
        for option, attr in (
            ("INCREMENT BY", "increment"),
            ("MINVALUE", "min_value"),
            ("MAXVALUE", "max_value"),
            ("START WITH", "start"),
            ("CACHE", "cache"),
        )
        if getattr(before, attr) != getattr(after, attr)
    ]
    if before.cycle != after.cycle:
        settings.append("SET CYCLE" if after.cycle else "SET NO CYCLE")
    if not settings:
        return
    if restart_clause(before, after):  # no value valid on both sides: the new start, as for a sequence
        settings.append("RESTART")
    ref, cref = table_ref(rel), ObjectRef("column", rel.schema, rel.name, new.name)
    state.change(ChangeKind.ALTER, cref, "column", detail="identity options")
    # the value moved inside the new bounds first, under the sequence's name then: after its rename
    clamp = clamp_sql(replace(before, name=after.name) if renamed else before, after)
    clamped = ObjectRef("clamped", rel.schema, rel.name, new.name)
    if clamp:
        renamed_to = [ObjectRef("sequence", after.schema, after.name)] if renamed else []
        state.step(ALTER_TABLES, clamp, ChangeKind.ALTER, [ref, cref], creates=[clamped], needs=renamed_to)
    state.step(
        ALTER_TABLES,
        f"ALTER TABLE {qualified(rel.schema, rel.name)} ALTER COLUMN {quote_ident(new.name)} "
        + " ".join(settings)
        + ";",
        ChangeKind.ALTER,
        [ref, cref],
        needs=[clamped] if clamp else [],
    )


def clamp_sql(before: SequenceObj, after: SequenceObj) -> str | None:
    """New bounds that may exclude the sequence's current value: PostgreSQL refuses them until the value is
    moved inside. Moved to the nearest bound, and only when it lies outside them."""
    if after.min_value <= before.min_value and after.max_value >= before.max_value:
        return None
    low, high = max(after.min_value, before.min_value), min(after.max_value, before.max_value)
    if low > high:
        return None  # no value is valid on both sides: ALTER ... RESTART (see restart_clause)
    name = qualified(before.schema, before.name)
    return (
        f"SELECT setval({quote_literal(name)}::regclass, GREATEST(LEAST(last_value, {high}), {low})) "
        f"FROM {name} WHERE last_value NOT BETWEEN {after.min_value} AND {after.max_value};"
    )


def restart_clause(before: SequenceObj, after: SequenceObj) -> str:
    """Bounds with nothing in common with the old ones: the sequence restarts at its new start."""
    disjoint = after.min_value > before.max_value or after.max_value < before.min_value
    return " RESTART" if disjoint else ""


def catch_up_sql(sequence: SequenceObj, rel: Relation, column: str) -> str:
    """A column's new sequence (serial <-> identity, or a default switched to another sequence) continues
    after the rows already there; never moved back (a sequence two tables share may be ahead already)."""
    name = qualified(sequence.schema, sequence.name)
    return (
        f"SELECT setval({quote_literal(name)}::regclass, max({quote_ident(column)})) "
        f"FROM {qualified(rel.schema, rel.name)} "
        f"HAVING max({quote_ident(column)}) >= (SELECT last_value FROM {name});"
    )


def identity_options_differ(state: PlanState, rel: Relation, column: Column) -> bool:
    """An identity column whose sequence's options differ between the sides (the column itself may not)."""
    return column.identity is not None and column.name in state.identity_differs.get(rel.key, ())


_INTEGERS = frozenset(("smallint", "integer", "bigint"))


def plan_default_catch_up(state: PlanState, rel: Relation, old: Column, new: Column) -> None:
    """A kept column whose default now takes nextval() of a rising sequence (identity -> serial, or another
    sequence): the sequence continues after the rows already there, not among them."""
    if new.default is None or old.default == new.default or new.type not in _INTEGERS:
        return
    sequences = {s.key: s for s in state.desired.sequences}
    for node in state.desired_deps.references.get(("default", rel.schema, rel.name, new.name), ()):
        sequence = sequences.get((node[1], node[2])) if node[0] == "sequence" else None
        if sequence is None or sequence.increment <= 0:
            continue
        state.step(
            ALTER_TABLES,
            catch_up_sql(sequence, rel, new.name),
            ChangeKind.ALTER,
            [table_ref(rel)],
            needs=[
                ObjectRef("sequence", sequence.schema, sequence.name),
                ObjectRef("default", rel.schema, rel.name, new.name),
            ],
        )


# What sets a column's setting back to its default, by the setting's first word.
_RESET = {"STORAGE": "STORAGE DEFAULT", "COMPRESSION": "COMPRESSION DEFAULT", "STATISTICS": "STATISTICS -1"}


def _setting_key(setting: str) -> str:
    """A setting's first word; an attribute option, `(n_distinct=-0.02)`, is keyed by its name."""
    return setting[1:].split("=", 1)[0] if setting.startswith("(") else setting.split(" ", 1)[0]


_STORAGE_NAMES = {"p": "PLAIN", "e": "EXTERNAL", "m": "MAIN", "x": "EXTENDED"}


def _reset(key: str, state: PlanState, column: Column) -> str | None:
    """ALTER COLUMN ... what sets the live `column`'s setting `key` back to its default; None for one that has
    none. SET STORAGE DEFAULT is 16's (15: 'syntax error at or near "DEFAULT"'): before 16 the storage its
    type has of its own is named, as the live server's pg_type gives it."""
    if key == "STORAGE" and (major_version(state.current.server_version) or 18) < 16:
        known = state.current.conversions
        own = known.storage.get(unmodified(column.type), "x") if known is not None else "x"
        return f"SET STORAGE {_STORAGE_NAMES[own]}"
    if key in _RESET:
        return f"SET {_RESET[key]}"
    return f"RESET ({key})" if key.isidentifier() and key.islower() else None


def plan_column_settings(
    state: PlanState, rel: Relation, old: Column | None, new: Column, *, after_type: ObjectRef | None = None
) -> None:
    """ALTER COLUMN ... SET STORAGE / COMPRESSION / STATISTICS / (n_distinct=...) where the desired side differs (a column made
    by the plan: every one it has). `after_type`: the column's type changes first, which resets its storage
    to the new type's own, so every desired setting is set again after it and no storage is reset."""
    before = {_setting_key(s): s for s in old.settings} if old is not None else {}
    wanted = {_setting_key(s): s for s in new.settings}
    clauses = [f"SET {s}" for word, s in wanted.items() if after_type is not None or before.get(word) != s]
    if after_type is not None:
        before.pop("STORAGE", None)
    clauses += [
        reset
        for word in before
        if word not in wanted and old is not None and (reset := _reset(word, state, old)) is not None
    ]
    if not clauses:
        return
    ref, cref = table_ref(rel), ObjectRef("column", rel.schema, rel.name, new.name)
    if old is not None and old.settings != new.settings:
        state.change(
            ChangeKind.ALTER,
            cref,
            "column",
            ", ".join(old.settings),
            ", ".join(new.settings),
            detail="settings",
        )
    column = f"ALTER COLUMN {quote_ident(new.name)} "
    # ONLY: a table's settings are its own. Without it a parent's SET reached its children and partitions,
    # which CREATE TABLE gives its storage and compression but never its statistics target or options, and
    # whose own settings (a child's statistics) were lost under the parent's. Each table sets its own.
    sql = (
        f"ALTER TABLE ONLY {qualified(rel.schema, rel.name)} " + ", ".join(column + c for c in clauses) + ";"
    )
    needs = [cref] if old is None else [ref]
    if after_type is not None:
        needs.append(after_type)
    state.step(ALTER_TABLES, sql, ChangeKind.ALTER, [ref, cref], needs=needs)


def plan_clustering(state: PlanState) -> None:
    """CLUSTER ON (the index a bare CLUSTER orders by), once every other step is planned: set where the
    desired side marks another index, or where the table or its marked index is made (again) by the plan;
    SET WITHOUT CLUSTER where the desired side marks none."""
    made = {n for step in state.steps for n in step.creates}
    gone = {n for step in state.steps for n in step.destroys}
    cur = state.current.relations_by_key
    for new in state.desired.relations:
        old = cur.get(new.key)
        before = old.clustered_index if old is not None else None
        index = new.clustered_index
        table = ("table", new.schema, new.name, "")
        remade = index is not None and (
            table in made or ("index", new.schema, new.name, index) in gone | made
        )
        if before == index and not remade:
            continue
        ref = table_ref(new)
        keyword = "MATERIALIZED VIEW" if what_of(new) == "materialized view" else "TABLE"
        name = qualified(new.schema, new.name)
        if before != index and old is not None:
            state.change(ChangeKind.ALTER, ref, what_of(new), before, index, detail="clustered on")
        if index is None:
            if table not in gone:  # a table dropped takes its mark along
                state.step(
                    ALTER_TABLES, f"ALTER {keyword} {name} SET WITHOUT CLUSTER;", ChangeKind.ALTER, [ref]
                )
            continue
        needs = [ref, *_index_needs(new, index)]
        sql = f"ALTER {keyword} {name} CLUSTER ON {quote_ident(index)};"
        state.step(LATE_CREATE, sql, ChangeKind.ALTER, [ref], needs=needs)


_KEYS = re.compile(r"(?:^|, )([\w.]+)=")


def plan_key_index_options(state: PlanState) -> None:
    """A primary key's, unique or exclusion constraint's index with storage parameters (ALTER INDEX ... SET
    (fillfactor = 60)): the constraint's definition does not carry them, so they are set on the index where
    they differ or where the plan makes the constraint (again), and reset where the desired side has none."""
    made: set[NodeKey] | None = None  # what the plan creates, once a table asks
    cur = state.current.relations_by_key
    for new in state.desired.relations:
        old = cur.get(new.key)
        if not key_index_storage(new.indexes) and (old is None or not key_index_storage(old.indexes)):
            continue  # none on either side, whether the plan makes a key again or not: the common case
        if made is None:
            made = {n for step in state.steps for n in step.creates}
        before = {i.name: i for i in old.indexes if i.owned_by_constraint} if old is not None else {}
        for ix in new.indexes:
            if not ix.owned_by_constraint:
                continue
            wanted = index_storage(ix)
            was = before.get(ix.name)
            if not wanted and (was is None or not index_storage(was)):
                continue  # none on either side, whether the plan makes the constraint again or not
            remade = ("constraint", new.schema, new.name, ix.constraint_name or ix.name) in made
            had = "" if was is None or remade else index_storage(was)
            if wanted == had:
                continue
            name = qualified(new.schema, ix.name)
            ref = ObjectRef("index", new.schema, new.name, ix.name)
            needs = [
                table_ref(new),
                ObjectRef("constraint", new.schema, new.name, ix.constraint_name or ix.name),
            ]
            if had and was is not None:
                state.change(ChangeKind.ALTER, ref, "index", had, wanted or None, detail="storage parameters")
                gone = sorted(set(_KEYS.findall(had)) - set(_KEYS.findall(wanted)))
                if gone:
                    state.step(
                        LATE_CREATE,
                        f"ALTER INDEX {name} RESET ({', '.join(gone)});",
                        ChangeKind.ALTER,
                        [ref],
                        needs=needs,
                    )
            elif was is not None and not remade:
                state.change(ChangeKind.ALTER, ref, "index", None, wanted, detail="storage parameters")
            if wanted:
                state.step(
                    LATE_CREATE, f"ALTER INDEX {name} SET ({wanted});", ChangeKind.ALTER, [ref], needs=needs
                )
