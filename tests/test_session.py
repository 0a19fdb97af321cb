"""Bounded catalog sessions against the real server: what they are told at start-up, and the one line a
user gets when a read hits a bound or the server goes away."""

from __future__ import annotations

import argparse
import asyncio
import contextvars
import time
from pathlib import Path

import asyncpg
import pytest

from dibs_tui.cli import main
from dibs_tui.core.connect import connect, resolve
from dibs_tui.core.session import catalog_settings
from dibs_tui.core.session_limits import SessionLimits, use_limits
from tests.pg import run_sql

USERS = "CREATE TABLE public.users (id int PRIMARY KEY, email text CHECK (email <> ''));"


async def _settings_seen(dsn: str) -> dict[str, str]:
    conn = await connect(resolve(dsn), extra_settings=catalog_settings(SessionLimits("250ms", "7s")))
    try:
        rows = await conn.fetch(
            "SELECT name, setting FROM pg_catalog.pg_settings WHERE name IN "
            "('search_path', 'row_security', 'lock_timeout', 'statement_timeout', 'default_transaction_read_only',"
            " 'max_parallel_workers_per_gather', 'jit', 'plan_cache_mode')"
        )
        return {r["name"]: r["setting"] for r in rows}
    finally:
        await conn.close()


def test_a_catalog_session_is_pinned_and_bounded(db: str) -> None:
    assert asyncio.run(_settings_seen(db)) == {
        "search_path": "pg_catalog",
        "row_security": "off",
        "lock_timeout": "250",
        "statement_timeout": "7000",
        "default_transaction_read_only": "on",
        "max_parallel_workers_per_gather": "0",  # see core/session.py: workers re-fill the catalog caches
        "jit": "off",
        "plan_cache_mode": "force_custom_plan",  # a portion's plan sees its OID range (core/session.py)
    }


async def _blocked(
    db: str, args: list[str], *, terminate_after: float | None = None, before: tuple[str, ...] = ()
) -> tuple[int, float]:
    """Run `schema` while another session holds ACCESS EXCLUSIVE on users; optionally end our backends."""
    holder = await asyncpg.connect(db, server_settings={"application_name": "holder-app"})
    try:
        await holder.execute("BEGIN; LOCK TABLE public.users IN ACCESS EXCLUSIVE MODE")
        started = time.perf_counter()
        running = asyncio.ensure_future(asyncio.to_thread(main, [*before, "schema", db, *args]))
        if terminate_after is not None:
            killer = await asyncpg.connect(db)
            try:
                for _ in range(200):  # until our read waits for the lock (10 s at most)
                    if await killer.fetchval(
                        "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'dibs-tui' "
                        "AND wait_event_type = 'Lock'"
                    ):
                        break
                    await asyncio.sleep(0.05)
                await asyncio.sleep(terminate_after)
                await killer.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'dibs-tui'"
                )
            finally:
                await killer.close()
        code = await running
        return code, time.perf_counter() - started
    finally:
        await holder.close()


