"""`s` sorts the Tables pane by name, FK in-degree, row estimate and size (largest first, within each
schema), says so in the pane's title and shows the figure it sorts by at the end of each row. The expected
orders come from pg_catalog directly, not from our model."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from dibs_tui.core.embedded import EmbeddedServer
from dibs_tui.ui.app import DibsApp
from dibs_tui.ui.app_help import help_entries
from dibs_tui.ui.list_sort import human_bytes
from dibs_tui.ui.widgets.tables_pane import TableList, TablesPane
from tests.conftest import TEMPLATE
from tests.pg import execute, fetch, run_sql
from tests.realschemas import load_real
from tests.ui_pilot import loaded, make_app, shown_tables, wait_for

SIZES = """
CREATE TABLE small (id int PRIMARY KEY);
CREATE TABLE many (id int PRIMARY KEY, small_id int REFERENCES small(id));
CREATE TABLE wide (id int PRIMARY KEY, small_id int REFERENCES small(id), body text);
CREATE TABLE empty (id int, many_id int REFERENCES many(id));
INSERT INTO small SELECT g FROM generate_series(1, 10) g;
INSERT INTO many SELECT g, 1 + g % 10 FROM generate_series(1, 20000) g;
-- few rows, but each body is large and incompressible: TOAST makes this the biggest table
INSERT INTO wide SELECT g, 1, (SELECT string_agg(md5(g::text || i::text), '') FROM generate_series(1, 2000) i)
  FROM generate_series(1, 300) g;
"""


def _tail(table_list: TableList, name: str) -> str:
    """The figure at the end of public.`name`'s row in the tables list."""
    index = table_list.index_of(("public", name))
    assert index is not None
    return str(table_list.row_content(index)).rstrip().rsplit(name, 1)[1].strip()


@pytest.fixture(scope="module")
def pagila(pg_server: EmbeddedServer) -> Iterator[str]:
    admin = pg_server.dsn("postgres")
    run_sql(admin, f'CREATE DATABASE sort_pagila TEMPLATE "{TEMPLATE}" STRATEGY FILE_COPY')
    dsn = pg_server.dsn("sort_pagila")
    load_real(dsn, "pagila")
    yield dsn
    run_sql(admin, "DROP DATABASE IF EXISTS sort_pagila WITH (FORCE)")


async def _sort(pilot: object, app: DibsApp, title: str) -> None:
    await pilot.press("s")  # type: ignore[attr-defined]
    pane = app.query_one(TablesPane)
    await wait_for(pilot, lambda: pane.border_title == title and app.query_one(TableList).order is not None)  # type: ignore[arg-type]


@pytest.fixture
def sized(db: str) -> tuple[str, list[str]]:
    """The database, and its tables by heap + TOAST size as the server measures them, largest first."""
    run_sql(db, SIZES)
    run_sql(db, "VACUUM ANALYZE")  # relpages and reltuples, as autovacuum would count them
    by_size = asyncio.run(
        fetch(
            db,
            "SELECT 'public.' || c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'public' AND c.relkind = 'r' "
            "ORDER BY pg_total_relation_size(c.oid) - pg_indexes_size(c.oid) DESC, c.relname",
        )
    )
    return db, [r["name"] for r in by_size]


async def test_s_sorts_by_fk_in_degree_then_rows_then_size_then_name(sized: tuple[str, list[str]]) -> None:
    db, by_size = sized
    app = make_app(db)
    async with app.run_test(size=(120, 36)) as pilot:
        await loaded(pilot)
        assert shown_tables(app) == ["public.empty", "public.many", "public.small", "public.wide"]
        await _sort(pilot, app, "Tables by FK in-degree")
        assert shown_tables(app)[:2] == ["public.small", "public.many"]  # 2 FKs in, then 1
        assert "←2" in str(app.query_one(TableList).row_content(1))
        await _sort(pilot, app, "Tables by rows")
        assert shown_tables(app)[:3] == ["public.many", "public.wide", "public.small"]
        await _sort(pilot, app, "Tables by size")
        assert shown_tables(app) == by_size
        assert shown_tables(app)[0] == "public.wide"
        assert "M" in str(app.query_one(TableList).row_content(1))  # megabytes of TOAST
        await pilot.press("s")
        await wait_for(pilot, lambda: app.query_one(TablesPane).border_title == "Tables")
        assert shown_tables(app) == ["public.empty", "public.many", "public.small", "public.wide"]


