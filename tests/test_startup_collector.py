"""The browser's start runs with the cyclic collector paused (commands.open): the app ends the pause once its
first frame is drawn, before the catalog's load starts, and what the start made is frozen out of its reach."""

from __future__ import annotations

import gc
import time
from contextlib import ExitStack
from pathlib import Path

from dibs_tui.config import Settings
from dibs_tui.core.connect import resolve
from dibs_tui.core.gc_pause import collector_paused
from dibs_tui.ui.app import DibsApp
from tests.pg import execute

PATIENCE = 60.0  # seconds before giving up on the load (a hang, never a speed)


async def test_the_start_s_pause_ends_at_the_first_frame_and_freezes_what_it_made(
    db: str, tmp_path: Path
) -> None:
    await execute(db, "CREATE TABLE t (id int PRIMARY KEY)")
    was = gc.isenabled()
    gc.enable()
    gc.unfreeze()
    seen: list[tuple[bool, str]] = []
    try:
        with ExitStack() as start:
            start.enter_context(collector_paused(keep_what_was_built=True))

            def first_frame() -> None:
                seen.append((gc.isenabled(), app.load_state))
                start.close()

            app = DibsApp(
                resolve(db), Settings(project_root=tmp_path), header_label="db", first_frame=first_frame
            )
            async with app.run_test(size=(120, 36)) as pilot:
                deadline = time.monotonic() + PATIENCE
                while app.catalog is None:
                    assert time.monotonic() < deadline, "the catalog never arrived"
                    await pilot.pause(0.05)
                assert gc.isenabled()
        assert seen == [(False, "connecting…")]  # once, paused until then, before the load started
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
        if not was:
            gc.disable()
