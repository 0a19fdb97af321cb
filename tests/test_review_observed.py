"""What the trace observes beyond a statement's own ACCESS EXCLUSIVE: the indexes a partitioned build really
makes, a write-blocking lock held until commit, and a statement the schema alone makes the server refuse.

The oracle is the live server: the statement is run there in a transaction that is rolled back, and what it
built, locked or refused is read from pg_class, pg_locks or its error; the review must say the same.
"""

from __future__ import annotations

import asyncio
import subprocess
from pathlib import Path

import asyncpg
import pytest

from dibs_tui.core.connect import resolve
from dibs_tui.core.review.report import ReviewedStatement
from dibs_tui.core.review.run import review_file, review_text
from tests.pg import execute
from tests.test_cli import DIBS


async def _review(db: str, tmp_path: Path, migration: str) -> tuple[ReviewedStatement, ...]:
    path = tmp_path / "m.sql"
    path.write_text(migration)
    return (await review_file(resolve(db), path)).statements


async def _rolled_back(db: str, sql: str, query: str) -> list[asyncpg.Record]:
    """`query`'s rows after `sql` ran on the live database, in a transaction then rolled back."""
    conn = await asyncpg.connect(db)
    try:
        tx = conn.transaction()
        await tx.start()
        try:
            await conn.execute(sql)
            return await conn.fetch(query)
        finally:
            await tx.rollback()
    finally:
        await conn.close()


async def test_a_partitioned_index_build_counts_the_partitions_indexes(db: str, tmp_path: Path) -> None:
    """CREATE INDEX on a partitioned table makes a partitioned index (no storage, nothing read) and one index
    per leaf partition: the review counted the partitioned ones as builds (3 for 2 partitions, 5 here)."""
    conn = await asyncpg.connect(db)
    try:
        await conn.execute(
            "CREATE TABLE m (id int, k int) PARTITION BY RANGE (k);"
            "CREATE TABLE m1 PARTITION OF m FOR VALUES FROM (0) TO (10);"
            "CREATE TABLE m2 PARTITION OF m FOR VALUES FROM (10) TO (20) PARTITION BY RANGE (k);"
            "CREATE TABLE m2a PARTITION OF m2 FOR VALUES FROM (10) TO (15);"
            "CREATE TABLE m2b PARTITION OF m2 FOR VALUES FROM (15) TO (20);"
            "INSERT INTO m SELECT i, i % 20 FROM generate_series(1, 400) i;"
        )
    finally:
        await conn.close()
    made = await _rolled_back(
        db,
        "CREATE INDEX m_id ON m (id)",
        "SELECT relkind::text AS kind, count(*) AS n FROM pg_class WHERE relkind IN ('i', 'I') "
        "AND relname LIKE 'm%id%' GROUP BY 1 ORDER BY 1",
    )
    assert [(r["kind"], r["n"]) for r in made] == [("I", 2), ("i", 3)]  # the server built 3 with storage
    [statement] = await _review(db, tmp_path, "CREATE INDEX m_id ON m (id);\n")
    [build] = [h for h in statement.hazards if h.kind == "blocking-index-build"]
    assert build.basis == "observed"
    assert build.message.startswith("builds 3 indexes on the partitions of public.m (400 rows) for the "
                                    "partitioned index m2_id_idx, m_id (m1_id_idx, …)"), build.message  # fmt: skip
    assert "CONCURRENTLY is refused on a partitioned table" in build.message


async def _insert_waits(db: str, table: str, held: str) -> bool:
    """Whether an INSERT from another session waits on the lock `held` leaves on `table` (the live server's
    own answer), and whether a read goes on meanwhile."""
    holder, other = await asyncpg.connect(db), await asyncpg.connect(db)
    try:
        tx = holder.transaction()
        await tx.start()
        await holder.execute(held)
        await other.execute("SET lock_timeout = '200ms'")
        await other.fetch(f"SELECT * FROM {table}")  # reads go on
        try:
            await other.execute(f"INSERT INTO {table} DEFAULT VALUES")
        except asyncpg.LockNotAvailableError:
            return True
        finally:
            await tx.rollback()
        await other.execute(f"DELETE FROM {table} WHERE id IS NULL")
        return False
    finally:
        await holder.close()
        await other.close()


