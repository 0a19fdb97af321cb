"""Data-driven convergence cases: each folder of tests/diffcases holds current.sql and desired.sql.

Every case runs both ways: current -> desired, then desired -> current, unless the folder holds `oneway.txt`
saying why not. Optional files: `renames.txt` (lines OLD=NEW, passed as accepted renames; forward only),
`expect.txt` (lines that must appear in the forward plan, e.g. `ADD VALUE 'b' AFTER 'a'`; a line starting with
`!` must NOT appear), `expect_back.txt` (the same for the reverse plan), `order.txt` and `order_back.txt`
(blocks of lines separated by a blank line: within a block, each line is a statement of the plan, in this
order, perhaps with others between), `rows.sql` (inserted into current
before the forward plan: every table the plan does not drop keeps its rows) and `rows_back.sql` (the same for
the reverse plan, written against desired.sql).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.diffcases.harness import FINGERPRINT_GAPS, converge

CASES = Path(__file__).parent / "diffcases"
NAMES = sorted(p.name for p in CASES.iterdir() if (p / "desired.sql").exists())
BACK = [name for name in NAMES if not (CASES / name / "oneway.txt").exists()]


def _text(folder: Path, name: str) -> str:
    return (folder / name).read_text() if (folder / name).exists() else ""


@pytest.mark.parametrize("case", NAMES)
def test_case_converges(case: str, new_database: Callable[[], str]) -> None:
    folder = CASES / case
    renames = []
    if (folder / "renames.txt").exists():
        renames = [
            tuple(line.split("=", 1)) for line in (folder / "renames.txt").read_text().splitlines() if line
        ]
    outcome = converge(
        new_database,
        _text(folder, "current.sql"),
        _text(folder, "desired.sql"),
        accepted_renames=renames,  # type: ignore[arg-type]
        rows_sql=_text(folder, "rows.sql"),
        known_gap=FINGERPRINT_GAPS.get(f"diffcases/{case}"),
    )
    # a case must have differences: statements, or differences kept on purpose (Change.kept), said
    assert outcome.plan or any(c.kept for c in outcome.changes), "a case must have differences"
    _expect(folder / "expect.txt", "\n".join(s.sql for s in outcome.plan))
    _in_order(folder / "order.txt", [s.sql for s in outcome.plan])


def _in_order(lines: Path, plan: list[str]) -> None:
    """Each block of `lines` (blank lines between) names statements of the plan in the order they run."""
    if not lines.exists():
        return
    for block in lines.read_text().split("\n\n"):
        wanted = [line for line in block.splitlines() if line]
        for line in wanted:
            assert line in plan, (line, "\n".join(plan))
        assert [s for s in plan if s in wanted] == wanted, "\n".join(plan)


def _expect(lines: Path, script: str) -> None:
    """Each line of `lines` is in the plan's script; one starting with `!` is not."""
    if not lines.exists():
        return
    for line in lines.read_text().splitlines():
        if line.startswith("!"):
            assert line[1:] not in script, script
        elif line:
            assert line in script, script


@pytest.mark.parametrize("case", BACK)
def test_case_converges_back(case: str, new_database: Callable[[], str]) -> None:
    """desired -> current: every drop of the forward plan is a create here and the other way round."""
    folder = CASES / case
    outcome = converge(
        new_database,
        _text(folder, "desired.sql"),
        _text(folder, "current.sql"),
        rows_sql=_text(folder, "rows_back.sql"),
        known_gap=FINGERPRINT_GAPS.get(f"diffcases/{case} (back)"),
    )
    assert outcome.plan or any(c.kept for c in outcome.changes), "a case must have differences"
    _expect(folder / "expect_back.txt", "\n".join(s.sql for s in outcome.plan))
    _in_order(folder / "order_back.txt", [s.sql for s in outcome.plan])
