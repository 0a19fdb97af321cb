"""Where to connect, how to say it without the password, and connections that cannot write.

Resolution follows libpq: the DSN argument (else `DATABASE_URL`), read by core.conninfo as libpq reads it
(URL or key=value); then the service it names (`service=`, else PGSERVICE) from the service files; then the
PG* variables; then libpq's defaults. The driver (asyncpg) gets the result as explicit parts: a URL without
the password, the password apart, so nothing the driver says can quote it. A target shows itself as
user@host:port/database, never with a password.
"""

from __future__ import annotations

import asyncio
import contextlib
import getpass
import os
import socket
import ssl
import threading
import weakref
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from .conninfo import (
    ENVIRONMENT,
    SECRET_KEYWORDS,
    is_uri,
    loosely_kept,
    parse_conninfo,
    password_from_file,
    read_service,
)
from .errors import ConnectError
from .pooler import direct_url_hint, dropped_settings, refused_settings, writing_through_a_pooler
from .terminal import safe

if TYPE_CHECKING:  # the driver is imported when a connection opens: the browser draws its first frame first
    import asyncpg

APPLICATION_NAME = "dibs-tui"
DEFAULT_TIMEOUT = 10.0

# What asyncpg reads from a URL's query besides host, port, user and database (anything else it would send
# to the server as a setting).
_DRIVER_KEYWORDS = (
    "passfile sslmode sslcert sslkey sslrootcert sslcrl sslpassword sslnegotiation ssl_min_protocol_version "
    "ssl_max_protocol_version target_session_attrs krbsrvname gsslib"
).split()

# target_session_attrs for a session of ours made read-only: the driver asks a host "read-write?" through
# transaction_read_only, which such a session always answers "on" (it sets default_transaction_read_only
# when it starts), so `read-write` refused the primary itself and `read-only` took it. Whether the server
# is one that takes writes is told by recovery instead, as `primary` and `standby` ask it. (A session that
# writes, migrate's, keeps libpq's meaning.)
_READ_ONLY_SESSION_ATTRS = {"read-write": "primary", "read-only": "standby"}

# Requirements asyncpg cannot meet: connecting without them would quietly weaken what the user asked for.
_CANNOT_HONOUR = {
    "channel_binding": {"require"},
    "gssencmode": {"require"},
    "sslcertmode": {"require"},
    "require_auth": None,  # any value
    "requirepeer": None,
    "replication": None,
}


def scrub(text: str, secrets: tuple[str, ...]) -> str:
    """Remove passwords from a message that might echo them (driver errors sometimes quote what they got)."""
    for secret in sorted(secrets, key=len, reverse=True):
        if secret:
            text = text.replace(secret, "****")
    return text


@dataclass(frozen=True)
class ConnectionTarget:
    """A resolved connection: every part libpq would use, the secrets kept out of repr and of `masked`."""

    hosts: tuple[str, ...]
    ports: tuple[int, ...]
    user: str
    database: str
    password: str | None = field(default=None, repr=False)
    # Other libpq keywords the driver honours (sslmode, sslrootcert, passfile, target_session_attrs, ...).
    parameters: Mapping[str, str] = field(default_factory=dict, repr=False)
    server_settings: Mapping[str, str] = field(default_factory=dict)
    timeout: float | None = DEFAULT_TIMEOUT
    origin: str = (
        "argument"  # where the target came from: argument, DATABASE_URL, service, PG* variables, defaults
    )
    # A password file skipped because its group or others may read it (libpq skips it too, and warns).
    ignored_passfile: str = ""

    @property
    def host(self) -> str:
        return self.hosts[0]

    @property
    def port(self) -> int:
        return self.ports[0]

    @property
    def secrets(self) -> tuple[str, ...]:
        """Every secret value this target holds, to scrub from anything that might echo it."""
        found = [self.password or ""]
        found += [v for k, v in self.parameters.items() if k in SECRET_KEYWORDS]
        return tuple(s for s in found if s)

    @property
    def masked(self) -> str:
        """How to show this target: user@host:port/database (every host of a list), escaped for a terminal."""
        return self.describe()

    def describe(self) -> str:
        places = ",".join(_place(h, p) for h, p in zip(self.hosts, self.ports, strict=True))
        return safe(scrub(f"{self.user}@{places}/{self.database}", self.secrets))

    def driver_url(self, *, read_only: bool = False) -> str:
        """The URL asyncpg gets: every part but the password (passed apart), percent-encoded. For a session
        of ours made read-only, a host's role is asked of recovery (`_READ_ONLY_SESSION_ATTRS`)."""
        netloc = ",".join(f"{_url_host(h)}:{p}" for h, p in zip(self.hosts, self.ports, strict=True))
        parameters = dict(self.parameters)
        attrs = parameters.get("target_session_attrs")
        if read_only and attrs in _READ_ONLY_SESSION_ATTRS:
            parameters["target_session_attrs"] = _READ_ONLY_SESSION_ATTRS[attrs]
        query = "&".join(f"{k}={quote(v, safe='')}" for k, v in parameters.items() if k in _DRIVER_KEYWORDS)
        url = f"postgresql://{quote(self.user, safe='')}@{netloc}/{quote(self.database, safe='')}"
        return f"{url}?{query}" if query else url


