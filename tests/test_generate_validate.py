"""`generate --concurrently` and the plan's NOT VALID + VALIDATE split: each VALIDATE CONSTRAINT of a live table
in a transaction of its own, run once its ADD ... NOT VALID has committed (core/concurrent_indexes.py), on the
real server: the segments, the locks a concurrent writer meets, a failing VALIDATE and its resume."""

from __future__ import annotations

import asyncio
from pathlib import Path

import asyncpg
import pytest

from dibs_tui.core.concurrent_indexes import split_check
from dibs_tui.core.connect import resolve
from dibs_tui.core.diff import diff_database
from dibs_tui.core.generate import generate_migration
from dibs_tui.core.migrations.apply import apply_pending
from dibs_tui.core.migrations.apply_outcome import MigrationFailed
from dibs_tui.core.migrations.files import GENERATED_MARKER, Validation, strip_comments, validation
from dibs_tui.core.migrations.segments import plan_segments
from dibs_tui.core.review.preflight import preflight
from tests.pg import PATIENCE, execute, fetch

# A unique key another table's foreign key references becomes a unique index of its name: the key goes, the
# foreign key with it, and comes back added NOT VALID, then validated (diff: cascade, key_handovers).
CURRENT = """
CREATE TABLE e (id int NOT NULL, x int, CONSTRAINT e_x_key UNIQUE (x));
CREATE TABLE e_ref (id int PRIMARY KEY, ex int REFERENCES e (x));
CREATE DOMAIN pos AS int;
ALTER DOMAIN pos ADD CONSTRAINT pos_check CHECK (VALUE > 0) NOT VALID;
CREATE TABLE m (n pos);
INSERT INTO e VALUES (1, 1), (2, 2);
INSERT INTO e_ref VALUES (1, 2), (2, NULL);
INSERT INTO m VALUES (3);
"""
DESIRED = """
CREATE TABLE e (id int NOT NULL, x int);
CREATE UNIQUE INDEX e_x_key ON e (x);
CREATE TABLE e_ref (id int PRIMARY KEY, ex int REFERENCES e (x));
CREATE DOMAIN pos AS int CONSTRAINT pos_check CHECK (VALUE > 0);
CREATE TABLE m (n pos);
CREATE TABLE fresh (id int PRIMARY KEY, e int);
ALTER TABLE fresh ADD CONSTRAINT fresh_e_check CHECK (e > 0) NOT VALID;
"""
ADD = (
    "ALTER TABLE public.e_ref ADD CONSTRAINT e_ref_ex_fkey FOREIGN KEY (ex) REFERENCES public.e(x) NOT VALID;"
)
VALIDATE = "ALTER TABLE public.e_ref VALIDATE CONSTRAINT e_ref_ex_fkey;"
DOMAIN = "ALTER DOMAIN public.pos VALIDATE CONSTRAINT pos_check;"


async def _generated(db: str, tmp_path: Path, schema_text: str, *, concurrently: bool) -> str:
    schema = tmp_path / "schema.sql"
    schema.write_text(schema_text)
    migration = await generate_migration(
        resolve(db), [schema], project_root=tmp_path, source_paths=[schema], concurrently=concurrently
    )
    return migration.sql


async def _apply(db: str, tmp_path: Path, name: str, text: str) -> Path:
    folder = tmp_path / "migrations"
    folder.mkdir(exist_ok=True)
    (folder / f"{name}.sql").write_text(text)
    return folder


