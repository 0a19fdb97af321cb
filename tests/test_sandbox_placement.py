"""Where the sandbox goes and what the user is told: a server whose pg_hba.conf refuses the sandbox role sends
the load to an embedded server (one note line in the diff's header); another major version is named."""

from __future__ import annotations

import asyncio
import json
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from dibs_tui.cli import main
from dibs_tui.core.connect import resolve
from dibs_tui.core.diff import diff_database
from dibs_tui.core.embedded import EmbeddedServer
from dibs_tui.core.errors import SourceError
from dibs_tui.core.plan import DiffResult
from dibs_tui.core.sandbox import scram_verifier, version_note
from tests.pg import fetch, run_sql, sandbox_leftovers, shadow_server_pids


@pytest.fixture(scope="module")
def strict_server() -> Iterator[EmbeddedServer]:
    """A server of its own whose pg_hba.conf rejects every sandbox role (a regex user name)."""
    root = Path(tempfile.mkdtemp(prefix="dibs-strict-"))
    server = EmbeddedServer(root / "server").start()
    try:
        hba = server.data / "pg_hba.conf"
        hba.write_text("host all /^dibs_sandbox_ 127.0.0.1/32 reject\n" + hba.read_text())
        run_sql(server.dsn(), "SELECT pg_reload_conf()")
        run_sql(server.dsn(), "CREATE DATABASE live")
        run_sql(server.dsn("live"), "CREATE TABLE t (id int)")
        yield server
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)


def test_a_refused_login_falls_back_to_the_embedded_server(
    strict_server: EmbeddedServer, tmp_path: Path
) -> None:
    schema = tmp_path / "schema.sql"
    schema.write_text("CREATE TABLE t (id int, note text);\n")
    before = shadow_server_pids()
    result = asyncio.run(diff_database(resolve(strict_server.dsn("live")), [schema]))
    assert [s.sql for s in result.plan] == ["ALTER TABLE public.t ADD COLUMN note text;"]
    assert len(result.notes) == 1
    assert "refused a password login of the sandbox role" in result.notes[0]
    assert "loaded on an embedded server instead" in result.notes[0]
    assert sandbox_leftovers(strict_server) == []
    assert shadow_server_pids() <= before


def test_the_cli_header_carries_the_note(
    strict_server: EmbeddedServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    schema = tmp_path / "schema.sql"
    schema.write_text("CREATE TABLE t (id int, note text);\n")
    assert main(["diff", strict_server.dsn("live"), "--desired", str(schema)]) == 2
    out = capsys.readouterr().out
    assert out.splitlines()[0].startswith("note: the server at 127.0.0.1:")
    assert main(["diff", strict_server.dsn("live"), "--desired", str(schema), "--format", "json"]) == 2
    assert "refused a password login" in json.loads(capsys.readouterr().out)["notes"][0]
    assert main(["diff", strict_server.dsn("live"), "--desired", str(schema), "--format", "sql"]) == 2
    captured = capsys.readouterr()
    assert captured.out == "ALTER TABLE public.t ADD COLUMN note text;\n"
    assert captured.err.startswith("note: the server at")


def test_a_sandbox_on_the_live_server_adds_no_note(db: str, tmp_path: Path) -> None:
    schema = tmp_path / "schema.sql"
    schema.write_text("CREATE TABLE t (id int);\n")
    result = asyncio.run(diff_database(resolve(db), [schema]))
    assert result.notes == ()


def test_another_major_version_is_named() -> None:
    note = version_note("18.1", "16.4 (Debian 16.4-1)", "embedded server")
    assert note is not None and "PostgreSQL 18.1 (embedded server)" in note and "16.4" in note
    assert version_note("18.1", "18.0", "embedded server") is None
    escaped = version_note("18.1", "17.2\x1b]0;pwned\x07", "embedded server")
    assert escaped is not None and "\x1b" not in escaped and "\x07" not in escaped


def test_the_text_header_names_another_version(capsys: pytest.CaptureFixture[str]) -> None:
    from dibs_tui.commands.diff import render_text
    from dibs_tui.core.model import Catalog

    note = version_note("18.1", "16.4", "embedded server")
    assert note is not None
    result = DiffResult(Catalog(), Catalog(), (), (), (), notes=(note,))
    assert render_text(result).splitlines()[0] == f"note: {note}"


def test_the_scram_verifier_is_what_postgres_accepts(new_database: object) -> None:
    """A role whose verifier we computed logs in with the password over SCRAM (the test server trusts every
    login, so a server of its own with scram-sha-256 in pg_hba.conf checks it)."""
    root = Path(tempfile.mkdtemp(prefix="dibs-scram-"))
    server = EmbeddedServer(root / "server").start()
    try:
        hba = server.data / "pg_hba.conf"
        hba.write_text("host all scram_probe 127.0.0.1/32 scram-sha-256\n" + hba.read_text())
        run_sql(server.dsn(), f"CREATE ROLE scram_probe LOGIN PASSWORD '{scram_verifier('s3cret-pw')}'")
        run_sql(server.dsn(), "SELECT pg_reload_conf()")
        probe = server.dsn().replace("postgres@", "scram_probe:s3cret-pw@")
        assert asyncio.run(fetch(probe, "SELECT current_user AS u"))[0]["u"] == "scram_probe"
        wrong = server.dsn().replace("postgres@", "scram_probe:wrong@")
        with pytest.raises(Exception, match="password authentication failed"):
            asyncio.run(fetch(wrong, "SELECT 1"))
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)


