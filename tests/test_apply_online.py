"""Online apply against the real server: a concurrent index build shows its progress from
pg_stat_progress_create_index, a lock_timeout is tried again with back-off and then reported with the backend
that held the lock, and a concurrent build that gave up leaves an INVALID index that is named, not retried."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

import asyncpg
import pytest

from dibs_tui.core.connect import resolve
from dibs_tui.core.migrations.apply import apply_pending
from dibs_tui.core.migrations.apply_online import LockRetries
from dibs_tui.core.migrations.apply_outcome import ApplyEvent, MigrationFailed
from tests.pg import execute, fetch

DIBS = Path(sys.executable).parent / "dibs-tui"


async def project(db: str, tmp_path: Path, text: str) -> Path:
    await execute(
        db,
        "CREATE TABLE t (id int PRIMARY KEY, v int); INSERT INTO t SELECT g, g FROM generate_series(1, 500) g;",
    )
    folder = tmp_path / "migrations"
    folder.mkdir()
    (folder / "20260101000000_online.sql").write_text(text, encoding="utf-8")
    return folder


async def blocker(db: str, sql: str) -> asyncpg.Connection:
    """Another session holding a lock on t in an open transaction, as a long request or a forgotten psql does."""
    conn = await asyncpg.connect(db, server_settings={"application_name": "blocker"})
    await conn.execute("BEGIN")
    await conn.execute(sql)
    return conn


async def release_after(conn: asyncpg.Connection, seconds: float) -> None:
    await asyncio.sleep(seconds)
    await conn.execute("ROLLBACK")


async def columns(db: str) -> list[str]:
    rows = await fetch(
        db, "SELECT attname::text AS a FROM pg_attribute WHERE attrelid = 't'::regclass AND attnum > 0"
    )
    return [r["a"] for r in rows]


async def test_a_lock_timeout_is_retried_and_succeeds_once_the_blocker_ends(db: str, tmp_path: Path) -> None:
    folder = await project(db, tmp_path, "ALTER TABLE t ADD COLUMN x int;\n")
    held = await blocker(db, "SELECT count(*) FROM t")
    pid = held.get_server_pid()
    events: list[ApplyEvent] = []
    released: list[asyncio.Task[None]] = []

    def progress(event: ApplyEvent) -> None:
        events.append(event)
        if event.kind == "retry" and not released:  # the blocker ends while the applier waits to retry
            released.append(asyncio.ensure_future(release_after(held, 0)))

    result = await apply_pending(
        resolve(db), folder, lock_timeout="1s", progress=progress, retries=LockRetries(3, 1.0)
    )
    await held.close()
    assert [a.name for a in result.applied] == ["20260101000000_online"]
    retries = [e.message for e in events if e.kind == "retry"]
    assert len(retries) == 1, retries
    assert (
        f"backend {pid} (app 'blocker', user " in retries[0]
        and "holding AccessShareLock on public.t" in retries[0]
    )
    assert "retry 1/3 in 1 s" in retries[0]
    assert "x" in await columns(db)


async def test_a_lock_timeout_that_outlasts_the_retries_names_the_blocker(db: str, tmp_path: Path) -> None:
    folder = await project(db, tmp_path, "ALTER TABLE t ADD COLUMN x int;\n")
    held = await blocker(db, "SELECT count(*) FROM t")
    events: list[ApplyEvent] = []
    try:
        with pytest.raises(MigrationFailed) as failure:
            await apply_pending(
                resolve(db), folder, lock_timeout="1s", progress=events.append, retries=LockRetries(2, 0.2)
            )
    finally:
        await held.close()
    report = failure.value.report()
    assert failure.value.sqlstate == "55P03"
    assert [e.message.split(": gave up")[0] for e in events if e.kind == "retry"] == ["  line 1", "  line 1"]
    assert "lock wait: tried 3 times; blocked by backend" in report
    assert "(app 'blocker', user " in report and "idle in transaction for" in report
    assert "holding AccessShareLock on public.t" in report
    assert "x" not in await columns(db)  # nothing of it committed


async def test_a_concurrent_index_build_shows_its_progress(db: str, tmp_path: Path) -> None:
    folder = await project(db, tmp_path, "CREATE INDEX CONCURRENTLY t_v ON t (v);\n")
    writer = await blocker(db, "INSERT INTO t VALUES (1000, 1)")  # the build waits for this writer
    events: list[ApplyEvent] = []
    released: list[asyncio.Task[None]] = []

    def progress(event: ApplyEvent) -> None:
        events.append(event)
        if event.kind == "progress" and "waiting for writers" in event.message and not released:
            released.append(asyncio.ensure_future(release_after(writer, 0.5)))

    await apply_pending(resolve(db), folder, lock_timeout="20s", progress=progress)
    await writer.close()
    progress = [e.message for e in events if e.kind == "progress"]
    assert any(
        line.startswith("    building public.t_v: waiting for writers before build") for line in progress
    ), progress
    [valid] = await fetch(db, "SELECT indisvalid FROM pg_index WHERE indexrelid = 't_v'::regclass")
    assert valid["indisvalid"]


async def test_a_concurrent_build_that_gave_up_names_its_invalid_index_and_is_not_retried(
    db: str, tmp_path: Path
) -> None:
    folder = await project(db, tmp_path, "CREATE INDEX CONCURRENTLY t_v ON t (v);\n")
    writer = await blocker(db, "INSERT INTO t VALUES (1000, 1)")
    events: list[ApplyEvent] = []
    try:
        with pytest.raises(MigrationFailed) as failure:
            await apply_pending(
                resolve(db), folder, lock_timeout="1s", progress=events.append, retries=LockRetries(3, 0.1)
            )
    finally:
        await writer.close()
    report = failure.value.report()
    assert [e for e in events if e.kind == "retry"] == []  # a second try would fail on the index's name
    assert "lock wait: tried 1 time; blocked by backend" in report
    assert (
        "left behind: the INVALID index public.t_v; clean it with: DROP INDEX CONCURRENTLY public.t_v;"
        in report
    )
    [index] = await fetch(db, "SELECT indisvalid FROM pg_index WHERE indexrelid = 't_v'::regclass")
    assert index["indisvalid"] is False  # reported, not dropped behind the user's back


async def test_cli_flags_set_the_retries_and_print_them(db: str, tmp_path: Path) -> None:
    folder = await project(db, tmp_path, "ALTER TABLE t ADD COLUMN x int;\n")
    held = await blocker(db, "SELECT count(*) FROM t")
    try:
        out = await asyncio.to_thread(
            subprocess.run,
            [
                DIBS,
                "migrate",
                db,
                "--migrations",
                str(folder),
                "--yes",
                "--lock-timeout",
                "1s",
                "--lock-retries",
                "1",
                "--lock-retry-wait",
                "0.2",
            ],
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
            timeout=120,
        )
    finally:
        await held.close()
    assert out.returncode == 1, out.stderr
    assert (
        "gave up waiting for a lock (lock_timeout; backend " in out.stdout
        and "retry 1/1 in 0.2 s" in out.stdout
    )
    assert "lock wait: tried 2 times; blocked by backend" in out.stderr and "Traceback" not in out.stderr
    bad = await asyncio.to_thread(
        subprocess.run,
        [DIBS, "migrate", db, "--lock-retries", "-1"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert bad.returncode == 2 and "'-1' is not a whole number from 0 to 100" in bad.stderr


async def test_a_statement_waiting_for_a_lock_says_who_it_waits_for_while_it_waits(
    db: str, tmp_path: Path
) -> None:
    """With a long lock_timeout the user is not left looking at a silent terminal: once the statement has
    waited a second, a progress line names the backend it waits for, once per set of blockers."""
    folder = await project(db, tmp_path, "ALTER TABLE t ADD COLUMN x int;\n")
    held = await blocker(db, "SELECT count(*) FROM t")
    pid = held.get_server_pid()
    events: list[ApplyEvent] = []
    try:
        with pytest.raises(MigrationFailed):
            await apply_pending(
                resolve(db), folder, lock_timeout="3s", progress=events.append, retries=LockRetries(0, 0.1)
            )
    finally:
        await held.close()
    waiting = [e.message for e in events if e.kind == "progress" and "waiting for a lock" in e.message]
    assert len(waiting) == 1, [e.message for e in events]
    assert (
        f"backend {pid} (app 'blocker'" in waiting[0] and "holding AccessShareLock on public.t" in waiting[0]
    )
