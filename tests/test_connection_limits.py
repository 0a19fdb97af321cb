"""A role with few sessions to spare, as production's read-only roles often are (CONNECTION LIMIT 1): a read
makes do with the sessions it gets, a session that waits for another of ours gets its slot once that one ends,
and a command that needs two at once says so. Every command used to fail on such a role ('too many
connections for role'): the catalog read opened two sessions and gave up when the second was refused."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from itertools import count
from pathlib import Path

import pytest

from dibs_tui.core.connect import connect, resolve
from dibs_tui.core.embedded import EmbeddedServer
from dibs_tui.core.errors import ConnectError
from tests.cli_in_process import run_cli as _dibs
from tests.pg import execute, fetch, run_sql, sandbox_leftovers

_names = count()


def _limited_role(db: str, pg_server: EmbeddedServer, sessions: int) -> Iterator[str]:
    """The DSN of `db` as a role that may hold `sessions` sessions, reads everything and may make a sandbox."""
    role = f"sessions_{sessions}_{next(_names)}_{db.rsplit('/', 1)[1]}"
    run_sql(
        pg_server.dsn(),
        f'CREATE ROLE "{role}" LOGIN CREATEDB CREATEROLE CONNECTION LIMIT {sessions}; '
        f'GRANT pg_read_all_data TO "{role}"',
    )
    run_sql(
        db,
        "CREATE TABLE parent (id int PRIMARY KEY); "
        "CREATE TABLE child (id int PRIMARY KEY, parent_id int REFERENCES parent);"
        "INSERT INTO parent VALUES (1), (2)",
    )
    yield db.replace("postgres@", f"{role}@")
    run_sql(pg_server.dsn(), f'DROP ROLE IF EXISTS "{role}"')


@pytest.fixture
def one_session(db: str, pg_server: EmbeddedServer) -> Iterator[str]:
    yield from _limited_role(db, pg_server, 1)


@pytest.fixture
def four_sessions(db: str, pg_server: EmbeddedServer) -> Iterator[str]:
    """The browser's whole read on three sessions and one more: its list, cards and watch make do with one."""
    yield from _limited_role(db, pg_server, 4)


def test_a_read_makes_do_with_the_one_session_the_role_may_hold(one_session: str) -> None:
    done = _dibs("schema", one_session, "--json")
    assert done.returncode == 0, done.stderr
    assert sorted(r["name"] for r in json.loads(done.stdout)["relations"]) == ["child", "parent"]
    linted = _dibs("lint", one_session)  # the catalog, then the index statistics over the same session
    assert linted.stderr == "" and "findings (error: 0" in linted.stdout


def test_a_diff_against_files_runs_on_one_session_and_leaves_no_sandbox(
    one_session: str, tmp_path: Path, pg_server: EmbeddedServer
) -> None:
    desired = tmp_path / "schema.sql"
    desired.write_text(
        "CREATE TABLE parent (id int PRIMARY KEY, name text);\n"
        "CREATE TABLE child (id int PRIMARY KEY, parent_id int REFERENCES parent);\n"
    )
    done = _dibs("diff", one_session, "--desired", str(desired))
    assert done.returncode == 2, done.stderr  # differences found, none refused
    assert "ALTER TABLE public.parent ADD COLUMN name text" in done.stdout
    assert sandbox_leftovers(pg_server) == []


def test_migrate_says_it_needs_two_sessions_and_applies_nothing(one_session: str, tmp_path: Path) -> None:
    folder = tmp_path / "migrations"
    folder.mkdir()
    (folder / "001_add.sql").write_text("ALTER TABLE parent ADD COLUMN name text;\n")
    done = _dibs("migrate", one_session, "--migrations", str(folder), "--yes")
    assert done.returncode == 1
    assert "Traceback" not in done.stderr and "internal error" not in done.stderr
    assert "migrate needs two at once (the applier and its proof)" in done.stderr
    columns = asyncio.run(
        fetch(
            one_session, "SELECT attname FROM pg_attribute WHERE attrelid = 'parent'::regclass AND attnum > 0"
        )
    )
    assert [c["attname"] for c in columns] == ["id"]


def test_a_session_that_may_wait_gets_the_slot_once_ours_ends(one_session: str) -> None:
    """The sandbox's teardown beside the live read: refused while our other session holds the one slot, it
    waits for that one to end; without waiting, the refusal is said at once and marked as no free slot."""
    target = resolve(one_session, {})

    async def scenario() -> tuple[bool, int]:
        held = await connect(target)
        with pytest.raises(ConnectError) as refused:
            await connect(target)
        waiting = asyncio.ensure_future(connect(target, wait_for_slot=True))
        await asyncio.sleep(0.5)
        assert not waiting.done()  # still waiting for ours
        await held.close()
        conn = await asyncio.wait_for(waiting, 10)
        try:
            return refused.value.no_free_slot, await conn.fetchval("SELECT 1")
        finally:
            await conn.close()

    assert asyncio.run(scenario()) == (True, 1)


