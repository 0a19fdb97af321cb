"""Data-driven convergence cases: each folder of tests/diffcases holds current.sql and desired.sql.

Optional files: `renames.txt` (lines OLD=NEW, passed as accepted renames) and `expect.txt` (lines that must
appear in the plan, e.g. `ADD VALUE 'b' AFTER 'a'`; a line starting with `!` must NOT appear).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.diffcases.harness import FINGERPRINT_GAPS, converge

CASES = Path(__file__).parent / "diffcases"
NAMES = sorted(p.name for p in CASES.iterdir() if (p / "desired.sql").exists())


@pytest.mark.parametrize("case", NAMES)
def test_case_converges(case: str, new_database: Callable[[], str]) -> None:
    folder = CASES / case
    current = (folder / "current.sql").read_text() if (folder / "current.sql").exists() else ""
    renames = []
    if (folder / "renames.txt").exists():
        renames = [
            tuple(line.split("=", 1)) for line in (folder / "renames.txt").read_text().splitlines() if line
        ]
    outcome = converge(
        new_database,
        current,
        (folder / "desired.sql").read_text(),
        accepted_renames=renames,  # type: ignore[arg-type]
        known_gap=FINGERPRINT_GAPS.get(f"diffcases/{case}"),
    )
    assert outcome.plan, "a case must have differences"
    script = "\n".join(s.sql for s in outcome.plan)
    if (folder / "expect.txt").exists():
        for line in (folder / "expect.txt").read_text().splitlines():
            if line.startswith("!"):
                assert line[1:] not in script, script
            elif line:
                assert line in script, script
