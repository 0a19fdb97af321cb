"""The live schema rebuilt in the sandbox for a trace: the plan from an empty database to the catalog model
(`core.diff.whole_schema.sandbox_clone_sql`), run as the sandbox's role.

Only the part a migration can reach is cloned (loading every table of a large schema costs far more than the
migration's trace): the relations its statements name (any name in their parse trees; a table is named, too,
by its owned sequence's name, a type one of its columns has or the type it is typed by), their partitions,
parents and children, the tables their foreign keys reference and those that reference them, and the views
over them with what those read. Types, sequences, functions, extensions and schemas are all kept (cheap, and
a migration may use any), but for the sequences owned by a table left out. A foreign key to a table left out
is left out of the clone, and so is a rule or statistics object on (or reading) one.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import Any

import asyncpg

from ..connect import ConnectionTarget, connect
from ..introspect.queries_filters import IS_META_TABLE, not_extension_member, schema_filter
from ..meta import meta_tables_ddl
from ..meta_tables import find_tables
from ..model import Catalog, ConstraintKind, QualifiedName, Relation
from ..session_limits import current_limits
from ..shadow import LocatedStatement
from ..sql import qualified, quote_ident
from ..sqlparse import statement_info

_LONGEST_NAME = (
    63  # NAMEDATALEN - 1 bytes: a longer string names no relation (a data migration's text values)
)


def _strings(node: Any, out: set[str]) -> None:
    if isinstance(node, str):
        if len(node) <= _LONGEST_NAME:
            out.add(node)
    elif isinstance(node, dict):
        for value in node.values():
            _strings(value, out)
    elif isinstance(node, list):
        for value in node:
            _strings(value, out)


def named_in(statements: Iterable[str]) -> set[str]:
    """Every string of the statements' parse trees short enough to be a name: the names they use, among
    other words."""
    out: set[str] = set()
    for sql in statements:
        info = statement_info(sql)
        if info is not None:
            _strings(info.node, out)
    return out


# The relations of the catalog read (introspect.queries.RELATIONS_SQL's filters, every schema) whose name is one
# of $3: each of them is in the part a trace clones (`_reach` starts from them).
_NAMED_RELATIONS_SQL = f"""
SELECT count(*) FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relname = ANY($3::text[]) AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
  AND {schema_filter("n")} AND {not_extension_member("pg_class", "c.oid")}
  AND NOT {IS_META_TABLE.format(rel="c")}
"""


async def named_relations(conn: asyncpg.Connection, statements: Sequence[str]) -> int:
    """How many live relations the statements name: at least as many as `reachable_part` holds, counted from
    pg_class's name index where reading the whole catalog first takes seconds at 100,000 tables."""
    names = sorted(named_in(statements))
    return int(await conn.fetchval(_NAMED_RELATIONS_SQL, [], [], names) or 0) if names else 0


def _reach(catalog: Catalog, names: set[str]) -> set[QualifiedName]:
    """The relations named (or owning an index, constraint or sequence named, or with a column of a type
    named: a DROP TYPE ... CASCADE drops it, under the table's lock; or typed by a type named: its ALTER TYPE
    ... CASCADE alters the table), closed over partitions,
    inheritance, views and what views read; foreign keys one step either way from the named tables."""
    relations = catalog.relations_by_key
    # A serial's or identity's sequence is cloned only with its table: ALTER SEQUENCE orders_id_seq ... was
    # traced as failing on a relation that does not exist
    owners = {
        (s.owned_by.schema, s.owned_by.table) for s in catalog.sequences if s.name in names and s.owned_by
    }
    keep = {
        r.key
        for r in catalog.relations
        if r.name in names
        or r.key in owners
        or any(c.type_key is not None and c.type_key[1] in names for c in r.columns)  # DROP TYPE ... CASCADE
        or (
            r.of_type is not None and r.of_type[1] in names
        )  # a typed table: ALTER TYPE ... CASCADE reaches it
        or any(i.name in names for i in r.indexes)
        or any(c.name in names for c in r.constraints)
    }
    named = set(keep)
    for rel in catalog.relations:
        for con in rel.constraints:
            target = (
                (con.foreign_key.target_schema, con.foreign_key.target_table) if con.foreign_key else None
            )
            if target is not None and rel.key in named:
                keep.add(target)
            elif target in named:
                keep.add(rel.key)
    reads: dict[QualifiedName, set[QualifiedName]] = {}
    for dep in catalog.dependencies:
        if dep.dependent.kind == "table" and dep.referenced.kind in ("table", "column"):
            reads.setdefault((dep.dependent.schema, dep.dependent.name), set()).add(
                (dep.referenced.schema, dep.referenced.name)
            )
    grown = True
    while grown:
        before = len(keep)
        for rel in catalog.relations:
            family = {rel.partition_of, *rel.inherits} - {None}
            if rel.key in keep:
                keep |= {k for k in family if k is not None}
                keep |= reads.get(rel.key, set())
            elif family & keep or (not rel.kind.is_table and reads.get(rel.key, set()) & keep):
                keep.add(rel.key)
        grown = len(keep) > before
    return {k for k in keep if k in relations}


def _without_foreign_keys_out(rel: Relation, keep: set[QualifiedName]) -> Relation:
    kept = tuple(
        c
        for c in rel.constraints
        if c.kind is not ConstraintKind.FOREIGN_KEY
        or c.foreign_key is None
        or (c.foreign_key.target_schema, c.foreign_key.target_table) in keep
    )
    return rel if len(kept) == len(rel.constraints) else replace(rel, constraints=kept)


