"""Proof before apply and the guard between review and apply, through the CLI on the real server: migrate
proves the pending migrations on a sandbox clone of the live schema, compares the result with the desired
schema, and refuses when the live schema moved since review/generate recorded it."""

from __future__ import annotations

import asyncio
from pathlib import Path

from tests.cli_in_process import Ran
from tests.cli_in_process import run_cli as dibs
from tests.pg import fetch, run_sql

LIVE = "CREATE TABLE public.t (id integer PRIMARY KEY);"
ADD_NAME = "ALTER TABLE public.t ADD COLUMN name text;\n"
DESIRED = "CREATE TABLE public.t (id integer PRIMARY KEY, name text);\n"


def project(tmp_path: Path, migrations: dict[str, str], desired: str = DESIRED) -> tuple[Path, Path]:
    folder = tmp_path / "migrations"
    folder.mkdir()
    for name, text in migrations.items():
        (folder / f"{name}.sql").write_text(text)
    schema = tmp_path / "schema.sql"
    schema.write_text(desired)
    return folder, schema


def columns(db: str) -> list[str]:
    rows = asyncio.run(
        fetch(
            db,
            "SELECT attname FROM pg_attribute WHERE attrelid = 'public.t'::regclass AND attnum > 0 ORDER BY 1",
        )
    )
    return [r["attname"] for r in rows]


def migrate(db: str, folder: Path, *extra: str) -> Ran:
    return dibs("migrate", db, "--migrations", str(folder), "--yes", *extra)


def test_migrate_proves_the_result_matches_the_desired_schema(db: str, tmp_path: Path) -> None:
    run_sql(db, LIVE)
    folder, schema = project(tmp_path, {"20260101000000_name": ADD_NAME})
    result = migrate(db, folder, "--desired", str(schema))
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"proved: the result matches {schema}" in result.stdout
    assert columns(db) == ["id", "name"]


def test_a_valid_constraint_the_desired_schema_has_not_valid_is_proved_as_it_is(
    db: str, tmp_path: Path
) -> None:
    """The diff keeps a valid constraint where the desired one is NOT VALID (it holds every NOT VALID promise):
    the proof takes it as matching, or a migration made by the diff could never be proved."""
    run_sql(db, LIVE + " ALTER TABLE public.t ADD CONSTRAINT t_id_check CHECK (id > 0);")
    desired = DESIRED + "ALTER TABLE public.t ADD CONSTRAINT t_id_check CHECK (id > 0) NOT VALID;\n"
    folder, schema = project(tmp_path, {"20260101000000_name": ADD_NAME}, desired)
    result = migrate(db, folder, "--desired", str(schema))
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"proved: the result matches {schema}" in result.stdout
    assert columns(db) == ["id", "name"]


def test_a_check_generate_wrote_from_a_varchar_in_list_is_proved_as_it_is(db: str, tmp_path: Path) -> None:
    """A desired `status varchar CHECK (status IN (...))` (Rails' and Django's enums) is printed by the server
    `(ARRAY['a'::varchar, ...])::text[]`, and the CHECK generate writes from that text reads back as
    `ARRAY[('a'::varchar)::text, ...]`: the same constraint, which the proof refused as a difference for ever
    (found by planning plue's schema from the others, end to end)."""
    run_sql(db, LIVE)
    desired = DESIRED.replace("name text", "name text, status varchar CHECK (status IN ('open', 'closed'))")
    folder, schema = project(tmp_path, {}, desired)
    made = dibs("generate", "statuses", db, "--desired", str(schema), "--migrations", str(folder))
    assert made.returncode == 0, made.stdout + made.stderr
    written = next(folder.glob("*_statuses.sql")).read_text()
    assert "::character varying, 'closed'::character varying])::text[]" in written
    result = migrate(db, folder, "--desired", str(schema))
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"proved: the result matches {schema}" in result.stdout
    assert columns(db) == ["id", "name", "status"]


