"""`dibs-tui schema` end to end: the CLI against a real database, in each output format."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from dibs_tui.cli import main
from dibs_tui.core.meta import meta_tables_ddl
from tests.pg import psql_file, run_sql

SCHEMA = """
CREATE SCHEMA app;
CREATE TYPE app.mood AS ENUM ('happy', 'sad');
CREATE TABLE app."Users" (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email text NOT NULL UNIQUE,
    mood app.mood DEFAULT 'happy'
);
COMMENT ON TABLE app."Users" IS 'People who sign in';
CREATE TABLE public.notes (id serial PRIMARY KEY, user_id bigint REFERENCES app."Users"(id), body text);
CREATE INDEX notes_body_idx ON public.notes (lower(body)) WHERE body IS NOT NULL;
CREATE SCHEMA other;
CREATE TABLE other.hidden (x int);
"""


def _schema(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["schema", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_plain_reads_like_psql_describe(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    run_sql(db, SCHEMA)
    code, out, _ = _schema(capsys, db, "--plain")
    assert code == 0
    assert 'Table "app.Users"' in out and "People who sign in" in out
    assert "generated always as identity" in out
    assert '"notes_body_idx" btree (lower(body)) WHERE (body IS NOT NULL)' in out
    assert "notes_user_id_fkey" in out and 'REFERENCES app."Users"(id)' in out
    assert 'Enum "app.mood": happy, sad' in out


def test_plain_says_what_references_a_table_as_psql_describe_does(
    db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """psql's \\d lists `Referenced by:` under a table; --plain said only the keys going out, so what points
    at app.Users (whose rows a DELETE there would have to check) was not in the output at all."""
    run_sql(db, SCHEMA)
    _, out, _ = _schema(capsys, db, "--plain")
    users = out[out.index('Table "app.Users"') :].split("\n\n", 1)[0]
    assert users.splitlines()[-2:] == [
        "Referenced by:",
        '    TABLE "public.notes" CONSTRAINT "notes_user_id_fkey" FOREIGN KEY (user_id) REFERENCES app."Users"(id)',
    ], users
    notes = out[out.index('Table "public.notes"') :].split("\n\n", 1)[0]
    assert "Referenced by:" not in notes


def test_plain_says_temporal_keys_and_not_enforced_constraints_as_psql_describe_does(
    db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """PostgreSQL 18: a key WITHOUT OVERLAPS read as a plain GiST index (`PRIMARY KEY, gist (id, at)`), and a
    NOT ENFORCED constraint as `NOT ENFORCED NOT VALID`; psql's \\d writes the key's definition and no NOT
    VALID for a constraint never checked."""
    run_sql(
        db,
        """
        CREATE EXTENSION btree_gist;
        CREATE TABLE slot (id int, at daterange, n int, PRIMARY KEY (id, at WITHOUT OVERLAPS),
            CONSTRAINT n_pos CHECK (n > 0) NOT ENFORCED);
        ALTER TABLE slot ADD CONSTRAINT n_small CHECK (n < 9) NOT VALID;
        """,
    )
    _, out, _ = _schema(capsys, db, "--plain")
    slot = out[out.index('Table "public.slot"') :].split("\n\n", 1)[0]
    assert '    "slot_pkey" PRIMARY KEY (id, at WITHOUT OVERLAPS)' in slot.splitlines(), slot
    assert '    "n_pos" CHECK ((n > 0)) NOT ENFORCED' in slot.splitlines(), slot
    assert '    "n_small" CHECK ((n < 9)) NOT VALID' in slot.splitlines(), slot


def test_plain_says_row_level_security_as_psql_describe_does(
    db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """A table with row-level security on and no policy (Supabase's storage.objects: rows hidden from every
    role but its owner) had nothing about it in --plain, and policies not applied (security off) read as
    policies in force. psql's \\d words each case."""
    run_sql(
        db,
        """
        CREATE TABLE objects (id int);
        ALTER TABLE objects ENABLE ROW LEVEL SECURITY;
        CREATE TABLE vault (id int);
        ALTER TABLE vault ENABLE ROW LEVEL SECURITY;
        ALTER TABLE vault FORCE ROW LEVEL SECURITY;
        CREATE TABLE notes (id int, owner name);
        CREATE POLICY own ON notes USING (owner = current_user);
        CREATE TABLE posts (id int);
        ALTER TABLE posts ENABLE ROW LEVEL SECURITY;
        CREATE POLICY readable ON posts FOR SELECT USING (true);
        CREATE TABLE plain (id int);
        """,
    )
    _, out, _ = _schema(capsys, db, "--plain")

    def block(table: str) -> list[str]:
        return out[out.index(f'Table "public.{table}"') :].split("\n\n", 1)[0].splitlines()

    assert "Policies (row security enabled): (none)" in block("objects")
    assert "Policies (forced row security enabled): (none)" in block("vault")
    assert block("notes")[-2:] == ["Policies (row security disabled):", '    "own" ALL'], block("notes")
    assert block("posts")[-2:] == ["Policies:", '    "readable" SELECT'], block("posts")
    assert not any(line.startswith("Policies") for line in block("plain"))


