"""The browser's first frame imports only what it draws: the SQL highlighter (Pygments), the SQL parsers,
the JSON encoder, the driver (asyncpg) and the introspection modules are loaded when first used (the last on the loader's thread),
the Diff, Migrations and Health panes (the planner's results, migrations, review) once the first frame is drawn
(ui/tab_actions.py: mount_tab_panes), not before the screen is up; the finder, help and error screens when
first pushed, and the Details' History section with the first table shown (after the frame, commands/open.py)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from tests.pg import run_sql

LATE = ("pygments", "sqlglot", "pglast", "orjson", "asyncpg")
LATE_OURS = (
    "dibs_tui.core.bodies",
    "dibs_tui.core.explore.fkgraph",
    "dibs_tui.core.explore.history",
    "dibs_tui.core.explore.uses",
    "dibs_tui.core.introspect",
    "dibs_tui.core.migrations",
    "dibs_tui.core.plan",
    "dibs_tui.core.review",
    "dibs_tui.ui.diff_pane",
    "dibs_tui.ui.diff_view",
    "dibs_tui.ui.health_pane",
    "dibs_tui.ui.migrations_pane",
    "dibs_tui.ui.screens.error",
    "dibs_tui.ui.screens.finder",
    "dibs_tui.ui.screens.help",
    "dibs_tui.ui.widgets.history_section",
    "textual.widgets._text_area",  # Textual's editor: the browser has none
    "textual.document",
)


def test_the_open_path_imports_no_highlighter_parser_json_encoder_or_introspection() -> None:
    code = (
        "import sys\n"
        "import dibs_tui.cli, dibs_tui.commands.open\n"
        "from dibs_tui.ui.app import DibsApp\n"
        f"print(sorted({{m.split('.')[0] for m in sys.modules}} & set({LATE!r})))\n"
        f"print(sorted(m for m in sys.modules if m.startswith({LATE_OURS!r})))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.split("\n")[:2] == ["[]", "[]"], result.stdout


def test_the_browser_command_leaves_the_driver_to_its_loader_thread(db: str) -> None:
    """The command's wrapper (cli._run) imported asyncpg for its except clauses before every command: 30-50 ms
    of the browser's start before its first frame, which does not connect. Off a terminal the browser's
    command prints its help and exits 2, having gone through the wrapper and drawn nothing."""
    code = (
        "import sys\n"
        "from dibs_tui.cli import main\n"
        f"code = main(['open', {db!r}])\n"
        "print(code, 'asyncpg' in sys.modules, file=sys.stderr)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stderr.strip().splitlines()[-1] == "2 False", result.stderr


def test_a_commands_modules_are_imported_with_the_collector_paused_and_frozen_once_imported() -> None:
    """The command's modules (the browser's bring asyncio) and the parser are all kept and none is in a cycle:
    the cyclic collections they triggered (30-odd on the browser's way, 8-15 ms before its first frame)
    rescanned them for nothing. Off a terminal the browser's command prints its help and exits 2, with the
    collector back on."""
    code = (
        "import gc, sys\n"
        "from dibs_tui.cli import main\n"
        "at_import = []\n"
        "def imported(event, args):\n"
        "    if event == 'import' and args[0] == 'asyncio' and not at_import:\n"
        "        at_import.append(gc.isenabled())\n"
        "sys.addaudithook(imported)\n"
        "code = main(['open', 'postgresql://nobody@127.0.0.1:1/x'])\n"
        "print(code, at_import, gc.isenabled(), gc.get_freeze_count() > 0, file=sys.stderr)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stderr.strip().splitlines()[-1] == "2 [False] True True", result.stderr


def test_a_diff_imports_no_module_of_ours_the_preimport_thread_left_out(
    new_database: Callable[[], str],
) -> None:
    """What a diff imports of ours once its sessions are open is imported on the preimport thread while they
    open and the server runs the first queries: imported later, on the loop's thread, it was on the client's
    critical path during the read (the meta tables' reader) or after both reads with the server idle (what
    diff_catalogs and diff_database import as they go: who applies a schema file, the respelling of renames,
    wal_level's test of the plan)."""
    current, desired = new_database(), new_database()
    run_sql(current, "CREATE TABLE t (id int PRIMARY KEY, code text); CREATE INDEX t_code ON t (code)")
    run_sql(desired, "CREATE TABLE t (id int PRIMARY KEY, code varchar(20), made date)")
    code = (
        "import asyncio, sys\n"
        "from dibs_tui.core import diff\n"
        "from dibs_tui.core.connect import resolve\n"
        "from dibs_tui.core.introspect.live import INTROSPECTION\n"
        "from dibs_tui.core.preimport import import_in_background\n"
        "import dibs_tui.core.shadow, dibs_tui.core.together\n"  # diff_database's own, before it connects
        "import_in_background((INTROSPECTION, *diff._PLANNER)).join()\n"
        "before = set(sys.modules)\n"
        f"result = asyncio.run(diff.diff_database(resolve({current!r}), [{desired!r}], read_privileges=False, "
        "sessions_per_side=1, suggest_renames=False))\n"
        "print(len(result.plan) > 2, sorted(m for m in set(sys.modules) - before if m.startswith('dibs_tui')))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "True []", result.stdout


def test_schema_json_imports_no_module_the_preimport_thread_left_out(db: str) -> None:
    """`schema --json` imports on the preimport thread, while its sessions open, every module of ours it needs
    once connected, and the JSON encoder: imported later on the loop's thread, the meta tables' reader was on
    the client's critical path during the read and the encoder after it, with the server idle. The modules are
    imported and the thread joined first, then the command runs: what it still imports after its first
    connection is what the list leaves out."""
    run_sql(db, "CREATE TABLE t (id int PRIMARY KEY, code text)")
    code = (
        "import sys\n"
        "from dibs_tui.cli import main\n"
        "from dibs_tui.commands import catalog_read\n"
        "from dibs_tui.core.preimport import import_in_background\n"
        "import_in_background(catalog_read.preimported(('orjson',))).join()\n"
        "late = []\n"
        "def seen(event, args):\n"
        "    if event == 'socket.connect':\n"
        "        late.append('connected')\n"
        "    elif event == 'import' and late and args[0] not in sys.modules:\n"
        "        late.append(args[0])\n"
        "sys.addaudithook(seen)\n"
        f"code = main(['schema', {db!r}, '--json'])\n"
        "print(code, sorted({m for m in late[1:] if m.startswith(('dibs_tui', 'orjson'))}), file=sys.stderr)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stderr.strip().splitlines()[-1] == "0 []", result.stderr
    assert b'"name":"t"' in result.stdout.encode()


def test_the_diff_command_imports_the_planner_only_when_it_diffs() -> None:
    """`diff` and `check` open their connections before the model, the introspection's builder and the planner
    are imported: diff_database imports them on a thread while the sessions open and both catalogs are read
    (core/preimport.py), and what it imports is all diff_catalogs uses. The SQL parser (pglast, our
    statement scanner, orjson) waits until two definitions may have drifted (core/diff/deparse_drift.py)."""
    code = (
        "import sys\n"
        "import dibs_tui.cli, dibs_tui.commands.diff, dibs_tui.commands.check\n"
        "from dibs_tui.core import diff\n"
        "from dibs_tui.core.preimport import import_in_background\n"
        "print(sorted(m for m in sys.modules if m.startswith(('dibs_tui.core.diff.', 'dibs_tui.core.introspect.', "
        "'dibs_tui.core.model', 'dibs_tui.core.plan')) and m != 'dibs_tui.core.introspect.live'))\n"
        "from dibs_tui.core.introspect.live import INTROSPECTION\n"
        "import_in_background((INTROSPECTION, *diff._PLANNER)).join()\n"
        "print(all(name in sys.modules for name in ('dibs_tui.core.model', INTROSPECTION, *diff._PLANNER)))\n"
        "print(sorted(m for m in sys.modules if m.startswith(('pglast', 'orjson', 'dibs_tui.core.sqlparse'))))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.split("\n")[:3] == ["[]", "True", "[]"], result.stdout


def test_the_diff_connects_before_importing_what_it_needs_only_once_read_or_written() -> None:
    """What `diff` imports before its first connection (the command, the read's sessions, the desired side's
    loader) leaves out the tool tables' patterns (needed once a side is read: imported on the preimport
    thread) and the terminal's SQL escaping (needed when the plan is written): 2 % of the instructions of
    that path, with the server idle."""
    code = (
        "import sys\n"
        "import dibs_tui.cli, dibs_tui.commands.diff\n"
        "import dibs_tui.core.introspect.live, dibs_tui.core.shadow, dibs_tui.core.together, dibs_tui.core.preimport\n"
        "print(sorted(m for m in ('dibs_tui.core.tool_tables', 'dibs_tui.core.sqlescape') if m in sys.modules))\n"
        "from dibs_tui.core import diff\n"
        "print('dibs_tui.core.tool_tables' in diff._PLANNER)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.split("\n")[:2] == ["[]", "True"], result.stdout


def test_the_schema_command_connects_before_importing_the_model() -> None:
    """`schema` (and the other commands reading a catalog whole) import the model, the read and the meta tables'
    reader on a thread while the sessions open (commands/catalog_read.py), not before."""
    code = (
        "import sys\n"
        "import dibs_tui.cli, dibs_tui.commands.schema, dibs_tui.commands.catalog_read\n"
        "print(sorted(m for m in sys.modules if m.startswith(('dibs_tui.core.model', 'dibs_tui.core.introspect.', "
        "'dibs_tui.core.meta')) and m != 'dibs_tui.core.introspect.live'))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.split("\n")[:1] == ["[]"], result.stdout


def test_a_command_that_fails_early_waits_for_the_imports_it_started(tmp_path: Path) -> None:
    """A command that fails before its imports are done (a refused connection, a millisecond after it starts
    them) exits once they are: a daemon thread still importing crashed the interpreter's finalization
    (`schema --json` on a closed port: exit status 139 in up to one run of five)."""
    (tmp_path / "slow_to_import.py").write_text(
        f"import time\ntime.sleep(0.3)\nopen({str(tmp_path / 'imported')!r}, 'w').close()\n"
    )
    code = (
        "import sys\n"
        f"sys.path.insert(0, {str(tmp_path)!r})\n"
        "from dibs_tui.core.preimport import import_in_background\n"
        "import_in_background(('slow_to_import', 'dibs_tui.core.model'))\n"
        "sys.exit(1)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert result.returncode == 1, result.stderr
    assert (tmp_path / "imported").exists()


def test_the_used_by_section_does_not_import_the_sql_file_reader() -> None:
    """The browser's Used by section, found once the catalog is in, places each user by the meta rows alone:
    the SQL files' reader (its statement door and parser) is imported only where files are read (a 7-module,
    10-17 ms import on the worker that competed with the screen's redraw after the load)."""
    code = (
        "import sys\n"
        "from dibs_tui.core.model import Catalog, ObjectRef\n"
        "from dibs_tui.core.explore.uses import UsesIndex\n"
        "index = UsesIndex(Catalog())\n"
        "ref = ObjectRef('table', 'public', 't')\n"
        "print(index.direct(ref), index.source(ref))\n"
        "print(sorted(m for m in sys.modules if m.startswith(('dibs_tui.core.sqlfiles', 'dibs_tui.core.sqldoor'))))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.split("\n")[:2] == ["[] None", "[]"], result.stdout


def test_what_the_first_frame_left_out_is_there_once_asked(db: str) -> None:
    """In a process that has not imported them, the screens and the section the first frame leaves out come
    when asked: `t` opens the finder as soon as the catalog is in and goes to the table typed, the Details
    show its History section, `?` opens the help."""
    run_sql(db, "CREATE TABLE orders (id int PRIMARY KEY, total numeric); CREATE TABLE people (id int)")
    code = (
        "import asyncio, sys\n"
        "from pathlib import Path\n"
        "from dibs_tui.config import Settings\n"
        "from dibs_tui.core.connect import resolve\n"
        "from dibs_tui.ui.app import DibsApp\n"
        "async def until(pilot, condition):\n"
        "    for _ in range(1500):\n"  # a hang's guard, not a time limit: each turn is a pause of the loop
        "        if condition():\n"
        "            return\n"
        "        await pilot.pause(0.02)\n"
        "    raise SystemExit(f'stuck on {type(pilot.app.screen).__name__}')\n"
        "async def main():\n"
        f"    app = DibsApp(resolve({db!r}), Settings(project_root=Path.cwd()), header_label='t')\n"
        "    async with app.run_test(size=(120, 36)) as pilot:\n"
        f"        print(sorted(m for m in {LATE_OURS!r} if m.startswith('dibs_tui.ui.screens') and m in sys.modules))\n"
        "        await until(pilot, lambda: app.catalog is not None)\n"
        "        await pilot.press('t')\n"
        "        await until(pilot, lambda: type(app.screen).__name__ == 'FinderScreen')\n"
        "        await pilot.press(*'orders', 'enter')\n"
        "        await until(pilot, lambda: app.screen is app.screen_stack[0] and app.card.relation is not None "
        "and app.card.relation.name == 'orders')\n"
        "        shown = lambda: [line.content.plain for line in app.details.lines]\n"
        "        await until(pilot, lambda: any(line.startswith('── History') for line in shown()))\n"
        "        await pilot.press('question_mark')\n"
        "        await until(pilot, lambda: type(app.screen).__name__ == 'HelpScreen')\n"
        "        print(app.card.relation.name, [line for line in shown() if line.startswith('── History')])\n"
        "asyncio.run(main())\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.split("\n")[:2] == ["[]", "orders ['── History (0)']"], result.stdout
