"""Random edits to a real schema with rows, planned both ways: where the diff does not converge.

    .venv/bin/python -m bench.diff_fuzz [--bases pagila chinook] [--seeds 0-49] [--edits 8] [--objects-only]

Each seed copies a real schema (tests/fixtures/real) that holds a few rows in every table it can fill, makes
random edits to the copy the way a developer would (columns added, dropped, retyped, renamed, made NOT NULL,
given defaults; indexes, checks, foreign keys, tables, views, enums, comments, triggers, policies, storage
parameters: bench/diff_fuzz_edits.py; what real migrations do to kinds real schemas seldom hold together:
bench/diff_fuzz_kinds.py), each in its own transaction so one the rows refuse is simply left out, and then plans the original
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
from dataclasses import dataclass
from pathlib import Path

import asyncpg

from bench.diff_fuzz_edits import Col, Edit, Editor, Facts, value_for
from bench.diff_fuzz_kinds import LIBRARY, MIGRATED, ROLE
from bench.diff_fuzz_objects import OBJECTS
from dibs_tui.core.embedded import EmbeddedServer
from dibs_tui.core.sql import qualified, quote_ident
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
                values = [value_for(c, i) for c in cols]
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


def _accepted(edits: list[Edit]) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """The renames the edits made as `--accept-rename` spells them, forward and back (a column by its
    table's live name on each side)."""
    moved = {(e.rename[0], e.rename[1]): e.rename[3:] for e in edits if e.rename and not e.rename[2]}
    forward, back = [], []
    for at, edit in enumerate(edits):
        if edit.rename is None:
            continue
        schema, table, column, new_schema, new = edit.rename
        if column and _dropped_later(edits[at + 1 :], schema, table):
            continue  # the table made again (or gone): the renamed column is not the desired one
        if column:
            forward.append((f"{schema}.{table}.{column}", new))
            back.append((".".join((*moved.get((schema, table), (schema, table)), new)), column))
        else:
            forward.append((f"{schema}.{table}", f"{new_schema}.{new}"))
            back.append((f"{new_schema}.{new}", f"{schema}.{table}"))
    return forward, back


def _dropped_later(edits: list[Edit], schema: str, table: str) -> bool:
    drop = re.compile(rf"DROP TABLE (IF EXISTS )?{re.escape(qualified(schema, table))}( |$)")
    return any(drop.match(statement) for edit in edits for statement in edit.statements)


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


# The model's first difference: a replica identity USING INDEX of an index dropped since, which no statement
# makes (core/diff/compare_table_options.py says it, not planned).
_ORPHANED_REPLICA_INDEX = re.compile(r"\(\('[^']*', '[^']*'\), 'replica_identity', '[dfn]', 'i'\)")
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


def _run_seed(
    server: EmbeddedServer, base: str, facts: Facts, seed: int, count: int, objects_only: bool = False
) -> Result:
    rng = random.Random(f"{base}:{seed}{':objects' if objects_only else ''}")
    editor = Editor(rng, facts, objects_only=objects_only)
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
                    if _ORPHANED_REPLICA_INDEX.match(text):
                        expected.append(
                            direction + ": a replica identity whose index is gone, said not planned"
                        )
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
    parser.add_argument(
        "--objects-only", action="store_true", help="only the fz_obj kinds (bench/diff_fuzz_objects.py)"
    )
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
            asyncio.run(execute(server.dsn(f"fz_{base}"), LIBRARY, MIGRATED, OBJECTS))
            facts = asyncio.run(_facts(server.dsn(f"fz_{base}")))
            asyncio.run(_fill(server.dsn(f"fz_{base}"), facts))
            for seed in _seeds(args.seeds):
                started = time.monotonic()
                result = _run_seed(server, base, facts, seed, args.edits, args.objects_only)
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
