"""Stand-ins on the embedded sandbox for extensions it is built without that the live server has.

The embedded server has no OpenSSL, libxml or libuuid: no pgcrypto, uuid-ossp, sslinfo or xml2. A login that
may not make databases (most production logins) loads its desired schema there, and a schema with
`CREATE EXTENSION "uuid-ossp"` and `DEFAULT uuid_generate_v4()` could not be diffed at all. Where the live
server has the extension installed and its members are functions only, the embedded server gets an extension
of that name and version (PostgreSQL 18's extension_control_path, in the sandbox's own folder) whose functions
have the live ones' names, arguments and results, and bodies that return nothing: the schema's defaults,
CHECKs and views that name them load and read back as they are written; nothing the load runs gets a value
from them. An extension's members are never diffed, so the stand-in's bodies never reach a plan.

What is read from the live server is catalog text the server writes (argument and result types); names are
quoted here; each generated statement must parse as one CREATE FUNCTION or CREATE PROCEDURE, or the extension
is not stood in.
"""

from __future__ import annotations

import re
from pathlib import Path

import asyncpg

from .connect import ConnectionTarget, connect
from .sql import quote_ident, quote_literal
from .sqlparse import statement_info

# The live extension's members, and whether each is a function or procedure we can write a stub of.
_MEMBERS_SQL = """
SELECT x.extname::pg_catalog.text AS name, x.extversion::pg_catalog.text AS version,
       pg_catalog.obj_description(x.oid, 'pg_extension') AS comment,
       d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_proc'::pg_catalog.regclass AND p.prokind IN ('f', 'p')
         AS stubbable,
       p.proname::pg_catalog.text AS proname, p.prokind::pg_catalog.text AS prokind, p.proretset,
       p.provolatile::pg_catalog.text AS volatility,
       pg_catalog.pg_get_function_identity_arguments(p.oid) AS identity,
       pg_catalog.pg_get_function_arguments(p.oid) AS arguments,
       pg_catalog.pg_get_function_result(p.oid) AS result
FROM pg_catalog.pg_extension x
JOIN pg_catalog.pg_depend d ON d.refclassid OPERATOR(pg_catalog.=) 'pg_catalog.pg_extension'::pg_catalog.regclass
                           AND d.refobjid OPERATOR(pg_catalog.=) x.oid AND d.deptype OPERATOR(pg_catalog.=) 'e'
LEFT JOIN pg_catalog.pg_proc p ON d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_proc'::pg_catalog.regclass
                              AND p.oid OPERATOR(pg_catalog.=) d.objid
WHERE x.extname OPERATOR(pg_catalog.=) ANY($1::pg_catalog.text[])
ORDER BY x.extname, p.proname, 9
"""
_SAFE_NAME = re.compile(r"[A-Za-z0-9_-]+")
_SAFE_VERSION = re.compile(r"[A-Za-z0-9._-]+")
_VOLATILITY = {"i": "IMMUTABLE", "s": "STABLE", "v": "VOLATILE"}


def _stub(row: asyncpg.Record) -> str | None:
    """A function or procedure of the live extension's signature whose body returns nothing; None where the
    text the server wrote does not make exactly one such statement."""
    name = quote_ident(str(row["proname"]))
    if row["prokind"] == "p":
        sql = f"CREATE PROCEDURE {name}({row['identity']}) LANGUAGE plpgsql AS $stand_in$BEGIN END$stand_in$"
        kind = "CreateFunctionStmt"
    else:
        result = str(row["result"])
        outs = " OUT " in f" {row['arguments']}" or result.startswith("TABLE(")
        body = "" if result == "void" else "RETURN;" if row["proretset"] or outs else "RETURN NULL;"
        sql = (
            f"CREATE FUNCTION {name}({row['identity']}) RETURNS {result} LANGUAGE plpgsql "
            f"{_VOLATILITY.get(str(row['volatility']), 'VOLATILE')} AS $stand_in$BEGIN {body} END$stand_in$"
        )
        kind = "CreateFunctionStmt"
    info = statement_info(sql)
    return sql if info is not None and info.node_type == kind else None


async def stand_in(live: ConnectionTarget, missing: list[str], root: Path) -> tuple[Path | None, list[str]]:
    """Control and script files under `root`/extension for each of `missing` the live server has and can be
    stood in for; the folder for extension_control_path (None: none could), and a note for each."""
    conn = await connect(live, read_only=True)
    try:
        rows = await conn.fetch(_MEMBERS_SQL, missing)
    finally:
        await conn.close()
    by_extension: dict[str, list[asyncpg.Record]] = {}
    for row in rows:
        by_extension.setdefault(str(row["name"]), []).append(row)
    notes = _write(root, by_extension)
    return (root if notes else None), notes


def _write(root: Path, by_extension: dict[str, list[asyncpg.Record]]) -> list[str]:
    """The files of each extension that can stand in (a few kB: written in place), readable by the embedded
    server's account; a note for each."""
    folder = root / "extension"
    notes: list[str] = []
    for name, members in sorted(by_extension.items()):
        version = str(members[0]["version"])
        stubs = [_stub(m) if m["stubbable"] else None for m in members]
        if not (_SAFE_NAME.fullmatch(name) and _SAFE_VERSION.fullmatch(version)) or None in stubs:
            continue
        folder.mkdir(mode=0o755, parents=True, exist_ok=True)
        root.chmod(0o755)
        folder.chmod(0o755)
        control, script = folder / f"{name}.control", folder / f"{name}--{version}.sql"
        # The live extension's comment, which CREATE EXTENSION sets from the control file: one line, quotes doubled
        comment = " ".join(str(members[0]["comment"] or "").split()).replace("'", "''")
        control.write_text(
            f"comment = '{comment}'\ndefault_version = '{version}'\nrelocatable = true\n", encoding="utf-8"
        )
        script.write_text("".join(f"{s};\n" for s in stubs), encoding="utf-8")
        for path in (control, script):
            path.chmod(0o644)
        notes.append(
            f"extension {name} {version} is not built into the embedded server: it stands in with the live "
            f"server's {len(stubs)} functions, whose bodies there return nothing"
        )
    return notes


async def stand_in_missing(
    admin: asyncpg.Connection, live: ConnectionTarget | None, requested: list[str], root: Path
) -> list[str]:
    """On the embedded server `admin` is the superuser of: the requested extensions it lacks stood in from the
    live server's (its later sessions of that login find them: ALTER ROLE ... SET extension_control_path);
    the notes that say so. Nothing where the live server is not known or has none of them."""
    if live is None or not requested:
        return []
    available = {
        str(r["name"]) for r in await admin.fetch("SELECT name FROM pg_catalog.pg_available_extensions")
    }
    missing = sorted({name for name in requested if name not in available})
    if not missing:
        return []
    folder, notes = await stand_in(live, missing, root)
    if folder is not None:
        path = quote_literal(f"$system:{folder}")
        await admin.execute(f"ALTER ROLE CURRENT_USER SET extension_control_path = {path}")
    return notes
