"""The screen at any size, driven headless on a real database: the card keeps its column rows on a small
terminal, Tab cycles the three panes, entering a tab focuses its list, the sync marks follow every apply and
re-diff, list rows keep their marks on one line, and a migration that cannot replay says why."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from textual.widget import Widget
from textual.widgets import Static

from dibs_tui.config import Settings, load_settings
from dibs_tui.core.connect import resolve
from dibs_tui.core.embedded import EmbeddedServer
from dibs_tui.core.migrations.apply import apply_pending
from dibs_tui.demo.build import DemoInfo, build_demo
from dibs_tui.ui.app import DibsApp
from dibs_tui.ui.diff_pane import DiffPane
from dibs_tui.ui.migrations_pane import MigrationsPane
from dibs_tui.ui.screens.confirm import ConfirmScreen
from dibs_tui.ui.screens.help import HelpScreen
from dibs_tui.ui.widgets.details import DetailsView
from dibs_tui.ui.widgets.table_card import ColumnList, card_header
from dibs_tui.ui.widgets.tables_pane import TableList
from tests.pg import execute, fetch
from tests.ui_pilot import goto, loaded, migrations_pane, rendered, tab_pane, wait_for


@pytest.fixture(scope="module")
def demo(pg_server: EmbeddedServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoInfo]:
    """The demo database and project, as `dibs-tui demo` builds them (read only here: nothing applies)."""
    project = tmp_path_factory.mktemp("screen-demo") / "project"
    yield build_demo(pg_server.dsn("postgres"), "ui_screen_demo", project_dir=project)
    asyncio.run(execute(pg_server.dsn(), 'DROP DATABASE IF EXISTS "ui_screen_demo" WITH (FORCE)'))


def demo_app(demo: DemoInfo) -> DibsApp:
    return DibsApp(resolve(demo.dsn), load_settings(demo.project_dir), header_label="demo")


def text_of(widget: Static) -> str:
    return str(widget.render())


def visible_rows(app: DibsApp) -> int:
    """Column rows the card shows on screen (the list's visible height, capped by its rows)."""
    columns = app.card.column_list
    return min(columns.region.height, columns.row_count)


# -- the card at 80×24 -----------------------------------------------------------------------------------------


async def test_card_shows_eight_column_rows_at_80x24_and_details_shrink(demo: DemoInfo) -> None:
    async with demo_app(demo).run_test(size=(80, 24)) as pilot:
        app = await loaded(pilot)
        await goto(pilot, "issues")  # 14 columns, a two-line doc, Created: and Modified:
        await pilot.pause()
        assert app.card.relation is not None and len(app.card.relation.columns) >= 8
        assert visible_rows(app) >= 8
        header = app.query_one("#card-header", Static)
        assert "table · ~300 rows" in text_of(header)  # the facts line is kept when the header is cut
        details = app.query_one("#details")
        assert details.display and details.region.height >= 3  # the details yield, but still show a line
        assert app.card.region.height > details.region.height
        # Their rows hold lines: no horizontal scrollbar takes one of them (the lines wrap, the DDL's too).
        view = app.query_one(DetailsView)
        await wait_for(pilot, lambda: view.scrollable_content_region.height == details.region.height - 2)


async def test_details_hide_on_a_very_short_screen_and_are_skipped(demo: DemoInfo) -> None:
    async with demo_app(demo).run_test(size=(80, 18)) as pilot:
        app = await loaded(pilot)
        await goto(pilot, "issues")
        await pilot.pause()
        assert visible_rows(app) >= 8
        assert not app.query_one("#details").display
        assert isinstance(app.focused, TableList)
        await pilot.press("l", "l")  # next pane skips the hidden details: back to the tables
        assert isinstance(app.focused, TableList)
        await pilot.press("tab")
        assert isinstance(app.focused, ColumnList)
        await pilot.press("enter")  # on a plain column Enter would open the details: hidden, so it stays
        assert isinstance(app.focused, ColumnList)
        await pilot.press("tab")
        assert isinstance(app.focused, TableList)


async def test_a_wide_screen_gives_the_tables_list_room_for_whole_names(demo: DemoInfo) -> None:
    """At 200 columns the tables list grows with the terminal (it kept 32 columns: webhook_deliveries and
    the audit_log partitions were cut with a "…" beside 150 empty columns). It is as wide as its longest row
    (an audit_log partition's, indented under its table, with its estimate: 32 cells, whether its partitions
    are folded or not) wherever a third of the screen has that room, and no wider."""
    async with demo_app(demo).run_test(size=(200, 60)) as pilot:
        app = await loaded(pilot)
        assert app.tables_pane.outer_size.width == 32
        assert app.tables_pane.select(("public", "audit_log_2026_01"))  # unfolds audit_log's partitions
        await pilot.pause()
        listed = app.query_one(TableList)
        lines = [listed.render_line(y).text for y in range(listed.size.height)]
        assert any("webhook_deliveries " in line for line in lines), lines
        assert any("audit_log_2026_01 " in line for line in lines), lines
        assert app.tables_pane.outer_size.width == 32
        await pilot.resize_terminal(120, 36)
        await pilot.pause()
        assert app.tables_pane.outer_size.width == 32
        await pilot.resize_terminal(84, 30)
        await wait_for(pilot, lambda: app.tables_pane.outer_size.width == 29)  # 35 % of 84


async def test_at_80x24_the_partitions_of_one_table_read_apart(demo: DemoInfo) -> None:
    """Names of one table's partitions differ at their end, which a cut at the list's edge lost: the demo's
    `audit_log_2026_01` and `audit_log_2026_02` were both `audit_log_2026_…`. A long name is cut in its middle."""
    async with demo_app(demo).run_test(size=(80, 24)) as pilot:
        app = await loaded(pilot)
        assert app.tables_pane.select(("public", "audit_log_2026_01"))  # unfolds audit_log's partitions
        await pilot.pause()
        listed = app.query_one(TableList)
        lines = [listed.render_line(y).text for y in range(listed.size.height)]
        parts = [line.split()[1] for line in lines if "⊟" in line]
        assert len(parts) == 3 and len(set(parts)) == 3, lines
        assert parts[0].endswith("026_01") and parts[1].endswith("026_02") and "…" in parts[0], parts
        assert all(part.startswith("audit_") for part in parts), parts


async def test_at_80x24_a_destructive_change_keeps_its_mark(demo: DemoInfo) -> None:
    """The Diff list's `!` (data lost) ended the row and went with its end at 80 columns: `- column
    legacy_username…`. The detail is cut first, then the name in its middle; the mark stays."""
    async with demo_app(demo).run_test(size=(80, 24)) as pilot:
        await loaded(pilot)
        diff = await tab_pane(pilot, "d", DiffPane)
        await wait_for(pilot, lambda: diff.result is not None, limit=60)
        await pilot.pause()
        changes = diff.changes_list
        rows = [changes.render_line(y).text.strip(" ▊▎") for y in range(changes.option_count)]
        dropped = [row for row in rows if row.startswith("- column legacy")]
        assert len(dropped) == 1 and dropped[0].endswith("sername !"), rows
        assert all(not row.endswith("…") for row in rows if row.startswith("+ index")), rows


async def test_at_80x24_two_long_column_names_read_apart_and_keep_their_types(db: str) -> None:
    """A column name longer than the card's name column (28) was not cut: it pushed its type out of the row,
    and two names alike up to there showed the same `customer_shipping_address_verification_sta…`."""
    await execute(
        db,
        "CREATE TABLE longcols (id int PRIMARY KEY, customer_shipping_address_verification_status_01 text,"
        " customer_shipping_address_verification_status_02 int NOT NULL)",
    )
    async with DibsApp(resolve(db), Settings(project_root=Path.cwd()), header_label="t").run_test(
        size=(80, 24)
    ) as pilot:
        app = await loaded(pilot)
        await goto(pilot, "longcols")
        await pilot.pause()
        columns = app.card.column_list
        rows = [columns.render_line(y).text.strip(" ▸") for y in range(columns.row_count)]
        assert rows[1] != rows[2], rows
        assert "status_01 text" in rows[1] and "status_02 integer" in rows[2], rows
        assert rows[1].index(" text") == rows[0].index(" integer"), rows  # the types in one column


async def test_at_80x24_the_health_and_migrations_lists_keep_names_apart(demo: DemoInfo) -> None:
    """Their lists take 40 columns on a narrow terminal: the heading's count and the words after a
    migration's 14-digit version are shown, where 2fr of 80 cut both (`fk-without-index…`,
    `20260117100000_add-email…`)."""
    from dibs_tui.ui.health_pane import HealthPane

    async with demo_app(demo).run_test(size=(80, 24)) as pilot:
        app = await loaded(pilot)
        await pilot.press("m")
        await wait_for(pilot, lambda: app.query(MigrationsPane) and app.query_one(MigrationsPane).loaded)
        listed = app.query_one(MigrationsPane).migrations_list
        await wait_for(pilot, lambda: listed.size.width >= 36)
        rows = [listed.render_line(y).text for y in range(listed.option_count)]
        # Its whole version and the start and end of the words after it; the state whole
        assert any(
            row.startswith("✓ 20260117100000_add") and row.rstrip().endswith("ation  applied") for row in rows
        ), rows
        health = await tab_pane(pilot, "H", HealthPane)
        await wait_for(pilot, lambda: health.report is not None, limit=60)
        findings = health.findings_list
        heading = findings.render_line(0).text
        assert "fk-without-index (" in heading and ")" in heading.split("fk-without-index (", 1)[1], heading


async def test_the_generated_migrations_name_ends_on_a_whole_word(demo: DemoInfo) -> None:
    """`n` on the demo proposes a name from the diff's first two phrases; they do not fit 60 characters, so it
    is the first alone, not `...-on-comments-and-issues-and-add-es` cut in the middle of `estimate`."""
    from textual.widgets import Input

    from dibs_tui.ui.migrations_pane import GenerateScreen

    async with demo_app(demo).run_test(size=(120, 36)) as pilot:
        app = await loaded(pilot)
        await pilot.press("m")
        await wait_for(pilot, lambda: app.query(MigrationsPane) and app.query_one(MigrationsPane).loaded)
        await pilot.press("n")
        await wait_for(
            pilot,
            lambda: isinstance(app.screen, GenerateScreen) and app.screen.query("#generate-sql"),
            limit=60,
        )
        name = app.screen.query_one("#generate-name", Input).value
        assert name == "alter-body-and-reporter-id-on-comments-and-issues", name
        await pilot.press("escape")
        # The pending migration's replay (a shadow database) started with `m`: done before the app closes.
        details = app.query_one(MigrationsPane).query_one("#migrations-details", Static)
        await wait_for(pilot, lambda: "Changes:" in text_of(details) and "computing" not in text_of(details))


async def test_the_apply_question_says_the_proof_first_and_counts_hazards_not_lines(demo: DemoInfo) -> None:
    """At 80x24 the dialog shows its first lines: the proof's verdict ("Not proved: apply anyway?") comes
    right after the migration's name, above the hazards, which count hazards (not their lines) and do not
    repeat the one migration's name on each line. Nothing is applied (No)."""
    from dibs_tui.ui.review_marks import hazard_count

    async with demo_app(demo).run_test(size=(80, 24)) as pilot:
        app = await loaded(pilot)
        await pilot.press("m")
        await wait_for(pilot, lambda: app.query(MigrationsPane) and app.query_one(MigrationsPane).loaded)
        pane = app.query_one(MigrationsPane)
        name = next(s.name for s in pane.statuses if s.state.value == "pending")
        await pilot.press("m")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), limit=120)
        question = app.screen.question.splitlines()  # type: ignore[attr-defined]
        assert question[:2] == ["Apply 1 migration?", name], question
        verdict = question.index("Not proved: apply anyway, without the proof?")
        heading = next(i for i, line in enumerate(question) if line.startswith("Hazards ("))
        assert verdict < heading, question
        assert question[heading] == f"Hazards ({hazard_count(pane.reviews[name])}), acknowledged by applying:"
        assert not any(line.startswith(f"{name}:") for line in question)
        await pilot.press("n")
        await wait_for(pilot, lambda: not isinstance(app.screen, ConfirmScreen))
    assert (await fetch(demo.dsn, "SELECT count(*) AS n FROM __dibs_migrations"))[0]["n"] == 5


