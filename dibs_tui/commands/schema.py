"""`dibs-tui schema`: print the live schema as \\d-like text, as DDL, or as the whole model in JSON.

Start-up time counts (the benchmark compares this command with pg_dump), so nothing heavy is imported at
module level: no Textual, and Pygments only when stdout is a terminal.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, TextIO

from ..config import Settings
from ..core.gc_pause import collector_paused
from ..core.sql import quote_ident
from ..core.sqlescape import escape_sql
from ..core.terminal import colour_wanted, raw_stream, safe, safe_output
from .catalog_read import load
from .common import exit_now, run_async, sqlite_path
from .schema_output import StreamedJson, highlight_sql

if TYPE_CHECKING:
    from ..core.model import Catalog, Column, Constraint, Index, Relation


def run(args: argparse.Namespace, settings: Settings) -> int:
    sqlite = sqlite_path(args, settings)
    if sqlite is not None:
        from .sqlite_schema import run_sqlite

        return run_sqlite(args, sqlite)
    fmt = args.format or "plain"
    out = sys.stdout
    # One large acyclic tree: built with the cyclic GC paused, frozen once built (core/gc_pause.py). The
    # output is written while the sessions close (catalog_read.load's `then`), JSON's head before that.
    with collector_paused(keep_what_was_built=True):
        if fmt == "json":
            out.flush()
            # Bytes: no copy through the text layer; flushed before a forked writer takes the head.
            document = StreamedJson(out.buffer.write, out.buffer.flush)
            try:
                catalog, _ = run_async(
                    load(
                        args,
                        settings,
                        early=document.head,
                        early_wrote=lambda: document.head_written,
                        then=document.rest,
                        least_portion=_LEAST_PORTION,
                        preimport=("orjson",),
                    )
                )
            finally:
                document.wait()
            out.buffer.write(b"\n")
        else:
            catalog, _ = run_async(
                load(
                    args,
                    settings,
                    then=lambda catalog: _write(catalog, fmt, out),
                    least_portion=_LEAST_PORTION,
                )
            )
    if fmt != "plain":  # the text carries them; DDL and JSON stay what they are
        for note in catalog.meta.notes:
            print(f"dibs-tui: note: {note}", file=sys.stderr)
    out.flush()
    return exit_now(0)


# The smallest portion of relations `schema` reads a small catalog in: at 1,000 tables four portions of 250,
# whose records are let go as they are built, instead of the whole catalog's at once (peak RSS 45 -> 41 MiB,
# pg_dump's about 29; the time unchanged, 8 alternated pairs). From 4,000 relations the read's own portions
# of 1,000 are as many, the same read as the browser's and the diff's.
_LEAST_PORTION = 250


def _write(catalog: Catalog, fmt: str, out: TextIO) -> None:
    if fmt == "sql":
        from ..core.diff.whole_schema import whole_schema_sql

        text = escape_sql(whole_schema_sql(catalog))  # constants from the server may hold raw controls
        if colour_wanted(out):  # our colours pass; anything raw in the DDL was escaped before them
            raw_stream(out).write(highlight_sql(safe_output(text)))
        else:
            out.write(text)
    else:
        out.write(plain_text(catalog))


# --- \d-like text -----------------------------------------------------------------------------------------


def plain_text(catalog: Catalog) -> str:
    """A human reading of the catalog, close to psql's \\d output, relation by relation."""
    # Every name is the database's data: escaped whole, a newline in one would forge a line of its own.
    parts: list[str] = [safe(f"Database {catalog.database} (PostgreSQL {catalog.server_version})") + "\n"]
    if catalog.extensions:
        parts.append(
            safe("Extensions: " + ", ".join(f"{e.name} {e.version}" for e in catalog.extensions)) + "\n"
        )
    for enum in catalog.enums:
        parts.append(safe(f'Enum "{enum.schema}.{enum.name}": {", ".join(enum.labels)}') + "\n")
    for domain in catalog.domains:
        extra = "".join(f" {c.definition}" for c in domain.checks)
        parts.append(
            safe(
                f'Domain "{domain.schema}.{domain.name}": {domain.base_type}'
                f"{' not null' if domain.not_null else ''}{extra}"
            )
            + "\n"
        )
    parts.extend(_type_lines(catalog))
    for relation in catalog.relations:
        parts.append("\n")
        parts.append(_relation_text(relation, catalog))
    if catalog.functions:
        parts.append("\nFunctions:\n")
        for fn in catalog.functions:
            result = f" -> {fn.result}" if fn.result else ""
            parts.append(safe(f"    {fn.schema}.{fn.signature}{result} [{fn.language}]") + "\n")
    meta = catalog.meta
    if meta.stale:
        parts.append("\nStale meta rows (no live object):\n")
        for stale in meta.stale:
            where = safe(stale.table if stale.kind == "table" else f"{stale.table}.{stale.name}")
            parts.append(f"    {stale.kind} {where}\n")
    if meta.untracked:
        parts.append("\nUntracked objects (no meta row):\n")
        parts.extend(f"    {safe(str(u))}\n" for u in meta.untracked)
    if meta.notes:
        parts.append("\nMeta tables: provenance left out\n")
        parts.extend(f"    {n}\n" for n in meta.notes)
    return "".join(parts)


