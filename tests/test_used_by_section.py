"""The Details pane's "Used by" section, on the shop schema and on pagila: the first level of what uses the
selected table or column, counted per kind, "found in body" marked, each line leading to its table or
column; `u` still opens the whole tree."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.pilot import Pilot

from dibs_tui.core.embedded import EmbeddedServer
from dibs_tui.demo.build import build_demo
from dibs_tui.ui.app import DibsApp
from dibs_tui.ui.explorer.uses_screen import UsesScreen
from tests.conftest import TEMPLATE
from tests.pg import execute, run_sql
from tests.realschemas import load_real
from tests.ui_pilot import loaded, make_app, shop, wait_for

__all__ = ["shop"]

TRIGGER = """
CREATE FUNCTION touch_customer() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN UPDATE customers SET name = name WHERE id = NEW.customer_id; RETURN NEW; END $$;
CREATE TRIGGER orders_touch AFTER INSERT ON orders FOR EACH ROW EXECUTE FUNCTION touch_customer();
"""


@pytest.fixture(scope="module")
def pagila(pg_server: EmbeddedServer) -> Iterator[str]:
    admin = pg_server.dsn("postgres")
    run_sql(admin, f'CREATE DATABASE used_by_pagila TEMPLATE "{TEMPLATE}" STRATEGY FILE_COPY')
    dsn = pg_server.dsn("used_by_pagila")
    load_real(dsn, "pagila")
    yield dsn
    run_sql(admin, "DROP DATABASE IF EXISTS used_by_pagila WITH (FORCE)")


@pytest.fixture(scope="module")
def demo(pg_server: EmbeddedServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    info = build_demo(
        pg_server.dsn("postgres"), "used_by_demo", project_dir=tmp_path_factory.mktemp("d") / "p"
    )
    yield info.dsn, info.project_dir
    run_sql(pg_server.dsn("postgres"), "DROP DATABASE IF EXISTS used_by_demo WITH (FORCE)")


def details_text(app: DibsApp) -> list[str]:
    return [str(line.content) for line in app.details.lines]


def used_by(app: DibsApp) -> list[str]:
    """The section's lines, from its heading to its last line."""
    text = details_text(app)
    start = next(i for i, line in enumerate(text) if line.startswith("── Used by"))
    end = next((i for i in range(start + 1, len(text)) if text[i].startswith("── ")), len(text))
    return [line for line in text[start:end] if line]


async def _shown(pilot: Pilot[int], app: DibsApp) -> list[str]:
    await wait_for(pilot, lambda: any(line.startswith("── Used by (") for line in details_text(app)))
    return used_by(app)


async def _goto(pilot: Pilot[int], app: DibsApp, name: str) -> None:
    await pilot.press("t", *name, "enter")
    table = name.rsplit(".", 1)[-1]
    await wait_for(pilot, lambda: app.card.relation is not None and app.card.relation.name == table)


async def test_a_tables_section_counts_its_users_and_enter_goes_to_one(shop: str) -> None:
    await execute(shop, TRIGGER)
    app = make_app(shop)
    async with app.run_test(size=(120, 50)) as pilot:
        await loaded(pilot)
        await _goto(pilot, app, "public.customers")
        section = await _shown(pilot, app)
        assert section[0] == "── Used by (2)"
        assert section[1] == "1 foreign key, 1 function"
        assert "foreign key orders.orders_customer_id_fkey  via id" in section
        assert any(
            line.startswith("function touch_customer()") and "found in body, line 2" in line
            for line in section
        )
        assert section[-1].startswith("u opens the whole tree")
        # the section sits before the DDL
        text = details_text(app)
        assert text.index("── Used by (2)") < next(i for i, t in enumerate(text) if t.startswith("── DDL"))
        # Enter on the foreign key's line: the browser shows orders
        app.details.focus()
        app.details.move_cursor(text.index("foreign key orders.orders_customer_id_fkey  via id"))
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.card.relation is not None and app.card.relation.name == "orders")
        # customers again: the section is known already, shown with the details at once (no "finding…")
        await _goto(pilot, app, "public.customers")
        assert app.details_subject == "table" and used_by(app)[0] == "── Used by (2)"
        await pilot.press("u")
        assert isinstance(app.screen, UsesScreen)


