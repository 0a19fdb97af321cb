"""Names a locale cannot hold: a table and a column named in Japanese and with an emoji, read by a CLI whose
locale's encoding is ASCII or Latin-1 (a legacy terminal, PYTHONIOENCODING). Every command used to end part
way with 'internal error: UnicodeEncodeError'. What goes to a file or a pipe is the catalog's own text in
UTF-8 (a name turned into an escape there would be another name); a terminal gets backslash escapes."""

from __future__ import annotations

import os
import pty
import select
import subprocess
from collections.abc import Callable

import pytest

from dibs_tui.core.embedded import bin_path
from tests.pg import DIBS, run_sql

_SCHEMA = (
    'CREATE TABLE "名前" (id int PRIMARY KEY, "🙂" text); '
    'COMMENT ON TABLE "名前" IS $$日本 ✓ café$$; CREATE INDEX "索引" ON "名前" ("🙂")'
)


def _run(args: list[str], encoding: str) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "PYTHONIOENCODING": encoding}
    return subprocess.run([DIBS, *args], capture_output=True, timeout=120, env=env)


@pytest.mark.parametrize("encoding", ["ascii", "latin-1"])
def test_data_written_to_a_pipe_is_the_catalogs_utf8_whatever_the_locale(db: str, encoding: str) -> None:
    run_sql(db, _SCHEMA)
    for args in (["schema", db, "--sql"], ["schema", db, "--json"], ["schema", db], ["lint", db]):
        theirs = _run(args, encoding)
        ours = _run(args, "utf-8")
        assert b"internal error" not in theirs.stderr, theirs.stderr
        assert theirs.returncode == ours.returncode, theirs.stderr
        # lint's last line says how old the index statistics are: minutes that may tick between the runs
        same = (lambda out: out.rsplit(b"\n", 2)[0]) if args[0] == "lint" else (lambda out: out)
        assert same(theirs.stdout) == same(ours.stdout) and "名前".encode() in ours.stdout


def test_a_terminal_in_ascii_gets_escapes_not_an_error(db: str) -> None:
    run_sql(db, _SCHEMA)
    main, sub = pty.openpty()
    env = {**os.environ, "PYTHONIOENCODING": "ascii", "COLUMNS": "200"}
    process = subprocess.Popen([DIBS, "schema", db], stdin=sub, stdout=sub, stderr=sub, env=env)
    os.close(sub)
    shown = b""
    while True:
        if select.select([main], [], [], 30)[0]:
            try:
                chunk = os.read(main, 65536)
            except OSError:  # the terminal closed: the process is gone
                break
            if not chunk:
                break
            shown += chunk
        else:
            break
    assert process.wait(30) == 0, shown
    os.close(main)
    assert b"internal error" not in shown
    assert b"\\u540d\\u524d" in shown and b"\\U0001f642" in shown  # 名前, 🙂: escaped, never dropped
    assert not any(byte > 127 for byte in shown)


def test_the_schema_script_says_its_encoding_so_a_latin1_psql_loads_the_same_names(
    db: str, new_database: Callable[[], str]
) -> None:
    """psql takes its client_encoding from a Latin-1 locale (PGCLIENTENCODING here): without the script's
    own `SET client_encoding`, 名前 was read as the Latin-1 characters of its bytes and a table of another
    name made. The script says UTF8, as pg_dump's does."""
    run_sql(db, _SCHEMA)
    script = _run(["schema", db, "--sql"], "latin-1").stdout
    assert script.startswith(b"SET check_function_bodies = off;\nSET client_encoding = 'UTF8';\n")
    target = new_database()
    env = {**os.environ, "PGCLIENTENCODING": "LATIN1"}
    loaded = subprocess.run(
        [bin_path("psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", target],
        input=script,
        env=env,
        capture_output=True,
    )
    assert loaded.returncode == 0, loaded.stderr
    assert _run(["schema", target, "--sql"], "utf-8").stdout == _run(["schema", db, "--sql"], "utf-8").stdout
