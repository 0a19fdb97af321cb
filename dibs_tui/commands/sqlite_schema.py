"""`dibs-tui schema FILE.db`: a SQLite file as text, as its stored DDL, or as the model in JSON.

Every name and statement comes from the file, so the output is made printable before it is written:
control characters (an escape sequence hidden in a table name or a stored CREATE) become visible escapes.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..core.errors import DibsError
from ..core.model import Catalog, Column, ConstraintKind, Index, Relation, RelationKind
from ..core.sqlite_catalog import read_sqlite_catalog
from ..core.sqlite_text import trigger_header, virtual_module
from ..core.terminal import colour_wanted, raw_stream, safe, safe_output
from .common import exit_now
from .schema_output import highlight_sql, write_json


def name(text: str) -> str:
    """A name on one line: newlines and tabs become escapes too."""
    return safe(text)


def run_sqlite(args: argparse.Namespace, path: Path) -> int:
    include, exclude = getattr(args, "schemas", None) or (), getattr(args, "exclude_schemas", None) or ()
    if (include and "main" not in include) or "main" in exclude:
        raise DibsError(f"a SQLite file has one schema, main: the --schema filters leave nothing of {path}")
    catalog = read_sqlite_catalog(path)
    fmt = getattr(args, "format", None) or "plain"
    out = sys.stdout
    if fmt == "json":
        # JSON escapes C0 controls itself; C1 controls and bidi overrides are written as \u escapes.
        out.flush()
        write_json(catalog, out.buffer.write)
        out.buffer.write(b"\n")
    elif fmt == "sql":
        from ..core.sqlite_ddl import sqlite_catalog_ddl

        text = safe_output(sqlite_catalog_ddl(catalog))
        if colour_wanted(out):
            raw_stream(out).write(
                highlight_sql(text)
            )  # escaped first: the only escapes are Pygments' colours
        else:
            out.write(text)
    else:
        out.write(safe_output(plain_text(catalog)))
    out.flush()
    return exit_now(0)


def plain_text(catalog: Catalog) -> str:
    """Relation by relation, like `schema --plain` on PostgreSQL, with SQLite's own notions."""
    parts = [f"SQLite database {name(catalog.database)} ({catalog.server_version})\n"]
    history = catalog.meta
    for source in history.tables_present:
        rows = [m for m in history.migrations if m.source == source]
        shown = ", ".join(name(m.name) for m in rows[-10:])
        more = f" (last 10 of {len(rows)})" if len(rows) > 10 else ""
        parts.append(f"History ({name(source)}): {shown or 'no rows'}{more}\n")
    shadows: dict[tuple[str, str], list[str]] = {}
    for relation in catalog.relations:
        if relation.part_of is not None:
            shadows.setdefault(relation.part_of, []).append(relation.name)
    for relation in catalog.relations:
        parts.append("\n")
        parts.append(_relation_text(catalog, relation, shadows.get(relation.key, [])))
    return "".join(parts)


_TITLES = {RelationKind.TABLE: "Table", RelationKind.VIEW: "View", RelationKind.VIRTUAL: "Virtual table"}


def _relation_text(catalog: Catalog, rel: Relation, shadows: list[str]) -> str:
    title = f'{_TITLES.get(rel.kind, str(rel.kind).capitalize())} "{name(rel.name)}"'
    if rel.part_of is not None:
        title += f" (shadow table of {name(rel.part_of[1])})"
    if rel.options:
        title += " " + ", ".join(rel.options)
    lines = [title]
    if rel.kind is RelationKind.VIRTUAL and rel.definition:
        module, arguments = virtual_module(rel.definition)
        lines.append(f"  USING {name(module)}({name(', '.join(arguments))})")
    if rel.columns:
        rows = [(name(c.name), name(c.type), _column_note(c)) for c in rel.columns]
        name_w = max([len("Column"), *(len(r[0]) for r in rows)])
        type_w = max([len("Type"), *(len(r[1]) for r in rows)])
        lines.append(f" {'Column':<{name_w}} | {'Type':<{type_w}} | Modifiers")
        lines.append(f"-{'-' * name_w}-+-{'-' * type_w}-+-{'-' * 10}")
        lines.extend(f" {n:<{name_w}} | {t:<{type_w}} | {note}".rstrip() for n, t, note in rows)
    pk = rel.primary_key
    if pk is not None:
        lines.append(f"Primary key: ({name(', '.join(pk.columns))})")
    if rel.indexes:
        lines.append("Indexes:")
        lines.extend(f'    "{name(i.name)}" {_index_note(i)}' for i in rel.indexes)
    for heading, kind in (
        ("Check constraints:", ConstraintKind.CHECK),
        ("Foreign-key constraints:", ConstraintKind.FOREIGN_KEY),
    ):
        cons = [c for c in rel.constraints if c.kind is kind]
        if cons:
            lines.append(heading)
            lines.extend(f'    "{name(c.name)}" {name(c.definition)}' for c in cons)
    incoming = catalog.referenced_by.get(rel.key, ())
    if incoming:
        lines.append("Referenced by:")
        lines.extend(f'    "{name(src.name)}" ({name(", ".join(con.columns))})' for src, con in incoming)
    if shadows:
        lines.append("Shadow tables: " + ", ".join(name(s) for s in shadows))
    if rel.triggers:
        lines.append("Triggers:")
        lines.extend(f"    {name(trigger_header(t.definition))}" for t in rel.triggers)
    if rel.view_definition:
        lines.append("View definition:")
        lines.extend(f"  {line}" for line in rel.view_definition.strip().splitlines())
    return "\n".join(lines) + "\n"


def _column_note(c: Column) -> str:
    notes: list[str] = []
    if c.not_null:
        notes.append("not null")
    if c.generated:
        notes.append(f"generated always as ({name(c.generation_expression or '?')}) {c.generated}")
    elif c.default is not None:
        notes.append(f"default {name(c.default)}")
    return " ".join(notes)


def _index_note(i: Index) -> str:
    kind = "PRIMARY KEY " if i.primary else ("UNIQUE " if i.unique else "")
    keys = ", ".join(f"{c} {o}".strip() for c, o in zip(i.columns, i.options, strict=False))
    where = f" WHERE {i.predicate}" if i.predicate else ""
    return name(f"{kind}({keys}){where}")


__all__ = ["plain_text", "run_sqlite"]