def _place(host: str, port: int) -> str:
    if host.startswith("/"):
        return f"socket {host}:{port}"
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _url_host(host: str) -> str:
    if ":" in host and not host.startswith("/"):
        return f"[{host}]"
    return quote(host, safe="")


def with_database(target: ConnectionTarget, name: str) -> ConnectionTarget:
    """The same server, user and settings, another database (a shadow database, `postgres` for admin)."""
    return replace(target, database=name)


def mask_dsn(dsn: str) -> str:
    """A connection string without its secrets, still usable (a URL stays a URL, key=value stays key=value).

    Built from the parsed keywords, not by pattern-matching the text; a string that does not parse is not
    shown at all."""
    try:
        params = parse_conninfo(dsn)
    except ConnectError:
        return "(a connection string that does not parse)"
    shown = {k: v for k, v in params.items() if k not in SECRET_KEYWORDS}
    if not is_uri(dsn):
        return safe(" ".join(f"{k}={_kv_quote(v)}" for k, v in shown.items()))
    user = quote(shown.pop("user", ""), safe="")
    hosts = shown.pop("host", "").split(",")
    ports = shown.pop("port", "").split(",")
    ports += [""] * (len(hosts) - len(ports))
    netloc = ",".join(
        (f"[{h}]" if ":" in h else quote(h, safe="")) + (f":{p}" if p else "")
        for h, p in zip(hosts, ports, strict=False)
    )
    scheme = dsn.split("://", 1)[0]
    url = f"{scheme}://{user + '@' if user else ''}{netloc}"
    if "dbname" in shown:
        url += "/" + quote(shown.pop("dbname"), safe="")
    if shown:
        url += "?" + "&".join(f"{k}={quote(v, safe='')}" for k, v in shown.items())
    return safe(url)


