"""A migration that drops an untrusted extension (pgvector's `vector`): in the proof's clone the extension is
made by the setting-up side, which the sandbox role is not, so its DROP EXTENSION failed ('must be owner of
extension vector') and the proof could not try 20 of the 72 real schema pairs. The setting-up side drops it
there, as it made it, from the names the statement gives."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.pg import run_sql
from tests.test_proof import dibs, migrate, project

LIVE = "CREATE EXTENSION vector;\nCREATE TABLE public.t (id integer PRIMARY KEY, e vector(3));\n"
DESIRED = "CREATE TABLE public.t (id integer PRIMARY KEY);\n"


@pytest.mark.parametrize(
    "migration",
    [
        "ALTER TABLE public.t DROP COLUMN e;\nDROP EXTENSION vector;\n",
        "DROP EXTENSION IF EXISTS vector CASCADE;\n",  # the column goes with it
    ],
)
def test_a_migration_dropping_an_extension_the_clone_was_given_is_proved(
    db: str, tmp_path: Path, migration: str
) -> None:
    run_sql(db, LIVE)
    folder, schema = project(tmp_path, {"20260101000000_drop_vector": migration}, DESIRED)
    applied = migrate(db, folder, "--desired", str(schema))
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert "proved: the result matches" in applied.stdout
    assert dibs("diff", db, "--desired", str(schema)).returncode == 0


def test_a_drop_that_fails_on_the_clone_is_placed_at_its_statement(db: str, tmp_path: Path) -> None:
    """Without CASCADE the column of type vector still depends on it: the proof says where, with the server's
    words, as a failure of the migration."""
    run_sql(db, LIVE)
    folder, schema = project(tmp_path, {"20260101000000_drop_vector": "DROP EXTENSION vector;\n"}, DESIRED)
    refused = migrate(db, folder, "--desired", str(schema))
    assert refused.returncode == 1
    assert "not proved: a pending migration fails on a clone of the live schema" in refused.stdout
    assert "20260101000000_drop_vector.sql:1:1: cannot drop extension vector" in refused.stdout


def test_a_statement_past_the_sandboxs_bound_is_said_untried_not_failing(
    db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A data migration that seeds millions of rows runs past the sandbox's bound on one statement: the proof
    said 'a pending migration fails on a clone', as if it were wrong. (The bound is lowered for the test, so
    the proof runs in process.)"""
    import asyncio

    from dibs_tui.core import shadow
    from dibs_tui.core.connect import resolve
    from dibs_tui.core.fingerprint import Scope
    from dibs_tui.core.migrations.apply_outcome import PendingMigration
    from dibs_tui.core.migrations.layouts import list_migration_files
    from dibs_tui.core.migrations.segments import plan_segments
    from dibs_tui.core.proof import prove

    run_sql(db, DESIRED)
    folder, schema = project(tmp_path, {"20260101000000_seed": "SELECT pg_sleep(3);\n"}, DESIRED)
    monkeypatch.setattr(shadow, "LOAD_STEP_TIMEOUT", 1.0)
    pending = [
        PendingMigration(f, plan_segments(f.text, str(f.path), transactional=f.transactional), None)
        for f in list_migration_files(folder)
    ]
    proof = asyncio.run(prove(resolve(db), pending, [schema], Scope()))
    assert not proof.proved
    assert proof.untried is not None and "ran past the sandbox's bound" in proof.untried
