"""Hostile desired files: the sandbox holds even where no statement filter looks (DO blocks, function bodies,
EXECUTE format(...)). Each file goes through the real path (`load_desired`) as four kinds of user: the
server's superuser and a CREATEROLE+CREATEDB role (sandbox on the live server), a CREATEDB-only role and a
role with neither (sandbox on an embedded server). Each test asserts what was not lost and what did not run;
`test_the_attacks_work_without_the_sandbox` shows the same statements do harm when run as the superuser, so
the assertions can fail."""

from __future__ import annotations

import asyncio
import contextlib
import secrets
from collections.abc import Callable, Iterator
from pathlib import Path

import asyncpg
import pytest

from dibs_tui.core.connect import resolve
from dibs_tui.core.embedded import EmbeddedServer
from dibs_tui.core.errors import DibsError, SourceError
from dibs_tui.core.shadow import load_desired
from tests.pg import fetch, run_sql, shadow_server_pids

USERS = {
    "superuser": "",
    "createrole_createdb": "LOGIN CREATEDB CREATEROLE",
    "createdb_only": "LOGIN CREATEDB",
    "neither": "LOGIN",
}
LIVE_USERS = ("superuser", "createrole_createdb")


def _names(server: EmbeddedServer, query: str) -> set[str]:
    return {r[0] for r in asyncio.run(fetch(server.dsn(), query))}


def _roles(server: EmbeddedServer) -> set[str]:
    return _names(server, "SELECT rolname FROM pg_roles")


def _databases(server: EmbeddedServer) -> set[str]:
    return _names(server, "SELECT datname FROM pg_database")


