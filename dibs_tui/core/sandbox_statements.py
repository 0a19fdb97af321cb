"""Which statements of the desired files the sandbox handles itself, found with PostgreSQL's own parser.

* CREATE EXTENSION: an untrusted extension is created by the setting-up side before the files run (see
  `core.sandbox`), so its statement, its COMMENT ON EXTENSION and the bare CREATE SCHEMA made for it are
  skipped in the load; a trusted one is left to the role.
* Changes of owner (ALTER … OWNER TO) and ALTER DEFAULT PRIVILEGES FOR ROLE another: the sandbox role cannot
  give objects away nor act for another role; owners are never planned, and the diff keeps the live side's
  default privileges of another role (diff/compare_privileges.py): they are skipped. Nothing skipped here
  runs anywhere. In the proof's clone the sandbox's role stands
  for the live role that applies the migrations (`acting_for`): its `ALTER DEFAULT PRIVILEGES FOR ROLE <that
  role>` runs there as the sandbox role's own, which the proof's fingerprint prints as that role's.
* CREATE SCHEMA ... AUTHORIZATION another role: made without it (the sandbox role may not SET ROLE to it).
* Tablespaces, which the model does not hold (where a table's files live is not its schema): pg_dump's
  `SET default_tablespace = fast` is skipped and a CREATE TABLE's or CREATE INDEX's TABLESPACE clause taken
  out; the sandbox role may not create in the user's tablespaces, and an embedded server has none.
* DROP EXTENSION of an extension the setting-up side created (the role does not own it): for the proof's
  clone, a step of that side's (`steps`), as its creation was.
* The roles the statements name (GRANT ... TO, CREATE POLICY ... TO): an embedded server, a cluster of our
  own, has none of the user's roles; they are made there, NOLOGIN, before the load (core.sandbox).
* Statements on roles (CREATE / ALTER / DROP ROLE, GRANT role TO role, COMMENT ON ROLE): a role belongs to the
  server, not to a database's schema, and is not part of the diff, so they are skipped, run nowhere, and said
  in a note (`roles_note`). A role the files create, plainly or in a DO block (`IF NOT EXISTS (SELECT FROM
  pg_roles ...) THEN CREATE ROLE ...`), is one the rest of the files may grant to: made NOLOGIN on an embedded
  server like the roles named, never on the live server, where the load goes to an embedded server instead when
  one is missing (core.sandbox). A DO block runs as the sandbox's role, which may not make roles: where the
  role is missing, it fails there, and the message says why.

Only statements that mention these words are parsed (a cheap scan first): most of a large schema is not.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from .sandbox_extensions import ExtensionRequest

if TYPE_CHECKING:
    from .shadow import LocatedStatement

_WORTH_PARSING = re.compile(
    r"\b(extension|owner|grant|revoke|policy|authorization|tablespace|default_tablespace)\b|\bcreate\s+schema\b"
    r"|\bfor\s+(role|user)\b|\b(create|alter|drop)\s+(role|user|group)\b|\bon\s+role\b",
    re.IGNORECASE,
)
_ON_ROLES = frozenset(
    {"CreateRoleStmt", "AlterRoleStmt", "AlterRoleSetStmt", "DropRoleStmt", "GrantRoleStmt"}
)
# A role a DO block creates: its name as written (quoted or not) after CREATE ROLE / USER / GROUP
_CREATED_IN_A_BLOCK = re.compile(r"\bCREATE\s+(?:ROLE|USER|GROUP)\s+(\"(?:[^\"]|\"\")+\"|[A-Za-z_]\w*)", re.I)


@dataclass(frozen=True)
class ExtensionDrop:
    """A DROP EXTENSION statement's names and CASCADE, and the statement, for where it is written."""

    names: tuple[str, ...]
    cascade: bool
    statement: LocatedStatement