async def test_a_tall_screen_gives_the_header_its_lines_back(demo: DemoInfo) -> None:
    async with demo_app(demo).run_test(size=(200, 60)) as pilot:
        app = await loaded(pilot)
        await goto(pilot, "issues")
        await pilot.pause()
        header = text_of(app.query_one("#card-header", Static))
        assert app.card.relation is not None
        assert header == card_header(app.card.relation, app.settings).plain  # every line, nothing cut
        assert "Created:" in header and "///" in header
        assert visible_rows(app) == len(app.card.relation.columns)  # type: ignore[union-attr]
        assert app.query_one("#details").region.height >= 20


# -- focus ------------------------------------------------------------------------------------------------------


async def test_tab_reaches_the_details_in_one_step_from_the_card(demo: DemoInfo) -> None:
    async with demo_app(demo).run_test(size=(80, 24)) as pilot:
        app = await loaded(pilot)
        assert isinstance(app.focused, TableList)
        await pilot.press("tab")
        assert isinstance(app.focused, ColumnList)
        await pilot.press("tab")
        assert isinstance(app.focused, DetailsView)
        await pilot.press("tab")  # the tab strip is not a stop: back to the tables
        assert isinstance(app.focused, TableList)
        await pilot.press("shift+tab")  # and backwards, the details are one step away
        assert isinstance(app.focused, DetailsView)