def _kv_quote(value: str) -> str:
    if value and not any(c in value for c in " \t\n\r\f\v'\\"):
        return value
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def resolve(dsn: str | None = None, env: Mapping[str, str] | None = None) -> ConnectionTarget:
    """Work out where to connect from the argument, DATABASE_URL, service files and PG* variables."""
    env = os.environ if env is None else env
    chosen = dsn or env.get("DATABASE_URL", "")
    params = _read(chosen) if chosen else {}
    service = params.get("service") or env.get("PGSERVICE")
    if service:
        for key, value in read_service(service, env).items():
            params.setdefault(key, value)
    from_env = False
    for key, variable in ENVIRONMENT.items():
        if key not in params and env.get(variable):
            params[key] = env[variable]
            from_env = from_env or key in ("host", "port", "user", "dbname", "password")
    for key, refused in _CANNOT_HONOUR.items():
        if key in params and (refused is None or params[key] in refused):
            raise ConnectError(
                f"{key}={safe(params[key])} cannot be honoured: asyncpg, the driver dibs-tui uses, does not "
                f"support {key}"
            )
    hosts = tuple(params.get("host", "").split(",")) if params.get("host") else (_default_host(),)
    hosts = tuple(h or _default_host() for h in hosts)
    ports = _ports(params.get("port", ""), len(hosts))
    user = params.get("user") or _os_user()
    database = params.get("dbname") or user
    settings = {"application_name": params.get("application_name") or APPLICATION_NAME}
    if params.get("options"):
        # Sent as the startup packet's own `options`: the server splits it exactly as it would libpq's.
        settings["options"] = params["options"]
    if params.get("client_encoding"):
        settings["client_encoding"] = params["client_encoding"]
    if dsn:
        origin = "argument"
    elif chosen:
        origin = "DATABASE_URL"
    elif service:
        origin = "service"
    elif from_env:
        origin = "PG* variables"
    else:
        origin = "defaults"
    password = params.get("password") or None
    ignored_passfile = ""
    if password is None:  # read here: asyncpg's reader mangles a password holding `:` or `\`
        passfile = Path(params.get("passfile") or Path.home() / ".pgpass").expanduser()
        password = password_from_file(passfile, hosts[0], ports[0], database, user)
        ignored_passfile = str(passfile) if loosely_kept(passfile) else ""
    return ConnectionTarget(
        hosts=hosts,
        ports=ports,
        user=user,
        database=database,
        password=password,
        parameters={k: v for k, v in params.items() if k in _DRIVER_KEYWORDS and k != "passfile"},
        server_settings=settings,
        timeout=_timeout(params.get("connect_timeout")),
        origin=origin,
        ignored_passfile=ignored_passfile,
    )


def _read(text: str) -> dict[str, str]:
    """A URL or key=value pairs; a bare word is a database name, as psql (libpq's expand_dbname) reads it.

    A bare word with `@`, `:` or `/` is more likely a URL without its scheme (user:password@host/db) than a
    database name: refused without being quoted, so that no message shows it."""
    if is_uri(text) or "=" in text:
        return parse_conninfo(text)
    if any(c in text for c in "@:/"):
        raise ConnectError(
            "the connection string is neither a postgresql:// URL, key=value pairs, nor a database name",
            hint="start a URL with postgresql://",
        )
    return {"dbname": text}


def _ports(text: str, count: int) -> tuple[int, ...]:
    """One port per host (libpq: a single port applies to every host; an empty one is the default)."""
    items = text.split(",") if text else [""]
    if len(items) == 1:
        items = items * count
    if len(items) != count:
        raise ConnectError(f"{len(items)} ports for {count} hosts: give one port, or one for each host")
    ports: list[int] = []
    for item in items:
        item = item.strip()
        if not item:
            ports.append(5432)
            continue
        if not item.isdigit() or not 1 <= int(item) <= 65535:
            raise ConnectError("the port must be a number from 1 to 65535")
        ports.append(int(item))
    return tuple(ports)


def _timeout(text: str | None) -> float | None:
    """libpq's connect_timeout: whole seconds; zero or less waits for ever."""
    if text is None or text.strip() == "":
        return DEFAULT_TIMEOUT
    try:
        seconds = int(text.strip())
    except ValueError:
        raise ConnectError(
            f"connect_timeout must be a whole number of seconds, got {safe(text)[:40]!r}"
        ) from None
    return float(seconds) if seconds > 0 else None


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        raise ConnectError("no user name: pass user=NAME or set PGUSER") from None


def _default_host() -> str:
    for candidate in ("/var/run/postgresql", "/tmp"):  # noqa: S108 - libpq's own default socket dirs
        if Path(candidate, ".s.PGSQL.5432").exists():
            return candidate
    return "localhost"


# What each target_session_attrs asks of a server, said when none is.
_ROLES = {
    "read-write": " (a primary: not in recovery)",
    "primary": " (not in recovery)",
    "read-only": " (a standby: in recovery)",
    "standby": " (in recovery)",
}


