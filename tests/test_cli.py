"""The command line as a user meets it: help for every command, the default command, errors without tracebacks."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from dibs_tui.cli import COMMANDS, _normalise, build_parser

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
    assert _normalise(["postgresql://h/db"]) == ["open", "postgresql://h/db"]
    assert _normalise([]) == ["open"]
    assert _normalise(["--project-root", "x", "postgresql://h/db"]) == [
        "--project-root",
        "x",
        "open",
        "postgresql://h/db",
    ]
    assert _normalise(["schema", "--json"]) == ["schema", "--json"]
    args = build_parser().parse_args(_normalise(["postgresql://h/db"]))
    assert (args.command, args.dsn) == ("open", "postgresql://h/db")


def test_version() -> None:
    result = run("--version")
    assert result.returncode == 0 and result.stdout.startswith("dibs-tui ")


def test_unknown_command_option_is_a_usage_error() -> None:
    result = run("schema", "--no-such-flag")
    assert result.returncode == 2
    assert "unrecognized arguments: --no-such-flag" in result.stderr


def test_global_project_root_value_is_not_taken_for_a_command() -> None:
    assert _normalise(["--project-root", "/p", "init", "postgresql://h/db"]) == [
        "--project-root",
        "/p",
        "init",
        "postgresql://h/db",
    ]
    assert _normalise(["--project-root=/p", "postgresql://h/db"]) == [
        "--project-root=/p",
        "open",
        "postgresql://h/db",
    ]
    assert _normalise(["--help"]) == ["--help"]