async def test_each_validate_of_a_live_table_runs_in_a_segment_after_its_add_and_it_converges(
    db: str, tmp_path: Path
) -> None:
    """The foreign key's VALIDATE and the domain's are each a BEGIN ... COMMIT block of their own, after the
    segment that added the key NOT VALID, said in the file's header and in the segments migrate lists; what
    follows a VALIDATE in the plan still follows it. A NOT VALID CHECK of a table the plan creates stays as
    planned. Without --concurrently the migration is one transaction, as before. Applied, the rows stay, the
    constraints are valid and the diff is empty, both ways."""
    await execute(db, CURRENT)
    plain = await _generated(db, tmp_path, DESIRED, concurrently=False)
    assert "BEGIN;" not in plain and "Not atomic" not in plain
    assert plan_segments(plain).atomic
    text = await _generated(db, tmp_path, DESIRED, concurrently=True)
    assert "-- Not atomic: each VALIDATE CONSTRAINT is in a BEGIN ... COMMIT block of its own" in text
    assert f"BEGIN;\n{VALIDATE}\nCOMMIT;" in text and f"BEGIN;\n{DOMAIN}\nCOMMIT;" in text, text
    assert "BEGIN;\nALTER TABLE public.fresh" not in text
    # the statements keep the plan's order: BEGIN / COMMIT added, index builds and drops CONCURRENTLY
    assert _statements(text) == _statements(plain)
    plan = plan_segments(text)
    [adding] = [s for s in plan.segments if any(st.text + ";" == ADD for st in s.statements)]
    [validating] = [s for s in plan.segments if [st.text + ";" for st in s.statements] == [VALIDATE]]
    [domain] = [s for s in plan.segments if [st.text + ";" for st in s.statements] == [DOMAIN]]
    assert adding.number < validating.number and validating.written_block and domain.written_block
    listed = "\n".join(plan.describe())
    assert (
        f"segment {validating.number} (one transaction, {validating.where()}): {VALIDATE[:-1]} (validates "
        "e_ref_ex_fkey on public.e_ref apart, after what precedes it committed: SHARE UPDATE EXCLUSIVE only, "
        "writes go on; if it fails, the constraint stays NOT VALID)"
    ) in listed, listed
    assert "PostgreSQL 18 holds SHARE on the domain's tables meanwhile (writes wait, reads go on)" in listed
    # what follows the VALIDATE in the plan runs in the segment after it
    after = plan.segments[validating.number]
    assert after.first == validating.last + 1

    folder = await _apply(db, tmp_path, "20260301120000_revalidate", text)
    result = await apply_pending(resolve(db), folder)
    assert [a.name for a in result.applied] == ["20260301120000_revalidate"]
    schema = tmp_path / "schema.sql"
    assert (await diff_database(resolve(db), [schema])).plan == ()
    valid = await fetch(db, "SELECT conname, convalidated FROM pg_constraint WHERE conname IN ($1, $2)",
                        "e_ref_ex_fkey", "pos_check")  # fmt: skip
    assert sorted((r["conname"], r["convalidated"]) for r in valid) == [
        ("e_ref_ex_fkey", True),
        ("pos_check", True),
    ]
    assert [tuple(r) for r in await fetch(db, "SELECT id, ex FROM e_ref ORDER BY id")] == [(1, 2), (2, None)]
    assert [r["n"] for r in await fetch(db, "SELECT n FROM m")] == [3]

    # back: the desired side is the first state again (an index made a key in place, the key revalidated)
    back = await _generated(db, tmp_path, CURRENT.split("INSERT")[0], concurrently=True)
    await _apply(db, tmp_path, "20260301130000_back", back)
    await apply_pending(resolve(db), folder)
    assert (await diff_database(resolve(db), [schema])).plan == ()
    assert [tuple(r) for r in await fetch(db, "SELECT id, ex FROM e_ref ORDER BY id")] == [(1, 2), (2, None)]


def _statements(text: str) -> list[str]:
    """The schema changes a migration runs, in order, CONCURRENTLY and comments aside."""
    changes = text.split("-- Schema changes")[1].split(GENERATED_MARKER)[0]
    return [
        strip_comments(s.text).replace(" CONCURRENTLY", "")
        for seg in plan_segments(changes).segments
        for s in seg.statements
    ]


