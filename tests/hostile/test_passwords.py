"""A password never appears in anything we print: for passwords holding / @ : ? # % space ' " \\, given as a
URL, key=value, a service file, PGPASSWORD or a password file, through every command that names its target,
its errors (wrong password, unknown host, missing database) and the browser's header. Each password ends in
SECRET<n>: no output may hold that word, so a half-printed password fails too."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest

from dibs_tui.cli import main
from dibs_tui.config import Settings
from dibs_tui.core.connect import resolve
from dibs_tui.core.embedded import EmbeddedServer
from dibs_tui.core.sql import quote_ident, quote_literal
from tests.pg import execute, run_sql

PASSWORDS = ["p/@:?#% '\"\\SECRET1", "Xy/zSECRET2", "Ab@cdSECRET3", "sp ace'SECRET4\\"]
WRONG = "wr/@:?#% '\"\\SECRETW"
FORMS = ["url", "keyvalue", "service", "PGPASSWORD", "passfile"]


def _kv(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _pgpass(value: str) -> str:
    return value.replace("\\", "\\\\").replace(":", "\\:")


@pytest.fixture
def role(pg_server: EmbeddedServer, db: str) -> Iterator[str]:
    """A role that must give its password (the embedded server trusts loopback otherwise)."""
    name = f"pw_{os.getpid()}_{abs(hash(db)) % 10_000}"
    hba = pg_server.data / "pg_hba.conf"
    original = hba.read_text()
    hba.write_text(f"host all {name} 127.0.0.1/32 scram-sha-256\n" + original)
    run_sql(db, f"CREATE ROLE {quote_ident(name)} LOGIN; SELECT pg_reload_conf()")
    try:
        yield name
    finally:
        hba.write_text(original)
        run_sql(
            db, f"SELECT pg_reload_conf(); DROP OWNED BY {quote_ident(name)}; DROP ROLE {quote_ident(name)}"
        )


def _set_password(db: str, role: str, password: str) -> None:
    run_sql(db, f"ALTER ROLE {quote_ident(role)} PASSWORD {quote_literal(password)}")


def given(
    form: str,
    password: str,
    role: str,
    port: int,
    database: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    host: str = "127.0.0.1",
) -> str:
    """The DSN argument for `form`; the environment is set for the forms that need it."""
    for variable in (
        "DATABASE_URL",
        "PGPASSWORD",
        "PGPASSFILE",
        "PGSERVICEFILE",
        "PGSERVICE",
        "PGSYSCONFDIR",
    ):
        monkeypatch.delenv(variable, raising=False)
    if form == "url":
        return f"postgresql://{quote(role)}:{quote(password, safe='')}@{host}:{port}/{quote(database)}"
    if form == "keyvalue":
        return f"host={host} port={port} user={role} dbname={database} password={_kv(password)}"
    if form == "service":
        services = tmp_path / "services.conf"
        services.write_text(
            f"[target]\nhost={host}\nport={port}\nuser={role}\ndbname={database}\npassword={password}\n"
        )
        monkeypatch.setenv("PGSERVICEFILE", str(services))
        return "service=target"
    if form == "PGPASSWORD":
        monkeypatch.setenv("PGPASSWORD", password)
        return f"host={host} port={port} user={role} dbname={database}"
    passfile = tmp_path / "pgpass"
    passfile.write_text(f"*:*:*:{role}:{_pgpass(password)}\n")
    passfile.chmod(stat.S_IRUSR | stat.S_IWUSR)
    monkeypatch.setenv("PGPASSFILE", str(passfile))
    return f"postgresql://{role}@{host}:{port}/{database}"


def run(capfd: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(list(args))
    out, err = capfd.readouterr()
    return code, out + err


def assert_no_secret(output: str, password: str) -> None:
    for secret in (password, quote(password, safe=""), "SECRET"):
        assert secret not in output, f"{secret!r} in {output!r}"


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("password", PASSWORDS)
def test_commands_that_name_their_target_never_show_the_password(
    pg_server: EmbeddedServer,
    db: str,
    role: str,
    form: str,
    password: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
) -> None:
    _set_password(db, role, password)
    database = resolve(db, {}).database
    dsn = given(form, password, role, pg_server.port, database, tmp_path, monkeypatch)
    folder = tmp_path / "migrations"
    folder.mkdir()
    code, output = run(capfd, "status", dsn, "--migrations", str(folder))
    assert code == 0 and f"{role}@127.0.0.1:{pg_server.port}/{database}" in output, output
    assert_no_secret(output, password)
    code, output = run(capfd, "migrate", dsn, "--migrations", str(folder), "--dry-run")
    assert code == 0 and "nothing to apply" in output, output
    assert_no_secret(output, password)
    code, output = run(capfd, "schema", dsn, "--plain")
    assert code == 0, output
    assert_no_secret(output, password)


@pytest.mark.parametrize("form", FORMS)
def test_connection_errors_never_show_the_password(
    pg_server: EmbeddedServer,
    db: str,
    role: str,
    form: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
) -> None:
    _set_password(db, role, PASSWORDS[0])
    database = resolve(db, {}).database
    folder = tmp_path / "migrations"
    folder.mkdir()
    cases = [
        ("password authentication failed", WRONG, database, "127.0.0.1"),
        ("does not exist", PASSWORDS[0], "no_such_database", "127.0.0.1"),
        ("unknown host", WRONG, database, "no-such-host.invalid"),
    ]
    for expected, password, dbname, host in cases:
        dsn = given(form, password, role, pg_server.port, dbname, tmp_path, monkeypatch, host=host)
        for command in (
            ["status", dsn, "--migrations", str(folder)],
            ["schema", dsn],
            ["init", dsn, "--yes"],
        ):
            code, output = run(capfd, *command)
            assert code == 1 and expected in output, (command[0], output)
            assert output.count("\n") == 1, output  # one line
            assert_no_secret(output, password)


def test_a_bad_url_or_string_is_one_line_without_the_password(capfd: pytest.CaptureFixture[str]) -> None:
    for dsn in (
        "postgresql://u:Ab@cdSECRET@h/db",
        "postgresql://u:Xy/zSECRET@h/db",
        "postgresql://u:a%zzSECRET@h/db",
        "host=h password=two SECRET words",
        "host=h password='SECRET",
        "host=h connect_timeout=abc password=SECRET",
    ):
        code, output = run(capfd, "status", dsn)
        assert code == 1 and output.startswith("dibs-tui: error: "), output
        assert "SECRET" not in output and "internal error" not in output, output


async def test_the_browser_header_never_shows_the_password(
    pg_server: EmbeddedServer, db: str, role: str, tmp_path: Path
) -> None:
    from dibs_tui.ui.app import DibsApp

    password = PASSWORDS[0]
    await execute(db, f"ALTER ROLE {quote_ident(role)} PASSWORD {quote_literal(password)}")
    database = resolve(db, {}).database
    dsn = f"postgresql://{role}:{quote(password, safe='')}@127.0.0.1:{pg_server.port}/{database}"
    app = DibsApp(resolve(dsn), Settings(project_root=tmp_path))
    async with app.run_test(size=(140, 40)) as pilot:
        for _ in range(100):
            await pilot.pause(0.05)
            if app.catalog is not None:
                break
        assert app.catalog is not None
        screen = app.export_screenshot()
    assert f"{role}@127.0.0.1:{pg_server.port}/{database}" in screen
    assert_no_secret(screen + app.title + app.sub_title, password)


@pytest.mark.parametrize("right", [True, False], ids=["connects", "wrong-password"])
def test_diff_and_check_never_show_the_password(
    pg_server: EmbeddedServer,
    db: str,
    role: str,
    right: bool,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
) -> None:
    password = PASSWORDS[0]
    _set_password(db, role, password)
    run_sql(db, f"GRANT CREATE ON DATABASE {quote_ident(resolve(db, {}).database)} TO {quote_ident(role)}")
    database = resolve(db, {}).database
    dsn = given("url", password if right else WRONG, role, pg_server.port, database, tmp_path, monkeypatch)
    desired = tmp_path / "schema.sql"
    desired.write_text("CREATE TABLE wanted (id int);\n")
    for command in ("diff", "check"):
        code, output = run(capfd, command, dsn, "--desired", str(desired))
        assert code == ((2 if command == "diff" else 1) if right else 1), output
        assert ("wanted" in output) if right else ("password authentication failed" in output), output
        assert_no_secret(output, password if right else WRONG)


@pytest.mark.parametrize("right", [True, False])
def test_a_dsn_given_first_is_taken_as_the_dsn_and_never_echoed(
    capfd: pytest.CaptureFixture[str],
    pg_server: EmbeddedServer,
    db: str,
    role: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    right: bool,
) -> None:
    """`uses DSN OBJECT` and `path DSN FROM TO`, the order every other command takes: the DSN is read as the
    DSN; with a wrong password the refusal is said, the password never."""
    password = "Ab@cd/SECRET'x"
    _set_password(db, role, password)
    run_sql(db, "CREATE TABLE a (id int PRIMARY KEY); CREATE TABLE b (a_id int REFERENCES a)")
    run_sql(db, f"GRANT USAGE ON SCHEMA public TO {quote_ident(role)}")
    database = resolve(db, {}).database
    for form in ("url", "keyvalue"):
        dsn = given(form, password if right else WRONG, role, pg_server.port, database, tmp_path, monkeypatch)
        code, output = run(capfd, "uses", dsn, "public.a.id")
        assert code == (0 if right else 1), output
        assert ("public.b" in output) if right else ("password authentication failed" in output), output
        code, output = run(capfd, "path", dsn, "public.b", "public.a")
        assert code == (0 if right else 1), output
        assert ("JOIN public.a" in output) if right else ("password authentication failed" in output), output
        assert_no_secret(output, password if right else WRONG)


def test_a_dsn_among_the_objects_is_said_without_its_password(capfd: pytest.CaptureFixture[str]) -> None:
    """A connection string between the objects (`path FROM DSN TO`), or the only argument where an object is
    wanted: no reading is sure, so the message says where the DSN goes, and never echoes it."""
    for argv in (
        ["path", "a", "postgresql://u:SECRET@h/db", "b"],
        ["uses", "postgresql://u:Ab@cdSECRET@h/db"],
        ["path", "host=h password=SECRET dbname=d", "a", "host=h2 password=SECRET dbname=e"],
    ):
        code, output = run(capfd, *argv)
        assert code == 1 and "looks like a connection string: the DSN comes last" in output, output
        assert "SECRET" not in output and "internal error" not in output, output


def test_a_password_on_the_command_line_leaves_the_process_arguments(tmp_path: Path) -> None:
    import socket
    import subprocess
    import sys
    import time

    dibs = str(Path(sys.executable).parent / "dibs-tui")
    with socket.socket() as silent:  # accepts, never answers: the command waits for its timeout
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        port = silent.getsockname()[1]
        dsn = f"postgresql://alice:{quote(PASSWORDS[0], safe='')}@127.0.0.1:{port}/app?connect_timeout=4"
        env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
        process = subprocess.Popen(
            [dibs, "status", dsn], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env
        )
        try:
            seen = b""
            for _ in range(40):
                time.sleep(0.1)
                seen = Path(f"/proc/{process.pid}/cmdline").read_bytes()
                if b"dibs_tui.cli" in seen:
                    break
            out, err = process.communicate(timeout=30)
        finally:
            if process.poll() is None:
                process.kill()
    assert b"dibs_tui.cli" in seen and b"status" in seen, seen
    assert b"SECRET" not in seen and b"alice" not in seen, seen
    # The command still had the whole string: it waited for that host, port and database.
    assert b"cannot connect to PostgreSQL at 127.0.0.1:%d (database 'app', user 'alice')" % port in err, err
    assert b"no answer within 4 s" in err and b"SECRET" not in out + err


def test_arguments_without_a_password_are_left_alone() -> None:
    from dibs_tui.commands.secret_args import hide, restore

    plain = [
        "schema",
        "postgresql://u@h/db",
        "--desired",
        "db/schema.sql",
        "host=h dbname=x",
        "mydb",
        "a@b.sql",
    ]
    assert hide(plain) == (plain, {})
    typed = [
        "diff",
        "host=h password=x",
        "--desired=postgresql://u:p@h/d",
        "postgresql://u:Ab@cd@h/db",
        "u:pw@h/db",
    ]
    shown, carried = hide(typed)
    assert len(carried) == 4 and not any("password" in a or ":p@" in a or "Ab@" in a for a in shown)
    env = dict(carried)
    assert restore(shown, env) == typed and env == {}


def test_a_dsn_given_where_a_file_or_name_goes_is_echoed_without_its_password(
    capfd: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """`review DSN` (the file forgotten), `--migrations DSN`, `--output DSN`, `--migration DSN`: the message
    about the file or name echoed the connection string whole, password and all (a path shows `//` as `/`)."""
    url, keyvalue = "postgresql://u:Ab@cdSECRET@127.0.0.1:1/db", "host=127.0.0.1 password=SECRET dbname=d"
    for argv in (
        ["review", url],
        ["review", keyvalue],
        ["status", "--migrations", url, "postgresql://u@127.0.0.1:1/db"],
        ["init", "--schema", url, "--yes", "postgresql://u@127.0.0.1:1/db"],
        ["export", "--format", "dot", "--output", url, "postgresql://u@127.0.0.1:1/db"],
        ["history", "--migration", url, "postgresql://u@127.0.0.1:1/db"],
    ):
        code, output = run(capfd, *argv)
        assert code == 1 and "error:" in output, output
        assert "SECRET" not in output and "internal error" not in output, output


def test_a_usage_error_never_echoes_the_password(capfd: pytest.CaptureFixture[str]) -> None:
    """argparse quotes what it did not expect ('unrecognized arguments: ...', 'invalid choice: ...'): a
    connection string among them is shown masked."""
    for args in (
        ["schema", "extra", "postgresql://u:Sup3rSECRET@h/db"],
        ["generate", "x", "y", "--desired", "schema.sql", "postgresql://u:Sup3rSECRET@h/db"],
        ["diff", "--format", "postgresql://u:Sup3rSECRET@h/db"],
        ["schema", "extra", "host=h password=SECRET"],
        ["schema", "extra", "host=h password='it''s SECRET'"],
    ):
        with pytest.raises(SystemExit) as exit_:
            main(args)
        assert exit_.value.code == 2
        err = capfd.readouterr().err
        assert "SECRET" not in err, err
        assert "error:" in err


@pytest.mark.parametrize("form", ["url", "keyvalue"])
def test_review_migrate_generate_and_lint_never_show_the_password(
    pg_server: EmbeddedServer,
    db: str,
    role: str,
    form: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
) -> None:
    """The lines the last features added: the review's trace notes and the server's DETAIL, the proof's clone,
    a certain failure migrate refuses, generate's preflight, lint and health; and the files written (the
    review record, the generated migration)."""
    password = PASSWORDS[0]
    _set_password(db, role, password)
    database = resolve(db, {}).database
    r = quote_ident(role)
    run_sql(
        db,
        f"GRANT CREATE ON DATABASE {quote_ident(database)} TO {r}; GRANT CREATE ON SCHEMA public TO {r};"
        "CREATE TABLE t (id int PRIMARY KEY, n int); INSERT INTO t VALUES (1, NULL);"
        f"CREATE VIEW v AS SELECT n FROM t; ALTER TABLE t OWNER TO {r}; ALTER VIEW v OWNER TO {r};",
    )
    dsn = given(form, password, role, pg_server.port, database, tmp_path, monkeypatch)
    folder = tmp_path / "migrations"
    folder.mkdir()
    (folder / "20260101000000_retype.sql").write_text("ALTER TABLE t ALTER COLUMN n TYPE bigint;\n")
    (folder / "20260101000001_not_null.sql").write_text("ALTER TABLE t ALTER COLUMN n SET NOT NULL;\n")
    desired = tmp_path / "schema.sql"
    desired.write_text(
        "CREATE TABLE t (id int PRIMARY KEY, n int NOT NULL);\nCREATE VIEW v AS SELECT n FROM t;\n"
    )
    said: dict[str, str] = {}
    for args in (
        ("review", str(folder / "20260101000000_retype.sql"), dsn),
        ("review", str(folder / "20260101000001_not_null.sql"), dsn, "--format", "json"),
        ("migrate", dsn, "--migrations", str(folder), "--dry-run"),
        ("migrate", dsn, "--migrations", str(folder), "--yes"),
        ("generate", "tighten", dsn, "--desired", str(desired), "--migrations", str(tmp_path / "generated")),
        ("lint", dsn),
        ("status", dsn, "--migrations", str(folder)),
    ):
        _, output = run(capfd, *args)
        assert "Traceback" not in output and "internal error" not in output, output
        assert_no_secret(output, password)
        said[" ".join(args[:2]) if args[0] == "migrate" else args[0]] = said.get(args[0], "") + output
    # Each line these features add was said: the server's DETAIL, the certain failure, the proof refusing.
    assert 'the server\'s detail: rule _RETURN on view v depends on column "n"' in said["review"], said
    assert "fails-on-existing-data" in said["review"]
    assert "the proof failed" in said[f"migrate {dsn}"], said
    assert len(list((tmp_path / "generated").glob("*.sql"))) == 1
    for written in [*folder.iterdir(), *(tmp_path / "generated").iterdir()]:
        assert_no_secret(written.read_text(encoding="utf-8", errors="replace"), password)
    assert [p.suffix for p in folder.iterdir()].count(".fingerprint") >= 1  # the review records were written


def test_a_desired_database_s_password_is_never_shown_by_the_proof(
    pg_server: EmbeddedServer, db: str, role: str, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    """migrate --desired postgresql://u:secret@... proved the migration and said "proved: the result matches"
    with the whole connection string, password included (found planning real schemas into each other)."""
    password = PASSWORDS[1]
    _set_password(db, role, password)
    other = f"desired_{abs(hash(db)) % 10_000}"
    run_sql(pg_server.dsn(), f'DROP DATABASE IF EXISTS "{other}"')
    run_sql(pg_server.dsn(), f'CREATE DATABASE "{other}"')
    try:
        run_sql(pg_server.dsn(other), "CREATE TABLE t (id int PRIMARY KEY, name text);")
        run_sql(db, "CREATE TABLE t (id int PRIMARY KEY);")
        folder = tmp_path / "migrations"
        folder.mkdir()
        (folder / "20260101000000_name.sql").write_text("ALTER TABLE t ADD COLUMN name text;\n")
        desired = f"postgresql://{quote(role)}:{quote(password, safe='')}@127.0.0.1:{pg_server.port}/{other}"
        code, output = run(capfd, "migrate", db, "--migrations", str(folder), "--yes", "--desired", desired)
        assert code == 0, output
        assert f"proved: the result matches postgresql://{role}@127.0.0.1:{pg_server.port}/{other}" in output
        assert_no_secret(output, password)
    finally:
        run_sql(pg_server.dsn(), f'DROP DATABASE IF EXISTS "{other}" WITH (FORCE)')