LOCKING = """
CREATE TABLE w (id int, v text); INSERT INTO w SELECT i, 'x' FROM generate_series(1, 30) i;
CREATE TABLE parent (id int PRIMARY KEY); INSERT INTO parent SELECT generate_series(1, 30);
CREATE TABLE child (id int, p int); INSERT INTO child SELECT i, i FROM generate_series(1, 30) i;
CREATE TABLE q (id int, k int) PARTITION BY RANGE (k);
CREATE TABLE q1 PARTITION OF q FOR VALUES FROM (0) TO (10);
CREATE TABLE q2 PARTITION OF q FOR VALUES FROM (10) TO (20);
INSERT INTO q SELECT i, i % 20 FROM generate_series(1, 30) i;
ALTER TABLE child ADD CONSTRAINT child_p CHECK (p > 0) NOT VALID;
CREATE TABLE empty (id int);
"""


async def test_a_lock_that_blocks_writes_until_commit_is_a_hazard(db: str, tmp_path: Path) -> None:
    """LOCK TABLE ... IN SHARE MODE (or SHARE ROW EXCLUSIVE, EXCLUSIVE; a foreign key added) blocks every
    writer of the table until the migration commits, while readers go on: it was said as a lock and no
    hazard. SHARE UPDATE EXCLUSIVE (VALIDATE CONSTRAINT) blocks no writer and stays quiet."""
    conn = await asyncpg.connect(db)
    try:
        await conn.execute(LOCKING)
    finally:
        await conn.close()
    assert await _insert_waits(db, "w", "LOCK TABLE w IN SHARE MODE")
    assert await _insert_waits(
        db, "parent", "ALTER TABLE child ADD FOREIGN KEY (p) REFERENCES parent NOT VALID"
    )
    assert not await _insert_waits(db, "child", "ALTER TABLE child VALIDATE CONSTRAINT child_p")
    lock, fk, exclusive, tree, validate, index, empty = await _review(
        db,
        tmp_path,
        "LOCK TABLE w IN SHARE MODE;\n"
        "ALTER TABLE child ADD FOREIGN KEY (p) REFERENCES parent NOT VALID;\n"
        "LOCK TABLE w IN EXCLUSIVE MODE;\n"
        "LOCK TABLE q IN SHARE ROW EXCLUSIVE MODE;\n"
        "ALTER TABLE child VALIDATE CONSTRAINT child_p;\n"
        "CREATE INDEX w_v ON w (v);\n"
        "LOCK TABLE empty IN SHARE MODE;\n",
    )

    def blocking(statement: ReviewedStatement) -> list[str]:
        return [
            h.message for h in statement.hazards if h.kind == "write-blocking-lock" and h.basis == "observed"
        ]

    assert blocking(lock) == [
        "takes SHARE on public.w (30 rows): blocks every INSERT, UPDATE and DELETE on it (reads go on) until the "
        "transaction commits (seen in pg_locks)"
    ]
    assert sorted(m.split(" (")[0] for m in blocking(fk)) == [
        "takes SHARE ROW EXCLUSIVE on public.child",
        "takes SHARE ROW EXCLUSIVE on public.parent",
    ]
    assert [m.split(" (")[0] for m in blocking(exclusive)] == ["takes EXCLUSIVE on public.w"]
    assert [m.split(" (")[0] for m in blocking(tree)] == ["takes SHARE ROW EXCLUSIVE on public.q"]  # once
    # VALIDATE's own SHARE UPDATE EXCLUSIVE blocks no writer, but its read runs under the SHARE ROW EXCLUSIVE
    # line 2 took on child in this transaction (test_a_validate_after_its_not_valid_add_...)
    assert [m.split(" (")[0] for m in blocking(validate)] == ["reads every row of public.child"]
    assert blocking(index) == [], index.hazards  # EXCLUSIVE held since line 3: said there
    assert {h.kind for h in index.hazards} == {"blocking-index-build"}
    assert (
        empty.lock == "SHARE on public.empty" and blocking(empty) == []
    )  # no rows: no writer yet, as for ACCESS EXCLUSIVE