@pytest.fixture(scope="module")
def hubs(pagila: str) -> set[str]:
    """pagila's most referenced tables, counted in pg_catalog: a partition stands for its partitioned table
    and the same key on every partition of payment is one key (a partition's copy of one is not counted)."""
    rows = asyncio.run(
        fetch(
            pagila,
            """
            WITH RECURSIVE root(rel, top) AS (
                SELECT oid, oid FROM pg_class WHERE NOT relispartition
                UNION ALL
                SELECT i.inhrelid, r.top FROM pg_inherits i JOIN root r ON i.inhparent = r.rel
                JOIN pg_class ch ON ch.oid = i.inhrelid AND ch.relispartition)
            SELECT t.top::regclass::text AS target,
                   count(DISTINCT (s.top, c.conkey::text, c.confkey::text)) AS n
            FROM pg_constraint c JOIN root s ON s.rel = c.conrelid JOIN root t ON t.rel = c.confrelid
            WHERE c.contype = 'f' AND c.conparentid = 0 GROUP BY 1
            """,
        )
    )
    most = max(r["n"] for r in rows)
    return {f"public.{r['target']}" for r in rows if r["n"] == most}


async def test_in_degree_on_pagila_matches_pg_constraint_and_keeps_the_selection(
    pagila: str, hubs: set[str]
) -> None:
    app = make_app(pagila)
    async with app.run_test(size=(120, 36)) as pilot:
        await loaded(pilot)
        await pilot.press("t", *"public.rental", "enter")
        await wait_for(pilot, lambda: app.card.relation is not None and app.card.relation.name == "rental")
        await pilot.press("b")
        assert "tables.sort" in {entry[3] for entry in help_entries(app)[1]}
        await _sort(pilot, app, "Tables by FK in-degree")
        assert shown_tables(app)[0] in hubs
        assert app.tables_pane.selected_relation() is not None
        assert app.tables_pane.selected_relation().name == "rental"  # type: ignore[union-attr]
        # the filter keeps the order
        await pilot.press("slash", *"film")
        await wait_for(pilot, lambda: "film" in app.tables_pane.filter_text and len(shown_tables(app)) < 10)
        shown = shown_tables(app)
        assert shown.index("public.film") < shown.index("public.film_category")  # film is referenced most
        titles = {command.title for command in app.get_system_commands(app.screen)}
        assert "Sort tables" in titles


async def test_a_view_shows_no_row_count_and_sorts_after_every_table_by_rows(db: str) -> None:
    """A view holds no rows of its own (pg_class.reltuples is -1 for it, as for a table never analysed): its
    row in the list shows no figure, where it showed `?`, and by rows it comes after every table, the one
    never analysed included (its rows are unknown, not none). A materialized view keeps its figure."""
    await execute(
        db,
        "CREATE TABLE counted (id int); INSERT INTO counted SELECT generate_series(1, 50); ANALYZE counted;"
        "CREATE TABLE zero (id int); ANALYZE zero;"
        "CREATE TABLE unanalysed (id int);"
        "CREATE VIEW a_view AS SELECT id FROM counted;"
        "CREATE MATERIALIZED VIEW kept AS SELECT id FROM counted; ANALYZE kept;",
    )
    estimates = {
        r["relname"]: r["reltuples"]
        for r in await fetch(
            db, "SELECT relname, reltuples FROM pg_class WHERE relnamespace = 'public'::regnamespace"
        )
    }
    assert estimates["a_view"] == estimates["unanalysed"] == -1  # what the list has to tell apart
    app = make_app(db)
    async with app.run_test(size=(120, 36)) as pilot:
        await loaded(pilot)
        table_list = app.query_one(TableList)

        def tail(name: str) -> str:
            return _tail(table_list, name)

        assert tail("a_view") == "" and tail("unanalysed") == "?"
        assert tail("counted") == "50" and tail("zero") == "0" and tail("kept") == "50"
        await _sort(pilot, app, "Tables by FK in-degree")
        await _sort(pilot, app, "Tables by rows")
        assert shown_tables(app) == [
            "public.counted",
            "public.kept",
            "public.zero",
            "public.unanalysed",
            "public.a_view",
        ]
        assert tail("a_view") == ""