def _tls_failure(target: ConnectionTarget, exc: ssl.SSLError) -> str:
    if not isinstance(exc, ssl.SSLCertVerificationError):
        return f"TLS failed: {exc.reason or exc}"
    # The driver's reason is only CERTIFICATE_VERIFY_FAILED: OpenSSL's own words say which check failed
    why = exc.verify_message or exc.reason or "refused"
    mode = target.parameters.get("sslmode", "prefer")
    root = target.parameters.get("sslrootcert", "~/.postgresql/root.crt")
    return (
        f"the server's TLS certificate was refused: {why} (sslmode={mode} checks it against "
        f"sslrootcert={root}{' and the host name' if mode == 'verify-full' else ''})"
    )


def _describe_failure(target: ConnectionTarget, exc: BaseException) -> str:
    import asyncpg

    if isinstance(exc, asyncpg.InvalidPasswordError):
        reason = "password authentication failed"
        if target.ignored_passfile:
            reason += (
                f" (no password was given: the password file {target.ignored_passfile} was ignored: its group "
                f"or others may read it; chmod 0600 {target.ignored_passfile})"
            )
        elif target.password is None:
            reason += " (no password was given: put it in the DSN, PGPASSWORD or the password file ~/.pgpass)"
    elif isinstance(exc, asyncpg.InvalidCatalogNameError):
        reason = f"database {target.database!r} does not exist"
    elif isinstance(exc, asyncpg.InvalidAuthorizationSpecificationError):
        # pg_hba.conf's reject or no entry, a role that does not exist or may not log in: each its own fix.
        said = getattr(exc, "message", None) or str(exc)
        reason = (
            f"the server refused this user: {said.splitlines()[0]}"
            if said
            else "the server refused this user"
        )
    elif isinstance(exc, asyncpg.TargetServerAttributeNotMatched):
        wanted = target.parameters.get("target_session_attrs", "")
        reason = f"no server there is what target_session_attrs={wanted} asks for{_ROLES.get(wanted, '')}"
    elif isinstance(exc, asyncpg.TooManyConnectionsError):
        said = (getattr(exc, "message", None) or str(exc)).splitlines()[0]
        reason = (
            f"{said}: no session is free (the role's or the database's CONNECTION LIMIT, or the server's "
            "max_connections); a read makes do with one session, migrate needs two at once (the applier "
            "and its proof): end other sessions of this role or raise its limit"
        )
    elif isinstance(exc, ConnectionRefusedError):
        reason = "connection refused (is the server running and accepting TCP connections?)"
    elif isinstance(exc, TimeoutError | asyncio.TimeoutError):
        reason = f"no answer within {target.timeout:g} s" if target.timeout else "no answer"
    elif isinstance(exc, socket.gaierror):
        reason = f"unknown host {','.join(target.hosts)!r}"
    elif isinstance(exc, FileNotFoundError):
        missing = [
            f"{key}={value}"
            for key, value in target.parameters.items()
            if key in ("sslrootcert", "sslcert", "sslkey", "sslcrl") and not Path(value).expanduser().exists()
        ]
        reason = f"no such file: {', '.join(missing)}" if missing else "no server socket there"
    elif isinstance(exc, ssl.SSLError):
        reason = _tls_failure(target, exc)
    elif pooled := refused_settings(str(exc)):
        reason = pooled + direct_url_hint(target.origin)
    else:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    attrs = target.parameters.get("target_session_attrs", "any")
    if len(target.hosts) > 1 and attrs != "any" and isinstance(exc, OSError | TimeoutError):
        # The driver raises the last host's failure: one that answered but played another role is not said.
        reason += (
            f"; a host that answered but is not what target_session_attrs={attrs} asks for is passed over"
        )
    return _cannot_connect(target, reason)


def _cannot_connect(target: ConnectionTarget, reason: str) -> str:
    where = ",".join(_place(h, p) for h, p in zip(target.hosts, target.ports, strict=True))
    ident = f"database {target.database!r}, user {target.user!r}"
    message = f"cannot connect to PostgreSQL at {where} ({ident}): {reason}"
    if target.origin == "defaults":
        message += " - no database was given: pass a DSN, or set DATABASE_URL or the PG* variables"
    return safe(scrub(message, target.secrets))