async def test_a_columns_section_lists_its_index_key_and_view(shop: str) -> None:
    app = make_app(shop)
    async with app.run_test(size=(120, 50)) as pilot:
        await loaded(pilot)
        await _goto(pilot, app, "public.orders")
        await pilot.press("enter")  # to the columns
        await wait_for(pilot, lambda: app.focused is app.card.column_list)
        await pilot.press("down")  # customer_id
        await wait_for(
            pilot,
            lambda: app.details_subject == "column" and app.card.column_list.current().name == "customer_id",
        )  # type: ignore[union-attr]
        section = await _shown(pilot, app)
        starts = [line.split("  ")[0] for line in section]
        assert "index orders.orders_customer_idx" in starts
        assert "foreign key orders.orders_customer_id_fkey" in starts
        assert "view order_totals" in starts
        assert not any("total" in line and line.startswith("default") for line in section)


async def test_pagila_film_rating_and_rental(pagila: str) -> None:
    app = make_app(pagila)
    async with app.run_test(size=(120, 50)) as pilot:
        await loaded(pilot)
        await _goto(pilot, app, "public.rental")
        section = await _shown(pilot, app)
        assert any(line.startswith("view sales_by_store") for line in section)
        assert any(line.startswith("trigger rental.last_updated") for line in section)
        assert any(
            line.startswith("function inventory_in_stock(") and "found in body" in line for line in section
        )
        assert not any(line.startswith("view film_list") for line in section)  # reads film, not rental
        assert "materialized view" in section[1]
        # a column: what reads film.rating, and nothing that reads film but not its rating
        await _goto(pilot, app, "public.film")
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.focused is app.card.column_list)
        names = [c.name for c in app.card.relation.columns]  # type: ignore[union-attr]
        app.card.column_list.move_cursor(names.index("rating"))
        await wait_for(pilot, lambda: app.details_ref is not None and app.details_ref.sub == "rating")
        section = await _shown(pilot, app)
        assert any(line.startswith("view film_list") for line in section)
        assert not any("actor_info" in line for line in section)


async def test_each_user_says_where_it_is_defined(demo: tuple[str, Path]) -> None:
    """On the demo, whose meta rows place every table: each table using orgs ends with its file:line, the
    line of that table's CREATE TABLE in the project's schema file."""
    dsn, project = demo
    app = make_app(dsn, project)
    async with app.run_test(size=(160, 50)) as pilot:
        await loaded(pilot)
        await _goto(pilot, app, "public.orgs")
        section = await _shown(pilot, app)
        placed = [
            re.search(r"foreign key (\w+)\.\S+.*  (db/schema\.sql):(\d+)(?::\d+)?$", line) for line in section
        ]
        found = [m for m in placed if m]
        assert len(found) >= 2, section
        schema = (project / "db" / "schema.sql").read_text().splitlines()
        for m in found:
            assert re.match(rf"CREATE TABLE (public\.)?{m[1]}\b", schema[int(m[3]) - 1]), (
                m[0],
                schema[int(m[3]) - 1],
            )


async def test_the_count_of_each_kind_is_spelled_right(shop: str) -> None:
    """Two foreign keys are `2 foreign keys` (the demo's issues said `6 foreign keies`)."""
    await execute(
        shop,
        "CREATE TABLE refunds (id int, customer_id bigint REFERENCES customers, by_id bigint REFERENCES customers)",
    )
    app = make_app(shop)
    async with app.run_test(size=(120, 50)) as pilot:
        await loaded(pilot)
        await _goto(pilot, app, "public.customers")
        section = await _shown(pilot, app)
        assert section[1] == "3 foreign keys", section


async def test_uses_in_the_subjects_schema_are_named_without_it_and_others_with_theirs(shop: str) -> None:
    """In MusicBrainz (one schema) every use read `foreign key musicbrainz.alternative_medium.alternative_…`
    at 80 columns, in the Details and in `u` alike: named as the Details pane names tables, relative to the
    subject's schema. billing.invoices, of another schema, keeps its own; `y` copies the name whole."""
    app = make_app(shop)
    async with app.run_test(size=(120, 50)) as pilot:
        await loaded(pilot)
        await _goto(pilot, app, "public.orders")
        section = await _shown(pilot, app)
        starts = [line.split("  ")[0] for line in section]
        assert "foreign key billing.invoices.invoices_order_id_fkey" in starts, section
        assert "view order_totals" in starts, section
        line = next(d for d in app.details.lines if d.content.plain.startswith("view order_totals"))
        assert line.copy == "public.order_totals"
        await pilot.press("u")
        screen = app.screen
        assert isinstance(screen, UsesScreen)
        await wait_for(pilot, lambda: "use it" in str(screen.query_one("#uses-status").render()))
        labels = [str(n.label) for n in screen.query_one("#uses-tree").root.children]  # type: ignore[attr-defined]
        assert any(label.startswith("view order_totals") for label in labels), labels
        assert any(
            label.startswith("foreign key billing.invoices.invoices_order_id_fkey") for label in labels
        )
