"""Convergence counts of the diff cases by kind: each folder of tests/diffcases (one kind or move) in both
directions, and migra's fixtures, as pass / xfail / skip / fail, from one pytest run's summary.

    .venv/bin/python -m bench.diffcase_counts [--migra]

Not a timing: it runs the convergence tests (about 10 minutes for the cases on 2 idle cores, 3 more for
migra's fixtures) and prints a Markdown table and the totals.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from collections import defaultdict

# pytest -v: "tests/test_diff_cases.py::test_case_converges[views] PASSED [ 1%]" (skips included, unlike -rA)
_LINE = re.compile(r"::(\w+)\[([^\]]+)\] (PASSED|XFAIL|SKIPPED|FAILED|ERROR|XPASS)")
_DIRECTION = {
    "test_case_converges": "forward",
    "test_case_converges_back": "back",
    "test_migra_fixture_converges": "migra",
}
_WORD = {"PASSED": "pass", "XFAIL": "xfail", "SKIPPED": "skip", "XPASS": "xpass"}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--migra", action="store_true", help="also run tests/test_diff_migra.py")
    args = parser.parse_args()
    files = ["tests/test_diff_cases.py"] + (["tests/test_diff_migra.py"] if args.migra else [])
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-v", "-p", "no:cacheprovider", *files],
        capture_output=True,
        text=True,
        check=False,
    )
    table: dict[str, dict[str, str]] = defaultdict(dict)
    for line in run.stdout.splitlines():
        if (m := _LINE.search(line)) and m[1] in _DIRECTION:
            table[m[2]][_DIRECTION[m[1]]] = _WORD.get(m[3], "fail")
    if not table:
        print(run.stdout[-3000:], run.stderr[-3000:], sep="\n")
        return 1
    print("| case | forward | back | migra |\n|---|---|---|---|")
    totals: dict[str, int] = defaultdict(int)
    for case in sorted(table):
        row = table[case]
        print(f"| {case} | {row.get('forward', '')} | {row.get('back', '')} | {row.get('migra', '')} |")
        for outcome in row.values():
            totals[outcome] += 1
    print("\ntotals: " + ", ".join(f"{n} {word}" for word, n in sorted(totals.items())))
    return 0 if set(totals) <= {"pass", "xfail", "skip"} else 1


if __name__ == "__main__":
    raise SystemExit(main())
