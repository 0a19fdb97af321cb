"""`lint --write-fixes` writes the meta updates `generate` writes for the same change: a database built
with unindexed foreign keys and duplicate indexes, its fixes applied by `migrate` (which proves them on a
clone against the configured schema first), then no such finding, and each new index recorded in
`__dibs_indices` with the line of the schema file that defines it, each dropped one gone from it."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import asyncpg
import pytest

from dibs_tui.cli import main
from tests.pg import run_sql

TABLES = """\
CREATE TABLE parent (id int PRIMARY KEY);
CREATE TABLE child (id int PRIMARY KEY, parent_id int REFERENCES parent (id));
CREATE TABLE "Line Item" (id int PRIMARY KEY, parent_id int, child_id int,
    FOREIGN KEY (parent_id) REFERENCES parent (id), FOREIGN KEY (child_id) REFERENCES child (id));
"""
# The schema as the project wants it: the indexes the fixes will add, at known lines.
SCHEMA = (
    TABLES
    + "-- Children by parent.\n"
    + "CREATE INDEX child_parent_id_idx ON child (parent_id);\n"
    + 'CREATE INDEX "Line Item_parent_id_idx" ON "Line Item" (parent_id);\n'
    + 'CREATE INDEX "Line Item_child_id_idx" ON "Line Item" (child_id);\n'
)


async def _rows(dsn: str, sql: str) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(dsn)
    try:
        return await conn.fetch(sql)
    finally:
        await conn.close()


def test_fixes_carry_their_meta_rows(
    db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "schema.sql").write_text(SCHEMA)
    (tmp_path / "dibs-tui.toml").write_text('schema = ["schema.sql"]\nmigrations = "migrations"\n')
    monkeypatch.chdir(tmp_path)
    run_sql(db, TABLES)
    run_sql(db, "CREATE INDEX child_by_id ON child (id)")  # a duplicate of the primary key: dropped

    assert main(["lint", db, "--fail-on", "warning", "--write-fixes"]) == 1
    capsys.readouterr()
    (migration,) = (tmp_path / "migrations").glob("*_health-fixes.sql")
    text = migration.read_text()
    assert "-- Meta updates" in text and "__dibs_indices" in text

    assert main(["migrate", db, "--yes"]) == 0, capsys.readouterr()
    out = capsys.readouterr().out
    assert "proved: the result matches" in out  # on a clone, before the database was touched

    assert main(["lint", db, "--format", "json", "--fail-on", "warning"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert {f["check"] for f in report["findings"]} & {"fk-without-index", "duplicate-index"} == set()

    indices = {
        (r["table_name"], r["index_name"]): r for r in asyncio.run(_rows(db, "SELECT * FROM __dibs_indices"))
    }
    line_of = {line: n for n, line in enumerate(SCHEMA.splitlines(), 1) if line.startswith("CREATE INDEX")}
    for table, index in (
        ("child", "child_parent_id_idx"),
        ("Line Item", "Line Item_parent_id_idx"),
        ("Line Item", "Line Item_child_id_idx"),
    ):
        row = indices[(table, index)]
        assert row["source_file"] == "schema.sql"
        assert row["source_line"] == next(n for text, n in line_of.items() if index in text)
        assert row["created_by_migration"] == migration.stem
    assert ("child", "child_by_id") not in indices
    tables = {r["table_name"] for r in asyncio.run(_rows(db, "SELECT table_name FROM __dibs_tables"))}
    assert {"child", "Line Item"} <= tables
