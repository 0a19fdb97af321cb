"""Hostile text on the screen at 80×24: names, comments, file names and PostgreSQL's own error messages that
carry terminal escapes or newlines, or are long enough to push the layout around. Each test asserts what was
not lost (the rows and the card's column rows are still there, one line each) and what did not run (no escape
reaches the terminal, no migration touched the live database)."""

from __future__ import annotations

from pathlib import Path

from rich.cells import cell_len
from textual.pilot import Pilot
from textual.widget import Widget
from textual.widgets import Static

from dibs_tui.config import Settings
from dibs_tui.core.connect import resolve
from dibs_tui.ui.app import DibsApp
from dibs_tui.ui.diff_pane import DiffPane
from dibs_tui.ui.health_pane import HealthPane
from dibs_tui.ui.migrations_pane import MigrationsPane
from dibs_tui.ui.screens.finder import FinderScreen
from tests.pg import execute, fetch
from tests.ui_pilot import loaded, rendered, screen_text, wait_for

SMALL = (80, 24)
ESC = "\x1b"


def links(app: DibsApp) -> set[str]:
    """Every OSC 8 target on screen."""
    found: set[str] = set()
    for widget in app.screen.walk_children(Widget):
        if widget.display and widget.size.area:
            found |= {url for line in rendered(widget) for _, url in line if url}
    return found


def text_of(widget: Static) -> str:
    return str(widget.render())


def project(tmp_path: Path, migrations: dict[str, str], schema: str | None = None) -> Settings:
    folder = tmp_path / "db" / "migrations"
    folder.mkdir(parents=True)
    for name, text in migrations.items():
        (folder / name).write_text(text, encoding="utf-8")
    paths: tuple[Path, ...] = ()
    if schema is not None:
        (tmp_path / "db" / "schema.sql").write_text(schema, encoding="utf-8")
        paths = (tmp_path / "db" / "schema.sql",)
    return Settings(project_root=tmp_path, migrations_dir=folder, schema_paths=paths)


async def changes_text(app: DibsApp, pilot: Pilot[int]) -> str:
    details = app.query_one(MigrationsPane).query_one("#migrations-details", Static)
    await wait_for(
        pilot, lambda: "Changes:" in text_of(details) and "computing" not in text_of(details), limit=60
    )
    return text_of(details)


async def test_a_comment_full_of_escapes_and_lines_does_not_take_the_cards_column_rows(db: str) -> None:
    doc = "\\n".join(
        f"line {i} \\x1b[2J\\x1b]8;;https://evil.example\\x07click\\x1b]8;;\\x07" for i in range(40)
    )
    columns = ", ".join(f"col_{i} int" for i in range(12))
    newline_column = "c" * 50 + "\n" + "d" * 10  # 61 bytes, a real newline inside
    await execute(
        db,
        f"""CREATE TABLE victim ({columns}, "{newline_column}" text);
        COMMENT ON TABLE victim IS E'{doc}';
        INSERT INTO victim (col_0) VALUES (1), (2);""",
    )
    app = DibsApp(resolve(db), Settings(project_root=Path.cwd()), header_label="t")
    async with app.run_test(size=SMALL) as pilot:
        await loaded(pilot)
        columns_list = app.card.column_list
        assert min(columns_list.region.height, columns_list.row_count) >= 8  # not lost to the 40-line doc
        header = text_of(app.query_one("#card-header", Static))
        assert len(header.splitlines()) <= 4  # the doc yields to the columns on a short screen
        shown = screen_text(app)
        assert ESC not in shown and "\\x1b[2J" in shown  # shown escaped, never sent to the terminal
        assert not any("evil" in url for url in links(app))
        await pilot.press("tab", "G")  # the column with a newline in its name: one row, the newline shown
        assert columns_list.current() is not None and "\n" in columns_list.current().name  # type: ignore[union-attr]
        assert columns_list.virtual_size.height == columns_list.row_count
    assert (await fetch(db, "SELECT count(*) AS n FROM victim"))[0]["n"] == 2


