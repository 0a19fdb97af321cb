"""Counts on live data for the statements that change rows or prove a constraint on them (DELETE, UPDATE of a
period, VALIDATE, a backfill, the provenance meta rows), checked against what PostgreSQL 18 then does."""

from __future__ import annotations

import pytest

from dibs_tui.core.meta import meta_tables_ddl
from tests.counting import FAILS, LOSS, PARENT, ROWS, TEMPORAL, TEMPORAL_FK, T, counted, runs
from tests.pg import execute, fetch, review


async def test_a_delete_of_rows_still_referenced_fails(db: str) -> None:
    """A DELETE of rows a foreign key (NO ACTION or RESTRICT) still references is refused by the server: the
    review counts them; rows referenced only ON DELETE CASCADE are deleted with their references, and those
    referenced by a key NOT ENFORCED (PostgreSQL 18: no trigger checks it) are deleted, the reference left."""
    await execute(
        db,
        T + ROWS + "CREATE TABLE r (id int PRIMARY KEY, t_id int REFERENCES t); INSERT INTO r VALUES (1, 2);"
        "CREATE TABLE c (id int, t_id int REFERENCES t ON DELETE CASCADE); INSERT INTO c VALUES (1, 3);"
        "CREATE TABLE loose (t_id int REFERENCES t NOT ENFORCED); INSERT INTO loose VALUES (3);",
    )
    refused = "DELETE FROM t WHERE id > 1"
    result = await review(db, refused)
    [fails] = counted(result, FAILS)
    assert fails.message == (
        "1 row of t the DELETE removes is still referenced from r (r_t_id_fkey, ON DELETE NO ACTION): "
        "the DELETE fails (e.g. (id)=(2))"
    ), result.to_text()
    assert not await runs(db, refused)
    cascades = "DELETE FROM t WHERE id = 3"
    assert counted(await review(db, cascades), FAILS) == []
    assert await runs(db, cascades)


async def test_a_delete_of_a_period_still_referenced_by_a_temporal_key_fails(db: str) -> None:
    """PostgreSQL 18: a temporal key's rows reference the periods their ranges overlap, none equal to them. A
    DELETE of one was said to pass (no referencing row had its range); the server refuses it."""
    await execute(
        db,
        T + ROWS + TEMPORAL + TEMPORAL_FK + "; INSERT INTO tp VALUES (1, '[2026-01-01,2027-01-01)');",
    )
    refused = "DELETE FROM tp WHERE at = '[2024-01-01,2024-06-01)'"
    [fails] = counted(await review(db, refused), FAILS)
    assert fails.message.startswith(
        "1 row of tp the DELETE removes is still referenced from t (t_p_at_fkey, ON DELETE NO ACTION)"
    ), fails.message
    assert not await runs(db, refused)
    unreferenced = "DELETE FROM tp WHERE at = '[2026-01-01,2027-01-01)'"
    assert counted(await review(db, unreferenced), FAILS) == []
    assert await runs(db, unreferenced)


async def test_an_update_of_a_period_is_said_to_fail_where_it_leaves_a_temporal_reference_uncovered(
    db: str,
) -> None:
    """PostgreSQL 18: an UPDATE of a referenced period fails when a row that referenced it is no longer covered
    by the key's periods as the UPDATE leaves them; widened, it passes. By equality no reference was seen at
    all."""
    await execute(db, T + ROWS + TEMPORAL + TEMPORAL_FK + ";")
    narrowed = "UPDATE tp SET at = '[2024-01-01,2024-02-01)' WHERE at = '[2024-01-01,2024-06-01)'"
    [fails] = counted(await review(db, narrowed), FAILS)
    assert fails.message.startswith(
        "1 row of tp whose key the UPDATE changes is still referenced from t (t_p_at_fkey, ON UPDATE NO ACTION)"
    ), fails.message
    assert not await runs(db, narrowed)
    widened = "UPDATE tp SET at = '[2023-01-01,2024-06-01)' WHERE at = '[2024-01-01,2024-06-01)'"
    assert counted(await review(db, widened), FAILS) == []
    assert await runs(db, widened)


