"""Re-create cascades and the objects around them, after the plan of a tests/diffcases case has been applied:
the values survive (not only the row counts the harness checks) and what was re-created still works."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import asyncpg
import pytest

from dibs_tui.core.diff import diff_catalogs
from dibs_tui.core.embedded import EmbeddedServer
from dibs_tui.core.plan import PlannedStatement
from tests.diffcases.harness import apply_plan, converge_dsns, introspect_dsn
from tests.pg import fetch, psql_file, run_sql

CASES = Path(__file__).parent / "diffcases"


def _converged(new_database: Callable[[], str], case: str, rows: str = "") -> str:
    """The case's current database (with `rows` inserted) once the plan to its desired one has been applied."""
    a, b = new_database(), new_database()
    psql_file(a, "current", text=(CASES / case / "current.sql").read_text())
    if rows:
        psql_file(a, "rows", text=rows)
    psql_file(b, "desired", text=(CASES / case / "desired.sql").read_text())
    converge_dsns(a, b)
    return a


def _rows(dsn: str, query: str) -> list[tuple[object, ...]]:
    return [tuple(r) for r in asyncio.run(fetch(dsn, query))]


def test_an_array_of_a_recreated_composite_keeps_every_element(new_database: Callable[[], str]) -> None:
    rows = (
        "insert into t values (1, array[row(1, 'x')::pair, null, row(2, 'y')::pair], row(3, 'z')), "
        "(2, null, null), (3, '{}', null);"
    )
    dsn = _converged(new_database, "recreate_composite_in_array", rows)
    assert _rows(dsn, "SELECT id, pairs::text, one::text FROM t ORDER BY id") == [
        (1, '{"(1,x)",NULL,"(2,y)"}', "(3,z)"),
        (2, None, None),
        (3, "{}", None),
    ]
    assert _rows(
        dsn,
        "SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = 't'::regclass "
        "AND attname = 'pairs'",
    ) == [("pair[]",)]
    # The plan's helper is gone with the old type.
    assert _rows(dsn, "SELECT proname FROM pg_proc WHERE proname LIKE '%dibs%'") == []


def test_a_recreated_composite_under_an_inheritance_child_keeps_nulls_and_rows_of_nulls(
    new_database: Callable[[], str],
) -> None:
    """The rebuilt row's NULL test reaches the child too ("size::text IS NULL" failed there on PostgreSQL 18:
    "unrecognized node type: 28"); a NULL stays NULL and a row of NULLs a row, in the parent and the child."""
    case = CASES / "composite_made_again_under_an_inheritance_child"
    dsn = _converged(new_database, case.name, (case / "rows.sql").read_text())
    assert _rows(dsn, "SELECT id, size::text, size IS NULL FROM item ORDER BY id") == [
        (1, "(1,2)", False),
        (2, "(,)", True),
        (3, None, True),
        (4, "(3,4)", False),
        (5, None, True),
    ]
    assert _rows(dsn, "SELECT count(*) FROM item WHERE num_nulls(size) = 1") == [(2,)]


def test_a_recreated_range_in_an_exclusion_keeps_values_and_still_excludes(
    new_database: Callable[[], str],
) -> None:
    dsn = _converged(
        new_database, "recreate_range_in_exclusion", "insert into booking values (1, 1, '[1,2)');"
    )
    assert _rows(dsn, "SELECT id, span::text FROM booking") == [(1, "[1,2)")]
    with pytest.raises(asyncpg.ExclusionViolationError):
        run_sql(dsn, "insert into booking values (2, 1, '[1.5,3)')")


def test_a_rule_around_a_retyped_column_still_fires(new_database: Callable[[], str]) -> None:
    dsn = _converged(new_database, "column_type_with_rule", "insert into t values (1, 10);")
    run_sql(dsn, "insert into t values (2, 5000000000)")  # bigint now, through the re-created rule
    assert _rows(dsn, "SELECT v FROM log ORDER BY v") == [(10,), (5000000000,)]