async def test_a_migration_error_that_quotes_an_escape_is_shown_escaped(db: str, tmp_path: Path) -> None:
    name = "x\x1b[2J\x1b]0;owned\x07"
    settings = project(
        tmp_path,
        {"20260101000000_twice.sql": f'CREATE TABLE "{name}" (id int);\nCREATE TABLE "{name}" (id int);\n'},
    )
    app = DibsApp(resolve(db), settings, header_label="t")
    async with app.run_test(size=SMALL) as pilot:
        await wait_for(pilot, lambda: app.catalog is not None)
        await pilot.press("m")
        shown = await changes_text(app, pilot)
        assert "already exists" in shown and "[42P07]" in shown  # PostgreSQL's reason, in full
        assert "\\x1b[2J" in shown and "\\x1b]0;owned\\x07" in shown
        assert ESC not in screen_text(app)
    # The replay ran in a shadow database: the live one has neither the table nor a history row.
    assert not await fetch(db, "SELECT 1 FROM pg_class WHERE relname = $1", name)
    assert not await fetch(db, "SELECT 1 FROM pg_class WHERE relname = '__dibs_migrations'")


async def test_a_migration_file_name_with_escapes_is_one_escaped_row(db: str, tmp_path: Path) -> None:
    hostile = "20260101000000_\x1b]8;;https:evil.example\x07click\x1b]8;;\x07.sql"  # no slash: one name
    settings = project(tmp_path, {hostile: "CREATE TABLE fine (id int);\n"})
    app = DibsApp(resolve(db), settings, header_label="t")
    async with app.run_test(size=SMALL) as pilot:
        await wait_for(pilot, lambda: app.catalog is not None)
        await pilot.press("m")
        pane = app.query_one(MigrationsPane)
        status = pane.query_one("#migrations-status", Static)
        await wait_for(pilot, lambda: pane.loaded or "Reading" not in text_of(status))
        shown = screen_text(app)
        assert ESC not in shown
        if pane.loaded:  # listed: one row, its mark first, the escapes visible
            listed = pane.migrations_list
            assert listed.option_count == 1 and listed.virtual_size.height == 1
            assert listed.render_line(0).text.strip().startswith("•")
            assert "\\x1b]8;;" in str(listed.get_option_at_index(0).prompt)
        else:  # refused by the folder scan: said in one line, escaped
            assert "\\x1b" in text_of(status) and "Traceback" not in shown
    assert not await fetch(db, "SELECT 1 FROM pg_class WHERE relname = 'fine'")  # nothing was applied


async def test_a_diff_row_for_a_name_with_a_newline_stays_one_line(db: str, tmp_path: Path) -> None:
    await execute(
        db, 'CREATE TABLE "two\nlines\x1b[31m" (id int); INSERT INTO "two\nlines\x1b[31m" VALUES (7);'
    )
    settings = project(tmp_path, {}, schema="CREATE TABLE kept (id int);\n")
    app = DibsApp(resolve(db), settings, header_label="t")
    async with app.run_test(size=SMALL) as pilot:
        await wait_for(pilot, lambda: app.catalog is not None)
        await pilot.press("d")
        pane = app.query_one(DiffPane)
        await wait_for(pilot, lambda: pane.result is not None, limit=60)
        await pilot.pause()
        rows = pane.changes_list
        assert rows.virtual_size.height == rows.option_count  # every change one line, the newline escaped
        labels = [str(rows.get_option_at_index(i).prompt) for i in range(rows.option_count)]
        assert any("two\\nlines\\x1b[31m" in label for label in labels)
        assert ESC not in screen_text(app)
        assert app.tables_pane.table_list.sync_marks[("public", "two\nlines\x1b[31m")] == "only live"
    # The diff only planned the DROP: the table and its row are still there.
    assert (await fetch(db, 'SELECT id FROM "two\nlines\x1b[31m"'))[0]["id"] == 7


