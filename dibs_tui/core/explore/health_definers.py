"""SECURITY DEFINER functions whose search_path a caller can steer: none fixed, one holding "$user" or a
schema where PUBLIC may create objects, or one that leaves pg_temp to be searched first (PostgreSQL searches
pg_temp before everything else when the path does not name it, so a caller's temporary table wins)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from ..model import Catalog, Function, ObjectRef
from ..sql import qualified, quote_ident, split_quoted
from .health_findings import WHY, Finding, Level
from .source_lines import Locate


def search_path_entries(config: tuple[str, ...]) -> list[str] | None:
    """The schemas of a `search_path=...` setting as the server stores it (names double-quoted when needed,
    commas between), or None when the function does not set one."""
    value = next((c[len("search_path=") :] for c in config if c.startswith("search_path=")), None)
    if value is None:
        return None
    return [e for e in split_quoted(value, ",").parts if e]


def _problem(path: list[str] | None, writable: frozenset[str]) -> tuple[Level, str] | None:
    if path is None:
        return Level.ERROR, "does not fix its search_path"
    unsafe = [p for p in path if p == "$user" or p in writable]
    if unsafe:
        names = ", ".join(unsafe)
        return Level.ERROR, f"has a search_path with {names}, where others may create objects"
    if "pg_temp" not in path or path[-1] != "pg_temp":
        return Level.WARNING, "has a search_path that does not end with pg_temp (searched first when unnamed)"
    return None


def definers(
    catalog: Catalog,
    config: Mapping[tuple[str, str, str], tuple[str, ...]],
    writable: frozenset[str],
    locate: Locate,
) -> Iterator[Finding]:
    """`config` holds each SECURITY DEFINER function's settings; `writable` the schemas PUBLIC may create in.
    The fix keeps the safe schemas of the path, in order, each quoted, and ends it with pg_temp. A function
    that sets none gets the schemas its body's unqualified names are found in (`_schemas_named`): a path of
    pg_catalog alone broke every such function (pagila's rewards_report reads customer and payment
    unqualified); a schema others may create in is left out, and the fix says which names to qualify."""
    schemas_of: dict[str, list[str]] | None = None
    for fn in catalog.functions:
        key = (fn.schema, fn.name, fn.identity_arguments)
        settings = config.get(key)
        if settings is None:
            continue
        path = search_path_entries(settings)
        problem = _problem(path, writable)
        if problem is None:
            continue
        level, what = problem
        note = ""
        if path is None:
            schemas_of = schemas_of or _schemas_by_name(catalog)
            path, unsafe = _schemas_named(fn, schemas_of, writable)
            if unsafe:
                note = (
                    f"-- {', '.join(unsafe)} named without a schema, found only where others may create "
                    "objects: qualify them in the body\n"
                )
        kept = [p for p in (path or ["pg_catalog"]) if p != "$user" and p not in writable and p != "pg_temp"]
        new_path = ", ".join([*(quote_ident(p) for p in kept), "pg_temp"])
        yield Finding(
            "security-definer-search-path",
            level,
            f"{fn.schema}.{fn.signature}",
            f"SECURITY DEFINER function {fn.name} {what}",
            WHY["security-definer-search-path"],
            f"{note}ALTER FUNCTION {qualified(fn.schema, fn.name)}({fn.identity_arguments}) "
            f"SET search_path = {new_path};",
            source=locate(subject := ObjectRef("function", fn.schema, fn.name, fn.identity_arguments)),
            subject=subject,
        )


def _schemas_by_name(catalog: Catalog) -> dict[str, list[str]]:
    """The schemas holding a relation, a type or a function of each name (the catalog's order)."""
    found: dict[str, list[str]] = {}
    named = [
        *((r.schema, r.name) for r in catalog.relations),
        *((t.schema, t.name) for t in catalog.enums),
        *((d.schema, d.name) for d in catalog.domains),
        *((f.schema, f.name) for f in catalog.functions),
    ]
    for schema, name in named:
        schemas = found.setdefault(name, [])
        if schema not in schemas:
            schemas.append(schema)
    return found


def _schemas_named(
    fn: Function, schemas_of: Mapping[str, list[str]], writable: frozenset[str]
) -> tuple[list[str] | None, list[str]]:
    """The schemas the body's unqualified tables and calls are found in, the function's own first (None when
    the body is not read: another language, or text the parser does not take), and the names found only in
    a schema others may create in."""
    from ..bodies import body_names

    names = body_names(fn)
    if fn.language not in ("plpgsql", "sql") or not fn.definition:
        return None, []
    bare = [t.table for t in names.tables if t.schema is None] + [
        c.function for c in names.calls if c.schema is None
    ]
    needed: list[str] = []
    unsafe: list[str] = []
    for name in dict.fromkeys(bare):
        schemas = schemas_of.get(name, [])
        safe = [s for s in schemas if s not in writable]
        if schemas and not safe:
            unsafe.append(name)
        needed += [s for s in safe if s not in needed]
    needed.sort(key=lambda s: s != fn.schema)  # its own schema first, as it resolved before
    return [*needed, "pg_catalog"] if needed else ["pg_catalog"], unsafe
