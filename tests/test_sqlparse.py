"""Reading SQL with PostgreSQL's grammar: kinds, exact positions, meta-commands, and the two doors' rules."""

from __future__ import annotations

import pytest

from dibs_tui.core.errors import SourceError
from dibs_tui.core.migrations.files import (
    is_transaction_control,
    runs_outside_transaction,
    split_statements,
    strip_comments,
)
from dibs_tui.core.sqldoor import check_desired
from dibs_tui.core.sqlparse import parse_sql


@pytest.mark.parametrize(
    ("sql", "kind", "names"),
    [
        ("CREATE TABLE app.users (id int)", "CREATE TABLE", ("app.users",)),
        ("CREATE UNIQUE INDEX CONCURRENTLY i ON t (a)", "CREATE INDEX CONCURRENTLY", ("t", "i")),
        ("DROP DATABASE victim WITH (FORCE)", "DROP DATABASE", ("victim",)),
        ("DROP TABLE a.b, c", "DROP TABLE", ("a.b", "c")),
        ("ALTER TABLE t ADD COLUMN c int", "ALTER TABLE", ("t",)),
        ("ALTER INDEX i RENAME TO j", "ALTER INDEX", ("i",)),
        ("COPY (SELECT 1) TO PROGRAM 'x'", "COPY ... PROGRAM", ()),
        ("COPY t FROM STDIN", "COPY", ("t",)),
        ("DO $$ BEGIN NULL; END $$", "DO", ()),
        ("CREATE MATERIALIZED VIEW m AS SELECT 1", "CREATE MATERIALIZED VIEW", ("m",)),
        ("COMMENT ON COLUMN t.c IS 'x'", "COMMENT ON COLUMN", ("t.c",)),
        ("GRANT SELECT ON ALL TABLES IN SCHEMA s TO r", "GRANT ON TABLE", ("s", "r")),
        ("GRANT admin TO mallory", "GRANT ROLE", ("mallory",)),
        ("CREATE USER u", "CREATE USER", ("u",)),
        ("SET search_path TO app", "SET search_path", ()),
        ("SET ROLE postgres", "SET ROLE", ()),
        ("RESET SESSION AUTHORIZATION", "RESET SESSION AUTHORIZATION", ()),
        ("VACUUM t", "VACUUM", ("t",)),
        ("ANALYZE t", "ANALYZE", ("t",)),
        ("CREATE AGGREGATE a (int) (sfunc = f, stype = int)", "CREATE AGGREGATE", ("a",)),
        ("CREATE FOREIGN TABLE f (a int) SERVER s", "CREATE FOREIGN TABLE", ()),
        ("BEGIN", "BEGIN", ()),
        ("END", "COMMIT", ()),
        ("PREPARE TRANSACTION 'x'", "PREPARE", ()),
    ],
)
def test_kinds_and_names_come_from_the_parse_tree(sql: str, kind: str, names: tuple[str, ...]) -> None:
    (stmt,) = parse_sql(sql + ";").statements
    assert stmt.kind == kind
    assert set(names) <= set(stmt.names)


def test_positions_count_comments_blank_lines_and_multibyte_characters() -> None:
    text = "-- é comment\n\n  /* ü; */ CREATE TABLE é (a text DEFAULT 'ß;');\nSELECT 'ø' ; SELECT 2 -- tail\n"
    statements = parse_sql(text, "f.sql").statements
    assert [(s.line, s.column, s.kind) for s in statements] == [
        (3, 12, "CREATE TABLE"),
        (4, 1, "SELECT"),
        (4, 14, "SELECT"),
    ]
    assert statements[0].text == "CREATE TABLE é (a text DEFAULT 'ß;')"
    assert statements[1].text == "SELECT 'ø'"
    assert statements[2].text.startswith("SELECT 2")
    assert text[statements[2].offset :].startswith("SELECT 2")


