"""The observed trace: a migration run in a sandbox clone of the live schema, a transaction per segment.

The oracle is the server: each statement is also run alone, in a transaction of its own, on a copy of the live
database, and the locks its backend holds and the relfilenodes it changed are read there; the trace must say
the same. The misses the rules used to have are each reported (or no longer falsely reported) here.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import pytest

from dibs_tui.core.connect import connect, resolve
from dibs_tui.core.embedded import EmbeddedServer
from dibs_tui.core.review.report import Review
from dibs_tui.core.review.run import review_file, review_sql
from tests.cli_in_process import run_cli
from tests.pg import execute, fetch

SCHEMA = """
CREATE TYPE mood AS ENUM ('ok');
CREATE TABLE a (id int PRIMARY KEY, v text, n int NOT NULL DEFAULT 0, m int DEFAULT 1);
CREATE TABLE b (id int PRIMARY KEY, v text);
CREATE TABLE c (id int PRIMARY KEY, v text);
CREATE TABLE d (id int PRIMARY KEY, v text);
CREATE INDEX d_v ON d (v);
CREATE TABLE e (id int PRIMARY KEY, v text);
CREATE TABLE f (id int PRIMARY KEY, v text);
CREATE UNLOGGED TABLE g (id int PRIMARY KEY, v text);
CREATE TABLE p (id int, k int) PARTITION BY RANGE (k);
CREATE TABLE p1 PARTITION OF p FOR VALUES FROM (0) TO (10);
CREATE TABLE p2 PARTITION OF p FOR VALUES FROM (10) TO (20);
CREATE TABLE h (id int PRIMARY KEY, v text);
CREATE VIEW hv AS SELECT id, v FROM h;
CREATE VIEW hw AS SELECT id FROM h;
CREATE TABLE i (id int PRIMARY KEY, s int GENERATED ALWAYS AS (id * 2) STORED);
CREATE TABLE j (id int PRIMARY KEY, v int GENERATED ALWAYS AS (id * 2));
CREATE TABLE k (id int PRIMARY KEY);
CREATE TABLE l (id int PRIMARY KEY, v text);
CREATE TABLE m (id int PRIMARY KEY, k_id int CONSTRAINT m_k REFERENCES k NOT ENFORCED);
CREATE TABLE o (id int PRIMARY KEY);
CREATE TABLE n (id int PRIMARY KEY, o_id int CONSTRAINT n_o REFERENCES o);
"""
ROWS = """
INSERT INTO a (id, v) SELECT i, NULL FROM generate_series(1, 50) i;
INSERT INTO b SELECT i, 'x' FROM generate_series(1, 50) i;
INSERT INTO c SELECT i, 'x' FROM generate_series(1, 50) i;
INSERT INTO d SELECT i, 'x' FROM generate_series(1, 50) i;
INSERT INTO e SELECT i, 'x' FROM generate_series(1, 50) i;
INSERT INTO f SELECT i, 'x' FROM generate_series(1, 50) i;
INSERT INTO g SELECT i, 'x' FROM generate_series(1, 50) i;
INSERT INTO p SELECT i, i % 20 FROM generate_series(1, 50) i;
INSERT INTO i SELECT i FROM generate_series(1, 50) i;
INSERT INTO j SELECT i FROM generate_series(1, 50) i;
INSERT INTO k SELECT i FROM generate_series(1, 50) i;
INSERT INTO l SELECT i, 'x' FROM generate_series(1, 50) i;
INSERT INTO m SELECT i, i FROM generate_series(1, 50) i;
INSERT INTO o SELECT i FROM generate_series(1, 50) i;
INSERT INTO n SELECT i, i FROM generate_series(1, 50) i;
"""
# One statement per table, so that what each statement takes is its own in the trace's one transaction too.
MIGRATION = """\
BEGIN;
ALTER TABLE b SET UNLOGGED;
ALTER TABLE g SET LOGGED;
ALTER TABLE c ADD COLUMN u uuid DEFAULT uuidv7();
ALTER TABLE e ADD COLUMN twice int GENERATED ALWAYS AS (id * 2) VIRTUAL;
CREATE INDEX f_v ON f (v);
REINDEX TABLE d;
CREATE INDEX p_id ON p (id);
ALTER TYPE mood ADD VALUE 'meh';
ALTER TABLE a ALTER COLUMN n DROP DEFAULT;
ALTER TABLE a ALTER COLUMN m DROP DEFAULT;
ALTER TABLE a ADD CONSTRAINT a_positive CHECK (id < 0) NOT ENFORCED;
ALTER TABLE a ADD CONSTRAINT a_v_nn NOT NULL v NOT VALID;
CREATE INDEX a_v ON a (v);
CREATE OR REPLACE VIEW hv AS SELECT id, v, 1 AS one FROM h;
DROP VIEW hw;
ALTER TABLE i ALTER COLUMN s SET EXPRESSION AS (id * 3);
ALTER TABLE j ALTER COLUMN v SET EXPRESSION AS (id * 3);
ALTER TABLE l ADD COLUMN s int GENERATED ALWAYS AS (id * 2) STORED;
ALTER TABLE m ALTER CONSTRAINT m_k ENFORCED;
ALTER TABLE n ALTER CONSTRAINT n_o NOT ENFORCED;
COMMIT;
VACUUM FULL b;
ALTER TABLE p DETACH PARTITION p2 CONCURRENTLY;
"""

_RELATIONS = """SELECT c.oid::int8, c.relname::text, c.relfilenode::int8 FROM pg_class c
 WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p', 'm', 'v')"""
