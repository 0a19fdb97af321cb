"""The right-hand panels of the Diff, Migrations and Health tabs at 80x24: text wraps at its spaces, and a name
wider than the panel is cut in its middle, never folded over two lines (`api_tokens_user_` / `id_fkey` read as
two names, or as none)."""

from __future__ import annotations

from pathlib import Path

from textual.geometry import Region
from textual.widgets import Static

from dibs_tui.ui.explorer.neighbourhood_screen import NeighbourhoodScreen
from dibs_tui.ui.health_pane import HealthPane
from tests.pg import execute
from tests.ui_pilot import goto, loaded, make_app, migrations_pane, tab_pane, wait_for

FK = "subscription_invoice_line_items_billing_account_id_fkey"
MIGRATION = "20260301120000_estimates-and-required-reporter-for-every-issue"


def lines_of(widget: Static) -> list[str]:
    """The widget's lines as drawn, its padding included (`rendered` reads its content's width only)."""
    region = Region(0, 0, widget.outer_size.width, widget.outer_size.height)
    return [strip.text.rstrip() for strip in widget.render_lines(region)]


def cut_whole(lines: list[str], name: str) -> str:
    """The word showing `name` cut in its middle (its start and its end kept); no line ends in a piece of it
    that goes on on the next line, as Textual's fold of a long word does."""
    words = [word for line in lines for word in line.split()]
    assert not any(len(word) >= 10 and name.startswith(word) and word != name for word in words), lines
    cut = [
        w for w in words if "…" in w and name.startswith(w.split("…")[0]) and name.endswith(w.split("…")[1])
    ]
    assert cut and len(cut[0].split("…")[0]) >= 10, lines
    return cut[0]


async def test_a_findings_object_too_long_for_the_panel_is_cut_not_folded(db: str) -> None:
    await execute(
        db,
        "CREATE SCHEMA billing;"
        "CREATE TABLE billing.accounts (id int PRIMARY KEY);"
        "CREATE TABLE billing.subscription_invoice_line_items (id int PRIMARY KEY, billing_account_id int,"
        f" CONSTRAINT {FK} FOREIGN KEY (billing_account_id) REFERENCES billing.accounts);",
    )
    async with make_app(db).run_test(size=(80, 24)) as pilot:
        await loaded(pilot)
        pane = await tab_pane(pilot, "H", HealthPane)
        await wait_for(pilot, lambda: pane.report is not None)
        index = next(i for i, f in enumerate(pane.rows) if f is not None and f.check == "fk-without-index")
        pane.findings_list.highlighted = index
        await pilot.pause()
        details = pane.query_one("#health-details", Static)
        cut_whole(lines_of(details), f"billing.subscription_invoice_line_items.{FK}")
        # the prose around it wraps at its spaces and goes on under its label's text, not at the edge
        lines = lines_of(details)
        why = next(i for i, line in enumerate(lines) if line.startswith("why     "))
        assert lines[why + 1].startswith(" " * 8) and lines[why + 1][8] != " ", lines
        await pilot.resize_terminal(200, 50)
        await pilot.pause()
        assert f"billing.subscription_invoice_line_items.{FK}" in "\n".join(lines_of(details))


async def test_a_migrations_name_too_long_for_the_panel_is_cut_not_folded(db: str, tmp_path: Path) -> None:
    await execute(db, "CREATE TABLE users (id int PRIMARY KEY);")
    folder = tmp_path / "db" / "migrations"
    folder.mkdir(parents=True)
    (folder / f"{MIGRATION}.sql").write_text("-- Migration: " + MIGRATION + "\nCREATE TABLE t (id int);\n")
    app = make_app(db, tmp_path, migrations_dir=folder)
    async with app.run_test(size=(80, 24)) as pilot:
        await loaded(pilot)
        pane = await migrations_pane(pilot)
        details = pane.query_one("#migrations-details", Static)
        await wait_for(pilot, lambda: "Changes:" in str(details.render()))
        await pilot.pause()
        assert cut_whole(lines_of(details), f"{MIGRATION}:").startswith("20260301120000_")
        sql = pane.query_one("#migrations-sql", Static)
        cut_whole(lines_of(sql), MIGRATION)


async def test_the_neighbourhoods_title_and_keys_break_between_phrases(db: str) -> None:
    """At 80x24 the FK neighbourhood's title ended `left:` with `reference it` on the next line, and its keys
    `[ ] page ·` / `escape closes` came apart mid-list: a line breaks between its phrases where they fit."""
    await execute(
        db,
        "CREATE TABLE area (id int PRIMARY KEY);"
        "CREATE TABLE l_area_recording_credit (id int PRIMARY KEY, entity0 int REFERENCES area);",
    )
    async with make_app(db).run_test(size=(80, 24)) as pilot:
        app = await loaded(pilot)
        await goto(pilot, "l_area_recording_credit")
        await pilot.press("n")
        screen = app.screen
        assert isinstance(screen, NeighbourhoodScreen)
        await wait_for(pilot, lambda: screen.view.drawing is not None)
        await pilot.pause()
        title = lines_of(screen.query_one("#neighbourhood-title", Static))
        assert title[0].strip().endswith("depth 1") and title[1].strip().startswith("left: reference it"), (
            title
        )
        keys = lines_of(screen.query_one(".explorer-status", Static))
        assert all(line.strip().endswith("·") for line in keys[:-1]) and len(keys) == 2, keys
