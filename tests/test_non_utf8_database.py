"""A SQL_ASCII database keeps any bytes: a legacy one whose names and comments hold Latin-1. The server will
not send bytes that are not UTF-8 to a UTF-8 client, the driver's only encoding: the read said the driver's
class name ('CharacterNotInRepertoireError: invalid byte sequence'); now it says why and what to do."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator

import pytest

from dibs_tui.core.embedded import EmbeddedServer, bin_path
from tests.pg import DIBS, run_sql


@pytest.fixture
def latin1_in_sql_ascii(pg_server: EmbeddedServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    run_sql(
        pg_server.dsn(),
        "CREATE DATABASE legacy_bytes ENCODING 'SQL_ASCII' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0",
    )
    script = tmp_path_factory.mktemp("legacy") / "legacy.sql"
    # Latin-1 bytes, as a client set to SQL_ASCII writes them (a UTF-8 client could not send them).
    script.write_bytes(
        b"SET client_encoding = 'SQL_ASCII';\n"
        b"CREATE TABLE caf\xe9 (id int PRIMARY KEY);\nCOMMENT ON TABLE caf\xe9 IS 'cr\xe8me';\n"
    )
    subprocess.run(
        [
            str(bin_path("psql")),
            pg_server.dsn("legacy_bytes"),
            "-q",
            "-v",
            "ON_ERROR_STOP=1",
            "-f",
            str(script),
        ],
        check=True,
        capture_output=True,
    )
    yield pg_server.dsn("legacy_bytes")
    run_sql(pg_server.dsn(), "DROP DATABASE legacy_bytes WITH (FORCE)")


def test_a_database_holding_bytes_that_are_not_utf8_is_said_with_what_to_do(latin1_in_sql_ascii: str) -> None:
    for command in (["schema"], ["lint"]):
        done = subprocess.run(
            [str(DIBS), *command, latin1_in_sql_ascii], capture_output=True, text=True, timeout=60
        )
        assert done.returncode == 1
        assert "Traceback" not in done.stderr and "CharacterNotInRepertoireError" not in done.stderr
        assert "is not UTF-8" in done.stderr and "its encoding is SQL_ASCII" in done.stderr
        assert "hint: dibs-tui reads UTF-8 only" in done.stderr
