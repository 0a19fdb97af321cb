"""The Diff pane driven headless: `d` diffs in a worker; grouped changes, the plan, renames, sync marks."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import OptionList, Static

from dibs_tui.config import Settings
from dibs_tui.core.connect import resolve
from dibs_tui.ui import review_marks
from dibs_tui.ui.app import DibsApp
from dibs_tui.ui.diff_pane import DiffPane
from tests.pg import run_sql
from tests.ui_pilot import tab_pane, wait_for

SIZE = (140, 40)
LIVE = (
    "CREATE TABLE customers (id int PRIMARY KEY, email text NOT NULL); CREATE TABLE legacy (id int);"
    "INSERT INTO legacy VALUES (1);"
)
DESIRED = """CREATE TABLE clients (id int PRIMARY KEY, email text NOT NULL);
CREATE TABLE legacy (id int, note text DEFAULT 'x');
"""


async def _diffed(pilot: Pilot[Any], app: DibsApp) -> DiffPane:
    """The Diff tab opened (`d`) and its first diff in."""
    pane = await tab_pane(pilot, "d", DiffPane)
    await wait_for(pilot, lambda: pane.result is not None)
    return pane


def text_of(widget: Static) -> str:
    return str(widget.render())


@pytest.fixture
def pair(new_database: Callable[[], str]) -> tuple[str, str]:
    live, desired = new_database(), new_database()
    run_sql(live, LIVE)
    run_sql(desired, DESIRED)
    return live, desired


async def test_diff_pane_shows_changes_plan_marks_and_accepts_a_rename(
    pair: tuple[str, str], tmp_path: Path
) -> None:
    db, desired = pair
    app = DibsApp(resolve(db), Settings(project_root=tmp_path), desired=[desired], header_label="t")
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.catalog is not None)
        pane = await _diffed(pilot, app)
        status = text_of(pane.query_one("#diff-status", Static))
        assert "changes" in status and "rename suggestion (" in status and status.endswith(" s)")
        plan = text_of(pane.query_one("#diff-plan", Static))
        assert "ALTER TABLE public.legacy ADD COLUMN note text DEFAULT 'x'::text;" in plan
        assert "DROP TABLE public.customers;" in plan
        # The plan's review (traced in a sandbox clone) marks the statement that locks a table with rows.
        await wait_for(pilot, lambda: pane.plan_review is not None, limit=60)
        plan = text_of(pane.query_one("#diff-plan", Static))
        marked = [line for line in plan.splitlines() if line.startswith("▲")]
        assert any("ALTER TABLE public.legacy ADD COLUMN note" in line for line in marked), plan
        assert "access-exclusive-lock (observed): takes ACCESS EXCLUSIVE on public.legacy (1 row)" in plan
        assert app.tables_pane.table_list.sync_marks[("public", "legacy")] == "differs"
        assert app.tables_pane.table_list.sync_marks[("public", "clients")] == "only desired"
        options = pane.query_one("#diff-changes", OptionList)
        labels = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        assert "public.legacy" in labels
        rename_row = next(i for i, label in enumerate(labels) if "customers -> clients" in label)
        options.focus()
        options.highlighted = rename_row
        await pilot.press("a")
        await wait_for(pilot, lambda: "RENAME TO clients" in text_of(pane.query_one("#diff-plan", Static)))
        assert "DROP TABLE public.customers" not in text_of(pane.query_one("#diff-plan", Static))
        assert app.query_one("#browse") is not None  # the browser is still there and usable


async def test_accept_and_reject_are_offered_on_a_rename_suggestion_only(
    pair: tuple[str, str], tmp_path: Path
) -> None:
    """The footer offered `a Accept rename` (and the help `x`) on every row, where the keys did nothing but
    on a rename suggestion: at 80 columns they took the place of keys that work."""
    from textual.widgets._footer import FooterKey

    from dibs_tui.ui.widgets.footer import Footer

    db, desired = pair
    app = DibsApp(resolve(db), Settings(project_root=tmp_path), desired=[desired], header_label="t")
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.catalog is not None)
        pane = await _diffed(pilot, app)
        options = pane.query_one("#diff-changes", OptionList)
        labels = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        footer = app.query_one(Footer)

        def offered() -> set[str]:
            return {key.description for key in footer.query(FooterKey)}

        options.focus()
        options.highlighted = labels.index("public.legacy") + 1  # a change of legacy's: no rename
        await wait_for(pilot, lambda: "Re-diff" in offered() and "Accept rename" not in offered())
        assert "Reject rename" not in offered()
        options.highlighted = next(i for i, label in enumerate(labels) if "customers -> clients" in label)
        await wait_for(pilot, lambda: {"Accept rename", "Reject rename"} <= offered())


async def test_a_plan_reaching_more_relations_than_the_bound_is_reviewed_by_the_rules_alone(
    pair: tuple[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The pane reviews each plan it shows on its own: past PLAN_TRACE_MOST relations, no sandbox clone is made
    (a plan reaching 3,000 tables kept the server busy for minutes); the rules' hazards still mark the plan."""
    monkeypatch.setattr(review_marks, "PLAN_TRACE_MOST", 1)
    db, desired = pair
    app = DibsApp(resolve(db), Settings(project_root=tmp_path), desired=[desired], header_label="t")
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.catalog is not None)
        pane = await tab_pane(pilot, "d", DiffPane)
        await wait_for(pilot, lambda: pane.plan_review is not None, limit=60)
        assert pane.plan_review is not None
        [note] = pane.plan_review.notes
        assert note.startswith(
            "not traced (it reaches at least 2 relations, more than the 1 a review of its own clones"
        )
        plan = text_of(pane.query_one("#diff-plan", Static))
        assert "access-exclusive-lock (inferred): takes ACCESS EXCLUSIVE on public.legacy (1 row)" in plan, (
            plan
        )


