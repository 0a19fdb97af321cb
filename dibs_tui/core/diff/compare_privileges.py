"""Privileges (only with --privileges): GRANT what the desired side grants and the current side does not,
REVOKE the reverse, on tables, sequences, columns, functions, schemas, types (enums, domains, composite
and range types) and as default privileges.

An object the plan drops takes its grants along (no REVOKE); one the plan creates or re-creates gets every
grant of the desired side. A grant to a role that does not exist on the target is reported as a change the
plan cannot make: roles are the cluster's, not the schema's, and are never created here.

A schema file loads in a sandbox as a role that may not act for another: its `ALTER DEFAULT PRIVILEGES FOR
ROLE app_owner` is skipped there (core.sandbox_statements), so the desired side never has another role's
default privileges. The live side's are kept and said, never revoked for what could not be read.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator

from ..model import Catalog, Domain, EnumType, ObjectRef
from ..model_privileges import DEFAULT_OBJECTS, Privilege
from ..model_types import CompositeType, RangeType
from ..plan import ChangeKind
from ..sandbox_cleanup import ROLE_PREFIX
from ..sql import qualified, quote_ident
from .graph import COMMENTS
from .state import PlanState


def _node(p: Privilege) -> tuple[str, str, str, str]:
    """The object a grant is on, as the plan's graph names it."""
    if p.keyword == "SEQUENCE":
        return ("sequence", p.schema, p.name, "")
    if p.kind in ("table", "column"):
        return ("table", p.schema, p.name, "")
    if p.kind == "function":
        return ("function", p.schema, p.name, p.sub)
    return (p.kind, p.schema, p.name, "")


def _role(name: str) -> str:
    return name if name == "PUBLIC" else quote_ident(name)


def _on(p: Privilege) -> tuple[str, str]:
    """(what the privilege names, what GRANT names after ON)."""
    if p.kind == "column":
        return f"{p.privilege} ({quote_ident(p.sub)})", f"TABLE {qualified(p.schema, p.name)}"
    if p.kind == "function":
        return p.privilege, f"ROUTINE {qualified(p.schema, p.name)}({p.sub})"
    if p.kind == "schema":
        return p.privilege, f"SCHEMA {quote_ident(p.name)}"
    return p.privilege, f"{p.keyword} {qualified(p.schema, p.name)}"


def _sql(p: Privilege, *, grant: bool) -> str:
    if p.kind == "default":
        scope = f"FOR ROLE {quote_ident(p.name)}" + (
            f" IN SCHEMA {quote_ident(p.schema)}" if p.schema else ""
        )
        objects = DEFAULT_OBJECTS.get(p.sub, "TABLES")
        if grant:
            option = " WITH GRANT OPTION" if p.grantable else ""
            return f"ALTER DEFAULT PRIVILEGES {scope} GRANT {p.privilege} ON {objects} TO {_role(p.grantee)}{option};"
        return f"ALTER DEFAULT PRIVILEGES {scope} REVOKE {p.privilege} ON {objects} FROM {_role(p.grantee)};"
    what, on = _on(p)
    if grant:
        option = " WITH GRANT OPTION" if p.grantable else ""
        return f"GRANT {what} ON {on} TO {_role(p.grantee)}{option};"
    return f"REVOKE {what} ON {on} FROM {_role(p.grantee)};"


def _ref(p: Privilege) -> ObjectRef:
    if p.kind == "default":
        return ObjectRef("default privileges", p.schema, p.name, DEFAULT_OBJECTS.get(p.sub, p.sub))
    return ObjectRef(p.kind, p.schema, p.name, p.sub)


def plan_privileges(state: PlanState) -> None:
    made = {n for step in state.steps for n in step.creates}
    gone = {n for step in state.steps for n in step.destroys}
    current, desired = set(state.current.privileges), set(state.desired.privileges)
    # MAINTAIN is 17's (GRANT ALL gives it there): a server before 17 has none to compare and refuses its GRANT
    if state.oldest_server < 17:
        current, desired = ({p for p in side if p.privilege != "MAINTAIN"} for side in (current, desired))
    roles = set(state.current.roles) | {"PUBLIC"}
    kept = _desired_objects(state)
    for p in sorted(desired, key=_sort):
        node = _node(p)
        if p in current and node not in made:
            continue
        ref = _ref(p)
        what = f"privilege {p.privilege.lower()} to {p.grantee}"
        missing = [r for r in (p.grantee, p.name if p.kind == "default" else "PUBLIC") if r not in roles]
        if missing:
            detail = f"role {', '.join(missing)} does not exist on the target: not granted"
            state.change(ChangeKind.CREATE, ref, what, detail=detail, planned=False)
            continue
        state.change(ChangeKind.CREATE, ref, what, new=_sql(p, grant=True), detail="grant")
        needs = [] if p.kind == "default" else [ObjectRef(*node)]
        state.step(COMMENTS, _sql(p, grant=True), ChangeKind.ALTER, [ref], needs=needs)
    unread = state.desired.reader.startswith(ROLE_PREFIX)  # a sandbox's load: no other role's defaults
    for p in sorted(current - desired, key=_sort):
        node = _node(p)
        if node in gone or (p.kind != "default" and node not in kept):
            continue  # dropped with its object
        if p.kind == "default" and unread and p.name != state.current.reader:
            detail = (
                f"a schema file's ALTER DEFAULT PRIVILEGES FOR ROLE {p.name} does not load in the sandbox, whose "
                "role may not act for another: kept as they are"
            )
            what = f"default privilege {p.privilege.lower()} to {p.grantee} on"
            state.keep(_ref(p), what, _sql(p, grant=True), None, detail)
            continue
        _revoke(state, p)
    for p in sorted(set(creation_defaults(state.desired, made)) - desired, key=_sort):
        _revoke(state, p)