def test_a_table_made_to_inherit_a_parent_is_proved(db: str, tmp_path: Path) -> None:
    """An existing table the desired schema declares INHERITS a parent: generate writes `ALTER TABLE ...
    INHERIT`, after which its columns stay its own too ("inherited and local"), where a table created with
    INHERITS has them inherited only; PostgreSQL has no statement that makes them so. The proof refused every
    such migration ("would still differ": `... inherited 1 and local`); it now sets that locality aside, as
    the convergence harness does, and every other line must still agree."""
    run_sql(db, "CREATE TABLE public.p (id int, v int); CREATE TABLE public.c (id int, v int, extra text);")
    schema = tmp_path / "schema.sql"
    schema.write_text(
        "CREATE TABLE public.p (id int, v int);\nCREATE TABLE public.c (extra text) INHERITS (public.p);\n"
    )
    folder = tmp_path / "migrations"
    made = dibs("generate", "inherit", db, "--desired", str(schema), "--migrations", str(folder))
    assert made.returncode == 0, made.stdout + made.stderr
    assert "ALTER TABLE public.c INHERIT public.p;" in next(folder.glob("*_inherit.sql")).read_text()
    result = migrate(db, folder, "--desired", str(schema))
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"proved: the result matches {schema}" in result.stdout


def test_a_column_a_child_has_from_two_parents_retyped_applies_and_is_proved(db: str, tmp_path: Path) -> None:
    """PostgreSQL refuses to retype a column an inheritance child has from two parents, on either parent
    ("cannot alter inherited column"): the migration failed at apply. The child now leaves the second parent
    and inherits it again around the type change; its rows stay, the proof passes, and check says in sync,
    noting the NOT NULL and CHECK it had from that parent alone, which stay its own too."""
    parents = (
        "CREATE TABLE public.p1 (id {t} NOT NULL, a text);"
        "CREATE TABLE public.p2 (id {t} NOT NULL, b text NOT NULL CHECK (b <> ''));"
        "CREATE TABLE public.kid (d text) INHERITS (public.p1, public.p2);"
    )
    run_sql(db, parents.format(t="int") + "INSERT INTO public.kid VALUES (1, 'a', 'b', 'd');")
    schema = tmp_path / "schema.sql"
    schema.write_text(parents.format(t="bigint").replace(";", ";\n"))
    folder = tmp_path / "migrations"
    made = dibs("generate", "widen", db, "--desired", str(schema), "--migrations", str(folder))
    assert made.returncode == 0, made.stdout + made.stderr
    result = migrate(db, folder, "--desired", str(schema))
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"proved: the result matches {schema}" in result.stdout
    checked = dibs("check", db, "--desired", str(schema))
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "check public.kid.p2_b_check: its own and inherited" in checked.stdout
    rows = asyncio.run(fetch(db, "SELECT id, pg_typeof(id)::text AS t FROM public.kid"))
    assert [(r["id"], r["t"]) for r in rows] == [(1, "bigint")]


def test_a_partition_made_under_an_index_of_a_renamed_column_is_proved(db: str, tmp_path: Path) -> None:
    """A partitioned index made before its column was renamed keeps the old name as its own column's, and a new
    partition's copy is named after it (`ledger_mid_at_idx`). The proof's clone made the index over the new name,
    so there the copy was `ledger_mid_booked_at_idx` and the migration's rename of it failed: refused."""
    ledger = (
        "CREATE TABLE public.ledger (code int NOT NULL, at date NOT NULL) PARTITION BY RANGE (code);\n"
        "CREATE TABLE public.ledger_low PARTITION OF public.ledger FOR VALUES FROM (0) TO (100);\n"
        "CREATE INDEX ledger_at ON public.ledger (at);\n"
        "ALTER TABLE public.ledger RENAME COLUMN at TO booked_at;\n"
    )
    run_sql(db, ledger)
    desired = ledger + (
        "CREATE TABLE public.ledger_mid (code int NOT NULL, booked_at date NOT NULL);\n"
        "CREATE INDEX ledger_mid_by_day ON public.ledger_mid (booked_at);\n"
        "ALTER TABLE public.ledger ATTACH PARTITION public.ledger_mid FOR VALUES FROM (100) TO (200);\n"
    )
    folder, schema = project(tmp_path, {}, desired)
    made = dibs("generate", "mid", db, "--desired", str(schema), "--migrations", str(folder))
    assert made.returncode == 0, made.stdout + made.stderr
    assert (
        "ALTER INDEX public.ledger_mid_at_idx RENAME TO ledger_mid_by_day;"
        in next(folder.glob("*.sql")).read_text()
    )
    result = migrate(db, folder, "--desired", str(schema))
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"proved: the result matches {schema}" in result.stdout