@pytest.fixture
def same(new_database: Callable[[], str]) -> tuple[str, str]:
    live, desired = new_database(), new_database()
    run_sql(live, DESIRED)
    run_sql(desired, DESIRED)
    return live, desired


async def test_in_sync_marks_every_table_and_layout_toggles(same: tuple[str, str], tmp_path: Path) -> None:
    db, desired = same
    app = DibsApp(resolve(db), Settings(project_root=tmp_path), desired=[desired], header_label="t")
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.catalog is not None)  # the marks land on the loaded table list
        pane = await _diffed(pilot, app)
        assert text_of(pane.query_one("#diff-status", Static)).startswith("In sync")
        assert set(app.tables_pane.table_list.sync_marks.values()) == {"in sync"}
        assert text_of(pane.query_one("#diff-plan", Static)) == "-- nothing to do"
        pane.action_toggle_layout()
        layout = pane.query_one("#diff-definitions").styles.layout
        assert layout is not None and layout.name == "vertical"


async def test_without_a_desired_schema_the_pane_says_how_to_give_one(db: str, tmp_path: Path) -> None:
    app = DibsApp(resolve(db), Settings(project_root=tmp_path), header_label="t")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("d")
        await wait_for(pilot, lambda: app.query(DiffPane) and app.query_one(DiffPane).query("#diff-status"))
        status_widget = app.query_one(DiffPane).query_one("#diff-status", Static)
        await wait_for(pilot, lambda: "No desired schema" in text_of(status_widget))
        assert "--desired" in text_of(status_widget)


@pytest.fixture
def changed_view(new_database: Callable[[], str]) -> tuple[str, str]:
    live, desired = new_database(), new_database()
    run_sql(live, "CREATE TABLE t (a int, b int); CREATE VIEW v AS SELECT a FROM t WHERE b > 0;")
    run_sql(desired, "CREATE TABLE t (a int, b int); CREATE VIEW v AS SELECT a, b FROM t WHERE b > 1;")
    return live, desired


async def test_a_changed_view_shows_its_old_and_new_definitions_line_by_line(
    changed_view: tuple[str, str], tmp_path: Path
) -> None:
    db, desired = changed_view
    app = DibsApp(resolve(db), Settings(project_root=tmp_path), desired=[desired], header_label="t")
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.catalog is not None)
        pane = await _diffed(pilot, app)
        options = pane.query_one("#diff-changes", OptionList)
        options.highlighted = next(
            i for i in range(options.option_count) if "view v" in str(options.get_option_at_index(i).prompt)
        )
        await pilot.pause()
        old, new = (text_of(pane.query_one(f"#diff-{side}", Static)) for side in ("old", "new"))
        assert "\\n" not in old + new  # a definition's lines are lines, not escapes
        assert [line.strip() for line in old.splitlines()[1:]] == [
            "SELECT a",
            "FROM public.t",
            "WHERE (b > 0);",
        ]
        assert "  WHERE (b > 1);" in new.splitlines()


