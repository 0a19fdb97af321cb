"""Hostile desired-schema files and migrations at the door: each is refused with file:line:col before anything
of it reaches a server, and what it aimed at (a database, a role, a file written by a program, the server's
configuration) is checked to be untouched on the real server."""

from __future__ import annotations

import secrets
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from dibs_tui.cli import main
from tests.cli_in_process import run_cli
from tests.pg import fetch

DIBS = str(Path(sys.executable).parent / "dibs-tui")


def _exists(dsn: str, query: str, *args: object) -> bool:
    import asyncio

    return bool(asyncio.run(fetch(dsn, query, *args))[0][0])


def _database_exists(dsn: str, name: str) -> bool:
    return _exists(dsn, "SELECT count(*) > 0 FROM pg_database WHERE datname = $1", name)


def _role_exists(dsn: str, name: str) -> bool:
    return _exists(dsn, "SELECT count(*) > 0 FROM pg_roles WHERE rolname = $1", name)


def _diff(db: str, path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(["diff", db, "--desired", str(path)])
    return code, capsys.readouterr().err


def _refused(code: int, err: str, where: str, what: str) -> None:
    assert code == 1, err
    assert where in err and what in err, err
    assert "Traceback" not in err and "internal error" not in err, err


@pytest.fixture
def victim(new_database: Callable[[], str]) -> str:
    """The name of a database that must survive."""
    return new_database().rsplit("/", 1)[1].split("?")[0]


@pytest.fixture
def marker() -> str:
    return f"door_{secrets.token_hex(4)}"


def _write(tmp_path: Path, text: str | bytes, name: str = "evil.sql") -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text)
    return path


# -- desired schemas ---------------------------------------------------------------------------------------


