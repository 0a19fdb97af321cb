"""Hostile conditions for the browser's start-up: the first card is read over connections of its own (two,
opened at once) beside the loader's two. A server that refuses some of them must cost the user nothing but
time: the card comes with the whole catalog, no error, nothing written, no session of ours left behind."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest

from dibs_tui.ui.app import DibsApp
from dibs_tui.ui.screens.error import ErrorScreen
from tests.pg import fetch, run_sql
from tests.ui_pilot import make_app, wait_for


def _sessions_of(dsn: str, role: str) -> int:
    rows = asyncio.run(fetch(dsn, "SELECT count(*) AS n FROM pg_stat_activity WHERE usename = $1", role))
    return int(rows[0]["n"])


async def _browse(dsn: str, root: Path) -> tuple[str | None, list[str], bool]:
    """The first card's table and columns once the whole catalog is in, and whether an error was shown."""
    async with make_app(dsn, root).run_test(size=(120, 36)) as pilot:
        app = pilot.app
        assert isinstance(app, DibsApp)
        await wait_for(pilot, lambda: app.catalog is not None and app.card.relation is not None, limit=60)
        relation = app.card.relation
        assert relation is not None and app.catalog is not None
        whole = relation is app.catalog.relation(relation.schema, relation.name)
        return (
            relation.name if whole else None,
            [c.name for c in relation.columns],
            isinstance(app.screen, ErrorScreen),
        )


@pytest.mark.parametrize("limit", [2, 3])  # none of the card's connections, or one of its two
def test_a_role_allowed_few_connections_still_gets_its_first_card_and_whole_catalog(
    limit: int, db: str, tmp_path: Path
) -> None:
    role = f"few_sessions_{os.getpid()}_{limit}"
    run_sql(
        db,
        f'CREATE ROLE "{role}" LOGIN CONNECTION LIMIT {limit};'
        "CREATE TABLE public.a_first (id int PRIMARY KEY, note text); INSERT INTO public.a_first VALUES (1, 'kept');"
        f'GRANT SELECT ON public.a_first TO "{role}";',
    )
    limited = db.replace("//postgres@", f"//{role}@", 1)
    assert limited != db
    try:
        name, columns, failed = asyncio.run(_browse(limited, tmp_path))
        assert (name, columns, failed) == ("a_first", ["id", "note"], False)
        for _ in range(50):  # the backends end as their sockets close
            if _sessions_of(db, role) == 0:
                break
            asyncio.run(asyncio.sleep(0.1))
        assert _sessions_of(db, role) == 0
        rows = asyncio.run(fetch(db, "SELECT id, note FROM public.a_first"))
        assert [tuple(r) for r in rows] == [(1, "kept")]
        assert not list(tmp_path.iterdir())  # nothing written where the browser ran
    finally:
        run_sql(db, f'REVOKE ALL ON public.a_first FROM "{role}"; DROP ROLE "{role}";')
