"""libpq connection strings and service files, read the way libpq reads them.

A port of libpq's `conninfo_parse` (`key=value key='quoted \\' value'`), `conninfo_uri_parse`
(`postgresql://user:password@host:port,host2/dbname?key=value`) and `parseServiceFile`, so that a string or a
service that works with psql works here, with the same meaning. tests/test_conninfo.py compares the parser
with libpq's own PQconninfoParse on a corpus of awkward strings.

Two things differ from libpq on purpose: no error message ever quotes a value (libpq's "forbidden value %00 in
percent-encoded value" or "missing = after" can echo part of a password), and a URL with a raw `@` outside
its user-info part is refused (libpq would read the rest of an unencoded password as a host or a database
name, which we would then print).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from .errors import ConnectError

# libpq 18's connection keywords (PQconndefaults), in its order.
KEYWORDS = (
    "service user password passfile channel_binding connect_timeout dbname host hostaddr port client_encoding "
    "options application_name fallback_application_name keepalives keepalives_idle keepalives_interval "
    "keepalives_count tcp_user_timeout sslmode sslnegotiation sslcompression sslcert sslkey sslcertmode "
    "sslpassword sslrootcert sslcrl sslcrldir sslsni requirepeer require_auth min_protocol_version "
    "max_protocol_version ssl_min_protocol_version ssl_max_protocol_version gssencmode krbsrvname gsslib "
    "gssdelegation replication target_session_attrs load_balance_hosts scram_client_key scram_server_key "
    "oauth_issuer oauth_client_id oauth_client_secret oauth_scope sslkeylogfile"
).split()

# Keywords whose values are secrets: never shown, never put in a string handed to the driver.
SECRET_KEYWORDS = frozenset(
    {"password", "sslpassword", "oauth_client_secret", "scram_client_key", "scram_server_key"}
)

# libpq's environment variable for each keyword (service files come first, then these, then defaults).
ENVIRONMENT = {
    "service": "PGSERVICE",
    "user": "PGUSER",
    "password": "PGPASSWORD",
    "passfile": "PGPASSFILE",
    "channel_binding": "PGCHANNELBINDING",
    "connect_timeout": "PGCONNECT_TIMEOUT",
    "dbname": "PGDATABASE",
    "host": "PGHOST",
    "hostaddr": "PGHOSTADDR",
    "port": "PGPORT",
    "client_encoding": "PGCLIENTENCODING",
    "options": "PGOPTIONS",
    "application_name": "PGAPPNAME",
    "sslmode": "PGSSLMODE",
    "sslnegotiation": "PGSSLNEGOTIATION",
    "sslcompression": "PGSSLCOMPRESSION",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
    "sslcertmode": "PGSSLCERTMODE",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcrl": "PGSSLCRL",
    "sslcrldir": "PGSSLCRLDIR",
    "sslsni": "PGSSLSNI",
    "requirepeer": "PGREQUIREPEER",
    "require_auth": "PGREQUIREAUTH",
    "min_protocol_version": "PGMINPROTOCOLVERSION",
    "max_protocol_version": "PGMAXPROTOCOLVERSION",
    "ssl_min_protocol_version": "PGSSLMINPROTOCOLVERSION",
    "ssl_max_protocol_version": "PGSSLMAXPROTOCOLVERSION",
    "gssencmode": "PGGSSENCMODE",
    "krbsrvname": "PGKRBSRVNAME",
    "gsslib": "PGGSSLIB",
    "gssdelegation": "PGGSSDELEGATION",
    "target_session_attrs": "PGTARGETSESSIONATTRS",
    "load_balance_hosts": "PGLOADBALANCEHOSTS",
    "sslkeylogfile": "PGSSLKEYLOGFILE",
}

_URI_PREFIXES = ("postgresql://", "postgres://")
_SPACE = " \t\n\r\f\v"


def is_uri(text: str) -> bool:
    return text.startswith(_URI_PREFIXES)


def looks_like_conninfo(text: str) -> bool:
    """A URL, or `key=value` pairs whose first key is a libpq keyword (a file path is neither)."""
    if is_uri(text):
        return True
    key, sep, _ = text.lstrip(_SPACE).partition("=")
    return bool(sep) and key.strip(_SPACE) in KEYWORDS


URL_QUERY = "connection URL's query"

# Options other tools write into a connection URL (a project's DATABASE_URL, which dibs-tui reads, is often
# theirs), which libpq (psql, pg_dump) refuses as dibs-tui does: named with what they mean here.
_OTHER_TOOLS: dict[str, tuple[str, str]] = {
    "schema": ("Prisma's", "to read some schemas only, pass --schema NAME"),
    "currentSchema": ("JDBC's", "to read some schemas only, pass --schema NAME"),
    "search_path": ("an ORM's", "to read some schemas only, pass --schema NAME"),
    "pgbouncer": (
        "Prisma's",
        "it says the URL goes through PgBouncer, which dibs-tui refuses: use the database's direct URL",
    ),
    "connection_limit": ("Prisma's", "dibs-tui opens two sessions at most for a read"),
    "pool_timeout": ("Prisma's", "dibs-tui keeps no pool"),
    "socket_timeout": ("Prisma's", "connect_timeout is libpq's"),
    "sslaccept": ("Prisma's", "sslmode=verify-full checks the certificate, sslmode=require does not"),
    "sslfactory": ("JDBC's", "sslmode and sslrootcert are libpq's"),
    "pool": ("Rails'", "dibs-tui keeps no pool"),
    "encoding": ("Rails'", "client_encoding is libpq's; dibs-tui reads in UTF8"),
    "prepared_statements": ("Rails'", "dibs-tui's sessions are its own"),
    "statement_cache_size": ("a driver's", "dibs-tui's sessions are its own"),
}


def _unknown(keyword: str, where: str) -> ConnectError:
    """The keyword itself is not quoted: a password written with a space and no quotes ends up here. Another
    tool's option, a name known here and so nobody's secret, is named."""
    import difflib

    if keyword in _OTHER_TOOLS and where == URL_QUERY:  # in a URL, where those tools write them
        whose, instead = _OTHER_TOOLS[keyword]
        return ConnectError(
            f"{keyword}= in the {where} is {whose} option, not libpq's: remove it",
            hint=instead,
        )

    close = difflib.get_close_matches(keyword, KEYWORDS, n=1)
    hint = (
        f"did you mean {close[0]!r}?" if close else "the options are libpq's: host, port, dbname, user, ..."
    )
    return ConnectError(f"unknown connection option in the {where}", hint=hint)


def _store(out: dict[str, str], keyword: str, value: str, where: str) -> None:
    if keyword == "requiressl":  # libpq still maps its old spelling
        keyword, value = "sslmode", "require" if value.startswith("1") else "prefer"
    if keyword not in KEYWORDS:
        raise _unknown(keyword, where)
    out[keyword] = value


def parse_conninfo(text: str) -> dict[str, str]:
    """The keywords set by a connection string (URL or key=value), without defaults, services or PG*."""
    if is_uri(text):
        return _parse_uri(text)
    return _parse_key_value(text)


def _parse_key_value(text: str) -> dict[str, str]:
    out: dict[str, str] = {}
    i, n = 0, len(text)
    while True:
        while i < n and text[i] in _SPACE:
            i += 1
        if i >= n:
            return out
        start = i
        while i < n and text[i] != "=" and text[i] not in _SPACE:
            i += 1
        name = text[start:i]
        while i < n and text[i] in _SPACE:
            i += 1
        if i >= n or text[i] != "=":
            raise ConnectError(
                "the connection string is neither a postgresql:// URL nor libpq key=value pairs "
                "(a word without '=')",
                hint="quote values with spaces: password='a b', dbname='my db'",
            )
        i += 1
        while i < n and text[i] in _SPACE:
            i += 1
        value, i = _value(text, i)
        _store(out, name, value, "connection string")


def _value(text: str, i: int) -> tuple[str, int]:
    """The value starting at `i`, quoted ('a b', backslash escapes) or bare up to a space (backslash escapes),
    and the index after it."""
    n = len(text)
    value: list[str] = []
    if i < n and text[i] == "'":
        i += 1
        while True:
            if i >= n:
                raise ConnectError("unterminated quoted value in the connection string")
            char = text[i]
            if char == "\\":
                i += 1
                if i < n:
                    value.append(text[i])
                    i += 1
                continue
            if char == "'":
                return "".join(value), i + 1
            value.append(char)
            i += 1
    while i < n and text[i] not in _SPACE:
        if text[i] == "\\":
            i += 1
            if i < n:
                value.append(text[i])
                i += 1
        else:
            value.append(text[i])
            i += 1
    return "".join(value), i


def _decode(token: str, part: str) -> str:
    """%XX decoding as libpq does it (strict: a bad or NUL escape is an error that does not quote `token`)."""
    raw = bytearray()
    i = 0
    data = token.encode("utf-8")
    while i < len(data):
        if data[i] == 0x25:  # %
            hexpair = data[i + 1 : i + 3]
            try:
                if len(hexpair) != 2:
                    raise ValueError
                byte = int(hexpair, 16)
            except ValueError:
                raise ConnectError(f"invalid percent-encoding in the connection URL's {part}") from None
            if byte == 0:
                raise ConnectError(f"%00 is not allowed in the connection URL's {part}")
            raw.append(byte)
            i += 3
        else:
            raw.append(data[i])
            i += 1
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def _parse_uri(text: str) -> dict[str, str]:
    out: dict[str, str] = {}
    rest = text[len(next(p for p in _URI_PREFIXES if text.startswith(p))) :]
    at = -1
    for index, char in enumerate(rest):
        if char == "/":
            break
        if char == "@":
            at = index
            break
    if "@" in rest[at + 1 :]:
        raise ConnectError(
            "the connection URL has an '@' that does not end the user name and password",
            hint="percent-encode these characters in a user name or password: @ as %40, / as %2F, : as %3A, "
            "? as %3F, # as %23, % as %25 (or use key=value form: password='...')",
        )
    if at >= 0:
        userinfo, rest = rest[:at], rest[at + 1 :]
        user, colon, password = userinfo.partition(":")
        if user:
            out["user"] = _decode(user, "user name")
        if colon and password:
            out["password"] = _decode(password, "password")
    hosts, ports, i = _hosts_and_ports(rest)
    n = len(rest)
    stop = rest[i] if i < n else ""
    host_text, port_text = ",".join(hosts), ",".join(ports)
    if host_text:
        out["host"] = _decode(host_text, "host")
    if port_text:
        out["port"] = _decode(port_text, "port")
    if stop == "/":
        start = i = i + 1
        while i < n and rest[i] != "?":
            i += 1
        stop = rest[i] if i < n else ""
        if rest[start:i]:
            out["dbname"] = _decode(rest[start:i], "database name")
    if stop == "?":
        _parse_query(rest[i + 1 :], out)
    return out


def _hosts_and_ports(rest: str) -> tuple[list[str], list[str], int]:
    """The URL's `host[:port]` list (an IPv6 address in brackets) up to the path or query, and the index where
    it stops."""
    hosts: list[str] = []
    ports: list[str] = []
    i, n = 0, len(rest)
    stop = ""
    while True:
        if i < n and rest[i] == "[":
            close = rest.find("]", i)
            if close < 0:
                raise ConnectError("the connection URL has a '[' without its ']' (IPv6 address)")
            if close == i + 1:
                raise ConnectError("the connection URL has an empty IPv6 address '[]'")
            host = rest[i + 1 : close]
            i = close + 1
            if i < n and rest[i] not in ":/?,":
                raise ConnectError("unexpected character after an IPv6 address in the connection URL")
        else:
            start = i
            while i < n and rest[i] not in ":/?,":
                i += 1
            host = rest[start:i]
        stop = rest[i] if i < n else ""
        hosts.append(host)
        port = ""
        if stop == ":":
            start = i = i + 1
            while i < n and rest[i] not in "/?,":
                i += 1
            port = rest[start:i]
            stop = rest[i] if i < n else ""
        ports.append(port)
        if stop != ",":
            break
        i += 1
    return hosts, ports, i


def _parse_query(params: str, out: dict[str, str]) -> None:
    pairs = params.split("&")
    if pairs[-1] == "":  # libpq stops at the end: `?a=b&` and `?` are fine, `?&a=b` is not
        pairs.pop()
    for pair in pairs:
        keyword, sep, value = pair.partition("=")
        if not sep:
            raise ConnectError("a query parameter of the connection URL has no '='")
        if "=" in value:
            raise ConnectError("a query parameter of the connection URL has a second '='")
        keyword = _decode(keyword, "query parameter")
        value = _decode(value, f"{keyword} parameter" if keyword in KEYWORDS else "query")
        if keyword == "ssl" and value == "true":
            keyword, value = "sslmode", "require"
        _store(out, keyword, value, URL_QUERY)


def service_file_paths(env: Mapping[str, str]) -> list[Path]:
    """Where libpq looks for a service: PGSERVICEFILE (else ~/.pg_service.conf), then PGSYSCONFDIR's."""
    paths = [Path(env["PGSERVICEFILE"])] if env.get("PGSERVICEFILE") else [Path.home() / ".pg_service.conf"]
    if env.get("PGSYSCONFDIR"):
        paths.append(Path(env["PGSYSCONFDIR"]) / "pg_service.conf")
    return paths


