"""Convergence over migra's schema-diff fixtures (a.sql -> b.sql), copied into tests/fixtures/real/migra."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from dibs_tui.core.embedded import EmbeddedServer
from tests.diffcases.harness import FINGERPRINT_GAPS, converge
from tests.pg import REAL, run_sql

MIGRA = REAL / "migra"
SKIP = {"collations": "needs ICU collations, which the embedded server lacks"}
FILTERS: dict[str, dict[str, tuple[str, ...]]] = {
    "singleschema": {"include": ("goodschema",)},
    "excludeschema": {"exclude": ("excludedschema",)},
}
FIXTURES = sorted(p.name for p in MIGRA.iterdir() if (p / "a.sql").exists())


@pytest.fixture(scope="module")
def test_role(pg_server: EmbeddedServer) -> None:
    run_sql(
        pg_server.dsn(),
        "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = "
        "'schemainspect_test_role') THEN CREATE ROLE schemainspect_test_role; END IF; END $$",
    )


@pytest.mark.parametrize("fixture", FIXTURES)
def test_migra_fixture_converges(fixture: str, new_database: Callable[[], str], test_role: None) -> None:
    """generated_added is broken upstream only in migra's expected.sql; its a/b pair is a valid case."""
    if fixture in SKIP:
        pytest.skip(SKIP[fixture])
    folder = MIGRA / fixture
    filters = FILTERS.get(fixture, {})
    outcome = converge(
        new_database,
        (folder / "a.sql").read_text(),
        (folder / "b.sql").read_text(),
        include=filters.get("include", ()),
        exclude=filters.get("exclude", ()),
        known_gap=FINGERPRINT_GAPS.get(f"migra/{fixture}"),
    )
    assert outcome.plan, "every migra fixture has differences"