def test_migrate_refuses_what_would_still_differ_from_the_desired_schema(db: str, tmp_path: Path) -> None:
    run_sql(db, LIVE)
    folder, schema = project(
        tmp_path, {"20260101000000_name": ADD_NAME}, desired=DESIRED.replace(")", ", age int)", 1)
    )
    result = migrate(db, folder, "--desired", str(schema))
    assert result.returncode == 1, result.stdout + result.stderr
    assert "not proved: the result would still differ" in result.stdout
    assert "+ column public.t.age integer" in result.stdout
    assert "refusing to apply: the proof failed" in result.stderr
    assert columns(db) == ["id"], "nothing ran on the live database"


def test_no_prove_applies_and_says_so(db: str, tmp_path: Path) -> None:
    run_sql(db, LIVE)
    folder, schema = project(
        tmp_path, {"20260101000000_name": ADD_NAME}, desired="CREATE TABLE other (a int);"
    )
    result = migrate(db, folder, "--desired", str(schema), "--no-prove")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "proof skipped (--no-prove)" in result.stdout
    assert columns(db) == ["id", "name"]


def test_migration_whose_objects_are_already_present_is_reported_not_applied(db: str, tmp_path: Path) -> None:
    """Someone created the column by hand: the migration fails on the clone, and nothing runs live."""
    run_sql(db, LIVE + "ALTER TABLE public.t ADD COLUMN name text; INSERT INTO public.t VALUES (1, 'kept');")
    folder, _ = project(tmp_path, {"20260101000000_name": ADD_NAME})
    result = migrate(db, folder)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "not proved: a pending migration fails on a clone of the live schema" in result.stdout
    assert 'column "name" of relation "t" already exists' in result.stdout
    assert "20260101000000_name.sql:1:" in result.stdout
    assert asyncio.run(fetch(db, "SELECT name FROM public.t"))[0]["name"] == "kept"
    history = asyncio.run(
        fetch(db, "SELECT count(*) AS n FROM pg_tables WHERE tablename = '__dibs_migrations'")
    )
    assert history[0]["n"] == 0, "no history row was written either"


def test_review_records_and_migrate_refuses_after_the_live_schema_moved(db: str, tmp_path: Path) -> None:
    run_sql(db, LIVE)
    folder, _ = project(tmp_path, {"20260101000000_name": ADD_NAME})
    migration = folder / "20260101000000_name.sql"
    reviewed = dibs("review", str(migration), db)
    assert reviewed.returncode == 0, reviewed.stderr
    record = folder / "20260101000000_name.fingerprint"
    assert record.is_file() and "relation public.t kind r" in record.read_text()
    run_sql(db, "ALTER TABLE public.t ADD COLUMN hand_made integer")  # a manual change after the review
    refused = migrate(db, folder)
    assert refused.returncode == 1, refused.stdout + refused.stderr
    assert "guard: the live schema changed since 20260101000000_name was reviewed" in refused.stdout
    assert "+ column public.t.hand_made integer" in refused.stdout
    assert "refusing to apply" in refused.stderr
    assert columns(db) == ["hand_made", "id"]
    assert dibs("review", str(migration), db).returncode == 0  # the review of the schema as it is now
    applied = migrate(db, folder)
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert "guard: the live schema is the one 20260101000000_name was reviewed against" in applied.stdout
    assert columns(db) == ["hand_made", "id", "name"]


