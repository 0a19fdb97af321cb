"""An INSERT ... VALUES of constant keys a unique key of the live table already holds (a seed row written again,
an id taken): the INSERT fails on a unique violation. Counted through the key's own index, before migrate runs
the statement, so that a migration of several segments is not left applied up to it.

Only what the rows there now decide is said: an INSERT with ON CONFLICT or from a SELECT is not counted, nor
one after a statement of the file that may free a key (a DELETE or TRUNCATE of the table, an ALTER of its keys,
any DROP), nor a key of which an earlier UPDATE assigns a column; a key value that is not a constant (DEFAULT,
nextval(), an expression) is not looked up.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import chain
from typing import Any

import asyncpg

from ..sql import quote_ident, quote_literal
from ..sqlparse import statement_info
from ..sqltokens import GROUP_CHARS, GROUP_HEAD
from .count_queries import Refused, Target, example, fetch_bounded, refusal_on
from .counted import RowCount, observed
from .expr_allowlist import deparse
from .report import Hazard
from .shapes import rangevar_name

FAILS = "fails-on-existing-data"

# The table's unique indexes a plain column list makes (no expression, no predicate, NULLs distinct), and its
# columns in attnum order for an INSERT without a column list. `overlaps`: a key WITHOUT OVERLAPS (PostgreSQL 18:
# conperiod, read through to_jsonb, absent before), which refuses a row whose last column overlaps one's there
_KEYS = """
SELECT c.relname::text AS name, array_agg(a.attname::text ORDER BY k.n) AS columns,
       EXISTS (SELECT 1 FROM pg_constraint co WHERE co.conindid = i.indexrelid AND co.conrelid = i.indrelid
               AND (to_jsonb(co) ->> 'conperiod') = 'true') AS overlaps
FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, n)
JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
WHERE i.indrelid = $1::oid AND i.indisunique AND i.indisvalid AND i.indpred IS NULL AND i.indexprs IS NULL
  AND NOT i.indnullsnotdistinct
GROUP BY c.relname, i.indexrelid, i.indrelid ORDER BY 1
"""
_ORDER = """
SELECT attname::text FROM pg_attribute WHERE attrelid = $1::oid AND attnum > 0 AND NOT attisdropped
ORDER BY attnum
"""


def _constant(node: Any) -> bool:
    while type(node).__name__ == "TypeCast":
        node = node.arg
    return type(node).__name__ == "A_Const" and not getattr(node, "isnull", False)


def rows_read_apart(sql: str) -> Iterator[list[Any]]:
    """The rows of the statement's long VALUES list read apart from its tree (`core.sqltokens`), a group at a
    time: a data migration's 200,000 rows are never all in memory as trees."""
    import pglast

    info = statement_info(sql)
    for begin, end in info.apart if info is not None else ():
        select: Any = pglast.parse_sql(GROUP_HEAD + sql[begin:end])[0].stmt
        yield select.valuesLists[1:]


async def insert_hazards(
    conn: asyncpg.Connection,
    target: Target,
    node: Any,
    updated: set[str],
    more_rows: Iterable[list[Any]] = (),
    known: dict[int, tuple[list[Any], list[Any]] | None] | None = None,
) -> list[Hazard]:
    """The rows of `node` (an InsertStmt into `target`) and `more_rows` (its rows read apart) whose key a unique
    index of the live table holds, looked up a group of rows at a time; not a key of which an earlier UPDATE of
    the file assigns a column (`updated`). `known`: each table's keys as read for an earlier INSERT of the file
    (a data migration's 50,000 INSERTs into one table read them once)."""
    values = getattr(node.selectStmt, "valuesLists", None)
    if node.onConflictClause is not None or not values or target.partitioned or target.children:
        return []
    known = {} if known is None else known
    if target.oid not in known:
        known[target.oid] = await _keys(conn, target)
    if (table_keys := known[target.oid]) is None:
        return []
    keys, order = table_keys
    columns = [str(c.name) for c in node.cols] if node.cols else [r[0] for r in order]
    indexes = {
        str(i["name"]): list(i["columns"])
        for i in keys
        if not (target.unsafe(list(i["columns"])) or updated & set(i["columns"]))
    }
    overlapping = {str(i["name"]) for i in keys if i["overlaps"]}
    found: dict[str, list[tuple[int, str]]] = {name: [] for name in indexes}  # per group: rows, an example
    for group in chain([values], more_rows):
        rows: list[dict[str, Any]] = [dict(zip(columns, row, strict=False)) for row in group]
        for index, key_columns in indexes.items():
            if index not in found:
                continue
            tuples = [
                [row[c] for c in key_columns]
                for row in rows
                if all(c in row and _constant(row[c]) for c in key_columns)
            ]
            overlaps = index in overlapping
            taken = await _taken(conn, target, key_columns, tuples, overlaps) if tuples else (0, "")
            if taken is None:
                del found[index]  # a value it may not evaluate, or a lookup that failed: not counted
            else:
                found[index].append(taken)
    return _said(target, found, overlapping)


