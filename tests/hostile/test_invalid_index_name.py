"""A concurrent index build that fails leaves an INVALID index, named by migrate, status and review with the
`DROP INDEX CONCURRENTLY` that removes it. The name is the migration's, built by the server's quote_ident: one
holding a newline and a terminal escape split the hint over two lines (the second starting "FORGED") and
carried the newline into the statement to copy. It is written `U&"..."` there, on its line, and the statement
as shown still drops the index; the record migrate resumes from keeps the server's form."""

from __future__ import annotations

import re
from pathlib import Path

from dibs_tui.core.sql import quote_ident
from tests.hostile.test_migration_lines import FORGED, _no_forged_line, fetch_sync
from tests.hostile.test_output import CLEAR, cli
from tests.pg import run_sql

INVALID = "SELECT count(*) AS n FROM pg_index WHERE NOT indisvalid"


def test_an_invalid_index_named_to_forge_a_line_is_named_on_its_line_and_its_drop_runs(
    db: str, tmp_path: Path
) -> None:
    run_sql(db, "CREATE TABLE t (id int, code text); INSERT INTO t VALUES (1, 'a'), (2, 'a');")
    folder = tmp_path / "migrations"
    folder.mkdir()
    path = folder / "20261206000000_dup.sql"
    path.write_text(
        "CREATE TABLE made (id int);\n"
        f"CREATE UNIQUE INDEX CONCURRENTLY {quote_ident('ix' + FORGED + CLEAR)} ON t (code);\n"
    )
    migrate = ("migrate", db, "--migrations", str(folder), "--yes", "--no-prove", "--allow-failing")
    failed = cli(*migrate)
    assert failed.returncode == 3, failed.stdout + failed.stderr  # segment 1 committed, the build failed
    assert fetch_sync(db, INVALID)[0]["n"] == 1
    said = {"migrate": failed.stdout + failed.stderr}
    refused = cli(*migrate)
    assert refused.returncode == 1, refused.stdout + refused.stderr  # the INVALID index is in the way
    said["migrate again"] = refused.stdout + refused.stderr
    said["status"] = cli("status", db, "--migrations", str(folder)).stdout
    said["review"] = cli("review", str(path), db).stdout
    drop = rb'DROP INDEX CONCURRENTLY public.U&"ix\000AFORGED line\001B[2J";'
    for where, text in said.items():
        _no_forged_line(text, where)
        assert drop in text, (where, text)
    assert re.search(rb"INVALID index public\.U&\"ix\\000AFORGED line\\001B\[2J\"", said["migrate"])
    run_sql(db, drop.decode())  # the statement as shown drops it
    assert fetch_sync(db, INVALID)[0]["n"] == 0