@pytest.fixture
def drifted(new_database: Callable[[], str], tmp_path: Path) -> tuple[str, Path]:
    """A database one pending migration away from its desired schema file."""
    db = new_database()
    folder = tmp_path / "db" / "migrations"
    folder.mkdir(parents=True)
    (folder / "20260101000000_initial.sql").write_text("CREATE TABLE users (id int PRIMARY KEY);\n")
    asyncio.run(apply_pending(resolve(db), folder))
    (folder / "20260102000000_orders.sql").write_text(
        "CREATE TABLE orders (id int PRIMARY KEY, user_id int REFERENCES users(id));\n"
        "ALTER TABLE users ADD COLUMN email text;\n"
    )
    (tmp_path / "db" / "schema.sql").write_text(
        "CREATE TABLE users (id int PRIMARY KEY, email text);\n"
        "CREATE TABLE orders (id int PRIMARY KEY, user_id int REFERENCES users(id));\n"
    )
    return db, tmp_path


def drifted_app(drifted: tuple[str, Path]) -> DibsApp:
    db, root = drifted
    settings = Settings(
        project_root=root,
        migrations_dir=root / "db" / "migrations",
        schema_paths=(root / "db" / "schema.sql",),
    )
    return DibsApp(resolve(db), settings, header_label="t")