async def _live_refusal(db: str, sql: str) -> asyncpg.PostgresError:
    """The live server's own error for `sql`, run there in a transaction rolled back."""
    conn = await asyncpg.connect(db)
    try:
        async with conn.transaction():
            await conn.execute(sql)
    except asyncpg.PostgresError as exc:
        return exc
    finally:
        await conn.close()
    raise AssertionError(f"the live server ran {sql}")


async def test_a_statement_the_schema_makes_the_server_refuse_is_a_failure_hazard(
    db: str, tmp_path: Path
) -> None:
    """A column type change under a view that reads it, a DROP without CASCADE while a view depends: the clone
    refused them and the review said only 'trace: failed'. The live server refuses them the same way, so each is a
    fails-on-schema hazard naming the statement and the server's message. Only the first: the live transaction
    never reaches the second."""
    conn = await asyncpg.connect(db)
    try:
        await conn.execute(
            "CREATE TABLE t (id int, v text); CREATE VIEW tv AS SELECT v FROM t; CREATE TABLE u (id int);"
            "CREATE VIEW uv AS SELECT id FROM u; INSERT INTO t VALUES (1, 'x');"
        )
    finally:
        await conn.close()
    retype, drop = "ALTER TABLE t ALTER COLUMN v TYPE varchar(5)", "DROP TABLE u"
    for sql, code in ((retype, "0A000"), (drop, "2BP01")):
        refused = await _live_refusal(db, sql)
        assert refused.sqlstate == code
        _, statement = await _review(db, tmp_path, f"SELECT 1;\n\n{sql};\n")
        [hazard] = [h for h in statement.hazards if h.kind == "fails-on-schema"]
        assert hazard.basis == "observed"
        assert hazard.message.startswith(
            f"{tmp_path / 'm.sql'}:3 fails: {refused.message} (SQLSTATE {code})."
        ), hazard.message
        assert statement.trace == f"failed: {refused.message}"
        # The server's DETAIL names what is in the way
        assert hazard.message.endswith(f"(the server's detail: {refused.detail})"), hazard.message
        assert [h.kind for h in statement.hazards] == [
            "fails-on-schema"
        ]  # no rewrite or loss: it does not run
    first, second = await _review(db, tmp_path, f"{retype};\n{drop};\n")
    assert [h.kind for h in first.hazards if h.kind == "fails-on-schema"] == ["fails-on-schema"]
    assert second.trace.startswith("failed: cannot drop table u") and not second.refused, second


async def test_after_a_concurrent_drop_the_index_made_again_under_its_name_runs_in_the_trace(
    db: str, tmp_path: Path
) -> None:
    """DROP INDEX CONCURRENTLY runs alone in the clone, as migrate runs it: the CREATE INDEX after it finds the
    name free, as live. It was not run there, and the clone refused the CREATE (the name taken)."""
    conn = await asyncpg.connect(db)
    try:
        await conn.execute("CREATE TABLE t (id int, v text); CREATE INDEX t_v ON t (v);")
    finally:
        await conn.close()
    dropped, made = await _review(db, tmp_path, "DROP INDEX CONCURRENTLY t_v;\nCREATE INDEX t_v ON t (v);\n")
    assert dropped.trace == "not in a transaction"
    assert made.trace == "ran", made


