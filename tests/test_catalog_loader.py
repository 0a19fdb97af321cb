"""The browser's loader: its catalog sessions closed without failing a load that was read; the list on screen
made again of the read's own relations where it is large."""

from __future__ import annotations

import asyncio
import os
import signal
import threading
import time

import pytest

from dibs_tui.config import Settings
from dibs_tui.core.connect import connect, resolve
from dibs_tui.core.model import Catalog
from dibs_tui.ui import catalog_loader
from dibs_tui.ui.catalog_loader import CLOSE_TIMEOUT, _close
from tests.pg import run_sql


async def _close_a_stopped_backend(dsn: str) -> tuple[float, bool]:
    conn = await connect(resolve(dsn))
    pid = conn.get_server_pid()
    os.kill(pid, signal.SIGSTOP)  # the backend cannot answer the goodbye, as a busy one ending a big read
    try:
        started = time.perf_counter()
        await _close(conn)  # raised TimeoutError, which failed a 100,000-table load already read
        return time.perf_counter() - started, conn.is_closed()
    finally:
        os.kill(pid, signal.SIGCONT)


def test_a_session_slow_to_end_is_closed_without_an_error(db: str) -> None:
    took, closed = asyncio.run(_close_a_stopped_backend(db))
    assert closed and CLOSE_TIMEOUT <= took < CLOSE_TIMEOUT + 1.0


def _fetched(dsn: str) -> tuple[list[tuple[Catalog, bool]], Catalog]:
    """The lists the browser's loader hands over, in order (names, complete), and the catalog it loads."""
    lists: list[tuple[Catalog, bool]] = []
    loaded: list[Catalog] = []
    ready = threading.Event()
    ready.set()
    asyncio.run(
        catalog_loader.fetch_catalog(
            resolve(dsn),
            Settings(),
            {},
            loaded.append,
            on_listed=lambda names, complete: lists.append((names, complete)),
            on_progress=lambda done, total: None,
            wants_listing=lambda: True,
            first_card_ready=ready,
            first_card_wait=0.0,
            card_reads=catalog_loader.CardReads(),
        )
    )
    (catalog,) = loaded
    return lists, catalog


def test_a_large_list_is_made_again_of_the_reads_relations_before_the_catalog_is_assembled(
    db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Three relations count as large here; the first screenful (two) is not all of them.
    monkeypatch.setattr(catalog_loader, "RELIST_FROM", 3)
    monkeypatch.setattr(catalog_loader, "FIRST_SCREEN", 2)
    run_sql(
        db, "CREATE TABLE a (id int PRIMARY KEY); CREATE TABLE b (x int); CREATE VIEW c AS SELECT 1 AS one;"
    )
    lists, catalog = _fetched(db)
    assert [(len(names.relations), complete) for names, complete in lists] == [
        (2, False),
        (3, True),
        (3, True),
    ]
    first, relisted = lists[1][0], lists[2][0]
    assert [r.columns for r in first.relations] == [(), (), ()]  # names only
    # The second list is the read's own relations, whole: the catalog holds the same objects.
    assert all(a is b for a, b in zip(relisted.relations, catalog.relations, strict=True))
    assert [c.name for c in catalog.relation("public", "a").columns] == ["id"]  # type: ignore[union-attr]


def test_a_small_list_is_not_made_again(db: str) -> None:
    run_sql(db, "CREATE TABLE a (id int PRIMARY KEY);")
    lists, catalog = _fetched(db)
    assert [complete for _, complete in lists] == [True] and len(catalog.relations) == 1
