"""The embedded server: starts, is shared by reference count, stops with its last user, says why it fails."""

from __future__ import annotations

import asyncio
from pathlib import Path

import asyncpg
import pytest

from dibs_tui.core.embedded import EmbeddedServer
from dibs_tui.core.errors import EmbeddedServerError


def _version(dsn: str) -> int:
    async def go() -> int:
        conn = await asyncpg.connect(dsn)
        try:
            return int(await conn.fetchval("SHOW server_version_num"))
        finally:
            await conn.close()

    return asyncio.run(go())


def test_session_server_is_postgres_18(db: str) -> None:
    assert _version(db) // 10000 == 18


def test_second_user_joins_and_last_user_stops(tmp_path: Path) -> None:
    first = EmbeddedServer(tmp_path / "srv").start()
    second = EmbeddedServer(tmp_path / "srv").start()
    assert second.port == first.port
    second.stop()
    assert first.is_running(), "the server must outlive a user while another still holds it"
    first.stop()
    assert not first.is_running()


def test_stops_when_its_folder_was_closed_to_others_since_the_start(tmp_path: Path) -> None:
    """As root, pg_ctl runs as the server account, which must still reach the data to stop the server: a pytest
    session starting beside this one takes the other users' bits off /tmp/pytest-of-root (the demo's server then
    failed to stop: `could not access directory ... Permission denied`)."""
    server = EmbeddedServer(tmp_path / "srv").start()
    try:
        tmp_path.chmod(0o700)
        server.stop()
        assert not server.is_running()
    finally:
        tmp_path.chmod(0o755)
        if server.is_running():
            EmbeddedServer(tmp_path / "srv").destroy()


def test_keep_running_then_rejoin_reuses_data(tmp_path: Path) -> None:
    server = EmbeddedServer(tmp_path / "srv").start()
    asyncio.run(_create_table(server.dsn()))
    server.stop(keep_running=True)
    assert server.is_running()
    again = EmbeddedServer(tmp_path / "srv").start()
    assert asyncio.run(_has_table(again.dsn()))
    again.stop()
    assert not again.is_running()


async def _create_table(dsn: str) -> None:
    conn = await asyncpg.connect(dsn)
    await conn.execute("CREATE TABLE kept (id int)")
    await conn.close()


async def _has_table(dsn: str) -> bool:
    conn = await asyncpg.connect(dsn)
    try:
        return bool(await conn.fetchval("SELECT to_regclass('public.kept') IS NOT NULL"))
    finally:
        await conn.close()


def test_corrupt_data_dir_gives_clear_error(tmp_path: Path) -> None:
    root = tmp_path / "srv"
    (root / "data").mkdir(parents=True)
    (root / "data" / "PG_VERSION").write_text("not a version\n")
    with pytest.raises(EmbeddedServerError) as info:
        EmbeddedServer(root).start()
    assert "pg_ctl failed" in str(info.value)