# By RelationKind (a StrEnum: its members are these strings), spelled out so that `schema` connects before the
# model is imported (commands/catalog_read.py).
_TITLES = {
    "table": "Table",
    "partitioned table": "Partitioned table",
    "view": "View",
    "materialized view": "Materialized view",
    "foreign table": "Foreign table",
}


def _type_lines(catalog: Catalog) -> list[str]:
    """Composite and range types and collations, one escaped line each."""
    lines = [
        safe(
            f'Composite type "{c.schema}.{c.name}": ' + ", ".join(f"{a.name} {a.type}" for a in c.attributes)
        )
        for c in catalog.composites
    ]
    lines += [safe(f'Range type "{r.schema}.{r.name}": {r.subtype}') for r in catalog.ranges]
    lines += [
        safe(f'Collation "{c.schema}.{c.name}": {c.provider} {c.locale or c.lc_collate or ""}')
        for c in catalog.collations
    ]
    return [line + "\n" for line in lines]


def _relation_text(rel: Relation, catalog: Catalog) -> str:
    # A name, a type or a default holding a newline would forge lines: one-line fields are escaped whole.
    lines = [f'{_TITLES[rel.kind]} "{safe(rel.schema)}.{safe(rel.name)}"']
    if rel.doc:
        lines.append(f"  {rel.doc.splitlines()[0] if rel.doc.strip() else ''}")
    if rel.provenance and rel.provenance.source:
        lines.append(f"  source: {rel.provenance.source}")
    rows = [(safe(c.name), safe(c.type), safe(_column_note(c))) for c in rel.columns]
    name_w = max([len("Column"), *(len(r[0]) for r in rows)])
    type_w = max([len("Type"), *(len(r[1]) for r in rows)])
    lines.append(f" {'Column':<{name_w}} | {'Type':<{type_w}} | Modifiers")
    lines.append(f"-{'-' * name_w}-+-{'-' * type_w}-+-{'-' * 10}")
    lines.extend(f" {n:<{name_w}} | {t:<{type_w}} | {note}".rstrip() for n, t, note in rows)
    if rel.partition_key:
        lines.append(f"Partition key: {rel.partition_key}")
    if rel.partition_of:
        lines.append(f"Partition of: {rel.partition_of[0]}.{rel.partition_of[1]} {rel.partition_bound or ''}")
    if rel.inherits:
        lines.append("Inherits: " + ", ".join(f"{s}.{n}" for s, n in rel.inherits))
    if rel.of_type:  # as psql's \d says it
        lines.append(safe(f"Typed table of type: {rel.of_type[0]}.{rel.of_type[1]}"))
    if rel.access_method:
        lines.append(safe(f"Access method: {rel.access_method}"))
    replica = {"f": "FULL", "n": "NOTHING", "i": f'USING INDEX "{rel.replica_index}"'}.get(
        rel.replica_identity
    )
    if replica:
        lines.append(safe(f"Replica Identity: {replica}"))
    if rel.indexes:
        lines.append("Indexes:")
        temporal = {c.index_name: c for c in rel.constraints if c.index_name and c.temporal}
        lines.extend(safe(f'    "{i.name}" {_index_note(i, temporal.get(i.name))}') for i in rel.indexes)
    from ..core.model import ConstraintKind

    for title, kinds in (
        ("Check constraints:", (ConstraintKind.CHECK,)),
        ("Foreign-key constraints:", (ConstraintKind.FOREIGN_KEY,)),
        ("Exclusion constraints:", (ConstraintKind.EXCLUSION,)),
    ):
        cons = [c for c in rel.constraints if c.kind in kinds]
        if cons:
            lines.append(title)
            lines.extend(safe(f'    "{c.name}" {_constraint_note(c)}') for c in cons)
    incoming = catalog.referenced_by.get(rel.key, ())
    if incoming:  # as psql's \d says them, after the keys going out
        lines.append("Referenced by:")
        lines.extend(
            safe(f'    TABLE "{r.schema}.{r.name}" CONSTRAINT "{c.name}" {_constraint_note(c)}')
            for r, c in incoming
        )
    if rel.triggers:
        lines.append("Triggers:")
        lines.extend(safe(f"    {t.definition}") for t in rel.triggers)
    lines += _policy_lines(rel)
    if rel.view_definition:
        lines.append("View definition:")
        lines.extend(f"  {line}" for line in rel.view_definition.strip().splitlines())
    # Each line escaped whole (escaping is idempotent): a parent's, a source's or any other name holding a
    # newline stays on its line.
    return "\n".join(safe(line) for line in lines) + "\n"


