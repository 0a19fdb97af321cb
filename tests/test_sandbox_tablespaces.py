"""Tablespaces are not part of the model (where a table's files live is not its schema), and a pg_dump of a
database that uses one writes `SET default_tablespace = fast;` before the objects there: the sandbox role
may not create in the user's tablespace ('permission denied for tablespace fast'), and the whole diff
failed. The load leaves the placement out, and the diff compares the rest."""

from __future__ import annotations

import asyncio
import os
import pwd
import shutil
import tempfile
from pathlib import Path

from dibs_tui.core.connect import resolve
from dibs_tui.core.diff import diff_database
from tests.pg import run_sql


def test_a_dump_placing_tables_in_a_tablespace_loads_and_diffs(db: str, tmp_path: Path) -> None:
    space = f"k_fast_{os.getpid()}"
    where = Path(tempfile.mkdtemp(prefix="dibs-tablespace-"))
    if os.geteuid() == 0:  # the server's account must own the directory (core/embedded.py)
        account = pwd.getpwnam("embedded_postgres")
        os.chown(where, account.pw_uid, account.pw_gid)
    admin = db.rsplit("/", 1)[0] + "/postgres"
    run_sql(admin, f"CREATE TABLESPACE {space} LOCATION '{where}'")
    try:
        run_sql(
            db,
            f"CREATE TABLE kept (id int) TABLESPACE {space}; CREATE INDEX kept_i ON kept (id) TABLESPACE {space};",
        )
        schema = tmp_path / "schema.sql"
        schema.write_text(
            f"SET default_tablespace = {space};\nCREATE TABLE kept (id int);\nCREATE INDEX kept_i ON kept (id);\n"
            f"SET default_tablespace = '';\nCREATE TABLE added (id int) TABLESPACE {space};\n"
            f"CREATE INDEX added_i ON added (id) TABLESPACE {space};\n"
        )
        result = asyncio.run(diff_database(resolve(db), [schema]))
        assert [s.sql for s in result.plan] == [
            "CREATE TABLE public.added (\n    id integer\n);",
            "CREATE INDEX added_i ON public.added USING btree (id);",
        ]
    finally:
        run_sql(db, "DROP TABLE IF EXISTS kept, added")
        run_sql(admin, f"DROP TABLESPACE IF EXISTS {space}")
        shutil.rmtree(where, ignore_errors=True)
