"""`dibs-tui diff` and `check` end to end: formats, exit codes, renames, schema files named in the config."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import asyncpg
import pytest

from dibs_tui.cli import main
from dibs_tui.core.plan import DiffResult
from tests.diffcases.harness import apply_plan
from tests.pg import run_sql

LIVE = "CREATE TABLE customers (id int PRIMARY KEY, email text NOT NULL); CREATE TABLE t (a int);"
WANTED = "CREATE TABLE clients (id int PRIMARY KEY, email text NOT NULL); CREATE TABLE t (a bigint, b text);"


@pytest.fixture
def pair(new_database: Callable[[], str]) -> tuple[str, str]:
    live, wanted = new_database(), new_database()
    run_sql(live, LIVE)
    run_sql(wanted, WANTED)
    return live, wanted


def test_sql_format_prints_only_the_plan_and_exits_2(
    pair: tuple[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    live, wanted = pair
    assert main(["diff", live, "--desired", wanted, "--format", "sql"]) == 2
    out = capsys.readouterr().out
    assert main(["diff", live, "--desired", wanted, "--format", "json"]) == 2
    assert out == "".join(s["sql"] + "\n" for s in json.loads(capsys.readouterr().out)["plan"])
    assert "ALTER TABLE public.t ALTER COLUMN a TYPE bigint;" in out
    assert "DROP TABLE public.customers;" in out


def test_the_sql_format_plans_the_same_without_the_rename_suggestions_it_does_not_show(
    pair: tuple[str, str],
) -> None:
    """`diff --format sql` prints the plan alone: the suggestions (the planner's last step, on the diff's
    serial tail) are not made for it, and the plan is the one made with them."""
    from dibs_tui.core.connect import resolve
    from dibs_tui.core.diff import diff_database

    live, wanted = pair

    def diffed(suggest: bool) -> DiffResult:
        return asyncio.run(diff_database(resolve(live), [wanted], suggest_renames=suggest))

    shown, unshown = diffed(True), diffed(False)
    assert [r.accept_arg for r in shown.renames] == [("public.customers", "public.clients")]
    assert unshown.renames == ()
    assert unshown.sql() == shown.sql() and unshown.changes == shown.changes


def test_text_groups_by_table_with_marks_and_suggests_renames(
    pair: tuple[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    live, wanted = pair
    assert main(["diff", live, "--desired", wanted]) == 2
    out = capsys.readouterr().out
    assert "public.t\n  ~ column a: type integer -> bigint" in out
    assert "  + column b" in out
    assert "  - table customers" in out and "[destructive]" in out
    assert "--accept-rename public.customers=public.clients" in out


def test_accepted_rename_is_applied_and_then_in_sync(
    pair: tuple[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    live, wanted = pair
    assert (
        main(["diff", live, "--desired", wanted, "--format", "json", "--accept-rename", "customers=clients"])
        == 2
    )
    result = json.loads(capsys.readouterr().out)
    assert result["plan"][0]["sql"] == "ALTER TABLE public.customers RENAME TO clients;"
    assert not any(s["destructive"] for s in result["plan"])
    assert any(
        {"kind": "table", "schema": "public", "name": "t", "sub": ""} in s["touches"] for s in result["plan"]
    )
    import asyncio

    from dibs_tui.core.plan import ChangeKind, PlannedStatement

    asyncio.run(apply_plan(live, [PlannedStatement(s["sql"], ChangeKind.ALTER, ()) for s in result["plan"]]))
    assert main(["diff", live, "--desired", wanted, "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["in_sync"] is True


def test_check_gates_on_drift(pair: tuple[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    live, wanted = pair
    assert main(["check", live, "--desired", wanted]) == 1
    out = capsys.readouterr().out
    assert "drift:" in out
    # The table drop and add that are one rename: the gate names it and how to plan it, as diff does
    assert "possible renames (plan them with `dibs-tui diff` or `generate` --accept-rename OLD=NEW):" in out
    assert "--accept-rename public.customers=public.clients" in out
    assert main(["check", wanted, "--desired", wanted]) == 0
    assert "in sync" in capsys.readouterr().out


def test_schema_filter_limits_the_diff(
    new_database: Callable[[], str], capsys: pytest.CaptureFixture[str]
) -> None:
    live, wanted = new_database(), new_database()
    run_sql(live, "CREATE SCHEMA app; CREATE TABLE app.t (a int); CREATE TABLE public.x (a int);")
    run_sql(wanted, "CREATE SCHEMA app; CREATE TABLE app.t (a int);")
    assert main(["diff", live, "--desired", wanted, "--schema", "app"]) == 0
    assert main(["diff", live, "--desired", wanted]) == 2


def test_unreachable_desired_is_one_error_line(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["diff", db, "--desired", "postgresql://nobody@127.0.0.1:1/nothing"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("dibs-tui: error:") and "Traceback" not in err


def test_desired_files_from_config(
    db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "schema.sql").write_text("CREATE TABLE t (id int);\n")
    (tmp_path / "dibs-tui.toml").write_text('schema = ["schema.sql"]\n')
    monkeypatch.chdir(tmp_path)
    assert main(["diff", db, "--format", "sql"]) == 2
    assert capsys.readouterr().out == "CREATE TABLE public.t (\n    id integer\n);\n"


def test_console_script_writes_the_whole_plan_then_exits_at_once(
    pair: tuple[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    """The installed `dibs-tui` ends without tearing its catalogs down: same output, same exit status."""
    live, wanted = pair
    assert main(["diff", live, "--desired", wanted, "--format", "sql"]) == 2
    expected = capsys.readouterr().out
    script = str(Path(sys.executable).parent / "dibs-tui")
    done = subprocess.run(
        [script, "diff", live, "--desired", wanted, "--format", "sql"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert (done.returncode, done.stdout, done.stderr) == (2, expected, "")
    done = subprocess.run(
        [script, "check", wanted, "--desired", wanted], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0 and done.stdout.startswith("in sync")


def test_the_sessions_of_both_sides_end_without_being_waited_for(pair: tuple[str, str]) -> None:
    """Each side's sessions send their Terminate once read and the diff goes on without waiting for the
    backends' teardown: they end on their own, none is left behind."""
    live, wanted = pair
    assert main(["diff", live, "--desired", wanted, "--format", "sql"]) == 2

    async def sessions_left() -> int:
        names = []
        for dsn in (live, wanted):
            conn = await asyncpg.connect(dsn)
            names.append(await conn.fetchval("SELECT current_database()"))
            await conn.close()
        watcher = await asyncpg.connect(live)
        try:
            for _ in range(200):  # 10 s at most
                left: int = await watcher.fetchval(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = ANY($1) AND pid <> pg_backend_pid()",
                    names,
                )
                if not left:
                    break
                await asyncio.sleep(0.05)
            return left
        finally:
            await watcher.close()

    assert asyncio.run(sessions_left()) == 0