LONG = """
CREATE TABLE e (id int NOT NULL, x int, CONSTRAINT e_x_key UNIQUE (x));
CREATE TABLE e_ref (id int, ex int);
INSERT INTO e SELECT i, i FROM generate_series(1, 200000) i;
INSERT INTO e_ref SELECT i, i % 200000 + 1 FROM generate_series(1, 3000000) i;
ALTER TABLE e_ref ADD CONSTRAINT e_ref_ex_fkey FOREIGN KEY (ex) REFERENCES e (x);
"""
LONG_DESIRED = """
CREATE TABLE e (id int NOT NULL, x int);
CREATE UNIQUE INDEX e_x_key ON e (x);
CREATE TABLE e_ref (id int, ex int REFERENCES e (x));
"""


async def test_a_write_into_the_referencing_table_goes_on_while_its_long_validate_runs(
    db: str, tmp_path: Path
) -> None:
    """While migrate validates the foreign key of a table of 3,000,000 rows, a second connection with a
    lock_timeout of 1 s inserts into that table and commits; in pg_locks the migration's backend holds
    SHARE UPDATE EXCLUSIVE on it and nothing stronger (the drop's ACCESS EXCLUSIVE committed with the ADD's
    segment), and it was still validating after the insert committed."""
    await execute(db, LONG)
    text = await _generated(db, tmp_path, LONG_DESIRED, concurrently=True)
    assert f"BEGIN;\n{VALIDATE}\nCOMMIT;" in text
    folder = await _apply(db, tmp_path, "20260301120000_revalidate", text)
    locks, pid, still = await _write_while_validating(
        db, folder, "e_ref_ex_fkey", "e_ref", "INSERT INTO e_ref VALUES (0, 7)"
    )
    assert {r["mode"] for r in locks} <= {"ShareUpdateExclusiveLock", "AccessShareLock"}
    assert "ShareUpdateExclusiveLock" in {r["mode"] for r in locks}
    assert still == pid, "the VALIDATE ended before the insert committed: the table is too short to show it"
    rows = await fetch(db, "SELECT count(*) AS n, bool_and(c.convalidated) AS ok FROM e_ref, pg_constraint c "
                           "WHERE c.conname = 'e_ref_ex_fkey' AND e_ref.id = 0")  # fmt: skip
    assert (rows[0]["n"], rows[0]["ok"]) == (1, True)


async def test_a_validate_that_fails_leaves_the_constraint_not_valid_and_a_rerun_resumes_at_it(
    db: str, tmp_path: Path
) -> None:
    """A domain's CHECK redefined under its name: the new one is added NOT VALID under a passing name, then
    validated, then the old one dropped and the new one renamed. A row of a column of the domain violates it:
    the ADD's segment commits, the VALIDATE fails, migrate says the constraint stays NOT VALID and that the
    rerun resumes at it, and nothing after it ran. The row corrected, the rerun validates it and runs the rest;
    the diff is then empty and the rows are there."""
    await execute(
        db,
        "CREATE DOMAIN pos AS int CONSTRAINT pos_check CHECK (VALUE > 0); CREATE TABLE m (id int, n pos);"
        "INSERT INTO m VALUES (1, 7), (2, 3);",
    )
    desired = (
        "CREATE DOMAIN pos AS int CONSTRAINT pos_check CHECK (VALUE > 5); CREATE TABLE m (id int, n pos);\n"
    )
    text = await _generated(db, tmp_path, desired, concurrently=True)
    plan = plan_segments(text)
    [validating] = [s for s in plan.segments if s.written_block]
    [statement] = validating.statements
    assert statement.text.startswith("ALTER DOMAIN public.pos VALIDATE CONSTRAINT pos_check__"), text
    passing = statement.text.rsplit(" ", 1)[1]
    assert validating.number > 1 and len(plan.segments) > validating.number, text
    folder = await _apply(db, tmp_path, "20260301120000_revalidate", text)
    with pytest.raises(MigrationFailed) as failed:
        await apply_pending(resolve(db), folder)
    assert (failed.value.segment, failed.value.committed) == (validating.number, validating.number - 1)
    report = str(failed.value)
    assert (
        f"the constraint {passing} of domain public.pos stays NOT VALID: it holds for rows written from now "
        "on, the rows already there are not checked; correct the rows that violate it and migrate again: the "
        f"rerun resumes at segment {validating.number}, this VALIDATE"
    ) in report, report
    assert f"a rerun resumes at segment {validating.number}" in report
    checks = "SELECT conname, convalidated FROM pg_constraint WHERE contypid = 'pos'::regtype ORDER BY 1"
    assert [tuple(r) for r in await fetch(db, checks)] == [("pos_check", True), (passing, False)]
    with pytest.raises(asyncpg.CheckViolationError):  # NOT VALID, yet enforced on new rows
        await execute(db, "INSERT INTO m VALUES (3, 4)")

    await execute(db, "UPDATE m SET n = 6 WHERE id = 2")
    events: list[str] = []
    result = await apply_pending(resolve(db), folder, progress=lambda e: events.append(e.message))
    assert [a.name for a in result.applied] == ["20260301120000_revalidate"]
    assert any(m.startswith(f"  resuming at segment {validating.number} of") for m in events), events
    assert [tuple(r) for r in await fetch(db, checks)] == [("pos_check", True)]
    schema = tmp_path / "schema.sql"
    assert (await diff_database(resolve(db), [schema])).plan == ()
    assert [tuple(r) for r in await fetch(db, "SELECT id, n FROM m ORDER BY id")] == [(1, 7), (2, 6)]