@dataclass(frozen=True)
class Prepared:
    """The statements to run, the extensions they ask for, and what to skip once those exist."""

    statements: tuple[LocatedStatement, ...]
    extensions: tuple[ExtensionRequest, ...] = ()
    not_run: frozenset[int] = frozenset()  # indexes into `statements`: owners, another role's, tablespaces
    by_index: dict[int, tuple[str, str]] = field(default_factory=dict)  # index -> (kind, extension/schema)
    # index -> the statement as the sandbox role runs it: FOR ROLE `acting_for` or AUTHORIZATION taken out
    as_own: dict[int, LocatedStatement] = field(default_factory=dict)
    roles: tuple[str, ...] = ()  # the roles the statements name (a reserved pg_ one excepted)
    extension_drops: dict[int, ExtensionDrop] = field(default_factory=dict)  # index -> DROP EXTENSION
    on_roles: tuple[int, ...] = ()  # indexes of the statements on roles, not run
    created_roles: tuple[str, ...] = ()  # the roles the files create (also in `roles`)

    def roles_note(self) -> str | None:
        """What the load left out of the statements on roles, for the diff's notes."""
        if not self.on_roles:
            return None
        first = self.statements[self.on_roles[0]]
        count = len(self.on_roles)
        return (
            f"{count} statement{'s' if count > 1 else ''} on roles {'were' if count > 1 else 'was'} not run (the "
            f"first at {first.file}:{first.line}): a role belongs to the server, not to the schema, and is not "
            "part of the diff; create the roles on the server yourself"
        )

    def steps(self, created: Collection[str]) -> list[LocatedStatement | ExtensionDrop]:
        """`runnable`, with each DROP EXTENSION of extensions the setting-up side created in its place as a
        step for that side (Sandbox.drop_extensions): the role does not own them."""
        drops = {
            id(self.statements[i]): d for i, d in self.extension_drops.items() if set(d.names) <= set(created)
        }
        return [drops.get(id(s), s) for s in self.runnable(created)]

    def runnable(self, created: Collection[str]) -> list[LocatedStatement]:
        """What the role runs, given the extensions the setting-up side created (and their schemas)."""
        schemas = {e.schema for e in self.extensions if e.name in created and e.schema}
        out: list[LocatedStatement] = []
        for index, stmt in enumerate(self.statements):
            if index in self.as_own:
                out.append(self.as_own[index])
                continue
            if index in self.not_run:
                continue
            kind, name = self.by_index.get(index, ("", ""))
            if kind in ("extension", "comment") and name in created:
                continue
            if kind == "schema" and name in schemas:
                continue
            out.append(stmt)
        return out

    def skipped(self, created: Collection[str]) -> frozenset[tuple[str, int, int]]:
        """(file, line, column) of the statements `runnable` leaves out, for a caller that splits files itself."""
        kept = {id(stmt) for stmt in self.runnable(created)}
        return frozenset((s.file, s.line, s.column) for s in self.statements if id(s) not in kept)


def prepare(statements: Sequence[LocatedStatement], acting_for: str = "") -> Prepared:
    """Find the extensions asked for and the statements the sandbox skips; with `acting_for`, the default
    privileges of that role made the sandbox role's own instead of skipped."""
    extensions: list[ExtensionRequest] = []
    not_run: set[int] = set()
    as_own: dict[int, LocatedStatement] = {}
    roles: set[str] = set()
    drops: dict[int, ExtensionDrop] = {}
    by_index: dict[int, tuple[str, str]] = {}
    schema_candidates: dict[int, str] = {}
    on_roles: list[int] = []
    created: set[str] = set()
    for index, stmt in enumerate(statements):
        if not _WORTH_PARSING.search(stmt.text):
            continue
        nodes = _parse(stmt.text)
        if len(nodes) != 1:
            continue
        node = nodes[0]
        kind = type(node).__name__
        roles |= _roles_named(node)
        on_a_role, creates = _on_roles(node, kind, stmt.text)
        created |= creates
        if on_a_role:
            not_run.add(index)
            on_roles.append(index)
        elif kind == "CreateExtensionStmt":
            request = _extension(node, stmt)
            extensions.append(request)
            by_index[index] = ("extension", request.name)
        elif kind == "CommentStmt" and _enum_name(getattr(node, "objtype", None)) == "OBJECT_EXTENSION":
            target = getattr(node, "object", None)
            by_index[index] = ("comment", str(getattr(target, "sval", "")))
        elif _acts_for_another_role(node, kind):
            not_run.add(index)
            own = _as_own(stmt, node, kind, acting_for)
            if own is not None:
                as_own[index] = own
        elif kind == "DropStmt" and _drops_extensions(node):
            names = tuple(str(getattr(o, "sval", "")) for o in getattr(node, "objects", None) or ())
            drops[index] = ExtensionDrop(names, _cascades(node), stmt)
        elif kind == "VariableSetStmt" and getattr(node, "name", "") == "default_tablespace":
            not_run.add(index)
        elif (kind == "CreateStmt" and getattr(node, "tablespacename", None)) or (
            kind == "IndexStmt" and getattr(node, "tableSpace", None)
        ):
            as_own[index] = _without_tablespace(stmt, node)
        elif kind == "CreateSchemaStmt" and _names_a_role(getattr(node, "authrole", None)):
            as_own[index] = _without_authorization(stmt, node)
        elif (
            kind == "CreateSchemaStmt"
            and not getattr(node, "schemaElts", None)
            and not getattr(node, "authrole", None)
        ):
            schema_candidates[index] = str(getattr(node, "schemaname", "") or "")
    for index, schema in schema_candidates.items():
        by_index[index] = ("schema", schema)
    named = tuple(sorted(r for r in roles | created if not r.startswith("pg_")))
    return Prepared(
        tuple(statements),
        tuple(extensions),
        frozenset(not_run),
        by_index,
        as_own,
        named,
        drops,
        tuple(on_roles),
        tuple(sorted(created)),
    )


