"""After `make demo` the tool is in .venv/bin, not on PATH: the READMEs and `demo --print` say how to run it."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from dibs_tui.commands.demo import dibs_tui_command
from dibs_tui.demo.build import template_files

ROOT = Path(__file__).resolve().parents[1]


def test_the_demo_project_readme_says_how_to_run_the_tool() -> None:
    readme = template_files()["README.md"]
    assert ".venv/bin/dibs-tui demo --print --keep" in readme
    assert "source .venv/bin/activate" in readme
    assert "not on your `PATH`" in readme


def test_the_main_readme_says_how_to_run_the_tool_after_make_demo() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    quick_start = readme[readme.index("## Quick start") : readme.index("## Using it on your own database")]
    assert ".venv/bin/dibs-tui" in quick_start and "source .venv/bin/activate" in quick_start


def test_demo_print_names_the_script_when_it_is_not_on_path(monkeypatch: pytest.MonkeyPatch) -> None:
    script = Path(sys.executable).parent / "dibs-tui"
    assert script.is_file()  # the console script of this environment
    monkeypatch.setenv("PATH", "/nonexistent")
    assert dibs_tui_command() == str(script)
    monkeypatch.setenv("PATH", str(script.parent))
    assert dibs_tui_command() == "dibs-tui"
