"""Logical replication that stops once a migration changes a table a subscription writes into.

On a subscriber, the apply worker writes the publisher's changes into the subscribed tables, matching them by
name and their columns by name. A subscribed table dropped, renamed or moved to another schema, a column
dropped or renamed, or a column added NOT NULL without a default (the publisher sends no value for it): the
migration succeeds, and the next change the publisher sends for the table fails in the worker ('logical
replication target relation "public.t" is missing replicated column: "b"', '... does not exist', a NOT NULL
violation). The worker starts again and fails again: every table of the subscription stops receiving
changes, and the publisher keeps its WAL for the subscription's slot until the disk fills. Said of statements
on the tables of a subscription of this database (pg_subscription_rel, readable by any role), a disabled one
too (it fails once enabled). What the statement makes the table refuse that the publisher may still send
(a CHECK, a unique index, a NOT NULL, a narrower type, a CHECK added to the domain of a column) stops it at
the first such row (subscriber_limits.py); a NOT NULL added to the domain of a column stops nothing: the
publisher's NULLs are stored in it all the same, silently.

Every catalog name here is pg_catalog's, every operator pg_catalog's: the review's session resolves the
migration's names on the user's search_path.
"""

from __future__ import annotations

from typing import Any

import asyncpg

from ..sqlparse import statement_info
from .facts import Facts
from .names import key, regclass_text
from .report import Hazard
from .shapes import written
from .subscriber_limits import Limit, domain_limits, judged, limits_of

# The subscriptions writing into table $1 (a name to_regclass reads).
_SUBSCRIBED = """
SELECT s.subname::pg_catalog.text AS name,
  pg_catalog.concat(pg_catalog.quote_ident(n.nspname), '.', pg_catalog.quote_ident(c.relname)) AS q
FROM pg_catalog.pg_subscription_rel r
JOIN pg_catalog.pg_subscription s ON s.oid OPERATOR(pg_catalog.=) r.srsubid
JOIN pg_catalog.pg_class c ON c.oid OPERATOR(pg_catalog.=) r.srrelid
JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace
WHERE r.srrelid OPERATOR(pg_catalog.=) pg_catalog.to_regclass($1)
ORDER BY 1
"""


async def subscribed_tables(facts: Facts, sql: str, created: set[str], later: list[str]) -> list[Hazard]:
    """The statement's hazard to the subscriptions writing into the tables it changes; [] for any other.
    `later`: the migration's statements after it."""
    info = statement_info(sql)
    if info is None or not await facts.subscribes_to_any():
        return []
    body = info.body
    changes: list[tuple[str, str]] = []  # (table, what the statement does to it)
    if info.node_type == "DropStmt" and body.get("removeType") == "OBJECT_TABLE":
        for item in body.get("objects") or ():
            names = [p["String"]["sval"] for p in item.get("List", {}).get("items", ()) if "String" in p]
            changes.append(
                (written(*names), "drops it: 'logical replication target relation ... does not exist'")
            )
    elif info.node_type == "RenameStmt" and body.get("renameType") in ("OBJECT_TABLE", "OBJECT_COLUMN"):
        relation = body.get("relation", {})
        table = written(relation.get("schemaname"), relation.get("relname"))
        if body.get("renameType") == "OBJECT_TABLE":
            changes.append((table, "renames it: the worker looks the publisher's table up by its name"))
        else:
            changes.append(
                (table, f"renames its column {body.get('subname')}: 'is missing replicated column' for it")
            )
    elif info.node_type == "AlterObjectSchemaStmt" and body.get("objectType") == "OBJECT_TABLE":
        relation = body.get("relation", {})
        table = written(relation.get("schemaname"), relation.get("relname"))
        changes.append((table, "moves it to another schema: the worker looks it up by its schema and name"))
    elif info.node_type == "AlterTableStmt" and body.get("objtype") == "OBJECT_TABLE":
        relation = body.get("relation", {})
        table = written(relation.get("schemaname"), relation.get("relname"))
        changes += [(table, what) for what in _column_changes(table, body, later)]
    hazards = []
    for table, what in changes:
        if key(table) in created:
            continue
        rows = await _subscriptions_of(facts, table)
        if rows:
            hazards.append(_stops(str(rows[0]["q"]), [str(r["name"]) for r in rows], what))
    for limit in [*limits_of(sql), *await domain_limits(facts, sql)]:
        if key(limit.table) in created or not (rows := await _subscriptions_of(facts, limit.table)):
            continue
        if what := await judged(facts, limit):
            said = _admits if limit.arrives else _refuses
            hazards.append(said(str(rows[0]["q"]), [str(r["name"]) for r in rows], what, limit))
    return hazards


