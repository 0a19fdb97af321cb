"""What the migration reviewer needs to know of one statement, read from its parse tree (`core.sqlparse`):
which table it creates, indexes, drops, empties, alters or updates, and the strongest table lock it takes.

Names are given as written in a migration would spell them (`app."Orders"`): the reviewer resolves them on the
session's search path, as the migration's own statements would be, and shows them in its messages.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ..sqlparse import statement_info, strip_comments
from .names import NAME, split_top_level

_PLAIN = re.compile(r"[a-z_][a-z0-9_$]*")
_RENAMED_OBJECTS = frozenset(
    {"OBJECT_VIEW", "OBJECT_MATVIEW", "OBJECT_FUNCTION", "OBJECT_TYPE", "OBJECT_SEQUENCE", "OBJECT_SCHEMA"}
)


@dataclass(frozen=True)
class Shape:
    """`action` is create-table, create-index, drop-tables, drop-index, alter-table, alter-typed-tables,
    rename-object, update, vacuum-full, reindex, lock-table or other; `table` the table it acts on (as written;
    alter-typed-tables: the composite type)."""

    action: str = "other"
    table: str = ""
    tables: tuple[str, ...] = ()  # DROP TABLE / TRUNCATE / LOCK targets, DROP INDEX names
    verb: str = ""  # DROP or TRUNCATE; LOCK's mode
    unique: bool = False
    concurrent: bool = False
    columns: tuple[str, ...] | None = None  # an index's plain columns; None when a key is an expression
    set_columns: tuple[str, ...] = ()  # UPDATE's assigned columns
    lock: str = ""  # "ACCESS EXCLUSIVE on t"; ALTER TABLE's is worked out per action by the reviewer
    of_index: bool = False  # REINDEX INDEX: `table` names the index


def written(*parts: str | None) -> str:
    """A name as a migration would write it: parts joined by dots, quoted only where needed."""
    return ".".join(p if _PLAIN.fullmatch(p) else '"' + p.replace('"', '""') + '"' for p in parts if p)


def enum_name(value: Any) -> str:
    """A parse-tree enum (pglast's node objects) by its name: `OBJECT_TABLE`, `DROP_CASCADE`."""
    return str(getattr(value, "name", value))


def rangevar_name(rangevar: Any) -> str:
    """A RangeVar node object's name as the migration writes it."""
    return written(getattr(rangevar, "schemaname", None), getattr(rangevar, "relname", None))


def _relation(value: Any) -> str:
    rangevar = value.get("RangeVar", value) if isinstance(value, dict) else {}
    return written(rangevar.get("schemaname"), rangevar.get("relname")) if "relname" in rangevar else ""


def _dotted(items: Any) -> str:
    return written(*[i["String"]["sval"] for i in items.get("List", {}).get("items", ()) if "String" in i])


def shape_of(sql: str) -> Shape:
    """The statement's shape; `Shape()` (other) when it does not parse as one statement."""
    info = statement_info(sql)
    if info is None:
        return Shape()
    node_type, body = info.node_type, info.body
    if node_type == "CreateStmt" or (
        node_type == "CreateTableAsStmt" and body.get("objtype") == "OBJECT_TABLE"
    ):
        return Shape("create-table", _relation(body.get("relation") or body.get("into", {}).get("rel")))
    if node_type == "IndexStmt":
        return _index(body)
    if node_type == "DropStmt" and body.get("removeType") in ("OBJECT_TABLE", "OBJECT_INDEX"):
        return _drop(body)
    if node_type == "TruncateStmt":
        names = tuple(_relation(r) for r in body.get("relations", ()))
        return Shape("drop-tables", tables=names, verb="TRUNCATE", lock=_lock("ACCESS EXCLUSIVE", names[:1]))
    if _alters_table(node_type, body):
        table = _relation(body.get("relation"))
        return Shape("alter-table", table, lock=_lock(_alter_lock(node_type, body), (table,)))
    if _alters_typed_tables(node_type, body):  # RENAME ATTRIBUTE ... CASCADE a rename as well
        composite = _relation(body.get("relation"))
        action = "rename-object" if node_type == "RenameStmt" else "alter-typed-tables"
        return Shape(action, composite, lock=f"ACCESS EXCLUSIVE on each table of type {composite}")
    if _alters_index(node_type, body):  # an index's own lock: SHARE UPDATE EXCLUSIVE but to move it
        index = _relation(body.get("relation"))
        mode = "SHARE UPDATE EXCLUSIVE" if node_type == "RenameStmt" else _alter_lock(node_type, body)
        return Shape(lock=_lock(mode, (index,)))
    if _renames_object(node_type, body):
        return Shape("rename-object")
    if node_type in ("InsertStmt", "UpdateStmt", "DeleteStmt", "MergeStmt"):
        table = _relation(body.get("relation"))
        assigned = tuple(
            t["ResTarget"]["name"] for t in body.get("targetList", ()) if node_type == "UpdateStmt"
        )
        action = "update" if node_type == "UpdateStmt" else "other"
        return Shape(action, table, set_columns=assigned, lock=_lock("ROW EXCLUSIVE", (table,)))
    if (locking := _locking(node_type, body)) is not None:
        return locking
    if node_type == "VacuumStmt" and any(
        o.get("DefElem", {}).get("defname") == "full" for o in body.get("options", ())
    ):
        rels = tuple(_relation(r.get("VacuumRelation", {}).get("relation", {})) for r in body.get("rels", ()))
        return Shape("vacuum-full", tables=rels, lock=_lock("ACCESS EXCLUSIVE", rels[:1]))
    if node_type == "ReindexStmt" and body.get("kind") in ("REINDEX_OBJECT_TABLE", "REINDEX_OBJECT_INDEX"):
        concurrent = any(
            o.get("DefElem", {}).get("defname") == "concurrently" for o in body.get("params", ())
        )
        on_index = body["kind"] == "REINDEX_OBJECT_INDEX"
        relation = _relation(body.get("relation"))
        lock = _lock("SHARE UPDATE EXCLUSIVE", (relation,)) if concurrent else ""
        return Shape("reindex", relation, concurrent=concurrent, lock=lock, of_index=on_index)
    return Shape()


def column_moves(sql: str) -> tuple[set[tuple[str, str]], set[tuple[str, str]]]:
    """The (table, column) pairs an ALTER TABLE drops and those it adds, names as the reviewer writes them;
    empty for any other statement."""
    if "ALTER" not in sql.upper():  # the common case, without a parse (a data migration's 50,000 INSERTs)
        return set(), set()
    info = statement_info(sql)
    if info is None or info.node_type != "AlterTableStmt":
        return set(), set()
    table = _relation(info.body.get("relation"))
    dropped: set[tuple[str, str]] = set()
    added: set[tuple[str, str]] = set()
    for item in info.body.get("cmds", ()):
        cmd = item.get("AlterTableCmd", {})
        if cmd.get("subtype") == "AT_DropColumn" and cmd.get("name"):
            dropped.add((table, cmd["name"]))
        elif cmd.get("subtype") == "AT_AddColumn" and (
            name := cmd.get("def", {}).get("ColumnDef", {}).get("colname")
        ):
            added.add((table, name))
    return dropped, added


def _drop(body: dict[str, Any]) -> Shape:
    names = tuple(_dotted(o) for o in body.get("objects", ()))
    if body["removeType"] == "OBJECT_INDEX":
        concurrent = bool(body.get("concurrent"))
        lock = _lock("SHARE UPDATE EXCLUSIVE", names[:1]) if concurrent else ""  # else its table's: the trace
        return Shape("drop-index", tables=names, concurrent=concurrent, lock=lock)
    return Shape("drop-tables", tables=names, verb="DROP", lock=_lock("ACCESS EXCLUSIVE", names[:1]))


def _locking(node_type: str, body: dict[str, Any]) -> Shape | None:
    """The statements whose shape is their lock alone: LOCK (on every table named, and their partitions and
    children without ONLY), CREATE TRIGGER, REFRESH MATERIALIZED VIEW, CLUSTER."""
    if node_type == "LockStmt":
        names = tuple(_relation(r) for r in body.get("relations", ()))
        mode = _LOCK_MODES[int(body.get("mode", 8)) - 1]
        return Shape("lock-table", tables=names, verb=mode, lock=_lock(mode, names[:1]))
    if node_type == "CreateTrigStmt":
        return Shape(lock=_lock("SHARE ROW EXCLUSIVE", (_relation(body.get("relation")),)))
    if node_type == "RefreshMatViewStmt" and not body.get("concurrent"):
        return Shape(lock=_lock("ACCESS EXCLUSIVE", (_relation(body.get("relation")),)))
    if node_type == "ClusterStmt" and body.get("relation"):
        return Shape(lock=_lock("ACCESS EXCLUSIVE", (_relation(body["relation"]),)))
    return None


# LOCK's modes by their number in the parse tree (lockdefs.h: AccessShareLock is 1)
_LOCK_MODES = (
    "ACCESS SHARE",
    "ROW SHARE",
    "ROW EXCLUSIVE",
    "SHARE UPDATE EXCLUSIVE",
    "SHARE",
    "SHARE ROW EXCLUSIVE",
    "EXCLUSIVE",
    "ACCESS EXCLUSIVE",
)


def _lock(mode: str, names: tuple[str, ...]) -> str:
    return f"{mode} on {names[0]}" if names and names[0] else ""


def _index(body: dict[str, Any]) -> Shape:
    table = _relation(body.get("relation"))
    elements = [e.get("IndexElem", {}) for e in body.get("indexParams", ())]
    plain = all("name" in e and not e.get("expr") for e in elements)
    concurrent = bool(body.get("concurrent"))
    return Shape(
        "create-index",
        table,
        unique=bool(body.get("unique")),
        concurrent=concurrent,
        columns=tuple(e["name"] for e in elements) if plain and elements else None,
        lock=_lock("SHARE UPDATE EXCLUSIVE" if concurrent else "SHARE (blocks writes)", (table,)),
    )


# ALTER TABLE forms that take less than ACCESS EXCLUSIVE, as PostgreSQL documents them.
_SHARE_UPDATE_EXCLUSIVE = frozenset(
    {
        "AT_ValidateConstraint",
        "AT_SetStatistics",
        "AT_SetOptions",
        "AT_ResetOptions",
        "AT_ClusterOn",
        "AT_DropCluster",
        "AT_AttachPartition",
        "AT_DetachPartitionFinalize",
    }
)
# Storage parameters whose SET or RESET takes ACCESS EXCLUSIVE (AlterTableGetRelOptionsLockLevel: the view
# options and user_catalog_table); a table's others (fillfactor, autovacuum_*, toast.*, ...) SHARE UPDATE
# EXCLUSIVE.
_EXCLUSIVE_OPTIONS = frozenset({"user_catalog_table", "security_barrier", "security_invoker", "check_option"})
_SHARE_ROW_EXCLUSIVE = frozenset(
    {
        "AT_EnableTrig",
        "AT_EnableAlwaysTrig",
        "AT_EnableReplicaTrig",
        "AT_DisableTrig",
        "AT_EnableTrigAll",
        "AT_DisableTrigAll",
        "AT_EnableTrigUser",
        "AT_DisableTrigUser",
    }
)
_LOCK_ORDER = ("SHARE UPDATE EXCLUSIVE", "SHARE ROW EXCLUSIVE", "ACCESS EXCLUSIVE")


def _alter_lock(node_type: str, body: dict[str, Any]) -> str:
    """The strongest lock of an ALTER TABLE's actions."""
    if node_type != "AlterTableStmt":
        return "ACCESS EXCLUSIVE"  # RENAME, SET SCHEMA
    modes = [_action_lock(c.get("AlterTableCmd", {})) for c in body.get("cmds", ())]
    return max(modes, key=_LOCK_ORDER.index) if modes else ""


def action_locks(sql: str) -> tuple[str, ...]:
    """The lock each action of an ALTER TABLE takes, in the order written; () for any other statement."""
    info = statement_info(sql)
    if info is None or info.node_type != "AlterTableStmt":
        return ()
    return tuple(_action_lock(c.get("AlterTableCmd", {})) for c in info.body.get("cmds", ()))


def _action_lock(cmd: dict[str, Any]) -> str:
    subtype = cmd.get("subtype", "")
    definition = cmd.get("def") or {}
    if subtype in ("AT_SetRelOptions", "AT_ResetRelOptions"):
        names = {o.get("DefElem", {}).get("defname") for o in definition.get("List", {}).get("items", ())}
        return "ACCESS EXCLUSIVE" if names & _EXCLUSIVE_OPTIONS else "SHARE UPDATE EXCLUSIVE"
    if subtype in _SHARE_UPDATE_EXCLUSIVE or (
        subtype == "AT_DetachPartition" and definition.get("PartitionCmd", {}).get("concurrent")
    ):
        return "SHARE UPDATE EXCLUSIVE"
    foreign_key = definition.get("Constraint", {}).get("contype") == "CONSTR_FOREIGN"
    if subtype in _SHARE_ROW_EXCLUSIVE or (subtype == "AT_AddConstraint" and foreign_key):
        return "SHARE ROW EXCLUSIVE"
    return "ACCESS EXCLUSIVE"


def _alters_table(node_type: str, body: dict[str, Any]) -> bool:
    """ALTER TABLE in every form the grammar gives it a node of its own (RENAME, SET SCHEMA)."""
    if node_type == "AlterTableStmt":
        return body.get("objtype") == "OBJECT_TABLE"
    if node_type == "RenameStmt":
        return "OBJECT_TABLE" in (body.get("renameType"), body.get("relationType"))
    return node_type == "AlterObjectSchemaStmt" and body.get("objectType") == "OBJECT_TABLE"


def _alters_typed_tables(node_type: str, body: dict[str, Any]) -> bool:
    """ALTER TYPE ... ADD / DROP / ALTER / RENAME ATTRIBUTE ... CASCADE: each table of the type (CREATE TABLE ...
    OF) is altered with it, under ACCESS EXCLUSIVE (without CASCADE the server refuses it while such a table
    exists)."""
    if node_type == "RenameStmt":
        return body.get("renameType") == "OBJECT_ATTRIBUTE" and body.get("behavior") == "DROP_CASCADE"
    return (
        node_type == "AlterTableStmt"
        and body.get("objtype") == "OBJECT_TYPE"
        and any(c.get("AlterTableCmd", {}).get("behavior") == "DROP_CASCADE" for c in body.get("cmds", ()))
    )


def typed_table_actions(sql: str) -> list[str]:
    """What ALTER TYPE ... ATTRIBUTE ... CASCADE does to each table of the type, as ALTER TABLE actions (ATTRIBUTE
    read as COLUMN); an action without CASCADE reaches none."""
    m = re.match(rf"ALTER\s+TYPE\s+{NAME}\s+(.*)", strip_comments(sql), re.IGNORECASE | re.DOTALL)
    return [
        re.sub(
            r"^(ADD|DROP|ALTER|RENAME)\s+ATTRIBUTE\b", r"\1 COLUMN", action[: c.start()].strip(), flags=re.I
        )
        for action in split_top_level(m.group(1) if m else "")
        if (c := re.search(r"\s+CASCADE\s*$", action, re.IGNORECASE))
    ]


def _alters_index(node_type: str, body: dict[str, Any]) -> bool:
    """ALTER INDEX ... RENAME, SET (...), SET TABLESPACE: the lock is on the index."""
    if node_type == "RenameStmt":
        return body.get("renameType") == "OBJECT_INDEX"
    return node_type == "AlterTableStmt" and body.get("objtype") == "OBJECT_INDEX"


def _renames_object(node_type: str, body: dict[str, Any]) -> bool:
    """A view, function, type, sequence or schema renamed or moved: clients that use the old name break."""
    if node_type == "RenameStmt":
        return bool({body.get("renameType"), body.get("relationType")} & _RENAMED_OBJECTS)
    if node_type == "AlterObjectSchemaStmt":
        return body.get("objectType") in _RENAMED_OBJECTS
    return node_type == "AlterEnumStmt" and bool(body.get("oldVal"))


def lock_taken(sql: str) -> str:
    """The strongest table lock a statement takes, as PostgreSQL documents it per command and ALTER form."""
    return shape_of(sql).lock
