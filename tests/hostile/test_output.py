"""Hostile text in a database, a file or a connection string, through every CLI command's output.

Names, comments, enum labels, defaults, index names, meta rows, migration files and server messages carry
OSC 52 (set the clipboard), OSC 8 (links), ESC[2J, CSI, a C1 CSI (U+009B), BEL, backspace, carriage return
and bidi overrides. What must hold: no raw ESC, C1, BEL, backspace, CR or bidi control reaches stdout or
stderr; what was printed still names the object (escaped, not dropped); SQL we emit carries them only as
E'\\x1b' or U&"\\001B" escapes, and reads back to the same value on the real server.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import asyncpg
import pytest

from dibs_tui.core.sql import quote_ident, quote_literal
from tests.pg import run_sql

OSC52 = "\x1b]52;c;SGVsbG8=\x07"
OSC8 = "\x1b]8;;https://evil.example\x1b\\click\x1b]8;;\x1b\\"
CLEAR = "\x1b[2J"
CSI = "\x1b[31m"
C1_CSI = "\x9b2J"
# Long text (comments, labels, defaults, file contents) and a name that fits in 63 bytes.
NASTY = f"n{OSC52}{OSC8}{CLEAR}{CSI}{C1_CSI}\x07\x08\r\u202eevil"
NAME = f"t\x1b]52;c;QQ==\x07{CLEAR}\x9b2J\x07\x08\r\u202ex"
# Raw bytes that must never reach a terminal (UTF-8): C0 but \t \n, DEL, C1 (C2 80-9F), bidi controls.
RAW = re.compile(rb"[\x00-\x08\x0b-\x1f\x7f]|\xc2[\x80-\x9f]|\xe2\x80[\x8e\x8f\xa8-\xae]|\xe2\x81[\xa6-\xa9]")


def assert_terminal_safe(data: bytes, where: str) -> None:
    found = RAW.search(data)
    assert found is None, (
        f"{where}: raw {found.group()!r} at byte {found.start()}: {data[max(0, found.start() - 60) : found.start() + 20]!r}"
    )


@pytest.mark.parametrize(
    "value",
    [
        NAME,
        NASTY,
        "a\x1b]52;c;QUFB\x07b",
        "x\x9b2J\u202ey",
        "back\\slash\x08'q",
        "tab\tnl\ncr\r",
        "\u2066iso\u2069",
        "zw\u200cnj\u200dzwj\u200b\u061c\u00ad",  # format characters: invisible, escaped too
        "tag\U000e0041 \U0001f600\ufe0f \u2764\ufe0f a\ufe0f",  # beyond the BMP; selectors kept or escaped
    ],
)
async def test_emitted_sql_escapes_control_characters_and_reads_back_the_same(db: str, value: str) -> None:
    literal, ident = quote_literal(value), quote_ident(value)
    assert_terminal_safe(literal.encode(), "literal")
    assert_terminal_safe(ident.encode(), "identifier")
    conn = await asyncpg.connect(db)
    try:
        assert await conn.fetchval(f"SELECT {literal}") == value
        name = value[:40]
        ident = quote_ident(name)
        await conn.execute(f"CREATE TABLE {ident} ({quote_ident(name + 'c')} int)")
        await conn.execute(f"COMMENT ON TABLE {ident} IS {literal}")
        row = await conn.fetchrow(
            "SELECT c.relname, obj_description(c.oid, 'pg_class') AS doc, a.attname FROM pg_class c "
            "JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = 1 WHERE c.relname = $1",
            name,
        )
    finally:
        await conn.close()
    assert row is not None and (row["relname"], row["doc"], row["attname"]) == (name, value, name + "c")


# --- the CLI on a hostile database --------------------------------------------------------------------------

DIBS = str(Path(sys.executable).parent / "dibs-tui")
TABLE = NAME
COLUMN = "c\x1b[2Jol\u202e"
INDEX = "i\x9b2J\x07dx"
ENUM = "mood\x1b]8;;x\x07"
LABEL = f"la{OSC52}bel"


def hostile_schema() -> str:
    t, c, q = quote_ident(TABLE), quote_ident(COLUMN), quote_literal(NASTY)
    body = " SELECT '" + NASTY.replace("'", "''") + "'::text "  # the stored body holds the characters raw
    return f"""