def test_a_statement_that_only_validates_is_read_from_its_parse_tree() -> None:
    """Quoted names keep their quotes; a VALIDATE among other subcommands, or in a comment, is not one."""
    checked = validation('ALTER TABLE ONLY "s x"."T" VALIDATE CONSTRAINT "c;d"')
    assert checked == Validation("table", '"s x"."T"', '"c;d"')
    assert validation("ALTER DOMAIN app.pos VALIDATE CONSTRAINT pos_check") == Validation(
        "domain", "app.pos", "pos_check"
    )
    assert validation("ALTER TABLE t VALIDATE CONSTRAINT c, ALTER COLUMN v SET NOT NULL") is None
    assert validation("ALTER TABLE t ADD COLUMN v int -- VALIDATE CONSTRAINT c") is None
    assert validation("SELECT 'VALIDATE'") is None


# A foreign key and a CHECK new on live tables (not made again): each added NOT VALID, validated in a block of
# its own. The CHECK calls a function that sleeps, so its VALIDATE of ten rows lasts about 3 s.
NEW_CURRENT = """
CREATE TABLE p (id int PRIMARY KEY);
CREATE TABLE c (id int PRIMARY KEY, p int, n int);
INSERT INTO p SELECT generate_series(1, 10);
INSERT INTO c SELECT i, i, i FROM generate_series(1, 10) i;
"""
NEW_DESIRED = """
CREATE FUNCTION slow_positive(v int) RETURNS boolean LANGUAGE sql IMMUTABLE
    AS $$ SELECT pg_sleep(0.3) IS NOT NULL AND v > 0 $$;
CREATE TABLE p (id int PRIMARY KEY);
CREATE TABLE c (id int PRIMARY KEY, p int, n int, CONSTRAINT c_n_check CHECK (slow_positive(n)),
                CONSTRAINT c_p_fkey FOREIGN KEY (p) REFERENCES p (id));
"""
NEW_ADDS = (
    "ALTER TABLE public.c ADD CONSTRAINT c_n_check CHECK (public.slow_positive(n)) NOT VALID;",
    "ALTER TABLE public.c ADD CONSTRAINT c_p_fkey FOREIGN KEY (p) REFERENCES public.p(id) NOT VALID;",
)
NEW_VALIDATES = (
    "BEGIN;\nALTER TABLE public.c VALIDATE CONSTRAINT c_n_check;\nCOMMIT;",
    "BEGIN;\nALTER TABLE public.c VALIDATE CONSTRAINT c_p_fkey;\nCOMMIT;",
)


