"""Where to connect, how to say it without the password, and connections that cannot write.

Resolution order (spec §2): the DSN argument, then `DATABASE_URL`, then libpq's `PG*` variables and
`~/.pgpass`. asyncpg reads PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE, PGSSL* and the passfile itself; it
does not read service files (`PGSERVICE`, `service=` in a DSN), `PGAPPNAME`, `PGOPTIONS` or
`PGCONNECT_TIMEOUT`, so those are handled here.
"""

from __future__ import annotations

import asyncio
import configparser
import getpass
import os
import re
import socket
import ssl
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

import asyncpg

from .errors import ConnectError

APPLICATION_NAME = "dibs-tui"
_URL_PASSWORD = re.compile(r"^(?P<scheme>[a-z0-9+.-]+://)(?P<user>[^:@/]*):(?P<password>[^@/]*)@", re.IGNORECASE)
_KV_PASSWORD = re.compile(r"(?P<key>\bpassword\s*=\s*)(?P<value>'(?:[^'\\]|\\.)*'|\S+)", re.IGNORECASE)
_QUERY_PASSWORD = re.compile(r"(?P<key>[?&]password=)(?P<value>[^&]*)", re.IGNORECASE)


def mask_dsn(dsn: str) -> str:
    """The DSN with any password replaced by `****`, for URLs and libpq key=value strings alike."""
    if "://" in dsn:
        masked = _URL_PASSWORD.sub(lambda m: f"{m['scheme']}{m['user']}:****@", dsn)
        return _QUERY_PASSWORD.sub(lambda m: f"{m['key']}****", masked)
    return _KV_PASSWORD.sub(lambda m: f"{m['key']}****", dsn)