CREATE TYPE {quote_ident(ENUM)} AS ENUM ('ok', {quote_literal(LABEL)});
CREATE TABLE {t} (
    id int PRIMARY KEY,
    {c} text DEFAULT {q} CHECK ({c} <> {quote_literal(OSC52)}),
    m {quote_ident(ENUM)} DEFAULT {quote_literal(LABEL)}
);
CREATE INDEX {quote_ident(INDEX)} ON {t} (lower({c})) WHERE {c} <> {quote_literal(CLEAR)};
COMMENT ON TABLE {t} IS {q};
COMMENT ON COLUMN {t}.{c} IS {q};
CREATE VIEW {quote_ident("v" + TABLE[:50])} AS SELECT {q}::text AS x;
CREATE FUNCTION {quote_ident("f" + TABLE[:50])}() RETURNS text LANGUAGE sql AS {quote_literal(body)};
"""


def cli(
    *args: str, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[bytes]:
    """The console script, as a terminal would get its bytes."""
    import os

    full_env = {**os.environ, **(env or {})}
    full_env.pop("DATABASE_URL", None)
    result = subprocess.run(
        [DIBS, *args], capture_output=True, check=False, env=full_env, timeout=180, cwd=cwd
    )
    assert_terminal_safe(result.stdout, f"stdout of {args[0]}")
    assert_terminal_safe(result.stderr, f"stderr of {args[0]}")
    assert b"Traceback" not in result.stderr and b"internal error" not in result.stderr, result.stderr
    return result


@pytest.fixture
def hostile_db(db: str) -> str:
    run_sql(db, hostile_schema())
    return db


def test_schema_plain_escapes_names_comments_labels_defaults_and_index_names(hostile_db: str) -> None:
    out = cli("schema", hostile_db, "--plain").stdout.decode()
    for shown in (
        "t\\x1b]52;c;QQ==\\x07",
        "c\\x1b[2Jol\\u202e",
        "i\\x9b2J\\x07dx",
        "la\\x1b]52;c;SGVsbG8=\\x07bel",
    ):
        assert shown in out, shown


def test_a_newline_in_a_name_cannot_forge_a_line_of_schema_or_diff_output(db: str, tmp_path: Path) -> None:
    forged = 'a\nTable "public.fake"\n id | integer'
    run_sql(db, f"CREATE TABLE {quote_ident(forged)} ({quote_ident('x' + chr(10) + 'y')} int)")
    out = cli("schema", db, "--plain").stdout.decode()
    assert 'Table "public.a\\nTable "public.fake"\\n id | integer"' in out, out
    assert '\nTable "public.fake"' not in out and " x\\ny " in out
    desired = tmp_path / "empty.sql"
    desired.write_text("")
    text = cli("diff", db, "--desired", str(desired)).stdout.decode()
    assert "public.a\\nTable" in text and '\nTable "public.fake"' not in text


FORGED = "\nFORGED line"


def _no_forged_line(output: bytes, where: str) -> None:
    lines = output.decode().splitlines()
    forged = [line for line in lines if line.lstrip().startswith("FORGED")]
    assert not forged, f"{where}: a name's newline started a line: {forged}"


def test_a_newline_in_any_name_cannot_forge_a_line_of_any_command(db: str, tmp_path: Path) -> None:
    """Every kind a text output names (domains, functions, schemas, enums, partition and inheritance
    parents, constraints, indexes, columns) with a newline in its name: no command prints a line that
    begins with what follows it."""

    def n(kind: str) -> str:
        return quote_ident(kind + FORGED)

    run_sql(
        db,
        f"""
CREATE SCHEMA {n("s")};
CREATE DOMAIN {n("d")} AS int CHECK (VALUE > 0);
CREATE TYPE {n("e")} AS ENUM ('a', {quote_literal("b" + FORGED)});
CREATE FUNCTION {n("f")}() RETURNS int LANGUAGE sql AS 'SELECT 1';
CREATE TABLE {n("p")} (id int PRIMARY KEY, {n("c")} int CONSTRAINT {n("k")} CHECK ({n("c")} > 0))
    PARTITION BY RANGE (id);
