"""Foreign data wrappers, servers and user mappings: a user mapping's password is never read, so it cannot be
printed; a desired schema cannot make a wrapper (that takes a superuser, which the sandbox never lends)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import asyncpg

from dibs_tui.core.introspect.read import introspect
from tests.cli_in_process import run_cli as dibs
from tests.pg import execute, fetch, run_sql

SECRET = "hunter2SECRET"


async def test_a_user_mapping_password_never_leaves_the_server(db: str, tmp_path: Path) -> None:
    await execute(
        db,
        "CREATE FOREIGN DATA WRAPPER w; CREATE SERVER s FOREIGN DATA WRAPPER w;"
        f"CREATE USER MAPPING FOR PUBLIC SERVER s OPTIONS (user 'app', password '{SECRET}', "
        f"sslkey '{SECRET}', passfile '{SECRET}');",
    )
    conn = await asyncpg.connect(db)
    try:
        catalog = await introspect(conn)
    finally:
        await conn.close()
    (mapping,) = [o for o in catalog.objects if o.kind == "user mapping"]
    assert mapping.masked == ("passfile", "password", "sslkey")
    assert SECRET not in repr(catalog)
    desired = tmp_path / "schema.sql"
    desired.write_text("CREATE TABLE t (a int);\n")
    for fmt in ("text", "json", "sql"):
        out = dibs("diff", db, "--desired", str(desired), "--format", fmt)
        assert out.returncode == 2, out.stdout + out.stderr
        assert "DROP USER MAPPING FOR PUBLIC SERVER s;" in out.stdout
        assert SECRET not in out.stdout + out.stderr
    # Nothing ran: the mapping and its password are still there.
    rows = await fetch(db, "SELECT umoptions FROM pg_user_mappings WHERE srvname = 's'")
    assert f"password={SECRET}" in rows[0]["umoptions"]


async def test_a_desired_schema_cannot_create_a_foreign_data_wrapper(db: str, tmp_path: Path) -> None:
    await execute(db, "CREATE TABLE kept (a int); INSERT INTO kept VALUES (1);")
    desired = tmp_path / "schema.sql"
    desired.write_text(
        "CREATE TABLE kept (a int);\n"
        "CREATE FOREIGN DATA WRAPPER w;\n"
        "CREATE SERVER s FOREIGN DATA WRAPPER w;\n"
        "CREATE FOREIGN TABLE f (x int) SERVER s;\n"
    )
    out = dibs("diff", db, "--desired", str(desired), "--format", "json")
    assert out.returncode == 1
    assert out.stdout == ""
    assert out.stderr.count("\n") == 1 and "Traceback" not in out.stderr
    assert 'permission denied to create foreign-data wrapper "w"' in out.stderr
    assert "schema.sql:2:1" in out.stderr
    rows = await fetch(
        db,
        "SELECT (SELECT count(*) FROM pg_foreign_data_wrapper) AS wrappers,"
        " (SELECT count(*) FROM pg_foreign_server) AS servers, (SELECT count(*) FROM kept) AS kept",
    )
    assert dict(rows[0]) == {"wrappers": 0, "servers": 0, "kept": 1}


def test_a_foreign_server_option_change_is_altered_in_place(db: str, new_database: Callable[[], str]) -> None:
    """Re-creating a server would drop its user mappings' passwords with it: options change in place."""
    run_sql(
        db,
        "CREATE FOREIGN DATA WRAPPER w; CREATE SERVER s FOREIGN DATA WRAPPER w OPTIONS (host 'a');"
        f"CREATE USER MAPPING FOR PUBLIC SERVER s OPTIONS (password '{SECRET}');",
    )
    other = new_database()
    run_sql(
        other, "CREATE FOREIGN DATA WRAPPER w; CREATE SERVER s FOREIGN DATA WRAPPER w OPTIONS (host 'b');"
    )
    out = dibs("diff", db, "--desired", other, "--format", "json")
    data = json.loads(out.stdout)
    assert [s["sql"] for s in data["plan"]] == [
        "ALTER SERVER s OPTIONS (SET host 'b');",
        "DROP USER MAPPING FOR PUBLIC SERVER s;",
    ]
    assert SECRET not in out.stdout