def scrub(text: str, secrets: tuple[str, ...]) -> str:
    """Remove passwords from a message that might echo them (driver errors sometimes quote the DSN)."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "****")
    return text


@dataclass(frozen=True)
class ConnectionTarget:
    """A resolved connection: the DSN (maybe empty: then libpq variables alone) plus the describable parts."""

    dsn: str
    host: str
    port: int
    user: str
    database: str
    password: str | None = field(default=None, repr=False)
    server_settings: Mapping[str, str] = field(default_factory=dict)
    timeout: float = 10.0
    origin: str = "argument"  # where the target came from: argument, DATABASE_URL, service, PG* variables, defaults

    @property
    def masked(self) -> str:
        """How to show this target: the masked DSN, or user@host:port/database."""
        return mask_dsn(self.dsn) if self.dsn else self.describe()

    def describe(self) -> str:
        host = self.host if not self.host.startswith("/") else f"socket {self.host}"
        return f"{self.user}@{host}:{self.port}/{self.database}"


def _parse_kv_dsn(dsn: str) -> dict[str, str]:
    """libpq `key=value key='quoted value'` conninfo strings."""
    out: dict[str, str] = {}
    for m in re.finditer(r"(\w+)\s*=\s*('(?:[^'\\]|\\.)*'|\S+)", dsn):
        value = m.group(2)
        if value.startswith("'"):
            value = re.sub(r"\\(.)", r"\1", value[1:-1])
        out[m.group(1).lower()] = value
    return out


def _parse_dsn(dsn: str) -> dict[str, str]:
    if "://" not in dsn:
        return _parse_kv_dsn(dsn)
    parts = urlsplit(dsn)
    out: dict[str, str] = {}
    if parts.username:
        out["user"] = unquote(parts.username)
    if parts.password:
        out["password"] = unquote(parts.password)
    netloc_host = parts.netloc.rsplit("@", 1)[-1]
    if netloc_host:
        host, _, port = netloc_host.rpartition(":") if not netloc_host.endswith("]") else (netloc_host, "", "")
        if not host:
            host, port = port, ""
        if host:
            out["host"] = unquote(host.strip("[]"))
        if port.isdigit():
            out["port"] = port
    if parts.path and parts.path != "/":
        out["dbname"] = unquote(parts.path.lstrip("/"))
    for key, value in parse_qsl(parts.query):
        out["dbname" if key == "database" else key.lower()] = value
    return out


def _service_file_entries(service: str, env: Mapping[str, str]) -> dict[str, str]:
    """Read `[service]` from PGSERVICEFILE or ~/.pg_service.conf, then PGSYSCONFDIR/pg_service.conf."""
    candidates = [Path(env["PGSERVICEFILE"])] if "PGSERVICEFILE" in env else [Path.home() / ".pg_service.conf"]
    if "PGSYSCONFDIR" in env:
        candidates.append(Path(env["PGSYSCONFDIR"]) / "pg_service.conf")
    for path in candidates:
        if not path.is_file():
            continue
        parser = configparser.ConfigParser(interpolation=None)
        parser.read(path)
        if parser.has_section(service):
            return {k.lower(): v for k, v in parser.items(service)}
    raise ConnectError(f"service {service!r} is not defined in {', '.join(str(p) for p in candidates)}")


def resolve(dsn: str | None = None, env: Mapping[str, str] | None = None) -> ConnectionTarget:
    """Work out where to connect from the argument, DATABASE_URL, service files and PG* variables."""
    env = os.environ if env is None else env
    chosen = dsn or env.get("DATABASE_URL", "")
    params = _parse_dsn(chosen) if chosen else {}
    service = params.pop("service", None) or (env.get("PGSERVICE") if not chosen else None)
    if service:
        params = {**_service_file_entries(service, env), **params}
    host = params.get("host") or env.get("PGHOST") or _default_host()
    port = int(params.get("port") or env.get("PGPORT") or 5432)
    user = params.get("user") or env.get("PGUSER") or getpass.getuser()
    database = params.get("dbname") or env.get("PGDATABASE") or user
    password = params.get("password") or env.get("PGPASSWORD")
    settings = {"application_name": params.get("application_name") or env.get("PGAPPNAME") or APPLICATION_NAME}
    options = params.get("options") or env.get("PGOPTIONS")
    if options:
        for m in re.finditer(r"-c\s*([\w.]+)=(\S+)", options):
            settings[m.group(1)] = m.group(2)
    timeout = float(params.get("connect_timeout") or env.get("PGCONNECT_TIMEOUT") or 10)
    if dsn:
        origin = "argument"
    elif chosen:
        origin = "DATABASE_URL"
    elif service:
        origin = "service"
    elif any(env.get(k) for k in ("PGHOST", "PGPORT", "PGUSER", "PGDATABASE", "PGPASSWORD")):
        origin = "PG* variables"
    else:
        origin = "defaults"
    if service and not dsn:
        # asyncpg cannot read the service itself: hand it the resolved parts as a URL-less target.
        chosen = ""
    return ConnectionTarget(
        dsn=chosen,
        host=host,
        port=port,
        user=user,
        database=database,
        password=password,
        server_settings=settings,
        timeout=timeout,
        origin=origin,
    )


def _default_host() -> str:
    for candidate in ("/var/run/postgresql", "/tmp"):  # noqa: S108 - libpq's own default socket dirs
        if Path(candidate, ".s.PGSQL.5432").exists():
            return candidate
    return "localhost"


def _describe_failure(target: ConnectionTarget, exc: BaseException) -> str:
    where = f"{target.host}:{target.port}" if not target.host.startswith("/") else f"socket {target.host}"
    ident = f"database {target.database!r}, user {target.user!r}"
    if isinstance(exc, asyncpg.InvalidPasswordError):
        reason = "password authentication failed"
    elif isinstance(exc, asyncpg.InvalidCatalogNameError):
        reason = f"database {target.database!r} does not exist"
    elif isinstance(exc, asyncpg.InvalidAuthorizationSpecificationError):
        reason = "the server refused this user"
    elif isinstance(exc, ConnectionRefusedError):
        reason = "connection refused (is the server running and accepting TCP connections?)"
    elif isinstance(exc, TimeoutError | asyncio.TimeoutError):
        reason = f"no answer within {target.timeout:g} s"
    elif isinstance(exc, socket.gaierror):
        reason = f"unknown host {target.host!r}"
    elif isinstance(exc, FileNotFoundError):
        reason = "no server socket there"
    elif isinstance(exc, ssl.SSLError):
        reason = f"TLS failed: {exc.reason or exc}"
    else:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    message = f"cannot connect to PostgreSQL at {where} ({ident}): {reason}"
    if target.origin == "defaults":
        message += " - no database was given: pass a DSN, or set DATABASE_URL or the PG* variables"
    return scrub(message, (target.password or "",))


async def connect(
    target: ConnectionTarget, *, read_only: bool = True, extra_settings: Mapping[str, str] | None = None
) -> asyncpg.Connection:
    """Open one connection. Browsing connections are read-only at the session level (spec §2)."""
    settings: dict[str, str] = dict(target.server_settings)
    if read_only:
        settings["default_transaction_read_only"] = "on"
    settings.update(extra_settings or {})
    kwargs: dict[str, Any] = {"server_settings": settings, "timeout": target.timeout}
    if target.dsn:
        kwargs["dsn"] = target.dsn
    else:
        kwargs.update(host=target.host, port=target.port, user=target.user, database=target.database)
        if target.password:
            kwargs["password"] = target.password
    try:
        return await asyncpg.connect(**kwargs)
    except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, TimeoutError, ValueError) as exc:
        raise ConnectError(_describe_failure(target, exc)) from None
