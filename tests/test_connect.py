"""Connection resolution, password masking and clear connection errors, against a real server."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import socket
from pathlib import Path

import asyncpg
import pytest

from dibs_tui.core.connect import connect, mask_dsn, resolve, with_database
from dibs_tui.core.embedded import EmbeddedServer
from dibs_tui.core.errors import ConnectError
from tests.pg import run_sql


@pytest.mark.parametrize(
    ("dsn", "masked"),
    [
        ("postgresql://alice:s3cret@db.example:5432/app", "postgresql://alice@db.example:5432/app"),
        ("postgres://alice:p%40ss@h/db?sslmode=require", "postgres://alice@h/db?sslmode=require"),
        (
            "postgresql://h/db?user=bob&password=hunter2&sslmode=require",
            "postgresql://bob@h/db?sslmode=require",
        ),
        ("host=h dbname=app user=alice password=s3cret", "host=h dbname=app user=alice"),
        ("host=h password='with space' dbname=x", "host=h dbname=x"),
        ("postgresql://alice@h/db", "postgresql://alice@h/db"),
        ("postgresql://u:Xy%2FzSECRET@h/db", "postgresql://u@h/db"),
        ("postgresql://u:Ab%40cdSECRET@h/db", "postgresql://u@h/db"),
        ("postgresql://u:Ab@cdSECRET@h/db", "(a connection string that does not parse)"),
        ("postgresql://u:Xy/zSECRET@h/db", "(a connection string that does not parse)"),
    ],
)
def test_mask_dsn_shows_the_parsed_string_without_its_password(dsn: str, masked: str) -> None:
    assert mask_dsn(dsn) == masked


def test_resolution_order_argument_then_database_url_then_pg_variables() -> None:
    env = {"DATABASE_URL": "postgresql://envuser@envhost:6000/envdb", "PGHOST": "pghost", "PGUSER": "pguser"}
    assert resolve("postgresql://arg@arghost/argdb", env).host == "arghost"
    from_url = resolve(None, env)
    assert (from_url.user, from_url.host, from_url.port, from_url.database) == (
        "envuser",
        "envhost",
        6000,
        "envdb",
    )
    from_pg = resolve(None, {"PGHOST": "pghost", "PGPORT": "6543", "PGUSER": "pguser", "PGDATABASE": "pgdb"})
    assert (from_pg.host, from_pg.port, from_pg.user, from_pg.database) == ("pghost", 6543, "pguser", "pgdb")
    assert from_pg.masked == "pguser@pghost:6543/pgdb"
    assert resolve("postgresql://u:pw@h1:5,[::1]/d", {}).masked == "u@h1:5,[::1]:5432/d"


def test_key_value_dsn_and_libpq_extras_asyncpg_does_not_read() -> None:
    target = resolve(
        "host=h port=7000 dbname='my db' user=u connect_timeout=3 sslmode=verify-full sslrootcert=/ca.pem",
        {"PGAPPNAME": "mine", "PGOPTIONS": "-c statement_timeout=5s", "PGTARGETSESSIONATTRS": "read-write"},
    )
    assert (target.host, target.port, target.database, target.user, target.timeout) == (
        "h",
        7000,
        "my db",
        "u",
        3,
    )
    assert target.server_settings["application_name"] == "mine"
    assert target.server_settings["options"] == "-c statement_timeout=5s"
    assert target.parameters == {
        "sslmode": "verify-full",
        "sslrootcert": "/ca.pem",
        "target_session_attrs": "read-write",
    }


@pytest.mark.parametrize("value", ["abc", "1.5", "", "9x"])
def test_a_bad_connect_timeout_is_one_clear_line(value: str) -> None:
    if value == "":
        assert resolve("host=h connect_timeout=''", {}).timeout == 10
        return
    with pytest.raises(ConnectError, match="connect_timeout must be a whole number of seconds"):
        resolve(f"host=h connect_timeout={value}", {})
    with pytest.raises(ConnectError, match="connect_timeout must be a whole number of seconds"):
        resolve("host=h", {"PGCONNECT_TIMEOUT": value})


@pytest.mark.parametrize(
    "dsn", ["host=h port=http", "host=h port=70000", "host=a,b,c port=1,2", "postgresql://h:0/d"]
)
def test_a_bad_port_is_one_clear_line(dsn: str) -> None:
    with pytest.raises(ConnectError, match="port"):
        resolve(dsn, {})


def test_requirements_the_driver_cannot_meet_are_refused_not_dropped() -> None:
    with pytest.raises(ConnectError, match="channel_binding=require cannot be honoured"):
        resolve("host=h channel_binding=require", {})
    with pytest.raises(ConnectError, match="require_auth"):
        resolve("host=h", {"PGREQUIREAUTH": "scram-sha-256"})
    assert resolve("host=h channel_binding=prefer keepalives=1", {}).host == "h"


def test_libpq_precedence_string_then_service_then_environment(tmp_path: Path) -> None:
    services = tmp_path / "pg_service.conf"
    services.write_text("[svc]\nhost=svc.example\nport=6001\ndbname=reports\n")
    env = {"PGSERVICEFILE": str(services), "PGHOST": "envhost", "PGDATABASE": "envdb", "PGUSER": "envuser"}
    target = resolve("service=svc dbname=mine", env)
    assert (target.host, target.port, target.database, target.user) == (
        "svc.example",
        6001,
        "mine",
        "envuser",
    )
    # PGSERVICE applies to a string that names no service, as in libpq.
    target = resolve("postgresql:///fromurl", {**env, "PGSERVICE": "svc"})
    assert (target.host, target.database) == ("svc.example", "fromurl")


def test_service_file(tmp_path: Path) -> None:
    services = tmp_path / "pg_service.conf"
    services.write_text("[reporting]\nhost=svc.example\nport=6001\ndbname=reports\nuser=viewer\n")
    target = resolve(None, {"PGSERVICEFILE": str(services), "PGSERVICE": "reporting"})
    assert (target.host, target.port, target.database, target.user) == (
        "svc.example",
        6001,
        "reports",
        "viewer",
    )
    assert target.origin == "service"
    with pytest.raises(ConnectError, match="service 'nope' is not defined"):
        resolve("service=nope", {"PGSERVICEFILE": str(services)})


def test_with_database_keeps_everything_else() -> None:
    target = resolve("postgresql://alice:pw@db:5433/app?sslmode=require&application_name=x", {})
    other = with_database(target, "dibs_shadow_x")
    assert (other.hosts, other.ports, other.user, other.password) == (("db",), (5433,), "alice", "pw")
    assert other.database == "dibs_shadow_x"
    assert other.parameters == {"sslmode": "require"}
    assert other.server_settings == target.server_settings
    assert other.masked == "alice@db:5433/dibs_shadow_x"
    assert "pw" not in repr(other)


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_unreachable_server_is_one_clear_line() -> None:
    port = _closed_port()
    target = resolve(f"postgresql://alice:topsecret@127.0.0.1:{port}/app")
    with pytest.raises(ConnectError) as info:
        await connect(target)
    message = str(info.value)
    assert message.startswith(
        f"cannot connect to PostgreSQL at 127.0.0.1:{port} (database 'app', user 'alice')"
    )
    assert "connection refused" in message
    assert "topsecret" not in message
    assert "\n" not in message


async def test_missing_database_is_named(pg_server: EmbeddedServer) -> None:
    with pytest.raises(ConnectError, match="database 'no_such_db' does not exist"):
        await connect(resolve(pg_server.dsn("no_such_db")))


async def test_wrong_password_is_reported_without_the_password(pg_server: EmbeddedServer, db: str) -> None:
    # The embedded server trusts loopback; one role gets a real password check through pg_hba.conf.
    hba = pg_server.data / "pg_hba.conf"
    original = hba.read_text()
    hba.write_text("host all pw_user 127.0.0.1/32 scram-sha-256\n" + original)
    admin = await asyncpg.connect(db)
    try:
        await admin.execute("CREATE ROLE pw_user LOGIN PASSWORD 'right-one'")
        await admin.execute("SELECT pg_reload_conf()")
        target = resolve(f"postgresql://pw_user:leaky-pass@127.0.0.1:{pg_server.port}/postgres")
        with pytest.raises(ConnectError) as info:
            await connect(target)
        assert "password authentication failed" in str(info.value)
        assert "leaky-pass" not in str(info.value)
        assert "pw_user" in str(info.value)
        good = await connect(resolve(f"postgresql://pw_user:right-one@127.0.0.1:{pg_server.port}/postgres"))
        await good.close()
    finally:
        hba.write_text(original)
        await admin.execute("SELECT pg_reload_conf()")
        await admin.execute("DROP ROLE pw_user")
        await admin.close()


async def test_browsing_connection_is_read_only(db: str) -> None:
    conn = await connect(resolve(db))
    try:
        with pytest.raises(asyncpg.ReadOnlySQLTransactionError):
            await conn.execute("CREATE TABLE nope (id int)")
    finally:
        await conn.close()
    writable = await connect(resolve(db), read_only=False)
    try:
        await writable.execute("CREATE TABLE yes (id int)")
    finally:
        await writable.close()


def test_connect_timeout_is_reported() -> None:
    # A listening socket that never answers the startup packet.
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        port = server.getsockname()[1]
        target = resolve(f"postgresql://u@127.0.0.1:{port}/d?connect_timeout=1")
        with pytest.raises(ConnectError, match="no answer within 1 s"):
            asyncio.run(connect(target))


async def test_no_dsn_anywhere_says_how_to_give_one() -> None:
    target = resolve(None, {})
    assert target.origin == "defaults"
    # The default port may have a real server here; aim the same defaults-origin target at a closed one.
    target = dataclasses.replace(target, hosts=("127.0.0.1",), ports=(_closed_port(),))
    with pytest.raises(ConnectError, match="no database was given: pass a DSN, or set DATABASE_URL"):
        await connect(target)


async def test_key_value_service_and_options_reach_the_real_server(db: str, tmp_path: Path) -> None:
    url = resolve(db, {})
    kv = f"host=127.0.0.1 port={url.port} user={url.user} dbname={url.database} options='-c work_mem=7MB'"
    services = tmp_path / "services.conf"
    services.write_text(
        f"[test]\nhost=127.0.0.1\nport={url.port}\nuser={url.user}\ndbname={url.database}\n"
        "application_name=from-service\noptions=-c statement_timeout=4s\n"
    )
    for name, target in (
        ("kv", resolve(kv, {})),
        ("service", resolve("service=test", {"PGSERVICEFILE": str(services)})),
    ):
        conn = await connect(target)
        try:
            row = await conn.fetchrow(
                "SELECT current_database() AS db, current_setting('work_mem') AS wm, "
                "current_setting('statement_timeout') AS st, current_setting('application_name') AS app, "
                "current_setting('default_transaction_read_only') AS ro"
            )
        finally:
            await conn.close()
        assert row is not None and row["db"] == url.database and row["ro"] == "on"
        if name == "service":
            assert (row["st"], row["app"]) == ("4s", "from-service")
        else:
            assert (row["wm"], row["app"]) == ("7MB", "dibs-tui")


async def test_options_cannot_turn_off_the_read_only_session(db: str) -> None:
    conn = await connect(resolve(f"{db}?options=-c%20default_transaction_read_only%3Doff", {}))
    try:
        assert await conn.fetchval("SHOW default_transaction_read_only") == "on"
    finally:
        await conn.close()


def test_the_help_example_key_value_and_a_service_name_work_on_the_command_line(
    db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from dibs_tui.cli import main

    url = resolve(db, {})
    run_sql(db, "CREATE TABLE reached (id int)")
    services = tmp_path / "services.conf"
    services.write_text(f"[mine]\nhost=127.0.0.1\nport={url.port}\nuser={url.user}\ndbname={url.database}\n")
    monkeypatch.setenv("PGSERVICEFILE", str(services))
    monkeypatch.delenv("PGSERVICE", raising=False)
    for dsn in (f"host=127.0.0.1 port={url.port} user={url.user} dbname={url.database}", "service=mine"):
        assert main(["schema", dsn, "--plain"]) == 0
        out, err = capsys.readouterr()
        assert 'Table "public.reached"' in out, err


async def test_several_hosts_are_tried_in_order(db: str) -> None:
    url = resolve(db, {})
    target = resolve(
        f"postgresql://{url.user}@127.0.0.1:{_closed_port()},127.0.0.1:{url.port}/{url.database}", {}
    )
    assert len(target.hosts) == 2
    conn = await connect(target)
    try:
        assert await conn.fetchval("SELECT current_database()") == url.database
    finally:
        await conn.close()


async def test_a_missing_certificate_file_is_named(tmp_path: Path) -> None:
    target = resolve(
        f"host=127.0.0.1 port={_closed_port()} sslmode=verify-full sslrootcert={tmp_path}/ca.pem", {}
    )
    with pytest.raises(ConnectError, match=f"no such file: sslrootcert={tmp_path}/ca.pem"):
        await connect(target)


def test_a_bare_word_is_a_database_name_as_in_psql() -> None:
    target = resolve("inventory", {"PGHOST": "h", "PGUSER": "u"})
    assert (target.host, target.user, target.database) == ("h", "u", "inventory")
    for schemeless in ("u:SECRET@h/db", "h:5432/db", "u@h"):
        with pytest.raises(ConnectError) as info:
            resolve(schemeless, {})
        assert "SECRET" not in str(info.value) and "postgresql://" in str(info.value)


async def test_a_refused_login_says_why_the_server_refused_it(pg_server: EmbeddedServer, db: str) -> None:
    """pg_hba.conf's reject, a role that may not log in and a password asked for but not given are three
    different fixes: each message says which one it is."""
    hba = pg_server.data / "pg_hba.conf"
    original = hba.read_text()
    hba.write_text(
        "host all hba_rejected 127.0.0.1/32 reject\nhost all pw_needed 127.0.0.1/32 scram-sha-256\n"
        + original
    )
    admin = await asyncpg.connect(db)
    place = f"127.0.0.1:{pg_server.port}/postgres"
    try:
        await admin.execute(
            "CREATE ROLE hba_rejected LOGIN; CREATE ROLE no_login NOLOGIN; CREATE ROLE pw_needed LOGIN PASSWORD 'x'"
        )
        await admin.execute("SELECT pg_reload_conf()")
        expected = {
            "hba_rejected": 'pg_hba.conf rejects connection for host "127.0.0.1", user "hba_rejected"',
            "no_login": 'role "no_login" is not permitted to log in',
            "pw_needed": "password authentication failed (no password was given",
        }
        for user, reason in expected.items():
            with pytest.raises(ConnectError) as info:
                await connect(resolve(f"postgresql://{user}@{place}?passfile=/nonexistent"))
            assert reason in str(info.value), str(info.value)
    finally:
        hba.write_text(original)
        await admin.execute("SELECT pg_reload_conf()")
        await admin.execute("DROP ROLE hba_rejected; DROP ROLE no_login; DROP ROLE pw_needed")
        await admin.close()


async def test_a_password_file_others_may_read_is_named_when_the_password_is_refused(
    pg_server: EmbeddedServer, db: str, tmp_path: Path
) -> None:
    """libpq ignores a password file its group or others may read, and warns; so do we, in the message of the
    refused login that follows, with the chmod that makes it count."""
    hba = pg_server.data / "pg_hba.conf"
    original = hba.read_text()
    hba.write_text("host all pw_file_user 127.0.0.1/32 scram-sha-256\n" + original)
    passfile = tmp_path / "pgpass"
    passfile.write_text("*:*:*:pw_file_user:from-the-file\n")
    passfile.chmod(0o644)
    admin = await asyncpg.connect(db)
    dsn = f"postgresql://pw_file_user@127.0.0.1:{pg_server.port}/postgres?passfile={passfile}"
    try:
        await admin.execute("CREATE ROLE pw_file_user LOGIN PASSWORD 'from-the-file'")
        await admin.execute("SELECT pg_reload_conf()")
        with pytest.raises(ConnectError) as info:
            await connect(resolve(dsn))
        assert f"the password file {passfile} was ignored: its group or others may read it" in str(info.value)
        assert f"chmod 0600 {passfile}" in str(info.value)
        assert "from-the-file" not in str(info.value)
        passfile.chmod(0o600)
        good = await connect(resolve(dsn))
        await good.close()
    finally:
        hba.write_text(original)
        await admin.execute("SELECT pg_reload_conf()")
        await admin.execute("DROP ROLE pw_file_user")
        await admin.close()


async def _our_backends(db: str) -> int:
    from tests.pg import fetch

    rows = await fetch(
        db,
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
        "AND application_name = 'dibs-tui' AND pid <> pg_backend_pid()",
    )
    return int(rows[0][0])


async def _settled(db: str) -> int:
    """Our backends once the server has seen the terminated sockets go (a hang, never a speed)."""
    for _ in range(200):
        if (left := await _our_backends(db)) == 0:
            return 0
        await asyncio.sleep(0.05)
    return left


async def test_a_connection_cancelled_at_any_point_of_its_opening_is_ended_and_leaves_no_stray_error(
    db: str,
) -> None:
    """Ctrl-C while a connection opened printed 'Future exception was never retrieved' (the driver's SSL
    negotiation lost its connection with nobody waiting) and could leave the connection open. Cancelled after
    every number of loop iterations its opening takes, none is left and no error goes unretrieved."""
    import gc

    from dibs_tui.core.connect import connect_all

    target = resolve(db)
    unretrieved: list[str] = []
    asyncio.get_running_loop().set_exception_handler(
        lambda _loop, context: unretrieved.append(context["message"])
    )
    opened_before_the_cancel = 0
    # Cut after every number of loop iterations, then after growing real waits: on a busy machine the server's
    # answers take longer than 400 iterations, and the openings must still be seen to finish (a step range
    # that never reaches the end of an opening proves nothing).
    cuts: list[tuple[int, float]] = [(steps, 0.0) for steps in range(400)]
    cuts += [(0, 0.002 * 1.5**k) for k in range(24)]
    for steps, seconds in cuts:
        for opening in (connect(target), connect_all(target, 2)):
            task = asyncio.ensure_future(opening)
            for _ in range(steps):
                await asyncio.sleep(0)
            if seconds:
                await asyncio.sleep(seconds)
            task.cancel()
            try:
                done = await task
            except asyncio.CancelledError:
                continue
            opened_before_the_cancel += 1
            for conn in done if isinstance(done, list) else [done]:
                await conn.close()
        gc.collect()  # an unretrieved exception is reported when its future is collected
        if opened_before_the_cancel >= 20:
            break  # every step of the opening has been cut by now
    await asyncio.sleep(0.1)
    gc.collect()
    assert opened_before_the_cancel >= 20, "the openings never finished: the steps did not cover them"
    assert unretrieved == []
    assert await _settled(db) == 0


class _OlderSaid:
    """A TCP relay to the test server that says another server_version in the startup's ParameterStatus (the
    version the driver reads): the real server, as an older one would present itself."""

    def __init__(self, port: int, version: str) -> None:
        self.port, self.version = port, version.encode()
        self.links: list[asyncio.StreamWriter] = []

    async def start(self) -> tuple[asyncio.Server, int]:
        server = await asyncio.start_server(self._link, "127.0.0.1", 0)
        return server, int(server.sockets[0].getsockname()[1])

    def close_links(self) -> None:
        """Both ends of every link closed at once: a socket to the server left open keeps its backend (named
        dibs-tui) for the rest of the test session, where other tests count ours."""
        for writer in self.links:
            writer.transport.abort()

    async def _link(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.port)
        self.links += [writer, up_writer]

        async def upstream() -> None:
            with contextlib.suppress(OSError, ConnectionError):
                while data := await reader.read(65536):
                    up_writer.write(data)
            up_writer.close()

        async def downstream() -> None:  # typed messages: a type byte, then a length that counts itself
            with contextlib.suppress(OSError, ConnectionError, asyncio.IncompleteReadError):
                while True:
                    kind = await up_reader.readexactly(1)
                    length = int.from_bytes(await up_reader.readexactly(4), "big")
                    body = await up_reader.readexactly(length - 4)
                    if kind == b"S" and body.startswith(b"server_version\0"):
                        body = b"server_version\0" + self.version + b"\0"
                    writer.write(kind + (len(body) + 4).to_bytes(4, "big") + body)
            writer.close()

        await asyncio.gather(upstream(), downstream())


def test_a_server_older_than_15_is_refused_in_one_line_naming_its_version(pg_server: EmbeddedServer) -> None:
    """14 and older lack catalog columns the reads and the fingerprint use: refused when the connection opens,
    before anything is read, for every command (core/connect.py, OLDEST_SERVER)."""

    async def scenario() -> str:
        older = _OlderSaid(pg_server.port, "14.12")
        relay, port = await older.start()
        try:
            with pytest.raises(ConnectError) as refused:
                await connect(resolve(f"postgresql://postgres@127.0.0.1:{port}/postgres?sslmode=disable", {}))
            return str(refused.value)
        finally:
            relay.close()
            older.close_links()
            await asyncio.sleep(0.1)  # the aborts go out

    said = asyncio.run(scenario())
    assert said.endswith(
        "runs PostgreSQL 14.12: dibs-tui reads PostgreSQL 15 and later (the versions the PostgreSQL community "
        "still supports); nothing was read or changed"
    )