def test_a_tightened_domain_check_reaches_a_composite_column(new_database: Callable[[], str]) -> None:
    dsn = _converged(
        new_database, "domain_check_changed_while_used", "insert into t values (1, 5, row(1, 2));"
    )
    assert _rows(dsn, "SELECT id, n, b::text FROM t") == [(1, 5, "(1,2)")]
    with pytest.raises(asyncpg.CheckViolationError):
        run_sql(dsn, "insert into t values (2, 1, row(1, 1000000))")


def test_inherited_columns_of_a_created_child_remain_the_parents(new_database: Callable[[], str]) -> None:
    """Not declared again by CREATE TABLE: the parent's drop takes them from the child, except the one the
    child declares itself."""
    dsn = _converged(new_database, "inheritance_child_overrides")
    run_sql(dsn, "ALTER TABLE parent DROP COLUMN a; ALTER TABLE parent DROP COLUMN id")
    columns = (
        "SELECT attname FROM pg_attribute WHERE attrelid = 'child'::regclass AND attnum > 0 "
        "AND NOT attisdropped ORDER BY 1"
    )
    assert _rows(dsn, columns) == [("extra",), ("id",), ("n",)]
    assert (
        _rows(dsn, "SELECT pg_get_expr(adbin, adrelid) FROM pg_attrdef WHERE adrelid = 'child2'::regclass")
        == []
    )


def test_a_trigger_on_a_partitioned_table_is_on_each_partition_once(new_database: Callable[[], str]) -> None:
    dsn = _converged(new_database, "trigger_on_partitioned_table")
    triggers = (
        "SELECT tgrelid::regclass::text, tgname FROM pg_trigger WHERE NOT tgisinternal "
        "AND tgname LIKE 'm\\_%' ORDER BY 1, 2"
    )
    assert _rows(dsn, triggers) == [
        ("m", "m_keep"),
        ("m", "m_touch"),
        ("m_high", "m_keep"),
        ("m_high", "m_touch"),
        ("m_low", "m_keep"),
        ("m_low", "m_low_own"),
        ("m_low", "m_touch"),
    ]


def test_a_retyped_partition_key_keeps_the_partitions_rows(new_database: Callable[[], str]) -> None:
    rows = "insert into m values (1, 5, 'a'), (2, 150, 'b'), (3, 99, 'c');"
    dsn = _converged(new_database, "partition_key_type_change", rows)
    assert _rows(dsn, "SELECT tableoid::regclass::text, id, k, v FROM m ORDER BY id") == [
        ("m_low", 1, 5, "a"),
        ("m_high", 2, 150, "b"),
        ("m_low", 3, 99, "c"),
    ]
    assert _rows(
        dsn,
        "SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = 'm_low'::regclass "
        "AND attname = 'k'",
    ) == [("bigint",)]


def test_a_matview_recreated_by_a_cascade_gets_its_grants_back(
    new_database: Callable[[], str], pg_server: EmbeddedServer
) -> None:
    """With privileges diffed: the drop took the grant along, the re-created view gets it again."""
    run_sql(
        pg_server.dsn(),
        "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'cascade_reader') THEN "
        "CREATE ROLE cascade_reader; END IF; END $$",
    )
    grant = "\nGRANT SELECT ON mv TO cascade_reader;\n"
    a, b = new_database(), new_database()
    psql_file(a, "current", text=(CASES / "matview_recreated_by_cascade" / "current.sql").read_text() + grant)
    psql_file(b, "desired", text=(CASES / "matview_recreated_by_cascade" / "desired.sql").read_text() + grant)

    async def plan() -> tuple[PlannedStatement, ...]:
        return diff_catalogs(await introspect_dsn(a), await introspect_dsn(b), privileges=True)[1]

    asyncio.run(apply_plan(a, asyncio.run(plan())))
    assert asyncio.run(plan()) == ()
    assert _rows(a, "SELECT has_table_privilege('cascade_reader', 'mv', 'SELECT')") == [(True,)]
    assert _rows(a, "SELECT indexname FROM pg_indexes WHERE tablename = 'mv' ORDER BY 1") == [
        ("mv_id",),
        ("mv_n",),
    ]