def _said(target: Target, found: dict[str, list[tuple[int, str]]], overlapping: set[str]) -> list[Hazard]:
    """The keys found taken, index by index (rows, an example per group of rows), said as hazards."""
    hazards: list[Hazard] = []
    for index, groups in found.items():
        rows_taken = sum(n for n, _ in groups)
        if rows_taken:
            count = RowCount(rows_taken, next((e for n, e in groups if n), ""))
            are = "is" if count.rows == 1 else "are"
            e_g = f", e.g. {count.example}" if count.example else ""
            said = (
                f"{count.rows_text()} of {target.shown} overlap{'s' if count.rows == 1 else ''} a row the INSERT "
                f"adds (key {index} WITHOUT OVERLAPS{e_g}): the INSERT fails on a conflicting key"
                if index in overlapping
                else f"{count.rows_text()} the INSERT adds {are} already in {target.shown} (unique key {index}{e_g}): "
                "the INSERT fails on a unique violation"
            )
            hazards.append(observed(FAILS, said, count))
    return hazards


BATCH = 100  # INSERTs looked up together: two result columns each, far under PostgreSQL's 1,664


async def batch_hazards(
    conn: asyncpg.Connection,
    target: Target,
    nodes: Sequence[Any],
    updated: set[str],
    known: dict[int, tuple[list[Any], list[Any]] | None],
) -> list[list[Hazard]] | None:
    """What insert_hazards says of each of `nodes` (consecutive INSERTs of rows, all in their trees, into
    `target`), each key looked up once for all of them: a data migration's one-row INSERTs were a bounded
    query each. None when one says more than rows (ON CONFLICT), a key is WITHOUT OVERLAPS or a value may not
    be evaluated: each is then looked up alone."""
    if any(n.onConflictClause is not None or not getattr(n.selectStmt, "valuesLists", None) for n in nodes):
        return None
    if target.partitioned or target.children:
        return [[] for _ in nodes]
    if target.oid not in known:
        known[target.oid] = await _keys(conn, target)
    if (table_keys := known[target.oid]) is None:
        return [[] for _ in nodes]
    keys, order = table_keys
    if any(i["overlaps"] for i in keys):
        return None
    rows = []
    for node in nodes:
        columns = [str(c.name) for c in node.cols] if node.cols else [r[0] for r in order]
        rows.append([dict(zip(columns, row, strict=False)) for row in node.selectStmt.valuesLists])
    found: list[dict[str, list[tuple[int, str]]]] = [{} for _ in nodes]
    for i in keys:
        name, key_columns = str(i["name"]), list(i["columns"])
        if target.unsafe(key_columns) or updated & set(key_columns):
            continue
        tuples = [
            [
                [row[c] for c in key_columns]
                for row in given
                if all(c in row and _constant(row[c]) for c in key_columns)
            ]
            for given in rows
        ]
        taken = await _taken_each(conn, target, key_columns, tuples)
        if taken is None:
            return None
        for each, counted in zip(found, taken, strict=True):
            each[name] = [counted]
    return [_said(target, each, set()) for each in found]


