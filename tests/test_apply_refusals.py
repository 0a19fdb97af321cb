"""What migrate refuses or says before anything runs, in one message each: a read-only server, a migration
applied (or partly applied) under another name, a missing folder, a role that may not read the history, what
the folder and the history disagree on; and what must not carry over: a SET ROLE into the next migration, an
INVALID index skipped by IF NOT EXISTS into 'applied', a Ctrl-C at the question into nothing."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

import asyncpg
import pytest

from tests.cli_in_process import Ran, run_cli
from tests.pg import browser_on_a_terminal, drain, fetch, run_sql, until


def _migrate(db: str, folder: Path, *extra: str) -> Ran:
    return run_cli("migrate", db, "--migrations", str(folder), "--yes", *extra)


def _tables(db: str) -> list[str]:
    query = (
        "SELECT relname::text AS n FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind = 'r' "
        "AND relname NOT LIKE '\\_\\_dibs%' ORDER BY 1"
    )
    return [r["n"] for r in asyncio.run(fetch(db, query))]


def test_a_read_only_database_is_refused_before_anything_runs(db: str, tmp_path: Path) -> None:
    """A standby (or a database set read-only): said up front, not as a failed statement or a failed record."""
    name = db.rsplit("/", 1)[1]
    run_sql(db, f'ALTER DATABASE "{name}" SET default_transaction_read_only = on')
    folder = tmp_path / "migrations"
    folder.mkdir()
    (folder / "001_a.sql").write_text("CREATE TABLE a (id int);\n")
    for extra in ((), ("--no-prove",)):
        done = _migrate(db, folder, *extra)
        assert done.returncode == 1, done.stderr
        assert "Traceback" not in done.stderr
        assert "is read-only" in done.stderr
        assert "nothing was applied" in done.stderr
        assert "pending" not in done.stdout  # refused before the plan is shown
    assert _tables(db) == []


def test_a_renamed_migration_is_not_run_a_second_time(db: str, tmp_path: Path) -> None:
    """A file renamed (or moved) after it was applied looks pending under its new name: running it again would
    insert its rows twice. migrate refuses, naming both names and the UPDATE that records the rename; status
    says so beside the pending line."""
    folder = tmp_path / "migrations"
    folder.mkdir()
    text = "CREATE TABLE IF NOT EXISTS a (id int);\nINSERT INTO a VALUES (1), (2);\n"
    (folder / "001_a.sql").write_text(text)
    assert _migrate(db, folder, "--no-prove").returncode == 0
    (folder / "001_a.sql").rename(folder / "002_seed_a.sql")
    (folder / "003_b.sql").write_text("CREATE TABLE b (id int);\n")
    done = _migrate(db, folder, "--no-prove")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    assert "002_seed_a has the same content as 001_a" in done.stderr
    assert "nothing was applied" in done.stderr
    assert "SET name = '002_seed_a' WHERE name = '001_a'" in done.stderr
    assert asyncio.run(fetch(db, "SELECT count(*) AS n FROM a"))[0]["n"] == 2
    assert _tables(db) == ["a"]  # 003_b did not run either
    status = run_cli("status", db, "--migrations", str(folder))
    assert "pending   002_seed_a  same content as 001_a" in status.stdout
    # Recording the rename as the hint says: then only 003_b runs.
    run_sql(db, "UPDATE __dibs_migrations SET name = '002_seed_a' WHERE name = '001_a'")
    again = _migrate(db, folder, "--no-prove")
    assert again.returncode == 0, again.stderr
    assert "applied 1 migration(s)" in again.stdout
    assert asyncio.run(fetch(db, "SELECT count(*) AS n FROM a"))[0]["n"] == 2


def test_a_role_that_may_not_read_the_history_is_told_to_get_the_right(db: str, tmp_path: Path) -> None:
    """The history is ours, the role lacks SELECT on it: the hint names the GRANT, not a look-alike table."""
    run_sql(
        db,
        "DO $$BEGIN CREATE ROLE applyqa_reader LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END$$;"
        "CREATE TABLE a (id int)",
    )
    folder = tmp_path / "migrations"
    folder.mkdir()
    (folder / "001_a.sql").write_text("CREATE TABLE b (id int);\n")
    assert _migrate(db, folder, "--no-prove").returncode == 0
    (folder / "002_c.sql").write_text("CREATE TABLE c (id int);\n")
    reader = db.replace("postgres@", "applyqa_reader@")
    for command in (["status"], ["migrate", "--no-prove", "--yes"]):
        done = run_cli(*command, reader, "--migrations", str(folder))
        assert done.returncode == 1
        assert "permission denied for table __dibs_migrations" in done.stderr
        assert "GRANT SELECT ON public.__dibs_migrations TO applyqa_reader" in done.stderr
        assert "rename it" not in done.stderr and "Traceback" not in done.stderr
    assert _tables(db) == ["a", "b"]


def test_migrate_says_what_the_history_and_the_folder_disagree_on_before_it_runs(
    db: str, tmp_path: Path
) -> None:
    """An applied file edited since, an applied file gone, a new file that sorts before one applied: migrate
    applies what is pending, but says each of these first, as status would."""
    folder = tmp_path / "migrations"
    folder.mkdir()
    (folder / "002_a.sql").write_text("CREATE TABLE a (id int);\n")
    (folder / "003_b.sql").write_text("CREATE TABLE b (id int);\n")
    assert _migrate(db, folder, "--no-prove").returncode == 0
    (folder / "002_a.sql").write_text("CREATE TABLE a (id int, note text);\n")
    (folder / "003_b.sql").unlink()
    (folder / "001_z.sql").write_text("CREATE TABLE z (id int);\n")
    done = _migrate(db, folder, "--no-prove")
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert (
        "warning: 002_a changed since it was applied (checksum differs): migrate does not run it again" in out
    )
    assert "warning: 003_b is recorded as applied but its file is gone" in out
    assert "warning: 001_z sorts before 002_a, applied already: it runs after it (out of order)" in out
    assert out.index("warning: 002_a") < out.index("pending  001_z")
    assert _tables(db) == ["a", "b", "z"]


def test_a_squashed_rails_history_is_no_warning_and_rows_gone_after_a_kept_file_are_one(
    db: str, tmp_path: Path
) -> None:
    """lago keeps 1,107 Rails migrations in schema_migrations; its dibs-tui folder holds none of them, and
    migrate printed a warning per Rails migration, then one for all of them. They are Rails' squashed history,
    which `status` says once: migrate says nothing of them. Rows gone after one whose file is kept were
    deleted from the middle: warned of, in one line past five."""
    run_sql(
        db,
        "CREATE TABLE schema_migrations (version varchar PRIMARY KEY);"
        "CREATE TABLE ar_internal_metadata (key varchar PRIMARY KEY, value varchar,"
        " created_at timestamp NOT NULL, updated_at timestamp NOT NULL);"
        "INSERT INTO schema_migrations SELECT (20220101000000 + i)::text FROM generate_series(1, 40) i;",
    )
    folder = tmp_path / "migrations"
    folder.mkdir()
    (folder / "20261205000000_a.sql").write_text("CREATE TABLE a (id int);\n")
    done = _migrate(db, folder, "--no-prove")
    assert done.returncode == 0, done.stderr
    assert [line for line in done.stdout.splitlines() if line.startswith("warning:")] == []
    assert "a" in _tables(db)
    (folder / "20220101000020_kept.sql").write_text("SELECT 1;\n")  # Rails' 20th row has its file
    done = _migrate(db, folder, "--no-prove")
    assert done.returncode == 0, done.stderr
    warnings = [line for line in done.stdout.splitlines() if line.startswith("warning:")]
    assert warnings == [
        "warning: 20 migrations recorded as applied (rails history) have no file in this folder: "
        "20220101000021 … 20220101000040 (`dibs-tui status` lists them)"
    ], warnings


def test_a_lock_held_since_an_earlier_statement_of_the_transaction_is_said_once(
    db: str, tmp_path: Path
) -> None:
    """lago's table split listed 'takes ACCESS EXCLUSIVE on public.customers' for nine statements of one
    transaction, each counted as a hazard to acknowledge. Said once per transaction: again after a statement
    run alone (CREATE INDEX CONCURRENTLY) ends it."""
    run_sql(
        db,
        "CREATE TABLE c (id int PRIMARY KEY, city text, n int CONSTRAINT n1 CHECK (n > 0) CONSTRAINT n2"
        " CHECK (n < 100)); INSERT INTO c SELECT i, 'x', 1 FROM generate_series(1, 50) i;",
    )
    folder = tmp_path / "migrations"
    folder.mkdir()
    (folder / "001_x.sql").write_text(
        "ALTER TABLE c DROP CONSTRAINT n1;\nALTER TABLE c RENAME COLUMN city TO town;\n"
        "CREATE INDEX CONCURRENTLY c_town ON c (town);\nALTER TABLE c DROP CONSTRAINT n2;\n"
    )
    shown = _migrate(db, folder, "--no-prove", "--dry-run")
    assert shown.returncode == 0, shown.stderr
    locks = [line for line in shown.stdout.splitlines() if ": access-exclusive-lock: takes" in line]
    assert [line.split(":")[1] for line in locks] == ["1", "4"], shown.stdout


def test_an_edited_applied_migration_is_not_called_applied_without_a_word(db: str, tmp_path: Path) -> None:
    folder = tmp_path / "migrations"
    folder.mkdir()
    (folder / "001_a.sql").write_text("CREATE TABLE a (id int);\n")
    assert _migrate(db, folder, "--no-prove").returncode == 0
    (folder / "001_a.sql").write_text("CREATE TABLE a (id int, note text);\n")
    done = _migrate(db, folder, "--no-prove")
    assert done.returncode == 0
    lines = done.stdout.splitlines()
    assert lines[-2].startswith("warning: 001_a changed since it was applied")
    assert lines[-1] == "nothing to apply: every migration is applied"


def test_if_not_exists_over_an_invalid_index_is_a_failure_not_an_applied_migration(
    db: str, tmp_path: Path
) -> None:
    """A failed build left t_v INVALID; `CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS t_v` then skips it with
    a notice, and the migration would be recorded applied with a unique index that enforces nothing. It is
    a failure of that statement instead, naming the index and its DROP; once dropped, the rerun builds it."""
    run_sql(db, "CREATE TABLE t (id int PRIMARY KEY, v int); INSERT INTO t VALUES (1, 1), (2, 1)")
    with pytest.raises(asyncpg.UniqueViolationError):
        run_sql(db, "CREATE UNIQUE INDEX CONCURRENTLY t_v ON t (v)")
    run_sql(db, "DELETE FROM t WHERE id = 2")
    folder = tmp_path / "migrations"
    folder.mkdir()
    (folder / "001_a.sql").write_text(
        "ALTER TABLE t ADD COLUMN a int;\nCREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS t_v ON t (v);\n"
        "ALTER TABLE t ADD COLUMN b int;\n"
    )
    failed = _migrate(db, folder, "--no-prove")
    assert failed.returncode == 3, failed.stdout + failed.stderr
    assert "the index public.t_v exists but is INVALID" in failed.stderr
    assert "DROP INDEX CONCURRENTLY public.t_v;" in failed.stderr
    assert "segment 1 of 3 (statement 1, line 1) committed" in failed.stderr
    assert asyncio.run(fetch(db, "SELECT count(*) AS n FROM __dibs_migrations"))[0]["n"] == 0
    run_sql(db, "DROP INDEX public.t_v")
    resumed = _migrate(db, folder, "--no-prove")
    assert resumed.returncode == 0, resumed.stderr
    valid = asyncio.run(
        fetch(db, "SELECT indisvalid FROM pg_index WHERE indexrelid = 'public.t_v'::regclass")
    )
    assert valid[0]["indisvalid"]


def test_ctrl_c_at_the_question_stops_at_once_and_applies_nothing(db: str, tmp_path: Path) -> None:
    """The first Ctrl-C at 'apply 1 migration(s)? [y/N]' ends migrate (it used to be swallowed while input()
    held the event loop: only a second one worked); nothing applied, the migrations lock let go."""
    folder = tmp_path / "migrations"
    folder.mkdir()
    (folder / "001_a.sql").write_text("CREATE TABLE a (id int);\n")
    with browser_on_a_terminal("migrate", db, "--migrations", str(folder), "--no-prove") as (app, master):
        shown = bytearray()

        def asked() -> bool:
            shown.extend(drain(master))
            return b"[y/N]" in shown

        until(asked, "the question")
        app.send_signal(signal.SIGINT)
        app.wait(timeout=10)
        shown.extend(drain(master))
    assert app.returncode == 130, bytes(shown).decode()
    assert b"interrupted" in shown and b"Traceback" not in shown
    assert _tables(db) == []
    locks = asyncio.run(fetch(db, "SELECT count(*) AS n FROM pg_locks WHERE locktype = 'advisory'"))
    assert locks[0]["n"] == 0


def test_a_migrations_folder_that_does_not_exist_is_an_error_not_nothing_to_apply(
    db: str, tmp_path: Path
) -> None:
    """A typo in --migrations read as an empty folder: 'nothing to apply', exit 0, in a deploy that applied
    nothing. It is named as missing instead, by migrate and status alike."""
    missing = tmp_path / "migrashuns"
    for command in (["migrate", "--no-prove", "--yes"], ["status"]):
        done = run_cli(*command, db, "--migrations", str(missing))
        assert done.returncode == 1, done.stdout
        assert f"the migrations folder {missing} does not exist" in done.stderr
        assert "nothing to apply" not in done.stdout


def test_a_migration_that_sets_a_role_or_a_setting_does_not_leak_into_the_next_or_the_history(
    db: str, tmp_path: Path
) -> None:
    """`SET ROLE app_owner` (to create objects owned by it) and `SET lock_timeout = 0` in one migration held for
    the rest of the session: the next migration ran as that role (and failed, 'must be owner'), waited without
    a lock_timeout, and the history table was written (even created) as that role. Each migration now starts
    from the applier's session, and the history is written as the applier."""
    run_sql(
        db,
        "DO $$BEGIN CREATE ROLE applyqa_owner; EXCEPTION WHEN duplicate_object THEN NULL; END$$;"
        "GRANT CREATE ON SCHEMA public TO applyqa_owner; CREATE TABLE t (id int)",
    )
    folder = tmp_path / "migrations"
    folder.mkdir()
    (folder / "001_owned.sql").write_text(
        "SET ROLE applyqa_owner;\nCREATE TABLE owned (id int);\nSET lock_timeout = 0;\n"
    )
    (folder / "002_as_owner.sql").write_text(
        "SET SESSION AUTHORIZATION applyqa_owner;\nCREATE TABLE owned_too (id int);\n"
    )
    (folder / "003_next.sql").write_text(
        "ALTER TABLE t ADD COLUMN x int;\n"
        "CREATE TABLE seen AS SELECT current_user::text AS who, current_setting('lock_timeout') AS lock_timeout;\n"
    )
    done = _migrate(db, folder, "--no-prove", "--lock-timeout", "7s")
    assert done.returncode == 0, done.stderr
    owners = asyncio.run(
        fetch(
            db,
            "SELECT relname::text AS n, pg_get_userbyid(relowner)::text AS o FROM pg_class "
            "WHERE relname IN ('owned', 'owned_too', 'seen', '__dibs_migrations') ORDER BY 1",
        )
    )
    assert [(r["n"], r["o"]) for r in owners] == [
        ("__dibs_migrations", "postgres"),
        ("owned", "applyqa_owner"),
        ("owned_too", "applyqa_owner"),
        ("seen", "postgres"),
    ]
    seen = asyncio.run(fetch(db, "SELECT who, lock_timeout FROM seen"))
    assert (seen[0]["who"], seen[0]["lock_timeout"]) == ("postgres", "7s")


