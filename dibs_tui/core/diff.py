"""Compare two catalogs (current -> desired) and plan the SQL that turns one into the other.

The public API and its data types are documented in `dibs_tui.core.plan`. How the plan is ordered: every
statement is a step with a phase (drops of dependents, pre-creates of types/functions, tables, columns,
constraints, foreign keys, views/triggers/policies, drops of what was depended on, comments), what it
provides (`("create", ref)` / `("drop", ref)`) and what it needs. Needs come from `Catalog.dependencies` of
the desired side (creates) and of the current side (a drop waits for the drops of its dependents). Steps are
emitted by a topological sort that prefers the lowest (phase, emission order): a dependency cycle (two tables
referencing each other) cannot arise because foreign keys are separate steps after every table exists.
"""

from __future__ import annotations

import difflib
import gc
import heapq
import re
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from .ddl import collate, column_sql, domain_sql, index_sql, policy_sql, sequence_options, view_sql
from .model import (
    Catalog,
    Column,
    ColumnRef,
    Constraint,
    ConstraintKind,
    Function,
    Index,
    ObjectRef,
    Policy,
    Relation,
    RelationKind,
    Trigger,
)
from .model import Sequence as SequenceObj
from .plan import Change, ChangeKind, DiffResult, PlannedStatement, RenameSuggestion
from .sql import qualified, quote_ident, quote_literal

if TYPE_CHECKING:
    from .connect import ConnectionTarget

# Phases, in execution order.
DROP_DEPENDENTS = 0  # triggers, policies, views that must go before what they read changes
DROP_CONSTRAINTS = 1  # foreign keys first (they pin unique indexes), then other constraints and indexes
PRE_CREATE = 2  # schemas, extensions, types, sequences, non-SQL functions
CREATE_TABLES = 3
ALTER_TABLES = 4
ADD_CONSTRAINTS = 5
ADD_FOREIGN_KEYS = 6
LATE_CREATE = 7  # SQL functions, views, materialized views, triggers, policies
DROP_OBJECTS = 8  # tables, sequences, functions, types, extensions, schemas
COMMENTS = 9

RENAME_THRESHOLD = 0.5
_VIEW_KINDS = (RelationKind.VIEW, RelationKind.MATVIEW)

Key = tuple[str, ObjectRef]


@dataclass
class _Step:
    phase: int
    sql: str
    change: ChangeKind
    touches: tuple[ObjectRef, ...]
    provides: tuple[Key, ...] = ()
    needs: tuple[Key, ...] = ()
    transactional: bool = True
    destructive: bool = False
    order: int = 0


_TABLE_PARTS = frozenset(
    ("column", "constraint", "index", "trigger", "policy", "rule", "view", "materialized view", "relation")
)
NodeKey = tuple[str, str, str, str]


def _node_key(ref: ObjectRef) -> NodeKey:
    """Collapse a dependency endpoint to the object a step creates or drops (a column -> its relation).

    Plain tuples, not ObjectRefs: hashing tens of thousands of dataclasses dominated large diffs.
    """
    kind = ref.kind
    if kind in _TABLE_PARTS:
        return ("table", ref.schema, ref.name, "")
    if kind in ("enum", "domain"):
        return ("type", ref.schema, ref.name, "")
    return (kind, ref.schema, ref.name, ref.sub)


class _Deps:
    """pg_depend edges between plannable objects: dependent -> referenced, or the reverse."""

    def __init__(self, catalog: Catalog, *, reverse: bool = False) -> None:
        edges: dict[NodeKey, set[NodeKey]] = {}
        exact: dict[NodeKey, set[NodeKey]] = {}  # reverse only: a column (or whole table) -> its dependents
        for dep in catalog.dependencies:
            a, b = _node_key(dep.dependent), _node_key(dep.referenced)
            if a != b:
                if reverse:
                    edges.setdefault(b, set()).add(a)
                    referenced = dep.referenced
                    if referenced.kind in ("column", "table"):
                        raw = (referenced.kind, referenced.schema, referenced.name, referenced.sub)
                        exact.setdefault(raw, set()).add(a)
                else:
                    edges.setdefault(a, set()).add(b)
        self._edges = edges
        self._exact = exact

    def get(self, ref: ObjectRef) -> list[ObjectRef]:
        return [ObjectRef(*key) for key in self._edges.get(_node_key(ref), ())]

    def of_columns(self, schema: str, table: str, columns: Iterable[str]) -> list[ObjectRef]:
        """Dependents of these columns, or of the table as a whole (not of its other columns)."""
        keys = set(self._exact.get(("table", schema, table, ""), ()))
        for column in columns:
            keys |= self._exact.get(("column", schema, table, column), set())
        return [ObjectRef(*key) for key in keys]


def _table_ref(rel: Relation) -> ObjectRef:
    return ObjectRef("table", rel.schema, rel.name)


def _func_ref(fn: Function) -> ObjectRef:
    return ObjectRef("function", fn.schema, fn.name, fn.identity_arguments)


def _type_ref(schema: str, name: str) -> ObjectRef:
    return ObjectRef("type", schema, name)


def _what(rel: Relation) -> str:
    return str(rel.kind)


_INTEGER_WIDTH = {"smallint": 2, "integer": 4, "bigint": 8}
_SIZED = re.compile(r"(character varying|varchar|character|bit varying|numeric)\((\d+)(?:,(\d+))?\)")


def _widens(old: str, new: str) -> bool:
    """A type change that keeps every value: no data loss (e.g. integer -> bigint, varchar(n) -> text)."""
    if old == new:
        return True
    if old in _INTEGER_WIDTH and new in _INTEGER_WIDTH:
        return _INTEGER_WIDTH[new] >= _INTEGER_WIDTH[old]
    if new == "text" and (old.startswith(("character varying", "character(")) or old == "character varying"):
        return True
    if new in ("numeric", "double precision") and old in _INTEGER_WIDTH:
        return new == "numeric" or old == "smallint"
    sized_old, sized_new = _SIZED.fullmatch(old), _SIZED.fullmatch(new)
    if sized_old and sized_new and sized_old.group(1) == sized_new.group(1):
        if sized_old.group(1) == "numeric":
            old_scale, new_scale = int(sized_old.group(3) or 0), int(sized_new.group(3) or 0)
            old_int = int(sized_old.group(2)) - old_scale
            return new_scale >= old_scale and int(sized_new.group(2)) - new_scale >= old_int
        return int(sized_new.group(2)) >= int(sized_old.group(2))
    if new == "numeric" and old.startswith("numeric("):
        return True
    return old.startswith("character varying(") and new == "character varying"


def _column_unchanged(a: Column, b: Column) -> bool:
    return (
        a.type,
        a.not_null,
        a.default,
        a.identity,
        a.generated,
        a.generation_expression,
        a.collation,
        a.comment,
    ) == (
        b.type,
        b.not_null,
        b.default,
        b.identity,
        b.generated,
        b.generation_expression,
        b.collation,
        b.comment,
    )


def _index_sql(ix: Index, *, partition: bool) -> str:
    """ddl.index_sql; on a partition IF NOT EXISTS, since attaching to the parent may have created it."""
    sql = index_sql(ix)
    if partition:
        for prefix in ("CREATE UNIQUE INDEX ", "CREATE INDEX "):
            if sql.startswith(prefix):
                return prefix + "IF NOT EXISTS " + sql[len(prefix) :]
    return sql


def _function_sql(fn: Function) -> str:
    return (fn.definition or "").strip().rstrip(";") + ";"


def _function_signature(fn: Function) -> str:
    return f"{qualified(fn.schema, fn.name)}({fn.identity_arguments})"


def _function_keyword(fn: Function) -> str:
    return {"p": "PROCEDURE", "a": "AGGREGATE"}.get(fn.kind, "FUNCTION")


def _validated_at_creation(fn: Function) -> bool:
    """SQL-language bodies are checked against existing tables when created (check_function_bodies)."""
    return fn.language == "sql" and "BEGIN ATOMIC" not in (fn.definition or "").upper()


CHECK_BODIES_OFF = "SET check_function_bodies = off;"


def _comment_target(ref: ObjectRef, what: str) -> str:
    if ref.kind == "column":
        return f"COLUMN {qualified(ref.schema, ref.name)}.{quote_ident(ref.sub)}"
    if ref.kind == "constraint":
        return f"CONSTRAINT {quote_ident(ref.sub)} ON {qualified(ref.schema, ref.name)}"
    if ref.kind == "trigger":
        return f"TRIGGER {quote_ident(ref.sub)} ON {qualified(ref.schema, ref.name)}"
    if ref.kind == "policy":
        return f"POLICY {quote_ident(ref.sub)} ON {qualified(ref.schema, ref.name)}"
    if ref.kind == "index":
        return f"INDEX {qualified(ref.schema, ref.sub)}"
    if ref.kind == "schema":
        return f"SCHEMA {quote_ident(ref.name)}"
    if ref.kind == "function":
        return f"{what.upper()} {qualified(ref.schema, ref.name)}({ref.sub})"
    if ref.kind == "type":
        return f"{'DOMAIN' if what == 'domain' else 'TYPE'} {qualified(ref.schema, ref.name)}"
    if ref.kind == "sequence":
        return f"SEQUENCE {qualified(ref.schema, ref.name)}"
    return f"{what.upper()} {qualified(ref.schema, ref.name)}"


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


