"""A whole catalog as one SQL script that loads into an empty database: `dibs-tui schema --sql`.

The script is the plan from an empty database to the catalog, so it is ordered by the same dependency graph
as every migration (pg_depend of the catalog, what each statement declares, what function bodies name) and
emits every kind the planner knows: rules, statistics objects, publications, event triggers, foreign data
wrappers, servers, user mappings (an option whose value was not read, a password, is left out, as in a
migration), foreign tables. A cycle no known move breaks is the planner's `PlanCycleError` naming the objects,
never a silently released statement. Grants are left out: roles are the cluster's, and may not exist where
the script is loaded.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from ..model import Catalog, RelationKind, Schema
from . import diff_catalogs
from .render import CHECK_BODIES_OFF

# What a freshly created database already holds and the script must not create again.
_EMPTY_PUBLIC = Schema("public", "pg_database_owner", "standard public schema")


def whole_schema_sql(catalog: Catalog) -> str:
    """The statements that create `catalog` in an empty database, one per line group, in load order."""
    empty = Catalog(
        server_version=catalog.server_version,
        schemas=tuple(_EMPTY_PUBLIC for s in catalog.schemas if s.name == "public"),
        roles=catalog.roles,
    )
    _, plan, _ = diff_catalogs(empty, catalog)
    # The script's bytes are UTF-8 whatever the locale (cli.py): said, as pg_dump says its encoding, so that a
    # psql whose client_encoding follows a Latin-1 locale does not read its names as Latin-1.
    header = ["SET client_encoding = 'UTF8';", "SET client_min_messages = warning;"]
    # SQL-language bodies may name tables created later in the script, as in pg_dump's output.
    statements = [s.sql for s in plan if s.sql != CHECK_BODIES_OFF]
    return "\n".join([CHECK_BODIES_OFF, *header, *statements]) + "\n"


# Kinds the sandbox's restricted role cannot create: an event trigger takes a superuser, so does a publication
# FOR ALL TABLES (publications are left out whole: they shape no table a migration changes), and wrappers (with
# their servers and user mappings) come from extensions the sandbox refuses.
_NOT_IN_A_SANDBOX = frozenset(
    ("event trigger", "publication", "foreign data wrapper", "foreign server", "user mapping")
)


@dataclass(frozen=True)
class SandboxClone:
    """The proof's and the trace's clone of the live schema as SQL, with what it stands in for or leaves out."""

    sql: str
    stood_in: tuple[str, ...]  # functions stood in for (core/diff/stand_in_functions.py)
    extensions_left_out: tuple[str, ...]  # those a sandbox refuses (core/sandbox_extensions.py), and theirs


def sandbox_clone_sql(catalog: Catalog) -> SandboxClone:
    """The whole schema as a sandbox's role can load it. What it leaves out is missing from the clone, and the
    proof says so (its fingerprint gaps): the kinds above, and the extensions a sandbox refuses to load (they
    reach outside the database: dblink, postgres_fdw), with those that need them; a live schema that merely
    had dblink stopped the proof before the clone."""
    from ..sandbox_extensions import extension_denied
    from .stand_in_functions import with_stand_ins

    left_out = {e.name for e in catalog.extensions if extension_denied(e.name)}
    while needing := {e.name for e in catalog.extensions if set(e.requires) & left_out} - left_out:
        left_out |= needing
    kept = tuple(o for o in catalog.objects if o.kind not in _NOT_IN_A_SANDBOX)
    extensions = tuple(e for e in catalog.extensions if e.name not in left_out)
    # A foreign table goes with its server, which goes with its wrapper's extension
    relations = tuple(r for r in catalog.relations if r.kind != RelationKind.FOREIGN)
    if len(kept) < len(catalog.objects) or left_out or len(relations) < len(catalog.relations):
        catalog = replace(
            catalog, objects=kept, extensions=extensions, relations=relations, foreign_tables=()
        )
    clone, stood_in = with_stand_ins(catalog)
    return SandboxClone(whole_schema_sql(clone), stood_in, tuple(sorted(left_out)))