@pytest.mark.parametrize("command", ["diff", "check", "generate"])
def test_a_desired_folder_without_sql_files_is_refused_not_taken_for_an_empty_schema(
    db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str
) -> None:
    """A mistyped or not yet filled folder was read as an empty desired schema: the plan dropped every table
    of the live database (generate wrote it as a migration). It is refused, and nothing is written."""
    run_sql(db, "CREATE TABLE keep (id int PRIMARY KEY)")
    empty = tmp_path / "schema"
    (empty / "notes").mkdir(parents=True)
    (empty / "README.md").write_text("the schema goes here\n")
    migrations = tmp_path / "migrations"
    args = [command, *(["x", db, "--migrations", str(migrations)] if command == "generate" else [db])]
    code = main([*args, "--desired", str(empty)])
    out, err = capsys.readouterr()
    assert code == 1, out + err
    assert f"the desired schema folder {empty} holds no .sql file" in err
    assert "DROP TABLE" not in out and not migrations.exists()


@pytest.mark.parametrize(
    ("rename", "said"),
    [
        ("users=memberz", "no table public.memberz in the desired schema"),
        ("nosuch=members", "no table public.nosuch in the live database"),
        ("users.email=users.mail", "no column mail on public.users in the desired schema"),
        ("users.nosuch=users.email", "no column public.users.nosuch in the live database"),
    ],
)
def test_an_accepted_rename_that_names_nothing_is_refused(
    db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], rename: str, said: str
) -> None:
    """A typo in --accept-rename was taken as it came: `users=memberz` renamed users and then dropped it,
    `nosuch=members` was ignored, `users.nosuch=users.email` planned a RENAME COLUMN that fails."""
    run_sql(db, "CREATE TABLE users (id int PRIMARY KEY, email text); INSERT INTO users VALUES (1, 'a@b')")
    desired = tmp_path / "schema.sql"
    desired.write_text("CREATE TABLE members (id int PRIMARY KEY, email text);\n")
    code = main(["diff", db, "--desired", str(desired), "--accept-rename", rename, "--format", "sql"])
    out, err = capsys.readouterr()
    assert code == 1, out + err
    assert said in err and "RENAME" not in out
    code = main(
        ["diff", db, "--desired", str(desired), "--accept-rename", "users=members", "--format", "sql"]
    )
    assert code == 2 and "ALTER TABLE public.users RENAME TO members;" in capsys.readouterr().out