def test_statement_timeout_stops_a_read_with_one_line(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    run_sql(db, USERS)
    code, took = asyncio.run(_blocked(db, ["--lock-timeout", "30s", "--statement-timeout", "1s"]))
    err = capsys.readouterr().err
    assert code == 1 and took < 3, (code, took)
    assert "catalog read took longer than statement_timeout 1s" in err
    assert "Traceback" not in err and "internal error" not in err


def test_server_going_away_mid_read_is_one_line(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    run_sql(db, USERS)
    code, took = asyncio.run(_blocked(db, ["--lock-timeout", "30s"], terminate_after=0.2))
    err = capsys.readouterr().err
    assert code == 1 and took < 10, (code, took)
    assert "catalog read: the connection to the server was lost" in err
    assert "Traceback" not in err and "internal error" not in err


@pytest.mark.parametrize("flag", ["--lock-timeout", "--statement-timeout"])
def test_a_bad_duration_is_a_usage_error_before_connecting(
    flag: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Each flag checked by argparse (d8f8cd5): a usage error naming the flag, exit 2, nothing connected."""
    with pytest.raises(SystemExit) as exited:
        main(["schema", "postgresql://nobody@127.0.0.1:1/none", flag, "5 parsecs"])
    err = capsys.readouterr().err
    assert exited.value.code == 2
    assert f"argument {flag}: '5 parsecs' is not a duration such as 5s, 500ms or 1min" in err
    assert "cannot connect" not in err and "Traceback" not in err


def test_status_says_which_history_table_it_ignored(
    db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run_sql(db, "CREATE VIEW public.alembic_version AS SELECT 'abc'::varchar AS version_num")
    code = main(["status", db, "--migrations", str(tmp_path)])
    out = capsys.readouterr().out
    assert code == 0
    assert "history tables: none" in out
    assert "note: public.alembic_version is a view, not a table: ignored" in out


def test_meta_schema_and_timeouts_come_from_the_config_file(
    db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from dibs_tui.core.meta import meta_tables_ddl

    run_sql(
        db,
        USERS + "CREATE SCHEMA dibs;" + meta_tables_ddl("dibs") + "INSERT INTO dibs.__dibs_tables "
        "(table_name, source_file, source_line) VALUES ('users', 'kept.rs', 2);"
        "CREATE TABLE public.__dibs_tables (table_name text, source_file text, source_line int);"
        "INSERT INTO public.__dibs_tables VALUES ('users', 'other.rs', 1);",
    )
    (tmp_path / "dibs-tui.toml").write_text(
        'meta_schema = "dibs"\nlock_timeout = "2s"\nstatement_timeout = "9s"\n'
    )
    code = main(["--project-root", str(tmp_path), "schema", db])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "source: kept.rs:2" in out and "other.rs" not in out
    assert "public.__dibs_tables is outside the meta schema 'dibs': ignored" in out
    # The user's statement_timeout bounds a read's whole wait for a lock (core/lock_wait.py).
    (tmp_path / "dibs-tui.toml").write_text('statement_timeout = "2s"\n')
    code, took = asyncio.run(_blocked(db, [], before=("--project-root", str(tmp_path))))
    assert code == 1 and took < 5
    assert "catalog read gave up on a lock after statement_timeout 2 s" in capsys.readouterr().err
    (tmp_path / "dibs-tui.toml").write_text('statement_timeout = "soon"\n')
    assert main(["--project-root", str(tmp_path), "schema", db]) == 1
    assert "invalid statement_timeout 'soon'" in capsys.readouterr().err


async def _timeouts_of_our_sessions(dsn: str) -> tuple[list[str], int]:
    """What each of the full read's sessions says its statement_timeout is (in ms), and pg_class's size."""
    from dibs_tui.core.introspect.live import catalog_sessions

    async with catalog_sessions(resolve(dsn)) as conns:
        seen = [
            await c.fetchval("SELECT setting FROM pg_settings WHERE name = 'statement_timeout'")
            for c in conns
        ]
        size = await conns[0].fetchval("SELECT pg_relation_size('pg_catalog.pg_class')")
    return seen, size


def test_the_default_statement_timeout_grows_with_the_catalog(
    db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import math

    from dibs_tui.core import session

    def seen_with_the_defaults() -> tuple[list[str], int]:
        def command() -> tuple[list[str], int]:
            use_limits(SessionLimits())  # no statement_timeout in file or flags
            return asyncio.run(_timeouts_of_our_sessions(db))

        return contextvars.copy_context().run(command)

    # A small catalog gets the floor; at 1,000 s per MB its pg_class (about 0.5 MB) calls for minutes.
    seen, size = seen_with_the_defaults()
    assert seen == ["60000", "60000"] and size < 20 * 1048576
    monkeypatch.setattr(session, "SCALED_TIMEOUT_PER_MB", 1000.0)
    seen, size = seen_with_the_defaults()
    expected = str(math.ceil(1000.0 * size / 1048576) * 1000)
    assert int(expected) > 60000 and seen == [expected, expected], (seen, size)


def test_an_explicit_statement_timeout_wins_over_the_scaled_one(
    db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dibs_tui.cli import settings_for
    from dibs_tui.core import session

    monkeypatch.setattr(session, "SCALED_TIMEOUT_PER_MB", 1000.0)
    (tmp_path / "dibs-tui.toml").write_text('statement_timeout = "9s"\n')

    def seen_by_a_command(**flags: str) -> list[str]:
        def command() -> list[str]:
            settings_for(argparse.Namespace(project_root=tmp_path, **flags))  # sets the command's limits
            return asyncio.run(_timeouts_of_our_sessions(db))[0]

        return contextvars.copy_context().run(command)  # the limits stay this command's

    assert seen_by_a_command() == ["9000", "9000"]
    assert seen_by_a_command(statement_timeout="2min") == ["120000", "120000"]  # the flag beats the file
