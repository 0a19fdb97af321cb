"""SECURITY DEFINER functions whose search_path a caller can steer: none fixed, one holding "$user" or a
schema where PUBLIC may create objects, or one that leaves pg_temp to be searched first (PostgreSQL searches
pg_temp before everything else when the path does not name it, so a caller's temporary table wins)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from ..model import Catalog, ObjectRef
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
    The fix keeps the safe schemas of the path, in order, each quoted, and ends it with pg_temp."""
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
        kept = [p for p in (path or ["pg_catalog"]) if p != "$user" and p not in writable and p != "pg_temp"]
        new_path = ", ".join([*(quote_ident(p) for p in kept), "pg_temp"])
        yield Finding(
            "security-definer-search-path",
            level,
            f"{fn.schema}.{fn.signature}",
            f"SECURITY DEFINER function {fn.name} {what}",
            WHY["security-definer-search-path"],
            f"ALTER FUNCTION {qualified(fn.schema, fn.name)}({fn.identity_arguments}) SET search_path = {new_path};",
            source=locate(subject := ObjectRef("function", fn.schema, fn.name, fn.identity_arguments)),
            subject=subject,
        )
