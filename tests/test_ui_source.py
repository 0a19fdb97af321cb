"""Source locations in the browser: OSC 8 links, and `o` opening the editor at the line (or saying why not)."""

from __future__ import annotations

from pathlib import Path

import pytest

from dibs_tui.ui.screens.confirm import ConfirmScreen
from dibs_tui.ui.widgets.details import DetailsView
from tests.pg import execute
from tests.ui_pilot import (
    META,
    SIZE,
    fake_editor,
    goto,
    loaded,
    make_app,
    project,
    rendered,
    shop,
    wait_for,
)

__all__ = ["project", "shop"]  # fixtures


async def test_source_locations_are_osc8_links(shop: str, project: Path) -> None:
    await execute(shop, META)
    url = (project / "db" / "schema.sql").resolve().as_uri()
    async with make_app(shop, project).run_test(size=SIZE) as pilot:
        app = await loaded(pilot)
        await goto(pilot, "customers")
        header = app.query_one("#card-header")
        header_links = [(text, link) for line in rendered(header) for text, link in line if link]
        assert ("db/schema.sql:2", url) in header_links
        column_links = {link for line in rendered(app.card.column_list) for _, link in line if link}
        assert column_links == {url}
        rows = ["".join(t for t, _ in line) for line in rendered(app.card.column_list)]
        assert ":3" in rows[0] and "initial" in rows[0]
        assert ":4" in rows[1] and "+rename-name" in rows[1]
        await pilot.press("l")  # column details: the source, its path and that the file exists
        details = [line.content.plain for line in app.query_one(DetailsView).lines]
        assert any("db/schema.sql:3:5" in t and "file exists" in t for t in details)


async def test_o_opens_the_column_source_in_the_editor(
    shop: str, project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    await execute(shop, META)
    script, record = fake_editor(tmp_path)
    monkeypatch.setenv("VISUAL", str(script))
    monkeypatch.delenv("EDITOR", raising=False)
    path = str((project / "db" / "schema.sql").resolve())
    async with make_app(shop, project, editor_template=f"{script} --line {{line}} {{file}}").run_test(
        size=SIZE
    ) as pilot:
        app = await loaded(pilot)
        await goto(pilot, "customers")
        await pilot.press("l", "j", "o")  # column `name`, defined on line 4
        # The config chose the command: asked once per session (tests/hostile/test_editor_config.py)
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await wait_for(pilot, record.exists)
        assert record.read_text().splitlines() == ["--line", "4", path]
        record.unlink()
        await pilot.press("h", "o")  # the table, line 2
        await wait_for(pilot, record.exists)
        assert record.read_text().splitlines() == ["--line", "2", path]
        record.unlink()
        await goto(pilot, "orders")
        await pilot.press("o")  # no meta row: a message, no editor
        await pilot.pause(0.3)
        assert not record.exists()
        assert any("no source location" in str(n.message) for n in app._notifications)


@pytest.mark.parametrize(
    ("editor", "expected"),
    [("nvim", ["+4", "{path}"]), ("hx", ["{path}:4:5"]), ("code", ["--goto", "{path}:4:5"])],
)
async def test_o_uses_the_editor_family_line_syntax(
    shop: str,
    project: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    editor: str,
    expected: list[str],
) -> None:
    await execute(shop, META)
    script, record = fake_editor(tmp_path, editor)
    monkeypatch.setenv("VISUAL", str(script))
    path = str((project / "db" / "schema.sql").resolve())
    async with make_app(shop, project).run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await goto(pilot, "customers")
        await pilot.press("l", "j", "o")  # column `name`: line 4, column 5
        await wait_for(pilot, lambda: record.exists() and record.read_text())
        assert record.read_text().splitlines() == [arg.format(path=path) for arg in expected]


async def test_o_explains_a_missing_file_and_a_path_outside_the_project(
    shop: str, project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    await execute(shop, META)
    await execute(
        shop,
        "UPDATE __dibs_columns SET source_file = '../elsewhere.sql' WHERE column_name = 'id';"
        "UPDATE __dibs_columns SET source_file = 'db/gone.sql' WHERE column_name = 'name';",
    )
    (project.parent / "elsewhere.sql").write_text("-- outside\n")
    script, record = fake_editor(tmp_path)
    monkeypatch.setenv("VISUAL", str(script))
    async with make_app(shop, project).run_test(size=SIZE) as pilot:
        app = await loaded(pilot)
        await goto(pilot, "customers")
        await pilot.press("l", "j", "o")  # `name` points at a file that does not exist
        await pilot.pause()
        messages = [str(n.message) for n in app._notifications]
        assert any("file not found" in m and str(project / "db" / "gone.sql") in m for m in messages)
        await pilot.press("k", "o")  # `id` points outside the project root: asks first
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("n")
        await pilot.pause(0.3)
        assert not record.exists()
        await pilot.press("o")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await wait_for(pilot, lambda: record.exists() and record.read_text())
        assert str((project.parent / "elsewhere.sql").resolve()) in record.read_text().splitlines()


async def test_o_reports_a_missing_editor_and_a_failing_one(
    shop: str, project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    await execute(shop, META)
    failing = tmp_path / "failing-editor"
    failing.write_text("#!/bin/sh\nexit 3\n")
    failing.chmod(0o755)
    async with make_app(shop, project).run_test(size=SIZE) as pilot:
        app = await loaded(pilot)
        await goto(pilot, "customers")
        monkeypatch.setenv("VISUAL", str(tmp_path / "no-such-editor"))
        await pilot.press("o")
        await pilot.pause()
        assert any("editor not found" in str(n.message) for n in app._notifications)
        monkeypatch.setenv("VISUAL", str(failing))
        await pilot.press("o")
        await wait_for(
            pilot, lambda: any("exited with status 3" in str(n.message) for n in app._notifications)
        )
