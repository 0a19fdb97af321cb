"""Other tools' tables are not the schema: never proposed for drop or change by diff, check or generate."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from dibs_tui.core.connect import resolve
from dibs_tui.core.diff import diff_database
from dibs_tui.core.tool_tables import why_left_out
from tests.cli_in_process import run_cli as dibs
from tests.pg import REAL, execute, fetch
from tests.realschemas import load_real

DELTA = REAL / "delta"


def _generated_proved_checked(db: str, tmp_path: Path, desired: Path, name: str) -> tuple[str, str]:
    """`generate NAME`, `migrate` (its proof against `desired`) and `check`, each asserted to succeed: the
    migration written and check's output."""
    folder = tmp_path / "migrations"
    made = dibs("generate", name, db, "--desired", str(desired), "--migrations", str(folder))
    assert made.returncode == 0, made.stdout + made.stderr
    written = next(folder.glob("*.sql")).read_text()
    applied = dibs("migrate", db, "--migrations", str(folder), "--yes", "--desired", str(desired))
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert f"proved: the result matches {desired}" in applied.stdout
    checked = dibs("check", db, "--desired", str(desired))
    assert checked.returncode == 0, checked.stdout + checked.stderr
    return written, checked.stdout


def test_tool_and_meta_tables_are_recognised_by_name() -> None:
    assert why_left_out("public", "alembic_version") == "Alembic history"
    assert why_left_out("app", "goose_db_version") == "goose history"
    assert why_left_out("public", "__dibs_tables") == "dibs-tui meta table"
    assert why_left_out("public", "users") is None
    assert why_left_out("public", "audit_2024", ["public.audit_*"]) == "excluded by public.audit_*"
    assert why_left_out("other", "audit_2024", ["public.audit_*"]) is None
    assert why_left_out("other", "audit_2024", ["audit_*"]) == "excluded by audit_*"


async def test_history_tables_on_one_side_only_are_not_dropped(db: str, tmp_path: Path) -> None:
    await execute(
        db,
        "CREATE TABLE users (id int PRIMARY KEY);"
        "CREATE TABLE alembic_version (version_num varchar(32) PRIMARY KEY);"
        "CREATE TABLE goose_db_version (id serial PRIMARY KEY, version_id bigint NOT NULL, "
        "is_applied boolean NOT NULL, tstamp timestamp DEFAULT now());"
        "CREATE TABLE schema_migrations (version character varying PRIMARY KEY);"
        "CREATE TABLE ar_internal_metadata (key character varying PRIMARY KEY, value character varying);"
        "CREATE TABLE flyway_schema_history (installed_rank int PRIMARY KEY);"
        "CREATE TABLE _sqlx_migrations (version bigint PRIMARY KEY);"
        "CREATE TABLE _prisma_migrations (id varchar(36) PRIMARY KEY);",
    )
    desired = tmp_path / "schema.sql"
    desired.write_text("CREATE TABLE users (id int PRIMARY KEY);\n")
    result = await diff_database(resolve(db), [str(desired)])
    assert result.in_sync, result.sql()
    assert [f"{x.schema}.{x.name}" for x in result.left_out] == [
        "public._prisma_migrations",
        "public._sqlx_migrations",
        "public.alembic_version",
        "public.ar_internal_metadata",
        "public.flyway_schema_history",
        "public.goose_db_version",
        "public.schema_migrations",
    ]