async def test_entering_a_tab_focuses_its_main_list(drifted: tuple[str, Path]) -> None:
    app = drifted_app(drifted)
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_for(pilot, lambda: app.catalog is not None)
        diff = await tab_pane(
            pilot, "d", DiffPane
        )  # mounts the tab panes (ui/tab_actions.py), then enters the Diff tab
        assert app.focused is diff.changes_list
        await wait_for(pilot, lambda: diff.result is not None)
        first = diff.result
        await pilot.press("g")  # the Diff tab's own keys work without a Tab first
        await wait_for(pilot, lambda: diff.result is not first)
        await pilot.press("m")
        assert app.focused is app.query_one(MigrationsPane).migrations_list
        await pilot.press("b")
        assert isinstance(app.focused, TableList)
        await pilot.click("#tabs Tab#--content-tab-diff")  # a click on the tab too
        await wait_for(pilot, lambda: app.focused is diff.changes_list)


# -- sync marks -------------------------------------------------------------------------------------------------


def header_text(app: DibsApp) -> str:
    return text_of(app.query_one("#header", Static))


async def test_sync_state_and_marks_follow_an_apply_and_a_rediff(drifted: tuple[str, Path]) -> None:
    db, _ = drifted
    app = drifted_app(drifted)
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_for(pilot, lambda: app.catalog is not None)
        marks = app.tables_pane.table_list.sync_marks
        await pilot.press("d")
        await wait_for(pilot, lambda: "differences" in header_text(app))
        assert app.tables_pane.table_list.sync_marks[("public", "orders")] == "only desired"
        assert app.tables_pane.table_list.sync_marks[("public", "users")] == "differs"

        await migrations_pane(pilot)
        await pilot.press("m")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen) and app.screen.query("#no"))
        await pilot.press("y")
        await wait_for(pilot, lambda: "sync in sync" in header_text(app))
        marks = app.tables_pane.table_list.sync_marks
        assert marks == {("public", "users"): "in sync", ("public", "orders"): "in sync"}
        await wait_for(pilot, lambda: app.catalog is not None and app.catalog.relation("public", "orders"))

        # The live schema drifts behind the screen's back: a re-diff (g) brings the header and marks along.
        await execute(db, "CREATE TABLE stray (id int)")
        await pilot.press("d", "g")
        await wait_for(pilot, lambda: "sync 1 difference" in header_text(app))
        assert app.tables_pane.table_list.sync_marks[("public", "stray")] == "only live"
        assert app.tables_pane.table_list.sync_marks[("public", "users")] == "in sync"
    assert len(await fetch(db, "SELECT * FROM __dibs_migrations")) == 2


