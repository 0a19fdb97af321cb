"""dibs-tui pointed at a connection pooler (a DATABASE_URL of a hosted database is often the pooled one):
a real PgBouncer in transaction mode in front of the test server (Debian's pgbouncer where the machine has it;
skipped without). Before, PgBouncer's default configuration refused every command ('unsupported startup
parameter: default_transaction_read_only'); one whose ignore_startup_parameters listed our settings ran the
command without them, left its statement_timeout on the pooled server session for the next client, and failed
on the next run ('prepared statement "__asyncpg_stmt_1__" already exists'). Both are refused before a query
is sent, saying what answers there and what to do (core/pooler.py)."""

from __future__ import annotations

import asyncio
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import asyncpg
import pytest

from dibs_tui.core.embedded import EmbeddedServer
from dibs_tui.ui.screens.error import ErrorScreen
from tests.cli_in_process import Ran, run_cli
from tests.pg import run_sql
from tests.ui_pilot import make_app, wait_for

_PGBOUNCER = shutil.which("pgbouncer") or next(
    (p for p in ("/usr/sbin/pgbouncer", "/usr/bin/pgbouncer") if Path(p).exists()), None
)

# What dibs-tui's read-only sessions send at startup, listed where a pooler is told to drop them.
_OURS = (
    "default_transaction_read_only,idle_in_transaction_session_timeout,lock_timeout,search_path,row_security,"
    "statement_timeout,work_mem,max_parallel_workers_per_gather,jit,plan_cache_mode,options"
)