def test_a_schema_holding_a_tool_s_history_is_kept_when_the_rest_of_it_goes(db: str, tmp_path: Path) -> None:
    """Supabase's auth schema holds GoTrue's schema_migrations: a desired schema without auth planned
    DROP SCHEMA auth, which failed on the history table left in it, and migrate rolled the whole migration
    back (found planning Supabase's schema into others through generate and migrate). The schema's other
    tables go; the schema stays with the tool's table and its rows, the proof passes and check is in sync. A
    sequence such a table owns (a serial) goes with it everywhere: the diff, and the fingerprint (its lines
    carry its owner; PostgreSQL keeps it in its table's schema), so the schema's own lines are left out too."""
    asyncio.run(
        execute(
            db,
            "CREATE SCHEMA gotrue; COMMENT ON SCHEMA gotrue IS 'auth';"
            "CREATE TABLE gotrue.schema_migrations (version text PRIMARY KEY);"
            "INSERT INTO gotrue.schema_migrations VALUES ('20240101');"
            "CREATE TABLE gotrue.goose_db_version (id serial PRIMARY KEY, version_id bigint NOT NULL);"
            "CREATE TABLE gotrue.users (id int PRIMARY KEY);"
            "CREATE TABLE public.t (id int PRIMARY KEY);",
        )
    )
    desired = tmp_path / "schema.sql"
    desired.write_text("CREATE TABLE public.t (id int PRIMARY KEY, name text);\n")
    written, checked = _generated_proved_checked(db, tmp_path, desired, "drop-users")
    assert "DROP TABLE gotrue.users;" in written and "DROP SCHEMA" not in written
    assert "left out: gotrue.schema_migrations" in checked
    rows = asyncio.run(fetch(db, "SELECT version FROM gotrue.schema_migrations"))
    assert [r["version"] for r in rows] == ["20240101"]


def test_a_schema_the_desired_side_holds_for_a_tool_alone_is_made_and_proved(db: str, tmp_path: Path) -> None:
    """The other way: the desired schema has a schema that holds a tool's history alone, the live one has none.
    The plan makes the schema (the tool will write there); its fingerprint left the desired side's schema out as
    the tool's while the live one, empty, counted, so the proof refused the migration that made it."""
    asyncio.run(execute(db, "CREATE TABLE public.t (id int PRIMARY KEY);"))
    desired = tmp_path / "schema.sql"
    desired.write_text(
        "CREATE SCHEMA gotrue;\n"
        "CREATE TABLE gotrue.schema_migrations (version text PRIMARY KEY);\n"
        "CREATE TABLE public.t (id int PRIMARY KEY, name text);\n"
    )
    written, _ = _generated_proved_checked(db, tmp_path, desired, "tool-schema")
    assert "CREATE SCHEMA gotrue;" in written


@pytest.mark.parametrize("live_has_it", [True, False])
def test_a_sequence_a_tool_s_table_takes_its_values_from_is_kept(
    db: str, tmp_path: Path, live_has_it: bool
) -> None:
    """A tool's table whose default reads a sequence it does not own (`nextval('ver_seq')`, no OWNED BY), which
    the desired schema lacks: the plan dropped the sequence and the apply failed on the left-out table's default
    ("cannot drop sequence ... because other objects depend on it"). The sequence is the tool's as its table is:
    left out of both sides, said kept for the table, the proof passes and check is in sync. The other way (the
    desired side has the tool's table and sequence, the live one neither) makes neither: the tool makes them."""
    tool = (
        "CREATE SEQUENCE public.ver_seq;"  # goose's own, made by hand or restored without its OWNED BY
        "CREATE TABLE public.goose_db_version (id int DEFAULT nextval('public.ver_seq') PRIMARY KEY,"
        " version_id bigint NOT NULL, is_applied boolean NOT NULL, tstamp timestamp DEFAULT now());"
    )
    asyncio.run(execute(db, "CREATE TABLE public.t (id int PRIMARY KEY);" + (tool if live_has_it else "")))
    desired = tmp_path / "schema.sql"
    desired.write_text(
        ("" if live_has_it else tool) + "CREATE TABLE public.t (id int PRIMARY KEY, name text);\n"
    )
    written, checked = _generated_proved_checked(db, tmp_path, desired, "add-name")
    assert "SEQUENCE" not in written and "goose_db_version" not in written, written
    assert "public.ver_seq (kept for public.goose_db_version)" in checked, checked