def test_what_a_killed_load_left_is_swept_once_expired(
    pg_server: EmbeddedServer, db: str, tmp_path: Path
) -> None:
    """A load killed outright (no cleanup ran) leaves its role and shadow; the next load drops them once the
    role's VALID UNTIL has passed, and leaves alone the role of a load that may still run."""
    dead, alive = "dibs_sandbox_0123456789ab", "dibs_sandbox_ba9876543210"
    run_sql(pg_server.dsn(), f"CREATE ROLE {dead} LOGIN VALID UNTIL '2001-01-01'")
    run_sql(pg_server.dsn(), f"CREATE DATABASE dibs_shadow_0123456789ab OWNER {dead}")
    run_sql(pg_server.dsn(), f"CREATE ROLE {alive} LOGIN VALID UNTIL 'infinity'")
    try:
        schema = tmp_path / "schema.sql"
        schema.write_text("CREATE TABLE t (id int);\n")
        asyncio.run(diff_database(resolve(db), [schema]))
        assert sandbox_leftovers(pg_server) == [alive]
    finally:
        run_sql(pg_server.dsn(), "DROP DATABASE IF EXISTS dibs_shadow_0123456789ab")
        run_sql(pg_server.dsn(), f"DROP ROLE IF EXISTS {dead}")
        run_sql(pg_server.dsn(), f"DROP ROLE IF EXISTS {alive}")


def test_an_extension_the_server_lacks_is_named(db: str, tmp_path: Path) -> None:
    """Before anything of the files runs, at the line that asks for it, with which server lacks it."""
    schema = tmp_path / "schema.sql"
    schema.write_text(
        "CREATE TABLE t (id int);\nCREATE EXTENSION IF NOT EXISTS postgis;\nCREATE EXTENSION nope_x;\n"
    )
    with pytest.raises(SourceError) as caught:
        asyncio.run(diff_database(resolve(db), [schema]))
    assert (caught.value.line, caught.value.column) == (2, 1)
    assert caught.value.detail == "the live server has no extensions nope_x, postgis (not installed there)"


def test_a_migration_preview_runs_in_the_sandbox(pg_server: EmbeddedServer, db: str, tmp_path: Path) -> None:
    """The Migrations pane's preview replays the folder as the sandbox's role: an untrusted extension and an
    owner change as a real folder has them still replay; a DO block that runs a program does not."""
    from dibs_tui.core.migrations.apply_outcome import MigrationFailed
    from dibs_tui.core.migrations.layouts import list_migration_files
    from dibs_tui.core.migrations.replay import preview_changes

    folder = tmp_path / "migrations"
    folder.mkdir()
    (folder / "001_init.sql").write_text(
        "CREATE EXTENSION vector;\nCREATE TABLE t (id int, v vector(3));\nALTER TABLE t OWNER TO postgres;\n"
    )
    (folder / "002_more.sql").write_text(
        "CREATE FUNCTION public.format_type(oid, integer) RETURNS text LANGUAGE sql AS $$ SELECT 'lie' $$;\n"
        "SET search_path = public, pg_catalog;\nALTER TABLE t ADD COLUMN note text;\n"
    )
    files = list_migration_files(folder)
    changes = asyncio.run(preview_changes(resolve(db), files, "002_more"))
    column = [c for c in changes if c.what == "column"]
    assert [c.object.sub for c in column] == ["note"]
    assert column[0].new is not None and "text" in column[0].new and "lie" not in column[0].new
    marker = Path(tempfile.mkdtemp(prefix="dibs-preview-")) / "pwned"
    marker.parent.chmod(0o777)
    (folder / "003_evil.sql").write_text(
        f"DO $$ BEGIN EXECUTE format('COPY (SELECT 1) TO PROGRAM %L', 'touch {marker}'); END $$;\n"
    )
    with pytest.raises(MigrationFailed, match="permission denied"):
        asyncio.run(preview_changes(resolve(db), list_migration_files(folder), "003_evil"))
    assert not marker.exists()
    assert sandbox_leftovers(pg_server) == []
    shutil.rmtree(marker.parent)


