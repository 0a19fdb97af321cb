"""Where desired SQL runs: a shadow database owned by a throwaway role that can do nothing else.

Desired SQL files are code someone else may have written. Running them with the user's rights would let a file
drop a database, create a superuser or run a program on the server, hidden in a DO block or a function body
where no statement filter sees it. So the files run under a role made for one load: it LOGS IN itself (a
SET ROLE could be undone by RESET ROLE inside the file) with a random password that is never shown (only its
SCRAM verifier reaches the server, so no server log holds it), has no SUPERUSER/CREATEDB/CREATEROLE/
REPLICATION/BYPASSRLS, is a member of no role, owns the shadow database and nothing else; CONNECT and TEMP on
the shadow are revoked from PUBLIC. It may hold one connection at a time while the files run: a file that
changes its own password cannot let anyone else in, and the password is replaced before a second connection
is allowed (`Sandbox.reseal`). Role and database are dropped on every path, cancellation included.

Placement: on the target's server when our role may create roles and databases (superuser, or CREATEROLE and
CREATEDB) and the server lets the new role log in with a password over the same host and port; else on an
embedded server in a temp dir, under the same kind of role (its superuser only sets it up).

Extensions: trusted ones the role creates itself when its file asks (PostgreSQL's own rule for database
owners). Untrusted ones the files ask for are created first by the setting-up side, in the fresh database
before any file runs (no object of the file exists yet to hijack the extension's script), except those that
reach outside the database (network, server files, programs) or add an untrusted language: with those a
file could leave the sandbox, so they are refused with a clear message.
"""

from __future__ import annotations

import asyncio
import base64
import concurrent.futures
import contextlib
import hashlib
import hmac
import re
import secrets
import shutil
import sys
import tempfile
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import asyncpg

from .connect import ConnectionTarget, connect, resolve, with_database
from .errors import DibsError
from .extension_standins import stand_in_missing
from .sandbox_bound import SizeWatch
from .sandbox_cleanup import (
    ROLE_PREFIX,
    SHADOW_PREFIX,
    close_quietly,
    finish,
    start_drop,
    sweep_expired,
    to_the_end,
)
from .sandbox_extensions import ExtensionRequest, create_extensions, untrusted_of
from .session_limits import current_limits
from .sql import quote_ident, quote_literal


@dataclass(frozen=True)
class ShadowInfo:
    """Where the desired side was loaded, to tell the user when that is not the live server."""

    where: str  # "live server" or "embedded server"
    server_version: str
    live_version: str | None
    notes: tuple[str, ...] = ()


class Sandbox:
    """The shadow database, its role's login (`target`) and its first connection, open (`connection`)."""

    def __init__(
        self,
        target: ConnectionTarget,
        connection: asyncpg.Connection,
        info: ShadowInfo,
        admin: asyncpg.Connection,
        role: str,
        created_extensions: frozenset[str],
        setting_up: ConnectionTarget | None = None,
    ) -> None:
        self.target = target
        self.connection = connection
        self.info = info
        self.created_extensions = created_extensions  # by the setting-up side: their statements are skipped
        self._admin = admin
        self._role = role
        self._setting_up = setting_up  # the setting-up side's login to the shadow database

    async def drop_extensions(self, names: Sequence[str], cascade: bool) -> None:
        """A DROP EXTENSION of extensions the setting-up side created, which the role does not own: run as that
        side, as their CREATE EXTENSION was, in the shadow database only, and written here from the names
        the statement gave (never its text)."""
        if self._setting_up is None:
            raise DibsError("the sandbox has no setting-up login to drop an extension with")
        conn = await connect(self._setting_up, read_only=False)
        try:
            listed = ", ".join(quote_ident(n) for n in names)
            await conn.execute(f"DROP EXTENSION IF EXISTS {listed}{' CASCADE' if cascade else ''}")
        finally:
            await close_quietly(conn)

    async def reseal(self, connections: int = 2) -> None:
        """After the files ran, before their connection closes: a new password (whatever a file set is void)
        and room for `connections` logins (introspection)."""
        password = _new_password()
        await self._admin.execute(
            f"ALTER ROLE {quote_ident(self._role)} WITH CONNECTION LIMIT {int(connections)} "
            f"PASSWORD {quote_literal(scram_verifier(password))}"
        )
        self.target = replace(self.target, password=password)


