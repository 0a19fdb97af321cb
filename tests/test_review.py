"""Review hazards against real data: each kind fires with data that triggers it, and data-dependent kinds stay
quiet on an empty table (or data that cannot trigger them)."""

from __future__ import annotations

import json
from pathlib import Path

import asyncpg
import pytest

from dibs_tui.core.connect import connect, resolve
from dibs_tui.core.review.report import HAZARD_KINDS, Review
from dibs_tui.core.review.run import review_sql
from tests.cli_in_process import run_cli
from tests.pg import execute, review

SETUP = "CREATE TABLE parent (id int PRIMARY KEY);CREATE TABLE t (id int, v text, p int);"
ROWS = "INSERT INTO parent VALUES (1); INSERT INTO t SELECT g, 'abc', 1 FROM generate_series(1, 5) g;"
# Past QUICK_CHECK_ROWS: a new constraint's check is worth NOT VALID then VALIDATE
MANY = "INSERT INTO parent VALUES (1); INSERT INTO t SELECT g, 'abc', 1 FROM generate_series(1, 10001) g;"
DATA_DEPENDENT = {
    "access-exclusive-lock",
    "table-rewrite",
    "data-loss",
    "fails-on-existing-data",
    "constraint-without-not-valid",
}


def kinds(result: Review) -> set[str]:
    return {h.kind for _, h in result.hazards}


def messages(result: Review, kind: str) -> list[str]:
    return [h.message for _, h in result.hazards if h.kind == kind]


# (migration, data that triggers, expected kind)
CASES = [
    ("ALTER TABLE t ADD COLUMN w int;", ROWS, "access-exclusive-lock"),
    ("ALTER TABLE t ALTER COLUMN id TYPE bigint;", ROWS, "table-rewrite"),
    ("ALTER TABLE t ADD COLUMN u uuid DEFAULT gen_random_uuid();", ROWS, "table-rewrite"),
    ("ALTER TABLE t DROP COLUMN v;", ROWS, "data-loss"),
    ("DROP TABLE t;", ROWS, "data-loss"),
    ("TRUNCATE t;", ROWS, "data-loss"),
    ("ALTER TABLE t ADD COLUMN w int NOT NULL;", ROWS, "fails-on-existing-data"),
    (
        "ALTER TABLE t ALTER COLUMN v SET NOT NULL;",
        ROWS + "UPDATE t SET v = NULL WHERE id < 3;",
        "fails-on-existing-data",
    ),
    ("ALTER TABLE t ADD CONSTRAINT t_v_key UNIQUE (v);", ROWS, "fails-on-existing-data"),
    ("CREATE UNIQUE INDEX t_v ON t (v);", ROWS, "fails-on-existing-data"),
    ("ALTER TABLE t ALTER COLUMN v TYPE varchar(2);", ROWS, "fails-on-existing-data"),
    (
        "ALTER TABLE t ADD CONSTRAINT t_p_fkey FOREIGN KEY (p) REFERENCES parent;",
        ROWS + "UPDATE t SET p = 9 WHERE id = 1;",
        "fails-on-existing-data",
    ),
    ("ALTER TABLE t ADD CONSTRAINT t_id_check CHECK (id < 3);", ROWS, "fails-on-existing-data"),
    ("CREATE INDEX t_v ON t (v);", ROWS, "blocking-index-build"),  # said on any table, with its size
    ("ALTER TABLE t ADD CONSTRAINT t_id_check CHECK (id > 0);", MANY, "constraint-without-not-valid"),
    (
        "ALTER TABLE t ADD CONSTRAINT t_p_fkey FOREIGN KEY (p) REFERENCES parent (id);",
        MANY,
        "constraint-without-not-valid",
    ),
    ("ALTER TABLE t ALTER COLUMN v SET NOT NULL;", MANY, "constraint-without-not-valid"),
    ("ALTER TABLE t ADD CONSTRAINT t_v_nn NOT NULL v;", MANY, "constraint-without-not-valid"),
    ("CREATE INDEX CONCURRENTLY t_v ON t (v);", ROWS, "non-transactional"),
    ("VACUUM t;", ROWS, "non-transactional"),
    ("ALTER TABLE t RENAME COLUMN v TO w;", ROWS, "backward-incompatible"),
    ("ALTER TABLE t SET SCHEMA other;", "CREATE SCHEMA other;" + ROWS, "backward-incompatible"),
    ("ALTER TABLE t ALTER COLUMN v DROP NOT NULL;", ROWS, "backward-incompatible"),
]