async def test_a_new_key_and_check_of_a_live_table_are_added_not_valid_and_validated_apart_both_ways(
    db: str, tmp_path: Path
) -> None:
    """Written plainly, the ADD scans every row under its lock (SHARE ROW EXCLUSIVE for the foreign key, ACCESS
    EXCLUSIVE for the CHECK); under --concurrently each is added NOT VALID, then validated in a block of its
    own. Applied, the rows stay, both are valid and the diff is empty; back again, the diff is empty too."""
    await execute(db, NEW_CURRENT)
    plain = await _generated(db, tmp_path, NEW_DESIRED, concurrently=False)
    assert "NOT VALID" not in plain and "VALIDATE" not in plain, plain
    text = await _generated(db, tmp_path, NEW_DESIRED, concurrently=True)
    for add, validate in zip(NEW_ADDS, NEW_VALIDATES, strict=True):
        assert text.index(add) < text.index(validate), text
    folder = await _apply(db, tmp_path, "20260301120000_new_constraints", text)
    result = await apply_pending(resolve(db), folder)
    assert [a.name for a in result.applied] == ["20260301120000_new_constraints"]
    schema = tmp_path / "schema.sql"
    assert (await diff_database(resolve(db), [schema])).plan == ()
    valid = await fetch(db, "SELECT conname, convalidated FROM pg_constraint WHERE conrelid = 'c'::regclass "
                            "AND contype IN ('c', 'f') ORDER BY 1")  # fmt: skip
    assert [tuple(r) for r in valid] == [("c_n_check", True), ("c_p_fkey", True)]
    assert [tuple(r) for r in await fetch(db, "SELECT id, p, n FROM c ORDER BY id")] == [
        (i, i, i) for i in range(1, 11)
    ]

    back = await _generated(db, tmp_path, NEW_CURRENT.split("INSERT")[0], concurrently=True)
    await _apply(db, tmp_path, "20260301130000_back", back)
    await apply_pending(resolve(db), folder)
    assert (await diff_database(resolve(db), [schema])).plan == ()
    assert await fetch(db, "SELECT count(*) FROM c") == [(10,)]


async def test_a_write_goes_on_while_a_new_check_of_a_live_table_is_validated(
    db: str, tmp_path: Path
) -> None:
    """While migrate validates the new CHECK (ten rows, 0.3 s each), a second connection with a lock_timeout of
    1 s inserts into the table and commits; the migration's backend holds SHARE UPDATE EXCLUSIVE on it and
    nothing stronger, and was still validating after the insert committed. Written plainly the ADD holds
    ACCESS EXCLUSIVE through the same scan, and the insert fails on its lock_timeout."""
    await execute(db, NEW_CURRENT)
    text = await _generated(db, tmp_path, NEW_DESIRED, concurrently=True)
    folder = await _apply(db, tmp_path, "20260301120000_new_constraints", text)
    locks, pid, still = await _write_while_validating(
        db, folder, "c_n_check", "c", "INSERT INTO c VALUES (11, 1, 11)"
    )
    assert {r["mode"] for r in locks} <= {"ShareUpdateExclusiveLock", "AccessShareLock"}, locks
    assert "ShareUpdateExclusiveLock" in {r["mode"] for r in locks}
    assert still == pid, "the VALIDATE ended before the insert committed"
    assert await fetch(db, "SELECT count(*) FROM c") == [(11,)]


