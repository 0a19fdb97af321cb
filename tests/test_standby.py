"""A catalog read on a hot standby: a lock the primary holds is replayed by the standby's startup process
(said as such, not as a session of "user ?"), and a read the standby cancels (conflict with recovery) is made
again. A real primary and a real streaming standby (pg_basebackup -R)."""

from __future__ import annotations

import asyncio
import json
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import pytest

from dibs_tui.core.connect import connect, resolve
from dibs_tui.core.embedded import EmbeddedServer, bin_path
from dibs_tui.core.lock_wait import LockWait, RecoveryConflict, read_through_locks
from tests.pg import DIBS, fetch, run_sql


def _standby_of(primary: EmbeddedServer, root: Path, settings: str) -> EmbeddedServer:
    """A hot standby of `primary`, streaming from it, with `settings` added to its postgresql.auto.conf."""
    root.mkdir()
    run_as: dict[str, object] = {}
    if os.geteuid() == 0:  # PostgreSQL refuses root: the embedded servers' account owns it (core/embedded.py)
        account = pwd.getpwnam("embedded_postgres")
        os.chown(root, account.pw_uid, account.pw_gid)
        run_as = {"user": account.pw_uid, "group": account.pw_gid, "extra_groups": []}
    source = ["-h", "127.0.0.1", "-p", str(primary.port), "-U", "postgres"]
    subprocess.run(
        [
            str(bin_path("pg_basebackup")),
            *source,
            "-D",
            str(root / "data"),
            "-R",
            "-X",
            "stream",
            "-c",
            "fast",
        ],
        check=True,
        capture_output=True,
        **run_as,  # type: ignore[arg-type]
    )
    with (root / "data" / "postgresql.auto.conf").open("a") as conf:
        conf.write(settings)
    return EmbeddedServer(root).start()


@pytest.fixture(scope="module")
def pair() -> Iterator[tuple[EmbeddedServer, EmbeddedServer]]:
    top = Path(tempfile.mkdtemp(prefix="dibs-standby-"))
    top.chmod(0o755)
    primary = EmbeddedServer(top / "primary").start()
    standby = None
    try:
        run_sql(primary.dsn(), "CREATE DATABASE app")
        run_sql(
            primary.dsn("app"),
            "CREATE TABLE t (id int PRIMARY KEY CHECK (id > 0), note text DEFAULT 'x'); INSERT INTO t SELECT generate_series(1, 10)",
        )
        # A conflicting replay cancels the standby's queries after 100 ms (the default waits 30 s)
        standby = _standby_of(primary, top / "standby", "max_standby_streaming_delay = '100ms'\n")
        yield primary, standby
    finally:
        if standby is not None:
            standby.stop()
        primary.stop()
        shutil.rmtree(top, ignore_errors=True)


async def _replayed(standby: EmbeddedServer, column: str) -> None:
    query = "SELECT count(*) FROM pg_attribute WHERE attrelid = 't'::regclass AND attname = $1"
    for _ in range(200):
        if (await fetch(standby.dsn("app"), query, column))[0][0]:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"the standby never replayed column {column}")


