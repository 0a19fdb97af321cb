"""Statement kinds from the parse tree: a stable short name ("CREATE TABLE", "DROP DATABASE", "CREATE INDEX
CONCURRENTLY"), the objects a statement names, and whether PostgreSQL runs it only outside a transaction block.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

_OBJECT_WORDS = dict(
    line.split(": ", 1)
    for line in """
MATVIEW: MATERIALIZED VIEW
FOREIGN_TABLE: FOREIGN TABLE
TSCONFIGURATION: TEXT SEARCH CONFIGURATION
TSDICTIONARY: TEXT SEARCH DICTIONARY
TSPARSER: TEXT SEARCH PARSER
TSTEMPLATE: TEXT SEARCH TEMPLATE
FDW: FOREIGN DATA WRAPPER
FOREIGN_SERVER: SERVER
OPCLASS: OPERATOR CLASS
OPFAMILY: OPERATOR FAMILY
TABCONSTRAINT: CONSTRAINT
DOMCONSTRAINT: CONSTRAINT
EVENT_TRIGGER: EVENT TRIGGER
LARGEOBJECT: LARGE OBJECT
USER_MAPPING: USER MAPPING
PARAMETER_ACL: PARAMETER
STATISTIC_EXT: STATISTICS
ACCESS_METHOD: ACCESS METHOD
DEFACL: DEFAULT PRIVILEGES
PUBLICATION_NAMESPACE: PUBLICATION
PUBLICATION_REL: PUBLICATION
TRANSFORM: TRANSFORM
AMOP: OPERATOR
AMPROC: FUNCTION
ATTRIBUTE: ATTRIBUTE
""".strip().splitlines()
)
_FIXED_KINDS = dict(
    line.split(": ", 1)
    for line in """