class _Planner:
    def __init__(self, current: Catalog, desired: Catalog) -> None:
        self.current = current
        self.desired = desired
        self.steps: list[_Step] = []
        self.changes: list[Change] = []
        self.des_graph = _Deps(desired)
        self.cur_dependents = _Deps(current, reverse=True)
        self.needs_bodies_off = False
        self.created_sequences: list[SequenceObj] = []
        self.inheritors: dict[tuple[str, str], list[Relation]] = {}
        for rel in current.relations:
            for parent in rel.inherits:
                self.inheritors.setdefault(parent, []).append(rel)
        self.dropped_early: set[tuple[str, str]] = set()
        self.recreated_tables: set[tuple[str, str]] = set()

    # -- recording ---------------------------------------------------------------------------------------
    def step(
        self,
        phase: int,
        sql: str,
        change: ChangeKind,
        touches: Iterable[ObjectRef],
        *,
        provides: Iterable[Key] = (),
        needs: Iterable[Key] = (),
        transactional: bool = True,
        destructive: bool = False,
    ) -> None:
        self.steps.append(
            _Step(
                phase,
                sql,
                change,
                tuple(touches),
                tuple(provides),
                tuple(needs),
                transactional,
                destructive,
                len(self.steps),
            )
        )

    def change(
        self,
        kind: ChangeKind,
        ref: ObjectRef,
        what: str,
        old: str | None = None,
        new: str | None = None,
        *,
        destructive: bool = False,
        detail: str = "",
    ) -> None:
        self.changes.append(Change(kind, ref, what, old, new, destructive, detail))

    def create_needs(self, ref: ObjectRef) -> list[Key]:
        return [("create", r) for r in self.des_graph.get(ref)]

    def drop_needs(self, ref: ObjectRef) -> list[Key]:
        """Dropping `ref` waits for the drops of everything that depends on it."""
        return [("drop", r) for r in self.cur_dependents.get(ref)]

    # -- plan ---------------------------------------------------------------------------------------------
    def run(self) -> None:
        self.schemas_and_extensions()
        self.enums()
        self.domains()
        self.sequences()
        recreated_functions = self.functions()
        self.relations(recreated_functions)

    def schemas_and_extensions(self) -> None:
        cur = {s.name: s for s in self.current.schemas}
        des = {s.name: s for s in self.desired.schemas}
        for name in des.keys() - cur.keys():
            ref = ObjectRef("schema", "", name)
            self.change(ChangeKind.CREATE, ref, "schema", new=name)
            self.step(
                PRE_CREATE,
                f"CREATE SCHEMA {quote_ident(name)};",
                ChangeKind.CREATE,
                [ref],
                provides=[("create", ref)],
            )
        for name in cur.keys() - des.keys():
            ref = ObjectRef("schema", "", name)
            self.change(ChangeKind.DROP, ref, "schema", old=name, destructive=True)
            self.step(
                DROP_OBJECTS + 1,
                f"DROP SCHEMA {quote_ident(name)};",
                ChangeKind.DROP,
                [ref],
                provides=[("drop", ref)],
                destructive=True,
            )
        for name in sorted(des.keys()):
            self.comment(
                ObjectRef("schema", "", name),
                "schema",
                cur[name].comment if name in cur else None,
                des[name].comment,
            )
        cur_ext = {e.name: e for e in self.current.extensions}
        des_ext = {e.name: e for e in self.desired.extensions}
        for name, ext in sorted(des_ext.items()):
            ref = ObjectRef("extension", "", name)
            old = cur_ext.get(name)
            if old is None:
                self.change(ChangeKind.CREATE, ref, "extension", new=f"{name} {ext.version}")
                self.step(
                    PRE_CREATE,
                    f"CREATE EXTENSION IF NOT EXISTS {quote_ident(name)} WITH SCHEMA "
                    f"{quote_ident(ext.schema)} VERSION {quote_literal(ext.version)};",
                    ChangeKind.CREATE,
                    [ref],
                    provides=[("create", ref)],
                    needs=[("create", ObjectRef("schema", "", ext.schema))],
                )
            elif old.version != ext.version:
                self.change(ChangeKind.ALTER, ref, "extension", old.version, ext.version)
                self.step(
                    PRE_CREATE,
                    f"ALTER EXTENSION {quote_ident(name)} UPDATE TO {quote_literal(ext.version)};",
                    ChangeKind.ALTER,
                    [ref],
                )
        for name in cur_ext.keys() - des_ext.keys():
            ref = ObjectRef("extension", "", name)
            self.change(ChangeKind.DROP, ref, "extension", old=name, destructive=True)
            self.step(
                DROP_OBJECTS,
                f"DROP EXTENSION {quote_ident(name)};",
                ChangeKind.DROP,
                [ref],
                provides=[("drop", ref)],
                needs=self.drop_needs(ref),
                destructive=True,
            )

    def comment(self, ref: ObjectRef, what: str, old: str | None, new: str | None) -> None:
        if (old or None) == (new or None):
            return
        self.change(ChangeKind.ALTER, ref, f"comment on {what}", old, new, detail="comment")
        value = quote_literal(new) if new else "NULL"
        self.step(COMMENTS, f"COMMENT ON {_comment_target(ref, what)} IS {value};", ChangeKind.ALTER, [ref])

    # -- types ---------------------------------------------------------------------------------------------
    def enums(self) -> None:
        cur = {e.key: e for e in self.current.enums}
        des = {e.key: e for e in self.desired.enums}
        # Enums and domains re-created under their own name: their columns are recast, their readers redone.
        self.recreated_types: set[tuple[str, str]] = set()
        for key, new in sorted(des.items()):
            ref = _type_ref(*key)
            old = cur.get(key)
            if old is None:
                self.change(ChangeKind.CREATE, ref, "enum", new=", ".join(new.labels))
                labels = ", ".join(quote_literal(v) for v in new.labels)
                self.step(
                    PRE_CREATE,
                    f"CREATE TYPE {qualified(*key)} AS ENUM ({labels});",
                    ChangeKind.CREATE,
                    [ref],
                    provides=[("create", ref)],
                    needs=[("create", ObjectRef("schema", "", key[0]))],
                )
            elif old.labels != new.labels:
                self.change(
                    ChangeKind.ALTER,
                    ref,
                    "enum",
                    ", ".join(old.labels),
                    ", ".join(new.labels),
                    destructive=not set(old.labels) <= set(new.labels),
                )
                if self._is_append_only(old.labels, new.labels):
                    self._add_enum_values(ref, old.labels, new.labels)
                else:
                    self.recreated_types.add(key)
                    temp = self._old_enum_name(key[1])
                    labels = ", ".join(quote_literal(v) for v in new.labels)
                    self.step(
                        PRE_CREATE,
                        f"ALTER TYPE {qualified(*key)} RENAME TO {quote_ident(temp)};",
                        ChangeKind.ALTER,
                        [ref],
                    )
                    self.step(
                        PRE_CREATE,
                        f"CREATE TYPE {qualified(*key)} AS ENUM ({labels});",
                        ChangeKind.CREATE,
                        [ref],
                        provides=[("create", ref)],
                    )
                    self.step(
                        DROP_OBJECTS,
                        f"DROP TYPE {qualified(key[0], temp)};",
                        ChangeKind.DROP,
                        [ref],
                        needs=[("drop", r) for r in self.cur_dependents.get(ref)],
                        destructive=True,
                    )
            if old is None or old.comment != new.comment:
                self.comment(ref, "enum", old.comment if old else None, new.comment)
        for key in cur.keys() - des.keys():
            ref = _type_ref(*key)
            self.change(ChangeKind.DROP, ref, "enum", old=", ".join(cur[key].labels), destructive=True)
            self.step(
                DROP_OBJECTS,
                f"DROP TYPE {qualified(*key)};",
                ChangeKind.DROP,
                [ref],
                provides=[("drop", ref)],
                needs=self.drop_needs(ref),
                destructive=True,
            )

    @staticmethod
    def _old_enum_name(name: str) -> str:
        return (name + "__dibs_old")[:63]

    @staticmethod
    def _is_append_only(old: Sequence[str], new: Sequence[str]) -> bool:
        """Old labels appear in `new` in the same order: only additions."""
        it = iter(new)
        return all(any(label == x for x in it) for label in old)

    def _add_enum_values(self, ref: ObjectRef, old: Sequence[str], new: Sequence[str]) -> None:
        present = set(old)
        for i, label in enumerate(new):
            if label in present:
                continue
            after = next((new[j] for j in range(i - 1, -1, -1) if new[j] in present), None)
            if after is not None:
                where = f" AFTER {quote_literal(after)}"
            else:
                before = (
                    next(x for x in new[i + 1 :] if x in present) if any(x in present for x in new) else None
                )
                where = f" BEFORE {quote_literal(before)}" if before is not None else ""
            self.step(
                PRE_CREATE,
                f"ALTER TYPE {qualified(ref.schema, ref.name)} ADD VALUE {quote_literal(label)}{where};",
                ChangeKind.ALTER,
                [ref],
                transactional=False,
            )
            present.add(label)

    def domains(self) -> None:
        cur = {d.key: d for d in self.current.domains}
        des = {d.key: d for d in self.desired.domains}
        for key, new in sorted(des.items()):
            ref = _type_ref(*key)
            old = cur.get(key)
            name = qualified(*key)
            if old is not None and (old.base_type != new.base_type or old.collation != new.collation):
                # PostgreSQL cannot change a domain's base type: the old one is renamed out of the way, the
                # new one created, the columns recast (through text) and the old one dropped at the end.
                self.recreated_types.add(key)
                temp = self._old_enum_name(key[1])
                self.change(
                    ChangeKind.ALTER,
                    ref,
                    "domain",
                    old.base_type,
                    new.base_type,
                    destructive=not _widens(old.base_type, new.base_type),
                )
                self.step(
                    PRE_CREATE, f"ALTER DOMAIN {name} RENAME TO {quote_ident(temp)};", ChangeKind.ALTER, [ref]
                )
                self.step(PRE_CREATE, domain_sql(new), ChangeKind.CREATE, [ref], provides=[("create", ref)])
                self.step(
                    DROP_OBJECTS,
                    f"DROP DOMAIN {qualified(key[0], temp)};",
                    ChangeKind.DROP,
                    [ref],
                    needs=[("drop", r) for r in self.cur_dependents.get(ref)],
                    destructive=True,
                )
                self.comment(ref, "domain", old.comment, new.comment)
                continue
            if old is None:
                self.change(ChangeKind.CREATE, ref, "domain", new=domain_sql(new))
                self.step(
                    PRE_CREATE,
                    domain_sql(new),
                    ChangeKind.CREATE,
                    [ref],
                    provides=[("create", ref)],
                    needs=[("create", ObjectRef("schema", "", key[0])), *self.create_needs(ref)],
                )
                self.comment(ref, "domain", None, new.comment)
                continue
            if old.default != new.default:
                sql = f"ALTER DOMAIN {name} " + (
                    f"SET DEFAULT {new.default}" if new.default else "DROP DEFAULT"
                )
                self.change(ChangeKind.ALTER, ref, "domain", old.default, new.default, detail="default")
                self.step(PRE_CREATE, sql + ";", ChangeKind.ALTER, [ref])
            if old.not_null != new.not_null:
                self.change(ChangeKind.ALTER, ref, "domain", detail="not null")
                self.step(
                    PRE_CREATE,
                    f"ALTER DOMAIN {name} {'SET' if new.not_null else 'DROP'} NOT NULL;",
                    ChangeKind.ALTER,
                    [ref],
                )
            old_checks = {c.name: c for c in old.checks}
            new_checks = {c.name: c for c in new.checks}
            for cname, check in old_checks.items():
                if new_checks.get(cname) != check:
                    self.change(ChangeKind.ALTER, ref, "domain", check.definition, None, detail="check")
                    self.step(
                        DROP_CONSTRAINTS,
                        f"ALTER DOMAIN {name} DROP CONSTRAINT {quote_ident(cname)};",
                        ChangeKind.ALTER,
                        [ref],
                    )
            for cname, check in new_checks.items():
                if old_checks.get(cname) != check:
                    self.change(ChangeKind.ALTER, ref, "domain", None, check.definition, detail="check")
                    self.step(
                        PRE_CREATE,
                        f"ALTER DOMAIN {name} ADD CONSTRAINT {quote_ident(cname)} {check.definition};",
                        ChangeKind.ALTER,
                        [ref],
                    )
            self.comment(ref, "domain", old.comment, new.comment)
        for key in cur.keys() - des.keys():
            ref = _type_ref(*key)
            self.change(ChangeKind.DROP, ref, "domain", old=cur[key].base_type, destructive=True)
            self.step(
                DROP_OBJECTS,
                f"DROP DOMAIN {qualified(*key)};",
                ChangeKind.DROP,
                [ref],
                provides=[("drop", ref)],
                needs=self.drop_needs(ref),
                destructive=True,
            )

    def sequences(self) -> None:
        cur = {s.key: s for s in self.current.sequences if not s.is_identity}
        des = {s.key: s for s in self.desired.sequences if not s.is_identity}
        self.owned_by_steps: list[tuple[SequenceObj, SequenceObj | None]] = []
        for key, new in sorted(des.items()):
            ref = ObjectRef("sequence", *key)
            old = cur.get(key)
            if old is None:
                self.change(ChangeKind.CREATE, ref, "sequence", new=sequence_options(new))
                self.created_sequences.append(new)
                self.step(
                    PRE_CREATE,
                    f"CREATE SEQUENCE {qualified(*key)} {sequence_options(new)};",
                    ChangeKind.CREATE,
                    [ref],
                    provides=[("create", ref)],
                    needs=[("create", ObjectRef("schema", "", key[0]))],
                )
            elif sequence_options(old) != sequence_options(new):
                self.change(ChangeKind.ALTER, ref, "sequence", sequence_options(old), sequence_options(new))
                self.step(
                    PRE_CREATE,
                    f"ALTER SEQUENCE {qualified(*key)} {sequence_options(new)};",
                    ChangeKind.ALTER,
                    [ref],
                )
            if old is None or old.owned_by != new.owned_by:
                self.owned_by_steps.append((new, old))
            self.comment(ref, "sequence", old.comment if old else None, new.comment)
        self.dropped_sequences = [cur[k] for k in cur.keys() - des.keys()]

    def functions(self) -> set[ObjectRef]:
        """Create, replace or drop functions; returns those dropped (their dependents must be re-created)."""
        cur = {_func_ref(f): f for f in self.current.functions}
        des = {_func_ref(f): f for f in self.desired.functions}
        dropped: set[ObjectRef] = set()
        # A function whose arguments or result use a re-created enum or domain pins the old type: it is
        # dropped before the type is renamed away and created again once the new type exists.
        retyped = {
            dep
            for key in self.recreated_types
            for dep in self.cur_dependents.get(_type_ref(*key))
            if dep.kind == "function"
        }
        for ref, new in sorted(des.items(), key=lambda kv: (kv[0].schema, kv[0].name, kv[0].sub)):
            old = cur.get(ref)
            what = _function_keyword(new).lower()
            phase = PRE_CREATE
            if new.definition is None:
                continue  # aggregates: no CREATE text in the catalog
            if old is not None and old.definition == new.definition and ref not in retyped:
                self.comment(ref, what, old.comment, new.comment)
                continue
            self.needs_bodies_off |= _validated_at_creation(new)
            if old is not None and (old.result != new.result or old.kind != new.kind or ref in retyped):
                dropped.add(ref)
                self.step(
                    DROP_DEPENDENTS,
                    f"DROP {_function_keyword(old)} {_function_signature(old)};",
                    ChangeKind.DROP,
                    [ref],
                    provides=[("drop", ref)],
                    needs=self.drop_needs(ref),
                )
                old = None
            kind = ChangeKind.CREATE if ref not in cur else ChangeKind.ALTER
            self.change(kind, ref, what, cur[ref].definition if ref in cur else None, new.definition)
            needs = [*self.create_needs(ref), ("create", ObjectRef("schema", "", ref.schema))]
            self.step(phase, _function_sql(new), kind, [ref], provides=[("create", ref)], needs=needs)
            self.comment(ref, what, cur[ref].comment if ref in cur else None, new.comment)
        for ref in cur.keys() - des.keys():
            old = cur[ref]
            if old.definition is None:
                continue
            self.change(
                ChangeKind.DROP, ref, _function_keyword(old).lower(), old.definition, destructive=True
            )
            self.step(
                DROP_OBJECTS,
                f"DROP {_function_keyword(old)} {_function_signature(old)};",
                ChangeKind.DROP,
                [ref],
                provides=[("drop", ref)],
                needs=self.drop_needs(ref),
                destructive=True,
            )
        return dropped

    # -- relations -----------------------------------------------------------------------------------------
    def relations(self, recreated_functions: set[ObjectRef]) -> None:
        cur = self.current.relations_by_key
        des = self.desired.relations_by_key
        affected: set[ObjectRef] = set(recreated_functions)
        affected |= {_type_ref(*k) for k in self.recreated_types}
        recreated_tables = self.recreated_tables
        column_readers: list[ObjectRef] = []
        for key, new in des.items():
            old = cur.get(key)
            if old is None:
                continue
            if new.kind in _VIEW_KINDS:
                if old.kind not in _VIEW_KINDS:
                    affected.add(_table_ref(old))  # a table becoming a view: its readers go first
                continue
            if self._must_recreate_table(old, new):
                recreated_tables.add(key)
                affected.add(_table_ref(new))
            elif reshaped := self._reshaped_columns(old, new):
                column_readers.extend(self.cur_dependents.of_columns(old.schema, old.name, reshaped))
        grew = True
        while grew:  # partitions go with their re-created parent
            grew = False
            for key, old in cur.items():
                if key in des and key not in recreated_tables and old.partition_of in recreated_tables:
                    recreated_tables.add(key)
                    affected.add(_table_ref(old))
                    grew = True
        for key, old in cur.items():
            if key not in des:
                affected.add(_table_ref(old))
        # Views: replace in place when possible, else drop and re-create together with their dependents.
        views_to_drop: set[tuple[str, str]] = set()
        views_to_replace: set[tuple[str, str]] = set()
        for key, new in des.items():
            old = cur.get(key)
            if old is None or (new.kind not in _VIEW_KINDS and old.kind not in _VIEW_KINDS):
                continue
            if old.kind not in _VIEW_KINDS:
                continue  # a table becoming a view: dropped early by view()
            if old.kind != new.kind:
                views_to_drop.add(key)
            elif old.view_definition != new.view_definition or old.options != new.options:
                if new.kind is RelationKind.VIEW and self._replaceable(old, new):
                    views_to_replace.add(key)
                else:
                    views_to_drop.add(key)
        for key, old in cur.items():
            if old.kind in _VIEW_KINDS and key not in des:
                views_to_drop.add(key)
        frontier = list(affected | {ObjectRef("table", *k) for k in views_to_drop})
        seen: set[ObjectRef] = set(frontier)
        first = True
        while frontier or first:
            if first:  # readers of reshaped columns, then everything that reads those, transitively
                dependents, first = column_readers, False
            else:
                dependents = self.cur_dependents.get(frontier.pop())
            for dependent in dependents:
                if dependent.kind != "table" or dependent in seen:
                    continue
                seen.add(dependent)
                rel = cur.get((dependent.schema, dependent.name))
                if rel is not None and rel.kind in _VIEW_KINDS:
                    views_to_drop.add(rel.key)
                    views_to_replace.discard(rel.key)
                    frontier.append(dependent)
        self.views_recreated = views_to_drop
        for key in sorted(views_to_drop):
            old = cur[key]
            ref = _table_ref(old)
            keyword = "MATERIALIZED VIEW" if old.kind is RelationKind.MATVIEW else "VIEW"
            if key not in des:
                self.change(ChangeKind.DROP, ref, _what(old), old.view_definition, destructive=True)
            self.step(
                DROP_DEPENDENTS,
                f"DROP {keyword} {qualified(*key)};",
                ChangeKind.DROP,
                [ref],
                provides=[("drop", ref)],
                needs=self.drop_needs(ref),
            )
        for key in sorted(des):
            new = des[key]
            old = cur.get(key)
            if new.kind in _VIEW_KINDS:
                self.view(
                    old, new, recreate=key in views_to_drop or old is None, replace_=key in views_to_replace
                )
            elif old is None or key in recreated_tables:
                if old is not None and old.kind not in _VIEW_KINDS:
                    self.drop_table(old, early=True)
                self.create_table(new)
            elif not self._unchanged(old, new):
                self.alter_table(old, new)
        for key in sorted(cur):
            if key not in des and cur[key].kind not in _VIEW_KINDS:
                self.drop_table(cur[key])
        self.foreign_keys()
        self.sequence_ownership()

    def _unchanged(self, old: Relation, new: Relation) -> bool:
        """Identical tables are the bulk of a large diff: skip them without building anything."""
        if self.recreated_types or self.recreated_tables or old.inherits or new.inherits:
            return False
        return (
            old.columns == new.columns
            and (old.constraints == new.constraints or set(old.constraints) == set(new.constraints))
            and (old.indexes == new.indexes or set(old.indexes) == set(new.indexes))
            and (old.triggers == new.triggers or set(old.triggers) == set(new.triggers))
            and (old.policies == new.policies or set(old.policies) == set(new.policies))
            and (
                old.comment,
                old.persistence,
                old.options,
                old.rls_enabled,
                old.rls_forced,
                old.partition_bound,
            )
            == (
                new.comment,
                new.persistence,
                new.options,
                new.rls_enabled,
                new.rls_forced,
                new.partition_bound,
            )
        )

    def _must_recreate_table(self, old: Relation, new: Relation) -> bool:
        return (
            old.kind != new.kind
            or old.partition_key != new.partition_key
            or old.partition_of != new.partition_of
        )

    def _reshaped_columns(self, old: Relation, new: Relation) -> set[str]:
        """Dropped, retyped, re-collated or enum-recast columns: the views reading them are re-created."""
        new_cols = {c.name: c for c in new.columns}
        out: set[str] = set()
        for col in old.columns:
            other = new_cols.get(col.name)
            recast = col.type_key is not None and col.type_key in self.recreated_types
            if other is None or other.type != col.type or other.collation != col.collation or recast:
                out.add(col.name)
        return out

    @staticmethod
    def _replaceable(old: Relation, new: Relation) -> bool:
        """CREATE OR REPLACE VIEW keeps the old columns (names and types, in order) and may add at the end."""
        old_cols = sorted(old.columns, key=lambda c: c.position)
        new_cols = sorted(new.columns, key=lambda c: c.position)
        if len(new_cols) < len(old_cols):
            return False
        return all(a.name == b.name and a.type == b.type for a, b in zip(old_cols, new_cols, strict=False))

    def view(self, old: Relation | None, new: Relation, *, recreate: bool, replace_: bool) -> None:
        ref = _table_ref(new)
        if old is not None and old.kind not in _VIEW_KINDS:
            self.drop_table(old, early=True)
            old, recreate = None, True
        if recreate or replace_:
            if old is None:
                self.change(ChangeKind.CREATE, ref, _what(new), new=new.view_definition)
            elif old.view_definition != new.view_definition or old.kind != new.kind:
                self.change(ChangeKind.ALTER, ref, _what(new), old.view_definition, new.view_definition)
            needs = [*self.create_needs(ref), ("create", ObjectRef("schema", "", new.schema))]
            self.step(
                LATE_CREATE,
                view_sql(new, replace=replace_),
                ChangeKind.CREATE if recreate else ChangeKind.ALTER,
                [ref],
                provides=[("create", ref)],
                needs=needs,
            )
        fresh = recreate
        base = None if fresh else old
        self.indexes(base, new, fresh_phase=LATE_CREATE)
        self.triggers(base, new)
        for col in new.columns:
            old_col = base.column(col.name) if base else None
            self.comment(
                ObjectRef("column", new.schema, new.name, col.name),
                "column",
                old_col.comment if old_col else None,
                col.comment,
            )
        self.comment(ref, _what(new), base.comment if base else None, new.comment)

    def create_table(self, rel: Relation) -> None:
        ref = _table_ref(rel)
        name = qualified(rel.schema, rel.name)
        persistence = "UNLOGGED " if rel.persistence == "u" else ""
        needs: list[Key] = [
            ("create", ObjectRef("schema", "", rel.schema)),
            ("drop", ref),  # when re-created under the same name
            *self.create_needs(ref),
        ]
        if rel.partition_of is not None:
            sql = (
                f"CREATE {persistence}TABLE {name} PARTITION OF {qualified(*rel.partition_of)} "
                f"{rel.partition_bound or 'DEFAULT'}"
            )
            needs.append(("create", ObjectRef("table", *rel.partition_of)))
        else:
            cols = sorted(rel.columns, key=lambda c: c.position)
            body = ",\n    ".join(column_sql(c) for c in cols)
            sql = f"CREATE {persistence}TABLE {name} (\n    {body}\n)"
            if rel.inherits:
                sql += " INHERITS (" + ", ".join(qualified(*p) for p in rel.inherits) + ")"
                needs.extend(("create", ObjectRef("table", *p)) for p in rel.inherits)
        if rel.partition_key:
            sql += f" PARTITION BY {rel.partition_key}"
        if rel.options:
            sql += f" WITH ({', '.join(rel.options)})"
        for col in rel.columns:
            if col.type_key is not None:
                needs.append(("create", _type_ref(*col.type_key)))
        self.change(ChangeKind.CREATE, ref, _what(rel), new=sql)
        self.step(CREATE_TABLES, sql + ";", ChangeKind.CREATE, [ref], provides=[("create", ref)], needs=needs)
        if rel.partition_of is not None:
            # Columns come from the parent; defaults and NOT NULLs of the partition's own are set afterwards.
            parent = self.desired.relation(*rel.partition_of)
            for col in rel.columns:
                pcol = parent.column(col.name) if parent else None
                if col.default is not None and (pcol is None or pcol.default != col.default):
                    self.step(
                        ALTER_TABLES,
                        f"ALTER TABLE {name} ALTER COLUMN {quote_ident(col.name)} SET DEFAULT {col.default};",
                        ChangeKind.ALTER,
                        [ref],
                    )
        if rel.rls_enabled:
            self.step(LATE_CREATE, f"ALTER TABLE {name} ENABLE ROW LEVEL SECURITY;", ChangeKind.ALTER, [ref])
        if rel.rls_forced:
            self.step(LATE_CREATE, f"ALTER TABLE {name} FORCE ROW LEVEL SECURITY;", ChangeKind.ALTER, [ref])
        self.constraints(None, rel)
        self.indexes(None, rel, fresh_phase=ADD_CONSTRAINTS)
        self.triggers(None, rel)
        self.policies(None, rel)
        self.comment(ref, _what(rel), None, rel.comment)
        for col in rel.columns:
            self.comment(ObjectRef("column", rel.schema, rel.name, col.name), "column", None, col.comment)

    def drop_table(self, rel: Relation, *, early: bool = False) -> None:
        """`early`: the table is re-created under the same name, so it must go before the create."""
        ref = _table_ref(rel)
        self.change(ChangeKind.DROP, ref, _what(rel), old=f"{len(rel.columns)} columns", destructive=True)
        keyword = "FOREIGN TABLE" if rel.kind is RelationKind.FOREIGN else "TABLE"
        referencing = [
            ("drop", _table_ref(other)) for other, _ in self.current.referenced_by.get(rel.key, ())
        ]
        children = [("drop", _table_ref(c)) for c in self.inheritors.get(rel.key, ())]
        self.step(
            DROP_CONSTRAINTS if early else DROP_OBJECTS,
            f"DROP {keyword} {qualified(rel.schema, rel.name)};",
            ChangeKind.DROP,
            [ref],
            provides=[("drop", ref)],
            needs=[*self.drop_needs(ref), *referencing, *children],
            destructive=True,
        )

    def _inherited_columns(self, old: Relation, new: Relation) -> set[str]:
        """Columns that come from a parent on both sides: changes to them propagate from the parent."""
        names: set[str] = set()
        parents = set(old.inherits) & set(new.inherits)
        if old.partition_of is not None and old.partition_of == new.partition_of:
            parents.add(old.partition_of)
        for parent_key in parents:
            parent = self.desired.relation(*parent_key)
            if parent is not None:
                names |= {c.name for c in parent.columns}
        return names

    def alter_table(self, old: Relation, new: Relation) -> None:
        ref = _table_ref(new)
        name = qualified(new.schema, new.name)
        inherited = self._inherited_columns(old, new)
        for parent_key in set(old.inherits) & set(new.inherits):
            # A column the parent loses disappears from the child too unless the child defined it locally.
            cur_parent, des_parent = self.current.relation(*parent_key), self.desired.relation(*parent_key)
            if cur_parent is None or des_parent is None:
                continue
            for col in new.columns:
                if cur_parent.column(col.name) is not None and des_parent.column(col.name) is None:
                    parent_col = ObjectRef("column", parent_key[0], parent_key[1], col.name)
                    self.step(
                        ALTER_TABLES,
                        f"ALTER TABLE {name} ADD COLUMN IF NOT EXISTS {column_sql(col)};",
                        ChangeKind.ALTER,
                        [ref],
                        needs=[("drop", parent_col)],
                    )
        old_cols = {c.name: c for c in old.columns}
        new_cols = {c.name: c for c in new.columns}
        for col in sorted(new.columns, key=lambda c: c.position):
            prev = old_cols.get(col.name)
            if prev is not None and _column_unchanged(prev, col) and col.type_key not in self.recreated_types:
                continue  # the common case at scale: nothing to build
            cref = ObjectRef("column", new.schema, new.name, col.name)
            if prev is None:
                if col.name in inherited:
                    continue
                self.change(ChangeKind.CREATE, cref, "column", new=column_sql(col))
                needs = [("create", _type_ref(*col.type_key))] if col.type_key else []
                self.step(
                    ALTER_TABLES,
                    f"ALTER TABLE {name} ADD COLUMN {column_sql(col)};",
                    ChangeKind.ALTER,
                    [ref, cref],
                    provides=[("create", cref)],
                    needs=needs,
                )
            else:
                self.alter_column(new, prev, col, inherited=col.name in inherited)
            self.comment(cref, "column", prev.comment if prev else None, col.comment)
        for col in old.columns:
            if col.name not in new_cols and col.name not in inherited:
                cref = ObjectRef("column", new.schema, new.name, col.name)
                self.change(ChangeKind.DROP, cref, "column", old=column_sql(col), destructive=True)
                self.step(
                    ALTER_TABLES,
                    f"ALTER TABLE {name} DROP COLUMN {quote_ident(col.name)};",
                    ChangeKind.ALTER,
                    [ref, cref],
                    destructive=True,
                    provides=[("drop", cref)],
                )
        if old.persistence != new.persistence and new.persistence in ("p", "u"):
            self.change(ChangeKind.ALTER, ref, _what(new), detail="persistence")
            self.step(
                ALTER_TABLES,
                f"ALTER TABLE {name} SET {'UNLOGGED' if new.persistence == 'u' else 'LOGGED'};",
                ChangeKind.ALTER,
                [ref],
            )
        if old.options != new.options:
            self.change(
                ChangeKind.ALTER,
                ref,
                _what(new),
                ", ".join(old.options),
                ", ".join(new.options),
                detail="storage options",
            )
            removed = {o.split("=", 1)[0] for o in old.options} - {o.split("=", 1)[0] for o in new.options}
            if removed:
                self.step(
                    ALTER_TABLES,
                    f"ALTER TABLE {name} RESET ({', '.join(sorted(removed))});",
                    ChangeKind.ALTER,
                    [ref],
                )
            if new.options:
                self.step(
                    ALTER_TABLES,
                    f"ALTER TABLE {name} SET ({', '.join(new.options)});",
                    ChangeKind.ALTER,
                    [ref],
                )
        if old.partition_bound != new.partition_bound and new.partition_of is not None:
            parent = qualified(*new.partition_of)
            self.change(ChangeKind.ALTER, ref, "partition", old.partition_bound, new.partition_bound)
            self.step(ALTER_TABLES, f"ALTER TABLE {parent} DETACH PARTITION {name};", ChangeKind.ALTER, [ref])
            self.step(
                ALTER_TABLES,
                f"ALTER TABLE {parent} ATTACH PARTITION {name} {new.partition_bound};",
                ChangeKind.ALTER,
                [ref],
            )
        for parent_key in old.inherits:
            if parent_key not in new.inherits:
                self.change(
                    ChangeKind.ALTER, ref, _what(new), detail=f"no longer inherits {qualified(*parent_key)}"
                )
                self.step(
                    ALTER_TABLES,
                    f"ALTER TABLE {name} NO INHERIT {qualified(*parent_key)};",
                    ChangeKind.ALTER,
                    [ref],
                )
        for parent_key in new.inherits:
            if parent_key not in old.inherits:
                self.change(ChangeKind.ALTER, ref, _what(new), detail=f"inherits {qualified(*parent_key)}")
                self.step(
                    ALTER_TABLES,
                    f"ALTER TABLE {name} INHERIT {qualified(*parent_key)};",
                    ChangeKind.ALTER,
                    [ref],
                    needs=[("create", ObjectRef("table", *parent_key))],
                )
        for flag, attr, on, off in (
            ("rls", "rls_enabled", "ENABLE", "DISABLE"),
            ("force rls", "rls_forced", "FORCE", "NO FORCE"),
        ):
            if getattr(old, attr) != getattr(new, attr):
                self.change(ChangeKind.ALTER, ref, _what(new), detail=flag)
                self.step(
                    LATE_CREATE,
                    f"ALTER TABLE {name} {on if getattr(new, attr) else off} ROW LEVEL SECURITY;",
                    ChangeKind.ALTER,
                    [ref],
                )
        self.constraints(old, new)
        self.indexes(old, new, fresh_phase=ADD_CONSTRAINTS)
        self.triggers(old, new)
        self.policies(old, new)
        self.comment(ref, _what(new), old.comment, new.comment)

    def alter_column(self, rel: Relation, old: Column, new: Column, *, inherited: bool) -> None:
        ref = _table_ref(rel)
        cref = ObjectRef("column", rel.schema, rel.name, new.name)
        prefix = f"ALTER TABLE {qualified(rel.schema, rel.name)} ALTER COLUMN {quote_ident(new.name)}"
        details: list[str] = []
        recast_enum = new.type_key is not None and new.type_key in self.recreated_types
        type_changes = (
            old.type != new.type or old.collation != new.collation or recast_enum
        ) and not inherited
        generated_changes = (old.generated, old.generation_expression) != (
            new.generated,
            new.generation_expression,
        )
        if generated_changes and not inherited:
            if new.generated is None:
                details.append("generated expression dropped")
                self.step(ALTER_TABLES, f"{prefix} DROP EXPRESSION;", ChangeKind.ALTER, [ref, cref])
            elif old.generated == new.generated:
                details.append("generated expression")
                self.step(
                    ALTER_TABLES,
                    f"{prefix} SET EXPRESSION AS ({new.generation_expression});",
                    ChangeKind.ALTER,
                    [ref, cref],
                )
            else:
                details.append("becomes generated (column re-created)")
                table = qualified(rel.schema, rel.name)
                self.step(
                    ALTER_TABLES,
                    f"ALTER TABLE {table} DROP COLUMN {quote_ident(new.name)};",
                    ChangeKind.ALTER,
                    [ref, cref],
                    destructive=True,
                )
                self.step(
                    ALTER_TABLES,
                    f"ALTER TABLE {table} ADD COLUMN {column_sql(new)};",
                    ChangeKind.ALTER,
                    [ref, cref],
                )
                self.change(
                    ChangeKind.ALTER,
                    cref,
                    "column",
                    column_sql(old),
                    column_sql(new),
                    destructive=True,
                    detail="; ".join(details),
                )
                return
        default_changes = old.default != new.default
        if old.identity is not None and new.identity is None and not inherited:
            details.append("identity dropped")
            self.step(ALTER_TABLES, f"{prefix} DROP IDENTITY;", ChangeKind.ALTER, [ref, cref])
        if old.default is not None and (default_changes or type_changes):
            if new.default is None:
                details.append("default dropped")
            self.step(ALTER_TABLES, f"{prefix} DROP DEFAULT;", ChangeKind.ALTER, [ref, cref])
        if type_changes:
            details.append(f"type {old.type} -> {new.type}" if old.type != new.type else "type re-cast")
            collate_clause = f" COLLATE {collate(new.collation)}" if new.collation else ""
            using = (
                f"{quote_ident(new.name)}::text::{new.type}"
                if recast_enum or old.type_key
                else f"{quote_ident(new.name)}::{new.type}"
            )
            needs = [("create", _type_ref(*new.type_key))] if new.type_key else []
            self.step(
                ALTER_TABLES,
                f"{prefix} TYPE {new.type}{collate_clause} USING {using};",
                ChangeKind.ALTER,
                [ref, cref],
                needs=needs,
                destructive=False,
            )
        if new.default is not None and (default_changes or type_changes):
            if default_changes:
                details.append(f"default {new.default}")
            seq_needs = [
                ("create", ObjectRef("sequence", s.schema, s.name))
                for s in self.created_sequences
                if s.name in new.default
            ]
            self.step(
                ALTER_TABLES,
                f"{prefix} SET DEFAULT {new.default};",
                ChangeKind.ALTER,
                [ref, cref],
                needs=seq_needs,
            )
        if old.not_null != new.not_null and not inherited:
            details.append("not null " + ("added" if new.not_null else "dropped"))
            self.step(
                ALTER_TABLES,
                f"{prefix} {'SET' if new.not_null else 'DROP'} NOT NULL;",
                ChangeKind.ALTER,
                [ref, cref],
            )
        if old.identity != new.identity and new.identity is not None and not inherited:
            mode = new.identity.value.upper()
            if old.identity is None:
                details.append("identity added")
                self._drop_serial_sequence(rel, new.name)
                self.step(
                    ALTER_TABLES, f"{prefix} ADD GENERATED {mode} AS IDENTITY;", ChangeKind.ALTER, [ref, cref]
                )
            else:
                details.append(f"identity {mode.lower()}")
                self.step(ALTER_TABLES, f"{prefix} SET GENERATED {mode};", ChangeKind.ALTER, [ref, cref])
        if details:
            self.change(
                ChangeKind.ALTER,
                cref,
                "column",
                column_sql(old),
                column_sql(new),
                destructive=type_changes and not _widens(old.type, new.type),
                detail="; ".join(details),
            )

    def _drop_serial_sequence(self, rel: Relation, column: str) -> None:
        """serial -> identity: drop the serial's sequence first so the identity gets its usual name."""
        for seq in self.dropped_sequences:
            owner = seq.owned_by
            if owner is not None and (owner.schema, owner.table, owner.column) == (
                rel.schema,
                rel.name,
                column,
            ):
                self.dropped_early.add(seq.key)
                ref = ObjectRef("sequence", seq.schema, seq.name)
                self.change(ChangeKind.DROP, ref, "sequence", old=sequence_options(seq))
                self.step(
                    ALTER_TABLES,
                    f"DROP SEQUENCE {qualified(seq.schema, seq.name)};",
                    ChangeKind.DROP,
                    [ref],
                    provides=[("drop", ref)],
                )

    def constraints(self, old: Relation | None, new: Relation) -> None:
        ref = _table_ref(new)
        name = qualified(new.schema, new.name)

        def relevant(rel: Relation | None) -> dict[str, Constraint]:
            if rel is None:
                return {}
            return {
                c.name: c
                for c in rel.constraints
                if c.kind is not ConstraintKind.NOT_NULL and not c.is_inherited
            }

        before, after = relevant(old), relevant(new)
        for cname, con in before.items():
            other = after.get(cname)
            if other is not None and self._same_constraint(con, other):
                continue
            if (
                other is not None
                and con.definition == other.definition
                and not con.validated
                and other.validated
            ):
                self.change(
                    ChangeKind.ALTER,
                    ObjectRef("constraint", new.schema, new.name, cname),
                    str(con.kind),
                    detail="validate",
                )
                self.step(
                    ADD_FOREIGN_KEYS if con.foreign_key else ADD_CONSTRAINTS,
                    f"ALTER TABLE {name} VALIDATE CONSTRAINT {quote_ident(cname)};",
                    ChangeKind.ALTER,
                    [ref],
                )
                continue
            cref = ObjectRef("constraint", new.schema, new.name, cname)
            if other is None:
                self.change(ChangeKind.DROP, cref, str(con.kind), old=con.definition)
            phase = DROP_DEPENDENTS if con.kind is ConstraintKind.FOREIGN_KEY else DROP_CONSTRAINTS
            self.step(
                phase,
                f"ALTER TABLE {name} DROP CONSTRAINT {quote_ident(cname)};",
                ChangeKind.ALTER,
                [ref, cref],
                provides=[("drop", cref)],
            )
        for cname, con in after.items():
            prev = before.get(cname)
            if prev is not None and (
                self._same_constraint(prev, con)
                or (prev.definition == con.definition and not prev.validated and con.validated)
            ):
                if prev.comment != con.comment:
                    self.comment(
                        ObjectRef("constraint", new.schema, new.name, cname),
                        "constraint",
                        prev.comment,
                        con.comment,
                    )
                continue
            cref = ObjectRef("constraint", new.schema, new.name, cname)
            if prev is None:
                self.change(ChangeKind.CREATE, cref, str(con.kind), new=con.definition)
            else:
                self.change(ChangeKind.ALTER, cref, str(con.kind), prev.definition, con.definition)
            if con.kind is ConstraintKind.FOREIGN_KEY:
                self.pending_fks.append((new, con))
                continue
            sql = f"ALTER TABLE {name} ADD CONSTRAINT {quote_ident(cname)} {con.definition}"
            sql += self._deferral(con)
            self.step(
                ADD_CONSTRAINTS,
                sql + ";",
                ChangeKind.ALTER,
                [ref, cref],
                provides=[("create", cref)],
                needs=[("create", ref)],
            )
            self.comment(cref, "constraint", None, con.comment)

    @staticmethod
    def _deferral(con: Constraint) -> str:
        if "DEFERRABLE" in con.definition.upper():
            return ""
        if con.deferrable:
            return " DEFERRABLE INITIALLY DEFERRED" if con.initially_deferred else " DEFERRABLE"
        return ""

    def _same_constraint(self, a: Constraint, b: Constraint) -> bool:
        if b.foreign_key is not None and b.foreign_key.target_key in self.recreated_tables:
            return False  # its target table is dropped and re-created
        return (a.kind, a.definition, a.deferrable, a.initially_deferred, a.validated) == (
            b.kind,
            b.definition,
            b.deferrable,
            b.initially_deferred,
            b.validated,
        )

    def foreign_keys(self) -> None:
        for rel, con in self.pending_fks:
            ref = _table_ref(rel)
            cref = ObjectRef("constraint", rel.schema, rel.name, con.name)
            assert con.foreign_key is not None
            target = ObjectRef("table", *con.foreign_key.target_key)
            sql = (
                f"ALTER TABLE {qualified(rel.schema, rel.name)} ADD CONSTRAINT {quote_ident(con.name)} "
                f"{con.definition}{self._deferral(con)};"
            )
            self.step(
                ADD_FOREIGN_KEYS, sql, ChangeKind.ALTER, [ref, cref, target], provides=[("create", cref)]
            )
            self.comment(cref, "constraint", None, con.comment)

    def indexes(self, old: Relation | None, new: Relation, *, fresh_phase: int) -> None:
        ref = _table_ref(new)
        partition = new.partition_of is not None

        def own(rel: Relation | None) -> dict[str, Index]:
            return {} if rel is None else {i.name: i for i in rel.indexes if not i.owned_by_constraint}

        before, after = own(old), own(new)
        for iname, ix in before.items():
            other = after.get(iname)
            if other is not None and other.definition == ix.definition:
                continue
            iref = ObjectRef("index", new.schema, new.name, iname)
            if other is None:
                self.change(ChangeKind.DROP, iref, "index", old=ix.definition)
            exists = " IF EXISTS" if partition else ""
            self.step(
                DROP_CONSTRAINTS,
                f"DROP INDEX{exists} {qualified(new.schema, iname)};",
                ChangeKind.ALTER,
                [ref, iref],
                provides=[("drop", iref)],
            )
        for iname, ix in after.items():
            prev = before.get(iname)
            iref = ObjectRef("index", new.schema, new.name, iname)
            if prev is not None and prev.definition == ix.definition:
                self.comment(iref, "index", prev.comment, ix.comment)
                continue
            if prev is None:
                self.change(ChangeKind.CREATE, iref, "index", new=ix.definition)
            else:
                self.change(
                    ChangeKind.ALTER, iref, "index", prev.definition, ix.definition, detail="replaced"
                )
            needs: list[Key] = [("create", ref)]
            if partition and new.partition_of is not None:
                parent = self.desired.relation(*new.partition_of)
                if parent is not None:
                    needs += [
                        ("create", ObjectRef("index", parent.schema, parent.name, p.name))
                        for p in parent.indexes
                    ]
            self.step(
                fresh_phase,
                _index_sql(ix, partition=partition),
                ChangeKind.ALTER,
                [ref, iref],
                provides=[("create", iref)],
                needs=needs,
            )
            self.comment(iref, "index", None, ix.comment)

    def _parent_trigger_names(self, rel: Relation | None, catalog: Catalog) -> set[str]:
        if rel is None or rel.partition_of is None:
            return set()
        parent = catalog.relation(*rel.partition_of)
        return {t.name for t in parent.triggers} if parent else set()

    def triggers(self, old: Relation | None, new: Relation) -> None:
        ref = _table_ref(new)
        name = qualified(new.schema, new.name)
        cloned = self._parent_trigger_names(new, self.desired) | self._parent_trigger_names(old, self.current)
        before: dict[str, Trigger] = {t.name: t for t in old.triggers} if old else {}
        after: dict[str, Trigger] = {t.name: t for t in new.triggers}
        for tname, trig in before.items():
            other = after.get(tname)
            if tname in cloned or (other is not None and other.definition == trig.definition):
                continue
            tref = ObjectRef("trigger", new.schema, new.name, tname)
            if other is None:
                self.change(ChangeKind.DROP, tref, "trigger", old=trig.definition)
            self.step(
                DROP_DEPENDENTS,
                f"DROP TRIGGER {quote_ident(tname)} ON {name};",
                ChangeKind.ALTER,
                [ref, tref],
                provides=[("drop", tref)],
            )
        for tname, trig in after.items():
            tref = ObjectRef("trigger", new.schema, new.name, tname)
            prev = before.get(tname)
            if tname in cloned:
                continue
            if prev is None or prev.definition != trig.definition:
                if prev is None:
                    self.change(ChangeKind.CREATE, tref, "trigger", new=trig.definition)
                else:
                    self.change(ChangeKind.ALTER, tref, "trigger", prev.definition, trig.definition)
                needs: list[Key] = [("create", ref)]
                needs += [("create", r) for r in self.des_graph.get(tref)]
                needs += [
                    ("create", f)
                    for f in (
                        _func_ref(x)
                        for x in self.desired.functions
                        if (x.schema, x.name) == (trig.function_schema, trig.function_name)
                    )
                ]
                self.step(
                    LATE_CREATE,
                    trig.definition.rstrip(";") + ";",
                    ChangeKind.ALTER,
                    [ref, tref],
                    provides=[("create", tref)],
                    needs=needs,
                )
                prev = None
            if (prev.enabled if prev else "O") != trig.enabled:
                action = {
                    "D": "DISABLE TRIGGER",
                    "R": "ENABLE REPLICA TRIGGER",
                    "A": "ENABLE ALWAYS TRIGGER",
                }.get(trig.enabled, "ENABLE TRIGGER")
                self.change(ChangeKind.ALTER, tref, "trigger", detail=action.lower())
                self.step(
                    LATE_CREATE,
                    f"ALTER TABLE {name} {action} {quote_ident(tname)};",
                    ChangeKind.ALTER,
                    [ref, tref],
                    needs=[("create", tref)],
                )
            self.comment(tref, "trigger", before[tname].comment if tname in before else None, trig.comment)

    def policies(self, old: Relation | None, new: Relation) -> None:
        ref = _table_ref(new)
        before = {p.name: p for p in old.policies} if old else {}
        after = {p.name: p for p in new.policies}
        for pname, pol in before.items():
            if after.get(pname) == pol:
                continue
            pref = ObjectRef("policy", new.schema, new.name, pname)
            if pname not in after:
                self.change(ChangeKind.DROP, pref, "policy", old=pol.using)
            self.step(
                DROP_DEPENDENTS,
                f"DROP POLICY {quote_ident(pname)} ON {qualified(new.schema, new.name)};",
                ChangeKind.ALTER,
                [ref, pref],
                provides=[("drop", pref)],
            )
        for pname, pol in after.items():
            prev = before.get(pname)
            pref = ObjectRef("policy", new.schema, new.name, pname)
            if prev is not None and _same_policy(prev, pol):
                if prev.comment != pol.comment:
                    self.comment(pref, "policy", prev.comment, pol.comment)
                continue
            if prev is None:
                self.change(ChangeKind.CREATE, pref, "policy", new=policy_sql(new, pol))
            else:
                self.change(ChangeKind.ALTER, pref, "policy", policy_sql(new, prev), policy_sql(new, pol))
            self.step(
                LATE_CREATE,
                policy_sql(new, pol),
                ChangeKind.ALTER,
                [ref, pref],
                provides=[("create", pref)],
                needs=[("create", ref)],
            )
            self.comment(pref, "policy", None, pol.comment)

    def sequence_ownership(self) -> None:
        for new, _old in self.owned_by_steps:
            ref = ObjectRef("sequence", new.schema, new.name)
            if new.owned_by is None:
                self.step(
                    ALTER_TABLES,
                    f"ALTER SEQUENCE {qualified(new.schema, new.name)} OWNED BY NONE;",
                    ChangeKind.ALTER,
                    [ref],
                )
                continue
            owner = new.owned_by
            table = ObjectRef("table", owner.schema, owner.table)
            self.step(
                ALTER_TABLES,
                f"ALTER SEQUENCE {qualified(new.schema, new.name)} OWNED BY "
                f"{qualified(owner.schema, owner.table)}.{quote_ident(owner.column)};",
                ChangeKind.ALTER,
                [ref, table],
                needs=[
                    ("create", table),
                    ("create", ObjectRef("column", owner.schema, owner.table, owner.column)),
                ],
            )
        des_tables = self.desired.relations_by_key
        for seq in self.dropped_sequences:
            if seq.key in self.dropped_early:
                continue
            seq_owner = seq.owned_by
            ref = ObjectRef("sequence", seq.schema, seq.name)
            if seq_owner is not None:
                owning = des_tables.get((seq_owner.schema, seq_owner.table))
                if owning is None or owning.column(seq_owner.column) is None:
                    continue  # dropped together with its column or table
            self.change(ChangeKind.DROP, ref, "sequence", old=sequence_options(seq), destructive=True)
            self.step(
                DROP_OBJECTS,
                f"DROP SEQUENCE {qualified(seq.schema, seq.name)};",
                ChangeKind.DROP,
                [ref],
                provides=[("drop", ref)],
                needs=self.drop_needs(ref),
                destructive=True,
            )

    pending_fks: list[tuple[Relation, Constraint]]

    def ordered(self) -> list[_Step]:
        provided: dict[Key, list[int]] = {}
        for i, st in enumerate(self.steps):
            for key in st.provides:
                provided.setdefault(key, []).append(i)
        waits_for: list[set[int]] = []
        blocks: dict[int, list[int]] = {}
        for i, st in enumerate(self.steps):
            deps = {j for key in st.needs for j in provided.get(key, ()) if j != i}
            waits_for.append(deps)
            for j in deps:
                blocks.setdefault(j, []).append(i)
        heap = [(st.phase, st.order, i) for i, st in enumerate(self.steps) if not waits_for[i]]
        heapq.heapify(heap)
        done: set[int] = set()
        out: list[_Step] = []
        while len(out) < len(self.steps):
            if not heap:  # a cycle: release the earliest waiting step
                i = min(
                    (i for i in range(len(self.steps)) if i not in done),
                    key=lambda k: (self.steps[k].phase, self.steps[k].order),
                )
                waits_for[i] = set()
                heap.append((self.steps[i].phase, self.steps[i].order, i))
            _, _, i = heapq.heappop(heap)
            if i in done:
                continue
            done.add(i)
            out.append(self.steps[i])
            for j in blocks.get(i, ()):
                waits_for[j].discard(i)
                if not waits_for[j] and j not in done:
                    heapq.heappush(heap, (self.steps[j].phase, self.steps[j].order, j))
        return out