def test_a_lock_the_primary_holds_is_said_as_the_standbys_replay(
    pair: tuple[EmbeddedServer, EmbeddedServer],
) -> None:
    """A transaction on the primary with an ALTER TABLE still open: the standby's startup process holds its
    ACCESS EXCLUSIVE, and the read named it 'pid N (user ?, state not visible to this role)'."""
    primary, standby = pair

    async def scenario() -> tuple[str, dict[str, object]]:
        holder = await asyncpg.connect(primary.dsn("app"))
        await holder.execute("BEGIN; ALTER TABLE t ADD COLUMN held int")
        await holder.execute("SELECT pg_switch_wal()")  # the lock's WAL on its way to the standby now
        held = (
            "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a USING (pid) "
            "WHERE l.relation = 't'::regclass AND a.backend_type = 'startup'"
        )
        for _ in range(200):
            if (await fetch(standby.dsn("app"), held))[0][0]:
                break
            await asyncio.sleep(0.05)
        else:
            raise AssertionError("the standby never replayed the primary's lock")
        reader = await asyncio.create_subprocess_exec(
            str(DIBS),
            "schema",
            "--json",
            standby.dsn("app"),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        assert reader.stderr is not None
        said = (await asyncio.wait_for(reader.stderr.readline(), 30)).decode()
        await holder.execute("COMMIT")
        await holder.close()
        out, rest = await asyncio.wait_for(reader.communicate(), 60)
        assert reader.returncode == 0, said + rest.decode()
        return said, json.loads(out)

    said, document = asyncio.run(scenario())
    assert "waiting for a lock on public.t held by the standby's recovery (pid " in said
    assert "a transaction on the primary holds" in said and "user ?" not in said
    [table] = [r for r in document["relations"] if r["name"] == "t"]  # type: ignore[union-attr]
    assert "held" in [c["name"] for c in table["columns"]]  # read again once the primary committed


def test_a_read_the_standby_cancels_is_made_again(pair: tuple[EmbeddedServer, EmbeddedServer]) -> None:
    """The primary alters a table the read holds: past max_standby_streaming_delay the standby cancels the
    read (SQLSTATE 40001, conflict with recovery). The read is said cancelled and made again."""
    primary, standby = pair
    said: list[LockWait | RecoveryConflict | None] = []

    async def scenario() -> int:
        conn = await asyncpg.connect(standby.dsn("app"))
        attempts = 0

        async def read() -> int:
            nonlocal attempts
            attempts += 1
            pause = 5 if attempts == 1 else 0  # the first read is still holding t when the ALTER replays
            async with conn.transaction(isolation="repeatable_read", readonly=True):
                return int(await conn.fetchval(f"SELECT count(*) FROM t, pg_sleep({pause})"))

        async def alter_meanwhile() -> None:
            await asyncio.sleep(0.5)
            run = await asyncpg.connect(primary.dsn("app"))
            await run.execute("ALTER TABLE t ADD COLUMN cancelled_it int")
            await run.close()

        try:
            rows, _ = await asyncio.gather(
                read_through_locks(conn, read, report=said.append), alter_meanwhile()
            )
        finally:
            await conn.close()
        assert attempts == 2
        await _replayed(standby, "cancelled_it")
        return rows

    assert asyncio.run(scenario()) == 10
    [conflict] = [s for s in said if isinstance(s, RecoveryConflict)]
    assert conflict.count == 1 and "relation lock" in conflict.detail
    assert conflict.line().startswith("the standby cancelled the catalog read: conflict with recovery (")
    assert said[-1] is None


def test_a_standby_does_not_call_an_index_unused(pair: tuple[EmbeddedServer, EmbeddedServer]) -> None:
    """A standby counts its own scans only: an index that the primary's queries use looked unused there, and
    lint offered its DROP INDEX. The same check on the primary still finds the index no query used."""
    primary, standby = pair
    run_sql(primary.dsn("app"), "CREATE INDEX IF NOT EXISTS t_note ON t (note)")
    found = {}
    for side, server in (("primary", primary), ("standby", standby)):
        for _ in range(100):  # the index's creation replayed
            if asyncio.run(
                fetch(server.dsn("app"), "SELECT count(*) FROM pg_class WHERE relname = 't_note'")
            )[0][0]:
                break
            time.sleep(0.05)
        done = subprocess.run(
            [str(DIBS), "lint", server.dsn("app"), "--unused-after", "0", "--format", "json"],
            capture_output=True,
            text=True,
            timeout=120,
        )
        found[side] = json.loads(done.stdout)
    unused = {
        side: [f for f in report["findings"] if f["check"] == "unused-index"]
        for side, report in found.items()
    }
    assert [f["object"] for f in unused["primary"]] == ["public.t.t_note"]
    assert unused["standby"] == []
    assert "this server is a standby" in found["standby"]["statistics_age"]


async def test_the_browser_header_says_it_reads_a_standby(
    pair: tuple[EmbeddedServer, EmbeddedServer],
) -> None:
    from tests.ui_pilot import SIZE, loaded, make_app, screen_text

    primary, standby = pair
    for server, said in ((primary, False), (standby, True)):
        async with make_app(server.dsn("app")).run_test(size=SIZE) as pilot:
            app = await loaded(pilot)
            header = screen_text(app).splitlines()[0]
            assert "PostgreSQL 18" in header
            assert ("standby" in header) is said, header


def _both(primary: EmbeddedServer, standby: EmbeddedServer, first: EmbeddedServer, attrs: str) -> str:
    """A libpq keyword DSN listing both servers, `first` first, as an HA setup hands it out."""
    second = standby if first is primary else primary
    return (
        f"host=127.0.0.1,127.0.0.1 port={first.port},{second.port} user=postgres dbname=app "
        f"target_session_attrs={attrs}"
    )


@pytest.mark.parametrize(
    ("attrs", "wanted_standby"),
    [("read-write", False), ("primary", False), ("read-only", True), ("standby", True)],
)
def test_target_session_attrs_picks_the_server_it_names(
    pair: tuple[EmbeddedServer, EmbeddedServer], attrs: str, wanted_standby: bool
) -> None:
    """Our catalog sessions make themselves read-only, so the driver's `read-write` check (is
    transaction_read_only off?) refused every server, the primary too, and `read-only` took the primary. The
    server a multi-host DSN names by its role is the one read, whichever is listed first."""
    primary, standby = pair

    async def in_recovery(dsn: str) -> bool:
        conn = await connect(resolve(dsn, {}))  # read-only, as every catalog session
        try:
            return bool(await conn.fetchval("SELECT pg_is_in_recovery()"))
        finally:
            await conn.close()

    for first in (primary, standby):
        assert asyncio.run(in_recovery(_both(primary, standby, first, attrs))) is wanted_standby


def test_no_server_of_the_role_asked_is_one_clear_line(pair: tuple[EmbeddedServer, EmbeddedServer]) -> None:
    """The standby alone asked to be a primary: the driver's TargetServerAttributeNotMatched was an
    'internal error'; now the line says what the keyword asks for."""
    _, standby = pair
    dsn = f"host=127.0.0.1 port={standby.port} user=postgres dbname=app target_session_attrs=read-write"
    done = subprocess.run([str(DIBS), "status", dsn], capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert "internal error" not in done.stderr and "Traceback" not in done.stderr
    assert "no server there is what target_session_attrs=read-write asks for (a primary" in done.stderr