@asynccontextmanager
async def catalog_path(conn: asyncpg.Connection) -> AsyncIterator[None]:
    """Read the catalog on a connection that also runs files: search_path pinned to pg_catalog meanwhile (a
    file's look-alike format_type or pg_get_expr is never called), then given back for the next file."""
    path = await conn.fetchval("SELECT pg_catalog.current_setting('search_path')")
    await conn.execute("SELECT pg_catalog.set_config('search_path', 'pg_catalog', false)")
    try:
        yield
    finally:
        await conn.execute("SELECT pg_catalog.set_config('search_path', $1, false)", path)


def _new_password() -> str:
    return secrets.token_urlsafe(32)


def scram_verifier(password: str, *, iterations: int = 4096) -> str:
    """The SCRAM-SHA-256 verifier PostgreSQL stores for `password` (ASCII: SASLprep leaves it as it is)."""
    salt = secrets.token_bytes(16)
    salted = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, iterations)
    client_key = hmac.new(salted, b"Client Key", hashlib.sha256).digest()
    stored_key = hashlib.sha256(client_key).digest()
    server_key = hmac.new(salted, b"Server Key", hashlib.sha256).digest()

    def b64(raw: bytes) -> str:
        return base64.b64encode(raw).decode()

    return f"SCRAM-SHA-256${iterations}:{b64(salt)}${b64(stored_key)}:{b64(server_key)}"


def _clean_version(text: str) -> str:
    """A server_version string as shown to a person: printable characters only."""
    return re.sub(r"[^0-9A-Za-z .()_+-]", "", text)[:60]


def version_note(shadow_version: str, live_version: str | None, where: str) -> str | None:
    """One line when the desired side was loaded on another major version than the live server runs."""
    if not live_version or not shadow_version:
        return None
    major = re.match(r"\d+", shadow_version), re.match(r"\d+", live_version)
    if not all(major) or major[0].group() == major[1].group():  # type: ignore[union-attr]
        return None
    return (
        f"the desired schema was loaded on PostgreSQL {_clean_version(shadow_version)} ({where}); "
        f"the live server runs {_clean_version(live_version)}: differences between the versions can show as "
        "changes"
    )


_STARTER = concurrent.futures.ThreadPoolExecutor(max_workers=2, thread_name_prefix="dibs-shadow")


@dataclass(frozen=True)
class _Rights:
    may_sandbox: bool
    superuser: bool
    version: str
    valid_until: str
    read_only: bool = False  # a standby, or default_transaction_read_only: no role or database can be made


async def _rights(admin: asyncpg.Connection) -> _Rights:
    row = await admin.fetchrow(
        "SELECT r.rolsuper, r.rolcreatedb, r.rolcreaterole, pg_catalog.current_setting('server_version') AS v,"
        " (pg_catalog.now() + interval '1 day')::text AS until,"
        " pg_catalog.current_setting('transaction_read_only') = 'on' AS read_only"
        " FROM pg_catalog.pg_roles r WHERE r.rolname = pg_catalog.current_user()"
    )
    if row is None:
        return _Rights(False, False, "", "")
    read_only = bool(row["read_only"])
    may = not read_only and bool(row["rolsuper"] or (row["rolcreatedb"] and row["rolcreaterole"]))
    return _Rights(may, bool(row["rolsuper"]), str(row["v"]), str(row["until"]), read_only)