def _same_policy(a: Policy, b: Policy) -> bool:
    return (a.command, a.permissive, tuple(sorted(a.roles)), a.using, a.with_check) == (
        b.command,
        b.permissive,
        tuple(sorted(b.roles)),
        b.using,
        b.with_check,
    )


# -- renames -------------------------------------------------------------------------------------------------


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
            if old.schema != new.schema or old.kind != new.kind:
                continue
            old_cols = gone_cols[old.key]
            union = old_cols | new_cols
            overlap = len(old_cols & new_cols) / len(union) if union else 0.0
            if 0.75 * overlap + 0.25 < RENAME_THRESHOLD:
                continue  # cannot reach the threshold whatever the names: skip the costly name comparison
            score = 0.75 * overlap + 0.25 * _similarity(old.name, new.name)
            if best is None or score > best[0]:
                best = (score, old)
        if best is not None and best[0] >= RENAME_THRESHOLD:
            out.append(
                RenameSuggestion("table", new.schema, best[1].name, best[1].name, new.name, round(best[0], 2))
            )
    for key, new in des.items():
        before = cur.get(key)
        if before is None or not new.kind.is_table:
            continue
        old = before
        new_names = {c.name for c in new.columns}
        old_names = {c.name for c in old.columns}
        removed = [c for c in old.columns if c.name not in new_names]
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