def test_migrate_refuses_a_migration_changed_since_its_review(db: str, tmp_path: Path) -> None:
    run_sql(db, LIVE)
    folder, _ = project(tmp_path, {"20260101000000_name": ADD_NAME})
    migration = folder / "20260101000000_name.sql"
    assert dibs("review", str(migration), db).returncode == 0
    migration.write_text("ALTER TABLE public.t ADD COLUMN name text, ADD COLUMN secret text;\n")
    refused = migrate(db, folder)
    assert refused.returncode == 1
    assert "guard: 20260101000000_name changed since it was reviewed" in refused.stdout
    assert columns(db) == ["id"]


def test_a_migration_applied_since_the_review_by_another_deploy_is_reported(db: str, tmp_path: Path) -> None:
    run_sql(db, LIVE)
    folder, _ = project(tmp_path, {"20260101000000_name": ADD_NAME})
    assert dibs("review", str(folder / "20260101000000_name.sql"), db).returncode == 0
    hotfix = tmp_path / "hotfix"
    hotfix.mkdir()
    (hotfix / "20251231000000_hotfix.sql").write_text("CREATE INDEX t_id ON public.t (id);\n")
    assert migrate(db, hotfix).returncode == 0  # another deploy, from another folder
    refused = migrate(db, folder)
    assert refused.returncode == 1
    assert (
        "applied since the review, not by this run (another deploy or another tool): 20251231000000_hotfix"
        in (refused.stdout)
    )
    assert "+ index CREATE INDEX t_id ON public.t USING btree (id)" in refused.stdout
    assert columns(db) == ["id"]


def test_generate_records_the_live_schema_beside_the_migration(db: str, tmp_path: Path) -> None:
    run_sql(db, LIVE)
    folder, schema = project(tmp_path, {})
    result = dibs("generate", "add_name", db, "--desired", str(schema), "--migrations", str(folder))
    assert result.returncode == 0, result.stderr
    [written] = folder.glob("*.sql")
    assert written.with_suffix(".fingerprint").is_file()
    applied = migrate(db, folder, "--desired", str(schema))
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert "guard: the live schema is the one" in applied.stdout
    assert f"proved: the result matches {schema}" in applied.stdout


SUPERUSER_KINDS = (
    "CREATE FUNCTION public.watch() RETURNS event_trigger LANGUAGE plpgsql AS $$ BEGIN END $$;"
    "CREATE EVENT TRIGGER watch ON ddl_command_end EXECUTE FUNCTION public.watch();"
    "CREATE PUBLICATION everything FOR ALL TABLES;"
)


def test_the_clone_leaves_out_what_the_sandbox_role_cannot_create(db: str, tmp_path: Path) -> None:
    """An event trigger and a publication FOR ALL TABLES take a superuser: the clone goes without them, says so,
    and the proof runs instead of failing to build the clone."""
    run_sql(db, LIVE + SUPERUSER_KINDS)
    folder, _ = project(tmp_path, {"20260101000000_name": ADD_NAME})
    result = migrate(db, folder)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "proved: the pending migrations apply on a clone of the live schema" in result.stdout
    assert "the clone lacks what a sandbox's restricted role may not create" in result.stdout
    assert "- event trigger watch on ddl_command_end" in result.stdout
    assert "- publication everything" in result.stdout
    assert columns(db) == ["id", "name"]