@pytest.mark.parametrize(("migration", "data", "kind"), CASES, ids=[f"{k}:{m[:40]}" for m, _, k in CASES])
async def test_hazard_with_and_without_data(db: str, migration: str, data: str, kind: str) -> None:
    await execute(db, SETUP + data)
    with_data = await review(db, migration)
    assert kind in kinds(with_data), with_data.to_text()
    assert kinds(with_data) <= set(HAZARD_KINDS)
    await execute(db, "TRUNCATE t, parent")
    empty = await review(db, migration)
    assert not (kinds(empty) & DATA_DEPENDENT), empty.to_text()
    if kind not in DATA_DEPENDENT:
        assert kind in kinds(empty)


async def test_a_constraint_checked_in_milliseconds_is_its_lock_not_a_call_for_not_valid(db: str) -> None:
    """migrate's review (no trace) told a 10-row table's new CHECK and FOREIGN KEY to be added NOT VALID and
    VALIDATEd later. Under QUICK_CHECK_ROWS and QUICK_CHECK_BYTES the check takes milliseconds: the lock is
    said, with the size read, and no second step is asked for; past either bound, NOT VALID still is."""
    await execute(db, SETUP + ROWS + "INSERT INTO t SELECT g, 'abc', 1 FROM generate_series(6, 10) g;")
    sql = (
        "ALTER TABLE t ADD CONSTRAINT t_id_check CHECK (id > 0);\n"
        "ALTER TABLE t ADD CONSTRAINT t_p_fkey FOREIGN KEY (p) REFERENCES parent (id);"
    )
    small = await review(db, sql)
    assert "constraint-without-not-valid" not in kinds(small), small.to_text()
    [check], [key] = small.statements[0].hazards, small.statements[1].hazards
    assert (check.kind, key.kind) == ("access-exclusive-lock", "write-blocking-lock")
    assert check.message == (
        "takes ACCESS EXCLUSIVE on t (10 rows) and reads every row to check it: milliseconds at this size, so "
        "NOT VALID and a later VALIDATE would spare nothing; blocks reads and writes until the transaction "
        "commits"
    )
    assert key.message.startswith("takes SHARE ROW EXCLUSIVE on t (10 rows) and on parent, and checks every ")
    assert check.cost is not None and 0 < check.cost.size_bytes <= 64 * 1024
    await execute(  # 10 rows, but past 1 MiB (stored uncompressed)
        db,
        "ALTER TABLE t ALTER COLUMN v SET STORAGE EXTERNAL; UPDATE t SET v = repeat('x', 1100000) WHERE id = 1",
    )
    assert (await review(db, sql)).statements[0].hazards[0].kind == "constraint-without-not-valid"
    await execute(
        db, "UPDATE t SET v = 'abc'; INSERT INTO t SELECT g, 'abc', 1 FROM generate_series(11, 10001) g"
    )
    wide = await review(db, sql)
    assert [h.kind for h in wide.statements[1].hazards] == ["constraint-without-not-valid"], wide.to_text()