def test_what_a_retyped_column_takes_along_is_each_a_change_naming_the_column(
    new_database: Callable[[], str],
) -> None:
    """Retyping storage.objects.bucket_id (Supabase) drops and re-creates a policy and a view that read it: the
    policy's change named the column as "column public.objects" and the view, dropped too, was no change at all
    (the summary did not say the plan drops it)."""
    current, desired = new_database(), new_database()
    schema = """CREATE TABLE objects (id int PRIMARY KEY, "Bucket" {type}, owner int);
    ALTER TABLE objects ENABLE ROW LEVEL SECURITY;
    CREATE POLICY own ON objects FOR SELECT USING ("Bucket" IS NOT NULL);
    CREATE VIEW listing AS SELECT id, "Bucket" FROM objects;
    COMMENT ON VIEW listing IS 'what is stored'; COMMENT ON COLUMN listing."Bucket" IS 'where';
    COMMENT ON POLICY own ON objects IS 'readers';"""
    psql_file(current, "current", text=schema.format(type="text"))
    psql_file(current, "rows", text="INSERT INTO objects VALUES (1, 'b1', 7);")
    psql_file(desired, "desired", text=schema.format(type="varchar(64)"))

    async def changes() -> dict[str, str]:
        found, plan, _ = diff_catalogs(await introspect_dsn(current), await introspect_dsn(desired))
        # the view's comments go with it and are written again, the same: statements, not changes
        written = [p.sql for p in plan]
        assert "COMMENT ON VIEW public.listing IS 'what is stored';" in written
        assert "COMMENT ON POLICY own ON public.objects IS 'readers';" in written
        return {f"{c.what} {c.object.sub or c.object.name}": c.detail for c in found}

    assert asyncio.run(changes()) == {
        "column Bucket": "type text -> character varying(64)",
        "policy own": 're-created around column public.objects."Bucket"',
        "view listing": "dropped and created again around what it reads",
    }
    converge_dsns(current, desired)
    assert _rows(current, 'SELECT id, "Bucket" FROM listing') == [(1, "b1")]
    comments = "SELECT obj_description('listing'::regclass), col_description('listing'::regclass, 2)"
    assert _rows(current, comments) == [("what is stored", "where")]
    assert _rows(current, "SELECT obj_description(oid, 'pg_policy') FROM pg_policy") == [("readers",)]


def test_a_foreign_key_made_again_around_its_key_says_it_is_validated_apart(
    new_database: Callable[[], str],
) -> None:
    """A key that becomes a unique index takes the foreign key on its index along: the key's change is the
    drop, the foreign key's says it comes back NOT VALID and is validated after, and it is valid at the end."""
    rows = "INSERT INTO e VALUES (1, 1); INSERT INTO e_ref VALUES (1, 1);"
    done = _converged(new_database, "key_becomes_plain_index", rows)
    [fk] = asyncio.run(fetch(done, "SELECT convalidated FROM pg_constraint WHERE conname = 'e_ref_ex_fkey'"))
    assert fk["convalidated"]
    current, desired = new_database(), new_database()
    psql_file(current, "current", text=(CASES / "key_becomes_plain_index" / "current.sql").read_text())
    psql_file(desired, "desired", text=(CASES / "key_becomes_plain_index" / "desired.sql").read_text())

    async def detail() -> str:
        found, _, _ = diff_catalogs(await introspect_dsn(current), await introspect_dsn(desired))
        [change] = [c for c in found if c.object.sub == "e_ref_ex_fkey"]
        return change.detail

    assert asyncio.run(detail()) == (
        "re-created around index public.e_x_key; added NOT VALID, then validated: VALIDATE lets writes on while it "
        "checks the rows, once committed apart from the drop (in the same transaction the drop's lock is still held)"
    )
