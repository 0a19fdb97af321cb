"""Migrations whose attack the door cannot see (inside a DO block, after a role switch, through set_config or
dblink), reviewed and dry-run by a superuser: the review's trace and migrate's proof run them in the sandbox
clone as the sandbox's role, so nothing acts with the user's rights. Each asserts that no program ran, no role
was made and nothing reached the live database, and that the review says the statement failed there."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from dibs_tui.cli import main
from dibs_tui.core.embedded import EmbeddedServer
from tests.pg import fetch, run_sql

COPY_PROGRAM = "DO $$ BEGIN EXECUTE 'COPY (SELECT 1) TO PROGRAM ''cat >/dev/null; touch {file}'''; END $$;\n"
ATTACKS = {
    "do_copy_program": COPY_PROGRAM,
    "set_role_first": "SET ROLE postgres;\n" + COPY_PROGRAM,
    "session_authorization_first": "SET SESSION AUTHORIZATION postgres;\n" + COPY_PROGRAM,
    "set_config_role": "SELECT set_config('role', 'postgres', false);\n" + COPY_PROGRAM,
    "reset_role_in_do": "DO $$ BEGIN EXECUTE 'RESET ROLE'; END $$;\n" + COPY_PROGRAM,
    "superuser_in_do": "DO $$ BEGIN EXECUTE 'ALTER ROLE ' || quote_ident(current_user) || ' SUPERUSER'; END $$;\n"
    + COPY_PROGRAM,
    # Server files read into a large object, and the server's configuration written: superuser's rights
    "lo_import_in_do": "DO $$ BEGIN PERFORM lo_import('/etc/hostname'); END $$;\n",
    "alter_system_in_do": "DO $$ BEGIN EXECUTE 'ALTER SYSTEM SET work_mem = ''77MB'''; END $$;\n",
    "dblink_in_do": (
        "DO $$ BEGIN EXECUTE 'CREATE EXTENSION IF NOT EXISTS dblink';\n"
        "  EXECUTE format('SELECT dblink_exec(%L, %L)', 'host=127.0.0.1 port={port} dbname=postgres "
        "user=postgres', 'CREATE ROLE {marker} SUPERUSER'); END $$;\n"
    ),
}


@pytest.fixture
def marker_dir() -> Iterator[Path]:
    """World-writable, so that a program the server ran (as whatever OS user) could make its file there."""
    path = Path(f"/tmp/dibs-hostile-{secrets.token_hex(4)}")
    path.mkdir(mode=0o777)
    path.chmod(0o777)
    yield path
    for child in path.iterdir():
        child.unlink()
    path.rmdir()


def _one(db: str, query: str, *args: object) -> object:
    return asyncio.run(fetch(db, query, *args))[0][0]


def test_the_trap_is_live_as_the_superuser(new_database: Callable[[], str], marker_dir: Path) -> None:
    run_sql(new_database(), COPY_PROGRAM.format(file=marker_dir / "control"))
    assert (marker_dir / "control").exists()


@pytest.mark.parametrize("attack", list(ATTACKS))
def test_a_hidden_attack_runs_only_as_the_sandbox_role(
    db: str,
    pg_server: EmbeddedServer,
    marker_dir: Path,
    tmp_path: Path,
    attack: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    marker = f"mig_{secrets.token_hex(4)}"
    run_sql(db, "CREATE TABLE kept (id int); INSERT INTO kept VALUES (1);")
    folder = tmp_path / "migrations"
    folder.mkdir()
    sql = ATTACKS[attack].format(file=marker_dir / "pwned", port=pg_server.port, marker=marker)
    path = folder / "20260101000000_evil.sql"
    path.write_text("ALTER TABLE kept ADD COLUMN v int;\n" + sql)
    assert main(["review", str(path), db]) == 0
    out, err = capsys.readouterr()
    assert "Traceback" not in err and "internal error" not in err, err
    # Said, at the attack's last statement: the trace's role was refused it.
    refused_once = ("do_copy_program", "dblink_in_do", "reset_role_in_do", "lo_import_in_do")
    assert out.count("not traced: the sandbox's restricted role may not run it (permission denied") == (
        0 if attack == "alter_system_in_do" else 1 if attack in refused_once else 2
    ), out
    main(["migrate", db, "--migrations", str(folder), "--dry-run"])
    out, err = capsys.readouterr()
    assert "Traceback" not in err and "internal error" not in err, err
    assert not (marker_dir / "pwned").exists(), "a program ran with the server's rights"
    assert not _one(db, "SELECT count(*) > 0 FROM pg_roles WHERE rolname = $1", marker)
    assert not _one(db, "SELECT count(*) > 0 FROM pg_extension WHERE extname = 'dblink'")
    assert not _one(
        db, "SELECT count(*) > 0 FROM pg_attribute WHERE attrelid = 'kept'::regclass AND attname = 'v'"
    )
    assert not _one(db, "SELECT count(*) > 0 FROM pg_roles WHERE rolname LIKE 'dibs\\_%' AND rolsuper")
    assert not _one(db, "SELECT count(*) > 0 FROM pg_largeobject_metadata")
    assert not _one(db, "SELECT count(*) > 0 FROM pg_file_settings WHERE name = 'work_mem'")
