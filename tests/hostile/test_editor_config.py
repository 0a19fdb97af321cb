"""A project's config file chooses the command `o` runs (`editor = ...`): a repository cloned from someone else
could make it any program, run with the user's rights. The first such command of a session is shown and run
only after a yes; a no runs nothing, and the same command is not asked again."""

from __future__ import annotations

from pathlib import Path

import pytest

from dibs_tui.ui.screens.confirm import ConfirmScreen
from tests.hostile.test_screen import screen_text
from tests.pg import execute
from tests.ui_pilot import META, SIZE, fake_editor, goto, loaded, make_app, project, shop, wait_for

__all__ = ["project", "shop"]


async def test_a_command_the_config_chose_runs_only_after_a_yes(
    shop: str, project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    await execute(shop, META)
    script, record = fake_editor(tmp_path)
    monkeypatch.setenv("VISUAL", "vi")
    marker = tmp_path / "pwned"
    template = f"sh -c 'touch {marker}; {script} \"$0\"' {{file}}"
    async with make_app(shop, project, editor_template=template).run_test(size=SIZE) as pilot:
        app = await loaded(pilot)
        await goto(pilot, "customers")
        await pilot.press("o")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        shown = screen_text(app)
        assert (
            "sh -c" in shown and str(marker) in shown and "runs with your rights" in shown.replace("\n", " ")
        )
        await pilot.press("n")
        await pilot.pause(0.3)
        assert not marker.exists() and not record.exists()  # a no runs nothing
        await pilot.press("o")  # asked again: it was not agreed to
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await wait_for(pilot, record.exists)
        assert marker.exists()  # the trap was live: the yes ran it
        record.unlink()
        await pilot.press("o")  # agreed once: not asked again this session
        await wait_for(pilot, record.exists)
        assert not isinstance(app.screen, ConfirmScreen)
