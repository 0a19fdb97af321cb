"""The command line as a user meets it: help for every command, the default command, errors without tracebacks."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

import pytest

from dibs_tui.cli_arguments import COMMANDS, build_parser, normalise
from tests.pg import fetch, run_sql

DIBS = str(Path(sys.executable).parent / "dibs-tui")


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([DIBS, *args], capture_output=True, text=True, check=False, env=env, timeout=120)


def test_help_lists_every_command() -> None:
    result = run("--help")
    assert result.returncode == 0
    for command in COMMANDS:
        assert f"    {command} " in result.stdout, command


@pytest.mark.parametrize("command", COMMANDS)
def test_each_command_has_its_own_help(command: str) -> None:
    result = run(command, "--help")
    assert result.returncode == 0
    assert f"usage: dibs-tui {command}" in result.stdout


def test_a_dsn_alone_means_open() -> None:
    assert normalise(["postgresql://h/db"]) == ["open", "postgresql://h/db"]
    assert normalise([]) == ["open"]
    assert normalise(["--project-root", "x", "postgresql://h/db"]) == [
        "--project-root",
        "x",
        "open",
        "postgresql://h/db",
    ]
    assert normalise(["schema", "--json"]) == ["schema", "--json"]
    args = build_parser().parse_args(normalise(["postgresql://h/db"]))
    assert (args.command, args.dsn) == ("open", "postgresql://h/db")


def test_version() -> None:
    result = run("--version")
    assert result.returncode == 0 and result.stdout.startswith("dibs-tui ")


def test_unknown_command_option_is_a_usage_error() -> None:
    result = run("schema", "--no-such-flag")
    assert result.returncode == 2
    assert "unrecognized arguments: --no-such-flag" in result.stderr


def test_global_project_root_value_is_not_taken_for_a_command() -> None:
    assert normalise(["--project-root", "/p", "init", "postgresql://h/db"]) == [
        "--project-root",
        "/p",
        "init",
        "postgresql://h/db",
    ]
    assert normalise(["--project-root=/p", "postgresql://h/db"]) == [
        "--project-root=/p",
        "open",
        "postgresql://h/db",
    ]
    assert normalise(["--help"]) == ["--help"]


def test_project_root_without_its_value_is_a_usage_error() -> None:
    result = run("--project-root")
    assert result.returncode == 2, result.stderr
    assert "argument --project-root: expected one argument" in result.stderr
    assert "Traceback" not in result.stderr


def _closed_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.parametrize(
    "command", ["schema", "status", "init --yes", "diff --desired x.sql", "check --desired x.sql"]
)
def test_unreachable_server_is_one_line_exit_1_without_password(command: str, tmp_path: Path) -> None:
    port = _closed_port()
    (tmp_path / "x.sql").write_text("CREATE TABLE x (id int);\n")
    words = command.split()
    args = [words[0], f"postgresql://alice:hunter2@127.0.0.1:{port}/app", *words[1:]]
    result = subprocess.run(
        [DIBS, *args], capture_output=True, text=True, check=False, timeout=120, cwd=tmp_path
    )
    assert result.returncode == 1, result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("dibs-tui: error: cannot connect to PostgreSQL at 127.0.0.1:")
    assert "hunter2" not in result.stderr + result.stdout
    assert "Traceback" not in result.stderr


def test_missing_dsn_says_how_to_give_one(tmp_path: Path) -> None:
    env = {
        k: v for k, v in __import__("os").environ.items() if not k.startswith("PG") and k != "DATABASE_URL"
    }
    env["PGPORT"] = str(_closed_port())  # the default socket/port may have a real server on some machines
    env["PGHOST"] = "127.0.0.1"
    result = subprocess.run(
        [DIBS, "schema"], capture_output=True, text=True, check=False, timeout=120, env=env, cwd=tmp_path
    )
    assert result.returncode == 1
    assert "cannot connect to PostgreSQL at 127.0.0.1" in result.stderr
    no_hint = subprocess.run(
        [DIBS, "schema"],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
        cwd=tmp_path,
        env={k: v for k, v in env.items() if not k.startswith("PG")},
    )
    assert no_hint.returncode == 1
    assert "no database was given: pass a DSN, or set DATABASE_URL or the PG* variables" in no_hint.stderr
    assert len(no_hint.stderr.strip().splitlines()) == 1


def test_a_sessions_variable_that_is_not_a_number_falls_back_to_the_default(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from dibs_tui.commands.common import sessions_from_environment

    for text, expected in (("", 2), ("abc", 2), ("-1", 2), ("0", 1), ("1", 1), (" 3 ", 3)):
        monkeypatch.setenv("DIBS_TUI_TEST_SESSIONS", text)
        assert sessions_from_environment("DIBS_TUI_TEST_SESSIONS") == expected, text


def test_a_diff_reads_each_side_over_one_session_when_both_are_on_one_server(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from dibs_tui.commands import diff
    from dibs_tui.core.connect import resolve

    monkeypatch.setattr(diff, "SESSIONS_PER_SIDE", 0)  # DIBS_TUI_DIFF_CONNECTIONS unset
    target = resolve("postgresql://u@db.example:5433/live")
    assert diff.sessions_per_side(target, ["postgresql://u@db.example:5433/desired"]) == 1
    assert diff.sessions_per_side(target, ["postgresql://u@db.example:5432/desired"]) == 2
    assert diff.sessions_per_side(target, ["postgresql://u@other.example:5433/desired"]) == 2
    assert diff.sessions_per_side(target, ["schema.sql"]) == 2
    monkeypatch.setattr(diff, "SESSIONS_PER_SIDE", 3)  # the variable, when set, decides
    assert diff.sessions_per_side(target, ["postgresql://u@db.example:5433/desired"]) == 3


def test_ctrl_c_while_the_command_is_still_loading_is_one_line_not_a_traceback() -> None:
    """Ctrl-C in the first half second (the command's modules still importing) printed Python's traceback of
    the import. The signal is sent for real, from inside the import of the command's module."""
    script = (
        "import importlib, os, signal, sys\n"
        "real = importlib.import_module\n"
        "def interrupted(name, *args):\n"
        "    if name.startswith('dibs_tui.commands.'):\n"
        "        os.kill(os.getpid(), signal.SIGINT)\n"
        "    return real(name, *args)\n"
        "importlib.import_module = interrupted\n"
        "sys.argv = ['dibs-tui', 'status', 'postgresql://nobody@127.0.0.1:1/x']\n"
        "from dibs_tui.cli import entry\n"
        "entry()\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert done.returncode == 130
    assert done.stderr == "dibs-tui: interrupted\n"


def test_ctrl_c_as_the_async_run_starts_is_kept_until_the_run_closes_and_cancels_it_while_it_runs() -> None:
    """A Ctrl-C between asyncio.run making its main task and installing the handler that cancels it raised
    KeyboardInterrupt there: 'Task was destroyed but it is pending!' and 'never awaited' followed
    'interrupted' (seen once in ~100 real `generate` runs interrupted at 0.3 s). The signal is sent for real,
    from inside the making of the main task: the work does not start, and no noise follows. Sent while the
    work runs, it cancels the work, which cleans up, as before."""
    script = (
        "import asyncio, os, signal\n"
        "real = asyncio.BaseEventLoop.create_task\n"
        "sent = []\n"
        "def create_task(self, coro, **kwargs):\n"
        "    task = real(self, coro, **kwargs)\n"
        "    if not sent:\n"
        "        sent.append(os.kill(os.getpid(), signal.SIGINT))\n"
        "    return task\n"
        "asyncio.BaseEventLoop.create_task = create_task\n"
        "from dibs_tui.commands.common import run_async\n"
        "async def work(interrupt):\n"
        "    try:\n"
        "        print('work started')\n"
        "        if interrupt:\n"
        "            os.kill(os.getpid(), signal.SIGINT)\n"
        "        await asyncio.sleep(30)\n"
        "    except asyncio.CancelledError:\n"
        "        print('work cancelled')\n"
        "        raise\n"
        "for interrupt in (False, True):\n"
        "    try:\n"
        "        run_async(work(interrupt))\n"
        "    except KeyboardInterrupt:\n"
        "        print('interrupted')\n"
        "async def ignored():\n"
        "    os.kill(os.getpid(), signal.SIGINT)\n"
        "    await asyncio.sleep(0.2)\n"
        "    return 'ran to its end'\n"
        "signal.signal(signal.SIGINT, signal.SIG_IGN)\n"
        "print(run_async(ignored()))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert (done.stdout, done.stderr) == (
        "interrupted\nwork started\nwork cancelled\ninterrupted\nran to its end\n",
        "",
    )  # and where SIGINT is ignored (a job started in the background), it stays ignored


def test_ctrl_c_while_the_console_script_imports_its_first_modules_is_one_line() -> None:
    """A Ctrl-C 0.3 s into `generate` on a loaded machine landed in the console script's first imports, before
    the handler that says 'interrupted': a traceback (tests/test_generate_interrupted.py, seen once). The
    signal is sent for real, from inside the import of commands.common."""
    script = (
        "import os, signal, sys\n"
        "class Interrupt:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'dibs_tui.commands.common':\n"
        "            os.kill(os.getpid(), signal.SIGINT)\n"
        "sys.meta_path.insert(0, Interrupt())\n"
        "sys.argv = ['dibs-tui', '--help']\n"
        "from dibs_tui.cli import entry\n"
        "entry()\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stdout, done.stderr) == (130, "", "dibs-tui: interrupted\n")


def test_commands_that_open_their_own_sessions_give_up_on_a_held_lock_and_leave_no_backend(
    db: str, tmp_path: Path
) -> None:
    """init (its snapshot), review (its fingerprint record) and migrate (its guard) opened sessions without
    lock_timeout: behind another session's ACCESS EXCLUSIVE lock they waited without end, and a killed
    command's backend stayed queued on the server. Each now gives up after lock_timeout, in one message."""
    from tests.pg import held_table, our_backends, run_sql

    run_sql(db, "CREATE TABLE users (id int PRIMARY KEY)")
    migrations = tmp_path / "migrations"
    migrations.mkdir()
    (migrations / "20260101000000_add.sql").write_text("ALTER TABLE users ADD COLUMN name text;\n")
    # The project's own lock_timeout, short, for all three (init and review take no --lock-timeout): the
    # default 5 s each was most of this test's time, and without any lock_timeout they would still wait forever
    (tmp_path / "dibs-tui.toml").write_text('lock_timeout = "300ms"\n')
    commands = [
        ["init", "--yes", db],
        ["review", "--no-trace", str(migrations / "20260101000000_add.sql"), db],
        ["migrate", "--dry-run", "--no-prove", "--migrations", str(migrations), db],
    ]
    with held_table(db):
        for command in commands:
            result = subprocess.run(
                [DIBS, *command], capture_output=True, text=True, check=False, timeout=60, cwd=tmp_path
            )
            assert result.returncode == 1, (command, result.stdout, result.stderr)
            assert "lock" in result.stderr and "Traceback" not in result.stderr, (command, result.stderr)
            assert "internal error" not in result.stderr, (command, result.stderr)
            assert our_backends(db) == [], command


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        (["uses", "public.users", "--format", "json", "postgresql://h/db"], {"dsn": "postgresql://h/db"}),
        (
            ["generate", "add-x", "--stdout", "postgresql://h/db"],
            {"name": "add-x", "dsn": "postgresql://h/db"},
        ),
        (["history", "public.users", "--format", "json", "postgresql://h/db"], {"object": "public.users"}),
        (["path", "a", "b", "--limit", "3", "postgresql://h/db"], {"limit": 3, "dsn": "postgresql://h/db"}),
        (
            ["review", "m.sql", "--no-trace", "postgresql://h/db"],
            {"no_trace": True, "dsn": "postgresql://h/db"},
        ),
        (["diff", "--format", "sql", "postgresql://h/db", "--privileges"], {"dsn": "postgresql://h/db"}),
    ],
)
def test_an_option_between_a_commands_words_and_its_dsn_is_understood(
    words: list[str], expected: dict[str, object]
) -> None:
    """`dibs-tui uses public.users --format json DSN` was 'unrecognized arguments: DSN': argparse gives a
    command's optional positionals their values only from the words before the first option, so a DSN after
    an option was left over. Each command's words are now read around its options, wherever they stand."""
    args = build_parser().parse_args(normalise(words))
    for name, value in expected.items():
        assert getattr(args, name) == value, (words, name)


def test_a_locked_history_table_is_said_as_a_lock_wait_not_as_a_foreign_table(
    db: str, tmp_path: Path
) -> None:
    """status and migrate said a history table another session held locked was 'not the tool's history:
    rename it'; they now name the backend that holds the lock, and migrate says nothing was applied."""
    from dibs_tui.core.embedded import bin_path
    from tests.pg import fetch, until

    assert subprocess.run([DIBS, "init", "--yes", db], capture_output=True, timeout=60).returncode == 0
    migrations = tmp_path / "migrations"
    migrations.mkdir()
    (migrations / "20260101000000_add.sql").write_text("CREATE TABLE added (id int);\n")
    holder = subprocess.Popen(
        [str(bin_path("psql")), db, "-X", "-q"], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True
    )
    try:
        assert holder.stdin is not None
        holder.stdin.write("BEGIN; LOCK TABLE __dibs_migrations IN ACCESS EXCLUSIVE MODE; SELECT 1;\n")
        holder.stdin.flush()
        lock = "SELECT 1 FROM pg_locks WHERE relation = '__dibs_migrations'::regclass AND granted"
        until(lambda: asyncio.run(fetch(db, lock)), "the lock")
        for command in (["status"], ["migrate", "--yes", "--no-prove"]):
            result = subprocess.run(
                [DIBS, *command, "--migrations", str(migrations), "--lock-timeout", "500ms", db],
                capture_output=True,
                text=True,
                timeout=60,
            )
            assert result.returncode == 1, result.stdout + result.stderr
            assert "AccessExclusiveLock on public.__dibs_migrations" in result.stderr, result.stderr
            assert "not the tool's history" not in result.stderr, result.stderr
        assert "nothing was applied" in result.stderr
    finally:
        if holder.stdin:
            holder.stdin.close()
        holder.wait(timeout=60)
    assert not asyncio.run(fetch(db, "SELECT 1 FROM pg_class WHERE relname = 'added'"))


@pytest.mark.parametrize(
    "words",
    [
        ["lint", "--unused-after", "-3"],
        ["path", "a", "b", "--limit", "0"],
        ["path", "a", "b", "--limit", "-1"],
        ["migrate", "--lock-retries", "-1"],
    ],
)
def test_a_negative_count_or_age_is_a_usage_error(
    words: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    """`lint --unused-after -3` was taken: indexes seen for 30 minutes were called unused, with a DROP INDEX
    as the fix; `path --limit -1` asked for no path at all."""
    with pytest.raises(SystemExit) as exit_:
        build_parser().parse_args(normalise([*words, "postgresql://h/db"]))
    assert exit_.value.code == 2
    assert "is not a whole number from" in capsys.readouterr().err


@pytest.mark.parametrize("command", ["status", "migrate", "migrate --baseline 1"])
def test_a_configured_migrations_folder_that_is_a_file_is_refused_not_read_as_empty(
    db: str, tmp_path: Path, command: str
) -> None:
    """`migrations = "schema.sql"` in dibs-tui.toml was 'nothing to apply', exit 0, as an empty folder."""
    (tmp_path / "schema.sql").write_text("CREATE TABLE t (id int);\n")
    (tmp_path / "dibs-tui.toml").write_text('migrations = "schema.sql"\n')
    word, *extra = command.split()
    result = run("--project-root", str(tmp_path), word, db, *extra, *(["--yes"] if word == "migrate" else []))
    assert result.returncode == 1, result.stdout + result.stderr
    assert result.stderr.endswith(
        f"dibs-tui: error: the migrations folder {tmp_path / 'schema.sql'} is not a folder\n"
        f"hint: check migrations in {tmp_path / 'dibs-tui.toml'}\n"
    ), result.stderr
    assert "nothing to apply" not in result.stdout


def test_a_configured_migrations_folder_not_made_yet_is_an_empty_one(db: str, tmp_path: Path) -> None:
    (tmp_path / "dibs-tui.toml").write_text('migrations = "db/migrations"\n')
    result = run("--project-root", str(tmp_path), "status", db)
    assert result.returncode == 0 and "0 applied, 0 pending" in result.stdout, result.stderr


def _with_closed(fd: str, *args: str) -> subprocess.CompletedProcess[str]:
    """The command run with standard input (`<&-`) or output (`>&-`) closed, as a shell script may run it."""
    script = f'exec "$0" "$@" {fd}&-'
    return subprocess.run(["sh", "-c", script, DIBS, *args], capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("command", ["init", "migrate"])
def test_a_question_with_standard_input_closed_is_refused_not_an_internal_error(
    db: str, tmp_path: Path, command: str
) -> None:
    """`sys.stdin` is None there: asking it whether it is a terminal was 'internal error: AttributeError'."""
    run_sql(db, "CREATE TABLE t (id int)")
    folder = tmp_path / "migrations"
    folder.mkdir()
    (folder / "20260101000000_a.sql").write_text("ALTER TABLE t ADD COLUMN a int;\n")
    args = ["init", db] if command == "init" else ["migrate", db, "--migrations", str(folder), "--no-prove"]
    result = _with_closed("<", *args)
    assert result.returncode == 1, result.stderr
    assert "internal error" not in result.stderr and "Traceback" not in result.stderr
    said = {"init": "pass --yes to confirm when not on a terminal", "migrate": "without confirmation"}[
        command
    ]
    assert said in result.stderr, result.stderr
    rows = asyncio.run(
        fetch(
            db, "SELECT count(*) AS n FROM pg_class WHERE relname IN ('__dibs_migrations', '__dibs_tables')"
        )
    )
    columns = asyncio.run(
        fetch(db, "SELECT count(*) AS n FROM pg_attribute WHERE attrelid = 't'::regclass AND attnum > 0")
    )
    assert (rows[0]["n"], columns[0]["n"]) == (0, 1)  # nothing written, nothing applied


@pytest.mark.parametrize("command", ["status", "migrate"])
def test_standard_output_closed_is_said_and_nothing_is_done(db: str, tmp_path: Path, command: str) -> None:
    run_sql(db, "CREATE TABLE t (id int)")
    folder = tmp_path / "migrations"
    folder.mkdir()
    (folder / "20260101000000_a.sql").write_text("ALTER TABLE t ADD COLUMN a int;\n")
    extra = ["--yes", "--no-prove"] if command == "migrate" else []
    result = _with_closed(">", command, db, "--migrations", str(folder), *extra)
    assert result.returncode == 1
    assert result.stderr == (
        "dibs-tui: error: standard output is closed, so nothing could be said: nothing was done\n"
        "hint: to discard the output, send it to /dev/null instead (> /dev/null)\n"
    )
    columns = asyncio.run(
        fetch(db, "SELECT count(*) AS n FROM pg_attribute WHERE attrelid = 't'::regclass AND attnum > 0")
    )
    assert columns[0]["n"] == 1


@pytest.mark.parametrize("command", ["diff", "check", "review"])
def test_a_pipe_named_as_a_file_is_said_to_be_one_not_missing(db: str, command: str) -> None:
    """`--desired /dev/stdin` fed by a pipe (or `<(cat schema.sql)`) was 'not found' of a path that is there."""
    args = ["review", "/dev/stdin", db] if command == "review" else [command, db, "--desired", "/dev/stdin"]
    result = subprocess.run(
        [DIBS, *args], input="CREATE TABLE t (id int);\n", capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 1
    what = "migration file" if command == "review" else "desired schema"
    assert result.stderr == (
        f"dibs-tui: error: {what} /dev/stdin is a pipe or a device, not a file: it would be read more than once\n"
        "hint: save it to a file and name that file\n"
    ), result.stderr
    tables = asyncio.run(fetch(db, "SELECT count(*) AS n FROM pg_class WHERE relname = 't'"))
    assert tables[0]["n"] == 0


def test_a_mistyped_command_is_named_with_the_one_meant(db: str) -> None:
    """`stauts DSN` was taken as the browser's DSN and argparse said 'unrecognized arguments: DSN'."""
    result = run("stauts", db)
    assert result.returncode == 2
    assert (
        "dibs-tui: error: unknown command 'stauts' (did you mean status?); the commands are: open,"
        in result.stderr
    )
    first = run("postgresql://u:SECRET@127.0.0.1:1/db", "status")
    assert first.returncode == 2 and "SECRET" not in first.stderr
    assert (
        "dibs-tui: error: the command comes first, the DSN last: dibs-tui COMMAND [...] DSN" in first.stderr
    )
    assert run("stauts").returncode == 2  # one word alone is still the browser's DSN (off a terminal: help)


@pytest.mark.parametrize("command", ["status", "schema", "migrate"])
def test_a_timeout_flag_that_is_no_duration_is_a_usage_error_naming_the_flag(command: str) -> None:
    """`--lock-timeout '3 parsecs'` was said as `invalid lock_timeout` (the flag or the config file?), exit 1,
    and migrate's own --lock-timeout was only refused once it had connected."""
    result = run(command, "--lock-timeout", "3 parsecs", "postgresql://nobody@127.0.0.1:1/nowhere")
    assert result.returncode == 2, result.stderr
    assert "argument --lock-timeout: '3 parsecs' is not a duration such as 5s" in result.stderr
    assert "Traceback" not in result.stderr


def test_python_dash_m_dibs_tui_is_the_console_script() -> None:
    """`python -m dibs_tui` (a venv without its scripts on PATH) runs the same command line."""
    result = subprocess.run(
        [sys.executable, "-m", "dibs_tui", "--version"],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0 and result.stdout.startswith("dibs-tui "), result.stderr