async def test_a_not_null_that_scans_a_big_table_is_told_postgresql_18s_not_valid_way(db: str) -> None:
    """PostgreSQL 18: SET NOT NULL (or ADD CONSTRAINT c NOT NULL col) reads every row under ACCESS EXCLUSIVE;
    the advice is its own NOT VALID then VALIDATE (SHARE UPDATE EXCLUSIVE), under the name SET NOT NULL gives
    it, or the one written; not the CHECK (col IS NOT NULL) trick older servers needed. Added NOT VALID, or on
    a table whose check takes milliseconds, nothing is asked."""
    await execute(db, SETUP + MANY)
    [advice] = messages(
        await review(db, "ALTER TABLE t ALTER COLUMN v SET NOT NULL;"), "constraint-without-not-valid"
    )
    assert (
        "(ADD CONSTRAINT t_v_not_null NOT NULL v NOT VALID), then VALIDATE CONSTRAINT t_v_not_null" in advice
    )
    assert "CHECK" not in advice
    [named] = messages(
        await review(db, "ALTER TABLE t ADD CONSTRAINT vv NOT NULL v;"), "constraint-without-not-valid"
    )
    assert "(ADD CONSTRAINT vv NOT NULL v NOT VALID), then VALIDATE CONSTRAINT vv" in named
    loose = await review(db, "ALTER TABLE t ADD CONSTRAINT vv NOT NULL v NOT VALID;")
    assert "constraint-without-not-valid" not in kinds(loose), loose.to_text()
    await execute(db, "DELETE FROM t WHERE id > 5")
    small = await review(db, "ALTER TABLE t ALTER COLUMN v SET NOT NULL;")
    assert "constraint-without-not-valid" not in kinds(small), small.to_text()


async def test_row_level_security_turned_on_is_said_to_hide_rows_from_clients(db: str) -> None:
    """ENABLE ROW LEVEL SECURITY on pagila's rental, with a policy on a setting: every client but the owner then
    sees only what the policy lets through. Only the lock was said. Nothing where it is on already."""
    await execute(db, SETUP + ROWS)
    result = await review(
        db, "ALTER TABLE t ENABLE ROW LEVEL SECURITY;\nALTER TABLE t FORCE ROW LEVEL SECURITY;"
    )
    assert messages(result, "backward-incompatible") == [
        "row level security on t: roles other than its owner, superusers and BYPASSRLS roles now read and write "
        "only the rows its policies allow (none where no policy applies): clients that saw every row see "
        "fewer, or none",
        "row level security on t: its owner too (FORCE, once row level security is enabled) now reads and "
        "writes only the rows its policies allow (none where no policy applies): clients that saw every row see "
        "fewer, or none",
    ]
    await execute(db, "ALTER TABLE t ENABLE ROW LEVEL SECURITY")
    again = await review(db, "ALTER TABLE t ENABLE ROW LEVEL SECURITY;")
    assert "backward-incompatible" not in kinds(again), again.to_text()


async def test_a_migration_of_one_statement_is_counted_in_the_singular(db: str) -> None:
    """`review` of a one-statement file ended `1 statements, 1 hazard`."""
    await execute(db, SETUP)
    result = await review(db, "CREATE INDEX t_v_idx ON t (v);")
    assert result.to_text().splitlines()[-1] == "1 statement, 1 hazard"


async def test_counts_are_in_the_messages(db: str) -> None:
    await execute(
        db,
        SETUP + ROWS + "UPDATE t SET v = NULL WHERE id <= 2; INSERT INTO t VALUES (6, 'dup', 1), "
        "(7, 'dup', 1);",
    )
    result = await review(
        db,
        "ALTER TABLE t ALTER COLUMN v SET NOT NULL;\nALTER TABLE t DROP COLUMN v;\n"
        "ALTER TABLE t ADD CONSTRAINT u UNIQUE (v);",
    )
    assert messages(result, "fails-on-existing-data")[0].startswith("2 rows of t have v NULL")
    assert "5 non-null values in 7 rows" in messages(result, "data-loss")[0]
    assert "2 duplicate value groups in t (v)" in messages(result, "fails-on-existing-data")[1]
    assert [s.line for s in result.statements] == [1, 2, 3]


async def test_data_that_cannot_trigger_raises_nothing(db: str) -> None:
    await execute(db, SETUP + ROWS + "UPDATE t SET v = id::text;")
    result = await review(
        db,
        "ALTER TABLE t ALTER COLUMN v SET NOT NULL;\nCREATE UNIQUE INDEX t_v ON t (v);\n"
        "ALTER TABLE t ALTER COLUMN v TYPE varchar(5);\nALTER TABLE t DROP COLUMN p;"
        "\nALTER TABLE t ADD CONSTRAINT c CHECK (id > 0) NOT VALID;",
    )
    assert "fails-on-existing-data" not in kinds(result), result.to_text()
    assert "constraint-without-not-valid" not in kinds(result)
    assert "access-exclusive-lock" in kinds(result)  # the table has rows: the lock is still worth knowing


