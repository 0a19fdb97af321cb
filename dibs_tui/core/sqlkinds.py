"""Statement kinds from the parse tree: a stable short name ("CREATE TABLE", "DROP DATABASE", "CREATE INDEX
CONCURRENTLY"), the objects a statement names, and whether PostgreSQL runs it only outside a transaction block.
"""

from __future__ import annotations

import re
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
    """A statement's kind and whether it must run outside a transaction block."""
    node_type: str = next(iter(node), "")
    body: dict[str, Any] = node.get(node_type) or {}
    kind = _FIXED_KINDS.get(node_type, "")
    alone = False
    if node_type == "IndexStmt":
        alone = bool(body.get("concurrent"))
        kind = "CREATE INDEX CONCURRENTLY" if alone else "CREATE INDEX"
    elif node_type == "CreateTableAsStmt":
        kind = "CREATE MATERIALIZED VIEW" if body.get("objtype") == "OBJECT_MATVIEW" else "CREATE TABLE AS"
        if body.get("is_select_into"):
            kind = "SELECT INTO"
    elif node_type == "CreateFunctionStmt":
        kind = "CREATE PROCEDURE" if body.get("is_procedure") else "CREATE FUNCTION"
    elif node_type == "AlterFunctionStmt":
        kind = f"ALTER {_object_word(body.get('objtype'))}"
    elif node_type == "AlterTableStmt":
        kind = f"ALTER {_object_word(body.get('objtype'))}"
        alone = any(
            c.get("AlterTableCmd", {}).get("subtype") == "AT_DetachPartition"
            and c["AlterTableCmd"].get("def", {}).get("PartitionCmd", {}).get("concurrent")
            for c in body.get("cmds", ())
        )
    elif node_type == "DropStmt":
        alone = bool(body.get("concurrent"))
        kind = f"DROP {_object_word(body.get('removeType'))}" + (" CONCURRENTLY" if alone else "")
    elif node_type == "RenameStmt":
        kind = f"ALTER {_object_word(body.get('renameType'))}"
    elif node_type in ("AlterOwnerStmt", "AlterObjectSchemaStmt"):
        kind = f"ALTER {_object_word(body.get('objectType'))}"
    elif node_type == "CommentStmt":
        kind = f"COMMENT ON {_object_word(body.get('objtype'))}"
    elif node_type == "SecLabelStmt":
        kind = f"SECURITY LABEL ON {_object_word(body.get('objtype'))}"
    elif node_type == "GrantStmt":
        verb = "GRANT" if body.get("is_grant") else "REVOKE"
        target = body.get("targtype")
        on = "DEFAULT PRIVILEGES" if target == "ACL_TARGET_DEFAULTS" else _object_word(body.get("objtype"))
        kind = f"{verb} ON {on}"
    elif node_type == "GrantRoleStmt":
        kind = "GRANT ROLE" if body.get("is_grant") else "REVOKE ROLE"
    elif node_type in ("CreateRoleStmt", "AlterRoleStmt", "DropRoleStmt"):
        verb = {"CreateRoleStmt": "CREATE", "AlterRoleStmt": "ALTER", "DropRoleStmt": "DROP"}[node_type]
        kind = f"{verb} " + {"ROLESTMT_USER": "USER", "ROLESTMT_GROUP": "GROUP"}.get(
            body.get("stmt_type", ""), "ROLE"
        )
    elif node_type == "DefineStmt":
        kind = f"CREATE {_object_word(body.get('kind'))}"
    elif node_type == "VacuumStmt":
        alone = bool(body.get("is_vacuumcmd"))
        kind = "VACUUM" if alone else "ANALYZE"
    elif node_type == "ReindexStmt":
        alone = _has_option(body.get("params"), "concurrently") or body.get("kind") in (
            "REINDEX_OBJECT_SYSTEM",
            "REINDEX_OBJECT_DATABASE",
        )
        kind = "REINDEX CONCURRENTLY" if _has_option(body.get("params"), "concurrently") else "REINDEX"
    elif node_type == "ClusterStmt":
        alone = not body.get("relation")
    elif node_type == "CopyStmt":
        kind = "COPY ... PROGRAM" if body.get("is_program") else "COPY"
    elif node_type == "TransactionStmt":
        kind = body.get("kind", "TRANS_STMT_").removeprefix("TRANS_STMT_").replace("_", " ")
    elif node_type == "VariableSetStmt":
        kind = _set_kind(body)
    elif node_type == "AlterEnumStmt":
        alone = bool(body.get("newVal")) and not body.get("oldVal")
    elif node_type == "AlterDatabaseStmt":
        alone = _has_option(body.get("options"), "tablespace")
    elif node_type in _ALWAYS_ALONE:
        alone = True
    if not kind:
        kind = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", node_type.removesuffix("Stmt")).upper() or "EMPTY"
    return kind, alone


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
