"""What a function body names, read by PostgreSQL's own parser (pglast): the tables it reads or writes and
the column names it mentions, with the body line of each.

pg_depend records what a SQL-standard body (`BEGIN ATOMIC`, `RETURN`) uses; for PL/pgSQL and SQL bodies kept
as text the server records nothing, so the explorer finds the names here and says "found in body". A name
written without a schema matches that name in any schema: the body's search_path is the caller's.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from ..model import Function


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


def body_names(fn: Function) -> BodyNames:
    """The tables (with columns) and functions a PL/pgSQL or text SQL body names; nothing for other
    languages or for a body the parser does not take."""
    if not fn.definition or fn.language not in ("plpgsql", "sql"):
        return BodyNames()
    found: list[BodyReference | BodyCall] = []
    try:
        found += _plpgsql(fn.definition) if fn.language == "plpgsql" else _sql_body(fn.definition)
    except Exception:  # pglast raises its own errors for text it does not take: nothing found
        return BodyNames()
    return BodyNames(
        tuple(f for f in found if isinstance(f, BodyReference)),
        tuple(dict.fromkeys(f for f in found if isinstance(f, BodyCall))),
    )


def _plpgsql(definition: str) -> Iterator[BodyReference | BodyCall]:
    from pglast import parser

    tree = json.loads(parser.parse_plpgsql_json(definition))
    for query, line in _queries(tree, None):
        yield from _statement_refs(query, line)


def _queries(node: Any, line: int | None) -> Iterator[tuple[str, int | None]]:
    if isinstance(node, dict):
        line = node.get("lineno", line)
        query = node.get("PLpgSQL_expr", {}).get("query") if "PLpgSQL_expr" in node else None
        if isinstance(query, str):
            yield query, line
        for value in node.values():
            yield from _queries(value, line)
    elif isinstance(node, list):
        for item in node:
            yield from _queries(item, line)


def _sql_body(definition: str) -> Iterator[BodyReference | BodyCall]:
    from pglast import parser

    tree = json.loads(parser.parse_sql_json(definition))
    for stmt in tree.get("stmts", []):
        create = stmt.get("stmt", {}).get("CreateFunctionStmt")
        if not create or create.get("sql_body"):
            continue  # a SQL-standard body: pg_depend has it
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