def test_a_file_read_in_several_batches_keeps_exact_positions() -> None:
    """Over a MiB, statements are parsed in batches: positions and BEGIN ATOMIC bodies stay whole."""
    block = (
        "-- ünïcödé\nCREATE FUNCTION f{n}() RETURNS int LANGUAGE sql\nBEGIN ATOMIC\n  SELECT 1;\n  SELECT 2;\nEND;\n"
        "CREATE TABLE t{n} (a text DEFAULT 'ä;ö', b int);\n"
    )
    text = "".join(block.format(n=n) for n in range(12_000))
    assert len(text) > 1.5 * 1024 * 1024
    statements = parse_sql(text, "big.sql").statements
    assert len(statements) == 24_000
    lines = text.split("\n")
    for stmt in statements[::997]:
        assert lines[stmt.line - 1][stmt.column - 1 :].startswith(stmt.text.split("\n")[0])
        assert text[stmt.offset :].startswith(stmt.text)
    assert statements[-2].text.endswith("SELECT 2;\nEND")


def test_meta_commands_outside_quotes_are_blanked_and_listed() -> None:
    text = (
        "\\set ON_ERROR_STOP 1\nCREATE TABLE t (a text DEFAULT '\\! not a command');\n"
        "CREATE FUNCTION f() RETURNS text LANGUAGE sql AS $$\n\\c not_a_command\n$$;\n"
        "/*\n\\i not either\n*/\n\\restrict abc\n"
    )
    parsed = parse_sql(text, "dump.sql")
    assert [(m.line, m.name, m.harmless) for m in parsed.meta_commands] == [
        (1, "set", True),
        (9, "restrict", True),
    ]
    assert parsed.notes[0] == "dump.sql:1: skipped psql meta-command \\set ON_ERROR_STOP 1"
    assert [s.kind for s in parsed.statements] == ["CREATE TABLE", "CREATE FUNCTION"]
    check_desired(parsed)
    split_statements(text, "dump.sql")  # the migration door


def test_a_psql_variable_set_by_a_shell_command_is_refused() -> None:
    text = "\\set ON_ERROR_STOP 1\n\\set x `touch /tmp/x`\nSELECT 1;\n"
    parsed = parse_sql(text, "s.sql")
    assert [m.harmless for m in parsed.meta_commands] == [True, False]
    with pytest.raises(SourceError, match=r"^s.sql:2:1: psql meta-command \\set is not allowed"):
        split_statements(text, "s.sql")


def test_syntax_error_is_file_line_col_with_a_short_fragment() -> None:
    with pytest.raises(SourceError) as info:
        parse_sql("CREATE TABLE a (id int);\n  CREAT TABLE b (id int);\n", "s.sql")
    assert str(info.value) == 's.sql:2:3: syntax error at or near "CREAT"'
    with pytest.raises(SourceError) as info:
        parse_sql("SELECT 'open\n" + "x" * 10_000, "s.sql")
    assert str(info.value).startswith("s.sql:1:8: unterminated quoted string at or near")
    assert len(str(info.value)) < 120 and "\n" not in str(info.value)


def test_control_characters_from_a_file_never_reach_the_terminal() -> None:
    with pytest.raises(SourceError) as info:
        parse_sql("SELECT 1;\n\x1b[2J\x1b]0;pwned\x07 x;\n", "s.sql")
    assert str(info.value) == 's.sql:2:1: syntax error at or near "\\x1b"'
    parsed = parse_sql("\\echo \x1b[31mred\n\\\x1b\nSELECT 1;\n", "s.sql")
    assert "\x1b" not in parsed.notes[0] and "\\x1b[31mred" in parsed.notes[0]
    with pytest.raises(SourceError) as info:
        check_desired(parsed)
    assert str(info.value).startswith("s.sql:2:1: psql meta-command \\\\x1b is not allowed")


PG_DUMP_PRELUDE = """\\restrict xyz
SET statement_timeout = 0;
SET client_encoding = 'UTF8';
SELECT pg_catalog.set_config('search_path', '', false);
SET default_tablespace = '';
CREATE EXTENSION IF NOT EXISTS pgcrypto WITH SCHEMA public;
COMMENT ON EXTENSION pgcrypto IS 'crypto';
CREATE SCHEMA app AUTHORIZATION someone;
CREATE TABLE app.t (id int);
ALTER TABLE app.t OWNER TO someone;
GRANT SELECT ON app.t TO reader;
ALTER DEFAULT PRIVILEGES FOR ROLE someone GRANT SELECT ON TABLES TO reader;
SELECT pg_catalog.setval('app.s', 42, true);
CREATE SERVER remote FOREIGN DATA WRAPPER postgres_fdw;
CREATE EVENT TRIGGER e ON ddl_command_end EXECUTE FUNCTION f();
INSERT INTO schema_migrations (version) VALUES ('20240101'), ('20240102') ON CONFLICT DO NOTHING;
BEGIN;
COMMIT;
\\unrestrict xyz
"""