def read_service(service: str, env: Mapping[str, str]) -> dict[str, str]:
    """The keywords of `[service]`, from the first file that defines it (libpq's parseServiceFile rules:
    `key=value` lines with no spaces around `=`, `#` comments, no nested services)."""
    paths = service_file_paths(env)
    for path in paths:
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            continue
        except OSError as exc:
            raise ConnectError(f"cannot read the service file {path}: {exc.strerror or exc}") from None
        found = _service_section(text, service, path)
        if found is not None:
            return found
    raise ConnectError(
        f"service {service!r} is not defined",
        hint="looked in " + ", ".join(str(p) for p in paths) + " (set PGSERVICEFILE or PGSYSCONFDIR)",
    )


def _service_section(text: str, service: str, path: Path) -> dict[str, str] | None:
    found: dict[str, str] | None = None
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip(_SPACE)
        if not line or line.startswith("#"):
            continue
        if line.startswith("["):
            if found is not None:
                return found
            if line == f"[{service}]" or line.startswith(f"[{service}]"):
                found = {}
            continue
        if found is None:
            continue
        key, sep, value = line.partition("=")
        if not sep:
            raise ConnectError(f"syntax error in service file {path}, line {number}: no '='")
        if key in ("service", "servicefile"):
            raise ConnectError(f"nested service specifications are not supported: {path}, line {number}")
        if key not in KEYWORDS:
            raise ConnectError(
                f"syntax error in service file {path}, line {number}: unknown option (libpq accepts no "
                "spaces around '=')"
            )
        found.setdefault(key, value)
    return found


