"""What a function body names, read by PostgreSQL's own parser (pglast): the tables it reads or writes (and
those its `%TYPE` / `%ROWTYPE` declarations name), the column names it mentions and the functions it calls,
with the body line of each, and the function's own `SET search_path`.

pg_depend records what a SQL-standard body (`BEGIN ATOMIC`, `RETURN`) uses; for PL/pgSQL and SQL bodies kept
as text the server records nothing, so the explorer finds the names here ("found in body") and the diff's
graph orders a function after what its body names (core/diff/body_edges.py).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from .model import Function


@dataclass(frozen=True)
class BodyReference:
    schema: str | None  # None: written without a schema
    table: str
    columns: frozenset[str]  # column names the same statement mentions
    line: int | None  # line within the body, when the parser says


@dataclass(frozen=True)
class BodyCall:
    schema: str | None
    function: str
    line: int | None


@dataclass(frozen=True)
class BodyNames:
    tables: tuple[BodyReference, ...] = ()
    calls: tuple[BodyCall, ...] = ()
    search_path: tuple[str, ...] | None = None  # the function's own SET search_path, schemas unquoted


def body_names(fn: Function) -> BodyNames:
    """The tables (with columns) and functions a PL/pgSQL or text SQL body names; nothing for other
    languages or for a body the parser does not take (nor for one nested past the parser's depth)."""
    if not fn.definition or fn.language not in ("plpgsql", "sql"):
        return BodyNames()
    found: list[BodyReference | BodyCall] = []
    try:
        # The whole CREATE parsed only when its options or its SQL body are needed: a second parse of every
        # PL/pgSQL definition was a third of the time.
        wanted = fn.language == "sql" or "search_path" in fn.definition.lower()
        create = _create_statement(fn.definition) if wanted else {}
        found += _plpgsql(fn.definition) if fn.language == "plpgsql" else _sql_body(create)
    except Exception:  # pglast's own errors for text it does not take, RecursionError: nothing found
        return BodyNames()
    return BodyNames(
        tuple(f for f in found if isinstance(f, BodyReference)),
        tuple(dict.fromkeys(f for f in found if isinstance(f, BodyCall))),
        _search_path(create),
    )


def _create_statement(definition: str) -> dict[str, Any]:
    from pglast import parser

    for stmt in json.loads(parser.parse_sql_json(definition)).get("stmts", []):
        create = stmt.get("stmt", {}).get("CreateFunctionStmt")
        if isinstance(create, dict):
            return create
    return {}


def _search_path(create: dict[str, Any]) -> tuple[str, ...] | None:
    """The schemas of `SET search_path` (pg_get_functiondef writes each one as a string constant)."""
    for option in create.get("options", []):
        elem = option.get("DefElem", {})
        setting = elem.get("arg", {}).get("VariableSetStmt", {}) if elem.get("defname") == "set" else {}
        if setting.get("name") == "search_path":
            values = [a.get("A_Const", {}).get("sval", {}).get("sval") for a in setting.get("args", [])]
            return tuple(s for v in values if isinstance(v, str) for s in _schema_list(v))
    return None


def _schema_list(text: str) -> list[str]:
    """Schemas as the server reads a search_path: unquoted ones folded to lower case, double-quoted ones kept
    with their doubled quotes undone."""
    names: list[str] = []
    i, n = 0, len(text)
    while i < n:
        while i < n and text[i].isspace():
            i += 1
        if i < n and text[i] == '"':
            end = i + 1
            part = []
            while end < n:
                if text[end] == '"':
                    if text[end + 1 : end + 2] == '"':
                        part.append('"')
                        end += 2
                        continue
                    break
                part.append(text[end])
                end += 1
            name, i = "".join(part), end + 1
        else:
            end = text.find(",", i)
            end = n if end < 0 else end
            name, i = text[i:end].strip().lower(), end
        names.append(name)
        while i < n and text[i] != ",":
            i += 1
        i += 1
    return names


# The fields of parse_plpgsql_json's output that name things, in document order. The JSON is scanned, not
# loaded: blocks nest as deep as the server allows, and json.loads (or a walk of its result) would stop at
# Python's recursion limit or spend seconds on a megabyte of body. Inside a JSON string every quote is
# escaped, so a match is always a key of the tree.
_FIELDS = re.compile(r'"(lineno|query|typname)":("[^"\\]*(?:\\.[^"\\]*)*"|\d+)')


def _plpgsql(definition: str) -> Iterator[BodyReference | BodyCall]:
    """Each distinct statement text is parsed once, at its first line: a long body repeats the same few
    statements. A statement's line is the last one the tree gave before it (each statement's own comes
    first)."""
    from pglast import parser

    seen: set[str] = set()
    line: int | None = None
    for match in _FIELDS.finditer(parser.parse_plpgsql_json(definition)):
        field, value = match.groups()
        if field == "lineno":
            line = int(value)
        elif field == "typname":
            if "%" in value:  # %TYPE / %ROWTYPE: resolved when the server validates the function
                yield from _type_ref(json.loads(value), line)
        elif value not in seen:  # a statement written again names nothing new: its first line is kept
            seen.add(value)
            yield from _statement_refs(json.loads(value), line)


def _type_ref(typname: str, line: int | None) -> Iterator[BodyReference]:
    """The parser gives the names already folded and unquoted, joined by dots: a name holding a dot could be
    split several ways, so each way is a candidate (one that names nothing gives no edge)."""
    name, _, suffix = typname.rpartition("%")
    parts = name.split(".")
    if suffix.lower() not in ("type", "rowtype") or len(parts) > 8:
        return
    ends = range(1, len(parts)) if suffix.lower() == "type" else [len(parts)]  # %TYPE: a column ends it
    for end in ends:
        relation = parts[:end]
        yield BodyReference(None, ".".join(relation), frozenset(), line)
        for cut in range(1, len(relation)):
            yield BodyReference(".".join(relation[:cut]), ".".join(relation[cut:]), frozenset(), line)


def _sql_body(create: dict[str, Any]) -> Iterator[BodyReference | BodyCall]:
    if create.get("sql_body"):
        return  # a SQL-standard body: pg_depend has it
    for option in create.get("options", []):
        elem = option.get("DefElem", {})
        if elem.get("defname") == "as":
            for item in elem.get("arg", {}).get("List", {}).get("items", []):
                body = item.get("String", {}).get("sval")
                if body:
                    yield from _statement_refs(body, None)


def _statement_refs(query: str, line: int | None) -> Iterator[BodyReference | BodyCall]:
    from pglast import parser

    text = query.split(":=", 1)[1] if ":=" in query.split("(", 1)[0] else query
    try:
        tree = json.loads(parser.parse_sql_json(text))
    except Exception:  # an expression, not a statement: read it as one
        tree = json.loads(parser.parse_sql_json("SELECT " + text))
    for stmt in tree.get("stmts", []):
        names = _Names()
        names.walk(stmt)
        for schema, table in dict.fromkeys(names.tables):
            yield BodyReference(schema, table, frozenset(names.columns), line)
        for schema, function in dict.fromkeys(names.calls):
            yield BodyCall(schema, function, line)


class _Names:
    """The names one parsed statement holds: relations, column references and function calls."""

    def __init__(self) -> None:
        self.tables: list[tuple[str | None, str]] = []
        self.columns: set[str] = set()
        self.calls: list[tuple[str | None, str]] = []

    def walk(self, node: Any) -> None:
        if isinstance(node, list):
            for item in node:
                self.walk(item)
            return
        if not isinstance(node, dict):
            return
        self._note(node)
        for value in node.values():
            self.walk(value)

    def _note(self, node: dict[str, Any]) -> None:
        # A RangeVar: wrapped ({"RangeVar": {...}}) in a FROM list, bare as INSERT/UPDATE/DELETE's target.
        if isinstance(node.get("relname"), str):
            self.tables.append((node.get("schemaname"), node["relname"]))
        column_ref = node.get("ColumnRef")
        if isinstance(column_ref, dict):
            fields = column_ref.get("fields", [])
            if fields and "String" in fields[-1]:
                self.columns.add(fields[-1]["String"]["sval"])
        target = node.get("ResTarget")
        if isinstance(target, dict) and target.get("name"):  # INSERT (col, ...) and UPDATE SET col
            self.columns.add(target["name"])
        call = node.get("FuncCall")
        if isinstance(call, dict):
            parts = [p["String"]["sval"] for p in call.get("funcname", []) if "String" in p]
            if parts and parts[0] != "pg_catalog":
                self.calls.append((parts[-2] if len(parts) > 1 else None, parts[-1]))