def test_an_accepted_rename_onto_a_live_name_is_refused(
    db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`users=members` while a live members table stays where it is: the plan's first statement would fail
    (the renames run before the rest), so it is refused, saying which name is taken; accepting both renames
    (the tables trade names) plans them through a passing name. A column renamed onto a live one likewise."""
    run_sql(
        db, "CREATE TABLE users (id int PRIMARY KEY, email text); CREATE TABLE members (id int PRIMARY KEY)"
    )
    desired = tmp_path / "schema.sql"
    desired.write_text(
        "CREATE TABLE members (id int PRIMARY KEY, email text);\nCREATE TABLE users (id int PRIMARY KEY);\n"
    )
    code = main(
        ["diff", db, "--desired", str(desired), "--accept-rename", "users=members", "--format", "sql"]
    )
    out, err = capsys.readouterr()
    assert code == 1, out + err
    assert "public.members is the name of a live table" in err and "Traceback" not in err
    assert "RENAME" not in out
    args = ["--accept-rename", "users=members", "--accept-rename", "members=users"]
    code = main(["diff", db, "--desired", str(desired), *args, "--format", "sql"])
    out = capsys.readouterr().out
    assert code == 2, out
    assert "ALTER TABLE public.members RENAME TO members__dibs_swap;" in out
    assert "ALTER TABLE public.users RENAME TO members;" in out
    # a column the same: refused onto a live column that stays
    desired.write_text(
        "CREATE TABLE users (id int PRIMARY KEY, email text);\nCREATE TABLE members (id int);\n"
    )
    code = main(["diff", db, "--desired", str(desired), "--accept-rename", "users.email=users.id"])
    out, err = capsys.readouterr()
    assert code == 1 and "public.users has a live column id that no accepted rename moves away" in err, err


def test_a_valid_constraint_desired_not_valid_is_kept_and_said_and_check_passes(
    new_database: Callable[[], str], capsys: pytest.CaptureFixture[str]
) -> None:
    """Valid here, NOT VALID in the desired schema: nothing to do (a valid constraint holds all NOT VALID
    promises), so diff and check are in sync, and each says so in a note rather than nothing."""
    live, wanted = new_database(), new_database()
    run_sql(live, "CREATE TABLE t (id int, n int NOT NULL, CONSTRAINT t_id_check CHECK (id > 0));")
    run_sql(
        wanted,
        "CREATE TABLE t (id int, n int);"
        " ALTER TABLE t ADD CONSTRAINT t_id_check CHECK (id > 0) NOT VALID;"
        " ALTER TABLE t ADD CONSTRAINT t_n_not_null NOT NULL n NOT VALID;",
    )
    assert main(["check", live, "--desired", wanted]) == 0
    out = capsys.readouterr().out
    assert (
        "note: " in out and "public.t.t_id_check: valid, NOT VALID in the desired schema: kept valid" in out
    )
    assert "public.t.n: valid, NOT VALID in the desired schema: kept valid" in out
    assert out.rstrip().splitlines()[-1].startswith("in sync")
    assert main(["diff", live, "--desired", wanted]) == 0
    assert "public.t.t_id_check: valid, NOT VALID" in capsys.readouterr().out
    assert main(["diff", live, "--desired", wanted, "--format", "json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["in_sync"] is True and result["plan"] == []
    assert sorted(c["object"]["sub"] for c in result["changes"] if c["kept"]) == ["n", "t_id_check"]


def test_an_object_altered_whole_says_what_of_its_definition_changed(
    new_database: Callable[[], str], capsys: pytest.CaptureFixture[str]
) -> None:
    """A foreign key whose ON DELETE changes, a CHECK whose bound changes: the text said only `~ foreign key
    c_p_fkey`; now the words of the definition that differ (a long one from a little before the difference),
    and a column's default what it was and what it becomes."""
    live, wanted = new_database(), new_database()
    base = (
        "CREATE TABLE p (id int PRIMARY KEY);"
        "CREATE TABLE c (id int PRIMARY KEY, p int CONSTRAINT c_p_fkey REFERENCES p ON DELETE {action},"
        " n int CONSTRAINT c_n_check CHECK (n {op} 0), q text DEFAULT {default});"
    )
    run_sql(live, base.format(action="CASCADE", op=">", default="'a'"))
    run_sql(wanted, base.format(action="SET NULL", op=">=", default="'b'"))
    assert main(["diff", live, "--desired", wanted]) == 2
    out = capsys.readouterr().out
    assert "  ~ foreign key c_p_fkey: ON DELETE CASCADE -> ON DELETE SET NULL\n" in out, out
    assert "  ~ check c_n_check: CHECK ((n > 0)) -> CHECK ((n >= 0))\n" in out, out
    assert "  ~ column q: default 'a'::text -> 'b'::text\n" in out, out


def test_one_change_of_one_statement_is_said_in_the_singular(
    new_database: Callable[[], str], capsys: pytest.CaptureFixture[str]
) -> None:
    """`diff` of one changed column setting ended `1 changes, 1 statements (0 destructive)` (the Diff tab said
    `1 change, 1 statement`)."""
    live, wanted = new_database(), new_database()
    run_sql(live, "CREATE TABLE t (a text)")
    run_sql(wanted, "CREATE TABLE t (a text); ALTER TABLE t ALTER COLUMN a SET STATISTICS 500")
    assert main(["diff", live, "--desired", wanted]) == 2
    assert "\n1 change, 1 statement (0 destructive), " in capsys.readouterr().out


def test_a_long_view_change_cut_on_both_sides_ends_each_with_one_ellipsis(
    new_database: Callable[[], str], capsys: pytest.CaptureFixture[str]
) -> None:
    """pagila's views over a column retyped read `… || lower… … -> … || upper(…) … …`: the side cut at its
    length, then the common end said again."""
    live, wanted = new_database(), new_database()
    columns = ", ".join(f"c{i}" for i in range(30))
    table = f"CREATE TABLE t ({', '.join(f'c{i} text' for i in range(30))});"
    # different at both ends of the columns: all of them between, the FROM after them the same
    run_sql(live, table + f"CREATE VIEW v AS SELECT lower(c0) AS first, {columns}, 1 AS last FROM t;")
    run_sql(wanted, table + f"CREATE VIEW v AS SELECT upper(c0) AS first, {columns}, 2 AS last FROM t;")
    assert main(["diff", live, "--desired", wanted]) == 2
    line = next(line for line in capsys.readouterr().out.splitlines() if line.startswith("  ~ view v"))
    assert "… …" not in line and line.count("…") == 2, line


def test_a_publication_the_plan_makes_for_a_server_without_logical_wal_is_said_once(
    db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """PostgreSQL warns at CREATE PUBLICATION when wal_level is not logical: the sandbox's warning is none of
    the user's business (never shown); the live server's is, said as a note of the diff (and `check`)."""
    run_sql(db, "CREATE TABLE t (id int PRIMARY KEY)")
    schema = tmp_path / "schema.sql"
    schema.write_text("CREATE TABLE t (id int PRIMARY KEY);\nCREATE PUBLICATION pub FOR TABLE t;\n")
    for command in (["diff"], ["check"]):
        assert main([*command, db, "--desired", str(schema)]) in (1, 2)
        out = capsys.readouterr().out
        assert out.count("server's wal_level") == 1 and "WARNING" not in out, out
        assert "note: the live server's wal_level is replica: a publication is made, but publishes" in out, (
            out
        )
    schema.write_text("CREATE TABLE t (id int PRIMARY KEY);\n")
    run_sql(db, "CREATE PUBLICATION pub FOR TABLE t")
    assert main(["diff", db, "--desired", str(schema)]) == 2  # a DROP: nothing to say
    assert "wal_level" not in capsys.readouterr().out


def test_a_publication_publishing_generated_columns_differs_from_one_that_does_not(
    db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """publish_generated_columns is written only where stored (PostgreSQL 18's default, none, is what a
    publication read on 15 to 17 has): the setting is still compared."""
    run_sql(db, "CREATE TABLE t (id int PRIMARY KEY);\nCREATE PUBLICATION pub FOR TABLE t;")
    schema = tmp_path / "schema.sql"
    schema.write_text(
        "CREATE TABLE t (id int PRIMARY KEY);\n"
        "CREATE PUBLICATION pub FOR TABLE t WITH (publish_generated_columns = stored);\n"
    )
    assert main(["diff", db, "--desired", str(schema), "--format", "sql"]) == 2
    out = capsys.readouterr().out
    assert "DROP PUBLICATION pub;" in out and "publish_generated_columns = stored);" in out, out
    schema.write_text("CREATE TABLE t (id int PRIMARY KEY);\nCREATE PUBLICATION pub FOR TABLE t;\n")
    assert main(["diff", db, "--desired", str(schema)]) == 0, capsys.readouterr().out