def inserts_following(texts: Sequence[str], node: Any, parse: Callable[[str], Any]) -> dict[str, Any]:
    """The INSERTs of rows among `texts` (those right after `node`'s) into its table, by text, up to the first
    that is not one; each parsed with `parse`, its tree kept for the count."""
    found: dict[str, Any] = {}
    for text in texts:
        if len(text) > GROUP_CHARS or text in found or "INSERT" not in text[:64].upper():
            break
        after = parse(text)
        if type(after).__name__ != "InsertStmt" or rangevar_name(after.relation) != rangevar_name(
            node.relation
        ):
            break
        found[text] = after
    return found


async def _taken_each(
    conn: asyncpg.Connection, target: Target, columns: list[str], tuples: list[list[list[Any]]]
) -> list[tuple[int, str]] | None:
    """_taken of each statement's `tuples`, in one query; None when a value may not be evaluated or the lookup
    was refused or timed out."""
    if not any(tuples):
        return [(0, "")] * len(tuples)
    if any([await refusal_on(conn, v) for each in tuples for t in each for v in t]):
        return None
    cols = ", ".join(f"t.{quote_ident(c)}" for c in columns)
    label = quote_literal(f"({', '.join(quote_ident(c) for c in columns).replace('%', '%%')})=%s")
    given = [", ".join(f"ROW({', '.join(deparse(v) for v in t)})" for t in each) for each in tuples]
    outputs = ", ".join(
        f"count(*) FILTER (WHERE ROW({cols}) IN ({g})) AS n{n}, "
        f"min(format({label}, ROW({cols}))) FILTER (WHERE ROW({cols}) IN ({g})) AS e{n}"
        if g
        else f"0::int8 AS n{n}, NULL::text AS e{n}"
        for n, g in enumerate(given)
    )
    try:
        found = await fetch_bounded(
            conn,
            f"SELECT {outputs} FROM {target.source()} WHERE ROW({cols}) IN ({', '.join(g for g in given if g)})",
        )
    except Refused:
        return None
    if not found:
        return None
    row = found[0]
    return [(int(row[f"n{n}"]), example(row[f"e{n}"]) if row[f"n{n}"] else "") for n in range(len(tuples))]


async def _keys(conn: asyncpg.Connection, target: Target) -> tuple[list[Any], list[Any]] | None:
    """The table's plain unique keys and its columns in order; None when there is none to look up."""
    try:
        keys = await fetch_bounded(conn, _KEYS, target.oid)
        order = await fetch_bounded(conn, _ORDER, target.oid)
    except Refused:
        return None
    return (keys, order) if keys and order is not None else None


async def _taken(
    conn: asyncpg.Connection, target: Target, columns: list[str], tuples: list[list[Any]], overlaps: bool
) -> tuple[int, str] | None:
    """How many of `tuples` the live table holds (`overlaps`: its rows equal to one on all but the last
    column and overlapping it on that one), with an example; None when one may not be evaluated or the lookup
    was refused or timed out."""
    if any([await refusal_on(conn, v) for t in tuples for v in t]):
        return None
    cols = ", ".join(f"t.{quote_ident(c)}" for c in columns)
    given = ", ".join(f"ROW({', '.join(deparse(v) for v in t)})" for t in tuples)
    where = f"ROW({cols}) IN ({given})"
    if overlaps:
        ops = ["OPERATOR(pg_catalog.=)"] * (len(columns) - 1) + ["OPERATOR(pg_catalog.&&)"]
        where = " OR ".join(
            "("
            + " AND ".join(
                f"t.{quote_ident(c)} {op} {deparse(v)}" for c, op, v in zip(columns, ops, t, strict=True)
            )
            + ")"
            for t in tuples
        )
    label = quote_literal(f"({', '.join(quote_ident(c) for c in columns).replace('%', '%%')})=%s")
    try:
        found = await fetch_bounded(
            conn,
            f"SELECT count(*) AS n, min(format({label}, ROW({cols}))) AS example "
            f"FROM {target.source()} WHERE {where}",
        )
    except Refused:
        return None
    if not found:
        return None
    return int(found[0]["n"]), example(found[0]["example"]) if found[0]["n"] else ""
