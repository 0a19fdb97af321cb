"""Random edits to a real schema with rows, planned both ways: where the diff does not converge.

    .venv/bin/python -m bench.diff_fuzz [--bases pagila chinook] [--seeds 0-49] [--edits 8]

Each seed copies a real schema (tests/fixtures/real) that holds a few rows in every table it can fill, makes
random edits to the copy the way a developer would (columns added, dropped, retyped, renamed, made NOT NULL,
given defaults; indexes, checks, foreign keys, tables, views, enums, comments, triggers, policies, storage
parameters), each in its own transaction so one the rows refuse is simply left out, and then plans the original
to the copy and the copy to the original through the convergence harness of tests/diffcases: the plan must apply
with the rows there, keep the rows and values of what it keeps, leave nothing to a second diff, and leave a
catalog whose fingerprint is the desired one's. A failure prints the seed and the edits that made it, the SQL
to reproduce it as a diff case. Not a timing and not part of the suite: the edits are random by design; a
failure found here becomes a case in tests/diffcases once understood.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import re
import shutil
import signal
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg

from bench.diff_fuzz_kinds import KINDS, MIGRATED, ROLE
from dibs_tui.core.embedded import EmbeddedServer
from dibs_tui.core.sql import qualified, quote_ident, quote_literal
from tests.diffcases.harness import converge_dsns
from tests.pg import execute
from tests.realschemas import load_real

_TABLES = """
SELECT n.nspname AS schema, c.relname AS name, c.relkind::text AS kind
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition
  AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'
  AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.objid = c.oid AND d.deptype = 'e')
ORDER BY 1, 2
"""
_COLUMNS = """
SELECT n.nspname AS schema, c.relname AS table, a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type,
       a.attnotnull AS not_null, a.attidentity <> '' OR a.attgenerated <> '' AS special,
       t.typtype::text AS typtype, t.oid AS type_oid,
       EXISTS (SELECT FROM pg_constraint k WHERE k.conrelid = c.oid AND k.contype IN ('p', 'u', 'f')
               AND a.attnum = ANY (k.conkey)) AS keyed,
       a.atthasdef AS has_default
FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_type t ON t.oid = a.atttypid
WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition AND a.attnum > 0 AND NOT a.attisdropped
  AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'
ORDER BY 1, 2, a.attnum
"""
_NAMED = """
SELECT 'index' AS what, n.nspname AS schema, t.relname AS table, i.relname AS name
FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
JOIN pg_namespace n ON n.oid = i.relnamespace
WHERE NOT EXISTS (SELECT FROM pg_constraint k WHERE k.conindid = x.indexrelid AND k.contype IN ('p', 'u', 'x'))
  AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'
  AND NOT t.relispartition