async def test_a_partition_of_a_parent_named_with_an_escape_is_shown_escaped_in_its_own_case(db: str) -> None:
    parent = "Parent\x1b[31mRed\x1b[0m"  # uppercased, `\x1b[0m` would become `\x1b[0M`: delete lines
    await execute(
        db,
        f"""CREATE TABLE "{parent}" (id int, k int) PARTITION BY LIST (k);
        CREATE TABLE leaf PARTITION OF "{parent}" FOR VALUES IN (1);
        INSERT INTO leaf VALUES (1, 1);""",
    )
    app = DibsApp(resolve(db), Settings(project_root=Path.cwd()), header_label="t")
    async with app.run_test(size=SMALL) as pilot:
        await loaded(pilot)
        assert app.go_to("public", "leaf")
        await wait_for(pilot, lambda: app.card.relation is not None and app.card.relation.name == "leaf")
        await pilot.pause()
        shown = screen_text(app)
        assert ESC not in shown
        heading = app.details.lines[0].content.plain  # the kind in capitals, the names in their own case
        assert heading == "PARTITION public.leaf OF public.Parent\\x1b[31mRed\\x1b[0m"
        await pilot.resize_terminal(160, 40)  # a card wide enough to name the parent in its facts line
        header = app.query_one("#card-header", Static)
        await wait_for(pilot, lambda: "partition of public.Parent\\x1b[31mRed\\x1b[0m" in text_of(header))
        assert ESC not in screen_text(app)
    assert (await fetch(db, "SELECT count(*) AS n FROM leaf"))[0]["n"] == 1


async def test_the_path_finder_names_a_table_with_an_escape_escaped(db: str) -> None:
    name = "t\x1b]52;c;cm0gLXJmIH4K\x07"  # OSC 52: would set the clipboard
    await execute(db, f'CREATE TABLE "{name}" (id int PRIMARY KEY); CREATE TABLE other (id int);')
    app = DibsApp(resolve(db), Settings(project_root=Path.cwd()), header_label="t")
    async with app.run_test(size=SMALL) as pilot:
        await loaded(pilot)
        assert app.go_to("public", name)
        await pilot.pause()
        await pilot.press("p")
        await wait_for(pilot, lambda: isinstance(app.screen, FinderScreen))
        await pilot.pause()
        title = text_of(app.screen.query_one("#finder-title", Static))
        assert title == "Path from public.t\\x1b]52;c;cm0gLXJmIH4K\\x07 to…"
        assert ESC not in screen_text(app)


async def test_y_copies_names_as_sql_spells_them(db: str) -> None:
    """`y` copies a name ready to paste into SQL: `public.Users` would name public.users (another table),
    and a raw escape sequence in the clipboard would act in the terminal it is pasted into."""
    hostile = "t\x1b]0;owned\x07"
    await execute(
        db,
        f"""CREATE TABLE "Users" (id int PRIMARY KEY, "Mixed Case" int);
        CREATE TABLE users (id int);
        CREATE TABLE "{hostile}" (id int);""",
    )
    app = DibsApp(resolve(db), Settings(project_root=Path.cwd()), header_label="t")
    async with app.run_test(size=SMALL) as pilot:
        await loaded(pilot)
        assert app.go_to("public", "Users")
        await wait_for(pilot, lambda: app.card.relation is not None and app.card.relation.name == "Users")
        app.tables_pane.table_list.focus()
        await pilot.press("y")
        assert app.clipboard == 'public."Users"'
        app.card.column_list.focus()
        await pilot.press("j", "y")
        assert app.clipboard == '"Mixed Case"'
        app.details.focus()
        app.details.move_cursor(0)  # the heading: COLUMN public.Users.Mixed Case
        await pilot.press("y")
        assert app.clipboard == '"Mixed Case"'
        assert app.go_to("public", hostile)
        await wait_for(pilot, lambda: app.card.relation is not None and app.card.relation.name == hostile)
        app.tables_pane.table_list.focus()
        await pilot.press("y")
        assert app.clipboard == 'public.U&"t\\001B]0;owned\\0007"' and ESC not in app.clipboard


