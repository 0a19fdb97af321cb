"""Hostile databases against the catalog reader: look-alike meta tables, planted functions and operators,
unreadable or malformed meta tables, and a read blocked by another session's lock.

Each trap, when sprung, leaves a trace (a file written by COPY ... TO PROGRAM, or a row in a side-effect
table); each test shows the trap is live by springing it itself at the end, so that it cannot pass for want
of a working trap.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import shutil
import tempfile
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import asyncpg
import pytest

from dibs_tui.cli import main
from dibs_tui.core.connect import connect, resolve
from dibs_tui.core.introspect.read import load_catalog
from dibs_tui.core.meta import meta_tables_ddl
from dibs_tui.core.migrations.layouts import read_status
from dibs_tui.core.model import Catalog
from dibs_tui.core.session import catalog_settings
from tests.pg import fetch, run_sql

_roles = itertools.count()

USERS = "CREATE TABLE public.users (id int PRIMARY KEY, email text CHECK (email <> ''));\n"

# A function that, when anything calls it, runs a program (COPY ... TO PROGRAM) with the caller's rights. The
# program reads what COPY writes to it: `touch` alone could exit first, and the server then failed the trap on
# the broken pipe ("could not close pipe to external command") when the test springs it on purpose.
TRAP = """
CREATE FUNCTION public.trap() RETURNS TABLE (table_name text, source_file text, source_line int)
LANGUAGE plpgsql AS $f$
BEGIN
  EXECUTE pg_catalog.format('COPY (SELECT 1) TO PROGRAM %L', 'cat >/dev/null; touch {file}');
  RETURN QUERY SELECT 'users'::text, 'evil.rs'::text, 1;
END $f$;
"""


def _schema(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["schema", *args])
    out, err = capsys.readouterr()
    return code, out, err


async def _catalog(dsn: str) -> Catalog:
    """The catalog as the browser opens it: a catalog session (search_path pinned, timeouts)."""
    conn = await connect(resolve(dsn), read_only=True, extra_settings=catalog_settings())
    try:
        return await load_catalog(conn)
    finally:
        await conn.close()


@pytest.fixture
def trap_file() -> Iterator[Path]:
    """Where a sprung trap writes: a folder the server's OS user may write to (it may not be ours)."""
    folder = Path(tempfile.mkdtemp(prefix="dibs-trap-"))
    folder.chmod(0o777)
    yield folder / f"sprung-{uuid.uuid4().hex}"
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def role() -> Iterator[Callable[[str], str]]:
    """A factory of LOGIN roles without privileges (cluster-wide: what they own or were granted in the test's
    database, then the role, are dropped after the test)."""
    made: list[tuple[str, str]] = []

    def make(dsn: str) -> str:
        name = f"hostile_{os.getpid()}_{next(_roles)}"
        run_sql(dsn, f"CREATE ROLE {name} LOGIN")
        made.append((name, dsn))
        return name

    yield make
    for name, dsn in made:
        run_sql(dsn, f"DROP OWNED BY {name} CASCADE; DROP ROLE {name}")


def _as(dsn: str, role: str) -> str:
    head, _, rest = dsn.partition("://")
    return f"{head}://{role}@{rest.split('@', 1)[1]}"


