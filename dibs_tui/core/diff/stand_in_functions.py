"""Functions a sandbox's restricted role may not create, stood in for in the proof's and the trace's clone.

A function in C or internal (musicbrainz's immutable_unaccent) or in an untrusted language (plpython3u, plperlu:
by convention their names end in u) runs code inside the server, so the sandbox's role is refused it. The clone
gets one of the same name, arguments, result, volatility, strictness and parallel safety in PL/pgSQL whose body
returns nothing: what names it (an index expression, a SQL function, a default, a trigger) loads as it is, and a
migration that replaces or drops it runs. What the proof cannot cover is what the function returns: a
statement computing values with it gets NULL there (a trigger's row passes unchanged). The proof says which.

A signature PL/pgSQL cannot take (the pseudo-types of an index method's or a type's support functions) is not
stood in: the clone then stops at it, as before, and says so.
"""

from __future__ import annotations

import re
from dataclasses import replace

from ..model import Catalog, Function
from ..sql import quote_ident
from ..sqlparse import statement_info

_REFUSED_LANGUAGES = frozenset({"c", "internal"})
# Pseudo-types a PL/pgSQL function may neither take nor return
_NOT_PLPGSQL = re.compile(r"\b(internal|language_handler|fdw_handler|index_am_handler|table_am_handler|"
                          r"tsm_handler|cstring|opaque)\b", re.IGNORECASE)  # fmt: skip
_ATTRIBUTES = re.compile(r"\b(IMMUTABLE|STABLE|STRICT|PARALLEL\s+(?:SAFE|RESTRICTED))\b")


def _refused(fn: Function) -> bool:
    """A function or procedure in a language a sandbox's role may not create one in (aggregates and window
    functions keep theirs: an aggregate's own is internal, and it is made with CREATE AGGREGATE)."""
    return fn.kind in ("f", "p") and (fn.language in _REFUSED_LANGUAGES or fn.language.endswith("u"))


def _stand_in(fn: Function) -> str | None:
    """The PL/pgSQL function of `fn`'s signature; None where the text would not be one CREATE statement."""
    if _NOT_PLPGSQL.search(f"{fn.identity_arguments} {fn.result or ''}"):
        return None
    name = f"{quote_ident(fn.schema)}.{quote_ident(fn.name)}({fn.identity_arguments})"
    body = "$stand_in$BEGIN END$stand_in$"
    if fn.kind == "p":
        sql = f"CREATE OR REPLACE PROCEDURE {name} LANGUAGE plpgsql AS {body}"
    else:
        result = fn.result or "void"
        # The lines pg_get_functiondef writes between the arguments and the body: volatility, strictness,
        # parallel safety
        header = (fn.definition or "").split("\nAS ", 1)[0].split("\n RETURNS ", 1)[-1]
        attributes = " ".join(dict.fromkeys(" ".join(m.split()) for m in _ATTRIBUTES.findall(header)))
        returns = (
            ""
            if result in ("void", "event_trigger")
            else "RETURN NEW;"
            if result == "trigger"
            else "RETURN;"
            if result.startswith(("SETOF ", "TABLE("))
            else "RETURN NULL;"
        )
        body = f"$stand_in$BEGIN {returns} END$stand_in$"
        sql = f"CREATE OR REPLACE FUNCTION {name} RETURNS {result} LANGUAGE plpgsql {attributes} AS {body}"
    info = statement_info(sql)
    return sql if info is not None and info.node_type == "CreateFunctionStmt" else None


def with_stand_ins(catalog: Catalog) -> tuple[Catalog, tuple[str, ...]]:
    """`catalog` with each function a sandbox's role may not create stood in for, and their signatures."""
    functions: list[Function] = []
    stood_in: list[str] = []
    for fn in catalog.functions:
        sql = _stand_in(fn) if _refused(fn) else None
        if sql is None:
            functions.append(fn)
            continue
        functions.append(replace(fn, language="plpgsql", definition=sql))
        stood_in.append(f"{fn.schema}.{fn.signature}")
    if not stood_in:
        return catalog, ()
    return replace(catalog, functions=tuple(functions)), tuple(stood_in)