def test_a_pg_dump_and_a_rails_structure_pass_the_desired_door() -> None:
    check_desired(parse_sql(PG_DUMP_PRELUDE, "dump.sql"))


@pytest.mark.parametrize(
    ("sql", "kind"),
    [
        ("CREATE DATABASE x", "CREATE DATABASE"),
        ("ALTER DATABASE x SET work_mem = '1GB'", "ALTER DATABASE"),
        ("ALTER DATABASE x OWNER TO me", "ALTER DATABASE"),
        ("COMMENT ON DATABASE x IS 'y'", "COMMENT ON DATABASE"),
        ("GRANT CONNECT ON DATABASE x TO y", "GRANT ON DATABASE"),
        ("CREATE TABLESPACE x LOCATION '/tmp'", "CREATE TABLESPACE"),
        ("ALTER TABLE t SET TABLESPACE x", "ALTER TABLE ... SET TABLESPACE"),
        ("ALTER SYSTEM SET work_mem = '1GB'", "ALTER SYSTEM"),
        ("COPY t FROM STDIN", "COPY"),
        ("LOAD 'x'", "LOAD"),
        ("CHECKPOINT", "CHECKPOINT"),
        ("VACUUM", "VACUUM"),
        ("ANALYZE", "ANALYZE"),
        ("CLUSTER t USING i", "CLUSTER"),
        ("REINDEX TABLE t", "REINDEX"),
        ("CREATE SUBSCRIPTION s CONNECTION 'host=x' PUBLICATION p", "CREATE SUBSCRIPTION"),
        ("LISTEN c", "LISTEN"),
        ("NOTIFY c", "NOTIFY"),
        ("UPDATE t SET a = 1", "UPDATE"),
        ("DELETE FROM t", "DELETE"),
        ("INSERT INTO t SELECT * FROM pg_authid", "INSERT other than of VALUES"),
        ("INSERT INTO t VALUES ((SELECT rolpassword FROM pg_authid LIMIT 1))", "INSERT other than of VALUES"),
        ("INSERT INTO t VALUES (pg_read_file('/etc/passwd'))", "INSERT other than of VALUES"),
        ("CALL p()", "CALL"),
        ("PREPARE q AS SELECT 1", "PREPARE"),
        ("EXECUTE q", "EXECUTE"),
        ("SET ROLE postgres", "SET ROLE"),
        ("SET SESSION AUTHORIZATION postgres", "SET SESSION AUTHORIZATION"),
        ("RESET ROLE", "RESET ROLE"),
        ("SECURITY LABEL ON TABLE t IS 'x'", "SECURITY LABEL ON TABLE"),
        ("IMPORT FOREIGN SCHEMA s FROM SERVER x INTO y", "IMPORT FOREIGN SCHEMA"),
        ("SELECT * FROM pg_authid", "SELECT other than of set_config"),
        ("SELECT pg_read_file('/etc/passwd')", "SELECT other than of set_config"),
        ("SELECT set_config('a', (SELECT current_user), false)", "SELECT other than of set_config"),
        ("SELECT pg_catalog.set_config('ROLE', 'postgres', false)", "SELECT other than of set_config"),
        ("SELECT set_config('session_authorization', 'postgres', false)", "SELECT other than of set_config"),
        ("SELECT set_config(current_user, 'x', false)", "SELECT other than of set_config"),
        ("DROP OWNED BY x", "DROP OWNED"),
        ("ROLLBACK", "ROLLBACK"),
        ("GRANT SET ON PARAMETER work_mem TO x", "GRANT ON PARAMETER"),
    ],
)
def test_the_desired_door_refuses(sql: str, kind: str) -> None:
    parsed = parse_sql(f"CREATE TABLE ok (id int);\n{sql};\n", "d.sql")
    with pytest.raises(SourceError) as info:
        check_desired(parsed)
    assert str(info.value).startswith(f"d.sql:2:1: {kind}")
    assert "is not allowed in a desired schema" in str(info.value)