CREATE TABLE {n("part")} PARTITION OF {n("p")} FOR VALUES FROM (0) TO (10);
CREATE TABLE {n("parent")} (id int);
CREATE TABLE {n("child")} (x int) INHERITS ({n("parent")});
CREATE TABLE {n("r")} (id int PRIMARY KEY, p int CONSTRAINT {n("fk")} REFERENCES {n("p")});
CREATE INDEX {n("i")} ON {n("r")} (p);
CREATE TABLE {n("s")}.t (id int);
""",
    )
    for args in (
        ("schema", db, "--plain"),
        ("lint", db, "--fail-on", "error"),
        ("uses", f"public.{'p' + FORGED}", db),
        ("path", f"public.{'r' + FORGED}", f"public.{'p' + FORGED}", db),
        ("export", db, "--format", "markdown"),
        ("export", db, "--format", "mermaid"),
        ("export", db, "--format", "dot"),
        ("history", f"public.{'r' + FORGED}", db),
    ):
        result = cli(*args)
        _no_forged_line(result.stdout + result.stderr, args[0])
    desired = tmp_path / "empty.sql"
    desired.write_text("")
    for command in ("diff", "check"):
        result = cli(command, db, "--desired", str(desired))
        _no_forged_line(result.stdout + result.stderr, command)


def test_schema_sql_is_escaped_and_loads_back_into_an_equal_schema(hostile_db: str, new_database) -> None:
    ddl = cli("schema", hostile_db, "--sql").stdout.decode()
    assert "E'n\\x1b]52;c;SGVsbG8=\\x07" in ddl and 'U&"t\\001B]52' in ddl
    copy = new_database()
    run_sql(copy, ddl)
    again = cli("schema", copy, "--sql").stdout.decode()
    assert again == ddl


def test_schema_json_escapes_c1_and_bidi_and_keeps_the_values(hostile_db: str) -> None:
    import json

    raw = cli("schema", hostile_db, "--json").stdout
    assert b"\\u001b" in raw and b"\\u009b" in raw and b"\\u202e" in raw
    model = json.loads(raw)
    names = {r["name"] for r in model["relations"]}
    assert TABLE in names


def _desired(tmp_path: Path) -> Path:
    path = tmp_path / f"schema{OSC52}.sql"
    path.write_text(
        hostile_schema() + f"/* a comment {NASTY} */\nCREATE TABLE extra (id int);\n", encoding="utf-8"
    )
    return path


@pytest.mark.parametrize("fmt", ["text", "sql", "json"])
def test_diff_output_is_escaped(db: str, tmp_path: Path, fmt: str) -> None:
    result = cli("diff", db, "--desired", str(_desired(tmp_path)), "--format", fmt)
    assert result.returncode == 2, result.stderr
    out = result.stdout.decode()
    assert ("t\\x1b]52" in out) if fmt == "text" else ('U&\\"t\\\\001B]52' in out or 'U&"t\\001B]52' in out)


def test_check_output_is_escaped(db: str, tmp_path: Path) -> None:
    result = cli("check", db, "--desired", str(_desired(tmp_path)))
    assert result.returncode == 1 and b"t\\x1b]52" in result.stdout


def test_generated_migration_has_no_raw_control_and_applies(db: str, tmp_path: Path) -> None:
    folder = tmp_path / "migrations"
    result = cli("generate", "hostile", db, "--desired", str(_desired(tmp_path)), "--migrations", str(folder))
    assert result.returncode == 0, result.stderr
    (written,) = folder.glob("*.sql")
    sql = written.read_bytes()
    assert_terminal_safe(sql, "generated migration")
    run_sql(db, sql.decode())
    assert cli("check", db, "--desired", str(_desired(tmp_path))).returncode == 0


def _hostile_migrations(tmp_path: Path) -> Path:
    folder = tmp_path / "migrations"
    folder.mkdir()
    t = quote_ident(TABLE)
    (folder / f"20260101000000_first{CLEAR}.sql").write_text(
        f"/* {NASTY} */\nCREATE TABLE {t} (id int);\nCOMMENT ON TABLE {t} IS {quote_literal(NASTY)};\n"
    )
    (folder / f"20260102000000_second{OSC52}.sql").write_text(
        f"ALTER TABLE {t} ADD COLUMN {quote_ident(COLUMN)} int NOT NULL DEFAULT 1;\nDROP TABLE {t};\n"
    )
    return folder


def test_status_escapes_migration_file_names(db: str, tmp_path: Path) -> None:
    folder = _hostile_migrations(tmp_path)
    result = cli("status", db, "--migrations", str(folder))
    assert b"first\\x1b[2J" in result.stdout and b"second\\x1b]52" in result.stdout


def test_review_escapes_statements_and_hazards(db: str, tmp_path: Path) -> None:
    folder = _hostile_migrations(tmp_path)
    run_sql(db, f"CREATE TABLE {quote_ident(TABLE)} (id int)")
    for fmt in ("text", "json"):
        result = cli("review", str(sorted(folder.glob("*.sql"))[1]), db, "--format", fmt)
        assert result.returncode == 0, result.stderr
        assert re.search(rb"(?i)1b\]52", result.stdout), result.stdout


def test_migrate_dry_run_and_apply_are_escaped(db: str, tmp_path: Path) -> None:
    folder = _hostile_migrations(tmp_path)
    dry = cli("migrate", db, "--migrations", str(folder), "--dry-run")
    assert b"first\\x1b[2J" in dry.stdout
    applied = cli("migrate", db, "--migrations", str(folder), "--yes")
    assert applied.returncode == 0, applied.stderr
    assert b"second\\x1b]52" in applied.stdout


def test_a_server_error_quoting_a_hostile_name_is_escaped(db: str, tmp_path: Path) -> None:
    folder = tmp_path / "migrations"
    folder.mkdir()
    (folder / "20260101000000_broken.sql").write_text(f"SELECT * FROM {quote_ident(TABLE)};\n")
    result = cli("migrate", db, "--migrations", str(folder), "--yes", "--no-prove")  # the apply's report
    assert result.returncode == 1
    assert b"t\\x1b]52;c;QQ==\\x07" in result.stderr  # the server's "relation ... does not exist", escaped


def test_meta_rows_file_paths_and_docs_are_escaped(hostile_db: str) -> None:
    from dibs_tui.core.meta import meta_tables_ddl

    run_sql(hostile_db, meta_tables_ddl())
    run_sql(
        hostile_db,
        "INSERT INTO __dibs_tables (table_name, source_file, source_line, doc_comment) VALUES "
        f"({quote_literal('public.' + TABLE)}, {quote_literal('db/' + OSC8 + '.sql')}, 3, {quote_literal(NASTY)}), "
        f"({quote_literal('gone' + CLEAR)}, {quote_literal(OSC52)}, 1, NULL)",
    )
    out = cli("schema", hostile_db, "--plain").stdout
    assert b"gone\\x1b[2J" in out


def test_init_error_quoting_a_hostile_file_and_token_is_escaped(db: str, tmp_path: Path) -> None:
    broken = tmp_path / f"schema{OSC52}.sql"
    broken.write_text(f"CREATE TABLE ok (id int);\nCREATE TABLE {CLEAR}x (id int);\n")
    result = cli("init", db, "--schema", str(broken), "--yes")
    assert result.returncode == 1
    assert b"schema\\x1b]52;c;SGVsbG8=\\x07.sql:2" in result.stderr, result.stderr


# --- on a terminal ------------------------------------------------------------------------------------------


def on_a_terminal(
    *args: str, env: dict[str, str] | None = None, seconds: float = 60
) -> tuple[int | None, bytes]:
    """Run the console script with stdout and stderr on a pseudo-terminal and stdin on /dev/null."""
    import os
    import pty
    import select
    import time

    master, slave = pty.openpty()
    full_env = {**os.environ, "TERM": "xterm-256color", **(env or {})}
    full_env.pop("DATABASE_URL", None)
    process = subprocess.Popen(
        [DIBS, *args], stdin=subprocess.DEVNULL, stdout=slave, stderr=slave, env=full_env, close_fds=True
    )
    os.close(slave)
    output = b""
    deadline = time.monotonic() + seconds
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.2)
            if ready:
                try:
                    chunk = os.read(master, 65536)
                except OSError:  # the other side closed
                    break
                if not chunk:
                    break
                output += chunk
            elif process.poll() is not None:
                break
        try:
            code: int | None = process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            code = None
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        os.close(master)
    return code, output


def test_the_browser_with_stdin_redirected_exits_with_one_line_instead_of_hanging(db: str) -> None:
    code, output = on_a_terminal(db, seconds=30)
    assert code == 2, output
    assert b"standard input is not a terminal" in output
    assert b"\x1b" not in output  # nothing was drawn


def test_schema_sql_is_coloured_on_a_terminal_unless_no_color(hostile_db: str) -> None:
    code, coloured = on_a_terminal("schema", hostile_db, "--sql")
    assert code == 0 and b"\x1b[" in coloured  # Pygments' colours
    assert (
        b"\x1b]" not in coloured and b"\x07" not in coloured and b"\xc2\x9b" not in coloured
    )  # not the data's
    assert b"\\x1b]52" in coloured
    code, plain = on_a_terminal("schema", hostile_db, "--sql", env={"NO_COLOR": "1"})
    assert code == 0
    assert_terminal_safe(plain.replace(b"\r\n", b"\n"), "schema --sql with NO_COLOR")  # the tty adds \r
    assert b"\\x1b]52" in plain


# --- errors a user can cause: one line each, never "internal error" ------------------------------------------


def test_a_migration_that_is_not_utf8_is_named_not_a_traceback(db: str, tmp_path: Path) -> None:
    folder = tmp_path / "migrations"
    folder.mkdir()
    (folder / "20260101000000_latin1.sql").write_bytes("SELECT 'caf\xe9';\n".encode("latin-1"))
    for args in (
        ["status", db, "--migrations", str(folder)],
        ["migrate", db, "--migrations", str(folder), "--yes"],
    ):
        result = cli(*args)  # no traceback, no "internal error"
        said = result.stdout + result.stderr
        assert b"UTF-8" in said, said


def test_a_migrations_folder_that_cannot_be_written_is_one_line(db: str, tmp_path: Path) -> None:
    import os

    if os.geteuid() == 0:
        folder = Path("/proc/self/no-such-dir")  # even root cannot create this one
    else:
        folder = tmp_path / "locked"
        folder.mkdir(mode=0o500)
    desired = tmp_path / "schema.sql"
    desired.write_text("CREATE TABLE t (id int);\n")
    result = cli("generate", "x", db, "--desired", str(desired), "--migrations", str(folder / "sub"))
    assert result.returncode == 1
    assert result.stderr.startswith(b"dibs-tui: error: ") and str(folder).encode() in result.stderr, (
        result.stderr
    )


def test_a_connect_timeout_that_is_not_a_number_is_one_line(db: str) -> None:
    result = cli("status", f"{db}?connect_timeout=abc")
    assert result.returncode == 1
    assert b"connect_timeout must be a whole number of seconds" in result.stderr


def test_a_permission_the_server_refuses_is_one_line_in_its_words(db: str) -> None:
    from dibs_tui.core.connect import resolve

    url = resolve(db, {})
    role = f"nopriv_{url.database}"
    run_sql(db, f"CREATE ROLE {quote_ident(role)} LOGIN")
    try:
        result = cli("init", f"postgresql://{role}@{url.host}:{url.port}/{url.database}", "--yes")
        assert result.returncode == 1
        assert result.stderr.startswith(b"dibs-tui: error: ") and b"permission denied" in result.stderr
        assert result.stderr.count(b"\n") <= 2, result.stderr
    finally:
        run_sql(db, f"DROP ROLE {quote_ident(role)}")


@pytest.mark.parametrize("command", ["diff", "check"])
def test_a_broken_desired_file_is_one_line_and_nothing_else(db: str, tmp_path: Path, command: str) -> None:
    broken = tmp_path / "bad.sql"
    broken.write_text("CREATE TABLE ok (id int);\nCREATE TABLE (oops;\n")
    result = cli(command, db, "--desired", str(broken))
    assert result.returncode == 1
    assert result.stderr == f'dibs-tui: error: {broken}:2:14: syntax error at or near "("\n'.encode(), (
        result.stderr
    )