@pytest.mark.parametrize("rows", [ROWS, ""], ids=["rows", "empty"])
async def test_a_validate_of_a_constraint_not_enforced_is_refused_whatever_the_rows(
    db: str, rows: str
) -> None:
    """PostgreSQL 18 refuses VALIDATE CONSTRAINT of a NOT ENFORCED constraint; the review counted its rows as if
    it were NOT VALID (a key over rows that all match passed), and on an empty table said nothing. Said in the
    same file or live, CHECK or key."""
    await execute(db, T + rows + PARENT + "UPDATE t SET p = 1; ALTER TABLE t ADD CONSTRAINT fk FOREIGN KEY (p) "
                      "REFERENCES parent NOT ENFORCED;")  # fmt: skip
    for migration in (
        "ALTER TABLE t VALIDATE CONSTRAINT fk",
        "ALTER TABLE t ADD CONSTRAINT c CHECK (id > 0) NOT ENFORCED;\nALTER TABLE t VALIDATE CONSTRAINT c",
    ):
        result = await review(db, migration)
        [refused] = [h for _, h in result.hazards if h.kind == "fails-on-schema" and h.basis == "observed"]
        assert "is NOT ENFORCED: PostgreSQL refuses to validate it" in refused.message, result.to_text()
        assert counted(result, FAILS) == []
        assert not await runs(db, migration)
    assert counted(await review(db, "ALTER TABLE t ALTER CONSTRAINT fk ENFORCED"), FAILS) == []


@pytest.mark.parametrize("rows", [ROWS, ""], ids=["rows", "empty"])
async def test_a_not_null_added_not_valid_then_validated_is_counted_not_said_not_enforced(
    db: str, rows: str
) -> None:
    """generate --concurrently adds a NOT NULL NOT VALID and validates it apart (PostgreSQL 18); the parser leaves
    is_enforced unset on a NOT NULL, and the review said its VALIDATE refused as NOT ENFORCED (found by planning
    lago's users into delta's). Only a CHECK or a foreign key is ever NOT ENFORCED: the NULLs are counted."""
    await execute(db, T + rows + "UPDATE t SET v = NULL WHERE id = 3;")
    migration = (
        "ALTER TABLE t ADD CONSTRAINT t_v_nn NOT NULL v NOT VALID;\nALTER TABLE t VALIDATE CONSTRAINT t_v_nn"
    )
    result = await review(db, migration)
    assert not [h for _, h in result.hazards if "NOT ENFORCED" in h.message], result.to_text()
    [*failing] = counted(result, FAILS)
    assert [h.count for h in failing] == ([1] if rows else []), result.to_text()
    assert await runs(db, migration) is (not rows)


async def test_a_check_over_a_column_added_with_a_volatile_default_says_why_it_is_not_counted(
    db: str,
) -> None:
    await execute(db, T + ROWS)
    result = await review(
        db, "ALTER TABLE t ADD COLUMN e float8 DEFAULT random();\nALTER TABLE t ADD CHECK (e < 2)"
    )
    [hazard] = counted(result, FAILS)
    assert hazard.count is None and hazard.not_counted == (
        "column e is added by this migration and its DEFAULT random() is not one constant"
    ), result.to_text()


async def test_a_unique_index_built_concurrently_on_duplicates_says_it_leaves_an_invalid_index(
    db: str,
) -> None:
    await execute(db, T + ROWS + "UPDATE t SET v = 'x';")
    migration = "CREATE UNIQUE INDEX CONCURRENTLY u ON t (v)"
    [hazard] = counted(await review(db, migration), FAILS)
    assert hazard.message.endswith("; CONCURRENTLY leaves the invalid index u behind: drop it to retry"), (
        hazard
    )
    assert not await runs(db, migration)
    assert [tuple(r) for r in await fetch(db, "SELECT indexrelid::regclass::text, indisvalid FROM pg_index "
                                              "WHERE indrelid = 't'::regclass AND NOT indisvalid")] == [("u", False)]  # fmt: skip
    assert not await runs(db, migration)  # the retry fails on the name