def _column_changes(table: str, body: dict[str, Any], later: list[str]) -> list[str]:
    """What an ALTER TABLE's commands do that the publisher's rows no longer fit. A column added NOT NULL
    with a default that a later statement drops (Django's AddField, a Rails default changed to nil) ends
    without one: the publisher, which has no such column, sends no value for it."""
    said = []
    for item in body.get("cmds") or ():
        command = item.get("AlterTableCmd", {})
        subtype = command.get("subtype")
        if subtype == "AT_DropColumn":
            said.append(f"drops its column {command.get('name')}: 'is missing replicated column' for it")
        elif subtype == "AT_AddColumn":
            column = command.get("def", {}).get("ColumnDef", {})
            kinds = {c.get("Constraint", {}).get("contype") for c in column.get("constraints", ())}
            filled = kinds & {"CONSTR_DEFAULT", "CONSTR_IDENTITY", "CONSTR_GENERATED"}
            name = str(column.get("colname"))
            if "CONSTR_NOTNULL" in kinds and not filled:
                said.append(
                    f"adds its column {name} NOT NULL without a default: the publisher sends no value for it, so "
                    "each row it inserts violates the NOT NULL"
                )
            elif (
                "CONSTR_NOTNULL" in kinds
                and filled == {"CONSTR_DEFAULT"}
                and _default_dropped(table, name, later)
            ):
                said.append(
                    f"adds its column {name} NOT NULL with a default that a later statement drops: the publisher "
                    "sends no value for it, so each row it inserts after that violates the NOT NULL"
                )
    return said


def _default_dropped(table: str, column: str, later: list[str]) -> bool:
    """A later statement is `ALTER TABLE table ALTER COLUMN column DROP DEFAULT`."""
    for sql in later:
        info = statement_info(sql)
        if info is None or info.node_type != "AlterTableStmt":
            continue
        relation = info.body.get("relation", {})
        if key(written(relation.get("schemaname"), relation.get("relname"))) != key(table):
            continue
        for item in info.body.get("cmds") or ():
            command = item.get("AlterTableCmd", {})
            subtype, name = command.get("subtype"), command.get("name")
            if subtype == "AT_ColumnDefault" and name == column and not command.get("def"):
                return True
    return False


def _stops(table: str, subscriptions: list[str], what: str) -> Hazard:
    names = ", ".join(subscriptions)
    return Hazard(
        "backward-incompatible",
        f"logical replication into {table} stops: subscription {names} writes the publisher's changes into it, "
        f"and the statement {what}; the subscription's worker then fails on each change and every table of the "
        "subscription stops receiving them while the publisher keeps its WAL; change the publisher's table "
        "first (or take the table out of its publication and ALTER SUBSCRIPTION ... REFRESH PUBLICATION)",
    )


def _refuses(table: str, subscriptions: list[str], what: str, limit: Limit) -> Hazard:
    first = (
        "change the publisher's column first" if limit.new_type else "add it to the publisher's table first"
    )
    return Hazard(
        "backward-incompatible",
        f"logical replication into {table} stops at the first row from the publisher that the statement's new "
        f"rule refuses: subscription {', '.join(subscriptions)} writes the publisher's changes into it, and the "
        f"statement {what}, which the publisher does not enforce unless its table has the same; that row fails "
        "the subscription's worker at each retry, and every table of the subscription stops receiving changes "
        f"while the publisher keeps its WAL; {first}",
    )


def _admits(table: str, subscriptions: list[str], what: str, limit: Limit) -> Hazard:
    return Hazard(
        "backward-incompatible",
        f"logical replication into {table} stores NULLs its domain forbids: subscription "
        f"{', '.join(subscriptions)} writes the publisher's changes into it, and the statement {what}, which "
        "the subscription's worker does not check (it stores a NULL without the domain's input): the publisher's "
        "NULLs arrive silently, and a restore of the table's dump fails on them; "
        "make the publisher's column NOT NULL first",
    )


async def _subscriptions_of(facts: Facts, table: str) -> list[Any]:
    """In a savepoint: a name this role may not resolve raises, and the review goes on (nothing said)."""
    try:
        async with facts.conn.transaction():
            return list(await facts.conn.fetch(_SUBSCRIBED, regclass_text(table)))
    except (asyncpg.PostgresError, asyncpg.InterfaceError):
        return []
