"""Other tools' histories, read-only, each with its own "current": real tables of each shape on real PG."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from dibs_tui.core.connect import connect, resolve
from dibs_tui.core.errors import DibsError
from dibs_tui.core.migrations.history import History, read_history
from dibs_tui.core.migrations.layouts import read_status
from dibs_tui.core.migrations.status import MigrationState
from dibs_tui.core.migrations.tool_histories import current_versions
from tests.cli_in_process import run_cli
from tests.pg import execute, fetch, run_sql

# Each tool's table as the tool creates it (DDL from their sources), with rows that test its notion of current.
ALEMBIC = """
CREATE TABLE alembic_version (version_num varchar(32) NOT NULL, CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num));
INSERT INTO alembic_version VALUES ('ae1027a6acf');
"""
FLYWAY_TABLE = """
CREATE TABLE flyway_schema_history (
    installed_rank integer NOT NULL PRIMARY KEY, version varchar(50), description varchar(200) NOT NULL,
    type varchar(20) NOT NULL, script varchar(1000) NOT NULL, checksum integer, installed_by varchar(100) NOT NULL,
    installed_on timestamp NOT NULL DEFAULT now(), execution_time integer NOT NULL, success boolean NOT NULL);
"""
FLYWAY = (
    FLYWAY_TABLE
    + """
INSERT INTO flyway_schema_history VALUES
  (1, '1', 'init', 'SQL', 'V1__init.sql', 123, 'me', now(), 5, true),
  (2, '2', 'more', 'SQL', 'V2__more.sql', 456, 'me', now(), 7, true),
  (3, '10', 'broken', 'SQL', 'V10__broken.sql', 789, 'me', now(), 1, false);
"""
)
GOOSE = """
CREATE TABLE goose_db_version (id serial PRIMARY KEY, version_id bigint NOT NULL, is_applied boolean NOT NULL,
    tstamp timestamp DEFAULT now());
INSERT INTO goose_db_version (version_id, is_applied) VALUES
  (0, true), (20240101000000, true), (20240102000000, true), (20240103000000, true), (20240103000000, false);
"""
SQLX = """
CREATE TABLE _sqlx_migrations (version bigint PRIMARY KEY, description text NOT NULL,
    installed_on timestamptz NOT NULL DEFAULT now(), success boolean NOT NULL, checksum bytea NOT NULL,
    execution_time bigint NOT NULL);
INSERT INTO _sqlx_migrations VALUES
  (20240101000000, 'init', now(), true, '\\x00', 3000000),
  (20240102000000, 'next', now(), true, '\\x01', 1000000),
  (20240103000000, 'failed', now(), false, '\\x02', 1000000);
"""
PRISMA = """
CREATE TABLE _prisma_migrations (id varchar(36) PRIMARY KEY, checksum varchar(64) NOT NULL,
    finished_at timestamptz, migration_name varchar(255) NOT NULL, logs text, rolled_back_at timestamptz,
    started_at timestamptz NOT NULL DEFAULT now(), applied_steps_count integer NOT NULL DEFAULT 0);
INSERT INTO _prisma_migrations (id, checksum, finished_at, migration_name, rolled_back_at, started_at) VALUES
  ('a', 'x', now(), '20240101000000_init', NULL, now() - interval '3 min'),
  ('b', 'y', now(), '20240102000000_next', NULL, now() - interval '2 min'),
  ('c', 'z', now(), '20240103000000_undone', now(), now() - interval '1 min'),
  ('d', 'w', NULL, '20240104000000_running', NULL, now());
"""
RAILS = """
CREATE TABLE schema_migrations (version character varying NOT NULL PRIMARY KEY);
CREATE TABLE ar_internal_metadata (key character varying NOT NULL PRIMARY KEY, value character varying,
    created_at timestamp(6) NOT NULL, updated_at timestamp(6) NOT NULL);
