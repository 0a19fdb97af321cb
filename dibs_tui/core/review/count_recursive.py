"""The rows a DELETE removes when its foreign keys loop (a tree: comments.parent_id -> comments.id ON DELETE
CASCADE, or a cycle of CASCADE keys): one WITH RECURSIVE query over the live rows, from the rows the statement
removes down every CASCADE key until no new row is reached, each row named by (graph table, partition, ctid)
so a cycle ends. What that set removes, sets to NULL / DEFAULT or leaves referenced (the server then refuses)
is counted in the same query.

Bounded as the other counts: the counting settings and timeout (`count_queries`); a root table too large, or
whose count did not finish, is read through a sample of its rows and every count scaled from it.
"""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg

from ..sql import quote_ident
from ..terminal import safe
from .cascade_graph import Graph, Key
from .count_queries import SAMPLE_ABOVE_BYTES, Failed, Refused, Target, example, fetch_bounded, sample_source
from .counted import RowCount, observed, uncounted, unproven
from .facts import CHECK_TIMEOUT
from .report import Hazard

FAILS = "fails-on-existing-data"
LOSS = "data-loss"


@dataclass(frozen=True)
class _Count:
    """One figure the query gives: the rows of `table` it removes (`key` None), or those `key` changes or
    still references."""

    table: Target
    key: Key | None


def _arm(graph: Graph, k: Key) -> str:
    """The recursive step through CASCADE key `k`: the rows of its table referencing a removed row (g)."""
    match = " AND ".join(
        f"c.{quote_ident(c)} OPERATOR(pg_catalog.=) p.{quote_ident(rc)}"
        for c, rc in zip(k.columns, k.ref_columns, strict=True)
    )
    return (
        f"SELECT {k.child}::pg_catalog.oid, c.tableoid, c.ctid FROM {graph.qualified[k.parent]} p "
        f"JOIN {graph.qualified[k.child]} c ON {match} WHERE g.tbl OPERATOR(pg_catalog.=) {k.parent}::pg_catalog.oid "
        "AND p.tableoid OPERATOR(pg_catalog.=) g.part AND p.ctid OPERATOR(pg_catalog.=) g.tid"
    )


def _gone(table: int, alias: str) -> str:
    """SQL: the row `alias` of graph table `table` is one the DELETE removes. An IN, not an EXISTS: the planner
    hashes the CTE once (it takes a recursive CTE for a few rows, and an anti-join over it would scan it once
    per row: 36 s for 20,000 rows)."""
    return (
        f"({alias}.tableoid, {alias}.ctid) IN (SELECT h.part, h.tid FROM gone h "
        f"WHERE h.tbl OPERATOR(pg_catalog.=) {table}::pg_catalog.oid)"
    )


def _own(root: Target, removed: str, alias: str) -> str:
    """SQL: the root's row `alias` is one the statement removes itself (its WHERE holds), sampled or not: not
    one the recursion adds. Its columns unqualified in `removed` bind to the innermost table, o."""
    return (
        f"EXISTS (SELECT 1 FROM {root.qualified} o WHERE o.tableoid OPERATOR(pg_catalog.=) {alias}.tableoid "
        f"AND o.ctid OPERATOR(pg_catalog.=) {alias}.ctid AND {removed})"
    )


def _query(graph: Graph, root: Target, removed: str, counts: list[_Count], sample: str | None) -> str:
    keys = [k for keys in graph.cascades.values() for k in keys] + graph.loops
    arms = " UNION ALL ".join(_arm(graph, k) for k in keys)
    if sample is None:
        seed = f"seed AS MATERIALIZED (SELECT t.tableoid AS part, t.ctid AS tid FROM {root.qualified} t WHERE {removed})"
        seen = ""
    else:
        seed = (
            f"read AS MATERIALIZED (SELECT t.tableoid AS part, t.ctid AS tid, ({removed}) AS hit FROM {sample}), "
            "seed AS MATERIALIZED (SELECT part, tid FROM read WHERE hit)"
        )
        seen = " UNION ALL SELECT -1, pg_catalog.count(*), NULL FROM read"
    parts = []
    for i, n in enumerate(counts):
        key_text = n.table.key_text("t")
        if n.key is None:  # rows of the table removed; of the root, those beyond the statement's own
            own = f" AND NOT {_own(root, removed, 't')}" if n.table.oid == graph.root else ""
            parts.append(
                f"SELECT {i}, pg_catalog.count(*), pg_catalog.min({key_text}) FROM gone g "
                f"JOIN {n.table.qualified} t ON t.tableoid OPERATOR(pg_catalog.=) g.part "
                f"AND t.ctid OPERATOR(pg_catalog.=) g.tid WHERE g.tbl OPERATOR(pg_catalog.=) "
                f"{n.table.oid}::pg_catalog.oid{own}"
            )
            continue
        k = n.key
        match = " AND ".join(
            f"t.{quote_ident(c)} OPERATOR(pg_catalog.=) p.{quote_ident(rc)}"
            for c, rc in zip(k.columns, k.ref_columns, strict=True)
        )
        # count_deletes says the statement's own rows a NO ACTION key from another table still references
        own = (
            f" AND NOT {_own(root, removed, 'p')}"
            if k.parent == graph.root and k.child != graph.root and k.action in "ar"
            else ""
        )
        parts.append(
            f"SELECT {i}, pg_catalog.count(*), pg_catalog.min({key_text}) FROM gone g "
            f"JOIN {graph.qualified[k.parent]} p ON p.tableoid OPERATOR(pg_catalog.=) g.part "
            f"AND p.ctid OPERATOR(pg_catalog.=) g.tid JOIN {k.qualified} t ON {match} "
            f"WHERE g.tbl OPERATOR(pg_catalog.=) {k.parent}::pg_catalog.oid AND NOT {_gone(k.child, 't')}{own}"
        )
    return (
        f"WITH RECURSIVE {seed}, gone(tbl, part, tid) AS ("
        f"SELECT {graph.root}::pg_catalog.oid, part, tid FROM seed UNION "
        f"SELECT x.tbl, x.part, x.tid FROM gone g CROSS JOIN LATERAL ({arms}) x(tbl, part, tid)) "
        + " UNION ALL ".join(parts)
        + seen
    )