@pytest.mark.parametrize(
    "sql",
    [
        "CREATE ROLE x",
        "ALTER USER x PASSWORD 'y'",
        "ALTER ROLE x SET search_path = app",
        "ALTER ROLE x RENAME TO y",
        "DROP GROUP x",
        "GRANT admin TO x",
        "COMMENT ON ROLE x IS 'y'",
    ],
)
def test_the_desired_door_passes_statements_on_roles_which_the_sandbox_skips(sql: str) -> None:
    from dibs_tui.core.sandbox_statements import prepare
    from dibs_tui.core.shadow import LocatedStatement

    check_desired(parse_sql(f"CREATE TABLE ok (id int);\n{sql};\n", "d.sql"))
    prepared = prepare(
        [LocatedStatement("d.sql", "CREATE TABLE ok (id int)", 1, 1), LocatedStatement("d.sql", sql, 2, 1)]
    )
    assert [s.text for s in prepared.runnable(())] == ["CREATE TABLE ok (id int)"]
    assert prepared.roles_note() is not None and "at d.sql:2" in prepared.roles_note()


@pytest.mark.parametrize(
    "sql",
    [
        "INSERT INTO t SELECT * FROM u",
        "UPDATE t SET a = 1",
        "DELETE FROM t",
        "CALL p()",
        "SET ROLE app_owner",
        "COPY t FROM STDIN",
        "VACUUM t",
        "REASSIGN OWNED BY a TO b",
        "GRANT SELECT ON t TO r",
        "CREATE INDEX CONCURRENTLY i ON t (a)",
    ],
)
def test_the_migration_door_lets_data_and_maintenance_through(sql: str) -> None:
    split_statements(sql + ";", "m.sql")


@pytest.mark.parametrize(
    ("sql", "kind"),
    [
        ("DROP DATABASE x", "DROP DATABASE"),
        ("ALTER ROLE x SUPERUSER", "ALTER ROLE"),
        ("GRANT pg_read_server_files TO x", "GRANT ROLE"),
        ("DROP TABLESPACE x", "DROP TABLESPACE"),
        ("ALTER SYSTEM RESET ALL", "ALTER SYSTEM"),
        ("COPY t TO PROGRAM 'x'", "COPY ... PROGRAM"),
        ("COPY t TO '/tmp/x'", "COPY to or from a server file"),
        ("LOAD 'x'", "LOAD"),
        ("DROP SUBSCRIPTION s", "DROP SUBSCRIPTION"),
        ("PREPARE TRANSACTION 'x'", "PREPARE"),
        ("\\gexec", "psql meta-command \\gexec"),
        ("\\o /tmp/x", "psql meta-command \\o"),
    ],
)
def test_the_migration_door_refuses(sql: str, kind: str) -> None:
    text = f"SELECT 1;\n{sql}" + ("" if sql.startswith("\\") else ";") + "\n"
    with pytest.raises(SourceError) as info:
        split_statements(text, "m.sql")
    assert str(info.value).startswith(f"m.sql:2:1: {kind} is not allowed in a migration")
    if sql.startswith("\\"):  # said in a meta-command's terms, not a statement's (databases, roles ...)
        assert info.value.hint is not None and "dibs-tui is not psql" in info.value.hint
    else:
        assert info.value.hint is not None and "databases, roles, tablespaces" in info.value.hint


def test_a_shell_command_in_backquotes_is_named_as_one() -> None:
    """`\\set` alone is harmless; with backquotes psql runs a shell command, and the refusal says so."""
    with pytest.raises(SourceError) as info:
        split_statements("\\set x `touch /tmp/x`\n", "m.sql")
    assert str(info.value).startswith("m.sql:1:1: psql meta-command \\set is not allowed in a migration")
    assert (info.value.hint or "").startswith(
        "\\set runs the shell command between its backquotes on this machine; dibs-tui is not psql"
    )


