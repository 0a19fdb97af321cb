"""The trace's clone: the part of the live schema a migration reaches, loaded into the sandbox whole (every
statement of it loads), with what that part needs (sequences its defaults read, a column's type) and without
what the sandbox's role cannot create or the migration does not reach (a function over such a table).
Split from test_review_trace.py, which keeps the trace's observations."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import asyncpg
import pytest

from dibs_tui.core.connect import resolve
from dibs_tui.core.review.run import review_file
from tests.cli_in_process import run_cli
from tests.pg import execute
from tests.test_review_trace import SCHEMA


def test_every_statement_of_the_clone_loads(db: str, tmp_path: Path) -> None:
    """A rule or statistics object on (or reading) a table left out of the clone is left out with it, and what
    the sandbox's role cannot create (an event trigger, a publication FOR ALL TABLES) is not tried."""
    asyncio.run(
        execute(
            db,
            SCHEMA
            + """
            CREATE TABLE audit (id int);
            CREATE RULE a_log AS ON INSERT TO a DO ALSO INSERT INTO audit VALUES (new.id);
            CREATE STATISTICS a_stats ON id, v FROM a;
            CREATE STATISTICS c_stats ON v, (lower(v)) FROM c;
            CREATE FUNCTION watch() RETURNS event_trigger LANGUAGE plpgsql AS $$ BEGIN END $$;
            CREATE EVENT TRIGGER watch ON ddl_command_end EXECUTE FUNCTION watch();
            CREATE PUBLICATION everything FOR ALL TABLES;
            """,
        )
    )
    path = tmp_path / "m.sql"
    path.write_text("ALTER TABLE c ALTER COLUMN id TYPE bigint;\n")
    out = run_cli("review", str(path), db, "--format", "json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["statements"][0]["trace"] == "ran"
    assert not [n for n in data["notes"] if "did not load" in n], data["notes"]


async def test_the_clone_holds_what_the_migration_reaches(db: str) -> None:
    from dibs_tui.core.review.clone import reachable_part
    from dibs_tui.core.shadow import introspect_target

    await execute(
        db,
        "CREATE TABLE parent (id int PRIMARY KEY); CREATE TABLE child (id int, p int REFERENCES parent);"
        "CREATE TABLE grandchild (c int, q int REFERENCES parent); CREATE TABLE far (id int PRIMARY KEY);"
        "ALTER TABLE parent ADD COLUMN f int REFERENCES far; CREATE VIEW v AS SELECT * FROM child;"
        "CREATE TABLE other (id serial);",
    )
    catalog = await introspect_target(resolve(db))
    part = reachable_part(catalog, ["ALTER TABLE child ADD COLUMN x int"])
    assert {r.name for r in part.relations} == {"child", "parent", "v"}
    [parent] = [r for r in part.relations if r.name == "parent"]
    assert all(c.foreign_key is None for c in parent.constraints)  # its key to a table left out is left out
    assert "other_id_seq" not in {s.name for s in part.sequences}  # owned by a table left out


async def test_a_sequence_a_reached_default_uses_is_cloned_without_its_owner(db: str, tmp_path: Path) -> None:
    """A table's default may take nextval() of a sequence another table owns (a shared serial): that owner
    left out of the clone, the sequence is still made (without OWNED BY), or the reached table fails to load
    and its statements are not traced."""
    await execute(
        db,
        "CREATE TABLE c (id serial PRIMARY KEY); CREATE TABLE d (id int PRIMARY KEY DEFAULT nextval('c_id_seq'));"
        "INSERT INTO d VALUES (1);",
    )
    path = tmp_path / "m.sql"
    path.write_text("ALTER TABLE d ALTER COLUMN id DROP DEFAULT;\n")
    review = await review_file(resolve(db), path)
    [statement] = review.statements
    assert statement.trace == "ran", review.to_text()


async def test_a_function_of_a_table_the_migration_does_not_reach_is_left_out_of_the_clone(
    db: str, tmp_path: Path
) -> None:
    """A function returning SETOF a table the migration does not reach could not be created in the clone,
    which said so in a note of every review (pagila's rewards_report returning SETOF customer). It is left
    out; a migration calling it brings its table, and its statement runs in the trace."""
    await execute(
        db,
        "CREATE TABLE far (id int PRIMARY KEY, v text); CREATE TABLE near (id int PRIMARY KEY);"
        "CREATE FUNCTION far_rows(n int) RETURNS SETOF far LANGUAGE sql AS 'SELECT * FROM far LIMIT n';"
        "INSERT INTO far VALUES (1, 'x'); INSERT INTO near VALUES (1);",
    )
    apart = tmp_path / "apart.sql"
    apart.write_text("ALTER TABLE near ADD COLUMN w int;\n")
    review = await review_file(resolve(db), apart)
    assert not [n for n in review.notes if "did not load" in n], review.notes
    assert "clone of 1 of the live schema's 2 relations" in " ".join(review.notes)
    calling = tmp_path / "calling.sql"
    calling.write_text("SELECT * FROM far_rows(1);\nALTER TABLE near ADD COLUMN w int;\n")
    review = await review_file(resolve(db), calling)
    assert not [n for n in review.notes if "did not load" in n], review.notes
    assert review.statements[0].trace == "ran", review.statements[0]


@pytest.mark.parametrize(
    "migration",
    ["ALTER SEQUENCE orders_id_seq RESTART WITH 1000", "SELECT setval('orders_no_seq', 500)"],
)
async def test_a_serial_or_identity_sequence_named_alone_is_cloned_with_its_table(
    db: str, tmp_path: Path, migration: str
) -> None:
    """A sequence a table owns (serial, identity) named without its table: the clone left it out with the table,
    and the trace said the statement failed (relation does not exist), which the server does not."""
    await execute(
        db,
        "CREATE TABLE orders (id bigserial PRIMARY KEY, no int GENERATED BY DEFAULT AS IDENTITY);"
        "INSERT INTO orders DEFAULT VALUES;",
    )
    await execute(db, f"BEGIN; {migration}; ROLLBACK;")  # the server runs it
    path = tmp_path / "m.sql"
    path.write_text(f"{migration};\n")
    review = await review_file(resolve(db), path)
    [statement] = review.statements
    assert statement.trace == "ran", review.to_text()


async def test_a_table_with_a_column_of_a_dropped_type_is_in_the_clone(db: str, tmp_path: Path) -> None:
    """DROP TYPE ... CASCADE drops the columns of the type under ACCESS EXCLUSIVE on their tables; without
    CASCADE the server refuses. The migration names no table: the clone held none, and the trace saw neither."""
    await execute(db, "CREATE TYPE mood AS ENUM ('ok'); CREATE TABLE person (id int, m mood); INSERT INTO person "
                      "VALUES (1, 'ok');")  # fmt: skip
    conn = await asyncpg.connect(db)
    try:
        tx = conn.transaction()
        await tx.start()
        await conn.execute("DROP TYPE mood CASCADE")
        held = await conn.fetchval(
            "SELECT mode FROM pg_locks WHERE pid = pg_backend_pid() AND relation = 'person'::regclass"
        )
        await tx.rollback()
        with pytest.raises(asyncpg.DependentObjectsStillExistError):
            await conn.execute("DROP TYPE mood")
    finally:
        await conn.close()
    assert held == "AccessExclusiveLock"  # the server's lock
    path = tmp_path / "m.sql"
    path.write_text("DROP TYPE mood CASCADE;\n")
    [cascade] = (await review_file(resolve(db), path)).statements
    assert cascade.lock == "ACCESS EXCLUSIVE on public.person", cascade
    path.write_text("DROP TYPE mood;\n")
    [refused] = (await review_file(resolve(db), path)).statements
    assert refused.trace.startswith("failed: cannot drop type mood because other objects depend on it"), (
        refused
    )


async def test_a_table_typed_by_an_altered_type_is_in_the_clone(db: str, tmp_path: Path) -> None:
    """ALTER TYPE ... ALTER ATTRIBUTE ... CASCADE rewrites a typed table (CREATE TABLE ... OF) under ACCESS
    EXCLUSIVE, naming no table: the clone held none and the review said no lock; ALTER TABLE ... NOT OF and OF
    are said too."""
    await execute(db, "CREATE TYPE dims AS (w int, h int); CREATE TABLE boxes OF dims; "
                      "CREATE TABLE crates (w int, h int); INSERT INTO boxes VALUES (1, 2);")  # fmt: skip
    path = tmp_path / "m.sql"
    path.write_text("ALTER TYPE dims ALTER ATTRIBUTE h TYPE bigint CASCADE;\n")
    [retyped] = (await review_file(resolve(db), path)).statements
    assert retyped.lock == "ACCESS EXCLUSIVE on public.boxes", retyped
    path.write_text("ALTER TABLE boxes NOT OF;\nALTER TABLE crates OF dims;\n")
    plain, typed = (await review_file(resolve(db), path)).statements
    assert plain.lock == "ACCESS EXCLUSIVE on public.boxes", plain
    assert typed.lock == "ACCESS EXCLUSIVE on public.crates", typed