# By OID, named from before the statement: a relation it drops is gone from pg_class but still locked.
_LOCKS = """SELECT l.relation::int8, l.mode FROM pg_locks l
 WHERE l.pid = pg_backend_pid() AND l.locktype = 'relation'"""


async def server_did(dsn: str, sql: str) -> tuple[set[tuple[str, str]], set[str]] | None:
    """What the server does for `sql` run alone in a transaction (rolled back): the table and view locks its
    backend holds (on those that existed before), the tables it gave a new relfilenode. None: refused in a
    transaction block."""
    conn = await asyncpg.connect(dsn)
    try:
        async with conn.transaction():
            before = {oid: (name, node) for oid, name, node in await conn.fetch(_RELATIONS)}
            try:
                async with conn.transaction():
                    await conn.execute(sql)
            except asyncpg.ActiveSQLTransactionError:
                return None
            after = {oid: node for oid, _, node in await conn.fetch(_RELATIONS)}
            locks = {(f"public.{before[r[0]][0]}", r[1]) for r in await conn.fetch(_LOCKS) if r[0] in before}
            rewritten = {
                f"public.{name}"
                for oid, (name, node) in before.items()
                if oid in after and after[oid] != node
            }
            raise _RolledBack(locks, rewritten)
    except _RolledBack as done:
        return done.locks, done.rewritten
    finally:
        await conn.close()


class _RolledBack(Exception):
    def __init__(self, locks: set[tuple[str, str]], rewritten: set[str]) -> None:
        self.locks, self.rewritten = locks, rewritten


@pytest.fixture(scope="module")
def traced(
    pg_server: EmbeddedServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, str, Review]]:
    """The live database (schema and rows), a copy of it for the oracle, and the traced review of MIGRATION
    (traced once for the module: a trace builds a sandbox)."""
    names = ["trace_live", "trace_oracle"]
    asyncio.run(_admin(pg_server, *(f"CREATE DATABASE {n}" for n in names)))
    try:
        live, oracle = (pg_server.dsn(n) for n in names)
        for dsn in (live, oracle):
            asyncio.run(execute(dsn, SCHEMA + ROWS))
        path = tmp_path_factory.mktemp("trace") / "m.sql"
        path.write_text(MIGRATION)
        yield live, oracle, asyncio.run(review_file(resolve(live), path))
    finally:
        asyncio.run(_admin(pg_server, *(f"DROP DATABASE IF EXISTS {n} WITH (FORCE)" for n in names)))