async def test_a_not_valid_not_null_is_kept_in_the_clone(db: str, tmp_path: Path) -> None:
    """PostgreSQL 18's NOT NULL ... NOT VALID sets attnotnull, so the model said NOT NULL and the clone made a
    valid one: SET NOT NULL ran there reading nothing (said as a bare lock), VALIDATE CONSTRAINT failed (no
    such constraint). Live, both read every row: SET NOT NULL under ACCESS EXCLUSIVE, VALIDATE under SHARE
    UPDATE EXCLUSIVE."""
    conn = await asyncpg.connect(db)
    try:
        await conn.execute(
            "CREATE TABLE s (id int PRIMARY KEY, c int); INSERT INTO s SELECT g, g FROM generate_series(1, 100) g;"
            "ALTER TABLE s ADD CONSTRAINT s_c_nn NOT NULL c NOT VALID;"
        )
    finally:
        await conn.close()
    scans = "SELECT seq_scan FROM pg_stat_xact_user_tables WHERE relname = 's'"
    [(read,)] = await _rolled_back(db, "ALTER TABLE s ALTER COLUMN c SET NOT NULL", scans)
    assert read > 0  # the live server reads every row
    locks = "SELECT mode FROM pg_locks WHERE pid = pg_backend_pid() AND relation = 's'::regclass"
    assert [r["mode"] for r in await _rolled_back(db, "ALTER TABLE s VALIDATE CONSTRAINT s_c_nn", locks)] == [
        "ShareUpdateExclusiveLock"
    ]
    set_not_null, _ = await _review(
        db,
        tmp_path,
        "ALTER TABLE s ALTER COLUMN c SET NOT NULL;\nALTER TABLE s VALIDATE CONSTRAINT s_c_nn;\n",
    )
    [lock] = [h for h in set_not_null.hazards if h.kind == "access-exclusive-lock"]
    assert lock.basis == "observed" and "reads every row" in lock.message, lock
    _, validate = await _review(
        db, tmp_path, "SELECT 1;\nALTER TABLE s VALIDATE CONSTRAINT s_c_nn;\n"
    )  # alone: after SET NOT NULL the constraint is valid already
    assert validate.trace == "ran" and validate.lock == "SHARE UPDATE EXCLUSIVE on public.s", validate


async def test_an_untraced_review_infers_an_explicit_lock(db: str, tmp_path: Path) -> None:
    """migrate's acknowledgement reviews without a trace: an explicit LOCK's mode is read from the statement
    (it gave no lock and no hazard at all); traced, the observation replaces it, not added to it."""
    from dibs_tui.core.connect import connect
    from dibs_tui.core.review.run import review_sql

    conn = await asyncpg.connect(db)
    try:
        await conn.execute(LOCKING)
    finally:
        await conn.close()
    migration = (
        "LOCK TABLE w IN SHARE ROW EXCLUSIVE MODE;\nLOCK w;\nLOCK TABLE w, empty IN ROW EXCLUSIVE MODE;\n"
    )
    live = await connect(resolve(db))
    try:
        untraced = (await review_sql(live, migration, "m.sql")).statements
    finally:
        await live.close()
    assert [s.lock for s in untraced] == [
        "SHARE ROW EXCLUSIVE on w",
        "ACCESS EXCLUSIVE on w",
        "ROW EXCLUSIVE on w",
    ]
    assert [[(h.kind, h.basis) for h in s.hazards] for s in untraced] == [
        [("write-blocking-lock", "inferred")],
        [("access-exclusive-lock", "inferred")],
        [],
    ]
    traced = await _review(db, tmp_path, migration)
    assert [[(h.kind, h.basis) for h in s.hazards] for s in traced] == [
        [("write-blocking-lock", "observed")],
        [("access-exclusive-lock", "observed")],
        [],
    ]


