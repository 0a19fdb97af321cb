"""review's trace runs a concurrent index statement alone, in autocommit, as migrate runs it: it was refused in
the trace's transaction and not run, so each later statement needing its index (a key handed over USING it, its
rename) was said "failed ... (in the empty clone)" on a correct `generate --concurrently` migration."""

from __future__ import annotations

from pathlib import Path

from dibs_tui.core.connect import resolve
from dibs_tui.core.review.run import review_file
from tests.pg import execute, fetch
from tests.test_generate import concurrent_key_redefinition


async def test_a_generated_concurrent_key_handover_is_traced_with_no_failure(db: str, tmp_path: Path) -> None:
    _, migration = await concurrent_key_redefinition(db, tmp_path)
    target = resolve(db)
    path = tmp_path / "m.sql"
    path.write_text(migration.sql)
    review = await review_file(target, path)
    traces = {s.sql.split(" USING ")[0]: s.trace for s in review.statements if "public.items" in s.sql}
    assert traces == {
        "CREATE UNIQUE INDEX CONCURRENTLY items_code_key__dibs_swap ON public.items": "not in a transaction",
        "ALTER TABLE public.items DROP CONSTRAINT items_code_key": "ran",
        "ALTER TABLE public.items ADD CONSTRAINT items_code_key UNIQUE": "ran",
    }, review.to_text()
    assert not any(h.kind == "fails-on-schema" for s in review.statements for h in s.hazards), (
        review.to_text()
    )
    [build] = [s for s in review.statements if "CONCURRENTLY" in s.sql]
    assert not any(h.kind == "blocking-index-build" for h in build.hazards), review.to_text()
    # nothing ran on the live database
    assert await fetch(
        db, "SELECT indexrelid::regclass::text FROM pg_index WHERE indrelid = 'items'::regclass ORDER BY 1"
    ) == [("items_code_key",), ("items_pkey",)]


async def test_a_duplicate_in_the_live_rows_is_still_said_and_a_schema_refusal_after_the_build_is_claimed(
    db: str, tmp_path: Path
) -> None:
    """The clone holds no rows: the build runs there. The live duplicates that fail it are counted on the live
    rows and said, with the invalid index CONCURRENTLY leaves; a statement after it that the schema alone refuses
    (an index name taken) is said to fail live, now that every statement before it ran."""
    await execute(
        db,
        "CREATE TABLE items (id int PRIMARY KEY, code text); CREATE TABLE other (id int);"
        "INSERT INTO items VALUES (1, 'a'), (2, 'a'), (3, 'b');",
    )
    path = tmp_path / "m.sql"
    path.write_text(
        "CREATE UNIQUE INDEX CONCURRENTLY items_code_uniq ON items (code);\n"
        "ALTER TABLE items ADD CONSTRAINT items_code_key UNIQUE USING INDEX items_code_uniq;\n"
        "CREATE INDEX items_code_key ON other (id);\n"
    )
    build, key, taken = (await review_file(resolve(db), path)).statements
    assert build.trace == "not in a transaction" and key.trace == "ran", (build, key)
    [dup] = [h for h in build.hazards if "duplicate" in h.message]
    assert "1 " in dup.message and "invalid index items_code_uniq" in dup.message, dup.message
    assert taken.trace == 'failed: relation "items_code_key" already exists' and taken.refused, taken
    assert any(h.kind == "fails-on-schema" for h in taken.hazards), taken
