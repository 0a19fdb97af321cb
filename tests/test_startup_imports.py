"""The browser's first frame imports only what it draws: the SQL highlighter (Pygments), the SQL parsers,
the JSON encoder and the introspection modules are loaded when first used (the last on the loader's thread),
the Diff, Migrations and Health panes (the planner's results, migrations, review) once the first frame is drawn
(ui/tab_actions.py: mount_tab_panes), not before the screen is up."""

from __future__ import annotations

import subprocess
import sys

LATE = ("pygments", "sqlglot", "pglast", "orjson")
LATE_OURS = (
    "dibs_tui.core.introspect",
    "dibs_tui.core.migrations",
    "dibs_tui.core.plan",
    "dibs_tui.core.review",
    "dibs_tui.ui.diff_pane",
    "dibs_tui.ui.diff_view",
    "dibs_tui.ui.health_pane",
    "dibs_tui.ui.migrations_pane",
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