def loosely_kept(path: Path) -> bool:
    """A password file its group or others may read: libpq ignores it (and warns), so does `password_from_file`."""
    import stat

    try:
        return path.is_file() and bool(path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO))
    except OSError:
        return False


def password_from_file(path: Path, host: str, port: int, database: str, user: str) -> str | None:
    """The password libpq would take from a password file (~/.pgpass) for this host, port, database and user.

    libpq's rules: `host:port:database:user:password`, `*` matches anything in the first four fields, `\\:`
    and `\\\\` are a colon and a backslash, a socket directory matches `localhost`, and a file that its group
    or others may read is ignored. asyncpg's own reader keeps the backslashes, so a password with `:` or `\\`
    never matched."""
    try:
        if not path.is_file() or loosely_kept(path):
            return None
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    wanted = ("localhost" if host.startswith("/") else host, str(port), database, user)
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        fields: list[str] = []
        current: list[str] = []
        chars = iter(line)
        for char in chars:
            if char == "\\":
                current.append(next(chars, ""))
            elif char == ":" and len(fields) < 4:
                fields.append("".join(current))
                current = []
            else:
                current.append(char)
        fields.append("".join(current))
        if len(fields) == 5 and all(f in ("*", w) for f, w in zip(fields[:4], wanted, strict=True)):
            return fields[4]
    return None
