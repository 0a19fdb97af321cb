"""The same two schemas give the same plan, byte for byte, whatever Python's string hash seed.

The order of whole-object drops once followed set iteration (`cur.keys() - des.keys()`), which changes with
PYTHONHASHSEED: a migration file written twice from one diff could differ. Each run here is its own process,
since the seed is fixed when the interpreter starts.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable

from tests.pg import run_sql

NAMES = ("alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel")

# Eight objects of every kind the comparison drops whole, none of them in the desired schema.
CURRENT = "\n".join(
    f"""
CREATE SCHEMA s_{n};
CREATE TYPE e_{n} AS ENUM ('a', 'b');
CREATE DOMAIN d_{n} AS int CHECK (VALUE > 0);
CREATE TYPE c_{n} AS (x int, y text);
CREATE TYPE r_{n} AS RANGE (subtype = float8);
CREATE COLLATION co_{n} (provider = libc, locale = 'C');
CREATE SEQUENCE q_{n};
CREATE FUNCTION f_{n}(a int) RETURNS int LANGUAGE sql AS 'SELECT a';
CREATE PROCEDURE p_{n}() LANGUAGE sql AS 'SELECT 1';
CREATE AGGREGATE g_{n}(int) (SFUNC = int4pl, STYPE = int);
"""
    for n in NAMES
)


def _plan(current: str, desired: str, seed: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "dibs_tui.cli", "diff", current, "--desired", desired, "--format", "sql"],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONHASHSEED": seed},
    )
    assert (done.returncode, done.stderr) == (2, ""), done.stderr
    return done.stdout


def test_plan_is_byte_identical_under_two_hash_seeds(new_database: Callable[[], str]) -> None:
    current, desired = new_database(), new_database()
    run_sql(current, CURRENT)
    first, second = _plan(current, desired, "1"), _plan(current, desired, "2")
    for n in NAMES:  # every drop is there: the plan compared is the whole one
        for statement in (
            f"DROP SCHEMA s_{n};",
            f"DROP TYPE public.e_{n};",
            f"DROP DOMAIN public.d_{n};",
            f"DROP FUNCTION public.f_{n}(a integer);",
            f"DROP AGGREGATE public.g_{n}(integer);",
        ):
            assert statement in first
    assert first == second
