"""Hostile names in the messages session 23 added: a migrations folder that is not there, a meta table init
cannot write, a publication on a server without logical wal, a VALIDATE of a NOT ENFORCED constraint on an
empty table. Each name carries OSC 52, OSC 8, CSI, a C1 CSI, BEL, a bidi override and a line break: none
reaches the terminal raw, each message stays its lines, and the name is still said (escaped)."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import tempfile
from pathlib import Path

from textual.widgets import Static

from dibs_tui.config import Settings
from dibs_tui.core.connect import resolve, with_database
from dibs_tui.core.migrations.apply import apply_pending
from dibs_tui.ui.app import DibsApp
from dibs_tui.ui.migrations_pane import MigrationsPane
from tests.hostile.test_output import assert_terminal_safe
from tests.pg import execute, run_sql
from tests.test_cli import DIBS
from tests.ui_pilot import wait_for

EVIL = "x\x1b]52;c;QQ==\x07\x1b]8;;https://evil.example\x07\x1b[31m\x9b2J\u202e\ny"


def _run(*args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([DIBS, *args], capture_output=True, check=False, timeout=120)


def _applied(db: str, tmp_path: Path) -> None:
    folder = tmp_path / "db" / "migrations"
    folder.mkdir(parents=True)
    (folder / "20260101000000_initial.sql").write_text("CREATE TABLE users (id int PRIMARY KEY);\n")
    asyncio.run(apply_pending(resolve(db), folder))


def _toml(text: str) -> str:
    """A TOML basic string of `text`, its controls as \\u escapes."""
    return '"' + "".join(c if c.isprintable() and c not in '"\\' else f"\\u{ord(c):04x}" for c in text) + '"'


def test_a_folder_not_there_named_with_escapes_is_said_escaped_on_its_lines(db: str, tmp_path: Path) -> None:
    _applied(db, tmp_path)
    (tmp_path / "dibs-tui.toml").write_text(f"migrations = {_toml('db/' + EVIL)}\n")
    for command in (["status"], ["migrate", "--yes", "--no-prove"]):
        result = _run("--project-root", str(tmp_path), *command, db)
        assert result.returncode == 1, result.stderr
        assert_terminal_safe(result.stdout + result.stderr, " ".join(command))
        error = result.stderr.decode()
        assert "\\x1b]52;c;QQ==\\x07" in error and "\\u202e\\ny does not exist" in error, error
        assert error.count("\n") == 2 and error.startswith("dibs-tui: error: the migrations folder "), error


async def test_the_migrations_pane_says_a_folder_named_with_escapes_escaped(db: str, tmp_path: Path) -> None:
    await asyncio.to_thread(_applied, db, tmp_path)
    typo = tmp_path / "db" / EVIL
    app = DibsApp(resolve(db), Settings(project_root=tmp_path, migrations_dir=typo), header_label="t")
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: app.catalog is not None)
        await pilot.press("m")
        status = app.query_one(MigrationsPane).query_one("#migrations-status", Static)
        await wait_for(pilot, lambda: "does not exist" in str(status.render()))
        shown = str(status.render())
        assert "\x1b" not in shown and "\u202e" not in shown and "\n" not in shown.strip(), shown
        assert "\\x1b]52;c;QQ==\\x07" in shown, shown


def test_init_names_a_meta_table_column_with_escapes_escaped(db: str) -> None:
    """Its NOT NULL column init cannot fill, and the server's refusal of a column of another type (which
    quotes the name): each said on its line, the name escaped."""
    column = EVIL.replace("\x9b2J", "")  # a name the server takes (UTF-8)
    quoted = '"' + column.replace('"', '""') + '"'
    for meta in (f"{quoted} text NOT NULL", "source_line date"):
        run_sql(db, f"DROP TABLE IF EXISTS __dibs_tables; CREATE TABLE __dibs_tables (table_name text PRIMARY KEY, "
                    f"{meta}); CREATE TABLE IF NOT EXISTS things (id int)")  # fmt: skip
        result = _run("init", db, "--yes")
        assert result.returncode == 1, result.stderr
        assert_terminal_safe(result.stdout + result.stderr, "init")
        error = result.stderr.decode()
        assert error.count("\n") == 2 and "nothing was written" in error, error
        if "NOT NULL" in meta:
            assert 'U&"x\\001B]52;c;QQ==\\0007' in error, error  # as SQL spells it, to paste in the fix


def test_review_notes_and_hazards_of_a_file_and_constraint_named_with_escapes_are_escaped(
    db: str, tmp_path: Path
) -> None:
    """The wal_level note names the file; the refused VALIDATE names the constraint (an empty table)."""
    name = EVIL.replace("\x9b2J", "")
    quoted = '"' + name + '"'
    run_sql(db, "CREATE TABLE p (id int PRIMARY KEY); CREATE TABLE t (id int, p int);"
                f"ALTER TABLE t ADD CONSTRAINT {quoted} FOREIGN KEY (p) REFERENCES p NOT ENFORCED")  # fmt: skip
    path = tmp_path / f"m{EVIL.replace(chr(10), '').replace('/', '')}.sql"
    path.write_text(f"CREATE PUBLICATION pub FOR TABLE t;\nALTER TABLE t VALIDATE CONSTRAINT {quoted};\n")
    result = _run("review", str(path), db)
    assert_terminal_safe(result.stdout + result.stderr, "review")
    out = result.stdout.decode()
    assert "wal_level is" in out and "is NOT ENFORCED: PostgreSQL refuses to validate it" in out, out
    assert out.count("\\x1b]52;c;QQ==\\x07") >= 2, out  # the file and the constraint, each still named


async def test_the_server_gone_notice_names_a_database_with_escapes_escaped(tmp_path: Path) -> None:
    from dibs_tui.core.embedded import EmbeddedServer
    from dibs_tui.ui.server_watch import GONE

    root = Path(tempfile.mkdtemp(prefix="dibs-gone-"))  # not under tmp_path (tests/test_server_gone.py)
    server = await asyncio.to_thread(EmbeddedServer(root / "server").start)
    try:
        name = EVIL.replace("\x9b2J", "")
        await execute(server.dsn(), f'CREATE DATABASE "{name}"')
        target = resolve(f"host=127.0.0.1 port={server.port} user=postgres")
        app = DibsApp(with_database(target, name), Settings(project_root=tmp_path))
        async with app.run_test(size=(120, 30)) as pilot:
            await wait_for(pilot, lambda: app.catalog is not None and app._watching)
            await asyncio.sleep(0.5)  # its idle session opened
            await asyncio.to_thread(server.destroy)
            await wait_for(pilot, lambda: app.load_state == GONE, limit=15)
            [told] = [str(n.message) for n in app._notifications]
            assert "\x1b" not in told and "\u202e" not in told and "\n" not in told, told
            header = str(app.query_one("#header", Static).render())
            assert "\x1b" not in header and "\u202e" not in header, header
    finally:
        await asyncio.to_thread(server.destroy)
        shutil.rmtree(root, ignore_errors=True)