def _on_roles(node: Any, kind: str, text: str) -> tuple[bool, set[str]]:
    """Whether the statement acts on roles (skipped), and the roles it creates, as one of its own or in a DO
    block."""
    if kind == "DoStmt":
        return False, {_unquoted(n) for n in _CREATED_IN_A_BLOCK.findall(text)}
    if kind in _ON_ROLES:
        return True, {str(node.role)} if kind == "CreateRoleStmt" else set()
    if kind not in ("CommentStmt", "RenameStmt"):
        return False, set()
    from pglast.enums import ObjectType

    value = getattr(node, "objtype" if kind == "CommentStmt" else "renameType", None)
    return (ObjectType(value) if isinstance(value, int) else value) is ObjectType.OBJECT_ROLE, set()


def _unquoted(name: str) -> str:
    """An identifier as PostgreSQL reads it: a quoted one as written, else folded to lower case."""
    return name[1:-1].replace('""', '"') if name.startswith('"') else name.lower()


def _drops_extensions(node: Any) -> bool:
    from pglast.enums import ObjectType  # the parser gives a DropStmt's enums as numbers

    return ObjectType(node.removeType) is ObjectType.OBJECT_EXTENSION


def _cascades(node: Any) -> bool:
    from pglast.enums import DropBehavior

    return DropBehavior(node.behavior) is DropBehavior.DROP_CASCADE


def _names_a_role(spec: object) -> bool:
    """A RoleSpec naming a role (not PUBLIC, CURRENT_USER, SESSION_USER or CURRENT_ROLE)."""
    return spec is not None and _enum_name(getattr(spec, "roletype", None)) == "ROLESPEC_CSTRING"


def _roles_named(node: Any) -> set[str]:
    from pglast.visitors import Visitor

    found: set[str] = set()

    class _Roles(Visitor):
        def visit_RoleSpec(self, ancestors: object, spec: object) -> None:
            if _names_a_role(spec):
                found.add(str(getattr(spec, "rolename", "")))

    _Roles()(node)
    return found


def _without_tablespace(stmt: LocatedStatement, node: Any) -> LocatedStatement:
    from pglast.stream import RawStream

    if hasattr(node, "tablespacename"):
        node.tablespacename = None
    else:
        node.tableSpace = None
    return replace(stmt, text=RawStream()(node))


def _without_authorization(stmt: LocatedStatement, node: Any) -> LocatedStatement:
    """CREATE SCHEMA [name] AUTHORIZATION role [elements] as the sandbox role may run it: the schema named as
    the statement names it (after the role when it names none), owned by the sandbox role."""
    from pglast.stream import RawStream

    node.schemaname = node.schemaname or node.authrole.rolename
    node.authrole = None
    return replace(stmt, text=RawStream()(node))


# The clause as written before the rest of the statement; a comment inside it leaves the statement skipped.
_FOR_ROLE = re.compile(
    r"^(\s*ALTER\s+DEFAULT\s+PRIVILEGES\s+)FOR\s+(?:ROLE|USER)\s+(\"(?:[^\"]|\"\")+\"|\w+)\s+", re.I
)


def _as_own(stmt: LocatedStatement, node: object, kind: str, role: str) -> LocatedStatement | None:
    """`ALTER DEFAULT PRIVILEGES FOR ROLE <role> ...` as `ALTER DEFAULT PRIVILEGES ...`, when `role` is the
    one role it names."""
    if not role or kind != "AlterDefaultPrivilegesStmt":
        return None
    roles = [o for o in getattr(node, "options", None) or () if getattr(o, "defname", "") == "roles"]
    named = [getattr(r, "rolename", None) for o in roles for r in getattr(o, "arg", None) or ()]
    found = _FOR_ROLE.match(stmt.text)
    if named != [role] or found is None:
        return None
    return replace(stmt, text=found.group(1) + stmt.text[found.end() :])


def _parse(text: str) -> list[object]:
    import pglast  # PostgreSQL's parser: imported only when a statement may need it

    try:
        return [raw.stmt for raw in pglast.parse_sql(text)]
    except Exception:  # a statement it cannot parse runs as it is: the server reports it
        return []


def _enum_name(value: object) -> str:
    return str(getattr(value, "name", value))


def _acts_for_another_role(node: object, kind: str) -> bool:
    if kind == "AlterOwnerStmt":
        return True
    if kind == "AlterDefaultPrivilegesStmt":
        return any(getattr(o, "defname", "") == "roles" for o in getattr(node, "options", None) or ())
    if kind == "AlterTableStmt":
        cmds = getattr(node, "cmds", None) or ()
        return bool(cmds) and all(_enum_name(getattr(c, "subtype", None)) == "AT_ChangeOwner" for c in cmds)
    return False


def _extension(node: object, stmt: LocatedStatement) -> ExtensionRequest:
    schema = version = None
    cascade = False
    for option in getattr(node, "options", None) or ():
        name = getattr(option, "defname", "")
        arg = getattr(option, "arg", None)
        if name == "schema":
            schema = str(getattr(arg, "sval", "")) or None
        elif name == "new_version":
            version = str(getattr(arg, "sval", "")) or None
        elif name == "cascade":
            cascade = bool(getattr(arg, "boolval", True))
    return ExtensionRequest(
        str(getattr(node, "extname", "")), schema, version, cascade, stmt.file, stmt.line, stmt.column
    )