async def test_invisible_characters_in_names_are_shown_so_two_tables_never_look_alike(db: str) -> None:
    """`us\\u200bers`, `us\\u200cers`, `us\\u200ders`, `users\\ufe0f` beside `users`: every format character
    (zero-width space, non-joiner, joiner, the Arabic letter mark, a tag) and a variation selector after ASCII is
    shown escaped and copied as a U&"" escape. A ZWJ emoji sequence shows its joiners escaped (the choice in
    core.terminal); a wide emoji's own presentation selector stays, the red heart's (1 cell wide) is escaped."""
    family = "family_\U0001f468\u200d\U0001f469"
    hidden = ["us\u200bers", "us\u200cers", "us\u200ders", "users\ufe0f", "us\u061cers", "users\U000e0041"]
    heart, grin = "love_\u2764\ufe0f", "grin_\U0001f600\ufe0f"
    names = ["users", *hidden, family, heart, grin]
    await execute(db, "".join(f'CREATE TABLE "{name}" (id int);' for name in names))
    app = DibsApp(resolve(db), Settings(project_root=Path.cwd()), header_label="t")
    async with app.run_test(size=(120, 30)) as pilot:
        await loaded(pilot)
        shown = screen_text(app)
        for escaped in ("us\\u200bers", "us\\u200cers", "us\\u200ders", "users\\ufe0f", "us\\u061cers"):
            assert escaped in shown, escaped
        assert "users\\U000e0041" in shown
        assert "family_\U0001f468\\u200d\U0001f469" in shown and grin in shown
        assert "love_\u2764\\ufe0f" in shown and heart not in shown
        assert not any(char in shown for char in "\u200b\u200c\u200d\u061c\U000e0041")
        assert "users\ufe0f" not in shown
        assert app.go_to("public", "us\u200cers")
        await wait_for(
            pilot, lambda: app.card.relation is not None and app.card.relation.name == "us\u200cers"
        )
        app.tables_pane.table_list.focus()
        await pilot.press("y")
        assert app.clipboard == 'public.U&"us\\200Cers"'


async def test_long_names_with_escapes_cut_in_their_middle_stay_escaped_and_keep_their_marks(db: str) -> None:
    """The Tables list and the Health tab cut a long name in its middle at 80 columns: the cut works on the
    escaped text (a `\\x1b` halved is still no escape), the wide characters keep the row's width, and the
    `[f]` mark stays."""
    evil = "\x1b]8;;https://evil.example\x07" + "x" * 40 + "\x1b]8;;\x07\u202e"
    wide = "注文" * 12
    await execute(
        db,
        f"""CREATE TABLE hub (id int PRIMARY KEY);
        CREATE TABLE "{evil}" (id int PRIMARY KEY, a int REFERENCES hub, b int REFERENCES hub);
        CREATE TABLE "{wide}" (id int PRIMARY KEY, c int REFERENCES hub);""",
    )
    app = DibsApp(resolve(db), Settings(project_root=Path.cwd()), header_label="t")
    async with app.run_test(size=SMALL) as pilot:
        await loaded(pilot)
        listed = app.tables_pane.query_one("#table-list")
        rows = [listed.render_line(y).text for y in range(listed.size.height)]
        cut = [row for row in rows if "…" in row]
        assert len(cut) == 2 and all(cell_len(row) == cell_len(rows[0]) for row in cut), rows
        await pilot.press("H")
        health = app.query_one(HealthPane)
        await wait_for(pilot, lambda: health.report is not None, limit=60)
        await pilot.pause()
        findings = health.findings_list
        lines = [findings.render_line(y).text for y in range(findings.option_count)]
        keys = [line for line in lines if "fkey" in line]
        assert len(keys) == 3 and all(line.rstrip().endswith("[f]") for line in keys), lines
        shown = screen_text(app)
        assert ESC not in shown and "\u202e" not in shown and "\\x1b" in shown
        assert not any("evil" in url for url in links(app))