def test_a_partly_applied_migration_is_not_blamed_on_someone_else_by_the_guard(
    db: str, tmp_path: Path
) -> None:
    """Reviewed, then partly applied (segment 1 committed, the unique index failed on duplicates): the schema
    differs from the review by what segment 1 did. The guard still refuses (it cannot tell that from someone
    else's change), but says the earlier run is part of the difference and how to resume."""
    run_sql(db, LIVE + "INSERT INTO public.t VALUES (1), (2);")
    three = (
        "ALTER TABLE public.t ADD COLUMN name text DEFAULT 'same';\n"
        "CREATE UNIQUE INDEX CONCURRENTLY t_name ON public.t (name);\n"
        "ALTER TABLE public.t ADD COLUMN note text;\n"
    )
    folder, _ = project(tmp_path, {"20260101000000_three": three})
    assert dibs("review", str(folder / "20260101000000_three.sql"), db).returncode == 0
    # The review counts the duplicates the constant default makes: started anyway, to leave it partial.
    assert migrate(db, folder, "--no-prove", "--allow-failing").returncode == 3
    run_sql(db, "UPDATE public.t SET name = id::text")
    run_sql(db, "DROP INDEX CONCURRENTLY public.t_name")
    refused = migrate(db, folder, "--no-prove")
    assert refused.returncode == 1
    assert "+ column public.t.name text" in refused.stdout
    assert (
        "guard: 20260101000000_three was partly applied by an earlier run (segment 1 of 3 (statement 1, line 1) "
        "committed): the changes above include what it did" in refused.stdout
    )
    assert "review it again" in refused.stderr
    assert columns(db) == ["id", "name"]


def test_a_statement_the_sandbox_role_may_not_run_is_said_untried_not_failing(
    db: str, tmp_path: Path
) -> None:
    """`SET ROLE app_owner` runs on the live server as its applier, but the sandbox's restricted role may not
    become app_owner: the proof cannot try the migration. It says so, and not that the migration fails."""
    run_sql(
        db,
        LIVE + "DO $$BEGIN CREATE ROLE applyqa_app_owner; EXCEPTION WHEN duplicate_object THEN NULL; END$$;"
        "GRANT CREATE ON SCHEMA public TO applyqa_app_owner;",
    )
    folder, _ = project(
        tmp_path, {"20260101000000_owned": "SET ROLE applyqa_app_owner;\nCREATE TABLE owned (id int);\n"}
    )
    refused = migrate(db, folder)
    assert refused.returncode == 1
    assert "not proved: the sandbox's restricted role may not run" in refused.stdout
    assert 'permission denied to set role "applyqa_app_owner"' in refused.stdout
    assert "fails on a clone" not in refused.stdout
    assert "refusing to apply: the proof could not try the pending migrations" in refused.stderr
    assert "--no-prove" in refused.stderr


def test_a_statement_on_an_event_trigger_the_clone_cannot_have_is_said_untried_not_failing(
    db: str, tmp_path: Path
) -> None:
    """A sandbox's role may not create event triggers, so the clone has none (listed in its gaps): a migration
    that drops the live one fails there for want of it. The proof says it could not try the migration, not
    that the migration fails (Supabase's pgrst_drop_watch, found by planning its schema into another)."""
    run_sql(
        db,
        LIVE + "CREATE FUNCTION public.watch() RETURNS event_trigger LANGUAGE plpgsql AS $$BEGIN END$$;"
        "CREATE EVENT TRIGGER watch_drops ON sql_drop EXECUTE FUNCTION public.watch();",
    )
    folder, _ = project(tmp_path, {"20260101000000_unwatch": "DROP EVENT TRIGGER watch_drops;\n"})
    refused = migrate(db, folder)
    assert refused.returncode == 1
    assert "not proved: the clone lacks the event trigger a statement acts on" in refused.stdout
    assert 'event trigger "watch_drops" does not exist' in refused.stdout
    assert "fails on a clone" not in refused.stdout
    assert "- event trigger watch_drops on sql_drop" in refused.stdout
    assert "refusing to apply: the proof could not try the pending migrations" in refused.stderr


# z_v_b is made before z_v_a: PostgreSQL names a new partition's copies of the parent's indexes in that order,
# the second name taken numbered (z2_v_idx the plain one, z2_v_idx1 the partial one); so the keys' (z2_id_v_key
# the NULLS NOT DISTINCT one).
PARENT = """CREATE TABLE public.z (id int, v text) PARTITION BY LIST (id);
CREATE TABLE public.z1 PARTITION OF public.z FOR VALUES IN (1);
CREATE INDEX z_v_b ON public.z (v);
CREATE INDEX z_v_a ON public.z (v) WHERE v IS NOT NULL;
ALTER TABLE public.z ADD CONSTRAINT z_k_b UNIQUE NULLS NOT DISTINCT (id, v);
ALTER TABLE public.z ADD CONSTRAINT z_k_a UNIQUE (id, v);
"""
ADD_PARTITION = "CREATE TABLE public.z2 PARTITION OF public.z FOR VALUES IN (2);\n"