async def recursive_cascades(
    conn: asyncpg.Connection, graph: Graph, root: Target, removed: str, tables: dict[int, Target]
) -> list[Hazard]:
    """What a DELETE of the rows of `root` (alias t) where `removed` holds removes, sets or leaves referenced
    through a graph of keys that loops; `tables`: a Target for every table of the graph but the root."""
    counts = [_Count(root, None)] + [_Count(tables[c], None) for c in graph.cascades]
    counts += [_Count(tables.get(k.child) or root, k) for k in graph.others]
    found = await _counted(conn, graph, root, removed, counts)
    if isinstance(found, str):
        loops = "; ".join(k.named for k in graph.loops) or "a cycle of ON DELETE CASCADE keys"
        return [
            uncounted(
                LOSS,
                f"rows removed with it through {loops}, recursively: not counted ({found}): they are lost",
                found,
            )
        ]
    rows, sampled = found
    hazards = []
    for n, (count, ex) in zip(counts, rows, strict=True):
        if not count and sampled is not None and n.key is not None and n.key.action in "ar":
            # a sample that reached no referencing row proves nothing: one left unread still refuses the DELETE
            what = f"row of {safe(n.key.shown)} still referencing rows it removes ({n.key.named})"
            hazards += unproven(
                FAILS, what, safe(root.shown), RowCount(0, sampled=sampled), "the DELETE fails"
            )
        if not count:
            continue
        result = RowCount(count, example(ex) if ex else "", sampled=sampled)
        hazards.append(_said(graph, n, result))
    return hazards


def _said(graph: Graph, n: _Count, found: RowCount) -> Hazard:
    shown = safe(n.table.shown)
    if n.key is None:
        into = [k for k in graph.loops if k.child == n.table.oid] + graph.cascades.get(n.table.oid, [])
        via = "; ".join(k.named for k in into) or "a cycle of ON DELETE CASCADE keys"
        return observed(
            LOSS,
            f"the DELETE also removes {found.rows_text()} of {shown} ({via}, recursively){found.example_text()}",
            found,
        )
    k = n.key
    if k.action in "nd":
        columns = ", ".join(f"{safe(k.shown)}.{safe(c)}" for c in k.set_columns)
        to = "NULL" if k.action == "n" else "its DEFAULT"
        return observed(
            LOSS,
            f"the DELETE sets {columns} to {to} in {found.rows_text()} ({k.named}){found.example_text()}",
            found,
        )
    verb = "references" if found.rows == 1 and found.sampled is None else "reference"
    return observed(
        FAILS,
        f"{found.rows_text()} of {safe(k.shown)} still {verb} rows the DELETE removes through ON DELETE CASCADE, "
        f"recursively ({k.named}): the DELETE fails{found.example_text()}",
        found,
    )


async def _counted(
    conn: asyncpg.Connection, graph: Graph, root: Target, removed: str, counts: list[_Count]
) -> tuple[list[tuple[int, str | None]], int | None] | str:
    """Each count's rows and example, and the root rows sampled (None: counted in full); or why not counted."""
    try:
        if root.bytes <= SAMPLE_ABOVE_BYTES:
            rows = await fetch_bounded(conn, _query(graph, root, removed, counts, None))
            if rows is not None:
                by = {int(r[0]): (int(r[1]), r[2]) for r in rows}
                return [by[i] for i in range(len(counts))], None
        source, expected = sample_source(root)
        rows = await fetch_bounded(conn, _query(graph, root, removed, counts, source))
    except Refused as exc:
        return f"the server refused the count: {exc}"
    except Failed as exc:
        return exc.message
    if rows is None:
        return f"did not finish within {CHECK_TIMEOUT}, even on a sample"
    by = {int(r[0]): (int(r[1]), r[2]) for r in rows}
    seen = by.pop(-1)[0]
    factor = expected / seen if seen else 1.0
    return [(max(round(by[i][0] * factor), 1 if by[i][0] else 0), by[i][1]) for i in range(len(counts))], seen