# Sessions this process holds open, over all its threads. A server (max_connections) or a role (CONNECTION
# LIMIT, common for production's read-only roles) may leave fewer sessions than a command opens at once. A
# read takes the sessions it gets (`connect_all`); a session opened beside another of the command's that ends
# on its own (the sandbox's beside the live read, the sandbox's teardown) waits for one of ours to end, up to
# SLOT_WAIT seconds (`wait_for_slot`); when none of ours is open the slots are other clients': said at once.
_own: weakref.WeakSet[asyncpg.Connection] = weakref.WeakSet()
_own_lock = threading.Lock()
SLOT_WAIT = 60.0
SLOT_GRACE = 5.0
SLOT_POLL = 0.1


def _own_sessions_open() -> bool:
    with _own_lock:
        return any(not conn.is_closed() for conn in _own)


async def connect(
    target: ConnectionTarget,
    *,
    read_only: bool = True,
    extra_settings: Mapping[str, str] | None = None,
    wait_for_slot: bool = False,
) -> asyncpg.Connection:
    """Open one connection. Browsing connections are read-only at the session level. With `wait_for_slot`,
    refused for want of a free session while this process holds another, it waits for that one to end
    (`_own`): for a session opened beside another of the command's that ends on its own (the sandbox's
    beside the live read); not for one whose caller holds the other (it would wait for itself)."""
    started = asyncio.get_running_loop().time()
    while True:
        try:
            conn = await _connect_once(target, read_only, extra_settings)
        except ConnectError as exc:
            now = asyncio.get_running_loop().time()
            # A session of ours just closed frees its slot once its backend has exited: a moment later
            ours = _own_sessions_open() or now < started + SLOT_GRACE
            if not (wait_for_slot and exc.no_free_slot and ours) or now > started + SLOT_WAIT:
                raise
            await asyncio.sleep(SLOT_POLL)
            continue
        version = conn.get_server_version()
        if version.major < OLDEST_SERVER:
            said = str(getattr(conn.get_settings(), "server_version", version.major)).split()[0]
            conn.terminate()
            raise ConnectError(too_old(target, safe(said)))
        if read_only and (
            pooled := dropped_settings(getattr(conn.get_settings(), "default_transaction_read_only", None))
        ):
            conn.terminate()  # nothing was sent on it: nothing of ours is left on the pooler's server session
            raise ConnectError(_cannot_connect(target, pooled + direct_url_hint(target.origin)))
        if not read_only and (pooled := await writing_through_a_pooler(conn)):
            conn.terminate()
            raise ConnectError(_cannot_connect(target, pooled + direct_url_hint(target.origin)))
        with _own_lock:
            _own.add(conn)
        return conn


# The oldest server dibs-tui reads: the oldest the PostgreSQL community still supports. 15 and 18 are tested
# (tests/test_older_server.py runs Debian's 15 where the machine has it); 14 and older lack catalog columns and
# functions the reads, the fingerprint and the review's counts use (publication row filters and schemas, column
# compression), and would fail part way on one of them.
OLDEST_SERVER = 15


def too_old(target: ConnectionTarget, version: str) -> str:
    return (
        f"{target.masked} runs PostgreSQL {version}: dibs-tui reads PostgreSQL {OLDEST_SERVER} and later "
        "(the versions the PostgreSQL community still supports); nothing was read or changed"
    )