async def test_a_refusal_on_another_major_version_is_not_claimed(
    db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A sandbox on another major version than the live server's (an embedded PostgreSQL 18 beside a live 16)
    refuses what the live server may run, and the other way round: its refusal stays 'trace: failed', not a
    fails-on-schema hazard (which stops the Migrations pane's apply)."""
    from dibs_tui.core import sandbox

    monkeypatch.setattr(sandbox, "version_note", lambda *_: "the desired schema was loaded on PostgreSQL 18")
    conn = await asyncpg.connect(db)
    try:
        await conn.execute("CREATE TABLE u (id int); CREATE VIEW uv AS SELECT id FROM u;")
    finally:
        await conn.close()
    [statement] = await _review(db, tmp_path, "DROP TABLE u;\n")
    assert statement.trace.startswith("failed: cannot drop table u") and not statement.refused, statement


async def test_a_validate_after_its_not_valid_add_in_one_transaction_reads_under_a_write_blocking_lock(
    db: str, tmp_path: Path
) -> None:
    """ADD ... NOT VALID then VALIDATE in one migration: the ADD's SHARE ROW EXCLUSIVE is still held while the
    VALIDATE reads every row, so writers wait for the whole read (the point of NOT VALID is lost). Said on the
    VALIDATE, with the read's size. VALIDATE alone, in its own migration, blocks no writer and stays quiet; a
    foreign key added without NOT VALID takes the lock and reads under it, said so on the ADD."""
    conn = await asyncpg.connect(db)
    try:
        await conn.execute(LOCKING)
    finally:
        await conn.close()
    together = "ALTER TABLE child ADD CONSTRAINT child_fk FOREIGN KEY (p) REFERENCES parent NOT VALID;\n"
    validate = "ALTER TABLE child VALIDATE CONSTRAINT child_fk;\n"
    assert await _insert_waits(db, "child", together + validate)
    add, later = await _review(db, tmp_path, together + validate)
    [said] = [h for h in later.hazards if h.kind == "write-blocking-lock"]
    assert said.basis == "observed" and said.cost is not None
    assert said.message.startswith(
        "reads every row of public.child (30 rows) under the SHARE ROW EXCLUSIVE lock an earlier statement of "
        "this transaction took: blocks every INSERT, UPDATE and DELETE on it for the whole read"
    ), said.message
    assert "commit between them" in said.message
    assert all("reads every row" not in h.message for h in add.hazards)  # NOT VALID: no read
    conn = await asyncpg.connect(db)
    try:
        await conn.execute(together)  # committed: the next migration validates it alone
    finally:
        await conn.close()
    assert not await _insert_waits(db, "child", validate)
    [alone] = await _review(db, tmp_path, validate)
    assert [h for h in alone.hazards if h.kind == "write-blocking-lock"] == []
    [checked] = await _review(
        db, tmp_path, "ALTER TABLE child ADD CONSTRAINT child_fk2 FOREIGN KEY (p) REFERENCES parent;\n"
    )
    assert any(
        h.kind == "write-blocking-lock"
        and h.message.startswith(
            "takes SHARE ROW EXCLUSIVE on public.child (30 rows) and reads every row under it"
        )
        for h in checked.hazards
    ), checked.hazards


async def test_a_blocking_index_build_says_the_form_that_lets_writes_go_on(db: str, tmp_path: Path) -> None:
    """Each blocking build says how it could let writes go on, and that way runs on the live server: CREATE
    INDEX CONCURRENTLY, REINDEX ... CONCURRENTLY, a key's unique index built CONCURRENTLY first and then
    added USING INDEX."""
    conn = await asyncpg.connect(db)
    try:
        await conn.execute(LOCKING + "CREATE INDEX w_id ON w (id);")
    finally:
        await conn.close()
    create, reindex, key = await _review(
        db, tmp_path, "CREATE INDEX w_v ON w (v);\nREINDEX TABLE w;\nALTER TABLE parent ADD UNIQUE (id);\n"
    )

    def advice(statement: ReviewedStatement) -> str:
        [build] = [h for h in statement.hazards if h.kind == "blocking-index-build"]
        return build.message.split("for the whole build", 1)[1]

    assert advice(create) == (
        "; CREATE INDEX CONCURRENTLY lets writes go on, in a statement of its own (dibs-tui generate "
        "--concurrently writes it so)"
    )
    assert advice(reindex) == "; REINDEX ... CONCURRENTLY lets writes go on, in a statement of its own"
    assert advice(key) == (
        "; to let writes go on, build the index first with CREATE UNIQUE INDEX CONCURRENTLY, then ADD "
        "CONSTRAINT ... USING INDEX"
    )
    conn = await asyncpg.connect(db)
    try:  # each way, as the advice says it, on the live server
        await conn.execute("CREATE INDEX CONCURRENTLY w_v ON w (v)")
        await conn.execute("REINDEX TABLE CONCURRENTLY w")
        await conn.execute("CREATE UNIQUE INDEX CONCURRENTLY parent_id_key ON parent (id)")
        await conn.execute("ALTER TABLE parent ADD CONSTRAINT parent_id_key UNIQUE USING INDEX parent_id_key")
    finally:
        await conn.close()


async def test_a_publication_on_a_server_without_logical_wal_is_said_once_of_the_live_server(
    db: str, tmp_path: Path
) -> None:
    """PostgreSQL warns at CREATE PUBLICATION when wal_level is not logical: the sandbox clone's warning says
    nothing of the database the migration is for (never shown); the live server's is the user's business,
    said in the review's notes and in migrate's plan, in the product's words."""
    conn = await asyncpg.connect(db)
    try:
        await conn.execute("CREATE TABLE t (id int PRIMARY KEY)")
        level = await conn.fetchval("SHOW wal_level")
    finally:
        await conn.close()
    assert level != "logical"  # the tests' server, as initdb makes it
    path = tmp_path / "m.sql"
    path.write_text("CREATE TABLE u (id int);\nCREATE PUBLICATION pub FOR TABLE t, u;\n")
    review = await review_file(resolve(db), path)
    [said] = [n for n in review.notes if "wal_level" in n]
    assert said.startswith(
        f"{path}:2: this server's wal_level is {level}: a publication is made, but publishes"
    )
    assert "WARNING" not in review.to_text()
    folder = tmp_path / "migrations"
    folder.mkdir()
    (folder / "20260101000000_pub.sql").write_text(path.read_text())
    planned = await asyncio.to_thread(
        subprocess.run,
        [DIBS, "migrate", db, "--migrations", str(folder), "--dry-run", "--no-prove"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert f"    note: {folder / '20260101000000_pub.sql'}:2: this server's wal_level is {level}" in (
        planned.stdout
    ), planned.stdout + planned.stderr
    path.write_text("CREATE TABLE u (id int);\n")
    assert not [n for n in (await review_file(resolve(db), path)).notes if "wal_level" in n]


@pytest.mark.parametrize(
    "constraint",
    [
        "ADD CONSTRAINT positive CHECK (id > 0)",
        "ADD CONSTRAINT owner_fk FOREIGN KEY (owner) REFERENCES owners (id)",
        "ALTER COLUMN owner SET NOT NULL",
    ],
)
async def test_not_valid_advice_under_an_earlier_statements_lock_says_it_needs_a_transaction_of_its_own(
    db: str, tmp_path: Path, constraint: str
) -> None:
    """An ALTER TABLE before it in the same transaction holds ACCESS EXCLUSIVE until commit: added NOT VALID
    and validated there, the constraint still blocks every write for the whole read, which the advice ('then
    VALIDATE ...: writes go on') did not say. The oracle: the live server still shows the lock after VALIDATE."""
    await execute(
        db,
        "CREATE TABLE owners (id int PRIMARY KEY); INSERT INTO owners VALUES (1);"
        "CREATE TABLE t (id int, owner int); INSERT INTO t SELECT g, 1 FROM generate_series(1, 20000) g;",
    )
    first = "ALTER TABLE t ADD COLUMN note text;\n"
    held = await _rolled_back(
        db,
        first + "ALTER TABLE t ADD CONSTRAINT positive CHECK (id > 0) NOT VALID;"
        "ALTER TABLE t VALIDATE CONSTRAINT positive;",
        "SELECT mode FROM pg_locks WHERE relation = 't'::regclass AND pid = pg_backend_pid()",
    )
    assert "AccessExclusiveLock" in {r["mode"] for r in held}
    statements = await _review(db, tmp_path, f"{first}ALTER TABLE t {constraint};\n")
    [advice] = [h.message for h in statements[1].hazards if h.kind == "constraint-without-not-valid"]
    assert "in a transaction of its own" in advice and "public.t" in advice, advice
    alone = await _review(db, tmp_path, f"ALTER TABLE t {constraint};\n")
    [advice] = [h.message for h in alone[0].hazards if h.kind == "constraint-without-not-valid"]
    assert "transaction of its own" not in advice, advice


@pytest.mark.parametrize("traced", [False, True])
async def test_drop_index_says_the_lock_on_its_table(db: str, tmp_path: Path, traced: bool) -> None:
    """DROP INDEX takes ACCESS EXCLUSIVE on the index's table (the oracle: pg_locks after it, rolled back);
    untraced, as migrate's acknowledgement shows it, the lock line said nothing."""
    await execute(db, "CREATE TABLE t (id int, a int); CREATE INDEX t_a ON t (a);")
    held = await _rolled_back(
        db,
        "DROP INDEX t_a",
        "SELECT mode FROM pg_locks WHERE relation = 't'::regclass AND pid = pg_backend_pid()",
    )
    assert {r["mode"] for r in held} == {"AccessExclusiveLock"}
    review = await review_text(resolve(db), "DROP INDEX t_a;\n", "m.sql", traced=traced)
    assert review.statements[0].lock == (
        "ACCESS EXCLUSIVE on public.t" if traced else "ACCESS EXCLUSIVE on t"
    )


@pytest.mark.parametrize("traced", [False, True])
async def test_drop_table_says_the_lock_on_the_tables_its_foreign_keys_join(
    db: str, tmp_path: Path, traced: bool
) -> None:
    """A dropped table's foreign keys go with it, their triggers on the other table too: DROP TABLE takes
    ACCESS EXCLUSIVE on the table it references (the oracle: pg_locks, rolled back), and with CASCADE on a
    table whose key references it. Untraced, only the dropped table was said."""
    await execute(
        db,
        "CREATE TABLE parent (id int PRIMARY KEY); INSERT INTO parent SELECT generate_series(1, 50);"
        "CREATE TABLE child (id int UNIQUE, p int REFERENCES parent); INSERT INTO child VALUES (1, 1);"
        "CREATE TABLE grandchild (id int PRIMARY KEY REFERENCES child (id)); INSERT INTO grandchild VALUES (1);",
    )
    held = await _rolled_back(
        db,
        "DROP TABLE child CASCADE",
        "SELECT c.relname::text FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
        "WHERE l.mode = 'AccessExclusiveLock' AND l.pid = pg_backend_pid() AND c.relkind = 'r'",
    )
    assert {"parent", "grandchild"} <= {r["relname"] for r in held}
    review = await review_text(resolve(db), "DROP TABLE child CASCADE;\n", "m.sql", traced=traced)
    said = [h.message for _, h in review.hazards if h.kind == "access-exclusive-lock"]
    for table in ("parent (50 rows)", "grandchild (1 row)"):
        assert any(f"ACCESS EXCLUSIVE on {'public.' if traced else ''}{table}" in m for m in said), said
