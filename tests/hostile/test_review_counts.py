"""Counting on live data against migrations written to run something through the review: an expression is
evaluated only when its parse tree holds nothing but columns, constants, built-in operators and allow-listed
built-ins, and the count runs with search_path = pg_catalog in a read-only transaction. Each attack asserts
what did not run (a function's write, a lock) and what was not lost."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from dibs_tui.core.review.report import Hazard, Review
from tests.pg import execute, fetch, review, run_sql

SETUP = (
    "CREATE TABLE t (id int PRIMARY KEY, v varchar(20), m int); INSERT INTO t VALUES (1, 'a', 1), (2, 'b', 2);"
    "CREATE TABLE audit (what text);"
    "CREATE FUNCTION noisy(int) RETURNS boolean LANGUAGE plpgsql AS "
    "$$BEGIN INSERT INTO audit VALUES ('noisy'); RETURN true; END$$;"
)


def counts(result: Review) -> list[Hazard]:
    """What the counts said of failures: counted (observed), or not counted and why (inferred)."""
    return [
        h
        for _, h in result.hazards
        if (h.basis == "observed" or h.not_counted) and h.kind == "fails-on-existing-data"
    ]


async def nothing_ran(dsn: str) -> None:
    assert await fetch(dsn, "SELECT * FROM audit") == []
    assert [tuple(r) for r in await fetch(dsn, "SELECT * FROM t ORDER BY id")] == [(1, "a", 1), (2, "b", 2)]


async def test_a_check_calling_pg_sleep_is_not_counted(db: str) -> None:
    await execute(db, SETUP)
    [hazard] = counts(await review(db, "ALTER TABLE t ADD CONSTRAINT c CHECK (pg_sleep(30) IS NULL);"))
    assert hazard.count is None and hazard.not_counted == "expression calls pg_sleep()"
    await nothing_ran(db)


async def test_a_check_calling_dblink_is_refused_before_any_query(db: str) -> None:
    await execute(db, SETUP)
    sql = "ALTER TABLE t ADD CONSTRAINT c CHECK (dblink_exec('dbname=postgres', 'DROP TABLE t') = 'OK');"
    [hazard] = counts(await review(db, sql))
    assert "expression calls dblink_exec()" in hazard.message
    await nothing_ran(db)


async def test_a_check_calling_a_user_function_that_writes_is_not_counted(db: str) -> None:
    await execute(db, SETUP)
    [hazard] = counts(await review(db, "ALTER TABLE t ADD CONSTRAINT c CHECK (noisy(id));"))
    assert "expression calls noisy()" in hazard.message
    await nothing_ran(db)


async def test_a_user_function_shadowing_an_allowed_builtin_is_never_reached(db: str) -> None:
    await execute(
        db,
        SETUP + "CREATE FUNCTION public.lower(varchar) RETURNS text LANGUAGE plpgsql AS "
        "$$BEGIN INSERT INTO audit VALUES ('lower'); RETURN 'z'; END$$;",
    )
    result = await review(db, "ALTER TABLE t ADD CONSTRAINT c CHECK (lower(v) = 'a');")
    [hazard] = counts(result)  # pg_catalog.lower(text) ran: row 2 ('b') violates it
    assert hazard.message.startswith("1 row of t violate CHECK") and "(id)=(2)" in hazard.message
    await nothing_ran(db)


async def test_a_schema_qualified_call_is_refused(db: str) -> None:
    await execute(db, SETUP)
    [hazard] = counts(await review(db, "ALTER TABLE t ADD CONSTRAINT c CHECK (public.noisy(id));"))
    assert "expression calls public.noisy()" in hazard.message
    await nothing_ran(db)


async def test_a_user_operator_that_writes_is_never_reached(db: str) -> None:
    await execute(
        db,
        SETUP + "CREATE FUNCTION noisy_eq(int, int) RETURNS boolean LANGUAGE plpgsql AS "
        "$$BEGIN INSERT INTO audit VALUES ('op'); RETURN true; END$$;"
        "CREATE OPERATOR public.=== (LEFTARG = int, RIGHTARG = int, FUNCTION = noisy_eq);",
    )
    plain = counts(await review(db, "ALTER TABLE t ADD CONSTRAINT c CHECK (m === 1);"))
    qualified = counts(await review(db, "ALTER TABLE t ADD CONSTRAINT c CHECK (m OPERATOR(public.===) 1);"))
    assert plain[0].count is None and plain[0].not_counted  # pg_catalog has no ===: not counted
    assert "expression uses operator public.===" in qualified[0].message
    await nothing_ran(db)


async def test_a_using_with_a_subquery_that_deletes_is_refused(db: str) -> None:
    await execute(db, SETUP)
    sql = (
        "ALTER TABLE t ALTER COLUMN m TYPE bigint USING "
        "(WITH gone AS (DELETE FROM t RETURNING id) SELECT count(*) FROM gone);"
    )
    [hazard] = counts(await review(db, sql))
    assert "expression contains a subquery" in hazard.message
    await nothing_ran(db)


async def test_advisory_locks_and_settings_are_refused(db: str) -> None:
    await execute(db, SETUP)
    result = await review(
        db,
        "ALTER TABLE t ADD CONSTRAINT a CHECK (pg_advisory_lock(42) IS NOT NULL);\n"
        "ALTER TABLE t ADD CONSTRAINT b CHECK (set_config('role', 'postgres', false) <> '');",
    )
    assert [h.not_counted for h in counts(result)] == [
        "expression calls pg_advisory_lock()",
        "expression calls set_config()",
    ]
    assert await fetch(db, "SELECT * FROM pg_locks WHERE locktype = 'advisory'") == []
    await nothing_ran(db)


async def test_a_cast_to_a_domain_whose_check_writes_is_not_counted(db: str) -> None:
    await execute(db, SETUP + "CREATE DOMAIN watched AS int CHECK (noisy(VALUE));")
    [hazard] = counts(await review(db, "ALTER TABLE t ALTER COLUMN m TYPE watched;"))
    assert "type watched is not built in" in hazard.message
    await nothing_ran(db)


async def test_a_column_type_with_a_user_cast_is_not_read(db: str) -> None:
    await execute(
        db,
        SETUP + "CREATE TYPE mood AS ENUM ('ok', 'sad'); ALTER TABLE t ADD mo mood;"
        "CREATE FUNCTION noisy_mood(mood) RETURNS int LANGUAGE plpgsql AS "
        "$$BEGIN INSERT INTO audit VALUES ('cast'); RETURN 1; END$$;"
        "CREATE CAST (mood AS int) WITH FUNCTION noisy_mood(mood) AS IMPLICIT;",
    )
    [hazard] = counts(await review(db, "ALTER TABLE t ADD CONSTRAINT c CHECK (mo > 0);"))
    assert "column mo has type public.mood, whose functions are not built in" in hazard.message
    assert await fetch(db, "SELECT * FROM audit") == []


async def test_an_example_key_with_terminal_escapes_is_shown_escaped(db: str) -> None:
    await execute(
        db,
        "CREATE TABLE k (id text PRIMARY KEY, v int); INSERT INTO k VALUES (E'\\x1b]52;c;aGk=\\x07', NULL);",
    )
    [hazard] = counts(await review(db, "ALTER TABLE k ALTER COLUMN v SET NOT NULL;"))
    assert "\x1b" not in hazard.message and "\x07" not in hazard.message
    assert "(id)=(\\x1b]52;c;aGk=\\x07)" in hazard.message


async def test_a_dropped_table_named_with_a_dot_is_the_one_counted(db: str) -> None:
    await execute(
        db,
        'CREATE SCHEMA app; CREATE TABLE app."Or.ders" (id int); INSERT INTO app."Or.ders" VALUES (1), (2);'
        "CREATE TABLE app.ders (id int);",  # what a split at the dot would find instead
    )
    result = await review(db, 'DROP TABLE app."Or.ders";')
    [loss] = [h for _, h in result.hazards if h.kind == "data-loss"]
    assert loss.message.startswith('drops app."Or.ders" and its 2 rows') and loss.count == 2
    assert [r["n"] for r in await fetch(db, 'SELECT count(*) AS n FROM app."Or.ders"')] == [2]


async def test_a_partition_bound_calling_a_function_is_not_counted(db: str) -> None:
    """A bound is an expression since PostgreSQL 12: one that calls a function that writes is never evaluated
    on the live rows; the review says it did not count."""
    await execute(
        db,
        SETUP + "CREATE TABLE p (at int) PARTITION BY RANGE (at); CREATE TABLE p_def PARTITION OF p DEFAULT;"
        "INSERT INTO p VALUES (5);"
        "CREATE FUNCTION edge() RETURNS int LANGUAGE plpgsql AS "
        "$$BEGIN INSERT INTO audit VALUES ('edge'); RETURN 10; END$$;",
    )
    for bound in (
        "FROM (edge()) TO (20)",
        "FROM (1) TO (pg_sleep(5)::text::int)",
        "FROM (public.edge()) TO (20)",
    ):
        result = await review(db, f"CREATE TABLE p_1 PARTITION OF p FOR VALUES {bound}")
        [hazard] = counts(result)
        assert hazard.count is None and hazard.not_counted.startswith("expression calls "), hazard.message
    assert await fetch(db, "SELECT * FROM audit") == []
    assert [tuple(r) for r in await fetch(db, "SELECT * FROM p")] == [(5,)]


async def test_a_domain_check_calling_a_function_that_writes_is_not_counted(db: str) -> None:
    await execute(db, SETUP + "CREATE DOMAIN d AS int; CREATE TABLE u (x d); INSERT INTO u VALUES (1);")
    [hazard] = counts(await review(db, "ALTER DOMAIN d ADD CONSTRAINT c CHECK (noisy(VALUE));"))
    assert hazard.count is None and "expression calls noisy()" in hazard.message, hazard.message
    await nothing_ran(db)


async def test_index_and_generated_expressions_calling_a_function_that_writes_are_never_evaluated(
    db: str,
) -> None:
    await execute(db, SETUP)
    for migration in (
        "CREATE INDEX e ON t ((noisy(id)));",
        "CREATE INDEX e ON t (id) WHERE noisy(m);",
        "ALTER TABLE t ADD COLUMN g boolean GENERATED ALWAYS AS (noisy(id)) STORED;",
    ):
        [hazard] = counts(await review(db, migration))
        assert hazard.count is None and "expression calls noisy()" in hazard.message, hazard.message
    await review(db, "ALTER TABLE t ADD COLUMN g boolean GENERATED ALWAYS AS (noisy(id)) VIRTUAL;")
    await nothing_ran(db)


async def test_a_delete_whose_where_calls_a_function_that_writes_is_not_counted(db: str) -> None:
    await execute(db, SETUP)
    result = await review(db, "DELETE FROM t WHERE noisy(id);\nDELETE FROM t WHERE audit.what IS NULL;")
    lost = [h for _, h in result.hazards if h.kind == "data-loss"]
    assert [h.count for h in lost] == [None, None], result.to_text()
    assert "expression calls noisy()" in lost[0].message
    assert "not counted" in lost[1].message  # another table's column, never read as t's
    await nothing_ran(db)


async def test_an_update_whose_where_or_value_calls_a_function_is_never_evaluated(db: str) -> None:
    """A WHERE the review may not evaluate leaves the UPDATE not counted; a new value it may not evaluate
    leaves the rows counted by their values now (pg_sleep never ran: the review took no 30 s)."""
    await execute(db, SETUP)
    result = await review(
        db, "UPDATE t SET m = 1 WHERE noisy(id);\nUPDATE t SET v = pg_catalog.pg_sleep(30)::text;"
    )
    lost = [h for _, h in result.hazards if h.kind == "data-loss"]
    assert [h.count for h in lost] == [None, 2], result.to_text()
    assert "expression calls noisy()" in lost[0].message and "pg_sleep" in lost[1].message
    await nothing_ran(db)


async def test_a_cascade_child_named_to_inject_is_quoted_and_escaped(db: str) -> None:
    """A table reached through ON DELETE CASCADE, its name and key column written to break out of the counting
    query and to drive the terminal: the count is spliced quoted, the message escaped, and nothing ran."""
    await execute(
        db,
        SETUP + 'CREATE TABLE "k\x1b[2J""; DROP TABLE t; --" ("x""); DELETE FROM t; --" int '
        'REFERENCES t ON DELETE CASCADE, "\u202eid" int REFERENCES t ON DELETE SET NULL);'
        'INSERT INTO "k\x1b[2J""; DROP TABLE t; --" VALUES (1, 1), (2, 1), (1, 2);',
    )
    result = await review(db, "DELETE FROM t WHERE id = 1")
    lost = [h for _, h in result.hazards if h.basis == "observed" and h.kind == "data-loss"]
    also = [h for h in lost if "also removes" in h.message]
    assert [h.count for h in also] == [2], result.to_text()
    assert 'k\\x1b[2J"; DROP TABLE t; --' in also[0].message and "\x1b" not in result.to_text()
    [set_null] = [h for h in lost if "sets" in h.message]
    assert (
        set_null.count == 1 and "\\u202eid to NULL" in set_null.message and "\u202e" not in set_null.message
    )
    await nothing_ran(db)
    assert len(await fetch(db, 'SELECT * FROM "k\x1b[2J""; DROP TABLE t; --"')) == 3


def test_generate_names_a_failing_column_from_the_database_escaped(
    db: str, new_database: Callable[[], str], tmp_path: Path
) -> None:
    """The warning generate prints quotes names that come from the live and desired databases: a table and a
    column named to drive the terminal reach it escaped, in the count and in the UPDATE it suggests."""
    table, column = '"t\x1b]0;owned\x07"', '"c\u202e""x"'
    run_sql(
        db, f"CREATE TABLE {table} (id int PRIMARY KEY, {column} int); INSERT INTO {table} VALUES (1, NULL);"
    )
    desired = new_database()
    run_sql(desired, f"CREATE TABLE {table} (id int PRIMARY KEY, {column} int NOT NULL);")
    done = subprocess.run(
        [sys.executable, "-m", "dibs_tui.cli", "generate", db, "--desired", desired, "--stdout"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={k: v for k, v in os.environ.items() if k != "DATABASE_URL"},
        timeout=180,
        check=False,
    )
    assert done.returncode == 4, done.stderr
    assert "this migration will fail at <stdout>:" in done.stderr, done.stderr
    assert "\x1b" not in done.stderr and "\x07" not in done.stderr and "\u202e" not in done.stderr
    assert '1 row of public."t\\x1b]0;owned\\x07" has' in done.stderr
    assert (
        'UPDATE public.U&"t\\001B]0;owned\\0007" SET U&"c\\202E""x" = ... WHERE U&"c\\202E""x" IS NULL'
        in done.stderr
    )
    assert len(asyncio.run(fetch(db, f"SELECT * FROM {table} WHERE {column} IS NULL"))) == 1


async def test_a_column_added_with_a_domain_whose_check_writes_is_not_cast_in_a_count(db: str) -> None:
    """A later CHECK over a column the file adds is counted with the column's DEFAULT cast to its type: a domain
    whose CHECK calls a function that writes would run it in that cast, so the count is not made."""
    await execute(db, SETUP + "CREATE DOMAIN d AS int CHECK (noisy(VALUE));")
    sql = "ALTER TABLE t ADD COLUMN e d DEFAULT 1;\nALTER TABLE t ADD CONSTRAINT c CHECK (e > 0);"
    [hazard] = counts(await review(db, sql))
    assert hazard.count is None and "column e is added by this migration with a type" in hazard.not_counted
    await nothing_ran(db)


async def test_an_update_of_a_key_referenced_from_a_table_named_to_inject_is_counted_escaped(db: str) -> None:
    await execute(
        db,
        SETUP + 'CREATE TABLE "r\x1b[2J""; DROP TABLE t; --" ("x""); --" int REFERENCES t ON UPDATE CASCADE);'
        'INSERT INTO "r\x1b[2J""; DROP TABLE t; --" VALUES (1), (1);',
    )
    result = await review(db, "UPDATE t SET id = id + 10 WHERE id = 1")
    [also] = [h for _, h in result.hazards if "also sets" in h.message]
    assert (
        also.count == 2
        and "\x1b" not in also.message
        and 'r\\x1b[2J"; DROP TABLE t; --.x"); --' in also.message
    )
    await nothing_ran(db)


async def test_a_cast_to_a_domain_whose_check_writes_is_not_evaluated(db: str) -> None:
    """A cast to a type outside pg_catalog is evaluated only when the server says its functions are all built
    in (an enum): a domain whose CHECK calls a function that writes would run it in the cast."""
    await execute(db, SETUP + "CREATE DOMAIN public.d AS int CHECK (noisy(VALUE));")
    [hazard] = counts(await review(db, "ALTER TABLE t ADD CONSTRAINT c CHECK (m::public.d > 0);"))
    assert hazard.count is None and hazard.not_counted == "expression casts to public.d"
    await nothing_ran(db)


async def test_a_recursive_cascade_through_names_written_to_inject_is_counted_escaped(db: str) -> None:
    """A tree whose table, columns and key are named to break out of the recursive counting query and to drive
    the terminal: the names are spliced quoted, the message escaped, the count right, and nothing ran."""
    table, up, fk = '"tr\x1b[2J""; DROP TABLE t; --"', '"u\u202ep""); DELETE FROM t; --"', '"k\x07ey"'
    await execute(
        db,
        SETUP + f'CREATE TABLE {table} ("i""d" int PRIMARY KEY, {up} int, '
        f"CONSTRAINT {fk} FOREIGN KEY ({up}) REFERENCES {table} ON DELETE CASCADE);"
        f"INSERT INTO {table} VALUES (1, NULL), (2, 1), (3, 2), (4, NULL);"
        f'CREATE TABLE "pin\x1b[5m" ("n\u202e" int CONSTRAINT "hold\x07" REFERENCES {table});'
        'INSERT INTO "pin\x1b[5m" VALUES (3);',
    )
    result = await review(db, f'DELETE FROM {table} WHERE "i""d" = 1')
    [also] = [h for _, h in result.hazards if "also removes" in h.message]
    assert also.count == 2, result.to_text()
    assert "k\\x07ey, ON DELETE CASCADE, recursively" in also.message
    assert 'of "tr\\x1b[2J""; DROP TABLE t; --" (' in also.message  # the root as the migration writes it
    [fails] = [h for _, h in result.hazards if h.kind == "fails-on-existing-data"]
    assert fails.count == 1 and fails.message.startswith(
        "1 row of pin\\x1b[5m still references rows the DELETE removes through ON DELETE CASCADE, recursively "
        "(hold\\x07, ON DELETE NO ACTION)"
    ), fails.message
    assert not any(c in h.message + h.example for h in (also, fails) for c in "\x1b\x07\u202e")
    await nothing_ran(db)
    assert len(await fetch(db, f"SELECT * FROM {table}")) == 4


async def test_a_truncate_refused_by_a_key_named_to_drive_the_terminal_says_it_escaped(db: str) -> None:
    """The table and key that make a TRUNCATE fail, named with terminal controls: said escaped, nothing run."""
    table, fk = '"r\x1b]0;x\x07"', '"f\u202ek"'
    await execute(
        db,
        SETUP + f"CREATE TABLE {table} (id int, t_id int, CONSTRAINT {fk} FOREIGN KEY (t_id) REFERENCES t);"
        f"INSERT INTO {table} VALUES (1, 1);",
    )
    [refused] = counts(await review(db, "TRUNCATE t"))
    assert refused.message.startswith(
        "the TRUNCATE fails: r\\x1b]0;x\\x07 references t (f\\u202ek) and is not truncated with it, which holds "
        "1 row: add r\\x1b]0;x\\x07 to the TRUNCATE"
    ), refused.message
    assert not any(c in refused.message for c in "\x1b\x07\u202e")
    await nothing_ran(db)


async def test_what_a_drop_cascade_takes_along_is_named_escaped(db: str) -> None:
    """A policy, a rule and a function named to drive the terminal, on a table named likewise, all depending on
    the table dropped: each said by kind and name with its controls escaped; nothing ran but the review."""
    other, policy, rule, fn = '"o\x1b[31m"', '"p\x07"', '"r\u202e"', '"f\x1b]0;x\x07"'
    await execute(
        db,
        SETUP + f"CREATE TABLE {other} (id int); ALTER TABLE {other} ENABLE ROW LEVEL SECURITY;"
        f"CREATE POLICY {policy} ON {other} USING (EXISTS (SELECT 1 FROM t WHERE t.id = {other}.id));"
        f"CREATE RULE {rule} AS ON INSERT TO {other} DO ALSO INSERT INTO t (id) VALUES (NEW.id);"
        f"CREATE FUNCTION {fn}() RETURNS bigint LANGUAGE sql BEGIN ATOMIC SELECT count(*) FROM t; END;",
    )
    result = await review(db, "DROP TABLE t CASCADE")
    said = sorted(h.message.split(" (it depends")[0] for _, h in result.hazards if " also " in h.message)
    assert said == [
        'the CASCADE also drops function public."f\\x1b]0;x\\x07"()',
        'the CASCADE also drops policy p\\x07 on table public."o\\x1b[31m"',  # the server's own spelling
        'the CASCADE also drops rule r\\u202e on table public."o\\x1b[31m"',
    ], result.to_text()
    assert not any(c in m for m in said for c in "\x1b\x07\u202e")
    await nothing_ran(db)
    assert len(await fetch(db, "SELECT * FROM pg_policy")) == 1


async def test_a_security_definer_function_in_a_default_or_a_row_never_runs(db: str) -> None:
    """A function the superuser owns, SECURITY DEFINER, that writes: named in an added column's DEFAULT that a
    later SET NOT NULL and CHECK are counted over, in an INSERT's key value, a new type's USING and an UPDATE's
    value. The count of each is said not to be made; the function never ran, as the reviewer or as its owner."""
    await execute(
        db,
        SETUP + "CREATE FUNCTION definer() RETURNS int LANGUAGE plpgsql SECURITY DEFINER AS "
        "$$BEGIN INSERT INTO audit VALUES ('definer'); RETURN 1; END$$;",
    )
    for migration in (
        "ALTER TABLE t ADD COLUMN d int DEFAULT definer();\nALTER TABLE t ALTER COLUMN d SET NOT NULL;\n"
        "ALTER TABLE t ADD CONSTRAINT d_positive CHECK (d > 0);",
        "INSERT INTO t (id, v, m) VALUES (definer(), 'c', 3);",
        "ALTER TABLE t ALTER COLUMN m TYPE bigint USING definer();",
        "UPDATE t SET m = definer() WHERE id = 1;",
    ):
        await review(db, migration)
    await nothing_ran(db)


async def test_an_update_whose_new_value_writes_or_calls_a_function_is_never_evaluated(db: str) -> None:
    """The rows an UPDATE selects are counted (their values now are at most what it loses); its new value,
    a data-modifying subquery or a user's function, is never run by the review."""
    await execute(db, SETUP)
    sql = (
        "UPDATE t SET v = (WITH gone AS (DELETE FROM t RETURNING id) SELECT 'z') WHERE id = 1;\n"
        "UPDATE t SET m = (SELECT count(*) FROM audit WHERE noisy(1))::int WHERE m IS NULL;"
    )
    result = await review(db, sql)
    lost = [h for _, h in result.hazards if h.kind == "data-loss"]
    assert [h.message for h in lost] == [
        "replaces the values of v in 1 row of t (e.g. (id)=(1)) (at most these are lost: the new values were "
        "not compared with them, expression contains a subquery)"
    ], result.to_text()
    assert lost[0].basis == "observed" and lost[0].count == 1
    await nothing_ran(db)