async def _connect_once(
    target: ConnectionTarget, read_only: bool, extra_settings: Mapping[str, str] | None
) -> asyncpg.Connection:
    settings: dict[str, str] = dict(target.server_settings)
    if read_only:
        settings["default_transaction_read_only"] = "on"
        # The client works between a read's queries inside its transaction: a server's idle-in-transaction
        # bound would end the read part way (core/session.py's docstring; pg_dump lifts it too).
        settings["idle_in_transaction_session_timeout"] = "0"
    settings.update(extra_settings or {})
    # No session of ours waits for a lock without end: one left in a queue behind another session's ACCESS
    # EXCLUSIVE lock hangs the command, and stays on the server after the command is killed (the server sees
    # the client gone only when it next writes to it). A caller's own lock_timeout (the applier sets its own;
    # it waits for the advisory lock with 0) wins.
    from .session_limits import current_limits

    settings.setdefault("lock_timeout", current_limits().lock_timeout.strip())
    kwargs: dict[str, Any] = {
        "dsn": target.driver_url(read_only=read_only),
        "server_settings": settings,
        "timeout": target.timeout,
    }
    if target.password:
        kwargs["password"] = target.password
    import asyncpg

    opening = asyncio.ensure_future(asyncpg.connect(**kwargs))
    try:
        return await asyncio.shield(opening)
    except asyncio.CancelledError:
        await _let_go(opening)
        raise
    except (
        OSError,
        asyncpg.PostgresError,
        asyncpg.InterfaceError,
        asyncpg.TargetServerAttributeNotMatched,
        TimeoutError,
        ValueError,
    ) as exc:
        full = isinstance(exc, asyncpg.TooManyConnectionsError)
        raise ConnectError(_describe_failure(target, exc), no_free_slot=full) from None


async def connect_all(
    target: ConnectionTarget,
    count: int,
    *,
    read_only: bool = True,
    extra_settings: Mapping[str, str] | None = None,
    wait_for_slot: bool = False,
) -> list[asyncpg.Connection]:
    """Up to `count` connections opened at once. Those the server refuses for want of a free session (a role's
    CONNECTION LIMIT, max_connections reached) are done without while one opened: a read-only role limited to
    one session, common on production, reads over that one (`wait_for_slot`: see `connect`). When one fails otherwise, or the caller is
    cancelled, those already open are ended before the failure or the cancel is raised (a gather cancelled
    meanwhile kept them from everyone)."""
    opening = [
        asyncio.ensure_future(
            connect(target, read_only=read_only, extra_settings=extra_settings, wait_for_slot=False)
        )
        for _ in range(max(1, count))
    ]
    try:
        await asyncio.wait(opening)
    except asyncio.CancelledError:
        for task in opening:
            task.cancel()
        while not all(task.done() for task in opening):  # each lets its own opening go (`_let_go`)
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.wait(opening)
        _end_opened(opening)
        raise
    failures = [exc for task in opening if (exc := task.exception()) is not None]
    opened = [task.result() for task in opening if task.exception() is None]
    if failures and not all(getattr(f, "no_free_slot", False) for f in failures):
        _end_opened(opening)
        raise failures[0]
    if not opened:  # every slot taken, none by this batch: one, with `wait_for_slot` once one of ours ends
        opened = [
            await connect(
                target, read_only=read_only, extra_settings=extra_settings, wait_for_slot=wait_for_slot
            )
        ]
    return opened


def _end_opened(opening: list[asyncio.Task[asyncpg.Connection]]) -> None:
    for task in opening:
        if not task.cancelled() and task.exception() is None:
            task.result().terminate()


# How long a connection being opened when its caller is cancelled may take to finish its handshake.
OPENING_GRACE = 1.0


async def _let_go(opening: asyncio.Future[asyncpg.Connection]) -> None:
    """A connection whose opening was cancelled (Ctrl-C) is let finish its handshake, then ended. Cancelled
    inside the driver's SSL negotiation, the driver's own future got the lost connection's error and nobody
    retrieved it: 'Future exception was never retrieved' printed after 'interrupted'. A handshake still
    running after OPENING_GRACE (a server that does not answer) is cancelled: it is then past that point."""
    deadline = asyncio.get_running_loop().time() + OPENING_GRACE
    while not opening.done():  # cancelled again meanwhile (a loop shutting down): still waited for, bounded
        left = deadline - asyncio.get_running_loop().time()
        if left <= 0:
            opening.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait({opening}, timeout=max(left, 0) or None)
    if opening.cancelled():
        return
    if opening.exception() is None:
        opening.result().terminate()
