"""Export from the browser (`e`, or "Export" in the palette): the file it writes is the one `dibs-tui
export` writes for the same choice, on pagila; a file that exists is overwritten only after a yes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.widgets import Input, RadioButton, RadioSet

from dibs_tui.cli import main
from dibs_tui.core.embedded import EmbeddedServer
from dibs_tui.ui.explorer.export_screen import ExportScreen
from dibs_tui.ui.screens.confirm import ConfirmScreen
from tests.conftest import TEMPLATE
from tests.pg import run_sql
from tests.realschemas import load_real
from tests.ui_pilot import loaded, make_app, wait_for


def _files(folder: Path) -> list[Path]:
    return list(folder.iterdir())


@pytest.fixture(scope="module")
def pagila(pg_server: EmbeddedServer) -> Iterator[str]:
    admin = pg_server.dsn("postgres")
    run_sql(admin, f'CREATE DATABASE export_pagila TEMPLATE "{TEMPLATE}" STRATEGY FILE_COPY')
    dsn = pg_server.dsn("export_pagila")
    load_real(dsn, "pagila")
    yield dsn
    run_sql(admin, "DROP DATABASE IF EXISTS export_pagila WITH (FORCE)")


@pytest.fixture
def by_the_cli(pagila: str, tmp_path: Path) -> dict[str, str]:
    """What `dibs-tui export` writes: the whole schema as Mermaid, film's neighbourhood to depth 2 as DOT."""
    out = {}
    for name, args in {
        "whole.mmd": ["--format", "mermaid"],
        "film.dot": ["--format", "dot", "--around", "public.film", "--depth", "2"],
    }.items():
        target = tmp_path / f"cli-{name}"
        assert main(["export", pagila, *args, "--output", str(target)]) == 0
        out[name] = target.read_text(encoding="utf-8")
    return out


async def test_export_writes_what_the_cli_writes_and_asks_before_overwriting(
    pagila: str, by_the_cli: dict[str, str], tmp_path: Path
) -> None:
    app = make_app(pagila)
    async with app.run_test(size=(120, 40)) as pilot:
        await loaded(pilot)
        await pilot.press("t", *"public.film", "enter")
        await wait_for(pilot, lambda: app.card.relation is not None and app.card.relation.name == "film")
        await pilot.press("e")
        screen = app.screen
        assert isinstance(screen, ExportScreen)
        box = screen.query_one("#export-path", Input)
        assert box.value == "./schema.mmd"
        # the whole schema, Mermaid (the defaults)
        whole = tmp_path / "whole.mmd"
        box.value = str(whole)
        await pilot.press("enter")
        await wait_for(pilot, lambda: not isinstance(app.screen, ExportScreen))
        assert whole.read_text(encoding="utf-8") == by_the_cli["whole.mmd"]

        # film's neighbourhood to depth 2, DOT: the unedited path follows the choice
        await pilot.press("e")
        screen = app.screen
        assert isinstance(screen, ExportScreen)
        screen.query_one("#export-format", RadioSet).query(RadioButton)[1].value = True
        screen.query_one("#export-scope", RadioSet).query(RadioButton)[2].value = True
        await pilot.pause()
        box = screen.query_one("#export-path", Input)
        assert box.value == "./public_film-depth2.dot"
        near = tmp_path / "film.dot"
        near.write_text("keep me\n", encoding="utf-8")
        box.value = str(near)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("n")  # no: the file stays as it was, the screen stays open
        await wait_for(
            pilot,
            lambda: (
                app.screen is screen and "not written" in str(screen.query_one("#export-status").render())
            ),
        )
        assert near.read_text(encoding="utf-8") == "keep me\n"
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await wait_for(pilot, lambda: not isinstance(app.screen, ExportScreen))
        assert near.read_text(encoding="utf-8") == by_the_cli["film.dot"]


async def test_export_is_in_the_palette_and_help(pagila: str, tmp_path: Path) -> None:
    app = make_app(pagila)
    async with app.run_test(size=(120, 40)) as pilot:
        await loaded(pilot)
        titles = {command.title for command in app.get_system_commands(app.screen)}
        assert "Export" in titles
        from dibs_tui.ui.app_help import help_entries

        assert "app.export" in {entry[3] for entry in help_entries(app)[1]}
        # a folder is refused with a line, nothing written, the screen stays
        await pilot.press("e")
        screen = app.screen
        assert isinstance(screen, ExportScreen)
        screen.query_one("#export-path", Input).value = str(tmp_path)
        await pilot.press("enter")
        await pilot.pause()
        assert "is a folder" in str(screen.query_one("#export-status").render())
        assert _files(tmp_path) == []


async def test_export_fits_80x24_with_its_choices_path_and_buttons(pagila: str, tmp_path: Path) -> None:
    app = make_app(pagila)
    async with app.run_test(size=(80, 24)) as pilot:
        await loaded(pilot)
        await pilot.press("t", *"public.customer_list", "enter")  # a long name in the scope's choices
        await wait_for(
            pilot, lambda: app.card.relation is not None and app.card.relation.name == "customer_list"
        )
        await pilot.press("e")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ExportScreen)
        dialog = screen.query_one("#export-dialog")
        assert screen.region.contains_region(dialog.region)
        inside = ("#export-format", "#export-scope", "#export-path", "#export-write", "#export-cancel")
        assert all(dialog.region.contains_region(screen.query_one(part).region) for part in inside)
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, ExportScreen))
    assert _files(tmp_path) == []


async def test_the_chosen_format_and_scope_are_told_by_their_glyph_without_colour(
    pagila: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Under NO_COLOR every choice showed ● (the chosen one told by colour only): the chosen one shows ●,
    the others ○, as drawn, and the mark follows a new choice."""
    from tests.ui_pilot import rendered

    monkeypatch.setenv("NO_COLOR", "1")
    app = make_app(pagila)
    async with app.run_test(size=(120, 40)) as pilot:
        assert app.no_color
        await loaded(pilot)
        await pilot.press("t", *"public.film", "enter")
        await wait_for(pilot, lambda: app.card.relation is not None and app.card.relation.name == "film")
        await pilot.press("e")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ExportScreen)

        def drawn(box: str) -> list[str]:
            buttons = screen.query_one(box, RadioSet).query(RadioButton)
            return ["".join(text for text, _ in rendered(b)[0]).strip() for b in buttons]

        assert drawn("#export-format") == [
            "▐●▌ Mermaid erDiagram (.mmd)",
            "▐○▌ Graphviz DOT (.dot)",
            "▐○▌ Markdown data dictionary (.md)",
        ]
        assert drawn("#export-scope") == [
            "▐●▌ the whole schema",
            "▐○▌ depth 1 around public.film",
            "▐○▌ depth 2 around public.film",
            "▐○▌ depth 3 around public.film",
        ]
        screen.query_one("#export-scope", RadioSet).query(RadioButton)[2].value = True
        await pilot.pause()
        assert [line[:3] for line in drawn("#export-scope")] == ["▐○▌", "▐○▌", "▐●▌", "▐○▌"]
        await pilot.press("escape")
