"""Writes that fail once a migration leaves a published table without a replica identity.

PostgreSQL refuses UPDATE and DELETE on a table a publication publishes them for (pubupdate, pubdelete) when the
table has no replica identity: REPLICA IDENTITY DEFAULT without a primary key, NOTHING, or USING INDEX of an
index that is gone ('cannot update table "t" because it does not have a replica identity and publishes
updates'). The migration itself succeeds; the application's next UPDATE fails, on the primary. Said of a
publication made or widened over such tables, and of a statement that takes a published table's identity away.
A table the file creates is not looked up (its identity is the file's own to give).

Every catalog name here is pg_catalog's, every operator pg_catalog's: the review's session resolves the
migration's names on the user's search_path.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import asyncpg

from ..migrations.files import runs_outside_transaction
from ..sqlparse import statement_info
from .facts import Facts
from .names import key, regclass_text
from .report import Hazard
from .shapes import written

_SHOWN = 5  # tables named in one hazard about a whole schema or database; the rest counted

# No replica identity, as the server tells at UPDATE time; `c` a pg_class row.
_LACKS_IDENTITY = """(c.relreplident OPERATOR(pg_catalog.=) 'n'
  OR (c.relreplident OPERATOR(pg_catalog.=) 'd' AND NOT EXISTS (SELECT FROM pg_catalog.pg_index i
      WHERE i.indrelid OPERATOR(pg_catalog.=) c.oid AND i.indisprimary))
  OR (c.relreplident OPERATOR(pg_catalog.=) 'i' AND NOT EXISTS (SELECT FROM pg_catalog.pg_index i
      WHERE i.indrelid OPERATOR(pg_catalog.=) c.oid AND i.indisreplident)))"""

_QUALIFIED = "pg_catalog.concat(pg_catalog.quote_ident(n.nspname), '.', pg_catalog.quote_ident(c.relname))"

# A table's identity and the publications that publish its updates or deletes (its own membership, a
# partitioned ancestor's, its schema's on PostgreSQL 15 and later, or FOR ALL TABLES).
_TABLE = """
SELECT c.oid::pg_catalog.int8 AS oid, {qualified} AS q, c.relreplident::pg_catalog.text AS replident,
  EXISTS (SELECT FROM pg_catalog.pg_index i WHERE i.indrelid OPERATOR(pg_catalog.=) c.oid AND i.indisprimary)
    AS has_key,
  {lacks} AS lacks,
  (SELECT pg_catalog.array_agg(pg_catalog.concat(p.pubname::pg_catalog.text, ':', p.pubupdate::pg_catalog.text,
                                                 ':', p.pubdelete::pg_catalog.text) ORDER BY p.pubname)
   FROM pg_catalog.pg_publication p
   WHERE (p.pubupdate OR p.pubdelete) AND (p.puballtables
     OR EXISTS (SELECT FROM pg_catalog.pg_publication_rel r WHERE r.prpubid OPERATOR(pg_catalog.=) p.oid
                AND (r.prrelid OPERATOR(pg_catalog.=) c.oid
                     OR r.prrelid IN (SELECT a.relid FROM pg_catalog.pg_partition_ancestors(c.oid) a))){in_schema}))
    AS publications
FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace
WHERE c.oid OPERATOR(pg_catalog.=) pg_catalog.to_regclass($1) AND c.relkind IN ('r', 'p')
"""
_IN_SCHEMA = """
     OR EXISTS (SELECT FROM pg_catalog.pg_publication_namespace s WHERE s.pnpubid OPERATOR(pg_catalog.=) p.oid
                AND s.pnnspid OPERATOR(pg_catalog.=) c.relnamespace)"""

# Permanent tables without a replica identity: of one schema ($1), or of every user schema ($1 NULL).
_LACKING = """
SELECT {qualified} AS q FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace
WHERE c.relkind IN ('r', 'p') AND c.relpersistence OPERATOR(pg_catalog.=) 'p' AND NOT c.relispartition
  AND ($1::pg_catalog.text IS NULL OR n.nspname OPERATOR(pg_catalog.=) $1::pg_catalog.text)
  AND n.nspname OPERATOR(pg_catalog.<>) ALL (ARRAY['pg_catalog', 'information_schema'])
  AND n.nspname OPERATOR(pg_catalog.!~) '^pg_(toast|temp_)' AND {lacks}
