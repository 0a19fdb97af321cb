"""Hostile names in the browser's Used by section, Health tab and export: names carrying terminal escapes,
bidi controls and newlines, a view that would write if it were read, a table named like a path. Each test
asserts what was not lost (the object is listed, under its own name made visible) and what did not run (no
escape reaches the screen, nothing of ours selected from the view, no file outside the chosen folder)."""

from __future__ import annotations

from pathlib import Path

from rich.cells import cell_len
from textual.widgets import Input, Static

from dibs_tui.core.sql import quote_ident
from dibs_tui.ui.explorer.export_screen import ExportScreen, default_path
from dibs_tui.ui.health_pane import HealthPane
from tests.hostile.test_output import NAME, RAW, assert_terminal_safe
from tests.pg import execute, fetch
from tests.ui_pilot import loaded, make_app, wait_for

PATHLIKE = "../../etc/passwd\nx"


def _schema() -> str:
    q = quote_ident
    return f"""
CREATE TABLE ran (what text);
CREATE FUNCTION note_read() RETURNS int LANGUAGE sql AS $$ INSERT INTO ran VALUES ('view read'); SELECT 1 $$;
CREATE TABLE {q(NAME)} (id int PRIMARY KEY, {q(NAME + "col")} int);
CREATE VIEW {q(NAME + "view")} AS SELECT id, note_read() AS n FROM {q(NAME)};
CREATE TABLE {q(PATHLIKE)} (n int);
"""


def _safe(text: str, where: str) -> None:
    assert_terminal_safe(text.encode("utf-8"), where)


async def test_used_by_lists_a_hostile_view_literally_and_never_reads_it(db: str) -> None:
    await execute(db, _schema())
    app = make_app(db)
    async with app.run_test(size=(120, 40)) as pilot:
        await loaded(pilot)
        relation = next(r for r in app.catalog.relations if r.name == NAME)  # type: ignore[union-attr]
        assert app.go_to(relation.schema, relation.name)
        await wait_for(
            pilot, lambda: any(str(line.content).startswith("── Used by (") for line in app.details.lines)
        )
        lines = [str(line.content) for line in app.details.lines]
        # Named without its schema, the subject's own (ff01fd9), but for its hostile name, escaped
        view_lines = [line for line in lines if line.startswith("view ")]
        assert len(view_lines) == 1  # not lost: the view is there, on one line
        for line in lines:
            _safe(line, "details line")
        for y in range(app.details.size.height):
            _safe(app.details.render_line(y).text, "details on screen")
    assert await fetch(db, "SELECT * FROM ran") == []  # nothing selected from the view


async def test_health_tab_shows_a_hostile_table_literally(db: str) -> None:
    await execute(
        db,
        _schema()
        + f"DROP TABLE {quote_ident(PATHLIKE)}; CREATE TABLE {quote_ident(NAME + 'nokey')} (n int);",
    )
    app = make_app(db)
    async with app.run_test(size=(120, 40)) as pilot:
        await loaded(pilot)
        await pilot.press("H")
        pane = app.query_one(HealthPane)
        await wait_for(pilot, lambda: pane.report is not None)
        index = next(
            i
            for i, f in enumerate(pane.rows)
            if f is not None and f.check == "no-primary-key" and NAME in f.object
        )
        pane.findings_list.highlighted = index
        await pilot.pause()
        for i in range(pane.findings_list.option_count):
            _safe(str(pane.findings_list.get_option_at_index(i).prompt), "finding row")
        _safe(str(pane.query_one("#health-details", Static).render()), "finding details")
        _safe(str(pane.query_one("#health-fix", Static).render()), "finding fix")
        for widget in (pane.findings_list, pane.query_one("#health-details", Static)):
            for y in range(widget.size.height):
                assert RAW.search(widget.render_line(y).text.encode("utf-8")) is None
    assert await fetch(db, "SELECT * FROM ran") == []


async def test_export_default_path_of_a_path_like_table_stays_in_the_folder(db: str, tmp_path: Path) -> None:
    assert default_path("dot", ("public", PATHLIKE), 2) == "./public_______etc_passwd_x-depth2.dot"
    await execute(db, _schema())
    app = make_app(db)
    async with app.run_test(size=(120, 40)) as pilot:
        await loaded(pilot)
        assert app.go_to("public", PATHLIKE)
        await pilot.press("e")
        screen = app.screen
        assert isinstance(screen, ExportScreen)
        screen.query_one("#export-scope").query("RadioButton")[1].value = True  # type: ignore[attr-defined]
        await pilot.pause()
        box = screen.query_one("#export-path", Input)
        assert box.value.startswith("./") and "/" not in box.value[2:] and "\n" not in box.value
        box.value = str(tmp_path / Path(box.value).name)
        await pilot.press("enter")
        await wait_for(pilot, lambda: not isinstance(app.screen, ExportScreen))
    (written,) = _files(tmp_path)
    text = written.read_text(encoding="utf-8")
    assert "passwd" in text  # not lost: the table, its name made visible
    _safe(text, "the DOT file")


def _files(folder: Path) -> list[Path]:
    return list(folder.iterdir())


async def test_a_long_hostile_name_cut_in_the_health_panel_stays_escaped_and_in_its_width(db: str) -> None:
    """At 80x24 a name too long for the Health panel is cut in its middle (ui/widgets/wrapped_static.py):
    the cut is made on the escaped text, so no half of an escape becomes a raw byte, a wide character is never
    split over the panel's edge, and both of the name's ends are kept."""
    long_name = NAME + "表" * 6 + "_tail"  # under 64 bytes: PostgreSQL cuts a longer name
    await execute(db, f"CREATE TABLE {quote_ident(long_name)} (n int);")
    app = make_app(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await loaded(pilot)
        await pilot.press("H")
        pane = app.query_one(HealthPane)
        await wait_for(pilot, lambda: pane.report is not None)
        index = next(i for i, f in enumerate(pane.rows) if f is not None and f.check == "no-primary-key")
        pane.findings_list.highlighted = index
        await pilot.pause()
        details = pane.query_one("#health-details", Static)
        lines = [details.render_line(y).text for y in range(details.size.height)]
        for line in lines:
            _safe(line, "finding details at 80 columns")
            assert cell_len(line) <= details.size.width, lines
        assert any("public.t\\x1b" in line and "…" in line and "表_tail" in line for line in lines), lines