CreateStmt: CREATE TABLE
ViewStmt: CREATE VIEW
CreateSchemaStmt: CREATE SCHEMA
CreateExtensionStmt: CREATE EXTENSION
AlterExtensionStmt: ALTER EXTENSION
AlterExtensionContentsStmt: ALTER EXTENSION
DoStmt: DO
CreateSeqStmt: CREATE SEQUENCE
AlterSeqStmt: ALTER SEQUENCE
CreateEnumStmt: CREATE TYPE
AlterEnumStmt: ALTER TYPE
CompositeTypeStmt: CREATE TYPE
CreateRangeStmt: CREATE TYPE
CreateDomainStmt: CREATE DOMAIN
AlterDomainStmt: ALTER DOMAIN
CreateTrigStmt: CREATE TRIGGER
CreateEventTrigStmt: CREATE EVENT TRIGGER
AlterEventTrigStmt: ALTER EVENT TRIGGER
RuleStmt: CREATE RULE
CreatePolicyStmt: CREATE POLICY
AlterPolicyStmt: ALTER POLICY
CreateCastStmt: CREATE CAST
CreateConversionStmt: CREATE CONVERSION
CreateOpClassStmt: CREATE OPERATOR CLASS
CreateOpFamilyStmt: CREATE OPERATOR FAMILY
AlterOpFamilyStmt: ALTER OPERATOR FAMILY
AlterOperatorStmt: ALTER OPERATOR
AlterTypeStmt: ALTER TYPE
AlterTSDictionaryStmt: ALTER TEXT SEARCH DICTIONARY
AlterTSConfigurationStmt: ALTER TEXT SEARCH CONFIGURATION
AlterCollationStmt: ALTER COLLATION
CreateFdwStmt: CREATE FOREIGN DATA WRAPPER
AlterFdwStmt: ALTER FOREIGN DATA WRAPPER
CreateForeignServerStmt: CREATE SERVER
AlterForeignServerStmt: ALTER SERVER
CreateForeignTableStmt: CREATE FOREIGN TABLE
CreateUserMappingStmt: CREATE USER MAPPING
AlterUserMappingStmt: ALTER USER MAPPING
DropUserMappingStmt: DROP USER MAPPING
CreatePLangStmt: CREATE LANGUAGE
CreateTransformStmt: CREATE TRANSFORM
CreateAmStmt: CREATE ACCESS METHOD
CreatePublicationStmt: CREATE PUBLICATION
AlterPublicationStmt: ALTER PUBLICATION
CreateStatsStmt: CREATE STATISTICS
AlterStatsStmt: ALTER STATISTICS
RefreshMatViewStmt: REFRESH MATERIALIZED VIEW
AlterObjectDependsStmt: ALTER ... DEPENDS ON EXTENSION
AlterDefaultPrivilegesStmt: ALTER DEFAULT PRIVILEGES
CreatedbStmt: CREATE DATABASE
DropdbStmt: DROP DATABASE
AlterDatabaseStmt: ALTER DATABASE
AlterDatabaseSetStmt: ALTER DATABASE
AlterDatabaseRefreshCollStmt: ALTER DATABASE
AlterRoleStmt: ALTER ROLE
AlterRoleSetStmt: ALTER ROLE
DropRoleStmt: DROP ROLE
CreateTableSpaceStmt: CREATE TABLESPACE
DropTableSpaceStmt: DROP TABLESPACE
AlterTableSpaceOptionsStmt: ALTER TABLESPACE
AlterTableMoveAllStmt: ALTER ... ALL IN TABLESPACE
AlterSystemStmt: ALTER SYSTEM
CopyStmt: COPY
LoadStmt: LOAD
CheckPointStmt: CHECKPOINT
ClusterStmt: CLUSTER
CreateSubscriptionStmt: CREATE SUBSCRIPTION
AlterSubscriptionStmt: ALTER SUBSCRIPTION
DropSubscriptionStmt: DROP SUBSCRIPTION
ListenStmt: LISTEN
UnlistenStmt: UNLISTEN
NotifyStmt: NOTIFY
InsertStmt: INSERT
UpdateStmt: UPDATE
DeleteStmt: DELETE
MergeStmt: MERGE
SelectStmt: SELECT
CallStmt: CALL
PrepareStmt: PREPARE
ExecuteStmt: EXECUTE
DeallocateStmt: DEALLOCATE
SecLabelStmt: SECURITY LABEL
ImportForeignSchemaStmt: IMPORT FOREIGN SCHEMA
DropOwnedStmt: DROP OWNED
ReassignOwnedStmt: REASSIGN OWNED
VariableShowStmt: SHOW
DiscardStmt: DISCARD
LockStmt: LOCK
ExplainStmt: EXPLAIN
TruncateStmt: TRUNCATE
ConstraintsSetStmt: SET CONSTRAINTS
DeclareCursorStmt: DECLARE
FetchStmt: FETCH
ClosePortalStmt: CLOSE
AlterFunctionStmt: ALTER FUNCTION
CreateFunctionStmt: CREATE FUNCTION
IndexStmt: CREATE INDEX
VacuumStmt: VACUUM
ReindexStmt: REINDEX
CreateRoleStmt: CREATE ROLE
""".strip().splitlines()
)


_ALWAYS_ALONE = frozenset(
    "CreatedbStmt DropdbStmt AlterSystemStmt CreateTableSpaceStmt DropTableSpaceStmt CreateSubscriptionStmt "
    "DropSubscriptionStmt".split()
)


def _object_word(objtype: str | None) -> str:
    word = (objtype or "OBJECT_UNKNOWN").removeprefix("OBJECT_")
    return _OBJECT_WORDS.get(word, word.replace("_", " "))


def _has_option(options: Any, name: str) -> bool:
    return any(isinstance(o, dict) and o.get("DefElem", {}).get("defname") == name for o in options or ())


def describe(node: dict[str, Any]) -> tuple[str, bool]:
    """A statement's kind and whether migrate runs it alone, outside a transaction block."""
    node_type: str = next(iter(node), "")
    body: dict[str, Any] = node.get(node_type) or {}
    rule = _RULES.get(node_type)
    kind, alone = rule(node_type, body) if rule else (None, node_type in _ALWAYS_ALONE)
    kind = _FIXED_KINDS.get(node_type, "") if kind is None else kind
    if not kind:
        kind = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", node_type.removesuffix("Stmt")).upper() or "EMPTY"
    return kind, alone