def test_a_read_only_database_sends_the_sandbox_to_the_embedded_server(db: str, tmp_path: Path) -> None:
    """A standby (or a database set read-only) cannot hold the sandbox: the diff still runs, on an embedded
    server, and says so, instead of failing on the clean-up of a sandbox that was never made."""
    name = db.rsplit("/", 1)[1]
    run_sql(db, f'CREATE TABLE t (id int); ALTER DATABASE "{name}" SET default_transaction_read_only = on')
    schema = tmp_path / "schema.sql"
    schema.write_text("CREATE TABLE t (id int, note text);\n")
    result = asyncio.run(diff_database(resolve(db), [schema]))
    assert [s.sql for s in result.plan] == ["ALTER TABLE public.t ADD COLUMN note text;"]
    assert len(result.notes) == 1
    assert "is read-only" in result.notes[0]
    assert "loaded on an embedded server instead" in result.notes[0]


def test_an_untrusted_extension_after_the_trusted_one_it_requires(db: str, tmp_path: Path) -> None:
    """pg_dump writes `CREATE EXTENSION cube` then `CREATE EXTENSION earthdistance` (MusicBrainz does). The
    untrusted earthdistance is created by the setting-up side before the files run: the cube it requires,
    which the files also ask for, is created with it first (it failed: required extension "cube" is not
    installed)."""
    schema = tmp_path / "schema.sql"
    schema.write_text(
        "CREATE EXTENSION IF NOT EXISTS cube WITH SCHEMA public;\n"
        "COMMENT ON EXTENSION cube IS 'data type for multidimensional cubes';\n"
        "CREATE EXTENSION IF NOT EXISTS earthdistance WITH SCHEMA public;\n"
        "CREATE TABLE place (id int, at public.earth);\n"
    )
    result = asyncio.run(diff_database(resolve(db), [schema]))
    script = "\n".join(s.sql for s in result.plan)
    assert "CREATE EXTENSION IF NOT EXISTS cube WITH SCHEMA public" in script
    assert "CREATE EXTENSION IF NOT EXISTS earthdistance WITH SCHEMA public" in script
    assert "public.earth" in script


async def test_a_server_gone_mid_load_is_said_before_the_shadow_it_could_not_drop(db: str) -> None:
    """A server stopped while the desired schema loads: the drop fails too, and was all that was said. Now the
    lost connection comes first, then the shadow database and role to drop by hand, which are really there."""
    from dibs_tui.core.errors import DibsError
    from dibs_tui.core.sandbox import open_sandbox
    from tests.pg import VanishingProxy

    proxy = VanishingProxy(resolve(db).port)
    port = await proxy.start()
    target = resolve(db.replace(f":{resolve(db).port}/", f":{port}/"))
    with pytest.raises(DibsError) as failed:
        async with open_sandbox(target) as sandbox:
            name = await sandbox.connection.fetchval("SELECT current_database()")
            await proxy.vanish()
            await sandbox.connection.execute("CREATE TABLE t (id int)")
    lines = failed.value.message.splitlines()
    assert lines[0].startswith("the connection to the server was lost: "), lines
    assert lines[1].startswith(f"could not drop the shadow database {name} and its role "), lines
    hint = failed.value.hint or ""
    assert hint.startswith(f"drop them by hand: DROP DATABASE IF EXISTS {name} WITH (FORCE); DROP ROLE")
    left = await fetch(db, "SELECT count(*) AS n FROM pg_database WHERE datname = $1", name)
    assert left[0]["n"] == 1  # what the hint names is there
    for statement in hint.removeprefix("drop them by hand: ").split(
        "; "
    ):  # as a user pastes them, one by one
        await asyncio.to_thread(run_sql, db, statement)
    gone = await fetch(db, "SELECT count(*) AS n FROM pg_database WHERE datname = $1", name)
    assert gone[0]["n"] == 0


def test_sandbox_embedded_in_the_config_keeps_the_sandbox_off_the_live_server(
    db: str, tmp_path: Path
) -> None:
    """A superuser's login would hold the sandbox on the live server; `sandbox = "embedded"` in dibs-tui.toml
    says never there (a DBA who wants nothing made on production, not even for a moment)."""
    from dibs_tui.core.session_limits import SessionLimits, current_limits, use_limits
    from dibs_tui.core.shadow import load_desired

    schema = tmp_path / "schema.sql"
    schema.write_text("CREATE TABLE t (id int);\n")
    before = current_limits()
    try:
        for placement, where in (("auto", "live server"), ("embedded", "embedded server")):
            use_limits(SessionLimits(sandbox=placement))
            _, _, info = asyncio.run(load_desired(resolve(db), [schema]))
            assert info is not None and info.where == where, placement
            assert not info.notes  # chosen, not fallen back to
    finally:
        use_limits(before)