@pytest.fixture
def one_of_each(new_database: Callable[[], str]) -> tuple[str, str]:
    live, desired = new_database(), new_database()
    run_sql(live, "CREATE TABLE solo (a int);")
    run_sql(desired, "CREATE TABLE solo (a int); COMMENT ON TABLE solo IS 'one';")
    return live, desired


async def test_counts_of_one_are_said_in_the_singular(one_of_each: tuple[str, str], tmp_path: Path) -> None:
    db, desired = one_of_each
    app = DibsApp(resolve(db), Settings(project_root=tmp_path), desired=[desired], header_label="t")
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.card.relation is not None)
        assert "1 column" in text_of(app.query_one("#card-header", Static)).split(" · ")[-1]
        assert "1 columns" not in text_of(app.query_one("#card-header", Static))
        pane = await _diffed(pilot, app)
        status = text_of(pane.query_one("#diff-status", Static))
        assert status.startswith("1 change, 1 statement (0 destructive), 0 rename suggestions"), status


@pytest.fixture
def partitioned(new_database: Callable[[], str]) -> tuple[str, str]:
    """A live table with two partitions whose names differ at their end; the desired one has none."""
    live, desired = new_database(), new_database()
    parent = "CREATE TABLE measurements_by_month (m int, v int) PARTITION BY RANGE (m);"
    run_sql(
        live,
        parent
        + "".join(
            f"CREATE TABLE measurements_by_month_2026_0{m} PARTITION OF measurements_by_month"
            f" FOR VALUES FROM ({m}) TO ({m + 1});"
            for m in (1, 2)
        ),
    )
    run_sql(desired, parent)
    return live, desired


async def test_at_80_columns_the_headings_of_one_tables_partitions_read_apart(
    partitioned: tuple[str, str], tmp_path: Path
) -> None:
    """A heading names the table of the changes under it; two partitions of one table, cut at their end,
    both read `public.measurements_by_mon…`. Cut in the middle, they keep the end that tells them apart."""
    db, desired = partitioned
    app = DibsApp(resolve(db), Settings(project_root=tmp_path), desired=[desired], header_label="t")
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.catalog is not None)
        pane = await _diffed(pilot, app)
        await pilot.pause()
        options = pane.changes_list
        rows = [options.render_line(y).text.strip(" ▊▎") for y in range(options.option_count)]
        headings = [rows[i] for i in range(len(rows)) if options.get_option_at_index(i).disabled]
        assert len(headings) == 2 and headings[0] != headings[1], rows
        assert headings[0].endswith("2026_01") and headings[1].endswith("2026_02"), rows
        # The summary is one line at 80 columns: it ended `— diff took` with the time alone on the next one
        status = pane.query_one("#diff-status", Static)
        first = "".join(seg.text for seg in status.render_line(0)).rstrip()
        assert first.startswith("2 changes, ") and first.endswith(" s)"), first


@pytest.fixture
def kept_valid(new_database: Callable[[], str]) -> tuple[str, str]:
    live, desired = new_database(), new_database()
    run_sql(live, "CREATE TABLE t (id int, CONSTRAINT t_id_check CHECK (id > 0));")
    run_sql(
        desired, "CREATE TABLE t (id int); ALTER TABLE t ADD CONSTRAINT t_id_check CHECK (id > 0) NOT VALID;"
    )
    return live, desired


async def test_a_valid_constraint_desired_not_valid_is_in_sync_and_said(
    kept_valid: tuple[str, str], tmp_path: Path
) -> None:
    """Valid here, NOT VALID in the desired schema: kept as it is (core/diff: PlanState.keep_valid). The pane
    says In sync, marks the table in sync, and says what it kept in a note and a muted row, not nothing."""
    db, desired = kept_valid
    app = DibsApp(resolve(db), Settings(project_root=tmp_path), desired=[desired], header_label="t")
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.catalog is not None)
        pane = await _diffed(pilot, app)
        status = text_of(pane.query_one("#diff-status", Static))
        assert status.startswith("In sync"), status
        assert "note: check public.t.t_id_check: valid, NOT VALID in the desired schema: kept valid" in status
        assert app.tables_pane.table_list.sync_marks[("public", "t")] == "in sync"
        rows = [
            str(pane.changes_list.get_option_at_index(i).prompt)
            for i in range(pane.changes_list.option_count)
        ]
        assert any("= check" in row and "t_id_check" in row for row in rows), rows


