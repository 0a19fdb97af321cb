"""A desired file that never finishes (a sleep in a DO block, after lifting statement_timeout itself) hung
the diff for ever. Each statement of a load is bounded by the client, which the file cannot lift: the load
stops with the statement's file:line, and nothing of the sandbox is left, on the live server or embedded."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from dibs_tui.core import shadow
from dibs_tui.core.connect import resolve
from dibs_tui.core.embedded import EmbeddedServer
from dibs_tui.core.errors import SourceError
from tests.pg import run_sql, sandbox_leftovers, shadow_server_pids

FOREVER = "CREATE TABLE t (id int);\nSET statement_timeout = 0;\nDO $$BEGIN PERFORM pg_sleep(3000); END$$;\n"


@pytest.mark.parametrize("where", ["live server", "embedded server"])
def test_a_file_that_never_finishes_is_stopped_and_leaves_nothing(
    pg_server: EmbeddedServer, db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    if where == "embedded server":
        server, name = db.rsplit("/", 1)
        run_sql(server + "/postgres", f'ALTER DATABASE "{name}" SET default_transaction_read_only = on')
    monkeypatch.setattr(shadow, "LOAD_STEP_TIMEOUT", 2.0)
    before, servers = set(sandbox_leftovers(pg_server)), shadow_server_pids()
    schema = tmp_path / "schema.sql"
    schema.write_text(FOREVER)
    start = time.monotonic()
    with pytest.raises(SourceError) as caught:
        asyncio.run(shadow.load_desired(resolve(db), [schema]))
    assert time.monotonic() - start < 60
    assert (caught.value.line, caught.value.column) == (3, 1)
    assert caught.value.detail.startswith("did not finish within 2 s in the sandbox")
    assert set(sandbox_leftovers(pg_server)) <= before
    assert shadow_server_pids() <= servers