class LiveGrantsNeeded(Exception):
    """The plan drops and creates again objects whose live grants were not read: read them, plan again."""


def plan_kept_grants(state: PlanState, *, live_grants_read: bool = True) -> None:
    """Grants not compared (no --privileges) are not lost either: an object the plan drops and creates again
    gets the live side's grants back, and PUBLIC's defaults revoked where the live side had revoked them.
    Nothing without the live side's grants read (no roles then), or LiveGrantsNeeded where the caller read
    them only when a plan needs them (`live_grants_read` False)."""
    made = {n for step in state.steps for n in step.creates}
    remade = made & {n for step in state.steps for n in step.destroys}
    again = remade & _desired_objects(state)
    # A column dropped and added again (a generated one around a retyped column) loses its column grants.
    columns = {n for n in remade if n[0] == "column"}
    if not again and not columns:
        return
    if not state.current.roles:
        if not live_grants_read:
            raise LiveGrantsNeeded
        return
    live = {
        p
        for p in state.current.privileges
        if p.kind != "default"
        and (_node(p) in again or (p.kind == "column" and ("column", p.schema, p.name, p.sub) in columns))
    }
    defaults = set(creation_defaults(state.desired, again))
    for p in sorted(live - defaults, key=_sort):
        # after the column too when the grant is on one (its ADD creates it; a table's create covers it)
        after = [ObjectRef("column", p.schema, p.name, p.sub)] if p.kind == "column" else []
        state.step(
            COMMENTS, _sql(p, grant=True), ChangeKind.ALTER, [_ref(p)], needs=[ObjectRef(*_node(p)), *after]
        )
    for p in sorted(defaults - live, key=_sort):
        state.step(COMMENTS, _sql(p, grant=False), ChangeKind.ALTER, [_ref(p)], needs=[ObjectRef(*_node(p))])


def _revoke(state: PlanState, p: Privilege) -> None:
    ref = _ref(p)
    state.change(
        ChangeKind.DROP, ref, f"privilege {p.privilege.lower()} to {p.grantee}", old=_sql(p, grant=True)
    )
    needs = [] if p.kind == "default" else [ObjectRef(*_node(p))]
    state.step(COMMENTS, _sql(p, grant=False), ChangeKind.ALTER, [ref], needs=needs)


def creation_defaults(catalog: Catalog, made: Collection[tuple[str, str, str, str]]) -> Iterator[Privilege]:
    """What CREATE gives PUBLIC on the objects of `made` (acldefault): EXECUTE on a routine, USAGE on an enum
    or a domain. A plan that makes one where the desired side revoked that must revoke it again."""
    for f in catalog.functions:
        if ("function", f.schema, f.name, f.identity_arguments) in made:
            yield Privilege(
                "function", f.schema, f.name, f.identity_arguments, "ROUTINE", "PUBLIC", "EXECUTE"
            )
    for keyword, types in _types(catalog):
        for t in types:
            if ("type", t.schema, t.name, "") in made:
                yield Privilege("type", t.schema, t.name, "", keyword, "PUBLIC", "USAGE")


def _types(
    catalog: Catalog,
) -> tuple[tuple[str, Iterable[CompositeType | Domain | EnumType | RangeType]], ...]:
    """The types a grant can be on, with GRANT's keyword for each."""
    return (
        ("TYPE", catalog.enums),
        ("DOMAIN", catalog.domains),
        ("TYPE", catalog.composites),
        ("TYPE", catalog.ranges),
    )


def _desired_objects(state: PlanState) -> set[tuple[str, str, str, str]]:
    """The objects of the desired side a grant can be on, as graph nodes."""
    d = state.desired
    return (
        {("table", r.schema, r.name, "") for r in d.relations}
        | {("sequence", s.schema, s.name, "") for s in d.sequences}
        | {("function", f.schema, f.name, f.identity_arguments) for f in d.functions}
        | {("schema", "", s.name, "") for s in d.schemas}
        | {("type", t.schema, t.name, "") for _, types in _types(d) for t in types}
    )


def _sort(p: Privilege) -> tuple[str, str, str, str, str, str]:
    return (p.kind, p.schema, p.name, p.sub, p.grantee, p.privilege)
