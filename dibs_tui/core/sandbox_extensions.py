"""The extensions a desired schema asks for, as the sandbox makes them: which are refused (a way out of the
database), which the setting-up side creates before the files run (untrusted ones, and the trusted ones they
require, in order), and what a missing one says."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import asyncpg

from .connect import ConnectionTarget, connect
from .errors import SourceError
from .sandbox_cleanup import close_quietly
from .sql import quote_ident, quote_literal

# Extensions that give whoever may call their functions a way out of the database: connections to other
# databases or servers (dblink, the FDWs, http clients), server files (file_fdw, adminpack), programs or
# scheduled jobs that outlive the load (pg_cron, pg_background), untrusted languages. Names ending in "_fdw"
# and untrusted languages ("…u") are refused as well.


DENIED_EXTENSIONS = frozenset(
    {
        "dblink",
        "postgres_fdw",
        "file_fdw",
        "adminpack",
        "pg_cron",
        "pg_background",
        "pg_net",
        "http",
        "pgsql_http",
        "aws_s3",
        "aws_commons",
        "aws_lambda",
        "log_fdw",
        "plpythonu",
        "plpython2u",
        "plpython3u",
        "plperlu",
        "pltclu",
        "plsh",
        "pljava",
    }
)


def extension_denied(name: str) -> bool:
    return name in DENIED_EXTENSIONS or name.endswith("_fdw")


@dataclass(frozen=True)
class ExtensionRequest:
    """A CREATE EXTENSION of the files, and where it is written."""

    name: str
    schema: str | None
    version: str | None
    cascade: bool
    file: str
    line: int
    column: int


def missing_extension_hint(where: str, why_here: Sequence[str]) -> str | None:
    """Why the load is where the extension is missing, and the ways round it."""
    if where != "embedded server":
        return "install it on that server, or pass --desired a database built from the schema files"
    why = f"{why_here[0]}; " if why_here else ""
    return (
        f"{why}the embedded server has PostgreSQL's contrib extensions built without OpenSSL, libxml and "
        "libuuid (no pgcrypto, uuid-ossp, sslinfo or xml2), and pgvector: pass --desired a database built from "
        "the schema files on a server that has it, or connect as a role that may create roles and databases "
        "on the live server, where the sandbox then lives"
    )


async def untrusted_of(admin: asyncpg.Connection, extensions: Sequence[ExtensionRequest]) -> list[str]:
    """The extensions asked for that only a superuser may create on this server (missing ones: not here)."""
    if not extensions:
        return []
    rows = await admin.fetch(
        "SELECT name FROM pg_catalog.pg_available_extension_versions WHERE name = ANY($1::text[])"
        " GROUP BY name HAVING NOT bool_or(trusted)",
        sorted({e.name for e in extensions}),
    )
    return sorted(str(r["name"]) for r in rows)


async def create_extensions(
    shadow_admin: ConnectionTarget,
    role: str,
    extensions: Sequence[ExtensionRequest],
    where: str,
    why_here: Sequence[str] = (),
) -> frozenset[str]:
    """Untrusted extensions the files ask for, created before any file runs; trusted ones are left to the
    role. Refused or missing ones end the load here, with where the files ask for them."""
    if not extensions:
        return frozenset()
    created: set[str] = set()
    conn = await connect(shadow_admin, read_only=False)
    try:
        rows = await conn.fetch(
            "SELECT name, bool_or(trusted) AS trusted, "
            "array_agg(DISTINCT r) FILTER (WHERE r IS NOT NULL) AS requires"
            " FROM pg_catalog.pg_available_extension_versions LEFT JOIN LATERAL unnest(requires) r ON true"
            " GROUP BY name"
        )
        available = {r["name"]: (bool(r["trusted"]), tuple(r["requires"] or ())) for r in rows}
        missing = sorted({e.name for e in extensions if e.name not in available})
        if missing:
            first = next(e for e in extensions if e.name in missing)
            raise SourceError(
                first.file,
                first.line,
                first.column,
                f"the {where} has no extension{'s' if len(missing) > 1 else ''} {', '.join(missing)} (not installed there)",
                hint=missing_extension_hint(where, why_here),
            )
        for ext in extensions:
            needed = _with_requirements(ext.name, available) if ext.cascade else {ext.name}
            refused = sorted(n for n in needed if extension_denied(n))
            if refused:
                raise SourceError(
                    ext.file,
                    ext.line,
                    ext.column,
                    f"extension {', '.join(refused)} is not loaded into the shadow database: it reaches "
                    "outside the database (network, server files, programs or an untrusted language)",
                )
        for ext in _setting_up_order(extensions, available):
            if ext.schema and ext.schema != "public":
                await conn.execute(
                    f"CREATE SCHEMA IF NOT EXISTS {quote_ident(ext.schema)} AUTHORIZATION {quote_ident(role)}"
                )
            sql = f"CREATE EXTENSION IF NOT EXISTS {quote_ident(ext.name)}"
            if ext.schema:
                sql += f" SCHEMA {quote_ident(ext.schema)}"
            if ext.version:
                sql += f" VERSION {quote_literal(ext.version)}"
            if ext.cascade:
                sql += " CASCADE"
            try:
                await conn.execute(sql)
            except asyncpg.PostgresError as exc:
                raise SourceError(ext.file, ext.line, ext.column, getattr(exc, "message", str(exc))) from None
            created.add(ext.name)
        return frozenset(created)
    finally:
        await close_quietly(conn)


def _setting_up_order(
    extensions: Sequence[ExtensionRequest], available: dict[str, tuple[bool, tuple[str, ...]]]
) -> list[ExtensionRequest]:
    """The extensions the setting-up side creates, each after those it requires: every untrusted one, and a
    trusted one the files ask for that an untrusted one requires (pg_dump writes `cube` before
    `earthdistance`; created before the files run, earthdistance needs its cube then). Trusted ones no untrusted
    one needs are left to the role."""
    asked = {e.name: e for e in extensions}
    order: list[ExtensionRequest] = []
    placed: set[str] = set()

    def place(ext: ExtensionRequest) -> None:
        if ext.name in placed:
            return
        placed.add(ext.name)
        for required in available[ext.name][1]:
            if required in asked:
                place(asked[required])
        order.append(ext)

    for ext in extensions:
        if not available[ext.name][0]:
            place(ext)
    return order


def _with_requirements(name: str, available: dict[str, tuple[bool, tuple[str, ...]]]) -> set[str]:
    seen: set[str] = set()
    todo = [name]
    while todo:
        item = todo.pop()
        if item in seen:
            continue
        seen.add(item)
        todo.extend(available.get(item, (False, ()))[1])
    return seen