async def _admin(server: EmbeddedServer, *statements: str) -> None:
    for statement in statements:
        await execute(server.dsn("postgres"), statement)


def hazards(review: Review, start: str) -> set[tuple[str, str]]:
    [statement] = [s for s in review.statements if s.sql.startswith(start)]
    return {(h.kind, h.basis) for h in statement.hazards}


async def test_the_trace_says_what_the_server_did(traced: tuple[str, str, Review]) -> None:
    live, oracle, review = traced
    earlier: set[tuple[str, str]] = set()  # held since an earlier statement of the trace's transaction
    for statement in review.statements:
        did = await server_did(oracle, statement.sql)
        if did is None:
            assert not statement.transactional and statement.trace == "not in a transaction", statement
            continue
        locks, rewritten = did
        observed = {(k.relation, k.mode) for k in statement.locks}
        assert observed == locks - earlier, statement.sql
        earlier |= observed
        said = {h.message.split()[1] for h in statement.hazards if h.kind == "table-rewrite"}
        assert said == rewritten, statement.sql
    assert await fetch(live, "SELECT count(*) FROM p") == [(50,)]  # nothing ran on the live database


def test_each_miss_is_reported(traced: tuple[str, str, Review]) -> None:
    _, _, review = traced
    assert ("table-rewrite", "observed") in hazards(review, "ALTER TABLE b SET UNLOGGED")
    assert ("table-rewrite", "observed") in hazards(review, "ALTER TABLE g SET LOGGED")
    assert ("table-rewrite", "observed") in hazards(
        review, "ALTER TABLE c ADD COLUMN u uuid DEFAULT uuidv7()"
    )
    assert {"table-rewrite", "non-transactional"} <= {k for k, _ in hazards(review, "VACUUM FULL b")}
    assert ("non-transactional", "observed") in hazards(review, "VACUUM FULL b")
    assert ("blocking-index-build", "observed") in hazards(review, "CREATE INDEX f_v")
    assert ("blocking-index-build", "observed") in hazards(review, "REINDEX TABLE d")
    assert ("non-transactional", "observed") in hazards(review, "ALTER TABLE p DETACH")
    assert ("backward-incompatible", "inferred") in hazards(
        review, "ALTER TABLE a ALTER COLUMN n DROP DEFAULT"
    )


def test_generated_columns_and_enforcement_are_observed(traced: tuple[str, str, Review]) -> None:
    """PostgreSQL 18: a stored column's new expression rewrites its table, a virtual one's does not; a stored
    column added rewrites, a virtual one (e.twice) does not; ALTER CONSTRAINT ... ENFORCED reads every row of
    the table under ACCESS EXCLUSIVE, and blocks writes to the table it references."""
    _, _, review = traced
    assert ("table-rewrite", "observed") in hazards(review, "ALTER TABLE i ALTER COLUMN s SET EXPRESSION")
    assert "table-rewrite" not in {
        k for k, _ in hazards(review, "ALTER TABLE j ALTER COLUMN v SET EXPRESSION")
    }
    assert ("table-rewrite", "observed") in hazards(review, "ALTER TABLE l ADD COLUMN s")
    [enforced] = [s for s in review.statements if s.sql.startswith("ALTER TABLE m ALTER CONSTRAINT")]
    said = {(h.kind, h.basis): h.message for h in enforced.hazards}
    assert "reads every row" in said[("access-exclusive-lock", "observed")], said
    assert "public.k" in said[("write-blocking-lock", "observed")], said


def test_no_false_alarms(traced: tuple[str, str, Review]) -> None:
    _, _, review = traced
    assert "table-rewrite" not in {k for k, _ in hazards(review, "ALTER TABLE e ADD COLUMN twice")}
    assert "non-transactional" not in {k for k, _ in hazards(review, "ALTER TYPE mood ADD VALUE")}
    assert "backward-incompatible" not in {k for k, _ in hazards(review, "ALTER TABLE a ALTER COLUMN m DROP")}
    for start in ("ALTER TABLE a ADD CONSTRAINT a_positive", "ALTER TABLE a ADD CONSTRAINT a_v_nn"):
        kinds = {k for k, _ in hazards(review, start)}
        assert not kinds & {"fails-on-existing-data", "constraint-without-not-valid"}, start