INSERT INTO schema_migrations VALUES ('20240101000000'), ('20240215000000'), ('20240102000000');
"""
DBMATE = """
CREATE TABLE schema_migrations (version varchar(128) PRIMARY KEY);
INSERT INTO schema_migrations VALUES ('20240101000000'), ('20240301000000');
"""
GOLANG = """
CREATE TABLE schema_migrations (version bigint NOT NULL PRIMARY KEY, dirty boolean NOT NULL);
INSERT INTO schema_migrations VALUES (7, false);
"""


async def history_of(dsn: str, ddl: str) -> History:
    await execute(dsn, ddl)
    conn = await connect(resolve(dsn))
    try:
        return await read_history(conn)
    finally:
        await conn.close()


async def test_alembic_current_is_the_head(db: str) -> None:
    history = await history_of(db, ALEMBIC)
    assert [t.tool for t in history.tables] == ["alembic"]
    assert current_versions(history) == {"alembic_version": "ae1027a6acf"}


async def test_flyway_current_is_highest_successful_version(db: str) -> None:
    history = await history_of(db, FLYWAY)
    assert current_versions(history) == {"flyway_schema_history": "2"}
    assert history.dirty == ("10",)
    assert [m.execution_time_ms for m in history.applied] == [5, 7, 1]


async def test_goose_current_is_highest_applied_version(db: str) -> None:
    history = await history_of(db, GOOSE)
    assert [t.tool for t in history.tables] == ["goose"]
    # 20240103000000 was applied then rolled back (its latest row says is_applied = false); 0 is goose's seed.
    assert [m.name for m in history.applied] == ["20240101000000", "20240102000000"]
    assert current_versions(history) == {"goose_db_version": "20240102000000"}


async def test_sqlx_current_is_highest_success_row(db: str) -> None:
    history = await history_of(db, SQLX)
    assert current_versions(history) == {"_sqlx_migrations": "20240102000000"}
    assert history.dirty == ("20240103000000",)
    assert history.applied[0].execution_time_ms == 3 and history.applied[0].checksum == "00"


async def test_prisma_current_is_last_finished_not_rolled_back(db: str) -> None:
    history = await history_of(db, PRISMA)
    assert [m.name for m in history.applied] == ["20240101000000_init", "20240102000000_next"]
    assert current_versions(history) == {"_prisma_migrations": "20240102000000_next"}
    assert history.dirty == ("20240104000000_running",)


async def test_rails_schema_migrations_with_ar_internal_metadata(db: str) -> None:
    rails = await history_of(db, RAILS)
    assert [t.tool for t in rails.tables] == ["rails"]
    assert current_versions(rails) == {"schema_migrations": "20240215000000"}


async def test_dbmate_told_from_rails_by_its_varchar_128_version(db: str) -> None:
    dbmate = await history_of(db, DBMATE)
    assert [t.tool for t in dbmate.tables] == ["dbmate"]
    assert current_versions(dbmate) == {"schema_migrations": "20240301000000"}
    assert {m.source for m in dbmate.applied} == {"dbmate"}


async def test_golang_migrate_single_version(db: str, tmp_path: Path) -> None:
    history = await history_of(db, GOLANG)
    assert current_versions(history) == {"schema_migrations": "7"}
    for name in ("000006_a.up.sql", "000007_b.up.sql", "000008_c.up.sql"):
        (tmp_path / name).write_text("SELECT 1;\n")
    statuses, _ = await read_status(resolve(db), tmp_path)
    assert [(s.name, s.state) for s in statuses] == [
        ("000006_a", MigrationState.APPLIED),
        ("000007_b", MigrationState.APPLIED),
        ("000008_c", MigrationState.PENDING),
    ]


async def test_histories_are_never_written(db: str, tmp_path: Path) -> None:
    from dibs_tui.core.migrations.apply import apply_pending
    from tests.pg import fetch

    await execute(db, ALEMBIC + GOOSE)
    (tmp_path / "20240201000000_x.sql").write_text("CREATE TABLE x (id int);\n")
    await apply_pending(resolve(db), tmp_path)
    assert [r[0] for r in await fetch(db, "SELECT version_num FROM alembic_version")] == ["ae1027a6acf"]
    assert (await fetch(db, "SELECT count(*) FROM goose_db_version"))[0][0] == 5


async def test_a_table_of_a_history_name_but_another_shape_is_a_clear_error(db: str) -> None:
    with pytest.raises(DibsError, match=r"cannot read public\.flyway_schema_history as Flyway.s history"):
        await history_of(db, "CREATE TABLE flyway_schema_history (id int)")


def test_status_shows_each_tools_current(db: str, tmp_path: Path) -> None:
    asyncio.run(execute(db, ALEMBIC))
    result = run_cli("status", db, "--migrations", str(tmp_path))
    assert "history tables: alembic_version (alembic, current ae1027a6acf)" in result.stdout, result.stderr


async def test_flyway_versions_are_matched_whole_not_by_their_leading_number(db: str, tmp_path: Path) -> None:
    """Flyway records `1.1` for V1.1__x: the file V1__x (version 1) is not that row, and stays pending. Matched by
    the leading number, status called V1 applied and migrate skipped it for good."""
    await execute(
        db,
        FLYWAY_TABLE
        + """