def test_a_partly_applied_migration_renamed_is_refused_not_run_again_from_its_start(
    db: str, tmp_path: Path
) -> None:
    """Segment 1 committed, segment 2 failed; the file is then renamed: under its new name it is a fresh
    pending migration and segment 1 would run a second time. Refused, naming the partial record."""
    from tests.apply_project import NAME, migrate, project, state

    folder = project(db, tmp_path, duplicates=True)
    assert migrate(db, folder, "--yes", "--allow-failing").returncode == 3
    run_sql(db, "DELETE FROM t WHERE ctid = (SELECT max(ctid) FROM t WHERE v = 2)")
    run_sql(db, "DROP INDEX CONCURRENTLY public.t_v")
    (folder / f"{NAME}.sql").rename(folder / "20260101000000_renamed.sql")
    refused = migrate(db, folder, "--yes")
    assert refused.returncode == 1, refused.stdout + refused.stderr
    assert f"migration {NAME} is partly applied (segment 1 of 3 committed" in refused.stderr
    assert "no file of that name is in the folder" in refused.stderr
    assert state(db)["runs"] == 1  # segment 1 did not run again


def test_a_migration_its_review_sees_failing_on_the_rows_is_not_started(db: str, tmp_path: Path) -> None:
    """Three segments, the last a SET NOT NULL over NULLs the review counts: started, it would commit the first
    two and stop part way. Refused before anything runs, saying which line fails and what would have
    committed; --dry-run says it would refuse; --allow-failing runs it (and it stops where the review said)."""
    run_sql(
        db, "CREATE TABLE c (id int PRIMARY KEY, company text); INSERT INTO c VALUES (1, 'x'), (2, NULL);"
    )
    folder = tmp_path / "migrations"
    folder.mkdir()
    (folder / "001_a.sql").write_text(
        "ALTER TABLE c ADD COLUMN bpm int;\n"
        "CREATE INDEX CONCURRENTLY c_bpm ON c (bpm);\n"
        "ALTER TABLE c ALTER COLUMN company SET NOT NULL;\n"
    )
    columns = "SELECT count(*) AS n FROM pg_attribute WHERE attrelid = 'c'::regclass AND attnum > 0"
    dry = _migrate(db, folder, "--no-prove", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "dry run: migrate would refuse 001_a: line 3 fails on what is there now: 1 row of c" in dry.stdout
    for extra in ((), ("--no-prove",)):
        done = _migrate(db, folder, *extra)
        assert done.returncode == 1, done.stdout + done.stderr
        assert "Traceback" not in done.stderr
        assert "refusing to apply 001_a: line 3 fails on what is there now: 1 row of c has company NULL" in (
            done.stderr
        )
        assert "segments 1-2 of 3 (statements 1-2, lines 1-2) would commit first" in done.stderr
        assert "--allow-failing" in done.stderr
        assert asyncio.run(fetch(db, columns))[0]["n"] == 2  # nothing ran
    forced = _migrate(db, folder, "--no-prove", "--allow-failing")
    assert forced.returncode == 3, forced.stdout + forced.stderr
    assert "segments 1-2 of 3" in forced.stderr and "contains null values" in forced.stderr
    assert asyncio.run(fetch(db, columns))[0]["n"] == 3


def test_a_migration_whose_expression_the_server_raises_on_for_a_row_is_not_started(
    db: str, tmp_path: Path
) -> None:
    """The review evaluates a new stored column's expression on the live rows and the server raises on one
    (division by zero): the statement will fail, as certainly as a counted NULL. It was taken for a count not
    made, and migrate started the migration: its first two segments committed and it stopped at line 3."""
    run_sql(db, "CREATE TABLE c (id int PRIMARY KEY, d int); INSERT INTO c VALUES (1, 1), (2, 0);")
    folder = tmp_path / "migrations"
    folder.mkdir()
    (folder / "001_a.sql").write_text(
        "ALTER TABLE c ADD COLUMN bpm int;\n"
        "CREATE INDEX CONCURRENTLY c_bpm ON c (bpm);\n"
        "ALTER TABLE c ADD COLUMN ratio int GENERATED ALWAYS AS (id / d) STORED;\n"
    )
    columns = "SELECT count(*) AS n FROM pg_attribute WHERE attrelid = 'c'::regclass AND attnum > 0"
    done = _migrate(db, folder, "--no-prove")
    assert done.returncode == 1, done.stdout + done.stderr
    assert (
        "refusing to apply 001_a: line 3 fails on what is there now: computing the stored column ratio "
        in (done.stderr)
    )
    assert "division by zero" in done.stderr and "--allow-failing" in done.stderr
    assert asyncio.run(fetch(db, columns))[0]["n"] == 2  # nothing ran


def test_a_failure_the_review_could_not_count_is_acknowledged_not_refused(db: str, tmp_path: Path) -> None:
    """A CHECK calling a function of the database: the review may not evaluate it on the live rows and says the
    violators are not counted. That is a risk for the user to acknowledge (--yes), not a failure seen: migrate
    runs it, and on these rows it succeeds."""
    run_sql(
        db,
        "CREATE TABLE t (id int PRIMARY KEY, v int); INSERT INTO t VALUES (1, 1), (2, 2);"
        "CREATE FUNCTION positive(int) RETURNS bool IMMUTABLE LANGUAGE sql AS 'SELECT $1 > 0';",
    )
    folder = tmp_path / "migrations"
    folder.mkdir()
    (folder / "001_a.sql").write_text("ALTER TABLE t ADD CONSTRAINT t_positive CHECK (positive(v));\n")
    done = _migrate(db, folder, "--no-prove")
    assert "fails-on-existing-data: rows of t violating CHECK (positive(v)) not counted" in done.stdout
    assert done.returncode == 0, done.stdout + done.stderr
    assert "refusing" not in done.stderr
    constraints = asyncio.run(fetch(db, "SELECT conname FROM pg_constraint WHERE conname = 't_positive'"))
    assert len(constraints) == 1


def test_a_lone_concurrent_index_is_planned_as_run_alone_not_as_one_transaction(
    db: str, tmp_path: Path
) -> None:
    """migrate planned a file of one CREATE INDEX CONCURRENTLY as '(1 statements, one transaction)'."""
    run_sql(db, "CREATE TABLE t (id int, v text); INSERT INTO t VALUES (1, 'x');")
    folder = tmp_path / "migrations"
    folder.mkdir()
    (folder / "001_idx.sql").write_text("CREATE INDEX CONCURRENTLY t_v ON t (v);\n")
    shown = _migrate(db, folder, "--no-prove", "--dry-run")
    assert shown.returncode == 0, shown.stderr
    assert "pending  001_idx  (1 statement, alone, autocommit)" in shown.stdout, shown.stdout


def test_a_count_over_rows_an_earlier_pending_migration_changes_first_is_not_a_certain_failure(
    db: str, tmp_path: Path
) -> None:
    """The textbook two-step, deployed at once: 001 backfills the NULLs, 002 sets NOT NULL. 002's review counts
    the NULLs there now, which 001 fills before 002 runs: applied, not refused. An earlier migration that writes
    another table leaves the count certain, and the refusal stands."""
    run_sql(
        db, "CREATE TABLE c (id int PRIMARY KEY, company text); INSERT INTO c VALUES (1, 'x'), (2, NULL);"
    )
    run_sql(db, "CREATE TABLE other (id int PRIMARY KEY)")
    folder = tmp_path / "migrations"
    folder.mkdir()
    (folder / "001_other.sql").write_text("INSERT INTO other VALUES (1);\n")
    (folder / "002_not_null.sql").write_text("ALTER TABLE c ALTER COLUMN company SET NOT NULL;\n")
    refused = _migrate(db, folder, "--no-prove")
    assert refused.returncode == 1, refused.stdout + refused.stderr
    assert "refusing to apply 002_not_null: line 1 fails on what is there now" in refused.stderr
    (folder / "001_other.sql").write_text("UPDATE c SET company = 'unknown' WHERE company IS NULL;\n")
    done = _migrate(db, folder, "--no-prove")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "refusing" not in done.stderr
    nulls = asyncio.run(fetch(db, "SELECT count(*) AS n FROM c WHERE company IS NULL"))
    assert nulls[0]["n"] == 0
    not_null = asyncio.run(
        fetch(
            db, "SELECT attnotnull FROM pg_attribute WHERE attrelid = 'c'::regclass AND attname = 'company'"
        )
    )
    assert not_null[0]["attnotnull"] is True


def test_a_new_partition_over_rows_of_the_default_partition_is_not_started(db: str, tmp_path: Path) -> None:
    """CREATE TABLE ... PARTITION OF fails when the default partition holds rows of the new bound: the review
    counts them on the live rows and migrate refuses before anything runs, saying how to move them; once they
    are gone from that range, the same migration runs."""
    run_sql(
        db,
        "CREATE TABLE t (id int, at date) PARTITION BY RANGE (at); CREATE TABLE t_default PARTITION OF t DEFAULT;"
        "INSERT INTO t SELECT n, date '2025-01-01' + n FROM generate_series(1, 3) n;"
        "INSERT INTO t VALUES (9, '2023-06-01');",
    )
    folder = tmp_path / "migrations"
    folder.mkdir()
    (folder / "001_p2025.sql").write_text(
        "CREATE TABLE t_extra (id int);\n"
        "CREATE TABLE t_2025 PARTITION OF t FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');\n"
    )
    done = _migrate(db, folder)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    assert (
        "refusing to apply 001_p2025: line 2 fails on what is there now: 3 rows of the default partition "
        "public.t_default fall within FOR VALUES FROM ('2025-01-01') TO ('2026-01-01'): creating the partition "
        "fails"
    ) in done.stderr, done.stderr
    assert "DETACH PARTITION public.t_default, create the partition" in done.stderr
    assert _tables(db) == ["t_default"]  # nothing ran: neither t_extra nor t_2025
    run_sql(db, "DELETE FROM t WHERE at >= '2025-01-01'")
    again = _migrate(db, folder)
    assert again.returncode == 0, again.stdout + again.stderr
    assert _tables(db) == ["t_2025", "t_default", "t_extra"]
    assert asyncio.run(fetch(db, "SELECT count(*) AS n FROM t"))[0]["n"] == 1


def test_a_statement_the_sessions_statement_timeout_cuts_short_says_where_the_bound_comes_from(
    db: str, tmp_path: Path
) -> None:
    """A production role's statement_timeout (ALTER ROLE app SET statement_timeout = '30s') cancels a long
    backfill: the server says 'canceling statement due to statement timeout', which names no setting."""
    server, name = db.rsplit("/", 1)
    run_sql(server + "/postgres", f"ALTER DATABASE \"{name}\" SET statement_timeout = '1s'")
    folder = tmp_path / "migrations"
    folder.mkdir()
    (folder / "001_slow.sql").write_text("CREATE TABLE a (id int);\nSELECT pg_sleep(3);\n")
    done = _migrate(db, folder, "--no-prove")
    assert done.returncode == 1
    assert "canceling statement due to statement timeout" in done.stderr
    assert "the session's statement_timeout cut it short" in done.stderr
    assert "SET statement_timeout = '30min';" in done.stderr
    assert _tables(db) == []
    (folder / "001_slow.sql").write_text(
        "SET statement_timeout = '10s';\nCREATE TABLE a (id int);\nSELECT pg_sleep(2);\n"
    )
    assert _migrate(db, folder, "--no-prove").returncode == 0
    assert _tables(db) == ["a"]