def _policy_lines(rel: Relation) -> list[str]:
    """The policies under a heading in psql's words: whether they apply, and row security on with none."""
    if not (rel.policies or rel.rls_enabled):
        return []
    state = "forced row security enabled" if rel.rls_forced else "row security enabled"
    if not rel.rls_enabled:
        state = "row security disabled"
    if not rel.policies:
        return [f"Policies ({state}): (none)"]
    title = "Policies:" if rel.rls_enabled and not rel.rls_forced else f"Policies ({state}):"
    return [title, *(safe(f'    "{p.name}" {p.command}') for p in rel.policies)]


def _column_note(c: Column) -> str:
    notes: list[str] = []
    if c.collation:
        notes.append(f"collate {c.collation}")
    if c.not_null:  # its constraint's name where the server would not pick it (PostgreSQL 18)
        named = f"constraint {quote_ident(c.not_null_name)} " if c.not_null_name is not None else ""
        inherit = " no inherit" if c.not_null_no_inherit else ""
        notes.append(f"{named}not null{inherit}{' not valid' if c.not_null_not_valid else ''}")
    if c.identity:
        notes.append(f"generated {c.identity} as identity")
    elif c.generated:
        notes.append(f"generated always as ({c.generation_expression}) {c.generated}")
    elif c.default is not None:
        notes.append(f"default {c.default}")
    return " ".join(notes)


def _index_note(i: Index, temporal: Constraint | None) -> str:
    """As psql's \\d: a key WITHOUT OVERLAPS (PostgreSQL 18) by its definition, which says so; a GiST index over
    its columns would read as a plain one."""
    if temporal is not None:
        return f"{temporal.definition}{'' if i.valid else ' INVALID'}"
    kind = "PRIMARY KEY, " if i.primary else ("UNIQUE, " if i.unique else "")
    using = i.definition.split(" USING ", 1)[1] if " USING " in i.definition else i.definition
    return f"{kind}{using}{'' if i.valid else ' INVALID'}"


def _constraint_note(c: Constraint) -> str:
    """A NOT ENFORCED constraint (PostgreSQL 18) is never validated: psql's \\d does not say NOT VALID of it."""
    said = c.validated or not c.enforced or "NOT VALID" in c.definition
    return c.definition + ("" if said else " NOT VALID")


__all__ = ["plain_text", "run"]