async def test_exclude_patterns_leave_tables_out_of_both_sides(db: str, tmp_path: Path) -> None:
    await execute(db, "CREATE TABLE users (id int); CREATE TABLE audit_2024 (id int, at timestamptz);")
    desired = tmp_path / "schema.sql"
    desired.write_text("CREATE TABLE users (id int);\nCREATE TABLE audit_2025 (id int);\n")
    result = await diff_database(resolve(db), [str(desired)], exclude_tables=["public.audit_*"])
    assert result.in_sync, result.sql()
    assert {x.name: x.why for x in result.left_out} == {
        "audit_2024": "excluded by public.audit_*",
        "audit_2025": "excluded by public.audit_*",
    }
    plain = await diff_database(resolve(db), [str(desired)])
    assert "DROP TABLE public.audit_2024" in plain.sql()


def test_exclude_from_the_config_file_and_json_output(db: str, tmp_path: Path) -> None:
    import asyncio

    asyncio.run(execute(db, "CREATE TABLE users (id int); CREATE TABLE audit_x (id int);"))
    (tmp_path / "schema.sql").write_text("CREATE TABLE users (id int);\n")
    (tmp_path / "dibs-tui.toml").write_text('schema = "schema.sql"\nexclude = ["public.audit_*"]\n')
    result = dibs("diff", db, "--format", "json", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    data = json.loads(result.stdout)
    assert data["in_sync"] is True
    assert data["left_out"] == [{"schema": "public", "name": "audit_x", "why": "excluded by public.audit_*"}]


def test_delta_alembic_database_checks_in_sync_against_the_offline_sql(db: str) -> None:
    load_real(db, "delta")
    check = dibs("check", db, "--desired", str(DELTA / "alembic_upgrade_head.offline.sql"))
    assert check.returncode == 0, check.stdout + check.stderr
    assert "left out: public.alembic_version (Alembic history)" in check.stdout
    assert "in sync" in check.stdout
    diff = dibs("diff", db, "--desired", str(DELTA / "alembic_upgrade_head.offline.sql"))
    assert diff.returncode == 0, diff.stdout
    assert "DROP TABLE" not in diff.stdout
    assert "left out: public.alembic_version (Alembic history)" in diff.stdout


def test_delta_status_shows_the_alembic_head(db: str, tmp_path: Path) -> None:
    load_real(db, "delta")
    head = (DELTA / "alembic_upgrade_head.offline.sql").read_text().rsplit("SET version_num='", 1)[1]
    head = head.split("'", 1)[0]
    import asyncio

    # The dump is schema-only: the row alembic keeps is put back as `alembic upgrade head` leaves it.
    asyncio.run(execute(db, f"INSERT INTO alembic_version VALUES ('{head}')"))
    result = dibs("status", db, "--migrations", str(tmp_path))
    assert f"alembic_version (alembic, current {head})" in result.stdout, result.stdout + result.stderr


async def test_delta_offline_sql_is_replayed_as_a_migration_sequence(db: str) -> None:
    load_real(db, "delta")
    result = await diff_database(resolve(db), [str(DELTA / "alembic_upgrade_head.offline.sql")])
    assert result.in_sync, result.sql()
    assert result.desired.relation("public", "alembic_version") is None  # left out of both sides
    assert result.desired_sources is None  # replayed, not loaded as schema files


def test_deparsed_in_list_spellings_compare_equal() -> None:
    from dibs_tui.core.deparse_forms import canonical_text

    stored = (
        "CHECK (((kind)::text = ANY ((ARRAY['a'::character varying, 'it''s'::character varying])::text[])))"
    )
    reloaded = "CHECK (((kind)::text = ANY (ARRAY[('a'::character varying)::text, ('it''s'::character varying)::text])))"
    assert canonical_text(reloaded) == stored
    assert canonical_text(stored) == stored
    mixed = "ARRAY[('a'::character varying)::text, ('b'::character varying)::name]"
    assert canonical_text(mixed) == mixed  # different targets: not the same expression, left alone


async def test_diff_pane_says_what_it_left_out(db: str, tmp_path: Path) -> None:
    from textual.widgets import Static

    from dibs_tui.config import Settings
    from dibs_tui.ui.app import DibsApp
    from dibs_tui.ui.diff_pane import DiffPane
    from tests.test_diff_pane import SIZE, text_of, wait_for

    await execute(
        db,
        "CREATE TABLE users (id int PRIMARY KEY); CREATE TABLE alembic_version (version_num varchar(32) PRIMARY KEY);"
        "CREATE TABLE audit_x (id int);",
    )
    desired = tmp_path / "schema.sql"
    desired.write_text("CREATE TABLE users (id int PRIMARY KEY);\n")
    settings = Settings(project_root=tmp_path, exclude_tables=("public.audit_*",))
    app = DibsApp(resolve(db), settings, desired=[str(desired)], header_label="t")
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.catalog is not None)
        await pilot.press("d")
        await wait_for(pilot, lambda: app.query(DiffPane))
        pane = app.query_one(DiffPane)
        await wait_for(pilot, lambda: pane.result is not None, limit=60)
        status = text_of(pane.query_one("#diff-status", Static))
        assert status.startswith("In sync"), status
        assert "left out: public.alembic_version (Alembic history)" in status
        assert "public.audit_x (excluded by public.audit_*)" in status