async def test_by_size_a_partitioned_table_weighs_its_partitions_and_a_view_nothing(db: str) -> None:
    """A partitioned table stores nothing itself (no pages of its own): by size it showed `0` and
    sank below every table, while its partitions hold the data. It now shows its partitions' sum (a nested
    one's included) and sorts by it; a view, which stores nothing, shows no figure and comes last."""
    await execute(
        db,
        "CREATE TABLE events (at date, body text) PARTITION BY RANGE (at);"
        "CREATE TABLE events_2025 PARTITION OF events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01')"
        " PARTITION BY RANGE (at);"
        "CREATE TABLE events_2025_h1 PARTITION OF events_2025 FOR VALUES FROM ('2025-01-01') TO ('2025-07-01');"
        "CREATE TABLE events_2026 PARTITION OF events FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');"
        "INSERT INTO events SELECT '2025-03-01', repeat('x', 200) FROM generate_series(1, 3000);"
        "INSERT INTO events SELECT '2026-03-01', repeat('y', 200) FROM generate_series(1, 3000);"
        "CREATE TABLE single (id int, body text);"
        "INSERT INTO single SELECT g, repeat('z', 200) FROM generate_series(1, 5000) g;"
        "CREATE VIEW a_view AS SELECT id FROM single; ANALYZE;",
    )
    sizes = {  # as the catalog counts them (the pages ANALYZE counted, the TOAST table's too)
        r["relname"]: r["size"]
        for r in await fetch(
            db,
            "SELECT c.relname, (c.relpages + coalesce(t.relpages, 0)) * current_setting('block_size')::int "
            "AS size FROM pg_class c LEFT JOIN pg_class t ON t.oid = c.reltoastrelid "
            "WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p', 'v')",
        )
    }
    # relpages is -1 for a partitioned table once analysed
    assert sizes["events"] == sizes["events_2025"] == -8192 and sizes["a_view"] == 0
    total = sizes["events_2025_h1"] + sizes["events_2026"]
    assert total > sizes["single"] > max(sizes["events_2025_h1"], sizes["events_2026"])
    app = make_app(db)
    async with app.run_test(size=(120, 36)) as pilot:
        await loaded(pilot)
        table_list = app.query_one(TableList)

        def tail(name: str) -> str:
            return _tail(table_list, name)

        for title in ("FK in-degree", "rows", "size"):
            await _sort(pilot, app, f"Tables by {title}")
        order = shown_tables(app)
        # The parent by its partitions' sum first, then the one table larger than any partition; the view last.
        assert order[:2] == ["public.events", "public.single"] and order[-1] == "public.a_view", order
        assert tail("a_view") == ""
        assert tail("events") == human_bytes(total)
        assert tail("events_2025") == human_bytes(sizes["events_2025_h1"])  # its nested partition's


async def test_a_table_never_counted_says_its_size_is_unknown_not_zero(db: str) -> None:
    """relpages stays 0 until a VACUUM, ANALYZE or CREATE INDEX: a 14 MB table loaded and never analysed
    showed `0` by size and sorted below a table that is really empty. Its size is `?` now, and its
    partitioned parent's too; they sort after the counted tables, before the views."""
    await execute(
        db,
        "CREATE TABLE counted (id int); INSERT INTO counted VALUES (1); ANALYZE counted;"
        "CREATE TABLE empty_one (id int); ANALYZE empty_one;"
        "CREATE TABLE loaded (id int, body text) WITH (autovacuum_enabled = off);"
        "INSERT INTO loaded SELECT g, repeat('x', 100) FROM generate_series(1, 20000) g;"
        "CREATE TABLE parted (at int) PARTITION BY RANGE (at);"
        "CREATE TABLE parted_1 PARTITION OF parted FOR VALUES FROM (0) TO (10)"
        " WITH (autovacuum_enabled = off);"
        "INSERT INTO parted SELECT 1 FROM generate_series(1, 1000);"
        "CREATE VIEW a_view AS SELECT id FROM counted;",
    )
    stats = {
        r["relname"]: (r["relpages"], r["reltuples"], r["bytes"])
        for r in await fetch(
            db,
            "SELECT relname, relpages, reltuples, pg_relation_size(oid) AS bytes FROM pg_class "
            "WHERE relname IN ('loaded', 'empty_one', 'counted')",
        )
    }
    assert stats["loaded"][0] == 0 and stats["loaded"][1] == -1 and stats["loaded"][2] > 1_000_000, stats
    assert stats["empty_one"][2] == 0 and stats["counted"][0] > 0, stats
    app = make_app(db)
    async with app.run_test(size=(120, 36)) as pilot:
        await loaded(pilot)
        table_list = app.query_one(TableList)

        def tail(name: str) -> str:
            return _tail(table_list, name)

        for title in ("FK in-degree", "rows", "size"):
            await _sort(pilot, app, f"Tables by {title}")
        assert tail("loaded") == tail("parted") == tail("parted_1") == "?"
        assert tail("empty_one") == "0" and tail("counted") == human_bytes(stats["counted"][0] * 8192)
        order = [name.split(".")[1] for name in shown_tables(app)]
        assert order[:2] == ["counted", "empty_one"] and order[-1] == "a_view", order
        assert set(order[2:-1]) == {"loaded", "parted", "parted_1"}, order


async def test_the_sorted_lists_title_is_whole_at_80_columns(db: str) -> None:
    """At 80x24 (the pane 28 columns wide, its most) the title read `Tables by FK in-degre…`."""
    await execute(db, "CREATE TABLE nicer_but_slower_film_list (id int PRIMARY KEY)")
    app = make_app(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await loaded(pilot)
        pane = app.query_one(TablesPane)
        await pilot.press("s")
        await wait_for(
            pilot, lambda: pane.border_title != "Tables" and app.query_one(TableList).order is not None
        )
        await pilot.pause()
        top = "".join(segment.text for segment in pane.render_lines(pane.region.reset_offset)[0])
        assert f"─ {pane.border_title} ─" in top and "…" not in top, top