async def test_table_created_earlier_in_the_migration_has_no_lock_hazards(db: str) -> None:
    await execute(db, SETUP + ROWS)
    result = await review(
        db,
        "CREATE TABLE fresh (id int);\nALTER TABLE fresh ADD COLUMN x int NOT NULL;\n"
        "CREATE INDEX fresh_x ON fresh (x);\nALTER TABLE fresh ALTER COLUMN id TYPE bigint;",
    )
    assert result.hazards == []


async def test_an_earlier_update_that_fills_the_nulls_is_understood(db: str) -> None:
    await execute(db, SETUP + ROWS + "UPDATE t SET p = NULL WHERE id = 1;")
    result = await review(
        db, "UPDATE t SET p = 1 WHERE p IS NULL;\nALTER TABLE t ALTER COLUMN p SET NOT NULL;"
    )
    assert "fails-on-existing-data" not in kinds(result)


async def test_a_column_dropped_and_added_again_in_one_transaction_is_said_to_move(db: str) -> None:
    """The diff drops and adds a generated column around a retyped column it reads: in one transaction
    clients never see it missing, only at another place. A statement that runs alone in between
    (CREATE INDEX CONCURRENTLY) commits what came before it: the drop is then seen, and said as before."""
    await execute(db, SETUP + ROWS + "ALTER TABLE t ADD g int GENERATED ALWAYS AS (id * 2) STORED;")
    moved = await review(
        db,
        "ALTER TABLE t DROP COLUMN g;\nALTER TABLE t ALTER COLUMN id TYPE bigint;\n"
        "ALTER TABLE t ADD COLUMN g bigint GENERATED ALWAYS AS (id * 2) STORED;\nALTER TABLE t DROP COLUMN v;",
    )
    broken = messages(moved, "backward-incompatible")
    assert any(
        m.startswith("drops t.g and adds it again at line 3, in the same transaction") and "last column" in m
        for m in broken
    ), broken
    assert any(m.startswith("drops t.v: running clients") for m in broken), broken  # not added again
    apart = await review(
        db,
        "ALTER TABLE t DROP COLUMN g;\nCREATE INDEX CONCURRENTLY t_p ON t (p);\n"
        "ALTER TABLE t ADD COLUMN g int GENERATED ALWAYS AS (id * 2) STORED;",
    )
    assert any(m.startswith("drops t.g: running clients") for m in messages(apart, "backward-incompatible"))