async def test_generate_never_drops_tool_or_excluded_tables(db: str, tmp_path: Path) -> None:

    from dibs_tui.core.errors import DibsError
    from dibs_tui.core.generate import generate_migration

    await execute(
        db,
        "CREATE TABLE users (id int); CREATE TABLE alembic_version (version_num varchar(32) PRIMARY KEY);"
        "CREATE TABLE audit_x (id int);",
    )
    desired = tmp_path / "schema.sql"
    desired.write_text("CREATE TABLE users (id int, email text);\n")
    generated = await generate_migration(
        resolve(db),
        [str(desired)],
        project_root=tmp_path,
        source_paths=[desired],
        exclude_tables=["public.audit_*"],
    )
    assert "ADD COLUMN email" in generated.sql
    assert "alembic_version" not in generated.sql and "audit_x" not in generated.sql
    desired.write_text("CREATE TABLE users (id int);\n")
    with pytest.raises(DibsError, match="nothing to generate"):
        await generate_migration(
            resolve(db),
            [str(desired)],
            project_root=tmp_path,
            source_paths=[desired],
            exclude_tables=["audit_*"],
        )


async def test_delta_migrations_pane_shows_the_alembic_head(db: str, tmp_path: Path) -> None:
    import asyncio

    from textual.widgets import Static

    from dibs_tui.config import Settings
    from dibs_tui.ui.app import DibsApp
    from dibs_tui.ui.migrations_pane import MigrationsPane
    from tests.test_migrations_pane import SIZE, text_of, wait_for

    await asyncio.to_thread(load_real, db, "delta")
    head = (DELTA / "alembic_upgrade_head.offline.sql").read_text().rsplit("SET version_num='", 1)[1]
    head = head.split("'", 1)[0]
    await execute(db, f"INSERT INTO alembic_version VALUES ('{head}')")
    folder = tmp_path / "migrations"
    folder.mkdir()
    app = DibsApp(resolve(db), Settings(project_root=tmp_path, migrations_dir=folder), header_label="t")
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.catalog is not None)
        await pilot.press("m")
        await wait_for(pilot, lambda: app.query(MigrationsPane))
        pane = app.query_one(MigrationsPane)
        status = pane.query_one("#migrations-status", Static)
        await wait_for(pilot, lambda: pane.loaded and "(history:" in text_of(status))  # the read shown
        assert f"alembic_version (alembic, current {head})" in text_of(status), text_of(status)