@asynccontextmanager
async def open_sandbox(
    target: ConnectionTarget | None,
    extensions: Sequence[ExtensionRequest] = (),
    roles: Sequence[str] = (),
    created_roles: Sequence[str] = (),
) -> AsyncIterator[Sandbox]:
    """A fresh shadow database and its restricted role, on `target`'s server if allowed, else embedded.

    `roles`: the roles the statements name (GRANT ... TO, CREATE POLICY ... TO). On the user's server they are
    the server's own and nothing is made; an embedded server, a throwaway cluster of ours, has none of them,
    so each is made there, NOLOGIN and without rights, before the statements run. `created_roles`: those the
    files create themselves (core.sandbox_statements): where the user's server lacks one, no role is made
    there, and the load goes to an embedded server.

    Cleanup survives cancellation (Ctrl-C): database and role are dropped by `to_the_end`, and an embedded
    server is stopped synchronously in the outermost `finally`, which a CancelledError raised by an inner
    await cannot skip; its temp dir goes with it.
    """
    token = secrets.token_hex(6)
    name, role = SHADOW_PREFIX + token, ROLE_PREFIX + token
    server = None
    starting: concurrent.futures.Future[object] | None = None
    root: Path | None = None
    notes: list[str] = []
    live_version: str | None = None
    try:
        if target is not None:
            admin = await _try_connect(target)
            if admin is not None:
                made = _Made()
                sandbox: Sandbox | None = None
                watch: SizeWatch | None = None
                try:
                    rights = await _rights(admin)
                    live_version = rights.version or None
                    elsewhere = await _elsewhere(admin, target, rights, extensions, created_roles)
                    if elsewhere is not None:
                        notes += [elsewhere] if elsewhere else []
                    else:
                        await sweep_expired(admin, target)
                        try:
                            sandbox = await _set_up(
                                admin, target, rights, name, role, extensions, made, "live server", None
                            )
                        except asyncpg.PostgresError as exc:
                            notes.append(
                                f"the sandbox could not be set up on the server at {_where(target)} "
                                f"({_first_line(exc)}): the desired schema was loaded on an embedded server instead"
                            )
                        if sandbox is None and not notes:
                            notes.append(
                                f"the server at {_where(target)} refused a password login of the sandbox role "
                                "(pg_hba.conf?): the desired schema was loaded on an embedded server instead"
                            )
                    if sandbox is not None:
                        watch = await SizeWatch.open_if_free(
                            sandbox._setting_up, role, sandbox.connection, _where(target), notes
                        )
                    if watch is not None and sandbox is not None:
                        with watch.said():
                            yield sandbox
                        return
                finally:
                    if watch is not None:
                        watch.stop()
                    # Started before any await: a task cancelled before its first step never runs its body.
                    dropping = start_drop(admin, target, name, role) if made.anything else None
                    await to_the_end(
                        finish(sandbox.connection if sandbox else None, admin, dropping), sys.exc_info()[1]
                    )
        from .embedded import EmbeddedServer

        root = Path(tempfile.mkdtemp(prefix="dibs-shadow-"))
        server = EmbeddedServer(root / "server")
        # A thread of our own, so that a cancelled caller can still wait for a start under way to end.
        starting = _STARTER.submit(server.start)
        await asyncio.wrap_future(starting)
        admin_target = resolve(server.dsn("postgres"))
        admin = await connect(admin_target, read_only=False)
        made = _Made()
        sandbox = None
        try:
            rights = await _rights(admin)
            await _make_roles(admin, roles)
            notes += await stand_in_missing(admin, target, [e.name for e in extensions], root / "standins")
            sandbox = await _set_up_embedded(
                admin,
                admin_target,
                rights,
                name,
                role,
                extensions,
                made,
                "embedded server",
                live_version,
                notes,
            )
            if sandbox is None:
                raise DibsError("the embedded server refused the sandbox role's login")
            yield sandbox
        finally:
            # Nothing to drop: the server and its files go in the outer `finally`.
            await to_the_end(finish(sandbox.connection if sandbox else None, admin, None))
    finally:
        if starting is not None:
            with contextlib.suppress(Exception):
                starting.result()  # cancelled while starting: the server comes up, then we stop it
        if server is not None:
            server.stop()  # synchronous on purpose: nothing can cancel it half way
        if root is not None:
            shutil.rmtree(root, ignore_errors=True)


async def _set_up_embedded(*args: Any) -> Sandbox | None:
    try:
        return await _set_up(*args)
    except asyncpg.PostgresError as exc:
        raise DibsError(f"the embedded server could not set up the sandbox: {_first_line(exc)}") from None