# One rule per node type whose kind or need to run alone depends on its fields: (kind, alone), the kind None
# when the fixed kind stands.
_Rule = Callable[[str, dict[str, Any]], tuple[str | None, bool]]


def _index(_: str, body: dict[str, Any]) -> tuple[str | None, bool]:
    alone = bool(body.get("concurrent"))
    return ("CREATE INDEX CONCURRENTLY" if alone else "CREATE INDEX"), alone


def _create_table_as(_: str, body: dict[str, Any]) -> tuple[str | None, bool]:
    if body.get("is_select_into"):
        return "SELECT INTO", False
    return (
        "CREATE MATERIALIZED VIEW" if body.get("objtype") == "OBJECT_MATVIEW" else "CREATE TABLE AS"
    ), False


def _alter_table(_: str, body: dict[str, Any]) -> tuple[str | None, bool]:
    alone = any(
        c.get("AlterTableCmd", {}).get("subtype") == "AT_DetachPartition"
        and c["AlterTableCmd"].get("def", {}).get("PartitionCmd", {}).get("concurrent")
        for c in body.get("cmds", ())
    )
    return f"ALTER {_object_word(body.get('objtype'))}", alone


def _drop(_: str, body: dict[str, Any]) -> tuple[str | None, bool]:
    alone = bool(body.get("concurrent"))
    return f"DROP {_object_word(body.get('removeType'))}" + (" CONCURRENTLY" if alone else ""), alone


def _grant(_: str, body: dict[str, Any]) -> tuple[str | None, bool]:
    verb = "GRANT" if body.get("is_grant") else "REVOKE"
    target = body.get("targtype")
    on = "DEFAULT PRIVILEGES" if target == "ACL_TARGET_DEFAULTS" else _object_word(body.get("objtype"))
    return f"{verb} ON {on}", False


def _role(node_type: str, body: dict[str, Any]) -> tuple[str | None, bool]:
    verb = {"CreateRoleStmt": "CREATE", "AlterRoleStmt": "ALTER", "DropRoleStmt": "DROP"}[node_type]
    noun = {"ROLESTMT_USER": "USER", "ROLESTMT_GROUP": "GROUP"}.get(body.get("stmt_type", ""), "ROLE")
    return f"{verb} {noun}", False


def _reindex(_: str, body: dict[str, Any]) -> tuple[str | None, bool]:
    concurrently = _has_option(body.get("params"), "concurrently")
    # PostgreSQL reindexes a schema, a database, the system catalogs, and a partitioned table or index one
    # relation per transaction: never in a block. Whether a table is partitioned the text cannot tell, so every
    # REINDEX runs alone (core/migrations/files.py: alone_if_partitioned).
    return ("REINDEX CONCURRENTLY" if concurrently else "REINDEX"), True


def _vacuum(_: str, body: dict[str, Any]) -> tuple[str | None, bool]:
    alone = bool(body.get("is_vacuumcmd"))
    return ("VACUUM" if alone else "ANALYZE"), alone


def _on_object(prefix: str, field: str) -> _Rule:
    """A kind that is a fixed prefix and the object word of one field (ALTER VIEW, COMMENT ON TABLE)."""
    return lambda _, body: (f"{prefix}{_object_word(body.get(field))}", False)