@pytest.mark.parametrize(
    ("deferral", "altered"),
    [
        (" DEFERRABLE", "ENFORCED"),
        (" DEFERRABLE INITIALLY DEFERRED", "DEFERRABLE INITIALLY DEFERRED ENFORCED"),
        ("", "NOT DEFERRABLE ENFORCED"),
    ],
    ids=["enforced", "deferred too", "not deferrable too"],
)
async def test_a_key_made_enforced_is_added_not_valid_and_validated_apart(
    db: str, tmp_path: Path, deferral: str, altered: str
) -> None:
    """PostgreSQL 18: the plan makes a NOT ENFORCED key ENFORCED in place, which checks every row under ACCESS
    EXCLUSIVE; --concurrently drops it and adds it NOT VALID, its comment again, and validates it alone. Its
    deferral changed at once (one ALTER CONSTRAINT ... DEFERRABLE ... ENFORCED) was left whole: the scan under
    ACCESS EXCLUSIVE it was meant to avoid."""
    current = (
        "CREATE TABLE p (id int PRIMARY KEY); CREATE TABLE c (id int PRIMARY KEY, p_id int, "
        "CONSTRAINT c_p FOREIGN KEY (p_id) REFERENCES p DEFERRABLE NOT ENFORCED);"
        "COMMENT ON CONSTRAINT c_p ON c IS 'it''s checked'; INSERT INTO p VALUES (1); INSERT INTO c VALUES (1, 1);"
    )
    desired = current.replace(" DEFERRABLE NOT ENFORCED", deferral).split("INSERT")[0]
    await execute(db, current)
    schema = tmp_path / "schema.sql"
    schema.write_text(desired)
    assert f"ALTER TABLE public.c ALTER CONSTRAINT c_p {altered};" in await _generated(
        db, tmp_path, desired, concurrently=False
    )
    text = await _generated(db, tmp_path, desired, concurrently=True)
    assert (
        "ALTER TABLE public.c DROP CONSTRAINT c_p, ADD CONSTRAINT c_p FOREIGN KEY (p_id) REFERENCES public.p(id)"
        f"{deferral} NOT VALID;\nCOMMENT ON CONSTRAINT c_p ON public.c IS 'it''s checked';"
    ) in text, text
    assert "ALTER CONSTRAINT" not in text, text
    assert "BEGIN;\nALTER TABLE public.c VALIDATE CONSTRAINT c_p;\nCOMMIT;" in text, text
    await apply_pending(resolve(db), await _apply(db, tmp_path, "20260301120000_enforced", text))
    assert (await diff_database(resolve(db), [schema])).plan == ()


def test_only_a_valid_enforced_key_or_check_is_split_and_a_hostile_name_stays_quoted() -> None:
    add, validate = split_check(
        'ALTER TABLE public."a""b" ADD CONSTRAINT "x""\n;y" CHECK ((n > 0)) NO INHERIT;'
    )
    assert add == 'ALTER TABLE public."a""b" ADD CONSTRAINT "x""\n;y" CHECK ((n > 0)) NO INHERIT NOT VALID;'
    assert validate == 'VALIDATE CONSTRAINT U&"x""\\000A;y";'  # the newline escaped, as the plan writes names
    for kept in (
        "ALTER TABLE t ADD CONSTRAINT c CHECK ((n > 0)) NOT VALID;",
        "ALTER TABLE t ADD CONSTRAINT c CHECK ((n > 0)) NOT ENFORCED;",
        "ALTER TABLE t ADD CONSTRAINT c UNIQUE (n);",
        "ALTER TABLE t ADD CONSTRAINT c CHECK ((n > 0)), ADD COLUMN m int;",
    ):
        assert split_check(kept) is None, kept


async def test_rows_a_new_key_refuses_are_said_at_its_validate_with_what_a_failure_leaves(
    db: str, tmp_path: Path
) -> None:
    """The key's ADD is NOT VALID now: its orphan is counted at the VALIDATE, whose failure leaves the key NOT
    VALID, and the hint says so (not "edit the migration to add it NOT VALID", which it already is)."""
    await execute(db, NEW_CURRENT + "INSERT INTO c VALUES (99, 42, 1);")
    text = await _generated(db, tmp_path, NEW_DESIRED, concurrently=True)
    found = await preflight(resolve(db), text, "m.sql")
    [orphan] = found.failures
    assert orphan.statement == "ALTER TABLE public.c VALIDATE CONSTRAINT c_p_fkey", orphan
    assert orphan.message.startswith("1 row of public.c references"), orphan.message
    assert "the constraint stays NOT VALID" in orphan.hint and "resumes at it" in orphan.hint, orphan.hint