@pytest.fixture
def pooler(pg_server: EmbeddedServer) -> Iterator[Callable[[str], int]]:
    """`start(ignored)`: a PgBouncer in transaction mode with one server session per database (so that what a
    client leaves on it, the next one gets), ignoring the startup parameters `ignored`; returns its port."""
    if _PGBOUNCER is None:
        pytest.skip("no pgbouncer on this machine (Debian's pgbouncer)")
    root = Path(tempfile.mkdtemp(prefix="dibs-pooler-"))
    root.chmod(0o755)
    run_as: dict[str, object] = {}
    if os.geteuid() == 0:  # PgBouncer refuses root: the embedded servers' account runs it
        account = pwd.getpwnam("embedded_postgres")
        os.chown(root, account.pw_uid, account.pw_gid)
        run_as = {"user": account.pw_uid, "group": account.pw_gid, "extra_groups": []}
    started: list[subprocess.Popen[bytes]] = []

    def start(ignored: str) -> int:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = int(sock.getsockname()[1])
        (root / "users.txt").write_text('"postgres" ""\n')
        config = root / f"pooler_{port}.ini"
        config.write_text(
            f"[databases]\n* = host=127.0.0.1 port={pg_server.port}\n[pgbouncer]\nlisten_addr = 127.0.0.1\n"
            f"listen_port = {port}\nunix_socket_dir =\nauth_type = trust\nauth_file = {root / 'users.txt'}\n"
            "pool_mode = transaction\ndefault_pool_size = 1\nmax_client_conn = 50\n"
            f"ignore_startup_parameters = {ignored}\n"
        )
        process = subprocess.Popen(
            [str(_PGBOUNCER), str(config)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            **run_as,  # type: ignore[arg-type]
        )
        started.append(process)
        for _ in range(100):
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", port)) == 0:
                    return port
            time.sleep(0.05)
        raise AssertionError("pgbouncer did not start")

    yield start
    for process in started:
        process.terminate()
        process.wait(10)
    shutil.rmtree(root, ignore_errors=True)


def _through(db: str, port: int) -> str:
    return f"postgresql://postgres@127.0.0.1:{port}/{db.rsplit('/', 1)[1]}"


def _dibs(*args: str, cwd: Path | None = None) -> Ran:
    return run_cli(*args, cwd=cwd)


async def _pooled_session_state(dsn: str) -> tuple[str, int]:
    """The pooled server session's statement_timeout and prepared statements, as the next client finds them."""
    conn = await asyncpg.connect(dsn, statement_cache_size=0)
    try:
        async with conn.transaction():  # one server session for both
            timeout = await conn.fetchval("SELECT current_setting('statement_timeout')")
            prepared = await conn.fetchval("SELECT count(*) FROM pg_prepared_statements")
        return timeout, prepared
    finally:
        await conn.close()


def test_a_pooler_that_refuses_the_settings_is_named_with_what_to_do(
    db: str, pooler: Callable[[str], int]
) -> None:
    run_sql(db, "CREATE TABLE t (id int PRIMARY KEY)")
    dsn = _through(db, pooler("extra_float_digits"))  # PgBouncer's usual configuration
    for command in (["schema", dsn, "--json"], ["lint", dsn], ["diff", dsn, "--desired", db]):
        done = _dibs(*command)
        assert done.returncode != 0 and done.stdout == ""
        said = done.stderr.strip()
        assert len(said.splitlines()) == 1 and "Traceback" not in said, said
        assert (
            "a connection pooler answers there (PgBouncer or another) and refused a session setting " in said
        )
        assert "(unsupported startup parameter: " in said
        assert "connect to the server directly" in said and said.endswith("nothing was read or changed")


def test_a_pooler_that_drops_the_settings_is_refused_and_leaves_nothing_on_its_server_session(
    db: str, pooler: Callable[[str], int]
) -> None:
    run_sql(db, "CREATE TABLE t (id int PRIMARY KEY)")
    dsn = _through(db, pooler(f"extra_float_digits,{_OURS}"))
    for command in (["schema", dsn, "--json"], ["lint", dsn], ["schema", dsn, "--json"]):
        done = _dibs(*command)
        assert done.returncode != 0 and done.stdout == ""
        said = done.stderr.strip()
        assert (
            "and dropped the session settings dibs-tui asked for (default_transaction_read_only came back off, not on)"
            in said
        )
        assert said.endswith("nothing was read or changed")
    # What the application's next transaction gets on the pooled session: nothing of ours (it used to get
    # the read's scaled statement_timeout, and the next run collided with the read's prepared statements).
    assert asyncio.run(_pooled_session_state(dsn)) == ("0", 0)


def test_migrate_through_a_pooler_is_refused_before_its_first_statement(
    db: str, pooler: Callable[[str], int], tmp_path: Path
) -> None:
    """migrate's applier asks for no setting the server reports back: it asks which server process runs it,
    before its first statement, and a pooler's made-up one is refused. It used to apply through the pooler,
    its session-level lock_timeout, application_name and advisory lock on a server session shared with
    the application."""
    folder = tmp_path / "db" / "migrations"
    folder.mkdir(parents=True)
    (folder / "20260101000000_add.sql").write_text("CREATE TABLE added (id int);\n")
    dsn = _through(db, pooler(f"extra_float_digits,{_OURS}"))
    done = _dibs("migrate", dsn, "--yes", cwd=tmp_path)
    assert done.returncode != 0, done.stdout
    said = done.stderr.strip()
    assert "a connection pooler answers there (PgBouncer or another): the server process running" in said
    assert said.endswith("nothing was read or changed") and "Traceback" not in said
    assert asyncio.run(_pooled_session_state(dsn)) == ("0", 0)
    assert not any("added" in line for line in _dibs("schema", db).stdout.splitlines())
    applied = _dibs("migrate", db, "--yes", cwd=tmp_path)  # straight to the server: applied
    assert applied.returncode == 0, applied.stderr
    assert "added" in _dibs("schema", db).stdout


def test_a_pooled_database_url_names_the_direct_urls_variable_never_its_value(
    db: str, pooler: Callable[[str], int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A project's DATABASE_URL is often the pooled one, its direct URL beside it (Prisma's DIRECT_URL)."""
    direct = db.replace("postgres@", "postgres:SECRET@")
    monkeypatch.setenv("DATABASE_URL", _through(db, pooler("extra_float_digits")))
    monkeypatch.setenv("DIRECT_URL", direct)
    done = _dibs("schema")
    assert done.returncode != 0 and "a connection pooler answers there" in done.stderr
    assert done.stderr.strip().endswith(
        'nothing was read or changed; DIRECT_URL is set: dibs-tui "$DIRECT_URL"'
    )
    assert "SECRET" not in done.stderr
    monkeypatch.setenv("DATABASE_URL", direct)  # as said: it reads
    assert _dibs("schema").returncode == 0


async def test_the_browser_says_it_in_its_error_screen(db: str, pooler: Callable[[str], int]) -> None:
    app = make_app(_through(db, pooler("extra_float_digits")))
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, ErrorScreen))
        assert isinstance(app.screen, ErrorScreen)
        assert "a connection pooler answers there" in app.screen.message
        assert "connect to the server directly" in app.screen.message