ORDER BY 1
"""

# A live publication's flags, and the tables it publishes that lack an identity (for SET (publish = ...)).
_PUBLICATION = """
SELECT p.pubupdate, p.pubdelete, ARRAY(SELECT pg_catalog.concat(pg_catalog.quote_ident(t.schemaname),
         '.', pg_catalog.quote_ident(t.tablename))
       FROM pg_catalog.pg_publication_tables t
       JOIN pg_catalog.pg_namespace n ON n.nspname OPERATOR(pg_catalog.=) t.schemaname
       JOIN pg_catalog.pg_class c ON c.relnamespace OPERATOR(pg_catalog.=) n.oid
                                 AND c.relname OPERATOR(pg_catalog.=) t.tablename
       WHERE t.pubname OPERATOR(pg_catalog.=) p.pubname AND {lacks} ORDER BY 1) AS lacking
FROM pg_catalog.pg_publication p WHERE p.pubname OPERATOR(pg_catalog.=) $1
"""


@dataclass(frozen=True)
class _Flags:
    update: bool
    delete: bool

    @property
    def any(self) -> bool:
        return self.update or self.delete

    @property
    def verbs(self) -> str:
        return " and ".join(v for v, on in (("UPDATE", self.update), ("DELETE", self.delete)) if on)

    @property
    def published(self) -> str:
        return " and ".join(w for w, on in (("updates", self.update), ("deletes", self.delete)) if on)


def _publish_option(options: Any, default: _Flags) -> _Flags:
    for option in options or ():
        element = option.get("DefElem", {})
        if element.get("defname") == "publish":
            words = {
                w.strip().lower()
                for w in str(element.get("arg", {}).get("String", {}).get("sval", "")).split(",")
            }
            return _Flags("update" in words, "delete" in words)
    return default


def _gives_identity(body: dict[str, Any]) -> bool:
    """ALTER TABLE commands that leave the table an identity: a primary key added, FULL, or USING INDEX."""
    for item in body.get("cmds") or ():
        command = item.get("AlterTableCmd", {})
        definition = command.get("def", {})
        subtype = command.get("subtype")
        if (
            subtype == "AT_AddConstraint"
            and definition.get("Constraint", {}).get("contype") == "CONSTR_PRIMARY"
        ) or (
            subtype == "AT_ReplicaIdentity"
            and definition.get("ReplicaIdentityStmt", {}).get("identity_type") in ("f", "i")
        ):
            return True
    return False


def given_again(table: str, later: list[str]) -> bool:
    """A later statement of the same transaction gives `table` an identity again (the diff drops a primary key
    and adds the new one after): no UPDATE can run in between, the first statement's lock holds until commit.
    `later` ends where a statement PostgreSQL runs outside a transaction would commit the gap."""
    for sql in later:
        if runs_outside_transaction(sql):
            return False
        info = statement_info(sql)
        if info is None or info.node_type != "AlterTableStmt":
            continue
        relation = info.body.get("relation", {})
        if key(written(relation.get("schemaname"), relation.get("relname"))) == key(
            table
        ) and _gives_identity(info.body):
            return True
    return False


async def published_writes(facts: Facts, sql: str, created: set[str], later: list[str]) -> list[Hazard]:
    """The statement's hazard to writes on published tables; [] for any other statement. `later`: the
    statements after it in the file."""
    info = statement_info(sql)
    if info is None:
        return []
    body = info.body
    if info.node_type == "CreatePublicationStmt":
        flags = _publish_option(body.get("options"), _Flags(True, True))
        return await _publishing(facts, str(body.get("pubname")), flags, body, created)
    if info.node_type == "AlterPublicationStmt":
        name = str(body.get("pubname"))
        found = await _rows(facts, _PUBLICATION.format(lacks=_LACKS_IDENTITY), name)
        live = found[0] if found else None
        was = _Flags(bool(live["pubupdate"]), bool(live["pubdelete"])) if live else _Flags(True, True)
        flags = _publish_option(body.get("options"), was)
        if body.get("pubobjects") and body.get("action") != "AP_DropObjects":
            return await _publishing(facts, name, flags, body, created)
        widened = _Flags(flags.update and not was.update, flags.delete and not was.delete)
        if live is not None and widened.any and live["lacking"]:
            return [_added(list(live["lacking"]), name, widened)]
        return []
    if info.node_type == "CreateStmt" or (
        info.node_type == "CreateTableAsStmt" and body.get("objtype") == "OBJECT_TABLE"
    ):
        return await _created_without_key(facts, body, later)
    if info.node_type == "AlterTableStmt" and body.get("objtype") == "OBJECT_TABLE":
        return await _identity_taken(facts, body, created, later)
    if info.node_type == "DropStmt" and body.get("removeType") == "OBJECT_INDEX":
        return await _identity_index_dropped(facts, body, later)
    return []


async def _publishing(
    facts: Facts, name: str, flags: _Flags, body: dict[str, Any], created: set[str]
) -> list[Hazard]:
    """CREATE PUBLICATION, or ALTER PUBLICATION ... ADD / SET of tables or schemas."""
    if not flags.any:
        return []
    lacking: list[str] = []
    if body.get("for_all_tables"):
        lacking += await _lacking_in(facts, None)
    for item in body.get("pubobjects") or ():
        spec = item.get("PublicationObjSpec", {})
        kind = spec.get("pubobjtype")
        if kind == "PUBLICATIONOBJ_TABLE":
            relation = spec.get("pubtable", {}).get("relation", {})
            table = written(relation.get("schemaname"), relation.get("relname"))
            if key(table) not in created:
                row = await _table(facts, table)
                if row is not None and row["lacks"]:
                    lacking.append(str(row["q"]))
        elif kind == "PUBLICATIONOBJ_TABLES_IN_SCHEMA" and spec.get("name"):
            lacking += await _lacking_in(facts, str(spec["name"]))
    return [_added(sorted(set(lacking)), name, flags)] if lacking else []


# The publications that publish the updates or deletes of every table made in a schema ($1, else the one
# CREATE TABLE makes it in): FOR ALL TABLES, or FOR TABLES IN SCHEMA (PostgreSQL 15 and later).
_COVERING = """
SELECT pg_catalog.concat(p.pubname::pg_catalog.text, ':', p.pubupdate::pg_catalog.text, ':',
                         p.pubdelete::pg_catalog.text) AS entry
