"""The random edits of bench/diff_fuzz.py: what a base schema holds (Facts), and the Editor that picks an edit
of it, each a list of statements run in one transaction."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field

from bench.diff_fuzz_kinds import KINDS, LIBRARY_EDITS
from bench.diff_fuzz_objects import KINDS as OBJECT_KINDS
from dibs_tui.core.sql import qualified, quote_ident, quote_literal


@dataclass(frozen=True)
class Col:
    schema: str
    table: str
    name: str
    type: str
    not_null: bool
    special: bool
    keyed: bool
    has_default: bool
    enum_labels: tuple[str, ...] = ()


@dataclass
class Facts:
    """What the base schema holds, read once: the edits pick their targets from it (an edit whose target an
    earlier edit removed fails and is left out)."""

    tables: list[tuple[str, str]] = field(default_factory=list)
    columns: list[Col] = field(default_factory=list)
    named: dict[str, list[tuple[str, str, str]]] = field(default_factory=dict)
    partitioned: dict[tuple[str, str], list[tuple[str, str]]] = field(default_factory=dict)

    def table_columns(self, key: tuple[str, str]) -> list[Col]:
        return [c for c in self.columns if (c.schema, c.table) == key]


def value_for(col: Col, i: int) -> str | None:
    """A literal of the column's type for row i, or None where the fuzzer does not know one."""
    t = col.type
    if col.enum_labels:
        return quote_literal(col.enum_labels[i % len(col.enum_labels)])
    if t.endswith("[]"):
        return "'{}'"
    if t in ("integer", "bigint", "smallint", "real", "double precision") or t.startswith("numeric"):
        return str(i + 1)
    if t.startswith(("character", "text", "citext", "name")) or t == "text":
        return quote_literal(str(i + 1))
    if t == "boolean":
        return "true" if i % 2 else "false"
    if t == "date":
        return f"'2022-01-0{i + 1}'"
    if t.startswith("timestamp"):
        return f"'2022-01-0{i + 1} 10:00'"
    if t.startswith("time"):
        return "'10:00'"
    if t in ("json", "jsonb"):
        return "'{}'"
    if t == "uuid":
        return f"md5('{i}')::uuid"
    if t == "tsvector":
        return "'a'"
    if t == "bytea":
        return "'\\x00'"
    if t == "interval":
        return "'1 day'"
    return None


_NEW_TYPES = ("integer", "bigint", "text", "varchar(40)", "numeric(10,2)", "boolean", "timestamptz", "jsonb")
_DEFAULTS = {
    "integer": "0",
    "bigint": "7",
    "text": "'x'",
    "varchar(40)": "'y'",
    "numeric(10,2)": "1.5",
    "boolean": "false",
    "timestamptz": "now()",
    "jsonb": "'{}'::jsonb",
}
_COLLATIONS = ('"C"', '"POSIX"', '"default"')
_RETYPES = {
    "integer": ("bigint", "numeric(12,0)", "text"),
    "smallint": ("integer", "bigint"),
    "bigint": ("numeric(20,0)", "text"),
    "text": ("character varying(500)", "character varying"),
    "boolean": ("text",),
    "date": ("timestamp without time zone", "text"),
    "timestamp without time zone": ("timestamp with time zone",),
    "timestamp with time zone": ("timestamp without time zone",),
}


@dataclass(frozen=True)
class Edit:
    statements: list[str]
    # a rename it makes: (schema, table, column or "", new schema, new name): accepted in some seeds
    rename: tuple[str, str, str, str, str] | None = None