async def _elsewhere(
    admin: asyncpg.Connection,
    target: ConnectionTarget,
    rights: _Rights,
    extensions: Sequence[ExtensionRequest],
    created_roles: Sequence[str],
) -> str | None:
    """Why the sandbox is not made on the live server, as the note says it ("" when that needs no note: the
    project keeps it off, our role may not); None: it is made there if the server lets its role in."""
    if current_limits().sandbox == "embedded":
        return ""  # the live server's version is read all the same, for the note on versions
    if rights.read_only:
        return (
            f"the server at {_where(target)} is read-only (a standby, or default_transaction_read_only): the "
            "desired schema was loaded on an embedded server instead"
        )
    if not rights.may_sandbox:
        return ""
    untrusted = [] if rights.superuser else await untrusted_of(admin, extensions)
    if untrusted:
        return (
            f"creating extension {', '.join(untrusted)} takes a superuser: the desired schema was loaded on an "
            "embedded server instead"
        )
    rows = await admin.fetch(
        "SELECT rolname FROM pg_catalog.pg_roles WHERE rolname OPERATOR(pg_catalog.=) ANY($1::text[])",
        list(created_roles),
    )
    missing = [quote_ident(r) for r in created_roles if r not in {row["rolname"] for row in rows}]
    if missing:
        return (
            f"the schema creates role{'s' if len(missing) > 1 else ''} {', '.join(missing)}, which the server "
            f"at {_where(target)} does not have and the sandbox never makes there: the desired schema was "
            "loaded on an embedded server instead, where they are made for the load"
        )
    return None


async def _make_roles(admin: asyncpg.Connection, roles: Sequence[str]) -> None:
    """The user's roles on an embedded server: names to grant to, with no login and no right of their own."""
    if not roles:
        return
    rows = await admin.fetch(
        "SELECT rolname FROM pg_catalog.pg_roles WHERE rolname OPERATOR(pg_catalog.=) ANY($1::text[])",
        list(roles),
    )
    there = {r["rolname"] for r in rows}
    for name in roles:  # a name is an identifier here, never spliced into a quoted body
        if name not in there:
            await admin.execute(f"CREATE ROLE {quote_ident(name)} NOLOGIN")


def _first_line(exc: BaseException) -> str:
    return (getattr(exc, "message", None) or str(exc) or type(exc).__name__).splitlines()[0]


class _Made:
    """Whether a role or database may exist: set before each CREATE is sent (a cancel can land after it)."""

    anything = False


def _where(target: ConnectionTarget) -> str:
    return f"socket {target.host}" if target.host.startswith("/") else f"{target.host}:{target.port}"


async def _try_connect(target: ConnectionTarget) -> asyncpg.Connection | None:
    try:
        return await connect(target, read_only=False)
    except DibsError:
        return None


async def _set_up(
    admin: asyncpg.Connection,
    admin_target: ConnectionTarget,
    rights: _Rights,
    name: str,
    role: str,
    extensions: Sequence[ExtensionRequest],
    made: _Made,
    where: str,
    live_version: str | None,
    notes: list[str] | None = None,
) -> Sandbox | None:
    """Role, database, extensions, first login. None when the server refuses the role's password login."""
    password = _new_password()
    until = f" VALID UNTIL {quote_literal(rights.valid_until)}" if rights.valid_until else ""
    made.anything = True
    await admin.execute(
        f"CREATE ROLE {quote_ident(role)} WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION "
        f"NOBYPASSRLS CONNECTION LIMIT 1 PASSWORD {quote_literal(scram_verifier(password))}{until}"
    )
    if not rights.superuser:
        # CREATE DATABASE … OWNER needs us to be able to become the owner; the grant goes this way only.
        await admin.execute(f"GRANT {quote_ident(role)} TO CURRENT_USER")
    await admin.execute(f"CREATE DATABASE {quote_ident(name)} OWNER {quote_ident(role)} TEMPLATE template0")
    await admin.execute(f"REVOKE CONNECT, TEMPORARY ON DATABASE {quote_ident(name)} FROM PUBLIC")
    if rights.superuser and where == "live server":  # a sort's or hash's temporary files (core.sandbox_bound)
        limit = max(current_limits().sandbox_max_size // 1024, 1)
        await admin.execute(f"ALTER ROLE {quote_ident(role)} SET temp_file_limit = {limit}")
    shadow_admin = with_database(admin_target, name)
    created = await create_extensions(shadow_admin, role, extensions, where, notes or [])
    role_target = replace(shadow_admin, user=role, password=password, database=name, origin="sandbox")
    try:
        first = await connect(role_target, read_only=False)
    except DibsError:
        return None
    note = version_note(rights.version, live_version, where)
    info = ShadowInfo(
        where,
        _clean_version(rights.version),
        live_version,
        tuple([*(notes or ()), *([note] if note else [])]),
    )
    return Sandbox(role_target, first, info, admin, role, created, shadow_admin)