def test_schema_filter_applies(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    run_sql(db, SCHEMA)
    _, everything, _ = _schema(capsys, db)
    _, only_app, _ = _schema(capsys, db, "--schema", "app")
    assert "other.hidden" in everything
    assert "other.hidden" not in only_app and "public.notes" not in only_app and "app.Users" in only_app


def test_a_schema_filter_naming_no_schema_is_refused_not_an_empty_pass(
    db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`check --schema pubic` said `in sync` and exited 0, `lint` and `schema` found nothing: a CI gate
    passed on nothing for a typo. A filter naming a schema neither side has is refused, with the name."""
    run_sql(db, SCHEMA)
    desired = tmp_path / "schema.sql"
    desired.write_text("CREATE SCHEMA app; CREATE TABLE app.t (id int);\n")
    for args in (
        ["schema", db],
        ["lint", db],
        ["export", db, "--format", "dot"],
        ["check", db, "--desired", str(desired)],
        ["diff", db, "--desired", str(desired)],
    ):
        code = main([*args, "--schema", "app", "--schema", "App"])
        out, err = capsys.readouterr()
        assert code == 1 and out == "", (args, out)
        assert err.startswith("dibs-tui: error: no schema named App in "), (args, err)
        assert "Traceback" not in err and err.count("\n") == 2, err  # the error and its hint
    code = main(["check", db, "--desired", str(desired), "--schema", "app"])  # the same, spelled right
    assert code == 1 and "in sync" not in capsys.readouterr().out  # app."Users", notes: drift


def test_json_has_the_model_with_provenance_stale_and_untracked(
    db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    run_sql(db, SCHEMA)
    run_sql(db, meta_tables_ddl())
    run_sql(
        db,
        """
        INSERT INTO __dibs_tables (table_name, source_file, source_line, doc_comment)
        VALUES ('notes', 'db/schema.sql', 12, 'Free-form notes'), ('gone', 'db/schema.sql', 40, NULL);
        INSERT INTO __dibs_columns (table_name, column_name, source_file, source_line)
        VALUES ('notes', 'body', 'db/schema.sql', 14);
    """,
    )
    code, out, _ = _schema(capsys, db, "--json")
    assert code == 0
    doc = json.loads(out)
    relations = {(r["schema"], r["name"]): r for r in doc["relations"]}
    assert ("public", "__dibs_tables") not in relations  # the meta tables are not part of the schema
    notes = relations[("public", "notes")]
    assert notes["provenance"]["source"] == {"file": "db/schema.sql", "line": 12, "column": None}
    assert notes["provenance"]["doc"] == "Free-form notes"
    assert notes["meta_status"] == "tracked"
    body = next(c for c in notes["columns"] if c["name"] == "body")
    assert body["provenance"]["source"]["line"] == 14
    users = relations[("app", "Users")]
    assert users["columns"][0]["identity"] == "always"
    assert users["constraints"][0]["kind"] in ("primary key", "unique")
    assert {
        "kind": "table",
        "table": "gone",
        "name": "gone",
        "provenance": notes["provenance"]
        | {"source": {"file": "db/schema.sql", "line": 40, "column": None}, "doc": None},
    } in doc["meta"]["stale"]
    untracked = {(u["kind"], u["name"], u["sub"]) for u in doc["meta"]["untracked"]}
    assert ("column", "notes", "id") in untracked and ("table", "Users", "") in untracked
    assert ("column", "notes", "body") not in untracked
    assert doc["enums"] == [{"schema": "app", "name": "mood", "labels": ["happy", "sad"], "comment": None}]


def test_connection_error_is_one_line_without_password(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    bad = db.replace("postgres@", "postgres:s3cret@").rsplit("/", 1)[0] + "/no_such_database"
    code, out, err = _schema(capsys, bad, "--json")
    assert code == 1 and out == ""
    assert err.count("\n") == 1 and "no_such_database" in err and "s3cret" not in err


def test_permission_error_is_one_line(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    run_sql(db, SCHEMA)
    run_sql(
        db,
        "DROP ROLE IF EXISTS dibs_nobody; CREATE ROLE dibs_nobody LOGIN; "
        "REVOKE ALL ON FUNCTION pg_catalog.pg_get_functiondef(oid) FROM PUBLIC",
    )
    try:
        code, _, err = _schema(capsys, db.replace("postgres@", "dibs_nobody@"), "--json")
    finally:
        run_sql(
            db,
            "GRANT EXECUTE ON FUNCTION pg_catalog.pg_get_functiondef(oid) TO PUBLIC; DROP ROLE dibs_nobody",
        )
    assert code == 1
    assert err.startswith("dibs-tui: error: cannot read the schema of") and err.count("\n") == 1


def test_schema_command_does_not_import_textual(db: str) -> None:
    """Start-up time is part of every `schema` run: the UI toolkit must stay out of it."""
    probe = (
        "import sys, dibs_tui.cli as c; c.main(['schema', sys.argv[1], '--json']); "
        "print('textual' in sys.modules, file=sys.stderr)"
    )
    result = subprocess.run([sys.executable, "-c", probe, db], capture_output=True, text=True, check=True)
    assert result.stderr.strip() == "False"


def test_sql_is_plain_when_piped_and_loads_into_an_empty_database(
    new_database: Callable[[], str], capsys: pytest.CaptureFixture[str]
) -> None:
    source, target = new_database(), new_database()
    run_sql(source, SCHEMA)
    code, out, _ = _schema(capsys, source, "--sql")
    assert code == 0 and "\x1b[" not in out
    assert 'CREATE TABLE app."Users" (' in out
    psql_file(target, "schema --sql", text=out)
    code, copy, _ = _schema(capsys, target, "--plain")
    _, original, _ = _schema(capsys, source, "--plain")
    assert copy.splitlines()[1:] == original.splitlines()[1:]  # all but the database name


def test_a_reader_that_goes_away_ends_the_run_quietly(db: str) -> None:
    """`dibs-tui schema --json | head -c 100`: no error message, the exit status of a SIGPIPE (141)."""
    run_sql(
        db,
        "DO $$ BEGIN FOR i IN 1..300 LOOP "
        "EXECUTE format('CREATE TABLE t%s (id int PRIMARY KEY, note text DEFAULT %L)', i, 'x'); "
        "END LOOP; END $$",
    )
    script = str(Path(sys.executable).parent / "dibs-tui")
    proc = subprocess.Popen([script, "schema", db, "--json"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    assert proc.stdout.read(100).startswith(b'{"database"')
    proc.stdout.close()
    assert proc.wait(timeout=60) == 141
    assert proc.stderr.read() == b""


async def test_the_browser_says_a_schema_filter_that_names_no_schema(db: str) -> None:
    """`dibs-tui open --schema pubic` listed no table and said nothing of why."""
    from dibs_tui.ui.screens.error import ErrorScreen
    from tests.pg import execute
    from tests.ui_pilot import make_app, wait_for

    await execute(db, SCHEMA)
    app = make_app(db, include_schemas=("pubic",))
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, ErrorScreen))
        assert isinstance(app.screen, ErrorScreen)
        assert "no schema named pubic in " in app.screen.message, app.screen.message