def _tables_of_functions(catalog: Catalog) -> dict[tuple[str, str, str], set[QualifiedName]]:
    """The tables each function's arguments or result name (a row type stands for its table in pg_depend)."""
    uses: dict[tuple[str, str, str], set[QualifiedName]] = {}
    for dep in catalog.dependencies:
        if dep.dependent.kind == "function" and dep.referenced.kind in ("table", "column"):
            function = (dep.dependent.schema, dep.dependent.name, dep.dependent.sub)
            uses.setdefault(function, set()).add((dep.referenced.schema, dep.referenced.name))
    return uses


def reachable_part(catalog: Catalog, statements: Sequence[str]) -> Catalog:
    """The part of `catalog` a trace of `statements` clones: the relations they reach (`_reach`), and the
    functions, but for those whose arguments or result are a table left out: they could not be created there
    (the clone said so in a note about a function the migration never named, e.g. pagila's rewards_report
    returning SETOF customer). A function the migration names brings its tables into the clone."""
    names = named_in(statements)
    keep = _reach(catalog, names)
    uses = _tables_of_functions(catalog)
    called = {table for (_, name, _), tables in uses.items() if name in names for table in tables} - keep
    if called:
        keep = _reach(catalog, names | {table for _, table in called})
    functions = tuple(
        f for f in catalog.functions if uses.get((f.schema, f.name, f.identity_arguments), set()) <= keep
    )
    relations = tuple(_without_foreign_keys_out(r, keep) for r in catalog.relations if r.key in keep)
    # A sequence owned by a table left out goes with it (its OWNED BY would name a missing table), unless a
    # kept table's default takes its nextval() (a shared serial): then it stays, owned by none
    used = {
        (d.referenced.schema, d.referenced.name)
        for d in catalog.dependencies
        if d.referenced.kind == "sequence" and (d.dependent.schema, d.dependent.name) in keep
    }
    sequences = tuple(
        s
        if s.owned_by is None or (s.owned_by.schema, s.owned_by.table) in keep
        else replace(s, owned_by=None)
        for s in catalog.sequences
        if s.owned_by is None or (s.owned_by.schema, s.owned_by.table) in keep or s.key in used
    )
    # A rule or statistics object goes with the tables it is on and reads
    objects = tuple(
        o
        for o in catalog.objects
        if all((r[1], r[2]) in keep for r in o.references if r[0] in ("table", "column"))
    )
    return replace(catalog, relations=relations, sequences=sequences, objects=objects, functions=functions)


async def load_clone(conn: asyncpg.Connection, statements: Sequence[LocatedStatement]) -> list[str]:
    """Run the clone's DDL: in one go when it replays cleanly, else statement by statement, keeping what loads.
    Returns a note on what did not load (what those statements create is missing from the trace)."""
    # Function bodies are checked when they run, not when created (as pg_dump loads them): a body that reads
    # a table left out of the clone still loads.
    await conn.execute("SET check_function_bodies = off")
    try:
        return await _load(conn, statements)
    finally:
        await conn.execute("RESET check_function_bodies")  # the migration's own functions are checked


async def _load(conn: asyncpg.Connection, statements: Sequence[LocatedStatement]) -> list[str]:
    try:
        await conn.execute(";\n".join(s.text for s in statements))
        return []
    except asyncpg.PostgresError:
        pass  # one script is one implicit transaction: nothing of it stayed
    failed: list[tuple[LocatedStatement, str]] = []
    for stmt in statements:
        try:
            await conn.execute(stmt.text)
        except asyncpg.PostgresError as exc:
            failed.append((stmt, (getattr(exc, "message", None) or str(exc)).splitlines()[0]))
    if not failed:
        return []
    first, message = failed[0]
    return [
        f"{len(failed)} statement{'s' if len(failed) != 1 else ''} of the live schema did not load into the "
        f"clone (the first: {first.text.strip().splitlines()[0][:80]} … {message}): what they create is not traced"
    ]


async def load_meta_tables(target: ConnectionTarget, clone: asyncpg.Connection, names: set[str]) -> None:
    """The __dibs_* meta tables, which the model leaves out, made in the clone as dibs documents them, with the
    live `__dibs_tables` rows of the tables the migration names (`names`): generate's updates of a table's
    columns and indexes reference that row (a foreign key), and run in the clone as they will live. The live
    table is found through the catalog in the meta schema; one this role may not read copies no row."""
    schema = current_limits().meta_schema  # where generate writes its updates, qualified
    try:
        await clone.execute(f"CREATE SCHEMA IF NOT EXISTS {quote_ident(schema)}; {meta_tables_ddl(schema)}")
    except asyncpg.PostgresError:
        return  # the updates are then traced as failing, as before
    live = await connect(target)
    try:
        found, _ = await find_tables(live, ["__dibs_tables"], schema)
        table = found.get("__dibs_tables")
        if table is None:
            return
        rows = await live.fetch(
            f"SELECT table_name, source_file, source_line FROM {qualified(table.schema, table.name)} "
            "WHERE table_name = ANY($1::text[])",
            sorted(names),
        )
    except asyncpg.PostgresError:
        return
    finally:
        await live.close()
    await clone.executemany(
        f"INSERT INTO {qualified(schema, '__dibs_tables')} (table_name, source_file, source_line) "
        "VALUES ($1, $2, $3)",
        [tuple(r) for r in rows],
    )
