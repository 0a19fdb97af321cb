"""Editor argument lists per family and template, run as real processes that record what they received."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from dibs_tui.core.editor import editor_argv, editor_command, file_url, is_terminal_editor


def fake_editor(tmp_path: Path, name: str) -> Path:
    """An executable called `name` that writes its argv (after the program) as JSON next to itself."""
    script = tmp_path / "bin" / name
    script.parent.mkdir(exist_ok=True)
    script.write_text(
        f"#!{sys.executable}\nimport json, sys, pathlib\n"
        "pathlib.Path(sys.argv[0]).with_suffix('.argv.json').write_text(json.dumps(sys.argv[1:]))\n"
    )
    script.chmod(0o755)
    return script


def run_and_record(argv: list[str]) -> list[str]:
    subprocess.run(argv, check=True)
    recorded: list[str] = json.loads(Path(argv[0]).with_suffix(".argv.json").read_text())
    return recorded


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("vim", ["+12", "{file}"]),
        ("nvim", ["+12", "{file}"]),
        ("nano", ["+12", "{file}"]),
        ("emacs", ["+12", "{file}"]),
        ("kak", ["+12", "{file}"]),
        ("micro", ["+12", "{file}"]),
        ("hx", ["{file}:12:5"]),
        ("zed", ["{file}:12:5"]),
        ("subl", ["{file}:12:5"]),
        ("code", ["--goto", "{file}:12:5"]),
        ("codium", ["--goto", "{file}:12:5"]),
        ("cursor", ["--goto", "{file}:12:5"]),
    ],
)
def test_preset_families(tmp_path: Path, name: str, expected: list[str]) -> None:
    editor = fake_editor(tmp_path, name)
    source = tmp_path / "db dir" / "schema.sql"
    argv = editor_argv(source, 12, 5, env={"EDITOR": str(editor)})
    assert run_and_record(argv) == [e.replace("{file}", str(source)) for e in expected]


def test_visual_beats_editor_and_words_are_split_like_a_shell(tmp_path: Path) -> None:
    code = fake_editor(tmp_path, "code")
    env = {"VISUAL": f"{code} -w", "EDITOR": "nano"}
    assert editor_command(env) == [str(code), "-w"]
    assert run_and_record(editor_argv("/p/x.sql", 3, None, env=env)) == ["-w", "--goto", "/p/x.sql:3:1"]
    assert editor_command({}) == ["vi"]


def test_template_beats_presets_and_keeps_hostile_file_names_one_argument(tmp_path: Path) -> None:
    editor = fake_editor(tmp_path, "myeditor")
    hostile = tmp_path / "a b; rm -rf ~ $(whoami) `id`.sql"
    argv = editor_argv(
        hostile, 7, 2, env={"EDITOR": "vim"}, template=f"{editor} --line={{line}} --col={{column}} {{file}}"
    )
    assert run_and_record(argv) == ["--line=7", "--col=2", str(hostile)]


def test_template_without_file_placeholder_gets_the_file_appended(tmp_path: Path) -> None:
    editor = fake_editor(tmp_path, "ed2")
    assert run_and_record(editor_argv("/x.sql", 9, None, template=f"{editor} -l {{line}}")) == [
        "-l",
        "9",
        "/x.sql",
    ]


@pytest.mark.parametrize(("line", "column", "expected"), [(0, 0, "+1"), (None, None, "+1"), (-3, 2, "+1")])
def test_missing_or_bad_line_opens_at_the_top(line: int | None, column: int | None, expected: str) -> None:
    assert editor_argv("/x.sql", line, column, env={"EDITOR": "vim"})[1] == expected


def test_terminal_versus_gui() -> None:
    assert is_terminal_editor(["vim", "+1", "f"])
    assert is_terminal_editor(["/usr/bin/hx", "f:1:1"])
    assert not is_terminal_editor(["/usr/local/bin/code", "--goto", "f:1:1"])
    assert not is_terminal_editor(["zed", "f:1:1"])


def test_file_url_is_absolute_and_encoded() -> None:
    assert file_url("/srv/my project/schema#1.sql") == "file:///srv/my%20project/schema%231.sql"
    assert file_url(Path("/srv/ünïcode.sql")) == "file:///srv/%C3%BCn%C3%AFcode.sql"