async def test_an_index_on_a_partitioned_table_is_one_build_with_the_tree_size(
    traced: tuple[str, str, Review],
) -> None:
    live, _, review = traced
    [statement] = [s for s in review.statements if s.sql.startswith("CREATE INDEX p_id")]
    [build] = [h for h in statement.hazards if h.kind == "blocking-index-build"]
    assert build.message.startswith("builds 2 indexes on the partitions of public.p (")  # not the parent p_id
    assert statement.lock == "SHARE on public.p (and 2 more)"
    [(size,)] = await fetch(live, "SELECT sum(pg_table_size(relid))::int8 FROM pg_partition_tree('p')")
    assert build.cost is not None and build.cost.size_bytes == size > 0


def test_a_lock_held_since_an_earlier_statement_is_said(traced: tuple[str, str, Review]) -> None:
    """pg_locks shows only the modes a statement adds: the index build adds SHARE, while the ACCESS EXCLUSIVE
    that the ALTERs before it took is still held, and the review says so."""
    _, _, review = traced
    [statement] = [s for s in review.statements if s.sql.startswith("CREATE INDEX a_v")]
    assert (
        statement.lock == "SHARE on public.a, ACCESS EXCLUSIVE already held on it from an earlier statement"
    )
    [first] = [s for s in review.statements if s.sql.startswith("ALTER TABLE a ALTER COLUMN n")]
    assert first.lock == "ACCESS EXCLUSIVE on public.a"


async def test_costs_are_live_sizes_over_a_measured_rate(traced: tuple[str, str, Review]) -> None:
    live, _, review = traced
    [statement] = [s for s in review.statements if s.sql.startswith("ALTER TABLE c ADD COLUMN u")]
    [rewrite] = [h for h in statement.hazards if h.kind == "table-rewrite"]
    [(size,)] = await fetch(live, "SELECT pg_total_relation_size('c')::int8")
    assert rewrite.cost is not None and rewrite.cost.size_bytes == size
    assert rewrite.cost.seconds is not None and rewrite.cost.seconds > 0
    assert "rewritten at" in rewrite.cost.how and "MB/s" in rewrite.cost.how
    assert any("estimated from rates measured in the sandbox" in n for n in review.notes)


async def test_untraced_review_infers_the_same_misses(db: str) -> None:
    """The rules alone (no sandbox: e.g. migrate's acknowledgement) say the same where the shape tells."""
    await execute(db, SCHEMA + ROWS)
    conn = await connect(resolve(db))
    try:
        review = await review_sql(conn, MIGRATION, "m.sql")
    finally:
        await conn.close()
    assert ("table-rewrite", "inferred") in hazards(review, "ALTER TABLE b SET UNLOGGED")
    assert ("table-rewrite", "inferred") in hazards(review, "ALTER TABLE c ADD COLUMN u")
    assert ("table-rewrite", "inferred") in hazards(review, "VACUUM FULL b")
    assert ("table-rewrite", "inferred") in hazards(review, "ALTER TABLE i ALTER COLUMN s SET EXPRESSION")
    [enforced] = [s for s in review.statements if s.sql.startswith("ALTER TABLE m ALTER CONSTRAINT")]
    said = {(h.kind, h.basis): h.message for h in enforced.hazards}
    assert "every row it checks" in said[("access-exclusive-lock", "inferred")], said
    assert "SHARE ROW EXCLUSIVE on k" in said[("write-blocking-lock", "inferred")], said
    [unenforced] = [s for s in review.statements if s.sql.startswith("ALTER TABLE n ALTER CONSTRAINT")]
    assert any("ACCESS EXCLUSIVE on o " in h.message for h in unenforced.hazards), unenforced.hazards
    assert "table-rewrite" not in {
        k for k, _ in hazards(review, "ALTER TABLE j ALTER COLUMN v SET EXPRESSION")
    }
    assert ("blocking-index-build", "inferred") in hazards(review, "REINDEX TABLE d")
    assert ("non-transactional", "inferred") in hazards(review, "ALTER TABLE p DETACH")
    assert "table-rewrite" not in {k for k, _ in hazards(review, "ALTER TABLE e ADD COLUMN twice")}
    assert "non-transactional" not in {k for k, _ in hazards(review, "ALTER TYPE mood ADD VALUE")}