class Editor:
    """Random edits, each a list of statements run in one transaction (an edit the rows refuse is left out)."""

    def __init__(self, rng: random.Random, facts: Facts, *, objects_only: bool = False) -> None:
        self.rng = rng
        self.facts = facts
        self.objects_only = objects_only  # the fz_obj kinds alone (bench/diff_fuzz_objects.py)
        self.n = 0
        self.renamed: tuple[str, str, str, str, str] | None = None

    def _pick_col(self, keep_keys: bool = True) -> Col | None:
        cols = [c for c in self.facts.columns if not (keep_keys and c.keyed)]
        return self.rng.choice(cols) if cols else None

    def _name(self, prefix: str) -> str:
        self.n += 1
        return f"fz_{prefix}{self.n}"

    def edit(self) -> Edit:
        self.renamed = None
        statements = self._any()
        return Edit(statements, self.renamed)

    def _any(self) -> list[str]:
        if self.objects_only:
            return self.objects()
        kinds: list[Callable[[], list[str]]] = [
            self.add_column,
            self.add_column,
            self.drop_column,
            self.retype,
            self.retype,
            self.not_null,
            self.default,
            self.create_index,
            self.drop_named,
            self.add_check,
            self.rename,
            self.comment,
            self.new_table,
            self.drop_table,
            self.create_view,
            self.enum_change,
            self.add_foreign_key,
            self.storage,
            self.trigger,
            self.policy,
            self.generated,
            self.move_schema,
            self.identity,
            self.sequence_options,
            self.function_in_check,
            self.domain_column,
            self.collation,
            self.expression_index,
            self.table_options,
            self.partition,
            self.deferrable,
            self.key_to_index,
            self.rule,
            self.statistics,
            self.child_table,
            self.publication,
            self.trigger_state,
            self.library,
            self.library,
            *[self.migrated] * 8,
            *[self.objects] * 10,
        ]
        return self.rng.choice(kinds)()

    def _table(self) -> tuple[str, str]:
        return self.rng.choice(self.facts.tables)

    def add_column(self) -> list[str]:
        t = self._table()
        typ = self.rng.choice(_NEW_TYPES)
        name = self._name("c")
        extra = self.rng.choice(
            ["", f" DEFAULT {_DEFAULTS[typ]}", f" NOT NULL DEFAULT {_DEFAULTS[typ]}", " UNIQUE"]
        )
        if self.rng.random() < 0.2:
            extra += f" CHECK ({quote_ident(name)} IS DISTINCT FROM NULL OR true)"
        return [f"ALTER TABLE {qualified(*t)} ADD COLUMN {name} {typ}{extra}"]

    def drop_column(self) -> list[str]:
        c = self._pick_col(keep_keys=self.rng.random() < 0.7)
        if c is None:
            return []
        cascade = " CASCADE" if self.rng.random() < 0.3 else ""
        return [f"ALTER TABLE {qualified(c.schema, c.table)} DROP COLUMN {quote_ident(c.name)}{cascade}"]

    def retype(self) -> list[str]:
        cols = [
            c for c in self.facts.columns if c.type in _RETYPES or c.type.startswith("character varying(")
        ]
        if not cols:
            return []
        c = self.rng.choice(cols)
        to = self.rng.choice(_RETYPES.get(c.type, ("text", "character varying(300)")))
        col = quote_ident(c.name)
        return [f"ALTER TABLE {qualified(c.schema, c.table)} ALTER COLUMN {col} TYPE {to} USING {col}::{to}"]

    def not_null(self) -> list[str]:
        c = self._pick_col(keep_keys=False)
        if c is None:
            return []
        verb = "DROP" if c.not_null else "SET"
        return [
            f"ALTER TABLE {qualified(c.schema, c.table)} ALTER COLUMN {quote_ident(c.name)} {verb} NOT NULL"
        ]

    def default(self) -> list[str]:
        c = self._pick_col()
        if c is None:
            return []
        value = value_for(c, 5)
        action = "DROP DEFAULT" if value is None or self.rng.random() < 0.3 else f"SET DEFAULT {value}"
        return [f"ALTER TABLE {qualified(c.schema, c.table)} ALTER COLUMN {quote_ident(c.name)} {action}"]

    def create_index(self) -> list[str]:
        t = self._table()
        cols = [c for c in self.facts.table_columns(t) if not c.type.endswith("[]") and c.type != "tsvector"]
        if not cols:
            return []
        chosen = self.rng.sample(cols, min(len(cols), self.rng.choice([1, 1, 2])))
        keys = ", ".join(quote_ident(c.name) + self.rng.choice(["", " DESC", " NULLS FIRST"]) for c in chosen)
        unique = "UNIQUE " if self.rng.random() < 0.25 else ""
        where = f" WHERE {quote_ident(chosen[0].name)} IS NOT NULL" if self.rng.random() < 0.3 else ""
        return [f"CREATE {unique}INDEX {self._name('i')} ON {qualified(*t)} ({keys}){where}"]

    def drop_named(self) -> list[str]:
        what = self.rng.choice(
            [w for w in ("index", "constraint_c", "constraint_u", "constraint_f") if w in self.facts.named]
            or ["index"]
        )
        found = self.facts.named.get(what, [])
        if not found:
            return []
        schema, table, name = self.rng.choice(found)
        if what == "index":
            return [f"DROP INDEX {qualified(schema, name)}"]
        cascade = " CASCADE" if what == "constraint_u" else ""
        return [f"ALTER TABLE {qualified(schema, table)} DROP CONSTRAINT {quote_ident(name)}{cascade}"]

    def add_check(self) -> list[str]:
        c = self._pick_col()
        if c is None:
            return []
        col = quote_ident(c.name)
        if c.type in ("integer", "bigint", "smallint") or c.type.startswith("numeric"):
            expr = f"{col} > -1000000"
        elif c.type.startswith(("text", "character")):
            expr = f"length({col}) < 100000"
        else:
            expr = f"{col} IS NOT NULL OR {col} IS NULL"
        valid = " NOT VALID" if self.rng.random() < 0.2 else ""
        return [
            f"ALTER TABLE {qualified(c.schema, c.table)} ADD CONSTRAINT {self._name('ck')} CHECK ({expr}){valid}"
        ]

    def rename(self) -> list[str]:
        choice = self.rng.random()
        if choice < 0.4:
            c = self._pick_col(keep_keys=False)
            if c is None:
                return []
            name = self._name("rc")
            self.renamed = (c.schema, c.table, c.name, c.schema, name)
            return [
                f"ALTER TABLE {qualified(c.schema, c.table)} RENAME COLUMN {quote_ident(c.name)} TO {name}"
            ]
        if choice < 0.6:
            t = self._table()
            name = self._name("rt")
            self.renamed = (*t, "", t[0], name)
            return [f"ALTER TABLE {qualified(*t)} RENAME TO {name}"]
        what = self.rng.choice(["index", "constraint_c", "constraint_f", "constraint_u"])
        found = self.facts.named.get(what, [])
        if not found:
            return []
        schema, table, name = self.rng.choice(found)
        if what == "index":
            return [f"ALTER INDEX {qualified(schema, name)} RENAME TO {self._name('ri')}"]
        return [
            f"ALTER TABLE {qualified(schema, table)} RENAME CONSTRAINT {quote_ident(name)} TO {self._name('rk')}"
        ]

    def comment(self) -> list[str]:
        text = "NULL" if self.rng.random() < 0.3 else quote_literal(f"fuzz note {self.rng.randrange(1000)}")
        if self.rng.random() < 0.5:
            return [f"COMMENT ON TABLE {qualified(*self._table())} IS {text}"]
        c = self._pick_col(keep_keys=False)
        if c is None:
            return []
        return [f"COMMENT ON COLUMN {qualified(c.schema, c.table)}.{quote_ident(c.name)} IS {text}"]

    def new_table(self) -> list[str]:
        name = self._name("t")
        keyed = [
            c
            for c in self.facts.columns
            if c.keyed and c.not_null and c.type in ("integer", "bigint", "smallint", "text")
        ]
        ref = ""
        if keyed and self.rng.random() < 0.7:
            c = self.rng.choice(keyed)
            action = self.rng.choice(["", " ON DELETE CASCADE", " ON DELETE SET NULL"])
            ref = f", ref {c.type} REFERENCES {qualified(c.schema, c.table)} ({quote_ident(c.name)}){action}"
        ident = self.rng.choice(
            ["bigint GENERATED ALWAYS AS IDENTITY", "bigserial", "integer GENERATED BY DEFAULT AS IDENTITY"]
        )
        return [f"CREATE TABLE public.{name} (id {ident} PRIMARY KEY, note text NOT NULL DEFAULT ''{ref})"]

    def drop_table(self) -> list[str]:
        return [f"DROP TABLE {qualified(*self._table())} CASCADE"]

    def create_view(self) -> list[str]:
        if self.rng.random() < 0.3 and self.facts.named.get("view"):
            schema, _, name = self.rng.choice(self.facts.named["view"])
            return [
                f"DROP VIEW IF EXISTS {qualified(schema, name)} CASCADE",
                f"DROP MATERIALIZED VIEW IF EXISTS {qualified(schema, name)} CASCADE",
            ]
        t = self._table()
        cols = self.facts.table_columns(t)
        if not cols:
            return []
        chosen = self.rng.sample(cols, min(len(cols), 3))
        listed = ", ".join(quote_ident(c.name) for c in chosen)
        kind = "MATERIALIZED VIEW" if self.rng.random() < 0.2 else "VIEW"
        return [f"CREATE {kind} public.{self._name('v')} AS SELECT {listed} FROM {qualified(*t)}"]

    def enum_change(self) -> list[str]:
        enums = self.facts.named.get("enum", [])
        roll = self.rng.random()
        if enums and roll < 0.4:
            schema, _, name = self.rng.choice(enums)
            return [f"ALTER TYPE {qualified(schema, name)} ADD VALUE {quote_literal(self._name('e'))}"]
        if enums and roll < 0.55:
            cols = [c for c in self.facts.columns if c.enum_labels]
            if cols:
                c = self.rng.choice(cols)
                old = self.rng.choice(c.enum_labels)
                return [
                    f"ALTER TYPE {quote_ident(c.schema)}.{quote_ident(c.type.split('.')[-1])} RENAME VALUE {quote_literal(old)} TO {quote_literal(self._name('e'))}"
                ]
        name = self._name("enum")
        t = self._table()
        return [
            f"CREATE TYPE public.{name} AS ENUM ('a', 'b', 'c')",
            f"ALTER TABLE {qualified(*t)} ADD COLUMN {name}_col public.{name} DEFAULT 'b'",
        ]

    def add_foreign_key(self) -> list[str]:
        keys = [
            c
            for c in self.facts.columns
            if c.keyed and c.not_null and c.type in ("integer", "smallint", "bigint")
        ]
        if not keys:
            return []
        target = self.rng.choice(keys)
        t = self._table()
        col = self._name("fk")
        valid = " NOT VALID" if self.rng.random() < 0.3 else ""
        return [
            f"ALTER TABLE {qualified(*t)} ADD COLUMN {col} {target.type}",
            f"ALTER TABLE {qualified(*t)} ADD CONSTRAINT {col}_fkey FOREIGN KEY ({col}) REFERENCES "
            f"{qualified(target.schema, target.table)} ({quote_ident(target.name)}){valid}",
        ]

    def storage(self) -> list[str]:
        t = self._table()
        option = self.rng.choice(
            ["fillfactor = 70", "autovacuum_enabled = false", "toast_tuple_target = 256"]
        )
        if self.rng.random() < 0.3:
            return [f"ALTER TABLE {qualified(*t)} RESET ({option.split(' ')[0]})"]
        return [f"ALTER TABLE {qualified(*t)} SET ({option})"]

    def trigger(self) -> list[str]:
        t = self._table()
        f = self._name("f")
        return [
            f"CREATE FUNCTION public.{f}() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NEW; END$$",
            f"CREATE TRIGGER {f}_trg BEFORE UPDATE ON {qualified(*t)} FOR EACH ROW EXECUTE FUNCTION public.{f}()",
        ]

    def policy(self) -> list[str]:
        t = self._table()
        return [
            f"ALTER TABLE {qualified(*t)} ENABLE ROW LEVEL SECURITY",
            f"CREATE POLICY {self._name('p')} ON {qualified(*t)} FOR SELECT USING (true)",
        ]

    def generated(self) -> list[str]:
        cols = [
            c for c in self.facts.columns if c.type in ("integer", "bigint", "smallint") and not c.special
        ]
        if not cols:
            return []
        c = self.rng.choice(cols)
        kind = self.rng.choice(["STORED", "VIRTUAL"])
        return [
            f"ALTER TABLE {qualified(c.schema, c.table)} ADD COLUMN {self._name('g')} bigint "
            f"GENERATED ALWAYS AS ({quote_ident(c.name)} * 2) {kind}"
        ]

    def move_schema(self) -> list[str]:
        t = self._table()
        self.renamed = (*t, "", "fz_moved", t[1])
        return ["CREATE SCHEMA IF NOT EXISTS fz_moved", f"ALTER TABLE {qualified(*t)} SET SCHEMA fz_moved"]

    def identity(self) -> list[str]:
        cols = [c for c in self.facts.columns if c.type in ("integer", "bigint", "smallint") and c.not_null]
        if not cols:
            return []
        c = self.rng.choice(cols)
        prefix = f"ALTER TABLE {qualified(c.schema, c.table)} ALTER COLUMN {quote_ident(c.name)}"
        if c.special:
            return [
                f"{prefix} {self.rng.choice(['SET GENERATED ALWAYS', 'SET INCREMENT BY 3', 'DROP IDENTITY'])}"
            ]
        mode = self.rng.choice(["ALWAYS", "BY DEFAULT"])
        return [f"{prefix} DROP DEFAULT", f"{prefix} ADD GENERATED {mode} AS IDENTITY (START WITH 1000)"]

    def sequence_options(self) -> list[str]:
        found = self.facts.named.get("sequence", [])
        if not found:
            return []
        schema, _, name = self.rng.choice(found)
        option = self.rng.choice(
            ["INCREMENT BY 5", "CACHE 20", "MAXVALUE 2000000000", "CYCLE", "START WITH 50"]
        )
        return [f"ALTER SEQUENCE {qualified(schema, name)} {option}"]

    def function_in_check(self) -> list[str]:
        cols = [c for c in self.facts.columns if c.type in ("integer", "bigint", "smallint")]
        if not cols:
            return []
        c = self.rng.choice(cols)
        f = self._name("f")
        body = self.rng.choice(["SELECT $1 > -1000000", "BEGIN RETURN $1 > -1000000; END"])
        language = "sql" if body.startswith("SELECT") else "plpgsql"
        return [
            f"CREATE FUNCTION public.{f}(bigint) RETURNS boolean LANGUAGE {language} IMMUTABLE AS $${body}$$",
            f"ALTER TABLE {qualified(c.schema, c.table)} ADD CONSTRAINT {f}_ck CHECK (public.{f}({quote_ident(c.name)}))",
        ]

    def domain_column(self) -> list[str]:
        cols = [
            c for c in self.facts.columns if c.type in ("integer", "text") and not c.keyed and not c.special
        ]
        if not cols:
            return []
        c = self.rng.choice(cols)
        d = self._name("d")
        check = "VALUE > -1000000" if c.type == "integer" else "length(VALUE) < 100000"
        col = quote_ident(c.name)
        return [
            f"CREATE DOMAIN public.{d} AS {c.type} CHECK ({check})",
            f"ALTER TABLE {qualified(c.schema, c.table)} ALTER COLUMN {col} TYPE public.{d} USING {col}::public.{d}",
        ]

    def collation(self) -> list[str]:
        cols = [
            c
            for c in self.facts.columns
            if c.type in ("text", "character varying") or c.type.startswith("character varying(")
        ]
        if not cols:
            return []
        c = self.rng.choice(cols)
        collation = self.rng.choice(_COLLATIONS)
        col = quote_ident(c.name)
        return [
            f"ALTER TABLE {qualified(c.schema, c.table)} ALTER COLUMN {col} TYPE {c.type} COLLATE {collation}"
        ]

    def expression_index(self) -> list[str]:
        cols = [c for c in self.facts.columns if c.type == "text" or c.type.startswith("character varying")]
        if not cols:
            return []
        c = self.rng.choice(cols)
        return [
            f"CREATE INDEX {self._name('xi')} ON {qualified(c.schema, c.table)} (lower({quote_ident(c.name)}))"
        ]

    def table_options(self) -> list[str]:
        t = self._table()
        cols = self.facts.table_columns(t)
        options = ["REPLICA IDENTITY FULL", "SET UNLOGGED", "SET WITHOUT CLUSTER"]
        if cols:
            options.append(f"ALTER COLUMN {quote_ident(self.rng.choice(cols).name)} SET STATISTICS 500")
        return [f"ALTER TABLE {qualified(*t)} {self.rng.choice(options)}"]

    def partition(self) -> list[str]:
        parents = [t for t in self.facts.tables if t in self.facts.partitioned]
        if not parents:
            return []
        t = self.rng.choice(parents)
        children = self.facts.partitioned[t]
        if children and self.rng.random() < 0.5:
            return [f"ALTER TABLE {qualified(*t)} DETACH PARTITION {qualified(*self.rng.choice(children))}"]
        return [f"CREATE TABLE {qualified(t[0], self._name('part'))} PARTITION OF {qualified(*t)} DEFAULT"]

    def library(self) -> list[str]:
        """A change to the kinds every base is given (_LIBRARY)."""
        return list(self.rng.choice(LIBRARY_EDITS))

    def migrated(self) -> list[str]:
        """A change real migrations make to the kinds every base is given in fz_mig (bench/diff_fuzz_kinds.py)."""
        return self.rng.choice(KINDS)(self.rng, self.facts.named)

    def objects(self) -> list[str]:
        """A change to the kinds every base is given in fz_obj (bench/diff_fuzz_objects.py)."""
        return self.rng.choice(OBJECT_KINDS)(self.rng, self.facts.named)

    def deferrable(self) -> list[str]:
        found = self.facts.named.get("constraint_f", [])
        if not found:
            return []
        schema, table, name = self.rng.choice(found)
        timing = self.rng.choice(["DEFERRABLE INITIALLY DEFERRED", "DEFERRABLE", "NOT DEFERRABLE"])
        return [f"ALTER TABLE {qualified(schema, table)} ALTER CONSTRAINT {quote_ident(name)} {timing}"]

    def key_to_index(self) -> list[str]:
        """A unique constraint made a plain unique index of the same name (and the index gone with it)."""
        found = self.facts.named.get("constraint_u", [])
        if not found:
            return []
        schema, table, name = self.rng.choice(found)
        cols = [c for c in self.facts.table_columns((schema, table)) if c.keyed]
        if not cols:
            return []
        return [
            f"ALTER TABLE {qualified(schema, table)} DROP CONSTRAINT {quote_ident(name)}",
            f"CREATE UNIQUE INDEX {quote_ident(name)} ON {qualified(schema, table)} ({quote_ident(cols[0].name)})",
        ]

    def rule(self) -> list[str]:
        t = self._table()
        event = self.rng.choice(["DELETE", "UPDATE"])
        return [
            f"CREATE RULE {self._name('r')} AS ON {event} TO {qualified(*t)} WHERE false DO INSTEAD NOTHING"
        ]

    def statistics(self) -> list[str]:
        t = self._table()
        cols = [c for c in self.facts.table_columns(t) if not c.type.endswith("[]")]
        if len(cols) < 2:
            return []
        a, b = self.rng.sample(cols, 2)
        return [
            f"CREATE STATISTICS public.{self._name('st')} ON {quote_ident(a.name)}, {quote_ident(b.name)} "
            f"FROM {qualified(*t)}"
        ]

    def child_table(self) -> list[str]:
        t = self._table()
        if t in self.facts.partitioned:
            return []
        return [f"CREATE TABLE public.{self._name('child')} (extra text) INHERITS ({qualified(*t)})"]

    def publication(self) -> list[str]:
        t = self._table()
        return [f"CREATE PUBLICATION {self._name('pub')} FOR TABLE {qualified(*t)}"]

    def trigger_state(self) -> list[str]:
        t = self._table()
        return [
            f"ALTER TABLE {qualified(*t)} {self.rng.choice(['DISABLE', 'ENABLE REPLICA', 'ENABLE ALWAYS'])} TRIGGER USER"
        ]
