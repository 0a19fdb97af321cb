"""Convergence on real and synthetic schemas: Plue history both ways, Delta documented drift, gen_schema, one
real schema planned into another."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from itertools import permutations

import pytest

from dibs_tui.core.plan import ChangeKind
from tests.diffcases.harness import converge, converge_dsns
from tests.pg import GEN_SCHEMA, REAL, psql_file, run_sql

PLUE = sorted((REAL / "plue" / "history").glob("*.sql"))
DELTA = REAL / "delta"


@pytest.mark.slow
@pytest.mark.parametrize(("a", "b"), list(permutations(PLUE, 2)), ids=lambda p: p.stem.split("@")[-1])
def test_plue_history_converges_both_ways(a: object, b: object, new_database: Callable[[], str]) -> None:
    outcome = converge(new_database, a.read_text(), b.read_text())  # type: ignore[attr-defined]
    assert outcome.plan


def test_delta_documented_schema_vs_migrated_database(new_database: Callable[[], str]) -> None:
    """Column order is not drift; the missing defaults and the NOT NULL differences are."""
    outcome = converge(
        new_database,
        (DELTA / "alembic_upgrade_head.offline.sql").read_text(),
        (DELTA / "DB_DOCUMENTATION.extracted.sql").read_text(),
    )
    columns = {
        (c.object.name, c.object.sub): c.detail
        for c in outcome.changes
        if c.object.kind == "column" and c.kind is ChangeKind.ALTER
    }
    assert "default 0" in columns[("drift_events", "retry_count")]
    assert "default 'queued'" in columns[("drift_events", "processing_phase")]
    assert any("not null" in detail for detail in columns.values())
    assert not [s for s in outcome.plan if "ADD COLUMN" in s.sql and "retry_count" in s.sql]


def _generated(tables: int, changed: bool) -> str:
    args = [sys.executable, str(GEN_SCHEMA), str(tables), *(["--changed"] if changed else [])]
    return subprocess.run(args, capture_output=True, text=True, check=True).stdout


@pytest.mark.slow
def test_synthetic_thousand_tables_converge(new_database: Callable[[], str]) -> None:
    a, b = new_database(), new_database()
    psql_file(a, "gen", text=_generated(1000, False))  # autocommit: one transaction runs out of locks
    psql_file(b, "gen --changed", text=_generated(1000, True))
    outcome = converge_dsns(a, b)
    assert any(s.sql.startswith("ALTER TYPE") and "ADD VALUE" in s.sql for s in outcome.plan)
    assert sum(1 for c in outcome.changes if c.what == "table" and c.kind is ChangeKind.CREATE) >= 10


@pytest.mark.slow
def test_supabase_from_nothing_and_back_converges(new_database: Callable[[], str]) -> None:
    """Supabase's auth and storage schemas, its event triggers (on ddl_command_end and sql_drop, firing on the
    plan's own statements) and its publication: made from an empty database, and dropped back to one."""
    from tests.realschemas import load_real

    empty, supabase = new_database(), new_database()
    load_real(supabase, "supabase")
    made = converge_dsns(empty, supabase)
    assert any(s.sql.startswith("CREATE EVENT TRIGGER") for s in made.plan)
    assert any(s.sql.startswith("CREATE PUBLICATION") for s in made.plan)
    dropped = converge_dsns(supabase, new_database())
    assert any(s.sql.startswith("DROP EVENT TRIGGER") for s in dropped.plan)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("current", "desired"), [("musicbrainz", "lago"), ("chinook", "pagila"), ("pagila", "chinook")]
)
def test_one_real_schema_planned_into_another(
    current: str, desired: str, new_database: Callable[[], str]
) -> None:
    """Hundreds of tables dropped and hundreds made, and the tables both name (chinook's and pagila's
    `customer`) altered column by column into the other's: the order of a plan where almost everything depends
    on something that goes or comes. Every ordered pair of the real schemas converges
    (bench/JOURNAL.md, "bench/diff_real_pairs.py")."""
    from tests.realschemas import EMPTIED_WITH_DEFAULT_PUBLIC, load_real

    a, b = new_database(), new_database()
    for dsn, name in ((a, current), (b, desired)):
        load_real(dsn, name)
        run_sql(dsn, EMPTIED_WITH_DEFAULT_PUBLIC)
    outcome = converge_dsns(a, b)
    assert any(s.sql.startswith("DROP TABLE") for s in outcome.plan)
    assert any(s.sql.startswith("CREATE TABLE") for s in outcome.plan)
    if {current, desired} == {"chinook", "pagila"}:
        assert any(s.sql.startswith("ALTER TABLE public.customer ") for s in outcome.plan)
