"""The door: what a desired schema or a migration may contain, decided on the parse tree (`core.sqlparse`)
before anything of a file is sent to any server.

THE DOOR (`check_desired`, `check_migration`) raises on the first refused statement of a whole file, before
anything of that file is run, as `file:line:col: <kind> is not allowed in a desired schema`.

A desired schema holds schema statements only: CREATE/ALTER/DROP/COMMENT/GRANT/REVOKE on objects inside one
database (FDW servers and user mappings, event triggers and `OWNER TO` included: they are objects; what the
sandbox's role may not do fails there), CREATE EXTENSION, session SET (not ROLE or SESSION AUTHORIZATION),
DO blocks, BEGIN/COMMIT, a SELECT whose targets are only calls of `ALLOWED_CALLS` (no FROM, no subquery:
pg_dump's `set_config` and `setval`), and INSERT ... VALUES of constants and `ALLOWED_CALLS`
(Rails' structure.sql ends with its schema_migrations rows; seed rows of lookup tables), statements on roles
(a real schema file often starts with CREATE ROLE: the sandbox skips them, `core.sandbox_statements`).
Refused: anything else on a database or tablespace, ALTER SYSTEM, COPY, LOAD, maintenance (VACUUM, ANALYZE, CLUSTER, REINDEX,
CHECKPOINT), subscriptions, LISTEN/NOTIFY, UPDATE/DELETE/MERGE, CALL, PREPARE/EXECUTE, SECURITY LABEL,
IMPORT FOREIGN SCHEMA, and every statement kind not listed as allowed.

A migration is the user's own change to their database and may do what their role may: data statements,
CALL, SET ROLE. Refused there: statements on a database, role or tablespace (they act beyond the database
the migration is for), ALTER SYSTEM, COPY to or from a server file or a PROGRAM, LOAD, subscriptions (they
connect out), GRANT ON PARAMETER, PREPARE TRANSACTION, and psql meta-commands other than the harmless ones.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from .errors import SourceError
from .sqlparse import MetaCommand, ParsedFile, ParsedStatement, SqlReading, printable

ALLOWED_CALLS = frozenset(
    "set_config setval nextval currval current_setting pg_extension_config_dump now clock_timestamp "
    "statement_timestamp transaction_timestamp timezone gen_random_uuid uuid_generate_v4 "
    "to_timestamp to_date make_date make_timestamp make_timestamptz make_interval lower upper concat "
    "md5 jsonb_build_object json_build_object jsonb_build_array json_build_array array_append "
    "int4range int8range numrange daterange tsrange tstzrange ".split()
)

_DESIRED_TYPES = frozenset(
    "CreateStmt CreateTableAsStmt ViewStmt IndexStmt AlterTableStmt DropStmt RenameStmt "
    "AlterOwnerStmt AlterObjectSchemaStmt CommentStmt GrantStmt AlterDefaultPrivilegesStmt "
    "CreateSchemaStmt CreateExtensionStmt AlterExtensionStmt AlterExtensionContentsStmt "
    "CreateFunctionStmt AlterFunctionStmt DoStmt CreateSeqStmt AlterSeqStmt CreateEnumStmt "
    "AlterEnumStmt CompositeTypeStmt CreateRangeStmt DefineStmt CreateDomainStmt AlterDomainStmt "
    "CreateTrigStmt CreateEventTrigStmt AlterEventTrigStmt RuleStmt CreatePolicyStmt AlterPolicyStmt "
    "CreateCastStmt CreateConversionStmt CreateOpClassStmt CreateOpFamilyStmt AlterOpFamilyStmt "
    "AlterOperatorStmt AlterTypeStmt AlterTSDictionaryStmt AlterTSConfigurationStmt "
    "AlterCollationStmt CreateFdwStmt AlterFdwStmt CreateForeignServerStmt AlterForeignServerStmt "
    "CreateForeignTableStmt CreateUserMappingStmt AlterUserMappingStmt DropUserMappingStmt "
    "CreatePLangStmt CreateTransformStmt CreateAmStmt CreatePublicationStmt AlterPublicationStmt "
    "CreateStatsStmt AlterStatsStmt RefreshMatViewStmt AlterObjectDependsStmt VariableSetStmt "
    "VariableShowStmt TransactionStmt SelectStmt InsertStmt ConstraintsSetStmt "
    # on roles: passed, and skipped by the sandbox (core.sandbox_statements), run nowhere
    "CreateRoleStmt AlterRoleStmt AlterRoleSetStmt DropRoleStmt GrantRoleStmt ".split()
)
_CLUSTER_OBJECTS = frozenset(
    {"OBJECT_DATABASE", "OBJECT_ROLE", "OBJECT_TABLESPACE", "OBJECT_SUBSCRIPTION", "OBJECT_PARAMETER_ACL"}
)
_MIGRATION_REFUSED = frozenset(
    "CreatedbStmt DropdbStmt AlterDatabaseStmt AlterDatabaseSetStmt AlterDatabaseRefreshCollStmt "
    "CreateRoleStmt AlterRoleStmt AlterRoleSetStmt DropRoleStmt GrantRoleStmt CreateTableSpaceStmt "
    "DropTableSpaceStmt AlterTableSpaceOptionsStmt AlterTableMoveAllStmt AlterSystemStmt LoadStmt "
    "CreateSubscriptionStmt AlterSubscriptionStmt DropSubscriptionStmt ".split()
)
_SAFE_TRANSACTION = frozenset({"TRANS_STMT_BEGIN", "TRANS_STMT_START", "TRANS_STMT_COMMIT"})


def _object_type(node_type: str, body: dict[str, Any]) -> str | None:
    key = {"RenameStmt": "renameType", "AlterOwnerStmt": "objectType", "AlterObjectSchemaStmt": "objectType"}
    return body.get(key.get(node_type, "objtype"))


def _calls_only(node: Any, allowed: frozenset[str], *, columns: bool = False) -> bool:
    """True when `node` reads no table, runs no subquery and calls only `allowed` functions (and names no
    column unless `columns`: ON CONFLICT's SET col = EXCLUDED.col)."""
    refused = {"SubLink", "SelectStmt", "RangeVar", "ParamRef", "RangeFunction"}
    if not columns:
        refused.add("ColumnRef")
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack += item
        elif isinstance(item, dict):
            for key, value in item.items():
                if key in refused:
                    return False
                if key == "FuncCall":
                    names = [n.get("String", {}).get("sval", "") for n in value.get("funcname", ())]
                    if names[-1:] == [] or names[-1] not in allowed or names[:-1] not in ([], ["pg_catalog"]):
                        return False
                    if names[-1] == "set_config" and _setting_name(value) in (
                        None,
                        "role",
                        "session_authorization",
                    ):
                        return False  # set_config('role', ...) is SET ROLE; a computed name could be anything
                stack.append(value)
    return True


def _setting_name(call: dict[str, Any]) -> str | None:
    """set_config's first argument when it is a constant string, else None (a computed name is refused)."""
    args = call.get("args") or [{}]
    name = (args[0].get("A_Const", {}).get("sval") or {}).get("sval")
    return name.lower() if isinstance(name, str) else None


def _select_allowed(body: dict[str, Any]) -> bool:
    plain = set(body) <= {"targetList", "limitOption", "op"} and body.get("op") == "SETOP_NONE"
    targets = body.get("targetList") or []
    return plain and bool(targets) and _calls_only(targets, ALLOWED_CALLS)


def _insert_allowed(body: dict[str, Any]) -> bool:
    select = (body.get("selectStmt") or {}).get("SelectStmt")
    if body.get("withClause") or (body.get("selectStmt") and select is None):
        return False
    if select is not None and not set(select) <= {"valuesLists", "limitOption", "op"}:
        return False
    return _calls_only(select, ALLOWED_CALLS) and _calls_only(
        [body.get("onConflictClause"), body.get("returningList")], ALLOWED_CALLS, columns=True
    )


def desired_refusal(stmt: ParsedStatement) -> str | None:
    """Why a statement may not stand in a desired schema (its kind), or None."""
    node_type, body = stmt.node_type, stmt.body
    if node_type not in _DESIRED_TYPES or _object_type(node_type, body) in _CLUSTER_OBJECTS - {"OBJECT_ROLE"}:
        return stmt.kind
    if node_type == "VariableSetStmt" and body.get("name") in ("role", "session_authorization"):
        return stmt.kind
    if node_type == "TransactionStmt" and body.get("kind") not in _SAFE_TRANSACTION:
        return stmt.kind
    if node_type == "SelectStmt" and not _select_allowed(body):
        return "SELECT other than of set_config, setval and the like"
    if node_type == "InsertStmt" and not _insert_allowed(body):
        return "INSERT other than of VALUES"
    if node_type == "AlterTableStmt" and any(
        c.get("AlterTableCmd", {}).get("subtype") == "AT_SetTableSpace" for c in body.get("cmds", ())
    ):
        return f"{stmt.kind} ... SET TABLESPACE"
    return None


def migration_refusal(stmt: ParsedStatement) -> str | None:
    """Why a statement may not stand in a migration (its kind), or None."""
    node_type, body = stmt.node_type, stmt.body
    if node_type in _MIGRATION_REFUSED or _object_type(node_type, body) in _CLUSTER_OBJECTS:
        return stmt.kind
    if node_type == "CopyStmt" and (body.get("is_program") or body.get("filename")):
        return "COPY ... PROGRAM" if body.get("is_program") else "COPY to or from a server file"
    if node_type == "TransactionStmt" and body.get("kind") in (
        "TRANS_STMT_PREPARE",
        "TRANS_STMT_COMMIT_PREPARED",
        "TRANS_STMT_ROLLBACK_PREPARED",
    ):
        return stmt.kind
    return None


# What a refused psql meta-command would do, said in its refusal; the others are "only psql knows".
_META_DOES = {
    "!": "runs a shell command on this machine",
    "copy": "reads or writes a file on this machine",
    "c": "connects to another database or server",
    "connect": "connects to another database or server",
    "i": "runs another file, which the door has not read",
    "ir": "runs another file, which the door has not read",
    "include": "runs another file, which the door has not read",
    "include_relative": "runs another file, which the door has not read",
    "o": "writes query output to a file or a command on this machine",
    "out": "writes query output to a file or a command on this machine",
    "w": "writes a file on this machine",
    "write": "writes a file on this machine",
    "g": "can send query output to a file or a command on this machine",
    "gexec": "runs a query's result as SQL, which the door has not read",
    "lo_import": "moves a file of this machine into the database",
    "lo_export": "writes a large object to a file on this machine",
    "setenv": "changes this process's environment",
    "password": "changes a role's password",
}


def _meta_hint(meta: MetaCommand) -> str:
    """Why a meta-command is refused, in its own terms: psql runs it on the client, we send SQL to the server."""
    name = f"\\{printable(meta.name)}"
    does = (
        "runs the shell command between its backquotes on this machine"
        if "`" in meta.text
        else _META_DOES.get(meta.name, "is read by psql on the client, not by the server")
    )
    return (
        f"{name} {does}; dibs-tui is not psql: it sends a file's SQL to the server and skips only the "
        "meta-commands that run nothing (\\set, \\echo, \\pset ...); run it in psql by hand if it is meant. "
        "Nothing of this file was run"
    )


def _check(
    file: str,
    meta_commands: Iterable[MetaCommand],
    statements: Iterable[ParsedStatement],
    refusal: Any,
    where: str,
    hint: str,
) -> None:
    """Raise at the first refused meta-command or statement; `statements` is read to its end first, so that
    a syntax error anywhere in the file is said before a refusal, as when the file is parsed whole."""
    problems: list[tuple[int, int, str, MetaCommand | None]] = [
        (m.line, m.column, m.kind, m) for m in meta_commands if not m.harmless
    ]
    problems += [(s.line, s.column, why, None) for s in statements if (why := refusal(s))]
    if problems:
        line, column, kind, meta = min(problems, key=lambda p: p[:2])
        error = SourceError(file, line, column, f"{kind} is not allowed in {where}")
        error.hint = hint if meta is None else _meta_hint(meta)
        raise error


def check_desired(parsed: ParsedFile) -> None:
    """Raise SourceError at the first statement a desired schema may not contain (see the module docstring)."""
    _check(
        parsed.file,
        parsed.meta_commands,
        parsed.statements,
        desired_refusal,
        "a desired schema",
        "a desired schema holds schema statements only; nothing of it was run",
    )


def check_migration(reading: SqlReading) -> Iterator[ParsedStatement]:
    """The statements of `reading`, each handed on as it is parsed (its tree dropped by the caller, not held
    with the whole file's); once the last is read, SourceError at the first statement or meta-command a
    migration may not contain (see the module docstring): the caller has run nothing of it yet."""
    refused: list[ParsedStatement] = []
    for stmt in reading.statements():
        if migration_refusal(stmt):
            refused.append(stmt)
        yield stmt
    _check(
        reading.file,
        reading.meta_commands,
        refused,
        migration_refusal,
        "a migration",
        "run statements on databases, roles, tablespaces or the server by hand; nothing of this file was run",
    )