def test_cli_json_carries_the_observation(db: str, tmp_path: Path) -> None:
    asyncio.run(execute(db, SCHEMA + ROWS))
    path = tmp_path / "m.sql"
    path.write_text("ALTER TABLE c ALTER COLUMN id TYPE bigint;\n")
    out = run_cli("review", str(path), db, "--format", "json")
    assert out.returncode == 0, out.stderr
    [statement] = json.loads(out.stdout)["statements"]
    assert statement["trace"] == "ran" and statement["lock"] == "ACCESS EXCLUSIVE on public.c"
    assert statement["lock_observed"] is True
    assert {"relation": "public.c", "mode": "AccessExclusiveLock", "granted": True} in statement["locks"]
    [rewrite] = [h for h in statement["hazards"] if h["kind"] == "table-rewrite"]
    assert rewrite["basis"] == "observed" and rewrite["cost"]["size_bytes"] > 0
    assert rewrite["cost"]["lock_seconds"] > 0 and "MB/s" in rewrite["cost"]["estimated_from"]


def test_cli_no_trace_keeps_to_the_rules(db: str, tmp_path: Path) -> None:
    asyncio.run(execute(db, SCHEMA + ROWS))
    path = tmp_path / "m.sql"
    path.write_text("ALTER TABLE c ALTER COLUMN id TYPE bigint;\n")
    out = run_cli("review", str(path), db, "--format", "json", "--no-trace")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    [statement] = data["statements"]
    assert data["notes"] == [] and statement["trace"] == "" and statement["locks"] == []
    assert statement["lock_observed"] is False
    assert {h["basis"] for h in statement["hazards"]} == {"inferred"}
    assert "table-rewrite" in {h["kind"] for h in statement["hazards"]}


@pytest.mark.parametrize(("zone", "rewrites"), [("UTC", False), ("Europe/Paris", True)])
async def test_timestamp_to_timestamptz_is_traced_in_the_live_sessions_time_zone(
    db: str, tmp_path: Path, zone: str, rewrites: bool
) -> None:
    """timestamp -> timestamptz keeps every byte only where the session's TimeZone is UTC: migrate's session
    has the live database's zone, whatever the sandbox's server defaults to."""
    await execute(
        db,
        "CREATE TABLE ev (id int PRIMARY KEY, at timestamp);"
        "INSERT INTO ev SELECT g, '2024-01-01' FROM generate_series(1, 10) g;"
        f"DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET TimeZone = %L', current_database(), '{zone}'); END $$",
    )
    migration = "ALTER TABLE ev ALTER COLUMN at TYPE timestamptz"
    path = tmp_path / "m.sql"
    path.write_text(migration + ";\n")
    review = await review_file(resolve(db), path)
    [statement] = review.statements
    assert statement.trace == "ran", review.to_text()
    said = ("table-rewrite", "observed") in {(h.kind, h.basis) for h in statement.hazards}
    conn = await asyncpg.connect(db)  # the oracle: the live database's own session
    try:
        async with conn.transaction():
            before = await conn.fetchval("SELECT pg_relation_filenode('ev')")
            await conn.execute(migration)
            server_rewrote = before != await conn.fetchval("SELECT pg_relation_filenode('ev')")
            await conn.execute("SELECT 1/0")  # rolled back
    except asyncpg.DivisionByZeroError:
        pass
    finally:
        await conn.close()
    assert server_rewrote is rewrites
    assert said is rewrites, review.to_text()


