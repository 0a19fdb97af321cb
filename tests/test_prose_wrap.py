"""On a terminal `status`, `migrate` and `generate` wrap their prose between words, as lint and review do;
piped, each line stays whole, for grep."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from dibs_tui.cli import main
from dibs_tui.core.embedded import EmbeddedServer
from dibs_tui.demo.build import build_demo
from tests.pg import on_a_terminal, run_sql

WIDTH = 60


@pytest.fixture
def demo(pg_server: EmbeddedServer, tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """The demo project: five migrations applied, one pending that the proof refuses (long prose)."""
    info = build_demo(pg_server.dsn("postgres"), "prose_demo", project_dir=tmp_path / "p")
    yield info.dsn, info.project_dir
    run_sql(pg_server.dsn("postgres"), "DROP DATABASE IF EXISTS prose_demo WITH (FORCE)")


def _words(text: str) -> list[str]:
    return " ".join(text.split()).split()


def _fits(shown: str) -> None:
    """Every line fits the terminal, but one holding a word no line could hold (a long path, kept whole)."""
    for line in shown.splitlines():
        assert len(line) <= WIDTH or any(len(w) > WIDTH - 8 for w in line.split()), shown


def test_status_migrate_and_generate_wrap_between_words_on_a_terminal_and_not_piped(
    demo: tuple[str, Path], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """At 80 columns the terminal broke `status`'s and `migrate`'s lines wherever the edge fell (`current
    20260205083000_hotfix-drop-` / `slow-index`, `(- resu` / `lt, + desired)`), errors and hints too."""
    dsn, project = demo
    monkeypatch.chdir(project)
    for args in (["status", dsn], ["migrate", "--dry-run", dsn]):
        code, shown = on_a_terminal(args, WIDTH, cwd=project, stderr_too=True)
        _fits(shown)
        assert any(line.startswith("        ") and line.strip() for line in shown.splitlines()), shown
        assert main(args) == code
        out, err = capsys.readouterr()
        piped = out + err
        assert any(len(line) > WIDTH for line in piped.splitlines()), piped  # one line each, for grep
        assert sorted(_words(shown)) == sorted(_words(piped)), (shown, piped)
    assert "not proved: the result would still differ" in shown
    assert "hint: fix the migration or the desired schema, or apply" in shown  # stderr wraps too
    code, shown = on_a_terminal(["generate", dsn], WIDTH, cwd=project, stderr_too=True)
    assert code == 4, shown  # the demo's reporter_id SET NOT NULL over NULLs
    _fits(shown)
    said = " ".join(shown.split())
    assert re.search(r"wrote \S+\.sql \(\d+ schema statements\)", said), shown
    assert "fill those rows before it runs" in said and "review it with: dibs-tui review" in said, shown