@pytest.fixture
def long_rename(new_database: Callable[[], str]) -> tuple[str, str]:
    live, desired = new_database(), new_database()
    run_sql(live, "CREATE TABLE customer_payment_history_archive (id int PRIMARY KEY, email text NOT NULL);")
    run_sql(
        desired,
        "CREATE TABLE customer_payment_history_archived_rows (id int PRIMARY KEY, email text NOT NULL);",
    )
    return live, desired


async def test_at_80_columns_a_rename_suggestion_keeps_its_new_names_end_and_its_confidence(
    long_rename: tuple[str, str], tmp_path: Path
) -> None:
    """`? table public.customer_payment_history_archive -> public.custo…` lost what the table becomes and how
    sure the suggestion is: the row is cut in its middle now, the confidence always shown."""
    db, desired = long_rename
    app = DibsApp(resolve(db), Settings(project_root=tmp_path), desired=[desired], header_label="t")
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.catalog is not None)
        pane = await tab_pane(pilot, "d", DiffPane)
        await wait_for(pilot, lambda: pane.result is not None and pane.result.renames)
        await pilot.pause()
        options = pane.changes_list
        rows = [options.render_line(y).text.strip(" ▊▎") for y in range(options.option_count)]
        (row,) = [r for r in rows if r.startswith("? ")]
        assert "…" in row and row.split("…")[-1].endswith(
            "ived_rows  " + f"{pane.result.renames[0].confidence:.0%}"
        ), rows
        assert "Renames: a accept, x reject" in rows, rows


@pytest.fixture
def long_view(new_database: Callable[[], str]) -> tuple[str, str]:
    live, desired = new_database(), new_database()
    columns = ", ".join(f"c{i} int" for i in range(30))
    run_sql(live, f"CREATE TABLE t ({columns}); CREATE VIEW v AS SELECT * FROM t WHERE c0 > 0;")
    run_sql(desired, f"CREATE TABLE t ({columns}); CREATE VIEW v AS SELECT * FROM t WHERE c0 > 1;")
    return live, desired


async def test_at_80x24_a_long_definition_scrolls_to_its_last_line(
    long_view: tuple[str, str], tmp_path: Path
) -> None:
    """A view's 30 lines do not fit the definitions panel: it scrolls (tab, end) to the WHERE that differs,
    where it was cut after its first lines with no way to read the rest."""
    db, desired = long_view
    app = DibsApp(resolve(db), Settings(project_root=tmp_path), desired=[desired], header_label="t")
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.catalog is not None)
        pane = await _diffed(pilot, app)
        options = pane.query_one("#diff-changes", OptionList)
        options.highlighted = next(
            i for i in range(options.option_count) if "view v" in str(options.get_option_at_index(i).prompt)
        )
        options.focus()
        await pilot.press("tab", "end")
        new = pane.query_one("#diff-new", Static)
        assert text_of(new).splitlines()[-1].strip() == "WHERE (c0 > 1);"

        def last_line_shown() -> bool:
            geometry = app.screen.find_widget(new)
            last = geometry.region.bottom - 1
            return geometry.clip.y <= last < geometry.clip.bottom

        await wait_for(pilot, last_line_shown, limit=5)


@pytest.fixture
def many_tables(new_database: Callable[[], str]) -> tuple[str, str]:
    live, desired = new_database(), new_database()
    tables = "".join(f"CREATE TABLE t{i:02} (id int);" for i in range(30))
    run_sql(live, tables)
    run_sql(desired, tables + "COMMENT ON TABLE t00 IS 'first';")
    return live, desired


async def test_back_from_the_diff_the_tables_list_still_shows_its_schema_heading(
    many_tables: tuple[str, str], tmp_path: Path
) -> None:
    """The sync marks land while the Tables list is hidden behind the Diff tab: it kept its scroll, where it
    scrolled its first table to the top as if it were one row high, the schema's heading out of sight."""
    db, desired = many_tables
    app = DibsApp(resolve(db), Settings(project_root=tmp_path), desired=[desired], header_label="t")
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.catalog is not None)
        table_list = app.tables_pane.table_list
        assert table_list.cursor == 1 and table_list.scroll_offset.y == 0  # the heading, then the first table
        await _diffed(pilot, app)
        await wait_for(pilot, lambda: table_list.sync_marks)
        await pilot.press("b")
        await wait_for(pilot, lambda: table_list.size.height > 0)
        await pilot.pause()
        assert table_list.cursor == 1 and table_list.scroll_offset.y == 0