def test_the_meta_updates_of_a_generated_migration_are_traced(db: str, tmp_path: Path) -> None:
    """Every migration `generate` writes ends with updates of the __dibs_* meta tables: the clone has them when
    the live database does, so they are traced like the rest (they failed as 'relation does not exist')."""
    from dibs_tui.core.meta import meta_tables_ddl

    asyncio.run(
        execute(
            db,
            meta_tables_ddl() + "; CREATE TABLE t (id int PRIMARY KEY); CREATE TABLE u (id int);"
            "INSERT INTO __dibs_tables (table_name, source_file, source_line) VALUES ('t', 'schema.sql', 1)",
        )
    )
    path = tmp_path / "m.sql"
    column = (
        "INSERT INTO __dibs_columns (table_name, column_name, source_file, source_line) VALUES ('{}', 'b', "
        "'schema.sql', 2) ON CONFLICT (table_name, column_name) DO UPDATE SET source_line = 2;\n"
    )
    path.write_text(
        "ALTER TABLE t ADD COLUMN b int;\n"
        "UPDATE __dibs_tables SET modified_at = now() WHERE table_name = 't';\n"
        + column.format("t")
        + column.format("u")  # u has no __dibs_tables row: this fails live, and in the trace
    )
    out = run_cli("review", str(path), db, "--format", "json")
    assert out.returncode == 0, out.stderr
    statements = json.loads(out.stdout)["statements"]
    assert [s["trace"] for s in statements[:3]] == ["ran", "ran", "ran"]
    assert statements[1]["lock"] == "ROW EXCLUSIVE on public.__dibs_tables"
    assert "violates foreign key constraint" in statements[3]["trace"]


async def test_a_statement_the_sandboxs_role_may_not_run_is_not_said_to_fail(
    db: str, tmp_path: Path, pg_server: EmbeddedServer
) -> None:
    """The trace runs as a restricted role: OWNER TO another role, CREATE EXTENSION of an untrusted one, SET ROLE
    are refused there for want of a right the migration's own role may have. That is not a failure of the
    statement: it is said as not traced, and the rules stand."""
    await execute(db, "CREATE TABLE t (id int); INSERT INTO t VALUES (1);")
    await _admin(pg_server, "DROP ROLE IF EXISTS trace_other_owner", "CREATE ROLE trace_other_owner")
    try:
        path = tmp_path / "m.sql"
        path.write_text(
            "ALTER TABLE t OWNER TO trace_other_owner;\nSET ROLE trace_other_owner;\nRESET ROLE;\n"
        )
        review = await review_file(resolve(db), path)
        owner, set_role, _ = review.statements
        for statement in (owner, set_role):
            assert statement.trace.startswith("not traced: "), review.to_text()
            assert "restricted role" in statement.trace
        assert ("access-exclusive-lock", "inferred") in {(h.kind, h.basis) for h in owner.hazards}
        assert "failed" not in review.to_text()
        # and the live server runs it
        await execute(db, "BEGIN; ALTER TABLE t OWNER TO trace_other_owner; ROLLBACK;")
    finally:
        await _admin(pg_server, "DROP ROLE IF EXISTS trace_other_owner")


def test_a_view_s_own_lock_is_said(traced: tuple[str, str, Review]) -> None:
    """DROP VIEW and CREATE OR REPLACE VIEW take ACCESS EXCLUSIVE on the view: every query reading it waits
    for the migration's commit. The trace read only tables' locks and said nothing of these."""
    _, _, review = traced
    [dropped] = [s for s in review.statements if s.sql.startswith("DROP VIEW hw")]
    assert dropped.lock == "ACCESS EXCLUSIVE on public.hw"
    [replaced] = [s for s in review.statements if s.sql.startswith("CREATE OR REPLACE VIEW hv")]
    assert ("public.hv", "AccessExclusiveLock") in {(k.relation, k.mode) for k in replaced.locks}
    assert not {h.kind for h in dropped.hazards + replaced.hazards} & {"table-rewrite", "data-loss"}