@pytest.fixture(params=list(USERS))
def user(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def as_user(pg_server: EmbeddedServer, db: str, user: str) -> str:
    """The DSN of `db` for the kind of user under test."""
    if user == "superuser":
        return db
    name = f"hostile_{user}"
    run_sql(
        pg_server.dsn(),
        f"DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{name}') THEN "
        f"CREATE ROLE {name} {USERS[user]}; END IF; END $$",
    )
    return db.replace("postgres@", f"{name}@")


@pytest.fixture
def victim(new_database: Callable[[], str]) -> str:
    """A database with a row in it that no desired file may touch; its name."""
    dsn = new_database()
    run_sql(dsn, "CREATE TABLE precious (v text); INSERT INTO precious VALUES ('kept');")
    return dsn.rsplit("/", 1)[1]


@pytest.fixture
def marker_dir() -> Iterator[Path]:
    """A world-writable dir, so that a program run by the server (as whatever OS user) could create a file."""
    path = Path(f"/tmp/dibs-hostile-{secrets.token_hex(4)}")  # must be writable by the server's OS user
    path.mkdir(mode=0o777)
    path.chmod(0o777)
    yield path
    for child in path.iterdir():
        child.unlink()
    path.rmdir()


@pytest.fixture
def nothing_left(pg_server: EmbeddedServer, as_user: str) -> Iterator[None]:
    """After the test: no sandbox role, no shadow database, no shadow server, no new role at all."""
    roles, servers = _roles(pg_server), shadow_server_pids()
    yield
    after = _roles(pg_server)
    assert not {r for r in after if r.startswith("dibs_")}, "a sandbox role was left behind"
    assert not {d for d in _databases(pg_server) if d.startswith("dibs_shadow_")}, "a shadow was left"
    assert after - roles == set(), "a desired file created a role"
    assert shadow_server_pids() <= servers, "an embedded shadow server was left running"


def _load(dsn: str, tmp_path: Path, sql: str) -> BaseException | None:
    schema = tmp_path / "schema.sql"
    schema.write_text(sql)
    try:
        asyncio.run(load_desired(resolve(dsn), [schema]))
    except (DibsError, asyncpg.PostgresError) as exc:
        return exc
    return None


def _victim_intact(pg_server: EmbeddedServer, victim: str) -> None:
    rows = asyncio.run(fetch(pg_server.dsn(victim), "SELECT v FROM precious"))
    assert [r["v"] for r in rows] == ["kept"]


def _refused(exc: BaseException | None, *words: str) -> None:
    assert isinstance(exc, SourceError), f"the load was expected to fail, got {exc!r}: {exc}"
    assert any(w in exc.detail for w in words), exc.detail


def test_the_attacks_work_without_the_sandbox(
    pg_server: EmbeddedServer, victim: str, marker_dir: Path, new_database: Callable[[], str]
) -> None:
    """The control: as the superuser, without the sandbox, the same statements do their harm."""
    scratch = new_database()
    marker = marker_dir / "control"
    # The program reads its input first: `touch` alone may exit before the server has written the row, and
    # the server then fails on the broken pipe (after the file was made), which made this control flaky.
    run_sql(
        scratch,
        f"DO $$ BEGIN EXECUTE 'COPY (SELECT 1) TO PROGRAM ''cat >/dev/null; touch {marker}'''; END $$",
    )
    assert marker.exists()
    run_sql(scratch, f'DROP DATABASE "{victim}" WITH (FORCE)')
    assert victim not in _databases(pg_server)


@pytest.mark.parametrize("form", ["plain", "do_block"])
@pytest.mark.usefixtures("nothing_left")
def test_drop_database(
    pg_server: EmbeddedServer, as_user: str, victim: str, tmp_path: Path, form: str
) -> None:
    """Plainly, the role is not the victim's owner; in a DO block PostgreSQL refuses it anyway."""
    drop = f'DROP DATABASE "{victim}" WITH (FORCE)'
    statement = (
        drop if form == "plain" else f"DO $$ BEGIN EXECUTE '{drop.replace(chr(39), chr(39) * 2)}'; END $$"
    )
    exc = _load(as_user, tmp_path, f"CREATE TABLE t (id int);\n{statement};\n")
    # (a DO block runs in a transaction block of its own: refused there first)
    _refused(
        exc,
        "must be owner",
        "cannot be executed from a function",
        "cannot run inside a transaction block",
        "is not allowed in a desired schema",
    )
    _victim_intact(pg_server, victim)


@pytest.mark.parametrize(
    "statement",
    [
        "CREATE EVENT TRIGGER hijack ON ddl_command_start EXECUTE FUNCTION pg_catalog.pg_backend_pid()",
        "ALTER ROLE CURRENT_USER SET session_preload_libraries = 'auto_explain'",
        "ALTER DATABASE postgres SET search_path = evil",
        "CREATE TABLESPACE evil LOCATION '/tmp'",
    ],
    ids=["event_trigger", "preload_library", "other_database_setting", "tablespace"],
)
@pytest.mark.usefixtures("nothing_left")
def test_what_would_outlive_the_load_is_refused(
    pg_server: EmbeddedServer, as_user: str, tmp_path: Path, statement: str
) -> None:
    """Things that would act on later sessions or other databases, hidden in a DO block."""
    sql = f"DO $$ BEGIN EXECUTE $q${statement}$q$; END $$;\n"
    _refused(
        _load(as_user, tmp_path, sql),
        "permission denied",
        "must be owner",
        "cannot be executed from a function",
        "cannot run inside a transaction block",  # a DO block runs in one
    )
    assert not _names(pg_server, "SELECT evtname FROM pg_event_trigger")
    assert not _names(pg_server, "SELECT spcname FROM pg_tablespace WHERE spcname = 'evil'")
    assert not _names(
        pg_server,
        "SELECT setconfig::text FROM pg_db_role_setting WHERE setconfig::text ~ 'evil|auto_explain'",
    )


@pytest.mark.parametrize(
    "statement",
    [
        "CREATE FUNCTION public.evil(text) RETURNS text LANGUAGE c AS '$libdir/unaccent', 'unaccent_dict'",
        "CREATE FUNCTION public.evil() RETURNS oid LANGUAGE internal AS 'pg_backend_pid'",
    ],
    ids=["c", "internal"],
)
@pytest.mark.usefixtures("nothing_left")
def test_a_function_in_c_is_refused_and_said_why(
    pg_server: EmbeddedServer, as_user: str, tmp_path: Path, statement: str
) -> None:
    """pg_dump writes such functions (MusicBrainz's immutable_unaccent): they load a server library, which the
    load's role may not; the message says so, at the statement's line."""
    exc = _load(as_user, tmp_path, f"CREATE TABLE t (id int);\n{statement};\n")
    assert isinstance(exc, SourceError) and exc.line == 2, exc
    assert "permission denied for language" in str(exc) and "run code inside the server" in str(exc)
    assert not _names(pg_server, "SELECT proname FROM pg_proc WHERE proname = 'evil'")


@pytest.mark.usefixtures("nothing_left")
def test_create_role_in_a_do_block(pg_server: EmbeddedServer, as_user: str, tmp_path: Path) -> None:
    sql = "DO $$ BEGIN EXECUTE format('CREATE ROLE %I SUPERUSER LOGIN', 'evil_' || 'admin'); END $$;\n"
    _refused(_load(as_user, tmp_path, sql), "permission denied")
    assert "evil_admin" not in _roles(pg_server)


@pytest.mark.usefixtures("nothing_left")
def test_copy_to_program_in_a_do_block(as_user: str, marker_dir: Path, tmp_path: Path) -> None:
    marker = marker_dir / "pwned"
    sql = f"DO $$ BEGIN EXECUTE format('COPY (SELECT 1) TO PROGRAM %L', 'touch {marker}'); END $$;\n"
    _refused(_load(as_user, tmp_path, sql), "permission denied")
    assert not marker.exists()


@pytest.mark.parametrize(
    "escape", ["RESET ROLE", "SET ROLE postgres", "SET SESSION AUTHORIZATION postgres", "SET ROLE NONE"]
)
@pytest.mark.usefixtures("nothing_left")
def test_role_switch_inside_a_do_block_then_attack(
    pg_server: EmbeddedServer, as_user: str, victim: str, marker_dir: Path, tmp_path: Path, escape: str
) -> None:
    marker = marker_dir / "pwned"
    sql = (
        f"DO $$ BEGIN BEGIN EXECUTE '{escape}'; EXCEPTION WHEN OTHERS THEN NULL; END;\n"
        f"  EXECUTE format('COPY (SELECT 1) TO PROGRAM %L', 'touch {marker}');\n"
        f"  EXECUTE 'DROP DATABASE \"{victim}\" WITH (FORCE)'; END $$;\n"
    )
    _refused(_load(as_user, tmp_path, sql), "permission denied")
    assert not marker.exists()
    _victim_intact(pg_server, victim)


@pytest.mark.usefixtures("nothing_left")
def test_function_body_called_from_a_do_block(as_user: str, marker_dir: Path, tmp_path: Path) -> None:
    marker = marker_dir / "pwned"
    sql = (
        "CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql SECURITY DEFINER AS $f$\n"
        f"BEGIN EXECUTE format('COPY (SELECT 1) TO PROGRAM %L', 'touch {marker}'); RETURN 1; END $f$;\n"
        "CREATE TABLE t (id int CHECK (id > 0));\n"
        "DO $$ BEGIN PERFORM f(); END $$;\n"
    )
    _refused(_load(as_user, tmp_path, sql), "permission denied")
    assert not marker.exists()


@pytest.mark.usefixtures("nothing_left")
def test_alter_own_role_superuser(pg_server: EmbeddedServer, as_user: str, tmp_path: Path) -> None:
    """Plainly (a statement on roles, which the load skips) or in a DO block, then what a superuser could do."""
    sql = (
        "DO $$ BEGIN BEGIN EXECUTE 'ALTER ROLE CURRENT_USER SUPERUSER'; EXCEPTION WHEN OTHERS THEN NULL; END;\n"
        "  EXECUTE 'CREATE ROLE evil_after SUPERUSER'; END $$;\n"
    )
    _refused(_load(as_user, tmp_path, sql), "permission denied")
    assert _load(as_user, tmp_path, "ALTER ROLE CURRENT_USER SUPERUSER;\n") is None  # on roles: skipped
    assert "evil_after" not in _roles(pg_server)
    assert not _names(pg_server, "SELECT rolname FROM pg_roles WHERE rolsuper AND rolname LIKE 'dibs%'")


@pytest.mark.usefixtures("nothing_left")
def test_grant_pg_execute_server_program_to_itself(as_user: str, marker_dir: Path, tmp_path: Path) -> None:
    marker = marker_dir / "pwned"
    sql = (
        "DO $$ BEGIN BEGIN EXECUTE 'GRANT pg_execute_server_program TO CURRENT_USER';"
        " EXCEPTION WHEN OTHERS THEN NULL; END;\n"
        f"  EXECUTE format('COPY (SELECT 1) TO PROGRAM %L', 'touch {marker}'); END $$;\n"
    )
    _refused(_load(as_user, tmp_path, sql), "permission denied")
    assert not marker.exists()


@pytest.mark.parametrize(
    "read",
    ["SELECT lo_import('/etc/passwd')", "SELECT pg_read_file('/etc/passwd')", "COPY leak FROM '/etc/passwd'"],
)
@pytest.mark.usefixtures("nothing_left")
def test_server_files_are_not_read(as_user: str, tmp_path: Path, read: str) -> None:
    """Had a read worked, /etc/passwd would have ended up in a column default the diff shows."""
    sql = f"CREATE TABLE leak (line text);\nDO $$ BEGIN EXECUTE $q${read}$q$; END $$;\n"
    _refused(_load(as_user, tmp_path, sql), "permission denied")


@pytest.mark.parametrize("extension", ["dblink", "postgres_fdw", "file_fdw"])
@pytest.mark.usefixtures("nothing_left")
def test_extensions_that_reach_outside_are_refused(
    pg_server: EmbeddedServer, as_user: str, victim: str, tmp_path: Path, extension: str
) -> None:
    """Written plainly, the extension is refused before anything runs; hidden in a DO block, the role may
    not create an untrusted extension. Either way no connection to the live database is made."""
    plain = f"CREATE EXTENSION {extension};\n"
    _refused(_load(as_user, tmp_path, plain), "reaches outside the database")
    hidden = f"DO $$ BEGIN EXECUTE 'CREATE EXTENSION {extension}'; END $$;\n"
    _refused(_load(as_user, tmp_path, hidden), "permission denied")
    _victim_intact(pg_server, victim)


@pytest.mark.parametrize("form", ["plain", "do_block"])
@pytest.mark.usefixtures("nothing_left")
def test_create_database(pg_server: EmbeddedServer, as_user: str, tmp_path: Path, form: str) -> None:
    sql = (
        "CREATE DATABASE evil_db"
        if form == "plain"
        else "DO $$ BEGIN EXECUTE 'CREATE DATABASE evil_db'; END $$"
    )
    _refused(
        _load(as_user, tmp_path, sql + ";\n"),
        "permission denied",
        "cannot be executed from a function",
        "cannot run inside a transaction block",  # a DO block runs in one
        "not allowed",
    )
    assert "evil_db" not in _databases(pg_server)


@pytest.mark.usefixtures("nothing_left")
def test_shadow_marked_as_a_template_is_still_dropped(as_user: str, tmp_path: Path) -> None:
    """The role owns the shadow: a template database refuses DROP DATABASE unless unmarked first."""
    sql = (
        "DO $$ BEGIN EXECUTE format('ALTER DATABASE %I WITH IS_TEMPLATE true',"
        " current_database()); END $$;\nCREATE TABLE t (id no_such_type);\n"
    )
    _refused(_load(as_user, tmp_path, sql), "no_such_type", "permission denied")


@pytest.mark.usefixtures("nothing_left")
def test_failing_halfway_leaves_nothing(as_user: str, tmp_path: Path) -> None:
    sql = "CREATE TABLE a (id int);\nCREATE TABLE b (id no_such_type);\nCREATE TABLE c (id int);\n"
    exc = _load(as_user, tmp_path, sql)
    _refused(exc, "no_such_type")
    assert isinstance(exc, SourceError) and exc.line == 2


@pytest.mark.usefixtures("nothing_left")
def test_a_clean_file_loads_as_the_sandbox_role(as_user: str, tmp_path: Path, user: str) -> None:
    """The sandbox does not get in the way of an ordinary schema: trusted and untrusted extensions (one in a
    schema of its own), owners given to the user's roles, a comment on an extension, as pg_dump writes them.
    Only a superuser may create the untrusted one: anyone else gets the embedded server, and is told why."""
    schema = tmp_path / "schema.sql"
    schema.write_text(
        "CREATE EXTENSION IF NOT EXISTS citext WITH SCHEMA public;\n"
        "CREATE SCHEMA vec;\n"
        "CREATE EXTENSION IF NOT EXISTS vector WITH SCHEMA vec;\n"
        "COMMENT ON EXTENSION vector IS 'vectors';\n"
        "CREATE SCHEMA app;\nALTER SCHEMA app OWNER TO postgres;\n"
        "CREATE TABLE app.t (id int PRIMARY KEY, name citext, v vec.vector(3),\n"
        "  who text DEFAULT current_user);\n"
        "ALTER TABLE app.t OWNER TO postgres;\n"
        "ALTER DEFAULT PRIVILEGES FOR ROLE postgres IN SCHEMA app GRANT SELECT ON TABLES TO PUBLIC;\n"
    )
    catalog, _, info = asyncio.run(load_desired(resolve(as_user), [schema]))
    table = catalog.relation("app", "t")
    assert table is not None and [c.name for c in table.columns] == ["id", "name", "v", "who"]
    assert {e.name for e in catalog.extensions} >= {"citext", "vector"}
    assert info is not None
    assert info.where == ("live server" if user == "superuser" else "embedded server")
    if user == "createrole_createdb":
        assert any("extension vector takes a superuser" in note for note in info.notes), info.notes


@pytest.mark.usefixtures("nothing_left")
def test_introspection_is_not_fooled_by_the_files_functions(as_user: str, tmp_path: Path) -> None:
    """The file shadows format_type and points its role's and its database's search_path at it: the desired
    side is still read through pg_catalog (a lying format_type would put its text into the plan's SQL)."""
    schema = tmp_path / "schema.sql"
    schema.write_text(
        "CREATE FUNCTION public.format_type(oid, integer) RETURNS text LANGUAGE sql\n"
        "  AS $$ SELECT 'integer; DROP TABLE victim; --'::text $$;\n"
        "CREATE FUNCTION public.pg_get_expr(pg_node_tree, oid) RETURNS text LANGUAGE sql\n"
        "  AS $$ SELECT 'now(); DROP TABLE victim; --'::text $$;\n"
        "DO $$ BEGIN EXECUTE 'ALTER ROLE CURRENT_USER SET search_path = public, pg_catalog';\n"
        "  EXECUTE format('ALTER DATABASE %I SET search_path = public, pg_catalog', current_database()); END $$;\n"
        "CREATE TABLE t (id int DEFAULT 7);\n"
    )
    catalog, _, _ = asyncio.run(load_desired(resolve(as_user), [schema]))
    table = catalog.relation("public", "t")
    assert table is not None
    assert [(c.type, c.default) for c in table.columns] == [("integer", "7")]


@pytest.mark.usefixtures("nothing_left")
def test_trusted_extensions_keep_the_sandbox_on_the_live_server(
    as_user: str, tmp_path: Path, user: str
) -> None:
    schema = tmp_path / "schema.sql"
    schema.write_text("CREATE EXTENSION citext;\nCREATE TABLE t (name citext);\n")
    catalog, _, info = asyncio.run(load_desired(resolve(as_user), [schema]))
    assert catalog.relation("public", "t") is not None
    assert info is not None and info.where == ("live server" if user in LIVE_USERS else "embedded server")
    assert info.notes == ()


@pytest.mark.parametrize("user", LIVE_USERS)
@pytest.mark.usefixtures("nothing_left")
def test_a_password_the_file_sets_lets_nobody_in(
    pg_server: EmbeddedServer, as_user: str, tmp_path: Path
) -> None:
    """The role may change its own password; while its file runs, its one allowed connection is in use, so
    nobody gets in with it (this test server trusts every login, so the limit alone is tested here)."""
    schema = tmp_path / "schema.sql"
    schema.write_text(
        "DO $$ BEGIN EXECUTE 'ALTER ROLE CURRENT_USER PASSWORD ''known'''; END $$;\n"
        "DO $$ BEGIN PERFORM pg_sleep(3); END $$;\nCREATE TABLE t (id int);\n"
    )

    async def go() -> BaseException | None:
        load = asyncio.create_task(load_desired(resolve(as_user), [schema]))
        role = await _sandbox_role(pg_server)
        try:
            intruder = await asyncpg.connect(pg_server.dsn().replace("postgres@", f"{role}:known@"))
        except asyncpg.PostgresError as exc:
            refused: BaseException | None = exc
        else:
            await intruder.close()
            refused = None
        await load
        return refused

    refused = asyncio.run(go())
    assert isinstance(refused, asyncpg.TooManyConnectionsError), refused


async def _sandbox_role(server: EmbeddedServer) -> str:
    """The sandbox role of the load under way, once its connection is open (within 20 s)."""
    for _ in range(400):
        rows = await fetch(
            server.dsn(),
            "SELECT usename FROM pg_stat_activity WHERE usename LIKE 'dibs_sandbox_%' AND state = 'active'",
        )
        if rows:
            return str(rows[0]["usename"])
        await asyncio.sleep(0.05)
    raise AssertionError("no sandbox role showed up")


@pytest.mark.parametrize("user", LIVE_USERS)
@pytest.mark.usefixtures("nothing_left")
def test_cancelled_load_leaves_nothing(pg_server: EmbeddedServer, as_user: str, tmp_path: Path) -> None:
    schema = tmp_path / "schema.sql"
    schema.write_text("CREATE TABLE t (id int);\nDO $$ BEGIN PERFORM pg_sleep(30); END $$;\n")

    async def go() -> None:
        load = asyncio.create_task(load_desired(resolve(as_user), [schema]))
        await _sandbox_role(pg_server)
        load.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await load

    asyncio.run(go())


@pytest.mark.parametrize("user", LIVE_USERS)
@pytest.mark.usefixtures("nothing_left")
def test_loading_backend_terminated_gives_a_clear_message(
    pg_server: EmbeddedServer, as_user: str, tmp_path: Path
) -> None:
    """The server ends the loading connection (as a restart would): one clear line, nothing left behind."""
    schema = tmp_path / "schema.sql"
    schema.write_text("CREATE TABLE t (id int);\nDO $$ BEGIN PERFORM pg_sleep(30); END $$;\n")

    async def go() -> BaseException | None:
        load = asyncio.create_task(load_desired(resolve(as_user), [schema]))
        role = await _sandbox_role(pg_server)
        await fetch(
            pg_server.dsn(), "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1", role
        )
        try:
            await load
        except DibsError as exc:
            return exc
        return None

    exc = asyncio.run(go())
    assert isinstance(exc, SourceError) and exc.line == 2
    assert "the server ended the connection loading the desired schema" in exc.detail
    assert "\n" not in exc.detail and "Traceback" not in exc.detail


@pytest.mark.parametrize("user", ["superuser", "neither"])
@pytest.mark.usefixtures("nothing_left")
def test_the_cli_says_what_was_refused_in_one_line(
    as_user: str, marker_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`diff --desired` on a hostile file: exit 1, one error line at file:line:col, no traceback, no
    password of the sandbox role, and the program did not run."""
    from dibs_tui.cli import main

    marker = marker_dir / "pwned"
    schema = tmp_path / "schema.sql"
    schema.write_text(
        "CREATE TABLE t (id int);\n"
        f"DO $$ BEGIN EXECUTE format('COPY (SELECT 1) TO PROGRAM %L', 'touch {marker}'); END $$;\n"
    )
    assert main(["diff", as_user, "--desired", str(schema)]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    error = captured.err.strip().splitlines()
    assert len(error) == 1 and error[0].startswith(f"dibs-tui: error: {schema}:2:1: "), error
    assert "permission denied" in error[0] and "Traceback" not in captured.err
    assert not marker.exists()


@pytest.mark.parametrize("user", LIVE_USERS)
@pytest.mark.usefixtures("nothing_left")
def test_cancelled_while_the_sandbox_is_set_up_leaves_nothing(
    pg_server: EmbeddedServer, as_user: str, tmp_path: Path
) -> None:
    """Cancelled as soon as the role exists, while its database is being created: a CREATE DATABASE a cancel
    cut short must not commit after the drop. Ten times, at slightly different moments."""
    schema = tmp_path / "schema.sql"
    schema.write_text("CREATE TABLE t (id int);\n")

    async def cancel_during_set_up(delay: float) -> None:
        load = asyncio.create_task(load_desired(resolve(as_user), [schema]))
        for _ in range(2000):
            if await fetch(pg_server.dsn(), "SELECT 1 FROM pg_roles WHERE rolname LIKE 'dibs_sandbox_%'"):
                break
            await asyncio.sleep(0.001)
        await asyncio.sleep(delay)
        load.cancel()
        with contextlib.suppress(asyncio.CancelledError, DibsError):
            await load

    for attempt in range(10):
        asyncio.run(cancel_during_set_up(attempt * 0.002))
        assert not _names(pg_server, "SELECT rolname FROM pg_roles WHERE rolname LIKE 'dibs_%'"), attempt


@pytest.mark.parametrize("user", LIVE_USERS)
@pytest.mark.usefixtures("nothing_left")
def test_users_database_dropped_while_cleaning_up_leaves_nothing(
    pg_server: EmbeddedServer, as_user: str, tmp_path: Path, new_database: Callable[[], str]
) -> None:
    """The load is cancelled and, at once, the user's database is dropped with FORCE (which ends the cleanup's
    connection to it mid-DROP): the cleanup goes on from another database and leaves nothing. Four times, the
    drop landing at different moments of the cleanup."""
    schema = tmp_path / "schema.sql"
    schema.write_text("CREATE TABLE t (id int);\nDO $$ BEGIN PERFORM pg_sleep(30); END $$;\n")

    async def go(dsn: str, delay: float) -> None:
        load = asyncio.create_task(load_desired(resolve(dsn), [schema]))
        await _sandbox_role(pg_server)
        load.cancel()
        await asyncio.sleep(delay)
        await fetch(pg_server.dsn(), f'DROP DATABASE "{dsn.rsplit("/", 1)[1]}" WITH (FORCE)')
        with contextlib.suppress(asyncio.CancelledError, DibsError):
            await load

    base = as_user.rsplit("/", 1)[0]
    for delay in (0.0, 0.01, 0.02, 0.05):
        asyncio.run(go(f"{base}/{new_database().rsplit('/', 1)[1]}", delay))
        assert not _names(pg_server, "SELECT rolname FROM pg_roles WHERE rolname LIKE 'dibs_%'"), delay
