"""Connection resolution, password masking and clear connection errors, against a real server."""

from __future__ import annotations

import asyncio
import dataclasses
import socket
from pathlib import Path

import asyncpg
import pytest

from dibs_tui.core.connect import connect, mask_dsn, resolve
from dibs_tui.core.embedded import EmbeddedServer
from dibs_tui.core.errors import ConnectError


@pytest.mark.parametrize(
    ("dsn", "masked"),
    [
        ("postgresql://alice:s3cret@db.example:5432/app", "postgresql://alice:****@db.example:5432/app"),
        ("postgres://alice:p%40ss@h/db?sslmode=require", "postgres://alice:****@h/db?sslmode=require"),
        ("postgresql://h/db?user=bob&password=hunter2&x=1", "postgresql://h/db?user=bob&password=****&x=1"),
        ("host=h dbname=app user=alice password=s3cret", "host=h dbname=app user=alice password=****"),
        ("host=h password='with space' dbname=x", "host=h password=**** dbname=x"),
        ("postgresql://alice@h/db", "postgresql://alice@h/db"),
    ],
)
def test_mask_dsn_hides_every_password_form(dsn: str, masked: str) -> None:
    assert mask_dsn(dsn) == masked


def test_resolution_order_argument_then_database_url_then_pg_variables() -> None:
    env = {"DATABASE_URL": "postgresql://envuser@envhost:6000/envdb", "PGHOST": "pghost", "PGUSER": "pguser"}
    assert resolve("postgresql://arg@arghost/argdb", env).host == "arghost"
    from_url = resolve(None, env)
    assert (from_url.user, from_url.host, from_url.port, from_url.database) == ("envuser", "envhost", 6000, "envdb")
    from_pg = resolve(None, {"PGHOST": "pghost", "PGPORT": "6543", "PGUSER": "pguser", "PGDATABASE": "pgdb"})
    assert (from_pg.host, from_pg.port, from_pg.user, from_pg.database) == ("pghost", 6543, "pguser", "pgdb")
    assert from_pg.masked == "pguser@pghost:6543/pgdb"


def test_key_value_dsn_and_libpq_extras_asyncpg_does_not_read() -> None:
    target = resolve(
        "host=h port=7000 dbname='my db' user=u connect_timeout=3",
        {"PGAPPNAME": "mine", "PGOPTIONS": "-c statement_timeout=5s"},
    )
    assert (target.host, target.port, target.database, target.user, target.timeout) == ("h", 7000, "my db", "u", 3)
    assert target.server_settings["application_name"] == "mine"
    assert target.server_settings["statement_timeout"] == "5s"


def test_service_file(tmp_path: Path) -> None:
    services = tmp_path / "pg_service.conf"
    services.write_text("[reporting]\nhost=svc.example\nport=6001\ndbname=reports\nuser=viewer\n")
    target = resolve(None, {"PGSERVICEFILE": str(services), "PGSERVICE": "reporting"})
    assert (target.host, target.port, target.database, target.user) == ("svc.example", 6001, "reports", "viewer")
    with pytest.raises(ConnectError, match="service 'nope' is not defined"):
        resolve("service=nope", {"PGSERVICEFILE": str(services)})


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
    assert message.startswith(f"cannot connect to PostgreSQL at 127.0.0.1:{port} (database 'app', user 'alice')")
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
    target = dataclasses.replace(target, host="127.0.0.1", port=_closed_port())
    with pytest.raises(ConnectError, match="no database was given: pass a DSN, or set DATABASE_URL"):
        await connect(target)