def test_view_named_like_a_meta_table_is_never_read(
    db: str, trap_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run_sql(
        db,
        USERS
        + TRAP.format(file=trap_file)
        + "CREATE VIEW public.__dibs_tables AS SELECT * FROM public.trap();",
    )
    code, out, err = _schema(capsys, db)
    assert code == 0, err
    assert not trap_file.exists()
    assert "evil.rs" not in out
    assert "public.__dibs_tables is a view, not a table: ignored" in out
    catalog = asyncio.run(_catalog(db))
    assert not trap_file.exists()
    users = catalog.relation("public", "users")
    assert users is not None and users.provenance is None
    assert any("public.__dibs_tables is a view" in n for n in catalog.meta.notes)
    run_sql(db, "SELECT * FROM public.__dibs_tables")  # the trap is live
    assert trap_file.exists()


def test_function_named_like_a_meta_table_is_never_called(
    db: str, trap_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run_sql(
        db,
        USERS + TRAP.format(file=trap_file) + "CREATE FUNCTION public.__dibs_tables() RETURNS TABLE "
        "(table_name text, source_file text, source_line int) LANGUAGE sql AS 'SELECT * FROM public.trap()';",
    )
    code, out, err = _schema(capsys, db, "--json")
    assert code == 0, err
    assert not trap_file.exists()
    assert '"source_file":"evil.rs"' not in out and "evil.rs" in out  # the function's text, never its rows
    assert "function public.__dibs_tables() is named like a meta table: ignored" in err
    catalog = asyncio.run(_catalog(db))
    assert not trap_file.exists() and not catalog.meta.present
    run_sql(db, "SELECT * FROM public.__dibs_tables()")
    assert trap_file.exists()


def test_meta_table_first_on_the_search_path_but_outside_the_meta_schema_is_ignored(db: str) -> None:
    run_sql(
        db,
        USERS + meta_tables_ddl() + "INSERT INTO public.__dibs_tables (table_name, source_file, source_line) "
        "VALUES ('users', 'good.rs', 3);\n"
        "CREATE SCHEMA evil; CREATE TABLE evil.__dibs_tables (table_name text, source_file text, source_line int);"
        "INSERT INTO evil.__dibs_tables VALUES ('users', 'evil.rs', 1);\n"
        f"ALTER DATABASE {db.rsplit('/', 1)[1]} SET search_path = evil, public;",
    )
    catalog = asyncio.run(_catalog(db))
    users = catalog.relation("public", "users")
    assert users is not None and users.provenance is not None and users.provenance.source is not None
    assert users.provenance.source.file == "good.rs"
    assert any(
        n.startswith("evil.__dibs_tables is outside the meta schema 'public'") for n in catalog.meta.notes
    )


def test_lookalike_functions_and_operators_on_the_search_path_are_never_called(
    db: str, role: Callable[[str], str], capsys: pytest.CaptureFixture[str]
) -> None:
    mallory = role(db)
    run_sql(db, USERS + f"CREATE SCHEMA {mallory} AUTHORIZATION {mallory};")
    # An unprivileged role plants, in its own schema, a better match for calls our catalog queries make:
    # pg_get_expr(pg_node_tree, integer) beats pg_catalog's (pg_node_tree, oid) for `pg_get_expr(x, 0)`,
    # format_type and quote_ident of the same signature, and `=` on (name, text).
    run_sql(
        _as(db, mallory),
        f"""
        SET search_path = {mallory};
        CREATE TABLE calls (what text);
        GRANT INSERT, SELECT ON calls TO PUBLIC;
        CREATE FUNCTION pg_get_expr(pg_node_tree, integer) RETURNS text LANGUAGE plpgsql AS
          $$BEGIN INSERT INTO {mallory}.calls VALUES ('pg_get_expr'); RETURN 'x'; END$$;
        CREATE FUNCTION format_type(oid, integer) RETURNS text LANGUAGE plpgsql AS
          $$BEGIN INSERT INTO {mallory}.calls VALUES ('format_type'); RETURN 'x'; END$$;
        CREATE FUNCTION quote_ident(text) RETURNS text LANGUAGE plpgsql AS
          $$BEGIN INSERT INTO {mallory}.calls VALUES ('quote_ident'); RETURN $1; END$$;
        CREATE FUNCTION eq(name, text) RETURNS boolean LANGUAGE plpgsql AS
          $$BEGIN INSERT INTO {mallory}.calls VALUES ('='); RETURN $1::text = $2; END$$;
        CREATE OPERATOR = (LEFTARG = name, RIGHTARG = text, FUNCTION = eq);
        """,
    )
    run_sql(db, "ALTER TABLE users ADD COLUMN n int DEFAULT 0;" + meta_tables_ddl())
    run_sql(db, f"ALTER DATABASE {db.rsplit('/', 1)[1]} SET search_path = {mallory}, pg_catalog, public")
    code, out, err = _schema(capsys, db)
    assert code == 0, err
    assert "users" in out
    asyncio.run(_catalog(db))
    assert run_sql_rows(db, f"SELECT what FROM {mallory}.calls") == []
    # The traps are live: an ordinary session with that search path calls every one of them.
    run_sql(
        db,
        "SELECT pg_get_expr(adbin, 0) FROM pg_attrdef; SELECT format_type(23, -1); SELECT quote_ident('a'); "
        "SELECT 'a'::name = 'a'::text",
    )
    assert {r for r in run_sql_rows(db, f"SELECT what FROM {mallory}.calls")} == {
        "pg_get_expr",
        "format_type",
        "quote_ident",
        "=",
    }


def run_sql_rows(dsn: str, sql: str) -> list[str]:
    return [r[0] for r in asyncio.run(fetch(dsn, sql))]


def test_meta_rows_with_escapes_reach_the_model_verbatim(db: str) -> None:
    nasty = "src/\x1b[2J\x1b]52;c;ZXZpbA==\x07user\u202e.rs\nline two"
    run_sql(db, USERS + meta_tables_ddl())
    asyncio.run(_insert(db, nasty))
    catalog = asyncio.run(_catalog(db))
    users = catalog.relation("public", "users")
    assert users is not None and users.provenance is not None and users.provenance.source is not None
    assert users.provenance.source.file == nasty
    assert users.provenance.doc == nasty[::-1]
    email = users.column("email")
    assert email is not None and email.provenance is not None and email.provenance.doc == nasty


async def _insert(dsn: str, text: str) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(
            "INSERT INTO __dibs_tables (table_name, source_file, source_line, doc_comment) VALUES ('users', $1, 1, $2)",
            text,
            text[::-1],
        )
        await conn.execute(
            "INSERT INTO __dibs_columns (table_name, column_name, source_file, source_line, doc_comment) "
            "VALUES ('users', 'email', 'a.rs', 2, $1)",
            text,
        )
    finally:
        await conn.close()


def test_meta_table_with_missing_columns_and_wrong_types_is_a_note(
    db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    run_sql(
        db,
        USERS
        + """
        CREATE TABLE public.__dibs_tables (table_name text, source_file jsonb, source_line text, doc_comment text);
        INSERT INTO public.__dibs_tables VALUES ('users', '{"a": 1}', 'x', 'kept');
        CREATE TABLE public.__dibs_columns (table_name text, source_file text);
        INSERT INTO public.__dibs_columns VALUES ('users', 'c.rs');
        """,
    )
    code, out, err = _schema(capsys, db)
    assert code == 0, err
    assert "public.__dibs_tables.source_file is jsonb, not text: not read" in out
    assert "public.__dibs_tables.source_line is text, not an integer: not read" in out
    assert "public.__dibs_columns has no usable column column_name: column provenance not shown" in out
    catalog = asyncio.run(_catalog(db))
    users = catalog.relation("public", "users")
    assert users is not None and users.provenance is not None
    assert users.provenance.doc == "kept" and users.provenance.source is None
    assert catalog.meta.tables_present == ("__dibs_tables",)


def test_role_without_select_on_meta_columns_browses_and_is_told_why(
    db: str, role: Callable[[str], str], capsys: pytest.CaptureFixture[str]
) -> None:
    reader = role(db)
    run_sql(
        db,
        USERS + meta_tables_ddl() + "INSERT INTO __dibs_tables (table_name, source_file, source_line) "
        "VALUES ('users', 'user.rs', 4);\n"
        "INSERT INTO __dibs_columns (table_name, column_name, source_file, source_line) "
        "VALUES ('users', 'email', 'user.rs', 5);\n"
        f"GRANT SELECT ON users, __dibs_tables, __dibs_indices, __dibs_migrations TO {reader};",
    )
    code, out, err = _schema(capsys, _as(db, reader))
    assert code == 0, err
    assert "source: user.rs:4" in out
    assert (
        "public.__dibs_columns: permission denied for table __dibs_columns: column provenance not shown"
        in out
    )
    # Without __dibs_columns read, no column is reported untracked: nothing says what is tracked.
    assert "column public.users" not in out


def test_virtual_generated_column_in_a_meta_table_is_not_evaluated(db: str) -> None:
    # PostgreSQL 18 refuses user-defined functions in virtual columns, but any expression is evaluated on
    # every read: one that fails would stop the browse.
    run_sql(
        db,
        USERS
        + """
        CREATE TABLE public.__dibs_tables (table_name text, source_line int,
          source_file text GENERATED ALWAYS AS ((1 / (source_line - source_line))::text) VIRTUAL);
        INSERT INTO public.__dibs_tables (table_name, source_line) VALUES ('users', 1);
        """,
    )
    catalog = asyncio.run(_catalog(db))
    assert "public.__dibs_tables.source_file is a virtual generated column: not read" in catalog.meta.notes
    users = catalog.relation("public", "users")
    assert users is not None and users.provenance is not None and users.provenance.source is None
    with pytest.raises(asyncpg.DivisionByZeroError):
        run_sql(db, "SELECT source_file FROM public.__dibs_tables")


def test_history_table_alembic_version_that_is_a_view_is_ignored(
    db: str, trap_file: Path, tmp_path: Path
) -> None:
    run_sql(
        db,
        TRAP.format(file=trap_file)
        + "CREATE VIEW public.alembic_version AS SELECT table_name AS version_num FROM public.trap();",
    )
    statuses, history = asyncio.run(read_status(resolve(db), tmp_path))
    assert not trap_file.exists()
    assert statuses == [] and history.applied == () and history.tables == ()
    assert "public.alembic_version is a view, not a table: ignored" in history.notes
    run_sql(db, "SELECT * FROM public.alembic_version")
    assert trap_file.exists()


def test_a_lock_wait_says_a_hostile_holder_escaped(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    """The relation, the holder's query and its application name come from the server: a table named with an
    escape sequence and a bidi override, locked by a query that spells them, reach the terminal as escapes
    while the read waits (and in the line it gives up with)."""
    hostile = "us\x1b]52;c;cm0gLXJmIH4=\x07\u202eers"
    run_sql(db, f'CREATE TABLE "{hostile}" (id int PRIMARY KEY CHECK (id > 0));')

    async def scenario() -> tuple[int, int]:
        holder = await asyncpg.connect(db, server_settings={"application_name": "holder\x1b[2J"})
        try:
            await holder.execute(f'BEGIN; LOCK TABLE "{hostile}" IN ACCESS EXCLUSIVE MODE -- \x1b[31m')
            code = await asyncio.to_thread(main, ["schema", db, "--statement-timeout", "2s"])
            return code, holder.get_server_pid()
        finally:
            await holder.close()

    code, pid = asyncio.run(scenario())
    _, err = capsys.readouterr()
    assert code == 1
    assert "\x1b" not in err and "\u202e" not in err and "\x07" not in err
    relation = "public.us\\x1b]52;c;cm0gLXJmIH4=\\x07\\u202eers"
    assert f"dibs-tui: waiting for a lock on {relation} held by pid {pid} (app 'holder" in err, err
    assert "IN ACCESS EXCLUSIVE MODE -- \\x1b[31m), " in err
    assert f"gave up on a lock after statement_timeout 2 s (waiting for a lock on {relation}" in err
    assert "Traceback" not in err
    from dibs_tui.core.lock_wait import LockWait
    from dibs_tui.core.terminal import has_controls

    wait = LockWait(hostile, 1, True, "a\x1b[2J", "u\u202e", "idle\x9b", "SELECT '\x1b]8;;x\x07'", 3.0, 4.0)
    assert not has_controls(wait.line()) and not has_controls(wait.short())  # the browser's header and toast


def test_review_facts_never_call_a_lookalike_operator_or_aggregate(
    db: str, role: Callable[[str], str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    mallory = role(db)
    run_sql(
        db, USERS + f"INSERT INTO users VALUES (1, 'a'); CREATE SCHEMA {mallory} AUTHORIZATION {mallory};"
    )
    # Better matches than pg_catalog's for what review's fact queries write: `oid = to_regclass(..)` has no
    # exact (oid, regclass) operator in pg_catalog; count(*) and quote_ident of the same signature win when
    # the schema comes before pg_catalog on the path.
    run_sql(
        _as(db, mallory),
        f"""
        SET search_path = {mallory};
        CREATE TABLE calls (what text);
        GRANT INSERT, SELECT ON calls TO PUBLIC;
        CREATE FUNCTION eq(oid, regclass) RETURNS boolean LANGUAGE plpgsql AS
          $$BEGIN INSERT INTO {mallory}.calls VALUES ('='); RETURN $1 = $2::oid; END$$;
        CREATE OPERATOR = (LEFTARG = oid, RIGHTARG = regclass, FUNCTION = eq);
        CREATE FUNCTION quote_ident(text) RETURNS text LANGUAGE plpgsql AS
          $$BEGIN INSERT INTO {mallory}.calls VALUES ('quote_ident'); RETURN $1; END$$;
        """,
    )
    run_sql(db, f"ALTER DATABASE {db.rsplit('/', 1)[1]} SET search_path = {mallory}, pg_catalog, public")
    migration = tmp_path / "add.sql"
    migration.write_text("ALTER TABLE users ADD COLUMN w int NOT NULL;\n")
    code = main(["review", str(migration), db, "--format", "json"])
    out, err = capsys.readouterr()
    assert code in (0, 1), err
    assert "fails-on-existing-data" in out
    assert run_sql_rows(db, f"SELECT what FROM {mallory}.calls") == []
    run_sql(db, "SELECT c.oid = to_regclass('users'), quote_ident('x') FROM pg_class c LIMIT 1")
    assert set(run_sql_rows(db, f"SELECT what FROM {mallory}.calls")) == {"=", "quote_ident"}


def test_migrate_keeps_its_history_in_the_meta_schema_whatever_schema_is_first_on_the_path(
    db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run_sql(db, f"CREATE SCHEMA evil; ALTER DATABASE {db.rsplit('/', 1)[1]} SET search_path = evil, public;")
    folder = tmp_path / "migrations"
    folder.mkdir()
    (folder / "20260101000000_first.sql").write_text("CREATE TABLE public.t (id int);\n")
    code = main(["migrate", db, "--migrations", str(folder), "--yes"])
    out, err = capsys.readouterr()
    assert code == 0, out + err
    rows = asyncio.run(
        fetch(
            db,
            "SELECT n.nspname || '.' || c.relname AS t FROM pg_class c JOIN pg_namespace n "
            "ON n.oid = c.relnamespace WHERE c.relname LIKE '\\_\\_dibs\\_%' AND c.relkind = 'r' ORDER BY 1",
        )
    )
    assert [r["t"] for r in rows if r["t"].endswith("__dibs_migrations")] == ["public.__dibs_migrations"]
    assert run_sql_rows(db, "SELECT name FROM public.__dibs_migrations") == ["20260101000000_first"]
    assert main(["status", db, "--migrations", str(folder)]) == 0


def test_init_writes_the_meta_tables_in_the_meta_schema_not_in_a_lookalike_first_on_the_path(
    db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    run_sql(
        db,
        USERS + "CREATE SCHEMA evil; CREATE TABLE evil.__dibs_tables (table_name text PRIMARY KEY, "
        "source_file text, source_line int, source_column int, doc_comment text, created_by_migration text);"
        f"ALTER DATABASE {db.rsplit('/', 1)[1]} SET search_path = evil, public;",
    )
    code = main(["init", db, "--yes"])
    out, err = capsys.readouterr()
    assert code == 0, out + err
    assert run_sql_rows(db, "SELECT table_name FROM evil.__dibs_tables") == []
    assert run_sql_rows(db, "SELECT table_name FROM public.__dibs_tables") == ["users"]
    catalog = asyncio.run(_catalog(db))
    users = catalog.relation("public", "users")
    assert users is not None and users.provenance is not None and users.provenance.created_by == "initial"


def test_generated_migration_writes_meta_rows_in_the_meta_schema_not_in_a_lookalike_first_on_the_path(
    db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run_sql(
        db,
        "CREATE SCHEMA evil; CREATE TABLE evil.__dibs_tables (table_name text PRIMARY KEY, source_file text, "
        "source_line int, source_column int, doc_comment text, created_by_migration text, "
        "modified_by_migration text, created_at timestamptz, modified_at timestamptz);"
        f"ALTER DATABASE {db.rsplit('/', 1)[1]} SET search_path = evil, public;",
    )
    desired = tmp_path / "schema.sql"
    desired.write_text("CREATE SCHEMA evil;\nCREATE TABLE public.users (id int PRIMARY KEY);\n")
    folder = tmp_path / "migrations"
    code = main(["generate", "add-users", db, "--desired", str(desired), "--migrations", str(folder)])
    out, err = capsys.readouterr()
    assert code == 0, out + err
    [written] = folder.glob("*.sql")
    assert "INSERT INTO public.__dibs_tables" in written.read_text()
    assert main(["migrate", db, "--migrations", str(folder), "--yes"]) == 0, capsys.readouterr()
    assert run_sql_rows(db, "SELECT table_name FROM evil.__dibs_tables") == []
    assert run_sql_rows(db, "SELECT table_name FROM public.__dibs_tables") == ["users"]


def test_meta_table_with_row_level_security_runs_no_policy_and_is_a_note(
    db: str, role: Callable[[str], str], capsys: pytest.CaptureFixture[str]
) -> None:
    reader = role(db)
    run_sql(
        db,
        USERS + meta_tables_ddl() + "INSERT INTO __dibs_tables (table_name, source_file, source_line) "
        "VALUES ('users', 'user.rs', 4);\n"
        "CREATE FUNCTION public.spy(text) RETURNS boolean LANGUAGE plpgsql AS "
        "$$BEGIN RAISE EXCEPTION 'spy ran as %', current_user; END$$;\n"
        "ALTER TABLE __dibs_tables ENABLE ROW LEVEL SECURITY;\n"
        "CREATE POLICY peek ON __dibs_tables USING (public.spy(table_name));\n"
        f"GRANT SELECT ON users, __dibs_tables, __dibs_columns, __dibs_indices, __dibs_migrations TO {reader};",
    )
    code, out, err = _schema(capsys, _as(db, reader))
    assert code == 0, err
    assert "spy ran" not in out + err
    assert "public.__dibs_tables: query would be affected by row-level security policy" in out
    assert "source: user.rs" not in out
    with pytest.raises(asyncpg.RaiseError, match="spy ran as"):  # the policy is live for an ordinary session
        run_sql(_as(db, reader), "SELECT * FROM public.__dibs_tables")


def test_diff_says_which_meta_lookalike_it_ignored(
    db: str, trap_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run_sql(
        db,
        USERS
        + TRAP.format(file=trap_file)
        + "CREATE VIEW public.__dibs_tables AS SELECT * FROM public.trap();",
    )
    desired = tmp_path / "schema.sql"
    desired.write_text(
        "CREATE TABLE public.users (id int PRIMARY KEY, email text CHECK (email <> ''));\n"
        "CREATE FUNCTION public.trap() RETURNS TABLE (table_name text, source_file text, source_line int) "
        "LANGUAGE sql AS $$SELECT 'users'::text, 'x'::text, 1$$;\n"
    )
    code = main(["diff", db, "--desired", str(desired)])
    out, err = capsys.readouterr()
    assert not trap_file.exists()
    assert "note: public.__dibs_tables is a view, not a table: ignored" in out, out + err
    assert code in (0, 2), err
