"""The roles a schema file names. An embedded sandbox (the live server read-only, or the user's role may not
make roles and databases there) is a cluster of our own without the user's roles: `GRANT ... TO app_reader`
and `CREATE POLICY ... TO app_reader` failed the whole load ('role "app_reader" does not exist'). And
`CREATE SCHEMA app AUTHORIZATION app_owner` failed on any server ('must be able to SET ROLE')."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest

from dibs_tui.core.connect import resolve
from dibs_tui.core.diff import diff_database
from dibs_tui.core.errors import SourceError
from tests.pg import run_sql

READER = f"k_reader_{os.getpid()}"
ODD = f'k odd "$$; DROP ROLE postgres; --{os.getpid()}'  # a name, never SQL


def _read_only(db: str, on: bool = True) -> None:
    server, name = db.rsplit("/", 1)
    run_sql(
        server + "/postgres",
        f'ALTER DATABASE "{name}" SET default_transaction_read_only = {"on" if on else "off"}',
    )


def _roles(db: str, *names: str) -> None:
    for name in names:
        quoted = '"' + name.replace('"', '""') + '"'
        run_sql(db, f"DO $do$BEGIN CREATE ROLE {quoted}; EXCEPTION WHEN duplicate_object THEN NULL; END$do$")


def test_an_embedded_sandbox_has_the_roles_the_file_grants_to(db: str, tmp_path: Path) -> None:
    _roles(db, READER, ODD)
    run_sql(db, "CREATE TABLE t (id int PRIMARY KEY); ALTER TABLE t ENABLE ROW LEVEL SECURITY;")
    _read_only(db)
    odd = '"' + ODD.replace('"', '""') + '"'
    schema = tmp_path / "schema.sql"
    schema.write_text(
        "CREATE TABLE t (id int PRIMARY KEY);\nALTER TABLE t ENABLE ROW LEVEL SECURITY;\n"
        f"CREATE POLICY readers ON t FOR SELECT TO {READER}, {odd} USING (id > 0);\n"
        f"GRANT SELECT ON t TO {READER};\nGRANT INSERT ON t TO {odd};\n"
    )
    result = asyncio.run(diff_database(resolve(db), [schema], privileges=True))
    assert any("loaded on an embedded server" in n for n in result.notes)
    script = "\n".join(s.sql for s in result.plan)
    assert f"CREATE POLICY readers ON public.t AS PERMISSIVE FOR SELECT TO {odd}, {READER}" in script
    assert f"GRANT SELECT ON TABLE public.t TO {READER};" in script
    assert f"GRANT INSERT ON TABLE public.t TO {odd};" in script
    _read_only(db, on=False)
    run_sql(db, script)
    _read_only(db)
    again = asyncio.run(diff_database(resolve(db), [schema], privileges=True))
    assert [s.sql for s in again.plan] == []


def test_a_schema_authorized_to_another_role_loads_and_is_made_as_a_schema(db: str, tmp_path: Path) -> None:
    _roles(db, READER)
    schema = tmp_path / "schema.sql"
    schema.write_text(
        f"CREATE SCHEMA app AUTHORIZATION {READER};\nCREATE SCHEMA AUTHORIZATION {READER}\n"
        "    CREATE TABLE inside (id int);\nCREATE TABLE app.t (id int);\n"
    )
    for live in ("writable", "read-only"):
        if live == "read-only":
            _read_only(db)
        result = asyncio.run(diff_database(resolve(db), [schema]))
        script = "\n".join(s.sql for s in result.plan)
        assert "CREATE SCHEMA app;" in script, live
        assert f"CREATE SCHEMA {READER};" in script, live
        assert f"CREATE TABLE {READER}.inside" in script, live
        assert "CREATE TABLE app.t" in script, live


def test_an_extension_the_embedded_sandbox_lacks_says_why_the_load_is_there(db: str, tmp_path: Path) -> None:
    """'the embedded server has no extension postgis' left the user to guess why the embedded server, and
    what to do."""
    _read_only(db)
    schema = tmp_path / "schema.sql"
    schema.write_text("CREATE EXTENSION IF NOT EXISTS postgis;\nCREATE TABLE g (id int);\n")
    with pytest.raises(SourceError) as caught:
        asyncio.run(diff_database(resolve(db), [schema]))
    assert caught.value.detail == "the embedded server has no extension postgis (not installed there)"
    assert caught.value.hint is not None
    assert caught.value.hint.startswith("the server at 127.0.0.1:")
    assert "is read-only" in caught.value.hint and "pass --desired a database" in caught.value.hint


def test_the_hint_names_the_contrib_extensions_the_embedded_sandbox_lacks(db: str, tmp_path: Path) -> None:
    """pgcrypto is PostgreSQL's own (contrib), yet the embedded server is built without OpenSSL: the hint said
    'the embedded server has PostgreSQL's own extensions only', which pgcrypto belied."""
    _read_only(db)
    schema = tmp_path / "schema.sql"
    schema.write_text("CREATE EXTENSION IF NOT EXISTS pgcrypto;\nCREATE TABLE h (id int, d bytea);\n")
    with pytest.raises(SourceError) as caught:
        asyncio.run(diff_database(resolve(db), [schema]))
    assert caught.value.detail == "the embedded server has no extension pgcrypto (not installed there)"
    assert caught.value.hint is not None and "(no pgcrypto, uuid-ossp, sslinfo or xml2)" in caught.value.hint
