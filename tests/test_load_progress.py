"""The header says how far the full catalog read has got while it runs."""

from __future__ import annotations

import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import asyncpg
import pytest
from textual.pilot import Pilot

from dibs_tui.config import Settings
from dibs_tui.core.connect import resolve
from dibs_tui.ui.app import DibsApp
from tests.pg import execute

PATIENCE = 60.0  # seconds before giving up on a state (a hang, never a speed)


@asynccontextmanager
async def _browsing_while_held(
    db: str, tmp_path: Path, schema: str
) -> AsyncIterator[tuple[DibsApp, Pilot[int], Callable[[], Awaitable[None]]]]:
    """The browser on `db` (made of `schema`) while another session holds table `held` in ACCESS EXCLUSIVE
    mode, until the `release()` given with the app and its pilot."""
    await execute(db, schema)
    holder = await asyncpg.connect(db)
    lock = holder.transaction()
    await lock.start()
    await holder.execute("LOCK TABLE held IN ACCESS EXCLUSIVE MODE")
    app = DibsApp(resolve(db), Settings(project_root=tmp_path, lock_timeout="10min"), header_label="db")
    try:
        async with app.run_test(size=(120, 36)) as pilot:
            yield app, pilot, lock.rollback
    finally:
        await holder.close()


async def test_the_header_counts_the_answered_queries_while_one_waits_on_a_lock(
    db: str, tmp_path: Path
) -> None:
    # The read is held in the middle: another session locks a table whose CHECK and view it must deparse.
    schema = (
        "CREATE TABLE held (id int PRIMARY KEY CHECK (id > 0)); CREATE VIEW held_view AS SELECT id FROM held;"
    )
    async with _browsing_while_held(db, tmp_path, schema) as (app, pilot, release):
        deadline = time.monotonic() + PATIENCE
        while not re.search(r"\((\d+)/(\d+) queries\)", app.load_state):
            assert time.monotonic() < deadline, f"no progress in the header: {app.load_state!r}"
            await pilot.pause(0.05)
        done, total = map(int, re.search(r"\((\d+)/(\d+) queries\)", app.load_state).groups())  # type: ignore[union-attr]
        assert 0 < done < total and app.catalog is None  # part of the read is in, the rest waits
        await release()
        while app.catalog is None:
            assert time.monotonic() < deadline, "the catalog never arrived after the lock went"
            await pilot.pause(0.05)
        assert app.load_state == ""  # the header's progress is gone with the load
        assert {r.name for r in app.catalog.relations} == {"held", "held_view"}


async def test_the_list_takes_its_width_for_the_catalog_while_the_read_waits(db: str, tmp_path: Path) -> None:
    """A database without meta tables: the list drops its meta column as soon as the read has read them, not
    when the whole catalog comes in, so the Tables pane keeps its width then (a new width made the screen's
    whole layout again after the read's last rows). Only the constraints' query waits here: it must deparse
    the CHECK of a table another session locks."""
    schema = "CREATE TABLE held (id int PRIMARY KEY CHECK (id > 0)); CREATE TABLE other (id int);"
    async with _browsing_while_held(db, tmp_path, schema) as (app, pilot, release):
        pane = app.tables_pane
        deadline = time.monotonic() + PATIENCE
        while pane.listing is None or pane.table_list.meta_marks:
            assert time.monotonic() < deadline, "the meta column stayed until the catalog"
            await pilot.pause(0.05)
        assert app.catalog is None  # the read still waits for the lock
        width = pane.styles.width
        await release()
        while app.catalog is None:
            assert time.monotonic() < deadline, "the catalog never arrived after the lock went"
            await pilot.pause(0.05)
        assert not app.catalog.meta.present and pane.styles.width == width


@pytest.mark.parametrize(
    "meta", ["", "CREATE TABLE _dibs_migrations (version text, applied_at timestamptz);"]
)
async def test_the_first_list_has_the_meta_column_the_catalog_will_have(
    db: str, tmp_path: Path, meta: str
) -> None:
    """The first list is drawn with the meta column the catalog will have (none without meta tables), though
    the read has not read the meta tables yet: here it waits before them, on a table another session locks
    (its policy's expression is deparsed). The Tables pane then keeps its width: a new one made the screen's
    whole layout again in the middle of the read."""
    schema = f"CREATE TABLE held (id int); CREATE POLICY own ON held USING (id > 0); CREATE TABLE other (id int); {meta}"
    async with _browsing_while_held(db, tmp_path, schema) as (app, pilot, release):
        pane = app.tables_pane
        deadline = time.monotonic() + PATIENCE
        while pane.listing is None:
            assert time.monotonic() < deadline, "the list never came"
            await pilot.pause(0.05)
        assert app.catalog is None  # the read still waits for the lock
        assert pane.table_list.meta_marks == bool(meta)
        width = pane.styles.width
        await release()
        while app.catalog is None:
            assert time.monotonic() < deadline, "the catalog never arrived after the lock went"
            await pilot.pause(0.05)
        assert app.catalog.meta.present == bool(meta) and pane.styles.width == width