UNION ALL
SELECT 'constraint_' || k.contype::text, n.nspname, t.relname, k.conname
FROM pg_constraint k JOIN pg_class t ON t.oid = k.conrelid JOIN pg_namespace n ON n.oid = t.relnamespace
WHERE k.contype IN ('c', 'u', 'f') AND k.conislocal AND NOT t.relispartition
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
UNION ALL
SELECT 'view', n.nspname, '', c.relname
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('v', 'm') AND n.nspname NOT IN ('pg_catalog', 'information_schema')
UNION ALL
SELECT 'enum', n.nspname, '', t.typname
FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
WHERE t.typtype = 'e' AND n.nspname NOT IN ('pg_catalog', 'information_schema')
UNION ALL
SELECT 'sequence', n.nspname, '', c.relname
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind = 'S' AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.objid = c.oid AND d.deptype = 'i')
ORDER BY 1, 2, 3, 4
"""


# Added to every base: the kinds a real schema may lack, for the edits that change them (an enum and a domain
# in use, a composite type, a function read by a generated column and a view), with rows.
_LIBRARY = """
CREATE SCHEMA fz_lib;
CREATE TYPE fz_lib.mood AS ENUM ('sad', 'ok', 'happy');
CREATE DOMAIN fz_lib.posint AS integer CHECK (VALUE > 0);
CREATE TYPE fz_lib.pair AS (a integer, b text);
CREATE FUNCTION fz_lib.twice(integer) RETURNS integer LANGUAGE sql IMMUTABLE AS 'SELECT $1 * 2';
CREATE TABLE fz_lib.things (
    id integer PRIMARY KEY, mood fz_lib.mood DEFAULT 'ok', qty fz_lib.posint, p fz_lib.pair,
    doubled integer GENERATED ALWAYS AS (fz_lib.twice(id)) STORED, tags text[]
);
CREATE VIEW fz_lib.thing_view AS SELECT id, mood, fz_lib.twice(qty) AS dq FROM fz_lib.things;
CREATE INDEX things_mood ON fz_lib.things (mood) WHERE mood <> 'sad';
INSERT INTO fz_lib.things (id, mood, qty, p, tags) VALUES (1, 'ok', 3, '(1,x)', '{a}'), (2, 'happy', 4, '(2,y)', '{}');
"""
_LIBRARY_EDITS = (
    [
        "CREATE OR REPLACE FUNCTION fz_lib.twice(integer) RETURNS integer LANGUAGE sql IMMUTABLE AS 'SELECT $1 + $1'"
    ],
    [
        "DROP FUNCTION fz_lib.twice(integer) CASCADE",
        "CREATE FUNCTION fz_lib.twice(integer) RETURNS bigint LANGUAGE sql IMMUTABLE AS 'SELECT $1::bigint * 2'",
    ],
    ["ALTER TYPE fz_lib.mood ADD VALUE 'meh' BEFORE 'ok'"],
    ["ALTER TYPE fz_lib.mood RENAME VALUE 'happy' TO 'glad'"],
    [
        "ALTER TYPE fz_lib.mood RENAME TO mood_old",
        "CREATE TYPE fz_lib.mood AS ENUM ('ok', 'happy')",
        "DROP INDEX fz_lib.things_mood",
        "DROP VIEW fz_lib.thing_view",
        "ALTER TABLE fz_lib.things ALTER COLUMN mood DROP DEFAULT",
        "ALTER TABLE fz_lib.things ALTER COLUMN mood TYPE fz_lib.mood USING mood::text::fz_lib.mood",
        "ALTER TABLE fz_lib.things ALTER COLUMN mood SET DEFAULT 'ok'",
        "DROP TYPE fz_lib.mood_old",
    ],
    ["ALTER DOMAIN fz_lib.posint ADD CONSTRAINT posint_small CHECK (VALUE < 1000000)"],
    ["ALTER DOMAIN fz_lib.posint SET DEFAULT 1"],
    ["ALTER DOMAIN fz_lib.posint DROP CONSTRAINT posint_check"],
    ["ALTER TYPE fz_lib.pair ADD ATTRIBUTE c date"],
    ["ALTER TYPE fz_lib.pair DROP ATTRIBUTE b"],
    ["ALTER TABLE fz_lib.things ALTER COLUMN tags TYPE varchar(20)[]"],
    [
        "DROP VIEW fz_lib.thing_view",
        "ALTER TABLE fz_lib.things ALTER COLUMN qty TYPE integer",
        "CREATE VIEW fz_lib.thing_view AS SELECT id, mood, fz_lib.twice(qty) AS dq FROM fz_lib.things",
    ],
    [
        "CREATE OR REPLACE VIEW fz_lib.thing_view AS SELECT id, mood, fz_lib.twice(qty) AS dq, tags FROM fz_lib.things"
    ],
    ["ALTER TABLE fz_lib.things DROP COLUMN doubled", "ALTER TABLE fz_lib.things ADD COLUMN doubled bigint"],
)
_PARTITIONS = """
SELECT n.nspname AS schema, c.relname AS name,
       ARRAY(SELECT cn.nspname FROM pg_inherits i JOIN pg_class ch ON ch.oid = i.inhrelid
             JOIN pg_namespace cn ON cn.oid = ch.relnamespace WHERE i.inhparent = c.oid ORDER BY ch.relname)::text[]
           AS child_schemas,
       ARRAY(SELECT ch.relname FROM pg_inherits i JOIN pg_class ch ON ch.oid = i.inhrelid
             WHERE i.inhparent = c.oid ORDER BY ch.relname)::text[] AS children
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind = 'p' AND NOT c.relispartition
"""
_FOREIGN_KEYS = """
SELECT n.nspname AS schema, c.relname AS table, rn.nspname AS rschema, r.relname AS rtable,
       ARRAY(SELECT a.attname FROM unnest(k.conkey) WITH ORDINALITY u(n, i)
             JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.n ORDER BY u.i)::text[] AS cols,
       ARRAY(SELECT a.attname FROM unnest(k.confkey) WITH ORDINALITY u(n, i)
             JOIN pg_attribute a ON a.attrelid = k.confrelid AND a.attnum = u.n ORDER BY u.i)::text[] AS refcols
FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_class r ON r.oid = k.confrelid JOIN pg_namespace rn ON rn.oid = r.relnamespace
WHERE k.contype = 'f' AND k.conparentid = 0
"""


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


async def _facts(dsn: str) -> Facts:
    conn = await asyncpg.connect(dsn)
    try:
        facts = Facts()
        facts.tables = [(r["schema"], r["name"]) for r in await conn.fetch(_TABLES)]
        labels: dict[int, tuple[str, ...]] = {}
        for r in await conn.fetch(
            "SELECT enumtypid, array_agg(enumlabel ORDER BY enumsortorder) AS l FROM pg_enum GROUP BY 1"
        ):
            labels[r["enumtypid"]] = tuple(r["l"])
        for r in await conn.fetch(_COLUMNS):
            facts.columns.append(
                Col(
                    r["schema"],
                    r["table"],
                    r["name"],
                    r["type"],
                    r["not_null"],
                    r["special"],
                    r["keyed"],
                    r["has_default"],
                    labels.get(r["type_oid"], ()),
                )
            )
        for r in await conn.fetch(_PARTITIONS):
            facts.partitioned.setdefault((r["schema"], r["name"]), []).extend(
                zip(r["child_schemas"] or [], r["children"] or [], strict=True)
            )
        for r in await conn.fetch(_NAMED):
            facts.named.setdefault(r["what"], []).append((r["schema"], r["table"], r["name"]))
        return facts
    finally:
        await conn.close()


def _value(col: Col, i: int) -> str | None:
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


async def _fill(dsn: str, facts: Facts) -> None:
    """A few rows in every table the fuzzer can fill (foreign keys and triggers not fired); a table it
    cannot (a CHECK, a type it does not know, a partition bound) stays empty."""
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute("SET session_replication_role = replica")
        for key in facts.tables:
            cols = [
                c for c in facts.table_columns(key) if not c.special and not (c.has_default and not c.keyed)
            ]
            for i in range(3):
                values = [_value(c, i) for c in cols]
                if any(v is None and c.not_null for c, v in zip(cols, values, strict=True)):
                    break
                names = ", ".join(quote_ident(c.name) for c in cols)
                listed = ", ".join(v or "NULL" for v in values)
                try:
                    await conn.execute(f"INSERT INTO {qualified(*key)} ({names}) VALUES ({listed})")
                except asyncpg.PostgresError:
                    break
        # The rows were put in without their foreign keys checked: those that name no row are taken out
        # again (a plan that adds a key back must find the rows a real database would hold).
        while sum([int((await conn.execute(q)).split()[-1]) for q in await _orphan_deletes(conn)]):
            pass
    finally:
        await conn.close()


async def _orphan_deletes(conn: asyncpg.Connection) -> list[str]:
    """One DELETE per foreign key of the base schema, of the rows whose key names no referenced row."""
    out = []
    for r in await conn.fetch(_FOREIGN_KEYS):
        pairs = " AND ".join(
            f"p.{quote_ident(b)} = c.{quote_ident(a)}" for a, b in zip(r["cols"], r["refcols"], strict=True)
        )
        present = " AND ".join(f"c.{quote_ident(a)} IS NOT NULL" for a in r["cols"])
        out.append(
            f"DELETE FROM {qualified(r['schema'], r['table'])} c WHERE {present} AND NOT EXISTS "
            f"(SELECT FROM {qualified(r['rschema'], r['rtable'])} p WHERE {pairs})"
        )
    return out


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

    def __init__(self, rng: random.Random, facts: Facts) -> None:
        self.rng = rng
        self.facts = facts
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
        value = _value(c, 5)
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
        return list(self.rng.choice(_LIBRARY_EDITS))

    def migrated(self) -> list[str]:
        """A change real migrations make to the kinds every base is given in fz_mig (bench/diff_fuzz_kinds.py)."""
        return self.rng.choice(KINDS)(self.rng, self.facts.named)

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


def _accepted(edits: list[Edit]) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """The renames the edits made as `--accept-rename` spells them, forward and back (a column by its
    table's live name on each side)."""
    moved = {(e.rename[0], e.rename[1]): e.rename[3:] for e in edits if e.rename and not e.rename[2]}
    forward, back = [], []
    for edit in edits:
        if edit.rename is None:
            continue
        schema, table, column, new_schema, new = edit.rename
        if column:
            forward.append((f"{schema}.{table}.{column}", new))
            back.append((".".join((*moved.get((schema, table), (schema, table)), new)), column))
        else:
            forward.append((f"{schema}.{table}", f"{new_schema}.{new}"))
            back.append((f"{new_schema}.{new}", f"{schema}.{table}"))
    return forward, back


# What the rows refuse, as `generate` says before anything runs, not the diff's fault: a NOT NULL column with
# no default added back where the other side dropped it, a foreign key added back to a table the plan makes
# again empty (the other side dropped it with its rows), an enum made again without a value rows hold (two
# values gone, one of them renamed: compare_types.renamed_value pairs no values by a guess).
_ROWS_REFUSE = re.compile(
    r"plan failed at:\nALTER TABLE [^\n]* ADD COLUMN [^\n]* NOT NULL;\n-> column .* contains null values"
    r"|plan failed at:\nALTER TABLE [^\n]* TYPE [^\n]* USING [^\n]*::text::[^\n]*;\n-> invalid input value for enum "
)
_ORPHANS = re.compile(
    r'FOREIGN KEY [^\n]*\n-> insert or update on table .*\nDETAIL: .* is not present in table "([^"]+)"'
)


def _refused_by_rows(text: str) -> bool:
    if _ROWS_REFUSE.search(text):
        return True
    orphans = _ORPHANS.search(text)
    return orphans is not None and re.search(rf"\nCREATE TABLE \S+\.{orphans[1]} \(", text) is not None


_NOT_NULL_NAME = re.compile(r"not_null_name=(None|'[^']*')")


def _only_inherited_not_null_names(text: str) -> bool:
    """The catalog differs only by NOT NULL names the plan says it keeps: an attached partition's inherited
    NOT NULL, which the server refuses to rename (a parent's column retyped, or a column added to or made NOT
    NULL on the parent, names it as the parent's). Said by the fingerprint, or by the model's columns."""
    if "'columns', [" in text.split("\n", 1)[0]:
        after, _, desired = _NOT_NULL_NAME.sub("", text.split("\n", 1)[0]).partition("], [")
        return after.split("'columns', [", 1)[1] == desired.removesuffix("])")
    head = "the catalog after the plan differs from the desired one (fingerprint"
    if head not in text:
        return False
    lines = text.split(head, 1)[1].split("\n\nplan:", 1)[0].splitlines()[1:]
    return bool(lines) and all("(not null)" in line for line in lines if line.strip())


async def _apply_edits(dsn: str, edits: list[Edit]) -> list[Edit]:
    """Each edit in its own transaction; those the server refuses are left out (with their reason unused)."""
    conn = await asyncpg.connect(dsn)
    applied = []
    try:
        for edit in edits:
            if not edit.statements:
                continue
            try:
                async with conn.transaction():
                    for statement in edit.statements:
                        await conn.execute(statement)
                applied.append(edit)
            except asyncpg.PostgresError:
                continue
    finally:
        await conn.close()
    return applied


@dataclass
class Result:
    base: str
    seed: int
    edits: list[Edit]
    renames: list[tuple[str, str]]
    failures: list[tuple[str, str]]
    expected: list[str]


def _run_seed(server: EmbeddedServer, base: str, facts: Facts, seed: int, count: int) -> Result:
    rng = random.Random(f"{base}:{seed}")
    editor = Editor(rng, facts)
    wanted = [editor.edit() for _ in range(count)]
    made: list[str] = []

    def copy(of: str) -> str:
        name = f"fz_{base}_{seed}_{len(made)}"
        asyncio.run(execute(server.dsn(), f'CREATE DATABASE "{name}" TEMPLATE "{of}"'))
        made.append(name)
        return name

    try:
        edited = copy(f"fz_{base}")
        applied = asyncio.run(_apply_edits(server.dsn(edited), wanted))
        forward, back = _accepted(applied)
        failures, expected = [], []
        for direction, a, b, renames in (
            ("forward", f"fz_{base}", edited, forward),
            ("back", edited, f"fz_{base}", back),
        ):
            # With the rows first; where they refuse the plan (as generate says), again on emptied tables, so
            # the order and the catalog are still checked.
            for rows in (True, False):
                live, desired = copy(a), copy(b)
                if not rows:
                    asyncio.run(_empty(server.dsn(live)))
                try:
                    converge_dsns(
                        server.dsn(live), server.dsn(desired), count_rows=rows, accepted_renames=renames
                    )
                except Exception as exc:  # an assertion, a driver error or a crash: all reported
                    text = str(exc) if isinstance(exc, AssertionError) else traceback.format_exc()
                    if rows and _refused_by_rows(text):
                        expected.append(
                            direction + ": refused by the rows as generate says, tried on emptied tables"
                        )
                        continue
                    if _only_inherited_not_null_names(text):
                        expected.append(direction + ": a partition's NOT NULL keeps its parent's name")
                        break
                    failures.append((direction + ("" if rows else " (tables emptied)"), text))
                break
        return Result(base, seed, applied, forward, failures, expected)
    finally:
        asyncio.run(execute(server.dsn(), *(f'DROP DATABASE IF EXISTS "{n}" WITH (FORCE)' for n in made)))


async def _empty(dsn: str) -> None:
    """Every table's rows gone (a plan the rows refuse is then checked for its order and catalog alone)."""
    conn = await asyncpg.connect(dsn)
    try:
        tables = await conn.fetch(
            "SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition "
            "AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'"
        )
        if tables:
            await conn.execute("TRUNCATE " + ", ".join(qualified(r[0], r[1]) for r in tables) + " CASCADE")
    finally:
        await conn.close()


def _seeds(text: str) -> list[int]:
    out: list[int] = []
    for part in text.split(","):
        lo, _, hi = part.partition("-")
        out.extend(range(int(lo), int(hi or lo) + 1))
    return out


def _interrupted(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bases", nargs="+", default=["pagila", "chinook"], help="real fixtures to edit")
    parser.add_argument("--seeds", default="0-19", help="seeds, e.g. 0-49 or 3,7,11")
    parser.add_argument("--edits", type=int, default=8, help="edits tried per seed")
    parser.add_argument("--lines", type=int, default=40, help="lines of each failure printed")
    args = parser.parse_args()
    # ended by SIGTERM (a timeout, kill) it unwinds as Ctrl-C does, so its server below is stopped
    signal.signal(signal.SIGTERM, _interrupted)
    root = Path(tempfile.mkdtemp(prefix="dibs-fuzz-"))
    server = EmbeddedServer(root / "server").start()
    asyncio.run(execute(server.dsn(), f"CREATE ROLE {ROLE}"))
    failed = 0
    runs = 0
    try:
        for base in args.bases:
            asyncio.run(execute(server.dsn(), f'CREATE DATABASE "fz_{base}" TEMPLATE template0'))
            load_real(server.dsn(f"fz_{base}"), base)
            asyncio.run(execute(server.dsn(f"fz_{base}"), _LIBRARY, MIGRATED))
            facts = asyncio.run(_facts(server.dsn(f"fz_{base}")))
            asyncio.run(_fill(server.dsn(f"fz_{base}"), facts))
            for seed in _seeds(args.seeds):
                started = time.monotonic()
                result = _run_seed(server, base, facts, seed, args.edits)
                runs += 1
                took = time.monotonic() - started
                word = "ok" if not result.failures else "FAIL " + ", ".join(d for d, _ in result.failures)
                if result.expected:
                    word += f" (known: {'; '.join(result.expected)})"
                print(f"{base} seed {seed}: {len(result.edits)} edits, {took:.1f} s: {word}", flush=True)
                if result.failures:
                    failed += 1
                    print("  edits:")
                    for edit in result.edits:
                        print("    " + ";\n    ".join(edit.statements) + ";")
                    if result.renames:
                        print("  accepted renames: " + " ".join(f"{o}={n}" for o, n in result.renames))
                    for direction, text in result.failures:
                        lines = text.splitlines()
                        print(f"  {direction}:")
                        print("    " + "\n    ".join(lines[: args.lines]))
                        if len(lines) > args.lines:
                            print(f"    ... ({len(lines) - args.lines} more lines)")
                    sys.stdout.flush()
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)
    print(f"\n{runs - failed} of {runs} seeds converged both ways")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
