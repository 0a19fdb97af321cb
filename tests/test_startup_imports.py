"""The browser's first frame imports only what it draws: the SQL highlighter (Pygments), the SQL parsers and
the JSON encoder are loaded when first used, not before the screen is up."""

from __future__ import annotations

import subprocess
import sys

LATE = ("pygments", "sqlglot", "pglast", "orjson")


def test_the_open_path_imports_no_highlighter_parser_or_json_encoder() -> None:
    code = (
        "import sys\n"
        "import dibs_tui.cli, dibs_tui.commands.open\n"
        "from dibs_tui.ui.app import DibsApp\n"
        f"print(sorted({{m.split('.')[0] for m in sys.modules}} & set({LATE!r})))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]", result.stdout