def test_a_partition_added_under_indexes_made_out_of_name_order_is_proved(db: str, tmp_path: Path) -> None:
    """The clone makes the parent's indexes in the live creation order, not their names': made in name order,
    the clone's new partition took z2_v_idx for the partial index, and the proof refused a right migration."""
    run_sql(db, PARENT)
    folder, schema = project(tmp_path, {"20260101000000_z2": ADD_PARTITION}, desired=PARENT + ADD_PARTITION)
    result = migrate(db, folder, "--desired", str(schema))
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"proved: the result matches {schema}" in result.stdout
    rows = asyncio.run(
        fetch(
            db,
            "SELECT indexrelid::regclass::text AS name, indpred IS NULL AS plain FROM pg_index "
            "WHERE indrelid = 'public.z2'::regclass ORDER BY 1",
        )
    )
    assert [(r["name"], r["plain"]) for r in rows] == [
        ("z2_id_v_key", True),
        ("z2_id_v_key1", True),
        ("z2_v_idx", True),
        ("z2_v_idx1", False),
    ]
    keys = asyncio.run(
        fetch(
            db,
            "SELECT conname::text, pg_get_constraintdef(oid) AS definition FROM pg_constraint "
            "WHERE conrelid = 'public.z2'::regclass AND contype = 'u' ORDER BY 1",
        )
    )
    assert [(r["conname"], r["definition"]) for r in keys] == [
        ("z2_id_v_key", "UNIQUE NULLS NOT DISTINCT (id, v)"),
        ("z2_id_v_key1", "UNIQUE (id, v)"),
    ]


def test_a_materialized_view_the_desired_schema_has_with_no_data_is_proved_as_it_is(
    db: str, tmp_path: Path
) -> None:
    """Whether a materialized view holds rows is data (a schema-only pg_dump writes every one WITH NO DATA):
    the diff sees no difference there, so the proof sees none either, or such a schema could never be proved."""
    run_sql(db, LIVE + " CREATE MATERIALIZED VIEW public.ids AS SELECT id FROM public.t;")
    desired = DESIRED + "CREATE MATERIALIZED VIEW public.ids AS SELECT id FROM public.t WITH NO DATA;\n"
    folder, schema = project(tmp_path, {"20260101000000_name": ADD_NAME}, desired)
    result = migrate(db, folder, "--desired", str(schema))
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"proved: the result matches {schema}" in result.stdout
    assert columns(db) == ["id", "name"]


def test_a_meta_table_of_an_older_shape_is_named_not_an_error_outside_the_migration(
    db: str, tmp_path: Path
) -> None:
    """A live __dibs_tables without source_line (an older shape) failed the proof's copy of its rows on the
    clone's NOT NULL, said as 'apply stopped by an error outside the migration's statements'."""
    run_sql(
        db,
        LIVE + "CREATE TABLE __dibs_tables (table_name text PRIMARY KEY, source_file text);"
        "INSERT INTO __dibs_tables VALUES ('t', 'schema.sql');",
    )
    folder, schema = project(tmp_path, {"20260101000000_name": ADD_NAME})
    result = migrate(db, folder, "--desired", str(schema))
    assert result.returncode == 1, result.stdout + result.stderr
    assert (
        "error: the meta table public.__dibs_tables is of an older shape (no source_line column)"
        in result.stderr
    ), result.stderr
    assert "outside the migration" not in result.stderr and columns(db) == ["id"]  # nothing applied
    result = migrate(db, folder, "--desired", str(schema), "--no-prove")  # the way the hint offers
    assert result.returncode == 0 and columns(db) == ["id", "name"], result.stdout + result.stderr