_RULES: dict[str, _Rule] = {
    "IndexStmt": _index,
    "CreateTableAsStmt": _create_table_as,
    "CreateFunctionStmt": lambda _, b: (
        "CREATE PROCEDURE" if b.get("is_procedure") else "CREATE FUNCTION",
        False,
    ),
    "AlterFunctionStmt": _on_object("ALTER ", "objtype"),
    "AlterTableStmt": _alter_table,
    "DropStmt": _drop,
    "RenameStmt": _on_object("ALTER ", "renameType"),
    "AlterOwnerStmt": _on_object("ALTER ", "objectType"),
    "AlterObjectSchemaStmt": _on_object("ALTER ", "objectType"),
    "CommentStmt": _on_object("COMMENT ON ", "objtype"),
    "SecLabelStmt": _on_object("SECURITY LABEL ON ", "objtype"),
    "GrantStmt": _grant,
    "GrantRoleStmt": lambda _, b: ("GRANT ROLE" if b.get("is_grant") else "REVOKE ROLE", False),
    "CreateRoleStmt": _role,
    "AlterRoleStmt": _role,
    "DropRoleStmt": _role,
    "DefineStmt": _on_object("CREATE ", "kind"),
    "VacuumStmt": _vacuum,
    "ReindexStmt": _reindex,
    "DiscardStmt": lambda _, b: (None, b.get("target") == "DISCARD_ALL"),  # refused in a block
    "ClusterStmt": lambda _, b: (None, True),  # a partitioned table's, like REINDEX's, is refused in a block
    "CopyStmt": lambda _, b: ("COPY ... PROGRAM" if b.get("is_program") else "COPY", False),
    "TransactionStmt": lambda _, b: (
        b.get("kind", "TRANS_STMT_").removeprefix("TRANS_STMT_").replace("_", " "),
        False,
    ),
    "VariableSetStmt": lambda _, b: (_set_kind(b), False),
    "AlterEnumStmt": lambda _, b: (None, bool(b.get("newVal")) and not b.get("oldVal")),
    "AlterDatabaseStmt": lambda _, b: (None, _has_option(b.get("options"), "tablespace")),
}


def _set_kind(body: dict[str, Any]) -> str:
    name = body.get("name", "")
    verb = "RESET" if body.get("kind") in ("VAR_RESET", "VAR_RESET_ALL") else "SET"
    if name == "role":
        return f"{verb} ROLE"
    if name == "session_authorization":
        return f"{verb} SESSION AUTHORIZATION"
    if body.get("kind") == "VAR_RESET_ALL":
        return "RESET ALL"
    return f"{verb} {name}" if name else verb


def _dotted(items: Any) -> str:
    parts = []
    for item in items or ():
        if isinstance(item, dict) and "String" in item:
            parts.append(item["String"].get("sval", ""))
    return ".".join(parts)


def _name_of(value: Any) -> str:
    """A name as written from the shapes the parse tree uses for object references."""
    if isinstance(value, list):
        return _dotted(value)
    if not isinstance(value, dict):
        return str(value) if value else ""
    if "relname" in value:
        return ".".join(p for p in (value.get("schemaname"), value["relname"]) if p)
    if "rolename" in value:
        return str(value["rolename"])
    for key, inner in value.items():
        if key in ("RangeVar", "RoleSpec"):
            return _name_of(inner)
        if key == "VacuumRelation":
            return _name_of(inner.get("relation"))
        if key == "List":
            return _dotted(inner.get("items"))
        if key == "String":
            return str(inner.get("sval", ""))
        if key == "TypeName":
            return _dotted(inner.get("names"))
        if key == "ObjectWithArgs":
            return _dotted(inner.get("objname"))
    return ""


_NAME_FIELDS = tuple(
    "relation view sequence typevar idxname dbname role tablespacename subname extname servername schemaname trigname policy_name "
    "plname funcname typeName defnames object table relations objects roles granted_roles grantee_roles grantees rels "
    "conditionname relname into".split()
)


def names_in(node: dict[str, Any]) -> tuple[str, ...]:
    """The objects a statement names, qualified as written."""
    node_type: str = next(iter(node), "")
    body: dict[str, Any] = node.get(node_type) or {}
    names: list[str] = []
    for key in _NAME_FIELDS:
        value = body.get(key)
        if value is None:
            continue
        if key == "into" and isinstance(value, dict):
            value = value.get("rel")
        if key in (
            "objects",
            "relations",
            "roles",
            "granted_roles",
            "grantee_roles",
            "grantees",
            "rels",
        ) and isinstance(value, list):
            names += [n for n in (_name_of(v) for v in value) if n]
        elif (key == "schemaname" and node_type != "CreateSchemaStmt") or (
            key == "relname" and node_type != "CopyStmt"
        ):
            continue
        else:
            name = _name_of(value)
            if name:
                names.append(name)
    return tuple(dict.fromkeys(names))