async def test_the_browser_refreshes_on_the_one_session_its_watch_held(one_session: str) -> None:
    """Once loaded, the browser's idle watch held the role's only session: `r` said 'Refresh failed (showing
    the old catalog): too many connections'. A read now ends the watch first and waits for its slot; the
    watch starts again after it."""
    from tests.ui_pilot import loaded, make_app, wait_for

    app = make_app(one_session)
    async with app.run_test(size=(120, 36)) as pilot:
        await loaded(pilot)
        await wait_for(pilot, lambda: app._watching)
        for _ in range(2):
            generation = app._load_generation
            await pilot.press("r")
            await wait_for(pilot, lambda g=generation: app._load_generation > g and not app.load_state)
            assert app.screen is app.screen_stack[0]  # no error screen
            await wait_for(pilot, lambda: app._watching)


async def test_the_browser_loads_and_refreshes_on_a_role_of_four_sessions(four_sessions: str) -> None:
    from tests.ui_pilot import loaded, make_app, wait_for

    app = make_app(four_sessions)
    async with app.run_test(size=(120, 36)) as pilot:
        await loaded(pilot)
        assert app.catalog is not None and sorted(r.name for r in app.catalog.relations) == [
            "child",
            "parent",
        ]
        generation = app._load_generation
        await pilot.press("r")
        await wait_for(pilot, lambda: app._load_generation > generation and not app.load_state)
        assert app.screen is app.screen_stack[0]  # no error screen
        assert app.catalog is not None and len(app.catalog.relations) == 2


def test_the_first_card_shows_on_the_one_session_while_the_whole_read_waits(
    one_session: str, db: str
) -> None:
    """The card's own read was refused ('too many connections') while the whole read held the role's only
    session, and the card waited for the whole read (held here on another session's lock: for ever). It is
    read on that session now, while the first card is waited for, and another while the whole read waits for
    the lock: on screen before the whole read ends."""
    from tests.pg import held_table
    from tests.ui_pilot import make_app, wait_for

    async def scenario() -> None:
        app = make_app(one_session, lock_timeout="10min")
        async with app.run_test(size=(120, 36)) as pilot:
            await wait_for(pilot, lambda: app.card.relation is not None)
            assert app.catalog is None
            assert app.card.relation is not None and app.card.relation.name == "child"
            assert [c.foreign_key.target_columns for c in app.card.relation.constraints if c.foreign_key] == [
                ("id",)
            ]
            await wait_for(pilot, lambda: app.lock_wait)  # the whole read waits, its progress said
            # ... and reads another card meanwhile, between its looks at the lock's holder
            assert app.tables_pane.select(("public", "parent"))
            # within moments, not at the whole read's next try (lock_wait.RETRY_EVERY, 30 s)
            shown = lambda: app.card.relation is not None and app.card.relation.name == "parent"  # noqa: E731
            await wait_for(pilot, shown, limit=10)
            assert app.catalog is None

    with held_table(db) as held:
        asyncio.run(scenario())
        assert held.release() == 1


async def test_a_relation_is_read_between_the_whole_read_s_queries_on_its_session(one_session: str) -> None:
    """What the browser's card does on one session: load_relations between the whole read's queries and
    portions, inside its transaction (on a savepoint), and both reads whole."""
    from dibs_tui.core.introspect.read import load_catalog, load_relations
    from dibs_tui.core.model import Catalog

    conn = await connect(resolve(one_session, {}))
    cards: list[Catalog] = []

    async def between(on: object) -> None:
        assert on is conn
        if len(cards) < 3:
            cards.append(await load_relations(conn, [("public", "child")]))

    try:
        whole = await load_catalog(conn, between=between, least_portion=1)
    finally:
        await conn.close()
    assert sorted(r.name for r in whole.relations) == ["child", "parent"]
    assert [[r.name for r in card.relations] for card in cards] == [["child"]] * 3
    assert all(len(card.relations[0].columns) == 2 for card in cards)


async def test_a_card_read_cancelled_with_the_whole_read_tells_its_card(one_session: str, db: str) -> None:
    """The whole read cancelled (the app closing) in the middle of a card's read on its session: the card's
    future was left running, and its worker waited for ever. It is told, and the cancel goes on."""
    import asyncpg

    from dibs_tui.ui.catalog_loader import CardReads

    await execute(db, "CREATE TABLE checked (id int CHECK (id > 0))")
    holder = await asyncpg.connect(db)  # the card's read deparses the CHECK, which opens the table: it waits
    await holder.execute("BEGIN; LOCK TABLE checked IN ACCESS EXCLUSIVE MODE")
    reads = CardReads()
    conn = await connect(resolve(one_session, {}))
    try:
        with reads.held():
            asked = reads.ask(("public", "checked"))
            assert asked is not None
            serving = asyncio.ensure_future(reads.serve(conn))
            for _ in range(
                600
            ):  # until the card's read is in its middle: waiting for the lock (30 s at most)
                if await holder.fetchval(
                    "SELECT count(*) FROM pg_locks WHERE relation = 'public.checked'::regclass AND NOT granted"
                ):
                    break
                await asyncio.sleep(0.05)
            else:
                raise AssertionError("the card's read never reached the table")
            serving.cancel()
            with pytest.raises(asyncio.CancelledError):
                await serving
        assert asked.done() and isinstance(asked.exception(), asyncio.CancelledError)
    finally:
        await holder.close()
        conn.terminate()
