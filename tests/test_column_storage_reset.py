"""A column's STORAGE dropped from the desired schema, set back to its type's own on every major: PostgreSQL 16
spelled that `SET STORAGE DEFAULT`, which 15 refuses (syntax error), so there the plan names the type's storage
(pg_type.typstorage). Each check generates, proves and applies the plan, diffs again, and reads what the
columns' storage is afterwards."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tests.pg import fetch, run_sql
from tests.test_older_server import Older, _databases, _dibs, older_server

# text's own storage is EXTENDED, numeric's MAIN; a domain has its base type's; a retyped column takes its
# new type's storage from the type change itself, so nothing is reset after it.
LIVE = """
CREATE DOMAIN amount AS numeric;
CREATE TABLE t (id int PRIMARY KEY, body text, n numeric, price amount, code varchar(20), note text);
ALTER TABLE t ALTER body SET STORAGE EXTERNAL, ALTER n SET STORAGE EXTENDED, ALTER price SET STORAGE PLAIN,
  ALTER code SET STORAGE MAIN, ALTER note SET STORAGE MAIN;
INSERT INTO t VALUES (1, 'a', 1.5, 2.5, 'c', 'n');
"""
DESIRED = """
CREATE DOMAIN amount AS numeric;
CREATE TABLE t (id int PRIMARY KEY, body text, n numeric, price amount, code varchar(20), note varchar(100));
"""
# A column whose storage is not its type's own, by name.
OTHER_STORAGE = """
SELECT a.attname::text FROM pg_attribute a JOIN pg_type ty ON ty.oid = a.atttypid
WHERE a.attrelid = 'public.t'::regclass AND a.attnum > 0 AND a.attstorage <> ty.typstorage ORDER BY 1
"""


def _storage_set_back(live: str, tmp_path: Path) -> None:
    run_sql(live, LIVE)
    assert [r[0] for r in asyncio.run(fetch(live, OTHER_STORAGE))] == ["body", "code", "n", "note", "price"]
    (tmp_path / "db" / "migrations").mkdir(parents=True)
    desired = tmp_path / "db" / "schema.sql"
    desired.write_text(DESIRED)
    generated = _dibs("generate", live, "--desired", str(desired), cwd=tmp_path)
    assert generated.returncode == 0, generated.stdout + generated.stderr
    applied = _dibs("migrate", live, "--desired", str(desired), "--yes", cwd=tmp_path)
    assert applied.returncode == 0, applied.stdout + applied.stderr
    checked = _dibs("check", live, "--desired", str(desired), cwd=tmp_path)
    assert checked.returncode == 0 and "in sync" in checked.stdout, checked.stdout + checked.stderr
    assert asyncio.run(fetch(live, OTHER_STORAGE)) == []
    rows = asyncio.run(fetch(live, "SELECT id, body, n, price, code, note FROM t"))
    assert [tuple(r) for r in rows] == [(1, "a", 1.5, 2.5, "c", "n")]


@pytest.mark.parametrize("older_server", [15], indirect=True, ids=["pg15"])
def test_a_column_storage_dropped_is_set_back_to_its_type_on_15(older_server: Older, tmp_path: Path) -> None:
    """On 15 the plan said `ALTER COLUMN body SET STORAGE DEFAULT` and failed there ('syntax error at or near
    "DEFAULT"'); there it names each type's storage: EXTENDED for text, MAIN for numeric and a domain over it."""
    name = f"s{next(_databases)}"
    run_sql(f"{older_server.dsn}/postgres", f"CREATE DATABASE {name}")
    _storage_set_back(f"{older_server.dsn}/{name}", tmp_path)


def test_a_column_storage_dropped_is_set_back_to_its_type_on_18(db: str, tmp_path: Path) -> None:
    _storage_set_back(db, tmp_path)


__all__ = ["older_server"]  # the fixture, parametrized above for 15 alone