async def _write_while_validating(
    db: str, folder: Path, constraint: str, table: str, insert: str
) -> tuple[list[asyncpg.Record], int, int | None]:
    """Apply `folder`'s pending migrations; once the VALIDATE of `constraint` is seen running, read the locks
    its backend holds on `table`, then run `insert` from a second connection whose lock_timeout is 1 s (it
    commits, or fails on the timeout). Returns those locks, the VALIDATE's backend, and the backend still
    running that VALIDATE once the insert committed (None if it had ended)."""
    watcher = await asyncpg.connect(db)
    writer = await asyncpg.connect(db)
    try:
        await writer.execute("SET lock_timeout = '1s'")
        applying = asyncio.ensure_future(apply_pending(resolve(db), folder))
        running = "SELECT pid FROM pg_stat_activity WHERE state = 'active' AND query LIKE $1"
        pattern = f"%VALIDATE CONSTRAINT {constraint}%"
        loop = asyncio.get_running_loop()
        deadline = loop.time() + PATIENCE
        pid = None
        while pid is None:
            assert not applying.done(), "the apply ended before its VALIDATE was seen running"
            assert loop.time() < deadline, "the VALIDATE was never seen running"
            pid = await watcher.fetchval(running, pattern)
            await asyncio.sleep(0.005)
        locks = await watcher.fetch(
            "SELECT mode FROM pg_locks WHERE pid = $1 AND relation = $2::regclass AND granted", pid, table
        )
        await writer.execute(insert)
        still = await watcher.fetchval(running, pattern)
        await applying
    finally:
        await watcher.close()
        await writer.close()
    return locks, pid, still


async def test_a_not_null_added_to_a_live_table_is_added_not_valid_then_validated(
    db: str, tmp_path: Path
) -> None:
    """PostgreSQL 18: SET NOT NULL (and ADD CONSTRAINT name NOT NULL col) reads every row under ACCESS
    EXCLUSIVE. Under --concurrently it is added NOT VALID under the name SET NOT NULL gives it (a named one keeps
    its name), its VALIDATE in a block of its own; without, as planned. Applied, the rows stay, the diff is empty."""
    await execute(
        db,
        "CREATE TABLE big (id int PRIMARY KEY, c int, d int); INSERT INTO big SELECT g, g, g FROM generate_series(1, 50) g;",
    )
    desired = "CREATE TABLE big (id int PRIMARY KEY, c int NOT NULL, d int CONSTRAINT big_d_named NOT NULL);"
    plain = await _generated(db, tmp_path, desired, concurrently=False)
    assert "ALTER TABLE public.big ALTER COLUMN c SET NOT NULL;" in plain
    text = await _generated(db, tmp_path, desired, concurrently=True)
    assert "ALTER TABLE public.big ADD CONSTRAINT big_c_not_null NOT NULL c NOT VALID;" in text, text
    assert "ALTER TABLE public.big ADD CONSTRAINT big_d_named NOT NULL d NOT VALID;" in text, text
    assert "BEGIN;\nALTER TABLE public.big VALIDATE CONSTRAINT big_c_not_null;\nCOMMIT;" in text, text
    assert "SET NOT NULL" not in strip_comments(text), text
    await apply_pending(resolve(db), await _apply(db, tmp_path, "20260301120000_not_null", text))
    assert (await fetch(db, "SELECT count(*) AS n FROM big"))[0]["n"] == 50
    assert (await diff_database(resolve(db), [tmp_path / "schema.sql"])).plan == ()