def _resolve_renames(
    accepted: Iterable[tuple[str, str]], current: Catalog
) -> tuple[list[tuple[str, str, str]], list[tuple[str, str, str, str]]]:
    """(schema, old table, new table) and (schema, table, old column, new column) from user spellings."""
    tables: list[tuple[str, str, str]] = []
    columns: list[tuple[str, str, str, str]] = []
    for old_text, new_text in accepted:
        old_parts = _parse_rename_name(old_text)
        new_parts = _parse_rename_name(new_text)
        if len(old_parts) == 1 or (len(old_parts) == 2 and current.relation(*old_parts) is not None):
            schema, table = ["public", *old_parts] if len(old_parts) == 1 else old_parts
            tables.append((schema, table, new_parts[-1]))
        else:
            schema, table, column = ["public", *old_parts] if len(old_parts) == 2 else old_parts[-3:]
            columns.append((schema, table, column, new_parts[-1]))
    return tables, columns


def _rename_table_parts(
    current: Catalog, desired: Catalog, renamed: list[tuple[str, str]]
) -> tuple[Catalog, list[PlannedStatement]]:
    """After a table rename, its constraints, indexes and serial sequences keep their old names; rename the
    ones whose definition matches a differently named one on the desired side, rather than dropping and
    re-creating them (a dropped primary key would take the foreign keys that reference it, a re-created
    sequence would restart at 1)."""
    steps: list[PlannedStatement] = []
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
            constraints.append(replace(con, name=match.name, index_name=match.index_name))
        renamed_indexes = {
            c.index_name: n.index_name
            for c, n in zip(rel.constraints, constraints, strict=True)
            if c.index_name and c.index_name != n.index_name
        }

        def shape(ix: Index) -> tuple[object, ...]:
            return (ix.columns, ix.method, ix.unique, ix.predicate, ix.include, ix.options)

        wanted_ix = {i.name for i in want.indexes}
        spare_ix = {
            shape(i): i
            for i in want.indexes
            if not i.owned_by_constraint and i.name not in {x.name for x in rel.indexes}
        }
        indexes = []
        for ix in rel.indexes:
            if ix.name in renamed_indexes:
                indexes.append(replace(ix, name=renamed_indexes[ix.name] or ix.name))
                continue
            match_ix = (
                spare_ix.pop(shape(ix), None)
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
            indexes.append(replace(ix, name=match_ix.name, definition=match_ix.definition))
        columns = list(rel.columns)
        for i, seq in enumerate(sequences):
            owner = seq.owned_by
            if owner is None or seq.is_identity or (owner.schema, owner.table) != key:
                continue
            target = next(
                (
                    d
                    for d in desired.sequences
                    if d.owned_by == owner and d.name != seq.name and not d.is_identity
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
            old_lit, new_lit = quote_literal(seq.name), quote_literal(target.name)
            columns = [
                replace(c, default=c.default.replace(old_lit, new_lit)) if c.default else c for c in columns
            ]
        relations[key] = replace(
            rel, constraints=tuple(constraints), indexes=tuple(indexes), columns=tuple(columns)
        )
    return replace(current, relations=tuple(relations.values()), sequences=tuple(sequences)), steps


def _apply_renames(
    current: Catalog, tables: list[tuple[str, str, str]], columns: list[tuple[str, str, str, str]]
) -> Catalog:
    """The current catalog as it will look after the accepted renames ran."""
    table_map = {(s, o): (s, n) for s, o, n in tables}
    col_map = {(s, t, o): n for s, t, o, n in columns}

    def rename_key(key: tuple[str, str]) -> tuple[str, str]:
        return table_map.get(key, key)

    relations = []
    for rel in current.relations:
        new_key = rename_key(rel.key)
        cols = tuple(
            replace(c, name=col_map.get((rel.schema, rel.name, c.name), c.name)) for c in rel.columns
        )
        cons = []
        for con in rel.constraints:
            fk = con.foreign_key
            renamed_cols = tuple(col_map.get((rel.schema, rel.name, c), c) for c in con.columns)
            if fk is not None:
                target = rename_key(fk.target_key)
                fk = replace(
                    fk,
                    target_schema=target[0],
                    target_table=target[1],
                    target_columns=tuple(col_map.get((*fk.target_key, c), c) for c in fk.target_columns),
                )
            cons.append(replace(con, columns=renamed_cols, foreign_key=fk))
        relations.append(
            replace(
                rel,
                schema=new_key[0],
                name=new_key[1],
                columns=cols,
                constraints=tuple(cons),
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
            seq = replace(seq, owned_by=ColumnRef(schema, table, column))
        sequences.append(seq)
    return replace(current, relations=tuple(relations), sequences=tuple(sequences), dependencies=deps)


def diff_catalogs(
    current: Catalog, desired: Catalog, *, accepted_renames: Iterable[tuple[str, str]] = ()
) -> tuple[tuple[Change, ...], tuple[PlannedStatement, ...], tuple[RenameSuggestion, ...]]:
    """Changes, the ordered plan and rename suggestions to turn `current` into `desired`. Pure."""
    tables, columns = _resolve_renames(accepted_renames, current)
    rename_steps: list[PlannedStatement] = []
    rename_changes: list[Change] = []
    for schema, old, new in tables:
        if current.relation(schema, old) is None:
            continue
        ref = ObjectRef("table", schema, new)
        rename_changes.append(Change(ChangeKind.RENAME, ref, "table", old, new))
        rename_steps.append(
            PlannedStatement(
                f"ALTER TABLE {qualified(schema, old)} RENAME TO {quote_ident(new)};",
                ChangeKind.RENAME,
                (ObjectRef("table", schema, old), ref),
            )
        )
    table_map = {(s, o): n for s, o, n in tables}
    for schema, table, old, new in columns:
        table_now = table_map.get((schema, table), table)
        ref = ObjectRef("column", schema, table_now, new)
        rename_changes.append(Change(ChangeKind.RENAME, ref, "column", old, new))
        rename_steps.append(
            PlannedStatement(
                f"ALTER TABLE {qualified(schema, table_now)} RENAME COLUMN {quote_ident(old)} "
                f"TO {quote_ident(new)};",
                ChangeKind.RENAME,
                (ObjectRef("table", schema, table_now), ref),
            )
        )
    if tables or columns:
        current = _apply_renames(current, tables, columns)
        current, follow_ups = _rename_table_parts(current, desired, [(s, n) for s, _, n in tables])
        rename_steps.extend(follow_ups)
    planner = _Planner(current, desired)
    planner.pending_fks = []
    planner.run()
    ordered = planner.ordered()
    if planner.needs_bodies_off:
        # Like pg_dump: SQL function bodies may read tables created later in the plan.
        rename_steps.insert(0, PlannedStatement(CHECK_BODIES_OFF, ChangeKind.ALTER, ()))
    plan = tuple(rename_steps) + tuple(
        PlannedStatement(s.sql, s.change, s.touches, s.transactional, s.destructive) for s in ordered
    )
    renames = tuple(suggest_renames(current, desired))
    return tuple(rename_changes) + tuple(planner.changes), plan, renames


# -- the whole pipeline --------------------------------------------------------------------------------------


@dataclass
class _Timer:
    marks: dict[str, float] = field(default_factory=dict)
    start: float = field(default_factory=time.perf_counter)

    def mark(self, name: str, since: float) -> float:
        now = time.perf_counter()
        self.marks[name] = self.marks.get(name, 0.0) + now - since
        return now


def is_dsn(text: str) -> bool:
    from .conninfo import looks_like_conninfo  # a URL, or key=value pairs that start with a libpq keyword

    return looks_like_conninfo(text)


async def diff_database(
    target: ConnectionTarget,
    desired: Sequence[str | Path],
    *,
    include_schemas: Sequence[str] = (),
    exclude_schemas: Sequence[str] = (),
    accepted_renames: Iterable[tuple[str, str]] = (),
    exclude_tables: Sequence[str] = (),
) -> DiffResult:
    """Introspect `target`, build the desired catalog (shadow database, other DSN or migrations), diff.

    Tool history and meta tables, and those `exclude_tables` names, are left out of both sides first, and the
    deparser's two spellings of one expression are brought to one (core.deparse_forms)."""
    from .deparse_forms import canonical
    from .shadow import introspect_target, load_desired
    from .together import both
    from .tool_tables import leave_out

    timer = _Timer()
    t = timer.start
    # Building two large catalogs allocates millions of objects that all survive: the cyclic GC would rescan
    # them again and again for nothing (it took over half the time at 1,000 tables). Nothing here makes cycles
    # that need collecting, so it is paused for the duration.
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        # Both sides at once: two connections, two servers' worth of catalog queries in parallel.
        current, (wanted, sources, shadow) = await both(  # both to their end: a failure leaves no connection
            introspect_target(target, include_schemas=include_schemas, exclude_schemas=exclude_schemas),
            load_desired(target, desired, include_schemas=include_schemas, exclude_schemas=exclude_schemas),
        )
        t = timer.mark("introspect both sides", t)
        current, left_current = leave_out(canonical(current), exclude_tables)
        wanted, left_wanted = leave_out(canonical(wanted), exclude_tables)
        changes, plan, renames = diff_catalogs(current, wanted, accepted_renames=accepted_renames)
        timer.mark("diff", t)
    finally:
        if gc_was_enabled:
            gc.enable()
    left_out = tuple(sorted(set(left_current) | set(left_wanted), key=lambda x: (x.schema, x.name)))
    return DiffResult(
        current,
        wanted,
        changes,
        plan,
        renames,
        sources,
        time.perf_counter() - timer.start,
        timer.marks,
        left_out,
        (shadow.notes if shadow else ())
        + current.meta.notes,  # + meta look-alikes ignored (core.meta_tables)
    )


def comparable(catalog: Catalog) -> Catalog:
    """The catalog with what a diff deliberately ignores normalised away, for model equality checks.

    Ignored: column order (positions), statistics, provenance and meta state, the database's name and version,
    dependency rows (OID-derived ordering), PostgreSQL 18's named NOT NULL constraints (nullability is on the
    column), aggregates' missing definitions; every collection is sorted by name.
    """

    def rel(r: Relation) -> Relation:
        cols = tuple(
            sorted(
                (
                    replace(c, position=0, provenance=None, meta_status=type(c.meta_status).NO_META)
                    for c in r.columns
                ),
                key=lambda c: c.name,
            )
        )
        cons = tuple(
            sorted((c for c in r.constraints if c.kind is not ConstraintKind.NOT_NULL), key=lambda c: c.name)
        )
        return replace(
            r,
            columns=cols,
            constraints=cons,
            indexes=tuple(sorted((replace(i, provenance=None) for i in r.indexes), key=lambda i: i.name)),
            triggers=tuple(sorted(r.triggers, key=lambda t: t.name)),
            policies=tuple(
                sorted((replace(p, roles=tuple(sorted(p.roles))) for p in r.policies), key=lambda p: p.name)
            ),
            row_estimate=-1,
            provenance=None,
            meta_status=type(r.meta_status).NO_META,
        )

    return Catalog(
        schemas=tuple(sorted(catalog.schemas, key=lambda s: s.name)),
        extensions=tuple(sorted(catalog.extensions, key=lambda e: e.name)),
        enums=tuple(sorted(catalog.enums, key=lambda e: e.key)),
        domains=tuple(sorted(catalog.domains, key=lambda d: d.key)),
        sequences=tuple(sorted(catalog.sequences, key=lambda s: s.key)),
        relations=tuple(sorted((rel(r) for r in catalog.relations), key=lambda r: r.key)),
        functions=tuple(sorted(catalog.functions, key=lambda f: (f.schema, f.name, f.identity_arguments))),
    )
