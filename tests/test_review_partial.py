"""Reviewing a migration an earlier `migrate` left partly applied: its committed segments are on the server, so
the review counts and traces only what migrate runs next, says so, and keeps the file's line numbers; a file
whose committed part changed is reviewed whole, with why migrate will refuse it."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.apply_project import NAME, THREE, migrate, project, state
from tests.pg import DIBS, run_sql

BROKEN = THREE.replace("ADD COLUMN b int", "ADD COLUMN b no_such_type")


def review(db: str, path: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [DIBS, "review", str(path), db, *extra],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=180,
    )


def partly_applied(db: str, tmp_path: Path) -> Path:
    """Segments 1-2 of THREE committed, segment 3 failed; the file then fixed after them (the usual repair)."""
    folder = project(db, tmp_path, BROKEN)
    failed = migrate(db, folder, "--yes")
    assert failed.returncode == 3, failed.stderr
    path = folder / f"{NAME}.sql"
    path.write_text(BROKEN.replace("no_such_type", "int NOT NULL"))
    return path


def test_a_partly_applied_migration_is_reviewed_from_where_migrate_resumes(db: str, tmp_path: Path) -> None:
    path = partly_applied(db, tmp_path)
    done = review(db, path)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert (
        "note: partly applied: segments 1-2 of 3 (statements 1-3, lines 1-3) committed on " in out
        and ", left out; reviewed and traced: segment 3 of 3 (statement 4, line 4), what migrate runs next"
        in out
    ), out
    assert f"{path}:4: ALTER TABLE t ADD COLUMN b int NOT NULL" in out
    assert f"{path}:1:" not in out and f"{path}:3:" not in out and "already exists" not in out
    assert "1 statement, " in out
    # Counted on the rows there now: b is added NOT NULL without a default to a table of 2 rows.
    assert "2 existing rows" in out, out
    assert state(db)["runs"] == 1  # the review ran nothing of it


def test_migrate_dry_run_counts_the_pending_part_on_what_committed(db: str, tmp_path: Path) -> None:
    """Segment 1 created x and filled it: reviewed whole, x would count as new (and empty); reviewed from
    where migrate resumes, x is a live table with a NULL, and the SET NOT NULL is said to fail again."""
    text = (
        "CREATE TABLE x (id int);\nINSERT INTO x VALUES (1), (NULL);\nCREATE INDEX CONCURRENTLY x_id ON x (id);\n"
        "ALTER TABLE x ALTER COLUMN id SET NOT NULL;\n"
    )
    folder = project(db, tmp_path, text)
    assert migrate(db, folder, "--yes").returncode == 3
    dry = migrate(db, folder, "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "resumes at segment 3" in dry.stdout, dry.stdout
    assert (
        f"{folder / NAME}.sql:4: fails-on-existing-data: 1 row of x has id NULL: SET NOT NULL fails"
        in dry.stdout
    )
    out = review(db, folder / f"{NAME}.sql").stdout
    assert (
        "1 row of x has id NULL: SET NOT NULL fails" in out and "reviewed and traced: segment 3 of 3" in out
    )


def test_a_partly_applied_migration_changed_in_its_committed_part_is_reviewed_whole(
    db: str, tmp_path: Path
) -> None:
    path = partly_applied(db, tmp_path)
    path.write_text(path.read_text().replace("ADD COLUMN a int", "ADD COLUMN a bigint"))
    out = review(db, path).stdout
    assert "migrate refuses to resume it (dibs-tui migrate --dry-run says why); reviewed whole" in out, out
    assert f"{path}:2: ALTER TABLE t ADD COLUMN a bigint" in out


def test_a_migration_nothing_of_which_committed_is_reviewed_whole_without_a_note(
    db: str, tmp_path: Path
) -> None:
    folder = project(db, tmp_path)
    run_sql(db, "SELECT 1")
    out = review(db, folder / f"{NAME}.sql").stdout
    assert "partly applied" not in out and "3 statements" not in out and "4 statements, " in out, out


def test_the_review_of_a_partial_apply_says_the_invalid_index_migrate_will_refuse_on(
    db: str, tmp_path: Path
) -> None:
    folder = project(db, tmp_path, THREE, duplicates=True)  # segment 2's unique index fails, left INVALID
    # the review counts the duplicates: started anyway, to leave it partial
    assert migrate(db, folder, "--yes", "--allow-failing").returncode == 3
    out = review(db, folder / f"{NAME}.sql").stdout
    assert "reviewed and traced: segments 2-3 of 3" in out, out
    assert (
        "migrate refuses until the INVALID index public.t_v an earlier run left is dropped "
        "(DROP INDEX CONCURRENTLY public.t_v;)" in out
    )
    run_sql(db, "DROP INDEX CONCURRENTLY public.t_v")
    assert "INVALID" not in review(db, folder / f"{NAME}.sql").stdout
