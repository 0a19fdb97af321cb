"""`dibs-tui history` against real databases: the demo (its migrations create and modify tables), meta rows
written by hand (created, modified, dropped, bare and qualified names, a column changed twice: the last wins),
the real dibs's `_dibs_migrations` alone (the fallback is said), and a database without meta tables."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from dibs_tui.cli import main
from dibs_tui.core.connect import resolve
from dibs_tui.core.embedded import EmbeddedServer
from dibs_tui.core.explore.history import NO_META, NO_TABLE_CHANGES
from dibs_tui.core.meta import meta_tables_ddl
from dibs_tui.core.migrations.apply import apply_pending
from dibs_tui.core.migrations.apply_outcome import MigrationFailed
from dibs_tui.demo.build import build_demo
from tests.pg import run_sql


@pytest.fixture(scope="module")
def demo(pg_server: EmbeddedServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    info = build_demo(
        pg_server.dsn("postgres"), "history_demo", project_dir=tmp_path_factory.mktemp("demo") / "p"
    )
    yield info.dsn
    run_sql(pg_server.dsn("postgres"), "DROP DATABASE IF EXISTS history_demo WITH (FORCE)")


HAND_BUILT = """
CREATE SCHEMA app;
CREATE TABLE users (id int PRIMARY KEY, email text, name text);
CREATE TABLE app.orders (id int PRIMARY KEY, user_id int);
{meta}
INSERT INTO __dibs_migrations VALUES
  ('m1_init', '2026-01-01 10:00+00', 'abc123def4567890', 15, '{{users,old_things}}', '{{}}', '{{}}', false),
  ('m2_orders', '2026-01-02 10:00+00', 'def456', 7, '{{app.orders}}', '{{users}}', '{{}}', false),
  ('m3_email', '2026-01-03 10:00+00', NULL, 3, '{{}}', '{{public.users}}', '{{old_things}}', true);
INSERT INTO __dibs_tables (table_name, source_file, source_line, created_by_migration, modified_by_migration)
VALUES ('users', 'schema.sql', 1, 'm1_init', 'm3_email'), ('app.orders', 'schema.sql', 10, 'm2_orders', NULL);
INSERT INTO __dibs_columns (table_name, column_name, source_file, source_line, created_by_migration,
                            modified_by_migration)
VALUES ('users', 'id', 's.sql', 2, 'm1_init', NULL), ('users', 'email', 's.sql', 3, 'm1_init', 'm2_orders'),
       ('app.orders', 'user_id', 's.sql', 11, 'm2_orders', NULL);
UPDATE __dibs_columns SET modified_by_migration = 'm3_email' WHERE column_name = 'email';
"""


@pytest.fixture
def hand_built(db: str) -> str:
    run_sql(db, HAND_BUILT.format(meta=meta_tables_ddl()))
    return db


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["history", *args])
    out, err = capsys.readouterr()
    return code, out, err


def _json(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, Any]:
    code, out, err = _run(capsys, *args, "--format", "json")
    assert code == 0, err
    result: dict[str, Any] = json.loads(out)
    return result


def _timeline(found: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    return [(e["migration"], e["change"], e["recorded_as"], e["from"]) for e in found["timeline"]]


def test_demo_table_timeline_has_its_migrations_in_order(
    demo: str, capsys: pytest.CaptureFixture[str]
) -> None:
    users = _json(capsys, "public.users", demo)
    timeline = _timeline(users)
    assert timeline[0][:2] == ("20260110090000_initial-schema", "created")
    assert ("20260117100000_add-email-verification", "modified") in {t[:2] for t in timeline}
    first = users["timeline"][0]["applied"]
    assert first["applied_at"] and first["execution_time_ms"] is not None and first["checksum"]
    column = _json(capsys, "public.users.email_verified", demo)
    assert column["created_by"]["migration"] == "20260117100000_add-email-verification"
    migration = _json(capsys, "--migration", "20260124113000_add-notifications-and-webhooks", demo)
    touched = {(t["kind"], t["object"], t["change"]) for t in migration["touched"]}
    assert ("table", "public.notifications", "created") in touched
    assert ("column", "public.webhooks.url", "created") in touched
    code, text, _ = _run(capsys, "public.users", demo)
    assert code == 0 and text.startswith(
        "table public.users\n  created   20260110090000_initial-schema  applied "
    )


def test_hand_built_rows_created_modified_dropped_bare_and_qualified(
    hand_built: str, capsys: pytest.CaptureFixture[str]
) -> None:
    users = _json(capsys, "public.users", hand_built)
    assert _timeline(users) == [
        ("m1_init", "created", "users", "history"),
        ("m2_orders", "modified", "users", "history"),
        ("m3_email", "modified", "public.users", "history"),
    ]
    assert [e["qualified"] for e in users["timeline"]] == [False, False, True]
    assert users["timeline"][0]["applied"]["execution_time_ms"] == 15
    orders = _json(capsys, "app.orders", hand_built)
    assert _timeline(orders) == [("m2_orders", "created", "app.orders", "history")]
    dropped = _json(capsys, "public.old_things", hand_built)
    assert dropped["exists"] is False
    assert _timeline(dropped) == [
        ("m1_init", "created", "old_things", "history"),
        ("m3_email", "dropped", "old_things", "history"),
    ]
    assert users["notes"] == []


def test_column_modified_twice_the_last_wins(hand_built: str, capsys: pytest.CaptureFixture[str]) -> None:
    email = _json(capsys, "public.users.email", hand_built)
    assert email["created_by"]["migration"] == "m1_init"
    assert email["last_changed_by"]["migration"] == "m3_email"
    assert email["last_changed_by"]["applied"]["applied_at"].startswith("2026-01-03T10:00")
    m2 = _json(capsys, "--migration", "m2_orders", hand_built)
    assert {(t["object"], t["change"]) for t in m2["touched"]} == {
        ("public.users", "modified"),
        ("app.orders", "created"),
        ("app.orders.user_id", "created"),
    }
    name = _json(capsys, "public.users.name", hand_built)
    assert name["created_by"] is None and name["last_changed_by"] is None


def test_unknown_object_and_migration_exit_2_with_one_line(
    hand_built: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _run(capsys, "public.nope", hand_built)
    assert code == 2 and out == "" and err.count("\n") == 1 and "nothing named public.nope" in err
    code, out, err = _run(capsys, "--migration", "m9_missing", hand_built)
    assert code == 2 and out == "" and "no migration named 'm9_missing'" in err
    code, out, err = _run(capsys, "--migration", "", hand_built)  # an empty name is said as one
    assert code == 2 and out == "" and "no migration named '' in" in err
    code, _, err = _run(capsys)
    assert code == 2 and "--migration NAME" in err
    code, _, err = _run(
        capsys, hand_built
    )  # the DSN alone: what is missing is said, not 'the DSN comes last'
    assert code == 2 and "name one OBJECT" in err and "comes last" not in err, err


def test_a_dropped_column_says_its_table_is_there_and_where_to_look(
    hand_built: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """`users.fax`, a column dropped since: its meta row went with it, so no record names the migration that
    dropped it. Said so (not 'nothing named'), with the table's last recorded change to look at."""
    for text in ("users.fax", "public.users.fax"):
        code, out, err = _run(capsys, text, hand_built)
        assert code == 2 and out == "", err
        assert err == (
            "dibs-tui: public.users has no column fax now; a dropped column's meta row goes with it, so no "
            "record says which migration dropped it; public.users was last changed by m3_email "
            "(dibs-tui history public.users)\n"
        )
    code, _, err = _run(capsys, "app.orders.gone", hand_built)  # never changed since it was created
    assert code == 2 and err.startswith("dibs-tui: app.orders has no column gone now;") and "last" not in err