async def test_the_header_keeps_the_sync_state_at_80_columns(drifted: tuple[str, Path]) -> None:
    db, root = drifted
    settings = Settings(
        project_root=root,
        migrations_dir=root / "db" / "migrations",
        schema_paths=(root / "db" / "schema.sql",),
    )
    app = DibsApp(resolve(db), settings)  # the real header label: the masked DSN, long enough to crowd it
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.catalog is not None)
        await pilot.press("d")
        await wait_for(pilot, lambda: "differences" in header_text(app))
        line = app.query_one("#header", Static).render_line(0).text.rstrip()
        assert line.endswith("sync 4 differences")  # whole, on the one line, the server version gave way
        assert "dibs-tui" in line and "PostgreSQL" not in line
        await pilot.resize_terminal(200, 40)
        await pilot.pause()
        wide = app.query_one("#header", Static).render_line(0).text
        assert "PostgreSQL" in wide and "sync 4 differences" in wide


async def test_a_failed_rediff_drops_the_marks_it_can_no_longer_vouch_for(drifted: tuple[str, Path]) -> None:
    app = drifted_app(drifted)
    schema = drifted[1] / "db" / "schema.sql"
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_for(pilot, lambda: app.catalog is not None)
        await pilot.press("d")
        await wait_for(pilot, lambda: "differences" in header_text(app))
        schema.write_text("CREATE TABLE users (id int PRIMARY KEY, email nosuchtype);\n")
        diff = await tab_pane(pilot, "g", DiffPane)
        await wait_for(pilot, lambda: "Diff failed" in text_of(diff.query_one("#diff-status", Static)))
        assert "differences" not in header_text(app) and "diff failed" in header_text(app)
        assert text_of(diff.query_one("#diff-status", Static)).endswith(
            "(g tries again)"
        )  # what to do, once fixed
        assert app.tables_pane.table_list.sync_marks == {}


