"""Statements on roles in a schema file. A real project's schema often starts with `CREATE ROLE app_reader`, or
`DO $$ ... IF NOT EXISTS (SELECT FROM pg_roles ...) THEN CREATE ROLE ... $$`: the door refused the first, and
the second failed the load ('permission denied to create role'). Roles belong to the server, not to the
schema: the statements are skipped and said in a note, never run on the live server; a role the file creates
is made NOLOGIN on an embedded sandbox, where the load goes when the live server lacks it."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest

from dibs_tui.core.connect import resolve
from dibs_tui.core.diff import diff_database
from dibs_tui.core.errors import SourceError
from tests.pg import fetch, run_sql

READER = f"r_reader_{os.getpid()}"
USER = f"r_user_{os.getpid()}"
ROLES = (
    f"CREATE ROLE {READER} NOLOGIN;\nCREATE USER {USER} SUPERUSER PASSWORD 'not-a-secret';\n"
    f"GRANT {READER} TO {USER};\nALTER ROLE {READER} SET search_path = app;\n"
    f"COMMENT ON ROLE {READER} IS 'readers';\nALTER USER {USER} RENAME TO {USER}_x;\nDROP ROLE IF EXISTS nobody;\n"
)
TABLE = f"CREATE TABLE t (id int PRIMARY KEY);\nGRANT SELECT ON t TO {READER};\n"
IF_NOT_EXISTS = (
    f"DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = '{READER}') THEN "
    f"CREATE ROLE {READER}; END IF; END $$;\n"
)


def _live_roles(db: str) -> dict[str, object]:
    rows = asyncio.run(
        fetch(
            db,
            "SELECT rolname, rolconfig FROM pg_roles WHERE rolname LIKE 'r\\_%' OR rolname LIKE 'dibs\\_%'",
        )
    )
    return {r["rolname"]: r["rolconfig"] for r in rows}


def _plan(db: str, tmp_path: Path, text: str) -> tuple[list[str], tuple[str, ...]]:
    schema = tmp_path / "schema.sql"
    schema.write_text(text)
    result = asyncio.run(diff_database(resolve(db), [schema], privileges=True))
    return [s.sql for s in result.plan], result.notes


@pytest.fixture
def reader_on_the_server(db: str) -> None:
    run_sql(db, f"DO $$ BEGIN CREATE ROLE {READER}; EXCEPTION WHEN duplicate_object THEN NULL; END $$")


def test_a_role_the_server_lacks_is_made_on_an_embedded_sandbox_only(db: str, tmp_path: Path) -> None:
    run_sql(db, f"DROP ROLE IF EXISTS {READER}")
    plan, notes = _plan(db, tmp_path, ROLES + TABLE)
    assert plan[0].startswith("CREATE TABLE public.t")
    assert not any("GRANT" in s for s in plan), (
        "granted to a role the live server lacks"
    )  # said in the changes
    assert any(
        f"creates roles {READER}, {USER}," in n and "loaded on an embedded server" in n for n in notes
    ), notes
    assert any(n.startswith("7 statements on roles were not run") for n in notes), notes
    assert any("not part of the diff" in n for n in notes)
    assert _live_roles(db) == {}, "a role was made or changed on the live server"


@pytest.mark.usefixtures("reader_on_the_server")
def test_roles_the_server_has_load_on_the_live_server_unchanged(db: str, tmp_path: Path) -> None:
    plan, notes = _plan(db, tmp_path, f"CREATE ROLE {READER};\n" + ROLES.split("\n", 2)[2] + TABLE)
    assert f"GRANT SELECT ON TABLE public.t TO {READER};" in plan
    assert not any("embedded" in n for n in notes), notes
    assert any("statements on roles were not run" in n for n in notes), notes
    assert _live_roles(db) == {READER: None}, "a role was made or changed on the live server"


@pytest.mark.parametrize("on_the_server", [True, False])
def test_a_do_block_that_creates_a_role_if_it_is_missing_loads(
    db: str, tmp_path: Path, on_the_server: bool
) -> None:
    run_sql(db, f"DROP ROLE IF EXISTS {READER}")
    if on_the_server:
        run_sql(db, f"CREATE ROLE {READER}")
    plan, notes = _plan(db, tmp_path, IF_NOT_EXISTS + TABLE)
    assert (f"GRANT SELECT ON TABLE public.t TO {READER};" in plan) is on_the_server
    assert any("embedded" in n for n in notes) is not on_the_server, notes
    assert _live_roles(db) == ({READER: None} if on_the_server else {})


@pytest.mark.usefixtures("reader_on_the_server")
def test_a_do_block_that_creates_a_role_runs_as_the_sandbox_role_and_says_so(db: str, tmp_path: Path) -> None:
    """PostgreSQL checks CREATEROLE before it finds the role exists: the block fails as the sandbox's role, whose
    rights are the only ones it runs with."""
    block = f"DO $$ BEGIN CREATE ROLE {READER}; EXCEPTION WHEN duplicate_object THEN NULL; END $$;\n"
    with pytest.raises(SourceError) as caught:
        _plan(db, tmp_path, TABLE + block)
    assert caught.value.line == 3
    assert "permission denied to create role" in caught.value.message
    assert "may not make, change or drop roles" in caught.value.message
    assert _live_roles(db) == {READER: None}