def test_cli_json_shape(db: str, tmp_path: Path) -> None:
    import asyncio

    asyncio.run(execute(db, SETUP + ROWS))
    path = tmp_path / "m.sql"
    path.write_text("BEGIN;\n-- drop it\nALTER TABLE t DROP COLUMN v;\nCOMMIT;\n")
    out = run_cli("review", str(path), db, "--format", "json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert list(data) == ["notes", "statements"]
    [statement] = data["statements"]
    assert set(statement) == {
        "sql",
        "line",
        "transactional",
        "lock",
        "lock_observed",
        "trace",
        "locks",
        "hazards",
    }
    assert statement["line"] == 3
    assert {"kind", "message", "basis"} <= set(statement["hazards"][0])
    assert {h["kind"] for h in statement["hazards"]} == {
        "backward-incompatible",
        "access-exclusive-lock",
        "data-loss",
    }
    text = run_cli("review", str(path), db)
    assert f"{path}:3: ALTER TABLE t DROP COLUMN v" in text.stdout
    assert "! data-loss (observed): drops t.v: 5 non-null values in 5 rows" in text.stdout


async def test_big_tables_use_the_estimate_and_say_so(db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    import dibs_tui.core.review.facts as review_module

    monkeypatch.setattr(review_module, "EXACT_COUNT_LIMIT", 100)
    await execute(db, SETUP + "INSERT INTO t SELECT g, 'x' FROM generate_series(1, 1000) g; ANALYZE t;")
    result = await review(db, "ALTER TABLE t DROP COLUMN v;\nALTER TABLE t ALTER COLUMN v SET NOT NULL;")
    [loss] = messages(result, "data-loss")
    assert "~1,000 rows, a pg_class.reltuples estimate" in loss and "1,000 non-null values" in loss
    assert "fails-on-existing-data" not in kinds(result)  # the bounded NULL count still ran: none


async def test_quoted_and_schema_qualified_names(db: str) -> None:
    await execute(
        db,
        'CREATE SCHEMA app; CREATE TABLE app."Orders" ("Id" int, "Note" text);'
        "INSERT INTO app.\"Orders\" VALUES (1, NULL), (2, 'n');",
    )
    result = await review(
        db,
        'ALTER TABLE app."Orders" ALTER COLUMN "Note" SET NOT NULL;\n'
        'ALTER TABLE ONLY app."Orders" DROP COLUMN IF EXISTS "Note";',
    )
    assert messages(result, "fails-on-existing-data") == [
        '1 row of app."Orders" has Note NULL: SET NOT NULL fails (e.g. ctid (0,1))'
    ]
    assert "1 non-null value in 2 rows" in messages(result, "data-loss")[0]


@pytest.mark.parametrize(
    ("sql", "lock"),
    [
        ("ALTER TABLE t ADD COLUMN x int", "ACCESS EXCLUSIVE on t"),
        ("ALTER TABLE t VALIDATE CONSTRAINT c", "SHARE UPDATE EXCLUSIVE on t"),
        (
            "ALTER TABLE t ADD CONSTRAINT f FOREIGN KEY (p) REFERENCES parent NOT VALID",
            "SHARE ROW EXCLUSIVE on t",
        ),
        ("ALTER TABLE t VALIDATE CONSTRAINT c, ALTER COLUMN v SET NOT NULL", "ACCESS EXCLUSIVE on t"),
        ("CREATE INDEX i ON t (v)", "SHARE (blocks writes) on t"),
        ("CREATE UNIQUE INDEX CONCURRENTLY i ON ONLY app.t (v)", "SHARE UPDATE EXCLUSIVE on app.t"),
        ("CREATE TRIGGER g AFTER INSERT ON t FOR EACH ROW EXECUTE FUNCTION f()", "SHARE ROW EXCLUSIVE on t"),
        ("REFRESH MATERIALIZED VIEW mv", "ACCESS EXCLUSIVE on mv"),
        ("REFRESH MATERIALIZED VIEW CONCURRENTLY mv", ""),
        ("UPDATE t SET v = 1", "ROW EXCLUSIVE on t"),
        ("CREATE TABLE n (id int)", ""),
        ("ALTER INDEX i RENAME TO j", "SHARE UPDATE EXCLUSIVE on i"),
        ("ALTER INDEX app.i SET (fillfactor = 50)", "SHARE UPDATE EXCLUSIVE on app.i"),
        ("ALTER INDEX i SET TABLESPACE x", "ACCESS EXCLUSIVE on i"),
        ("DROP INDEX CONCURRENTLY i", "SHARE UPDATE EXCLUSIVE on i"),
        ("REINDEX TABLE CONCURRENTLY t", "SHARE UPDATE EXCLUSIVE on t"),
    ],
)
def test_lock_taken_per_command_and_alter_form(sql: str, lock: str) -> None:
    from dibs_tui.core.review.shapes import lock_taken

    assert lock_taken(sql) == lock


LOCK_SETUP = (
    "CREATE TABLE t (id int PRIMARY KEY, v text); INSERT INTO t SELECT g, 'v' FROM generate_series(1, 5) g;"
    "CREATE TABLE m (id int, k int) PARTITION BY RANGE (k); CREATE TABLE m1 PARTITION OF m FOR VALUES FROM (0) "
    "TO (10); CREATE TABLE m_def PARTITION OF m DEFAULT; INSERT INTO m VALUES (1, 1), (2, 50);"
    "CREATE TABLE x (id int, k int); INSERT INTO x VALUES (3, 15);"
)
LOCK_STATEMENTS = [
    "ALTER TABLE t SET (fillfactor = 70, autovacuum_enabled = false)",
    "ALTER TABLE t RESET (fillfactor)",
    "ALTER TABLE t SET (user_catalog_table = true)",
    "ALTER TABLE t ALTER COLUMN v SET STATISTICS 100",
    "ALTER TABLE t ALTER COLUMN v SET (n_distinct = 5)",
    "ALTER TABLE t ALTER COLUMN v RESET (n_distinct)",
    "ALTER TABLE t ALTER COLUMN v SET STORAGE EXTERNAL",
    "ALTER TABLE t ALTER COLUMN v SET DEFAULT 'x'",
    "ALTER TABLE t CLUSTER ON t_pkey",
    "ALTER TABLE t DISABLE TRIGGER ALL",
    "ALTER TABLE t REPLICA IDENTITY FULL",
    "ALTER TABLE t ENABLE ROW LEVEL SECURITY",
    "ALTER TABLE t OWNER TO CURRENT_USER",
    "ALTER TABLE m ATTACH PARTITION x FOR VALUES FROM (10) TO (20)",
    "ALTER TABLE m DETACH PARTITION m1",
]


@pytest.mark.parametrize("sql", LOCK_STATEMENTS)
async def test_the_rules_lock_is_the_servers(db: str, sql: str) -> None:
    """Without a trace (migrate's acknowledgement), the lock said and the ACCESS EXCLUSIVE hazards are the ones
    the server takes, read from pg_locks as the statement runs on the same rows."""
    import re

    from dibs_tui.core.review.observed import lock_words

    await execute(db, LOCK_SETUP)
    result = await review(db, sql + ";")
    [statement] = result.statements
    said = {m for h in statement.hazards for m in re.findall(r"ACCESS EXCLUSIVE on (\S+) \(", h.message)}
    conn = await connect(resolve(db), read_only=False)
    try:
        transaction = conn.transaction()
        await transaction.start()
        await conn.execute(sql)
        held = await conn.fetch(
            "SELECT c.relname, l.mode FROM pg_locks l JOIN pg_class c ON c.oid = l.relation WHERE l.pid = "
            "pg_backend_pid() AND c.relkind IN ('r', 'p') AND c.relnamespace = 'public'::regnamespace"
        )
        await transaction.rollback()
    finally:
        await conn.close()
    named = sql.split()[2]
    modes = {r["relname"]: r["mode"] for r in held if r["relname"] == named}
    assert statement.lock == f"{lock_words(modes[named])} on {named}", result.to_text()
    exclusive = {r["relname"] for r in held if r["mode"] == "AccessExclusiveLock"}
    assert said == exclusive, result.to_text()


async def test_detach_concurrently_beside_a_default_partition_is_said_to_fail(db: str) -> None:
    await execute(db, LOCK_SETUP)
    sql = "ALTER TABLE m DETACH PARTITION m1 CONCURRENTLY"
    result = await review(db, sql + ";")
    assert messages(result, "fails-on-existing-data") == [
        "m has a default partition (m_def): PostgreSQL refuses DETACH PARTITION ... CONCURRENTLY while it has one"
    ], result.to_text()
    with pytest.raises(asyncpg.ObjectNotInPrerequisiteStateError):
        await execute(db, sql)
    await execute(db, "DROP TABLE m_def")
    assert messages(await review(db, sql + ";"), "fails-on-existing-data") == []
    await execute(db, sql)


@pytest.mark.parametrize(
    "setup",
    ["", "ALTER TABLE t ADD CONSTRAINT v_set CHECK (v IS NOT NULL)", "ALTER TABLE t ALTER v SET NOT NULL"],
)
async def test_the_rules_say_a_set_not_null_scans_only_where_the_server_does(db: str, setup: str) -> None:
    """Untraced (migrate's acknowledgement), SET NOT NULL is said to scan the table unless a validated CHECK
    (v IS NOT NULL) or the column's own NOT NULL spares the server the read, as its pg_stat_xact_user_tables shows."""
    await execute(db, LOCK_SETUP + setup)
    sql = "ALTER TABLE t ALTER COLUMN v SET NOT NULL"
    [lock] = messages(await review(db, sql + ";"), "access-exclusive-lock")
    conn = await connect(resolve(db), read_only=False)
    try:
        transaction = conn.transaction()
        await transaction.start()
        await conn.execute(sql)
        scans = await conn.fetchval("SELECT seq_scan FROM pg_stat_xact_user_tables WHERE relname = 't'")
        await transaction.rollback()
    finally:
        await conn.close()
    assert ("(and scans it)" in lock) is (scans > 0), lock


def test_review_of_a_folder_says_it_is_a_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`review db/migrations` said 'no such migration file' of a folder that is there."""
    from dibs_tui.cli import main

    folder = tmp_path / "20260101000000_add.sql"
    folder.mkdir()
    for path, said in (
        (folder, f"{folder} is a folder: review takes one migration file"),
        (tmp_path / "x.sql", "no such"),
    ):
        assert main(["review", str(path), "postgresql://nobody@127.0.0.1:1/x"]) == 1
        assert said in capsys.readouterr().err


def test_a_table_in_a_schema_the_role_may_not_use_is_a_note_not_a_failed_review(db: str) -> None:
    """to_regclass raises for a schema without USAGE: the whole review failed with 'permission denied for
    schema'. The statements are reviewed; that table's facts are said unknown, in a note."""
    import asyncio
    import secrets

    from tests.pg import run_sql

    role = f"no_usage_{secrets.token_hex(4)}"
    run_sql(
        db,
        f"CREATE SCHEMA hidden; CREATE TABLE hidden.t (id int); CREATE TABLE seen (id int); "
        f"INSERT INTO seen VALUES (1); CREATE ROLE {role} LOGIN; GRANT SELECT ON seen TO {role}",
    )
    try:
        as_role = db.replace("://postgres@", f"://{role}@")
        result = asyncio.run(review(as_role, "DELETE FROM hidden.t;\nDELETE FROM seen;\n"))
        assert len(result.statements) == 2
        assert any("hidden.t: not looked up (permission denied for schema hidden)" in n for n in result.notes)
        assert any("1 row" in m for m in messages(result, "data-loss")), result.to_text()
    finally:
        run_sql(db, f"DROP OWNED BY {role}; DROP ROLE {role}")


@pytest.mark.parametrize(
    "text", ["", "  \n\t\n", "-- to be written\n/* later */\n", "BEGIN;\n-- todo\nCOMMIT;\n"]
)
def test_a_file_with_no_statement_is_nothing_to_review_and_records_nothing(
    db: str, tmp_path: Path, text: str
) -> None:
    """An empty migration was reviewed as fine and its fingerprint record written: migrate's guard then vouched
    for statements written into it later. It is refused as generate and migrate refuse an empty one (exit 1)."""
    path = tmp_path / "20260101000000_todo.sql"
    path.write_text(text)
    out = run_cli("review", str(path), db)
    assert out.returncode == 1, out.stdout
    assert f"dibs-tui: error: nothing to review: {path} holds no SQL statement" in out.stderr
    assert "Traceback" not in out.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]  # no .fingerprint beside it


TYPED = (
    "CREATE TABLE ty (id int, big bigint, v varchar(10), s text, n numeric(6,2), ts timestamp, tz timestamptz);"
    "INSERT INTO ty SELECT g, g, 'a', 'b', 1.5, now(), now() FROM generate_series(1, 5) g;"
)


async def rewritten_by(dsn: str, sql: str, time_zone: str) -> bool:
    """Whether the server gives ty a new relfilenode for `sql` (run in a transaction rolled back)."""
    conn = await asyncpg.connect(dsn, server_settings={"TimeZone": time_zone})
    try:
        tx = conn.transaction()
        await tx.start()
        before = await conn.fetchval("SELECT relfilenode FROM pg_class WHERE relname = 'ty'")
        await conn.execute(sql)
        after = await conn.fetchval("SELECT relfilenode FROM pg_class WHERE relname = 'ty'")
        await tx.rollback()
    finally:
        await conn.close()
    return bool(before != after)


@pytest.mark.parametrize(
    ("migration", "time_zone"),
    [
        ("ALTER TABLE ty ALTER COLUMN id TYPE int4", "UTC"),
        ("ALTER TABLE ty ALTER COLUMN big TYPE int8", "UTC"),
        ("ALTER TABLE ty ALTER COLUMN id TYPE int8", "UTC"),
        ("ALTER TABLE ty ALTER COLUMN s TYPE varchar", "UTC"),
        ("ALTER TABLE ty ALTER COLUMN s TYPE varchar(20)", "UTC"),
        ("ALTER TABLE ty ALTER COLUMN v TYPE character varying(20)", "UTC"),
        ("ALTER TABLE ty ALTER COLUMN v TYPE varchar(5)", "UTC"),
        ("ALTER TABLE ty ALTER COLUMN n TYPE decimal(8,2)", "UTC"),
        ("ALTER TABLE ty ALTER COLUMN ts TYPE timestamptz", "UTC"),
        ("ALTER TABLE ty ALTER COLUMN tz TYPE timestamp", "Etc/UTC"),
        ("ALTER TABLE ty ALTER COLUMN ts TYPE timestamptz", "Europe/Paris"),
        ("ALTER TABLE ty ALTER COLUMN ts TYPE timestamp with time zone", "America/New_York"),
        ("ALTER TABLE ty ALTER COLUMN s TYPE text USING upper(s)", "UTC"),
        ("ALTER TABLE ty ALTER COLUMN id TYPE int4 USING id + 1", "UTC"),
        ("ALTER TABLE ty ALTER COLUMN v TYPE text USING v::text", "UTC"),
        ('ALTER TABLE ty ALTER COLUMN s TYPE varchar USING "s"', "UTC"),
        ("ALTER TABLE ty ALTER COLUMN s TYPE varchar USING ty.s::varchar", "UTC"),
        ("ALTER TABLE ty ALTER COLUMN s TYPE text USING v", "UTC"),
    ],
)
async def test_the_rules_say_a_type_change_rewrites_only_where_the_server_does(
    db: str, migration: str, time_zone: str
) -> None:
    """Untraced, the rules alone: the written type is read as the server spells it (int8 is bigint), and
    timestamp <-> timestamptz keeps the table where the session's zone is UTC (the review's session is the one
    migrate's would be)."""
    await execute(db, TYPED)
    conn = await connect(resolve(db))
    try:
        await conn.execute(f"SET TimeZone = '{time_zone}'")
        result = await review_sql(conn, migration, "m.sql")
    finally:
        await conn.close()
    said = "table-rewrite" in kinds(result)
    assert said == await rewritten_by(db, migration, time_zone), result.to_text()


@pytest.mark.parametrize(
    "setup",
    [
        "",
        "ALTER TABLE t ADD CONSTRAINT c CHECK (v IS NOT NULL);",
        "ALTER TABLE t ADD CONSTRAINT c CHECK (v IS NOT NULL) NOT VALID;",
        "ALTER TABLE t ADD CONSTRAINT nn NOT NULL v NOT VALID;",
        "ALTER TABLE t ALTER COLUMN v SET NOT NULL;",
    ],
)
async def test_the_rules_say_set_not_null_scans_where_the_server_reads_the_rows(db: str, setup: str) -> None:
    """Untraced: SET NOT NULL reads every row unless a valid constraint proves it; a NOT VALID not-null
    constraint (PostgreSQL 18) sets attnotnull, yet the SET NOT NULL validates it and reads them."""
    await execute(db, SETUP + ROWS + setup)
    migration = "ALTER TABLE t ALTER COLUMN v SET NOT NULL"
    said = any("(and scans it)" in h.message for _, h in (await review(db, migration)).hazards)
    conn = await asyncpg.connect(db)
    try:
        tx = conn.transaction()
        await tx.start()
        await conn.execute(migration)
        scans = await conn.fetchval("SELECT seq_scan FROM pg_stat_xact_user_tables WHERE relname = 't'")
        await tx.rollback()
    finally:
        await conn.close()
    assert said == (scans > 0), (setup, scans)