def test_dibs_migrations_alone_says_no_per_table_changes_and_falls_back_to_meta_rows(
    db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    run_sql(
        db,
        "CREATE TABLE users (id int);"
        "CREATE TABLE _dibs_migrations (version text PRIMARY KEY, applied_at timestamptz NOT NULL);"
        "INSERT INTO _dibs_migrations VALUES ('20260101_init', '2026-01-01 09:00+00');",
    )
    users = _json(capsys, "public.users", db)
    assert users["timeline"] == [] and users["notes"][0] == NO_TABLE_CHANGES
    run_sql(
        db,
        "CREATE TABLE __dibs_tables (table_name text PRIMARY KEY, source_file text, source_line int, "
        "created_by_migration text, modified_by_migration text);"
        "INSERT INTO __dibs_tables VALUES ('users', 'src/lib.rs', 3, '20260101_init', NULL);",
    )
    users = _json(capsys, "public.users", db)
    assert _timeline(users) == [("20260101_init", "created", "users", "meta")]
    assert users["timeline"][0]["applied"]["history_table"] == "_dibs_migrations"
    code, text, _ = _run(capsys, "--migration", "20260101_init", db)
    assert code == 0 and "created   table public.users  [meta row: recorded as users]" in text
    assert f"note: {NO_TABLE_CHANGES}" in text


def test_no_meta_tables_is_a_clear_line(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    run_sql(db, "CREATE TABLE users (id int)")
    code, out, _ = _run(capsys, "public.users", db)
    assert code == 0
    assert out.splitlines() == [
        "table public.users",
        "  no migration is recorded as creating, modifying or dropping it",
        f"note: {NO_META}",
    ]
    code, out, err = _run(capsys, "--migration", "x", db)
    assert code == 2 and NO_META in err


def test_another_tools_history_is_said_to_record_no_per_table_changes(
    db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    run_sql(
        db,
        "CREATE TABLE users (id int);"
        "CREATE TABLE alembic_version (version_num varchar(32) NOT NULL PRIMARY KEY);"
        "INSERT INTO alembic_version VALUES ('ae1027a6acf');",
    )
    users = _json(capsys, "public.users", db)
    assert users["timeline"] == []
    assert users["notes"] == [
        NO_META,
        "public.alembic_version (alembic) records 1 applied migration(s) but no per-table changes",
    ]


def test_a_partly_applied_migration_is_named_so_not_unknown(
    db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """migrate committed two of its segments, the third failed: `status` says partial, and `history
    --migration` said 'no migration named ...' as of a typo."""
    run_sql(db, "CREATE TABLE lang (id int PRIMARY KEY, name text); INSERT INTO lang VALUES (1, 'en');")
    folder = tmp_path / "m"
    folder.mkdir()
    (folder / "001_iso.sql").write_text(
        "ALTER TABLE lang ADD COLUMN iso text;\nCOMMIT;\nUPDATE lang SET iso = 'en';\nCOMMIT;\n"
        "INSERT INTO lang VALUES (1, 'again');\n"
    )
    with pytest.raises(MigrationFailed):
        asyncio.run(apply_pending(resolve(db), folder))
    code, out, err = _run(capsys, "--migration", "001_iso", db)
    assert code == 2 and out == "", err
    assert err.startswith(
        "dibs-tui: 001_iso is not applied whole yet, so the history records nothing of it: partially applied: "
        "segments 1-2 of 3 committed on "
    ), err
    assert 'segment 3 failed: duplicate key value violates unique constraint "lang_pkey"' in err