FROM pg_catalog.pg_publication p
WHERE (p.pubupdate OR p.pubdelete) AND (p.puballtables{in_schema})
ORDER BY p.pubname
"""
_SCHEMA_COVERED = """
  OR EXISTS (SELECT FROM pg_catalog.pg_publication_namespace s JOIN pg_catalog.pg_namespace n
             ON n.oid OPERATOR(pg_catalog.=) s.pnnspid WHERE s.pnpubid OPERATOR(pg_catalog.=) p.oid
             AND n.nspname OPERATOR(pg_catalog.=) COALESCE($1::pg_catalog.text, pg_catalog.current_schema()))"""


async def _created_without_key(facts: Facts, body: dict[str, Any], later: list[str]) -> list[Hazard]:
    """A permanent table made without a primary key where a publication publishes every table's updates or
    deletes (FOR ALL TABLES, its schema's), unless a later statement of the transaction gives it one. A
    partition takes its parent's key."""
    relation = body.get("relation") or body.get("into", {}).get("rel", {})
    if relation.get("relpersistence", "p") != "p" or body.get("partbound") or body.get("ofTypename"):
        return []
    elements = body.get("tableElts") or ()
    keyed = any(
        c.get("Constraint", {}).get("contype") == "CONSTR_PRIMARY"
        for e in elements
        for c in [e, *e.get("ColumnDef", {}).get("constraints", ())]
    )
    table = written(relation.get("schemaname"), relation.get("relname"))
    if keyed:
        return []
    in_schema = _SCHEMA_COVERED if facts.conn.get_server_version().major >= 15 else ""
    rows = await _rows(facts, _COVERING.format(in_schema=in_schema), relation.get("schemaname"))
    publications = _publications(r["entry"] for r in rows)
    # The later statements are read only where a publication would make the table's writes fail
    if not publications or given_again(table, later):
        return []
    flags = _combined(publications)
    return [
        Hazard(
            "backward-incompatible",
            f"{flags.verbs} on {table} fail once it is made: publication {', '.join(n for n, _ in publications)} "
            f"publishes the {flags.published} of every table made there, and it has no primary key (so no "
            "replica identity); give it one in this migration, or REPLICA IDENTITY FULL",
        )
    ]


def _added(tables: list[str], publication: str, flags: _Flags) -> Hazard:
    shown = ", ".join(tables[:_SHOWN]) + (f" and {len(tables) - _SHOWN} more" if len(tables) > _SHOWN else "")
    one = len(tables) == 1
    return Hazard(
        "backward-incompatible",
        f"{flags.verbs} on {shown} fail once publication {publication} publishes {flags.published}: "
        f"{'it has' if one else 'they have'} no replica identity (no primary key, REPLICA IDENTITY NOTHING, or "
        "its identity index gone); give each a primary key or REPLICA IDENTITY FULL first, or publish inserts "
        "only",
    )


async def _lacking_in(facts: Facts, schema: str | None) -> list[str]:
    rows = await _rows(facts, _LACKING.format(qualified=_QUALIFIED, lacks=_LACKS_IDENTITY), schema)
    return [str(r["q"]) for r in rows]


async def _rows(facts: Facts, sql: str, *args: Any) -> list[Any]:
    """In a savepoint: a schema this role may not use raises, and the review's transaction goes on (unknown
    facts: nothing said)."""
    try:
        async with facts.conn.transaction():
            return list(await facts.conn.fetch(sql, *args))
    except (asyncpg.PostgresError, asyncpg.InterfaceError):
        return []


async def _table(facts: Facts, name: str) -> Any:
    in_schema = _IN_SCHEMA if facts.conn.get_server_version().major >= 15 else ""
    sql = _TABLE.format(qualified=_QUALIFIED, lacks=_LACKS_IDENTITY, in_schema=in_schema)
    found = await _rows(facts, sql, regclass_text(name))
    return found[0] if found else None


def _publications(entries: Iterable[str] | None) -> list[tuple[str, _Flags]]:
    """`name:pubupdate:pubdelete` entries, as the queries write them."""
    found = []
    for entry in entries or ():
        name, update, delete = str(entry).rsplit(":", 2)
        found.append((name, _Flags(update == "true", delete == "true")))
    return found


def _combined(publications: list[tuple[str, _Flags]]) -> _Flags:
    return _Flags(any(f.update for _, f in publications), any(f.delete for _, f in publications))


async def _identity_taken(
    facts: Facts, body: dict[str, Any], created: set[str], later: list[str]
) -> list[Hazard]:
    """ALTER TABLE ... REPLICA IDENTITY NOTHING (or DEFAULT without a key), or DROP CONSTRAINT of the key the
    identity rests on, on a published table; not where the same statement or a later one of its transaction
    gives it one again."""
    relation = body.get("relation", {})
    table = written(relation.get("schemaname"), relation.get("relname"))
    if key(table) in created or _gives_identity(body) or given_again(table, later):
        return []
    row = None
    for item in body.get("cmds") or ():
        command = item.get("AlterTableCmd", {})
        subtype = command.get("subtype")
        if subtype not in ("AT_ReplicaIdentity", "AT_DropConstraint"):
            continue
        row = row or await _table(facts, table)
        if row is None or row["lacks"] or not row["publications"]:
            return []
        why = ""
        if subtype == "AT_ReplicaIdentity":
            identity = command.get("def", {}).get("ReplicaIdentityStmt", {}).get("identity_type")
            if identity == "n":
                why = "REPLICA IDENTITY NOTHING"
            elif identity == "d" and not row["has_key"]:
                why = "REPLICA IDENTITY DEFAULT, and it has no primary key"
        elif await _backs_identity(facts, int(row["oid"]), str(command.get("name")), str(row["replident"])):
            why = f"its replica identity rests on {command.get('name')}, which the statement drops"
        if why:
            return [_taken(str(row["q"]), _publications(row["publications"]), why)]
    return []


async def _backs_identity(facts: Facts, table: int, constraint: str, replident: str) -> bool:
    """The constraint is the primary key a DEFAULT identity uses, or owns the index a USING INDEX one names."""
    return bool(
        await facts.scalar(
            "SELECT EXISTS (SELECT FROM pg_catalog.pg_constraint k JOIN pg_catalog.pg_index i "
            "ON i.indexrelid OPERATOR(pg_catalog.=) k.conindid WHERE k.conrelid OPERATOR(pg_catalog.=) "
            "$1::pg_catalog.oid AND k.conname OPERATOR(pg_catalog.=) $2 AND CASE $3::pg_catalog.text "
            "WHEN 'd' THEN i.indisprimary WHEN 'i' THEN i.indisreplident ELSE false END)",
            table,
            constraint,
            replident,
        )
    )


async def _identity_index_dropped(facts: Facts, body: dict[str, Any], later: list[str]) -> list[Hazard]:
    hazards = []
    for item in body.get("objects") or ():
        index = written(
            *[p["String"]["sval"] for p in item.get("List", {}).get("items", ()) if "String" in p]
        )
        owner = await facts.scalar(
            "SELECT i.indrelid::pg_catalog.regclass::pg_catalog.text FROM pg_catalog.pg_index i "
            "WHERE i.indexrelid OPERATOR(pg_catalog.=) pg_catalog.to_regclass($1) AND i.indisreplident",
            regclass_text(index),
        )
        row = await _table(facts, str(owner)) if owner else None
        if (
            row is not None
            and row["publications"]
            and not row["lacks"]
            and not given_again(str(owner), later)
        ):
            why = f"its replica identity is REPLICA IDENTITY USING INDEX {index}, which the statement drops"
            hazards.append(_taken(str(row["q"]), _publications(row["publications"]), why))
    return hazards


def _taken(table: str, publications: list[tuple[str, _Flags]], why: str) -> Hazard:
    flags = _combined(publications)
    names = ", ".join(name for name, _ in publications)
    return Hazard(
        "backward-incompatible",
        f"{flags.verbs} on {table} fail after this statement: publication {names} publishes its "
        f"{flags.published} and the statement leaves it no replica identity ({why}); set REPLICA IDENTITY FULL "
        "or USING INDEX of a unique index first",
    )