@pytest.mark.parametrize(
    "desired_t",
    ["CREATE TABLE public.t (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY);\n", ""],
    ids=["t-takes-an-identity", "t-dropped"],
)
def test_a_sequence_a_tool_s_table_shares_with_an_app_table_is_never_dropped(
    db: str, tmp_path: Path, desired_t: str
) -> None:
    """A sequence both a tool's table and an app table read (no OWNED BY): the desired side lacks it (the app
    table takes an identity, or goes), and the plan dropped it as ours, which failed on the tool's default
    ("cannot drop sequence ids because other objects depend on it"). The tool's table needs it: it is kept,
    said kept for that table, and the rest is planned, applied, proved and in sync."""
    asyncio.run(
        execute(
            db,
            "CREATE SEQUENCE public.ids;"
            "CREATE TABLE public.schema_migrations (version bigint DEFAULT nextval('public.ids') PRIMARY KEY);"
            "CREATE TABLE public.t (id bigint DEFAULT nextval('public.ids') PRIMARY KEY);"
            "CREATE TABLE public.u (id int PRIMARY KEY);",
        )
    )
    desired = tmp_path / "schema.sql"
    desired.write_text(desired_t + "CREATE TABLE public.u (id int PRIMARY KEY, name text);\n")
    written, checked = _generated_proved_checked(db, tmp_path, desired, "shared")
    assert "DROP SEQUENCE" not in written and "ADD COLUMN name" in written, written
    assert "public.ids (kept for public.schema_migrations)" in checked, checked
    assert asyncio.run(fetch(db, "SELECT nextval('public.ids') AS n"))[0]["n"] >= 1


@pytest.mark.parametrize(
    "desired_t",
    [
        "",
        "CREATE TABLE public.t (id int PRIMARY KEY);\n",
        "CREATE TABLE public.t (id int PRIMARY KEY, n int NOT NULL);\n",
    ],
    ids=["t-dropped", "column-dropped", "default-dropped"],
)
def test_a_serial_s_sequence_a_tool_s_table_reads_too_is_let_go_not_dropped(
    db: str, tmp_path: Path, desired_t: str
) -> None:
    """A serial's sequence (OWNED BY t.n) that a tool's table's default reads too: DROP TABLE t or DROP COLUMN
    n takes an owned sequence along, and failed on the tool's default ('cannot drop table t because other
    objects depend on it'). The plan says OWNED BY NONE first and keeps it for the tool's table, says so, and
    the rest is applied, proved and in sync."""
    asyncio.run(
        execute(
            db,
            "CREATE TABLE public.t (id int PRIMARY KEY, n serial);"
            "CREATE TABLE public.schema_migrations (version bigint DEFAULT nextval('public.t_n_seq') PRIMARY KEY);"
            "CREATE TABLE public.u (id int PRIMARY KEY);",
        )
    )
    desired = tmp_path / "schema.sql"
    desired.write_text(desired_t + "CREATE TABLE public.u (id int PRIMARY KEY, name text);\n")
    written, checked = _generated_proved_checked(db, tmp_path, desired, "shared")
    assert "ALTER SEQUENCE public.t_n_seq OWNED BY NONE;" in written and "DROP SEQUENCE" not in written, (
        written
    )
    assert "public.t_n_seq (kept for public.schema_migrations)" in checked, checked


def test_a_shared_sequence_the_desired_side_keeps_is_compared_as_ours(db: str, tmp_path: Path) -> None:
    """Where the desired side has the sequence a tool's table and an app table share, it is ours: its new
    INCREMENT is planned (the tool's table reads it as well), proved and in sync; nothing is said kept."""
    shared = "CREATE SEQUENCE public.ids{};CREATE TABLE public.t (id bigint DEFAULT nextval('public.ids') PRIMARY KEY);"
    asyncio.run(
        execute(
            db,
            shared.format("")
            + "CREATE TABLE public.schema_migrations (version bigint DEFAULT nextval('public.ids') PRIMARY KEY);",
        )
    )
    desired = tmp_path / "schema.sql"
    desired.write_text(shared.format(" INCREMENT 5") + "\n")
    written, checked = _generated_proved_checked(db, tmp_path, desired, "step")
    assert "ALTER SEQUENCE public.ids AS bigint INCREMENT BY 5 " in written, written
    assert "kept for" not in checked, checked