async def test_the_provenance_meta_updates_are_not_data_loss_but_history_rows_are(db: str) -> None:
    """generate's meta updates rewrite __dibs_columns rows with every rename and delete them with every
    dropped column: bookkeeping the review must not call data loss. A history row deleted is counted: its
    migration becomes pending again."""
    await execute(
        db,
        meta_tables_ddl()
        + "INSERT INTO __dibs_tables (table_name, source_file, source_line) VALUES ('t', 's.sql', 1);"
        "INSERT INTO __dibs_columns (table_name, column_name, source_file, source_line) VALUES "
        "('t', 'a', 's.sql', 2), ('t', 'b', 's.sql', 3);"
        "INSERT INTO __dibs_migrations (name) VALUES ('initial');",
    )
    result = await review(
        db,
        "UPDATE __dibs_columns SET column_name = 'c', modified_at = now() WHERE table_name = 't' AND column_name = 'a';"
        "DELETE FROM public.__dibs_columns WHERE table_name = 't' AND column_name = 'b';"
        "UPDATE __dibs_tables SET source_line = 9 WHERE table_name = 't';"
        "DELETE FROM __dibs_migrations WHERE name = 'initial';",
    )
    [lost] = counted(result, LOSS)
    assert lost.message.startswith("deletes 1 row of __dibs_migrations"), lost.message


async def test_a_backfill_of_a_column_this_migration_adds_loses_nothing(db: str) -> None:
    """A backfill in batches of a column the migration adds was said to lose 'the values it replaces' (not
    counted: the live table has no such column). They are this migration's own NULLs: nothing is lost. A
    column the table already has is still counted."""
    await execute(
        db,
        "CREATE TABLE c (id int PRIMARY KEY, name text); INSERT INTO c SELECT g, 'n' FROM generate_series(1, 9) g;",
    )
    result = await review(
        db,
        "ALTER TABLE c ADD COLUMN full_name text;\n"
        "UPDATE c SET full_name = name || '!' WHERE id <= 5 AND full_name IS NULL;\n"
        "UPDATE c SET full_name = name WHERE id > 5;\n"
        "UPDATE c SET name = 'm' WHERE id = 1;\n",
    )
    assert [h.kind for h in result.statements[1].hazards + result.statements[2].hazards] == [], (
        result.to_text()
    )
    assert [h.message for h in counted(result, "data-loss")] == [
        "overwrites name in 1 row of c (e.g. (id)=(1))"
    ]


async def test_a_table_without_a_primary_key_is_exemplified_by_a_unique_not_null_key(db: str) -> None:
    """Synapse's events has no primary key but a UNIQUE event_id: its rows were named by ctid, which tells a
    DBA nothing. A UNIQUE constraint on NOT NULL columns names them; a nullable one does not."""
    await execute(
        db,
        "CREATE TABLE ev (seq int, event_id text NOT NULL UNIQUE, note text UNIQUE);"
        "INSERT INTO ev SELECT g, '$e' || g, NULL FROM generate_series(1, 5) g;"
        "CREATE TABLE loose (seq int, note text UNIQUE); INSERT INTO loose VALUES (1, 'a');",
    )
    result = await review(db, "DELETE FROM ev WHERE seq > 3;\nDELETE FROM loose WHERE seq = 1;\n")
    assert [h.message for h in counted(result, "data-loss")] == [
        "deletes 2 rows of ev (e.g. (event_id)=($e4))",
        "deletes 1 row of loose (e.g. ctid (0,1))",
    ], result.to_text()