# -- lists keep their marks on one line ---------------------------------------------------------------------------


@pytest.mark.parametrize("width", [80, 120, 200])
async def test_list_rows_never_wrap_their_marks(drifted: tuple[str, Path], width: int) -> None:
    root = drifted[1]
    (
        root / "db" / "migrations" / "20260103000000_a-very-long-migration-name-that-goes-on-and-on.sql"
    ).write_text("ALTER TABLE users ADD COLUMN a_column_with_a_rather_long_name_indeed text;\n")
    app = drifted_app(drifted)
    async with app.run_test(size=(width, 36)) as pilot:
        pane = await migrations_pane(pilot)
        await pilot.pause()
        listed = pane.migrations_list
        assert listed.option_count == 3
        assert listed.virtual_size.height == listed.option_count  # one line a row
        for y in range(listed.option_count):
            line = listed.render_line(y).text.strip()
            assert line[0] in "✓•", line  # the mark starts its row
        diff = await tab_pane(pilot, "d", DiffPane)
        await wait_for(pilot, lambda: diff.result is not None)
        await pilot.pause()
        changes = diff.changes_list
        assert changes.virtual_size.height == changes.option_count


# -- replay ---------------------------------------------------------------------------------------------------------


async def test_the_demo_migrations_replay_in_the_shadow(demo: DemoInfo) -> None:
    app = demo_app(demo)
    async with app.run_test(size=(160, 50)) as pilot:
        pane = await migrations_pane(pilot)
        details = pane.query_one("#migrations-details", Static)
        pane.migrations_list.highlighted = 0  # the initial schema: it also fills the meta tables
        await wait_for(
            pilot, lambda: "Changes:" in text_of(details) and "computing" not in text_of(details), limit=60
        )
        shown = text_of(details)
        assert "cannot replay" not in shown
        assert "+ table issues" in shown and "+ enum issue_state" in shown


def folder_with(tmp_path: Path, *files: tuple[str, str]) -> Settings:
    folder = tmp_path / "db" / "migrations"
    folder.mkdir(parents=True)
    for name, text in files:
        (folder / name).write_text(text)
    return Settings(project_root=tmp_path, migrations_dir=folder)


async def replay_text(db: str, settings: Settings) -> str:
    app = DibsApp(resolve(db), settings, header_label="t")
    async with app.run_test(size=(160, 50)) as pilot:
        await wait_for(pilot, lambda: app.catalog is not None)
        pane = await tab_pane(pilot, "m", MigrationsPane)
        details = pane.query_one("#migrations-details", Static)
        await wait_for(
            pilot, lambda: "Changes:" in text_of(details) and "computing" not in text_of(details), limit=60
        )
        return text_of(details)


async def test_a_replay_failure_shows_postgresql_message_and_detail(db: str, tmp_path: Path) -> None:
    settings = folder_with(
        tmp_path,
        ("20260101000000_dup.sql", "CREATE TABLE t (id int PRIMARY KEY);\nINSERT INTO t VALUES (1), (1);\n"),
    )
    shown = await replay_text(db, settings)
    assert "20260101000000_dup.sql:2: ERROR: duplicate key value violates unique constraint" in shown
    assert "[23505]" in shown
    assert "DETAIL: Key (id)=(1) already exists." in shown
    assert not await fetch(db, "SELECT 1 FROM pg_class WHERE relname = 't'")  # the live database untouched