def test_drop_database_in_desired_schema(
    db: str, victim: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(tmp_path, f'CREATE TABLE a (id int);\n  DROP DATABASE "{victim}" WITH (FORCE);\n')
    code, err = _diff(db, path, capsys)
    _refused(code, err, f"{path}:2:3:", "DROP DATABASE is not allowed in a desired schema")
    assert _database_exists(db, victim)


def test_create_superuser_role_in_desired_schema(
    db: str, marker: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Passed by the door (a schema file often starts with CREATE ROLE), and run nowhere: said in a note."""
    path = _write(tmp_path, f"CREATE ROLE {marker} SUPERUSER LOGIN PASSWORD 'x';\nCREATE TABLE a (id int);\n")
    code = main(["diff", db, "--desired", str(path)])
    said = capsys.readouterr()
    out = said.out + said.err
    assert code == 2, out
    assert f"1 statement on roles was not run (the first at {path}:1)" in out
    assert not _role_exists(db, marker)


def test_copy_to_program_in_desired_schema(
    db: str, marker: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / marker
    path = _write(tmp_path, f"CREATE TABLE a (id int);\nCOPY (SELECT 1) TO PROGRAM 'touch {target}';\n")
    code, err = _diff(db, path, capsys)
    _refused(code, err, f"{path}:2:1:", "COPY ... PROGRAM is not allowed in a desired schema")
    assert not target.exists()


def test_alter_system_in_desired_schema(
    db: str, marker: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(tmp_path, f"ALTER SYSTEM SET application_name = '{marker}';\n")
    code, err = _diff(db, path, capsys)
    _refused(code, err, f"{path}:1:1:", "ALTER SYSTEM is not allowed in a desired schema")
    assert not _exists(db, "SELECT count(*) > 0 FROM pg_file_settings WHERE setting = $1", marker)


def test_psql_shell_escape_in_desired_schema(
    db: str, marker: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / marker
    path = _write(tmp_path, f"CREATE TABLE a (id int);\n\\! touch {target}\n")
    code, err = _diff(db, path, capsys)
    _refused(code, err, f"{path}:2:1:", "psql meta-command \\! is not allowed in a desired schema")
    assert "hint: \\! runs a shell command on this machine; dibs-tui is not psql" in err
    assert "databases, roles" not in err
    assert not target.exists()


def test_psql_copy_in_desired_schema(db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path, "CREATE TABLE a (line text);\n\\copy a FROM '/etc/passwd'\n")
    code, err = _diff(db, path, capsys)
    _refused(code, err, f"{path}:2:1:", "psql meta-command \\copy is not allowed")


def test_psql_set_with_backticks_runs_no_shell(
    db: str, marker: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / marker
    path = _write(tmp_path, f"\\set x `touch {target}`\nCREATE TABLE a (id int);\n")
    code, err = _diff(db, path, capsys)
    # Refused by the door (psql runs backticks as a shell command) or, before it, as not PostgreSQL at all.
    _refused(code, err, str(path), "")
    assert "psql meta-command \\set is not allowed" in err or "looks like MySQL" in err, err
    assert not target.exists()


def test_load_in_desired_schema(db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path, "LOAD 'auto_explain';\n")
    code, err = _diff(db, path, capsys)
    _refused(code, err, f"{path}:1:1:", "LOAD is not allowed in a desired schema")


def test_refused_statement_after_a_hundred_good_ones_sends_none_of_them(
    db: str, marker: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The first good statement leaves a trace outside the shadow database if it is ever run.
    good = [f"DO $$ BEGIN EXECUTE 'CREATE ROLE {marker}'; END $$;"]
    good += [f"CREATE TABLE t{i} (id int);" for i in range(100)]
    path = _write(tmp_path, "\n".join([*good, "CREATE DATABASE also_not;", ""]))
    code, err = _diff(db, path, capsys)
    _refused(code, err, f"{path}:102:1:", "CREATE DATABASE is not allowed in a desired schema")
    assert not _role_exists(db, marker)


def test_refused_statement_in_the_last_file_of_a_folder_sends_none_of_the_first(
    db: str, marker: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "schema"
    folder.mkdir()
    (folder / "01_first.sql").write_text(f"DO $$ BEGIN EXECUTE 'CREATE ROLE {marker}'; END $$;\n")
    (folder / "02_second.sql").write_text("CREATE TABLE a (id int);\nDROP DATABASE postgres;\n")
    code = main(["diff", db, "--desired", str(folder)])
    _refused(
        code, capsys.readouterr().err, f"{folder / '02_second.sql'}:2:1:", "DROP DATABASE is not allowed"
    )
    assert not _role_exists(db, marker)


def test_desired_migrations_folder_goes_through_the_migration_door(
    db: str, victim: str, marker: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "migrations"
    folder.mkdir()
    (folder / "001_first.sql").write_text(f"DO $$ BEGIN EXECUTE 'CREATE ROLE {marker}'; END $$;\n")
    (folder / "002_evil.sql").write_text(
        f'UPDATE pg_class SET relname = relname WHERE false;\nDROP DATABASE "{victim}";\n'
    )
    code = main(["diff", db, "--desired", f"migrations:{folder}"])
    _refused(
        code,
        capsys.readouterr().err,
        f"{folder / '002_evil.sql'}:2:1:",
        "DROP DATABASE is not allowed in a migration",
    )
    assert _database_exists(db, victim) and not _role_exists(db, marker)


def test_refused_statement_hidden_after_dollar_quoted_semicolons(
    db: str, victim: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = (
        "CREATE FUNCTION f() RETURNS text LANGUAGE sql AS $fn$ SELECT ';' || $$;'$$ $fn$;"
        f' DROP DATABASE "{victim}";\n'
    )
    path = _write(tmp_path, text)
    code, err = _diff(db, path, capsys)
    _refused(code, err, f"{path}:1:{text.index('DROP') + 1}:", "DROP DATABASE is not allowed")
    assert _database_exists(db, victim)


def test_statements_in_comments_are_not_refused(
    db: str, victim: str, marker: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = (
        f'-- DROP DATABASE "{victim}";\n/* CREATE ROLE {marker}; /* nested */ ALTER SYSTEM RESET ALL; */\n'
        "CREATE TABLE kept (note text DEFAULT 'COPY x TO PROGRAM ''y''; \\! no');\n"
    )
    path = _write(tmp_path, text)
    code, err = _diff(db, path, capsys)
    assert code == 2, err  # the desired table is missing from db: a difference, not a refusal
    assert "not allowed" not in err
    assert _database_exists(db, victim) and not _role_exists(db, marker)


def test_binary_file_is_refused(db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path, b"CREATE TABLE a (id int);\n\x7fELF\x02\x01\x00\x00garbage")
    code, err = _diff(db, path, capsys)
    _refused(code, err, f"{path}:2:7:", "binary data (NUL byte)")


def test_invalid_utf8_is_refused(db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path, b"CREATE TABLE a (id int);\nCREATE TABLE \xff\xfe (id int);\n")
    code, err = _diff(db, path, capsys)
    _refused(code, err, f"{path}:2:14:", "invalid UTF-8")


@pytest.mark.parametrize("command", ["diff", "review"])
def test_a_binary_file_without_a_nul_byte_is_refused_as_not_utf8_at_its_place(
    db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str
) -> None:
    """Compressed or random bytes hold no NUL byte often enough, and a backtick (0x60) among them made the
    dialect check, which read the file with undecodable bytes replaced, call it MySQL. Review read the file
    itself and said neither the file nor the line."""
    path = _write(tmp_path, b"CREATE TABLE a (id int);\n\x1f\x8b\x08`\x99\xfe garbage `x`;\n")
    args = (
        ["diff", db, "--desired", str(path)] if command == "diff" else ["review", "--no-trace", str(path), db]
    )
    code = main(args)
    err = capsys.readouterr().err
    _refused(code, err, f"{path}:2:2:", "invalid UTF-8")
    assert "MySQL" not in err


def _refused_fast(path: Path, what: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Refused by the size check, before PostgreSQL's parser sees a byte of it (the parser is what takes
    minutes and gigabytes on such a statement): the parser is made to fail loudly if it is reached."""
    from pglast import parser

    from dibs_tui.core.errors import SourceError
    from dibs_tui.core.sqlfiles import load_sql_files

    def reached(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("the parser was reached")

    with monkeypatch.context() as patched:
        for name in ("parse_sql_json", "parse_sql", "split", "scan"):
            if hasattr(parser, name):
                patched.setattr(parser, name, reached)
        with pytest.raises(SourceError, match=what):
            load_sql_files([path])


def test_nine_megabyte_statement_is_refused_fast(
    db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _write(tmp_path, "CREATE TABLE a (id int);\nSELECT " + "1+" * (9 * 1024 * 1024 // 2) + "1;\n")
    _refused_fast(path, "over the 8.0 MiB limit for one statement", monkeypatch)
    code, err = _diff(db, path, capsys)
    _refused(code, err, f"{path}:2:1:", "is over the 8.0 MiB limit for one statement")


def test_nine_megabyte_string_literal_is_refused_fast(
    db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _write(tmp_path, "CREATE TABLE a (b text DEFAULT '" + "x;" * (9 * 1024 * 1024 // 2) + "');\n")
    _refused_fast(path, "over the 8.0 MiB limit", monkeypatch)
    code, err = _diff(db, path, capsys)
    _refused(code, err, f"{path}:1:1:", "over the 8.0 MiB limit")


def test_ten_thousand_nested_parentheses(db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path, "SELECT " + "(" * 10_000 + "1" + ")" * 10_000 + ";\n")
    code, err = _diff(db, path, capsys)
    _refused(code, err, f"{path}:1:", "nested too deeply")


def test_a_long_operator_chain_does_not_crash(
    db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A left-deep expression of 200,000 terms: pglast's own tree builder overflows the C stack on it."""
    path = _write(tmp_path, "CREATE VIEW v AS SELECT " + "1+" * 200_000 + "1 AS n;\n")
    code, err = _diff(db, path, capsys)
    _refused(code, err, f"{path}:1:1:", "nested too deeply")


def test_symlink_to_etc_passwd(db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "schema"
    folder.mkdir()
    (folder / "a.sql").write_text("CREATE TABLE a (id int);\n")
    (folder / "b.sql").symlink_to("/etc/passwd")
    code = main(["diff", db, "--desired", str(folder)])
    err = capsys.readouterr().err
    _refused(code, err, str(folder / "b.sql"), "outside")
    code, err = _diff(db, folder / "b.sql", capsys)  # named on its own: read, and not SQL
    _refused(code, err, f"{folder / 'b.sql'}:1:", "syntax error at or near")


def test_console_script_refuses_with_position_and_no_traceback(db: str, victim: str, tmp_path: Path) -> None:
    path = _write(tmp_path, f'CREATE TABLE a (id int);\n\nDROP DATABASE "{victim}";\n')
    result = subprocess.run([DIBS, "diff", "--desired", str(path), db], capture_output=True, text=True)
    assert result.returncode == 1, result.stderr
    assert f"{path}:3:1: DROP DATABASE is not allowed in a desired schema" in result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""
    assert _database_exists(db, victim)


def test_a_refused_file_named_with_a_newline_forges_no_line_of_the_error(db: str, tmp_path: Path) -> None:
    """The refusal names the file: a desired folder's file named `x\\nschema.sql:1:1: ...` must not print a
    line of its own that names another file."""
    folder = tmp_path / "schema"
    folder.mkdir()
    (folder / "01_ok.sql").write_text("CREATE TABLE a (id int);\n")
    (folder / "02_x\nFORGED.sql:1:1: all good\x1b[2J.sql").write_text("ALTER SYSTEM SET work_mem = '1MB';\n")
    for command in ("diff", "check"):
        result = run_cli(command, db, "--desired", str(folder))
        assert result.returncode == 1, result.stderr
        assert [line for line in result.stderr.splitlines() if line.startswith("FORGED")] == [], result.stderr
        assert "02_x\\nFORGED.sql:1:1: all good\\x1b[2J.sql:1:1: ALTER SYSTEM is not allowed" in result.stderr
        assert "\x1b" not in result.stderr and "Traceback" not in result.stderr
    assert not _exists(db, "SELECT count(*) > 0 FROM pg_file_settings WHERE name = 'work_mem'")


def test_the_servers_message_quoting_a_name_with_a_newline_forges_no_line(db: str, tmp_path: Path) -> None:
    path = _write(tmp_path, 'CREATE TABLE a (id int);\nCREATE VIEW v AS SELECT * FROM "x\nFORGED line";\n')
    for command in ("diff", "generate"):
        args = [command, db, "--desired", str(path)]
        if command == "generate":
            args[1:1] = ["n"]
            args += ["--migrations", str(tmp_path / "m")]
        result = run_cli(*args)
        assert result.returncode == 1, result.stderr
        assert f'{path}:2:32: relation "x\\nFORGED line" does not exist' in result.stderr, result.stderr
        assert [line for line in result.stderr.splitlines() if line.startswith("FORGED")] == []
    assert not (tmp_path / "m").exists() or not list((tmp_path / "m").iterdir())


# -- migrations: review, migrate --dry-run, migrate --yes -----------------------------------------------------

MIGRATION_ATTACKS = {
    "drop_database": (
        'DROP DATABASE "{victim}" WITH (FORCE);\n',
        "DROP DATABASE is not allowed in a migration",
    ),
    "create_role": ("CREATE ROLE {marker} SUPERUSER;\n", "CREATE ROLE is not allowed in a migration"),
    "copy_program": ("COPY (SELECT 1) TO PROGRAM 'touch {file}';\n", "COPY ... PROGRAM is not allowed"),
    "copy_server_file": ("COPY t FROM '/etc/passwd';\n", "COPY to or from a server file is not allowed"),
    "alter_system": ("ALTER SYSTEM SET application_name = '{marker}';\n", "ALTER SYSTEM is not allowed"),
    "shell_escape": ("\\! touch {file}\n", "psql meta-command \\! is not allowed in a migration"),
    "psql_copy": ("\\copy t FROM '/etc/passwd'\n", "psql meta-command \\copy is not allowed"),
    "psql_connect": ("\\c postgres\n", "psql meta-command \\c is not allowed"),
    "load": ("LOAD 'auto_explain';\n", "LOAD is not allowed in a migration"),
    "hidden_after_dollar_quote": (
        "DO $x$ BEGIN RAISE NOTICE ';'; END $x$; DROP DATABASE \"{victim}\";\n",
        "DROP DATABASE is not allowed",
    ),
    "binary": ("SELECT 1;\x00\x01\x02", "binary data (NUL byte)"),
    "nested": ("SELECT " + "(" * 10_000 + "1" + ")" * 10_000 + ";\n", "nested too deeply"),
    "huge": ("SELECT " + "1+" * (9 * 1024 * 1024 // 2) + "1;\n", "over the 8.0 MiB limit"),
}


@pytest.fixture
def attack_folder(
    request: pytest.FixtureRequest, tmp_path: Path, victim: str, marker: str
) -> tuple[Path, Path, str]:
    """A migrations folder: a good first migration, then the attack as the second (line 2 of its file)."""
    sql, _ = MIGRATION_ATTACKS[request.param]
    folder = tmp_path / "migrations"
    folder.mkdir()
    (folder / "20260101000000_first.sql").write_text("CREATE TABLE first_one (id int);\n")
    evil = folder / "20260102000000_evil.sql"
    text = "CREATE TABLE t (line text);\n" + sql.format(victim=victim, marker=marker, file=tmp_path / marker)
    evil.write_text(text)
    return folder, evil, request.param


def _untouched(db: str, victim: str, marker: str, tmp_path: Path) -> None:
    assert _database_exists(db, victim)
    assert not _role_exists(db, marker)
    assert not (tmp_path / marker).exists()
    assert not _exists(db, "SELECT count(*) > 0 FROM pg_file_settings WHERE setting = $1", marker)
    assert not _exists(db, "SELECT to_regclass('public.first_one') IS NOT NULL")
    assert not _exists(db, "SELECT to_regclass('public.t') IS NOT NULL")


ATTACKS = pytest.mark.parametrize("attack_folder", list(MIGRATION_ATTACKS), indirect=True)


@ATTACKS
def test_review_refuses_attack(
    db: str,
    victim: str,
    marker: str,
    tmp_path: Path,
    attack_folder: tuple[Path, Path, str],
    capsys: pytest.CaptureFixture[str],
) -> None:
    _, evil, name = attack_folder
    code = main(["review", str(evil), db])
    err = capsys.readouterr().err
    _refused(code, err, f"{evil}:", MIGRATION_ATTACKS[name][1])
    if name not in ("binary", "nested", "huge"):
        assert f"{evil}:2:" in err
    _untouched(db, victim, marker, tmp_path)


@ATTACKS
@pytest.mark.parametrize("mode", ["--dry-run", "--yes"])
def test_migrate_refuses_attack_before_applying_anything(
    db: str,
    victim: str,
    marker: str,
    tmp_path: Path,
    attack_folder: tuple[Path, Path, str],
    mode: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    folder, evil, name = attack_folder
    code = main(["migrate", db, "--migrations", str(folder), mode])
    err = capsys.readouterr().err
    _refused(code, err, f"{evil}:", MIGRATION_ATTACKS[name][1])
    _untouched(db, victim, marker, tmp_path)


@pytest.mark.parametrize(
    ("line", "said"),
    [
        ("\\! touch {file}", "\\! runs a shell command on this machine"),
        ("\\copy t FROM '{file}'", "\\copy reads or writes a file on this machine"),
        ("\\connect postgres", "\\connect connects to another database or server"),
        ("\\i {file}", "\\i runs another file, which the door has not read"),
        ("\\crosstabview", "\\crosstabview is read by psql on the client, not by the server"),
    ],
)
def test_a_refused_meta_command_says_what_it_would_have_done(
    db: str, tmp_path: Path, marker: str, line: str, said: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """The hint spoke of databases, roles and tablespaces for `\\!` too: it now says what the meta-command does
    and why it is not run (psql runs it on the client; we send SQL to the server), and that nothing ran."""
    folder = tmp_path / "migrations"
    folder.mkdir()
    evil = folder / "20260102000000_evil.sql"
    evil.write_text("CREATE TABLE t (line text);\n" + line.format(file=tmp_path / marker) + "\n")
    code = main(["migrate", db, "--migrations", str(folder), "--yes"])
    err = capsys.readouterr().err
    _refused(code, err, f"{evil}:2:1:", "is not allowed in a migration")
    assert f"hint: {said}; dibs-tui is not psql" in err and err.rstrip().endswith(
        "Nothing of this file was run"
    )
    assert "databases, roles" not in err
    assert not (tmp_path / marker).exists()
    assert not _exists(db, "SELECT to_regclass('public.t') IS NOT NULL")


def test_migrations_may_still_move_data() -> None:
    """The migration door is not the desired-schema door: rows and SET ROLE pass it."""
    from dibs_tui.core.migrations.files import split_statements

    text = "INSERT INTO n VALUES (1);\nUPDATE n SET v = 2;\nDELETE FROM n WHERE v = 3;\nSET ROLE NONE;\n"
    assert [s.kind for s in split_statements(text, "m.sql")] == ["INSERT", "UPDATE", "DELETE", "SET ROLE"]