@pytest.mark.parametrize(
    ("sql", "alone"),
    [
        ("CREATE INDEX CONCURRENTLY i ON t (a)", True),
        ("create /* c */ unique index concurrently i on t (a)", True),
        ("DROP INDEX CONCURRENTLY i", True),
        ("REINDEX TABLE CONCURRENTLY t", True),
        ("ALTER TABLE p DETACH PARTITION c CONCURRENTLY", True),
        ("ALTER TYPE e ADD VALUE 'x'", True),
        ("ALTER TYPE e RENAME VALUE 'a' TO 'b'", False),
        ("VACUUM t", True),
        ("ANALYZE t", False),
        ("CLUSTER", True),
        ("CLUSTER t USING i", True),  # refused in a block for a partitioned table, which the text cannot tell
        ("REINDEX TABLE t", True),
        ("REINDEX INDEX i", True),
        ("CREATE INDEX i ON t (a)", False),
        ("SELECT 'CREATE INDEX CONCURRENTLY'", False),
        ("-- VACUUM\nSELECT 1", False),
    ],
)
def test_runs_outside_a_transaction(sql: str, alone: bool) -> None:
    assert runs_outside_transaction(sql) is alone


@pytest.mark.parametrize(
    ("sql", "control"),
    [
        ("BEGIN", True),
        ("start transaction", True),
        ("COMMIT WORK", True),
        ("END", True),
        ("/* x */ begin", True),
        ("BEGIN ATOMIC", False),
        ("ROLLBACK", False),
        ("SELECT 'BEGIN'", False),
        ("DO $$BEGIN END$$", False),
    ],
)
def test_transaction_control(sql: str, control: bool) -> None:
    assert is_transaction_control(sql) is control


def test_strip_comments_keeps_quoted_text() -> None:
    sql = "ALTER /* x */ TABLE t -- y\n  ADD c text DEFAULT '-- z /* w */', ADD d text DEFAULT $$ -- v $$"
    assert (
        strip_comments(sql)
        == "ALTER TABLE t ADD c text DEFAULT '-- z /* w */', ADD d text DEFAULT $$ -- v $$"
    )


# Real files that are not desired schemas, and what stops them at the door.
NOT_DESIRED = {
    "chinook/Chinook_PostgreSql.sql": "19:1: DROP DATABASE is not allowed",
    "delta/alembic_upgrade_head.offline.sql": "131:1: UPDATE is not allowed",
    "plue/migrations/005_fix_workflow_config_format.sql": "12:1: UPDATE is not allowed",
    "plue/migrations/007_atomic_issue_numbers.sql": "9:1: UPDATE is not allowed",
    "pagila/pagila-sql-pgq-setup.sql": '14:8: syntax error at or near "PROPERTY"',  # SQL/PGQ: not in PG 18
    "pagila/pagila-temporal-setup.sql": '71:1: syntax error at or near "FOR"',  # FOR PORTION OF: not in PG 18
}


def test_every_real_schema_passes_the_desired_door_or_is_refused_for_what_it_is() -> None:
    from dibs_tui.core.sqlparse import parse_sql, read_sql_file
    from tests.pg import REAL

    files = sorted(p for p in REAL.rglob("*.sql") if "marlin" not in p.parts)  # marlin is SQLite
    assert len(files) > 100
    refused: dict[str, str] = {}
    for path in files:
        try:
            check_desired(parse_sql(read_sql_file(path), str(path)))
        except SourceError as exc:
            refused[path.relative_to(REAL).as_posix()] = str(exc).split("\n")[0]
    assert {name: message.split(":", 1)[1] for name, message in refused.items()} == {
        name: f"{where} in a desired schema" if "not allowed" in where else where
        for name, where in NOT_DESIRED.items()
    }


def test_a_copy_from_stdin_with_its_rows_in_the_file_is_said_plainly() -> None:
    """pg_dump's data blocks: the rows after COPY ... FROM stdin are not SQL; the error names the COPY, not a
    'syntax error at or near' the first row."""
    text = "CREATE TABLE z (id int, v text);\nCOPY public.z (id, v) FROM stdin;\n1\ta;b\n2\tc\n\\.\n\nSELECT 1;\n"
    with pytest.raises(SourceError) as raised:
        parse_sql(text, "m.sql")
    assert str(raised.value) == (
        "m.sql:2:1: COPY ... FROM stdin with its rows in the file (as pg_dump writes them): only SQL statements "
        "are read; load the rows with psql, or write them as INSERT"
    )
    with pytest.raises(SourceError, match="syntax error"):  # any other error stays the parser's
        parse_sql("COPY z FROM stdin;\nSELECT 1;\nSELEC 2;\n", "m.sql")