async def test_a_replay_failure_shows_the_position_with_a_caret(db: str, tmp_path: Path) -> None:
    settings = folder_with(
        tmp_path, ("20260101000000_typo.sql", "CREATE TABLE a (id int);\nSELECT id\n  FROM nosuch;\n")
    )
    shown = await replay_text(db, settings)
    assert '20260101000000_typo.sql:3: ERROR: relation "nosuch" does not exist [42P01]' in shown
    lines = shown.splitlines()
    at = next(i for i, line in enumerate(lines) if line.rstrip(";").endswith("FROM nosuch"))
    assert lines[at + 1].strip() == "^"
    assert lines[at + 1].index("^") == lines[at].index("nosuch")


# -- help at 80×24 ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("pane", ["tables", "migrations"])
async def test_help_at_80x24_keeps_each_key_on_one_line_with_what_it_does(demo: DemoInfo, pane: str) -> None:
    async with demo_app(demo).run_test(size=(80, 24)) as pilot:
        app = await loaded(pilot)
        if pane == "migrations":
            await pilot.press("m")
            await wait_for(pilot, lambda: app.query_one(MigrationsPane).loaded)
        await pilot.press("question_mark")
        help_screen = app.screen
        assert isinstance(help_screen, HelpScreen)
        await pilot.pause()
        assert help_screen.title_text == pane.capitalize()  # the pane's name, not a widget's class name
        assert "MarkList" not in {entry[0] for entry in help_screen.entries}
        table = help_screen.query_one("#help-table", Widget)
        lines = ["".join(text for text, _ in line).rstrip() for line in rendered(table)]
        for (
            _,
            keys,
            description,
            _,
        ) in help_screen.entries:  # e.g. "Sort by name / FK in-degree / rows / size"
            assert any(line.startswith(f"  {keys} ") and description in line for line in lines), description
        legend = "\n".join(
            "".join(text for text, _ in line)
            for line in rendered(help_screen.query_one(".help-legend", Widget))
        )
        assert "◆ materialized view" in legend and "! stale meta rows" in legend


async def test_help_offers_paging_left_and_right_only_where_a_pane_scrolls_sideways(demo: DemoInfo) -> None:
    """The Tables help listed `^pgup Page Left` and `^pgdn Page Right`: its rows are cut to its width, so the
    keys did nothing. The Details, whose index definitions ran past 80 columns, now wrap them: nothing there
    scrolls sideways either."""
    async with demo_app(demo).run_test(size=(80, 24)) as pilot:
        app = await loaded(pilot)
        await goto(pilot, "api_tokens")
        for focused in (TableList, ColumnList, DetailsView):
            assert isinstance(app.focused, focused)
            actions = {entry[3] for entry in help_entries_of(app)}
            assert not {"page_left", "page_right"} & actions, actions
            await pilot.press("tab")
        details = app.query_one(DetailsView)
        assert details.virtual_size.width <= details.size.width
        await pilot.press("m")
        await wait_for(pilot, lambda: app.query_one(MigrationsPane).loaded)
        assert not {"page_left", "page_right"} & {entry[3] for entry in help_entries_of(app)}


def help_entries_of(app: DibsApp) -> list[tuple[str, str, str, str]]:
    from dibs_tui.ui.app_help import help_entries

    return help_entries(app)[1]


async def test_the_screen_focuses_the_tables_list_as_it_is_composed(db: str) -> None:
    """The browser's screen gives the Tables list the focus itself: Textual's default (the first focusable
    widget) gave it to the tab strip and the app moved it on, two more style passes before the first frame."""
    await execute(db, "CREATE TABLE t (id int)")
    app = DibsApp(resolve(db), Settings(project_root=Path.cwd()), header_label="dibs_test")
    async with app.run_test(size=(120, 36)) as pilot:
        await loaded(pilot)
        screen, tables = app.screen, app.query_one(TableList)
        assert screen.AUTO_FOCUS is not None and screen.query(screen.AUTO_FOCUS).first() is tables
        assert app.focused is tables