INSERT INTO flyway_schema_history VALUES
  (1, '1.1', 'b', 'SQL', 'V1.1__b.sql', 1, 'me', now(), 5, true),
  (2, '2.0', 'c', 'SQL', 'V2__c.sql', 2, 'me', now(), 5, true);
""",
    )
    for name in ("V1__a.sql", "V1_1__b.sql", "V2__c.sql", "V3__d.sql"):
        (tmp_path / name).write_text("SELECT 1;\n")
    statuses, _ = await read_status(resolve(db), tmp_path)
    assert [(s.name, s.state) for s in statuses] == [
        ("V1_1__b", MigrationState.APPLIED),
        ("V1__a", MigrationState.PENDING),
        ("V2__c", MigrationState.APPLIED),
        ("V3__d", MigrationState.PENDING),
    ]


def test_a_dibs_history_without_a_checksum_column_is_said_with_the_column_to_add(
    db: str, tmp_path: Path
) -> None:
    """Without checksums an applied file edited since, or renamed, cannot be told: status and migrate said
    nothing (an edit went unnoticed, a renamed file would run again). They say so, naming the column and the
    ALTER TABLE that adds it; once it is added, migrate records the checksum."""
    run_sql(
        db, "CREATE TABLE __dibs_migrations (name text PRIMARY KEY, applied_at timestamptz DEFAULT now());"
    )
    folder = tmp_path / "migrations"
    folder.mkdir()
    (folder / "20260101000000_a.sql").write_text("CREATE TABLE a (id int);\n")

    def dibs(*args: str) -> str:
        done = run_cli(*args, db, "--migrations", str(folder))
        assert done.returncode in (0, 1), done.stdout + done.stderr
        return done.stdout + done.stderr

    add = "ALTER TABLE public.__dibs_migrations ADD COLUMN checksum text;"
    status = dibs("status")
    assert "note: public.__dibs_migrations has no checksum column" in status and add in status, status
    applied = dibs("migrate", "--yes", "--no-prove")
    assert "warning: public.__dibs_migrations has no checksum column" in applied and add in applied, applied
    run_sql(db, add)
    (folder / "20260102000000_b.sql").write_text("CREATE TABLE b (id int);\n")
    assert "no checksum column" not in dibs("migrate", "--yes", "--no-prove")
    rows = asyncio.run(fetch(db, "SELECT name, checksum IS NOT NULL FROM __dibs_migrations ORDER BY name"))
    assert [tuple(r) for r in rows] == [("20260101000000_a", False), ("20260102000000_b", True)]
