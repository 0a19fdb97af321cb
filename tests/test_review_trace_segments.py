"""The trace commits where migrate commits (core/migrations/segments.py): a backfill in batches separated by
COMMIT, and an enum label added then used, were traced in one transaction, so a later segment's lock was said
'already held from an earlier statement' and the label's use 'failed' although migrate commits it first."""

from __future__ import annotations

from pathlib import Path

from dibs_tui.core.connect import resolve
from dibs_tui.core.review.run import review_file
from tests.pg import execute


async def test_a_later_segment_takes_its_own_lock_and_uses_a_committed_label(db: str, tmp_path: Path) -> None:
    await execute(
        db,
        "CREATE TYPE rating AS ENUM ('G', 'PG'); CREATE TABLE film (id int PRIMARY KEY, r rating);"
        "INSERT INTO film SELECT g, 'G' FROM generate_series(1, 40) g;",
    )
    path = tmp_path / "m.sql"
    path.write_text(
        "ALTER TABLE film ADD COLUMN title text;\nCOMMIT;\n"
        "UPDATE film SET title = 'x' WHERE id <= 20;\nCOMMIT;\n"
        "ALTER TABLE film ALTER COLUMN title SET NOT NULL;\n"
        "ALTER TYPE rating ADD VALUE 'NR';\nUPDATE film SET r = 'NR' WHERE id > 30;\n"
    )
    review = await review_file(resolve(db), path)
    _, backfill, require, label, use = review.statements
    assert backfill.lock == "ROW EXCLUSIVE on public.film", (
        review.to_text()
    )  # not 'ACCESS EXCLUSIVE already held'
    assert require.lock == "ACCESS EXCLUSIVE on public.film"
    [held] = [h for h in require.hazards if h.kind == "access-exclusive-lock"]
    assert held.message.startswith(
        "takes ACCESS EXCLUSIVE on public.film (40 rows) and reads every row under it"
    )
    assert (label.trace, use.trace) == ("ran", "ran"), review.to_text()
    assert use.lock == "ROW EXCLUSIVE on public.film"


async def test_in_one_transaction_a_lock_is_still_said_held_since_the_earlier_statement(
    db: str, tmp_path: Path
) -> None:
    await execute(
        db, "CREATE TABLE film (id int PRIMARY KEY); INSERT INTO film SELECT generate_series(1, 40);"
    )
    path = tmp_path / "m.sql"
    path.write_text(
        "ALTER TABLE film ADD COLUMN title text;\nUPDATE film SET title = 'x';\n"
        "ALTER TABLE film ALTER COLUMN title SET NOT NULL;\n"
    )
    review = await review_file(resolve(db), path)
    assert review.statements[1].lock == (
        "ROW EXCLUSIVE on public.film, ACCESS EXCLUSIVE already held on it from an earlier statement"
    ), review.to_text()


async def test_a_statement_that_takes_nothing_new_says_the_lock_already_held(db: str, tmp_path: Path) -> None:
    """The index build's SHARE was taken by the rewrite before it (its index rebuild): pg_locks shows nothing
    new, and the lock line fell back to the rule's 'SHARE (blocks writes)' while its hazard said the build
    holds ACCESS EXCLUSIVE."""
    await execute(
        db,
        "CREATE TABLE film (id int PRIMARY KEY, t text); INSERT INTO film SELECT g, 'x' FROM generate_series(1, 40) g;",
    )
    path = tmp_path / "m.sql"
    path.write_text(
        "ALTER TABLE film ADD COLUMN token uuid DEFAULT gen_random_uuid();\nCREATE INDEX film_t ON film (t);\n"
    )
    review = await review_file(resolve(db), path)
    assert review.statements[0].lock.startswith("ACCESS EXCLUSIVE on public.film"), review.to_text()
    assert review.statements[1].lock == (
        "nothing new: ACCESS EXCLUSIVE already held on public.film from an earlier statement"
    ), review.to_text()
    [build] = [h for h in review.statements[1].hazards if h.kind == "blocking-index-build"]
    assert "ACCESS EXCLUSIVE" in build.message


async def test_a_lone_concurrent_index_is_not_said_to_make_its_migration_not_atomic(
    db: str, tmp_path: Path
) -> None:
    """A file of one CREATE INDEX CONCURRENTLY was told 'this migration is not atomic', as if it had others."""
    await execute(
        db, "CREATE TABLE t (id int, v text); INSERT INTO t SELECT g, 'x' FROM generate_series(1, 9) g;"
    )
    path = tmp_path / "m.sql"
    path.write_text("CREATE INDEX CONCURRENTLY t_v ON t (v);\n")
    for traced in (True, False):
        review = await review_file(resolve(db), path, traced=traced)
        [hazard] = [h for h in review.statements[0].hazards if h.kind == "non-transactional"]
        assert "not atomic" not in hazard.message and hazard.message.endswith(
            "if it fails part way, what it did is not rolled back"
        ), hazard.message
    path.write_text("CREATE INDEX CONCURRENTLY t_v ON t (v);\nALTER TABLE t ADD COLUMN w int;\n")
    review = await review_file(resolve(db), path, traced=False)
    [hazard] = [h for h in review.statements[0].hazards if h.kind == "non-transactional"]
    assert hazard.message.endswith("this migration is not atomic")


async def test_rewrites_and_builds_are_seen_in_every_statement_that_makes_them(
    db: str, tmp_path: Path
) -> None:
    """After each statement the trace reads only the pg_class rows written since the previous read (their
    xmin younger): a table rewritten by a statement that takes no new lock on it, built on, rewritten after a
    segment's commit, by a statement run alone (VACUUM FULL, in its own transaction) and after it, each seen."""
    await execute(
        db,
        "CREATE TABLE t (id int PRIMARY KEY, v int); INSERT INTO t SELECT g, g FROM generate_series(1, 40) g;",
    )
    path = tmp_path / "m.sql"
    path.write_text(
        "ALTER TABLE t ADD COLUMN x int;\n"
        "ALTER TABLE t ALTER COLUMN x TYPE bigint;\n"  # ACCESS EXCLUSIVE held since the statement before
        "CREATE INDEX t_x ON t (x);\nCOMMIT;\n"
        "ALTER TABLE t ALTER COLUMN v TYPE bigint;\n"
        "VACUUM FULL t;\n"
        "ALTER TABLE t ALTER COLUMN x TYPE int;\n"
    )
    review = await review_file(resolve(db), path)
    kinds = [{(h.kind, h.basis) for h in s.hazards} for s in review.statements]
    assert ("table-rewrite", "observed") not in kinds[0], review.to_text()
    for rewrites in (1, 3, 4, 5):  # the retypes and VACUUM FULL
        assert ("table-rewrite", "observed") in kinds[rewrites], review.to_text()
    assert ("blocking-index-build", "observed") in kinds[2], review.to_text()
    retype = review.statements[1]
    assert "ACCESS EXCLUSIVE already held on it from an earlier statement" in retype.lock, retype.lock
